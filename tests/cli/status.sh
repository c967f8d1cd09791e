#!/bin/sh
# sourceos-agent status NAME: the lifecycle state from the state directory
# (declared, staged, running, tripped), reconciled with a stand-in
# launchctl / systemctl and podman that replay captured output and record
# every argv (only print / show / inspect may be asked); a disagreement is a
# status.* finding; --json matches schemas/status.schema.json; exit codes.
. "$SOS_SRCDIR/tests/lib.sh"
AGENT="$SOS_BUILDDIR/sourceos-agent"
V="$PYTHON $SOS_SRCDIR/tests/validate-json.py"
BIN="$TMP/bin"
D="$BIN/data"
mkdir -p "$D" "$TMP/cfg/checks.d" "$TMP/cfg/agents.d"
export XDG_STATE_HOME="$TMP/state"
STATE="$XDG_STATE_HOME/sourceos/agents/web"
# Logs outside /tmp (this test's HOME is under it), so web stages cleanly.
cat > "$TMP/cfg/agents.d/web.yaml" <<'YAML'
name: web
image: localhost/web@sha256:0123
backend: launchd
logs: {app: /var/log/sourceos-test/web.log, stdout: /var/log/sourceos-test/web.out.log, stderr: /var/log/sourceos-test/web.err.log}
YAML
cat > "$TMP/cfg/agents.d/svc.yaml" <<'YAML'
name: svc
image: localhost/svc@sha256:0123
backend: systemd
YAML
# Stand-ins: answers from $D/NAME.{out,rc}; every argv into $D/calls.
for p in launchctl systemctl podman; do
    cat > "$BIN/$p" <<'SH'
#!/bin/sh
d="${0%/*}/data"; me="${0##*/}"
echo "$me $*" >> "$d/calls"
case "$me $*" in
"launchctl print-disabled"*) exit 0 ;;
"launchctl print "*) k=print ;;
"systemctl"*" show "*) k=show ;;
"podman container inspect"*) k=container ;;
"podman image inspect"*) k=image ;;
*) echo "unexpected: $me $*" >&2; exit 64 ;;
esac
[ -f "$d/$k.out" ] && cat "$d/$k.out"
[ -f "$d/$k.err" ] && cat "$d/$k.err" >&2
exit "$(cat "$d/$k.rc" 2>/dev/null || echo 0)"
SH
    chmod +x "$BIN/$p"
