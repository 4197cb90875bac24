-- Issue 14: the checkpoints a job's pods stored off the pod (dataset-service's CheckpointStored). The job row holds
-- the newest (its progress shows the step and age); each one is also a row numbered from the telemetry sequence, so
-- the live stream sends it as a `checkpoint` event and a client resuming with Last-Event-ID gets exactly the rest.
ALTER TABLE jobs ADD COLUMN last_checkpoint_step INTEGER;
ALTER TABLE jobs ADD COLUMN last_checkpoint_at TIMESTAMPTZ;

CREATE TABLE stored_checkpoints (
    seq           BIGINT       PRIMARY KEY DEFAULT nextval('telemetry_seq'),
    deployment_id UUID         NOT NULL REFERENCES jobs ON DELETE CASCADE,
    step          INTEGER      NOT NULL CHECK (step >= 0),
    stored_at     TIMESTAMPTZ  NOT NULL
);
CREATE INDEX stored_checkpoints_job ON stored_checkpoints (deployment_id, seq);
