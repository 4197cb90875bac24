"""Checkpoints off the pod: the agent uploads each finished checkpoint while training goes on and keeps the last
two; a pod that replaces a lost one restores the newest, and the simulated trainer resumes from it with its loss
series exactly as an uninterrupted run's."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

from pod_harness import SIM_TRAINER_PY, sample_dataset
from test_agent_units import AgentTestCase, agent


def run_sim_trainer(work_dir, steps, save_steps):
    """Runs sim_trainer.py in work_dir; answers its metric points."""
    with open(os.path.join(work_dir, "config.json"), "w", encoding="utf-8") as f:
        json.dump({"model": "m", "simulation": {"steps": steps, "stepSeconds": 0},
                   "hyperparameters": {"saveSteps": save_steps}}, f)
    with open(os.path.join(work_dir, "dataset.jsonl"), "wb") as f:
        f.write(sample_dataset(5))
    out = subprocess.run([sys.executable, "-B", str(SIM_TRAINER_PY), "--config", "config.json",
                          "--dataset", "dataset.jsonl"], cwd=work_dir, check=True, capture_output=True, text=True)
    return [json.loads(line[len("TRAINPOD_METRIC "):]) for line in out.stdout.splitlines()
            if line.startswith("TRAINPOD_METRIC ")]


class CheckpointTest(AgentTestCase):

    def setUp(self):
        super().setUp()
        patcher = mock.patch.dict(os.environ, {"TRAINPOD_ARTIFACTS_URL": self.fake.artifacts_url()})
        patcher.start()
        self.addCleanup(patcher.stop)
        self.checkpoints = os.path.join(self.work_dir, "checkpoints")

    def write_checkpoint(self, step, finished=True):
        path = os.path.join(self.checkpoints, "checkpoint-%d" % step)
        os.makedirs(path)
        with open(os.path.join(path, "optimizer.pt"), "wb") as f:
            f.write(os.urandom(2048))
        if finished:
            with open(os.path.join(path, "trainer_state.json"), "w", encoding="utf-8") as f:
                json.dump({"global_step": step}, f)

    def test_a_checkpoint_is_uploaded_once_a_later_step_shows_it_finished_and_only_two_are_kept(self):
        uploader = agent.CheckpointUploader(self.checkpoints)
        uploader.start()
        self.addCleanup(uploader.stop, 5)
        self.write_checkpoint(4)
        uploader.seen_step(4)  # the step the checkpoint was saved at: it may still be being written
        self.write_checkpoint(8, finished=False)
        uploader.seen_step(9)  # checkpoint-8 has no trainer_state.json yet: not finished
        self.assertTrue(self.fake.wait_for(lambda: "checkpoint-4.tar" in self.fake.completed))
        for step in (8, 12):
            if step == 8:
                with open(os.path.join(self.checkpoints, "checkpoint-8", "trainer_state.json"), "w") as f:
                    json.dump({"global_step": 8}, f)
            else:
                self.write_checkpoint(12)
            uploader.seen_step(step + 1)
            name = "checkpoint-%d.tar" % step
            self.assertTrue(self.fake.wait_for(lambda: name in self.fake.completed), name)
        self.assertTrue(self.fake.wait_for(lambda: sorted(self.fake.completed) == ["checkpoint-12.tar",
                                                                                   "checkpoint-8.tar"]),
                        sorted(self.fake.completed))
        self.assertEqual([r[2].rsplit("/", 1)[1] for r in self.fake.recorded("artifact-delete")],
                         ["checkpoint-4.tar"])

    def test_an_upload_that_fails_is_logged_and_training_goes_on(self):
        self.fake.artifact_fail_first = 100
        uploader = agent.CheckpointUploader(self.checkpoints)
        uploader.start()
        self.write_checkpoint(3)
        uploader.seen_step(4)
        uploader.stop(10)
        self.assertFalse(uploader.is_alive())
        self.assertEqual(self.fake.completed, {})

    def test_a_replacement_pod_restores_the_newest_stored_checkpoint_and_the_loss_series_continues(self):
        first = tempfile.mkdtemp(prefix="trainpod-first-pod-")
        self.addCleanup(shutil.rmtree, first, True)
        whole = run_sim_trainer(first, 12, 4)
        self.assertEqual([p["step"] for p in whole], list(range(1, 13)))
        for step in (4, 8):  # what the lost pod stored
            archive = os.path.join(first, "c.tar")
            agent.pack_checkpoint(os.path.join(first, "checkpoints"), step, archive)
            agent.upload_artifact(self.fake.artifacts_url(), "checkpoint-%d.tar" % step, archive)

        self.assertEqual(agent.restore_checkpoint(), 8)
        self.assertTrue(os.path.isfile(os.path.join(self.checkpoints, "checkpoint-8", "trainer_state.json")))
        resumed = run_sim_trainer(self.work_dir, 12, 4)
        self.assertEqual([p["step"] for p in resumed], [9, 10, 11, 12], "steps go on after the checkpoint")
        self.assertEqual([p["loss"] for p in resumed], [p["loss"] for p in whole[8:]],
                         "the loss series is the uninterrupted run's")

    def test_a_first_pod_finds_nothing_to_restore(self):
        self.assertIsNone(agent.restore_checkpoint())

    def test_a_damaged_checkpoint_is_not_restored_and_training_starts_over(self):
        self.write_checkpoint(5)
        archive = os.path.join(self.work_dir, "c.tar")
        agent.pack_checkpoint(self.checkpoints, 5, archive)
        agent.upload_artifact(self.fake.artifacts_url(), "checkpoint-5.tar", archive)
        shutil.rmtree(self.checkpoints)
        self.fake.completed["checkpoint-5.tar"]["sha256"] = "0" * 64
        self.assertIsNone(agent.restore_checkpoint())
        self.assertFalse(os.path.exists(os.path.join(self.checkpoints, "checkpoint-5")))

    def test_an_archive_cannot_write_outside_its_checkpoint(self):
        import tarfile
        archive = os.path.join(self.work_dir, "evil.tar")
        with tarfile.open(archive, "w") as tar:
            info = tarfile.TarInfo("checkpoint-3/../../escaped")
            info.size = 0
            tar.addfile(info)
            info = tarfile.TarInfo("checkpoint-3/ok")
            info.size = 0
            tar.addfile(info)
        agent.unpack_checkpoint(archive, self.checkpoints, 3)
        self.assertFalse(os.path.exists(os.path.join(self.work_dir, "escaped")))
        self.assertTrue(os.path.exists(os.path.join(self.checkpoints, "checkpoint-3", "ok")))


if __name__ == "__main__":
    unittest.main()
