#!/usr/bin/env bash
# Load and soak on the local stack (RunPod simulator, real PostgreSQL and Kafka, the three services as child JVMs,
# pods as real processes): 200 users, 1,000 deployments, then a steady load for SOAK_MINUTES (default 30) with the
# services' memory sampled every 30 s. Prints the figures; devstack/target/load-report.txt keeps them and
# devstack/target/soak-memory.csv the memory samples. Not part of ./mvnw verify.
#
#   benchmarks/load/run.sh                                   # load, then a 30-minute soak
#   SOAK_MINUTES=0 benchmarks/load/run.sh                    # the load only
#   benchmarks/load/run.sh -Dload.users=20 -Dload.deployments=50 -Dload.inFlight=8
#   SKIP_BUILD=1 benchmarks/load/run.sh                      # reuse the services' target/quarkus-app
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes=${SOAK_MINUTES:-30}
mkdir -p devstack/target
rm -f devstack/target/load-report.txt
if [[ -z "${SKIP_BUILD:-}" ]]; then
  ./mvnw -B -q -DskipTests -DskipPythonTests=true package -pl common,testkit,pod,deploy-service,dataset-service,metrics-service
fi
status=0
./mvnw -B verify -pl devstack -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -DskipPythonTests=true \
  -Dit.test=LoadIT -Dfailsafe.failIfNoSpecifiedTests=false -Dbenchmark=true -Dsoak.minutes="$minutes" "$@" \
  | tee devstack/target/load.log || status=$?
cat devstack/target/load-report.txt 2>/dev/null || echo "no figures: see devstack/target/load.log" >&2
exit "$status"
