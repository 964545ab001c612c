#!/usr/bin/env bash
# The benchmarks' own tools run briefly on loopback: the server's load
# generator (chat_load) against a real throng-server, the agent against its
# peer of known timing (ack_responder), the kernel-floor clients (echo_floor,
# fanout_floor) and the stall probe. Each completes its traffic with nothing
# lost and prints the figures the bench scripts read; a misuse, an absent
# server or a peer that goes away ends it with a clear message and exit code.
#   bench_tools_test.sh BUILD_DIR
set -euo pipefail
bin=$1/bin
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return; sleep 0.05; done
  fail "nothing listens on port $1"
}

port=$(free_port)
"$bin/echo_floor" serve --port "$port" & pids+=($!)
wait_port "$port"

# The closed loop in each mode: a rate the agent bench reads with awk.
for mode in syscalls batched uring; do
  "$bin/echo_floor" client --port "$port" --users 10 --seconds 0.3 --mode "$mode" >"$work/closed" || fail "closed loop, $mode: exit $?"
  figure=$(awk '/per client CPU-s/ {print $6}' "$work/closed")
  [[ $figure =~ ^[0-9]+$ && $figure -gt 0 ]] || fail "closed loop, $mode: no round trips per CPU-s in: $(cat "$work/closed")"
  echo "closed loop, $mode: $figure round trips per client CPU-s"
done

# The open loop: every due request sent and answered, the p99 in the form the bench reads.
for mode in syscalls batched; do
  "$bin/echo_floor" client --port "$port" --users 20 --rate 2000 --seconds 0.5 --mode "$mode" >"$work/open" || fail "open loop, $mode: exit $?: $(cat "$work/open")"
  grep -q "1000 of 1000 due requests sent, 1000 replies" "$work/open" || fail "open loop, $mode: not every request answered: $(cat "$work/open")"
  grep -q "failed sends: 0" "$work/open" || fail "open loop, $mode: failed sends: $(cat "$work/open")"
  p99=$(grep -o "read): p50 [0-9.]* ms, p99 [0-9.]*" "$work/open" | awk '{print $NF}')
  [[ -n $p99 ]] || fail "open loop, $mode: no p99 in: $(cat "$work/open")"
  echo "open loop, $mode: the client's own part p99 $p99 ms"
done

# Misuses: the open loop has no io_uring receive mode, and polling is the open loop's.
set +e
"$bin/echo_floor" client --port "$port" --rate 100 --mode uring 2>"$work/err"; rc=$?
set -e
[[ $rc == 2 ]] && grep -q -- "--rate runs with --mode syscalls or batched" "$work/err" || fail "--rate with --mode uring: exit $rc, $(cat "$work/err")"
set +e
"$bin/echo_floor" client --port "$port" --spin 2>"$work/err"; rc=$?
set -e
[[ $rc == 2 ]] && grep -q -- "--spin is for the open loop" "$work/err" || fail "--spin without --rate: exit $rc, $(cat "$work/err")"

# The peer goes away mid-run: the client stops with a message instead of spinning.
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
port=$(free_port)
"$bin/echo_floor" serve --port "$port" & server=$!
wait_port "$port"
( sleep 0.5; kill $server ) &
set +e
timeout 20 "$bin/echo_floor" client --port "$port" --users 10 --seconds 10 --mode batched >/dev/null 2>"$work/err"; rc=$?
set -e
[[ $rc == 1 ]] && grep -q "is \`echo_floor serve\` still running" "$work/err" || fail "peer gone: exit $rc, $(cat "$work/err")"
echo "peer gone: $(cat "$work/err")"

