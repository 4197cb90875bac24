"""Hyperparameters mapped onto TRL/PEFT settings, with the documented defaults."""
import unittest

import trainer_path  # noqa: F401
from trainer_config import ConfigError, training_plan


def plan(hyperparameters=None, method="SFT", bf16=True):
    config = {"model": "Qwen/Qwen2.5-0.5B", "method": method, "hyperparameters": hyperparameters or {}}
    return training_plan(config, "/workspace/trainpod/output", "/workspace/trainpod/checkpoints", bf16)


class DefaultsTest(unittest.TestCase):

    def test_an_empty_request_trains_lora_with_the_documented_defaults(self):
        p = plan()
        self.assertEqual("lora", p["adapter"])
        args = p["args"]
        self.assertEqual((1.0, -1, 2e-4, 4, 4), (args["num_train_epochs"], args["max_steps"], args["learning_rate"],
                                                args["per_device_train_batch_size"], args["gradient_accumulation_steps"]))
        self.assertEqual((2048, False, "cosine", 0.03), (args["max_length"], args["packing"],
                                                        args["lr_scheduler_type"], args["warmup_ratio"]))
        self.assertEqual({"r": 16, "lora_alpha": 32, "lora_dropout": 0.05, "target_modules": "all-linear",
                          "bias": "none", "task_type": "CAUSAL_LM"}, p["lora"])
        self.assertIsNone(p["quantization"])
        self.assertEqual(1, args["logging_steps"], "the callback reports every step")
        self.assertEqual("/workspace/trainpod/checkpoints", args["output_dir"])
        self.assertEqual([], args["report_to"])

    def test_full_fine_tuning_has_no_adapter_and_a_lower_default_learning_rate(self):
        p = plan({"adapter": "full"})
        self.assertIsNone(p["lora"])
        self.assertEqual(2e-5, p["args"]["learning_rate"])
        self.assertEqual(1e-5, plan({"adapter": "FULL", "learningRate": 1e-5})["args"]["learning_rate"])

    def test_qlora_loads_the_model_in_4_bit_nf4(self):
        p = plan({"adapter": "qlora"}, bf16=False)
        self.assertEqual({"load_in_4bit": True, "bnb_4bit_quant_type": "nf4", "bnb_4bit_use_double_quant": True,
                          "bnb_4bit_compute_dtype": "float16"}, p["quantization"])
        self.assertIsNotNone(p["lora"])
        self.assertEqual((False, True), (p["args"]["bf16"], p["args"]["fp16"]))

    def test_dpo_gets_beta_and_length_limits_instead_of_sft_settings(self):
        args = plan({"dpoBeta": 0.2, "maxSeqLength": 1024}, method="DPO")["args"]
        self.assertEqual((0.2, 1024, 512), (args["beta"], args["max_length"], args["max_prompt_length"]))
        self.assertNotIn("max_seq_length", args)
        self.assertNotIn("packing", args)

    def test_request_values_override_defaults_and_whole_floats_count_as_integers(self):
        args = plan({"epochs": 3, "batchSize": 8.0, "maxSteps": 50, "seed": 7})["args"]
        self.assertEqual((3.0, 8, 50, 7), (args["num_train_epochs"], args["per_device_train_batch_size"],
                                           args["max_steps"], args["seed"]))


class RejectionTest(unittest.TestCase):

    def test_bad_hyperparameters_fail_before_any_model_loads(self):
        cases = {
            "unknown hyperparameter(s) batch_size": {"batch_size": 4},
            "batchSize must be a whole number": {"batchSize": 4.5},
            "batchSize must be at least 1": {"batchSize": 0},
            "epochs must be a number": {"epochs": "two"},
            "gradientCheckpointing must be true or false": {"gradientCheckpointing": 1},
            "adapter must be one of": {"adapter": "dora"},
            "lrScheduler must be one of": {"lrScheduler": "exp"},
            "loraDropout must be below 1": {"loraDropout": 1.0},
            "learningRate must be a finite number": {"learningRate": float("nan")},
        }
        for message, hyperparameters in cases.items():
            with self.subTest(message), self.assertRaises(ConfigError) as raised:
                plan(hyperparameters)
            self.assertIn(message, str(raised.exception))

    def test_model_and_method_are_checked(self):
        for config in ({"method": "SFT"}, {"model": " ", "method": "SFT"}, {"model": "m", "method": "PPO"}, []):
            with self.subTest(config=config), self.assertRaises(ConfigError):
                training_plan(config, "o", "c", True)


if __name__ == "__main__":
    unittest.main()
