#!/bin/bash
# A mixed cluster (2 swimd daemons + 2 Go memberlist 0.2.2 peers, AES keys)
# rotates its key with no member lost (issue 21, item 2): the daemons
# through their keyring files and SIGHUP, the Go peers through their
# KeyManager-equivalent commands, in Serf's order: install k2 everywhere,
# use k2 everywhere, remove k1 everywhere.
#
# Usage: swimd_go_key_rotation.sh SWIMD GO_PEER
set -u  # no pipefail: "producer | grep -q" must not fail when grep stops reading early
swimd=$1
go_peer=$2
if head -c 200 "$go_peer" | grep -aq "^# go toolchain not found"; then
  echo "SKIP: no go toolchain (the go_peer target is a stub)"
  exit 0
fi
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/rotation.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/*.out "$work"/*.err; do echo "--- $f" >&2; tail -20 "$f" >&2; done
  exit 1
}
wait_for() {
  local deadline=$((SECONDS + ${3:-20}))
  until grep -Eq "$2" "$1" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "no line matching '$2' in $1"
    sleep 0.1
  done
}
json_field() { sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" "$1" | head -1; }
http_get() {
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf 'GET %s HTTP/1.0\r\n\r\n' "$2" >&3
  cat <&3
  exec 3<&-
}
alive_members() { http_get "$1" /v1/members | grep -o '"state":"alive"' | wc -l; }

k1=000102030405060708090a0b0c0d0e0f
k2=f0e0d0c0b0a090807060504030201000
echo "$k1" >"$work/ring_s1"
echo "$k1" >"$work/ring_s2"

"$swimd" --name s1 --bind 127.0.0.1:0 --profile local --metrics-port 0 \
  --keyring-file "$work/ring_s1" >"$work/s1.out" 2>"$work/s1.err" &
pids+=($!); pid_s1=$!
wait_for "$work/s1.out" '"event":"ready"'
port_s1=$(json_field "$work/s1.out" bind_port)
http_s1=$(json_field "$work/s1.out" metrics_port)
"$swimd" --name s2 --bind 127.0.0.1:0 --profile local --metrics-port 0 \
  --keyring-file "$work/ring_s2" --join "127.0.0.1:$port_s1" \
  >"$work/s2.out" 2>"$work/s2.err" &
pids+=($!); pid_s2=$!
wait_for "$work/s2.out" '"event":"joined"'
http_s2=$(json_field "$work/s2.out" metrics_port)

# Go peers read commands from FIFOs held open on fds 7 and 8.
mkfifo "$work/g1.in" "$work/g2.in"
"$go_peer" -name g1 -bind 127.0.0.1 -port 0 -quiet -key "$k1" \
  -join "127.0.0.1:$port_s1" <"$work/g1.in" >"$work/g1.out" 2>"$work/g1.err" &
pids+=($!)
exec 7>"$work/g1.in"
"$go_peer" -name g2 -bind 127.0.0.1 -port 0 -quiet -key "$k1" \
  -join "127.0.0.1:$port_s1" <"$work/g2.in" >"$work/g2.out" 2>"$work/g2.err" &
pids+=($!)
exec 8>"$work/g2.in"
wait_for "$work/g1.out" '"event":"ready"'
wait_for "$work/g2.out" '"event":"ready"'

converged() {  # every node sees 4 alive members
  local deadline=$((SECONDS + ${1:-15}))
  while [ $SECONDS -lt $deadline ]; do
    if [ "$(alive_members "$http_s1")" -eq 4 ] && [ "$(alive_members "$http_s2")" -eq 4 ]; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}
converged 20 || fail "cluster did not converge to 4 members"

step() {  # RING_CONTENT GO_COMMAND EXPECTED_KEYS
  printf '%b' "$1" >"$work/ring_s1"
  printf '%b' "$1" >"$work/ring_s2"
  echo "$2" >&7
  echo "$2" >&8
  kill -HUP $pid_s1 $pid_s2
  wait_for "$work/s1.out" "\"keys\":$3" 5
  wait_for "$work/s2.out" "\"keys\":$3" 5
  sleep 1
}
step "$k1\n$k2\n" "add-key $k2" 2
step "$k2\n$k1\n" "use-key $k2" 2
step "$k2\n" "remove-key $k1" 1
sleep 3  # several probe and gossip rounds on k2 only
converged 5 || fail "a member was lost after the rotation"
echo keys >&7
wait_for "$work/g1.out" "\"keys\":\\[\"$k2\"\\]" 5
grep -q '"state":"dead"' "$work/s1.out" "$work/s2.out" && fail "a daemon declared a member dead"
grep -q '"event":"leave"' "$work/g1.out" "$work/g2.out" && fail "a Go peer saw a member leave"
grep -q '"event":"error"' "$work/g1.out" "$work/g2.out" && fail "a Go key command failed"
# A node still on k1 alone is now refused: the old key is really gone.
"$swimd" --name old --bind 127.0.0.1:0 --profile local --key-hex "$k1" \
  --join "127.0.0.1:$port_s1" >"$work/old.out" 2>"$work/old.err" &
pids+=($!)
wait_for "$work/old.out" '"event":"join_failed"' 15
echo quit >&7; echo quit >&8
kill -TERM $pid_s1 $pid_s2
echo PASS
