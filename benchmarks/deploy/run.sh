#!/usr/bin/env bash
# deploy-service benchmarks on the local stack (RunPod simulator, real PostgreSQL and Kafka, three services).
# Needs the service jars: ./mvnw -B -q -DskipTests install -pl common,deploy-service,dataset-service,metrics-service
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -B -f devstack/pom.xml verify -Dit.test=DeployBenchmarkIT -Dbenchmark=true -Dtest=none \
  -Dsurefire.failIfNoSpecifiedTests=false "$@" | tee devstack/target/deploy-benchmark.log
grep '\[benchmark\]' devstack/target/deploy-benchmark.log || true
