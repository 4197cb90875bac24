"""The trainer's side of the checkpoint contract, and how several GPUs are used."""
import json
import os
import tempfile
import unittest

import trainer_path  # noqa: F401
import checkpoints
import distributed


class CheckpointContractTest(unittest.TestCase):

    def test_only_a_marked_checkpoint_is_resumed_and_the_newest_wins(self):
        with tempfile.TemporaryDirectory() as root:
            for step in (100, 200, 300):
                os.makedirs(os.path.join(root, "checkpoint-%d" % step))
            line = checkpoints.mark_complete(os.path.join(root, "checkpoint-100"), 100, 1.25)
            checkpoints.mark_complete(os.path.join(root, "checkpoint-200"), 200)
            # checkpoint-300 was being written when the pod went: no marker
            self.assertEqual(os.path.join(root, "checkpoint-200"), checkpoints.resume_from(root, env={}))
            self.assertEqual({"step": 100, "path": os.path.join(root, "checkpoint-100")},
                             json.loads(line[len(checkpoints.CHECKPOINT_PREFIX):]))
            with open(os.path.join(root, "checkpoint-100", checkpoints.MARKER)) as f:
                self.assertEqual(1.25, json.load(f)["evalLoss"])

    def test_the_agent_given_directory_comes_first_when_complete(self):
        with tempfile.TemporaryDirectory() as root, tempfile.TemporaryDirectory() as downloaded:
            logged = []
            self.assertIsNone(checkpoints.resume_from(root, {"TRAINPOD_RESUME_FROM": downloaded}, logged.append))
            self.assertIn("not a complete checkpoint", logged[0])
            checkpoints.mark_complete(downloaded, 40)
            self.assertEqual(downloaded, checkpoints.resume_from(root, {"TRAINPOD_RESUME_FROM": downloaded}))

    def test_settings_and_the_clock(self):
        self.assertEqual({"everySteps": 200, "everyMinutes": 30}, checkpoints.settings({}, 200))
        self.assertEqual({"everySteps": 10, "everyMinutes": 5},
                         checkpoints.settings({"checkpoint": {"everySteps": 10, "everyMinutes": 5}}, 200))
        with self.assertRaises(ValueError):
            checkpoints.settings({"checkpoint": {"everyMinutes": 0}}, 200)
        now = [0.0]
        saves = checkpoints.TimedSaves(5, lambda: now[0])
        now[0] = 299.0
        self.assertFalse(saves.due())
        now[0] = 300.0
        self.assertTrue(saves.due())
        saves.saved()
        self.assertFalse(saves.due())


class GpusTest(unittest.TestCase):

    def test_one_gpu_runs_as_is_and_several_run_data_parallel_per_method(self):
        self.assertEqual({}, distributed.training_args("lora", 1, True))
        self.assertEqual({"ddp_find_unused_parameters": False}, distributed.training_args("qlora", 2, True))
        full = distributed.training_args("full", 4, True)
        self.assertEqual(("full_shard auto_wrap", False, True),
                         (full["fsdp"], full["gradient_checkpointing"], full["fsdp_config"]["activation_checkpointing"]))
        self.assertEqual({"": 3}, distributed.device_map("qlora", 3))
        self.assertIsNone(distributed.device_map("lora", 3))

    def test_the_trainer_relaunches_itself_once_per_gpu_and_workers_do_not(self):
        self.assertEqual(["py", "-m", "torch.distributed.run", "--standalone", "--nnodes", "1", "--nproc_per_node",
                          "2", "t.py", "--config", "c.json"],
                         distributed.launch_command("py", "t.py", ["--config", "c.json"], 2))
        self.assertTrue(distributed.is_worker({"LOCAL_RANK": "1"}))
        self.assertFalse(distributed.is_worker({}))
        self.assertFalse(distributed.is_main({"RANK": "1"}))
        self.assertEqual(8, distributed.minimum_rows(2, 4))


if __name__ == "__main__":
    unittest.main()
