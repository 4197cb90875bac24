-- Datasets users uploaded, and the download tokens that let one deployment's pod fetch one of them.
CREATE TABLE datasets (
    id               UUID         PRIMARY KEY,
    user_id          TEXT         NOT NULL,
    name             TEXT         NOT NULL,
    bytes            BIGINT       NOT NULL,
    sha256           TEXT         NOT NULL,
    format           TEXT         NOT NULL,
    row_count        BIGINT       NOT NULL,
    estimated_tokens BIGINT       NOT NULL,
    errors           TEXT         NOT NULL,  -- JSON array of the first 100 {"line","message"}
    error_count      BIGINT       NOT NULL,
    storage_path     TEXT         NOT NULL,  -- relative to trainpod.dataset.storage-dir
    created_at       TIMESTAMPTZ  NOT NULL
);
CREATE INDEX datasets_by_user ON datasets (user_id, created_at DESC);

-- Which user and dataset a deployment may download, and whether it has ended; minting locks the row, so a
-- token is never minted for a deployment whose end was already processed, nor missed by its revocation.
CREATE TABLE deployment_grants (
    deployment_id UUID         PRIMARY KEY,
    user_id       TEXT,
    dataset_id    UUID,
    created_at    TIMESTAMPTZ  NOT NULL,
    ended_at      TIMESTAMPTZ
);

CREATE TABLE download_tokens (
    id            UUID         PRIMARY KEY,
    token_hash    TEXT         NOT NULL UNIQUE,  -- SHA-256 hex of the token; the token itself is never stored
    user_id       TEXT         NOT NULL,
    dataset_id    UUID         NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    deployment_id UUID         NOT NULL,
    expires_at    TIMESTAMPTZ  NOT NULL,
    max_uses      INTEGER      NOT NULL,
    uses          INTEGER      NOT NULL DEFAULT 0,
    revoked_at    TIMESTAMPTZ,
    created_at    TIMESTAMPTZ  NOT NULL,
    first_used_at TIMESTAMPTZ
);
CREATE INDEX download_tokens_by_deployment ON download_tokens (deployment_id);
CREATE INDEX download_tokens_by_dataset ON download_tokens (dataset_id);
CREATE INDEX download_tokens_by_expiry ON download_tokens (expires_at);
