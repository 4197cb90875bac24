"""Shared pieces of the pod tests: the pod files, the bootstrap assembled the way
deploy-service assembles it, the pod's environment, and a runner for `bash -c`."""
import base64
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import zipfile
import zlib
from pathlib import Path

from fake_pod_services import FakePodServices

POD_ROOT = Path(__file__).resolve().parents[1]  # pod/: bootstrap/, agent/, trainer/, tests/
BOOTSTRAP_SH = POD_ROOT / "bootstrap" / "bootstrap.sh"
AGENT_DIR = POD_ROOT / "agent"  # __main__.py and the trainpod_agent package: agent.pyz
SIM_TRAINER_PY = POD_ROOT / "trainer" / "sim" / "sim_trainer.py"
AGENT_PLACEHOLDER = "__TRAINPOD_AGENT_B64__"
TRAINER_PLACEHOLDER = "__TRAINPOD_TRAINER_B64__"
BUNDLE_PLACEHOLDER = "__TRAINPOD_TRAINER_BUNDLE_B64__"
TRAINER_DIR = POD_ROOT / "trainer"
JOB_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkZXAtN2YzYSJ9.job-token-signature-secret"
POD_API_KEY = "rpa_PODSCOPED0123456789SECRETKEY"
DATASET_TOKEN = "dlTok8f2b1c9e7d6a5f4e3b2c1d0e9f8a7b6c5d4e"
POD_ID = "pod-abc123"
BASH = shutil.which("bash") or "/bin/bash"


def b64_of(content):
    """The bytes (or a file's) zlib-compressed, then base64, as BootstrapScript.deflated embeds them."""
    if isinstance(content, Path):
        content = content.read_bytes()
    return base64.b64encode(zlib.compress(content, 9)).decode("ascii")


def agent_files():
    """The agent's files as agent.pyz holds them: __main__.py and the package's modules
    (BootstrapScript.AGENT_FILES)."""
    return [f.relative_to(AGENT_DIR).as_posix() for f in
            [AGENT_DIR / "__main__.py"] + sorted((AGENT_DIR / "trainpod_agent").glob("*.py"))]


def agent_zipapp():
    """agent.pyz as deploy-service zips it (BootstrapScript.agentZipapp): files stored, the whole then
    zlib-compressed for the trip; run with `python3 agent.pyz run`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name in agent_files():
            z.write(AGENT_DIR / name, name)
    return out.getvalue()


def trainer_bundle():
    """The zip of the trainer's files that deploy-service embeds (BootstrapScript.trainerBundle)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(TRAINER_DIR.iterdir()):
            if f.suffix == ".py" or f.name == "requirements.txt":
                z.write(f, f.name)
    return out.getvalue()


def assembled_bootstrap():
    """bootstrap.sh with its placeholders replaced, exactly as deploy-service does it."""
    script = BOOTSTRAP_SH.read_text(encoding="utf-8")
    return script.replace(AGENT_PLACEHOLDER, b64_of(agent_zipapp())).replace(
        TRAINER_PLACEHOLDER, b64_of(SIM_TRAINER_PY)).replace(
        BUNDLE_PLACEHOLDER, base64.b64encode(trainer_bundle()).decode("ascii"))


def sample_dataset(rows=300):
    lines = [json.dumps({"messages": [{"role": "user", "content": "question %d" % i},
                                      {"role": "assistant", "content": "answer %d" % i}]})
             for i in range(rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def config_b64(simulation=None, **overrides):
    config = {"model": "Qwen/Qwen2.5-0.5B", "method": "SFT",
              "hyperparameters": {"epochs": 1, "learningRate": 0.0002}}
    if simulation is not None:
        config["simulation"] = simulation
    config.update(overrides)
    return base64.b64encode(json.dumps(config).encode("utf-8")).decode("ascii")


class PodTestCase(unittest.TestCase):
    """Starts the fake services and a temporary cwd for every test."""

    def setUp(self):
        self.cwd = tempfile.mkdtemp(prefix="trainpod-test-")
        self.addCleanup(shutil.rmtree, self.cwd, True)
        self.dataset = sample_dataset()
        self.fake = FakePodServices(self.dataset).__enter__()
        self.addCleanup(self.fake.__exit__)
        self.work_dir = os.path.join(self.cwd, "trainpod")

    def pod_env(self, simulation=None, **overrides):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.cwd,
            "LANG": "C.UTF-8",
            "TRAINPOD_DEPLOYMENT_ID": "dep-7f3a",
            "TRAINPOD_JOB_TOKEN": JOB_TOKEN,
            "TRAINPOD_DATASET_URL": self.fake.dataset_url(DATASET_TOKEN),
            "TRAINPOD_DATASET_SHA256": hashlib.sha256(self.dataset).hexdigest(),
            "TRAINPOD_METRICS_URL": self.fake.metrics_url(),
            "TRAINPOD_ARTIFACTS_URL": self.fake.artifacts_url(),
            "TRAINPOD_DATASET_REFRESH_URL": self.fake.refresh_url(),
            "TRAINPOD_CONFIG": config_b64({"steps": 8, "stepSeconds": 0.02} if simulation is None else simulation),
            "TRAINPOD_RUNPOD_API_URL": self.fake.runpod_url(),
            "TRAINPOD_RETRY_BASE_SECONDS": "0.02",
            "RUNPOD_POD_ID": POD_ID,
            "RUNPOD_API_KEY": POD_API_KEY,
        }
        if os.path.isdir("/workspace") and os.access("/workspace", os.W_OK):
            env["TRAINPOD_WORK_DIR"] = self.work_dir  # never write into a real /workspace
        env.update(overrides)
        return env

    def start_bootstrap(self, env):
        return subprocess.Popen([BASH, "-c", assembled_bootstrap()], cwd=self.cwd, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)

    def run_bootstrap(self, env, timeout=30):
        """Runs the assembled bootstrap; returns (exit code, combined output, seconds)."""
        started = time.monotonic()
        process = self.start_bootstrap(env)
        output = self.finish(process, timeout)
        return process.returncode, output, time.monotonic() - started

    def finish(self, process, timeout=30):
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            self.fail("the bootstrap did not end within %ss:\n%s" % (timeout, output.decode("utf-8", "replace")))
        return output.decode("utf-8", "replace")

    # ---- assertions ----

    def assertPodTerminatedOnce(self):
        self.assertEqual([(POD_ID, "Bearer " + POD_API_KEY)], self.fake.deletes())

    def assertEveryCallCarriesJobToken(self):
        for kind in ("status", "metrics", "logs"):
            for request in self.fake.recorded(kind):
                self.assertEqual("Bearer " + JOB_TOKEN, request[3].get("Authorization"), kind)
                self.assertEqual("application/json", request[3].get("Content-Type"), kind)

    def assertNoSecrets(self, output):
        posted = json.dumps([r[4] for r in self.fake.requests])
        for secret in (JOB_TOKEN, POD_API_KEY, DATASET_TOKEN):
            self.assertNotIn(secret, output)
            self.assertNotIn(secret, posted)

    def failed_reports(self):
        return [s for s in self.fake.statuses() if s.get("phase") == "FAILED"]

    def phases(self):
        """The reported phases with heartbeats' repeats collapsed."""
        phases = []
        for status in self.fake.statuses():
            if not phases or phases[-1] != status["phase"]:
                phases.append(status["phase"])
        return phases
