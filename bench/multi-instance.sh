#!/usr/bin/env bash
# Two klp-server instances on one PostgreSQL (a real PostgreSQL 18 from zonky's binaries, started by
# the bench), in one run: check-ins per second and latency against one instance, then the same
# clients spread over both; then, under a paced load of --rate check-ins/s through instance A, how
# long until B's follower has applied A's acknowledged check-in (no query asking) and how long a
# query on B takes to answer with it. Refuses the reflection figure on a degenerate workload.
# Bounded: 5 s warm-up + 20 s per throughput phase, 30 s of probes; every wait has a deadline.
# Usage: bench/multi-instance.sh [--systems 100000] [--connections 64] [--seconds 20] [--rate 1000] [--reflect-seconds 30]
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
cd "$top"
cp="$(mktemp /tmp/klp-bench-cp.XXXXXX)"
trap 'rm -f "$cp"' EXIT
mvn -q -B -ntp -pl klp-server -am test-compile dependency:build-classpath -Dmdep.outputFile="$cp" -Dmdep.includeScope=test >/dev/null
classpath="$top/klp-server/target/test-classes:$top/klp-server/target/classes:$(cat "$cp")"
timeout 900 java ${BENCH_JAVA_OPTS:-} -Xmx4g ${BENCH_GC:--XX:+UseParallelGC} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$classpath" org.klp.server.bench.MultiInstanceLoad "$@"
