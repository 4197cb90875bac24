"""Trainpod pod agent: runs one fine-tuning job inside a rented GPU pod.

bootstrap.sh decodes this file into the work directory and runs `python3 trainpod_agent.py
run`: download the dataset (resumable, SHA-256 checked, a fresh link through the job token
when the link expired), run the trainer, ship its metrics, log lines and heartbeats to
metrics-service (spooled to disk while it is unreachable), upload the trainer's output/
(resumable), tell dataset-service that these are all of the job's artifacts, report the
outcome, and terminate this pod. RunPod restarts a container whose command exits and keeps
billing, so the pod must delete itself. `fail --exit-code N` is the bootstrap trap's entry:
report a failure, terminate.

The end of a job is never lost: before it terminates its pod, the agent flushes its spool of
metric points and log lines and waits until metrics-service acknowledges the final status
(SUCCEEDED or FAILED), retrying with backoff while heartbeats go on, for at most
TRAINPOD_FINAL_REPORT_TIMEOUT_SECONDS (default 600). The pod bills while it waits.

The real trainer is $TRAINPOD_TRAINER (the trainer image sets it) or
/opt/trainpod/trainer/trainpod_trainer.py. On a stock PyTorch image (torch, but not the
trainer's libraries) the agent unpacks the trainer from trainer-bundle.zip (beside this file)
and pip-installs its pinned requirements while the dataset downloads. The simulated trainer
(sim_trainer.py) runs only where torch is not installed.

Standard library only, Python 3.8+, and one file: it travels base64-encoded in the pod's
args. It never logs the job token, the pod's API key or the dataset URL's token.
"""
import argparse
import base64
import collections
import hashlib
import http.client
import importlib.util
import json
import os
import queue
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tarfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import zipfile
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


# ---- small helpers ----------------------------------------------------------------------

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


# ---- HTTP ---------------------------------------------------------------------------------

def ssl_context():
    """The default context; certifi's bundle when the image has no CA certificates."""
    if State.ssl_context is None:
        context = ssl.create_default_context()
        paths = ssl.get_default_verify_paths()
        has_cafile = bool(paths.cafile) and os.path.exists(paths.cafile)
        has_capath = bool(paths.capath) and os.path.isdir(paths.capath) and bool(os.listdir(paths.capath))
        if not (has_cafile or has_capath):
            try:
                import certifi
                context.load_verify_locations(certifi.where())
            except ImportError:
                log("no CA certificates found: HTTPS calls may fail")
        State.ssl_context = context
    return State.ssl_context


def retry_after(headers, fallback):
    try:
        return min(max(float(headers.get("Retry-After")), 0.0), 60.0)
    except (TypeError, ValueError):
        return fallback


def retryable(status):
    return status >= 500 or status in (408, 429)


def exchange(method, url, token, data=None, headers=None, timeout=30.0):
    """One request; returns (status, headers, body) for any HTTP answer, error statuses included.
    Raises OSError or http.client.HTTPException when no answer came."""
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = "Bearer " + token
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=ssl_context()) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        try:
            content = e.read()
        except (OSError, ValueError, http.client.HTTPException):
            content = b""
        finally:
            e.close()
        return e.code, e.headers, content


def http_exchange(method, url, token, body=None, attempts=5, ok_statuses=(), timeout=30.0):
    """One JSON call with exponential backoff on 5xx/408/429/connection errors; 429 honours
    Retry-After; other 4xx fail at once. Returns (status, body bytes); raises HttpFailure."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    status, detail = None, "not attempted"
    for attempt in range(attempts):
        delay = retry_base() * 2 ** attempt
        try:
            status, headers, content = exchange(method, url, token, data, {"Content-Type": "application/json"}, timeout)
            if status < 300 or status in ok_statuses:
                return status, content
            if not retryable(status):
                raise HttpFailure(status, "HTTP %d" % status)
            delay = retry_after(headers, delay) if status == 429 else delay
            detail = "HTTP %d" % status
        except (OSError, http.client.HTTPException) as e:
            status, detail = None, redact("%s: %s" % (type(e).__name__, e))
        if attempt + 1 < attempts:
            time.sleep(delay)
    raise HttpFailure(status, detail)


def http_call(method, url, token, body=None, attempts=5, ok_statuses=(), timeout=30.0):
    """http_exchange's status alone."""
    return http_exchange(method, url, token, body, attempts, ok_statuses, timeout)[0]


def metrics_call(endpoint, body, attempts, timeout=30.0):
    url = os.environ.get("TRAINPOD_METRICS_URL", "").rstrip("/") + "/" + endpoint
    return http_call("POST", url, os.environ.get("TRAINPOD_JOB_TOKEN", ""), body, attempts, timeout=timeout)


# ---- reporting ----------------------------------------------------------------------------

