"""The dataset download: resumable, SHA-256 checked, a fresh link through the job token when the link
expired."""
import http.client
import json
import os
import time
import urllib.error
import urllib.request

from .core import (
    EXIT_CHECKSUM, EXIT_NO_DATASET, EXIT_UNAVAILABLE, MAX_DATASET_REFRESHES, CHUNK_BYTES, JobFailure,
    HttpFailure, retry_base, add_secret_url, redact, mask_url, log, sha256_of, file_size, remove_file)
from .http_calls import ssl_context, retry_after, retryable, http_exchange


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
