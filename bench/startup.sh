#!/usr/bin/env bash
# Start-up benchmark (outside the test suite): starts the standalone Kessai N times and measures the wall time from
# launching the JVM to a ready API (GET /payments/nope answers 404), on a fresh data directory each run and then on
# one existing data directory (migrations already applied). Prints min / median / max in milliseconds and the load
# average before and after, so that two runs can be compared on the same machine load (docs/performance.md).
#
#   bench/startup.sh                           # 5 runs fresh + 5 runs on an existing data dir, java -jar target/kessai.jar
#   bench/startup.sh -n 9                      # 9 runs each
#   bench/startup.sh -- -XX:TieredStopAtLevel=1   # JVM options after --, passed before -jar
#   BENCH_CMD=bin/kessai bench/startup.sh      # measure a launcher instead of java -jar (it gets the same -D options)
#
# Needs target/kessai.jar (mvn -B -q -o package -DskipTests), curl and two free ports (BENCH_PORT, default 18931, and
# the next one for the management port).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=5
while [ $# -gt 0 ]; do
  case "$1" in
    -n) RUNS="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [-n RUNS] [-- JVM options]" >&2; exit 2 ;;
  esac
done
JVM_OPTS=("$@")
PORT="${BENCH_PORT:-18931}"
JAR="${BENCH_JAR:-target/kessai.jar}"
CMD="${BENCH_CMD:-}"
[ -n "$CMD" ] || [ -f "$JAR" ] || { echo "no $JAR: run mvn -B -q -o package -DskipTests first" >&2; exit 2; }

WORK=$(mktemp -d /tmp/kessai-startup.XXXXXX)
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
# The CPU time (user + system, all threads) the JVM has used so far, in ms: less sensitive to the machine's load
# than the wall time, which on a shared machine mostly measures the wait for a core.
TICK=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$TICK" '{ print int(($14 + $15) * 1000 / t) }' "/proc/$1/stat"; }

# One start: prints the milliseconds from launch to the first 404 and the CPU ms used by then, then stops Kessai
# (SIGTERM, waits for it).
one_run() {
  local data="$1" log="$2" start ready code cpu
  local props=(-Dkessai.http.port="$PORT" -Dkessai.management.port="$((PORT + 1))" "-Dkessai.db.url=jdbc:h2:file:$data/kessai;WRITE_DELAY=0")
  start=$(now_ms)
  if [ -n "$CMD" ]; then
    JAVA_OPTS="${JVM_OPTS[*]:-} ${props[*]}" "$CMD" >"$log" 2>&1 &
  else
    java "${JVM_OPTS[@]}" "${props[@]}" -jar "$JAR" >"$log" 2>&1 &
  fi
  PID=$!
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PORT/payments/nope" || true)
    if [ "$code" = 404 ]; then ready=$(now_ms); cpu=$(cpu_ms "$PID"); break; fi
    if ! kill -0 "$PID" 2>/dev/null; then echo "Kessai exited before it was ready; its log: $log" >&2; cat "$log" >&2; exit 1; fi
    if [ $(( $(now_ms) - start )) -gt 120000 ]; then echo "not ready after 120 s; its log: $log" >&2; exit 1; fi
    sleep 0.02
  done
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  echo "$(( ready - start )) $cpu"
}

stats() { # label, then the numbers
  local label="$1"; shift
  [ $# -gt 0 ] || return 0
  sort -n <<<"$(printf '%s\n' "$@")" | awk -v label="$label" '
    { v[NR] = $1 }
    END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
          printf "%-22s runs %2d   min %6d ms   median %6d ms   max %6d ms\n", label, NR, v[1], m, v[NR] }'
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)   cores: $(nproc)   JVM options: ${JVM_OPTS[*]:-(none)}${CMD:+   command: $CMD}"
fresh=(); fresh_cpu=(); existing=(); existing_cpu=()
for i in $(seq "$RUNS"); do
  read -r wall cpu <<<"$(one_run "$WORK/fresh-$i" "$WORK/fresh-$i.log")"
  fresh+=("$wall"); fresh_cpu+=("$cpu")
  echo "  fresh data dir    run $i: ready in $wall ms (CPU $cpu ms)"
done
one_run "$WORK/existing" "$WORK/existing-0.log" >/dev/null   # creates the data dir; not counted
for i in $(seq "$RUNS"); do
  read -r wall cpu <<<"$(one_run "$WORK/existing" "$WORK/existing-$i.log")"
  existing+=("$wall"); existing_cpu+=("$cpu")
  echo "  existing data dir run $i: ready in $wall ms (CPU $cpu ms)"
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
stats "fresh: ready" "${fresh[@]}"
stats "existing: ready" "${existing[@]}"
stats "fresh: CPU used" "${fresh_cpu[@]}"
stats "existing: CPU used" "${existing_cpu[@]}"
