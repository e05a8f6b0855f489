#!/usr/bin/env bash
# The fleet CVE audit at a million hosts: a synthetic fleet (1,000,000 hosts over 2,000 postures,
# 20,000 CVEs) bulk-loaded into PostgreSQL (COPY) and/or H2 (batched inserts), the server started on
# it as its own process with -Xmx2g, measured over its HTTP API; the naive per-host computation in
# the same run for the ratio. Bounded: every wait has a deadline (15 min for the server's start),
# each step runs once; about 10 minutes per database on 2 cores. The fleet's worst-verdict mix is
# checked against the one the generator intends before anything is measured: exit 3, no figures,
# when it is degenerate (one verdict for nearly all hosts, hosts missing, or a verdict 3 points off).
# Usage: bench/audit-load.sh [h2|postgres|both] [--hosts 1000000] [--postures 2000] [--cves 20000]
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
which="${1:-both}"; shift || true
cd "$top"
cp="$(mktemp /tmp/klp-bench-cp.XXXXXX)"
trap 'rm -f "$cp"' EXIT
mvn -q -B -ntp -pl klp-server -am test-compile dependency:build-classpath -Dmdep.outputFile="$cp" -Dmdep.includeScope=test >/dev/null
classpath="$top/klp-server/target/test-classes:$top/klp-server/target/classes:$top/klp-core/target/classes:$top/klp-packaging/target/classes:$top/klp-cli/target/classes:$top/klp-kernel/target/classes:$(cat "$cp")"
run() { timeout 3600 java ${BENCH_JAVA_OPTS:-} -Xmx4g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$classpath" org.klp.server.bench.AuditLoad --db "$1" "${@:2}"; }
case "$which" in
  h2) run h2 "$@" ;;
  postgres) run postgres "$@" ;;
  both) run postgres "$@"; run h2 "$@" ;;
  *) echo "usage: bench/audit-load.sh [h2|postgres|both] [options]" >&2; exit 2 ;;
esac
