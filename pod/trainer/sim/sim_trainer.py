"""Simulated trainer: stands in for TRL training where no GPU libraries exist, printing what a
real trainer run prints and leaving a small output/ for the agent to upload.

Reads the job config (JSON) and its optional "simulation" object: steps (default 30),
stepSeconds (default 0.2), failAtStep (default none) and exitCode (default 1). Prints
`TRAINPOD_TOTAL_STEPS T` once, then per step a human line and a `TRAINPOD_METRIC {json}`
line with a falling loss; at failAtStep it prints a Python traceback to stderr and exits
with exitCode.

Checkpoints as the real trainer keeps them: every hyperparameters.saveSteps steps (default 200, the real
trainer's) a checkpoint-<step>/ directory in --checkpoint-dir (default checkpoints) with trainer_state.json
(global_step and the random generator's state: the "optimizer state" of this trainer) and a few simulated
optimizer bytes, the last 2 kept. A run that finds a checkpoint there resumes after its step, and its loss
series continues exactly as an uninterrupted run's would.

Evaluation and early stopping as the real trainer (trainer/evaluation.py) does them: with "validation" in the config
it reports `evalLoss` every validation.everySteps (default 50) steps, and checkpoints only at evaluated steps (the
interval rounded up to a multiple of the eval interval); with "earlyStopping" it stops once `patience` evaluations
in a row did not lower the best eval loss by more than `minDelta`, saves the stop step's checkpoint, keeps the best
one besides the last two, and makes the best checkpoint's weights its output. It reports what the stop saved (steps
not run × seconds per step × costPerHourUsd) in a log line and in output/trainpod_training.json, the real trainer's
lineage file. The eval loss follows the training curve (+0.05) until simulation.evalPlateauAtStep and stays on that
plateau from there, creeping up 0.001 a step: a run that stopped improving, which early stopping ends.

GPU memory is simulated too, from the hyperparameters: 1.5 GiB plus 0.25 MiB per token of a
step's batch (batchSize × maxSeqLength, defaults 4 × 2048). A batch that does not fit the
simulated GPU (simulation.gpuMemoryGb, default 16) fails at step 1 with PyTorch's CUDA
out-of-memory error and exit code 1, as a real run would; batchSize 64 with maxSeqLength
4096 is such a batch. Standard library only: it travels base64-encoded in the pod's args.
"""
import argparse
import json
import math
import os
import random
import re
import shutil
import sys
import time
import traceback
from datetime import datetime, timezone

ARTIFACT_BYTES = 64 * 1024
BASE_MEMORY_MIB = 1536
MIB_PER_TOKEN = 0.25


class OutOfMemoryError(RuntimeError):
    """Named and worded like torch.OutOfMemoryError, which the agent recognises."""


def count_rows(dataset_path):
    with open(dataset_path, "rb") as f:
        return sum(1 for line in f if line.strip())


def memory_mib(hyperparameters):
    tokens = int(hyperparameters.get("batchSize") or 4) * int(hyperparameters.get("maxSeqLength") or 2048)
    return BASE_MEMORY_MIB + tokens * MIB_PER_TOKEN


