"""A plateaued run through the trainer's own callback and output code, with a stand-in for the Hugging Face Trainer:
it stops at the plateau, its checkpoints are marked for the agent, its output is the best evaluated checkpoint (the
Trainer is told to load it at the end) and trainpod_training.json says what the stop saved."""
import json
import os
import tempfile
import unittest
from types import SimpleNamespace

import trainer_path  # noqa: F401
import checkpoints
import trainer_config
import trainpod_trainer

EVAL_LOSSES = {10: 2.0, 20: 1.6, 30: 1.5, 40: 1.52, 50: 1.51, 60: 1.55}


class FakeTrainer:
    """Runs steps like the Hugging Face Trainer's loop: log, evaluate every eval_steps, save, honour the stop flag,
    and at the end load the checkpoint with the best eval loss (load_best_model_at_end)."""

    def __init__(self, plan, callback, checkpoint_dir):
        self.args = SimpleNamespace(**plan["args"])
        self.callback = callback
        self.state = SimpleNamespace(global_step=0, max_steps=1000, log_history=[], is_world_process_zero=True,
                                     best_metric=None, best_model_checkpoint=None)
        self.loaded = None
        self.saved_to = None

    def train(self):
        control = SimpleNamespace(should_training_stop=False, should_save=False)
        self.callback.on_train_begin(self.args, self.state, control)
        while self.state.global_step < self.state.max_steps and not control.should_training_stop:
            self.state.global_step += 1
            step = self.state.global_step
            self.callback.on_step_end(self.args, self.state, control)
            if step % self.args.eval_steps == 0:
                loss = EVAL_LOSSES[step]
                self.state.log_history.append({"step": step, "eval_loss": loss})
                if self.state.best_metric is None or loss < self.state.best_metric:
                    self.state.best_metric = loss
                    self.state.best_model_checkpoint = os.path.join(self.args.output_dir, "checkpoint-%d" % step)
                self.callback.on_evaluate(self.args, self.state, control, metrics={"eval_loss": loss})
            if step % self.args.save_steps == 0 or control.should_save:
                os.makedirs(os.path.join(self.args.output_dir, "checkpoint-%d" % step))
                self.callback.on_save(self.args, self.state, control)
                control.should_save = False
        if self.args.load_best_model_at_end:
            self.loaded = self.state.best_model_checkpoint

    def save_model(self, output_dir):
        self.saved_to = output_dir
        with open(os.path.join(output_dir, "weights-from"), "w") as f:
            f.write(os.path.basename(self.loaded or "last"))


class FakeTokenizer:
    def save_pretrained(self, output_dir):
        pass


class PlateauTest(unittest.TestCase):

    def test_a_plateau_stops_the_run_and_the_best_checkpoint_is_the_output_with_the_dollars_saved(self):
        config = {"model": "tiny", "method": "SFT", "hyperparameters": {"maxSteps": 1000},
                  "validation": {"fraction": 0.1, "everySteps": 10}, "earlyStopping": {"patience": 2},
                  "checkpoint": {"everySteps": 10}, "costPerHourUsd": 3.6}
        with tempfile.TemporaryDirectory() as work:
            out, ckpt = os.path.join(work, "output"), os.path.join(work, "checkpoints")
            plan = trainer_config.training_plan(config, out, ckpt, True)
            self.assertEqual((True, "eval_loss", False), (plan["args"]["load_best_model_at_end"],
                             plan["args"]["metric_for_best_model"], plan["args"]["greater_is_better"]))
            progress = trainpod_trainer.make_progress_callback(object, plan)
            trainer = FakeTrainer(plan, progress, ckpt)
            printed = []
            trainpod_trainer.print = lambda *a, **k: printed.append(" ".join(map(str, a)))
            try:
                trainer.train()
                trainpod_trainer.save_output(SimpleNamespace(output_dir=out), plan, trainer, FakeTokenizer(),
                                             progress, None)
            finally:
                del trainpod_trainer.print

            self.assertEqual(50, trainer.state.global_step, "best at 30, then 40 and 50 brought no gain")
            with open(os.path.join(out, "weights-from")) as f:
                self.assertEqual("checkpoint-30", f.read())
            with open(os.path.join(out, "trainpod_training.json")) as f:
                training = json.load(f)
            self.assertEqual((1.5, 50, 30, 950), (training["bestEvalLoss"], training["earlyStopping"]["stoppedAtStep"],
                             training["earlyStopping"]["bestStep"], training["earlyStopping"]["stepsNotRun"]))
            self.assertIsNotNone(training["earlyStopping"]["usdSaved"])
            self.assertEqual([10, 20, 30, 40, 50], [s for s, _ in checkpoints.complete_checkpoints(ckpt)])
            marked = [json.loads(line[len(checkpoints.CHECKPOINT_PREFIX):]) for line in printed
                      if line.startswith(checkpoints.CHECKPOINT_PREFIX)]
            self.assertEqual([10, 20, 30, 40, 50], [m["step"] for m in marked])
            self.assertTrue(any("early stopping saved 950 steps" in line for line in printed))


if __name__ == "__main__":
    unittest.main()
