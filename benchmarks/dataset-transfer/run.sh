#!/usr/bin/env bash
# Upload with validation against sha256sum (synthetic and realistic corpus) and the token download against nginx
# (devstack TransferBenchIT), alternating, figures appended to benchmarks/results.md.
# Usage: benchmarks/dataset-transfer/run.sh [-Dbench.mib=256] [-Dbench.rounds=5]
exec "$(dirname "$0")/../bench" TransferBenchIT "$@"
