-- Issue 14: lost pods recovered automatically. A deployment whose pod was lost without its job's own final report
-- goes RECOVERING: its lost pod is terminated (confirmed gone) before it goes back to PENDING and is provisioned
-- again through the same claim, GPU candidates and capacity wait. Each pod it ran on is one attempt.
INSERT INTO deployment_move (from_status, to_status) VALUES
    ('STARTING', 'RECOVERING'), ('RUNNING', 'RECOVERING'),
    ('RECOVERING', 'PENDING'), ('RECOVERING', 'SUCCEEDED'), ('RECOVERING', 'FAILED'), ('RECOVERING', 'CANCELLED');

-- How many times the deployment was recovered, and what its earlier pods billed (the budget and the maximum
-- runtime count across all attempts; cost_usd and billed_seconds are the sum once the deployment ends).
ALTER TABLE deployment ADD COLUMN recoveries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deployment ADD COLUMN prior_billed_seconds BIGINT NOT NULL DEFAULT 0;
ALTER TABLE deployment ADD COLUMN prior_cost_usd NUMERIC(12, 6) NOT NULL DEFAULT 0;

-- One row per pod a deployment ran on, written when the pod is confirmed terminated.
CREATE TABLE deployment_attempt (
    id              BIGSERIAL      PRIMARY KEY,
    deployment_id   UUID           NOT NULL REFERENCES deployment (id),
    attempt         INTEGER        NOT NULL,
    pod_id          TEXT           NOT NULL,
    gpu_type        TEXT,
    gpu_count       INTEGER,
    cloud           TEXT,
    cost_per_hour   NUMERIC(12, 6),
    started_at      TIMESTAMPTZ    NOT NULL,
    ended_at        TIMESTAMPTZ    NOT NULL,
    billed_seconds  BIGINT         NOT NULL,
    cost_usd        NUMERIC(12, 6) NOT NULL,
    end_reason      TEXT           NOT NULL,
    UNIQUE (deployment_id, attempt),
    UNIQUE (deployment_id, pod_id)
);

DROP INDEX deployment_reap_order;
CREATE INDEX deployment_reap_order ON deployment (reaped_at NULLS FIRST, created_at)
    WHERE status IN ('PENDING', 'PROVISIONING', 'STARTING', 'RUNNING', 'RECOVERING');
DROP INDEX deployment_live_by_user;
CREATE INDEX deployment_live_by_user ON deployment (user_id)
    WHERE status IN ('PENDING', 'PROVISIONING', 'STARTING', 'RUNNING', 'RECOVERING');
DROP INDEX deployment_live;
CREATE INDEX deployment_live ON deployment (status)
    WHERE status IN ('PENDING', 'PROVISIONING', 'STARTING', 'RUNNING', 'RECOVERING');

-- When a recovered deployment went back to PENDING: its provisioning deadline and capacity wait run from then.
ALTER TABLE deployment ADD COLUMN provisioning_since TIMESTAMPTZ;
