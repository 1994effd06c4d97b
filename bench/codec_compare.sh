#!/usr/bin/env bash
# Runs the wire codec benchmarks in C++ (bench/codec_benchmark, --config=opt)
# and in Go memberlist 0.2.2 (bench/go/codec_bench_test.go, compiled inside a
# copy of Debian's package), and prints ns/op side by side with the ratio
# Go/C++ (> 1: C++ is faster).
#
# usage: bench/codec_compare.sh [min-seconds-per-benchmark, default 0.5] [TSV]
# Each benchmark runs REPS times (env, default 3) in both languages and the
# fastest run counts, which keeps a busy machine's noise out of the ratio.
# With TSV, also writes "name<TAB>cpp_ns<TAB>go_ns" lines there (go_ns empty
# for C++-only benchmarks); bench/run_all.sh uses that.
set -euo pipefail
secs="${1:-0.5}"
tsv="${2:-}"
reps="${REPS:-3}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

./bazelw build --config=opt //bench:codec_benchmark >&2
# bazel-bin may point at another configuration (others build in this tree).
bin="$(./bazelw info --config=opt bazel-bin 2>/dev/null)"
"$bin"/bench/codec_benchmark --benchmark_min_time="$secs" --benchmark_format=csv \
  --benchmark_repetitions="$reps" \
  2>/dev/null > "$tmp/cpp.csv"

src=/usr/share/gocode/src/github.com/hashicorp/memberlist
pkg="$tmp/go/src/github.com/hashicorp/memberlist"
mkdir -p "$pkg"
for f in "$src"/*.go; do
  case "$f" in *_test.go) continue ;; esac
  cp "$f" "$pkg/"
done
[ -d "$src/vendor" ] && cp -r "$src/vendor" "$pkg/"
cp bench/go/codec_bench_test.go "$pkg/"
(cd "$pkg" && GO111MODULE=off GOPATH="$tmp/go:/usr/share/gocode" GOCACHE="${GOCACHE:-$tmp/gocache}" \
  go test -run '^$' -bench . -benchtime="${secs}s" -count="$reps" . ) > "$tmp/go.txt"

python3 - "$tmp/cpp.csv" "$tmp/go.txt" "$tsv" <<'PY'
import csv, re, sys
cpp = {}
with open(sys.argv[1]) as f:
    lines = [l for l in f if l.startswith('"BM_') or l.startswith('name')]
for row in csv.DictReader(lines):
    name = row['name'].strip('"')[3:]
    if re.search(r'_(mean|median|stddev|cv)$', name):
        continue
    t = float(row['real_time'])  # ns; the fastest repetition counts
    cpp[name] = min(t, cpp.get(name, t))
go = {}
for line in open(sys.argv[2]):
    m = re.match(r'Benchmark(\S+?)(-\d+)?\s+\d+\s+([\d.]+) ns/op', line)
    if m:
        t = float(m.group(3))
        go[m.group(1)] = min(t, go.get(m.group(1), t))
print(f"{'benchmark':32} {'C++ ns/op':>12} {'Go ns/op':>12} {'Go/C++':>8}")
for name, ns in cpp.items():
    g = go.get(name)
    ratio = f"{g / ns:8.1f}" if g else f"{'-':>8}"
    gs = f"{g:12.0f}" if g else f"{'(C++ only)':>12}"
    print(f"{name:32} {ns:12.0f} {gs} {ratio}")
if sys.argv[3]:
    with open(sys.argv[3], 'w') as f:
        for name, ns in cpp.items():
            g = go.get(name)
            f.write(f"{name}\t{ns}\t{g if g else ''}\n")
PY
