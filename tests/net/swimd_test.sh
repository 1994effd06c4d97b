#!/bin/bash
# Two swimd daemons on loopback: each sees the other in its JSON event
# stream, /metrics answers in Prometheus text format, bad flags and busy
# ports fail clearly, and a SIGTERMed daemon leaves gracefully (exit 0) and
# is reported as "left" by the other.
#
# Hostile bytes (hardening issue, crash 1): a user message or an alive whose
# name and meta are not UTF-8 used to abort swimd in its JSON printer.
#
# Operator features (issue 21): event order, HTTP API (/v1/members,
# /v1/health, /metrics from the start), SIGHUP reload of the log level and
# keyring file (key rotation with no member lost), keyring API, SIGTERM
# during a hanging --join, name conflicts and the snappy warning as events.
#
# Usage: swimd_test.sh PATH_TO_SWIMD PATH_TO_PACKET_TOOL
set -u  # no pipefail: "producer | grep -q" must not fail when grep stops reading early
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
[ "$(wc -l <"$work/bad.err")" -le 2 ] || fail "unknown flag printed more than a reason and a pointer"
grep -q -- "--help" "$work/bad.err" || fail "unknown flag does not point to --help"
# Protocol versions 2..5 everywhere (issue 21, item 5).
"$swimd" --help | grep -q "2..5" || fail "--help does not say 2..5"
for v in 1 6; do
  rc=0; "$swimd" --protocol-version $v 2>"$work/pv.err" >/dev/null || rc=$?
  [ $rc -eq 2 ] || fail "--protocol-version $v: exit $rc, want 2"
  grep -q "want 2..5" "$work/pv.err" || fail "--protocol-version $v: $(cat "$work/pv.err")"
done
printf 'nmae = "typo"\n' >"$work/typo.toml"
rc=0; "$swimd" --config "$work/typo.toml" 2>"$work/typo.err" >/dev/null || rc=$?
[ $rc -eq 2 ] && grep -q 'unknown key "nmae"' "$work/typo.err" || fail "unknown TOML key not refused"
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
grep -q "^# TYPE swim_memberlist_members gauge" <<<"$metrics" || fail "/metrics lacks members gauge"
grep -q "^swim_memberlist_members 2" <<<"$metrics" || fail "/metrics does not count 2 members"
http_get "$metrics_a" /other | head -1 | grep -q "404" || fail "/other is not 404"
# Every counter family from the start, and the probe RTT histogram.
grep -Eq "^swim_memberlist_msg_dead_total [0-9]+$" <<<"$metrics" || fail "/metrics lacks msg_dead"
grep -Eq "^swim_memberlist_dropped_unknown_type_total 0$" <<<"$metrics" || fail "/metrics lacks dropped_unknown_type at 0"
grep -q "^# TYPE swim_probe_rtt_seconds histogram" <<<"$metrics" || fail "/metrics lacks the RTT histogram"
rtt_seen=0
for _ in $(seq 50); do
  if http_get "$metrics_a" /metrics | grep -Eq '^swim_probe_rtt_seconds_count [1-9]'; then rtt_seen=1; break; fi
  sleep 0.2
done
[ $rtt_seen -eq 1 ] || fail "no probe RTT recorded in 10 s"
# /v1/members and /v1/health.
members=$(http_get "$metrics_a" /v1/members)
grep -q '"address":"127.0.0.1:'"$port_a"'".*"health":"healthy"' <<<"$members" || fail "/v1/members: $members"
grep -q '"meta":"cm9sZT1h"' <<<"$members" || fail "/v1/members meta is not base64: $members"
grep -q '"name":"b"' <<<"$members" || fail "/v1/members lacks b"
health=$(http_get "$metrics_a" /v1/health)
echo "$health" | head -1 | grep -q " 200 " || fail "/v1/health: $health"
grep -q '"awareness_score":0' <<<"$health" || fail "/v1/health lacks the score: $health"
# The node's own join comes after ready.
ready_line=$(grep -n '"event":"ready"' "$work/a.out" | cut -d: -f1)
join_line=$(grep -n '"event":"join".*"name":"a"' "$work/a.out" | head -1 | cut -d: -f1)
[ -n "$join_line" ] && [ "$ready_line" -lt "$join_line" ] || fail "own join before ready"

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

# --- SIGHUP: log level and keyring file; rotation with no member lost -------
k1=000102030405060708090a0b0c0d0e0f
k2=101112131415161718191a1b1c1d1e1f
k2b64=EBESExQVFhcYGRobHB0eHw==
echo "$k1" >"$work/ring"
cat >"$work/r1.toml" <<TOML
name = "r1"
bind = "127.0.0.1:0"
profile = "local"
keyring-file = "$work/ring"
log-level = "warn"
metrics-port = 0
keyring-api = true
TOML
"$swimd" --config "$work/r1.toml" >"$work/r1.out" 2>"$work/r1.err" &
pids+=($!); pid_r1=$!
wait_for "$work/r1.out" '"event":"ready"'
port_r1=$(json_field "$work/r1.out" bind_port)
http_r1=$(json_field "$work/r1.out" metrics_port)
"$swimd" --name r2 --bind 127.0.0.1:0 --profile local --keyring-file "$work/ring" \
  --join "127.0.0.1:$port_r1" >"$work/r2.out" 2>"$work/r2.err" &
