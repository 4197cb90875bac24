#!/usr/bin/env bash
# The older dataset transfer benchmark (best-of-3, not alternating; see run.sh for the harness of issue 17) and
# the service's heap at -Xmx256m for a 100 MiB and a 2 GiB upload. Writes work/report.md. Not part of ./mvnw
# verify; needs about 12 GiB of free disk under work/ and a few minutes.
#
#   benchmarks/dataset-transfer/heap.sh            # builds dataset-service (tests skipped), then measures
#   MVNW_OPTS=-o benchmarks/dataset-transfer/heap.sh   # offline
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

if ! command -v nginx >/dev/null; then
  echo "installing nginx (apt-get)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light
fi
command -v curl >/dev/null && command -v sha256sum >/dev/null

mkdir -p "$here/work"
# The reactor (-pl ... -am) builds common first, so this works from a fresh clone (no `mvn install` needed).
./mvnw -B -q ${MVNW_OPTS:-} test-compile dependency:build-classpath -DskipPythonTests=true -DskipFuzz=true \
  -pl dataset-service -am -Dmdep.includeScope=test -Dmdep.outputFile="$here/work/classpath.txt" >/dev/null

exec java -Xmx1g -cp "dataset-service/target/test-classes:dataset-service/target/classes:$(cat "$here/work/classpath.txt")" \
  dev.trainpod.dataset.bench.TransferBenchmark "$root"
