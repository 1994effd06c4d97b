#!/usr/bin/env bash
# The robustness campaign: sanitizers, fuzzing and long seed sweeps, with one
# summary table at the end.
#
# usage: tools/campaign.sh [--quick]
#
#   full (about an hour on 2 cores, warm caches):
#     asan   the default test suite (//..., manual targets excluded) under
#            --config=asan            (ASan + LeakSanitizer)
#     ubsan  the same under --config=ubsan
#     tsan   everything threaded (//tests/net/... //tests/interop/...
#            //examples/...) under --config=tsan
#     fuzz   every libFuzzer target, SWIM_CAMPAIGN_FUZZ_SECS (60) seconds
#            each (tools/fuzz_campaign.sh): the wire decoders, scenario
#            files, and the schedule fuzzer (fault schedules steered by the
#            core's SWIM_COVER marks; docs/schedule-fuzzing.md)
#     sweep  every fault scenario (scenarios/*.toml) through swimsim, -c opt:
#            SWIM_CAMPAIGN_SEEDS (1430) seeds each, a quarter of that for
#            mass_join, SWIM_CAMPAIGN_CHURN_SEEDS (4) for churn_1000 (1000
#            nodes, ~75 s a seed): ~9,000 runs
#     hostile  every hostile-peer attack (tests/sim/hostile_test.cc) over
#            SWIM_CAMPAIGN_HOSTILE_SEEDS (200) seeds, -c opt
#   --quick (about 5 minutes once the campaign's caches are warm): a small
#     asan+ubsan and tsan subset, 5 s per fuzz target, 24 seeds per fault
#     scenario (6 for mass_join, none for churn_1000), 5 seeds per attack.
#
# Columns: executions = test cases (sanitizer rows), fuzz executions, or
# seeds (one run each); violations = failed tests,
# test cases or checker/expectation failures; crashes = sanitizer reports,
# SWIM_CHECK aborts, signals, fuzz crash artifacts. Exit status 0 only if
# every row has 0 violations and 0 crashes.
#
# SWIM_CAMPAIGN_STAGES selects stages (default: asan ubsan tsan fuzz sweep
# hostile). The campaign builds in its own Bazel output base (SWIM_CAMPAIGN_OUTPUT_BASE,
# default ~/.cache/bazel-swim-campaign), one --platform_suffix per config, so
# it never invalidates the everyday build's cache and the sanitizer builds do
# not evict each other; it creates no bazel-* convenience symlinks (the
# everyday ones keep pointing at the everyday build). Logs: $SWIM_CAMPAIGN_LOGS (default /tmp/swim-campaign-*).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

mode=full
case "${1:-}" in
  --quick) mode=quick ;;
  "") ;;
  *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

base="${SWIM_CAMPAIGN_OUTPUT_BASE:-$HOME/.cache/bazel-swim-campaign}"
logs="${SWIM_CAMPAIGN_LOGS:-/tmp/swim-campaign-$(date -u +%Y%m%d-%H%M%S)}"
mkdir -p "$logs"
bz() { ./bazelw --output_base="$base" "$@"; }

