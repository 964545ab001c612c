#!/usr/bin/env bash
# throng-server benchmarks on this machine: the server pinned to core 0, the
# load generator (bench/server/chat_load.cpp) pinned to core 1. Each case runs
# three times; the median of the measured figure is reported with all runs.
#
#   bench/server/server_bench.sh [build-dir] [case-filter]   (default: build, every case)
# A filter (e.g. "ingest" or "memory") runs only the cases whose title contains it.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
port=9911
server_pid=
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT

start_server() {  # args: extra server flags
  rm -rf "$work/db"; mkdir -p "$work/db"
  taskset -c 0 "$bin/throng-server" --port $port --threads 1 --test-token-secret bench-secret \
    --store-path "$work/db/chat.db" "$@" >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do curl -sf "localhost:$port/healthz" >/dev/null && return; sleep 0.05; done
  echo "server did not start"; cat "$work/server.log"; exit 1
}
stop_server() { kill $server_pid; wait $server_pid 2>/dev/null || true; }
# The latency the server itself adds, from its own histogram on /metrics: per
# delivery, the kernel's receipt of the sender's frame (its receive stamp, so a
# frame left waiting in the socket counts the wait) -> the bytes written to the member's socket
# (1-2-5 buckets, so "p99 <= 1 ms" is exact at the bucket bounds).
server_added() {
  curl -s "localhost:$port/metrics" | python3 -c '
import re, sys
b = {}
for line in sys.stdin:
    m = re.match(r"throng_server_stage_seconds_bucket\{stage=\"added\",le=\"([^\"]+)\"\} (\S+)", line)
    if m: b[float(m.group(1))] = float(m.group(2))
total = b.get(float("inf"), 0)
if not total: sys.exit()
def q(p): return next(le for le, c in sorted(b.items()) if c >= p * total) * 1000
def under(ms): return 100 * max((c for le, c in b.items() if le <= ms / 1000 + 1e-12), default=0) / total
print("server-added (received by the kernel -> written to the member socket, %d deliveries): p50 <= %g ms  p99 <= %g ms  p99.9 <= %g ms;"
      " within 1 ms %.2f%%, 2 ms %.2f%%, 10 ms %.2f%%" % (total, q(.5), q(.99), q(.999), under(1), under(2), under(10)))
'
}
# How many deliveries one write system call carried (the corking and batching at work).
server_writes() {
  curl -s "localhost:$port/metrics" | awk '
    /^throng_server_socket_writes_total/ {w += $2} /^throng_server_write_calls_total/ {c += $2}
    /^throng_server_deliveries_total/ {d += $2}
    END { if (w) printf "server writes: %d sendmsg writes in %d system calls for %d deliveries (%.1f per write)\n", w, c, d, d / w }'
}
server_cpu() { curl -s "localhost:$port/metrics" | awk '/^process_cpu_seconds_total/ {print $2}'; }
load() { taskset -c 1 "$bin/chat_load" --port $port --secret bench-secret "$@"; }

# case NAME FIGURE-PATTERN SERVER-FLAGS -- LOAD-FLAGS
case_() {
  local name=$1 pattern=$2; shift 2
  [[ -z $filter || $name == *"$filter"* ]] || return 0
  local server_flags load_flags
  split_flags server_flags load_flags "$@"
  echo "## $name"
  echo "server: throng-server --threads 1 ${server_flags[*]}   load: chat_load ${load_flags[*]}"
  : >"$work/figures"
  for run in 1 2 3; do
    # Latency cases: how much of the cores the machine itself took just before this run.
    [[ $name != latency* ]] || stalls_just_before
    start_server "${server_flags[@]}"
    load "${load_flags[@]}" >"$work/out" 2>&1 || true
    server_added >>"$work/out"
    server_writes >>"$work/out"
    stop_server
    sed 's/^/  /' "$work/out" | grep -v '^  conditions' || true
    grep -o "$pattern" "$work/out" | head -1 | sed -e 's/^p99\.9 //; s/^p99 //; s/^<= //' | grep -o '^[0-9.]*' >>"$work/figures" || true
  done
  echo "median: $(median <"$work/figures") ($pattern)"
  echo
}

echo "# throng-server bench $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# server pinned to core 0 (shard and store writer threads), load pinned to core 1; 150-byte bodies"
machine_stalls "at the start"
echo

case_ "fan-out, batched binary clients, 1 room x 1000 members, 1000 sends/s offered (1M deliveries/s)" \
  "[0-9]* deliveries/s" --store memory -- --mode fanout --rooms 1 --members 1000 --rate 1000 --duration 6
