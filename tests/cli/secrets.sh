#!/bin/sh
# Secrets a plugin records as evidence or facts never reach any output.
. "$SOS_SRCDIR/tests/lib.sh"
canary="sos-canary-$$-c2VjcmV0"
make_config cfg <<YAML
checks:
  - {id: t.secret, plugin: behave, check: secret, params: {canary: "$canary"}}
YAML
for fmt in human json ndjson; do
    out=$("$SOS" doctor local-runtime -v --format $fmt --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/cfg" 2>&1)
    unlike "$out" "$canary" "$fmt output holds no secret"
    like "$out" 'gcr\.io' "$fmt output keeps the names around it"
done
out=$("$SOS" doctor local-runtime --json --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/cfg")
is "$(printf '%s' "$out" | jget "find('t.secret')['findings'][0]['evidence']['password']")" '<redacted:password>' "the value is replaced by a marker"
done_testing
