"""The trainer's side of the checkpoint contract with the pod agent (standard library only).

The trainer saves Hugging Face Trainer checkpoints (weights or adapter, optimizer, scheduler, RNG state,
trainer_state.json) under checkpoints/checkpoint-<step>/ every `checkpoint.everySteps` steps or
`checkpoint.everyMinutes` minutes, whichever comes first. A checkpoint is complete once its marker file
(trainpod-checkpoint.json) exists: the trainer writes it last and then prints `TRAINPOD_CHECKPOINT {json}`, the
agent's cue to upload it. A new pod resumes from the directory in TRAINPOD_RESUME_FROM (a downloaded checkpoint),
else from the newest complete local one, with its optimizer and scheduler state, so the loss curve continues.
"""
import json
import os
import re
import time

MARKER = "trainpod-checkpoint.json"
CHECKPOINT_PREFIX = "TRAINPOD_CHECKPOINT "
RESUME_ENV = "TRAINPOD_RESUME_FROM"
DEFAULT_EVERY_MINUTES = 30
_NAME = re.compile(r"^checkpoint-(\d+)$")


def settings(config, default_every_steps):
    """{"everySteps", "everyMinutes"} from the job config's "checkpoint" object, defaults filled in."""
    raw = config.get("checkpoint") or {}
    if not isinstance(raw, dict):
        raise ValueError("checkpoint must be a JSON object")
    steps = raw.get("everySteps", default_every_steps)
    minutes = raw.get("everyMinutes", DEFAULT_EVERY_MINUTES)
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
        raise ValueError("checkpoint.everySteps must be a whole number of at least 1")
    if not isinstance(minutes, (int, float)) or isinstance(minutes, bool) or not 0 < minutes <= 24 * 60:
        raise ValueError("checkpoint.everyMinutes must be above 0 and at most 1440")
    return {"everySteps": steps, "everyMinutes": minutes}


def is_complete(path):
    return os.path.isfile(os.path.join(path, MARKER))


def complete_checkpoints(checkpoint_dir):
    """The complete checkpoints under checkpoint_dir, oldest step first, as (step, path)."""
    if not os.path.isdir(checkpoint_dir):
        return []
    found = []
    for name in os.listdir(checkpoint_dir):
        match = _NAME.match(name)
        path = os.path.join(checkpoint_dir, name)
        if match and is_complete(path):
            found.append((int(match.group(1)), path))
    return sorted(found)


def resume_from(checkpoint_dir, env=None, log=lambda message: None):
    """The checkpoint to resume from: TRAINPOD_RESUME_FROM when it is complete, else the newest local one, else None."""
    env = os.environ if env is None else env
    given = env.get(RESUME_ENV)
    if given:
        if is_complete(given):
            return given
        log("%s=%s is not a complete checkpoint (no %s); not resuming from it" % (RESUME_ENV, given, MARKER))
    local = complete_checkpoints(checkpoint_dir)
    return local[-1][1] if local else None


def marker(step, eval_loss=None, now=None):
    """The marker's content: the step, when it was written and, when the step was evaluated, its eval loss."""
    body = {"step": int(step), "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))}
    if eval_loss is not None:
        body["evalLoss"] = float(eval_loss)
    return body


def mark_complete(path, step, eval_loss=None):
    """Writes the marker (through a temporary file, so that it appears whole) and returns the agent's line."""
    temporary = os.path.join(path, MARKER + ".tmp")
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump(marker(step, eval_loss), f)
    os.replace(temporary, os.path.join(path, MARKER))
    return checkpoint_line(step, path)


def checkpoint_line(step, path):
    return CHECKPOINT_PREFIX + json.dumps({"step": int(step), "path": path}, separators=(",", ":"))


class TimedSaves:
    """Says when a checkpoint is due by the clock: `everyMinutes` after the last save (or the start)."""

    def __init__(self, every_minutes, clock=time.monotonic):
        self.every_seconds = every_minutes * 60.0
        self.clock = clock
        self.last = clock()

    def due(self):
        return self.clock() - self.last >= self.every_seconds

    def saved(self):
        self.last = self.clock()
