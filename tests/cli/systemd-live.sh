#!/bin/sh
# systemd.state: the agent unit's live state, from captured `systemctl show`
# output (systemd 252, Debian 12) replayed by a stand-in `systemctl` that
# records its argv, plus the real systemctl of this machine, where systemd
# is not PID 1.
. "$SOS_SRCDIR/tests/lib.sh"
FIX="$FIXTURES/systemd"
FAKE="$TMP/bin/data"   # beside the stand-in: commands run with a clean environment
T="$TMP/root"
mkdir -p "$TMP/bin" "$FAKE"
# The stand-in: prints data/show.out and data/show.err, exits data/show.rc,
# sleeps data/show.sleep seconds first; logs its argv to data/calls.
cat > "$TMP/bin/systemctl" <<'SH'
#!/bin/sh
d="${0%/*}/data"
echo "$*" >> "$d/calls"
[ -f "$d/show.sleep" ] && sleep "$(cat "$d/show.sleep")"
[ -f "$d/show.out" ] && cat "$d/show.out"
[ -f "$d/show.err" ] && cat "$d/show.err" >&2
exit "$(cat "$d/show.rc" 2>/dev/null || echo 0)"
SH
chmod +x "$TMP/bin/systemctl"

# A Debian tree holding the units the captures name, so FragmentPath exists.
cp -R "$FIXTURES/roots/debian" "$T"
mkdir -p "$T/etc/systemd/system" "$T/home/alice/.config/systemd/user"
for u in agent crash segv; do cp "$FIX/agent.service" "$T/etc/systemd/system/$u.service"; done
cp "$FIX/agent.service" "$T/home/alice/.config/systemd/user/uagent.service"

