#!/usr/bin/env bash
# Copies the fixture trees that LivePatchLifecycleOnRealKernelTest captured in the guest
# (klp-it/target/realkernel/lifecycle/out/fixtures/<stage>) into klp-kernel's test resources,
# trimmed to a handful of tasks:
#   init (pid 1), kthreadd, ksoftirqd/0, the first kworker, the scenario's shell (the first
#   bash), the blockers (the sleeper `cat`, kthread klp_target_spin)
# Everything else (sys/kernel/livepatch, sys/module/*/{refcnt,taint}, proc/modules,
# proc/sys/kernel/{tainted,osrelease}, capture.txt) is copied unchanged, byte for byte, and each
# sys/kernel/livepatch/<patch>/force (write-only, so the capture could not read it) is added as
# an empty placeholder.
#
#   mvn -B -q -pl klp-it -am test -Dtest=LivePatchLifecycleOnRealKernelTest
#   klp-it/scripts/trim-real-kernel-fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
src=${1:-klp-it/target/realkernel/lifecycle/out/fixtures}
dst=${2:-klp-kernel/src/test/resources/fixtures/real-6.1}

for stage in no-patch v1-active blocked-v1-to-v2 forced-v3; do
	from=$src/$stage
	to=$dst/$stage
	[ -d "$from/sys/kernel/livepatch" ] || { echo "no capture in $from: run the test first" >&2; exit 1; }
	rm -rf "$to"
	mkdir -p "$to"
	(cd "$from" && cp -r --parents sys proc/modules proc/sys capture.txt "$OLDPWD/$to")
	for patch in "$to"/sys/kernel/livepatch/*/; do
		[ -d "$patch" ] && : > "$patch/force"
	done
	first_bash= first_kworker=
	for p in $(cd "$from/proc" && ls -d [0-9]* | sort -n); do
		comm=$(cat "$from/proc/$p/comm" 2>/dev/null || true)
		keep=
		case $comm in
			init|kthreadd|ksoftirqd/0|klp_target_spin|cat) keep=1 ;;
			bash) [ -z "$first_bash" ] && first_bash=$p && keep=1 ;;
			kworker/*) [ -z "$first_kworker" ] && first_kworker=$p && keep=1 ;;
		esac
		[ -n "$keep" ] && (cd "$from" && cp -r --parents "proc/$p" "$OLDPWD/$to")
	done
	echo "$to: $(find "$to" -type f | wc -l) files, $(du -sb "$to" | cut -f1) bytes"
done
