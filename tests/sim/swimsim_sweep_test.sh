#!/usr/bin/env bash
# Sweeps beyond one run (issue 17): `swimsim --jobs 2` gives the serial
# run's report and per-seed trace hashes; the swim_scenario_test shard body
# honours Bazel's sharding variables and each shard's report merges
# (`swimsim merge`) into the full run's report; mismatched reports are
# refused. Wall-clock fields are the only lines allowed to differ.
set -u
bin="$1"
shard_body="$2"
scn="$3"
seeds="1..4"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }
# The report without wall-clock time (JSON "wall_s", the "Simulated ... wall"
# line) and without the output-file line.
strip() { grep -v -e '"wall_s"' -e ' wall (' -e 'report written to' "$1"; }

"$bin" --scenario "$scn" --seeds "$seeds" --json "$tmp/serial.json" \
  >"$tmp/serial.txt" 2>/dev/null
rc_serial=$?
"$bin" --scenario "$scn" --seeds "$seeds" --jobs 2 --json "$tmp/jobs.json" \
  >"$tmp/jobs.txt" 2>/dev/null
rc_jobs=$?
[ "$rc_serial" -le 1 ] || bad "serial run exited $rc_serial"
[ "$rc_serial" = "$rc_jobs" ] && ok "same exit code ($rc_jobs)" ||
  bad "exit code serial $rc_serial, --jobs 2 $rc_jobs"
if diff <(strip "$tmp/serial.json") <(strip "$tmp/jobs.json") >"$tmp/d1"; then
  ok "--jobs 2 JSON report == serial"
else
  bad "--jobs 2 JSON differs from serial:"; head -20 "$tmp/d1"
fi
if diff <(strip "$tmp/serial.txt") <(strip "$tmp/jobs.txt") >"$tmp/d2"; then
  ok "--jobs 2 terminal report == serial"
else
  bad "--jobs 2 terminal report differs:"; head -20 "$tmp/d2"
fi
hashes() { grep '"trace_hash"' "$1"; }
n=$(hashes "$tmp/serial.json" | sort -u | wc -l)
[ "$n" -eq 4 ] && ok "4 distinct per-seed trace hashes" ||
  bad "want 4 distinct trace hashes, got $n"
[ "$(hashes "$tmp/serial.json")" = "$(hashes "$tmp/jobs.json")" ] &&
  ok "per-seed trace hashes identical" || bad "trace hashes differ"

# Two shards through the test body, as Bazel runs them.
for i in 0 1; do
  mkdir -p "$tmp/out$i"
  : >"$tmp/status$i"
  rm -f "$tmp/status$i"
  TEST_SHARD_INDEX=$i TEST_TOTAL_SHARDS=2 TEST_SHARD_STATUS_FILE="$tmp/status$i" \
    TEST_UNDECLARED_OUTPUTS_DIR="$tmp/out$i" \
    "$shard_body" "$bin" "$scn" "$seeds" >"$tmp/shard$i.txt" 2>&1
  [ -e "$tmp/status$i" ] && ok "shard $i touched TEST_SHARD_STATUS_FILE" ||
    bad "shard $i did not touch TEST_SHARD_STATUS_FILE"
  f="$tmp/out$i/report.shard-$i-of-2.json"
  [ -s "$f" ] && ok "shard $i wrote its report" || bad "shard $i: no $f"
  c=$(grep -c '"trace_hash"' "$f" 2>/dev/null)
  [ "$c" = 2 ] && ok "shard $i ran 2 of the 4 seeds" ||
    bad "shard $i ran $c seeds, want 2"
done
"$bin" merge "$tmp/out1/report.shard-1-of-2.json" \
  "$tmp/out0/report.shard-0-of-2.json" --json "$tmp/merged.json" \
  >"$tmp/merged.txt" 2>&1
rc=$?
[ "$rc" = "$rc_serial" ] && ok "merge exit code $rc" ||
  bad "merge exited $rc, the full run $rc_serial"
# The merged report keeps each shard's wall times; everything else is the
# full run's.
if diff <(strip "$tmp/serial.json") <(strip "$tmp/merged.json") >"$tmp/d3"; then
  ok "merged JSON == the full run's"
else
  bad "merged JSON differs from the full run's:"; head -20 "$tmp/d3"
fi
if diff <(strip "$tmp/serial.txt" | sed '/^trace written/d') \
  <(strip "$tmp/merged.txt") >"$tmp/d4"; then
  ok "merged terminal report == the full run's"
else
  bad "merged terminal report differs:"; head -20 "$tmp/d4"
fi

# More shards than seeds: an empty shard passes and merges.
TEST_SHARD_INDEX=5 TEST_TOTAL_SHARDS=6 TEST_UNDECLARED_OUTPUTS_DIR="$tmp/out5" \
  "$shard_body" "$bin" "$scn" "$seeds" >/dev/null 2>&1 &&
  ok "empty shard exits 0" || bad "empty shard failed"
"$bin" merge "$tmp/out0/report.shard-0-of-2.json" \
  "$tmp/out5/report.shard-5-of-6.json" >/dev/null 2>&1
[ $? -le 1 ] && ok "empty shard's report merges" || bad "empty report refused"

# Refusals: the same seeds twice, another scenario, another binary.
out=$("$bin" merge "$tmp/out0/report.shard-0-of-2.json" \
  "$tmp/out0/report.shard-0-of-2.json" 2>&1)
[ $? = 2 ] && grep -q "is in both" <<<"$out" && ok "duplicate seeds refused" ||
  bad "duplicate seeds: $out"
sed 's/"scenario_source": "/"scenario_source": "# edited\\n/' \
  "$tmp/out1/report.shard-1-of-2.json" >"$tmp/other_scn.json"
out=$("$bin" merge "$tmp/out0/report.shard-0-of-2.json" "$tmp/other_scn.json" 2>&1)
[ $? = 2 ] && grep -q "different scenario" <<<"$out" &&
  ok "other scenario refused" || bad "other scenario: $out"
sed 's/"binary": "[0-9a-f]*"/"binary": "0123456789abcdef"/' \
  "$tmp/out1/report.shard-1-of-2.json" >"$tmp/other_bin.json"
out=$("$bin" merge "$tmp/out0/report.shard-0-of-2.json" "$tmp/other_bin.json" 2>&1)
[ $? = 2 ] && grep -q "different swimsim binary" <<<"$out" &&
  ok "other binary refused" || bad "other binary: $out"
out=$("$bin" --scenario "$scn" --shard 2/2 2>&1)
[ $? = 2 ] && grep -q "shard wants" <<<"$out" && ok "bad --shard refused" ||
  bad "bad --shard: $out"
exit $fail
