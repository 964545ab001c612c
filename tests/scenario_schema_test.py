#!/usr/bin/env python3
"""Checks scenarios/schema.json: every shipped scenario validates against it,
and mistakes the parser refuses are refused by the schema too (so editors
flag them as users type)."""
import json
import pathlib
import sys

import jsonschema
import yaml

root = pathlib.Path(sys.argv[1])
schema = json.loads((root / "scenarios" / "schema.json").read_text())
jsonschema.Draft7Validator.check_schema(schema)
validator = jsonschema.Draft7Validator(schema)

failures = []
shipped = sorted((root / "scenarios").glob("*.yaml"))
assert shipped, "no shipped scenarios found"
for path in shipped:
    errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
    for e in errors:
        failures.append(f"{path.name}: {'.'.join(map(str, e.path))}: {e.message}")

bad = {
    "unknown top-level key": {"target": {"spawn": "reference-server"}, "userz": 5},
    "unknown executor": {"target": {"spawn": "reference-server"}, "scenarios": {"a": {"executor": "constant-arivals"}}},
    "bad duration": {"target": {"spawn": "reference-server"}, "duration": "10"},
    "bad threshold metric": {"target": {"spawn": "reference-server"}, "thresholds": {"e2f": ["p(95) < 1s"]}},
    "bad threshold expression": {"target": {"spawn": "reference-server"}, "thresholds": {"e2e": ["p(95) 1s"]}},
    "event with two kinds": {"target": {"spawn": "reference-server"}, "events": [{"at": "1s", "pause": "1s", "burst": {"multiplier": 2, "duration": "1s"}}]},
    "unknown group field": {"target": {"spawn": "reference-server"}, "groups": {"a": {"wieght": 1}}},
    "connect_attempts of 0": {"target": {"spawn": "reference-server"}, "connect_attempts": 0},
}
for name, doc in bad.items():
    if validator.is_valid(doc):
        failures.append(f"the schema accepts a scenario with a {name}")

for f in failures:
    print(f)
print(f"{len(shipped)} shipped scenarios checked, {len(bad)} broken ones refused" if not failures else f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
