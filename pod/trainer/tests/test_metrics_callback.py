"""The callback's metric points, checked against a stand-in for transformers' TrainerCallback."""
import json
import math
import unittest
from types import SimpleNamespace

import trainer_path  # noqa: F401
from metrics_callback import METRIC_PREFIX, TokenRate, make_callback, payload


class PayloadTest(unittest.TestCase):

    def test_hugging_face_log_keys_become_the_metric_fields(self):
        logs = {"loss": 1.25, "learning_rate": 0.0002, "grad_norm": 0.8, "epoch": 0.5, "num_input_tokens_seen": 4096}
        self.assertEqual({"step": 10, "epoch": 0.5, "loss": 1.25, "learningRate": 0.0002, "gradNorm": 0.8,
                          "tokensPerSecond": 1800.0, "gpuMemoryMb": 5120.0, "time": "2026-01-01T00:00:00.000Z"},
                         payload(10, logs, 0.49, 1800, 5120, "2026-01-01T00:00:00.000Z"))

    def test_dpo_rewards_are_reported_and_unknown_or_non_finite_values_left_out(self):
        logs = {"loss": math.nan, "rewards/margins": 0.7, "rewards/accuracies": 0.75, "logps/chosen": -12.0}
        point = payload(3, logs, epoch=None, gpu_memory_mb=None)
        self.assertEqual({"step", "rewardMargin", "rewardAccuracy", "time"}, set(point))
        self.assertTrue(point["time"].endswith("Z"))


class TokenRateTest(unittest.TestCase):

    def test_tokens_per_second_is_the_growth_of_the_token_count_over_the_time_between_logs(self):
        times = iter([10.0, 12.0, 13.0])
        rate = TokenRate(lambda: next(times))
        self.assertIsNone(rate.update(0))
        self.assertEqual(2048.0, rate.update(4096))
        self.assertEqual(1024.0, rate.update(5120))


class CallbackTest(unittest.TestCase):

    def test_the_total_goes_out_once_and_a_point_for_every_logged_step_but_not_the_summary(self):
        lines = []
        times = iter([0.0, 1.0, 2.0])
        callback = make_callback(object, lines.append, lambda: 2048.0, lambda: next(times))()
        state = SimpleNamespace(max_steps=30, global_step=0, epoch=0.0, num_input_tokens_seen=0)

        callback.on_train_begin(None, state, None)
        state.global_step, state.epoch, state.num_input_tokens_seen = 1, 0.1, 1500
        callback.on_log(None, state, None, logs={"loss": 2.5, "learning_rate": 1e-4, "grad_norm": 1.1})
        callback.on_log(None, state, None, logs={"train_runtime": 9.0, "train_loss": 2.0})
        callback.on_train_end(None, state, None)

        self.assertEqual("TRAINPOD_TOTAL_STEPS 30", lines[0])
        self.assertEqual(2, len(lines))
        self.assertTrue(lines[1].startswith(METRIC_PREFIX))
        point = json.loads(lines[1][len(METRIC_PREFIX):])
        self.assertEqual((1, 0.1, 2.5, 1e-4, 1.1, 1500.0, 2048.0), (
            point["step"], point["epoch"], point["loss"], point["learningRate"], point["gradNorm"],
            point["tokensPerSecond"], point["gpuMemoryMb"]))

    def test_an_evaluated_step_carries_its_eval_loss_on_the_same_point(self):
        lines = []
        callback = make_callback(object, lines.append)()
        state = SimpleNamespace(max_steps=4, global_step=0, epoch=0.0)
        callback.on_train_begin(None, state, None)
        for step in (1, 2):
            callback.on_step_begin(None, state, None)
            state.global_step = step
            callback.on_log(None, state, None, logs={"loss": 3.0 - step})
        callback.on_log(None, state, None, logs={"eval_loss": 1.75, "eval_runtime": 0.5})
        callback.on_step_begin(None, state, None)

        points = [json.loads(line[len(METRIC_PREFIX):]) for line in lines[1:]]
        self.assertEqual([(1, 2.0, None), (2, 1.0, 1.75)],
                         [(p["step"], p["loss"], p.get("evalLoss")) for p in points])

    def test_only_the_main_process_reports_when_several_gpus_train(self):
        lines = []
        callback = make_callback(object, lines.append)()
        state = SimpleNamespace(max_steps=4, global_step=1, epoch=0.0, is_world_process_zero=False)
        callback.on_train_begin(None, state, None)
        callback.on_log(None, state, None, logs={"loss": 1.0})
        callback.on_train_end(None, state, None)
        self.assertEqual([], lines)


if __name__ == "__main__":
    unittest.main()
