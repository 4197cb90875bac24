-- Issue 8: the watchdog's own clock. Silence that overlaps a time when no watchdog swept (metrics-service or its
-- database down) is not held against a pod: no heartbeat could have been taken then. One row: when a sweep last
-- ran, and since when sweeps have run without such a gap.
CREATE TABLE watchdog_clock (
    id             INTEGER      PRIMARY KEY CHECK (id = 1),
    last_sweep_at  TIMESTAMPTZ  NOT NULL,
    watching_since TIMESTAMPTZ  NOT NULL
);
INSERT INTO watchdog_clock (id, last_sweep_at, watching_since) VALUES (1, now(), now());
