#!/bin/sh
# podman-machine against real Podman 4.3.1: a local image imported from a
# busybox rootfs, `podman system service` as the remote endpoint (what a
# Mac's machine socket is), real containers in every state, and a real
# registry on 127.0.0.1. Everything runs in private storage under $TMP and
# is stopped on exit (tests/podman-env.sh).
. "$SOS_SRCDIR/tests/lib.sh"
. "$SOS_SRCDIR/tests/podman-env.sh"
podman_env_or_skip
IMG=localhost/sourceos-agent-test:1
podman_import_busybox "$IMG"
mkdir -p "$TMP/home"
export HOME="$TMP/home"   # no host credentials reach these runs
echo '{}' > "$TMP/sourceos-empty-auth.json"
chmod 600 "$TMP/sourceos-empty-auth.json"

out=$(podman run --rm --pull never --authfile "$TMP/sourceos-empty-auth.json" "$IMG" echo hello-from-local-image 2>&1)
is "$out" hello-from-local-image "1. the local image runs with --authfile sourceos-empty-auth.json"

# --- 2. the real remote endpoint
podman_service_start
ok $? "podman system service listens on $PODMAN_SOCK"
out=$(CONTAINER_HOST="$PODMAN_URL" "$SOS" doctor local-runtime --json); rc=$?
is "$rc" 0 "doctor against the live service: exit 0"
is "$(printf '%s' "$out" | jget "find('podman.connection')['status']")" ok "connection check passes"
is "$(printf '%s' "$out" | jget "find('podman.connection')['facts']['podman.endpoint_kind']")" CONTAINER_HOST "the endpoint came from CONTAINER_HOST"
is "$(printf '%s' "$out" | jget "find('podman.info')['facts']['podman.storage_driver']")" vfs "podman.info asked the service (our vfs store)"
like "$(printf '%s' "$out" | jget "' '.join(find('podman.info')['commands'][0]['argv'])")" "^podman --remote --url $PODMAN_URL info" "through that endpoint"

podman_service_stop
out=$(CONTAINER_HOST="$PODMAN_URL" "$SOS" doctor local-runtime --json); rc=$?
is "$rc" 2 "service stopped: exit 2"
is "$(printf '%s' "$out" | jget 'd["summary"]["failure"]')" 1 "exactly one failure"
is "$(printf '%s' "$out" | jget "find('podman.connection')['findings'][0]['code']")" podman.socket-missing "the endpoint's failure"
like "$(printf '%s' "$out" | jget "find('podman.connection')['findings'][0]['commands'][0]")" "podman system service --time=0 $PODMAN_URL" "with the command that starts it"
is "$(printf '%s' "$out" | jget "find('podman.info')['status']")" skipped "what needs it is skipped"
like "$(printf '%s' "$out" | jget "find('podman.info')['reason']")" "^needs podman.connection, which failed: Podman endpoint $PODMAN_URL \(CONTAINER_HOST\) does not answer" "with the reason, the dependency's own"
human=$(CONTAINER_HOST="$PODMAN_URL" "$SOS" doctor local-runtime)
is "$(printf '%s\n' "$human" | grep -c '^FAIL')" 1 "human report: one FAIL line"

# --- 4. containers in every state, through the live service
podman_service_start
make_config agent <<YAML
checks:
  - {id: podman.binary, plugin: podman-machine, check: binary}
  - {id: podman.machine, plugin: podman-machine, check: machine, needs: [podman.binary]}
  - {id: podman.connection, plugin: podman-machine, check: connection, needs: [podman.machine]}
  - {id: c.stuck, plugin: podman-machine, check: container, needs: [podman.connection], params: {container: stuck, stopping_threshold_ms: 1000}}
  - {id: c.exited, plugin: podman-machine, check: container, needs: [podman.connection], params: {container: crashy}}
  - {id: c.created, plugin: podman-machine, check: container, needs: [podman.connection], params: {container: never}}
  - {id: c.running, plugin: podman-machine, check: container, needs: [podman.connection], params: {container: alive}}
  - {id: c.missing, plugin: podman-machine, check: container, needs: [podman.connection], params: {container: nosuch}}
  - {id: i.local, plugin: podman-machine, check: image, needs: [podman.connection], params: {image: "$IMG"}}
  - {id: i.pinned, plugin: podman-machine, check: image, needs: [podman.connection], params: {image: "PINNED"}}
