#!/usr/bin/env bash
# Runs the metrics-service ingestion benchmark on the embedded PostgreSQL and prints its figures.
# Usage: benchmarks/metrics-ingest/run.sh [-Dbenchmark.pods=50] [-Dbenchmark.seconds=30] [-Dbenchmark.batch=50]
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -q -f metrics-service/pom.xml test -Pbenchmark "$@"
cat metrics-service/target/benchmark/metrics-ingest.txt
