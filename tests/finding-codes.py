#!/usr/bin/python3
"""Prints the finding codes the plugins under DIR can record, one per line.

A code is a string literal shaped PLUGIN.NAME among the first three
arguments of sourceos_finding_add() or a plugin's own wrapper of it
(registry_note, add), or returned by a function that picks a code.
"""
import re
import sys
from pathlib import Path

CODE = re.compile(r'"([a-z]+\.[a-z0-9]+(?:-[a-z0-9]+)*)"')
CALL = re.compile(r'\b(sourceos_finding_add|registry_note|add)\s*\(')
RETURN = re.compile(r'return\s+"([a-z]+\.[a-z0-9]+(?:-[a-z0-9]+)*)";')


def args_of(text, start):
    """The text of the call's first three arguments, from START (after '(')."""
    depth, commas, i = 0, 0, start
    while i < len(text):
        c = text[i]
        if c == '"':
            i = text.index('"', i + 1)
            while text[i - 1] == '\\':
                i = text.index('"', i + 1)
        elif c in '([':
            depth += 1
        elif c in ')]':
            if depth == 0:
                break
            depth -= 1
        elif c == ',' and depth == 0:
            commas += 1
            if commas == 3:
                break
        i += 1
    return text[start:i]


codes = set()
for path in sorted(Path(sys.argv[1]).glob('*/*.c')):
    text = path.read_text()
    for m in CALL.finditer(text):
        codes.update(CODE.findall(args_of(text, m.end())))
    codes.update(RETURN.findall(text))
print('\n'.join(sorted(codes)))
