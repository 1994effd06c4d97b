#!/usr/bin/env bash
# The test body of swim_scenario_test (sim/scenario_test.bzl): runs this
# shard's part of a seed sweep through swimsim and leaves its JSON report in
# the test's undeclared outputs, for `swimsim merge`.
#
# usage: scenario_shard_test.sh SWIMSIM SCENARIO SEEDS [SWIMSIM ARGS...]
#   SEEDS: "1..1000", "1,5,9", or "" for the scenario's own seeds.
# Bazel's sharding protocol: TEST_SHARD_INDEX / TEST_TOTAL_SHARDS pick the
# shard (seed positions I, I+N, ...); touching TEST_SHARD_STATUS_FILE tells
# Bazel this test understands sharding.
set -eu
bin="$1"
scenario="$2"
seeds="$3"
shift 3
if [ -n "${TEST_SHARD_STATUS_FILE:-}" ]; then
  touch "$TEST_SHARD_STATUS_FILE"
fi
index="${TEST_SHARD_INDEX:-0}"
total="${TEST_TOTAL_SHARDS:-1}"
outdir="${TEST_UNDECLARED_OUTPUTS_DIR:-${TEST_TMPDIR:-/tmp}}"
mkdir -p "$outdir"
report="$outdir/report.shard-$index-of-$total.json"
args=(--scenario "$scenario" --shard "$index/$total" --json "$report" --quiet)
if [ -n "$seeds" ]; then
  args+=(--seeds "$seeds")
fi
echo "swim_scenario_test: $scenario, shard $index of $total -> $report"
exec "$bin" "${args[@]}" "$@"
