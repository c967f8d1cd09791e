#!/bin/sh
# checks.d errors stop the run with file:line:column; `sourceos checks`
# lists what is declared in run order.
. "$SOS_SRCDIR/tests/lib.sh"

make_config badkey <<'YAML'
checks:
  - id: t.one
    plugin: behave
    check: status
    neds: [t.two]
YAML
out=$("$SOS" doctor local-runtime --config-dir "$TMP/badkey" --plugin-dir "$TEST_PLUGINS" 2>&1); rc=$?
is "$rc" 3 "unknown key: exit 3"
like "$out" "checks\.d/10-test\.yaml:5:5: unknown key 'neds'" "unknown key named with file:line:column"

# A plugin of ABI 1.4 declares each check's params: a misspelt one is that
# check's error, with file:line:column and what it takes; the others run.
make_config params <<'YAML'
checks:
  - id: t.echo
    plugin: strict
    check: echo
    params:
      mesage: hello
  - {id: t.good, plugin: strict, check: echo, params: {message: hi}}
  - {id: t.quiet, plugin: strict, check: quiet, params: {x: 1}}
  - {id: t.open, plugin: strict, check: open, params: {anything: 1}}
YAML
out=$("$SOS" doctor local-runtime --json --config-dir "$TMP/params" --plugin-dir "$TEST_PLUGINS"); rc=$?
is "$rc" 3 "a misspelt param: exit 3 (a check could not run)"
is "$(printf '%s' "$out" | jget "find('t.echo')['status']")" error "the check with the misspelt param errors"
like "$(printf '%s' "$out" | jget "find('t.echo')['reason']")" \
    "checks\.d/10-test\.yaml:6:7: check 't\.echo' \(plugin strict, check echo\) takes no param 'mesage'; it takes: message" \
    "the reason names the key's file:line:column and the params the check takes"
is "$(printf '%s' "$out" | jget "find('t.good')['status']")" ok "a declared param runs"
like "$(printf '%s' "$out" | jget "find('t.quiet')['reason']")" "takes no param 'x'; it takes: none" "a check declared without params takes none"
is "$(printf '%s' "$out" | jget "find('t.open')['status']")" ok "a check the plugin does not declare takes anything"

make_config cycle <<'YAML'
checks:
  - {id: t.a, plugin: behave, check: status, needs: [t.c]}
  - {id: t.b, plugin: behave, check: status, needs: [t.a]}
  - {id: t.c, plugin: behave, check: status, after: [t.b]}
YAML
out=$("$SOS" checks --config-dir "$TMP/cycle" --plugin-dir "$TEST_PLUGINS" 2>&1); rc=$?
is "$rc" 3 "cycle: exit 3"
like "$out" 'dependency cycle: ' "cycle reported"
like "$out" 't\.a' "cycle names t.a"
like "$out" 't\.b' "cycle names t.b"
like "$out" 't\.c' "cycle names t.c"

make_config dup <<'YAML'
checks:
  - {id: t.a, plugin: behave, check: status}
YAML
cat > "$TMP/dup/checks.d/20-more.yaml" <<'YAML'
checks:
  - {id: t.a, plugin: behave, check: status}
YAML
out=$("$SOS" checks --config-dir "$TMP/dup" --plugin-dir "$TEST_PLUGINS" 2>&1); rc=$?
like "$rc:$out" "^3:.*20-more\.yaml:2:[0-9]+: duplicate id 't\.a' \(first declared at .*10-test\.yaml:2:[0-9]+\)" "duplicate id across files names both places"

make_config missing <<'YAML'
checks:
  - {id: t.a, plugin: behave, check: status, needs: [t.nope]}
YAML
out=$("$SOS" checks --config-dir "$TMP/missing" --plugin-dir "$TEST_PLUGINS" 2>&1); rc=$?
like "$rc:$out" "^3:.*needs 't\.nope', which is not declared" "missing dependency named"

make_config types <<'YAML'
checks:
  - {id: t.a, plugin: behave, check: status, timeout: soon}
YAML
out=$("$SOS" checks --config-dir "$TMP/types" --plugin-dir "$TEST_PLUGINS" 2>&1); rc=$?
like "$rc:$out" "^3:.*10-test\.yaml:2:[0-9]+: .*timeout" "wrong type named with its location"

make_config syntax <<'YAML'
checks:
  - {id: t.a, plugin: behave
YAML
out=$("$SOS" checks --config-dir "$TMP/syntax" --plugin-dir "$TEST_PLUGINS" 2>&1); rc=$?
like "$rc:$out" "^3:.*10-test\.yaml:[0-9]+:[0-9]+: YAML syntax error" "malformed YAML: a syntax error with its location"

out=$("$SOS" checks --config-dir "$TMP/nowhere" 2>&1); rc=$?
like "$rc:$out" "^3:.*cannot open config directory .*nowhere.: No such file" "a missing config directory is named"

# Listing, in run order, from two files merged in name order.
make_config list <<'YAML'
checks:
  - {id: t.late, plugin: behave, check: status, needs: [t.early]}
YAML
cat > "$TMP/list/checks.d/00-first.yaml" <<'YAML'
checks:
  - {id: t.early, plugin: behave, check: status, when: {os: [linux, wsl]}}
  - {id: t.agent, plugin: behave, check: status, scope: agent}
YAML
out=$("$SOS" checks --json --config-dir "$TMP/list" --plugin-dir "$TEST_PLUGINS"); rc=$?
is "$rc" 0 "checks: exit 0 when every check can run"
is "$(printf '%s' "$out" | jget '[c["id"] for c in d["checks"]]')" '["t.early", "t.agent", "t.late"]' "run order: files by name, dependencies first"
is "$(printf '%s' "$out" | jget 'd["checks"][1]["scope"]')" agent "scope listed"
is "$(printf '%s' "$out" | jget 'd["checks"][0]["os"]')" linux,wsl "systems listed"
human=$("$SOS" checks --config-dir "$TMP/list" --plugin-dir "$TEST_PLUGINS")
like "$human" '^t\.late +behave/status +scope=runtime os=any +needs=t\.early' "human listing"

# doctor local-runtime runs runtime checks only.
out=$("$SOS" doctor local-runtime --json --config-dir "$TMP/list" --plugin-dir "$TEST_PLUGINS")
is "$(printf '%s' "$out" | jget '[c["id"] for c in d["checks"]]')" '["t.early", "t.late"]' "doctor local-runtime leaves out agent-scope checks"
done_testing
