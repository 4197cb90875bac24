#!/usr/bin/env bash
# Failure → pod terminated and the cost of a failed deployment (devstack DeployBenchmarkIT), production JVMs and
# fsync on, figures appended to benchmarks/results.md. Usage: benchmarks/deploy/failure.sh
# [-Dbenchmark.spaced=150 -Dbenchmark.spacingMillis=1500 -Dbenchmark.bursts=15 -Dbenchmark.busy=150] (spaced
# failures, bursts of 10, the CPUs busy: see benchmarks/deploy/README.md)
exec "$(dirname "$0")/../bench" DeployBenchmarkIT "$@"
