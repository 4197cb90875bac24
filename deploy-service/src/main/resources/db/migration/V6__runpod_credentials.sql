-- Issue 12: RunPod credentials that outlive their pods. A user's RunPod key is a credential with a history: storing
-- a new key or deleting it retires the current credential (kept sealed, never used for a new pod) instead of
-- forgetting it, so the pods it created can still be read and terminated with it. The user's current key is the
-- newest credential not retired. A retired credential is deleted once none of its deployments is live or holds a
-- pod that is not confirmed terminated.
CREATE TABLE runpod_credential (
    id         UUID         PRIMARY KEY,
    user_id    TEXT         NOT NULL,
    key_id     TEXT         NOT NULL,
    nonce      BYTEA        NOT NULL,
    ciphertext BYTEA        NOT NULL,
    last4      TEXT         NOT NULL,
    created_at TIMESTAMPTZ  NOT NULL,
    retired_at TIMESTAMPTZ
);
-- At most one current credential per user.
CREATE UNIQUE INDEX runpod_credential_current ON runpod_credential (user_id) WHERE retired_at IS NULL;

-- The credential a deployment's pod is created, read and terminated with; bound when provisioning opens the key,
-- before the create call. A table of its own, so that no writer of the deployment row can overwrite it.
CREATE TABLE deployment_credential (
    deployment_id UUID PRIMARY KEY REFERENCES deployment (id),
    credential_id UUID NOT NULL REFERENCES runpod_credential (id) ON DELETE CASCADE
);
CREATE INDEX deployment_credential_by_credential ON deployment_credential (credential_id);

INSERT INTO runpod_credential (id, user_id, key_id, nonce, ciphertext, last4, created_at)
SELECT gen_random_uuid(), user_id, key_id, nonce, ciphertext, last4, updated_at FROM vault_secret
WHERE kind = 'RUNPOD';

-- Deployments that are live or hold a pod not confirmed terminated were made with the user's key of today.
INSERT INTO deployment_credential (deployment_id, credential_id)
SELECT d.id, c.id FROM deployment d JOIN runpod_credential c ON c.user_id = d.user_id
WHERE d.status IN ('PENDING', 'PROVISIONING', 'STARTING', 'RUNNING')
   OR (d.pod_id IS NOT NULL AND d.pod_terminated_at IS NULL);

DELETE FROM vault_secret WHERE kind = 'RUNPOD';

-- This installation's id, put in its pod names (trainpod-<installation>-<deployment id>) so that installations
-- sharing a RunPod account leave each other's pods alone; trainpod.deploy.installation-id overrides it.
CREATE TABLE installation (
    id TEXT PRIMARY KEY CHECK (id ~ '^[a-z0-9]{1,12}$')
);
INSERT INTO installation (id) VALUES (substr(md5(random()::text || clock_timestamp()::text), 1, 8));
