CREATE TABLE deployment (
    id                UUID         PRIMARY KEY,
    user_id           TEXT         NOT NULL,
    dataset_id        UUID         NOT NULL,
    base_model        TEXT         NOT NULL,
    method            TEXT         NOT NULL,
    request           TEXT         NOT NULL,
    status            TEXT         NOT NULL,
    reason            TEXT,
    message           TEXT,
    exit_code         INTEGER,
    log_tail          TEXT,
    pod_id            TEXT,
    gpu_type          TEXT,
    gpu_count         INTEGER,
    cloud             TEXT,
    cost_per_hour     NUMERIC(12, 6),
    billed_seconds    BIGINT,
    cost_usd          NUMERIC(14, 6),
    idempotency_key   TEXT,
    created_at        TIMESTAMPTZ  NOT NULL,
    updated_at        TIMESTAMPTZ  NOT NULL,
    pod_created_at    TIMESTAMPTZ,
    ended_at          TIMESTAMPTZ,
    pod_terminated_at TIMESTAMPTZ,
    CONSTRAINT deployment_idempotency UNIQUE (user_id, idempotency_key)
);
CREATE INDEX deployment_by_user ON deployment (user_id, created_at DESC);
CREATE INDEX deployment_pending ON deployment (created_at) WHERE status = 'PENDING';
CREATE INDEX deployment_pod_open ON deployment (status) WHERE pod_id IS NOT NULL AND pod_terminated_at IS NULL;

CREATE TABLE deployment_transition (
    id            BIGSERIAL    PRIMARY KEY,
    deployment_id UUID         NOT NULL REFERENCES deployment (id),
    status        TEXT         NOT NULL,
    reason        TEXT,
    message       TEXT,
    at            TIMESTAMPTZ  NOT NULL
);
CREATE INDEX deployment_transition_by_deployment ON deployment_transition (deployment_id, id);

CREATE TABLE runpod_key (
    user_id    TEXT         PRIMARY KEY,
    key_id     TEXT         NOT NULL,
    nonce      BYTEA        NOT NULL,
    ciphertext BYTEA        NOT NULL,
    last4      TEXT         NOT NULL,
    updated_at TIMESTAMPTZ  NOT NULL
);
