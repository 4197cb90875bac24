-- Shared by every service: the transactional outbox and the consumer inbox.
CREATE TABLE outbox_event (
    seq          BIGSERIAL    NOT NULL UNIQUE,
    id           UUID         PRIMARY KEY,
    aggregate_id TEXT         NOT NULL,
    type         TEXT         NOT NULL,
    source       TEXT         NOT NULL,
    payload      TEXT         NOT NULL,
    created_at   TIMESTAMPTZ  NOT NULL,
    sent_at      TIMESTAMPTZ
);
CREATE INDEX outbox_event_pending ON outbox_event (seq) WHERE sent_at IS NULL;

CREATE TABLE inbox_event (
    event_id     UUID         PRIMARY KEY,
    processed_at TIMESTAMPTZ  NOT NULL
);
