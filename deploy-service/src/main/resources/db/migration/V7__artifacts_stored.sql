-- Issue 12: when dataset-service announced the deployment's final artifacts stored (ArtifactsStored). A later
-- watchdog verdict (pod vanished or exited, heartbeat lost, a limit reached while the pod waits to report) then
-- ends it as succeeded: the job finished, only its final report was lost.
ALTER TABLE deployment ADD COLUMN artifacts_stored_at TIMESTAMPTZ;
