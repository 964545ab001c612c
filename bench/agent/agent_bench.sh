#!/usr/bin/env bash
# throng-agent benchmarks on this machine: the agent pinned to core 1, its
# target (throng-server, or bench/agent/ack_responder for a peer of known
# timing) pinned to core 0. Each case runs three times; the median of the
# measured figure is reported with every run. Figures per agent CPU-second
# divide by the CPU time the agent process itself reports (getrusage, user +
# system, connects and drain included), so a target slower than the agent
# does not hide the agent's cost.
#
#   bench/agent/agent_bench.sh [build-dir] [case-filter]   (default: build, every case)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
port=9931
secret=bench-secret
target_pid=
trap 'kill $target_pid 2>/dev/null || true; pkill -f "throng-server --port 99[4-5][0-9]" 2>/dev/null || true; rm -rf "$work"' EXIT

start_server() {
  taskset -c 0 "$bin/throng-server" --port $port --threads 1 --store memory --test-token-secret $secret \
    >"$work/target.log" 2>&1 &
  target_pid=$!; wait_port $port
}
start_responder() { taskset -c 0 "$bin/ack_responder" --port $port >"$work/target.log" 2>&1 & target_pid=$!; wait_port $port; }
stop_target() { kill $target_pid; wait $target_pid 2>/dev/null || true; }
agent() {
  taskset -c 1 "$bin/throng-agent" -t 1 run --target ws://127.0.0.1:$port/ws --token-secret $secret \
    --summary-json "$work/summary.json" "$@"
}
# A figure computed from the summary JSON (python3 comes with scripts/install-deps.sh).
figure() { python3 -c "import json,sys; s=json.load(open('$work/summary.json')); t=s['totals']; l=s['latency']; cpu=s['agent_cpu_s']; print($1)"; }

# case NAME TARGET(server|responder) FIGURE-EXPR UNIT -- AGENT-FLAGS
# With SENDER="flags", a second agent with those flags sends from core 0
# (beside the server) while the measured agent only listens.
case_() {
  local name=$1 target=$2 expr=$3 unit=$4; shift 5
  [[ -z $filter || $name == *"$filter"* ]] || return 0
  echo "## $name"
  echo "target: $target on core 0   agent: throng-agent -t 1 run $*   (core 1)"
  [[ -n ${SENDER:-} ]] && echo "sender: throng-agent -t 1 run $SENDER   (core 0, beside the server)"
  : >"$work/figures"
  for run in 1 2 3; do
    # Latency cases: how much of the cores the machine itself took just before this run.
    [[ -z ${PROBE_EACH_RUN:-} ]] || stalls_just_before
    if [[ $target == server ]]; then start_server; else start_responder; fi
    local sender_pid=
    if [[ -n ${SENDER:-} ]]; then
      (sleep 1; taskset -c 0 "$bin/throng-agent" -t 1 run --target ws://127.0.0.1:$port/ws --token-secret $secret \
        --seed 99 $SENDER >"$work/sender.out" 2>&1) &
      sender_pid=$!
    fi
    agent "$@" >"$work/out" 2>&1 || true
    [[ -n $sender_pid ]] && wait $sender_pid
    stop_target
    grep -E "^ +(messages|latency|ack|e2e|overhead) |^ +[0-9]| agent cpu" "$work/out" | sed 's/^/  /' | head -15
    local f
    f=$(figure "$expr" 2>/dev/null || echo nan)
    echo "  -> $f $unit"
    echo "$f" >>"$work/figures"
  done
  echo "median: $(median <"$work/figures") $unit"
  echo
}

echo "# throng-agent bench $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# agent pinned to core 1 (one worker thread), target pinned to core 0; 64-byte bodies unless noted"
machine_stalls "at the start"
echo

case_ "closed-loop echo against throng-server: round trips (send, wait for the ack, send again) per agent CPU-s" \
  server "round(t['acked']/cpu)" "round trips/CPU-s" -- --users 100 --rooms 100 --send-model closed --duration 8s --drain 1s
case_ "closed-loop echo against ack_responder: round trips per agent CPU-s" \
  responder "round(t['acked']/cpu)" "round trips/CPU-s" -- --users 100 --rooms 100 --send-model closed --duration 8s --drain 1s
