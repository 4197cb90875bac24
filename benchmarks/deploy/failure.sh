#!/usr/bin/env bash
# Failure → pod terminated and the cost of a failed deployment (devstack DeployBenchmarkIT), production JVMs and
# fsync on, figures appended to benchmarks/results.md. Usage: benchmarks/deploy/failure.sh [-Dbenchmark.failed=50]
exec "$(dirname "$0")/../bench" DeployBenchmarkIT "$@"
