#!/bin/sh
# Plugins that crash, hang, have the wrong ABI, no symbol, an unresolved
# symbol, a NULL callback or a duplicate name each give one clear result,
# and every other check still runs.
. "$SOS_SRCDIR/tests/lib.sh"

make_config cfg <<'YAML'
checks:
  - {id: t.crash, plugin: crash, check: segv}
  - {id: t.after-crash, plugin: behave, check: status, needs: [t.crash]}
  - {id: t.hang, plugin: hang, check: forever, timeout: 1}
  - {id: t.major, plugin: wrong-major, check: ok}
  - {id: t.nosym, plugin: no-symbol, check: ok}
  - {id: t.unresolved, plugin: unresolved, check: ok}
  - {id: t.nullcb, plugin: null-callback, check: empty}
  - {id: t.missing, plugin: not-installed, check: ok}
  - {id: t.nocheck, plugin: behave, check: no-such-check}
  - {id: t.fine, plugin: behave, check: status}
YAML
out=$("$SOS" doctor local-runtime --json --config-dir "$TMP/cfg" --plugin-dir "$TEST_PLUGINS"); rc=$?
is "$rc" 3 "errors and a timeout: exit 3 (could not decide)"
st() { printf '%s' "$out" | jget "find('$1')['$2']"; }
is "$(st t.crash status)" error "segfaulting check reports error"
is "$(st t.crash signal)" 11 "with the signal"
like "$(st t.crash reason)" 'signal 11' "and says so"
is "$(st t.after-crash status)" skipped "its dependent is skipped"
like "$(st t.after-crash reason)" 'needs t.crash' "with the reason"
is "$(st t.hang status)" timeout "hanging check times out"
like "$(st t.major reason)" 'built for plugin ABI 2\.0; this core speaks 1\.[0-9]+' "wrong major: both versions"
like "$(st t.major reason)" "$TEST_PLUGINS/wrong-major.so" "wrong major: the path"
like "$(st t.nosym reason)" 'does not export sourceos_plugin_v1' "no symbol: says which"
like "$(st t.unresolved reason)" 'sourceos_function_that_does_not_exist' "unresolved symbol caught at load (immediate binding)"
like "$(st t.nullcb reason)" "check 'empty' has a NULL run callback" "NULL callback refused"
like "$(st t.missing reason)" 'not-installed\.so: No such file' "missing plugin names its path"
like "$(st t.nocheck reason)" "10-test\.yaml:[0-9]+:[0-9]+: plugin 'behave' .* has no check 'no-such-check'" "unknown check names file:line:column"
is "$(st t.fine status)" ok "and every other check still runs"

# Duplicate names: dup-two.so also calls itself dup-one.
out=$("$SOS" plugins --json --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/cfg"); rc=$?
is "$rc" 2 "plugins: exit 2 when one does not load"
like "$(printf '%s' "$out" | jget '[p for p in d["plugins"] if p["name"]=="dup-two"][0]["error"]')" "declares the name 'dup-one', already loaded from .*dup-one\.so" "duplicate name refused, naming both"
is "$(printf '%s' "$out" | jget '[p for p in d["plugins"] if p["name"]=="behave"][0]["loaded"]')" true "the good plugin is listed as loaded"

# Unsafe directory and file permissions.
mkdir -p "$TMP/unsafe"
cp "$TEST_PLUGINS/behave.so" "$TMP/unsafe/"
chmod 0777 "$TMP/unsafe"
make_config cfg2 <<'YAML'
checks:
  - {id: t.fine, plugin: behave, check: status}
YAML
out=$("$SOS" doctor local-runtime --json --config-dir "$TMP/cfg2" --plugin-dir "$TMP/unsafe"); rc=$?
like "$(printf '%s' "$out" | jget "find('t.fine')['reason']")" 'writable by group or others' "group/world-writable plugin directory refused"
chmod 0755 "$TMP/unsafe"; chmod 0666 "$TMP/unsafe/behave.so"
out=$("$SOS" doctor local-runtime --json --config-dir "$TMP/cfg2" --plugin-dir "$TMP/unsafe"); rc=$?
like "$(printf '%s' "$out" | jget "find('t.fine')['reason']")" 'mode 0666' "group/world-writable plugin file refused"
chmod 0644 "$TMP/unsafe/behave.so"
out=$("$SOS" doctor local-runtime --json --config-dir "$TMP/cfg2" --plugin-dir "$TMP/unsafe"); rc=$?
is "$(printf '%s' "$out" | jget "find('t.fine')['status']")" ok "the same plugin loads once permissions are safe"
rm "$TMP/unsafe/behave.so"; ln -s "$TEST_PLUGINS/behave.so" "$TMP/unsafe/behave.so"
out=$("$SOS" doctor local-runtime --json --config-dir "$TMP/cfg2" --plugin-dir "$TMP/unsafe"); rc=$?
like "$(printf '%s' "$out" | jget "find('t.fine')['reason']")" 'is a symlink' "a symlinked plugin is refused"

# A plugin name with ../ never reaches the loader: checks.d refuses it.
make_config cfg3 <<'YAML'
checks:
  - {id: t.evil, plugin: ../evil, check: ok}
YAML
out=$("$SOS" doctor local-runtime --config-dir "$TMP/cfg3" --plugin-dir "$TEST_PLUGINS" 2>&1); rc=$?
is "$rc" 3 "plugin name with ../ : invalid checks.d, exit 3"
like "$out" '10-test\.yaml:2:[0-9]+: .*plugin' "and the error names file:line:column"
done_testing
