#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 (--config=fuzz) and runs each
# for N seconds: the wire codec's, seeded with the Go golden vectors and
# tests/fuzz/corpus/wire with the message-type dictionary tests/fuzz/wire.dict;
# the scenario-file target, seeded with scenarios/**/*.toml; and the schedule
# fuzzer (tests/fuzz/schedule_fuzz.cc), seeded with tests/fuzz/corpus/schedule.
# Prints one line per target: executions, corpus size, crashes, seconds,
# peak RSS (MB). Exits 1 if anything crashed; crashing inputs are left in
# fuzz-corpus/<target>/crashes/ (replay with the gcc build:
# bazel-bin/tests/fuzz/<target> FILE; a schedule finding becomes a scenario
# with swimsim --from-fuzz FILE, see scenarios/README.md).
#
# usage: tools/fuzz_campaign.sh [seconds-per-target, default 60]
#   SWIM_FUZZ_TARGETS="packet stream"   only these targets
#   SWIM_FUZZ_RUNS=10000000             stop each target after this many
#                                       executions instead (no time limit)
#   SWIM_FUZZ_NICE=19                   run the fuzzers under nice
#   SWIM_FUZZ_MAX_LEN=1024              cap the wire targets' input length
#                                       (default 65536, the largest UDP
#                                       payload: seeded with 60 KB golden
#                                       vectors they run at ~500 exec/s
#                                       under ASan, against ~15k at 1024)
#
# The fuzz build uses its own Bazel output base so that switching the C++
# toolchain to clang does not invalidate the main build's cache.
set -euo pipefail
secs="${1:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
base="${SWIM_FUZZ_OUTPUT_BASE:-$HOME/.cache/bazel-swim-fuzz}"
read -r -a targets <<< "${SWIM_FUZZ_TARGETS:-packet compound compressed encrypted stream scenario schedule}"
runs="${SWIM_FUZZ_RUNS:-}"
nice_level="${SWIM_FUZZ_NICE:-0}"

# --symlink_prefix=/: leave the everyday bazel-* symlinks alone.
./bazelw --output_base="$base" build --config=fuzz --symlink_prefix=/ //tests/fuzz/... >&2
bin="$(./bazelw --output_base="$base" info --config=fuzz bazel-bin 2>/dev/null)/tests/fuzz"

# Seed corpus: every golden vector, whole and without its type byte.
seeds="$root/fuzz-corpus/seeds"
mkdir -p "$seeds"
i=0
while read -r name hex; do
  printf '%s' "$hex" | xxd -r -p > "$seeds/$i" 2>/dev/null ||
    python3 -c "import sys;sys.stdout.buffer.write(bytes.fromhex('$hex'))" > "$seeds/$i"
  tail -c +2 "$seeds/$i" > "$seeds/$i.body"
  i=$((i + 1))
done < tests/wire/testdata/golden_vectors.txt

# Scenario seeds: every shipped scenario file.
scenario_seeds="$root/fuzz-corpus/scenario-seeds"
mkdir -p "$scenario_seeds"
cp scenarios/*.toml scenarios/negative/*.toml "$scenario_seeds/"

printf '%-12s %12s %10s %8s %8s %8s\n' target executions corpus crashes seconds rss_mb
status=0
for t in "${targets[@]}"; do
  dir="$root/fuzz-corpus/$t"
  mkdir -p "$dir/corpus" "$dir/crashes"
  log="$dir/last_run.log"
  set +e
  tseeds=("$seeds" "$root/tests/fuzz/corpus/wire") max_len="${SWIM_FUZZ_MAX_LEN:-65536}" timeout=10
  extra=(-dict="$root/tests/fuzz/wire.dict")
  case "$t" in
    scenario) tseeds=("$scenario_seeds") max_len=16384 extra=() ;;
    # Schedules: a run is a whole simulated cluster (up to a few seconds
    # under ASan); the decoder reads at most ~100 bytes.
    schedule) tseeds=("$root/tests/fuzz/corpus/schedule") max_len=256 timeout=60 extra=() ;;
  esac
  if [ -n "$runs" ]; then
    limit=(-runs="$runs")
  else
    limit=(-max_total_time="$secs")
  fi
  t0=$SECONDS
  ASAN_OPTIONS=detect_leaks=1 nice -n "$nice_level" "$bin/${t}_fuzz" "$dir/corpus" "${tseeds[@]}" \
    "${limit[@]}" "${extra[@]}" -max_len="$max_len" -rss_limit_mb=2048 -timeout="$timeout" \
    -print_final_stats=1 -artifact_prefix="$dir/crashes/" > "$log" 2>&1
  set -e
  took=$((SECONDS - t0))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  rss=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  corpus=$(find "$dir/corpus" -type f | wc -l)
  crashes=$(find "$dir/crashes" -type f | wc -l)
  printf '%-12s %12s %10s %8s %8s %8s\n' "$t" "$execs" "$corpus" "$crashes" "$took" "$rss"
  [ "$crashes" -eq 0 ] || status=1
done
exit $status
