"""HTTP with retries: one request, JSON calls with exponential backoff (Retry-After on 429), metrics-service's
endpoints. No token ever reaches a log line."""
import http.client
import json
import os
import ssl
import time
import urllib.error
import urllib.request

from .core import HttpFailure, State, retry_base, redact, log


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
