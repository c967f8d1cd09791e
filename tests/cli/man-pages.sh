#!/bin/sh
# The man pages (dist_man_MANS, docs/): mandoc -Tlint finds nothing at
# WARNING or above, and each page documents what is there, read at test time
# so that a row added anywhere fails here until its page says it:
# - every command of each program's --help (the verb table) is a `.It Cm`
#   entry of PROG.1, and every option of `PROG COMMAND --help` (its Usage
#   line and Options list) an `.It Fl` entry;
# - every function of <sourceos/plugin.h> is in sourceos-plugin(3)'s
#   SYNOPSIS with the header's prototype, every member of each struct in
#   its `.Ss struct NAME`, every constant and type name on the page;
# - every key of the three declaration schemas is a `.It Ic` entry of its
#   section-5 page.
. "$SOS_SRCDIR/tests/lib.sh"

command -v mandoc >/dev/null 2>&1 || skip_all "mandoc is missing (bootstrap.sh installs it)"

MAN="$SOS_SRCDIR/docs"

# dist_man_MANS as Makefile.am has it, one page a line.
"$PYTHON" - "$SOS_SRCDIR/Makefile.am" > "$TMP/mans" <<'EOF'
import re, sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
m = re.search(r"^dist_man_MANS\s*=(.*)$", text, re.M)
print("\n".join(m.group(1).split()) if m else "")
EOF
for page in sourceos.1 sourceos-agent.1 sourceosctl.1 sourceos-plugin.3 \
    sourceos-checks.d.5 sourceos-agents.d.5 sourceos-agent-machine-profile.5; do
    grep -qx "docs/$page" "$TMP/mans"; ok $? "docs/$page is in dist_man_MANS (installed and distributed)"
done

while read -r man; do
    out=$(mandoc -Tlint -W warning "$SOS_SRCDIR/$man" 2>&1); rc=$?
    is "$rc|$out" "0|" "mandoc -Tlint -W warning $man: no warning or error"
done < "$TMP/mans"

# Whether page $2 has an entry (an .It line) for option $1: "Fl -jobs", "Fl j".
has_option() {
    grep -Eq -- "^\.It (.* )?Fl ${1#-}( |\$)" "$MAN/$2"
}

# The command words of each row of "PROG --help"'s Commands list.
commands_of() {
    "$SOS_BUILDDIR/$1" --help | awk '
        /^Commands:$/ { on = 1; next }
        on && /^$/ { exit }
        on && /^  [^ ]/ {
            shown = substr($0, 3); words = ""
            if (index(shown, "  ")) shown = substr(shown, 1, index(shown, "  ") - 1)
            n = split(shown, w, " ")
            for (i = 1; i <= n && w[i] ~ /^[a-z][a-z0-9-]*$/; i++)
                words = words (words ? " " : "") w[i]
            print words
        }'
}

