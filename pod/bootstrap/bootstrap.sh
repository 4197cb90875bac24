#!/usr/bin/env bash
# Trainpod pod bootstrap: the pod's entry script.
#
# It travels to the pod as the RunPod `args` string and runs as `bash -c "<script>"`, so it
# never relies on its own path. deploy-service replaces the three base64 placeholders below
# with the agent (agent.pyz, a zipapp of pod/agent) and sim_trainer.py (each zlib-compressed,
# then base64) and a zip of the Trainpod trainer (which the agent installs on a stock PyTorch
# image) before sending it.
#
# RunPod restarts a container whose command exits, and keeps billing, so this script ends
# with the pod terminated whatever happens: the agent terminates it after success or
# failure, and the EXIT trap reports any failure the agent did not report and terminates
# the pod itself (python3 agent, else curl, else runpodctl). It never sleeps.
set -Eeuo pipefail
export PATH  # bash's default when the environment has none: python3 and its children need it

if [ -n "${TRAINPOD_WORK_DIR:-}" ]; then
  trainpod_dir=$TRAINPOD_WORK_DIR
elif [ -d /workspace ] && [ -w /workspace ]; then
  trainpod_dir=/workspace/trainpod
else
  trainpod_dir=$PWD/trainpod
fi
export TRAINPOD_WORK_DIR=$trainpod_dir
agent_pid=

# Reports FAILED with curl when the agent could not (no python3, or it failed too).
trainpod_curl_report() {
  local phase=STARTING
  if ! command -v curl >/dev/null 2>&1 || [ -z "${TRAINPOD_METRICS_URL:-}" ]; then
    return 1
  fi
  if [ -f phase ]; then phase=$(tr -cd 'A-Z_' < phase); fi
  curl -fsS --max-time 20 --retry 4 -o /dev/null -X POST "${TRAINPOD_METRICS_URL%/}/status" \
    -H "Authorization: Bearer ${TRAINPOD_JOB_TOKEN:-}" -H 'Content-Type: application/json' \
    -d "{\"phase\":\"FAILED\",\"message\":\"bootstrap failed\",\"exitCode\":$1,\"failedPhase\":\"${phase:-STARTING}\"}" \
    && : > failure-reported
}

# Terminates this pod with curl, else runpodctl; 204 and 404 (already gone) are success.
trainpod_fallback_terminate() {
  local api=${TRAINPOD_RUNPOD_API_URL:-https://api.runpod.io} status=
  [ -n "${RUNPOD_POD_ID:-}" ] || return 1
  if command -v curl >/dev/null 2>&1; then
    status=$(curl -sS --max-time 20 --retry 4 -o /dev/null -w '%{http_code}' -X DELETE \
      "${api%/}/v2/pods/$RUNPOD_POD_ID" -H "Authorization: Bearer ${RUNPOD_API_KEY:-}")
    case $status in 2??|404) : > pod-terminated; return 0 ;; esac
  fi
  command -v runpodctl >/dev/null 2>&1 && runpodctl pod delete "$RUNPOD_POD_ID" && : > pod-terminated
}

# EXIT trap: a failure nobody reported yet is reported, a pod not yet terminated is.
trainpod_on_exit() {
  local code=$1
  set +e
  trap - EXIT ERR
  trap '' TERM INT
  cd "$trainpod_dir" 2>/dev/null
  if [ "$code" -ne 0 ] && [ ! -e failure-reported ]; then
    if command -v python3 >/dev/null 2>&1 && [ -s agent.pyz ]; then
      python3 agent.pyz fail --exit-code "$code"
    fi
    [ -e failure-reported ] || trainpod_curl_report "$code" || echo "trainpod: could not report the failure" >&2
  fi
  if [ ! -e pod-terminated ]; then
    trainpod_fallback_terminate || echo "trainpod: could not terminate pod ${RUNPOD_POD_ID:-?}" >&2
  fi
  exit "$code"
}

# SIGTERM/SIGINT: the agent reports "terminated by signal" itself; before it runs, the
# cause file tells the EXIT trap's report why.
trainpod_on_signal() {
  set +e
  trap - ERR
  trap '' TERM INT
  if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then
    kill -TERM "$agent_pid"
    wait "$agent_pid"
  else
    echo "terminated by signal" > "$trainpod_dir/cause"
  fi
  exit "$1"
}

trap 'trainpod_on_exit $?' EXIT
trap 'exit $?' ERR
trap 'trainpod_on_signal 143' TERM
trap 'trainpod_on_signal 130' INT

mkdir -p "$trainpod_dir"
cd "$trainpod_dir"
previous_pod=
if [ -f pod-id ]; then previous_pod=$(<pod-id); fi
if [ "$previous_pod" != "${RUNPOD_POD_ID:-}" ]; then
  # Another pod's files (a reused volume) must not resume, skip or mark this job.
  rm -f failure-reported pod-terminated succeeded phase cause config.json agent.log train.log \
    dataset.jsonl dataset.jsonl.part metrics-spool.jsonl metrics-spool.jsonl.offset \
    logs-spool.jsonl logs-spool.jsonl.offset install.log
  rm -rf output checkpoints
  printf '%s' "${RUNPOD_POD_ID:-}" > pod-id
fi

if ! command -v python3 >/dev/null 2>&1; then
  echo "trainpod: python3 is not on PATH; this image cannot run the Trainpod agent" >&2
  exit 127
fi
# The agent (a zipapp of stored files, so that zlib compresses across them) and the simulated
# trainer travel zlib-compressed (the script must fit in one argument).
trainpod_inflate() {
  python3 -c 'import base64, sys, zlib; sys.stdout.buffer.write(zlib.decompress(base64.b64decode(sys.stdin.read())))'
}
printf '%s' '__TRAINPOD_AGENT_B64__' | trainpod_inflate > agent.pyz
printf '%s' '__TRAINPOD_TRAINER_B64__' | trainpod_inflate > sim_trainer.py
printf '%s' '__TRAINPOD_TRAINER_BUNDLE_B64__' | base64 -d > trainer-bundle.zip
# In the background and waited for: bash defers a trap while a foreground child runs, and
# SIGTERM must reach the agent at once (it kills the trainer, reports, terminates the pod).
python3 agent.pyz run &
agent_pid=$!
wait "$agent_pid"
