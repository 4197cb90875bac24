-- Issue 17: deploy-service's copy of dataset-service's dataset summaries, taken from the dataset-catalog topic
-- (DatasetCataloged, DatasetRemoved), so a create's pre-flight reads a row instead of calling dataset-service.
-- A removed dataset keeps its row as a tombstone (removed = true, summary columns null): ids are never reused, so a
-- replayed or late DatasetCataloged never brings it back. version = the event's time; a row only moves forward.
CREATE TABLE dataset_summary (
    dataset_id       UUID PRIMARY KEY,
    user_id          TEXT        NOT NULL,
    removed          BOOLEAN     NOT NULL,
    version          TIMESTAMPTZ NOT NULL,
    name             TEXT,
    bytes            BIGINT,
    sha256           TEXT,
    format           TEXT,
    row_count        BIGINT,
    estimated_tokens BIGINT,
    fits_methods     TEXT[],
    error_count      BIGINT,
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
