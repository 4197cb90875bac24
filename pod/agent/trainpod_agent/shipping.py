"""Reporting to metrics-service: phase changes and heartbeats (Reporter), and metric points and log lines
spooled to disk while it is unreachable and shipped in batches (Spool, Shipper)."""
import json
import queue
import threading
import time

from .core import (
    EXIT_CONFIG, FINAL_BACKOFF_MAX, BATCH_POINTS, BATCH_LINES, MAX_PER_POST, FLUSH_SECONDS, JobFailure,
    HttpFailure, work_path, read_file, write_file, retry_base, log)
from .http_calls import retryable, metrics_call


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
        self.refused = None  # the detail of an answer no retry can change (the deployment has ended: 409)
        self.queued_step = -1  # the highest step of a point handed to the shipper (or left unsent in its spool)
        self.delivered_step = -1  # the highest step of a point metrics-service has acknowledged
        self._note_steps(self.points.peek(None)[0], "queued_step")

    def point(self, point):
        self._note_steps([point], "queued_step")
        self.queue.put(("point", point))

    def _note_steps(self, points, field):
        steps = [p.get("step") for p in points if isinstance(p, dict) and isinstance(p.get("step"), int)]
        if steps:
            setattr(self, field, max(getattr(self, field), max(steps)))

    def line(self, line):
        self.queue.put(("line", line))

    def stop(self, deadline=None):
        """Asks for the final flush, retried with backoff until the monotonic deadline (one try when None), and
        returns at once: the flush goes on in the shipper's thread (wait_stopped waits for it)."""
        self.deadline = deadline
        self.queue.put(("stop", None))

    def wait_stopped(self, until=None):
        """Waits for the final flush to end, at most until the monotonic time `until` (no limit when None);
        returns how many points are left unsent, or None when it is still going on."""
        self.join(None if until is None else max(until - time.monotonic(), 0.0))
        return None if self.is_alive() else self.points.pending

    def close(self, deadline=None):
        """Stops after the final flush (see stop); returns how many points are left unsent."""
        self.stop(deadline)
        return self.wait_stopped()

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
            if self.refused is not None:
                log("metrics-service refused the final flush (%s): no retry can change that" % self.refused)
                return
            if self.deadline is None or time.monotonic() + delay > self.deadline:
                return
            time.sleep(delay)

    def wait_delivered(self, step, timeout):
        """Waits until metrics-service has acknowledged the points up to step (at most timeout seconds): a
        checkpoint is stored only once the points up to its step are, so a pod that resumes from it leaves no gap
        in the loss series. Points go in order, so the highest acknowledged step says it (or, when no point of that
        step was ever handed over, the highest one that was); the points that came after the checkpoint's step are
        not waited for (a shipper busy with every new step is seldom empty). An empty queue is no sign: the
        shipper's thread empties it before its points reach the spool."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.delivered_step >= min(step, self.queued_step):
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
        self.refused = None
        ok = self._send("metrics", "points", self.points) and self._send("logs", "lines", self.lines)
        if not ok and self.failures == 0:
            log("metrics-service unreachable: spooling metrics and logs to disk (%d points so far)"
                % self.points.pending)
        elif ok and self.failures:
            log("metrics-service reachable again: spooled metrics and logs sent")
        self.failures = 0 if ok else self.failures + 1
        return ok

    def _send(self, endpoint, field, spool):
        while spool.pending:
            batch, offset = spool.peek(MAX_PER_POST)
            if batch:
                try:
                    metrics_call(endpoint, {field: batch}, attempts=1, timeout=15.0)
                except HttpFailure as e:
                    if e.status is not None and not retryable(e.status):
                        self.refused = e.detail
                    return False
            if spool is self.points:
                self._note_steps(batch, "delivered_step")
            spool.commit(offset, len(batch))
            if not batch:
                spool.pending = 0
        return True