# The room's fan-out, in each way of writing: every message reaches every member.
for uring in "" --uring; do
  port=$(free_port)
  "$bin/fanout_floor" room --port "$port" --members 20 --rate 500 --seconds 0.5 $uring >"$work/room" 2>&1 & room=$!
  "$bin/fanout_floor" members --port "$port" --members 20 >"$work/members" 2>&1 || fail "members${uring:+ ($uring)}: $(cat "$work/members")"
  wait $room || fail "room${uring:+ ($uring)}: $(cat "$work/room")"
  messages=$(grep -o "[0-9]* messages in" "$work/room" | awk '{print $1}')
  deliveries=$(grep -o "[0-9]* deliveries" "$work/members" | awk '{print $1}')
  [[ -n $messages && $deliveries == $((messages * 20)) ]] || fail "room${uring:+ ($uring)}: $messages messages, $deliveries deliveries to 20 members"
  p99=$(grep -o "write: p50 [0-9.]* ms, p99 [0-9.]*" "$work/room" | awk '{print $NF}')
  [[ -n $p99 ]] || fail "room${uring:+ ($uring)}: no p99 in: $(cat "$work/room")"
  echo "room${uring:+ ($uring)}: $messages messages, $deliveries deliveries, written p99 $p99 ms"
done

# The server's load generator against a real server, in each mode the server bench runs.
port=$(free_port)
"$bin/throng-server" --port "$port" --threads 1 --test-token-secret bench-secret --store-path "$work/chat.db" \
  >"$work/server.log" 2>&1 & server=$!; pids+=($server)
wait_port "$port"
load() { timeout 30 "$bin/chat_load" --port "$port" --secret bench-secret "$@"; }
load --mode fanout --rooms 2 --members 10 --rate 200 --duration 2 >"$work/load" || fail "fanout: exit $?: $(cat "$work/load")"
grep -Eq "sent: ([0-9]+)  acked: \1  delivered: ([0-9]+)  expected: \2$" "$work/load" || fail "fanout lost something: $(cat "$work/load")"
grep -q "[0-9]* deliveries/s" "$work/load" || fail "fanout: no rate in: $(cat "$work/load")"
echo "chat_load fanout: $(grep -o "sent: .*" "$work/load")"
load --mode ingest --rooms 10 --connections 2 --rate 1000 --duration 2 >"$work/load" || fail "ingest: exit $?: $(cat "$work/load")"
grep -q "[0-9]* acks/s" "$work/load" || fail "ingest: no rate in: $(cat "$work/load")"
echo "chat_load ingest: $(grep -o "[0-9]* acks/s" "$work/load" | head -1)"
load --mode connect --connections 200 >"$work/load" || fail "connect: exit $?: $(cat "$work/load")"
grep -q "connected: 200 in .* connections/s (failures 0)" "$work/load" || fail "connect: $(cat "$work/load")"
echo "chat_load connect: $(grep -o "connected: .*" "$work/load")"
# A wrong token secret: every setup fails, and the run says why instead of measuring nothing.
set +e
timeout 30 "$bin/chat_load" --port "$port" --secret wrong --mode fanout --rooms 1 --members 3 --duration 1 >/dev/null 2>"$work/err"; rc=$?
set -e
[[ $rc == 1 ]] && grep -q "could not be set up; the first: no welcome after hello" "$work/err" || fail "wrong secret: exit $rc, $(cat "$work/err")"
kill $server; wait $server 2>/dev/null || true
# No server at all.
set +e
timeout 30 "$bin/chat_load" --port "$port" --mode ingest --rooms 1 --connections 1 --duration 1 >/dev/null 2>"$work/err"; rc=$?
set -e
[[ $rc == 1 ]] && grep -q "connect to 127.0.0.1:$port: .*is throng-server running there" "$work/err" || fail "no server: exit $rc, $(cat "$work/err")"
echo "chat_load, no server: $(cat "$work/err")"

# The agent against its peer of known timing: every send acked, its own part measured;
# an agent that cannot keep up warns.
port=$(free_port)
"$bin/ack_responder" --port "$port" >"$work/responder.log" 2>&1 & pids+=($!)
wait_port "$port"
timeout 30 "$bin/throng-agent" -t 1 run --target "ws://127.0.0.1:$port/ws" --token-secret bench-secret --users 10 --rooms 10 \
  --rate 1k --duration 1s --drain 1s --summary-json "$work/summary.json" >"$work/agent" 2>&1 || fail "agent vs ack_responder: $(cat "$work/agent")"
