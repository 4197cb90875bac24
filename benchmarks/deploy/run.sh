#!/usr/bin/env bash
# Create deployment at 50/s open loop against deploy-service's reference endpoint (devstack CreateBenchIT),
# figures appended to benchmarks/results.md. Usage: benchmarks/deploy/run.sh [-Dbench.rate=50] [-Dbench.rounds=4]
#   benchmarks/deploy/run.sh -Dit.test=DeployBenchmarkIT    # the older failure → termination benchmark
exec "$(dirname "$0")/../bench" CreateBenchIT "$@"
