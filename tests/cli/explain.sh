#!/bin/sh
# `sourceos explain CODE` and `--list`: every row of docs/findings.md, as the
# page says it (the cells compared with an independent reading of the page),
# the nearest codes for an unknown one, and the usage errors.
. "$SOS_SRCDIR/tests/lib.sh"
DOC="$SOS_SRCDIR/docs/findings.md"

# The page's rows as JSON, read here with Python: cells split at unescaped
# pipes, `\|` read as `|`, the section from the `## ` heading before.
"$PYTHON" - "$DOC" > "$TMP/rows.json" <<'PY'
import json, re, sys
rows, section = [], ""
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("## "):
        section = line[3:].split(" ")[0]
    elif line.startswith("| `"):
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        rows.append({"code": cells[0].strip("`"), "severity": cells[1], "section": section,
                     "meaning": cells[2], "what_to_do": cells[3]})
json.dump(rows, sys.stdout)
PY
n=$("$PYTHON" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$TMP/rows.json")
ok $(( n < 300 )) "the page has its rows ($n)"

# Every code, explained as JSON, says what its row says.
"$PYTHON" - "$TMP/rows.json" "$SOS" > "$TMP/diff.txt" <<'PY' || echo "the checker failed" >> "$TMP/diff.txt"
import json, subprocess, sys
for row in json.load(open(sys.argv[1])):
    p = subprocess.run([sys.argv[2], "explain", row["code"], "--format", "json"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print(row["code"], "exit", p.returncode, p.stderr.strip())
    elif json.loads(p.stdout) != row:
        print(row["code"], "differs:", p.stdout)
PY
is "$(cat "$TMP/diff.txt")" "" "each of the $n codes is explained as its row says (severity, section, meaning, what to do)"

# Cells with escaped pipes read back as the pipes the page means.
out=$("$SOS" explain launchd.raw-podman-run); rc=$?
like "$rc|$out" '^0\|launchd.raw-podman-run: critical \(launchd\)' "the human form names code, severity and section"
like "$(printf '%s' "$out" | tr '\n' ' ')" '`&&`, `\|\|`, `;`, `\|`' "an escaped pipe in a code span is a pipe"
like "$out" '^What to do:$' "and says what to do"
long=$(printf '%s\n' "$out" | awk 'length > 79' | head -1)
is "$long" "" "wrapped to 80 columns"

# --list: every code once, in the page's order, with severity and section.
out=$("$SOS" explain --list); rc=$?
is "$rc|$(printf '%s\n' "$out" | wc -l | tr -d ' ')" "0|$n" "--list prints one line per code"
like "$out" '^systemd\.raw-podman-run +critical +systemd$' "a line is code, severity, section"
like "$out" '^core\.result-truncated ' "the page's first code is listed"
is "$(printf '%s\n' "$out" | awk '{print $1}' | sort | uniq -d)" "" "no code twice"
"$SOS" explain --list --json > "$TMP/list.json"; rc=$?
got=$("$PYTHON" -c '
import json, sys
l = json.load(open(sys.argv[1])); r = json.load(open(sys.argv[2]))
print(len(l), [x["code"] for x in l] == [x["code"] for x in r],
      next(x for x in l if x["code"] == "core.agent-declaration"))' "$TMP/list.json" "$TMP/rows.json")
is "$rc|$got" "0|$n True {'code': 'core.agent-declaration', 'severity': 'critical', 'section': 'core'}" "--list --json: every code in order, severity's first word, section"

# An unknown code: a usage error naming the nearest codes, nearest first.
out=$("$SOS" explain podman.machine-stoped 2>&1 >/dev/null); rc=$?
like "$rc|$out" "^64\|sourceos: no finding code 'podman.machine-stoped'; nearest: podman.machine-stopped, " "a typo: the code it meant first"
out=$("$SOS" explain launchd.keepalive 2>&1); rc=$?
like "$rc|$out" "^64\|.*nearest: launchd.keepalive-unbounded, launchd.keepalive-unthrottled" "a code's beginning: the codes that hold it"
out=$("$SOS" explain unthrottled 2>&1); rc=$?
like "$rc|$out" "^64\|.*nearest: launchd.keepalive-unthrottled" "a word alone finds the code that holds it"
out=$("$SOS" explain zz.qqqqqqqq 2>&1); rc=$?
is "$rc|$out" "64|sourceos: no finding code 'zz.qqqqqqqq'; 'sourceos explain --list' lists every code" "nothing near: no suggestion, the way to the list"
out=$("$SOS" explain "$(printf 'a\033[31mb')" 2>&1); rc=$?
is "$rc|$out" "64|sourceos: no finding code 'a\\x1b[31mb'; 'sourceos explain --list' lists every code" "a hostile operand is escaped, not sent to the terminal"

# Usage errors.
out=$("$SOS" explain 2>&1); rc=$?
is "$rc|$out" "64|sourceos: give a finding CODE, or --list; see 'sourceos explain --help'" "neither CODE nor --list"
out=$("$SOS" explain core.offline --list 2>&1); rc=$?
is "$rc|$out" "64|sourceos: give a CODE or --list, not both; see 'sourceos explain --help'" "both"
out=$("$SOS" explain core.offline --format ndjson 2>&1); rc=$?
like "$rc|$out" "^64\|.*has none: use --format json" "no event stream"
out=$("$SOS" checks --list 2>&1); rc=$?
like "$rc|$out" "^64\|sourceos: option --list is for 'sourceos explain'" "--list belongs to explain"
out=$("$SOS" explain a b 2>&1); rc=$?
like "$rc|$out" "^64\|.*usage: sourceos explain \[CODE\]" "one code at a time"
done_testing