class Reporter:
    """Posts phase changes and heartbeats to /status. One lock keeps them in order, and
    nothing is posted after metrics-service acknowledged the final status (SUCCEEDED or
    FAILED); heartbeats go on while the final status is retried."""

    def __init__(self, heartbeat_seconds=0.0):
        self.lock = threading.Lock()
        self.phase = read_file("phase") or "STARTING"
        self.final = False
        self.step = self.total_steps = None
        self.wake = threading.Event()
        self.heartbeat_seconds = heartbeat_seconds

    def start_heartbeats(self):
        threading.Thread(target=self._beat, name="heartbeat", daemon=True).start()

    def change(self, phase, message):
        with self.lock:
            self.phase = phase
            write_file("phase", phase)
            log("phase %s: %s" % (phase, message))
            try:
                metrics_call("status", {"phase": phase, "message": message}, attempts=5)
            except HttpFailure as e:
                if e.status in (401, 403):
                    raise JobFailure(EXIT_CONFIG, "metrics-service rejected the job token (HTTP %d)" % e.status)
                log("could not report phase %s: %s" % (phase, e.detail))

    def finish(self, body, deadline):
        """Posts the final status until metrics-service acknowledges it, with backoff (at most
        FINAL_BACKOFF_MAX seconds between tries) until the monotonic deadline; heartbeats go on
        between tries, so the watchdog sees a live pod. Stops at once on an answer that no retry
        can change (4xx other than 408/429: the token was rejected, the deployment has ended).
        Returns whether metrics-service acknowledged it."""
        phase, tries, started = body["phase"], 0, time.monotonic()
        while True:
            tries += 1
            with self.lock:
                try:
                    metrics_call("status", body, attempts=1)
                    self.final = True
                    self.wake.set()
                    if tries > 1:
                        log("final status %s acknowledged after %d tries (%.0f s)"
                            % (phase, tries, time.monotonic() - started))
                    return True
                except HttpFailure as e:
                    status, detail = e.status, e.detail
            if status is not None and not retryable(status):
                log("could not report %s: metrics-service refused it (%s)" % (phase, detail))
                return self._give_up()
            delay = min(retry_base() * 2 ** (tries - 1), FINAL_BACKOFF_MAX)
            if time.monotonic() + delay > deadline:
                log("could not report %s after %d tries in %.0f s (TRAINPOD_FINAL_REPORT_TIMEOUT_SECONDS): %s"
                    % (phase, tries, time.monotonic() - started, detail))
                return self._give_up()
            if tries == 1:
                log("could not report %s yet (%s): retrying for up to %.0f s before the pod is terminated"
                    % (phase, detail, deadline - time.monotonic()))
            time.sleep(delay)

    def _give_up(self):
        with self.lock:
            self.final = True
            self.wake.set()
        return False

    def progress(self, step=None, total_steps=None):
        if step is not None:
            self.step = step
        if total_steps is not None:
            self.total_steps = total_steps
            self.wake.set()  # tell metrics-service the total at once

    def _beat(self):
        while True:
            self.wake.wait(self.heartbeat_seconds)
            self.wake.clear()
            with self.lock:
                if self.final:
                    return
                if self.phase == "STARTING":
                    continue  # only the contract's phases go to metrics-service
                body = {"phase": self.phase, "message": "heartbeat", "step": self.step,
                        "totalSteps": self.total_steps}
                try:
                    metrics_call("status", {k: v for k, v in body.items() if v is not None}, 1, 10.0)
                except HttpFailure:
                    pass  # the next heartbeat tries again


class Spool:
    """An append-only JSON-lines file and how far into it metrics-service has taken it (a byte
    offset kept in `<name>.offset`). What is not sent yet survives an outage of any length and
    a restart of the agent; nothing is dropped. Used by the shipper's thread alone."""

    def __init__(self, name):
        self.name = name
        self.path = work_path(name)
        self.offset = int(read_file(name + ".offset") or 0)
        self.pending = len(self.peek(None)[0])

    def append(self, items):
        with open(self.path, "a", encoding="utf-8") as f:
            f.writelines(json.dumps(item) + "\n" for item in items)
        self.pending += len(items)

    def peek(self, limit):
        """Up to limit unsent items (all when None) and the offset just after them."""
        items, offset = [], self.offset
        try:
            with open(self.path, "rb") as f:
                f.seek(offset)
                for raw in iter(f.readline, b""):
                    if not raw.endswith(b"\n") or (limit is not None and len(items) >= limit):
                        break  # an unfinished last line is read once it is finished
                    offset += len(raw)
                    try:
                        items.append(json.loads(raw.decode("utf-8")))
                    except ValueError:
                        pass  # a line torn by a crash: skipped, it cannot be sent
        except OSError:
            pass
        return items, offset

    def commit(self, offset, count):
        self.offset = offset
        self.pending = max(self.pending - count, 0)
        write_file(self.name + ".offset", str(offset))


