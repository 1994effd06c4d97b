#!/usr/bin/env bash
# The one rule of the architecture, checked mechanically: core/ knows nothing
# of the outside world. It includes no Boost/Asio, no socket, thread, clock or
# random-engine header, calls no clock or global random source, and depends
# on nothing in sim/ or net/.
#
# usage: check_core_layering.sh DIR   (DIR contains core/)
#        check_core_layering.sh --self-test DIR
#   The self-test copies core/, plants each kind of violation in turn and
#   requires the check to fail for every one, so the check cannot rot into
#   one that always passes.
set -uo pipefail

check() {
  local root="$1" bad=0
  local files
  files=$(find "$root/core" -type f \( -name '*.h' -o -name '*.cc' \))
  local include_patterns=(
    '#include[[:space:]]*[<"]boost/'
    '#include[[:space:]]*[<"]asio'
    '#include[[:space:]]*<thread>'
    '#include[[:space:]]*<mutex>'
    '#include[[:space:]]*<condition_variable>'
    '#include[[:space:]]*<future>'
    '#include[[:space:]]*<chrono>'
    '#include[[:space:]]*<random>'
    '#include[[:space:]]*<ctime>'
    '#include[[:space:]]*<time\.h>'
    '#include[[:space:]]*<pthread\.h>'
    '#include[[:space:]]*<unistd\.h>'
    '#include[[:space:]]*<sys/socket\.h>'
    '#include[[:space:]]*<sys/time\.h>'
    '#include[[:space:]]*<netinet/'
    '#include[[:space:]]*<arpa/'
    '#include[[:space:]]*<netdb\.h>'
    '#include[[:space:]]*"absl/random/'
    '#include[[:space:]]*"absl/time/clock\.h"'
    '#include[[:space:]]*"absl/synchronization/'
    '#include[[:space:]]*"(sim|net)/'
  )
  local call_patterns=(
    'std::chrono::(steady|system|high_resolution)_clock'
    'absl::Now[[:space:]]*\('
    'absl::BitGen'
    'absl::InsecureBitGen'
    'std::random_device'
    'std::thread'
    '[^[:alnum:]_.>]s?rand[[:space:]]*\('
    '[^[:alnum:]_.>]time[[:space:]]*\([[:space:]]*(NULL|nullptr|0)?[[:space:]]*\)'
    'gettimeofday|clock_gettime'
  )
  for p in "${include_patterns[@]}" "${call_patterns[@]}"; do
    local hits
    hits=$(grep -nE "$p" $files 2>/dev/null | grep -vE '^\S+:[0-9]+:[[:space:]]*//')
    if [ -n "$hits" ]; then
      echo "core layering violation ($p):"
      echo "$hits" | sed "s|$root/||"
      bad=1
    fi
  done
  local deps
  # Visibility lists name sim/ and net/ as allowed users (":__pkg__",
  # ":__subpackages__"); only dependencies count.
  deps=$(grep -nE '"(@system//:boost|//sim|//net)' $(find "$root/core" -name BUILD) 2>/dev/null |
    grep -vE ':__(pkg|subpackages)__"')
  if [ -n "$deps" ]; then
    echo "core BUILD depends on sim/, net/ or Boost:"
    echo "$deps" | sed "s|$root/||"
    bad=1
  fi
  return $bad
}

if [ "${1:-}" = "--self-test" ]; then
  root="$2"
  check "$root" >/dev/null || { echo "self-test: the clean tree fails"; check "$root"; exit 1; }
  plants=(
    '#include <boost/asio.hpp>'
    '#include <thread>'
    '#include <chrono>'
    '#include <random>'
    '#include <sys/socket.h>'
    '#include "net/asio_env.h"'
    'inline auto kNow = std::chrono::steady_clock::now();'
    'inline int kR = rand();'
    'inline absl::BitGen kGen;'
  )
  for plant in "${plants[@]}"; do
    tmp=$(mktemp -d)
    cp -rL "$root/core" "$tmp/core"
    chmod -R u+w "$tmp/core"
    echo "$plant" >> "$tmp/core/node.h"
    if check "$tmp" >/dev/null; then
      echo "self-test: planting '$plant' in core/node.h was NOT caught"
      rm -rf "$tmp"; exit 1
    fi
    rm -rf "$tmp"
  done
  tmp=$(mktemp -d); cp -rL "$root/core" "$tmp/core"; chmod -R u+w "$tmp/core"
  sed -i '0,/deps = \[/s||deps = ["//net:asio_env", |' "$tmp/core/BUILD"
  grep -q '"//net:asio_env"' "$tmp/core/BUILD" || { echo "self-test: could not plant a dependency"; exit 1; }
  if check "$tmp" >/dev/null; then echo "self-test: a //net dependency was NOT caught"; exit 1; fi
  rm -rf "$tmp"
  echo "layering self-test: ${#plants[@]} planted include/call violations and 1 dependency violation all caught"
  exit 0
fi

root="${1:-.}"
if check "$root"; then
  echo "core layering: OK ($(find "$root/core" -type f \( -name '*.h' -o -name '*.cc' \) | wc -l) files)"
else
  exit 1
fi
