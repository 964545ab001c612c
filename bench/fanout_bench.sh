#!/usr/bin/env bash
# Whole-system fan-out benchmark on loopback: the reference server (1 shard)
# and one local agent (1 worker) on this machine, 1,000 users in 10 rooms of
# 100. Runs the same load with and without the "batch" capability, at a rate
# the pair sustains (500 sends/s = 50k deliveries/s) and at one that
# saturates it (2,000 sends/s = 200k deliveries/s), and prints each summary.
#
#   bench/fanout_bench.sh [build-dir]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "# fanout bench $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for rate in 500 2000; do
  for batch in true false; do
    name="fanout-${rate}-batch-${batch}"
    sed -e "s|^rate: .*|rate: ${rate}/s|" -e "s|  batch: .*|  batch: ${batch}|" -e "s|^name: .*|name: ${name}|" \
      bench/scenarios/fanout.yaml > "$work/$name.yaml"
    echo
    echo "## ${name}: ${rate} sends/s x 100 members = $((rate * 100)) deliveries/s offered"
    "$build/bin/throng" run "$work/$name.yaml" --report "$work/$name.json" 2>/dev/null | sed -n '/^run /,$p'
  done
done
