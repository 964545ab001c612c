#!/usr/bin/env bash
# A multi-region run on one machine (root): one network namespace per
# "region", joined to the root namespace by a veth pair whose both ends delay
# (and optionally jitter and drop) packets with tc netem, so a region's
# one-way delay applies to everything its agents send and receive. Kernels
# without netem get the same delay and jitter from delay_relay.py inside each
# namespace (nftables sends the region's connections through it), and loss
# as the retransmission delays it causes a TCP stream.
# The server and the controller listen in the root namespace on an address
# every region routes to; a throng-agent runs in each namespace; a scenario
# runs across them and writes its JSON report.
#
#   deploy/rehearse/rehearse.sh [--regions near:5ms,mid:40ms:4ms,far:120ms:10ms:0.1%]
#       [--scenario FILE] [--users N] [--duration 15s] [--report FILE] [--bin DIR]
#
# A region is name:delay[:jitter[:loss]], the delay one-way, loss in percent. Without
# --scenario, N users in shared rooms send for the duration, so each
# region's ack median is about twice its delay and its e2e median moves
# with its delay. Everything it creates (namespaces, links, the addresses
# 10.X.0.0/16 of a subnet no interface uses) is removed on exit.
set -euo pipefail

regions="near:5ms,mid:40ms:4ms,far:120ms:10ms"
scenario=""
users=60
duration=15s
report="rehearsal-report.json"
bin="$(cd "$(dirname "$0")/../.." && pwd)/build/bin"
while (($#)); do
  case $1 in
    --regions) regions=$2; shift 2 ;;
    --scenario) scenario=$2; shift 2 ;;
    --users) users=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --report) report=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "rehearse: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $(id -u) == 0 ]] || { echo "rehearse: network namespaces need root" >&2; exit 2; }
for tool in ip tc nft python3; do
  command -v "$tool" >/dev/null || { echo "rehearse: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 2; }
done
for b in throng throng-agent throng-server; do
  [[ -x $bin/$b ]] || { echo "rehearse: no $bin/$b: run make build, or give --bin" >&2; exit 2; }
done

# A private /16 no interface uses yet: 10.X.255.1 is the services' address,
# region i's link is 10.X.i.0/30.
octet=""
for candidate in $(seq $((200 + $$ % 50)) 254) $(seq 200 254); do
  if ! ip -o addr show | grep -q " 10\.$candidate\."; then octet=$candidate; break; fi
done
[[ -n $octet ]] || { echo "rehearse: no free 10.X.0.0/16 subnet" >&2; exit 3; }
service=10.$octet.255.1
tag="t$octet"   # in every name, so concurrent rehearsals do not collide
work=$(mktemp -d)
pids=()
namespaces=()

# shellcheck disable=SC2317  # run by the trap
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  ip addr del "$service/32" dev lo 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("'"$service"'",0)); print(s.getsockname()[1])'; }
milliseconds() { python3 -c 'import re,sys; m=re.fullmatch(r"([0-9.]+)(ms|s)",sys.argv[1]); print(float(m[1])*(1000 if m[2]=="s" else 1))' "$1"; }

ip addr add "$service/32" dev lo
server_port=$(free_port)
agent_port=$(free_port)
relay_port=15001
netem=yes

IFS=, read -r -a specs <<<"$regions"
i=0
names=()
for spec in "${specs[@]}"; do
  i=$((i + 1))
  IFS=: read -r name delay jitter loss <<<"$spec"
  [[ $name =~ ^[a-z0-9-]+$ && -n ${delay:-} ]] || { echo "rehearse: region '$spec' is not name:delay[:jitter[:loss]]" >&2; exit 2; }
  ns="${tag}-$name"
  host_if="${tag}h$i" ns_if="${tag}n$i"
  ip netns add "$ns"
  namespaces+=("$ns")
  ip link add "$host_if" type veth peer name "$ns_if"
  ip link set "$ns_if" netns "$ns"
  ip addr add "10.$octet.$i.1/30" dev "$host_if"
  ip link set "$host_if" up
  ip -n "$ns" addr add "10.$octet.$i.2/30" dev "$ns_if"
  ip -n "$ns" link set "$ns_if" up
  ip -n "$ns" link set lo up
  ip -n "$ns" route add "$service/32" via "10.$octet.$i.1"
  [[ $delay =~ ^[0-9.]+m?s$ && ${jitter:-0ms} =~ ^[0-9.]+m?s$ ]] || { echo "rehearse: delays look like 40ms or 0.1s, not '$spec'" >&2; exit 2; }
  shape=(delay "$delay")
  [[ -n ${jitter:-} ]] && shape+=("$jitter" distribution normal)
  loss_percent=${loss%\%}
  [[ -z $loss_percent || $loss_percent =~ ^[0-9.]+$ ]] || { echo "rehearse: loss looks like 0.5 or 0.5%, not '$loss'" >&2; exit 2; }
  [[ -n $loss_percent ]] && shape+=(loss "$loss_percent%")
  # Both directions: the delay is one-way.
  if [[ $netem == yes ]] && tc qdisc add dev "$host_if" root netem "${shape[@]}" limit 100000 2>/dev/null; then
    ip netns exec "$ns" tc qdisc add dev "$ns_if" root netem "${shape[@]}" limit 100000
    echo "rehearse: region $name: namespace $ns, tc netem ${shape[*]} each way"
  else
    netem=no
    # The region's connections to the services go through the relay, which connects on with mark 1.
    ip netns exec "$ns" nft -f - <<NFT
table ip throng {
  chain out {
    type nat hook output priority -100;
    meta mark != 1 ip daddr $service tcp dport { $server_port, $agent_port } redirect to :$relay_port
  }
}
NFT
    ip netns exec "$ns" python3 "$(dirname "$0")/delay_relay.py" --port "$relay_port" \
      --delay-ms "$(milliseconds "$delay")" --jitter-ms "$(milliseconds "${jitter:-0ms}")" --loss "${loss_percent:-0}" \
      >"$work/relay-$name.log" 2>&1 &
    pids+=($!)
    echo "rehearse: region $name: namespace $ns, $delay one-way (jitter ${jitter:-0ms}, loss ${loss_percent:-0}% as retransmission delays) by delay_relay.py: no netem in this kernel"
  fi
  names+=("$name")
done
secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
"$bin/throng-server" --host "$service" --port "$server_port" --store memory --test-token-secret "$secret" \
  >"$work/server.log" 2>&1 &
pids+=($!)

if [[ -z $scenario ]]; then
  scenario=$work/rehearsal.yaml
  cat >"$scenario" <<YAML
# Written by deploy/rehearse/rehearse.sh: users of every region share rooms.
name: rehearsal
target: {url: "ws://$service:$server_port/ws", test_token_secret: "$secret"}
users: $users
rooms: 3
rate: ${users}/s
message_size: 100B
duration: $duration
graceful_stop: 3s
connect_timeout: 20s
YAML
fi

expected=$(IFS=,; echo "${names[*]/%/-agent}")
"$bin/throng" run "$scenario" --agents "${#names[@]}" --expect-agents "$expected" --agent-token "$token" \
  --listen "$service" --agent-port "$agent_port" --agent-wait 30 --report "$report" &
controller=$!
for name in "${names[@]}"; do
  ip netns exec "${tag}-$name" "$bin/throng-agent" --controller "ws://$service:$agent_port/agents" --token "$token" \
    --id "$name-agent" --region "$name" --allow-target "$service" >"$work/agent-$name.log" 2>&1 &
  pids+=($!)
done
set +e
wait "$controller"
code=$?
set -e
echo "rehearse: report in $report (exit $code)"
exit "$code"
