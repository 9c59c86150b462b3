#!/usr/bin/env bash
# README's test command on a loaded machine: busy processes that this script starts (and stops,
# however it ends) keep the load average at 6 or more while the whole suite runs, and the load
# averages seen are printed. The suite must pass exactly as on an idle machine: no test may
# depend on the machine's speed.
#
#   bash tests/load/run_under_load.sh [PYTEST ARGUMENTS...]
#
# Arguments go to pytest after README's command (e.g. a file, to try the script on part of the
# suite). Settings, from the environment:
#   CMAA_LOAD_BUSY=7            busy processes (each adds about 1 to the load average; one more
#                               than the target, which the average only nears from below)
#   CMAA_LOAD_TARGET=6          the load average to reach before the tests start
#   CMAA_LOAD_WARMUP_SECONDS=300  how long to wait for it at most
#   CMAA_LOAD_LIMIT_SECONDS=3600  the busy processes end after this at the latest
#   CMAA_LOAD_EVERY_SECONDS=30  how often the load average is printed
# However it ends (the tests done, Ctrl-C, TERM once the running command returns) it stops its
# busy processes; should it be killed outright, `timeout` ends them after the limit.
set -euo pipefail
cd "$(dirname "$0")/../.."

BUSY="${CMAA_LOAD_BUSY:-7}"
TARGET="${CMAA_LOAD_TARGET:-6}"
WARMUP="${CMAA_LOAD_WARMUP_SECONDS:-300}"
LIMIT="${CMAA_LOAD_LIMIT_SECONDS:-3600}"
EVERY="${CMAA_LOAD_EVERY_SECONDS:-30}"

samples="$(mktemp)"
busy_pids=()
sampler_pid=""

stop_load() {
  # Only what this script started, by its process id.
  if [ "${#busy_pids[@]}" -gt 0 ]; then
    kill "${busy_pids[@]}" 2>/dev/null || true
    wait "${busy_pids[@]}" 2>/dev/null || true
    busy_pids=()
  fi
  if [ -n "$sampler_pid" ]; then
    kill "$sampler_pid" 2>/dev/null || true
    wait "$sampler_pid" 2>/dev/null || true
    sampler_pid=""
  fi
}
finish() {
  stop_load
  rm -f "$samples"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

load_now() { cut -d' ' -f1-3 /proc/loadavg; }
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

echo "under-load: $(nproc) cores; load average before: $(load_now)"
for _ in $(seq "$BUSY"); do
  # A process that only spins; `timeout` ends it even if this script is killed outright.
  timeout "$LIMIT" bash -c 'while :; do :; done' &
  busy_pids+=("$!")
done
echo "under-load: started $BUSY busy processes (at most ${LIMIT} s)"

waited=0
until at_least "$(cut -d' ' -f1 /proc/loadavg)" "$TARGET"; do
  if [ "$waited" -ge "$WARMUP" ]; then
    echo "under-load: the load average did not reach $TARGET in ${WARMUP} s ($(load_now))" >&2
    exit 2
  fi
  sleep 5
  waited=$((waited + 5))
done
echo "under-load: load average $(load_now) after ${waited} s; running the tests"

(
  while :; do
    line="$(date -u +%H:%M:%S) $(load_now)"
    echo "$line" >>"$samples"
    echo "under-load: load average $line"
    sleep "$EVERY"
  done
) &
sampler_pid="$!"

set +e
# README's test command, verbatim, then any arguments given to this script.
python3 -m venv .venv && .venv/bin/pip install -q -e ".[test]" && .venv/bin/python -m pytest -q "$@"
status=$?
set -e

echo "$(date -u +%H:%M:%S) $(load_now)" >>"$samples"
stop_load
awk -v target="$TARGET" '
  { n++; if (n == 1 || $2 < low) low = $2; if ($2 > high) high = $2 }
  END {
    printf "under-load: %d samples of the 1-minute load average during the tests: ", n
    printf "lowest %s, highest %s (target %s)\n", low, high, target
    if (low < target) print "under-load: the load average fell below the target at times"
  }' "$samples"
echo "under-load: the tests exited with status $status"
exit "$status"
