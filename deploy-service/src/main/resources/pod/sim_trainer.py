"""Simulated trainer: stands in for TRL training where no GPU libraries exist (and when a
deployment asks for a simulation), printing what a real trainer run prints.

Reads the job config (JSON) and its optional "simulation" object: steps (default 30),
stepSeconds (default 0.2), failAtStep (default none) and exitCode (default 1). Prints
`TRAINPOD_TOTAL_STEPS T` once, then per step a human line and a `TRAINPOD_METRIC {json}`
line with a falling loss; at failAtStep it prints a Python traceback to stderr and exits
with exitCode. Standard library only: it travels base64-encoded in the pod's args.
"""
import argparse
import json
import math
import random
import sys
import time
import traceback
from datetime import datetime, timezone


def count_rows(dataset_path):
    with open(dataset_path, "rb") as f:
        return sum(1 for line in f if line.strip())


def metric(step, steps, epochs, base_lr, rng):
    """One metric point: loss 2.5·e^(-3p)+0.3 with ±1% noise, cosine learning-rate decay."""
    progress = step / steps
    return {
        "step": step,
        "epoch": round(progress * epochs, 4),
        "loss": round((2.5 * math.exp(-3 * progress) + 0.3) * (1 + rng.uniform(-0.01, 0.01)), 4),
        "learningRate": base_lr * 0.5 * (1 + math.cos(math.pi * progress)),
        "gradNorm": round((1.5 * math.exp(-2 * progress) + 0.2) * (1 + rng.uniform(-0.05, 0.05)), 4),
        "tokensPerSecond": round(1800 * (1 + rng.uniform(-0.03, 0.03)), 1),
        "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def fail(step):
    raise RuntimeError("simulated trainer failure at step %d" % step)


def train(config, dataset_path):
    simulation = config.get("simulation") or {}
    hyperparameters = config.get("hyperparameters") or {}
    steps = max(int(simulation.get("steps") or 30), 1)
    step_seconds = float(simulation.get("stepSeconds", 0.2))
    fail_at = simulation.get("failAtStep")
    epochs = float(hyperparameters.get("epochs", 1))
    base_lr = float(hyperparameters.get("learningRate", 2e-4))
    rng = random.Random(steps)
    print("simulated trainer: %s %s, %d rows, %d steps" % (
        config.get("method", "SFT"), config.get("model", "?"), count_rows(dataset_path), steps), flush=True)
    print("TRAINPOD_TOTAL_STEPS %d" % steps, flush=True)
    for step in range(1, steps + 1):
        time.sleep(step_seconds)
        if fail_at is not None and step == int(fail_at):
            fail(step)
        point = metric(step, steps, epochs, base_lr, rng)
        print("step %d/%d loss=%.4f lr=%.2e" % (step, steps, point["loss"], point["learningRate"]), flush=True)
        print("TRAINPOD_METRIC " + json.dumps(point), flush=True)
    print("training finished", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Trainpod simulated trainer")
    parser.add_argument("--config", required=True)
    parser.add_argument("--dataset", required=True)
    args = parser.parse_args(argv)
    with open(args.config, encoding="utf-8") as f:
        config = json.load(f)
    try:
        train(config, args.dataset)
    except RuntimeError:
        sys.stdout.flush()
        traceback.print_exc()
        sys.stderr.flush()
        return int((config.get("simulation") or {}).get("exitCode", 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
