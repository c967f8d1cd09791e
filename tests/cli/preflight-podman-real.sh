#!/bin/sh
# The preflight's Podman steps against real Podman (4.3.1 here), through
# `sourceos-agent doctor NAME`: `podman system service` as the endpoint (what
# a Mac's machine socket is), a local busybox image, and real containers
# holding the agent's name. The commands the findings suggest are run as
# given, and must do what they say. Private storage under $TMP
# (tests/podman-env.sh); skipped where real podman cannot run.
. "$SOS_SRCDIR/tests/lib.sh"
. "$SOS_SRCDIR/tests/podman-env.sh"
podman_env_or_skip
AGENT="$SOS_BUILDDIR/sourceos-agent"
IMG=localhost/sourceos-agent-test:1
podman_import_busybox "$IMG"
digest=$(podman image inspect --format '{{.Digest}}' "$IMG")
PINNED="localhost/sourceos-agent-test@$digest"
podman_service_start
ok $? "podman system service listens on $PODMAN_SOCK"

CFG="$TMP/cfg"
make_config cfg 50-preflight.yaml <<'YAML'
checks:
  - {id: preflight.podman, plugin: podman-machine, check: binary, scope: agent}
  - {id: preflight.podman-version, plugin: podman-machine, check: version, needs: [preflight.podman], scope: agent, params: {min: "4.0"}}
  - id: preflight.machine-exists
    plugin: podman-machine
    check: machine
    needs: [preflight.podman]
    scope: agent
    params: {require: exists, machine: "${agent.podman.connection}", required: "${agent.podman.requireMachine}"}
  - id: preflight.machine-running
    plugin: podman-machine
    check: machine
    needs: [preflight.machine-exists]
    scope: agent
    params: {require: running, machine: "${agent.podman.connection}", required: "${agent.podman.requireMachine}"}
  - {id: preflight.socket, plugin: podman-machine, check: connection, needs: [preflight.machine-running], scope: agent}
  - id: preflight.image
    plugin: podman-machine
    check: image
    needs: [preflight.socket]
    scope: agent
    params: {image: "${agent.image}", pull: "${agent.podman.pull}", require_local: "${agent.podman.requireLocalImage}"}
  - {id: preflight.image-tag, plugin: podman-machine, check: tag, scope: agent, params: {image: "${agent.image}", allowed: ["localhost/"]}}
  - id: preflight.container-name
    plugin: podman-machine
    check: container-name
    needs: [preflight.socket]
    scope: agent
    params: {container: "${agent.container}", agent: "${agent.agent}"}
YAML
mkdir -p "$CFG/agents.d"
printf 'name: web\nimage: %s\npodman: {requireMachine: false}\n' "$PINNED" > "$CFG/agents.d/web.yaml"
doctor() { CONTAINER_HOST="$PODMAN_URL" "$AGENT" doctor "$1" --json --config-dir "$CFG" --plugin-dir "$BUILD_PLUGINS"; }
f() { printf '%s' "$out" | jget "find('$1')['findings'][0]['$2']"; }
cmd() { printf '%s' "$out" | jget "find('$1')['findings'][0]['commands'][0]"; }
version=$(podman --version | sed 's/^podman version //')

# --- the good state, on Linux as root (no machine needed, none asked for)
out=$(doctor web); rc=$?
is "$rc" 0 "a free name, the pinned local image, the live service: exit 0"
is "$(f preflight.podman-version message)" "podman $version (4.0 or later needed)" "the real version, supported"
is "$(f preflight.machine-exists code):$(f preflight.machine-running code)" "podman.machine-not-required:podman.machine-not-required" "requireMachine false: both machine steps say not required"
like "$(f preflight.machine-running message)" "^not required \(no Podman machine podman-machine-default: podman machine does not run as root\)$" "why: no machine as root"
is "$(f preflight.image code)" podman.image-local "local image present, pinned"
is "$(f preflight.image-tag code)" podman.image-tag-allowed "a localhost/ image"
is "$(f preflight.container-name message)" "container name sourceos-web is free" "no container holds the name"