case_ "fan-out, batched binary clients, 100 rooms x 100 members, 10000 sends/s offered (1M deliveries/s)" \
  "[0-9]* deliveries/s" --store memory -- --mode fanout --rooms 100 --members 100 --rate 10000 --duration 6
case_ "fan-out, batched, 1 room x 1000 members, 1000 sends/s offered, --io-uring off (one sendmsg system call per write)" \
  "[0-9]* deliveries/s" --store memory --io-uring off -- --mode fanout --rooms 1 --members 1000 --rate 1000 --duration 6
case_ "fan-out headroom, batched, 1 room x 1000 members, 2000 sends/s offered (2M deliveries/s)" \
  "[0-9]* deliveries/s" --store memory -- --mode fanout --rooms 1 --members 1000 --rate 2000 --duration 6
case_ "fan-out headroom, batched, 100 rooms x 100 members, 20000 sends/s offered (2M deliveries/s)" \
  "[0-9]* deliveries/s" --store memory -- --mode fanout --rooms 100 --members 100 --rate 20000 --duration 6
case_ "fan-out, JSON clients (one frame per message), 1 room x 100 members, 1200 sends/s offered (120k deliveries/s)" \
  "[0-9]* deliveries/s" --store memory -- --mode fanout --rooms 1 --members 100 --rate 1200 --duration 6 --json
case_ "fan-out headroom, JSON clients (one frame per message), 1 room x 100 members, 3000 sends/s offered (300k deliveries/s)" \
  "[0-9]* deliveries/s" --store memory -- --mode fanout --rooms 1 --members 100 --rate 3000 --duration 6 --json
case_ "ingest, --ack durable on SQLite, 100 active rooms, 100000 sends/s offered" \
  "[0-9]* acks/s" -- --mode ingest --rooms 100 --connections 10 --rate 100000 --duration 6
case_ "ingest, --ack durable on SQLite, 1000 active rooms, 50000 sends/s offered" \
  "[0-9]* acks/s" -- --mode ingest --rooms 1000 --connections 10 --rate 50000 --duration 6
[[ -z $filter || $filter == *latency* ]] && machine_stalls "before the latency cases"
case_ "latency the server adds, 100 rooms x 10 members, 2000 sends/s (20k deliveries/s): p99 bound in ms" \
  "p99 <= [0-9.]* ms" --store memory -- --mode fanout --rooms 100 --members 10 --rate 2000 --duration 6
case_ "latency the server adds, 10 rooms x 100 members, 500 sends/s (50k deliveries/s): p99 bound in ms" \
  "p99 <= [0-9.]* ms" --store memory -- --mode fanout --rooms 10 --members 100 --rate 500 --duration 6
case_ "latency the server adds, 1 room x 1000 members, 150 sends/s (150k deliveries/s): p99.9 bound in ms (the last members)" \
  "p99.9 <= [0-9.]* ms" --store memory -- --mode fanout --rooms 1 --members 1000 --rate 150 --duration 6
case_ "latency the server adds, 1 room x 1000 members, 150 sends/s, --io-uring off: p99.9 bound in ms" \
  "p99.9 <= [0-9.]* ms" --store memory --io-uring off -- --mode fanout --rooms 1 --members 1000 --rate 150 --duration 6
for rate in 1000 2000; do
  case_ "latency the server adds, 1 room x 1000 members, $rate sends/s ($((rate / 1000))M deliveries/s): p99 bound in ms" \
    "p99 <= [0-9.]* ms" --store memory -- --mode fanout --rooms 1 --members 1000 --rate $rate --duration 6
done
# On loopback each write also runs the receiver's side of TCP and wakes the load generator
# on the server's core; a polling load generator takes the wake-ups away, as remote receivers would.
case_ "latency the server adds, 1 room x 1000 members, 2000 sends/s (2M deliveries/s), load generator polling (--spin): p99 bound in ms" \
  "p99 <= [0-9.]* ms" --store memory -- --mode fanout --rooms 1 --members 1000 --rate 2000 --duration 6 --spin
