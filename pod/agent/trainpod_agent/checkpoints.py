"""Checkpoints off the pod: each finished checkpoint is packed and uploaded while training goes on (the last
two kept); a pod that replaces a lost one restores the newest before the trainer starts."""
import http.client
import json
import os
import shutil
import tarfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from . import core
from .core import (
    CHUNK_BYTES, CHECKPOINT_DIR, CHECKPOINT_STATE, CHECKPOINT_DIR_NAME, CHECKPOINT_ARTIFACT,
    DEFAULT_CHECKPOINTS_KEPT, JobFailure, HttpFailure, work_path, env_float, retry_base, redact, log,
    sha256_of, remove_file)
from .http_calls import ssl_context, retryable, http_exchange, http_call
from .artifacts import upload_artifact


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
        if self.shipper is not None and not self.shipper.wait_delivered(step, 30.0):
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
        core.echo("TRAINPOD_CHECKPOINT_STORED %d" % step)
        while len(self.uploaded) > self.keep:
            old = self.uploaded.pop(0)
            try:
                http_call("DELETE", "%s/checkpoint-%d.tar" % (self.base_url.rstrip("/"), old), self.token,
                          attempts=3, ok_statuses=(404,))
            except HttpFailure as e:
                log("could not delete the stored checkpoint %d: %s" % (old, e.detail))
