#!/usr/bin/env python3
"""Validates a JSON document, or each line of an NDJSON file, against a schema.

usage: validate-json.py SCHEMA FILE [--lines]

Relative $refs (e.g. "report.schema.json#/$defs/entry") resolve against the
schema file's own location, so schemas in one directory can share $defs.
Exit status: 0 valid, 1 invalid, 2 usage error or unreadable schema/file.
"""

import json
import pathlib
import sys

try:
    import jsonschema
except ImportError:
    sys.stderr.write("validate-json.py: the python jsonschema module is missing "
                     "(apt-get install python3-jsonschema)\n")
    sys.exit(2)

USAGE = "usage: validate-json.py SCHEMA FILE [--lines]\n"


def fail_usage(message):
    sys.stderr.write("validate-json.py: %s\n" % message)
    sys.exit(2)


def parse_args(argv):
    lines = "--lines" in argv
    paths = [a for a in argv if a != "--lines"]
    if len(paths) != 2 or any(a.startswith("-") and a != "-" for a in paths):
        sys.stderr.write(USAGE)
        sys.exit(2)
    return paths[0], paths[1], lines


def load_json_file(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        fail_usage("%s: %s" % (path, e))


def validator_class(schema):
    """The validator the schema's $schema names; 2020-12 if the module has it,
    else draft 7 (older python3-jsonschema)."""
    fallback = getattr(jsonschema, "Draft202012Validator", None) or jsonschema.Draft7Validator
    cls = jsonschema.validators.validator_for(schema, default=fallback)
    if "2020-12" in str(schema.get("$schema", "")) and \
            not hasattr(jsonschema, "Draft202012Validator"):
        sys.stderr.write("validate-json.py: warning: this jsonschema lacks draft "
                         "2020-12; validating as draft 7\n")
        cls = jsonschema.Draft7Validator
    return cls


def make_validator(schema_path):
    path = pathlib.Path(schema_path).resolve()
    schema = load_json_file(str(path))
    if not isinstance(schema, dict):
        fail_usage("%s: a schema must be a JSON object" % schema_path)
    base_uri = path.as_uri()
    # Without an $id, relative references resolve against the file's URI.
    schema = dict(schema)
    schema.setdefault("$id", base_uri)
    cls = validator_class(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        fail_usage("%s: not a valid schema: %s" % (schema_path, e.message))
    return cls(schema, **resolver_args(schema, base_uri, cls),
               format_checker=getattr(cls, "FORMAT_CHECKER", None))


def resolver_args(schema, base_uri, cls):
    try:
        import referencing
        import referencing.jsonschema
    except ImportError:
        resolver = jsonschema.RefResolver(base_uri=schema["$id"], referrer=schema)
        return {"resolver": resolver}

    spec = referencing.jsonschema.specification_with(
        cls.META_SCHEMA.get("$schema", ""), default=referencing.jsonschema.DRAFT202012)

    def retrieve(uri):
        if not uri.startswith("file://"):
            raise referencing.exceptions.NoSuchResource(ref=uri)
        sibling = pathlib.Path(uri[len("file://"):])
        with open(sibling, encoding="utf-8") as f:
            contents = json.load(f)
        if isinstance(contents, dict):
            contents.setdefault("$id", sibling.resolve().as_uri())
        return referencing.Resource.from_contents(contents, default_specification=spec)

    return {"registry": referencing.Registry(retrieve=retrieve)}


def json_path(error):
    path = getattr(error, "json_path", None)
    if path:
        return path
    out = "$"
    for part in error.absolute_path:
        out += "[%d]" % part if isinstance(part, int) else ".%s" % part
    return out


def closest_branch(error):
    """Of a oneOf/anyOf error's alternatives, the sub-errors of the one that
    came closest (fewest errors): the reasons a reader wants."""
    branches = {}
    for sub in error.context or []:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    if not branches:
        return []
    return min(branches.values(), key=len)


def by_path(errors):
    return sorted(errors, key=lambda e: [str(p) for p in e.absolute_path])


def report_errors(validator, document, where):
    errors = by_path(validator.iter_errors(document))
    for error in errors:
        message = error.message
        if error.context:  # the message would repeat the whole instance
            message = "matches none of the allowed forms; the closest fails:"
        sys.stdout.write("%s: %s: %s\n" % (where, json_path(error), message))
        for sub in by_path(closest_branch(error)):
            sys.stdout.write("%s:   %s: %s\n" % (where, json_path(sub), sub.message))
    return not errors


def read_text(path):
    try:
        if path == "-":
            return sys.stdin.read()
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as e:
        fail_usage("%s: %s" % (path, e))


def validate_document(validator, path):
    try:
        document = json.loads(read_text(path))
    except ValueError as e:
        sys.stdout.write("%s: not JSON: %s\n" % (path, e))
        return False
    return report_errors(validator, document, path)


def validate_lines(validator, path):
    ok = True
    seen = 0
    for number, line in enumerate(read_text(path).split("\n"), start=1):
        if not line.strip():
            continue
        seen += 1
        where = "%s:%d" % (path, number)
        try:
            document = json.loads(line)
        except ValueError as e:
            sys.stdout.write("%s: not JSON: %s\n" % (where, e))
            ok = False
            continue
        ok = report_errors(validator, document, where) and ok
    if seen == 0:
        sys.stdout.write("%s: no lines to validate\n" % path)
        return False
    return ok


def main(argv):
    schema_path, path, lines = parse_args(argv)
    validator = make_validator(schema_path)
    ok = validate_lines(validator, path) if lines else validate_document(validator, path)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
