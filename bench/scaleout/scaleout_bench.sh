#!/usr/bin/env bash
# Scale-out on this machine: the same fan-out load against one throng-server
# and against two instances sharing the rooms through Redis Streams, history
# in PostgreSQL (--ack durable), plus a one-instance baseline without the bus.
# Private Redis and PostgreSQL on free loopback ports in a temporary directory.
# Servers pinned to core 0, the load generator (bench/server/chat_load) to
# core 1, Redis and PostgreSQL unpinned: on 2 cores a second instance adds no
# CPU, so 1 vs 2 measures what the cross-instance path costs, not a gain.
#
#   bench/scaleout/scaleout_bench.sh [build-dir] [case-filter]
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work" "${pgdir:-}"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
as_postgres() { if [[ $(id -u) -eq 0 ]]; then setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; else "$@"; fi; }
pgbin=/usr/lib/postgresql/15/bin

# Redis: AOF fsync'd every second (the usual production setting).
rport=$(free_port)
mkdir -p "$work/redis"
redis-server --port "$rport" --bind 127.0.0.1 --dir "$work/redis" --save "" --appendonly yes --appendfsync everysec \
  --daemonize no --logfile "$work/redis/redis.log" &
pids+=($!)
wait_port "$rport"

# PostgreSQL: defaults (fsync on, synchronous_commit on).
pgdir=$(mktemp -d /tmp/throng-bench-pg-XXXXXX)
[[ $(id -u) -eq 0 ]] && chown postgres: "$pgdir"
as_postgres "$pgbin/initdb" -D "$pgdir/data" -U throng -A trust --no-instructions >/dev/null
pport=$(free_port)
as_postgres "$pgbin/postgres" -D "$pgdir/data" -p "$pport" -k "$pgdir" -c listen_addresses=127.0.0.1 >"$pgdir/log" 2>&1 &
pids+=($!)
wait_port "$pport"
for _ in $(seq 100); do psql -h 127.0.0.1 -p "$pport" -U throng -d postgres -c 'select 1' >/dev/null 2>&1 && break; sleep 0.1; done
pg_url="postgres://throng@127.0.0.1:$pport/postgres"
bus_url="redis://127.0.0.1:$rport"

servers=()
ports=()
start_servers() {  # count, then flags
  local count=$1; shift
  servers=(); ports=()
  for i in $(seq "$count"); do
    local port; port=$(free_port)
    taskset -c 0 "$bin/throng-server" --port "$port" --threads 1 --test-token-secret bench-secret "$@" \
      >"$work/server-$i.log" 2>&1 &
    servers+=($!); ports+=("$port")
    for _ in $(seq 100); do curl -sf "localhost:$port/healthz" >/dev/null && break; sleep 0.05; done
  done
}
stop_servers() {
  for p in "${servers[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
  redis-cli -p "$rport" FLUSHALL >/dev/null
  psql -q -h 127.0.0.1 -p "$pport" -U throng -d postgres -c 'TRUNCATE messages' >/dev/null 2>&1 || true
}
load() {
  local extra=()
  for p in "${ports[@]:1}"; do extra+=(--extra-port "$p"); done
  taskset -c 1 "$bin/chat_load" --port "${ports[0]}" "${extra[@]}" --secret bench-secret "$@"
}

# case NAME INSTANCES SERVER-FLAGS -- LOAD-FLAGS
case_() {
  local name=$1 count=$2; shift 2
  [[ -z $filter || $name == *"$filter"* ]] || return 0
  local server_flags load_flags
  split_flags server_flags load_flags "$@"
  echo "## $name"
  echo "servers: $count x throng-server --threads 1 ${server_flags[*]}   load: chat_load ${load_flags[*]}"
  : >"$work/deliveries"; : >"$work/p99"
  for run in 1 2 3; do
    start_servers "$count" "${server_flags[@]}"
    load "${load_flags[@]}" >"$work/out" 2>&1 || true
    stop_servers
    sed 's/^/  /' "$work/out"
    grep -o '[0-9]* deliveries/s' "$work/out" | head -1 | grep -o '^[0-9]*' >>"$work/deliveries" || true
    grep -o 'p99 [0-9.]* ms' "$work/out" | head -1 | sed 's/^p99 //; s/ ms$//' >>"$work/p99" || true
  done
  echo "median: $(median <"$work/deliveries") deliveries/s, e2e p99 $(median <"$work/p99") ms"
  echo
}

echo "# throng scale-out bench $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# servers pinned to core 0, chat_load to core 1, redis-server $(redis-server --version | grep -o 'v=[0-9.]*') and PostgreSQL 15 unpinned; 150-byte bodies, batched binary clients"
echo

fanout=(--mode fanout --rooms 10 --members 100 --duration 8)
for rate in 300 1500 3000; do
  case_ "$rate sends/s, 10 rooms x 100 members: 1 instance, local bus, PostgreSQL" 1 --store "$pg_url" -- "${fanout[@]}" --rate $rate
  case_ "$rate sends/s, 10 rooms x 100 members: 1 instance, Redis bus, PostgreSQL" 1 --bus "$bus_url" --store "$pg_url" -- "${fanout[@]}" --rate $rate
  case_ "$rate sends/s, 10 rooms x 100 members: 2 instances, Redis bus, PostgreSQL" 2 --bus "$bus_url" --store "$pg_url" -- "${fanout[@]}" --rate $rate
done
