#!/usr/bin/env bash
# klp status and klp check against the floor of any Java program, `java -version`, run with the
# same JVM options bin/klp uses (printed below), side by side in one run: each round runs every
# command once, in a rotating order, so the machine's load falls on all of them alike. Reports, per
# Java runtime, the median and 90th percentile of wall time and of CPU time (user + system, steadier
# on a loaded machine) and their ratios to java -version's; the target is at most 1.5x.
#
# Workload: the files of two hosts simulated by klp (500 tasks), without the simulation's model, as
# a real host shows them (klp's reader cannot tell them apart): "ready" - one live patch loaded, no
# transition; "in transition" - an upgrade held back by a sleeping task. (On a simulated host klp
# also parses the simulation's model, which a real host does not have.)
# Every run's output and exit code is checked: "ready" and exit 0, "in_progress" and exit 1, java
# -version naming the expected runtime; the bench refuses to report when one was wrong or failed.
#
# Runtimes: `java` on the PATH (or JAVA_HOME), and every Java 25 or later under /usr/lib/jvm; for a
# Java 25 runtime the bench makes klp's AOT cache (klp-cli/target/klp-jdk25.aot) once, training it
# on `klp status`, as bin/klp uses it when it is there. "no archive" is klp status without klp's
# archive (KLP_CDS=0; the runtime's own class-data sharing only); "/usr/bin/klp" is the launcher the
# kernel-livepatch-tools package installs, run as a host runs it after its first run made its archive.
# Usage: bench/startup-ratio.sh [RUNS]      (default 21 rounds)
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-21}"
[ "$runs" -ge 5 ] || { echo "startup-ratio: RUNS must be at least 5, was $runs" >&2; exit 2; }
klp="$top/bin/klp"
jar="$top/klp-cli/target/klp.jar"
[ -f "$jar" ] || (cd "$top" && mvn -q -B -ntp -pl klp-cli -am package -DskipTests)
work="$(mktemp -d /tmp/klp-startup.XXXXXX)"
trap 'rm -rf "$work"' EXIT
kernel=6.1.0-56-amd64

# the hosts, made with the build's runtime
"$klp" sim create "$work/sim-ready" --kernel $kernel --tasks 489 --module target >/dev/null
"$klp" --root "$work/sim-ready" sim make-module "$work/p1.ko" --name klp_patch_1 --kernel $kernel --function target:f >/dev/null
"$klp" --root "$work/sim-ready" sim make-module "$work/p2.ko" --name klp_patch_2 --kernel $kernel --function target:f --function target:g >/dev/null
"$klp" --root "$work/sim-ready" apply "$work/p1.ko" >/dev/null
"$klp" sim create "$work/sim-busy" --kernel $kernel --tasks 489 --clock manual --module target >/dev/null
"$klp" --root "$work/sim-busy" apply "$work/p1.ko" >/dev/null
"$klp" --root "$work/sim-busy" sim task sleep --in target:g >/dev/null
"$klp" --root "$work/sim-busy" apply "$work/p2.ko" --timeout 1 --on-timeout=wait >/dev/null || true
for host in ready busy; do # what a real host shows: the files, without the simulation's model
  mkdir "$work/$host"
  (cd "$work/sim-$host" && tar --exclude=./.klp-sim -cf - .) | (cd "$work/$host" && tar -xf -)
done
[ "$("$klp" --root "$work/ready" status)" = ready ] || { echo "startup-ratio: the ready host is not ready" >&2; exit 1; }
[ "$("$klp" --root "$work/busy" status)" = in_progress ] || { echo "startup-ratio: the in-transition host is not in transition" >&2; exit 1; }

# the launcher the kernel-livepatch-tools package installs as /usr/bin/klp, with this jar and a cache folder of its own
sed -e "s#^jar=/usr/lib/klp/klp.jar#jar=$jar#" -e "s#^cache=/var/cache/klp#cache=$work/cache#" "$top/klp-cli/src/main/dist/klp" >"$work/usr-bin-klp"
chmod +x "$work/usr-bin-klp"

