"""The assembled pod bootstrap, run for real with `bash -c` against fake services."""
import hashlib
import json
import os
import signal
import stat
import time
import unittest

from fake_pod_services import FRESH_TOKEN
from pod_harness import (AGENT_PLACEHOLDER, BUNDLE_PLACEHOLDER, DATASET_TOKEN, JOB_TOKEN, POD_API_KEY, BOOTSTRAP_SH, POD_ID,
                         TRAINER_DIR, TRAINER_PLACEHOLDER, PodTestCase, assembled_bootstrap, config_b64)


class BootstrapScriptTest(unittest.TestCase):

    def test_each_placeholder_appears_once_and_the_assembled_script_fits_in_one_argument(self):
        script = BOOTSTRAP_SH.read_text(encoding="utf-8")
        self.assertEqual(1, script.count(AGENT_PLACEHOLDER))
        self.assertEqual(1, script.count(TRAINER_PLACEHOLDER))
        self.assertEqual(1, script.count(BUNDLE_PLACEHOLDER))
        # Linux refuses a single argv string over 128 KiB (MAX_ARG_STRLEN).
        self.assertLess(len(assembled_bootstrap().encode("utf-8")), 100 * 1024)


class SuccessfulJobTest(PodTestCase):

    def test_successful_job_reports_phases_in_order_ships_every_point_once_and_terminates_its_pod(self):
        code, output, seconds = self.run_bootstrap(self.pod_env())

        self.assertEqual(0, code, output)
        self.assertEqual(["DOWNLOADING", "TRAINING", "UPLOADING", "SUCCEEDED"], self.phases())
        points = self.fake.points()
        self.assertEqual(list(range(1, 9)), [p["step"] for p in points])
        losses = [p["loss"] for p in points]
        self.assertEqual(sorted(losses, reverse=True), losses)
        self.assertLess(losses[-1], losses[0] * 0.5)
        self.assertTrue(all(p["time"].endswith("Z") for p in points))
        self.assertTrue(any("step 8/8" in line for line in self.fake.log_lines()))
        self.assertPodTerminatedOnce()
        self.assertEveryCallCarriesJobToken()
        self.assertNoSecrets(output)
        self.assertLess(seconds, 10)
        with open(os.path.join(self.work_dir, "dataset.jsonl"), "rb") as f:
            self.assertEqual(self.dataset, f.read())
        self.assertEqual(["simulated_adapter.bin", "training_summary.json"], sorted(self.fake.completed))
        self.assertEqual(64 * 1024, self.fake.completed["simulated_adapter.bin"]["bytes"])
        succeeded = self.fake.statuses()[-1]
        self.assertEqual(sorted(self.fake.completed.values(), key=lambda a: a["name"]), succeeded["artifacts"])
        self.assertIn("simulated trainer", succeeded["message"])
        self.assertIn("using the simulated trainer: no GPU libraries on this machine", output)

    def test_artifacts_upload_in_chunks_and_resume_after_a_lost_connection(self):
        self.fake.artifact_cut_after = 5000
        self.fake.artifact_fail_first = 1
        env = self.pod_env(TRAINPOD_UPLOAD_CHUNK_BYTES="16384")

        code, output, _ = self.run_bootstrap(env)

        self.assertEqual(0, code, output)
        with open(os.path.join(self.work_dir, "output", "simulated_adapter.bin"), "rb") as f:
            adapter = f.read()
        self.assertEqual(adapter, bytes(self.fake.artifacts["simulated_adapter.bin"]))
        self.assertEqual(hashlib.sha256(adapter).hexdigest(), self.fake.completed["simulated_adapter.bin"]["sha256"])
        ranges = [r[4]["range"] for r in self.fake.recorded("artifact") if r[4]["name"] == "simulated_adapter.bin"]
        self.assertIn("bytes 5000-21383/65536", ranges, "resumed where the lost connection left off")
        self.assertEqual("bytes 54152-65535/65536", ranges[-1])
        last = [r for r in self.fake.recorded("artifact") if r[4]["range"] == ranges[-1]][-1]
        self.assertEqual(hashlib.sha256(adapter).hexdigest(), last[3].get("X-Trainpod-Sha256"))
        self.assertEqual("Bearer " + JOB_TOKEN, last[3].get("Authorization"))
        self.assertEqual("SUCCEEDED", self.fake.statuses()[-1]["phase"])

    def test_an_outage_of_metrics_service_loses_nothing_and_does_not_hold_up_training(self):
        env = self.pod_env({"steps": 60, "stepSeconds": 0.05})
        process = self.start_bootstrap(env)
        self.assertTrue(self.fake.wait_for(lambda: len(self.fake.points()) >= 5, 15))
        self.fake.metrics_down = True
        down_at = len(self.fake.points())
        spool = os.path.join(self.work_dir, "metrics-spool.jsonl")
        self.assertTrue(self.fake.wait_for(lambda: _lines(spool) >= down_at + 20, 10),
                        "the trainer went on and its points were spooled to disk")
        agent_log = os.path.join(self.work_dir, "agent.log")
        self.assertTrue(self.fake.wait_for(lambda: "spooling metrics and logs to disk" in _text(agent_log), 10),
                        "the agent noticed the outage (a flush failed) before metrics-service came back")
        self.fake.metrics_down = False
        output = self.finish(process)

        self.assertEqual(0, process.returncode, output)
        self.assertEqual(list(range(1, 61)), sorted({p["step"] for p in self.fake.points()}))
        self.assertEqual(60, _lines(spool))
        shipped = self.fake.log_lines()
        self.assertEqual(60, len([line for line in shipped if line.startswith("step ")]))
        self.assertTrue(any("spooling metrics and logs to disk" in line for line in shipped))
        self.assertEqual("SUCCEEDED", self.fake.statuses()[-1]["phase"])

    def test_metrics_service_down_at_the_end_the_pod_waits_flushes_reports_and_only_then_terminates(self):
        env = self.pod_env({"steps": 30, "stepSeconds": 0.03}, TRAINPOD_HEARTBEAT_SECONDS="0.1")
        process = self.start_bootstrap(env)
        self.assertTrue(self.fake.wait_for(lambda: len(self.fake.points()) >= 10, 15))
        self.fake.metrics_down = True  # before the trainer finishes: its last points are spooled
        self.assertTrue(self.fake.wait_for(lambda: len(self.fake.recorded("declare")) == 1, 15))
        # Far longer than five tries of the final report (and six of the spool) take with this retry base.
        time.sleep(3)
        self.assertEqual([], self.fake.deletes(), "the pod must not terminate before its end is acknowledged")
        self.assertIsNone(process.poll())
        self.fake.metrics_down = False
        output = self.finish(process)

        self.assertEqual(0, process.returncode, output)
        self.assertEqual(list(range(1, 31)), [p["step"] for p in self.fake.points()], "every spooled point sent once")
        self.assertEqual("SUCCEEDED", self.fake.statuses()[-1]["phase"])
        self.assertEqual(["simulated_adapter.bin", "training_summary.json"],
                         self.fake.recorded("declare")[0][4]["names"])
        kinds = [r[0] for r in self.fake.requests]
        self.assertLess(len(kinds) - 1 - kinds[::-1].index("metrics"), kinds.index("runpod"), "points before the end")
        succeeded = [i for i, r in enumerate(self.fake.requests) if r[0] == "status" and r[4]["phase"] == "SUCCEEDED"]
        self.assertLess(succeeded[0], kinds.index("runpod"), "acknowledged before the pod is terminated")
        self.assertPodTerminatedOnce()

    def test_the_final_wait_is_bounded_by_its_timeout(self):
        self.fake.final_answers = [503] * 1000  # metrics-service never takes the final status
        env = self.pod_env(TRAINPOD_FINAL_REPORT_TIMEOUT_SECONDS="1")
        process = self.start_bootstrap(env)
        self.assertTrue(self.fake.wait_for(lambda: len(self.fake.recorded("final-refused")) == 1, 15))
        started = time.monotonic()
        output = self.finish(process, timeout=15)

        self.assertLess(time.monotonic() - started, 5)
        self.assertGreater(len(self.fake.recorded("final-refused")), 3, "retried until the timeout")
        self.assertNotIn("SUCCEEDED", self.phases())
        self.assertIn("could not report SUCCEEDED after", output)
        self.assertPodTerminatedOnce()

    def test_restarted_container_of_a_finished_job_only_terminates_the_pod_again(self):
        env = self.pod_env()
        self.assertEqual(0, self.run_bootstrap(env)[0])
        reports = len(self.fake.statuses())

        code, output, _ = self.run_bootstrap(env)

        self.assertEqual(0, code, output)
        self.assertEqual(reports, len(self.fake.statuses()))
        self.assertEqual(2, len(self.fake.deletes()))
        self.assertEqual(1, len(self.fake.recorded("dataset")))

    def test_heartbeats_carry_the_phase_and_total_steps_and_stop_at_the_final_status(self):
        env = self.pod_env({"steps": 10, "stepSeconds": 0.05}, TRAINPOD_HEARTBEAT_SECONDS="0.05")

        code, output, _ = self.run_bootstrap(env)

        self.assertEqual(0, code, output)
        beats = [s for s in self.fake.statuses() if s.get("message") == "heartbeat"]
        self.assertGreaterEqual(len(beats), 3)
        self.assertTrue(all(b["phase"] in ("DOWNLOADING", "TRAINING", "UPLOADING") for b in beats))
        self.assertIn(10, [b.get("totalSteps") for b in beats])
        self.assertEqual("SUCCEEDED", self.fake.statuses()[-1]["phase"])

    def test_metrics_service_answering_503_loses_no_point(self):
        self.fake.fail_first.update(status=2, metrics=3, logs=2)
        env = self.pod_env({"steps": 30, "stepSeconds": 0.02})

        code, output, _ = self.run_bootstrap(env)

        self.assertEqual(0, code, output)
        self.assertEqual(list(range(1, 31)), [p["step"] for p in self.fake.points()])
        self.assertEqual(["DOWNLOADING", "TRAINING", "UPLOADING", "SUCCEEDED"], self.phases())

    def test_an_expired_link_is_exchanged_for_a_fresh_one_and_the_download_resumes(self):
        self.fake.dataset_cut_after = 7000
        self.fake.expired_tokens.add(DATASET_TOKEN)

        code, output, _ = self.run_bootstrap(self.pod_env())

        self.assertEqual(0, code, output)
        self.assertEqual(1, len(self.fake.recorded("refresh")))
        self.assertEqual("Bearer " + JOB_TOKEN, self.fake.recorded("refresh")[0][3].get("Authorization"))
        gets = [(r[2].rsplit("/", 1)[-1], r[3].get("Range")) for r in self.fake.recorded("dataset")]
        self.assertEqual([(DATASET_TOKEN, None), (FRESH_TOKEN, None), (FRESH_TOKEN, "bytes=7000-")], gets)
        self.assertEqual("SUCCEEDED", self.fake.statuses()[-1]["phase"])
        self.assertNoSecrets(output)
        self.assertNotIn(FRESH_TOKEN, output)

    def test_interrupted_download_resumes_with_range(self):
        self.fake.dataset_cut_after = len(self.dataset) // 3

        code, output, _ = self.run_bootstrap(self.pod_env())

        self.assertEqual(0, code, output)
        ranges = [r[3].get("Range") for r in self.fake.recorded("dataset")]
        self.assertEqual([None, "bytes=%d-" % (len(self.dataset) // 3)], ranges)
        with open(os.path.join(self.work_dir, "dataset.jsonl"), "rb") as f:
            self.assertEqual(hashlib.sha256(self.dataset).hexdigest(), hashlib.sha256(f.read()).hexdigest())
        self.assertEqual("SUCCEEDED", self.fake.statuses()[-1]["phase"])

    def test_runpodctl_terminates_the_pod_when_the_api_keeps_failing(self):
        self.fake.delete_status = 500
        bin_dir = os.path.join(self.cwd, "bin")
        os.mkdir(bin_dir)
        calls = os.path.join(self.cwd, "runpodctl-calls")
        runpodctl = os.path.join(bin_dir, "runpodctl")
        with open(runpodctl, "w") as f:
            f.write('#!/bin/sh\necho "$@" >> "%s"\n' % calls)
        os.chmod(runpodctl, stat.S_IRWXU)
        env = self.pod_env()
        env["PATH"] = bin_dir + os.pathsep + env["PATH"]

        code, output, _ = self.run_bootstrap(env)

        self.assertEqual(0, code, output)
        self.assertGreaterEqual(len(self.fake.deletes()), 2)
        with open(calls) as f:
            self.assertEqual(["pod delete " + POD_ID], f.read().splitlines())


class FailedJobTest(PodTestCase):

    def test_trainer_failure_is_reported_once_with_exit_code_phase_and_log_tail(self):
        env = self.pod_env({"steps": 8, "stepSeconds": 0.02, "failAtStep": 4, "exitCode": 3})

        code, output, _ = self.run_bootstrap(env)

        self.assertEqual(3, code, output)
        failed = self.failed_reports()
        self.assertEqual(1, len(failed), failed)
        self.assertEqual(3, failed[0]["exitCode"])
        self.assertEqual("TRAINING", failed[0]["failedPhase"])
        self.assertIn("RuntimeError: simulated trainer failure at step 4", failed[0]["logTail"])
        self.assertIn("trainer exited with code 3", failed[0]["message"])
        self.assertEqual([1, 2, 3], [p["step"] for p in self.fake.points()])
        self.assertEqual("FAILED", self.fake.statuses()[-1]["phase"])
        self.assertPodTerminatedOnce()
        self.assertNoSecrets(output)

    def test_failed_is_reported_before_a_slow_final_flush_ends_and_the_pod_is_deleted_once_it_has(self):
        self.fake.metrics_delay = 1.5  # metrics-service's points call is slow, its status call quick
        env = self.pod_env({"steps": 8, "stepSeconds": 0.02, "failAtStep": 4, "exitCode": 3})

        code, output, _ = self.run_bootstrap(env)

        self.assertEqual(3, code, output)
        requests = list(self.fake.requests)  # in the order each was answered
        failed_at = next(i for i, r in enumerate(requests) if r[0] == "status" and r[4].get("phase") == "FAILED")
        last_points_at = max(i for i, r in enumerate(requests) if r[0] == "metrics")
        deleted_at = next(i for i, r in enumerate(requests) if r[0] == "runpod" and r[1] == "DELETE")
        self.assertLess(failed_at, last_points_at, "FAILED went out only after the final flush of the points")
        self.assertLess(last_points_at, deleted_at, "the pod was deleted before the final flush ended")
        self.assertEqual([1, 2, 3], [p["step"] for p in self.fake.points()], "every point arrives, once")
        self.assertEqual(1, len(self.failed_reports()))
        self.assertPodTerminatedOnce()

    def test_checksum_mismatch_fails_in_downloading(self):
        env = self.pod_env(TRAINPOD_DATASET_SHA256="0" * 64)

        code, output, _ = self.run_bootstrap(env)

        self.assertEqual(65, code, output)
        failed = self.failed_reports()
        self.assertEqual(1, len(failed), failed)
        self.assertEqual("DOWNLOADING", failed[0]["failedPhase"])
        self.assertIn("dataset checksum mismatch: expected " + "0" * 64, failed[0]["message"])
        self.assertIn(hashlib.sha256(self.dataset).hexdigest(), failed[0]["message"])
        self.assertNotIn("TRAINING", self.phases())
        self.assertPodTerminatedOnce()

    def test_an_expired_link_of_an_ended_deployment_fails_with_a_clear_cause(self):
        self.fake.dataset_status = 410
        self.fake.refresh_status = 410

        code, output, _ = self.run_bootstrap(self.pod_env())

        self.assertEqual(66, code, output)
        failed = self.failed_reports()
        self.assertEqual(1, len(failed), failed)
        self.assertIn("HTTP 410", failed[0]["message"])
        self.assertIn("expired", failed[0]["message"])
        self.assertEqual("DOWNLOADING", failed[0]["failedPhase"])
        self.assertEqual(1, len(self.fake.recorded("dataset")))
        self.assertEqual(1, len(self.fake.recorded("refresh")))
        self.assertPodTerminatedOnce()
        self.assertNoSecrets(output)

    def test_out_of_gpu_memory_is_reported_with_what_to_do(self):
        env = self.pod_env(TRAINPOD_CONFIG=config_b64({"steps": 8, "stepSeconds": 0.02},
                                                      hyperparameters={"batchSize": 64, "maxSeqLength": 4096}))

        code, output, _ = self.run_bootstrap(env)

        self.assertEqual(1, code, output)
        failed = self.failed_reports()
        self.assertEqual(1, len(failed), failed)
        self.assertEqual("out of GPU memory: reduce batch size or choose a GPU with more memory", failed[0]["message"])
        self.assertEqual("TRAINING", failed[0]["failedPhase"])
        self.assertIn("CUDA out of memory", failed[0]["logTail"])
        self.assertEqual({}, self.fake.completed)
        self.assertPodTerminatedOnce()

    def test_invalid_config_is_reported_once_and_the_pod_terminated(self):
        code, output, _ = self.run_bootstrap(self.pod_env(TRAINPOD_CONFIG="not base64 json!"))

        self.assertEqual(78, code, output)
        failed = self.failed_reports()
        self.assertEqual(1, len(failed), failed)
        self.assertIn("TRAINPOD_CONFIG", failed[0]["message"])
        self.assertEqual("STARTING", failed[0]["failedPhase"])
        self.assertEqual([], self.fake.recorded("dataset"))
        self.assertPodTerminatedOnce()

    def test_without_python3_curl_reports_the_failure_and_terminates_the_pod(self):
        bin_dir = os.path.join(self.cwd, "bin")
        os.mkdir(bin_dir)
        for tool in ("mkdir", "rm", "base64", "tr", "curl"):
            os.symlink(_which(tool), os.path.join(bin_dir, tool))

        code, output, _ = self.run_bootstrap(self.pod_env(PATH=bin_dir))

        self.assertEqual(127, code, output)
        self.assertIn("python3 is not on PATH", output)
        failed = self.failed_reports()
        self.assertEqual(1, len(failed), failed)
        self.assertEqual({"phase": "FAILED", "message": "bootstrap failed", "exitCode": 127,
                          "failedPhase": "STARTING"}, failed[0])
        self.assertEveryCallCarriesJobToken()
        self.assertPodTerminatedOnce()
        self.assertNoSecrets(output)

    def test_sigterm_during_training_reports_143_terminates_the_pod_and_exits_promptly(self):
        process = self.start_bootstrap(self.pod_env({"steps": 500, "stepSeconds": 0.05}))
        self.assertTrue(self.fake.wait_for(lambda: self.fake.log_lines() or self.fake.points(), 15))
        self.assertTrue(self.fake.wait_for(lambda: _trainer_pids(self.work_dir), 5))

        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        output = self.finish(process, timeout=15)

        self.assertEqual(143, process.returncode, output)
        self.assertLess(time.monotonic() - sent, 5)
        failed = self.failed_reports()
        self.assertEqual(1, len(failed), failed)
        self.assertEqual(143, failed[0]["exitCode"])
        self.assertEqual("TRAINING", failed[0]["failedPhase"])
        self.assertIn("terminated by signal", failed[0]["message"])
        self.assertPodTerminatedOnce()
        self.assertEqual([], _trainer_pids(self.work_dir))


def _text(file_path):
    try:
        with open(file_path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def _lines(file_path):
    try:
        with open(file_path, "rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


FAKE_PIP = """import json, os, sys
site = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(site, "pip-calls.jsonl"), "a") as calls:
    calls.write(json.dumps(sys.argv[1:]) + "\\n")
if %(exit_code)d:
    print("ERROR: Could not find a version that satisfies the requirement trl==0.12.2")
    sys.exit(%(exit_code)d)
for name in ("transformers", "trl", "peft", "datasets", "accelerate", "bitsandbytes"):
    os.makedirs(os.path.join(site, name), exist_ok=True)
    open(os.path.join(site, name, "__init__.py"), "w").close()
print("Successfully installed transformers trl peft datasets accelerate bitsandbytes")
"""


class StockImageTest(PodTestCase):
    """A stock runpod/pytorch image: torch and pip, none of the trainer's libraries. Stand-ins for both sit on
    PYTHONPATH: torch is an empty package, pip records its arguments and "installs" empty packages."""

    def stock_image_env(self, pip_exit_code=0):
        self.site = os.path.join(self.cwd, "site")
        for package, text in (("torch", "__version__ = '2.4.0'\n"), ("pip", ""),):
            os.makedirs(os.path.join(self.site, package))
            with open(os.path.join(self.site, package, "__init__.py"), "w") as f:
                f.write(text)
        with open(os.path.join(self.site, "pip", "__main__.py"), "w") as f:
            f.write(FAKE_PIP % {"exit_code": pip_exit_code})
        return self.pod_env(PYTHONPATH=self.site)

    def pip_calls(self):
        with open(os.path.join(self.site, "pip-calls.jsonl")) as f:
            return [json.loads(line) for line in f]

    def test_the_bundled_trainer_runs_after_its_pinned_libraries_are_installed(self):
        code, output, _ = self.run_bootstrap(self.stock_image_env())

        requirements = os.path.join(self.work_dir, "trainer", "requirements.txt")
        self.assertEqual([["install", "--no-cache-dir", "--disable-pip-version-check", "--no-input", "-r",
                           requirements]], self.pip_calls())
        with open(requirements) as f:
            self.assertEqual((TRAINER_DIR / "requirements.txt").read_text(encoding="utf-8"), f.read())
        self.assertIn("using the Trainpod trainer " + os.path.join(self.work_dir, "trainer", "trainpod_trainer.py"),
                      output)
        self.assertIn("trainer libraries installed", output)
        self.assertNotIn("simulated trainer", output)
        # The stand-in libraries cannot train: the real trainer started, and its crash is reported as such.
        self.assertEqual(["DOWNLOADING", "TRAINING", "FAILED"], [p for p in self.phases() if p != "STARTING"])
        failed = self.failed_reports()
        self.assertEqual(1, len(failed), failed)
        self.assertEqual("TRAINING", failed[0]["failedPhase"])
        self.assertIn(os.path.join("trainer", "trainpod_trainer.py"), failed[0]["logTail"])
        self.assertNotEqual(0, code)
        self.assertPodTerminatedOnce()
        self.assertNoSecrets(output)

    def test_a_failed_install_is_reported_with_pips_error_and_never_trains(self):
        code, output, _ = self.run_bootstrap(self.stock_image_env(pip_exit_code=1))

        self.assertEqual(69, code, output)
        failed = self.failed_reports()
        self.assertEqual(1, len(failed), failed)
        self.assertEqual("DOWNLOADING", failed[0]["failedPhase"])
        self.assertIn("installing the trainer's libraries failed (pip exited with 1): ERROR: Could not find a version",
                      failed[0]["message"])
        self.assertIn("pip: ERROR: Could not find a version", failed[0]["logTail"])
        self.assertNotIn("TRAINING", self.phases())
        self.assertPodTerminatedOnce()


def _which(tool):
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(directory, tool)
        if os.access(candidate, os.X_OK):
            return candidate
    raise unittest.SkipTest("%s is not installed" % tool)


def _trainer_pids(work_dir):
    """Live simulated-trainer processes of this test's work dir (from /proc)."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmdline = f.read().decode("utf-8", "replace")
            with open("/proc/%s/stat" % pid) as f:
                zombie = f.read().rsplit(")", 1)[1].split()[0] == "Z"
        except OSError:
            continue
        if "sim_trainer.py" in cmdline and work_dir in cmdline and not zombie:
            pids.append(int(pid))
    return pids


if __name__ == "__main__":
    unittest.main()
