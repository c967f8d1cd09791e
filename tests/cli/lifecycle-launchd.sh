#!/bin/sh
# The lifecycle on launchd, through the CLI: `sourceos-agent activate, stop,
# start, restart, uninstall, repair NAME --root TREE --live` install into a
# copied macOS tree, with tests/launchctl-model.py as launchctl (it reads
# plists under the tree, keeps loaded/disabled/running state and records
# every argv) and a podman stand-in answering for a Podman machine whose
# socket is a real unix socket (tests/ping-server.py). Cases: a ready host
# ends loaded, enabled and running, with a plist that names the tree's
# paths; stop/start/restart/uninstall (twice); a stopped machine stages only
# and bootstraps nothing; gcloud credHelpers podman would see refuse
# enablement, the host's (out of the isolated agent's reach) do not; a kill -9 after each
# step of activate, then repair (the invariant after both); failing steps
# rolled back (no GUI session, a full disk under the state directory); a
# new generation over a running one while launchd drains the bootout (37,
# tried again; past the tries, rolled back to the running one); a crash
# loop bounded by the wrapper's own budget.
# The declarations refuse logs under /tmp, and so does the model: this
# test's directory is made in the build tree.
TMPDIR="${SOS_BUILDDIR:?}/tests"
export TMPDIR
. "$SOS_SRCDIR/tests/lib.sh"
AGENT="$SOS_BUILDDIR/sourceos-agent"
MODEL="$SOS_SRCDIR/tests/launchctl-model.py"
PODMAN_FIX="$FIXTURES/podman"
BIN="$TMP/bin"
D="$BIN/data" # beside the stand-ins: commands run with a clean environment
CFG="$TMP/cfg"
mkdir -p "$D" "$CFG/agents.d" "$TMP/tmpdir" "$TMP/jobhome"
cp -R "$SOS_SRCDIR/checks.d" "$CFG/checks.d"
chmod -R go-w "$CFG"
export TMPDIR="$TMP/tmpdir"
unset XDG_STATE_HOME
ME=$(id -u)

# ---- podman: answers from $D/KEY.{out,err,rc}, every argv into $D/calls ----------
cat > "$BIN/podman" <<'SH'
#!/bin/sh
d="${0%/*}/data"; me="${0##*/}"
echo "$me $*" >> "$d/calls"
case "$me $*" in
"podman --version") k=version ;;
"podman machine list --format json") k=list ;;
"podman machine inspect "*) k=inspect ;;
"podman system connection list --format json") k=connections ;;
"podman "*"info --format json") k=info ;;
"podman "*"image inspect "*) k=image ;;
"podman "*"container inspect "*) k=container ;;
"podman "*" run "*) k=run ;;
*) echo "stand-in: unexpected $me $*" >&2; exit 64 ;;
esac
[ -f "$d/$k.out" ] && cat "$d/$k.out"
[ -f "$d/$k.err" ] && cat "$d/$k.err" >&2
exit "$(cat "$d/$k.rc" 2>/dev/null || echo 0)"
SH
chmod +x "$BIN/podman"
answer() { # answer KEY RC OUT [ERR]
    printf '%s\n' "$3" > "$D/$1.out"; echo "$2" > "$D/$1.rc"
    if [ -n "${4:-}" ]; then printf '%s\n' "$4" > "$D/$1.err"; else rm -f "$D/$1.err"; fi
}

