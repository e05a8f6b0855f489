#!/usr/bin/env bash
# Check-in throughput and p99 latency of klp-server on loopback, with 100,000 registered systems,
# on H2 and on PostgreSQL (a real PostgreSQL 18 from zonky's binaries, started by the bench).
# Bounded: a warm-up of 10–90 s (until the JIT has compiled the check-in path) + 20 s measured per database, 64 closed-loop connections;
# a window in which the JIT compilers still take over 10% of the server's CPU is refused (exit 3): it measures compilation. Prints the server's
# own CPU a check-in (the JVM minus the load generator's threads), the load generator's, PostgreSQL's,
# the JVM's by thread kind, and a JDK Flight Recorder summary of where the server's threads spend it.
# Usage: bench/checkin-load.sh [h2|postgres|both] [extra CheckinLoad options, e.g. --connections 128 --seconds 30 --top 25]
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
which="${1:-both}"; shift || true
cd "$top"
cp="$(mktemp /tmp/klp-bench-cp.XXXXXX)"
trap 'rm -f "$cp"' EXIT
mvn -q -B -ntp -pl klp-server -am test-compile dependency:build-classpath -Dmdep.outputFile="$cp" -Dmdep.includeScope=test >/dev/null
classpath="$top/klp-server/target/test-classes:$top/klp-server/target/classes:$(cat "$cp")"
run() { timeout 600 java ${BENCH_JAVA_OPTS:-} -Xmx4g ${BENCH_GC:--XX:+UseParallelGC} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$classpath" org.klp.server.bench.CheckinLoad --db "$1" "${@:2}"; }
case "$which" in
  h2) run h2 "$@" ;;
  postgres) run postgres "$@" ;;
  both) run h2 "$@"; run postgres "$@" ;;
  *) echo "usage: bench/checkin-load.sh [h2|postgres|both] [options]" >&2; exit 2 ;;
esac
