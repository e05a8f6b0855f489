#!/usr/bin/env bash
# klp-pack build of a cumulative live patch module from N fixes (default 10) against the installed
# kernel headers, wall time, beside the floor: a plain 'make -C /lib/modules/<kernel>/build M=…'
# of the same generated sources, in the same run. Median of RUNS (default 3) each.
# klp-pack build = read and check the fix tree + generate + kbuild + livepatch relocations + signed RPM.
# Usage: bench/build-bench.sh [FIXES] [RUNS] [KERNEL]   (needs linux-headers-<KERNEL>, gcc, make)
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
fixes="${1:-10}"
runs="${2:-3}"
kernel="${3:-$(ls /lib/modules | grep -E '^6\.1\.' | head -1)}"
build="/lib/modules/$kernel/build"
[ -n "$kernel" ] && [ -f "$build/include/generated/utsrelease.h" ] || { echo "no kernel headers for '$kernel' (install linux-headers-amd64)" >&2; exit 2; }
[ "$fixes" -ge 2 ] || { echo "refusing a degenerate workload: $fixes fix(es); a cumulative module needs 2 or more" >&2; exit 2; }
pack="$top/bin/klp-pack"
"$pack" --help >/dev/null   # builds the jar once, outside the measurement
work="$(mktemp -d /tmp/klp-build-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
jobs="$(nproc)"

# The workload: FIXES fixes, each replacing one function with code of its own; the first also
# reads a non-exported variable through a livepatch relocation.
funcs=(cmdline_proc_show version_proc_show meminfo_proc_show loadavg_proc_show uptime_proc_show stat_open
       show_interrupts c_show devinfo_show show_softirqs)
for i in $(seq 1 "$fixes"); do
  d="$work/fixes/fix-$(printf %02d "$i")"
  mkdir -p "$d"
  old="${funcs[$(( (i - 1) % ${#funcs[@]} ))]}"
  [ "$i" -le "${#funcs[@]}" ] || old="${old}_$i"
  printf 'id = CVE-2026-%04d\ncvss = %d.%d\nsummary = bench fix %d\nstates = %d:1\n' "$i" $(( i % 10 )) $(( i % 7 )) "$i" "$i" > "$d/fix.properties"
  [ "$i" -ne 1 ] || echo "kernel-symbols = vmlinux:saved_command_line" >> "$d/fix.properties"
  echo "vmlinux $old klp_fix${i}_$old" > "$d/patched_funcs.csv"
  {
    echo '#include <linux/seq_file.h>'
    echo '#include <linux/string.h>'
    [ "$i" -ne 1 ] || echo 'extern char *saved_command_line;'
    echo "static int fix${i}_helper(const char *s) { return (int)strlen(s) + $i; }"
    echo "int klp_fix${i}_$old(struct seq_file *m, void *v)"
    echo '{'
    if [ "$i" -eq 1 ]; then echo '	seq_printf(m, "%s %d\n", saved_command_line, fix1_helper(saved_command_line));';
    else echo "	seq_printf(m, \"fix $i %d\\n\", fix${i}_helper(\"bench\"));"; fi
    echo '	return 0;'
    echo '}'
  } > "$d/fix.c"
done
mkdir -p "$work/empty" "$work/repo"
"$pack" build --kernel "$kernel" --version 1 --fixes "$work/empty" --output "$work/repo" --kernel-released 2026-01-01 >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }
klp_times=() make_times=()
for r in $(seq "$runs"); do
  rm -rf "$work/out" "$work/kept" && mkdir -p "$work/out" && cp "$work/repo"/*.rpm "$work/out/"
  t0=$(date +%s%N)
  "$pack" build --kernel "$kernel" --version 2 --fixes "$work/fixes" --repo "$work/out" --jobs "$jobs" --work-dir "$work/kept" >/dev/null
  t1=$(date +%s%N)
  klp_times+=($(( (t1 - t0) / 1000000 )))
  # the floor: the same generated sources, built by kbuild alone
  rm -rf "$work/plain" && mkdir -p "$work/plain"
  (cd "$work/kept" && find . -name '*.c' -o -name '*.h' -o -name Kbuild | grep -v '\.mod\.c$' | cpio -pdm --quiet "$work/plain")
  t0=$(date +%s%N)
  make -s -C "$build" M="$work/plain" -j"$jobs" KBUILD_MODPOST_WARN=1 modules >/dev/null 2>&1
  t1=$(date +%s%N)
  make_times+=($(( (t1 - t0) / 1000000 )))
done
ko="$(ls "$work/plain"/*.ko)"
n="$(modinfo -F function "$ko" | wc -l)"
[ "$n" -eq "$fixes" ] || { echo "degenerate run: the module replaces $n functions, not $fixes" >&2; exit 3; }
[ -f "$work/out/$(ls "$work/out" | grep -- '-2-1\.' )" ] || { echo "degenerate run: no version 2 package" >&2; exit 3; }
k=$(printf '%s\n' "${klp_times[@]}" | median)
m=$(printf '%s\n' "${make_times[@]}" | median)
echo "klp-pack build: $fixes fixes ($n functions, 1 livepatch relocation) against $kernel headers, -j$jobs, median of $runs, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-60s %7d ms   runs: %s\n' "klp-pack build --version 2 (fixes to signed RPM)" "$k" "${klp_times[*]}"
printf '%-60s %7d ms   runs: %s\n' "floor: make -C $build M=… modules (same sources)" "$m" "${make_times[*]}"
awk -v k="$k" -v m="$m" 'BEGIN { printf "ratio klp-pack build / make: %.2fx (overhead %d ms)\n", k / m, k - m }'
