#!/usr/bin/env bash
# One command for every benchmark, C++ against Go memberlist 0.2.2 in the
# same invocation. Writes docs/performance.md (with the hand-measured
# sections copied from bench/runtime_results.md, bench/performance_notes.md,
# bench/scale/scale_results.md and bench/fidelity/fidelity_results.md: edit
# those, not the page; //tests:performance_page_test checks), docs/perf/*.svg and
# docs/perf/results.json; progress goes to stderr.
#
# usage: bench/run_all.sh [--quick] [--out DIR]
#   full:    about 15-20 min on 2 cores (every step has a wall-clock bound)
#   --quick: about 2 min once built; small N, short windows (indicative only)
# Also: ./bazelw run //bench:run_all -- --quick
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
if [ -n "${BUILD_WORKSPACE_DIRECTORY:-}" ]; then root="$BUILD_WORKSPACE_DIRECTORY"; fi
cd "$root"
args=()
for a in "$@"; do args+=("$a"); done

echo "[build] bazel --config=opt: codec, simulator and loopback probes" >&2
./bazelw build --config=opt //bench:codec_benchmark //bench:sim_speed_probe \
  //bench:massjoin_probe //bench:loopback_probe >&2
bin="$(./bazelw info --config=opt bazel-bin 2>/dev/null)"

cache="${XDG_CACHE_HOME:-$HOME/.cache}/swim-bench"
mkdir -p "$cache/gocache"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "[build] Go loopback harness (GOPATH mode, Debian's memberlist 0.2.2)" >&2
mkdir -p "$work/go/src/swimbench"
cp bench/go/loopback/main.go "$work/go/src/swimbench/"
(cd "$work/go/src/swimbench" && GO111MODULE=off GOPATH="$work/go:/usr/share/gocode" \
  GOCACHE="$cache/gocache" go build -o "$work/loopback" .)

python3 bench/run_all.py --bin "$bin" --go-loopback "$work/loopback" \
  --gocache "$cache/gocache" --work "$work" ${args[@]+"${args[@]}"}