def metric(step, steps, epochs, base_lr, gpu_mib, rng):
    """One metric point: loss 2.5·e^(-3p)+0.3 with ±1% noise, cosine learning-rate decay."""
    progress = step / steps
    return {
        "step": step,
        "epoch": round(progress * epochs, 4),
        "loss": round((2.5 * math.exp(-3 * progress) + 0.3) * (1 + rng.uniform(-0.01, 0.01)), 4),
        "learningRate": base_lr * 0.5 * (1 + math.cos(math.pi * progress)),
        "gradNorm": round((1.5 * math.exp(-2 * progress) + 0.2) * (1 + rng.uniform(-0.05, 0.05)), 4),
        "tokensPerSecond": round(1800 * (1 + rng.uniform(-0.03, 0.03)), 1),
        "gpuMemoryMb": round(gpu_mib, 1),
        "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def fail(step):
    raise RuntimeError("simulated trainer failure at step %d" % step)


def out_of_memory(needed_mib, gpu_gib):
    raise OutOfMemoryError(
        "CUDA out of memory. Tried to allocate %.2f GiB. GPU 0 has a total capacity of %.2f GiB "
        "(simulated)" % ((needed_mib - BASE_MEMORY_MIB) / 1024, gpu_gib))


def adapter_bytes(step):
    """The simulated weights after `step` steps: deterministic, so the output shows which step it came from."""
    return random.Random(step).getrandbits(8 * ARTIFACT_BYTES).to_bytes(ARTIFACT_BYTES, "little")


def write_output(config, steps, final_loss, evaluation=None):
    """What a real run leaves in output/: here a summary and deterministic adapter bytes (of the best evaluated
    step when evaluating, else of the last), and with evaluation the real trainer's lineage file."""
    os.makedirs("output", exist_ok=True)
    summary = {"trainer": "simulated", "model": config.get("model"), "method": config.get("method", "SFT"),
               "steps": steps, "finalLoss": final_loss}
    weights_of = steps
    if evaluation is not None:
        summary.update(evaluation)
        weights_of = evaluation.get("bestStep") or steps
    with open(os.path.join("output", "training_summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2)
    if evaluation is not None:
        with open(os.path.join("output", "trainpod_training.json"), "w", encoding="utf-8") as f:
            json.dump(dict(summary, trainer="simulated", weightsOfStep=weights_of), f, indent=2)
    with open(os.path.join("output", "simulated_adapter.bin"), "wb") as f:
        f.write(adapter_bytes(weights_of))


class Plateau:
    """Early stopping with the real trainer's rule: stop after `patience` evaluations in a row that did not lower
    the best eval loss by more than `min_delta` (no stop when patience is None: evaluation only). Like Hugging Face's
    trainer, the best checkpoint is the best among the saved (evaluated) ones."""

    def __init__(self, patience, min_delta, state=None):
        self.patience, self.min_delta = patience, min_delta
        self.best_loss, self.without_gain, self.best_step, self.best_saved_loss = state or [None, 0, None, None]
        self.stopped_at = None

    def state(self):
        return [self.best_loss, self.without_gain, self.best_step, self.best_saved_loss]

    def update(self, step, loss):
        """Records one evaluation; True when training should stop now."""
        if self.best_loss is None or loss < self.best_loss - self.min_delta:
            self.best_loss, self.without_gain = loss, 0
            return False
        self.without_gain += 1
        if self.patience is not None and self.without_gain >= self.patience:
            self.stopped_at = step
            return True
        return False

    def saved(self, step, loss):
        """A checkpoint was saved at an evaluated step: it is the best one when its eval loss is the lowest."""
        if loss is not None and (self.best_saved_loss is None or loss < self.best_saved_loss):
            self.best_step, self.best_saved_loss = step, loss


def eval_loss(step, steps, plateau_at):
    """The training curve's value +0.05 up to plateau_at; from there flat, creeping up 0.001 a step (a run that
    stopped improving). ±0.0002 noise of its own (seeded by the step): evaluating leaves the training loss as it is."""
    at = step if plateau_at is None else min(step, int(plateau_at))
    creep = 0.0 if plateau_at is None else 0.001 * max(0, step - int(plateau_at))
    return round(2.5 * math.exp(-3 * at / steps) + 0.35 + creep + random.Random(step).uniform(-0.0002, 0.0002), 4)


CHECKPOINT_NAME = re.compile(r"^checkpoint-(\d+)$")
CHECKPOINTS_KEPT = 2
DEFAULT_SAVE_STEPS = 200  # hyperparameters.json's default for saveSteps
DEFAULT_EVAL_EVERY_STEPS = 50  # trainer/evaluation.py's
OPTIMIZER_BYTES = 16 * 1024


def last_checkpoint(checkpoint_dir):
    """(step, path) of the newest finished checkpoint, or None."""
    try:
        names = os.listdir(checkpoint_dir)
    except OSError:
        return None
    found = [(int(m.group(1)), os.path.join(checkpoint_dir, n)) for n in names
             for m in [CHECKPOINT_NAME.match(n)] if m
             and os.path.isfile(os.path.join(checkpoint_dir, n, "trainer_state.json"))]
    return max(found) if found else None


def save_checkpoint(checkpoint_dir, step, rng, stopper=None):
    """Writes checkpoint-<step>/ whole (into a temporary name, then renamed) and keeps the last two (and the best
    evaluated one)."""
    final = os.path.join(checkpoint_dir, "checkpoint-%d" % step)
    tmp = final + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    with open(os.path.join(tmp, "optimizer.pt"), "wb") as f:
        f.write(random.Random(step).getrandbits(8 * OPTIMIZER_BYTES).to_bytes(OPTIMIZER_BYTES, "little"))
    with open(os.path.join(tmp, "adapter.bin"), "wb") as f:
        f.write(adapter_bytes(step))
    with open(os.path.join(tmp, "trainer_state.json"), "w", encoding="utf-8") as f:
        json.dump({"global_step": step, "rng_state": rng.getstate(),
                   "early_stopping": stopper.state() if stopper else None}, f)
    os.rename(tmp, final)
    steps = sorted(int(m.group(1)) for m in map(CHECKPOINT_NAME.match, os.listdir(checkpoint_dir)) if m)
    for old in steps[:-CHECKPOINTS_KEPT]:
        if stopper is not None and old == stopper.best_step:
            continue
        shutil.rmtree(os.path.join(checkpoint_dir, "checkpoint-%d" % old), ignore_errors=True)


def resume(checkpoint_dir, rng):
    """(step to go on after, early-stopping state), restoring the generator from the newest checkpoint; (0, None)
    without one."""
    found = last_checkpoint(checkpoint_dir)
    if found is None:
        return 0, None
    with open(os.path.join(found[1], "trainer_state.json"), encoding="utf-8") as f:
        state = json.load(f)
    version, internal, gauss = state["rng_state"]
    rng.setstate((version, tuple(internal), gauss))
    print("resuming from %s (step %d)" % (found[1], state["global_step"]), flush=True)
    return int(state["global_step"]), state.get("early_stopping")


def evaluation_plan(config, save_steps):
    """(eval every N steps or None, Plateau or None, checkpoint interval): the real trainer's defaults and rules."""
    validation, early = config.get("validation"), config.get("earlyStopping")
    if not isinstance(validation, dict):
        return None, None, save_steps
    every = int(validation.get("everySteps") or DEFAULT_EVAL_EVERY_STEPS)
    patience = int((early or {}).get("patience") or 3) if isinstance(early, dict) else None
    stopper = Plateau(patience, float((early or {}).get("minDelta") or 0.0))
    return every, stopper, max(1, math.ceil(save_steps / every)) * every


def train(config, dataset_path, checkpoint_dir="checkpoints"):
    simulation = config.get("simulation") or {}
    hyperparameters = config.get("hyperparameters") or {}
    steps = max(int(simulation.get("steps") or 30), 1)
    step_seconds = float(simulation.get("stepSeconds", 0.2))
    fail_at = simulation.get("failAtStep")
    gpu_gib = float(simulation.get("gpuMemoryGb") or 16)
    epochs = float(hyperparameters.get("epochs", 1))
    base_lr = float(hyperparameters.get("learningRate", 2e-4))
    gpu_mib = memory_mib(hyperparameters)
    rng = random.Random(steps)
    save_steps = int(hyperparameters.get("saveSteps") or DEFAULT_SAVE_STEPS)
    print("simulated trainer: %s %s, %d rows, %d steps" % (
        config.get("method", "SFT"), config.get("model", "?"), count_rows(dataset_path), steps), flush=True)
    print("Hugging Face token: %s" % ("provided" if os.environ.get("HF_TOKEN") else "none"), flush=True)
    print("TRAINPOD_TOTAL_STEPS %d" % steps, flush=True)
    eval_every, stopper, save_steps = evaluation_plan(config, save_steps)
    point = None
    start, stopping_state = resume(checkpoint_dir, rng)
    if stopper is not None and stopping_state:
        stopper = Plateau(stopper.patience, stopper.min_delta, stopping_state)
    os.makedirs(checkpoint_dir, exist_ok=True)
    began, step = time.monotonic(), start
    for step in range(start + 1, steps + 1):
        time.sleep(step_seconds)
        if gpu_mib > gpu_gib * 1024:
            out_of_memory(gpu_mib, gpu_gib)
        if fail_at is not None and step == int(fail_at):
            fail(step)
        point = metric(step, steps, epochs, base_lr, gpu_mib, rng)
        stop = False
        if eval_every and step % eval_every == 0:
            point["evalLoss"] = eval_loss(step, steps, simulation.get("evalPlateauAtStep"))
            stop = stopper.update(step, point["evalLoss"])
        print("step %d/%d loss=%.4f lr=%.2e" % (step, steps, point["loss"], point["learningRate"]), flush=True)
        print("TRAINPOD_METRIC " + json.dumps(point), flush=True)
        if (step % save_steps == 0 or stop) and step < steps:
            if stopper is not None:
                stopper.saved(step, point.get("evalLoss"))
            save_checkpoint(checkpoint_dir, step, rng, stopper)
        if stop:
            break
    write_output(config, step, point["loss"] if point else None,
                 evaluated(stopper, step, steps, time.monotonic() - began, step - start, config))
    print("training finished", flush=True)


def evaluated(stopper, step, steps, seconds, steps_run, config):
    """The evaluation part of the output's summary: best step and loss, and what an early stop saved."""
    if stopper is None:
        return None
    result = {"bestStep": stopper.best_step, "bestEvalLoss": stopper.best_saved_loss,
              "bestCheckpoint": "checkpoint-%d" % stopper.best_step if stopper.best_step else None}
    if stopper.stopped_at is None:
        return result
    per_step = seconds / steps_run if steps_run > 0 else 0.0
    price = config.get("costPerHourUsd")
    saved = {"stepsNotRun": steps - step, "secondsSaved": round((steps - step) * per_step, 1),
             "usdSaved": None if price is None else round((steps - step) * per_step * float(price) / 3600.0, 4),
             "stoppedAtStep": step, "bestStep": stopper.best_step}
    print("early stopping at step %d: eval loss did not improve by more than %s in %d evaluations; best checkpoint "
          "%s (eval loss %s)" % (step, stopper.min_delta, stopper.patience, result["bestCheckpoint"],
                                 stopper.best_saved_loss), flush=True)
    print("early stopping saved %(stepsNotRun)d steps (%(secondsSaved)s s, %(usdSaved)s USD)" % saved, flush=True)
    result["earlyStopping"] = saved
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description="Trainpod simulated trainer")
    parser.add_argument("--config", required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--validation")
    parser.add_argument("--checkpoint-dir", default="checkpoints")
    args = parser.parse_args(argv)
    with open(args.config, encoding="utf-8") as f:
        config = json.load(f)
    try:
        train(config, args.dataset, args.checkpoint_dir)
    except OutOfMemoryError:
        sys.stdout.flush()
        traceback.print_exc()
        return 1
    except RuntimeError:
        sys.stdout.flush()
        traceback.print_exc()
        sys.stderr.flush()
        return int((config.get("simulation") or {}).get("exitCode", 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