# ---- the macOS tree ------------------------------------------------------------------
H=/Users/alice
UA=$H/Library/LaunchAgents
LD=$H/Library/Logs/SourceOS
AF=$H/.config/containers/sourceos-empty-auth.json
DC=$H/.config/sourceos/docker
L=org.sourceos.agent.web
PL=$UA/$L.plist
ST=$H/.local/state/sourceos/agents/web
IMG=localhost/web@sha256:0123
SOCK=/Users/a/m.sock # short: it must fit sun_path
T="$TMP/mac"
srv=
unserve() { [ -z "$srv" ] || { kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; }; srv=; }
trap 'unserve; _cleanup' EXIT
serve() {
    unserve
    "$PYTHON" "$SOS_SRCDIR/tests/ping-server.py" "$T$SOCK" ok > "$TMP/srv.out" &
    srv=$!
    for _ in $(seq 1 300); do grep -q ready "$TMP/srv.out" 2>/dev/null && break; sleep 0.1; done
}
machine() { # machine LIST INSPECT
    cp "$PODMAN_FIX/$1" "$D/list.out"
    sed "s|\"/[^\"]*\\.sock\"|\"$SOCK\"|" "$PODMAN_FIX/$2" > "$D/inspect.out"
    rm -f "$D/inspect.rc" "$D/inspect.err"
}
export LAUNCHCTL_MODEL_STATE="$TMP/model.json" LAUNCHCTL_MODEL_LOG="$TMP/launchctl.log" \
    LAUNCHCTL_MODEL_ROOT="$T" LAUNCHCTL_MODEL_HOME="$TMP/jobhome"
