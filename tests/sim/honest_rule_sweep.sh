#!/bin/bash
# Do the issue-14 hardening rules ever fire in an honest run? Runs every
# shipped scenario (churn_1000 only with ALL=1) over seeds A..B with core
# debug logs in the trace, and counts the log lines naming a hardening
# counter (memberlist.dropped.incarnation_jump, .amplification,
# .packet_budget, .reaped_readd, .table_full, .weight_future,
# memberlist.malformed.nested). Every rule only drops or keeps dead, so
# zero hits means the honest outcomes are exactly those without the rules
# (the trace-hash witness checks seeds 1..5 byte for byte).
#
#   ./bazelw build //sim:swimsim && tests/sim/honest_rule_sweep.sh 1 25
set -u
cd "$(dirname "$0")/../.."
A=${1:-1}
B=${2:-25}
BIN=bazel-bin/sim/swimsim
PATTERN='incarnation_jump|dropped\.amplification|malformed\.nested|packet_budget|reaped_readd|table_full|weight_future'
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
total=0
for s in scenarios/*.toml; do
  n=$(basename "$s" .toml)
  if [ "$n" = churn_1000 ] && [ "${ALL:-0}" != 1 ]; then continue; fi
  hits=0
  fails=0
  for seed in $(seq "$A" "$B"); do
    "$BIN" --scenario "$s" --seed "$seed" --log debug --trace "$TMP/t.txt" \
      --quiet >"$TMP/o.txt" 2>&1 || fails=$((fails + 1))
    h=$(grep -cE "$PATTERN" "$TMP/t.txt")
    if [ "$h" != 0 ]; then
      echo "  $n seed $seed: $h hits"
      grep -E "$PATTERN" "$TMP/t.txt" | head -3
    fi
    hits=$((hits + h))
  done
  echo "$n seeds $A..$B: failed runs=$fails rule hits=$hits"
  total=$((total + hits))
done
[ "$total" = 0 ]
