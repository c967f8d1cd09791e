#!/bin/sh
# The runner: dependency order, parallelism, facts, skips, severities,
# timeouts and exit codes; nothing it starts outlives it.
. "$SOS_SRCDIR/tests/lib.sh"
run() { c=$1; shift; "$SOS" doctor local-runtime --json --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/$c" "$@"; }
st() { printf '%s' "$out" | jget "find('$1')['$2']"; }

# Exit codes.
for s in ok:0 warning:1 failure:2 error:3; do
    make_config "exit-${s%%:*}" <<YAML
checks:
  - {id: t.one, plugin: behave, check: status, params: {status: ${s%%:*}}}
  - {id: t.two, plugin: behave, check: status}
YAML
    out=$(run "exit-${s%%:*}"); rc=$?
    is "$rc" "${s##*:}" "a check returning ${s%%:*} exits ${s##*:}"
done
make_config badstatus <<'YAML'
checks:
  - {id: t.bad, plugin: behave, check: status, params: {status: bogus}}
YAML
out=$(run badstatus)
like "$(st t.bad reason)" 'unknown status 42' "an out-of-range status is an error, named"

# Needs, after, severity, when.
make_config deps <<'YAML'
checks:
  - {id: t.fail, plugin: behave, check: status, params: {status: failure}}
  - {id: t.needs, plugin: behave, check: status, needs: [t.fail]}
  - {id: t.after, plugin: behave, check: status, after: [t.fail]}
  - {id: t.soft, plugin: behave, check: status, severity: warning, params: {status: failure}}
  - {id: t.mac, plugin: behave, check: status, when: {os: [macos]}}
  - {id: t.needs-mac, plugin: behave, check: status, needs: [t.mac]}
  - {id: t.crash, plugin: crash, check: segv}
  - {id: t.needs-crash, plugin: behave, check: status, needs: [t.crash]}
  - {id: t.needs-skipped, plugin: behave, check: status, needs: [t.needs-crash]}
YAML
out=$(run deps)
is "$(st t.needs status)" skipped "needs on a failed check: skipped"
like "$(st t.needs reason)" 'needs t\.fail, which failed' "with the reason"
is "$(st t.needs-crash reason)" "needs t.crash, which could not decide (error): the check crashed: killed by signal 11 (Segmentation fault)" "the reason carries the dependency's own"
is "$(st t.needs-skipped reason)" "needs t.needs-crash, which was skipped" "a chain of skips names the next link only"
is "$(st t.after status)" ok "after on a failed check: still runs"
is "$(st t.soft status)" warning "a failure declared severity: warning counts as a warning"
is "$(st t.mac status)" "$(uname | grep -q Darwin && echo ok || echo skipped)" "when: os: [macos] follows the host"
like "$(st t.needs-mac reason)" 'needs t\.mac, which was skipped' "a dependent of a skipped check is skipped"
is "$(printf '%s' "$out" | jget '[c["id"] for c in d["checks"]].index("t.needs") > [c["id"] for c in d["checks"]].index("t.fail")')" true "dependencies come first in the report"

# Facts reach dependents only.
make_config facts <<'YAML'
checks:
  - {id: t.pub, plugin: behave, check: status, params: {facts: [t.color=blue], sleep_ms: 300}}
  - {id: t.dep, plugin: behave, check: expect-fact, needs: [t.pub], params: {key: t.color, value: blue}}
  - {id: t.indirect, plugin: behave, check: expect-fact, after: [t.dep], params: {key: t.color, value: blue}}
  - {id: t.stranger, plugin: behave, check: expect-fact, params: {key: t.color, value: blue}}
  - {id: t.host, plugin: behave, check: expect-fact, params: {key: host.arch, value: ARCH}}
YAML
sed -i "s/ARCH/$(uname -m)/" "$TMP/facts/checks.d/10-test.yaml"
out=$(run facts)
is "$(st t.dep status)" ok "a fact reaches the check that needs its publisher"
is "$(st t.indirect status)" ok "and checks that depend on it indirectly"
is "$(st t.stranger status)" failure "but not an unrelated check"
is "$(st t.host status)" ok "host facts reach every check"
is "$(printf '%s' "$out" | jget "find('t.pub')['facts']['t.color']")" blue "facts are in the report"

# Parallelism: two independent 600 ms checks overlap at -j2, not at -j1.
make_config par <<'YAML'
checks:
  - {id: t.a, plugin: behave, check: status, params: {sleep_ms: 600}}
  - {id: t.b, plugin: behave, check: status, params: {sleep_ms: 600}}
YAML
overlap='(lambda a,b: a["started"] < b["started"] + b["duration"] and b["started"] < a["started"] + a["duration"])(find("t.a"), find("t.b"))'
out=$(run par -j 2)
is "$(printf '%s' "$out" | jget "$overlap")" true "-j2: independent checks run at the same time"
out=$(run par -j 1)
is "$(printf '%s' "$out" | jget "$overlap")" false "-j1: one at a time"

# Timeouts kill the whole process group: a probe that never returns, and an
# orphan in its own session, are gone when the run ends.
tag=$$
make_config kill <<YAML
checks:
  - {id: t.probe, plugin: behave, check: command, timeout: 1, params: {argv: [sleep, "977.$tag"]}}
  - {id: t.orphan, plugin: behave, check: orphan, params: {pidfile: "$TMP/orphan.pid"}}
  - {id: t.cmd-timeout, plugin: behave, check: command, params: {argv: [sleep, "978.$tag"], timeout_ms: 200}}
YAML
start=$(date +%s)
out=$(run kill); rc=$?
end=$(date +%s)
is "$(st t.probe status)" timeout "a probe that never returns: the check times out"
like "$(st t.probe reason)" 'did not finish within 1s' "with the deadline in the reason"
is "$(st t.cmd-timeout status)" failure "a command past its own timeout is killed and the check goes on"
is "$(printf '%s' "$out" | jget "find('t.cmd-timeout')['commands'][0]['timed_out']")" true "and the command is recorded as timed out"
ok "$([ $((end - start)) -lt 10 ] && echo 0 || echo 1)" "the run does not hang"
sleep 0.2
ok "$(pgrep -f "sleep 97[78]\.$tag" >/dev/null && echo 1 || echo 0)" "no probe process outlives the run"
ok "$(kill -0 "$(cat "$TMP/orphan.pid")" 2>/dev/null && echo 1 || echo 0)" "no orphan outlives the run"
done_testing