done
not_loaded() { rm -f "$D/print.out"; echo "Could not find service" > "$D/print.err"; echo 113 > "$D/print.rc"; }
no_container() { echo "Error: no such container sourceos-web" > "$D/container.err"; echo 125 > "$D/container.rc"; rm -f "$D/container.out"; }
container() { # container STATUS
    rm -f "$D/container.err"; echo 0 > "$D/container.rc"
    printf '[{"State":{"Status":"%s","ExitCode":0,"StartedAt":"2025-01-01T00:00:00Z"},"RestartCount":0,"HostConfig":{"RestartPolicy":{"Name":""}}}]\n' "$1" > "$D/container.out"
}
printf '[{"Id":"abc123","Digest":"sha256:0123","RepoDigests":["localhost/web@sha256:0123"]}]\n' > "$D/image.out"
status() { PATH="$BIN:/usr/bin:/bin" "$AGENT" status "$@" --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/cfg"; }
q() { printf '%s' "$out" | jget "$1"; }

# --- declared only
not_loaded; no_container
out=$(status web --json); rc=$?
is "$rc" 1 "declared, nothing staged: exit 1 (degraded)"
is "$(q 'd["lifecycle"]')" declared "lifecycle declared"
is "$(q '[f["code"] for f in d["findings"]]')" '["status.not-staged"]' "finding status.not-staged"
printf '%s' "$out" > "$TMP/declared.json"
$V "$SOS_SRCDIR/schemas/status.schema.json" "$TMP/declared.json" >&2
ok $? "--json is valid against status.schema.json (declared)"
unlike "$(cat "$D/calls")" '^(launchctl|systemctl) (bootstrap|bootout|enable|disable|kickstart|start|stop|restart)|^podman (run|start|stop|rm|kill|pull)' "only print/show/inspect were asked"

# --- staged: a generation made by the core's stager in the state directory
"$AGENT" stage web --config-dir "$TMP/cfg" --plugin-dir "$BUILD_PLUGINS" > "$TMP/stage.out" 2>&1
ok $? "staged a generation with sourceos-agent stage"
out=$(status web --json); rc=$?
is "$rc" 0 "staged, not installed, not loaded: exit 0"
is "$(q 'd["lifecycle"]')" staged "lifecycle staged"
is "$(q 'd["state_dir"]["current"]')" 1 "generation 1 is current"
like "$(q 'd["state_dir"]["current_made"]')" '^20[0-9]{2}-' "when it was made"
is "$(q 'd["image"]["id"] + " " + d["image"]["digest"]')" "abc123 sha256:0123" "image ID and digest from podman image inspect"
is "$(q 'd["auth_mode"]')" empty-authfile "auth mode"
human=$(status web); rc=$?
is "$rc" 0 "human: exit 0"
like "$human" '^web status: staged \(ok\)' "human headline"
like "$human" '^- generation: 1 current, made ' "human: the current generation"

# --- running in launchd, but not installed by us: a disagreement
sed 's/runs = 24991/runs = 2/' "$FIXTURES/launchd/launchctl-print-running.txt" > "$D/print.out"
rm -f "$D/print.err"; echo 0 > "$D/print.rc"; container running
out=$(status web --json); rc=$?
is "$rc" 1 "loaded but not installed by us: exit 1"
is "$(q 'd["lifecycle"]')" running "lifecycle running"
is "$(q '[f["code"] for f in d["findings"]]')" '["status.loaded-not-installed"]' "the disagreement is a finding"
is "$(q 'd["backend"]["pid"] + " " + d["backend"]["runs"]')" "77880 2" "PID and runs from launchctl print"
is "$(q 'd["container"]["state"]')" running "the container's state from podman"
printf '%s' "$out" > "$TMP/running.json"
$V "$SOS_SRCDIR/schemas/status.schema.json" "$TMP/running.json" >&2
ok $? "--json is valid against status.schema.json (running)"

# --- running and recorded as enabled by us: all agree
printf '{"schema": 1, "state": "enabled", "backend": "launchd", "generation": 1}\n' > "$STATE/state.json"
out=$(status web --json); rc=$?
is "$rc" 0 "running, enabled by us: exit 0"
is "$(q 'd["findings"]')" '[]' "no finding"
is "$(q 'd["state_dir"]["installed"]')" enabled "state.json read"

# --- enabled by us, but launchd has not loaded it
not_loaded; no_container
out=$(status web --json); rc=$?
is "$rc" 1 "enabled by us, not loaded: exit 1"
is "$(q '[f["code"] for f in d["findings"]]')" '["status.installed-not-loaded"]' "that disagreement is a finding"

# --- tripped: the wrapper spent the budget after the last start
now=$(date +%s)
printf '%s\n' $((now - 30)) $((now - 20)) > "$STATE/restarts"
printf 'tripped %s\n' $((now - 10)) > "$STATE/tripped"
out=$(status web --json); rc=$?
is "$rc" 2 "tripped: exit 2"
is "$(q 'd["lifecycle"]')" tripped "lifecycle tripped"
like "$(q '[f["code"] for f in d["findings"]]')" 'status.tripped' "finding status.tripped"
is "$(q 'd["state_dir"]["starts_last_hour"]')" 2 "starts in the last hour"
rm -f "$STATE/tripped" "$STATE/restarts" "$STATE/state.json"

# --- a current that points out of the state directory is refused
rm -f "$STATE/current" && ln -s ../../elsewhere "$STATE/current"
out=$(status web --json); rc=$?
is "$rc" 3 "a current pointing outside: exit 3 (cannot tell)"
like "$(q '[f["message"] for f in d["findings"]]')" 'not generations/N: refused' "said why"
rm -f "$STATE/current" && ln -s generations/1 "$STATE/current"

# --- systemd: systemctl --user show of sourceos-agent@svc.service
cp "$FIXTURES/systemd/show-agent.txt" "$D/show.out"; echo 0 > "$D/show.rc"
: > "$D/calls"
out=$(status svc --json); rc=$?
like "$(cat "$D/calls")" '^systemctl --user show sourceos-agent@svc.service --no-pager$' "systemctl --user show of the agent's unit"
is "$(q 'd["backend"]["pid"]')" 75 "MainPID from systemctl show"
is "$(q 'd["backend"]["loaded"]')" loaded "loaded"

# --- the backend cannot be asked: cannot tell
rm -f "$BIN/launchctl"
out=$(status web --json); rc=$?
is "$rc" 3 "no launchctl: exit 3"
is "$(q 'd["backend"]["loaded"]')" unknown "loaded unknown"

status web -n 3 >/dev/null 2>&1
is "$?" 64 "-n is for logs only"
done_testing
