#!/bin/sh
# The human report reads as English: counts with their plurals, a crash's
# signal said once, a check whose plugin was refused still says what it is.
. "$SOS_SRCDIR/tests/lib.sh"
human() { "$SOS" doctor local-runtime --no-color --config-dir "$TMP/$1" --plugin-dir "${2:-$TEST_PLUGINS}"; }

make_config one <<'YAML'
checks:
  - {id: t.warn, plugin: behave, check: status, params: {status: warning}}
  - {id: t.ok, plugin: behave, check: status}
YAML
like "$(human one)" '^2 checks: 1 ok, 1 warning, 0 failures, 0 errors, 0 skipped, 0 timeouts in ' "1 warning, 0 failures"
make_config three <<'YAML'
checks:
  - {id: t.w1, plugin: behave, check: status, params: {status: warning}}
  - {id: t.w2, plugin: behave, check: status, params: {status: warning}}
  - {id: t.w3, plugin: behave, check: status, params: {status: warning}}
  - {id: t.f1, plugin: behave, check: status, params: {status: failure}}
  - {id: t.e1, plugin: behave, check: status, params: {status: error}}
YAML
like "$(human three)" '^5 checks: 0 ok, 3 warnings, 1 failure, 1 error, 0 skipped, 0 timeouts in ' "3 warnings, 1 failure, 1 error"

make_config crash <<'YAML'
checks:
  - {id: t.crash, plugin: crash, check: segv}
YAML
out=$(human crash)
like "$out" 'killed by signal 11' "a crash names its signal"
is "$(printf '%s\n' "$out" | grep -c 'signal 11')" 1 "once"

mkdir "$TMP/unsafe"
cp "$TEST_PLUGINS/behave.so" "$TMP/unsafe/"
chmod 0777 "$TMP/unsafe"
make_config refused <<'YAML'
checks:
  - {id: t.own, plugin: behave, check: status, summary: "Declared summary"}
  - {id: t.plain, plugin: behave, check: status}
YAML
out=$(human refused "$TMP/unsafe")
like "$out" '^ERROR    t\.own    Declared summary  [0-9]+ms$' "a refused plugin's check keeps checks.d's summary"
like "$out" '^ERROR    t\.plain  behave/status  [0-9]+ms$' "and without one says which plugin and check it is"
done_testing
