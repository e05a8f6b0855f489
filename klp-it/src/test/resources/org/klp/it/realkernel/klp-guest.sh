# klp-guest.sh: bash library of the klp test guest, sourced by /work/.klp/run.sh in the chroot.
#
# The scenario runs its steps in this one shell, in order, each sourced from its own file with
# stdout and stderr redirected to files, so variables, functions and background jobs carry
# over from step to step. After each step the console gets, between markers, its stdout and
# stderr in base64 (kernel lines can never be mistaken for output, and every byte survives)
# and its exit code:
#
#   @@KLP:BEGIN <run>
#   @@KLP:STEP-BEGIN <index> <name> <epoch-us>
#   @@KLP:OUT <index> <base64>       (any number of lines)
#   @@KLP:ERR <index> <base64>
#   @@KLP:STEP-END <index> <exit-code> <epoch-us>
#   @@KLP:END <run>
#
# A step must not `exit`: that would end the scenario. Helpers for steps follow below.

klp_us() { printf -v "$1" '%s' "${EPOCHREALTIME/./}"; }

klp_emit() { # klp_emit OUT|ERR INDEX FILE (nothing for an empty file)
	[ -s "$3" ] || return 0
	base64 -w 64 "$3" | sed "s/^/@@KLP:$1 $2 /"
}

klp_begin() {
	mkdir -p /tmp/klp-steps
	mkfifo /tmp/klp-nap
	exec {KLP_NAP_FD}<> /tmp/klp-nap
	echo "@@KLP:BEGIN $1"
}

klp_step() { # klp_step INDEX NAME FILE
	local out=/tmp/klp-steps/$1.out err=/tmp/klp-steps/$1.err rc begin end
	klp_us begin
	echo "@@KLP:STEP-BEGIN $1 $2 $begin"
	. "$3" > "$out" 2> "$err" < /dev/null
	rc=$?
	klp_us end
	klp_emit OUT "$1" "$out"
	klp_emit ERR "$1" "$err"
	echo "@@KLP:STEP-END $1 $rc $end"
}

klp_end() {
	sync
	echo "@@KLP:END $1"
}

# klp_nap SECONDS: sleeps without a fork (fractions allowed).
klp_nap() { read -r -t "$1" -u "$KLP_NAP_FD" _ 2>/dev/null; return 0; }

# klp_wait_for FILE VALUE SECONDS: waits until the first line of FILE is VALUE, polling every
# 10 ms without forking; prints the milliseconds it waited, or fails after SECONDS saying so.
klp_wait_for() {
	local file=$1 want=$2 limit=$(( $3 * 1000000 )) start now value
	klp_us start
	while :; do
		value=
		read -r value < "$file" 2>/dev/null
		[ "$value" = "$want" ] && break
		klp_us now
		if (( now - start > limit )); then
			echo "klp_wait_for: $file is '$value', not '$want', after $3 s" >&2
			return 1
		fi
		klp_nap 0.01
	done
	klp_us now
	echo $(( (now - start) / 1000 ))
}

# klp_wait_gone PATH SECONDS: waits until PATH no longer exists; prints the milliseconds waited.
klp_wait_gone() {
	local path=$1 limit=$(( $2 * 1000000 )) start now
	klp_us start
	while [ -e "$path" ]; do
		klp_us now
		if (( now - start > limit )); then
			echo "klp_wait_gone: $path still exists after $2 s" >&2
			return 1
		fi
		klp_nap 0.01
	done
	klp_us now
	echo $(( (now - start) / 1000 ))
}

# klp_capture NAME: copies the kernel's live patching view, byte for byte, into the tar archive
# /work/out/fixtures/NAME.tar (GuestFolder.unpack extracts it on the host), as a root folder:
#   sys/kernel/livepatch/**   every file; empty folders get a .keep file
#   sys/module/<klp*>/{refcnt,taint}, proc/modules, proc/sys/kernel/{tainted,osrelease}
#   proc/<pid>/{comm,cmdline,patch_state,stack}, proc/<pid>/task/<tid>/{comm,patch_state,stack}
# and NAME/capture.txt: when, the mode of each livepatch file and every read error (pids that
# vanished meanwhile, write-only files). The snapshot goes to tmpfs first, in one cp for all of
# /proc, so the tasks are seen within milliseconds of each other; one archive then crosses the
# 9p share (hundreds of small files would take seconds under TCG).
klp_capture() {
	local snap=/tmp/klp-capture/$1 dst=/work/out/fixtures/$1.tar
	rm -rf "$snap" "$dst"
	mkdir -p "$snap" /work/out/fixtures
	(
		cd / || exit 1
		cp -r --parents sys/kernel/livepatch "$snap" 2> "$snap.errors"
		cp --parents proc/modules proc/sys/kernel/tainted proc/sys/kernel/osrelease \
			sys/module/klp_*/refcnt sys/module/klp_*/taint "$snap" 2>> "$snap.errors"
		cp --parents proc/[0-9]*/comm proc/[0-9]*/cmdline proc/[0-9]*/patch_state \
			proc/[0-9]*/stack proc/[0-9]*/task/[0-9]*/comm proc/[0-9]*/task/[0-9]*/patch_state \
			proc/[0-9]*/task/[0-9]*/stack "$snap" 2>> "$snap.errors"
		{
			echo "# klp_capture $1: $(uname -r), uptime $(cut -d' ' -f1 /proc/uptime) s"
			echo "# mode type path"
			find sys/kernel/livepatch -printf '%m %y %p\n' | sort -k3
			echo "# read errors"
			cat "$snap.errors"
		} > "$snap/capture.txt"
		find "$snap/sys" -type d -empty -exec touch {}/.keep \;
	)
	tar -C "$snap" -cf "$dst" . && echo "captured $1: $(find "$snap" -type f | wc -l) files"
	rm -rf "$snap" "$snap.errors"
}
