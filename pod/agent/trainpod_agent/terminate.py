"""The end of the pod: terminate it through RunPod's API (runpodctl as a fallback) and report a failure with
the log's tail."""
import os
import shutil
import subprocess
import urllib.parse

from .core import (
    DEFAULT_RUNPOD_API, LOG_TAIL_LINES, HttpFailure, work_path, read_file, write_file, tail_lines,
    final_deadline, log)
from .http_calls import http_call
from .shipping import Reporter


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


def report_failure(exit_code, cause=None, reporter=None, deadline=None, before_terminate=None):
    """Reports FAILED once (marker `failure-reported`), retried until the deadline (by default
    TRAINPOD_FINAL_REPORT_TIMEOUT_SECONDS from now), then terminates the pod. The report goes first: whatever
    else the end of the job does (the final flush of metric points and log lines) runs alongside it, and
    before_terminate(deadline), when given, waits for it before the pod is deleted."""
    deadline = final_deadline() if deadline is None else deadline
    failed_phase = read_file("phase") or "STARTING"
    cause = cause or read_file("cause") or "bootstrap failed in phase %s" % failed_phase
    write_file("cause", cause)
    log("failed in phase %s with exit code %d: %s" % (failed_phase, exit_code, cause))
    body = {"phase": "FAILED", "message": cause, "exitCode": exit_code,
            "failedPhase": failed_phase, "logTail": log_tail(failed_phase)}
    reported = (reporter or Reporter()).finish(body, deadline)
    if reported:
        write_file("failure-reported", str(exit_code))
    if before_terminate is not None:
        before_terminate(deadline)
    return terminate_pod() and reported
