#!/usr/bin/env bash
# bench/fidelity: the simulator as a predictor of a real cluster (issue 16).
# One scenario (N nodes, local profile, join, one SIGKILL) in the simulator
# (default core and compat = "go") and on loopback (N real swimd processes;
# N real Go memberlist 0.2.2 processes), with a sim-vs-real table per N.
# See bench/fidelity/fidelity.py for what is measured and how.
#
# usage: bench/fidelity/run.sh [--quick] [fidelity.py options]
#   default: N = 10, 50, 200; about 15-20 min on 2 cores
#   --quick: N = 10 only, 5 seeds / 2 trials (about 2 min once built)
#   e.g. bench/fidelity/run.sh --sizes 10,50 --json /tmp/fidelity.json
# Not a Bazel test (real processes, minutes, load-sensitive): a manual script.
# Runs under `nice -n 10`; note the load average it prints with each table.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
cd "$root"
args=()
for a in "$@"; do
  if [ "$a" = "--quick" ]; then
    args+=(--sizes 10 --seeds 5 --trials 2)
  else
    args+=("$a")
  fi
done
echo "[build] swimd (opt) and swimsim" >&2
nice -n 10 ./bazelw build --config=opt //net:swimd //sim:swimsim >&2
bin="$(./bazelw info --config=opt bazel-bin 2>/dev/null)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "[build] Go memberlist 0.2.2 member (bench/go/loopback, GOPATH mode)" >&2
cache="${XDG_CACHE_HOME:-$HOME/.cache}/swim-bench"
mkdir -p "$cache/gocache" "$work/go/src/swimbench"
cp bench/go/loopback/main.go "$work/go/src/swimbench/"
(cd "$work/go/src/swimbench" && GO111MODULE=off GOPATH="$work/go:/usr/share/gocode" \
  GOCACHE="$cache/gocache" go build -o "$work/loopback" .)
uptime >&2
nice -n 10 python3 bench/fidelity/fidelity.py --swimsim "$bin/sim/swimsim" \
  --swimd "$bin/net/swimd" --go-member "$work/loopback" ${args[@]+"${args[@]}"}
uptime >&2
