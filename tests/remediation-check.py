#!/usr/bin/env python3
"""Checks the remediation commands of a --json report against what they must
be: each command is valid sh (`sh -n`), and a shell splits it into exactly the
intended words and operators.

usage: remediation-check.py REPORT.json SPEC MARK

SPEC has one line per expected command: `CODE<TAB>JSON`, JSON a list whose
strings are words and whose one-element lists (["&&"], [";"], ["|"], [">"])
are the operators between them; ["#withheld"] is a command the core withheld
(a comment saying why). `{H}` in a word stands for the hostile name
and `{T}` for the value of $T. Every spec line must match a command of a
finding with that CODE; every command holding MARK (a piece of the hostile
name) must match a spec line; no command may hold an operator, `$` or
backtick outside its quotes other than the spec's. Prints `PASS what` or
`FAIL what: why`, one line each, for the test to count.
"""
import json
import os
import shlex
import subprocess
import sys

OPERATORS = ("&&", "||", ";;", ";", "|", "&", ">>", ">", "<", "(", ")")


def tokens(line):
    """The words and operators a POSIX shell reads in LINE, for the quoting
    our core writes (single quotes, backslash, double quotes). Raises
    ValueError on anything a shell would expand: $, backticks, globs."""
    out, word, in_word, i = [], "", False, 0
    while i < len(line):
        c = line[i]
        if c == "'":
            j = line.index("'", i + 1)  # ValueError when unterminated
            word += line[i + 1:j]
            in_word, i = True, j + 1
        elif c == "\\":
            word += line[i + 1]
            in_word, i = True, i + 2
        elif c == '"':
            j = i + 1
            while line[j] != '"':
                if line[j] in "$`":
                    raise ValueError("expansion inside double quotes at %d" % j)
                if line[j] == "\\":
                    j += 1
                word += line[j]
                j += 1
            in_word, i = True, j + 1
        elif c in " \t":
            if in_word:
                out.append(word)
            word, in_word, i = "", False, i + 1
        elif c in "$`*?[{}!" or (c in "~#" and not in_word):
            raise ValueError("unquoted %r at %d" % (c, i))
        elif any(line.startswith(op, i) for op in OPERATORS):
            op = next(op for op in OPERATORS if line.startswith(op, i))
            if in_word:
                out.append(word)
            out.append([op])
            word, in_word, i = "", False, i + len(op)
        else:
            word += c
            in_word, i = True, i + 1
    if in_word:
        out.append(word)
    return out


def shlex_words(cmd):
    """What python's shlex (POSIX mode, operators split off) reads: a second
    opinion on tokens()."""
    lex = shlex.shlex(cmd, posix=True, punctuation_chars=True)
    lex.whitespace_split = True
    return list(lex)


def expand(spec, hostile, tree):
    def one(w):
        if isinstance(w, list):
            return w
        return w.replace("{H}", hostile).replace("{T}", tree)
    return [one(w) for w in spec]


def main():
    report = json.load(open(sys.argv[1]))
    mark = sys.argv[3]
    hostile = os.environ["HOSTILE"]
    tree = os.environ.get("T", "")
    specs = []
    for line in open(sys.argv[2]):
        if line.strip() and not line.startswith("#"):
            code, text = line.rstrip("\n").split("\t", 1)
            specs.append((code, expand(json.loads(text), hostile, tree)))
    commands = [(f["code"], c) for check in report["checks"]
                for f in check.get("findings", []) for c in f.get("commands", [])]
    matched = set()
    unmatched = 0
    for code, cmd in commands:
        what = "%s: %s" % (code, cmd)
        if "\n" in cmd:
            print("FAIL %s: a newline in the command" % code)
            continue
        rc = subprocess.run(["sh", "-n", "-c", cmd], capture_output=True).returncode
        try:
            # A command the core withheld is a comment: nothing to paste.
            got = ["#withheld"] if cmd.startswith("# command withheld") else tokens(cmd)
        except (ValueError, IndexError) as e:
            print("FAIL %s: %s" % (what, e))
            continue
        flat = [w[0] if isinstance(w, list) else w for w in got]
        if rc != 0:
            print("FAIL sh -n rejects %s" % what)
        elif got != ["#withheld"] and shlex_words(cmd) != flat:
            print("FAIL shlex disagrees on %s: %r" % (what, shlex_words(cmd)))
        hits = [k for k, (c, want) in enumerate(specs) if c == code and want == got]
        if hits:
            matched.update(hits)
            print("PASS %s: exactly %d words and operators, sh -n accepts it"
                  % (code, len(got)))
        elif mark in cmd:
            unmatched += 1
            print("FAIL %s holds the hostile name but matches no spec: %r" % (what, got))
    if not unmatched:
        print("PASS no command holds the hostile name unexpectedly (%d commands)"
              % len(commands))
    for k, (code, want) in enumerate(specs):
        if k not in matched:
            print("FAIL %s never suggested %r (commands: %r)"
                  % (code, want, [c for k2, c in commands if k2 == code]))


if __name__ == "__main__":
    main()
