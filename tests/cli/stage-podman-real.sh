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
TOOL="$SOS_BUILDDIR/tests/tools/stage-tool"
IMG=localhost/sourceos-agent-test:1
podman_import_busybox "$IMG"
podman_service_start || { is service started "podman system service starts"; done_testing; exit 0; }
podman system connection add sos-test "$PODMAN_URL" >/dev/null 2>&1
ok $? "a named connection to the service (in this test's containers.conf)"

# The poisoned host.
mkdir -p "$HOME/.docker" "$TMP/helpers" "$HOME/.config/containers" "$TMP/logs"
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
out=$("$TOOL" --state-dir "$TMP/state" --home "$HOME" --backend launchd --os macos \
    --require-machine 0 --connection sos-test --image "$IMG" --log "$TMP/logs/web.log" \
    --max 10 --env GREETING=hello-from-wrapper -- sh -c 'echo "$GREETING"' 2>&1); rc=$?
is "$rc" 0 "staged, every lint passing (shellcheck, plist round trip)"
WRAPPER=$(printf '%s\n' "$out" | head -1)
is "$(readlink "$TMP/state/current")" generations/1 "generation 1 is current"

out=$(env PATH="$HOST_PATH" sh "$WRAPPER" 2>&1); rc=$?
is "$rc $out" "0 hello-from-wrapper" "the wrapper runs the container despite the poisoned host"
is "$(cat "$TMP/logs/web.log" 2>/dev/null)" "" "and logs nothing"
is "$(podman ps -a --format '{{.Names}}' | grep -c .)" 0 "--rm: no container left"
is "$(grep -c . "$TMP/state/restarts")" 1 "the start is in the restart budget"

podman_service_stop
out=$(env PATH="$HOST_PATH" sh "$WRAPPER" 2>&1); rc=$?
is "$rc" 21 "service stopped: the wrapper exits 21 (socket)"
is "$(grep -c . "$TMP/logs/web.log")" 1 "with one log line"
like "$(cat "$TMP/logs/web.log")" "sourceos-agent\[web\]: the podman service does not answer within 20s" "saying what failed"
is "$(podman ps -a --format '{{.Names}}' | grep -c .)" 0 "and no container was created"
done_testing