YAML
podman run -d --name stuck --stop-timeout 600 "$IMG" sh -c 'trap "" TERM; while :; do sleep 1; done' >/dev/null
podman stop stuck >/dev/null 2>&1 &
stopper=$!
podman run -d --name crashy --restart on-failure:2 "$IMG" sh -c 'exit 7' >/dev/null
podman create --name never "$IMG" true >/dev/null
podman run -d --name alive "$IMG" sleep 600 >/dev/null
for _ in $(seq 1 100); do   # on-failure:2 restarts twice, then stays exited
    [ "$(podman inspect --format '{{.State.Status}} {{.RestartCount}}' crashy)" = "exited 2" ] && break
    sleep 0.1
done
state=$(podman inspect --format '{{.State.Status}}' stuck)
is "$state" stopping "the container that ignores TERM is stopping"
digest=$(podman image inspect --format '{{.Digest}}' "$IMG")
sed -i "s|PINNED|localhost/sourceos-agent-test@$digest|" "$TMP/agent/checks.d/10-test.yaml"
out=$(CONTAINER_HOST="$PODMAN_URL" "$SOS" doctor local-runtime --json --config-dir "$TMP/agent"); rc=$?
kill "$stopper" 2>/dev/null
is "$rc" 2 "failures found: exit 2"
is "$(printf '%s' "$out" | jget "find('c.stuck')['findings'][0]['code']")" podman.container-stuck-stopping "4. stuck in stopping: a failure"
like "$(printf '%s' "$out" | jget "find('c.stuck')['findings'][0]['commands'][0]")" "^podman kill -- stuck$" "remedy: kill it"
is "$(printf '%s' "$out" | jget "find('c.exited')['findings'][0]['code']")" podman.container-exited "exited container found"
is "$(printf '%s' "$out" | jget "find('c.exited')['findings'][0]['evidence']['exit_code']")" 7 "its exit code"
is "$(printf '%s' "$out" | jget "find('c.exited')['findings'][0]['evidence']['restart_count']")" 2 "its restart count"
is "$(printf '%s' "$out" | jget "find('c.exited')['findings'][0]['evidence']['restart_policy']")" on-failure "its restart policy"
is "$(printf '%s' "$out" | jget "find('c.exited')['status']")" failure "a non-zero exit is a failure"
is "$(printf '%s' "$out" | jget "find('c.created')['findings'][0]['code']")" podman.container-never-started "created but never started"
is "$(printf '%s' "$out" | jget "find('c.running')['status']")" ok "a running container is ok"
is "$(printf '%s' "$out" | jget "find('c.missing')['findings'][0]['code']")" podman.container-missing "a container that does not exist"
is "$(printf '%s' "$out" | jget "find('i.local')['findings'][0]['code']")" podman.image-not-pinned "local image by tag: not pinned"
like "$(printf '%s' "$out" | jget "find('i.local')['findings'][0]['remediation']")" "$digest" "remedy names the digest"
is "$(printf '%s' "$out" | jget "find('i.pinned')['status']")" ok "local image pinned by digest: ok"
is "$(printf '%s' "$out" | jget "find('i.pinned')['findings'][0]['evidence']['digest']")" "$digest" "metadata as evidence: digest"
like "$(printf '%s' "$out" | jget "find('i.pinned')['findings'][0]['evidence']['repo_digests']")" "localhost/sourceos-agent-test@$digest" "RepoDigests"
is "$(printf '%s' "$out" | jget "find('i.pinned')['findings'][0]['evidence']['architecture']")" amd64 "Architecture"
like "$(printf '%s' "$out" | jget "find('i.pinned')['findings'][0]['evidence']['created']")" '^20[0-9][0-9]-' "Created"

