"""The agent's pieces, called directly: causes, config, masking, HTTP retries, shipping,
downloading."""
import base64
import hashlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import unittest
from unittest import mock

from fake_pod_services import FRESH_TOKEN, FakePodServices
from pod_harness import DATASET_TOKEN, JOB_TOKEN, POD_API_KEY, AGENT_DIR, TRAINER_DIR, sample_dataset, trainer_bundle


def load_agent():
    """Imports the agent's package from pod/agent without leaving a __pycache__ there (the jar would carry it)."""
    saved, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    if str(AGENT_DIR) not in sys.path:
        sys.path.insert(0, str(AGENT_DIR))
    try:
        return importlib.import_module("trainpod_agent")
    finally:
        sys.dont_write_bytecode = saved


agent = load_agent()


class AgentTestCase(unittest.TestCase):
    """A temporary work dir and fake services, with the agent's environment pointing at them."""

    def setUp(self):
        work_dir = tempfile.mkdtemp(prefix="trainpod-unit-")
        self.addCleanup(shutil.rmtree, work_dir, True)
        self.dataset = sample_dataset(2000)
        self.fake = FakePodServices(self.dataset).__enter__()
        self.addCleanup(self.fake.__exit__)
        env = {"TRAINPOD_METRICS_URL": self.fake.metrics_url(), "TRAINPOD_JOB_TOKEN": JOB_TOKEN,
               "TRAINPOD_RETRY_BASE_SECONDS": "0.01"}
        patcher = mock.patch.dict(os.environ, env)
        patcher.start()
        self.addCleanup(patcher.stop)
        agent.State.work_dir, agent.State.secrets = work_dir, []
        quiet = mock.patch.object(agent.core, "echo")  # agent lines still go to agent.log
        quiet.start()
        self.addCleanup(quiet.stop)
        self.work_dir = work_dir


class FailureCauseTest(unittest.TestCase):

    def test_out_of_memory_in_the_log_tail_becomes_an_actionable_cause(self):
        tail = ["step 3/30 loss=2.1", "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB"]
        failure = agent.trainer_failure(1, tail)
        self.assertEqual((1, agent.OOM_CAUSE), (failure.exit_code, failure.cause))

    def test_a_gated_model_the_token_cannot_read_says_what_to_do(self):
        tail = ["huggingface_hub.errors.GatedRepoError: 401 Client Error. Cannot access gated repo for url "
                "https://huggingface.co/meta-llama/Llama-3.2-1B/resolve/main/config.json.",
                "Access to model meta-llama/Llama-3.2-1B is restricted. You must be authenticated to access it."]
        failure = agent.trainer_failure(1, tail)
        self.assertEqual((1, agent.HF_ACCESS_CAUSE), (failure.exit_code, failure.cause))
        self.assertIn("PUT /api/v1/secrets/huggingface", failure.cause)

    def test_other_failures_name_the_exit_code_and_the_last_error_line(self):
        tail = ["Traceback (most recent call last):", '  File "x.py", line 1', "ValueError: bad column 'text'"]
        failure = agent.trainer_failure(3, tail)
        self.assertEqual("trainer exited with code 3: ValueError: bad column 'text'", failure.cause)
        self.assertEqual("trainer exited with code 2", agent.trainer_failure(2, ["usage: x"]).cause)

    def test_a_killed_trainer_exits_with_128_plus_the_signal(self):
        failure = agent.trainer_failure(-9, ["step 1"])
        self.assertEqual(137, failure.exit_code)
        self.assertIn("signal 9", failure.cause)


class ConfigTest(unittest.TestCase):

    def encode(self, value):
        return base64.b64encode(json.dumps(value).encode()).decode()

    def test_base64_json_config_decodes(self):
        config = {"model": "m", "method": "DPO", "hyperparameters": {"epochs": 2}, "simulation": {"steps": 3}}
        self.assertEqual(config, agent.decode_config(self.encode(config)))

    def test_broken_configs_fail_with_the_config_exit_code(self):
        for broken in ("%%%", base64.b64encode(b"{not json").decode(), self.encode([1, 2]),
                       self.encode({"method": "PPO"}), self.encode({"simulation": 5})):
            with self.subTest(broken=broken), self.assertRaises(agent.JobFailure) as raised:
                agent.decode_config(broken)
            self.assertEqual(agent.EXIT_CONFIG, raised.exception.exit_code)
            self.assertIn("TRAINPOD_CONFIG", raised.exception.cause)


