#!/bin/sh
# The preflight's Podman steps (issue 12 §3, steps 4-10 and 13) as checks.d
# entries of scope agent, driven through `sourceos-agent doctor NAME` with an
# agent's declaration: podman version, machine exists, machine running,
# socket, local image, image tag, container name. A stand-in `podman`
# replays captured real output (tests/fixtures/podman) in a macOS tree whose
# machine socket is a real unix socket (tests/ping-server.py). One case per
# failure code (code, severity, message, the exact command), the good state,
# and the named regressions: machine missing, machine stopped, socket
# refused, image missing, remote tag, container stuck in stopping.
. "$SOS_SRCDIR/tests/lib.sh"
AGENT="$SOS_BUILDDIR/sourceos-agent"
PODMAN_FIX="$FIXTURES/podman"
FAKE="$TMP/bin/data"   # beside the stand-in: commands run with a clean environment
mkdir -p "$TMP/bin" "$FAKE"
# The stand-in: answers from $FAKE/<key>.{out,err,rc}, logs argv to $FAKE/calls.
cat > "$TMP/bin/podman" <<'SH'
#!/bin/sh
d="${0%/*}/data"
echo "$*" >> "$d/calls"
case "$*" in
--version) key=version ;;
"machine list --format json") key=list ;;
"machine inspect "*) key=inspect ;;
"system connection list --format json") key=connections ;;
*"info --format json") key=info ;;
*"image inspect "*) key=image ;;
*"container inspect "*) key=container ;;
*) echo "Error: stand-in: unexpected $*" >&2; exit 125 ;;
esac
[ -f "$d/$key.out" ] && cat "$d/$key.out"
[ -f "$d/$key.err" ] && cat "$d/$key.err" >&2
exit "$(cat "$d/$key.rc" 2>/dev/null || echo 0)"
SH
chmod +x "$TMP/bin/podman"
answer() { # answer KEY RC OUT [ERR]: what the stand-in says to KEY
    printf '%s\n' "$3" > "$FAKE/$1.out"; echo "$2" > "$FAKE/$1.rc"
    if [ -n "${4:-}" ]; then printf '%s\n' "$4" > "$FAKE/$1.err"; else rm -f "$FAKE/$1.err"; fi
}
answer version 0 "podman version 4.3.1"
cp "$PODMAN_FIX/info-4.3.1.json" "$FAKE/info.out"
echo "[]" > "$FAKE/connections.out"

# A macOS tree; the machine socket path is shortened to fit sun_path.
MAC="$TMP/mac"
cp -R "$FIXTURES/roots/macos" "$MAC"
mkdir -p "$MAC/Users/a"
SOCK=/Users/a/m.sock
machine() { # machine LIST INSPECT: what `podman machine` says (INSPECT "missing": none)
    cp "$PODMAN_FIX/$1" "$FAKE/list.out"
    if [ "$2" = missing ]; then answer inspect 125 "[]" "Error: podman-machine-default: VM does not exist"
    else sed "s|\"/[^\"]*\\.sock\"|\"$SOCK\"|" "$PODMAN_FIX/$2" > "$FAKE/inspect.out"; rm -f "$FAKE/inspect.rc" "$FAKE/inspect.err"; fi
}
srv=
serve() { # serve MODE: the machine socket answers like this until unserve
    "$PYTHON" "$SOS_SRCDIR/tests/ping-server.py" "$MAC$SOCK" "$1" > "$TMP/srv.out" &
    srv=$!
    # A loaded machine (the sanitizer run) can take seconds to start python.
    for _ in $(seq 1 300); do grep -q ready "$TMP/srv.out" 2>/dev/null && break; sleep 0.1; done
}
unserve() { [ -z "$srv" ] || { kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; }; srv=; }
trap 'unserve; _cleanup' EXIT
# The container holding the name: the captured inspect, changed.
container() { # container STATUS LABEL [NAME]: LABEL "-" for none
    "$PYTHON" - "$PODMAN_FIX/container-inspect-4.3.1-labelled.json" "$FAKE/container.out" "$@" <<'PY'
import json, sys
src, out, status, label = sys.argv[1:5]
d = json.load(open(src))
d[0]["State"]["Status"] = status
d[0]["State"]["Running"] = status == "running"
d[0]["Config"]["Labels"] = {} if label == "-" else {"sourceos.agent": label}
if len(sys.argv) > 5:
    d[0]["Name"] = sys.argv[5]
json.dump(d, open(out, "w"), indent=4)
PY
    rm -f "$FAKE/container.rc" "$FAKE/container.err"
}
no_container() { answer container 125 "[]" "Error: inspecting object: no such container sourceos-web"; }

