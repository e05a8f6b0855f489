#!/usr/bin/env bash
# What asking the rpm database costs klp: 'klp -v patches' and 'klp -v status' on a simulated SUSE
# host whose live patch packages the real rpm installed (SUSE names and changelogs, no klp record),
# against the floor measured in the same run: the same klp command on the same host with the rpm
# database moved aside (klp's records only) plus one bare 'rpm -qa kernel-livepatch-*' query.
# Median of RUNS (default 10). Workload: PACKAGES installed live patch packages (default 20, one per
# kernel), 12 fixes in each changelog, one loaded. Needs rpm and rpmbuild.
# Usage: bench/rpm-identity.sh [RUNS] [PACKAGES]
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-10}"
packages="${2:-20}"
klp="$top/bin/klp"
command -v rpmbuild >/dev/null || { echo "rpmbuild is missing (bin/setup installs rpm)" >&2; exit 2; }
[ -f "$top/klp-cli/target/klp.jar" ] || (cd "$top" && mvn -q -B -ntp -pl klp-cli -am package -DskipTests)
work="$(mktemp -d /tmp/klp-rpm-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
root="$work/host"
db=/usr/lib/sysimage/rpm

median_ms() { # command... → median wall time in ms over $runs runs
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'
}

running=5.14.21-150500.55.1-default
"$klp" sim create "$root" --kernel $running --module klp_target >/dev/null
rpm --root "$root" --dbpath $db --initdb
mkdir -p "$work/top/SOURCES" "$work/top/SPECS"
for i in $(seq 1 "$packages"); do
  kernel="5.14.21-150500.55.$i-default"
  name="kernel-livepatch-5_14_21-150500_55_$i-default"
  "$klp" sim make-module "$work/top/SOURCES/livepatch-3-3_1.ko" --name livepatch_3_3_1 --kernel "$kernel" \
    --function klp_target:klp_target_message >/dev/null
  {
    printf '%%define debug_package %%{nil}\n%%global __os_install_post %%{nil}\n'
    printf 'Name: %s\nVersion: 3\nRelease: 3.1\nSummary: live patch\nLicense: GPL-2.0-only\nSource0: livepatch-3-3_1.ko\n' "$name"
    printf '%%description\nlive patch\n%%install\nmkdir -p %%{buildroot}/lib/modules/%s/livepatch\n' "$kernel"
    printf 'install -m 644 %%{SOURCE0} %%{buildroot}/lib/modules/%s/livepatch/\n' "$kernel"
    printf '%%files\n/lib/modules/%s/livepatch/livepatch-3-3_1.ko\n%%changelog\n' "$kernel"
    printf '* Thu Dec 05 2024 bench@example.org\n'
    for f in $(seq 1 12); do
      printf -- '- Fix for CVE-2024-%05d ("fix number %d of the stream") (bsc#12%05d).\n' "$f" "$f" "$f"
    done
  } > "$work/top/SPECS/$i.spec"
  rpmbuild -bb --quiet --define "_topdir $work/top" --target x86_64 "$work/top/SPECS/$i.spec" >/dev/null 2>&1
  rpm --root "$root" --dbpath $db -i --nodeps --noscripts "$work/top/RPMS/x86_64/$name-3-3.1.x86_64.rpm" 2>/dev/null
done
"$klp" --root "$root" apply "$root/lib/modules/$running/livepatch/livepatch-3-3_1.ko" >/dev/null

# refuse a degenerate workload: every package installed, the loaded one known by its RPM line and fixes
installed=$(rpm --root "$root" --dbpath $db -qa 'kernel-livepatch-*' | wc -l)
shown=$("$klp" --root "$root" -v patches)
[ "$installed" -eq "$packages" ] || { echo "degenerate: $installed of $packages packages installed" >&2; exit 1; }
grep -q "RPM: kernel-livepatch-5_14_21-150500_55_1-default-3-3.1.x86_64" <<<"$shown" \
  && [ "$(grep -o 'CVE-2024-[0-9]*' <<<"$shown" | sort -u | wc -l)" -eq 12 ] \
  || { echo "degenerate: klp -v patches did not show the package and its 12 CVEs:" >&2; echo "$shown" >&2; exit 1; }

with_patches=$(median_ms "$klp" --root "$root" -v patches)
with_status=$(median_ms "$klp" --root "$root" -v status)
rpm_alone=$(median_ms rpm --root "$root" --dbpath $db -qa --qf '%{NAME}\n[%{FILENAMES}\n][%{CHANGELOGTEXT}\n]' 'kernel-livepatch-*')
mv "$root/usr/lib/sysimage/rpm" "$work/db-aside"
without_patches=$(median_ms "$klp" --root "$root" -v patches)
without_status=$(median_ms "$klp" --root "$root" -v status)
mv "$work/db-aside" "$root/usr/lib/sysimage/rpm"

echo "klp and the rpm database: $packages installed live patch packages, 12 fixes each, 1 loaded; median of $runs runs,"
echo "$(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-62s %6s ms\n' "rpm -qa 'kernel-livepatch-*' with files and changelogs (alone)" "$rpm_alone"
printf '%-62s %6s ms\n' "klp -v patches, klp's records only (database moved aside)" "$without_patches"
printf '%-62s %6s ms\n' "klp -v patches, from the rpm database" "$with_patches"
printf '%-62s %6s ms\n' "klp -v status, klp's records only" "$without_status"
printf '%-62s %6s ms\n' "klp -v status, from the rpm database" "$with_status"
awk -v a="$with_patches" -v b="$without_patches" -v r="$rpm_alone" -v s="$with_status" -v t="$without_status" 'BEGIN {
  printf "ratio klp -v patches / (records only + rpm alone): %.2f\n", a / (b + r)
  printf "ratio klp -v status  / (records only + rpm alone): %.2f\n", s / (t + r) }'
