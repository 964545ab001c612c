#!/usr/bin/env python3
"""The Grafana dashboard only queries metrics the binaries export: every
throng_* name in deploy/grafana/*.json appears in the sources."""
import json
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
sources = "\n".join(p.read_text() for d in ("controller", "server", "agent", "common")
                    for p in (root / d).rglob("*.cpp"))
missing = []
for dashboard in (root / "deploy" / "grafana").glob("*.json"):
    doc = json.loads(dashboard.read_text())
    for panel in doc["panels"]:
        for target in panel["targets"]:
            for name in re.findall(r"throng_[a-z_]+", target["expr"]):
                # Families built from a prefix and a counter name, e.g. throng_run_{}_total.
                base = re.sub(r"_(total|seconds)$", "", name)
                stem = base.rsplit("_", 1)[0]
                if name not in sources and f'"{base.split("_", 2)[-1]}"' not in sources and stem + "_" not in sources:
                    missing.append(f"{dashboard.name}: {panel['title']}: {name}")
print("\n".join(missing) if missing else "every dashboard metric is exported")
sys.exit(1 if missing else 0)
