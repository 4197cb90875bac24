-- Issue 12: a pod declares its artifacts final once (POST /api/v1/pod/artifacts). The declaration and its
-- ArtifactsStored event are written in one transaction; a repeated declaration answers the first one and publishes
-- nothing more.
CREATE TABLE artifact_declarations (
    deployment_id UUID         PRIMARY KEY,
    user_id       TEXT         NOT NULL,
    event         TEXT         NOT NULL,  -- the ArtifactsStored event's JSON, answered again to a repeat
    declared_at   TIMESTAMPTZ  NOT NULL
);
