#!/usr/bin/env python3
"""Prints the YAML files given, merged as checks.d merges them, as JSON."""
import json
import sys

import yaml

merged = {"checks": []}
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f) or {}
    merged["checks"].extend(doc.get("checks") or [])
json.dump(merged, sys.stdout, indent=1)