# The preflight's Podman entries, as checks.d/50-preflight.yaml has them
# (without the preflight: key, which is the lead's).
CFG="$TMP/cfg"
make_config cfg 50-preflight.yaml <<'YAML'
checks:
  - id: preflight.podman
    plugin: podman-machine
    check: binary
    scope: agent
    timeout: 15
  - id: preflight.podman-version
    plugin: podman-machine
    check: version
    needs: [preflight.podman]
    scope: agent
    timeout: 15
    params: {min: "4.0"}
  - id: preflight.machine-exists
    plugin: podman-machine
    check: machine
    needs: [preflight.podman]
    scope: agent
    timeout: 30
    params:
      require: exists
      machine: "${agent.podman.connection}"
      required: "${agent.podman.requireMachine}"
  - id: preflight.machine-running
    plugin: podman-machine
    check: machine
    needs: [preflight.machine-exists]
    scope: agent
    timeout: 30
    params:
      require: running
      machine: "${agent.podman.connection}"
      required: "${agent.podman.requireMachine}"
  - id: preflight.socket
    plugin: podman-machine
    check: connection
    needs: [preflight.machine-running]
    scope: agent
    timeout: 10
    params: {ping_timeout_ms: 3000}
  - id: preflight.image
    plugin: podman-machine
    check: image
    needs: [preflight.socket]
    scope: agent
    timeout: 30
    params:
      image: "${agent.image}"
      pull: "${agent.podman.pull}"
      require_local: "${agent.podman.requireLocalImage}"
  - id: preflight.image-tag
    plugin: podman-machine
    check: tag
    scope: agent
    timeout: 5
    params:
      image: "${agent.image}"
      allowed: ["localhost/"]
  - id: preflight.container-name
    plugin: podman-machine
    check: container-name
    needs: [preflight.socket]
    scope: agent
    timeout: 30
    params:
      container: "${agent.container}"
      agent: "${agent.agent}"
YAML
mkdir -p "$CFG/agents.d"
IMG=localhost/web@sha256:0123
declare_agent() { # declare_agent NAME YAML-LINES...: agents.d/NAME.yaml
    _name=$1; shift
    { echo "name: $_name"; for l in "$@"; do echo "$l"; done; } > "$CFG/agents.d/$_name.yaml"
}
# requireMachine said outright: its default is the OS of the machine that
# reads the declaration (macOS), not of the --root tree.
declare_agent web "image: $IMG" "podman: {requireMachine: true}"
doctor() { # doctor NAME [OPTIONS]: the preflight's checks for agent NAME over the macOS tree
    _a=$1; shift
    PATH="$TMP/bin:/usr/bin:/bin" "$AGENT" doctor "$_a" --json --live --root "$MAC" \
        --config-dir "$CFG" --plugin-dir "$BUILD_PLUGINS" "$@"
}
f() { printf '%s' "$out" | jget "find('$1')['findings'][0]['$2']"; }
st() { printf '%s' "$out" | jget "find('$1')['status']"; }
# all ID: code|severity|message|commands of the check's first finding
all() { printf '%s' "$out" | jget "'|'.join([find('$1')['findings'][0][k] if k != 'commands' else ' ;; '.join(find('$1')['findings'][0][k]) for k in ('code', 'severity', 'message', 'commands')])"; }
image_ok() { answer image 0 '[{"Id":"abc","Digest":"sha256:0123","RepoDigests":["localhost/web@sha256:0123"]}]'; }
image_missing() { answer image 125 "[]" "Error: $1: image not known"; }