class TrainerChoiceTest(unittest.TestCase):

    def setUp(self):
        self.work_dir = tempfile.mkdtemp(prefix="trainpod-choice-")
        self.addCleanup(shutil.rmtree, self.work_dir, True)
        saved = agent.State.work_dir
        self.addCleanup(setattr, agent.State, "work_dir", saved)
        agent.State.work_dir = self.work_dir
        with open(os.path.join(self.work_dir, agent.TRAINER_BUNDLE), "wb") as f:
            f.write(trainer_bundle())

    def test_a_machine_without_gpu_libraries_runs_the_simulated_trainer(self):
        with mock.patch.object(agent.training, "missing_gpu_libraries",
                               return_value=["torch", "transformers", "trl"]), mock.patch.object(agent.core, "echo"):
            command, kind, install = agent.trainer_command({}, "c.json", "d.jsonl")
        self.assertEqual("simulated", kind)
        self.assertTrue(command[-5].endswith("sim_trainer.py"))
        self.assertIsNone(install)

    def test_a_stock_pytorch_image_installs_the_pinned_libraries_and_runs_the_bundled_trainer(self):
        with mock.patch.object(agent.training, "missing_gpu_libraries", return_value=["trl", "peft"]), \
                mock.patch.object(agent.core, "echo"):
            command, kind, install = agent.trainer_command({}, "c.json", "d.jsonl")
        trainer_dir = os.path.join(self.work_dir, "trainer")
        self.assertEqual("real", kind)
        self.assertEqual(os.path.join(trainer_dir, "trainpod_trainer.py"), command[2])
        self.assertEqual([sys.executable, "-m", "pip", "install"], install[:4])
        self.assertEqual(os.path.join(trainer_dir, "requirements.txt"), install[-1])
        with open(install[-1], encoding="utf-8") as unpacked:
            self.assertEqual((TRAINER_DIR / "requirements.txt").read_text(encoding="utf-8"), unpacked.read())
        for name in ("trainpod_trainer.py", "trainer_config.py", "dataset_rows.py", "metrics_callback.py"):
            self.assertTrue(os.path.isfile(os.path.join(trainer_dir, name)), name)

    def test_an_image_without_pip_fails_before_any_time_is_spent(self):
        real_find_spec = importlib.util.find_spec
        with mock.patch.object(agent.training, "missing_gpu_libraries", return_value=["trl"]), \
                mock.patch.object(agent.importlib.util, "find_spec",
                                  side_effect=lambda name: None if name == "pip" else real_find_spec(name)):
            with self.assertRaises(agent.JobFailure) as failure:
                agent.trainer_command({}, "c.json", "d.jsonl")
        self.assertEqual(agent.EXIT_CONFIG, failure.exception.exit_code)
        self.assertIn("trl not installed and pip is missing", failure.exception.cause)

    def test_a_missing_bundle_on_a_stock_image_fails_with_a_clear_cause(self):
        os.remove(os.path.join(self.work_dir, agent.TRAINER_BUNDLE))
        with mock.patch.object(agent.training, "missing_gpu_libraries", return_value=["trl"]):
            with self.assertRaises(agent.JobFailure) as failure:
                agent.trainer_command({}, "c.json", "d.jsonl")
        self.assertEqual(agent.EXIT_CONFIG, failure.exception.exit_code)
        self.assertIn("use the Trainpod trainer image", failure.exception.cause)

    def test_a_machine_with_gpu_libraries_runs_the_real_trainer_even_when_a_simulation_is_asked_for(self):
        with tempfile.NamedTemporaryFile(suffix="trainpod_trainer.py") as trainer, \
                mock.patch.dict(os.environ, {"TRAINPOD_TRAINER": trainer.name}), \
                mock.patch.object(agent.training, "missing_gpu_libraries", return_value=[]), \
                mock.patch.object(agent.core, "echo"):
            command, kind, install = agent.trainer_command({"simulation": {"steps": 3}}, "c.json", "d.jsonl")
        self.assertEqual("real", kind)
        self.assertEqual(trainer.name, command[2])
        self.assertIsNone(install)

    def test_the_trainer_image_is_looked_for_first_then_the_bundle_without_installing(self):
        self.assertEqual("/opt/trainpod/trainer/trainpod_trainer.py", agent.DEFAULT_TRAINER)
        with mock.patch.dict(os.environ), mock.patch.object(agent.training, "missing_gpu_libraries", return_value=[]), \
                mock.patch.object(agent.core, "echo"):
            os.environ.pop("TRAINPOD_TRAINER", None)
            command, kind, install = agent.trainer_command({}, "c.json", "d.jsonl")
        self.assertEqual(os.path.join(self.work_dir, "trainer", "trainpod_trainer.py"), command[2])
        self.assertIsNone(install)


