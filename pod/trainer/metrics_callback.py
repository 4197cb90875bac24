"""The Trainer callback that reports every logged step to the pod agent, as `TRAINPOD_METRIC {json}` lines.

The payload is pure logic (standard library only); the callback class is built around transformers'
TrainerCallback when the trainer runs, so this module imports without GPU libraries. The agent reads the
lines from the trainer's stdout and ships them to metrics-service.

A step's point is held back until the next step begins: when the step was also an evaluation step, its eval loss
(`evalLoss`) joins the same point (metrics-service keeps one point per step), and reaches the live stream with it.
Only the main process (rank 0) emits, so several GPUs report each step once.
"""
import json
import math
import time
from datetime import datetime, timezone

METRIC_PREFIX = "TRAINPOD_METRIC "
TOTAL_STEPS_PREFIX = "TRAINPOD_TOTAL_STEPS "

# Hugging Face log keys → metric fields beyond the fixed ones (DPO's rewards among them).
EXTRA_KEYS = {
    "rewards/chosen": "rewardChosen",
    "rewards/rejected": "rewardRejected",
    "rewards/margins": "rewardMargin",
    "rewards/accuracies": "rewardAccuracy",
}


def now_iso():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def payload(step, logs, epoch=None, tokens_per_second=None, gpu_memory_mb=None, time_iso=None):
    """One metric point from a step's Hugging Face logs; values that are missing or not finite are left out."""
    point = {"step": int(step)}
    candidates = {
        "epoch": logs.get("epoch", epoch),
        "loss": logs.get("loss"),
        "learningRate": logs.get("learning_rate"),
        "gradNorm": logs.get("grad_norm"),
        "tokensPerSecond": tokens_per_second,
        "gpuMemoryMb": gpu_memory_mb,
    }
    for source, name in EXTRA_KEYS.items():
        candidates[name] = logs.get(source)
    for name, value in candidates.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            point[name] = round(float(value), 8)
    point["time"] = time_iso or now_iso()
    return point


def with_eval(point, logs):
    """The point with the evaluation's loss added as evalLoss (a copy; a loss that is not finite is left out)."""
    value = logs.get("eval_loss")
    merged = dict(point)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        merged["evalLoss"] = round(float(value), 8)
    return merged


def metric_line(point):
    return METRIC_PREFIX + json.dumps(point, separators=(",", ":"))


class TokenRate:
    """Tokens per second between two logged steps, from the trainer's running count of input tokens."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.last = None

    def update(self, tokens_seen):
        now = self.clock()
        previous, self.last = self.last, (now, tokens_seen)
        if previous is None or tokens_seen is None or previous[1] is None or now <= previous[0]:
            return None
        return (tokens_seen - previous[1]) / (now - previous[0])


def make_callback(base_class, emit=print, gpu_memory_mb=lambda: None, clock=time.monotonic):
    """A subclass of base_class (transformers.TrainerCallback) that emits the total once and a point per logged
    step, with the step's eval loss when it was evaluated."""
    rate = TokenRate(clock)
    pending = {}

    def main(state):
        return getattr(state, "is_world_process_zero", True)

    def flush():
        point = pending.pop("point", None)
        if point is not None:
            emit(metric_line(point))

    class TrainpodMetricsCallback(base_class):
        def on_train_begin(self, args, state, control, **kwargs):
            if main(state):
                emit(TOTAL_STEPS_PREFIX + str(int(state.max_steps)))
            rate.update(getattr(state, "num_input_tokens_seen", None))

        def on_step_begin(self, args, state, control, **kwargs):
            flush()

        def on_save(self, args, state, control, **kwargs):
            flush()

        def on_train_end(self, args, state, control, **kwargs):
            flush()

        def on_log(self, args, state, control, logs=None, **kwargs):
            logs = logs or {}
            if not main(state):
                return
            if "eval_loss" in logs:
                point = pending.pop("point", None)
                if point is None or point["step"] != int(state.global_step):
                    if point is not None:
                        emit(metric_line(point))
                    point = {"step": int(state.global_step), "time": now_iso()}
                emit(metric_line(with_eval(point, logs)))
                return
            if "loss" not in logs and "rewards/margins" not in logs:
                return  # the end-of-training summary, not a step
            flush()
            tokens_per_second = rate.update(getattr(state, "num_input_tokens_seen", None))
            pending["point"] = payload(state.global_step, logs, state.epoch, tokens_per_second, gpu_memory_mb())

    return TrainpodMetricsCallback