class Shipper(threading.Thread):
    """Ships metric points and log lines to /metrics and /logs in batches from a background
    thread, so the trainer's output is never held up. Everything goes through a spool on disk
    first; while metrics-service is unreachable the spools grow, and they are sent, oldest
    first, once it answers again: nothing is lost, nothing waits for the network."""

    def __init__(self):
        super().__init__(name="shipper", daemon=True)
        self.queue = queue.Queue()
        self.points = Spool("metrics-spool.jsonl")
        self.lines = Spool("logs-spool.jsonl")
        self.failures = 0
        self.deadline = None

    def point(self, point):
        self.queue.put(("point", point))

    def line(self, line):
        self.queue.put(("line", line))

    def close(self, deadline=None):
        """Stops after a final flush, retried with backoff until the monotonic deadline (one try
        when None); returns how many points are left unsent."""
        self.deadline = deadline
        self.queue.put(("stop", None))
        self.join()
        return self.points.pending

    def run(self):
        last_flush, retry_at = time.monotonic(), 0.0
        while not self._take_queued():
            now = time.monotonic()
            pending = self.points.pending or self.lines.pending
            due = self.points.pending >= BATCH_POINTS or self.lines.pending >= BATCH_LINES or (
                now - last_flush >= FLUSH_SECONDS and pending)
            if due and now >= retry_at:
                last_flush = now
                retry_at = 0.0 if self._flush() else now + self._backoff()
        while not self._flush():
            delay = min(self._backoff(), FINAL_BACKOFF_MAX)
            if self.deadline is None or time.monotonic() + delay > self.deadline:
                return
            time.sleep(delay)

    def wait_delivered(self, timeout):
        """Waits until metrics-service has acknowledged every point queued so far (at most timeout seconds):
        a checkpoint is stored only once the points up to its step are, so a pod that resumes from it leaves no
        gap in the loss series."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.queue.empty() and self.points.pending == 0:
                return True
            time.sleep(0.1)
        return False

    def _take_queued(self):
        """Moves everything queued to the spools (waiting up to 0.2 s for the first); returns
        whether close() asked to stop."""
        points, lines, stop = [], [], False
        try:
            kind, item = self.queue.get(timeout=0.2)
            while True:
                if kind == "stop":
                    stop = True
                    break
                (points if kind == "point" else lines).append(item)
                kind, item = self.queue.get_nowait()
        except queue.Empty:
            pass
        if points:
            self.points.append(points)
        if lines:
            self.lines.append(lines)
        return stop

    def _backoff(self):
        return min(retry_base() * 2 ** max(self.failures - 1, 0), 15.0)

    def _flush(self):
        ok = self._send("metrics", "points", self.points) and self._send("logs", "lines", self.lines)
        if not ok and self.failures == 0:
            log("metrics-service unreachable: spooling metrics and logs to disk (%d points so far)"
                % self.points.pending)
        elif ok and self.failures:
            log("metrics-service reachable again: spooled metrics and logs sent")
        self.failures = 0 if ok else self.failures + 1
        return ok

    @staticmethod
    def _send(endpoint, field, spool):
        while spool.pending:
            batch, offset = spool.peek(MAX_PER_POST)
            if batch:
                try:
                    metrics_call(endpoint, {field: batch}, attempts=1, timeout=15.0)
                except HttpFailure:
                    return False
            spool.commit(offset, len(batch))
            if not batch:
                spool.pending = 0
        return True


# ---- terminating the pod ----------------------------------------------------------------

def terminate_pod():
    """DELETE /v2/pods/{id} with the pod's own key (404 counts: already gone), then runpodctl."""
    pod_id = os.environ.get("RUNPOD_POD_ID", "")
    if not pod_id:
        log("RUNPOD_POD_ID is not set: cannot terminate this pod")
        return False
    base = os.environ.get("TRAINPOD_RUNPOD_API_URL") or DEFAULT_RUNPOD_API
    url = "%s/v2/pods/%s" % (base.rstrip("/"), urllib.parse.quote(pod_id, safe=""))
    try:
        status = http_call("DELETE", url, os.environ.get("RUNPOD_API_KEY", ""), attempts=4, ok_statuses=(404,))
        log("pod %s terminated through the RunPod API (HTTP %d)" % (pod_id, status))
        write_file("pod-terminated", pod_id)
        return True
    except HttpFailure as e:
        log("terminating pod %s through the RunPod API failed: %s" % (pod_id, e.detail))
    return terminate_with_runpodctl(pod_id)


def terminate_with_runpodctl(pod_id):
    runpodctl = shutil.which("runpodctl")
    if not runpodctl:
        log("runpodctl is not on PATH: pod %s is still running" % pod_id)
        return False
    try:
        done = subprocess.run([runpodctl, "pod", "delete", pod_id], capture_output=True, timeout=60)
        returncode, output = done.returncode, (done.stdout + done.stderr).decode("utf-8", "replace")
    except (OSError, subprocess.TimeoutExpired) as e:
        returncode, output = -1, type(e).__name__
    log("runpodctl pod delete %s: exit code %d %s" % (pod_id, returncode, output.strip()[-300:]))
    if returncode == 0:
        write_file("pod-terminated", pod_id)
    return returncode == 0


def log_tail(failed_phase):
    names = ("train.log", "agent.log") if failed_phase == "TRAINING" else ("agent.log", "train.log")
    for name in names:
        lines = tail_lines(work_path(name), LOG_TAIL_LINES)
        if lines:
            return "\n".join(lines)
    return ""


def report_failure(exit_code, cause=None, reporter=None, deadline=None):
    """Reports FAILED once (marker `failure-reported`), retried until the deadline (by default
    TRAINPOD_FINAL_REPORT_TIMEOUT_SECONDS from now), then terminates the pod."""
    failed_phase = read_file("phase") or "STARTING"
    cause = cause or read_file("cause") or "bootstrap failed in phase %s" % failed_phase
    write_file("cause", cause)
    log("failed in phase %s with exit code %d: %s" % (failed_phase, exit_code, cause))
    body = {"phase": "FAILED", "message": cause, "exitCode": exit_code,
            "failedPhase": failed_phase, "logTail": log_tail(failed_phase)}
    reported = (reporter or Reporter()).finish(body, final_deadline() if deadline is None else deadline)
    if reported:
        write_file("failure-reported", str(exit_code))
    return terminate_pod() and reported


# ---- the job ----------------------------------------------------------------------------

def decode_config(encoded):
    """TRAINPOD_CONFIG: base64 of a JSON object with model, method, hyperparameters, simulation."""
    try:
        config = json.loads(base64.b64decode("".join(encoded.split()), validate=True).decode("utf-8"))
    except ValueError as e:  # binascii.Error, UnicodeDecodeError and JSONDecodeError all are
        raise JobFailure(EXIT_CONFIG, "TRAINPOD_CONFIG is not base64-encoded JSON (%s)" % type(e).__name__)
    if not isinstance(config, dict):
        raise JobFailure(EXIT_CONFIG, "TRAINPOD_CONFIG must be a JSON object")
    if config.get("method", "SFT") not in ("SFT", "DPO"):
        raise JobFailure(EXIT_CONFIG, "TRAINPOD_CONFIG has an unknown method: %r" % config.get("method"))
    if not isinstance(config.get("simulation", {}), dict):
        raise JobFailure(EXIT_CONFIG, "TRAINPOD_CONFIG simulation must be a JSON object")
    return config


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


