#!/usr/bin/env bash
# The local multi-region rehearsal (root): three "regions" 5, 40 and 120 ms
# away (the far one losing 1% of its packets), one agent each, users sharing rooms. Each region's fastest
# ack is its round trip and its median no sooner, e2e medians differ by the regions' delays,
# every agent's clock offset (truly 0: one kernel clock) is estimated within
# its error bound, and nothing is lost.
#   rehearsal_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bash "$source/deploy/rehearse/rehearse.sh" --bin "$build/bin" --regions near:5ms,mid:40ms:2ms,far:120ms:4ms:1% \
  --users 60 --duration 12s --report "$work/report.json" >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; exit 1; }
python3 - "$work/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
delay = {"near": 5, "mid": 40, "far": 120}
regions = r["tags"]["region"]
problems = []
assert set(regions) == set(delay), f"regions in the report: {sorted(regions)}"
e2e = {k: regions[k]["latency"]["e2e"]["p50_ms"] for k in delay}
jitter = {"near": 0, "mid": 2, "far": 4}
for name, d in delay.items():
    ack = regions[name]["latency"]["ack"]
    print(f"{name}: one-way {d} ms, ack min {ack['min_ms']:.1f} p50 {ack['p50_ms']:.1f} ms, e2e p50 {e2e[name]:.1f} ms")
    # The fastest ack is the round trip itself: a stall of a busy host moves
    # medians by tens of ms but spares some of the 240 sends. Jitter can make
    # it sooner, by up to three standard deviations of the two ways' sum.
    low = 2 * d - 3 * 1.5 * jitter[name] - 1
    if not low <= ack["min_ms"] <= 2 * d + 8:
        problems.append(f"{name}: fastest ack {ack['min_ms']:.1f} ms, expected {low:.0f} to {2 * d + 8}")
    # The median: no sooner than the round trip, and nowhere near two of them.
    if not 2 * d <= ack["p50_ms"] <= 3 * d + 25:
        problems.append(f"{name}: ack p50 {ack['p50_ms']:.1f} ms, expected {2 * d} to {3 * d + 25}")
    # Receivers in this region are d further than those of the near region
    # (where nothing is lost: a loss holds back what follows it on a stream).
    shift = e2e[name] - e2e["near"]
    if name != "far" and abs(shift - (d - delay["near"])) > 15:
        problems.append(f"{name}: e2e p50 is {shift:.1f} ms above near's, expected {d - delay['near']} +/- 15")
# The far region's losses cost retransmissions: they show in its tail, not its median, and lose nothing.
far_p99 = regions["far"]["latency"]["ack"]["p99_ms"]
print(f"far: ack p99 {far_p99:.1f} ms")
if far_p99 < 2 * delay["far"] + 150:
    problems.append(f"far: ack p99 {far_p99:.1f} ms shows no retransmissions from 1% loss")
if e2e["far"] - e2e["near"] < delay["far"] - delay["near"] - 15:
    problems.append(f"far: e2e p50 {e2e['far']:.1f} ms, less than its delay puts it above near's")
for a in r["agents"]:
    print(f"{a['id']}: clock offset {a['clock_offset_ms']:.3f} ms +/- {a['clock_error_ms']:.3f}")
    if abs(a["clock_offset_ms"]) > a["clock_error_ms"] + 1:
        problems.append(f"{a['id']}: offset {a['clock_offset_ms']:.3f} ms outside its bound {a['clock_error_ms']:.3f}")
    if a["clock_error_ms"] > delay[a["region"]] * 1.5 + 5:
        problems.append(f"{a['id']}: error bound {a['clock_error_ms']:.3f} ms, expected about the one-way delay")
t = r["totals"]
if t["lost"] or t["duplicated"] or t["delivered"] != t["expected"] or t["expected"] == 0:
    problems.append(f"deliveries: {t['delivered']} of {t['expected']}, lost {t['lost']}, duplicated {t['duplicated']}")
# Idle agents (acks often share a relayed read with deliveries) must not be blamed for the network's time.
for w in r["warnings"]:
    if "own part" in w:
        problems.append(f"a warning blames the agents: {w}")
for p in problems:
    print("FAIL:", p)
sys.exit(1 if problems else 0)
PY