# --- the good state: every step says what is right ----------------------------
machine list-5.x-applehv.json inspect-5.x-running.json
serve ok
image_ok
no_container
out=$(doctor web); rc=$?
is "$rc" 0 "good state: exit 0"
is "$(printf '%s' "$out" | jget "[(c['id'], c['status']) for c in d['checks'] if c['status'] != 'ok']")" "[]" "every step ok"
is "$(all preflight.podman-version)" "podman.version-supported|info|podman 4.3.1 (4.0 or later needed)|" "version: supported, said as such"
is "$(all preflight.machine-exists)" "podman.machine-exists|info|Podman machine podman-machine-default exists and is running|" "machine exists"
is "$(all preflight.machine-running)" "podman.machine-running|info|Podman machine podman-machine-default is running|" "machine running"
is "$(f preflight.socket code)" podman.endpoint-ok "socket answers"
is "$(all preflight.image)" "podman.image-local|info|image $IMG is local and pinned by digest|" "local image present"
is "$(all preflight.image-tag)" "podman.image-tag-allowed|info|$IMG is a localhost/ image|" "image tag allowed"
is "$(all preflight.container-name)" "podman.container-name-free|info|container name sourceos-web is free|" "container name free"
is "$(grep -c 'container inspect sourceos-web' "$FAKE/calls")" 1 "the agent's container name was asked for"
: > "$FAKE/calls"
out=$(doctor web)
is "$(grep -c '^machine inspect podman-machine-default$' "$FAKE/calls")" 2 "no connection declared: both machine steps look at the default machine"

# --- 5. podman version ------------------------------------------------------------
answer version 0 "podman version 3.4.4"
out=$(doctor web); rc=$?
is "$rc" 2 "podman 3.4.4: exit 2"
is "$(all preflight.podman-version)" "podman.version-unsupported|critical|podman 3.4.4 is older than 4.0, the oldest supported|" "unsupported: code, severity, message, no command"
is "$(f preflight.podman-version remediation)" "Upgrade Podman to 4.0 or later." "remediation: upgrade to >= MIN"
answer version 0 "podman version 4.0.0-rc1"
out=$(doctor web)
is "$(f preflight.podman-version code)" podman.version-supported "4.0.0-rc1 is 4.0: a suffix is not a lower version"
answer version 0 "podman version 4.3.1"
make_config ver <<'YAML'
checks:
  - {id: v.unknown, plugin: podman-machine, check: version, scope: agent, params: {min: "4.0"}}
  - {id: v.params, plugin: podman-machine, check: version, scope: agent, params: {min: "four"}}
  - {id: v.patch, plugin: podman-machine, check: version, scope: agent, params: {min: "4.3.2"}}
YAML
cp -R "$CFG/agents.d" "$TMP/ver/"
out=$(PATH="$TMP/bin:/usr/bin:/bin" "$AGENT" doctor web --json --config-dir "$TMP/ver" --plugin-dir "$BUILD_PLUGINS"); rc=$?
is "$(f v.patch code):$(f v.patch message)" "podman.version-unsupported:podman 4.3.1 is older than 4.3.2, the oldest supported" "without the fact: its own podman --version, compared to the patch"
is "$(f v.params code):$(f v.params severity):$(st v.params)" "podman.version-params:critical:error" "min that is not a version: the check errors"
answer version 0 "podman version unknown-build"
out=$(PATH="$TMP/bin:/usr/bin:/bin" "$AGENT" doctor web --json --config-dir "$TMP/ver" --plugin-dir "$BUILD_PLUGINS"); rc=$?
is "$rc" 3 "no version to be read: exit 3 (could not decide)"
is "$(all v.unknown)" "podman.version-unknown|warning|unknown: 'podman --version' gave no version (exit 0): podman version unknown-build|podman --version" "version unknown: a warning, the check errors, the command to look"
is "$(st v.unknown)" error "its status is error"
answer version 0 "podman version 4.3.1"

