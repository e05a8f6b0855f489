#!/usr/bin/env bash
# The peer for bench/cli-startup.sh: what a shell-script klp (SUSE's is bash) does for "klp status".
root="${1:-}"
state=ready
for p in "$root"/sys/kernel/livepatch/*/; do
  [ -f "$p/transition" ] && [ "$(cat "$p/transition")" = 1 ] && state=in_progress
done
echo "$state"