# The kernel's floor for the same room: bare TCP (no WebSocket, no protocol, no
# store), each sweep's writes in one io_uring submission, as the server's.
for spin in "" --spin; do
  floor_name="latency floor: bare TCP, 1 room x 1000 members, 2000 messages/s of 200 bytes (2M deliveries/s)${spin:+, readers polling}: p99 due -> written, ms"
  [[ -z $filter || $floor_name == *"$filter"* ]] || continue
  echo "## $floor_name"
  echo "room: fanout_floor room --members 1000 --rate 2000 --seconds 6 --uring (core 0)   members: fanout_floor members --members 1000 $spin (core 1)"
  : >"$work/figures"
  for run in 1 2 3; do
    stalls_just_before
    taskset -c 0 "$bin/fanout_floor" room --port $port --members 1000 --rate 2000 --seconds 6 --uring >"$work/room.out" 2>&1 &
    room_pid=$!  # the members retry their first connect until the room listens
    taskset -c 1 "$bin/fanout_floor" members --port $port --members 1000 $spin >"$work/out" 2>&1 || true
    wait $room_pid || true
    sed 's/^/  /' "$work/room.out" "$work/out"
    grep -o "write: p50 [0-9.]* ms, p99 [0-9.]*" "$work/room.out" | awk '{print $NF}' >>"$work/figures" || true
  done
  echo "median: $(median <"$work/figures") ms p99 (due -> written)"
  echo
done
case_ "connects: new WebSocket connections incl. token verification, 10000 connections, 256 in flight" \
  "[0-9]* connections/s" --store memory -- --mode connect --connections 10000

# The connect rate above shares the load generator's core with the kernel's side of every
# loopback TCP handshake; the server's own cost per setup bounds what its one core sustains.
if [[ -z $filter || "connects: server CPU per connection" == *"$filter"* ]]; then
  echo "## connects: server CPU per connection setup (accept, upgrade, hello with token check, welcome), 10000 connections"
  : >"$work/cpu"
  for run in 1 2 3; do
    start_server --store memory
    before=$(server_cpu)
    load --mode idle --connections 10000 --hold 1 >"$work/out" 2>"$work/err" &
    loader=$!
    for _ in $(seq 400); do grep -q holding "$work/err" 2>/dev/null && break; sleep 0.05; done
    after=$(server_cpu)
    wait $loader || true
    stop_server
    python3 -c "import sys; per = ($after - $before) * 1e6 / 10000; print('  %s; server CPU %.1f us per connection: %.0f setups/s per core' % (open('$work/out').read().splitlines()[-1], per, 1e6 / per))"
    python3 -c "print('%.1f' % (($after - $before) * 1e6 / 10000))" >>"$work/cpu"
  done
  echo "median: $(median <"$work/cpu") us of server CPU per connection"
  echo
fi

# The same setups with throng-agent as the client (its own connect path: a raw non-blocking
# connect and upgrade on its worker's epoll set), which also joins one room per user.
if [[ -z $filter || "connects: throng-agent" == *"$filter"* ]]; then
  echo "## connects: throng-agent -t 1 as the client, 10000 users (connect, upgrade, hello with token, welcome, join one of 100 rooms)"
  : >"$work/rate"
  for run in 1 2 3; do
    start_server --store memory
    taskset -c 1 "$bin/throng-agent" -t 1 run --target "ws://127.0.0.1:$port/ws" --token-secret bench-secret \
      --users 10000 --rooms 100 --rate 0 --duration 1s --drain 0s --summary-json "$work/agent.json" >"$work/out" 2>&1 || true
    stop_server
    python3 - "$work/agent.json" "$work/rate" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["connect_phase"]
rate = p["connected"] / p["seconds"]
print("  %d connected (%d failed) in %.3f s = %.0f connections/s" % (p["connected"], p["failed"], p["seconds"], rate))
open(sys.argv[2], "a").write("%.0f\n" % rate)
PY
  done
  echo "median: $(median <"$work/rate") connections/s"
  echo
fi

[[ -z $filter || "memory" == *"$filter"* ]] || exit 0
echo "## memory per idle WebSocket connection: 15000 connections after hello, no rooms"
for run in $(seq ${MEMORY_RUNS:-3}); do
  start_server --store memory
  before=$(awk '/VmRSS/ {print $2}' /proc/$server_pid/status)
  load --mode idle --connections 15000 --hold 4 >"$work/out" 2>"$work/err" &
  loader=$!
  for _ in $(seq 400); do grep -q holding "$work/err" 2>/dev/null && break; sleep 0.1; done
  sleep 1
  after=$(awk '/VmRSS/ {print $2}' /proc/$server_pid/status)
  open=$(curl -s "localhost:$port/metrics" | awk '/^throng_server_connections_open/ {s+=$2} END {print s}')
  wait $loader || true
  stop_server
  per=$(( (after - before) * 1024 / open ))
  echo "  rss before ${before} KiB, after ${after} KiB, open ${open}: ${per} bytes per connection"
  echo "$per" >>"$work/mem"
done
echo "median: $(median <"$work/mem") bytes per idle connection"
