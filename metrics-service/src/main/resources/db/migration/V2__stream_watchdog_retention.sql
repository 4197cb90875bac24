-- Issue 5: stream event ids, the watchdog's clocks, and telemetry retention.

-- One sequence numbers every point, log line and phase change: a job's rows are written under its row lock, so
-- within one job the numbers grow in commit order and serve as the stream's Last-Event-ID.
CREATE SEQUENCE telemetry_seq;
SELECT setval('telemetry_seq', GREATEST((SELECT max(seq) FROM log_lines), 1));
ALTER TABLE log_lines ALTER COLUMN seq SET DEFAULT nextval('telemetry_seq');
DROP SEQUENCE log_lines_seq_seq;

ALTER TABLE metric_points ADD COLUMN seq BIGINT NOT NULL DEFAULT nextval('telemetry_seq');
CREATE INDEX metric_points_seq ON metric_points (deployment_id, seq);

CREATE TABLE phase_changes (
    seq               BIGINT       PRIMARY KEY DEFAULT nextval('telemetry_seq'),
    deployment_id     UUID         NOT NULL REFERENCES jobs ON DELETE CASCADE,
    phase             TEXT,
    status            TEXT         NOT NULL,
    reason            TEXT,
    message           TEXT,
    time              TIMESTAMPTZ  NOT NULL
);
CREATE INDEX phase_changes_job ON phase_changes (deployment_id, seq);

-- the deployment's idleMinutes (DeploymentRequested); when the pod first reported TRAINING; when its step last
-- moved forward; when its telemetry was deleted for retention
ALTER TABLE jobs ADD COLUMN idle_minutes INTEGER;
ALTER TABLE jobs ADD COLUMN training_started_at TIMESTAMPTZ;
ALTER TABLE jobs ADD COLUMN step_advanced_at TIMESTAMPTZ;
ALTER TABLE jobs ADD COLUMN telemetry_deleted_at TIMESTAMPTZ;

CREATE INDEX jobs_active_heartbeat ON jobs (last_heartbeat_at) WHERE status = 'ACTIVE';
CREATE INDEX jobs_ended ON jobs (ended_at) WHERE status = 'ENDED' AND telemetry_deleted_at IS NULL;
