#!/usr/bin/env bash
# Issue 17's scale table: runs bench/scale/sim_scale_bench at each N (one
# run at a time, niced), each under /usr/bin/time -v and a memory cap, and
# prints one markdown row per N: wall, CPU, peak RSS (the kernel's), heap
# bytes per (node, member) pair at the end, events per CPU second, and the
# machine load when the run started (the machine is shared).
#
#   bench/scale/scale_sweep.sh                  # N = 1000 2000 5000, 60 s
#   SECONDS_VIRTUAL=600 bench/scale/scale_sweep.sh 10000
#   MEM_CAP_GIB=8 WALL_CAP_S=600 bench/scale/scale_sweep.sh 1000 2000
#
# A run that passes the memory cap (ulimit -v) or the wall cap (timeout)
# is reported as stopped, with how far it got.
set -euo pipefail
cd "$(dirname "$0")/../.."
virt="${SECONDS_VIRTUAL:-60}"
cap_gib="${MEM_CAP_GIB:-12}"
wall_cap="${WALL_CAP_S:-900}"
ns=("$@")
[[ ${#ns[@]} -eq 0 ]] && ns=(1000 2000 5000)

./bazelw build --config=opt //bench/scale:sim_scale_bench >&2
bin=bazel-out/k8-opt/bin/bench/scale/sim_scale_bench

echo "| N | virtual s | wall s | CPU s | peak RSS MiB | heap B/pair at end | queued at end | events/CPU s | load at start |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in "${ns[@]}"; do
  crash=$(( n / 100 > 0 ? n / 100 : 1 ))
  load=$(cut -d' ' -f1 /proc/loadavg)
  log=$(mktemp)
  set +e
  ( ulimit -v $(( cap_gib * 1024 * 1024 )); \
    timeout "${wall_cap}" nice -n 10 /usr/bin/time -v \
      "${bin}" "${n}" "${virt}" "${crash}" 30 ) >"${log}" 2>&1
  rc=$?
  set -e
  rss=$(awk '/Maximum resident/ {printf "%.0f", $6/1024}' "${log}")
  if line=$(grep '^RESULT' "${log}"); then
    get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"${line}"; }
    echo "| ${n} | ${virt} | $(get wall_s) | $(get cpu_s) | ${rss:-$(get peak_rss_mib)} | $(get heap_bytes_per_pair) | $(get queued) | $(get events_per_cpu_s) | ${load} |"
  else
    last=$(grep '^  t=' "${log}" | tail -1 | sed 's/^ *//')
    echo "| ${n} | ${virt} | stopped (exit ${rc}; cap ${cap_gib} GiB, ${wall_cap} s) | | ${rss:-?} | | | | ${load} | ${last}"
  fi
  grep -E '^(  t=|everyone|crashed)' "${log}" >&2 || true
  rm -f "${log}"
done
