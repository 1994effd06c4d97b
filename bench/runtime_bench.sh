#!/usr/bin/env bash
# Issue 19's measurements, C++ and Go memberlist 0.2.2 in one invocation:
# idle CPU and RSS per member at N = 20, 200, 1,000 in one process (C++ with
# a thread per member, C++ on one net::Runtime, Go), and the loopback mass
# join of 500 and 1,000 members (time until every member lists N; Go capped).
# Prints one JSON object per measurement on stdout (bench/loopback_probe.cc
# and bench/go/loopback/main.go describe the fields); progress on stderr.
#
# usage: bench/runtime_bench.sh [--quick]
#   full: about 20 minutes on 2 cores. --quick: N = 20 and 200 only, short
#   windows (indicative only).
set -uo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"
quick=0
[ "${1:-}" = "--quick" ] && quick=1

# LOOPBACK_PROBE / GO_LOOPBACK: use these binaries instead of building.
bin="${LOOPBACK_PROBE:-}"
if [ -z "$bin" ]; then
  ./bazelw build --config=opt //bench:loopback_probe >&2 || exit 1
  bin="$(./bazelw info --config=opt bazel-bin 2>/dev/null)/bench/loopback_probe"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go="${GO_LOOPBACK:-}"
if [ -z "$go" ]; then
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/swim-bench"
  mkdir -p "$work/go/src/swimbench" "$cache/gocache"
  cp bench/go/loopback/main.go "$work/go/src/swimbench/"
  (cd "$work/go/src/swimbench" && GO111MODULE=off GOPATH="$work/go:/usr/share/gocode" \
    GOCACHE="$cache/gocache" go build -o "$work/loopback" .) >&2 || exit 1
  go="$work/loopback"
fi

if [ "$quick" = 1 ]; then
  sizes="20 200"; settle=5; window=10; joins=""; gocap=30
else
  sizes="20 200 1000"; settle=35; window=30; joins="500 1000"; gocap=60
fi
echo "[uptime] $(uptime)" >&2
run() {  # label, command...
  echo "[run] $1" >&2
  shift
  timeout 900 nice -n 10 "$@" || echo "{\"failed\":\"$*\"}"
}
for n in $sizes; do
  echo "[uptime] $(uptime)" >&2
  run "idle C++ runtime N=$n" "$bin" --runtime idle "$n" "$window" "$settle"
  run "idle Go N=$n" "$go" -mode idle -n "$n" -t "${window}s" -settle "${settle}s" -joincap 180s
  # A thread per member, as before net::Runtime (not at 1,000: 1,000 threads).
  [ "$n" -le 200 ] && run "idle C++ thread each N=$n" "$bin" idle "$n" "$window" "$settle"
done
# The C++ mass join takes seconds and varies from run to run with the
# machine (2.2-4.2 s at N = 1,000 in one hour): MASSJOIN_RUNS runs each
# (default 5; one JSON line per run, report the median), in both configs.
# Go's is capped at a minute and run once.
massjoin_runs="${MASSJOIN_RUNS:-5}"
for n in $joins; do
  echo "[uptime] $(uptime)" >&2
  for i in $(seq 1 "$massjoin_runs"); do
    run "mass join C++ runtime N=$n local config, run $i" "$bin" --runtime massjoin "$n" 60
    SWIM_PROBE_LAN=1 run "mass join C++ runtime N=$n LAN config, run $i" "$bin" --runtime massjoin "$n" 60
  done
  run "mass join Go N=$n (cap ${gocap} s)" "$go" -mode massjoin -n "$n" -cap "${gocap}s"
done
echo "[uptime] $(uptime)" >&2
