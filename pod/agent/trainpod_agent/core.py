"""The agent's shared ground: exit codes and limits, the job's failures, process-wide State, work-dir files,
deadlines, secret redaction and the agent's log line."""
import collections
import hashlib
import os
import re
import time
import urllib.parse
from datetime import datetime, timezone

EXIT_CHECKSUM = 65  # EX_DATAERR
EXIT_NO_DATASET = 66  # EX_NOINPUT
EXIT_UNAVAILABLE = 69  # EX_UNAVAILABLE
EXIT_AGENT_ERROR = 70  # EX_SOFTWARE
EXIT_CONFIG = 78  # EX_CONFIG
EXIT_SIGTERM = 143
OOM_CAUSE = "out of GPU memory: reduce batch size or choose a GPU with more memory"
SIGNAL_CAUSE = "terminated by signal (cancelled or preempted)"
METRIC_PREFIX = "TRAINPOD_METRIC "
TOTAL_STEPS_PREFIX = "TRAINPOD_TOTAL_STEPS "
DEFAULT_RUNPOD_API = "https://api.runpod.io"
REQUIRED_ENV = ("TRAINPOD_METRICS_URL", "TRAINPOD_DATASET_URL", "TRAINPOD_CONFIG")
HIDDEN_FROM_TRAINER = ("TRAINPOD_JOB_TOKEN", "RUNPOD_API_KEY", "TRAINPOD_DATASET_URL", "TRAINPOD_VALIDATION_URL")
DEFAULT_TRAINER = "/opt/trainpod/trainer/trainpod_trainer.py"
TRAINER_BUNDLE = "trainer-bundle.zip"
TRAINER_LIBRARIES = ("transformers", "trl", "peft", "datasets", "accelerate", "bitsandbytes")
HF_ACCESS_CAUSE = ("the Hugging Face token cannot read this model: accept the model's licence on huggingface.co "
                   "and store a token with read access (PUT /api/v1/secrets/huggingface)")
ARTIFACT_NAME_BAD_CHARS = re.compile(r"[^A-Za-z0-9._-]")
MAX_DATASET_REFRESHES = 3
DEFAULT_FINAL_REPORT_TIMEOUT = 600.0
FINAL_BACKOFF_MAX = 10.0
SIGTERM_REPORT_SECONDS = 10.0  # RunPod's SIGKILL follows a SIGTERM soon
LOG_TAIL_LINES = 50
BATCH_POINTS = 20
BATCH_LINES = 200
MAX_PER_POST = 500
FLUSH_SECONDS = 2.0
CHUNK_BYTES = 1 << 20
CHECKPOINT_DIR = "checkpoints"
CHECKPOINT_STATE = "trainer_state.json"  # Hugging Face's Trainer writes it into every checkpoint
CHECKPOINT_DIR_NAME = re.compile(r"^checkpoint-(\d+)$")
CHECKPOINT_ARTIFACT = re.compile(r"^checkpoint-(\d+)\.tar$")
DEFAULT_CHECKPOINTS_KEPT = 2


class JobFailure(Exception):
    """A failure of the job, with the exit code and the cause reported to metrics-service."""

    def __init__(self, exit_code, cause):
        super().__init__(cause)
        self.exit_code = exit_code
        self.cause = cause


class HttpFailure(Exception):
    """An HTTP call that failed for good; status is None when no response came."""

    def __init__(self, status, detail):
        super().__init__(detail)
        self.status = status
        self.detail = detail


class Terminated(BaseException):
    """Raised in the main thread by SIGTERM; a BaseException so no `except Exception` eats it."""


class State:
    """Process-wide settings, set once by main()."""

    work_dir = "."
    secrets = []
    shipper = None
    trainer = None
    installer = None
    install_started = 0.0
    signal_armed = False
    ssl_context = None


def now_iso():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def work_path(name):
    return os.path.join(State.work_dir, name)


def read_file(name):
    try:
        with open(work_path(name), encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return ""


def write_file(name, text):
    tmp = work_path(name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, work_path(name))


def tail_lines(file_path, count):
    """The last count lines of a log, metric lines left out: they are no help to a reader."""
    try:
        with open(file_path, encoding="utf-8", errors="replace") as f:
            lines = (line.rstrip("\n") for line in f if not line.startswith(METRIC_PREFIX))
            return list(collections.deque(lines, maxlen=count))
    except OSError:
        return []


def env_float(name, default):
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def retry_base():
    return env_float("TRAINPOD_RETRY_BASE_SECONDS", 1.0)


def final_deadline(seconds=None):
    """The monotonic time until which the end of the job (spool flush, final status) may be retried:
    TRAINPOD_FINAL_REPORT_TIMEOUT_SECONDS from now (default 600), or the given seconds."""
    if seconds is None:
        seconds = env_float("TRAINPOD_FINAL_REPORT_TIMEOUT_SECONDS", DEFAULT_FINAL_REPORT_TIMEOUT)
    return time.monotonic() + max(seconds, 0.0)


def secrets_of(env):
    """The values that must never appear in output: tokens, keys, the dataset URL's token."""
    values = [env.get(name, "") for name in ("TRAINPOD_JOB_TOKEN", "RUNPOD_API_KEY", "HF_TOKEN", "WANDB_API_KEY")]
    for name in ("TRAINPOD_DATASET_URL", "TRAINPOD_VALIDATION_URL"):
        url = urllib.parse.urlsplit(env.get(name, ""))
        values.append(url.query)
        last_segment = url.path.rstrip("/").rsplit("/", 1)[-1]
        if len(last_segment) >= 16:  # a token, not a word such as "download"
            values.append(last_segment)
    return sorted({v for v in values if len(v) >= 8}, key=len, reverse=True)


def add_secret_url(url):
    """Keeps a new dataset URL's token out of every line from now on."""
    State.secrets = sorted(set(State.secrets) | set(secrets_of({"TRAINPOD_DATASET_URL": url})), key=len, reverse=True)


def redact(text, secrets=None):
    for secret in State.secrets if secrets is None else secrets:
        text = text.replace(secret, "***")
    return text


def mask_url(url):
    """scheme://host/…/<first 6 chars of the last path segment>…, for URLs that carry a token."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += ":%d" % parts.port
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return "%s://%s/…/%s…" % (parts.scheme, host, last[:6])


def echo(line):
    try:
        print(line, flush=True)
    except UnicodeEncodeError:
        print(line.encode("ascii", "replace").decode("ascii"), flush=True)
    except (OSError, ValueError):
        pass  # nobody reads our stdout any more; the files and metrics-service still do


def log(message):
    """An agent line: to stdout, agent.log and, while training, metrics-service's /logs."""
    line = "%s [trainpod] %s" % (now_iso(), redact(str(message)))
    echo(line)
    try:
        with open(work_path("agent.log"), "a", encoding="utf-8") as f:
            f.write(line + "\n")
    except OSError:
        pass
    if State.shipper is not None:
        State.shipper.line(line)


def sha256_of(file_path):
    digest = hashlib.sha256()
    with open(file_path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_size(file_path):
    return os.path.getsize(file_path) if os.path.exists(file_path) else 0


def remove_file(file_path):
    if os.path.exists(file_path):
        os.remove(file_path)