answer() { # answer CAPTURE [RC] [STDERR-TEXT]: what the stand-in will say
    rm -f "$FAKE/show.out" "$FAKE/show.err" "$FAKE/show.rc" "$FAKE/show.sleep"
    [ -n "$1" ] && cp "$1" "$FAKE/show.out"
    [ -n "$2" ] && echo "$2" > "$FAKE/show.rc"
    [ -n "$3" ] && printf '%s\n' "$3" > "$FAKE/show.err"
    : > "$FAKE/calls"
}
state() { # state UNIT [EXTRA-PARAMS]: systemd.state as a runtime check
    make_config live <<YAML
checks:
  - id: host.facts
    plugin: host
    check: facts
    scope: runtime
  - id: systemd.state
    plugin: systemd
    check: state
    after: [host.facts]
    scope: runtime
    timeout: 20
    params: {unit: "$1"$2}
YAML
    out=$(PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --json --live --root "$T" \
          --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/live"); rc=$?
}
j() { printf '%s' "$out" | jget "$1"; }
status() { j "find('systemd.state')['status']"; }
codes() { j "','.join(f['code'] for f in find('systemd.state')['findings'])"; }
# FIELD of the finding with CODE.
fnd() { j "[f for f in find('systemd.state')['findings'] if f['code']=='$1'][0]$2"; }
ev() { fnd "$1" "['evidence'].get('$2')"; }

# --- running, enabled, FragmentPath present: ok, info only
answer "$FIX/show-agent.txt"
state agent.service
is "$rc" 0 "running unit: exit 0"
is "$(status)" ok "running unit: ok"
is "$(codes)" systemd.unit-running "one info finding"
is "$(fnd systemd.unit-running "['severity']")" info "running is info"
is "$(ev systemd.unit-running sub_state)" running "evidence SubState"
is "$(ev systemd.unit-running unit_file_state)" enabled "evidence UnitFileState"
is "$(ev systemd.unit-running drop_in_paths)" /etc/systemd/system/agent.service.d/override.conf "evidence DropInPaths"
is "$(ev systemd.unit-running start_limit_burst)" 5 "evidence StartLimitBurst"
is "$(ev systemd.unit-running manager)" system "system manager"
is "$(cat "$FAKE/calls")" "show agent.service --no-pager" "argv: show UNIT --no-pager, no --user"
is "$(j "find('systemd.state')['facts']['systemd.active_state']")" active "fact systemd.active_state"

# --- the lifecycle hands a path: the unit name is its basename
answer "$FIX/show-agent.txt"
state /etc/systemd/system/agent.service
is "$(cat "$FAKE/calls")" "show agent.service --no-pager" "a unit file path is asked about by name"

# --- user unit: --user only when user is true
answer "$FIX/user-show.txt"
state uagent.service ', user: "true"'
is "$(status)" ok "user unit running: ok"
is "$(cat "$FAKE/calls")" "--user show uagent.service --no-pager" "argv: --user show UNIT --no-pager"
is "$(ev systemd.unit-running manager)" user "user manager named"
answer "$FIX/user-show.txt"
state uagent.service ', user: "false"'
is "$(cat "$FAKE/calls")" "show uagent.service --no-pager" "user false: no --user"

# --- crash loop: NRestarts=3 reached StartLimitBurst=3, failed with exit code 3
answer "$FIX/show-crash.txt"
state crash.service ', restart_limit: "3"'
is "$rc" 2 "crash loop: exit 2"
is "$(status)" failure "crash loop: failure"
is "$(codes)" systemd.respawn-loop,systemd.unit-failed "respawn loop and failed"
is "$(fnd systemd.respawn-loop "['severity']")" critical "respawn loop is critical"
like "$(fnd systemd.respawn-loop "['message']")" "restarted it 3 times" "restart count in the message"
like "$(fnd systemd.respawn-loop "['remediation']")" "journalctl -u crash.service -n 50" "remediation: the journal"
like "$(fnd systemd.respawn-loop "['remediation']")" "systemctl stop crash.service" "remediation: how to stop it"
like "$(fnd systemd.respawn-loop "['commands']")" "systemctl stop -- crash.service" "stop command given"
like "$(fnd systemd.unit-failed "['message']")" "Result=exit-code.*exit code 3" "failed: Result and exit code"
is "$(ev systemd.unit-failed n_restarts)" 3 "evidence NRestarts"
is "$(ev systemd.unit-failed exec_main_code)" 1 "evidence ExecMainCode"
is "$(ev systemd.unit-failed main_exit)" "exited with exit code 3" "ExecMainCode 1 read as exited"
# restart_limit above the count: StartLimitBurst alone still says it.
answer "$FIX/show-crash.txt"
state crash.service ', restart_limit: "10"'
like "$(codes)" systemd.respawn-loop "StartLimitBurst reached without restart_limit"
# Only some properties (show -p): no StartLimitBurst, under the default limit.
answer "$FIX/show-crash-props.txt"
state crash.service
is "$(codes)" systemd.unit-failed "props-only capture: failed, 3 < default limit 5"
answer "$FIX/show-crash-props.txt"
state crash.service ', restart_limit: "3"'
is "$(codes)" systemd.respawn-loop,systemd.unit-failed "props-only capture, restart_limit 3: respawn loop"
answer "$FIX/show-crash-value.txt"
state crash.service
is "$(codes)" systemd.show-failed "a bare value is not an answer"
is "$(status)" error "and the check errors"

# --- killed by SIGSEGV (ExecMainCode=2), then the same with a core dump (3)
answer "$FIX/show-segv.txt"
state segv.service
is "$(status)" failure "SIGSEGV: failure"
is "$(codes)" systemd.unit-failed "SIGSEGV: failed, no loop"
like "$(fnd systemd.unit-failed "['message']")" "Result=signal.*killed by signal 11 \(SIGSEGV\)" "killed by signal 11 named"
unlike "$(fnd systemd.unit-failed "['message']")" "core dumped" "killed, not dumped"
sed 's/^ExecMainCode=2$/ExecMainCode=3/' "$FIX/show-segv.txt" > "$TMP/dumped.txt"
answer "$TMP/dumped.txt"
state segv.service
like "$(fnd systemd.unit-failed "['message']")" "killed by signal 11 \(SIGSEGV\), core dumped" "ExecMainCode 3: dumped"

# --- missing unit
answer "$FIX/show-nosuch.txt"
state nosuch.service
is "$(status)" failure "not found: failure"
is "$(codes)" systemd.unit-not-found "not found named, not 'inactive'"
is "$(ev systemd.unit-not-found load_state)" not-found "evidence LoadState"

# --- masked (systemd 252 shows LoadState=masked, UnitFileState=masked)
sed -e 's/^LoadState=.*/LoadState=masked/' -e 's/^UnitFileState=.*/UnitFileState=masked/' \
    -e 's/^ActiveState=.*/ActiveState=inactive/' -e 's/^SubState=.*/SubState=dead/' \
    "$FIX/show-agent.txt" > "$TMP/masked.txt"
answer "$TMP/masked.txt"
state agent.service
is "$(status)" warning "masked: warning"
is "$(codes)" systemd.unit-masked-live "masked named"
like "$(fnd systemd.unit-masked-live "['commands']")" "systemctl unmask -- agent.service" "unmask command"

# --- stale: enabled, running from memory, but the unit file is gone
rm "$T/etc/systemd/system/agent.service"
answer "$FIX/show-agent.txt"
state agent.service
is "$(status)" warning "stale fragment: warning"
is "$(codes)" systemd.unit-running,systemd.unit-stale "running, and stale"
is "$(fnd systemd.unit-stale "['path']")" /etc/systemd/system/agent.service "stale finding's path"
cp "$FIX/agent.service" "$T/etc/systemd/system/agent.service"

# --- the same, as real systemd 252 shows it (captured under nspawn): the
# deleted file's state is "bad", not "enabled", and a reload is pending
answer "$FIX/show-stale.txt"
state sysstale.service
is "$(codes)" systemd.unit-running,systemd.unit-stale "systemd 252's deleted unit: stale"
like "$(fnd systemd.unit-stale "['message']")" "no longer exists \(unit file state bad\)" "says the state systemd gave"
is "$(ev systemd.unit-stale need_daemon_reload)" yes "evidence NeedDaemonReload"

# --- changed on disk since loaded: the file is there, NeedDaemonReload=yes
cp "$FIX/agent.service" "$T/etc/systemd/system/sysedited.service"
answer "$FIX/show-changed.txt"
state sysedited.service
is "$(status)" warning "changed since loaded: warning"
is "$(codes)" systemd.unit-running,systemd.unit-changed "running by the old definition"
is "$(fnd systemd.unit-changed "['path']")" /etc/systemd/system/sysedited.service "names the file"
is "$(fnd systemd.unit-changed "['commands'][0]")" \
    "systemctl daemon-reload && systemctl restart -- sysedited.service" "how to apply the change"
# Loaded from a file that is there and unchanged: neither.
answer "$FIX/show-agent.txt"
state agent.service
is "$(codes)" systemd.unit-running "unchanged file: no stale, no changed"

# --- no systemd: the real message, rc 1
answer "" 1 "System has not been booted with systemd as init system (PID 1). Can't operate.
Failed to connect to bus: Host is down"
state agent.service
is "$(status)" error "not booted with systemd: error"
is "$(codes)" systemd.no-systemd "no-systemd, not not-found"
is "$(ev systemd.no-systemd exit_status)" 1 "evidence exit status"
like "$(ev systemd.no-systemd stderr)" "System has not been booted with systemd" "evidence stderr"
answer "" 1 "Failed to connect to bus: No medium found"
state uagent.service ', user: "true"'
is "$(codes)" systemd.no-systemd "no user bus: no-systemd"

# --- systemctl missing
answer "$FIX/show-agent.txt"
state agent.service ', systemctl: "sos-no-such-systemctl"'
is "$(status)" error "missing systemctl: error"
is "$(codes)" systemd.no-systemd "missing systemctl: no-systemd"
like "$(fnd systemd.no-systemd "['message']")" "cannot run 'sos-no-such-systemctl'" "says it cannot run it"

# --- a hung systemctl, bounded by timeout_ms
answer "$FIX/show-agent.txt"
echo 30 > "$FAKE/show.sleep"
start=$(date +%s)
state agent.service ', timeout_ms: "1000"'
took=$(( $(date +%s) - start ))
is "$(status)" error "hung systemctl: error"
is "$(codes)" systemd.no-systemd "hung systemctl: no-systemd"
like "$(fnd systemd.no-systemd "['message']")" "did not answer within" "says it timed out"
is "$(j "find('systemd.state')['commands'][0]['timed_out']")" true "recorded as timed out"
is "$(( took < 10 ))" 1 "bounded by timeout_ms, not the 30 s sleep (${took}s)"

# --- bad params
answer "$FIX/show-agent.txt"
state --force
is "$(codes)" systemd.params "a unit that looks like an option is refused"
is "$(cat "$FAKE/calls")" "" "and systemctl was not run"

# --- the real systemctl of this machine (no systemd as PID 1)
if [ -x /usr/bin/systemctl ] && [ "$(cat /proc/1/comm 2>/dev/null)" != systemd ]; then
    make_config real <<'YAML'
checks:
  - id: systemd.state
    plugin: systemd
    check: state
    scope: runtime
    params: {unit: sourceos-web.service, timeout_ms: "5000"}
YAML
    out=$(PATH=/usr/bin:/bin "$SOS" doctor local-runtime --json \
          --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/real"); rc=$?
    is "$(codes)" systemd.no-systemd "real systemctl without systemd: no-systemd"
    is "$rc" 3 "real systemctl: the check errors (exit 3), no crash"
else
    ok 0 "# SKIP real systemctl: absent, or systemd is PID 1"
    ok 0 "# SKIP real systemctl"
fi
done_testing