def fetch_into(url, part):
    """One GET into the .part file, resuming from its size with Range; a 200 starts over."""
    have = file_size(part)
    request = urllib.request.Request(url, headers={"Range": "bytes=%d-" % have} if have else {})
    with urllib.request.urlopen(request, timeout=60, context=ssl_context()) as response:
        mode = "wb"  # a 200 carries the whole file
        if response.status == 206:
            content_range = response.headers.get("Content-Range", "")
            if not content_range.startswith("bytes %d-" % have):
                remove_file(part)
                raise http.client.HTTPException("unexpected Content-Range %r" % content_range)
            mode = "ab"
        expected, received = response.headers.get("Content-Length"), 0
        with open(part, mode) as out:
            for chunk in iter(lambda: response.read(CHUNK_BYTES), b""):
                out.write(chunk)
                received += len(chunk)
        if expected is not None and received < int(expected):  # http.client does not raise
            raise http.client.IncompleteRead(b"", int(expected) - received)


def download_failure(status):
    if status in (404, 410):
        return "dataset download failed: HTTP %d (the download link expired or was revoked, " \
               "or the dataset was deleted)" % status
    if status in (401, 403):
        return "dataset download refused: HTTP %d (the download token was rejected)" % status
    return "dataset download failed: HTTP %d" % status


def refresh_dataset_link():
    """A fresh download URL for this deployment's dataset, in exchange for the job token:
    {"url", "sha256", "bytes", "expiresAt"}. Raises JobFailure when none can be had."""
    refresh_url = os.environ.get("TRAINPOD_DATASET_REFRESH_URL", "")
    if not refresh_url:
        raise JobFailure(EXIT_NO_DATASET, download_failure(410) + "; no TRAINPOD_DATASET_REFRESH_URL to get a fresh one")
    try:
        _, content = http_exchange("POST", refresh_url, os.environ.get("TRAINPOD_JOB_TOKEN", ""), {}, attempts=5)
        link = json.loads(content.decode("utf-8"))
        if not isinstance(link, dict) or not isinstance(link.get("url"), str):
            raise ValueError("no url in the answer")
    except HttpFailure as e:
        if e.status == 410:
            raise JobFailure(EXIT_NO_DATASET, "dataset download link expired and no fresh one is given: "
                                              "the deployment has ended (HTTP 410)")
        raise JobFailure(EXIT_NO_DATASET, "dataset download link expired and refreshing it failed: %s" % e.detail)
    except ValueError as e:
        raise JobFailure(EXIT_NO_DATASET, "dataset download link expired and the refresh answer was not usable (%s)" % e)
    add_secret_url(link["url"])
    return link


def download_dataset(url, dest, expected_sha256, attempts=6):
    """Streams the dataset to dest with retries and resume, then checks its SHA-256. An expired
    link (410, or 401 for a token no longer accepted) is exchanged for a fresh one through the
    job token, and the download goes on from where it was: download tokens live at most 2 h."""
    part = dest + ".part"
    expected = expected_sha256.strip().lower()
    if expected and os.path.exists(dest) and sha256_of(dest) == expected:
        log("dataset already downloaded and verified")
        return
    log("downloading the dataset from %s" % mask_url(url))
    failures = refreshes = 0
    while True:
        before = file_size(part)
        delay = None
        try:
            fetch_into(url, part)
            break
        except urllib.error.HTTPError as e:
            e.close()
            if e.code == 416 and before and expected and sha256_of(part) == expected:
                break  # the previous attempt got every byte, only the response was lost
            if e.code == 416:
                remove_file(part)
            elif e.code in (401, 410) and refreshes < MAX_DATASET_REFRESHES:
                refreshes += 1
                link = refresh_dataset_link()
                url, expected = link["url"], expected or str(link.get("sha256") or "").lower()
                log("the dataset download link expired: continuing at %d bytes with a fresh link from %s"
                    % (file_size(part), mask_url(url)))
                continue
            elif not retryable(e.code):
                raise JobFailure(EXIT_NO_DATASET, download_failure(e.code))
            detail, delay = "HTTP %d" % e.code, retry_after(e.headers, None) if e.code == 429 else None
        except (OSError, http.client.HTTPException) as e:
            detail = redact("%s: %s" % (type(e).__name__, e))
        failures = 1 if file_size(part) > before else failures + 1
        if failures >= attempts:
            raise JobFailure(EXIT_UNAVAILABLE, "dataset download failed after %d attempts: %s" % (attempts, detail))
        delay = retry_base() * 2 ** (failures - 1) if delay is None else delay
        log("dataset download interrupted at %d bytes (%s); retrying in %.1fs" % (file_size(part), detail, delay))
        time.sleep(delay)
    actual = sha256_of(part)
    if expected and actual != expected:
        remove_file(part)
        raise JobFailure(EXIT_CHECKSUM, "dataset checksum mismatch: expected %s, got %s" % (expected, actual))
    os.replace(part, dest)
    log("dataset ready: %d bytes, sha256 %s%s" % (file_size(dest), actual,
                                                  "" if expected else " (not verified: no TRAINPOD_DATASET_SHA256)"))


# ---- checkpoints off the pod ---------------------------------------------------------------

