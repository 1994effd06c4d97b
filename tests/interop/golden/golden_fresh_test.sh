#!/usr/bin/env bash
# Regenerates the golden wire vectors with Go memberlist 0.2.2 and requires
# them to equal the checked-in tests/wire/testdata/golden_vectors.txt, so the
# file cannot drift from what Go emits. Skips (passes with a message) when Go
# or Debian's memberlist source is not installed.
set -euo pipefail
regen="tests/interop/golden/regen.sh"
want="tests/wire/testdata/golden_vectors.txt"
if ! command -v go >/dev/null 2>&1; then
  echo "SKIPPED: go is not installed; golden vectors not regenerated"
  exit 0
fi
if [ ! -d /usr/share/gocode/src/github.com/hashicorp/memberlist ]; then
  echo "SKIPPED: golang-github-hashicorp-memberlist-dev is not installed"
  exit 0
fi
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
export HOME="${HOME:-$tmp}"
export GOCACHE="$tmp/gocache"
"$regen" "$tmp/fresh.txt"
if ! cmp -s "$tmp/fresh.txt" "$want"; then
  echo "golden vectors differ from what Go memberlist 0.2.2 prints now:"
  diff <(cut -c1-160 "$want") <(cut -c1-160 "$tmp/fresh.txt") | head -40
  echo "regenerate with: tests/interop/golden/regen.sh $want"
  exit 1
fi
echo "golden vectors: $(wc -l < "$want") vectors identical to Go's output"
