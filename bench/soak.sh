#!/usr/bin/env bash
# The crash soak (outside the test suite): thousands of card payments through Kessai as a child process that is
# killed with SIGKILL again and again, with a PostgreSQL restart half-way, then the counts of the kill -9 test as a
# table (docs/reliability.md). Exit status 0 when nothing was lost, charged twice or left unsettled.
#
#   bench/soak.sh                      # PostgreSQL (a private throw-away cluster) and H2, 1500 payments each, a kill -9 every 250 answers
#   bench/soak.sh --store h2 --payments 5000 --kill-every 500
#   SOAK_PG=machine bench/soak.sh      # the machine's PostgreSQL (127.0.0.1:5432, database test), restarted with
#                                      # pg_ctlcluster: only on a machine nobody else is using
#
# Other arguments go to io.kessai.soak.CrashSoak (see its javadoc). Needs Java 17 and Maven (offline is fine).
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/soak-classpath.txt -Dmdep.includeScope=test
CP="$PWD/target/test-classes:$PWD/target/classes:$(cat target/soak-classpath.txt)"

PG_ARGS=()
PG_DIR=""
cleanup() {
  if [ -n "$PG_DIR" ]; then
    $AS_PG "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
trap cleanup EXIT

if [[ " $* " != *" --store h2 "* ]]; then
  if [ "${SOAK_PG:-private}" = machine ]; then
    VERSION=$(ls /etc/postgresql | head -1)
    PG_ARGS=(--pg-url "jdbc:postgresql://127.0.0.1:5432/test" --pg-user postgres
             --pg-restart "pg_ctlcluster --skip-systemctl-redirect $VERSION main restart")
  else
    # A private cluster on a free port, so that restarting it disturbs nobody else's PostgreSQL.
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$PG_BIN" ] || { echo "no PostgreSQL binaries under /usr/lib/postgresql: use --store h2" >&2; exit 2; }
    AS_PG=""
    if [ "$(id -u)" = 0 ]; then AS_PG="runuser -u postgres --"; fi
    PG_DIR=$(mktemp -d /tmp/kessai-soak-pg.XXXXXX)
    [ -z "$AS_PG" ] || chown postgres "$PG_DIR"
    PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    $AS_PG "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust >/dev/null
    PG_START="$AS_PG $PG_BIN/pg_ctl -D $PG_DIR/data -l $PG_DIR/log -w -o '-p $PG_PORT -h 127.0.0.1 -k $PG_DIR -c fsync=on'"
    eval "$PG_START start" >/dev/null
    PG_ARGS=(--pg-url "jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" --pg-user postgres
             --pg-restart "$PG_START -m fast restart")
  fi
fi

nproc; free -m | head -2; java -version 2>&1 | head -3
java -Xmx1g -cp "$CP" io.kessai.soak.CrashSoak "${PG_ARGS[@]}" "$@"
