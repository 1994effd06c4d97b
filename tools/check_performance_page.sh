#!/usr/bin/env bash
# docs/performance.md is generated: bench/run_all.py writes it from
# docs/perf/results.json plus the hand-measured sections it copies from
# bench/*.md files. This check regenerates the page from those inputs in a
# scratch directory (`run_all.py --page-only`, no benchmark runs) and fails
# if it differs from the committed page: an edit made only to the page
# would be lost by the next `bench/run_all.sh`, and an edit made only to a
# section file would not be published.
#
# usage: check_performance_page.sh [--fix]   --fix rewrites the page
#
# As //tests:performance_page_test it runs in the source tree (tags
# "local" and "external"), like //tests:format_test.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/perf"
cp docs/perf/results.json "$scratch/perf/"
python3 bench/run_all.py --page-only --out "$scratch" >/dev/null 2>&1 || {
  echo "check_performance_page: run_all.py --page-only failed:" >&2
  python3 bench/run_all.py --page-only --out "$scratch" >&2 || true
  exit 2
}
if [ "${1:-}" = "--fix" ]; then
  cp "$scratch/performance.md" docs/performance.md
  exit 0
fi
if ! diff -u docs/performance.md "$scratch/performance.md" >"$scratch/diff"; then
  echo "docs/performance.md is not what bench/run_all.py generates from" >&2
  echo "docs/perf/results.json and the bench/**/*.md sections; edit the" >&2
  echo "section files and run tools/check_performance_page.sh --fix:" >&2
  head -60 "$scratch/diff" >&2
  exit 1
fi
echo "docs/performance.md matches its generator"
