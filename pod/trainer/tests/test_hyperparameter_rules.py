"""hyperparameters.json: the rules the trainer and deploy-service's pre-flight checks share."""
import json
import unittest

import trainer_path  # noqa: F401
from trainer_path import TRAINER_DIR
import trainer_config
from trainer_config import ConfigError, RULES, hyperparameters, training_plan

CASES = json.loads((TRAINER_DIR / "tests" / "hyperparameter_cases.json").read_text(encoding="utf-8"))["cases"]


def plan(method, adapter, extra=None):
    hp = {"adapter": adapter}
    hp.update(extra or {})
    p = training_plan({"model": "m", "method": method, "hyperparameters": hp}, "o", "c", True)
    p.pop("hyperparameters")
    return p


def another_value(name, rule):
    """A valid value other than the default, to see whether a plan reads the hyperparameter."""
    if rule["type"] == "boolean":
        return not rule["default"]
    if rule["type"] == "modules":
        return ["q_proj"]
    if rule.get("allowed"):
        return next(v for v in rule["allowed"] if v != rule["default"])
    default = rule["default"] if rule["default"] is not None else rule["defaultByAdapter"]["lora"]
    if rule["type"] == "integer":
        return default - 1 if default - 1 >= rule["min"] else default + 1
    return default / 2 if default else rule["max"] / 2


class SharedCasesTest(unittest.TestCase):

    def test_the_trainer_judges_every_shared_case_as_the_pre_flight_checks_do(self):
        for case in CASES:
            with self.subTest(hyperparameters=case["hyperparameters"]):
                if "code" in case:
                    with self.assertRaises(ConfigError) as raised:
                        hyperparameters(case["hyperparameters"])
                    self.assertEqual((case["field"], case["code"]), (raised.exception.field, raised.exception.code),
                                     str(raised.exception))
                    self.assertIn(case["field"], str(raised.exception))
                else:
                    values = hyperparameters(case["hyperparameters"])
                    for name, expected in case["resolved"].items():
                        self.assertEqual(expected, values[name], name)


class RulesFileTest(unittest.TestCase):

    def test_every_default_obeys_its_own_rule(self):
        for name, rule in RULES.items():
            if rule["default"] is not None:
                with self.subTest(name):
                    self.assertEqual(rule["default"], hyperparameters({name: rule["default"]})[name])
        for adapter, rate in RULES["learningRate"]["defaultByAdapter"].items():
            self.assertEqual(rate, hyperparameters({"adapter": adapter, "learningRate": rate})["learningRate"])
        self.assertEqual(set(trainer_config.ADAPTERS), set(RULES["learningRate"]["defaultByAdapter"]))

    def test_every_rule_is_complete(self):
        for name, rule in RULES.items():
            with self.subTest(name):
                self.assertIn(rule["type"], trainer_config.KIND_NAMES)
                self.assertTrue(rule["description"])
                self.assertTrue(set(rule["methods"]) <= set(trainer_config.METHODS) and rule["methods"])
                self.assertTrue(set(rule["adapters"]) <= set(trainer_config.ADAPTERS) and rule["adapters"])
                if rule["type"] in ("integer", "number"):
                    self.assertLess(rule["min"], rule["max"])

    def test_methods_and_adapters_say_which_trainings_read_the_value(self):
        for name, rule in RULES.items():
            if name == "adapter":
                continue
            value = another_value(name, rule)
            for method in trainer_config.METHODS:
                for adapter in trainer_config.ADAPTERS:
                    with self.subTest(name=name, method=method, adapter=adapter):
                        extra = {name: value}
                        if name == "epochs":
                            extra["maxSteps"] = -1
                        changed = plan(method, adapter, extra) != plan(method, adapter)
                        used = method in rule["methods"] and adapter in rule["adapters"]
                        self.assertEqual(used, changed)

    def test_the_readme_documents_every_rule(self):
        readme = (TRAINER_DIR / "README.md").read_text(encoding="utf-8")
        self.assertIn("hyperparameters.json", readme)
        for name in RULES:
            self.assertIn("`%s`" % name, readme)


if __name__ == "__main__":
    unittest.main()
