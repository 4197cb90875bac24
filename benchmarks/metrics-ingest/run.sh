#!/usr/bin/env bash
# Metrics ingestion against PostgreSQL COPY (devstack IngestBenchIT), figures appended to benchmarks/results.md.
# Usage: benchmarks/metrics-ingest/run.sh [-Dbench.pods=50] [-Dbench.rounds=6] [-Dbench.windowMillis=5000]
#        [-Dbench.concurrency=16] [-Dbench.podRateMillis=60000]
exec "$(dirname "$0")/../bench" IngestBenchIT "$@"
