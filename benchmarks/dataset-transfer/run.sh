#!/usr/bin/env bash
# Upload with validation against sha256sum (synthetic and realistic corpus) and the token download against nginx
# (devstack TransferBenchIT), alternating, figures appended to benchmarks/results.md.
# Usage: benchmarks/dataset-transfer/run.sh [-Dbench.mib=256] [-Dbench.rounds=5]
# The service's heap under a 2 GiB upload: benchmarks/dataset-transfer/heap.sh (the older best-of-3 harness).
exec "$(dirname "$0")/../bench" TransferBenchIT "$@"
