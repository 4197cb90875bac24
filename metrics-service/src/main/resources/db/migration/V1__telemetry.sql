-- metrics-service: one row per deployment's job, its metric series and its log lines.

CREATE TABLE jobs (
    deployment_id     UUID         PRIMARY KEY,
    user_id           TEXT         NOT NULL,
    total_steps       INTEGER,
    -- the pod's last reported phase; NULL until it reports one
    phase             TEXT,
    status            TEXT         NOT NULL DEFAULT 'ACTIVE'
                      CHECK (status IN ('ACTIVE', 'SUCCEEDED', 'FAILED', 'ENDED')),
    pod_id            TEXT,
    gpu_type          TEXT,
    last_heartbeat_at TIMESTAMPTZ,
    last_step         INTEGER,
    created_at        TIMESTAMPTZ  NOT NULL,
    started_at        TIMESTAMPTZ,
    finished_at       TIMESTAMPTZ,
    ended_at          TIMESTAMPTZ,
    failure_reason    TEXT,
    failure_message   TEXT,
    failed_phase      TEXT,
    exit_code         INTEGER,
    log_tail          TEXT,
    -- the deployment's final status and reason, from DeploymentEnded
    end_status        TEXT,
    end_reason        TEXT,
    log_lines_stored  INTEGER      NOT NULL DEFAULT 0,
    log_lines_dropped BIGINT       NOT NULL DEFAULT 0
);
CREATE INDEX jobs_user ON jobs (user_id);

CREATE TABLE metric_points (
    deployment_id     UUID             NOT NULL REFERENCES jobs ON DELETE CASCADE,
    step              INTEGER          NOT NULL CHECK (step >= 0),
    epoch             DOUBLE PRECISION,
    loss              DOUBLE PRECISION,
    learning_rate     DOUBLE PRECISION,
    grad_norm         DOUBLE PRECISION,
    tokens_per_second DOUBLE PRECISION,
    -- any other numbers the trainer reports (gpuMemoryMb, ...), by their JSON names
    extra             JSONB,
    time              TIMESTAMPTZ      NOT NULL,
    PRIMARY KEY (deployment_id, step)
);

CREATE TABLE log_lines (
    deployment_id     UUID         NOT NULL REFERENCES jobs ON DELETE CASCADE,
    seq               BIGSERIAL    NOT NULL,
    line              TEXT         NOT NULL,
    time              TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (deployment_id, seq)
);
