#!/bin/sh
# Differential check of our merge rules against Go memberlist 0.2.2: dumps
# N generated histories with the tables our core ends with
# (//tests/properties:go_differential_dump), replays them through Go's own
# state functions, and compares every entry and our own incarnation.
# Needs Go and /usr/share/gocode; binds one 127.0.0.x socket pair.
# Usage (from the repository root):
#   tests/properties/go/check_go_differential.sh [cases] [seed]
set -eu
cases=${1:-2000}
seed=${2:-1}
root=$(pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./bazelw build //tests/properties:go_differential_dump >/dev/null 2>&1
"$root/bazel-bin/tests/properties/go_differential_dump" "$cases" "$seed" > "$work/cases.jsonl"
mkdir -p "$work/src/github.com/hashicorp"
cp -r /usr/share/gocode/src/github.com/hashicorp/memberlist "$work/src/github.com/hashicorp/"
cp "$here/differential_test.go" "$work/src/github.com/hashicorp/memberlist/zz_differential_test.go"
cd "$work/src/github.com/hashicorp/memberlist"
SWIM_DIFF_FILE="$work/cases.jsonl" GO111MODULE=off GOPATH="$work:/usr/share/gocode" \
  GOCACHE="$work/cache" go test -run TestDifferentialAgainstCore -count=1 -v . 2>&1 |
  grep -vE '^\s*(log.go|20[0-9][0-9]/)' | grep -vE '\[(DEBUG|INFO|WARN|ERR)\]' | tail -40
