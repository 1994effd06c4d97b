#!/usr/bin/env bash
# Opens `swimsim --html` output in headless Chromium (Debian's `chromium`,
# installed by tools/bootstrap) and checks that the page's script ran
# without errors (no uncaught exception, no console.error, <body
# data-rendered="ok">) and that the node x time view has one row per node.
# Saves a screenshot to $TEST_UNDECLARED_OUTPUTS_DIR/quickstart_report.png
# (bazel-testlogs/tests/sim/html_report_browser_test/test.outputs/).
set -euo pipefail

SWIMSIM=${1:-sim/swimsim}
SCENARIO=${2:-scenarios/quickstart.toml}
NODES=${3:-20}
OUT=${TEST_UNDECLARED_OUTPUTS_DIR:-${TEST_TMPDIR:-/tmp}}
TMP=${TEST_TMPDIR:-$(mktemp -d)}

fail() { echo "FAIL: $*" >&2; exit 1; }

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || fail "chromium not found; run tools/bootstrap (it installs Debian's chromium)"

report="$TMP/report.html"
set +e
"$SWIMSIM" --scenario "$SCENARIO" --seeds 1..2 --html "$report" -q >"$TMP/swimsim.out" 2>&1
rc=$?
set -e
[ "$rc" -le 1 ] || { cat "$TMP/swimsim.out" >&2; fail "swimsim exited with $rc"; }
[ -s "$report" ] || fail "no report written"

export HOME="$TMP/home"
mkdir -p "$HOME"
flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage
       --no-first-run --user-data-dir="$TMP/profile" --hide-scrollbars
       --enable-logging=stderr --v=0 --window-size=1400,1000)

timeout 120 "$CHROMIUM" "${flags[@]}" --dump-dom "file://$report" \
  >"$TMP/dom.html" 2>"$TMP/chromium.log" ||
  { tail -20 "$TMP/chromium.log" >&2; fail "chromium --dump-dom failed"; }

# The script's own error list (window 'error' events and console.error).
# The page shows #errors (hidden until the first one) when there are any.
if ! grep -q '<pre id="errors" hidden=""></pre>' "$TMP/dom.html"; then
  grep -o '<pre id="errors"[^<]*' "$TMP/dom.html" >&2 || true
  fail "the page's script reported errors"
fi
# Chromium's console log: uncaught exceptions and console errors.
if grep -E "CONSOLE.*(Uncaught|Error)" "$TMP/chromium.log" >&2; then
  fail "console errors while rendering"
fi
grep -q 'data-rendered="ok"' "$TMP/dom.html" ||
  fail "the script did not finish rendering (no data-rendered=\"ok\")"

rows=$(grep -o '<div class="row" id="row-[0-9]*"' "$TMP/dom.html" | sort -u | wc -l)
[ "$rows" -eq "$NODES" ] || fail "node x time view has $rows rows, want $NODES"
canvases=$(grep -o '<canvas data-node="[0-9]*"' "$TMP/dom.html" | wc -l)
[ "$canvases" -eq "$NODES" ] || fail "$canvases row canvases, want $NODES"
grep -q '<option value="1">seed 2' "$TMP/dom.html" || fail "seed selector lacks seed 2"

shot="$OUT/quickstart_report.png"
timeout 120 "$CHROMIUM" "${flags[@]}" --window-size=1400,1800 \
  --screenshot="$shot" "file://$report" >/dev/null 2>>"$TMP/chromium.log" ||
  fail "chromium --screenshot failed"
size=$(stat -c %s "$shot" 2>/dev/null || echo 0)
[ "$size" -gt 20000 ] || fail "screenshot $shot is $size bytes"
echo "PASS: $rows rows, screenshot $shot ($size bytes)"
