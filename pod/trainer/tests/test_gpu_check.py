"""The GPU check's pure parts: what it runs, the data it makes and how it reads the trainer's output."""
import json
import sys
import unittest

from trainer_path import TRAINER_DIR

sys.path.insert(0, str(TRAINER_DIR / "gpu-check"))
import gpu_check  # noqa: E402
import trainer_config  # noqa: E402


class GpuCheckTest(unittest.TestCase):

    def test_every_method_and_adapter_runs_and_two_gpus_add_their_cases(self):
        one = gpu_check.cases(1, 30)
        self.assertEqual({("SFT", "lora"), ("SFT", "qlora"), ("DPO", "lora"), ("DPO", "qlora")},
                         {(c[1], c[2]) for c in one})
        self.assertEqual(1, sum(1 for c in one if c[5]), "one checkpoint -> kill -> resume case")
        self.assertTrue(all(c[3] == 2 for c in gpu_check.cases(2, 30)[len(one):]))

    def test_each_case_config_passes_the_trainers_own_checks(self):
        for name, method, adapter, gpus, steps, _ in gpu_check.cases(2, 30):
            plan = trainer_config.training_plan(gpu_check.job_config("/tmp/m", method, adapter, gpus, steps),
                                                "o", "c", True)
            self.assertEqual((steps, 10), (plan["args"]["max_steps"], plan["args"]["eval_steps"]), name)

    def test_the_data_is_made_here_in_the_dataset_formats_and_is_the_same_every_time(self):
        sft, dpo = gpu_check.make_rows("SFT", 5, 1), gpu_check.make_rows("DPO", 5, 1)
        self.assertEqual({"prompt", "completion"}, set(sft[0]))
        self.assertEqual({"prompt", "chosen", "rejected"}, set(dpo[0]))
        self.assertEqual(sft, gpu_check.make_rows("SFT", 5, 1))
        self.assertEqual(gpu_check.tiny_model_config(20)["vocab_size"], 20)

    def test_the_summary_and_verdict_read_the_trainers_lines(self):
        lines = ["trainpod trainer: 360 rows"] + [gpu_check.METRIC_PREFIX + json.dumps(p) for p in (
            {"step": 21, "loss": 2.0, "tokensPerSecond": 100.0}, {"step": 30, "loss": 1.0, "evalLoss": 1.2,
                                                                  "tokensPerSecond": 300.0})]
        summary = gpu_check.summarise(lines, 10.0, 12.5)
        self.assertEqual((30, 21, 2.0, 1.0, 1.2, 200.0, 2.5), (
            summary["steps"], summary["firstStep"], summary["firstLoss"], summary["lastLoss"],
            summary["bestEvalLoss"], summary["tokensPerSecond"], summary["secondsToFirstStep"]))
        self.assertEqual([], gpu_check.verdict(summary, 30, resumed_from=20))
        self.assertEqual(["trained 30 of 40 steps", "resumed at step 21, not 11"],
                         gpu_check.verdict(summary, 40, resumed_from=10))


if __name__ == "__main__":
    unittest.main()
