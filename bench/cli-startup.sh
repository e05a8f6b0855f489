#!/usr/bin/env bash
# Wall time of the klp host tool on a simulated host, median of N runs (default 10):
#   klp status and klp -v patches with 1 loaded patch and 500 tasks, with and without the
#   class-data sharing archive (AppCDS) bin/klp uses; klp blocking over 5,000 tasks during a
#   blocked transition; and, as the peer in the same run, the shell a script-based klp (SUSE's is
#   a bash script) runs to answer "klp status".
# Usage: bench/cli-startup.sh [RUNS]
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-10}"
klp="$top/bin/klp"
[ -f "$top/klp-cli/target/klp.jar" ] || (cd "$top" && mvn -q -B -ntp -pl klp-cli -am package -DskipTests)
work="$(mktemp -d /tmp/klp-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
kernel=6.1.0-56-amd64

median_ms() { # command... → median wall time in ms over $runs runs
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'
}

"$klp" sim create "$work/h500" --kernel $kernel --tasks 489 --module target >/dev/null
"$klp" --root "$work/h500" sim make-module "$work/p1.ko" --name klp_patch_1 --kernel $kernel --function target:f >/dev/null
"$klp" --root "$work/h500" apply "$work/p1.ko" >/dev/null

"$klp" sim create "$work/h5000" --kernel $kernel --tasks 4989 --clock manual --module target >/dev/null
"$klp" --root "$work/h5000" sim make-module "$work/p2.ko" --name klp_patch_2 --kernel $kernel --function target:f --function target:g >/dev/null
"$klp" --root "$work/h5000" apply "$work/p1.ko" >/dev/null
"$klp" --root "$work/h5000" sim task sleep --in target:g >/dev/null
"$klp" --root "$work/h5000" apply "$work/p2.ko" --timeout 1 --on-timeout=wait >/dev/null || true

echo "klp startup, median of $runs runs, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-58s %6s ms\n' "klp status (500 tasks, AppCDS)"            "$(median_ms "$klp" --root "$work/h500" status)"
printf '%-58s %6s ms\n' "klp status (500 tasks, no AppCDS)"         "$(median_ms env KLP_CDS=0 "$klp" --root "$work/h500" status)"
printf '%-58s %6s ms\n' "klp -v patches (AppCDS)"                   "$(median_ms "$klp" --root "$work/h500" -v patches)"
printf '%-58s %6s ms\n' "klp -v patches (no AppCDS)"                "$(median_ms env KLP_CDS=0 "$klp" --root "$work/h500" -v patches)"
printf '%-58s %6s ms\n' "klp blocking (5,000 tasks, 1 blocker, AppCDS)" "$(median_ms "$klp" --root "$work/h5000" blocking)"
printf '%-58s %6s ms\n' "klp blocking -vv (5,000 tasks, AppCDS)"    "$(median_ms "$klp" --root "$work/h5000" blocking -vv)"
printf '%-58s %6s ms\n' "peer: shell 'klp status' (bash reading transition files)" "$(median_ms bash "$top/bench/peer-status.sh" "$work/h500")"
printf '%-58s %6s ms\n' "peer: shell 'klp blocking' (greps 5,000 patch_state files)" \
  "$(median_ms bash -c "grep -l '^0' $work/h5000/proc/*/task/*/patch_state")"
