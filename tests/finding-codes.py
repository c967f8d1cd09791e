#!/usr/bin/python3
"""Prints the finding codes the plugins (or the core) under each DIR can
record, one per line.

A code is a string literal shaped PLUGIN.NAME whose next argument is a
severity (every way a plugin records a finding passes the code, then a
SOURCEOS_SEV_ value or an expression naming one), also as `c ? "a" : "b"`,
or a literal a function returns (a function that picks a code).
"""
import re
import sys
from pathlib import Path

NAME = r'"([a-z][a-z0-9]*\.[a-z0-9]+(?:-[a-z0-9]+)*)"'
# A code, an optional ': "other code"', then the next argument mentions a
# severity before any further comma.
CODE = re.compile(NAME + r'(?=(?:\s*:\s*"[^"]*")?\s*,\s*[^,;]{0,60}?(?:SOURCEOS_SEV_|sev))', re.I)
# plugin_denied(ctx, v, "code", ...): always a warning.
DENIED = re.compile(r'plugin_denied\([^,]+,[^,]+,\s*' + NAME)
RETURN = re.compile(r'return\s+"([a-z][a-z0-9]*\.[a-z0-9]+(?:-[a-z0-9]+)*)";')

codes = set()
paths = [p for d in sys.argv[1:] for pattern in ('*.c', '*/*.c')
         for p in Path(d).glob(pattern)]
for path in sorted(paths):
    text = path.read_text()
    codes.update(DENIED.findall(text))
    codes.update(c.lower() for c in CODE.findall(text))
    codes.update(RETURN.findall(text))
print('\n'.join(sorted(codes)))