# The options of a command's --help text (file $1): those of its Usage line
# and those of its Options list (a name wider than the column is alone on
# its line), one a line.
options_of() {
    awk '
        NR == 1 { usage = 1 }
        usage && /^$/ { usage = 0 }
        usage {
            s = $0
            while (match(s, /\[--?[a-z][a-z0-9-]*/)) {
                print substr(s, RSTART + 1, RLENGTH - 1); s = substr(s, RSTART + RLENGTH)
            }
        }
        /^Options:$/ { list = 1; next }
        list && /^$/ { list = 0 }
        list && /^  -/ {
            shown = substr($0, 3)
            if (index(shown, "  ")) shown = substr(shown, 1, index(shown, "  ") - 1)
            n = split(shown, w, /[ ,]+/)
            for (i = 1; i <= n; i++) if (w[i] ~ /^-/) print w[i]
        }' "$1"
}

for prog in sourceos sourceos-agent sourceosctl; do
    page=$prog.1
    commands_of "$prog" > "$TMP/commands.$prog"
    [ -s "$TMP/commands.$prog" ]; ok $? "$prog --help lists commands"
    while read -r words; do
        grep -Eq "^\\.It Cm $words( |\$)" "$MAN/$page"
        ok $? "$page has an entry .It Cm $words"
        missing=""
        # shellcheck disable=SC2086
        "$SOS_BUILDDIR/$prog" $words --help > "$TMP/help" 2>&1 </dev/null; rc=$?
        options_of "$TMP/help" > "$TMP/options"
        while read -r opt; do
            has_option "$opt" "$page" || missing="$missing $opt"
        done < "$TMP/options"
        is "$rc|$missing" "0|" "$page has an .It Fl entry for every option of '$prog $words --help'"
    done < "$TMP/commands.$prog"
done

# <sourceos/plugin.h> against sourceos-plugin(3), and each schema's keys
# against its page: one line per assertion, "STATUS<TAB>DESCRIPTION<TAB>WHAT".
"$PYTHON" - "$SOS_SRCDIR" > "$TMP/checks" <<'EOF'
import json, re, shlex, sys
src = sys.argv[1]

def norm(s):
    return " ".join(s.replace("*", " * ").split()).replace("* ", "*")

def say(good, what, detail=""):
    print("%d\t%s\t%s" % (0 if good else 1, what, detail))

header = open(src + "/include/sourceos/plugin.h").read()
page = open(src + "/docs/sourceos-plugin.3").read()
code = re.sub(r"/\*.*?\*/", " ", header, flags=re.S)
defines = re.findall(r"^#\s*define\s+(SOURCEOS_\w+)", code, re.M)
code = re.sub(r"^#.*$", " ", code, flags=re.M)
code = re.sub(r"__attribute__\s*\(\((?:[^()]|\([^()]*\))*\)\)", " ", code)

# Functions: the header's prototypes, the SYNOPSIS's .Ft/.Fn pairs.
protos = {}
for stmt in re.split(r"[;{}]", code):
    m = re.match(r"\s*(.*?)\b(sourceos_\w+)\s*\((.*)\)\s*$", stmt, re.S)
    if m and "(*" not in stmt:
        params = [norm(p) for p in m.group(3).split(",")]
        protos[m.group(2)] = (norm(m.group(1)), params)
synopsis = page.split(".Sh SYNOPSIS", 1)[1].split("\n.Sh ", 1)[0].splitlines()
shown, ft = {}, None
for line in synopsis:
    if line.startswith(".Ft "):
        ft = norm(line[4:])
    elif line.startswith(".Fn "):
        words = shlex.split(line[4:])
        shown[words[0]] = (ft, [norm(p) for p in words[1:]])
say(len(protos) > 30, "the header declares its functions", "%d found" % len(protos))
for name, (ret, params) in sorted(protos.items()):
    got = shown.get(name)
    say(got == (ret, params), "sourceos-plugin.3 SYNOPSIS: %s as the header declares it" % name,
        "header: %s %s(%s); page: %s" % (ret, name, ", ".join(params),
                                         "%s %s(%s)" % (got[0], name, ", ".join(got[1])) if got else "absent"))
for name in sorted(set(shown) - set(protos)):
    say(False, "sourceos-plugin.3 SYNOPSIS: %s is in the header" % name, "not declared there")

# Structs: every member a .Fa in the page's ".Ss struct NAME".
for name, body in re.findall(r"\bstruct\s+(sourceos_\w+)\s*\{(.*?)\}\s*;", code, re.S):
    members = []
    for decl in body.split(";"):
        if decl.strip():
            fp = re.search(r"\(\s*\*\s*(\w+)\s*\)", decl)
            members.append(fp.group(1) if fp else re.findall(r"\w+", decl)[-1])
    sect = re.search(r"^\.Ss struct %s\n(.*?)(?=^\.S[sh] )" % name, page, re.S | re.M)
    text = sect.group(1) if sect else ""
    missing = [m for m in members if not re.search(r"(^|\s)Fa\s+%s(\s|$)" % m, text, re.M)]
    say(sect and not missing, "sourceos-plugin.3 .Ss struct %s: each member (%s)" % (name, ", ".join(members)),
        "missing: " + " ".join(missing) if sect else "no such subsection")

# Constants and type names.
names = [d for d in defines if d != "SOURCEOS_PLUGIN_H"]
names += re.findall(r"\b(SOURCEOS_[A-Z_]+)\s*=", code)
names += re.findall(r"\}\s*(sourceos_\w+)\s*;", code)
names += re.findall(r"typedef\s+struct\s+\w+\s+(sourceos_\w+)\s*;", code)
missing = [n for n in names if not re.search(r"\b%s\b" % n, page)]
say(len(names) > 20 and not missing, "sourceos-plugin.3 names each constant and type of the header (%d)" % len(names),
    "missing: " + " ".join(missing))

# Schemas: every property name, at any depth, a ".It Ic KEY" of the page.
def keys(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "properties" and isinstance(v, dict):
                out.update(v)
            keys(v, out)
    elif isinstance(node, list):
        for v in node:
            keys(v, out)
    return out

for schema, man in (("checks", "sourceos-checks.d.5"), ("agent", "sourceos-agents.d.5"),
                    ("agent-machine-profile", "sourceos-agent-machine-profile.5")):
    doc = json.load(open("%s/schemas/%s.schema.json" % (src, schema)))
    text = open("%s/docs/%s" % (src, man)).read()
    top = sorted(doc.get("properties", {}))
    every = sorted(keys(doc, {}))
    missing = [k for k in every if not re.search(r"^\.It Ic %s( |$)" % re.escape(k), text, re.M)]
    say(top and not missing, "%s has an .It Ic entry for each key of %s.schema.json (%d, %d at the top)"
        % (man, schema, len(every), len(top)), "missing: " + " ".join(missing))
EOF
ok $? "the header and the schemas were read"
TAB=$(printf '\t')
while IFS=$TAB read -r status what detail; do
    [ "$status" -eq 0 ] || echo "# $detail"
    ok "$status" "$what"
done < "$TMP/checks"

done_testing