def finished_checkpoints(directory, below_step):
    """Steps of the checkpoint-<N>/ directories the trainer has finished: they hold trainer_state.json and
    training has printed a later step (N < below_step; None: training ended, all are finished). Ascending."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    steps = []
    for name in names:
        m = CHECKPOINT_DIR_NAME.match(name)
        if m and os.path.isfile(os.path.join(directory, name, CHECKPOINT_STATE)) \
                and (below_step is None or int(m.group(1)) < below_step):
            steps.append(int(m.group(1)))
    return sorted(steps)


def pack_checkpoint(directory, step, dest):
    """Writes checkpoint-<step>/ as an uncompressed tar (weights do not compress) at dest."""
    with tarfile.open(dest, "w") as tar:
        tar.add(os.path.join(directory, "checkpoint-%d" % step), arcname="checkpoint-%d" % step)


def unpack_checkpoint(archive, directory, step):
    """Unpacks a checkpoint tar into directory; only regular files and directories under checkpoint-<step>/."""
    top = "checkpoint-%d" % step
    with tarfile.open(archive, "r") as tar:
        members = [m for m in tar.getmembers() if (m.isfile() or m.isdir()) and not os.path.isabs(m.name)
                   and ".." not in m.name.split("/") and (m.name == top or m.name.startswith(top + "/"))]
        tar.extractall(directory, members)
    return os.path.join(directory, top)


def stored_checkpoints(base_url, token):
    """The checkpoint artifacts earlier pods of this deployment stored: {step: record}, from dataset-service."""
    _, content = http_exchange("GET", base_url.rstrip("/"), token, attempts=5)
    stored = {}
    for record in json.loads(content.decode("utf-8")):
        m = CHECKPOINT_ARTIFACT.match(str(record.get("name", "")))
        if m:
            stored[int(m.group(1))] = record
    return stored


def download_artifact(base_url, name, dest, token, expected_sha256, attempts=5):
    """Streams one stored artifact to dest and checks its SHA-256; raises HttpFailure or ValueError."""
    url = "%s/%s" % (base_url.rstrip("/"), urllib.parse.quote(name))
    detail = "not attempted"
    for attempt in range(attempts):
        try:
            request = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
            with urllib.request.urlopen(request, timeout=60, context=ssl_context()) as response, \
                    open(dest, "wb") as out:
                shutil.copyfileobj(response, out, CHUNK_BYTES)
            if expected_sha256 and sha256_of(dest) != expected_sha256:
                raise ValueError("checksum mismatch")
            return
        except urllib.error.HTTPError as e:
            e.close()
            if not retryable(e.code):
                raise HttpFailure(e.code, "HTTP %d" % e.code)
            detail = "HTTP %d" % e.code
        except (OSError, http.client.HTTPException, ValueError) as e:
            detail = redact("%s: %s" % (type(e).__name__, e))
        if attempt + 1 < attempts:
            time.sleep(retry_base() * 2 ** attempt)
    raise HttpFailure(None, detail)


def restore_checkpoint():
    """On a pod that replaces a lost one: downloads the latest checkpoint an earlier pod stored into
    checkpoints/checkpoint-<N>/, from which the trainer resumes (optimizer, scheduler and RNG state included).
    Returns the step, or None when there is none (a first pod) or it cannot be had (training starts over)."""
    base_url, token = os.environ.get("TRAINPOD_ARTIFACTS_URL", ""), os.environ.get("TRAINPOD_JOB_TOKEN", "")
    if not base_url:
        return None
    try:
        stored = stored_checkpoints(base_url, token)
        if not stored:
            return None
        step = max(stored)
        record, archive = stored[step], work_path("checkpoint-restore.tar")
        download_artifact(base_url, record["name"], archive, token, str(record.get("sha256") or ""))
        directory = work_path(CHECKPOINT_DIR)
        os.makedirs(directory, exist_ok=True)
        unpack_checkpoint(archive, directory, step)
        remove_file(archive)
    except (HttpFailure, ValueError, OSError, tarfile.TarError, KeyError) as e:
        log("could not restore the last checkpoint (%s): training starts from the beginning"
            % redact(getattr(e, "detail", None) or str(e)))
        return None
    log("resuming from checkpoint %d, stored by an earlier pod of this deployment" % step)
    return step


class CheckpointUploader(threading.Thread):
    """Uploads each checkpoint the trainer finishes to dataset-service while training goes on (resumable, like
    the output), newest first when it falls behind, and deletes the stored ones beyond the last
    TRAINPOD_CHECKPOINTS_KEPT (default 2). A failed upload is logged, never the job's failure: the checkpoint is
    a safeguard, the training itself goes on."""

    def __init__(self, directory, restored=None, shipper=None):
        super().__init__(name="checkpoints", daemon=True)
        self.directory = directory
        self.shipper = shipper
        self.base_url = os.environ.get("TRAINPOD_ARTIFACTS_URL", "")
        self.token = os.environ.get("TRAINPOD_JOB_TOKEN", "")
        self.keep = max(int(env_float("TRAINPOD_CHECKPOINTS_KEPT", DEFAULT_CHECKPOINTS_KEPT)), 1)
        self.uploaded = [] if restored is None else [restored]
        self.latest = restored
        self.wanted = None
        self.stopping = False
        self.wake = threading.Condition()

    def seen_step(self, step):
        """Training printed this step: checkpoints of earlier steps are finished."""
        self._want(finished_checkpoints(self.directory, step))

    def _want(self, steps):
        newer = [s for s in steps if self.latest is None or s > self.latest]
        if newer:
            with self.wake:
                self.wanted = newer[-1]
                self.wake.notify()

    def stop(self, timeout=None):
        """Stops once the upload in progress, if any, is done (at most timeout seconds)."""
        with self.wake:
            self.stopping = True
            self.wake.notify()
        self.join(timeout)

    def run(self):
        if not self.base_url:
            return
        while True:
            with self.wake:
                while self.wanted is None and not self.stopping:
                    self.wake.wait()
                if self.stopping:
                    return
                step, self.wanted = self.wanted, None
            self.latest = step
            self._upload(step)

    def _upload(self, step):
        name, archive = "checkpoint-%d.tar" % step, work_path("checkpoint-upload.tar")
        if self.shipper is not None and not self.shipper.wait_delivered(30.0):
            log("checkpoint %d is uploaded although metrics-service has not taken the points before it" % step)
        try:
            pack_checkpoint(self.directory, step, archive)
            upload_artifact(self.base_url, name, archive)
        except (JobFailure, OSError, tarfile.TarError) as e:
            log("checkpoint %d was not uploaded: %s" % (step, getattr(e, "cause", None) or e))
            return
        finally:
            remove_file(archive)
        self.uploaded.append(step)
        log("checkpoint %d uploaded (%s)" % (step, name))
        echo("TRAINPOD_CHECKPOINT_STORED %d" % step)
        while len(self.uploaded) > self.keep:
            old = self.uploaded.pop(0)
            try:
                http_call("DELETE", "%s/checkpoint-%d.tar" % (self.base_url.rstrip("/"), old), self.token,
                          attempts=3, ok_statuses=(404,))
            except HttpFailure as e:
                log("could not delete the stored checkpoint %d: %s" % (old, e.detail))


def missing_gpu_libraries():
    return [name for name in ("torch",) + TRAINER_LIBRARIES if importlib.util.find_spec(name) is None]


def unpack_trainer_bundle():
    """Unpacks trainer-bundle.zip into trainer/ of the work directory; returns that directory."""
    bundle, target = work_path(TRAINER_BUNDLE), work_path("trainer")
    try:
        with zipfile.ZipFile(bundle) as z:
            names = [n for n in z.namelist() if re.fullmatch(r"[A-Za-z0-9_.-]+", n) and not n.startswith(".")]
            z.extractall(target, names)
    except (OSError, zipfile.BadZipFile) as e:
        raise JobFailure(EXIT_CONFIG, "cannot train on this image: the trainer's libraries are missing and the "
                         "bundled trainer cannot be read (%s); use the Trainpod trainer image" % e)
    return target


def trainer_command(config, config_path, dataset_path):
    """Returns (command, kind, install): the trainer image's trainer; on a stock PyTorch image the bundled trainer,
    with the pip command that installs its pinned libraries first (None when nothing is missing); the simulated
    trainer only where torch is not installed."""
    args = ["--config", config_path, "--dataset", dataset_path]
    missing = missing_gpu_libraries()
    if "torch" in missing:
        log("using the simulated trainer: no GPU libraries on this machine (torch is not installed)")
        return [sys.executable, "-u", work_path("sim_trainer.py")] + args, "simulated", None
    if config.get("simulation") is not None:
        log("this machine has GPU libraries: the request's simulation settings are ignored")
    real = os.environ.get("TRAINPOD_TRAINER") or DEFAULT_TRAINER
    if not missing and os.path.exists(real):
        log("using the Trainpod trainer %s" % real)
        return [sys.executable, "-u", real] + args, "real", None
    trainer = os.path.join(unpack_trainer_bundle(), "trainpod_trainer.py")
    install = None
    if missing:
        if importlib.util.find_spec("pip") is None:
            # A paid GPU must never "succeed" on fake training: stop before any time is spent.
            raise JobFailure(EXIT_CONFIG, "cannot train on this image: %s not installed and pip is missing; "
                             "use the Trainpod trainer image" % ", ".join(missing))
        install = [sys.executable, "-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check",
                   "--no-input", "-r", os.path.join(os.path.dirname(trainer), "requirements.txt")]
        log("this image has torch but not %s: the pinned versions install while the dataset downloads "
            "(the Trainpod trainer image starts faster)" % ", ".join(missing))
    log("using the Trainpod trainer %s" % trainer)
    return [sys.executable, "-u", trainer] + args, "real", install


def start_install(command):
    """Starts pip in the background, its output in install.log."""
    env = {k: v for k, v in os.environ.items() if k not in HIDDEN_FROM_TRAINER}
    env["PIP_ROOT_USER_ACTION"] = "ignore"
    with open(work_path("install.log"), "ab") as out:
        State.installer = subprocess.Popen(command, cwd=State.work_dir, env=env, stdout=out,
                                           stderr=subprocess.STDOUT)
    State.install_started = time.monotonic()


def finish_install():
    """Waits for pip; a failure or a hang is the job's failure, with pip's last lines in the agent's log."""
    installer = State.installer
    try:
        returncode = installer.wait(env_float("TRAINPOD_INSTALL_TIMEOUT_SECONDS", 1800.0))
    except subprocess.TimeoutExpired:
        stop_children()
        returncode = None
    if returncode == 0:
        log("trainer libraries installed in %.0f s" % (time.monotonic() - State.install_started))
        return
    tail = tail_lines(work_path("install.log"), 20)
    for line in tail:
        log("pip: " + line)
    errors = [line.strip() for line in tail if line.startswith("ERROR")]
    what = "took longer than TRAINPOD_INSTALL_TIMEOUT_SECONDS" if returncode is None \
        else "failed (pip exited with %d)" % returncode
    raise JobFailure(EXIT_UNAVAILABLE, "installing the trainer's libraries %s%s; use the Trainpod trainer image"
                     % (what, ": " + errors[-1][:300] if errors else ""))


