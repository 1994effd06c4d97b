#!/usr/bin/env bash
# Size and assertion-density check for core/.
#
#   - no file in core/ is over 800 lines;
#   - no function in core/ is over 80 lines (counted from the line of its
#     opening brace to the line of its closing brace);
#   - no core code names a metric with a string literal ("memberlist.*"):
#     every name is a constant in core/metric_names.h;
#   - prints the assertions (SWIM_CHECK, SWIM_DCHECK, SWIM_SIM_ASSERT) per
#     non-trivial function (a body of more than 4 lines), and with
#     --min-density X fails if the average is below X.
#
# usage: check_core_size.sh [--verbose] [--min-density X] DIR
#          (DIR contains core/)
#        check_core_size.sh --self-test DIR
#   The self-test copies core/, plants an oversize function and an oversize
#   file in turn and requires the check to fail for each (and to pass on the
#   unmodified copy), so the check cannot rot into one that always passes.
#
# Functions are found by a small scanner (comments, strings and preprocessor
# lines stripped; a brace block whose header ends in a parameter list is a
# function; blocks nested in a function belong to it). It is written for
# this codebase's style (clang-format, Google style), not for all of C++.
set -uo pipefail

readonly MAX_FILE_LINES=800
readonly MAX_FUNCTION_LINES=80

scan() {
  # scan ROOT VERBOSE MIN_DENSITY
  python3 - "$@" <<'PY'
import os
import re
import sys

root, verbose, min_density = sys.argv[1], sys.argv[2] == "1", float(sys.argv[3])
MAX_FILE, MAX_FN, TRIVIAL = 800, 80, 4
ASSERT = re.compile(r"\bSWIM_(CHECK|DCHECK|SIM_ASSERT)\s*\(")
CONTROL = re.compile(r"\b(if|for|while|switch|catch|return)\s*\(")


def strip(text, keep_strings=False):
    """Blanks comments, string/char literals (unless keep_strings) and
    preprocessor lines, keeping newlines (so line numbers stay right)."""
    out, i, n = [], 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and c == "#":
            j = i
            while j < n and text[j] != "\n":  # a directive, with continuations
                if text[j] == "\\" and j + 1 < n and text[j + 1] == "\n":
                    out.append("\n")
                    j += 2
                    continue
                j += 1
            i = j
            continue
        if c == "/" and text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        if c == "/" and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1] if keep_strings else c + c)
            i = j + 1
            continue
        if c == "\n":
            at_line_start = True
        elif not c.isspace():
            at_line_start = False
        out.append(c)
        i += 1
    return "".join(out)


def functions(path):
    """Yields (name, first_line, last_line, body_text) for every function."""
    code = strip(open(path, encoding="utf-8", errors="replace").read())
    stack = []  # kinds of the open blocks: "fn", "inner", "scope", "init"
    header_start = 0
    line = 1
    fn_start = None
    for i, c in enumerate(code):
        if c == "\n":
            line += 1
        elif c in ";":
            if not stack or stack[-1] == "scope":
                header_start = i + 1
        elif c == "{":
            header = code[header_start:i]
            if stack and stack[-1] in ("fn", "inner", "init"):
                stack.append("inner")
            elif re.search(r"\b(namespace|class|struct|union|enum)\b", header) and \
                    "(" not in header.split("=")[0].split(":")[0]:
                stack.append("scope")
            elif re.search(r"\)\s*(const|override|final|noexcept|mutable|->[^{]*|"
                           r":[^{]*|\s)*$", header) and not header.rstrip().endswith("="):
                stack.append("fn")
                name = header[: header.find("(")].split()
                fn_start = (name[-1] if name else "?", line, i)
            else:
                stack.append("init")
            if stack[-1] == "scope":
                header_start = i + 1
        elif c == "}":
            if not stack:
                continue
            kind = stack.pop()
            if kind == "fn" and fn_start is not None:
                name, first, begin = fn_start
                yield name, first, line, code[begin:i]
                fn_start = None
            if not stack or stack[-1] == "scope":
                header_start = i + 1


bad = False
files = []
for d, _, names in os.walk(os.path.join(root, "core")):
    files += [os.path.join(d, f) for f in names if f.endswith((".h", ".cc"))]
total_fns = nontrivial = asserts = 0
rows = []
for path in sorted(files):
    rel = os.path.relpath(path, root)
    nlines = open(path, encoding="utf-8", errors="replace").read().count("\n")
    if not rel.endswith("core/metric_names.h"):
        code = strip(open(path, encoding="utf-8", errors="replace").read(), True)
        for k, text in enumerate(code.split("\n"), 1):
            if re.search(r'"memberlist\.', text):
                print(f"{rel}:{k}: a metric named by a string literal; use a "
                      "constant from core/metric_names.h")
                bad = True
    if nlines > MAX_FILE:
        print(f"{rel}: {nlines} lines (limit {MAX_FILE})")
        bad = True
    f_fns = f_asserts = 0
    for name, first, last, body in functions(path):
        length = last - first + 1
        total_fns += 1
        if length > MAX_FN:
            print(f"{rel}:{first}: function {name} is {length} lines (limit {MAX_FN})")
            bad = True
        if length > TRIVIAL:
            n = len(ASSERT.findall(body))
            nontrivial += 1
            asserts += n
            f_fns += 1
            f_asserts += n
    if f_fns:
        rows.append((rel, f_fns, f_asserts))

