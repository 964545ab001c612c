#!/usr/bin/env bash
# The kernel-floor benchmarks (bench/agent/echo_floor, bench/server/fanout_floor)
# run briefly on loopback: each way of calling the kernel completes its traffic
# with nothing lost and prints the figures the bench scripts read, and a misuse
# or a peer that goes away ends them with a clear message and exit code.
#   bench_floor_test.sh BUILD_DIR
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
  grep -q "1000 of 1000 due requests sent in time, 1000 replies" "$work/open" || fail "open loop, $mode: not every request answered: $(cat "$work/open")"
  grep -q "failed sends: 0" "$work/open" || fail "open loop, $mode: failed sends: $(cat "$work/open")"
  p99=$(grep -o "read): p50 [0-9.]* ms, p99 [0-9.]*" "$work/open" | awk '{print $NF}')
  [[ -n $p99 ]] || fail "open loop, $mode: no p99 in: $(cat "$work/open")"
  echo "open loop, $mode: the client's own part p99 $p99 ms"
done

# A misuse: the open loop has no io_uring receive mode.
set +e
"$bin/echo_floor" client --port "$port" --rate 100 --mode uring 2>"$work/err"; rc=$?
set -e
[[ $rc == 2 ]] && grep -q -- "--rate runs with --mode syscalls or batched" "$work/err" || fail "--rate with --mode uring: exit $rc, $(cat "$work/err")"

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
echo "PASS"