class SecretsTest(unittest.TestCase):

    def test_a_masked_dataset_url_keeps_host_and_six_characters_of_the_token(self):
        url = "https://data.trainpod.dev:8443/api/v1/pod/dataset/%s?x=1" % DATASET_TOKEN
        self.assertEqual("https://data.trainpod.dev:8443/…/%s…" % DATASET_TOKEN[:6], agent.mask_url(url))

    def test_redaction_hides_the_job_token_the_pod_key_and_the_dataset_token(self):
        env = {"TRAINPOD_JOB_TOKEN": JOB_TOKEN, "RUNPOD_API_KEY": POD_API_KEY,
               "TRAINPOD_DATASET_URL": "https://d.example/api/v1/pod/dataset/" + DATASET_TOKEN}
        text = agent.redact("a %s b %s c %s d" % (JOB_TOKEN, POD_API_KEY, DATASET_TOKEN), agent.secrets_of(env))
        self.assertEqual("a *** b *** c *** d", text)

    def test_the_users_hugging_face_token_is_a_secret_too(self):
        secrets = agent.secrets_of({"HF_TOKEN": "hf_userSecretToken0123456789"})
        self.assertEqual("token *** used", agent.redact("token hf_userSecretToken0123456789 used", secrets))

    def test_a_plain_last_path_segment_is_not_a_secret(self):
        secrets = agent.secrets_of({"TRAINPOD_DATASET_URL": "https://d.example/datasets/abc/download"})
        self.assertEqual("download ready", agent.redact("download ready", secrets))


class TrainerOutputTest(AgentTestCase):

    def test_trainer_lines_are_told_apart(self):
        self.assertEqual(("metric", {"step": 2, "loss": 1.5}), agent.parse_trainer_line('TRAINPOD_METRIC {"step": 2, "loss": 1.5}'))
        self.assertEqual(("total", 30), agent.parse_trainer_line("TRAINPOD_TOTAL_STEPS 30"))
        for line in ("step 2/30 loss=1.5", "TRAINPOD_METRIC {broken", "TRAINPOD_METRIC [1]"):
            self.assertEqual(("log", line), agent.parse_trainer_line(line))

    def test_the_log_tail_is_the_last_fifty_lines_without_metric_lines(self):
        with open(os.path.join(self.work_dir, "train.log"), "w") as f:
            for i in range(100):
                f.write("line %d\nTRAINPOD_METRIC {\"step\": %d}\n" % (i, i))
        tail = agent.log_tail("TRAINING").split("\n")
        self.assertEqual(["line %d" % i for i in range(50, 100)], tail)


class HttpCallTest(AgentTestCase):

    def test_429_waits_as_long_as_retry_after_says(self):
        self.fake.retry_after["status"] = (1, 1)
        started = time.monotonic()
        status = agent.metrics_call("status", {"phase": "TRAINING"}, attempts=3)
        self.assertEqual(202, status)
        self.assertGreaterEqual(time.monotonic() - started, 0.9)
        self.assertEqual(1, len(self.fake.statuses()))

    def test_a_client_error_is_not_retried(self):
        self.fake.delete_status = 400
        with self.assertRaises(agent.HttpFailure) as raised:
            agent.http_call("DELETE", self.fake.runpod_url() + "/v2/pods/p1", POD_API_KEY, attempts=5)
        self.assertEqual(400, raised.exception.status)
        self.assertEqual(1, len(self.fake.deletes()))

    def test_server_errors_are_retried_then_given_up(self):
        self.fake.delete_status = 503
        with self.assertRaises(agent.HttpFailure) as raised:
            agent.http_call("DELETE", self.fake.runpod_url() + "/v2/pods/p1", POD_API_KEY, attempts=3)
        self.assertEqual(503, raised.exception.status)
        self.assertEqual(3, len(self.fake.deletes()))

    def test_terminating_a_pod_that_is_already_gone_succeeds(self):
        self.fake.delete_status = 404
        env = {"RUNPOD_POD_ID": "p1", "RUNPOD_API_KEY": POD_API_KEY, "TRAINPOD_RUNPOD_API_URL": self.fake.runpod_url()}
        with mock.patch.dict(os.environ, env):
            self.assertTrue(agent.terminate_pod())
        self.assertEqual([("p1", "Bearer " + POD_API_KEY)], self.fake.deletes())


