"""The simulated trainer evaluates and stops early as the real trainer does (trainer/evaluation.py): eval loss every
N steps on the metric points, a stop once `patience` evaluations in a row gained no more than `minDelta`, the best
checkpoint's weights as the output, and what the stop saved in the log and in output/trainpod_training.json."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from pod_harness import SIM_TRAINER_PY, sample_dataset

PLATEAU = {"steps": 30, "stepSeconds": 0.01, "evalPlateauAtStep": 10}


def run(work_dir, simulation, validation=None, early=None):
    """Runs sim_trainer.py in work_dir: (metric points, stdout lines, output/trainpod_training.json or None)."""
    config = {"model": "m", "simulation": simulation, "hyperparameters": {"saveSteps": 2}, "costPerHourUsd": 3.6}
    if validation is not None:
        config["validation"] = validation
    if early is not None:
        config["earlyStopping"] = early
    with open(os.path.join(work_dir, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f)
    with open(os.path.join(work_dir, "dataset.jsonl"), "wb") as f:
        f.write(sample_dataset(5))
    out = subprocess.run([sys.executable, "-B", str(SIM_TRAINER_PY), "--config", "config.json",
                          "--dataset", "dataset.jsonl"], cwd=work_dir, capture_output=True, text=True)
    lines = out.stdout.splitlines()
    points = [json.loads(line[len("TRAINPOD_METRIC "):]) for line in lines if line.startswith("TRAINPOD_METRIC ")]
    lineage = os.path.join(work_dir, "output", "trainpod_training.json")
    summary = None
    if os.path.exists(lineage):
        with open(lineage, encoding="utf-8") as f:
            summary = json.load(f)
    return out.returncode, points, lines, summary


class SimEarlyStoppingTest(unittest.TestCase):

    def setUp(self):
        self.work_dir = tempfile.mkdtemp(prefix="sim-early-")
        self.addCleanup(shutil.rmtree, self.work_dir, True)

    def test_a_plateau_stops_the_run_and_the_output_is_the_best_checkpoint(self):
        code, points, lines, summary = run(self.work_dir, PLATEAU, {"fraction": 0.2, "everySteps": 2},
                                           {"patience": 2, "minDelta": 0.01})
        self.assertEqual(0, code)
        evaluated = {p["step"]: p["evalLoss"] for p in points if "evalLoss" in p}
        self.assertEqual([2, 4, 6, 8, 10, 12, 14], sorted(evaluated))
        self.assertEqual(14, points[-1]["step"])  # two evaluations after the plateau's start without a gain
        best = min(evaluated, key=evaluated.get)
        self.assertEqual(10, best)
        self.assertEqual(best, summary["bestStep"])
        self.assertEqual(evaluated[best], summary["bestEvalLoss"])
        self.assertEqual(best, summary["weightsOfStep"])
        saved = summary["earlyStopping"]
        self.assertEqual(16, saved["stepsNotRun"])
        self.assertEqual(14, saved["stoppedAtStep"])
        self.assertGreater(saved["usdSaved"], 0)
        self.assertIn("early stopping saved 16 steps", "\n".join(lines))
        self.assertEqual({"checkpoint-10", "checkpoint-12", "checkpoint-14"},
                         set(os.listdir(os.path.join(self.work_dir, "checkpoints"))))  # the best one is kept

    def test_evaluation_without_early_stopping_runs_every_step(self):
        code, points, _, summary = run(self.work_dir, PLATEAU, {"fraction": 0.2, "everySteps": 5})
        self.assertEqual(0, code)
        self.assertEqual(30, points[-1]["step"])
        self.assertEqual([5, 10, 15, 20, 25, 30], [p["step"] for p in points if "evalLoss" in p])
        self.assertNotIn("earlyStopping", summary)

    def test_without_validation_nothing_is_evaluated_and_the_loss_is_as_before(self):
        _, plain, _, summary = run(self.work_dir, {"steps": 12, "stepSeconds": 0})
        self.assertIsNone(summary)
        self.assertFalse(any("evalLoss" in p for p in plain))
        other = tempfile.mkdtemp(prefix="sim-early-")
        self.addCleanup(shutil.rmtree, other, True)
        _, evaluated, _, _ = run(other, {"steps": 12, "stepSeconds": 0}, {"fraction": 0.2, "everySteps": 3})
        self.assertEqual([p["loss"] for p in plain], [p["loss"] for p in evaluated])


if __name__ == "__main__":
    unittest.main()
