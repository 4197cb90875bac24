-- Every download a token allowed: which deployment fetched which bytes of which dataset, when and from where.
CREATE TABLE download_records (
    id             UUID         PRIMARY KEY,
    token_id       UUID         NOT NULL,
    deployment_id  UUID         NOT NULL,
    dataset_id     UUID         NOT NULL,
    range_start    BIGINT       NOT NULL,
    bytes          BIGINT       NOT NULL,  -- the bytes the answer carried (the whole file or the range)
    client_address TEXT,
    created_at     TIMESTAMPTZ  NOT NULL
);
CREATE INDEX download_records_by_deployment ON download_records (deployment_id, created_at);

-- Resumable (tus-style) dataset uploads; the bytes are staged on local disk until the last one arrives.
CREATE TABLE uploads (
    id            UUID         PRIMARY KEY,
    user_id       TEXT         NOT NULL,
    name          TEXT         NOT NULL,
    length        BIGINT       NOT NULL,
    upload_offset BIGINT       NOT NULL,
    dataset_id    UUID,                   -- set once the upload is complete and validated
    created_at    TIMESTAMPTZ  NOT NULL,
    updated_at    TIMESTAMPTZ  NOT NULL
);
CREATE INDEX uploads_by_update ON uploads (updated_at);

-- What finished pods uploaded, one row per (deployment, name); staged on local disk until complete.
CREATE TABLE artifacts (
    id            UUID         PRIMARY KEY,
    deployment_id UUID         NOT NULL,
    user_id       TEXT         NOT NULL,  -- the deployment's owner, from its grant
    name          TEXT         NOT NULL,
    bytes         BIGINT       NOT NULL,  -- received so far; the size once complete
    total_bytes   BIGINT,                 -- the size a Content-Range announced
    sha256        TEXT,                   -- set once complete
    complete      BOOLEAN      NOT NULL,
    created_at    TIMESTAMPTZ  NOT NULL,
    updated_at    TIMESTAMPTZ  NOT NULL,
    UNIQUE (deployment_id, name)
);
CREATE INDEX artifacts_by_owner ON artifacts (user_id, deployment_id);
CREATE INDEX artifacts_by_update ON artifacts (updated_at) WHERE NOT complete;
CREATE INDEX deployment_grants_by_dataset ON deployment_grants (dataset_id) WHERE ended_at IS NULL;