class ShipperTest(AgentTestCase):

    def ship(self, count):
        shipper = agent.Shipper()
        shipper.start()
        started = time.monotonic()
        for step in range(1, count + 1):
            shipper.point({"step": step})
        queued_in = time.monotonic() - started
        return shipper.close(agent.final_deadline(5)), queued_in

    def test_twenty_pending_points_go_at_once_and_fewer_within_two_seconds(self):
        shipper = agent.Shipper()
        shipper.start()
        for step in range(1, 21):
            shipper.point({"step": step})
        self.assertTrue(self.fake.wait_for(lambda: len(self.fake.points()) == 20, 1.0))
        started = time.monotonic()
        for step in range(21, 24):
            shipper.point({"step": step})
        self.assertTrue(self.fake.wait_for(lambda: len(self.fake.points()) == 23, 3.0))
        self.assertGreaterEqual(time.monotonic() - started, agent.FLUSH_SECONDS - 0.3)
        self.assertEqual(0, shipper.close(agent.final_deadline(5)))
        self.assertEqual(list(range(1, 24)), [p["step"] for p in self.fake.points()])

    def test_a_slow_metrics_service_never_holds_up_the_trainer_output(self):
        self.fake.metrics_delay = 0.3
        unsent, queued_in = self.ship(200)
        self.assertLess(queued_in, 0.1)
        self.assertEqual(0, unsent)
        self.assertEqual(list(range(1, 201)), [p["step"] for p in self.fake.points()])

    def test_a_checkpoint_waits_for_the_points_up_to_its_step_not_for_an_empty_spool(self):
        self.fake.metrics_delay = 0.3  # every post outlasts the next step: the spool is never empty for long
        shipper = agent.Shipper()
        shipper.start()
        for step in range(1, 11):
            shipper.point({"step": step})
        feeding = threading.Event()

        def trainer_goes_on():
            step = 11
            while not feeding.is_set():
                shipper.point({"step": step})
                step += 1
                time.sleep(0.02)
        feeder = threading.Thread(target=trainer_goes_on, daemon=True)
        feeder.start()
        try:
            self.assertTrue(shipper.wait_delivered(10, 10.0))
            self.assertIn(10, [p["step"] for p in self.fake.points()])
        finally:
            feeding.set()
            feeder.join()
        self.assertEqual(0, shipper.close(agent.final_deadline(10)))

    def test_points_are_kept_while_metrics_service_fails(self):
        self.fake.fail_first["metrics"] = 4
        unsent, _ = self.ship(30)
        self.assertEqual(0, unsent)
        self.assertEqual(list(range(1, 31)), [p["step"] for p in self.fake.points()])


class SpoolTest(AgentTestCase):

    def test_what_was_not_sent_survives_a_restart_and_a_torn_line_is_skipped(self):
        spool = agent.Spool("metrics-spool.jsonl")
        spool.append([{"step": 1}, {"step": 2}, {"step": 3}])
        batch, offset = spool.peek(2)
        self.assertEqual([{"step": 1}, {"step": 2}], batch)
        spool.commit(offset, len(batch))
        with open(spool.path, "a") as f:
            f.write('{"step": 4, "lo\n{"step": 5}\n{"step": 6')  # a crash tore one line, another is unfinished

        again = agent.Spool("metrics-spool.jsonl")

        self.assertEqual([{"step": 3}, {"step": 5}], again.peek(None)[0])
        self.assertEqual(2, again.pending)

    def test_points_spooled_while_metrics_service_is_down_are_sent_once_it_is_back(self):
        self.fake.metrics_down = True
        shipper = agent.Shipper()
        shipper.start()
        for step in range(1, 51):
            shipper.point({"step": step})
        self.assertTrue(self.fake.wait_for(lambda: shipper.points.pending == 50, 3.0))
        self.assertEqual([], self.fake.points())
        self.fake.metrics_down = False
        self.assertEqual(0, shipper.close(agent.final_deadline(5)))
        self.assertEqual(list(range(1, 51)), [p["step"] for p in self.fake.points()])


