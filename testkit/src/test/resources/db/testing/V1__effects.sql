CREATE TABLE test_effect (
    id            BIGSERIAL PRIMARY KEY,
    deployment_id UUID NOT NULL,
    event_type    TEXT NOT NULL
);
