#!/bin/sh
# The canonical spec's regression cases, through `sourceos-agent preflight
# NAME` and the SHIPPED checks.d (copied, never a test-local one): machine
# missing, machine stopped, socket refused, local image missing, local
# image present, remote image tag, a Google credential helper in the host
# docker config, an empty auth file that bypasses ambient credentials,
# disabled override, duplicate label, old system-wide plist, log directory
# missing, container name taken, a masked systemd unit. Each case asserts
# the failing step's line, its finding's code and severity (--json), the
# exact action, the exit code, that no other step failed because of it, and
# that every call the stand-ins recorded was read-only. The launchd cases
# run over a copied macOS tree (--root TREE --live) whose Podman machine
# socket is a real unix socket (tests/ping-server.py); the systemd one over
# a copied Debian tree.
# The declarations refuse logs under /tmp: this test's directory is made in
# the build tree (as preflight.sh does).
TMPDIR="${SOS_BUILDDIR:?}/tests"
export TMPDIR
. "$SOS_SRCDIR/tests/lib.sh"
AGENT="$SOS_BUILDDIR/sourceos-agent"
PODMAN_FIX="$FIXTURES/podman"
BIN="$TMP/bin"
D="$BIN/data" # beside the stand-ins: commands run with a clean environment
CFG="$TMP/cfg"
mkdir -p "$D" "$CFG/agents.d" "$TMP/tmpdir"
cp -R "$SOS_SRCDIR/checks.d" "$CFG/checks.d"
chmod -R go-w "$CFG"
export XDG_STATE_HOME="$TMP/state" TMPDIR="$TMP/tmpdir"
ME=$(id -u)

# ---- stand-ins: answers from $D/KEY.{out,err,rc}, every argv into $D/calls ----
# While $D/down holds podman's words for an endpoint that does not answer
# (no machine, a stopped one, a stale socket), what would reach the engine
# fails with them, as real podman does (exit 125).
for p in podman launchctl systemctl; do
    cat > "$BIN/$p" <<'SH'
#!/bin/sh
d="${0%/*}/data"; me="${0##*/}"
echo "$me $*" >> "$d/calls"
case "$me $*" in
"podman "*" inspect "*|"podman "*"info --format json")
    case "$*" in "machine inspect "*) ;; *)
        if [ -f "$d/down" ]; then cat "$d/down" >&2; exit 125; fi ;;
    esac ;;
esac
case "$me $*" in
"podman --version") k=version ;;
"podman machine list --format json") k=list ;;
"podman machine inspect "*) k=inspect ;;
"podman system connection list --format json") k=connections ;;
"podman "*"info --format json") k=info ;;
"podman "*"image inspect "*) k=image ;;
"podman "*"container inspect "*) k=container ;;
"launchctl print gui/"*|"launchctl print system") k=domain ;;
"launchctl print-disabled "*) k=disabled ;;
"systemctl --user show -p Version"|"systemctl show -p Version") k=manager ;;
"systemctl --user is-enabled "*|"systemctl is-enabled "*) k=enabled ;;
*) echo "stand-in: unexpected $me $*" >&2; exit 64 ;;
esac
[ -f "$d/$k.out" ] && cat "$d/$k.out"
[ -f "$d/$k.err" ] && cat "$d/$k.err" >&2
exit "$(cat "$d/$k.rc" 2>/dev/null || echo 0)"
SH
    chmod +x "$BIN/$p"
done
answer() { # answer KEY RC OUT [ERR]: what the stand-in says to KEY
    printf '%s\n' "$3" > "$D/$1.out"; echo "$2" > "$D/$1.rc"
    if [ -n "${4:-}" ]; then printf '%s\n' "$4" > "$D/$1.err"; else rm -f "$D/$1.err"; fi
}