# --- the agent's own container (as its wrapper runs it: labelled)
podman run -d --name sourceos-web --label sourceos.agent=web "$PINNED" sleep 600 >/dev/null
out=$(doctor web); rc=$?
is "$rc:$(f preflight.container-name code)" "0:podman.container-name-ours" "labelled sourceos.agent=web: ours, exit 0"
podman rm -f -t 0 sourceos-web >/dev/null

# --- someone else's running container: taken; the suggested rename frees the name
podman run -d --name sourceos-web "$PINNED" sleep 600 >/dev/null
out=$(doctor web); rc=$?
is "$rc:$(f preflight.container-name code):$(f preflight.container-name severity)" "2:podman.container-name-taken:critical" "an unlabelled running container: taken, exit 2"
is "$(cmd preflight.container-name)" "podman rename -- sourceos-web sourceos-web-old" "the command: rename it"
sh -c "$(cmd preflight.container-name)" >/dev/null 2>&1
ok $? "the command runs"
out=$(doctor web)
is "$(f preflight.container-name code)" podman.container-name-free "after it the name is free"
is "$(podman ps -a --format '{{.Names}}')" sourceos-web-old "and the container still runs, renamed"
podman rm -f -t 0 sourceos-web-old >/dev/null

# --- a stopped one: stale; the suggested rm frees it
podman create --name sourceos-web "$PINNED" true >/dev/null
out=$(doctor web); rc=$?
is "$rc:$(f preflight.container-name code)" "1:podman.container-name-stale" "a created, never started container: stale, exit 1"
like "$(f preflight.container-name message)" "^container sourceos-web exists \(created\) and is not this agent's \(no sourceos.agent label\)" "says its state"
sh -c "$(cmd preflight.container-name)" >/dev/null 2>&1
out=$(doctor web)
is "$(f preflight.container-name code)" podman.container-name-free "podman rm -- sourceos-web freed it"

# --- stuck in stopping (regression): it ignores TERM, and is not ours
podman run -d --name sourceos-web --stop-timeout 600 "$PINNED" sh -c 'trap "" TERM; while :; do sleep 1; done' >/dev/null
podman stop sourceos-web >/dev/null 2>&1 &
stopper=$!
for _ in $(seq 1 50); do
    [ "$(podman inspect --format '{{.State.Status}}' sourceos-web)" = stopping ] && break
    sleep 0.1
done
out=$(doctor web)
is "$(f preflight.container-name code)" podman.container-name-taken "stuck in stopping: the name is taken"
like "$(f preflight.container-name message)" "^container sourceos-web is stopping and is not this agent's" "its state said"
kill "$stopper" 2>/dev/null
podman kill -s KILL sourceos-web >/dev/null 2>&1
podman rm -f -t 0 sourceos-web >/dev/null 2>&1

# --- image missing (regression)
printf 'name: gone\nimage: localhost/nosuch:1\npodman: {requireMachine: false}\n' > "$CFG/agents.d/gone.yaml"
out=$(doctor gone); rc=$?
is "$rc:$(f preflight.image code)" "2:podman.image-missing-local" "a localhost/ image not in storage: missing, exit 2"

# --- remote tag (regression): a registry name, here only local; the suggested tag fixes it
podman tag "$IMG" quay.io/acme/web:1
printf 'name: remote\nimage: quay.io/acme/web:1\npodman: {requireMachine: false}\n' > "$CFG/agents.d/remote.yaml"
out=$(doctor remote); rc=$?
is "$(f preflight.image-tag code):$(f preflight.image-tag message)" "podman.image-tag-remote:quay.io/acme/web:1 is a registry image; the service must run a localhost/ image" "remote tag: a registry image"
is "$(cmd preflight.image-tag)" "podman tag -- quay.io/acme/web:1 localhost/acme/web:1" "the command: tag it as localhost/"
sh -c "$(cmd preflight.image-tag)" >/dev/null 2>&1
podman image exists localhost/acme/web:1
ok $? "the command made localhost/acme/web:1"
printf 'name: remote\nimage: localhost/acme/web:1\npodman: {requireMachine: false}\n' > "$CFG/agents.d/remote.yaml"
out=$(doctor remote)
is "$(f preflight.image-tag code):$(f preflight.image code)" "podman.image-tag-allowed:podman.image-not-pinned" "declared under that name: allowed, local (by tag)"

podman_cleanup
is "$(podman_leftovers)" "" "nothing this test started is still running"
done_testing
