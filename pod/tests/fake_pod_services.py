"""One local HTTP server that plays everything a pod talks to, and records what it received:
metrics-service (/api/v1/jobs/<id>/status|metrics|logs), dataset-service's dataset download
(/api/v1/downloads/<token>, with Range), link refresh (POST /api/v1/pod/dataset) and artifact
uploads (HEAD/PUT /api/v1/pod/artifacts/<name>, resumable with Content-Range) with their
declaration as final (POST /api/v1/pod/artifacts), and the RunPod API (/runpod/v2/pods/<id>)."""
import hashlib
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEPLOYMENT_ID = "dep-7f3a"
DATASET_PATH = "/api/v1/downloads/"
REFRESH_PATH = "/api/v1/pod/dataset"
ARTIFACTS_PATH = "/api/v1/pod/artifacts/"
FRESH_TOKEN = "dlFresh0c4a1b2c3d4e5f60718293a4b5c6d7e8f9"
METRICS_PATH = "/api/v1/jobs/%s/" % DEPLOYMENT_ID
RUNPOD_PATH = "/runpod/v2/pods/"


class FakePodServices:
    """Plays metrics-service, the dataset download and RunPod; knobs make each misbehave."""

    def __init__(self, dataset=b""):
        self.dataset = dataset
        self.lock = threading.Lock()
        self.requests = []  # (kind, method, path, headers, json body or None), in arrival order
        self.dataset_cut_after = None  # cut the connection after this many bytes, once
        self.dataset_ignore_range = 0  # answer this many Range requests with a full 200
        self.dataset_fail_first = 0  # answer this many dataset GETs with 503
        self.dataset_status = None  # answer every dataset GET with this status (e.g. 410)
        self.expired_tokens = set()  # download tokens that answer 410 (expired)
        self.unauthorized_tokens = set()  # download tokens that answer 401 (no longer accepted)
        self.refresh_status = 200  # what POST /api/v1/pod/dataset answers
        self.artifacts = {}  # name -> bytearray received so far
        self.completed = {}  # name -> the 201 record
        self.artifact_cut_after = None  # take this many bytes of a PUT body, then drop the connection, once
        self.artifact_fail_first = 0  # answer this many PUTs with 503
        self.metrics_down = False  # metrics-service unreachable: every /api/v1/jobs call is cut off
        self.fail_first = {"status": 0, "metrics": 0, "logs": 0}  # 503s per endpoint
        self.retry_after = {}  # endpoint -> (count, seconds): 429 with Retry-After
        self.metrics_delay = 0.0  # seconds each /metrics POST takes
        self.metrics_refused = None  # answer every /metrics POST with this status (409: the job has ENDED)
        self.delete_status = 204
        self.final_answers = []  # statuses answered, in turn, to final status reports (SUCCEEDED/FAILED)
        self.declare_status = 200  # what POST /api/v1/pod/artifacts answers
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def metrics_url(self):
        return self.base_url + METRICS_PATH.rstrip("/")

    def dataset_url(self, token):
        return self.base_url + DATASET_PATH + token

    def runpod_url(self):
        return self.base_url + "/runpod"

    def refresh_url(self):
        return self.base_url + REFRESH_PATH

    def artifacts_url(self):
        return self.base_url + ARTIFACTS_PATH.rstrip("/")

    # ---- what was received ----

    def recorded(self, kind, method=None):
        with self.lock:
            return [r for r in self.requests if r[0] == kind and (method is None or r[1] == method)]

    def statuses(self):
        return [r[4] for r in self.recorded("status")]

    def points(self):
        return [p for r in self.recorded("metrics") for p in r[4]["points"]]

    def log_lines(self):
        return [line for r in self.recorded("logs") for line in r[4]["lines"]]

    def deletes(self):
        return [(r[2][len(RUNPOD_PATH):], r[3].get("Authorization")) for r in self.recorded("runpod", "DELETE")]

    def wait_for(self, predicate, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.02)
        return False

    # ---- serving ----

    def _take(self, attribute, key=None):
        """Decrements a countdown knob; returns whether it was still positive."""
        with self.lock:
            value = getattr(self, attribute) if key is None else getattr(self, attribute)[key]
            if value <= 0:
                return False
            if key is None:
                setattr(self, attribute, value - 1)
            else:
                getattr(self, attribute)[key] = value - 1
            return True

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path.startswith(DATASET_PATH):
                    fake._serve_dataset(self)
                elif self.path == ARTIFACTS_PATH.rstrip("/"):
                    fake._record("artifact-list", self, None)
                    with fake.lock:
                        listed = list(fake.completed.values())
                    self._answer(200, body=listed)
                elif self.path.startswith(ARTIFACTS_PATH):
                    fake._record("artifact-get", self, None)
                    name = self.path[len(ARTIFACTS_PATH):]
                    with fake.lock:
                        content = bytes(fake.artifacts[name]) if name in fake.completed else None
                    if content is None:
                        return self._answer(404)
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)
                else:
                    self._answer(404)

            def do_HEAD(self):
                if not self.path.startswith(ARTIFACTS_PATH):
                    return self._answer(404)
                fake._record("artifact-head", self, None)
                name = self.path[len(ARTIFACTS_PATH):]
                with fake.lock:
                    received = fake.artifacts.get(name)
                if received is None:
                    return self._answer(404)
                self._answer(200, {"Upload-Offset": str(len(received))})

            def do_PUT(self):
                if not self.path.startswith(ARTIFACTS_PATH):
                    return self._answer(404)
                fake._receive_artifact(self, self.path[len(ARTIFACTS_PATH):])

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path == REFRESH_PATH:
                    return fake._refresh(self)
                if self.path == ARTIFACTS_PATH.rstrip("/"):
                    fake._record("declare", self, json.loads(raw.decode("utf-8")))
                    return self._answer(fake.declare_status, body={"artifacts": []})
                if not self.path.startswith(METRICS_PATH):
                    return self._answer(404)
                if fake.metrics_down:
                    self.close_connection = True
                    return self.connection.shutdown(socket.SHUT_RDWR)
                endpoint = self.path[len(METRICS_PATH):]
                if fake._take("fail_first", endpoint):
                    return self._answer(503)
                count, seconds = fake.retry_after.get(endpoint, (0, 0))
                if count > 0:
                    fake.retry_after[endpoint] = (count - 1, seconds)
                    return self._answer(429, {"Retry-After": str(seconds)})
                body = json.loads(raw.decode("utf-8"))
                if endpoint == "status" and body.get("phase") in ("SUCCEEDED", "FAILED"):
                    with fake.lock:
                        refused = fake.final_answers.pop(0) if fake.final_answers else None
                    if refused is not None:
                        fake._record("final-refused", self, body)
                        return self._answer(refused)
                if endpoint == "metrics" and fake.metrics_refused:
                    fake._record("metrics-refused", self, body)
                    return self._answer(fake.metrics_refused)
                if endpoint == "metrics" and fake.metrics_delay:
                    time.sleep(fake.metrics_delay)
                fake._record(endpoint, self, body)
                self._answer(202)

            def do_DELETE(self):
                if self.path.startswith(ARTIFACTS_PATH):
                    fake._record("artifact-delete", self, None)
                    name = self.path[len(ARTIFACTS_PATH):]
                    with fake.lock:
                        found = fake.completed.pop(name, None) is not None
                        fake.artifacts.pop(name, None)
                    return self._answer(204 if found else 404)
                if not self.path.startswith(RUNPOD_PATH):
                    return self._answer(404)
                fake._record("runpod", self, None)
                self._answer(fake.delete_status)

            def _answer(self, status, headers=None, body=None):
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                content = b"" if body is None else json.dumps(body).encode("utf-8")
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if content and self.command != "HEAD":
                    self.wfile.write(content)

        return Handler

    def _record(self, kind, handler, body):
        with self.lock:
            self.requests.append((kind, handler.command, handler.path, dict(handler.headers), body))

    def _refresh(self, handler):
        self._record("refresh", handler, None)
        if self.refresh_status != 200:
            return handler._answer(self.refresh_status)
        handler._answer(200, body={"url": self.dataset_url(FRESH_TOKEN), "bytes": len(self.dataset),
                                   "sha256": hashlib.sha256(self.dataset).hexdigest(),
                                   "expiresAt": "2030-01-01T00:00:00Z"})

    def _receive_artifact(self, handler, name):
        length = int(handler.headers.get("Content-Length") or 0)
        content_range = handler.headers.get("Content-Range")
        self._record("artifact", handler, {"name": name, "range": content_range, "length": length})
        if self._take("artifact_fail_first"):
            handler.rfile.read(length)
            return handler._answer(503)
        with self.lock:
            cut, self.artifact_cut_after = self.artifact_cut_after, None
        body = handler.rfile.read(min(length, cut) if cut is not None else length)
        start, total = 0, length
        if content_range:
            start, _, total = map(int, re.match(r"bytes (\d+)-(\d+)/(\d+)$", content_range).groups())
        with self.lock:
            received = self.artifacts.setdefault(name, bytearray())
            if start != len(received):
                return handler._answer(409, {"Upload-Offset": str(len(received))})
            received.extend(body)
            complete = len(received) == total
        if cut is not None:
            handler.close_connection = True
            return handler.connection.shutdown(socket.SHUT_RDWR)
        if not complete:
            return handler._answer(202, {"Upload-Offset": str(len(received))})
        sha256 = hashlib.sha256(bytes(received)).hexdigest()
        if handler.headers.get("X-Trainpod-Sha256") not in (None, sha256):
            return handler._answer(422)
        record = {"id": "art-%d" % len(self.completed), "name": name, "bytes": total, "sha256": sha256}
        with self.lock:
            self.completed[name] = record
        handler._answer(201, body=record)

    def _serve_dataset(self, handler):
        self._record("dataset", handler, None)
        if handler.path[len(DATASET_PATH):] in self.expired_tokens:
            return handler._answer(410)
        if handler.path[len(DATASET_PATH):] in self.unauthorized_tokens:
            return handler._answer(401)
        if self.dataset_status:
            return handler._answer(self.dataset_status)
        if self._take("dataset_fail_first"):
            return handler._answer(503)
        start = 0
        range_header = handler.headers.get("Range")
        if range_header and not self._take("dataset_ignore_range"):
            start = int(range_header.split("=", 1)[1].split("-", 1)[0])
            if start >= len(self.dataset):
                return handler._answer(416, {"Content-Range": "bytes */%d" % len(self.dataset)})
        body = self.dataset[start:]
        handler.send_response(206 if start else 200)
        if start:
            handler.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(self.dataset) - 1, len(self.dataset)))
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        with self.lock:
            cut, self.dataset_cut_after = self.dataset_cut_after, None
        if cut is not None and cut < len(body):
            handler.wfile.write(body[:cut])
            handler.wfile.flush()
            handler.connection.shutdown(socket.SHUT_RDWR)
            handler.close_connection = True
            return
        handler.wfile.write(body)
