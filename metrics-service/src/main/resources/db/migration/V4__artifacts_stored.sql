-- Issue 12: when dataset-service published ArtifactsStored for the job (its pod's artifacts are stored and declared
-- final). The watchdog never fails such a job: a lost heartbeat afterwards ends it as succeeded.
ALTER TABLE jobs ADD COLUMN artifacts_stored_at TIMESTAMPTZ;
ALTER TABLE jobs ADD COLUMN artifacts_stored INTEGER;
