#!/bin/sh
# --timeout SECS bounds every check: one that declares a longer timeout is
# cut to it; one that declares a shorter one keeps its own; without
# --timeout a check's own timeout stands.
. "$SOS_SRCDIR/tests/lib.sh"
make_config cfg <<'YAML'
checks:
  - {id: t.long, plugin: hang, check: forever, timeout: 20}
  - {id: t.short, plugin: hang, check: forever, timeout: 0.5}
  - {id: t.none, plugin: hang, check: forever}
YAML
start=$(date +%s)
out=$("$SOS" doctor local-runtime --json --timeout 1 --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/cfg"); rc=$?
took=$(( $(date +%s) - start ))
is "$rc" 3 "timeouts: exit 3"
st() { printf '%s' "$out" | jget "find('$1')['$2']"; }
is "$(st t.long status)" timeout "a check declaring 20 s is cut to --timeout 1"
ok "$([ "$took" -lt 8 ]; echo $?)" "the run took ${took}s, not the declared 20"
like "$(st t.long duration)" '^(0\.9|1\.|2\.)' "it ran about 1 s"
like "$(st t.short duration)" '^0\.[5-9]' "a shorter declared timeout (0.5 s) keeps its own"
like "$(st t.none duration)" '^(0\.9|1\.|2\.)' "one declaring none gets --timeout"

make_config own <<'YAML'
checks:
  - {id: t.own, plugin: hang, check: forever, timeout: 1}
YAML
out=$("$SOS" doctor local-runtime --json --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/own")
like "$(st t.own duration)" '^(0\.9|1\.|2\.)' "without --timeout a check's own timeout stands"
done_testing
