-- The vault keeps more than RunPod keys: one sealed secret per (user, kind).
CREATE TABLE vault_secret (
    user_id    TEXT         NOT NULL,
    kind       TEXT         NOT NULL CHECK (kind IN ('RUNPOD', 'HUGGINGFACE')),
    key_id     TEXT         NOT NULL,
    nonce      BYTEA        NOT NULL,
    ciphertext BYTEA        NOT NULL,
    last4      TEXT         NOT NULL,
    updated_at TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (user_id, kind)
);

INSERT INTO vault_secret (user_id, kind, key_id, nonce, ciphertext, last4, updated_at)
SELECT user_id, 'RUNPOD', key_id, nonce, ciphertext, last4, updated_at FROM runpod_key;

DROP TABLE runpod_key;