# --- the same checks from an agent's declaration: sourceos-agent doctor NAME
mkdir -p "$TMP/acfg/checks.d" "$TMP/acfg/agents.d" "$TMP/web-docker"
cp "$SOS_SRCDIR"/checks.d/*.yaml "$TMP/acfg/checks.d/"
cat > "$TMP/acfg/agents.d/web.yaml" <<YAML
name: web
image: localhost/sourceos-agent-test@$digest
authfile: $TMP/sourceos-empty-auth.json
env: [HOME=$TMP/home, DOCKER_CONFIG=$TMP/web-docker]
YAML
podman run -d --name sourceos-web "localhost/sourceos-agent-test@$digest" sleep 600 >/dev/null
out=$(CONTAINER_HOST="$PODMAN_URL" "$SOS_BUILDDIR/sourceos-agent" doctor web --json --config-dir "$TMP/acfg"); rc=$?
is "$rc $(printf '%s' "$out" | jget "[(c['id'], c['status'], c.get('reason')) for c in d['checks'] if c['status'] not in ('ok', 'skipped')]")" "0 []" "sourceos-agent doctor web: a healthy agent, exit 0"
is "$(printf '%s' "$out" | jget "[find(i)['status'] for i in ('podman.image','podman.container','registry.agent-auth')]")" '["ok", "ok", "ok"]' "image pinned and local, container running, auth isolated"
is "$(printf '%s' "$out" | jget "find('podman.container')['findings'][0]['evidence']['container']")" sourceos-web "the container named after the agent"
podman rm -f -t 0 sourceos-web >/dev/null

# --- 5. an image in a real registry on 127.0.0.1 is not local
if registry_start agent "reg-$$-canary"; then
    podman login --tls-verify=false --authfile "$TMP/reg-auth.json" -u agent -p "reg-$$-canary" "$REGISTRY" >/dev/null 2>&1
    podman tag "$IMG" "$REGISTRY/agent:1"
    podman push -q --tls-verify=false --authfile "$TMP/reg-auth.json" "$REGISTRY/agent:1" >/dev/null 2>&1
    ok $? "pushed the image to the registry at $REGISTRY"
    podman rmi "$REGISTRY/agent:1" >/dev/null 2>&1
    make_config reg <<YAML
checks:
  - {id: podman.binary, plugin: podman-machine, check: binary}
  - {id: podman.machine, plugin: podman-machine, check: machine, needs: [podman.binary]}
  - {id: podman.connection, plugin: podman-machine, check: connection, needs: [podman.machine]}
  - {id: i.remote, plugin: podman-machine, check: image, needs: [podman.connection], params: {image: "$REGISTRY/agent:1"}}
YAML
    out=$(REGISTRY_AUTH_FILE="$TMP/reg-auth.json" CONTAINER_HOST="$PODMAN_URL" "$SOS" doctor local-runtime --json --config-dir "$TMP/reg"); rc=$?
    is "$rc" 2 "an image only in the registry: exit 2"
    is "$(printf '%s' "$out" | jget "find('i.remote')['findings'][0]['code']")" podman.direct-registry-image "flagged as a direct registry runtime image"
    is "$(printf '%s' "$out" | jget "find('i.remote')['findings'][0]['evidence']['registry']")" "$REGISTRY" "naming the registry it would be pulled from"
    podman pull -q --tls-verify=false --authfile "$TMP/reg-auth.json" "$REGISTRY/agent:1" >/dev/null 2>&1
    out=$(CONTAINER_HOST="$PODMAN_URL" "$SOS" doctor local-runtime --json --config-dir "$TMP/reg")
    is "$(printf '%s' "$out" | jget "find('i.remote')['findings'][0]['code']")" podman.image-not-pinned "once pulled it is local (by tag, not pinned)"
    registry_stop
else
    is "docker-registry" "running" "5. a registry on 127.0.0.1 (.ci/run installs docker-registry and apache2-utils)"
fi
podman_cleanup
is "$(podman_leftovers)" "" "nothing this test started is still running"
done_testing
