#!/usr/bin/env bash
# klp-pack repo publish vs createrepo_c (full and --update) over synthetic live patch packages.
# Usage: bench/publish-bench.sh [PACKAGES (2000)] [RUNS (3)]. Needs createrepo-c (apt-get install createrepo-c).
set -euo pipefail
top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v createrepo_c >/dev/null || { echo "createrepo_c is missing: apt-get install createrepo-c" >&2; exit 3; }
"$top/bin/klp-pack" --version >/dev/null   # builds klp-packaging/target/klp-pack.jar when stale
exec timeout 3000 java -Dklp.top="$top" -cp "$top/klp-packaging/target/klp-pack.jar" "$top/bench/PublishBench.java" "$@"
