#!/usr/bin/env bash
# Replays a checked-in fuzz corpus through a fuzz target's standalone build
# (standalone_main.cc: one LLVMFuzzerTestOneInput call per file). A finding
# aborts the binary, which fails the test with the input's name printed.
#
# usage: replay_corpus_test.sh BINARY CORPUS_DIR
set -euo pipefail
bin="$1"
dir="$2"
files=("$dir"/*)
if [ ! -e "${files[0]}" ]; then
  echo "no corpus files in $dir" >&2
  exit 1
fi
n=0
for f in "${files[@]}"; do
  if ! "$bin" "$f" > /dev/null; then
    echo "FAILED on $f (replay: $bin $f)" >&2
    exit 1
  fi
  n=$((n + 1))
done
echo "replayed $n inputs from $dir"