# The kernel's floor for the same loop: bare TCP (no WebSocket, no protocol,
# nothing recorded) between the same cores, with each way of calling the
# kernel. No client could beat these here; the agent's figure is read against them.
floor_name="closed-loop floor: bare TCP echo, 100 connections, 100-byte requests, 32-byte replies: round trips per client CPU-s"
if [[ -z $filter || $floor_name == *"$filter"* ]]; then
  echo "## $floor_name"
  echo "peer: echo_floor serve (core 0)   client: echo_floor client --users 100 --seconds 6 --mode M (core 1); modes alternated within each run"
  for mode in syscalls batched uring; do : >"$work/floor-$mode"; done
  for run in 1 2 3; do
    taskset -c 0 "$bin/echo_floor" serve --port $port >"$work/target.log" 2>&1 &
    target_pid=$!; wait_port $port
    for mode in syscalls batched uring; do
      taskset -c 1 "$bin/echo_floor" client --port $port --users 100 --seconds 6 --mode $mode >"$work/out" 2>&1 || true
      sed 's/^/  /' "$work/out"
      awk '/per client CPU-s/ {print $6}' "$work/out" >>"$work/floor-$mode"
    done
    stop_target
  done
  for mode in syscalls batched uring; do echo "median, $mode: $(median <"$work/floor-$mode") round trips/CPU-s"; done
  echo
fi
# Receiving: 20 listeners in one room; the sends come from another agent, so
# the measured agent's CPU is spent on receiving alone (decode, sequence
# check, histogram record for every message).
SENDER="--users 10 --rooms 1 --rate 10k --duration 8s --drain 1s" \
case_ "receive, batched frames: 20 listeners in 1 room, 10,000 sends/s (200k deliveries/s offered): deliveries per agent CPU-s" \
  server "round(t['delivered']/cpu)" "deliveries/CPU-s" -- --users 20 --rooms 1 --rate 0 --auth anonymous --duration 10s --drain 1s
# One frame per delivery: 6,000 sends/s (120k deliveries/s), which the server's core can write
# unbatched; at 10,000 it falls behind, closes listeners as slow consumers and the
# figure measures the server's overload rather than the agent.
SENDER="--users 10 --rooms 1 --rate 6k --duration 8s --drain 1s" \
case_ "receive, one message per frame (no batch capability): 20 listeners in 1 room, 6,000 sends/s (120k deliveries/s offered): deliveries per agent CPU-s" \
  server "round(t['delivered']/cpu)" "deliveries/CPU-s" -- --users 20 --rooms 1 --rate 0 --auth anonymous --no-batch --duration 10s --drain 1s
case_ "send: 1000 users at 200,000 sends/s offered (fixed rate) to ack_responder: sends per second achieved" \
  responder "round(t['sent']/8)" "sends/s (dropped slots in the run output)" -- --users 1000 --rooms 1000 --rate 200k --duration 8s --drain 1s --connect-rate 5000
case_ "send: sends per agent CPU-s at 200,000 sends/s offered" \
  responder "round(t['sent']/cpu)" "sends/CPU-s" -- --users 1000 --rooms 1000 --rate 200k --duration 8s --drain 1s --connect-rate 5000
# The kernel's floor for the overhead cases: bare TCP (no WebSocket, no
# protocol) between the same cores, 1,000 connections at the same fixed rate on
# the agent's 50 µs timer grid, timed as agent_added is (due -> end of the
# write, the kernel's receipt of the reply -> its read). No client could beat
# it here; the agent's p99 is read against it.
open_loop_floor() {
  local rate=$1 per_s=$((${1%k} * 1000))
  local name="overhead floor: bare TCP open loop, 1000 connections at $rate requests/s, 100-byte requests, 32-byte replies: the client's own part, p99"
  [[ -z $filter || $name == *"$filter"* ]] || return 0
  echo "## $name"
  echo "peer: echo_floor serve (core 0)   client: echo_floor client --users 1000 --rate $per_s --seconds 8 --mode batched (core 1)"
  : >"$work/figures"
  for run in 1 2 3; do
    stalls_just_before
    taskset -c 0 "$bin/echo_floor" serve --port $port >"$work/target.log" 2>&1 &
    target_pid=$!; wait_port $port
    taskset -c 1 "$bin/echo_floor" client --port $port --users 1000 --rate $per_s --seconds 8 --mode batched >"$work/out" 2>&1 || true
    stop_target
    sed 's/^/  /' "$work/out"
    grep -o "read): p50 [0-9.]* ms, p99 [0-9.]*" "$work/out" | awk '{printf "%.0f\n", $NF * 1000}' >>"$work/figures" || true
  done
  echo "median: $(median <"$work/figures") us p99 (client only)"
  echo
}
# The agent's own part of each ack's latency (agent_added): the intended send
# time to the end of the write that carried it, plus the kernel's receive
# stamp of the ack to its record; loopback and the responder are not in it.
[[ -z $filter || $filter == *overhead* ]] && machine_stalls "before the overhead cases"
for rate in 10k 20k 100k; do
  PROBE_EACH_RUN=1 case_ "overhead: 1000 users at $rate sends/s to ack_responder: the agent's own part of the ack latency, p99" \
    responder "l['agent_added']['p99_ms']*1000" "us p99 (agent only)" -- --users 1000 --rooms 1000 --rate $rate --duration 8s --drain 1s --connect-rate 5000
  case_ "overhead: 1000 users at $rate sends/s to ack_responder: ack p99 from the actual send" \
    responder "l['ack_actual_send']['p99_ms']*1000" "us p99 (send to ack, loopback and responder included)" -- --users 1000 --rooms 1000 --rate $rate --duration 8s --drain 1s --connect-rate 5000
  open_loop_floor $rate
