"""Settings fitted to the installed TRL release, the Hub push plan and the reporting options."""
import unittest

import trainer_path  # noqa: F401
import hub
import trainer_config
from trainer_config import ConfigError


class FitTest(unittest.TestCase):

    def test_a_setting_known_by_an_older_name_is_renamed_and_an_unknown_one_dropped_and_logged(self):
        logged = []
        fitted = trainer_config.fit_arguments(
            {"max_length": 512, "eval_strategy": "steps", "warmup_ratio": 0.03, "packing": False, "gone": 1},
            {"max_seq_length", "evaluation_strategy", "warmup_steps", "packing"}, logged.append)
        self.assertEqual({"max_seq_length": 512, "evaluation_strategy": "steps", "warmup_steps": 0.03,
                          "packing": False}, fitted)
        self.assertEqual(["this TRL release has no setting gone; left out"], logged)

    def test_current_names_pass_unchanged(self):
        args = trainer_config.training_plan({"model": "m"}, "o", "c", True)["args"]
        self.assertEqual(args, trainer_config.fit_arguments(args, set(args)))


class OutputTest(unittest.TestCase):

    def test_the_hub_push_defaults_to_a_private_adapter_on_main(self):
        plan = trainer_config.training_plan({"model": "m", "output": {"huggingface": {"repo": "alice/m"}}},
                                            "o", "c", True)
        self.assertEqual({"repo": "alice/m", "private": True, "revision": "main", "weights": "adapter",
                          "pushCheckpoints": False}, plan["huggingface"])
        self.assertEqual({}, hub.hub_arguments(plan["huggingface"], "hf_x"))
        self.assertEqual("o", hub.folder_to_push(plan["huggingface"], "o"))
        with self.assertRaisesRegex(ConfigError, "namespace"):
            trainer_config.training_plan({"model": "m", "output": {"huggingface": {"repo": "m"}}}, "o", "c", True)

    def test_pushing_checkpoints_uses_the_trainers_hub_settings_and_merged_weights_their_folder(self):
        h = {"repo": "acme/m", "private": False, "revision": "dev", "weights": "merged", "pushCheckpoints": True}
        self.assertEqual("checkpoint", hub.hub_arguments(h, "hf_x")["hub_strategy"])
        self.assertTrue(hub.folder_to_push(h, "o").endswith("merged"))
        self.assertIn("best eval loss 1.2500", hub.commit_message(
            {"method": "SFT", "adapter": "lora", "model": "m", "steps": 9, "bestEvalLoss": 1.25}))

    def test_reporting_goes_to_wandb_and_mlflow_through_their_environment(self):
        config = {"model": "m", "reporting": {"wandb": {"project": "p"}, "mlflow": {"trackingUri": "https://ml",
                                                                                 "experiment": "e"}}}
        self.assertEqual(["wandb", "mlflow"], trainer_config.training_plan(config, "o", "c", True)["args"]["report_to"])
        self.assertEqual({"WANDB_PROJECT": "p", "MLFLOW_TRACKING_URI": "https://ml", "MLFLOW_EXPERIMENT_NAME": "e"},
                         trainer_config.reporting_env(config))

    def test_several_gpus_add_their_strategy_to_the_plan(self):
        plan = trainer_config.training_plan({"model": "m", "gpuCount": 2, "hyperparameters": {"adapter": "full"}},
                                            "o", "c", True)
        self.assertEqual(("fsdp", "full_shard auto_wrap"), (plan["strategy"], plan["args"]["fsdp"]))
        with self.assertRaisesRegex(ConfigError, "gpuCount"):
            trainer_config.training_plan({"model": "m", "gpuCount": 0}, "o", "c", True)


if __name__ == "__main__":
    unittest.main()