# ---- the macOS tree: alice's home, her auth file, logs, a private DOCKER_CONFIG
H=/Users/alice
UA=$H/Library/LaunchAgents
LD=$H/Library/Logs/SourceOS
AF=$H/.config/containers/sourceos-empty-auth.json
DC=$H/.config/sourceos/docker
OD=/var/db/com.apple.xpc.launchd
L=org.sourceos.agent.web
IMG=localhost/web@sha256:0123
SOCK=/Users/a/m.sock # short: it must fit sun_path
srv=
unserve() { [ -z "$srv" ] || { kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; }; srv=; }
trap 'unserve; _cleanup' EXIT
serve() { # serve: the machine's socket answers /_ping until unserve
    unserve
    "$PYTHON" "$SOS_SRCDIR/tests/ping-server.py" "$T$SOCK" ok > "$TMP/srv.out" &
    srv=$!
    # A loaded machine (the sanitizer run) can take seconds to start python.
    for _ in $(seq 1 300); do grep -q ready "$TMP/srv.out" 2>/dev/null && break; sleep 0.1; done
}
write_plist() { # write_plist FILE BODY
    mkdir -p "$(dirname "$1")"
    printf '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n%s\n</dict>\n</plist>\n' "$2" > "$1"
}
agent_plist() { write_plist "$1" "<key>Label</key><string>$2</string><key>Program</key><string>/usr/bin/true</string>"; }
machine() { # machine LIST INSPECT: what `podman machine` says
    cp "$PODMAN_FIX/$1" "$D/list.out"
    sed "s|\"/[^\"]*\\.sock\"|\"$SOCK\"|" "$PODMAN_FIX/$2" > "$D/inspect.out"
    rm -f "$D/inspect.rc" "$D/inspect.err"
}
container() { # container STATUS LABEL: the container holding the name (LABEL "-": none)
    "$PYTHON" - "$PODMAN_FIX/container-inspect-4.3.1-labelled.json" "$D/container.out" "$@" <<'PY'
import json, sys
src, out, status, label = sys.argv[1:5]
d = json.load(open(src))
d[0]["State"]["Status"] = status
d[0]["State"]["Running"] = status == "running"
d[0]["Config"]["Labels"] = {} if label == "-" else {"sourceos.agent": label}
json.dump(d, open(out, "w"), indent=4)
PY
    rm -f "$D/container.rc" "$D/container.err"
}
down() { # down WHY: the engine does not answer, podman says WHY
    printf 'Cannot connect to Podman. Please verify your connection to the Linux system using `podman system connection list`, or try `podman machine init` and `podman machine start` to manage a new Linux VM\nError: unable to connect to Podman socket: %s\n' "$1" > "$D/down"
}
image_ok() { answer image 0 "[{\"Id\":\"abc123\",\"Digest\":\"sha256:0123\",\"RepoDigests\":[\"$1\"]}]"; }
# mac_tree: a ready macOS host; every case changes one thing of it.
mac_tree() {
    unserve
    T="$TMP/mac"
    rm -rf "$T" "$D"/*
    cp -R "$FIXTURES/roots/macos" "$T"
    mkdir -p "$T$UA" "$T/Library/LaunchAgents" "$T/Library/LaunchDaemons" "$T$OD" \
        "$T$(dirname "$AF")" "$T$DC" "$T$LD" "$T$H/.docker" "$T$(dirname "$SOCK")"
    chmod 700 "$T$LD" "$T$DC"
    printf '{"auths":{}}\n' > "$T$AF"
    chmod 600 "$T$AF"
    answer version 0 "podman version 4.9.3"
    cp "$PODMAN_FIX/info-4.3.1.json" "$D/info.out"
    echo "[]" > "$D/connections.out"
    machine list-5.x-applehv.json inspect-5.x-running.json
    image_ok "$IMG"
    answer container 125 "[]" "Error: inspecting object: no such container sourceos-web"
    answer domain 0 "gui/$ME = {
	type = login
}"
    answer disabled 0 "disabled services = {
	\"com.example.other\" => disabled
}"
    serve
}
# declare_mac [IMAGE] [EXTRA YAML LINE]: the agent, launchd and a machine said
# outright (the model's defaults follow this Linux machine's OS).
declare_mac() {
    cat > "$CFG/agents.d/web.yaml" <<YAML
name: web
image: ${1:-$IMG}
backend: launchd
podman: {requireMachine: true}
env: [DOCKER_CONFIG=$DC]
logs: {app: $LD/web.log, stdout: $LD/web.launchd.out.log, stderr: $LD/web.launchd.err.log}
$2
YAML
}

# ---- running it -----------------------------------------------------------------
preflight() { # preflight: human into $out/$rc, --json into $js/$jrc, calls into $calls
    : > "$D/calls"
    out=$(HOME=$H PATH="$BIN:/usr/bin:/bin" "$AGENT" preflight web --root "$T" --live \
        --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG" 2>&1); rc=$?
    js=$(HOME=$H PATH="$BIN:/usr/bin:/bin" "$AGENT" preflight web --json --root "$T" --live \
        --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG"); jrc=$?
    calls=$(cat "$D/calls")
}
q() { printf '%s' "$js" | jget "$1"; }
# line WHAT STATE NAME: the human report has the line `- WHAT: STATE`
line() {
    _got=$(printf '%s\n' "$out" | grep -F -- "- $1: " | head -n 1)
    is "$_got" "- $1: $2" "$3: - $1: ..."
}
# finding CHECK CODE SEVERITY NAME: the check's worst-first findings hold CODE with SEVERITY
finding() {
    is "$(q "[[f['code'], f['severity']] for f in find('$1')['findings'] if f['severity'] != 'info' or '$3' == 'info']")" \
       "[[\"$2\", \"$3\"]]" "$4: --json: $1 says $2 ($3)"
}
# action TEXT NAME: the exact `- action: TEXT` line, and the same in --json
action() {
    printf '%s\n' "$out" | grep -Fqx -- "- action: $1"
    ok $? "$2: - action: $1"
    is "$(printf '%s' "$js" | ACTION="$1" jget "__import__('os').environ['ACTION'] in d['preflight']['actions']")" true "$2: --json: the same action"
}
# failed NAME STATUS...: the steps whose status is not ok, as check=status
failed() {
    _name=$1; shift
    is "$(q "' '.join(s['check'] + '=' + s['status'] for s in d['preflight']['steps'] if s['status'] != 'ok')")" \
       "$*" "$_name: no other step failed"
}
exits() { # exits CODE NAME
    is "$rc/$jrc/$(q 'd["preflight"]["exit_code"]')" "$1/$1/$1" "$2: exit $1 (human, --json and its exit_code)"
}
FORBIDDEN='^launchctl (.* )?(bootstrap|bootout|enable|disable|kickstart|load|unload|kill|remove|submit)( |$)|^systemctl (.* )?(start|stop|restart|reload|enable|disable|mask|unmask|daemon-reload|link|reenable|preset|kill|reset-failed)( |$)|^podman (.* )?(run|start|stop|restart|rm|rmi|kill|pull|create|tag|load|rename|init|import|commit|push|build)( |$)'
read_only() { # read_only NAME: every call the stand-ins recorded was a reading
    [ -n "$calls" ]; ok $? "$1: the stand-ins were asked"
    unlike "$calls" "$FORBIDDEN" "$1: no call changes anything"
    is "$(printf '%s\n' "$calls" | grep -v -E -e '^podman (--version|machine list --format json|machine inspect [^ ]+|system connection list --format json|(.* )?(image|container) inspect [^ ]+|(.* )?info --format json)$' \
        -e '^launchctl (print gui/[0-9]+|print system|print-disabled (gui/[0-9]+|system))$' \
        -e '^systemctl (--user )?(show -p Version|is-enabled [^ ]+)$')" "" \
       "$1: every call was a version, a list, an inspect, print, print-disabled, show or is-enabled"
}

# engine_not_asked: with the socket failed, the image and the container name
# are not checked, say why, and podman is not asked about them.
engine_not_asked() {
    _why=$(q "[s['state'] for s in d['preflight']['steps'] if s['check'] == 'preflight.socket'][0]")
    line image "not checked: needs preflight.socket, which failed: $_why" "$CASE"
    line "container name" "not checked: needs preflight.socket, which failed: $_why" "$CASE"
    unlike "$calls" '(image|container) inspect' "$CASE: podman was not asked for the image or the container"
}

# ---- the ready host: every step passes ---------------------------------------------
mac_tree
declare_mac
preflight
exits 0 "ready macOS host"
is "$(printf '%s\n' "$out" | head -n 1)" "web preflight: passed" "ready macOS host: passed"
failed "ready macOS host"
read_only "ready macOS host"
# case NAME: a ready host and declaration, then the case changes one thing
case_() { CASE=$1; mac_tree; declare_mac; }
# debug: with PFR_DEBUG set, each run's report and calls go to stderr
debug() { [ -z "${PFR_DEBUG:-}" ] || printf '%s\n' "== $CASE" "$out" "$calls" >&2; }

# ---- machine missing ------------------------------------------------------------
case_ "machine missing"
echo "[]" > "$D/list.out"
answer inspect 125 "[]" "Error: podman-machine-default: VM does not exist"
unserve
down 'failed to connect: dial tcp 127.0.0.1:0: connect: connection refused'
preflight; debug
exits 2 "$CASE"
line "podman machine" "Podman machine podman-machine-default does not exist (none is defined); the agent requires one (podman.requireMachine)" "$CASE"
finding preflight.machine-exists podman.machine-missing critical "$CASE"
action 'run `podman machine init -- podman-machine-default && podman machine start -- podman-machine-default`' "$CASE"
line socket "Podman on this host needs a remote endpoint, but there is no connection and no machine" "$CASE"
failed "$CASE" preflight.machine-exists=failure preflight.machine-running=failure preflight.socket=failure \
    preflight.image=skipped preflight.container-name=skipped
engine_not_asked
read_only "$CASE"

# ---- machine stopped ------------------------------------------------------------
case_ "machine stopped"
machine list-5.x-applehv.json inspect-5.x-stopped.json
unserve; rm -f "$T$SOCK"
down "Get \"http://d/v4.9.3/libpod/_ping\": dial unix $SOCK: connect: no such file or directory"
preflight; debug
exits 2 "$CASE"
line "podman machine" "Podman machine podman-machine-default exists but is not running (state 'stopped')" "$CASE"
line "machine running" "Podman machine podman-machine-default is stopped: every container start will fail until it runs" "$CASE"
finding preflight.machine-running podman.machine-stopped critical "$CASE"
action 'run `podman machine start -- podman-machine-default`' "$CASE"
line socket "Podman endpoint unix://$SOCK (machine socket) does not answer: the socket does not exist (nothing is serving it)" "$CASE"
failed "$CASE" preflight.machine-running=failure preflight.socket=failure preflight.image=skipped preflight.container-name=skipped
engine_not_asked
read_only "$CASE"

# ---- socket refused -------------------------------------------------------------
case_ "socket refused"
unserve; rm -f "$T$SOCK"
"$PYTHON" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$T$SOCK"
down "Get \"http://d/v4.9.3/libpod/_ping\": dial unix $SOCK: connect: connection refused"
preflight; debug
exits 2 "$CASE"
line socket "Podman endpoint unix:///Users/a/m.sock (machine socket) does not answer: nobody listens on it (a stale socket)" "$CASE"
finding preflight.socket podman.socket-refused critical "$CASE"
action 'run `podman machine stop -- podman-machine-default; podman machine start -- podman-machine-default`' "$CASE"
failed "$CASE" preflight.socket=failure preflight.image=skipped preflight.container-name=skipped
engine_not_asked
read_only "$CASE"

# ---- local image missing --------------------------------------------------------
case_ "local image missing"
answer image 125 "[]" "Error: $IMG: image not known"
preflight; debug
exits 2 "$CASE"
line image "image $IMG is not in local storage: build or \`podman load\` it (it names local storage, which no registry serves: the agent cannot start until then)" "$CASE"
finding preflight.image podman.image-missing-local critical "$CASE"
action "$(q "find('preflight.image')['findings'][0]['remediation']")" "$CASE (no command: its remediation)"
like "$(q "find('preflight.image')['findings'][0]['remediation']")" '^Build the image on this machine' "$CASE: the remediation says to build it"
failed "$CASE" preflight.image=failure
read_only "$CASE"

# ---- local image present --------------------------------------------------------
case_ "local image present"
preflight; debug
exits 0 "$CASE"
line image "image $IMG is local and pinned by digest" "$CASE"
finding preflight.image podman.image-local info "$CASE"
unlike "$out" '^- action:' "$CASE: no action"
failed "$CASE"
like "$calls" "image inspect $IMG\$" "$CASE: the image was asked for by its name"
read_only "$CASE"

# ---- remote image tag -----------------------------------------------------------
# Pulled once and pinned by digest, so the image step has nothing to say; the
# generated wrapper's lint (step 17) refuses the registry image too.
REMOTE=ghcr.io/acme/web@sha256:0123
case_ "remote image tag"
declare_mac "$REMOTE"
image_ok "$REMOTE"
preflight; debug
exits 2 "$CASE"
line "image tag" "$REMOTE is a registry image; the service must run a localhost/ image" "$CASE"
finding preflight.image-tag podman.image-tag-remote critical "$CASE"
action "run \`podman tag -- $REMOTE localhost/acme/web\`" "$CASE"
line image "image $REMOTE is local and pinned by digest" "$CASE"
failed "$CASE" preflight.image-tag=failure preflight.definition=failure
is "$(q "[f['code'] + ' ' + f['evidence']['lint'] for f in find('preflight.definition')['findings']]")" '["agent.definition-lint-failed launchd.lint"]' \
   "$CASE: the service definition fails launchd.lint"
like "$(q "find('preflight.definition')['findings'][0]['evidence']['detail']")" "^launchd.governed-claim-false \\(critical\\): .* lacks a local image \\(it runs $REMOTE, from a registry \\(ghcr.io\\)\\)" \
   "$CASE: for the same reason, the registry image"
read_only "$CASE"

# ---- Google credential helper in the host docker config ---------------------------
# The wrapper gives podman a DOCKER_CONFIG of its own (STATE/docker-config;
# the declaration's env goes to the container): the host's helpers are out
# of reach, whatever the declaration's env says. A config.json with the
# helpers in that private directory is the leak, and it fails.
GCFG='{"auths":{"us-docker.pkg.dev":{}},"credHelpers":{"gcr.io":"gcloud","us-docker.pkg.dev":"gcloud"}}'
PDC="$XDG_STATE_HOME/sourceos/agents/web/docker-config"
case_ "Google credential helper"
declare_mac "$IMG" "# no DOCKER_CONFIG of its own"
sed -i '/^env:/d' "$CFG/agents.d/web.yaml"
printf '%s\n' "$GCFG" > "$T$H/.docker/config.json"
preflight; debug
exits 0 "$CASE in the host's config only"
line "host auth" "the agent's podman sees no registry credentials or helpers: empty --authfile and a DOCKER_CONFIG of its own" "$CASE in the host's config only"
failed "$CASE in the host's config only"
read_only "$CASE in the host's config only"
mkdir -p "$T$PDC"
printf '%s\n' "$GCFG" > "$T$PDC/config.json"
preflight; debug
exits 2 "$CASE in the wrapper's DOCKER_CONFIG"
line "host auth" "the agent can reach registry credentials: $PDC/config.json holds registries [us-docker.pkg.dev], credHelpers [gcr.io=gcloud,us-docker.pkg.dev=gcloud]" "$CASE in the wrapper's DOCKER_CONFIG"
finding preflight.host-auth registry.agent-auth-leaks critical "$CASE in the wrapper's DOCKER_CONFIG"
failed "$CASE in the wrapper's DOCKER_CONFIG" preflight.host-auth=failure
read_only "$CASE in the wrapper's DOCKER_CONFIG"
rm -rf "$T$PDC"

# ---- empty auth file bypasses ambient credentials ---------------------------------
SECRET=c291cmNlb3M6aHVudGVyMi1zM2NyM3QtdG9rZW4=
case_ "empty authfile bypasses ambient credentials"
printf '{"auths":{"ghcr.io":{"auth":"%s"}},"credHelpers":{"gcr.io":"gcloud"},"credsStore":"osxkeychain"}\n' "$SECRET" > "$T$H/.docker/config.json"
preflight; debug
exits 0 "$CASE"
line "auth file" "$AF holds only {\"auths\":{}} (mode 0600, owned by alice)" "$CASE"
line "host auth" "the agent's podman sees no registry credentials or helpers: empty --authfile and a DOCKER_CONFIG of its own" "$CASE"
finding preflight.host-auth registry.agent-auth-isolated info "$CASE"
is "$(q "[f['evidence']['later_files'] for f in find('preflight.host-auth')['findings']]")" '["not read (podman 4.4+ stops at --authfile)"]' "$CASE: podman 4.9.3 reads no later file"
failed "$CASE"
unlike "$out$js" "$SECRET|hunter2" "$CASE: the poisoned file's secret is in no output"
read_only "$CASE"

# ---- disabled override (launchd) --------------------------------------------------
case_ "disabled override"
write_plist "$T$OD/disabled.$ME.plist" "<key>$L</key><true/>"
answer disabled 0 "disabled services = {
	\"$L\" => disabled
}"
preflight; debug
exits 2 "$CASE"
line "label not disabled" "$L is disabled in the gui/$ME domain (an override in $OD/disabled.$ME.plist, and launchctl print-disabled says so): launchd will not load it, even at login or boot" "$CASE"
finding preflight.label-enabled-launchd launchd.label-disabled critical "$CASE"
action "run \`launchctl enable gui/$ME/$L\`" "$CASE"
failed "$CASE" preflight.label-enabled-launchd=failure
like "$calls" "^launchctl print-disabled gui/$ME\$" "$CASE: launchctl print-disabled was asked"
read_only "$CASE"

# ---- duplicate label (launchd) ----------------------------------------------------
case_ "duplicate label"
agent_plist "$T$UA/old-web.plist" "$L"
preflight; debug
exits 2 "$CASE"
line "label owner" "$UA/old-web.plist takes the label $L too (its Label), in the agent's own $UA: launchd loads one job per label, so the two race for it" "$CASE"
finding preflight.label-owner-launchd launchd.label-duplicate critical "$CASE"
action "run \`mv -- $UA/old-web.plist $UA/old-web.plist.disabled\`" "$CASE"
failed "$CASE" preflight.label-owner-launchd=failure
read_only "$CASE"

# ---- old system-wide plist (launchd) -----------------------------------------------
case_ "old system-wide plist"
agent_plist "$T/Library/LaunchAgents/$L.plist" "$L"
preflight; debug
exits 2 "$CASE"
line "label owner" "/Library/LaunchAgents/$L.plist already takes the label $L (its Label), outside the agent's own launch directory: launchd would run it instead of the agent, or beside it in another domain" "$CASE"
finding preflight.label-owner-launchd launchd.label-conflict critical "$CASE"
action "run \`sudo mv -- /Library/LaunchAgents/$L.plist /Library/LaunchAgents/$L.plist.disabled\`" "$CASE"
failed "$CASE" preflight.label-owner-launchd=failure
read_only "$CASE"

# ---- log directory missing ---------------------------------------------------------
case_ "log directory missing"
rm -r "$T$LD"
preflight; debug
exits 2 "$CASE"
line "log directory" "$LD does not exist: the service cannot open its log (logs.app) and fails to start" "$CASE"
finding preflight.log-dir agent.log-dir-missing critical "$CASE"
action "run \`mkdir -p -m 700 $LD\`" "$CASE"
failed "$CASE" preflight.log-dir=failure
read_only "$CASE"

# ---- container name taken by a running container that is not ours -----------------
case_ "container name taken"
container running -
preflight; debug
exits 2 "$CASE"
line "container name" "container sourceos-web is running and is not this agent's (no sourceos.agent label): starting the agent would remove it" "$CASE"
finding preflight.container-name podman.container-name-taken critical "$CASE"
action 'run `podman rename -- sourceos-web sourceos-web-old`' "$CASE"
failed "$CASE" preflight.container-name=failure
read_only "$CASE"
container running web
preflight; debug
exits 0 "$CASE, but ours"
line "container name" "container sourceos-web is this agent's (label sourceos.agent=web, running): safely replaceable" "$CASE, but ours"
unserve

# ---- a masked systemd unit, over a Debian tree ---------------------------------------
# The Linux defaults (no machine required: the local engine, whose socket is
# not there and so not probed); the mask is a /dev/null link in alice's
# unit directory, and `systemctl --user is-enabled` says masked.
DH=/home/alice
U=sourceos-agent@web.service
UU=$DH/.config/systemd/user
DLD=$DH/.local/state/sourceos/logs
deb_tree() {
    T="$TMP/deb"
    rm -rf "$T" "$D"/*
    cp -R "$FIXTURES/roots/debian" "$T"
    mkdir -p "$T$UU" "$T/etc/systemd/system" "$T/etc/systemd/user" "$T/usr/lib/systemd/user" \
        "$T$DH/.config/containers" "$T$DH/.config/sourceos/docker" "$T$DLD"
    chmod 700 "$T$DLD" "$T$DH/.config/sourceos/docker"
    printf '{"auths":{}}\n' > "$T$DH/.config/containers/sourceos-empty-auth.json"
    chmod 600 "$T$DH/.config/containers/sourceos-empty-auth.json"
    answer version 0 "podman version 4.9.3"
    echo "[]" > "$D/list.out"
    echo "[]" > "$D/connections.out"
    image_ok "$IMG"
    answer container 125 "[]" "Error: inspecting object: no such container sourceos-web"
    answer manager 0 "Version=252.30-1~deb12u2"
    answer enabled 1 "" "Failed to get unit file state for $U: No such file or directory"
    cat > "$CFG/agents.d/web.yaml" <<YAML
name: web
image: $IMG
backend: systemd
env: [DOCKER_CONFIG=$DH/.config/sourceos/docker]
logs: {app: $DLD/web.log, stdout: $DLD/web.service.out.log, stderr: $DLD/web.service.err.log}
YAML
}
H=$DH
CASE="ready Debian host"
deb_tree
preflight; debug
exits 0 "$CASE"
line "unit not masked" "$U is not masked (7 unit directories of the user manager read)" "$CASE"
failed "$CASE"
read_only "$CASE"

case_() { CASE=$1; deb_tree; }
case_ "masked systemd unit"
ln -s /dev/null "$T$UU/$U"
answer enabled 1 "masked"
preflight; debug
exits 2 "$CASE"
line "unit not masked" "$U is masked ($UU/$U is a symlink to /dev/null): systemd refuses to start it, whatever unit file is installed" "$CASE"
finding preflight.label-enabled-systemd systemd.unit-masked critical "$CASE"
action "run \`systemctl --user unmask -- $U\`" "$CASE"
failed "$CASE" preflight.label-enabled-systemd=failure
line "unit owner" "no other unit file, alias or drop-in claims $U (12 unit directories read)" "$CASE: a mask is not another owner"
like "$calls" "^systemctl --user is-enabled $U\$" "$CASE: systemctl --user is-enabled was asked"
read_only "$CASE"
# Masked only in the manager (a runtime mask): systemctl's answer alone.
rm "$T$UU/$U"
answer enabled 1 "masked-runtime"
preflight; debug
exits 2 "$CASE, at runtime"
line "unit not masked" "$U is masked (\`systemctl --user is-enabled\` says masked-runtime): systemd refuses to start it, whatever unit file is installed" "$CASE, at runtime"
failed "$CASE, at runtime" preflight.label-enabled-systemd=failure
read_only "$CASE, at runtime"

done_testing
