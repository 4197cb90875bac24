"""The trainer imports without GPU libraries, and the image pins every library it needs."""
import importlib
import re
import subprocess
import sys
import unittest

import trainer_path
from trainer_path import TRAINER_DIR

LIBRARIES = ("transformers", "trl", "peft", "datasets", "accelerate", "bitsandbytes", "huggingface_hub")


class TrainerImageTest(unittest.TestCase):

    def test_the_trainer_imports_without_gpu_libraries(self):
        module = importlib.import_module("trainpod_trainer")
        self.assertTrue(callable(module.main))

    def test_requirements_pin_every_training_library_and_the_base_image_pins_torch(self):
        pins = dict(re.findall(r"^([a-z_-]+)==([0-9][^\s]*)$", (TRAINER_DIR / "requirements.txt").read_text(), re.M))
        self.assertEqual(set(LIBRARIES), set(pins))
        dockerfile = (TRAINER_DIR / "Dockerfile").read_text()
        self.assertRegex(dockerfile, r"(?m)^FROM pytorch/pytorch:\d+\.\d+\.\d+-cuda[\d.]+-cudnn\d+-runtime$")

    def test_the_image_copies_every_trainer_module_and_the_hyperparameter_rules(self):
        copied = re.search(r"(?m)^COPY (trainpod_trainer\.py.*) /opt/trainpod/trainer/$",
                           (TRAINER_DIR / "Dockerfile").read_text()).group(1).split()
        modules = sorted(p.name for p in list(TRAINER_DIR.glob("*.py")) + list(TRAINER_DIR.glob("*.json")))
        self.assertEqual(modules, sorted(copied))

    def test_a_bad_config_exits_78_before_any_gpu_library_is_needed(self):
        import json
        import os
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            config = os.path.join(tmp, "config.json")
            with open(config, "w") as f:
                json.dump({"model": "m", "method": "SFT", "hyperparameters": {"batchSize": 0}}, f)
            done = subprocess.run([sys.executable, "-B", str(TRAINER_DIR / "trainpod_trainer.py"), "--config", config,
                                   "--dataset", os.path.join(tmp, "d.jsonl")], capture_output=True, text=True, cwd=tmp)
        self.assertEqual(78, done.returncode, done.stderr)
        self.assertIn("ConfigError: batchSize must be at least 1", done.stderr)


if __name__ == "__main__":
    unittest.main()
