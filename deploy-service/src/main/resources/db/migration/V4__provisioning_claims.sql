-- Issue 8: the replica that claimed a deployment for provisioning. A replica renews a lease named
-- 'replica:<its id>' in job_lease while it lives; a PROVISIONING deployment without a pod whose claimer's lease
-- lapsed (the replica was killed mid-call) is claimed again instead of waiting for the provisioning deadline.
ALTER TABLE deployment ADD COLUMN claimed_by TEXT;