class UploadTest(AgentTestCase):

    def upload(self, content, chunk="1000"):
        path = os.path.join(self.work_dir, "model.bin")
        with open(path, "wb") as f:
            f.write(content)
        with mock.patch.dict(os.environ, {"TRAINPOD_UPLOAD_CHUNK_BYTES": chunk}):
            return agent.upload_artifact(self.fake.artifacts_url(), "model.bin", path)

    def test_an_upload_goes_on_from_the_offset_dataset_service_already_holds(self):
        content = os.urandom(2500)
        self.fake.artifacts["model.bin"] = bytearray(content[:1200])
        record = self.upload(content)
        self.assertEqual(hashlib.sha256(content).hexdigest(), record["sha256"])
        self.assertEqual(["bytes 1200-2199/2500", "bytes 2200-2499/2500"],
                         [r[4]["range"] for r in self.fake.recorded("artifact")])

    def test_a_chunk_that_does_not_start_where_dataset_service_is_goes_on_from_its_offset(self):
        content = os.urandom(1500)
        path = os.path.join(self.work_dir, "model.bin")
        with open(path, "wb") as f:
            f.write(content)
        with mock.patch.object(agent.artifacts, "upload_offset", side_effect=lambda *a: 0):  # a stale answer
            self.fake.artifacts["model.bin"] = bytearray(content[:1000])
            with mock.patch.dict(os.environ, {"TRAINPOD_UPLOAD_CHUNK_BYTES": "1000"}):
                record = agent.upload_artifact(self.fake.artifacts_url(), "model.bin", path)
        self.assertEqual(1500, record["bytes"])
        self.assertEqual(["bytes 0-999/1500", "bytes 1000-1499/1500"],
                         [r[4]["range"] for r in self.fake.recorded("artifact")])

    def test_a_small_or_empty_file_goes_in_one_request(self):
        for content in (b"", b"{}"):
            with self.subTest(size=len(content)):
                self.fake.artifacts.clear()
                self.assertEqual(len(content), self.upload(content)["bytes"])
                self.assertIsNone(self.fake.recorded("artifact")[-1][4]["range"])

    def test_a_refused_upload_fails_the_job(self):
        self.fake.artifact_fail_first = 100
        with self.assertRaises(agent.JobFailure) as raised:
            self.upload(b"x" * 10)
        self.assertEqual(agent.EXIT_UNAVAILABLE, raised.exception.exit_code)
        self.assertIn("after 6 attempts", raised.exception.cause)

    def test_names_dataset_service_would_refuse_are_made_safe(self):
        self.assertEqual("adapter_model_v1_.safetensors", agent.artifact_name("adapter model(v1).safetensors"))
        self.assertEqual(128, len(agent.artifact_name("a" * 200)))


