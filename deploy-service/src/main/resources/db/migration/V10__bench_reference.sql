-- Issue 17: the benchmarks' reference write (BenchReferenceResource): one row per call, the least a create can
-- commit. Stays empty unless trainpod.bench.reference-endpoint is on (benchmarks only).
CREATE TABLE bench_reference (
    id         UUID PRIMARY KEY,
    user_id    TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