python3 - "$work/summary.json" <<'PY' || fail "agent vs ack_responder: $(cat "$work/agent")"
import json, sys
s = json.load(open(sys.argv[1]))
t, l = s["totals"], s["latency"]
assert t["sent"] >= 900 and t["acked"] == t["sent"], t
assert l["agent_added"]["p99_ms"] > 0 and s["agent_cpu_s"] > 0, (l["agent_added"], s["agent_cpu_s"])
# An ack alone in its read has its own part known: each is in agent_added or counted as unknown.
assert l["agent_added"]["count"] + t["agent_added_unknown"] == t["acked"], (l["agent_added"], t)
assert t["agent_added_unknown"] <= t["acked"] // 20, t
print(f"agent vs ack_responder: {t['sent']} sent, {t['acked']} acked, its own part p99 {l['agent_added']['p99_ms']:.3f} ms")
PY
# Each ack followed in its write by the message itself: the ack's receipt is not
# known, so its own part is left out (not the whole ack charged to the agent), and said so.
port=$(free_port)
"$bin/ack_responder" --port "$port" --echo >"$work/echo.log" 2>&1 & pids+=($!)
wait_port "$port"
timeout 30 "$bin/throng-agent" -t 1 run --target "ws://127.0.0.1:$port/ws" --token-secret bench-secret --users 10 --rooms 10 \
  --rate 200 --duration 1s --drain 1s --summary-json "$work/summary.json" >"$work/agent" 2>&1 || fail "agent vs ack_responder --echo: $(cat "$work/agent")"
grep -q "overhead not known for [0-9]* of [0-9]* acks" "$work/agent" || fail "unknown overhead not told: $(cat "$work/agent")"
python3 - "$work/summary.json" <<'PY' || fail "agent vs ack_responder --echo: $(cat "$work/agent")"
import json, sys
s = json.load(open(sys.argv[1]))
t, l = s["totals"], s["latency"]
assert t["sent"] >= 180 and t["acked"] == t["sent"] and t["delivered"] == t["acked"] and t["lost"] == 0, t
assert t["agent_added_unknown"] >= t["acked"] * 9 // 10, t
assert l["agent_added"]["count"] + t["agent_added_unknown"] == t["acked"], (l["agent_added"], t)
print(f"agent vs ack_responder --echo: {t['acked']} acked, own part unknown for {t['agent_added_unknown']}")
PY
# Offered twice what one worker can send, the agent says its figures are its own.
timeout 30 "$bin/throng-agent" -t 1 run --target "ws://127.0.0.1:$port/ws" --token-secret bench-secret --users 1000 --rooms 1000 \
  --rate 400k --duration 2s --drain 1s --connect-rate 5000 --summary-json "$work/summary.json" >"$work/agent" 2>&1 || true
grep -q "warning: an agent was saturated (CPU up to" "$work/agent" || fail "saturated agent, no warning: $(cat "$work/agent")"
python3 - "$work/summary.json" <<'PY' || fail "saturated agent: $(cat "$work/agent")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["max_agent_cpu_percent"] >= 90 or s["max_loop_lag_ms"] >= 50, s
assert any("saturated" in w for w in s["warnings"]), s["warnings"]
print(f"saturated agent: CPU up to {s['max_agent_cpu_percent']:.0f}%, lag up to {s['max_loop_lag_ms']:.0f} ms, warned")
PY

# The stall probe: a line per core in the form the benches print.
"$bin/stall_probe" --seconds 0.3 >"$work/probe" || fail "stall_probe: exit $?"
[[ $(grep -c "core [0-9]: [0-9]* stalls in [0-9]* wake-ups" "$work/probe") == "$(nproc)" ]] || fail "stall_probe: $(cat "$work/probe")"
echo "PASS"