class DownloadTest(AgentTestCase):

    def download(self, sha256=None):
        dest = os.path.join(self.work_dir, "dataset.jsonl")
        agent.download_dataset(self.fake.dataset_url(DATASET_TOKEN), dest,
                               sha256 or hashlib.sha256(self.dataset).hexdigest())
        with open(dest, "rb") as f:
            return f.read()

    def test_a_server_answering_a_range_request_with_200_makes_it_start_over(self):
        self.fake.dataset_cut_after = 10000
        self.fake.dataset_ignore_range = 1
        self.assertEqual(self.dataset, self.download())
        self.assertEqual([None, "bytes=10000-"], [r[3].get("Range") for r in self.fake.recorded("dataset")])

    def test_unavailable_dataset_service_is_retried(self):
        self.fake.dataset_fail_first = 2
        self.assertEqual(self.dataset, self.download())
        self.assertEqual(3, len(self.fake.recorded("dataset")))

    def test_a_deleted_dataset_fails_at_once(self):
        self.fake.dataset_status = 404
        with self.assertRaises(agent.JobFailure) as raised:
            self.download()
        self.assertEqual(agent.EXIT_NO_DATASET, raised.exception.exit_code)
        self.assertIn("HTTP 404", raised.exception.cause)
        self.assertEqual(1, len(self.fake.recorded("dataset")))

    def refreshable(self):
        patcher = mock.patch.dict(os.environ, {"TRAINPOD_DATASET_REFRESH_URL": self.fake.refresh_url()})
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_a_token_refused_with_401_mid_download_is_refreshed_and_the_download_resumes(self):
        self.refreshable()
        self.fake.dataset_cut_after = 9000
        self.fake.unauthorized_tokens.add(DATASET_TOKEN)  # answers 401 from the retry on: it expired mid-download
        self.fake.dataset_status = None
        first = {"served": False}
        serve = self.fake._serve_dataset

        def expire_after_first(handler):
            if first["served"]:
                return serve(handler)
            first["served"] = True
            tokens, self.fake.unauthorized_tokens = self.fake.unauthorized_tokens, set()
            try:
                return serve(handler)
            finally:
                self.fake.unauthorized_tokens = tokens

        with mock.patch.object(self.fake, "_serve_dataset", expire_after_first):
            self.assertEqual(self.dataset, self.download())
        gets = [(r[2].rsplit("/", 1)[-1], r[3].get("Range")) for r in self.fake.recorded("dataset")]
        self.assertEqual([(DATASET_TOKEN, None), (DATASET_TOKEN, "bytes=9000-"), (FRESH_TOKEN, "bytes=9000-")], gets)
        self.assertEqual(1, len(self.fake.recorded("refresh")))
        self.assertEqual("Bearer " + JOB_TOKEN, self.fake.recorded("refresh")[0][3].get("Authorization"))

    def test_a_download_started_after_the_token_expired_gets_a_fresh_link_first(self):
        self.refreshable()
        for answer in ("expired_tokens", "unauthorized_tokens"):
            with self.subTest(answer=answer):
                getattr(self.fake, answer).add(DATASET_TOKEN)
                self.assertEqual(self.dataset, self.download())
                getattr(self.fake, answer).clear()
                os.remove(os.path.join(self.work_dir, "dataset.jsonl"))
        tokens = [r[2].rsplit("/", 1)[-1] for r in self.fake.recorded("dataset")]
        self.assertEqual([DATASET_TOKEN, FRESH_TOKEN] * 2, tokens)
        self.assertEqual(2, len(self.fake.recorded("refresh")))

    def test_a_link_that_keeps_being_refused_fails_after_a_few_refreshes(self):
        self.refreshable()
        self.fake.dataset_status = 401
        with self.assertRaises(agent.JobFailure) as raised:
            self.download()
        self.assertIn("HTTP 401", raised.exception.cause)
        self.assertEqual(agent.MAX_DATASET_REFRESHES, len(self.fake.recorded("refresh")))


