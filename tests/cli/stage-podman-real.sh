#!/bin/sh
# The generated wrapper against real Podman 4.3.1, run by hand (no service
# manager): a remote endpoint (`podman system service`, what a Mac's machine
# socket is) reached through a named connection, a local busybox image, the
# empty auth file, and the host poisoned as in tests/cli/cred-helper-real.sh
# (a credHelpers entry whose helper cannot log in non-interactively). The
# wrapper must still start the container; with the service stopped it must
# exit 21 with one log line and start no container.
. "$SOS_SRCDIR/tests/lib.sh"
. "$SOS_SRCDIR/tests/podman-env.sh"
podman_env_or_skip
AGENT="$SOS_BUILDDIR/sourceos-agent"
IMG=localhost/sourceos-agent-test:1
podman_import_busybox "$IMG"
podman_service_start || { is service started "podman system service starts"; done_testing; exit 0; }
podman system connection add sos-test "$PODMAN_URL" >/dev/null 2>&1
ok $? "a named connection to the service (in this test's containers.conf)"

# The poisoned host.
mkdir -p "$HOME/.docker" "$TMP/helpers" "$HOME/.config/containers"
printf '{"credHelpers": {"gcr.io": "gcloud"}}\n' > "$HOME/.docker/config.json"
cat > "$TMP/helpers/docker-credential-gcloud" <<'SH'
#!/bin/sh
echo "ERROR: You do not currently have an active account selected. Run: gcloud auth login" >&2
exit 1
SH
chmod +x "$TMP/helpers/docker-credential-gcloud"
HOST_PATH="$TMP/helpers:/usr/sbin:/usr/bin:/sbin:/bin"
err=$(env PATH="$HOST_PATH" podman --connection sos-test run --rm --pull never "$IMG" true 2>&1); rc=$?
ok $(( rc == 0 )) "the poisoned host: a plain remote run of the local image fails (exit $rc)"

printf '{"auths":{}}\n' > "$HOME/.config/containers/sourceos-empty-auth.json"
chmod 600 "$HOME/.config/containers/sourceos-empty-auth.json"
# The declaration as a Mac's would say it (launchd, a named connection),
# without the machine check (the service here is not a podman machine);
# the app log under $XDG_STATE_HOME, the plist's stdout/stderr outside /tmp.
mkdir -p "$TMP/cfg/agents.d" "$TMP/xdg-state/sourceos/logs"
cat > "$TMP/cfg/agents.d/web.yaml" <<YAML
name: web
image: $IMG
backend: launchd
podman: {connection: sos-test, requireMachine: false}
lifecycle: {maxRestartsPerHour: 10}
env: [GREETING=hello-from-wrapper]
args: [sh, -c, 'echo "\$GREETING"']
logs: {stdout: /var/log/sourceos-test/web.out.log, stderr: /var/log/sourceos-test/web.err.log}
YAML
XDG_STATE_HOME="$TMP/xdg-state" "$AGENT" stage web --json --config-dir "$TMP/cfg" \
    --plugin-dir "$SOS_BUILDDIR/plugins/.libs" > "$TMP/stage.json"; rc=$?
is "$rc" 0 "staged, every lint passing (shellcheck, plist round trip, launchd.lint)"
WRAPPER=$(jget 'd["wrapper"]' < "$TMP/stage.json")
STATE="$TMP/xdg-state/sourceos/agents/web"
LOGF="$TMP/xdg-state/sourceos/logs/web.log"
is "$(readlink "$STATE/current")" generations/1 "generation 1 is current"

out=$(env PATH="$HOST_PATH" sh "$WRAPPER" 2>&1); rc=$?
is "$rc $out" "0 hello-from-wrapper" "the wrapper runs the container despite the poisoned host"
is "$(cat "$LOGF" 2>/dev/null)" "" "and logs nothing"
is "$(podman ps -a --format '{{.Names}}' | grep -c .)" 0 "--rm: no container left"
is "$(grep -c . "$STATE/restarts")" 1 "the start is in the restart budget"

podman_service_stop
out=$(env PATH="$HOST_PATH" sh "$WRAPPER" 2>&1); rc=$?
is "$rc" 21 "service stopped: the wrapper exits 21 (socket)"
is "$(grep -c . "$LOGF")" 1 "with one log line"
like "$(cat "$LOGF")" "sourceos-agent\[web\]: the podman service does not answer within 20s" "saying what failed"
is "$(podman ps -a --format '{{.Names}}' | grep -c .)" 0 "and no container was created"
done_testing
