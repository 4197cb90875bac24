-- The cost estimate made at acceptance (JSON), shown with the deployment.
ALTER TABLE deployment ADD COLUMN estimate TEXT;
-- The deployment this one repeats (POST .../retry).
ALTER TABLE deployment ADD COLUMN retry_of UUID;
-- Since when the provider has reported the pod's GPUs under the idle threshold; null while busy.
ALTER TABLE deployment ADD COLUMN idle_since TIMESTAMPTZ;
-- Since when the provider no longer knows a pod the deployment still counts on; null while it does.
ALTER TABLE deployment ADD COLUMN pod_missing_since TIMESTAMPTZ;
-- A replica that is terminating the pod holds this claim, so that no other replica sends a second DELETE.
ALTER TABLE deployment ADD COLUMN termination_claimed_at TIMESTAMPTZ;

CREATE INDEX deployment_live ON deployment (status)
    WHERE status IN ('PENDING', 'PROVISIONING', 'STARTING', 'RUNNING');

-- Leases of singleton jobs (the reconciler): one replica at a time holds a job's lease until it expires.
CREATE TABLE job_lease (
    name        TEXT         PRIMARY KEY,
    holder      TEXT         NOT NULL,
    held_until  TIMESTAMPTZ  NOT NULL
);

-- A deployment waiting for capacity goes back to PENDING and is not claimed again before this time.
ALTER TABLE deployment ADD COLUMN next_attempt_at TIMESTAMPTZ;
-- How many rounds over all GPU candidates found no capacity; sets the backoff.
ALTER TABLE deployment ADD COLUMN capacity_rounds INTEGER NOT NULL DEFAULT 0;