# --- 6/7. machine missing (regression) ----------------------------------------------
echo "[]" > "$FAKE/list.out"
out=$(doctor web); rc=$?
is "$rc" 2 "machine missing: exit 2"
is "$(all preflight.machine-exists)" "podman.machine-missing|critical|Podman machine podman-machine-default does not exist (none is defined); the agent requires one (podman.requireMachine)|podman machine init -- podman-machine-default && podman machine start -- podman-machine-default" \
    "machine missing: the exists step fails, init and start"
is "$(st preflight.machine-running)" skipped "the running step is skipped"
like "$(printf '%s' "$out" | jget "find('preflight.machine-running')['reason']")" "^needs preflight.machine-exists, which failed: Podman machine podman-machine-default does not exist" "with the missing machine as the reason"
is "$(printf '%s' "$out" | jget 'd["summary"]["failure"]')" 1 "one failure, not one per step"

# --- machine stopped (regression): exists is fine, running is not ------------------
machine list-5.x-applehv.json inspect-5.x-stopped.json
out=$(doctor web); rc=$?
is "$rc" 2 "machine stopped: exit 2"
is "$(all preflight.machine-exists)" "podman.machine-exists|info|Podman machine podman-machine-default exists but is not running (state 'stopped')|" "require exists: a stopped machine is fine"
is "$(all preflight.machine-running)" "podman.machine-stopped|critical|Podman machine podman-machine-default is stopped: every container start will fail until it runs|podman machine start -- podman-machine-default" \
    "require running: machine stopped, start it"
is "$(st preflight.socket)" skipped "the socket step is skipped"
machine list-5.x-applehv.json inspect-5.x-starting.json
out=$(doctor web)
is "$(all preflight.machine-running)" "podman.machine-starting|critical|Podman machine podman-machine-default is still starting: its API is not ready|podman machine stop -- podman-machine-default && podman machine start -- podman-machine-default" "machine starting: stop and start"
machine list-4.3.1.json inspect-4.3.1-noqmpsocket.json
out=$(doctor web)
is "$(f preflight.machine-running code):$(f preflight.machine-exists code)" "podman.machine-state-unknown:podman.machine-exists" "state '': exists, but its state is unknown"

# A rootful connection (NAME-root) names its machine NAME.
declare_agent rootful "image: $IMG" "podman: {connection: podman-machine-default-root, requireMachine: true}"
machine list-5.x-applehv.json inspect-5.x-stopped.json
: > "$FAKE/calls"
out=$(doctor rootful)
is "$(f preflight.machine-running code)" podman.machine-stopped "connection podman-machine-default-root: machine podman-machine-default"
is "$(grep -c '^machine inspect podman-machine-default$' "$FAKE/calls")" 2 "the machine itself was inspected"
declare_agent other "image: $IMG" "podman: {connection: other-vm, requireMachine: true}"
out=$(doctor other)
is "$(f preflight.machine-exists code):$(f preflight.machine-exists message)" \
    "podman.machine-missing:Podman machine other-vm does not exist (not in 'podman machine list'); the agent requires one (podman.requireMachine)" "a connection that is no machine's: missing, named"

