"""Evaluation and early stopping: the validation split, the stop decision and the dollars a stop saved.

Pure logic, standard library only. The job config (TRAINPOD_CONFIG, filled by deploy-service's pre-flight) may hold

    "validation":    {"fraction": 0.1} or {"file": "validation.jsonl"}, with "everySteps" (eval loss every N steps)
    "earlyStopping": {"patience": 3, "minDelta": 0.0}   (needs validation)
    "costPerHourUsd": the pod's price, so that an early stop can say what it saved

The trainer evaluates every N steps, reports `evalLoss` on the step's metric point, stops once `patience`
evaluations in a row failed to improve the best eval loss by more than `minDelta`, and saves the best checkpoint
(not the last) as its output.
"""
import math
import random

DEFAULT_EVAL_EVERY_STEPS = 50
MAX_FRACTION = 0.5


class EvaluationError(ValueError):
    """The validation or early-stopping settings cannot be used as given; the message says which and why."""


def settings(config):
    """(validation, early_stopping) from the job config: dicts with every default filled in, or None each."""
    validation = config.get("validation")
    early = config.get("earlyStopping")
    if validation is None:
        if early is not None:
            raise EvaluationError("earlyStopping needs validation (a fraction of the dataset or a second dataset)")
        return None, None
    if not isinstance(validation, dict):
        raise EvaluationError("validation must be a JSON object")
    fraction, file = validation.get("fraction"), validation.get("file")
    if (fraction is None) == (file is None):
        raise EvaluationError("validation needs exactly one of fraction and file")
    if fraction is not None and not (isinstance(fraction, (int, float)) and not isinstance(fraction, bool)
                                     and 0 < fraction <= MAX_FRACTION):
        raise EvaluationError("validation.fraction must be above 0 and at most %s" % MAX_FRACTION)
    every = validation.get("everySteps", DEFAULT_EVAL_EVERY_STEPS)
    if not isinstance(every, int) or isinstance(every, bool) or every < 1:
        raise EvaluationError("validation.everySteps must be a whole number of at least 1")
    checked = {"fraction": fraction, "file": file, "everySteps": every}
    if early is None:
        return checked, None
    if not isinstance(early, dict):
        raise EvaluationError("earlyStopping must be a JSON object")
    patience, min_delta = early.get("patience", 3), early.get("minDelta", 0.0)
    if not isinstance(patience, int) or isinstance(patience, bool) or patience < 1:
        raise EvaluationError("earlyStopping.patience must be a whole number of at least 1")
    if not isinstance(min_delta, (int, float)) or isinstance(min_delta, bool) or not (0 <= min_delta < math.inf):
        raise EvaluationError("earlyStopping.minDelta must be a finite number of at least 0")
    return checked, {"patience": patience, "minDelta": float(min_delta)}


def split_rows(rows, fraction, seed):
    """(train, validation): a seeded shuffle, then round(len * fraction) rows (at least 1) held out for evaluation.

    The same rows, fraction and seed always give the same split, so a resumed run evaluates on the same rows.
    """
    if len(rows) < 2:
        raise EvaluationError("a validation split needs at least 2 rows; the dataset has %d" % len(rows))
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    held = min(len(rows) - 1, max(1, int(round(len(rows) * fraction))))
    chosen = set(order[:held])
    train = [row for i, row in enumerate(rows) if i not in chosen]
    validation = [row for i, row in enumerate(rows) if i in chosen]
    return train, validation


def save_steps(every_steps, eval_every_steps):
    """Checkpoint interval in steps: with evaluation, a multiple of the eval interval (the trainer keeps the best
    checkpoint only among evaluated ones), the smallest not below the asked interval."""
    if not eval_every_steps:
        return every_steps
    return max(1, math.ceil(every_steps / eval_every_steps)) * eval_every_steps


class EarlyStopping:
    """Decides, evaluation by evaluation, whether training should stop: it stops after `patience` evaluations in a
    row that did not lower the best eval loss by more than `min_delta`. Remembers the best step and loss."""

    def __init__(self, patience, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best_step = None
        self.best_loss = None
        self.evaluations_without_gain = 0
        self.stopped_at = None

    def update(self, step, eval_loss):
        """Records one evaluation; True when training should stop now. A loss that is not finite counts as no gain."""
        improved = isinstance(eval_loss, (int, float)) and math.isfinite(eval_loss) and (
            self.best_loss is None or eval_loss < self.best_loss - self.min_delta)
        if improved:
            self.best_step, self.best_loss = step, float(eval_loss)
            self.evaluations_without_gain = 0
            return False
        self.evaluations_without_gain += 1
        if self.evaluations_without_gain >= self.patience:
            self.stopped_at = step
            return True
        return False


def savings(stopped_at, max_steps, seconds_per_step, usd_per_hour):
    """What an early stop saved: {stepsNotRun, secondsSaved, usdSaved}; usdSaved is None when the price is unknown.

    Steps not run × the seconds a step took so far × the pod's price per second, rounded to the cent's hundredth.
    """
    steps_not_run = max(0, int(max_steps) - int(stopped_at))
    seconds = steps_not_run * max(0.0, float(seconds_per_step))
    usd = None
    if isinstance(usd_per_hour, (int, float)) and not isinstance(usd_per_hour, bool) and usd_per_hour >= 0:
        usd = round(seconds * usd_per_hour / 3600.0, 4)
    return {"stepsNotRun": steps_not_run, "secondsSaved": round(seconds, 1), "usdSaved": usd}
