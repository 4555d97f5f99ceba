#!/usr/bin/env bash
# The long load run (the test suite runs a few seconds of the same in tests/test_reliability_load.py).
#
#   bench/load.sh                     # 60 s, 32 connections, against the current build/
#   DURATION=300 CONNECTIONS=64 bench/load.sh
#   REBUILD=1 bench/load.sh           # also rebuild the data into the served folder every 10 s
#
# Starts the production server command (the README's, read by bench/production.py) on 127.0.0.1 and a
# free port, warms it up, runs wrk with bench/load_mix.lua (resource pages in every
# format, SPARQL queries, catalog pages, VoID, dumps) and prints wrk's report, the status counts and the
# latency percentiles. Only 127.0.0.1 is ever contacted. Needs wrk (Debian package `wrk`).
# MIX=routes loads only the routes of issue 17's table; bench/load_mix.py adds timed rebuilds, a remote
# publish and py-spy dumps.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
REBUILD=${REBUILD:-0}
MIX=${MIX:-}
BUILD_DIR=${IKPE_BUILD_DIR:-build}
PORT=${PORT:-$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
URL="http://127.0.0.1:${PORT}"

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
[ -e "${BUILD_DIR}/current" ] || .venv/bin/ikpe-lod --build-dir "${BUILD_DIR}" build

# one client address for all connections: the per-client limits would measure themselves
export IKPE_BUILD_DIR="${BUILD_DIR}" IKPE_LIMIT_CLIENT_REQUESTS=0 IKPE_LIMIT_CLIENT_QUERIES=0 \
       IKPE_LIMIT_CONCURRENT_QUERIES=0 IKPE_LOG_LEVEL=WARNING
LOG=$(mktemp -t ikpe-load-XXXXXX.log)
mapfile -t SERVE < <(.venv/bin/python bench/production.py "${PORT}")  # the README's production command
"${SERVE[@]}" >"${LOG}" 2>&1 &
SERVER=$!
REBUILDER=""
cleanup() {
  [ -n "${REBUILDER}" ] && kill "${REBUILDER}" 2>/dev/null || true
  kill -TERM "${SERVER}" 2>/dev/null || true
  wait "${SERVER}" 2>/dev/null || true
}
trap cleanup EXIT

for _ in $(seq 1 120); do
  curl -fsS -o /dev/null "${URL}/robots.txt" 2>/dev/null && break
  sleep 0.5
done
for _ in $(seq 1 12); do  # every worker loads the release and starts its SPARQL processes
  curl -fsS -o /dev/null "${URL}/sparql?query=ASK%7B%7D" || true
  curl -fsS -o /dev/null "${URL}/doc/project/thilik" || true
done

if [ "${REBUILD}" = "1" ]; then
  ( while sleep 10; do .venv/bin/ikpe-lod --build-dir "${BUILD_DIR}" build >/dev/null 2>&1 || echo "rebuild failed" >&2; done ) &
  REBUILDER=$!
fi

echo "wrk: ${DURATION}s, ${CONNECTIONS} connections, ${THREADS} threads, $(nproc) CPUs, rebuild=${REBUILD}"
wrk -t"${THREADS}" -c"${CONNECTIONS}" -d"${DURATION}s" --timeout 30s --latency -s bench/load_mix.lua "${URL}" ${MIX:+-- "${MIX}"} \
  | tee /dev/stderr | awk '/^STATUS/ {n[$2] += $3} END {for (s in n) printf "status %s: %d\n", s, n[s]}'
if grep -q "Traceback" "${LOG}"; then echo "tracebacks in the server log: ${LOG}" >&2; exit 1; fi
rm -f "${LOG}"