runtimes=()
if [ -n "${JAVA_HOME:-}" ]; then runtimes+=("$JAVA_HOME"); else runtimes+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"); fi
for jh in /usr/lib/jvm/*; do
  [ -x "$jh/bin/java" ] && [ -f "$jh/release" ] || continue
  v="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$jh/release")"
  [ -n "$v" ] && [ "$v" -ge 25 ] && runtimes+=("$jh")
done

# one timed run: sets t_wall, t_cpu (ms), t_out, t_code; no subprocess but the command's runs in between
timed() {
  local s e c0 c1
  times_children; c0=$t_children
  s=$EPOCHREALTIME
  set +e
  t_out="$("$@" 2>&1)"
  t_code=$?
  set -e
  e=$EPOCHREALTIME
  times_children; c1=$t_children
  s=${s/./}; e=${e/./}
  t_wall="$(( (10#$e - 10#$s) / 1000 )).$(( (10#$e - 10#$s) % 1000 / 100 ))"
  t_cpu="$(( c1 - c0 ))"
}
# t_children: the user + system milliseconds of this shell's finished children, from `times` (a builtin)
times_children() {
  local self_u self_s u s
  times >"$work/times"
  { read -r self_u self_s; read -r u s; } <"$work/times"
  t_children=$(( $(ms "$u") + $(ms "$s") ))
}
ms() { # 1m2.345s → 62345
  local m="${1%%m*}" sec="${1#*m}"
  sec="${sec%s}"
  echo $(( 10#$m * 60000 + 10#${sec%%.*} * 1000 + 10#${sec#*.} ))
}

stats() { # file → "median p90"
  sort -n "$1" | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; p = a[int(NR * 0.9 + 0.999)]; printf "%.1f %.1f", m, p}'
}

echo "klp start-up against java -version, $runs interleaved rounds, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "hosts: the files of simulated hosts with 500 tasks, as a real host shows them; ready = 1 live patch loaded; in transition = an upgrade held back by 1 sleeping task"
failed=0
for jh in "${runtimes[@]}"; do
  version="$(sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$jh/release")"
  feature="${version%%.*}"
  launch="$(JAVA_HOME="$jh" KLP_SHOW_JVM=1 "$klp" status)"
  read -r -a vm <<<"$launch"
  flags=() # bin/klp's JVM options for status and check, without klp's archive and what names klp's code
  for o in "${vm[@]:1}"; do
    case "$o" in -cp | -jar) break ;; -XX:SharedArchiveFile=* | -XX:AOTCache=* | -Xlog:*) ;; *) flags+=("$o") ;; esac
  done
  if [ "$feature" -ge 25 ] && [ ! -f "$top/klp-cli/target/klp-jdk$feature.aot" -o "$jar" -nt "$top/klp-cli/target/klp-jdk$feature.aot" ]; then
    # trained on the fast path only: on 25.0.3 training the full path (picocli) crashes the JVM while it writes the cache
    (cd "$work" && "$jh/bin/java" "${flags[@]}" -XX:AOTCacheOutput="$top/klp-cli/target/klp-jdk$feature.aot" \
      -Xlog:aot=error -Xlog:cds=error -cp "$jar" org.klp.cli.Main --root "$work/busy" status >/dev/null 2>&1) || echo "(no AOT cache for Java $version: its training failed)"
    launch="$(JAVA_HOME="$jh" KLP_SHOW_JVM=1 "$klp" status)"
  fi
  echo
  echo "Java $version ($jh)"
  echo "  klp runs: $launch ..."
  echo "  floor:    $jh/bin/java ${flags[*]} -version"
  names=("java -version" "klp status (ready)" "klp check (ready)" "klp status (in transition)" "klp check (in transition)"
    "klp status (ready, no archive)" "/usr/bin/klp status (ready)")
  rm -rf "$work/cache"
  JAVA_HOME="$jh" "$work/usr-bin-klp" --root "$work/ready" status >/dev/null # makes its archive, as a host's first run does
  for i in "${!names[@]}"; do : >"$work/wall.$i"; : >"$work/cpu.$i"; done
  for r in $(seq "$runs"); do
    for k in 0 1 2 3 4 5 6; do
      i=$(( (k + r) % 7 ))
      case $i in
        0) timed "$jh/bin/java" "${flags[@]}" -version; ok=$([ $t_code = 0 ] && [[ "$t_out" == *"version \"$version\""* ]] && echo y || echo n) ;;
        1) JAVA_HOME="$jh" timed "$klp" --root "$work/ready" status; ok=$([ $t_code = 0 ] && [ "$t_out" = ready ] && echo y || echo n) ;;
        2) JAVA_HOME="$jh" timed "$klp" --root "$work/ready" check; ok=$([ $t_code = 0 ] && [ -z "$t_out" ] && echo y || echo n) ;;
        3) JAVA_HOME="$jh" timed "$klp" --root "$work/busy" status; ok=$([ $t_code = 0 ] && [ "$t_out" = in_progress ] && echo y || echo n) ;;
        4) JAVA_HOME="$jh" timed "$klp" --root "$work/busy" check; ok=$([ $t_code = 1 ] && [ -z "$t_out" ] && echo y || echo n) ;;
        5) KLP_CDS=0 JAVA_HOME="$jh" timed "$klp" --root "$work/ready" status; ok=$([ $t_code = 0 ] && [ "$t_out" = ready ] && echo y || echo n) ;;
        6) JAVA_HOME="$jh" timed "$work/usr-bin-klp" --root "$work/ready" status; ok=$([ $t_code = 0 ] && [ "$t_out" = ready ] && echo y || echo n) ;;
      esac
      if [ "$ok" != y ]; then
        echo "  REFUSED: '${names[$i]}' answered wrongly (exit $t_code): ${t_out:0:300}" >&2
        failed=1
      fi
      echo "$t_wall" >>"$work/wall.$i"
      echo "$t_cpu" >>"$work/cpu.$i"
    done
  done
  [ "$failed" = 0 ] || continue
  read -r fw fw90 <<<"$(stats "$work/wall.0")"
  read -r fc fc90 <<<"$(stats "$work/cpu.0")"
  printf '  %-28s %19s %19s %17s %17s\n' "" "wall median / p90" "cpu median / p90" "ratio wall m/p90" "ratio cpu m/p90"
  for i in "${!names[@]}"; do
    read -r w w90 <<<"$(stats "$work/wall.$i")"
    read -r c c90 <<<"$(stats "$work/cpu.$i")"
    printf '  %-28s %8s / %6s ms %8s / %6s ms %8s / %6s %8s / %6s\n' "${names[$i]}" "$w" "$w90" "$c" "$c90" \
      "$(awk -v a="$w" -v b="$fw" 'BEGIN {printf "%.2fx", a / b}')" "$(awk -v a="$w90" -v b="$fw90" 'BEGIN {printf "%.2fx", a / b}')" \
      "$(awk -v a="$c" -v b="$fc" 'BEGIN {printf "%.2fx", a / b}')" "$(awk -v a="$c90" -v b="$fc90" 'BEGIN {printf "%.2fx", a / b}')"
  done
done
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$failed" = 0 ] || { echo "startup-ratio: refused to report: a run failed or answered wrongly (above)" >&2; exit 1; }
