"""The trainer's output off the pod: resumable chunked uploads to dataset-service, then the declaration that
these are all of the job's artifacts."""
import http.client
import json
import os
import time
import urllib.parse

from .core import (
    EXIT_UNAVAILABLE, ARTIFACT_NAME_BAD_CHARS, JobFailure, HttpFailure, work_path, env_float, retry_base,
    redact, log, sha256_of, file_size)
from .http_calls import retryable, exchange, http_exchange


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
