#!/bin/sh
# The incident's credential-helper poisoning, for real: a remote podman (the
# path every Mac and Windows machine takes) runs every credHelpers helper on
# `podman run`, even for a local image with --pull never, and one helper that
# cannot work non-interactively fails the run. doctor must flag it; the
# agent's isolated environment (empty auth file + its own DOCKER_CONFIG)
# must run, and doctor must say the agent's auth is isolated.
. "$SOS_SRCDIR/tests/lib.sh"
. "$SOS_SRCDIR/tests/podman-env.sh"
podman_env_or_skip
IMG=localhost/sourceos-agent-test:1
podman_import_busybox "$IMG"
podman_service_start || { is "service" "started" "podman system service starts"; done_testing; exit 0; }

# The poisoned host: gcr.io's helper needs an interactive login; us.gcr.io's
# helper is not installed at all.
H="$TMP/home"
mkdir -p "$H/.docker" "$TMP/helpers"
cat > "$H/.docker/config.json" <<'JSON'
{"credHelpers": {"gcr.io": "gcloud", "us.gcr.io": "missing-helper"}}
JSON
cat > "$TMP/helpers/docker-credential-gcloud" <<'SH'
#!/bin/sh
echo "ERROR: (gcloud.auth.docker-helper) You do not currently have an active account selected. Run: gcloud auth login" >&2
exit 1
SH
chmod +x "$TMP/helpers/docker-credential-gcloud"
HOST_PATH="$TMP/helpers:/usr/sbin:/usr/bin:/sbin:/bin"

# The agent's own environment, as the generated wrapper sets it up.
A="$TMP/agent"
mkdir -p "$A/docker"
echo '{}' > "$A/sourceos-empty-auth.json"
chmod 600 "$A/sourceos-empty-auth.json"

err=$(env HOME="$H" PATH="$HOST_PATH" podman --remote --url "$PODMAN_URL" run --rm --pull never "$IMG" echo ran 2>&1 >/dev/null); rc=$?
ok $(( rc == 0 )) "poisoned host: remote 'podman run' of a local image fails (exit $rc)"
like "$err" "error getting credentials" "because a credential helper failed"

out=$(env HOME="$H" PATH="$HOST_PATH" podman --remote --url "$PODMAN_URL" run --rm --pull never \
    --authfile "$A/sourceos-empty-auth.json" "$IMG" echo ran 2>&1); rc=$?
ok $(( rc == 0 )) "an empty --authfile alone does not help before podman 4.4 (exit $rc)"

out=$(env HOME="$H" PATH="$HOST_PATH" DOCKER_CONFIG="$A/docker" podman --remote --url "$PODMAN_URL" \
    run --rm --pull never --authfile "$A/sourceos-empty-auth.json" "$IMG" echo ran 2>&1); rc=$?
is "$rc" 0 "isolated (empty authfile + own DOCKER_CONFIG): the same run succeeds"
is "$out" ran "and the container ran"

mkdir -p "$TMP/cfg/checks.d"
cp "$SOS_SRCDIR"/checks.d/*.yaml "$TMP/cfg/checks.d/"
mkdir -p "$TMP/cfg/agents.d"
cat > "$TMP/cfg/agents.d/web.yaml" <<YAML
name: web
image: $IMG
auth: empty-authfile
authfile: $A/sourceos-empty-auth.json
env: [HOME=$H, DOCKER_CONFIG=$A/docker]
YAML
doctor() { env HOME="$H" PATH="$HOST_PATH" CONTAINER_HOST="$PODMAN_URL" "$SOS_BUILDDIR/sourceos-agent" doctor web --config-dir "$TMP/cfg" "$@"; }
out=$(doctor --json); rc=$?
is "$rc" 2 "doctor on the poisoned host: exit 2"
is "$(printf '%s' "$out" | jget "find('podman.connection')['status']")" ok "the endpoint itself is fine"
is "$(printf '%s' "$out" | jget "find('podman.connection')['facts']['podman.remote']")" true "and remote"
is "$(printf '%s' "$out" | jget "find('registry.cred-helpers')['status']")" failure "credential-helper risk is a failure"
risk=$(printf '%s' "$out" | jget "[f for f in find('registry.cred-helpers')['findings'] if f['code']=='registry.cred-helper-risk'][0]")
like "$risk" "gcr\.io" "names gcr.io"
like "$risk" "gcloud" "and its helper"
like "$risk" "us\.gcr\.io" "names us.gcr.io"
like "$risk" "missing-helper" "and the missing helper"
like "$(printf '%s' "$risk" | jget "d['remediation']")" "auth file" "remediation: an empty auth file"
like "$(printf '%s' "$risk" | jget "' '.join(d['commands'])")" "DOCKER_CONFIG=.*--authfile" "with the isolated command"
is "$(printf '%s' "$out" | jget "find('registry.agent-auth')['status']")" ok "sourceos-agent doctor web: the agent's auth is isolated"
is "$(printf '%s' "$out" | jget "find('podman.image')['findings'][0]['code']")" podman.image-not-pinned "its image (from the declaration) is local, by tag"
is "$(printf '%s' "$out" | jget "find('registry.agent-auth')['findings'][0]['code']")" registry.agent-auth-isolated "and says so"
human=$(doctor)
like "$human" "registry\.cred-helper-risk" "human report shows the risk"

# The declaration's env goes to the container: podman gets the wrapper's own
# DOCKER_CONFIG (STATE/docker-config) without it too, and is isolated.
sed -i "s|env: \[HOME=$H, DOCKER_CONFIG=$A/docker\]|env: [HOME=$H]|" "$TMP/cfg/agents.d/web.yaml"
out=$(doctor --json)
is "$(printf '%s' "$out" | jget "find('registry.agent-auth')['status']")" ok "without DOCKER_CONFIG in its env: isolated by the wrapper's own"
# The host's helpers in that private DOCKER_CONFIG are what podman would run.
case "${XDG_STATE_HOME:-}" in /*) PDC=$XDG_STATE_HOME ;; *) PDC=$H/.local/state ;; esac
PDC=$PDC/sourceos/agents/web/docker-config
mkdir -p "$PDC"
cp "$H/.docker/config.json" "$PDC/config.json"
out=$(doctor --json)
is "$(printf '%s' "$out" | jget "find('registry.agent-auth')['status']")" failure "helpers in the wrapper's DOCKER_CONFIG: not isolated"
leak=$(printf '%s' "$out" | jget "find('registry.agent-auth')['findings'][0]")
is "$(printf '%s' "$leak" | jget "d['code']")" registry.agent-auth-leaks "a leak finding"
like "$leak" "$PDC/config.json" "naming the file that leaks"
like "$leak" "gcr\.io" "and what it holds"
podman_cleanup
is "$(podman_leftovers)" "" "nothing this test started is still running"
done_testing
