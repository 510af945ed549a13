#!/usr/bin/env bash
# Throughput of 1, 2 and 3 Kessai replicas on one PostgreSQL database (docs/scaling.md), outside the test suite:
# each count starts its replicas as child JVMs on a fresh schema of the machine's PostgreSQL (127.0.0.1:5432,
# database test, or KESSAI_TEST_PG_URL), with one GMO sandbox and one event sink, and a client spreads a stream of
# card payments over them. Prints one table row per count. Exit status 0 when every run lost nothing, charged
# nothing twice and settled everything.
#
#   bench/replicas.sh                                  # 200 payments, 16 client threads, 1,2,3 replicas
#   bench/replicas.sh --payments 2000 --workers 32 --replicas 1,2
#
# Needs Java 17 and Maven (offline is fine).
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
CP="$PWD/target/test-classes:$PWD/target/classes:$(cat target/bench-classpath.txt)"

nproc; free -m | head -2; uptime; java -version 2>&1 | head -1
java -Xmx512m -cp "$CP" io.kessai.soak.ReplicaThroughput "$@"