if [ "$mode" = quick ]; then
  fuzz_secs=5
  sweep_seeds=24
  hostile_seeds=5
  san_targets=(//tests/sim:hostile_test //tests/core:memberlist_cluster_test
               //tests/wire:fuzz_smoke_test //tests/properties:merge_laws_test)
  tsan_targets=(//tests/net:asio_env_test //tests/net:memberlist_test)
else
  fuzz_secs="${SWIM_CAMPAIGN_FUZZ_SECS:-60}"
  sweep_seeds="${SWIM_CAMPAIGN_SEEDS:-1430}"
  hostile_seeds="${SWIM_CAMPAIGN_HOSTILE_SEEDS:-200}"
  # //... would also walk the bazel-* convenience symlinks of the everyday
  # output base (foreign to this one): name the real top-level packages.
  san_targets=()
  for d in */; do
    d="${d%/}"
    [ -L "$d" ] && continue
    case "$d" in bazel-*|fuzz-corpus|docs) continue ;; esac
    san_targets+=("//$d/...")
  done
  tsan_targets=(//tests/net/... //tests/interop/... //examples/...)
fi

# Stages to run (all by default): asan ubsan tsan fuzz sweep hostile.
stages=" ${SWIM_CAMPAIGN_STAGES:-asan ubsan tsan fuzz sweep hostile} "
want() { [[ "$stages" == *" $1 "* ]]; }

rows=()
add_row() { rows+=("$1|$2|$3|$4|$5"); }

# Crash signatures in a test log.
crash_re='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|WARNING: ThreadSanitizer|SWIM_CHECK failed|Segmentation fault|SIGSEGV|SIGABRT|terminate called'

# run_bazel NAME LOGFILE FLAGS... -- TARGETS...: runs `bazel test`, then
# sets the globals targets_run targets_failed logs_list (test.log files
# written by this run).
run_bazel() {
  local name="$1" out="$2"
  shift 2
  local flags=()
  while [ "$1" != "--" ]; do flags+=("$1"); shift; done
  shift
  local marker="$logs/.$name.start"
  touch "$marker"
  bz test "${flags[@]}" --platform_suffix="$name" --nocache_test_results --symlink_prefix=/ \
    --keep_going --test_output=errors --test_summary=short "$@" > "$out" 2>&1
  local testlogs
  testlogs="$(bz info "${flags[@]}" --platform_suffix="$name" bazel-testlogs 2>/dev/null)"
  logs_list="$(find "$testlogs/" -name test.log -newer "$marker" 2>/dev/null | sort)"
  targets_run=$(grep -cE ' (PASSED|FAILED|TIMEOUT|FLAKY|NO STATUS|FAILED TO BUILD)( in|$)' "$out")
  targets_failed=$(grep -cE ' (FAILED|TIMEOUT|NO STATUS|FAILED TO BUILD)( in|$)' "$out")
  if grep -q 'Build did NOT complete successfully' "$out" && [ "$targets_run" -eq 0 ]; then
    targets_failed=1
  fi
}

# Sums over the logs in $logs_list.
count_cases() {
  local n=0 f c
  for f in $logs_list; do
    c=$(grep -hoE '^\[==========\] [0-9]+ tests? from [0-9]+ test (suite|case)s? ran' "$f" |
        awk '{s+=$2} END {print s+0}')
    n=$((n + c))
  done
  echo "$n"
}
count_failed_cases() {
  local n=0 f c
  for f in $logs_list; do
    c=$(grep -oE '^\[  FAILED  \] [A-Za-z0-9_/.]+\.[A-Za-z0-9_/]+' "$f" | sort -u | wc -l)
    n=$((n + c))
  done
  echo "$n"
}
count_crashes() {
  local n=0 f
  for f in $logs_list; do
    if grep -qE "$crash_re" "$f"; then n=$((n + 1)); fi
  done
  echo "$n"
}

sanitizer_row() {  # NAME FLAGS... -- TARGETS...
  local name="$1"
  shift
  local t0=$SECONDS
  echo "== $name: $*" >&2
  run_bazel "$name" "$logs/$name.log" "$@"
  local cases failed crashes
  cases=$(count_cases)
  failed=$(count_failed_cases)
  crashes=$(count_crashes)
  local violations=$((failed > targets_failed ? failed : targets_failed))
  add_row "$name ($targets_run targets)" "$cases cases" "$violations" "$crashes" \
    "$((SECONDS - t0))s"
}

# ---- sanitizers ------------------------------------------------------------
if [ "$mode" = quick ]; then
  if want asan || want ubsan; then
    sanitizer_row asan_ubsan --config=asan --config=ubsan -- "${san_targets[@]}"
  fi
else
  want asan && sanitizer_row asan --config=asan -- "${san_targets[@]}"
  want ubsan && sanitizer_row ubsan --config=ubsan -- "${san_targets[@]}"
fi
want tsan && sanitizer_row tsan --config=tsan -- "${tsan_targets[@]}"

# ---- fuzzing ----------------------------------------------------------------
if want fuzz; then
  t0=$SECONDS
  echo "== fuzz: ${fuzz_secs}s per target" >&2
  tools/fuzz_campaign.sh "$fuzz_secs" > "$logs/fuzz.table" 2> "$logs/fuzz.log"
  fuzz_rc=$?
  fuzz_time=$((SECONDS - t0))
  if ! grep -qE '^[a-z]+ +[0-9?]+ +[0-9]+ +[0-9]+ ' "$logs/fuzz.table"; then
    add_row "fuzz (build or run failed, see $logs/fuzz.log)" "0" "1" "?" "${fuzz_time}s"
  else
    while read -r t execs corpus crashes _; do
      [ "$t" = target ] && continue
      add_row "fuzz:$t (${fuzz_secs}s, corpus $corpus)" "$execs execs" "0" "$crashes" "-"
    done < "$logs/fuzz.table"
    rows[${#rows[@]}-1]="${rows[${#rows[@]}-1]%|*}|${fuzz_time}s total"
fi
[ "$fuzz_rc" -le 1 ] || add_row "fuzz script exit $fuzz_rc" "-" "1" "0" "-"
fi

# ---- seed sweeps ------------------------------------------------------------
# Each fault scenario through the swimsim CLI (-c opt), seeds 1000.. upward.
# Per-scenario seed counts: mass_join costs ~0.4 s a seed and churn_1000
# (1000 nodes) ~75 s a seed, so they get fewer.
if want sweep; then
  echo "== sweep: fault scenarios" >&2
  bz build --config=opt --platform_suffix=opt --symlink_prefix=/ //sim:swimsim \
    > "$logs/swimsim_build.log" 2>&1
  swimsim="$(bz info --config=opt --platform_suffix=opt bazel-bin 2>/dev/null)/sim/swimsim"
  for f in scenarios/*.toml; do
    name="$(basename "$f" .toml)"
    case "$name" in
      mass_join) n=$((sweep_seeds / 4)) ;;
      churn_1000) [ "$mode" = quick ] && continue; n="${SWIM_CAMPAIGN_CHURN_SEEDS:-4}" ;;
      *) n=$sweep_seeds ;;
    esac
    [ "$n" -ge 1 ] || n=1
    t0=$SECONDS
    "$swimsim" --scenario "$f" --seeds "1000..$((1000 + n - 1))" --quiet \
      > "$logs/sweep_$name.out" 2> "$logs/sweep_$name.err"
    rc=$?
    # Failed seeds print "seed N: <problem>" (mixed into \r progress lines).
    failed=$(grep -oE 'seed [0-9]+: ' "$logs/sweep_$name.err" | sort -u | wc -l)
    viol=$failed
    if ! grep -q 'RESULT: PASS' "$logs/sweep_$name.out" && [ "$viol" -eq 0 ]; then
      viol=1  # an [expect] line failed, or the run did not finish
    fi
    crashes=0
    if [ "$rc" -ge 128 ] || grep -qE "$crash_re" "$logs/sweep_$name.err"; then crashes=1; fi
    add_row "sweep:$name" "$n seeds" "$viol" "$crashes" "$((SECONDS - t0))s"
  done
fi

if want hostile; then
  t0=$SECONDS
  echo "== hostile: $hostile_seeds seeds per attack test" >&2
  run_bazel opt "$logs/hostile.log" --config=opt --test_timeout=7200 \
    --test_env=SWIM_HOSTILE_SEEDS="$hostile_seeds" -- //tests/sim:hostile_sweep_test
  hruns=0
  for f in $logs_list; do
    r=$(grep -c '^\[hostile\] [a-z_+]*' "$f")
    hruns=$((hruns + r))
  done
  add_row "hostile peers (15 attacks, $hostile_seeds seeds per test)" "$hruns runs" \
    "$(( $(count_failed_cases) > targets_failed ? $(count_failed_cases) : targets_failed ))" \
    "$(count_crashes)" "$((SECONDS - t0))s"
fi

# ---- summary ---------------------------------------------------------------
status=0
for r in "${rows[@]}"; do
  IFS='|' read -r t e v c s <<< "$r"
  if [ "$v" != 0 ] || [ "$c" != 0 ]; then status=1; fi
done
{
  echo
  echo "Robustness campaign ($mode), $(date -u +%Y-%m-%dT%H:%MZ), logs in $logs"
  printf '| %-52s | %-16s | %10s | %7s | %11s |\n' target executions violations crashes time
  printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..54})" "$(printf -- '-%.0s' {1..18})" \
    "$(printf -- '-%.0s' {1..12})" "$(printf -- '-%.0s' {1..9})" "$(printf -- '-%.0s' {1..13})"
  for r in "${rows[@]}"; do
    IFS='|' read -r t e v c s <<< "$r"
    printf '| %-52s | %-16s | %10s | %7s | %11s |\n' "$t" "$e" "$v" "$c" "$s"
  done
  echo "RESULT: $([ $status = 0 ] && echo PASS || echo FAIL)"
} | tee "$logs/summary.txt"
exit $status