# Not required (requireMachine: false): no machine, or a stopped one, is fine.
declare_agent nomachine "image: $IMG" "podman: {requireMachine: false}"
echo "[]" > "$FAKE/list.out"
out=$(doctor nomachine)
is "$(all preflight.machine-exists)" "podman.machine-not-required|info|not required (no Podman machine podman-machine-default: none is defined)|" "no machine, not required: exists step"
is "$(all preflight.machine-running)" "podman.machine-not-required|info|not required (no Podman machine podman-machine-default: none is defined)|" "no machine, not required: running step"
machine list-5.x-applehv.json inspect-5.x-stopped.json
out=$(doctor nomachine)
is "$(all preflight.machine-running)" "podman.machine-not-required|info|not required (Podman machine podman-machine-default is stopped)|" "a stopped machine the agent does not need"
make_config mparams <<'YAML'
checks:
  - {id: m.bad, plugin: podman-machine, check: machine, scope: agent, params: {require: started}}
YAML
cp -R "$CFG/agents.d" "$TMP/mparams/"
out=$(doctor web --config-dir "$TMP/mparams"); rc=$?
is "$rc:$(all m.bad):$(st m.bad)" "3:podman.machine-params|critical|param 'require' is 'started'; expected exists or running|:error" "require neither exists nor running: the check errors"

# --- 8. socket refused (regression) ------------------------------------------------
machine list-5.x-applehv.json inspect-5.x-running.json
unserve
rm -f "$MAC$SOCK"
"$PYTHON" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$MAC$SOCK"
out=$(doctor web); rc=$?
is "$rc" 2 "socket refused: exit 2"
is "$(f preflight.socket code):$(f preflight.socket severity)" "podman.socket-refused:critical" "a stale socket nobody listens on"
is "$(printf '%s' "$out" | jget "[find(i)['status'] for i in ('preflight.image', 'preflight.container-name')]")" '["skipped", "skipped"]' "image and container name are skipped"
is "$(st preflight.image-tag)" ok "the tag, a pure reading, is still judged"
rm -f "$MAC$SOCK"
serve ok

# --- 9. image missing (regression) ---------------------------------------------------
image_missing "$IMG"
out=$(doctor web); rc=$?
is "$rc" 2 "image missing: exit 2"
is "$(all preflight.image)" "podman.image-missing-local|critical|image $IMG is not in local storage: build or \`podman load\` it (it names local storage, which no registry serves: the agent cannot start until then)|" \
    "a localhost/ image missing: build or load it, no command"

# A registry image the agent never pulls (pull: never, the default).
REMOTE=ghcr.io/acme/web:1.2
declare_agent remote "image: $REMOTE" "podman: {requireMachine: true}"
image_missing "$REMOTE"
out=$(doctor remote); rc=$?
is "$rc" 2 "a registry image: exit 2"
is "$(all preflight.image)" "podman.image-missing-local|critical|image $REMOTE is not in local storage, and the agent never pulls (requireLocalImage): it cannot start until the image is pulled by hand from a registry (ghcr.io)|podman pull -- $REMOTE" \
    "not local, never pulled: pull it by hand"
# --- 10. remote tag (regression)
is "$(all preflight.image-tag)" "podman.image-tag-remote|critical|$REMOTE is a registry image; the service must run a localhost/ image|podman tag -- $REMOTE localhost/acme/web:1.2" \
    "remote tag: a registry image, tag it as localhost/"
