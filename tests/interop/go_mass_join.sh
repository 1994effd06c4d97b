#!/bin/bash
# Mass join of N unmodified Go memberlist 0.2.2 nodes (Local config) on
# loopback, for comparison with tests/net:mass_join_test: all N peers start
# at once joining peer 0; prints the time until every peer has printed N
# join events (seen all N members, itself included). Manual measurement.
#
# Usage: tests/interop/go_mass_join.sh [N...]   (default: 10 50)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
peer=$(mktemp -d)/peer
GOCACHE=${GOCACHE:-/tmp/swim-go-build-cache} HOME=${HOME:-/tmp} "$here/go/build.sh" "$peer" >/dev/null
for n in "${@:-10 50}"; do
  for m in $n; do
    work=$(mktemp -d)
    pids=()
    mkfifo "$work/in0"
    "$peer" -name p0 -quiet <"$work/in0" >"$work/out0" & pids+=($!)
    exec 9>"$work/in0"
    until grep -q '"ready"' "$work/out0" 2>/dev/null; do sleep 0.05; done
    port=$(grep '"event":"ready"' "$work/out0" | sed -n 's/.*"port":\([0-9]*\).*/\1/p' | head -1)
    start=$(date +%s%N)
    for i in $(seq 1 $((m - 1))); do
      # All peers read the one FIFO we hold open: stdin EOF would quit them.
      "$peer" -name "p$i" -quiet -join "127.0.0.1:$port" <"$work/in0" >"$work/out$i" & pids+=($!)
    done
    deadline=$((SECONDS + 120))
    while :; do
      done_count=0
      for i in $(seq 0 $((m - 1))); do
        c=$(grep -c '"event":"join"' "$work/out$i" 2>/dev/null || true)
        [ "${c:-0}" -ge "$m" ] && done_count=$((done_count + 1))
      done
      [ $done_count -eq "$m" ] && break
      [ $SECONDS -lt $deadline ] || { echo "n=$m: not converged after 120 s ($done_count/$m)"; break; }
      sleep 0.05
    done
    end=$(date +%s%N)
    echo "go mass join n=$m: all see $m after $(( (end - start) / 1000000 )) ms (includes process start)"
    exec 9>&-
    kill "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
  done
done
