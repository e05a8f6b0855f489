#!/usr/bin/env bash
# The server's heap while it imports hostile CVE feeds of 64 MiB (the API's limit): klp-server serve
# as its own process with -Xmx256m and G1's log; the idle heap after a full GC, measured in the same
# run, is the floor the figures are set against. Feeds: garbage lines, 1 MiB lines, well-formed
# records each refused, good records with over-long ids among them. A few minutes on 2 cores.
# Usage: bench/feed-heap.sh
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
cd "$top"
cp="$(mktemp /tmp/klp-bench-cp.XXXXXX)"
trap 'rm -f "$cp"' EXIT
mvn -q -B -ntp -pl klp-server -am test-compile dependency:build-classpath -Dmdep.outputFile="$cp" -Dmdep.includeScope=test >/dev/null
classpath="$top/klp-server/target/test-classes:$top/klp-server/target/classes:$top/klp-core/target/classes:$top/klp-packaging/target/classes:$top/klp-cli/target/classes:$top/klp-kernel/target/classes:$(cat "$cp")"
timeout 3600 java ${BENCH_JAVA_OPTS:-} -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$classpath" org.klp.server.bench.FeedHeap