done

[[ -z $filter || "idle" == *"$filter"* ]] || exit 0
# Idle connections: one process may hold at most the open-file limit, so the
# agent splits itself into processes and the users spread over several
# servers. RSS is summed over every agent process at its peak.
users=${IDLE_USERS:-100000}
servers=${IDLE_SERVERS:-6}
echo "## idle connections: $users users, listen only, spread over $servers throng-server instances (agent processes chosen by the open-file limit)"
targets=()
for i in $(seq $servers); do
  p=$((9940 + i))
  "$bin/throng-server" --port $p --threads 1 --store memory --test-token-secret $secret >"$work/server-$i.log" 2>&1 &
  wait_port $p
  targets+=(--target ws://127.0.0.1:$p/ws)
done
"$bin/throng-agent" -t 1 run "${targets[@]}" --users $users --rooms 1000 --rate 0 --auth anonymous \
  --duration ${IDLE_HOLD:-60s} --drain 0s --connect-rate ${IDLE_CONNECT_RATE:-2500} >"$work/idle.out" 2>"$work/idle.err" &
agent_pid=$!
peak=0; peak_procs=0; held_at=
held_samples=()  # "rss pss" of every sample with every process up
start=$(date +%s)
while kill -0 $agent_pid 2>/dev/null; do
  pids=$(pgrep -f "throng-agent -t 1 run ${targets[0]}" || true)
  rss=0; pss=0; n=0
  for p in $pids; do
    r=$(awk '/VmRSS/ {print $2}' /proc/$p/status 2>/dev/null || echo 0); rss=$((rss + ${r:-0})); n=$((n + 1))
    # PSS divides the pages the processes share (the binary, the libraries) among them.
    s=$(awk '/^Pss:/ {print $2}' /proc/$p/smaps_rollup 2>/dev/null || echo 0); pss=$((pss + ${s:-0}))
  done
  ((rss > peak)) && { peak=$rss; peak_procs=$n; }
  ((n >= peak_procs && n > 0)) && { held_samples+=("$rss $pss"); held_at=$(($(date +%s) - start)); }
  sleep 1
done
wait $agent_pid || true
# The steady idle state, connect storm over: the median of the last ten samples
# with every process up (the very last may already be in the processes' teardown).
read -r held held_pss < <(printf '%s\n' "${held_samples[@]: -10}" | sort -n | awk '{a[NR] = $0} END {print a[int((NR + 1) / 2)]}')
pkill -f "throng-server --port 99[4-5][0-9]" || true
grep -E "processes|users could not" "$work/idle.err" | sed 's/^/  /' || true
connects=$(grep -E "^ +connect " "$work/idle.out" | awk '{print $2}')
sed 's/^/  /' "$work/idle.out" | grep -E "connect|run of|error " || true
echo "  peak agent RSS (during the connect storm): $peak KiB over $peak_procs processes (parent included)"
echo "  agent RSS at the end of the hold (median of the last ten samples, up to ${held_at}s in): $held KiB (PSS: $held_pss KiB, $(python3 -c "print(round($held_pss*1024/$users))") bytes per connection)"
echo "  peak: $(python3 -c "print(round($peak*1024/$users))") bytes of agent RSS per connection"
# Per connection held: users that never got in are not counted as connections.
failed=$({ grep -oE "warn: [0-9]+ users could not connect" "$work/idle.err" || true; } | awk '{n += $2} END {print n + 0}')
held_connections=$((users - failed))
echo "  connections held: $held_connections of $users users"
echo "median: $(python3 -c "print(round($held*1024/$held_connections))") bytes of agent RSS per idle connection, held (one run; PSS: $(python3 -c "print(round($held_pss*1024/$held_connections))"))"
