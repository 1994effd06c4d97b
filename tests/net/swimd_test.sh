#!/bin/bash
# Two swimd daemons on loopback: each sees the other in its JSON event
# stream, /metrics answers in Prometheus text format, bad flags and busy
# ports fail clearly, and a SIGTERMed daemon leaves gracefully (exit 0) and
# is reported as "left" by the other.
#
# Hostile bytes (hardening issue, crash 1): a user message or an alive whose
# name and meta are not UTF-8 used to abort swimd in its JSON printer.
#
# Usage: swimd_test.sh PATH_TO_SWIMD PATH_TO_PACKET_TOOL
set -euo pipefail
swimd=$1
packet_tool=$2
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/swimd_test.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; for f in "$work"/*.out "$work"/*.err; do echo "--- $f" >&2; cat "$f" >&2 || true; done; exit 1; }

# wait_for FILE REGEX [SECONDS]: until a line of FILE matches.
wait_for() {
  local deadline=$((SECONDS + ${3:-20}))
  until grep -Eq "$2" "$1" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "no line matching '$2' in $1"
    sleep 0.1
  done
}

json_field() { sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" "$1" | head -1; }

# HTTP GET on 127.0.0.1:PORT PATH with bash's /dev/tcp (no curl needed).
http_get() {
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$2" >&3
  cat <&3
  exec 3<&-
}

# --- bad input fails clearly -------------------------------------------------
if "$swimd" --no-such-flag >"$work/bad.out" 2>"$work/bad.err"; then fail "unknown flag accepted"; fi
grep -q "unrecognised option" "$work/bad.err" || fail "no message for an unknown flag"
rc=0; "$swimd" --key-hex 00112233 2>"$work/key.err" || rc=$?
[ $rc -eq 2 ] || fail "short key: exit $rc, want 2"
grep -q "16, 24 or 32" "$work/key.err" || fail "no message for a short key"
rc=0; "$swimd" --key-hex "zz$(printf '0%.0s' $(seq 30))" 2>"$work/hex.err" || rc=$?
[ $rc -eq 2 ] || fail "bad hex: exit $rc, want 2"
grep -q "not hex" "$work/hex.err" || fail "no message for bad hex"

# --- two daemons -------------------------------------------------------------------
key=000102030405060708090a0b0c0d0e0f
"$swimd" --name a --bind 127.0.0.1:0 --profile local --key-hex $key \
  --metrics-port 0 --meta role=a >"$work/a.out" 2>"$work/a.err" &
pids+=($!); pid_a=$!
wait_for "$work/a.out" '"event":"ready"'
port_a=$(json_field "$work/a.out" bind_port)
metrics_a=$(json_field "$work/a.out" metrics_port)
[ -n "$port_a" ] && [ -n "$metrics_a" ] || fail "ready line lacks ports"

# A busy port is an error with a message.
rc=0; "$swimd" --name x --bind "127.0.0.1:$port_a" 2>"$work/busy.err" >/dev/null || rc=$?
[ $rc -eq 1 ] || fail "busy port: exit $rc, want 1"
grep -q "in use" "$work/busy.err" || fail "no message for a busy port"

cat >"$work/b.toml" <<TOML
name = "b"
bind = "127.0.0.1:0"
profile = "local"
key-hex = "$key"
join = ["127.0.0.1:$port_a"]
TOML
"$swimd" --config "$work/b.toml" >"$work/b.out" 2>"$work/b.err" &
pids+=($!); pid_b=$!
wait_for "$work/b.out" '"event":"joined"'
wait_for "$work/a.out" '"event":"join".*"name":"b"'  # nlohmann sorts keys
wait_for "$work/b.out" '"meta":"role=a","meta_b64":"cm9sZT1h","name":"a"'


metrics=$(http_get "$metrics_a" /metrics)
echo "$metrics" | head -1 | grep -q "200 OK" || fail "/metrics status: $(echo "$metrics" | head -1)"
echo "$metrics" | grep -q "^# TYPE swim_memberlist_members gauge" || fail "/metrics lacks members gauge"
echo "$metrics" | grep -q "^swim_memberlist_members 2" || fail "/metrics does not count 2 members"
http_get "$metrics_a" /other | head -1 | grep -q "404" || fail "/other is not 404"

# --- graceful leave on SIGTERM ---------------------------------------------------
kill -TERM $pid_b
rc=0; wait $pid_b || rc=$?
[ $rc -eq 0 ] || fail "swimd b exited $rc after SIGTERM"
grep -q '"event":"shutdown"' "$work/b.out" || fail "b did not report shutdown"
wait_for "$work/a.out" '"event":"leave".*"name":"b".*"state":"left"' 10

kill -INT $pid_a
rc=0; wait $pid_a || rc=$?
[ $rc -eq 0 ] || fail "swimd a exited $rc after SIGINT"
# --- bytes that are not UTF-8 never kill the printer ------------------------------
# Two plain (unencrypted) daemons; the bad alive reaches q through gossip.
"$swimd" --name p --bind 127.0.0.1:0 --profile local >"$work/p.out" 2>"$work/p.err" &
pids+=($!); pid_p=$!
wait_for "$work/p.out" '"event":"ready"'
port_p=$(json_field "$work/p.out" bind_port)
"$swimd" --name q --bind 127.0.0.1:0 --profile local --join "127.0.0.1:$port_p" \
  >"$work/q.out" 2>"$work/q.err" &
pids+=($!); pid_q=$!
wait_for "$work/q.out" '"event":"joined"'
"$packet_tool" raw 127.0.0.1 "$port_p" 08fffe          # user message ff fe
wait_for "$work/p.out" '"data":"[^"]+","data_b64":"//4="' 5
"$packet_tool" alive 127.0.0.1 "$port_p" 41fffe ff00fe   # name "A\xff\xfe", meta ff 00 fe
wait_for "$work/p.out" '"name_b64":"Qf/\+"' 5
grep -qF '"meta_b64":"/wD+"' "$work/p.out" || fail "alive with bad meta not printed exactly"
wait_for "$work/q.out" '"name_b64":"Qf/\+"' 10                # it spread, q survived
# A long user message is cut to 1 KiB on stdout and says so.
"$packet_tool" raw 127.0.0.1 "$port_p" "08$(printf '61%.0s' $(seq 3000))"
wait_for "$work/p.out" '"size":3000,.*"truncated":true' 5
kill -0 $pid_p || fail "swimd p died on non-UTF-8 input"
kill -0 $pid_q || fail "swimd q died on non-UTF-8 input"
kill -TERM $pid_q; wait $pid_q || true
kill -TERM $pid_p; wait $pid_p || true

echo PASS
