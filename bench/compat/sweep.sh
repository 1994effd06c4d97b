#!/bin/bash
# mass_join and pause_storm, default vs compat = "go" (issue 16): runs
# swimsim over a seed range for each and prints one table row per run
# (docs/departures.md, "mass_join and pause_storm, both ways").
#
#   bench/compat/sweep.sh SWIMSIM SEEDS [OUTDIR]
#     SWIMSIM  an opt build of //sim:swimsim (./bazelw build --config=opt)
#     SEEDS    e.g. 1..1000
#   SWEEP_MASS_JOIN_SEEDS  mass_join's seeds instead (a 200-node, 60 s run
#                          costs ~1.5 CPU s against pause_storm's ~0.07 s)
#   SWEEP_JOBS             swimsim --jobs (default 1)
#
# The scenarios are the shipped ones with duration 60 s (mass_join ships
# with 10 s, too short for Go's join without join_sync) and, for the
# compat runs, `compat = "go"` added to [cluster].
set -eu
swimsim=$1
seeds=$2
out=${3:-$(mktemp -d /tmp/compat_sweep.XXXXXX)}
here=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
for sc in mass_join pause_storm; do
  for mode in default go; do
    f="$out/${sc}_${mode}.toml"
    # Only [cluster]'s duration (mass_join); event durations stay.
    sed -e "s/^\[cluster\]/[cluster]\ncompat = \"$mode\"/" \
        "$here/scenarios/$sc.toml" >"$f"
    [ "$sc" = mass_join ] && sed -i 's/^duration = "10s"/duration = "60s"/' "$f"
    s=$seeds
    [ "$sc" = mass_join ] && s=${SWEEP_MASS_JOIN_SEEDS:-$seeds}
    nice -n 10 "$swimsim" --scenario "$f" --seeds "$s" --jobs "${SWEEP_JOBS:-1}" \
      --json "$out/${sc}_${mode}.json" >"$out/${sc}_${mode}.txt" 2>&1 || true
  done
done
python3 "$here/bench/compat/summarize.py" "$out"/*.json
