#!/usr/bin/env bash
# swimsim's command line: bad input is exit code 2 with a message, before
# any run (issue 15's bad-input list, the CLI half).
set -u
bin="$1"
scn="$2"  # a small valid scenario
tmp="${TEST_TMPDIR:-/tmp}"
fail=0
expect2() {
  local what="$1" want="$2"
  shift 2
  out="$("$bin" "$@" 2>&1)"
  rc=$?
  if [ "$rc" -ne 2 ] || ! grep -q -- "$want" <<<"$out"; then
    echo "FAIL: $what: rc=$rc, want 2 and \"$want\"; output:"
    echo "$out" | head -5
    fail=1
  else
    echo "ok: $what"
  fi
}
expect2 "negative seed" "seed" --scenario "$scn" --seed -1
expect2 "seed list for --seed" "one seed" --scenario "$scn" --seed 1,2
mkdir -p "$tmp/a_dir"
expect2 "directory as scenario" "is a directory" --scenario "$tmp/a_dir"
: > "$tmp/empty.toml"
expect2 "empty scenario" "empty scenario" --scenario "$tmp/empty.toml"
expect2 "unwritable json" "cannot write" --scenario "$scn" \
  --json /proc/swimsim-no/out.json
expect2 "unwritable svg dir" "cannot" --scenario "$scn" --svg /proc/swimsim-no
exit $fail