is "$(f preflight.image-tag remediation)" "Pull it once by hand (podman pull), tag it as localhost/acme/web:1.2, and declare that name (pinned by digest) as the agent's image." "remediation: pull, tag, declare"
declare_agent explicit "image: $REMOTE" "podman: {pull: explicit, requireLocalImage: false, requireMachine: true}"
out=$(doctor explicit)
like "$(f preflight.image message)" "the agent never pulls \(pull: explicit\)" "pull explicit: pulled by hand before, never by the run"
declare_agent pulls "image: $REMOTE" "podman: {pull: always, requireLocalImage: false, requireMachine: true}"
out=$(doctor pulls); rc=$?
is "$(all preflight.image)" "podman.image-will-pull|warning|image $REMOTE is not local: the agent's start will pull it from a registry (ghcr.io) (pull: always)|" "pull always: it will be pulled, a warning"
make_config iparams <<'YAML'
checks:
  - {id: i.bad, plugin: podman-machine, check: image, scope: agent, params: {image: "${agent.image}", pull: sometimes}}
  - {id: i.plain, plugin: podman-machine, check: image, scope: agent, params: {image: "${agent.image}"}}
  - {id: t.list, plugin: podman-machine, check: tag, scope: agent, params: {image: "${agent.image}", allowed: ["localhost/", "ghcr.io/acme/"]}}
  - {id: t.id, plugin: podman-machine, check: tag, scope: agent, params: {image: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}
  - {id: t.digest, plugin: podman-machine, check: tag, scope: agent, params: {image: "docker.io/library/nginx@sha256:0123"}}
YAML
cp -R "$CFG/agents.d" "$TMP/iparams/"
out=$(doctor remote --config-dir "$TMP/iparams"); rc=$?
is "$(all i.bad):$(st i.bad)" "podman.image-params|critical|param 'pull' is 'sometimes'; expected never, explicit, missing, always or newer|:error" "a pull no policy has: the check errors"
is "$(f i.plain code)" podman.direct-registry-image "without pull and require_local: judged as before"
is "$(all t.list)" "podman.image-tag-allowed|info|$REMOTE is a ghcr.io/acme/ image|" "an allowed list: any of its prefixes"
is "$(f t.id message)" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef is not named under localhost/ (it names local storage); the service must run a localhost/ image" "an image ID is no localhost/ name"
is "$(printf '%s' "$out" | jget "find('t.digest')['findings'][0]['commands'][0]")" "podman tag -- docker.io/library/nginx@sha256:0123 localhost/library/nginx" "a digest is dropped from the local name"

# --- 13. container name ------------------------------------------------------------------
image_ok
container running web
out=$(doctor web); rc=$?
is "$rc" 0 "the agent's own container: exit 0"
is "$(all preflight.container-name)" "podman.container-name-ours|info|container sourceos-web is this agent's (label sourceos.agent=web, running): safely replaceable|" "label sourceos.agent=web: ours"
container running -
out=$(doctor web); rc=$?
is "$rc" 2 "someone else's running container: exit 2"
is "$(all preflight.container-name)" "podman.container-name-taken|critical|container sourceos-web is running and is not this agent's (no sourceos.agent label): starting the agent would remove it|podman rename -- sourceos-web sourceos-web-old" \
    "taken: rename it out of the way"
container running api
out=$(doctor web)
like "$(f preflight.container-name message)" "not this agent's \(label sourceos.agent=api\)" "another agent's container is not ours"
container exited -
out=$(doctor web); rc=$?
is "$rc" 1 "a stale container: exit 1"
is "$(all preflight.container-name)" "podman.container-name-stale|warning|container sourceos-web exists (exited) and is not this agent's (no sourceos.agent label): starting the agent would remove it|podman rm -- sourceos-web" \
    "stale: remove it"
container running - 0123abcd
out=$(doctor web)
is "$(f preflight.container-name code)" podman.container-name-free "inspect matched only an ID prefix: the name is free"
answer container 125 "" "Error: permission denied"
out=$(doctor web); rc=$?
is "$rc:$(f preflight.container-name code):$(st preflight.container-name)" "3:podman.container-inspect-failed:error" "inspect failing otherwise: the check errors"

# --- container stuck in stopping (regression) --------------------------------------
container stopping -
make_config stuck <<'YAML'
checks:
  - {id: c.name, plugin: podman-machine, check: container-name, scope: agent, params: {container: "${agent.container}", agent: "${agent.agent}"}}
  - {id: c.state, plugin: podman-machine, check: container, scope: agent, params: {container: "${agent.container}", stopping_threshold_ms: "500"}}
YAML
cp -R "$CFG/agents.d" "$TMP/stuck/"
out=$(PATH="$TMP/bin:/usr/bin:/bin" "$AGENT" doctor web --json --config-dir "$TMP/stuck" --plugin-dir "$BUILD_PLUGINS"); rc=$?
is "$(all c.name)" "podman.container-name-taken|critical|container sourceos-web is stopping and is not this agent's (no sourceos.agent label): starting the agent would remove it|podman rename -- sourceos-web sourceos-web-old" \
    "stuck in stopping, not ours: the name is taken"
is "$(all c.state)" "podman.container-stuck-stopping|critical|container sourceos-web is stuck in 'stopping' (still after 0.5 s)|podman kill -- sourceos-web" \
    "and the container check: stuck in stopping, kill it"
container stopping web
out=$(PATH="$TMP/bin:/usr/bin:/bin" "$AGENT" doctor web --json --config-dir "$TMP/stuck" --plugin-dir "$BUILD_PLUGINS")
is "$(f c.name code)" podman.container-name-ours "our own container stuck in stopping: still ours (the container check reports it)"

# --- an engine that does not answer is not a missing image or container ------------
# A stopped machine's socket: podman's "connect: no such file or directory"
# says nothing of the image or the container (it read as "not local" and
# "the name is free").
DOWN='Cannot connect to Podman. Please verify your connection to the Linux system using `podman system connection list`, or try `podman machine init` and `podman machine start` to manage a new Linux VM
Error: unable to connect to Podman socket: Get "http://d/v4.3.1/libpod/_ping": dial unix /Users/a/m.sock: connect: no such file or directory'
answer container 125 "" "$DOWN"
answer image 125 "" "$DOWN"
cat >> "$TMP/stuck/checks.d/10-test.yaml" <<'YAML'
  - {id: c.image, plugin: podman-machine, check: image, scope: agent, params: {image: "${agent.image}", pull: never, require_local: "true"}}
YAML
out=$(PATH="$TMP/bin:/usr/bin:/bin" "$AGENT" doctor web --json --config-dir "$TMP/stuck" --plugin-dir "$BUILD_PLUGINS"); rc=$?
is "$rc" 3 "engine down: exit 3 (could not decide)"
is "$(f c.name code):$(st c.name)" "podman.container-inspect-failed:error" "engine down: the container name is not judged free"
is "$(f c.state code):$(st c.state)" "podman.container-inspect-failed:error" "engine down: the container is not judged missing"
is "$(f c.image code):$(st c.image)" "podman.image-inspect-failed:error" "engine down: the image is not judged missing"
like "$(f c.image message)" "^'podman image inspect $IMG' failed \(exit 125\): Cannot connect to Podman" "engine down: podman's words"
image_ok

# --- the shipped runtime entry podman.machine is unchanged ---------------------------
mkdir -p "$TMP/shipped/checks.d"
cp "$SOS_SRCDIR/checks.d/00-host.yaml" "$SOS_SRCDIR/checks.d/10-podman.yaml" "$TMP/shipped/checks.d/"
machine list-5.x-applehv.json inspect-5.x-stopped.json
out=$(PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --json --live --root "$MAC" --config-dir "$TMP/shipped" --plugin-dir "$BUILD_PLUGINS")
is "$(printf '%s' "$out" | jget "[c['id'] for c in d['checks'] if c['id'].startswith('podman.')][:2]")" '["podman.binary", "podman.machine"]' "the shipped podman.binary and podman.machine"
is "$(all podman.machine)" "podman.machine-stopped|critical|Podman machine podman-machine-default is stopped: every container start will fail until it runs|podman machine start -- podman-machine-default" "podman.machine: a stopped machine fails as before"
echo "[]" > "$FAKE/list.out"
out=$(PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --json --live --root "$MAC" --config-dir "$TMP/shipped" --plugin-dir "$BUILD_PLUGINS")
is "$(f podman.machine message)" "Podman machine podman-machine-default does not exist (none is defined); on this host containers run only in a machine" "and a missing one as before"
unserve
done_testing