def parse_trainer_line(line):
    """("metric", dict) for a TRAINPOD_METRIC line, ("total", int) for TRAINPOD_TOTAL_STEPS,
    else ("log", line)."""
    try:
        if line.startswith(METRIC_PREFIX):
            point = json.loads(line[len(METRIC_PREFIX):])
            if isinstance(point, dict):
                return "metric", point
        elif line.startswith(TOTAL_STEPS_PREFIX):
            return "total", int(line[len(TOTAL_STEPS_PREFIX):])
    except ValueError:
        pass
    return "log", line


def run_trainer(command, reporter, shipper, checkpoints=None):
    """Runs the trainer with stdout+stderr merged; every line goes to train.log and our
    stdout, metric points and other lines to metrics-service; each step tells the checkpoint
    uploader which checkpoints are finished. Returns its exit status."""
    env = {k: v for k, v in os.environ.items() if k not in HIDDEN_FROM_TRAINER}
    env["PYTHONUNBUFFERED"] = "1"
    State.trainer = subprocess.Popen(command, cwd=State.work_dir, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    with State.trainer.stdout as output, open(work_path("train.log"), "a", encoding="utf-8") as train_log:
        for raw in iter(output.readline, b""):
            line = redact(raw.decode("utf-8", "replace").rstrip("\r\n"))
            train_log.write(line + "\n")
            train_log.flush()
            echo(line)
            kind, value = parse_trainer_line(line)
            if kind == "metric":
                shipper.point(value)
                reporter.progress(step=value.get("step"))
                if checkpoints is not None and isinstance(value.get("step"), int):
                    checkpoints.seen_step(value["step"])
            elif kind == "total":
                reporter.progress(total_steps=value)
            else:
                shipper.line(line)
    return State.trainer.wait()


def stop_children():
    """Stops the trainer and pip, whichever runs."""
    for child in (State.trainer, State.installer):
        if child is None or child.poll() is not None:
            continue
        child.terminate()
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def trainer_failure(returncode, tail):
    """The JobFailure for a trainer that exited with returncode, from its last log lines."""
    exit_code = 128 - returncode if returncode < 0 else returncode
    text = "\n".join(tail)
    if "CUDA out of memory" in text or "OutOfMemoryError" in text:
        return JobFailure(exit_code, OOM_CAUSE)
    if "GatedRepoError" in text or "401 Client Error" in text or "Access to model" in text:
        return JobFailure(exit_code, HF_ACCESS_CAUSE)
    if returncode < 0:
        return JobFailure(exit_code, "trainer was killed by signal %d%s" % (
            -returncode, " (the pod may have run out of memory)" if returncode == -9 else ""))
    cause = "trainer exited with code %d" % exit_code
    errors = [line.strip() for line in tail if line.split(":", 1)[0].strip().endswith(("Error", "Exception"))]
    return JobFailure(exit_code, cause + (": " + errors[-1][:300] if errors else ""))


def train(reporter, shipper):
    """Config, download, training; returns the trainer's kind or raises JobFailure."""
    missing = [name for name in REQUIRED_ENV if not os.environ.get(name)]
    if missing:
        raise JobFailure(EXIT_CONFIG, "missing environment: %s" % ", ".join(missing))
    config = decode_config(os.environ["TRAINPOD_CONFIG"])
    config_path, dataset_path = work_path("config.json"), work_path("dataset.jsonl")
    write_file("config.json", json.dumps(config))
    command, kind, install = trainer_command(config, config_path, dataset_path)
    if install:
        start_install(install)
    reporter.change("DOWNLOADING", "downloading the dataset" + (" and installing the trainer's libraries"
                                                                 if install else ""))
    download_dataset(os.environ["TRAINPOD_DATASET_URL"], dataset_path, os.environ.get("TRAINPOD_DATASET_SHA256", ""))
    if os.environ.get("TRAINPOD_VALIDATION_URL"):  # the validation set, a second dataset of the user's
        download_dataset(os.environ["TRAINPOD_VALIDATION_URL"], work_path("validation.jsonl"),
                         os.environ.get("TRAINPOD_VALIDATION_SHA256", ""))
        command = command + ["--validation", work_path("validation.jsonl")]
    if install:
        finish_install()
    restored = restore_checkpoint()
    reporter.change("TRAINING", "training %s (%s) with the %s trainer%s"
                    % (config.get("model", "?"), config.get("method", "SFT"), kind,
                       "" if restored is None else ", resuming from checkpoint %d" % restored))
    checkpoints = CheckpointUploader(work_path(CHECKPOINT_DIR), restored, shipper)
    checkpoints.start()
    try:
        returncode = run_trainer(command, reporter, shipper, checkpoints)
    finally:
        checkpoints.stop(5.0)
    if returncode != 0:
        raise trainer_failure(returncode, tail_lines(work_path("train.log"), LOG_TAIL_LINES))
    return kind


def artifact_name(file_name):
    """A name dataset-service accepts ([A-Za-z0-9._-]{1,128}) for an output file."""
    name = ARTIFACT_NAME_BAD_CHARS.sub("_", file_name)
    return name[-128:] if len(name) > 128 else name


def upload_offset(url, token):
    """How many bytes of the artifact dataset-service holds (HEAD → Upload-Offset; 404 → 0)."""
    status, headers, _ = exchange("HEAD", url, token, timeout=30.0)
    if status == 404:
        return 0
    if status >= 300:
        raise http.client.HTTPException("HEAD answered HTTP %d" % status)
    return int(headers.get("Upload-Offset") or 0)


def read_range(file_path, start, length):
    with open(file_path, "rb") as f:
        f.seek(start)
        return f.read(length)


def upload_artifact(base_url, name, file_path, attempts=6):
    """PUTs one file in chunks with Content-Range, resuming from the offset dataset-service
    reports (202/409 Upload-Offset, or HEAD after a lost connection); the completing request
    carries X-Trainpod-Sha256. Returns dataset-service's record; raises JobFailure."""
    token = os.environ.get("TRAINPOD_JOB_TOKEN", "")
    url = "%s/%s" % (base_url.rstrip("/"), urllib.parse.quote(name))
    total, sha256 = file_size(file_path), sha256_of(file_path)
    chunk = max(int(env_float("TRAINPOD_UPLOAD_CHUNK_BYTES", 8 << 20)), 1)
    offset, failures, detail = None, 0, ""
    while True:
        try:
            if offset is None:
                offset = upload_offset(url, token)
            if offset >= total > 0:  # every byte arrived; only the answer to the last request was lost
                return {"name": name, "bytes": total, "sha256": sha256}
            end = min(offset + chunk, total)
            headers = {"Content-Type": "application/octet-stream"}
            if end == total:
                headers["X-Trainpod-Sha256"] = sha256
            if offset > 0 or end < total:
                headers["Content-Range"] = "bytes %d-%d/%d" % (offset, end - 1, total)
            status, answer_headers, content = exchange("PUT", url, token, read_range(file_path, offset, end - offset),
                                                       headers, timeout=300.0)
            if status == 201:
                return json.loads(content.decode("utf-8"))
            if status in (202, 409) and answer_headers.get("Upload-Offset") is not None:
                offset = int(answer_headers["Upload-Offset"])
                if status == 202:
                    failures = 0
                    continue
                detail = "HTTP 409: dataset-service holds %d bytes" % offset  # counted, so that it cannot loop
            elif status == 422:
                raise JobFailure(EXIT_UNAVAILABLE, "artifact %s was damaged on its way to dataset-service "
                                                   "(SHA-256 mismatch)" % name)
            elif not retryable(status):
                raise JobFailure(EXIT_UNAVAILABLE, "dataset-service refused artifact %s: HTTP %d" % (name, status))
            else:
                detail = "HTTP %d" % status
        except (OSError, http.client.HTTPException, ValueError) as e:
            detail, offset = redact("%s: %s" % (type(e).__name__, e)), None  # ask where to go on
        failures += 1
        if failures >= attempts:
            raise JobFailure(EXIT_UNAVAILABLE, "uploading artifact %s failed after %d attempts: %s"
                             % (name, attempts, detail))
        delay = retry_base() * 2 ** (failures - 1)
        log("uploading artifact %s interrupted (%s); retrying in %.1fs" % (name, detail, delay))
        time.sleep(delay)


def upload_artifacts():
    """Uploads every file the trainer left in output/; returns dataset-service's records."""
    base_url, output = os.environ.get("TRAINPOD_ARTIFACTS_URL", ""), work_path("output")
    files = sorted(f for f in os.listdir(output) if os.path.isfile(os.path.join(output, f))) \
        if os.path.isdir(output) else []
    if not files:
        log("the trainer left no artifacts in output/")
        return []
    if not base_url:
        log("TRAINPOD_ARTIFACTS_URL is not set: %d artifacts stay on the pod" % len(files))
        return []
    stored = []
    for file_name in files:
        record = upload_artifact(base_url, artifact_name(file_name), os.path.join(output, file_name))
        log("artifact %s stored: %s bytes, sha256 %s" % (record.get("name"), record.get("bytes"), record.get("sha256")))
        stored.append(record)
    return stored


def close_shipper(shipper, deadline):
    State.shipper = None
    unsent = shipper.close(deadline)
    if unsent:
        log("%d metric points could not be sent; kept in metrics-spool.jsonl" % unsent)


def declare_artifacts(artifacts):
    """Tells dataset-service that these are all of the job's artifacts (POST TRAINPOD_ARTIFACTS_URL
    with their names): it records them as final and publishes ArtifactsStored, after which no
    watchdog records the job as failed. Retried; a failure is logged, not the job's: the
    artifacts are stored either way. Returns whether dataset-service recorded them."""
    base_url = os.environ.get("TRAINPOD_ARTIFACTS_URL", "")
    if not base_url:
        return False
    try:
        http_exchange("POST", base_url.rstrip("/"), os.environ.get("TRAINPOD_JOB_TOKEN", ""),
                      {"names": [a.get("name") for a in artifacts]}, attempts=6)
        log("dataset-service recorded the job's %d artifacts as final" % len(artifacts))
        return True
    except HttpFailure as e:
        log("could not declare the job's artifacts final: %s" % e.detail)
        return False


def on_sigterm(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if State.signal_armed:
        raise Terminated()


def cmd_run():
    previous = "0" if os.path.exists(work_path("succeeded")) else read_file("failure-reported")
    if previous:
        log("this job already ended (the container was restarted): terminating the pod")
        terminate_pod()
        return int(previous) if previous.isdigit() else 1
    write_file("phase", "STARTING")
    reporter = Reporter(max(env_float("TRAINPOD_HEARTBEAT_SECONDS", 15.0), 0.05))
    shipper = Shipper()
    State.shipper, State.signal_armed = shipper, True
    signal.signal(signal.SIGTERM, on_sigterm)
    shipper.start()
    reporter.start_heartbeats()
    try:
        kind = train(reporter, shipper)
        reporter.change("UPLOADING", "uploading artifacts")
        artifacts = upload_artifacts()
        declare_artifacts(artifacts)
        State.signal_armed = False
        deadline = final_deadline()
        close_shipper(shipper, deadline)
        reporter.finish({"phase": "SUCCEEDED", "message": "training finished (%s trainer); %d artifacts stored"
                         % (kind, len(artifacts)), "artifacts": artifacts}, deadline)
        write_file("succeeded", "")
        terminate_pod()
        return 0
    except Terminated:
        exit_code, cause = EXIT_SIGTERM, SIGNAL_CAUSE
    except JobFailure as e:
        exit_code, cause = e.exit_code, e.cause
    except Exception as e:
        log(traceback.format_exc())
        exit_code, cause = EXIT_AGENT_ERROR, "agent error: %s: %s" % (type(e).__name__, redact(str(e)))
    State.signal_armed = False
    stop_children()
    deadline = final_deadline(SIGTERM_REPORT_SECONDS if exit_code == EXIT_SIGTERM else None)  # SIGKILL follows soon
    if State.shipper is not None:
        close_shipper(shipper, None if exit_code == EXIT_SIGTERM else deadline)
    report_failure(exit_code, cause, reporter, deadline)
    return exit_code


def main(argv=None):
    parser = argparse.ArgumentParser(description="Trainpod pod agent")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="download, train, report and terminate the pod")
    fail = commands.add_parser("fail", help="report a bootstrap failure and terminate the pod")
    fail.add_argument("--exit-code", type=int, required=True)
    args = parser.parse_args(argv)
    State.work_dir = os.environ.get("TRAINPOD_WORK_DIR") or os.path.dirname(os.path.abspath(__file__))
    State.secrets = secrets_of(os.environ)
    if args.command == "run":
        return cmd_run()
    return 0 if report_failure(args.exit_code) else 1


if __name__ == "__main__":
    sys.exit(main())
