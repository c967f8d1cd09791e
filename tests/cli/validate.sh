#!/bin/sh
# make validate (tests/validate-all.py): the shipped schemas and examples
# pass, and it fails on a broken example or a broken schema, naming it.
. "$SOS_SRCDIR/tests/lib.sh"
VA="$SOS_SRCDIR/tests/validate-all.py"
out=$("$PYTHON" "$VA" "$SOS_SRCDIR" 2>&1); rc=$?
is "$rc" 0 "every shipped schema and example is valid"
[ "$rc" = 0 ] || printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/#   /'
for f in contrib/agent-machine/macos-podman.yaml contrib/agent-machine/linux-native.yaml \
    contrib/agent-machine/windows-wsl.yaml contrib/agents.d/node-commander.yaml \
    schemas/agent-machine-evidence.schema.json schemas/agent-machine-fingerprint.schema.json; do
    like "$out" "^ok $f( |$)" "it checked $f"
done
# a copy of the tree with one bad profile, then one bad schema
T="$TMP/src"
mkdir -p "$T"
cp -R "$SOS_SRCDIR/schemas" "$SOS_SRCDIR/checks.d" "$SOS_SRCDIR/contrib" "$T/"
sed -i 's|network: none|network: host|' "$T/contrib/agent-machine/linux-native.yaml"
out=$("$PYTHON" "$VA" "$T" 2>&1); rc=$?
is "$rc" 1 "a profile with network host: exit 1"
like "$out" "^contrib/agent-machine/linux-native.yaml: \\\$.container.network: 'host' is not one of" "naming the file and the key"
cp "$SOS_SRCDIR/contrib/agent-machine/linux-native.yaml" "$T/contrib/agent-machine/"
sed -i 's|"type": "object",|"type": "objekt",|' "$T/schemas/agent-machine-profile.schema.json"
out=$("$PYTHON" "$VA" "$T" 2>&1); rc=$?
is "$rc" 2 "a broken schema: exit 2"
like "$out" "agent-machine-profile.schema.json: not a valid schema" "naming it"
done_testing
