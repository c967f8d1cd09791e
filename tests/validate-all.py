#!/usr/bin/env python3
"""`make validate`: every shipped schema against the JSON Schema meta-schema,
and every shipped example against its schema.

usage: validate-all.py SRCDIR
Prints one line per file ("ok FILE" or the errors) and exits 1 when any
failed, 2 when something could not be read.
"""

import glob
import importlib.util
import json
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("validate_json", os.path.join(HERE, "validate-json.py"))
vj = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vj)

# (schema, the files it governs), relative to SRCDIR
PAIRS = [
    ("schemas/checks.schema.json", ["checks.d/*.yaml", "contrib/example-plugin/*.yaml"]),
    ("schemas/agent.schema.json", ["contrib/agents.d/*.yaml"]),
    ("schemas/agent-machine-profile.schema.json", ["contrib/agent-machine/*.yaml"]),
]


def load(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return json.loads(text) if path.endswith(".json") else yaml.safe_load(text)


def main(srcdir):
    ok = True
    for schema in sorted(glob.glob(os.path.join(srcdir, "schemas", "*.json"))):
        vj.make_validator(schema)  # exits 2 naming it when not a valid schema
        print("ok %s (a valid schema)" % os.path.relpath(schema, srcdir))
    for schema, patterns in PAIRS:
        validator = vj.make_validator(os.path.join(srcdir, schema))
        files = sorted(f for p in patterns for f in glob.glob(os.path.join(srcdir, p)))
        if not files:
            print("%s: no example found for %s" % (schema, patterns))
            ok = False
        for f in files:
            where = os.path.relpath(f, srcdir)
            if vj.report_errors(validator, load(f), where):
                print("ok %s" % where)
            else:
                ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
