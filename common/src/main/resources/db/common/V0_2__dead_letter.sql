-- Shared by every service: lifecycle events that still failed after the consumer's retry budget. The consumer
-- moves on past them; an operator reads the row (the error says why), fixes the cause and replays the payload.
CREATE TABLE dead_letter_event (
    event_id         UUID         PRIMARY KEY,
    event_type       TEXT         NOT NULL,
    record_key       TEXT,
    topic            TEXT         NOT NULL,
    kafka_partition  INTEGER      NOT NULL,
    kafka_offset     BIGINT       NOT NULL,
    payload          TEXT         NOT NULL,
    error            TEXT         NOT NULL,
    first_failed_at  TIMESTAMPTZ  NOT NULL,
    last_failed_at   TIMESTAMPTZ  NOT NULL,
    attempts         INTEGER      NOT NULL
);
CREATE INDEX dead_letter_event_last_failed ON dead_letter_event (last_failed_at);