class FinalReportTest(AgentTestCase):
    """The end of a job: the final status is retried until acknowledged, heartbeats going on meanwhile."""

    def reporter(self):
        reporter = agent.Reporter(0.05)
        reporter.phase = "UPLOADING"
        reporter.start_heartbeats()
        return reporter

    def test_the_final_status_is_retried_until_acknowledged_while_heartbeats_go_on(self):
        self.fake.final_answers = [503] * 8
        reporter = self.reporter()
        started = time.monotonic()
        self.assertTrue(reporter.finish({"phase": "SUCCEEDED", "message": "done"}, agent.final_deadline(10)))
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(8, len(self.fake.recorded("final-refused")))
        statuses = self.fake.statuses()
        self.assertEqual("SUCCEEDED", statuses[-1]["phase"], "nothing is posted after the acknowledged final status")
        first_refused = self.fake.requests.index(self.fake.recorded("final-refused")[0])
        beats_while_waiting = [r for r in self.fake.requests[first_refused:] if r[0] == "status"
                               and r[4].get("message") == "heartbeat"]
        self.assertGreaterEqual(len(beats_while_waiting), 2, "the watchdog must see a live pod while it waits")
        time.sleep(0.2)
        self.assertEqual(len(statuses), len(self.fake.statuses()), "heartbeats stop once it is acknowledged")

    def test_an_outage_longer_than_five_tries_is_waited_out(self):
        self.fake.metrics_down = True
        reporter = self.reporter()
        back = threading.Timer(1.0, lambda: setattr(self.fake, "metrics_down", False))
        back.start()
        self.addCleanup(back.cancel)
        self.assertTrue(reporter.finish({"phase": "FAILED", "message": "x", "exitCode": 3}, agent.final_deadline(10)))
        self.assertEqual("FAILED", self.fake.statuses()[-1]["phase"])

    def test_it_gives_up_at_the_deadline(self):
        self.fake.metrics_down = True
        reporter = self.reporter()
        started = time.monotonic()
        self.assertFalse(reporter.finish({"phase": "SUCCEEDED", "message": "done"}, agent.final_deadline(0.5)))
        self.assertLess(time.monotonic() - started, 1.5)
        self.assertTrue(reporter.final)
        with open(os.path.join(self.work_dir, "agent.log"), encoding="utf-8") as f:
            self.assertIn("could not report SUCCEEDED after", f.read())

    def test_a_refusal_no_retry_can_change_ends_the_wait_at_once(self):
        self.fake.final_answers = [409]
        reporter = self.reporter()
        started = time.monotonic()
        self.assertFalse(reporter.finish({"phase": "SUCCEEDED", "message": "done"}, agent.final_deadline(30)))
        self.assertLess(time.monotonic() - started, 1)
        self.assertEqual(1, len(self.fake.recorded("final-refused")))

    def test_the_timeout_comes_from_the_environment_with_a_default_of_ten_minutes(self):
        now = time.monotonic()
        self.assertAlmostEqual(now + 600, agent.final_deadline(), delta=1)
        with mock.patch.dict(os.environ, {"TRAINPOD_FINAL_REPORT_TIMEOUT_SECONDS": "42"}):
            self.assertAlmostEqual(now + 42, agent.final_deadline(), delta=1)

    def test_the_spool_is_flushed_until_the_deadline_not_for_six_tries(self):
        self.fake.metrics_down = True
        shipper = agent.Shipper()
        shipper.start()
        for step in range(1, 31):
            shipper.point({"step": step})
        back = threading.Timer(1.5, lambda: setattr(self.fake, "metrics_down", False))
        back.start()
        self.addCleanup(back.cancel)
        self.assertEqual(0, shipper.close(agent.final_deadline(10)))
        self.assertEqual(list(range(1, 31)), [p["step"] for p in self.fake.points()])

    def test_a_final_flush_refused_for_good_is_not_retried_until_the_deadline(self):
        self.fake.metrics_refused = 409  # the job has ENDED: deploy-service already has the pod terminated
        shipper = agent.Shipper()
        shipper.start()
        for step in range(1, 4):
            shipper.point({"step": step})
        self.assertEqual(3, shipper.close(agent.final_deadline(30)))
        self.assertEqual(1, len(self.fake.recorded("metrics-refused")))
        with open(os.path.join(self.work_dir, "agent.log"), encoding="utf-8") as f:
            self.assertIn("metrics-service refused the final flush (HTTP 409)", f.read())

    def test_the_final_flush_runs_alongside_whoever_waits_for_it_and_ends_by_the_deadline(self):
        self.fake.metrics_delay = 1.0
        shipper = agent.Shipper()
        shipper.start()
        for step in range(1, 4):
            shipper.point({"step": step})
        shipper.stop(agent.final_deadline(10))
        self.assertIsNone(shipper.wait_stopped(time.monotonic()), "stop() waits for no flush")
        self.assertEqual(0, shipper.wait_stopped(agent.final_deadline(10)))
        self.assertEqual([1, 2, 3], [p["step"] for p in self.fake.points()])

    def test_the_artifacts_are_declared_final_by_name(self):
        with mock.patch.dict(os.environ, {"TRAINPOD_ARTIFACTS_URL": self.fake.artifacts_url()}):
            self.assertTrue(agent.declare_artifacts([{"name": "a.bin", "bytes": 1}, {"name": "b.json", "bytes": 2}]))
            self.fake.declare_status = 410
            self.assertFalse(agent.declare_artifacts([]))
        declared = self.fake.recorded("declare")
        self.assertEqual([{"names": ["a.bin", "b.json"]}, {"names": []}], [r[4] for r in declared])
        self.assertEqual("Bearer " + JOB_TOKEN, declared[0][3].get("Authorization"))


if __name__ == "__main__":
    unittest.main()
