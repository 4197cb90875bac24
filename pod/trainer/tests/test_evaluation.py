"""Validation split, the early-stopping decision and the dollars an early stop saved."""
import unittest

import trainer_path  # noqa: F401
import evaluation
from evaluation import EarlyStopping, EvaluationError


class SplitTest(unittest.TestCase):

    def test_a_fraction_holds_out_that_share_of_rows_the_same_way_every_time(self):
        rows = [{"text": str(i)} for i in range(100)]
        train, held = evaluation.split_rows(rows, 0.1, 42)
        self.assertEqual((90, 10), (len(train), len(held)))
        self.assertEqual(rows, sorted(train + held, key=lambda r: int(r["text"])), "every row exactly once")
        self.assertEqual((train, held), evaluation.split_rows(rows, 0.1, 42), "a resumed run evaluates the same rows")
        self.assertNotEqual(held, evaluation.split_rows(rows, 0.1, 7)[1])

    def test_a_tiny_dataset_keeps_at_least_one_row_on_each_side(self):
        self.assertEqual((1, 1), tuple(map(len, evaluation.split_rows([{"a": 1}, {"a": 2}], 0.01, 1))))
        self.assertEqual((1, 1), tuple(map(len, evaluation.split_rows([{"a": 1}, {"a": 2}], 0.5, 1))))
        with self.assertRaisesRegex(EvaluationError, "at least 2 rows"):
            evaluation.split_rows([{"a": 1}], 0.5, 1)

    def test_settings_fill_defaults_and_refuse_early_stopping_without_validation(self):
        validation, early = evaluation.settings({"validation": {"fraction": 0.2}, "earlyStopping": {}})
        self.assertEqual({"fraction": 0.2, "file": None, "everySteps": 50}, validation)
        self.assertEqual({"patience": 3, "minDelta": 0.0}, early)
        self.assertEqual((None, None), evaluation.settings({}))
        for bad, message in (({"earlyStopping": {"patience": 2}}, "needs validation"),
                             ({"validation": {"fraction": 0.9}}, "at most 0.5"),
                             ({"validation": {"fraction": 0.1, "file": "v.jsonl"}}, "exactly one"),
                             ({"validation": {"fraction": 0.1}, "earlyStopping": {"patience": 0}}, "patience")):
            with self.assertRaisesRegex(EvaluationError, message):
                evaluation.settings(bad)

    def test_checkpoints_fall_on_evaluated_steps_so_the_best_one_is_kept(self):
        self.assertEqual(200, evaluation.save_steps(200, 50))
        self.assertEqual(150, evaluation.save_steps(120, 50))
        self.assertEqual(50, evaluation.save_steps(10, 50))
        self.assertEqual(120, evaluation.save_steps(120, None))


class EarlyStoppingTest(unittest.TestCase):

    def test_a_plateau_stops_after_patience_evaluations_and_the_best_step_is_remembered(self):
        stop = EarlyStopping(patience=2, min_delta=0.01)
        decisions = [stop.update(step, loss) for step, loss in
                     ((50, 2.0), (100, 1.5), (150, 1.495), (200, 1.6))]
        self.assertEqual([False, False, False, True], decisions)
        self.assertEqual((100, 1.5, 200), (stop.best_step, stop.best_loss, stop.stopped_at))

    def test_an_improvement_resets_the_count_and_a_nan_is_no_improvement(self):
        stop = EarlyStopping(patience=2)
        self.assertEqual([False, False, False, False, True],
                         [stop.update(s, l) for s, l in ((1, 2.0), (2, float("nan")), (3, 1.0), (4, 1.0), (5, 1.1))])
        self.assertEqual(3, stop.best_step)


class SavingsTest(unittest.TestCase):

    def test_steps_not_run_times_seconds_per_step_times_the_price(self):
        self.assertEqual({"stepsNotRun": 800, "secondsSaved": 1600.0, "usdSaved": 0.8},
                         evaluation.savings(200, 1000, 2.0, 1.8))
        self.assertIsNone(evaluation.savings(200, 1000, 2.0, None)["usdSaved"])
        self.assertEqual(0, evaluation.savings(1000, 1000, 2.0, 1.8)["stepsNotRun"])


if __name__ == "__main__":
    unittest.main()
