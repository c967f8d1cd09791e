#!/usr/bin/env python3
"""Prints the YAML files given, merged as checks.d merges them, as JSON.

With --one FILE: that one file (an agents.d declaration) as JSON, as it is."""
import json
import sys

import yaml

if sys.argv[1:2] == ["--one"]:
    with open(sys.argv[2], encoding="utf-8") as f:
        json.dump(yaml.safe_load(f), sys.stdout, indent=1)
    sys.exit(0)

merged = {"checks": []}
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f) or {}
    merged["checks"].extend(doc.get("checks") or [])
json.dump(merged, sys.stdout, indent=1)