density = asserts / nontrivial if nontrivial else 0.0
if verbose:
    print("assertions per non-trivial function, by file:")
    for rel, n, a in rows:
        print(f"  {a / n:5.2f}  ({a:3d} in {n:3d})  {rel}")
print(f"core: {len(files)} files, {total_fns} functions, {nontrivial} non-trivial "
      f"(> {TRIVIAL} lines), {asserts} assertions: {density:.2f} per non-trivial "
      f"function (goal >= 2)")
if density < min_density:
    print(f"assertion density {density:.2f} is below the floor {min_density:.2f}")
    bad = True
sys.exit(1 if bad else 0)
PY
}

SELF_TEST_DIR=""
self_test() {
  local root="$1" tmp status=0
  tmp=$(mktemp -d)
  SELF_TEST_DIR="$tmp"
  trap 'rm -rf "$SELF_TEST_DIR"' EXIT
  cp -rL "$root/core" "$tmp/core"
  if ! scan "$tmp" 0 0 >/dev/null; then
    echo "self-test: the check fails on the unmodified core/"
    scan "$tmp" 0 0
    return 1
  fi
  # A function of 81 lines must be caught...
  {
    echo "namespace swim {"
    echo "int PlantedLongFunction(int x) {"
    for i in $(seq 1 79); do echo "  x += $i;"; done
    echo "}"
    echo "}  // namespace swim"
  } >"$tmp/core/planted_long_function.cc"
  if scan "$tmp" 0 0 >/dev/null; then
    echo "self-test: an 81-line function went unnoticed"
    status=1
  fi
  # ...and one of 80 lines must not.
  {
    echo "namespace swim {"
    echo "int PlantedLongFunction(int x) {"
    for i in $(seq 1 78); do echo "  x += $i;"; done
    echo "}"
    echo "}  // namespace swim"
  } >"$tmp/core/planted_long_function.cc"
  if ! scan "$tmp" 0 0 >/dev/null; then
    echo "self-test: an 80-line function was refused"
    status=1
  fi
  # A long member function defined inside a class body, with a lambda and
  # nested blocks, must be caught too.
  {
    echo "namespace swim {"
    echo "class Planted {"
    echo " public:"
    echo "  void Run() const override {"
    echo "    auto f = [this](int y) { return y; };"
    for i in $(seq 1 40); do echo "    if (f($i)) { Touch($i); }"; done
    for i in $(seq 1 40); do echo "    Touch($i);"; done
    echo "  }"
    echo "};"
    echo "}  // namespace swim"
  } >"$tmp/core/planted_long_function.cc"
  if scan "$tmp" 0 0 >/dev/null; then
    echo "self-test: an 83-line member function went unnoticed"
    status=1
  fi
  rm -f "$tmp/core/planted_long_function.cc"
  # A file of 801 lines must be caught.
  for i in $(seq 1 801); do echo "// line $i"; done >"$tmp/core/planted_long_file.h"
  if scan "$tmp" 0 0 >/dev/null; then
    echo "self-test: an 801-line file went unnoticed"
    status=1
  fi
  rm -f "$tmp/core/planted_long_file.h"
  # A metric named by a string literal must be caught.
  {
    echo "namespace swim {"
    echo "void Planted(Metrics& m) { m.Incr(\"memberlist.planted\"); }"
    echo "}  // namespace swim"
  } >"$tmp/core/planted_metric.cc"
  if scan "$tmp" 0 0 >/dev/null; then
    echo "self-test: a metric named by a string literal went unnoticed"
    status=1
  fi
  rm -f "$tmp/core/planted_metric.cc"
  # A density floor above what the code has must fail.
  if scan "$tmp" 0 1000 >/dev/null; then
    echo "self-test: --min-density was not enforced"
    status=1
  fi
  [ "$status" -eq 0 ] && echo "self-test: every planted violation was caught"
  return "$status"
}

main() {
  local verbose=0 min_density=0
  if [ "${1:-}" = "--self-test" ]; then
    self_test "${2:-.}"
    return
  fi
  while [ $# -gt 1 ]; do
    case "$1" in
      --verbose) verbose=1; shift ;;
      --min-density) min_density="$2"; shift 2 ;;
      *) break ;;
    esac
  done
  scan "${1:-.}" "$verbose" "$min_density"
}

main "$@"