# mac_tree: a ready macOS host (machine running, image local, nothing loaded)
mac_tree() {
    unserve
    rm -rf "$T" "$D"/* "$LAUNCHCTL_MODEL_STATE" "$LAUNCHCTL_MODEL_LOG"
    cp -R "$FIXTURES/roots/macos" "$T"
    mkdir -p "$T$UA" "$T/Library/LaunchAgents" "$T/Library/LaunchDaemons" \
        "$T/var/db/com.apple.xpc.launchd" "$T$(dirname "$AF")" "$T$DC" "$T$LD" \
        "$T$H/.docker" "$T$(dirname "$SOCK")"
    chmod 700 "$T$LD" "$T$DC"
    printf '{"auths":{}}\n' > "$T$AF"
    chmod 600 "$T$AF"
    answer version 0 "podman version 4.9.3"
    cp "$PODMAN_FIX/info-4.3.1.json" "$D/info.out"
    echo "[]" > "$D/connections.out"
    machine list-5.x-applehv.json inspect-5.x-running.json
    answer image 0 "[{\"Id\":\"abc123\",\"Digest\":\"sha256:0123\",\"RepoDigests\":[\"$IMG\"]}]"
    answer container 125 "[]" "Error: inspecting object: no such container sourceos-web"
    answer run 0 ""
    "$PYTHON" "$MODEL" --shim "$BIN" > /dev/null
    serve
}
declare_web() { # declare_web [EXTRA YAML LINE]
    cat > "$CFG/agents.d/web.yaml" <<YAML
name: web
image: $IMG
backend: launchd
podman: {requireMachine: true}
env: [DOCKER_CONFIG=$DC]
logs: {app: $LD/web.log, stdout: $LD/web.launchd.out.log, stderr: $LD/web.launchd.err.log}
${1:-}
YAML
}

# lc VERB [ARGS...]: the command over the tree; $out (stdout+stderr), $rc
lc() {
    out=$(HOME=$H PATH="$BIN:/usr/bin:/bin" "$AGENT" "$@" --root "$T" --live \
        --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG" 2>&1); rc=$?
}
# the model's state of our job: "loaded running|not running|-" and "disabled|enabled|-"
job() { "$PYTHON" - "$LAUNCHCTL_MODEL_STATE" "$L" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except FileNotFoundError:
    print("- -"); sys.exit()
for name, dom in d.get("domains", {}).items():
    s = dom.get("services", {}).get(sys.argv[2])
    if s:
        print("loaded", s.get("state", "?").replace(" ", "-")); break
else:
    print("- -")
PY
}
calls() { cat "$LAUNCHCTL_MODEL_LOG" 2>/dev/null; }
changing() { calls | grep -c -E '"(bootstrap|enable|kickstart|load|submit)"'; }

# ---- a ready host: activate ends loaded, enabled, running ------------------------------
mac_tree
declare_web
lc activate web
is "$rc" 0 "activate on a ready macOS tree: exit 0"
[ "$rc" -eq 0 ] || printf "%s\n" "$out" | sed "s/^/#   /"
like "$out" "^web activate: done" "says done"
like "$out" "5 steps: 5 ok, 0 warnings, 0 failures, 0 errors, 0 skipped, 0 timeouts in [0-9.]+s \(exit 0\)" "the summary counts the 5 steps (prior and the 4 that change)"
is "$(job)" "loaded running" "the model has the job loaded and running"
[ -f "$T$PL" ]; ok $? "the plist is in the tree's ~/Library/LaunchAgents"
is "$(stat -c %a "$T$PL")" 644 "mode 0644"
[ ! -e "$T/Library/LaunchAgents/$L.plist" ]; ok $? "never in /Library/LaunchAgents"
like "$(cat "$T$PL")" "<string>$ST/generations/1/wrapper</string>" "the plist runs the wrapper by the tree's path"
unlike "$(cat "$T$PL" "$T$ST/generations/1/wrapper")" "$TMP" "no file names this machine's test directory"
is "$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["state"])' "$T$ST/state.json")" enabled "state.json: enabled"
[ ! -e "$T$ST/journal" ]; ok $? "no journal left"
like "$(calls)" "\"bootstrap\", \"gui/$ME\", \"$PL\"" "bootstrapped into gui/UID from the plist's path in the tree"

lc status web
like "$out" "running" "status reads the model: running"

# --dry-run: what it would write and run, and nothing changes (the tree, the model)
snapshot() { find "$T" -exec ls -ld --time-style=+%s.%N {} + | sort; cat "$LAUNCHCTL_MODEL_STATE"; }
snapshot > "$TMP/before"
: > "$LAUNCHCTL_MODEL_LOG"
lc uninstall web --dry-run
is "$rc" 0 "uninstall --dry-run: exit 0"
like "$out" "would run launchctl bootout gui/$ME/$L" "plans the bootout"
like "$out" "would remove $PL" "and the plist's removal"
like "$out" "- would remove: $T$ST " "and the state directory's"
lc activate web --dry-run
is "$rc" 2 "activate --dry-run under --root: refused (its scratch would be on this machine)"
like "$out" "stage it first .*then 'install --dry-run'" "says what to do instead"
lc restart web --dry-run
is "$rc" 0 "restart --dry-run: exit 0"
like "$out" "would run launchctl kickstart -k gui/$ME/$L" "plans the kickstart"
snapshot > "$TMP/after"
cmp -s "$TMP/before" "$TMP/after"; ok $? "the dry runs changed nothing in the tree or the model"
is "$(changing)" 0 "and asked launchctl nothing that changes it"

lc stop web
is "$rc" 0 "stop: exit 0"
is "$(job)" "- -" "stop boots the job out"
machine list-5.x-applehv.json inspect-5.x-stopped.json
: > "$LAUNCHCTL_MODEL_LOG"
lc start web
is "$rc" 2 "start with the machine stopped: the runtime half of the preflight refuses (exit 2)"
like "$out" "the runtime half of the preflight failed \(above\): nothing was started" "says so"
like "$out" "- machine running: Podman machine podman-machine-default is stopped" "the machine step says why"
unlike "$out" "- (platform|backend adapter|service definition|wrapper|label not disabled):" "only the runtime half ran"
is "$(changing)" 0 "launchctl was asked nothing that changes it"
machine list-5.x-applehv.json inspect-5.x-running.json
lc start web
is "$rc" 0 "start: exit 0"
is "$(job)" "loaded running" "start: loaded and running again"
lc restart web
is "$rc" 0 "restart: exit 0"
is "$(job)" "loaded running" "restart: running"
lc uninstall web
is "$rc" 0 "uninstall: exit 0"
is "$(job)" "- -" "uninstall: not loaded"
[ ! -e "$T$PL" ]; ok $? "uninstall: the plist is gone"
lc uninstall web
is "$rc" 0 "uninstall twice: exit 0"
is "$(ls "$T$UA")" "" "nothing left in LaunchAgents"
[ ! -e "$T$ST" ]; ok $? "nor the state directory (generations, state.json)"
like "$(calls | tail -n 2)" '"bootout"' "uninstall boots out and disables nothing (an override left disabled would refuse the next activate)"

# ---- start of an agent staged but not installed: refused, nothing asked
mac_tree
declare_web
lc stage web
: > "$LAUNCHCTL_MODEL_LOG"
lc start web
is "$rc" 2 "start of an agent only staged: exit 2"
like "$out" "start web: it is not installed .*run 'sourceos-agent activate web'" "says so, and what to run"
is "$(changing)" 0 "launchctl was asked nothing that changes it"
rm -rf "$T$ST"

# ---- a stopped machine: stages only, bootstraps nothing ---------------------------------
mac_tree
declare_web
machine list-5.x-applehv.json inspect-5.x-stopped.json
unserve; rm -f "$T$SOCK"
lc activate web
is "$rc" 2 "activate with the machine stopped: exit 2"
like "$out" "podman machine" "the preflight says what is wrong with the machine"
like "$out" "nothing was installed or enabled" "and that nothing was installed"
[ -L "$T$ST/current" ]; ok $? "the generation is staged (current)"
[ ! -e "$T$PL" ]; ok $? "no plist installed"
is "$(changing)" 0 "no bootstrap, enable or kickstart was asked of launchctl"
is "$(job)" "- -" "nothing loaded"
lc activate web --enable-despite-preflight
is "$rc" 0 "--enable-despite-preflight goes on: exit 0"
like "$out" "enable-despite-preflight" "and says so"
is "$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("despite_preflight"))' "$T$ST/state.json")" True \
    "state.json records despite_preflight"
lc uninstall web

# ---- gcloud credHelpers: the host's are out of reach; in podman's view, refused -------
# The wrapper gives podman an empty auth file and a DOCKER_CONFIG of its own
# (the declaration's env goes to the container): the host's helpers do not
# matter, activate goes on. Helpers that podman would see (a config.json in
# that private DOCKER_CONFIG) are the preflight's failure: nothing enabled.
mac_tree
printf '{"auths":{"us-docker.pkg.dev":{}},"credHelpers":{"gcr.io":"gcloud","us-docker.pkg.dev":"gcloud"}}\n' > "$T$H/.docker/config.json"
declare_web
sed -i '/^env:/d' "$CFG/agents.d/web.yaml"
mkdir -p "$T$ST/docker-config"
cp "$T$H/.docker/config.json" "$T$ST/docker-config/config.json"
lc activate web
is "$rc" 2 "credHelpers in podman's DOCKER_CONFIG: activate refused (exit 2)"
like "$out" "the agent can reach registry credentials: $ST/docker-config/config.json holds .*credHelpers \[gcr.io=gcloud" "the preflight's host-auth step says why"
like "$out" "nothing was installed or enabled" "nothing installed or enabled"
[ ! -e "$T$PL" ]; ok $? "no plist installed"
is "$(changing)" 0 "launchctl was asked nothing that changes it"
rm -r "$T$ST/docker-config"
lc activate web
is "$rc" 0 "the host's credHelpers only (isolated by the empty auth file and the private DOCKER_CONFIG): activate goes on (exit 0)"
is "$(job)" "loaded running" "and the job runs"
like "$(cat "$T$ST/current/wrapper")" "sourceos-empty-auth.json" "the wrapper runs podman with the empty auth file"
lc uninstall web

# ---- the invariant, after every step --------------------------------------------------
# invariant NAME: a loaded job's plist and the wrapper it runs exist, and are
# the current generation's; an installed plist's wrapper exists; the plist
# bounds its restarts (the wrapper keeps a budget, ThrottleInterval set).
invariant() {
    _why=$("$PYTHON" - "$LAUNCHCTL_MODEL_STATE" "$L" "$T" "$PL" <<'PY'
import json, os, plistlib, sys
state, label, root, pl = sys.argv[1:5]
why = []
try:
    d = json.load(open(state))
except FileNotFoundError:
    d = {}
def prog_of(path):
    with open(path, "rb") as f:
        p = plistlib.load(f)
    return p, (p.get("ProgramArguments") or [p.get("Program")])[0]
for dom in d.get("domains", {}).values():
    s = dom.get("services", {}).get(label)
    if not s:
        continue
    path = s.get("plist") or s.get("path")
    if not path or not os.path.exists(root + path):
        why.append("loaded from a plist that is gone: %s" % path)
        continue
    _, prog = prog_of(root + path)
    if not os.path.exists(root + prog):
        why.append("loaded, its wrapper is gone: %s" % prog)
if os.path.exists(root + pl):
    p, prog = prog_of(root + pl)
    if not os.path.exists(root + prog):
        why.append("installed plist, its wrapper is gone: %s" % prog)
    elif p.get("KeepAlive") and "tripped" not in open(root + prog).read():
        why.append("KeepAlive without the wrapper's restart budget")
    elif p.get("KeepAlive") and not p.get("ThrottleInterval"):
        why.append("KeepAlive without a ThrottleInterval")
print("; ".join(why))
PY
)
    is "$_why" "" "$1: the invariant holds"
}
mac_tree
declare_web
invariant "nothing installed"
for step in prior install-plist enable bootstrap kickstart; do
    mac_tree   # each kill on a ready host of its own
    declare_web
    SOURCEOS_TEST_KILL_AFTER=$step lc activate web; krc=$rc
    is "$krc" 137 "activate killed (SIGKILL) right after $step"
    like "$(cat "$T$ST/journal" 2>/dev/null)" "\"step\":\"$step\",\"state\":\"intent\"" "the journal has $step in flight"
    invariant "killed after $step"
    lc repair web
    is "$rc" 0 "repair after a kill at $step: exit 0"
    like "$out" "- recovered: an interrupted activate was rolled back first" "repair rolled the activate back ($step)"
    invariant "killed after $step, then repaired"
    [ ! -e "$T$PL" ] && [ "$(job)" = "- -" ] && [ ! -e "$T$ST/journal" ]
    ok $? "after a kill at $step and repair: no plist, nothing loaded, no journal"
    SOURCEOS_TEST_KILL_AFTER=$step lc activate web
    lc activate web
    is "$rc|$(job)" "0|loaded running" "after a kill at $step, the next activate rolls back and activates"
    invariant "killed after $step, then activated"
done
lc uninstall web

# ---- a new generation over a running one, while launchd drains the bootout
# the generation whose wrapper the loaded job runs (from the model's state)
loaded_gen() { "$PYTHON" - "$LAUNCHCTL_MODEL_STATE" "$L" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
for dom in d.get("domains", {}).values():
    s = dom.get("services", {}).get(sys.argv[2])
    if s:
        m = re.search(r"generations/(\d+)/wrapper", " ".join([s.get("program") or ""] + s.get("arguments", [])))
        print(m.group(1) if m else "?"); break
else:
    print("-")
PY
}
mac_tree
declare_web
lc activate web
is "$rc|$(loaded_gen)" "0|1" "generation 1 runs"
LAUNCHCTL_MODEL_DRAIN=2 "$PYTHON" "$MODEL" --shim "$BIN" > /dev/null
declare_web "args: [serve, --v2]"
: > "$LAUNCHCTL_MODEL_LOG"
lc activate web
is "$rc" 0 "generation 2 over a running 1 while the bootout drains (37 twice): exit 0"
is "$(calls | grep -c '"bootstrap"')" 3 "bootstrap tried again until the drain ended (two 37s, then loaded)"
is "$(loaded_gen)|$(job)" "2|loaded running" "launchd runs generation 2's wrapper"
LAUNCHCTL_MODEL_DRAIN=12 "$PYTHON" "$MODEL" --shim "$BIN" > /dev/null
declare_web "args: [serve, --v3]"
lc activate web
is "$rc" 3 "a drain longer than the tries (2 s): exit 3, rolled back"
like "$out" "37" "says launchctl's 37"
is "$(loaded_gen)|$(job)" "2|loaded running" "generation 2 loaded and running again (its plist back, bootstrapped once drained)"
like "$(cat "$T$PL")" "generations/2/wrapper" "generation 2's plist is installed"
invariant "drained past the tries"
"$PYTHON" "$MODEL" --shim "$BIN" > /dev/null
lc uninstall web

# ---- failing steps: rolled back, exit 3 ------------------------------------------------
# No GUI login (an SSH session): gui/UID does not exist. The preflight
# says so (its backend step); despite it, bootstrap fails and is undone.
mac_tree
declare_web
LAUNCHCTL_MODEL_NO_GUI=1 "$PYTHON" "$MODEL" --shim "$BIN" > /dev/null
lc activate web
is "$rc" 2 "no GUI session: the preflight refuses (exit 2)"
like "$out" "gui/$ME does not answer" "its backend step names the domain"
lc activate web --enable-despite-preflight
is "$rc" 3 "despite the preflight, bootstrap fails (no GUI session): exit 3"
like "$out" "web activate: failed and rolled back" "failed and rolled back"
like "$out" "steps: .* \(exit 3\)" "the summary's exit is the command's, 3"
like "$out" "asuser|log in" "with the advice for a session without a GUI login"
[ ! -e "$T$PL" ] && [ "$(job)" = "- -" ]; ok $? "the plist was removed again, nothing loaded"
invariant "bootstrap failed"
[ ! -e "$T$ST/state.json" ]; ok $? "state.json does not say installed"
"$PYTHON" "$MODEL" --shim "$BIN" > /dev/null

# A full disk under the state directory (a tmpfs of its own, in a private
# mount namespace): the journal cannot be written, so no step runs.
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1; then
    mac_tree
    declare_web
    lc stage web
    is "$rc" 0 "staged into the tree first"
    cat > "$TMP/full.sh" <<'SH'
st=$1; shift
cp -a "$st" "$st.copy" && mount -t tmpfs -o size=64k sostest-full "$st" && cp -a "$st.copy/." "$st" &&
    rm -rf "$st.copy" || exit 99
dd if=/dev/zero of="$st/fill" bs=4k 2>/dev/null
# FREE pages given back: room for that much only
[ -z "${FREE:-}" ] || truncate -s "-$((FREE * 4096))" "$st/fill"
"$@"; rc=$?
rm -f "$st/fill"
cp -a "$st" "$st.copy" && umount "$st" && cp -a "$st.copy/." "$st" && rm -rf "$st.copy"
exit $rc
SH
    out=$(HOME=$H PATH="$BIN:/usr/bin:/bin" unshare -m --propagation private sh "$TMP/full.sh" "$T$ST" \
          "$AGENT" activate web --root "$T" --live --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG" 2>&1); rc=$?
    if [ "$rc" -eq 99 ]; then
        _n=$((_n + 1)); echo "ok $_n # SKIP this machine cannot mount a tmpfs in a private mount namespace"
    else
        is "$rc" 3 "the state directory's disk is full: exit 3"
        like "$out" "No space left on device" "says why"
        [ ! -e "$T$PL" ] && [ "$(job)" = "- -" ]; ok $? "nothing installed, nothing loaded"
        is "$(changing)" 0 "launchctl was asked nothing that changes it"
        invariant "disk full"
        lc activate web
        is "$rc|$(job)" "0|loaded running" "with room again, activate goes on"
        lc uninstall web
        # Generation 1 running, 2 staged, and room for a few pages only:
        # wherever the room runs out (a journal write, the backup of the
        # plist it replaces), activate is done or rolled back, the
        # invariant holds, one generation runs, and repair then finds a
        # consistent agent.
        for free in 0 1 2 3 4 6 8; do
            mac_tree
            declare_web
            lc activate web
            declare_web "args: [serve, --v2]"
            lc stage web
            out=$(FREE=$free HOME=$H PATH="$BIN:/usr/bin:/bin" unshare -m --propagation private sh "$TMP/full.sh" "$T$ST" \
                  "$AGENT" activate web --root "$T" --live --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG" 2>&1); rc=$?
            got="$rc:$(loaded_gen):$(job)"
            case $got in
            "0:2:loaded running" | "3:1:loaded running") ok 0 "$free pages free: exit $rc, generation $(loaded_gen) running" ;;
            *) ok 1 "$free pages free: exit and generation running, got $got"; printf '%s\n' "$out" | sed 's/^/#   /' ;;
            esac
            invariant "$free pages free"
            lc repair web
            is "$rc|$(job)" "0|loaded running" "$free pages free, then repair with room: exit 0, running"
            invariant "$free pages free, then repaired"
        done
        lc uninstall web
    fi
fi

# ---- a crash loop stays bounded: the wrapper's own budget ------------------------------
# On this machine (no tree: the model runs the real generated wrapper, which
# must find its state directory), a launchd agent whose wrapper fails every
# start (the machine is not running: exit 20). KeepAlive restarts it until
# the wrapper's budget trips (maxRestartsPerHour 3: three failed starts, the
# fourth run records tripped and exits 0), and launchd leaves it down; the
# kickstart after the bootstrap finds it tripped too.
mac_tree
# Its logs must not be under /tmp (the declaration refuses them, as the
# model does): a home of its own outside when the build tree is there.
case $TMP in
/tmp/* | /var/tmp/*) LH=/var/lib/sourceos-test-lhome.$$ ;;
*) LH="$TMP/lhome" ;;
esac
trap 'unserve; rm -rf "$LH"; _cleanup' EXIT
mkdir -p "$LH/Library/LaunchAgents" "$LH/Library/Logs/SourceOS" "$LH/.config/containers" "$LH/dc"
chmod 700 "$LH/Library/Logs/SourceOS" "$LH/dc"
printf '{"auths":{}}\n' > "$LH/.config/containers/sourceos-empty-auth.json"
chmod 600 "$LH/.config/containers/sourceos-empty-auth.json"
cat > "$CFG/agents.d/loop.yaml" <<YAML
name: loop
image: $IMG
backend: launchd
podman: {requireMachine: true}
env: [DOCKER_CONFIG=$LH/dc]
lifecycle: {maxRestartsPerHour: 3}
logs: {app: $LH/Library/Logs/SourceOS/loop.log, stdout: $LH/Library/Logs/SourceOS/loop.out.log, stderr: $LH/Library/Logs/SourceOS/loop.err.log}
YAML
rm -f "$LAUNCHCTL_MODEL_STATE"
env -u LAUNCHCTL_MODEL_ROOT LAUNCHCTL_MODEL_RUN=1 LAUNCHCTL_MODEL_HOME="$LH" \
    LAUNCHCTL_MODEL_PATH="$BIN:/usr/bin:/bin" "$PYTHON" "$MODEL" --shim "$BIN" > /dev/null
out=$(HOME=$LH PATH="$BIN:/usr/bin:/bin" "$AGENT" activate loop --enable-despite-preflight \
      --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG" 2>&1); rc=$?
is "$rc" 0 "activate of an agent whose wrapper fails every start (despite the preflight: launchd on Linux): exit 0"
LS="$LH/.local/state/sourceos/agents/loop"
mprint() { "$BIN/launchctl" print "gui/$ME/org.sourceos.agent.loop" | sed -n "s/^	$1 = //p"; }
is "$(mprint runs)" 5 "5 runs: RunAtLoad at bootstrap and KeepAlive 4 (3 failed starts, the 4th trips), kickstart 1 (tripped at once)"
is "$(mprint state)" "not running" "KeepAlive left it down after the wrapper exited 0"
is "$(mprint 'last exit code')" 0 "the last run exited 0 (tripped)"
like "$(cat "$LS/tripped" 2>/dev/null)" "^tripped [0-9]+" "the wrapper recorded tripped in the state directory"
is "$(wc -l < "$LS/restarts" | tr -d ' ')" 3 "and counted 3 starts, maxRestartsPerHour"
like "$(cat "$LH/Library/Logs/SourceOS/loop.log")" "restart budget spent: 3 starts in the last hour \(maxRestartsPerHour 3\); tripped" "its log says why it stopped"
out=$(HOME=$LH PATH="$BIN:/usr/bin:/bin" "$AGENT" status loop --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG" 2>&1)
like "$out" "tripped" "status says tripped"
HOME=$LH PATH="$BIN:/usr/bin:/bin" "$AGENT" uninstall loop --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG" > /dev/null 2>&1
is "$?" 0 "uninstall of the tripped agent: exit 0"
rm "$CFG/agents.d/loop.yaml"

done_testing
