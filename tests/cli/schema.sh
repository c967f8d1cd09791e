#!/bin/sh
# The shipped checks.d matches schemas/checks.schema.json, and real reports
# (JSON and NDJSON) match theirs.
. "$SOS_SRCDIR/tests/lib.sh"
V="$PYTHON $SOS_SRCDIR/tests/validate-json.py"

"$PYTHON" "$SOS_SRCDIR/tests/yaml2json.py" "$SOS_SRCDIR"/checks.d/*.yaml > "$TMP/checksd.json"
$V "$SOS_SRCDIR/schemas/checks.schema.json" "$TMP/checksd.json" >&2
ok $? "the default checks.d is valid against checks.schema.json"

printf '{"checks":[{"id":"nodots","plugin":"x","check":"y"}]}' > "$TMP/bad.json"
$V "$SOS_SRCDIR/schemas/checks.schema.json" "$TMP/bad.json" >/dev/null 2>&1
is "$?" 1 "the schema rejects an id without a dot"

make_config all <<'YAML'
checks:
  - {id: t.ok, plugin: behave, check: status, params: {facts: [t.k=v], message: hello}}
  - {id: t.warn, plugin: behave, check: status, params: {status: warning}}
  - {id: t.fail, plugin: behave, check: status, params: {status: failure}}
  - {id: t.err, plugin: behave, check: status, params: {status: error}}
  - {id: t.skip, plugin: behave, check: status, needs: [t.fail]}
  - {id: t.time, plugin: hang, check: forever, timeout: 0.5}
  - {id: t.crash, plugin: crash, check: segv}
  - {id: t.cmd, plugin: behave, check: command, params: {argv: [echo, hi]}}
YAML
"$SOS" doctor local-runtime --json --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/all" > "$TMP/report.json"
is "$?" 2 "a run with every status exits 2"
$V "$SOS_SRCDIR/schemas/report.schema.json" "$TMP/report.json" >&2
ok $? "its JSON report is valid against report.schema.json"
is "$(jget 'sorted(set(c["status"] for c in d["checks"]))' < "$TMP/report.json")" '["error", "failure", "ok", "skipped", "timeout", "warning"]' "and holds every status"

"$SOS" doctor local-runtime --format ndjson --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/all" > "$TMP/events.ndjson"
$V "$SOS_SRCDIR/schemas/ndjson-event.schema.json" "$TMP/events.ndjson" --lines >&2
ok $? "every NDJSON event is valid against ndjson-event.schema.json"
is "$(grep -c '"check-finished"' "$TMP/events.ndjson")" 8 "one finished event per check"

"$SOS" doctor local-runtime --json > "$TMP/default.json"
$V "$SOS_SRCDIR/schemas/report.schema.json" "$TMP/default.json" >&2
ok $? "the default doctor's report is valid too"
done_testing
