#!/bin/bash
# swimd's /metrics exports every core counter family from the first scrape
# (issue 21, item 3); its list of names lives in net/swimd_http.cc. This
# fails when the core increments a counter name the list lacks.
#
# Usage: swimd_counters_test.sh SWIMD_HTTP_CC CORE_SOURCE...
set -euo pipefail
list=$1; shift
missing=0
for name in $(grep -ho 'Incr("memberlist\.[A-Za-z0-9_.]*"' "$@" | sed 's/Incr(//; s/"//g' | sort -u); do
  if ! grep -q "\"$name\"" "$list"; then
    echo "MISSING from kCoreCounters in net/swimd_http.cc: $name"
    missing=$((missing + 1))
  fi
done
[ $missing -eq 0 ] || exit 1
echo PASS