pids+=($!); pid_r2=$!
wait_for "$work/r2.out" '"event":"joined"'
# Install k2 everywhere, then make it primary, then drop k1 (Serf's order).
printf '%s\n%s\n' "$k1" "$k2" >"$work/ring"
kill -HUP $pid_r1 $pid_r2
wait_for "$work/r1.out" '"event":"reloaded".*"keys":2' 5 || fail "r1 did not reload"
wait_for "$work/r2.out" '"event":"reloaded".*"keys":2' 5 || fail "r2 did not reload"
printf '# rotated\n%s\n%s\n' "$k2" "$k1" >"$work/ring"
kill -HUP $pid_r1 $pid_r2
sleep 0.5
echo "[\"$k2b64\"]" >"$work/ring"   # Serf's JSON format works too
"$packet_tool" raw 127.0.0.1 "$port_r1" 07ff        # a warning at level warn
wait_for "$work/r1.err" '^\[WARN\]' 5 || fail "no warning logged at level warn"
sed -i 's/log-level = "warn"/log-level = "error"/' "$work/r1.toml"
kill -HUP $pid_r1 $pid_r2
wait_for "$work/r1.out" '"event":"reloaded".*"keys":1.*"log_level":"error"' 5 || fail "r1: no reload to one key and level error"
warns=$(grep -c '^\[WARN\]' "$work/r1.err")
"$packet_tool" raw 127.0.0.1 "$port_r1" 07ff
sleep 0.5
[ "$(grep -c '^\[WARN\]' "$work/r1.err")" -eq "$warns" ] || fail "log level not reloaded (warnings still logged)"
sleep 2  # a few probe rounds with only k2
http_get "$http_r1" /v1/members | grep -q '"name":"r2"' || fail "r2 lost after rotation"
http_get "$http_r1" /v1/keyring | grep -q "\"$k2b64\"" || fail "keyring list lacks k2"
grep -q '"state":"dead"' "$work/r1.out" "$work/r2.out" && fail "a member was declared dead during rotation"
kill -0 $pid_r1 && kill -0 $pid_r2 || fail "SIGHUP killed a node"
# A bad keyring file is reported; the node keeps running with its keys.
echo "not a key" >"$work/ring"
kill -HUP $pid_r1
wait_for "$work/r1.out" '"event":"reload_failed"' 5 || fail "bad keyring file not reported"
kill -0 $pid_r1 || fail "bad keyring file killed r1"
# Keyring API: install, use, remove at runtime.
post() {  # PORT PATH BODY
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf 'POST %s HTTP/1.0\r\nContent-Length: %d\r\n\r\n%s' "$2" "${#3}" "$3" >&3
  cat <&3
  exec 3<&-
}
post "$http_r1" /v1/keyring/install "$k1" | head -1 | grep -q " 200 " || fail "keyring install"
post "$http_r1" /v1/keyring/use "$k1" | grep -q '"keys":\["AAECAwQFBgcICQoLDA0ODw=="' || fail "keyring use"
post "$http_r1" /v1/keyring/remove "$k2" | grep -q '"keys":\["AAECAwQFBgcICQoLDA0ODw=="\]' || fail "keyring remove"
kill -TERM $pid_r2; wait $pid_r2 || true
kill -TERM $pid_r1; wait $pid_r1 || true

# --- name conflict is an event; snappy warns at start ------------------------
"$swimd" --name c --bind 127.0.0.1:0 --profile local --compression snappy \
  >"$work/c.out" 2>"$work/c.err" &
pids+=($!); pid_c=$!
wait_for "$work/c.out" '"event":"ready"'
head -1 "$work/c.out" | grep -q '"event":"warning".*snappy' || fail "no snappy warning before ready"
port_c=$(json_field "$work/c.out" bind_port)
"$swimd" --name c --bind 127.0.0.1:0 --profile local --compression snappy \
  --join "127.0.0.1:$port_c" >"$work/c2.out" 2>"$work/c2.err" &
pids+=($!); pid_c2=$!
wait_for "$work/c.out" '"event":"name_conflict"' 10 || fail "no name_conflict event"
kill -TERM $pid_c2 $pid_c; wait $pid_c2 $pid_c 2>/dev/null || true

# --- SIGTERM during a --join that hangs leaves at once -----------------------
"$packet_tool" hold 127.0.0.1 0 30 >"$work/hold.out" &
pids+=($!); pid_hold=$!
wait_for "$work/hold.out" 'hold port=' 5
hold_port=$(sed -n 's/hold port=//p' "$work/hold.out")
"$swimd" --name h --bind 127.0.0.1:0 --profile lan --metrics-port 0 \
  --join "127.0.0.1:$hold_port" >"$work/h.out" 2>"$work/h.err" &
pids+=($!); pid_h=$!
wait_for "$work/h.out" '"event":"ready"'
http_h=$(json_field "$work/h.out" metrics_port)
http_get "$http_h" /v1/health | head -1 | grep -q " 503 " || fail "/v1/health is not 503 while joining"
sleep 0.5
t0=$(date +%s%N)
kill -TERM $pid_h
rc=0; wait $pid_h || rc=$?
t1=$(date +%s%N)
[ $rc -eq 0 ] || fail "h exited $rc"
[ $(( (t1 - t0) / 1000000 )) -lt 3000 ] || fail "SIGTERM during --join took $(( (t1 - t0) / 1000000 )) ms"
grep -q '"event":"shutdown"' "$work/h.out" || fail "h did not shut down cleanly"
# --join-required that fails: exit 1.
rc=0; "$swimd" --name f --bind 127.0.0.1:0 --profile local --join 127.0.0.1:1 \
  --join-required >/dev/null 2>"$work/f.err" || rc=$?
[ $rc -eq 1 ] || fail "--join-required failure: exit $rc, want 1"
kill $pid_hold 2>/dev/null || true

echo PASS
