#!/bin/sh
# A check's process holds no descriptor but its own result pipe (and
# stdio): not the other running checks' pipes or pidfds, nor anything else
# the runner opened. The probe runs last, with -j so that its siblings are
# running when it starts.
. "$SOS_SRCDIR/tests/lib.sh"
make_config fds <<'YAML'
checks:
  - {id: t.busy1, plugin: behave, check: status, params: {sleep_ms: 1500, message: "secret result one"}}
  - {id: t.busy2, plugin: behave, check: status, params: {sleep_ms: 1500}}
  - {id: t.hang, plugin: hang, check: forever, timeout: 2}
  - {id: t.early, plugin: behave, check: status, params: {message: "sent before the probe starts"}}
  - {id: t.probe, plugin: fdprobe, check: fds}
YAML
for j in 5 2; do
    out=$("$SOS" doctor local-runtime --json -j $j --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/fds" 3</dev/null 4</dev/null 9</dev/null)
    st=$(printf '%s' "$out" | jget "find('t.probe')['status']")
    open=$(printf '%s' "$out" | jget "find('t.probe')['findings'][0]['evidence']['open']")
    read=$(printf '%s' "$out" | jget "find('t.probe')['findings'][0]['evidence']['read']")
    is "$open" "3:fifo:w" "-j$j: the probe sees only its own result pipe, write-only, as fd 3"
    is "$read" "" "-j$j: and can read nothing from anywhere"
    is "$st" ok "-j$j: so its check passes"
    is "$(printf '%s' "$out" | jget "find('t.busy1')['findings'][0]['message']")" "secret result one" "-j$j: the siblings' results arrive whole"
    is "$(printf '%s' "$out" | jget "find('t.hang')['status']")" timeout "-j$j: and their deadlines hold"
done
# A command the check runs sees only stdio (and the exec-status pipe the
# core closes on exec): nothing of the check's own.
make_config cmdfds <<'YAML'
checks:
  - {id: t.ls, plugin: behave, check: command, params: {argv: [ls, /proc/self/fd]}}
  - {id: t.busy, plugin: behave, check: status, params: {sleep_ms: 800}}
YAML
if [ -d /proc/self/fd ]; then
    out=$("$SOS" doctor local-runtime --json -j 2 --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/cmdfds" 3</dev/null 7</dev/null)
    fds=$(printf '%s' "$out" | jget "find('t.ls')['findings'][0]['evidence']['stdout']" | tr '\n' ' ' | sed 's/ *$//')
    is "$fds" "0 1 2 3" "a command run by a check holds stdio and ls's own directory only"
fi
done_testing
