#!/usr/bin/env bash
# Kessai's benchmarks (issue 16; outside the test suite): the standalone Kessai as a child JVM under an open-loop or
# closed-loop load over loopback, against the built-in sandboxes with a fixed service time. Prints tables and writes
# them to target/bench/results-<scenario>.md; docs/performance.md records the figures with the machine.
#
#   bench/run.sh                                  # every scenario (about 15 minutes)
#   bench/run.sh overhead --store h2 --rates 50,100,200,300 --runs 3 --seconds 10
#   bench/run.sh saturation | payjp | webhooks | captures [--captures 10000] | footprint
#   bench/run.sh overhead --jvm "-XX:TieredStopAtLevel=1"   # JVM options for Kessai's JVM
#
# PostgreSQL scenarios use 127.0.0.1:5432, database test (a fresh schema each). Needs Java 17 and Maven.
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
CP="$PWD/target/test-classes:$PWD/target/classes:$(cat target/bench-classpath.txt)"
exec java -Xmx2g -cp "$CP" io.kessai.bench.Benchmarks "$@"
