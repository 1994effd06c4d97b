#!/usr/bin/env bash
# Format check: every git-tracked C++ file (*.h, *.cc, *.inc) must be exactly
# what clang-format-14 makes of it with the repository's .clang-format.
#
# usage: check_format.sh [DIR]        check DIR (default: the workspace this
#                                     script lives in); exit 1 listing every
#                                     file that differs
#        check_format.sh --fix [DIR]  reformat those files in place
#        check_format.sh --self-test  a formatted and a misformatted file in
#                                     a scratch directory: the check must
#                                     pass on the first and name the second
#
# Files are listed with `git ls-files` when DIR is a git checkout, else with
# find (bazel-* output trees excluded).
#
# As the test //tests:format_test, the script runs in the source tree, not
# in Bazel's sandbox: it finds the workspace from its own real path (the
# runfiles entry is a symlink to tools/check_format.sh in the source tree).
# The test is tagged "local" (no sandbox) and "external" (never cached:
# its inputs, the whole tree, are not declared to Bazel).
set -euo pipefail

CLANG_FORMAT="${CLANG_FORMAT:-clang-format-14}"

die() {
  echo "check_format: $*" >&2
  exit 2
}

workspace_of_script() {
  local self dir
  self="$(readlink -f "${BASH_SOURCE[0]}")"
  dir="$(dirname "$self")/.."
  dir="$(cd "$dir" && pwd)"
  [ -f "$dir/WORKSPACE" ] && [ -f "$dir/.clang-format" ] ||
    die "cannot find the workspace from $self (no WORKSPACE and .clang-format in $dir)"
  echo "$dir"
}

# Prints the C++ files of ROOT, one per line, relative to ROOT.
list_files() {
  local root="$1"
  if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1 &&
     [ "$(git -C "$root" rev-parse --show-toplevel)" = "$(cd "$root" && pwd -P)" ]; then
    git -C "$root" ls-files -- '*.h' '*.cc' '*.inc'
  else
    (cd "$root" && find . \( -name 'bazel-*' -prune \) -o -type f \
      \( -name '*.h' -o -name '*.cc' -o -name '*.inc' \) -print |
      sed 's|^\./||' | sort)
  fi
}

# check ROOT FIX: prints offending files; returns 1 if there are any.
check() {
  local root="$1" fix="$2"
  command -v "$CLANG_FORMAT" >/dev/null ||
    die "$CLANG_FORMAT not found (tools/bootstrap installs it)"
  [ -f "$root/.clang-format" ] || die "no .clang-format in $root"
  local files=() f
  while IFS= read -r f; do
    [ -f "$root/$f" ] && files+=("$f")
  done < <(list_files "$root")
  [ ${#files[@]} -gt 0 ] || die "no C++ files found under $root"

  # One clang-format run over all files; each violation is reported as
  # "FILE:LINE:COL: error: code should be clang-formatted".
  local out
  out="$(cd "$root" && "$CLANG_FORMAT" --dry-run -Werror --style=file \
    "${files[@]}" 2>&1 >/dev/null || true)"
  local bad
  bad="$(printf '%s\n' "$out" |
    sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' |
    sort | uniq -c | awk '{printf "%s (%d %s)\n", $2, $1, ($1 == 1 ? "spot" : "spots")}')"
  # Anything else clang-format says (unreadable file, bad style) is an error
  # of the check itself.
  local other
  other="$(printf '%s\n' "$out" | grep -E '^[^ ].*: error: ' |
    grep -v 'code should be clang-formatted' || true)"
  [ -z "$other" ] || die "clang-format failed: $other"

  if [ -z "$bad" ]; then
    echo "format: OK (${#files[@]} files match .clang-format)"
    return 0
  fi
  local n
  n="$(printf '%s\n' "$bad" | wc -l)"
  if [ "$fix" = 1 ]; then
    printf '%s\n' "$bad" | sed 's/ (.*//' |
      (cd "$root" && xargs "$CLANG_FORMAT" -i --style=file)
    echo "format: reformatted $n file(s):"
    printf '  %s\n' $(printf '%s\n' "$bad" | sed 's/ (.*//')
    return 0
  fi
  echo "format: $n of ${#files[@]} files differ from .clang-format ($CLANG_FORMAT):"
  printf '%s\n' "$bad" | sed 's/^/  /'
  echo "fix with: tools/check_format.sh --fix  (or $CLANG_FORMAT -i FILE)"
  return 1
}

self_test() {
  local ws tmp
  ws="$(workspace_of_script)"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  cp "$ws/.clang-format" "$tmp/.clang-format"
  mkdir -p "$tmp/core"
  printf '%s\n' '#include <vector>' '' 'int Sum(const std::vector<int>& v) {' \
    '  int s = 0;' '  for (int x : v) s += x;' '  return s;' '}' >"$tmp/core/good.cc"
  (cd "$tmp" && "$CLANG_FORMAT" -i --style=file core/good.cc)
  check "$tmp" 0 >/dev/null || {
    echo "self-test: a clang-formatted tree fails the check"
    check "$tmp" 0
    return 1
  }
  printf '%s\n' 'int  Twice( int x ){return 2*x;}' >"$tmp/core/bad.cc"
  local out
  if out="$(check "$tmp" 0)"; then
    echo "self-test: a misformatted file was NOT caught"
    return 1
  fi
  if ! printf '%s\n' "$out" | grep -q '^  core/bad.cc '; then
    echo "self-test: the report does not name core/bad.cc:"
    printf '%s\n' "$out"
    return 1
  fi
  if printf '%s\n' "$out" | grep -q 'good.cc'; then
    echo "self-test: the report names the well-formatted file:"
    printf '%s\n' "$out"
    return 1
  fi
  echo "format self-test: a formatted file passes, a misformatted one is named"
}

case "${1:-}" in
  --self-test) self_test ;;
  --fix) check "${2:-$(workspace_of_script)}" 1 ;;
  *) check "${1:-$(workspace_of_script)}" 0 ;;
esac
