#!/bin/sh
# The preflight's agent checks, agent.authfile and agent.log-dir, driven by
# `sourceos-agent doctor NAME --root TREE` over a Debian tree whose alice owns
# her home: one run per failure code (code, severity, message, exact
# command), the good state, the regression "log dir missing", and proof that
# an auth file's credentials never reach the output.
. "$SOS_SRCDIR/tests/lib.sh"
AGENT="$SOS_BUILDDIR/sourceos-agent"
C=/home/alice/.config/containers
AF=$C/sourceos-empty-auth.json
LD=/home/alice/.local/state/sourceos/logs
make_config cfg 50-preflight.yaml <<'YAML'
checks:
  - id: preflight.authfile
    plugin: agent
    check: authfile
    scope: agent
    timeout: 10
    params: {auth.mode: "${agent.auth.mode}", authfile: "${agent.authfile}", user: "${agent.user}", account: "${agent.account}"}
  - id: preflight.log-dir
    plugin: agent
    check: log-dir
    scope: agent
    timeout: 10
    params: {logs.app: "${agent.logs.app}", logs.stdout: "${agent.logs.stdout}", logs.stderr: "${agent.logs.stderr}", user: "${agent.user}", account: "${agent.account}"}
YAML
mkdir -p "$TMP/cfg/agents.d"
printf 'name: web\nimage: localhost/web:1\n' > "$TMP/cfg/agents.d/web.yaml"
printf 'name: shared\nimage: localhost/shared:1\nauth: {mode: service-account}\nlogs: {app: /home/alice/shared/app.log, stdout: %s/o.log, stderr: %s/e.log}\n' \
    "$LD" "$LD" > "$TMP/cfg/agents.d/shared.yaml"
# new_tree: a Debian tree, alice's empty auth file and log directory in place.
new_tree() {
    T="$TMP/tree"
    rm -rf "$T"
    cp -R "$FIXTURES/roots/debian" "$T"
    mkdir -p "$T$C" "$T$LD"
    chmod 700 "$T$LD"
    printf '{ "auths": {\n} }\n' > "$T$AF"
    chmod 600 "$T$AF"
}
run() { out=$(HOME=/home/alice "$AGENT" doctor "${1:-web}" --json --root "$T" --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/cfg"); rc=$?; }
q() { printf '%s' "$out" | jget "$1"; }
codes() { q "[f['code'] for f in find('$1')['findings']]"; }
# fnd CHECK CODE FIELD: FIELD of the first finding of CHECK with CODE
fnd() { q "[f for f in find('$1')['findings'] if f['code']=='$2'][0]['$3']"; }
# expect CHECK CODE SEVERITY MESSAGE COMMANDS DESCRIPTION: the one finding of CHECK
expect() {
    is "$(codes "$1")" "[\"$2\"]" "$6: $2 alone"
    is "$(fnd "$1" "$2" severity)" "$3" "$6: severity $3"
    is "$(fnd "$1" "$2" message)" "$4" "$6: message"
    is "$(fnd "$1" "$2" commands)" "$5" "$6: command"
}

# ---- the good state --------------------------------------------------------------
new_tree
run
is "$rc" 0 "good: exit 0"
is "$(q "find('preflight.authfile')['status']")/$(q "find('preflight.log-dir')['status']")" ok/ok "good: both ok"
expect preflight.authfile agent.authfile-empty info "$AF holds only {\"auths\":{}} (mode 0600, owned by alice)" "[]" "good auth file"
is "$(fnd preflight.authfile agent.authfile-empty evidence | jget 'd["agent_user_from"]')" "the owner of /home/alice" "the agent's user is the owner of the home"
expect preflight.log-dir agent.log-dir-ok info "$LD exists, is alice's and not writable by others" "[]" "good log dir"

# ---- auth file: missing ----------------------------------------------------------
new_tree
rm -r "$T$C"
run
is "$rc" 2 "missing: exit 2"
expect preflight.authfile agent.authfile-missing critical \
    "$AF does not exist: podman refuses a --authfile that is missing" \
    "[\"mkdir -p $C && printf '{\\\"auths\\\":{}}' > $AF && chmod 600 $AF\"]" "missing auth file"

# ---- auth file: credentials in it, never shown -------------------------------------
new_tree
SECRET=c291cmNlb3M6aHVudGVyMi1zM2NyM3QtdG9rZW4=
printf '{"auths":{"ghcr.io":{"auth":"%s"}},"credHelpers":{"gcr.io":"gcloud"}}\n' "$SECRET" > "$T$AF"
run
expect preflight.authfile agent.authfile-not-empty critical \
    "$AF is not empty: it holds credentials for 1 registry (ghcr.io) and the key credHelpers, which the agent's podman would use" \
    "[]" "credentials in the auth file"
unlike "$out" "$SECRET|hunter2|s3cr3t" "the auth value (nor its decoded password) is nowhere in the JSON report"
human=$(HOME=/home/alice "$AGENT" doctor web --root "$T" --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/cfg" 2>&1)
unlike "$human" "$SECRET|hunter2|s3cr3t" "nor in the human report"
like "$human" "agent.authfile-not-empty" "(the human report does name the finding)"
printf '{"auths":{},"credsStore":"osxkeychain"}' > "$T$AF"
run
is "$(fnd preflight.authfile agent.authfile-not-empty message)" \
    "$AF is not empty: it holds the key credsStore, which the agent's podman would use" "a credsStore alone is not empty either"

# ---- auth file: not the object {"auths":{}} ----------------------------------------
printf '{"auths": {' > "$T$AF"
run
is "$(codes preflight.authfile)/$(fnd preflight.authfile agent.authfile-invalid severity)" '["agent.authfile-invalid"]/critical' "not JSON: invalid, critical"
like "$(fnd preflight.authfile agent.authfile-invalid message)" "^$AF is not the JSON object \\{\"auths\":\\{\\}\\}: it is not JSON \\(line 1, column [0-9]+: " "not JSON: where, not what"
is "$(fnd preflight.authfile agent.authfile-invalid commands)" "[\"printf '{\\\"auths\\\":{}}\\\\n' > $AF\"]" "not JSON: the command rewrites it"
is "$(fnd preflight.authfile agent.authfile-invalid evidence | jget 'd["line"]')" 1 "not JSON: evidence line"
printf '{"auths":[]}' > "$T$AF"
run
is "$(fnd preflight.authfile agent.authfile-invalid message)" "$AF is not the JSON object {\"auths\":{}}: auths is not an object" "auths as an array: invalid"
printf '{}' > "$T$AF"
run
is "$(fnd preflight.authfile agent.authfile-invalid message)" "$AF is not the JSON object {\"auths\":{}}: it has no auths object" "{} without auths: invalid"

# ---- auth file: unsafe ---------------------------------------------------------------
new_tree
chmod 666 "$T$AF"
run
expect preflight.authfile agent.authfile-unsafe critical \
    "$AF is writable by others: someone other than the agent's user could put credentials or a credential helper in it" \
    "[\"chmod 600 -- $AF\"]" "world-writable auth file"
chmod 620 "$T$AF"
run
is "$(fnd preflight.authfile agent.authfile-unsafe message)" "$AF is writable by its group: someone other than the agent's user could put credentials or a credential helper in it" "group-writable auth file"
new_tree
mv "$T$AF" "$T$C/real.json"
ln -s /etc/passwd "$T$AF"
run
expect preflight.authfile agent.authfile-unsafe critical \
    "$AF is a symlink (to /etc/passwd), not a regular file: someone other than the agent's user could put credentials or a credential helper in it" \
    "[\"rm $AF && printf '{\\\"auths\\\":{}}\\\\n' > $AF\"]" "symlinked auth file"
new_tree
rm "$T$AF"; mkdir "$T$AF"
run
is "$(codes preflight.authfile)/$(fnd preflight.authfile agent.authfile-unsafe message)" \
    "[\"agent.authfile-unsafe\"]/$AF is not a regular file: someone other than the agent's user could put credentials or a credential helper in it" "a directory is not an auth file"
if [ "$(id -u)" -eq 0 ]; then
    new_tree
    chown 1000 "$T/home/alice"
    run
    expect preflight.authfile agent.authfile-unsafe critical \
        "$AF is not owned by the agent's user: someone other than the agent's user could put credentials or a credential helper in it" \
        "[\"sudo chown -- alice $AF\"]" "auth file of another user"
    is "$(fnd preflight.authfile agent.authfile-unsafe evidence | jget '[d["owner_uid"], d["agent_uid"]]')" '["0", "1000"]' "owner and agent uid as evidence"
else
    _n=$((_n + 1)); echo "ok $_n # SKIP a file of another user needs root"
fi

# ---- host auth: nothing to check, said --------------------------------------------
new_tree
mkdir -p "$T/home/alice/shared"; chmod 700 "$T/home/alice/shared"
run shared
is "$(q "find('preflight.authfile')['status']")" warning "service-account auth: a warning"
is "$(fnd preflight.authfile agent.authfile-host-auth message)" \
    "host auth (not isolated): auth mode service-account lets the agent's podman use the host's registry credentials" "host auth said"
is "$(fnd preflight.authfile agent.authfile-host-auth severity)" warning "host auth: warning"
is "$(fnd preflight.log-dir agent.log-dir-ok message)" "/home/alice/shared, $LD exist, are alice's and not writable by others" "two log directories, one finding"

# ---- log dir missing (regression) ---------------------------------------------------
new_tree
rm -r "$T/home/alice/.local"
run
is "$rc" 2 "log dir missing: exit 2"
expect preflight.log-dir agent.log-dir-missing critical \
    "$LD does not exist: the service cannot open its log (logs.app) and fails to start" \
    "[\"mkdir -p -m 700 $LD\"]" "log dir missing"

# ---- log dir: unsafe, not writable --------------------------------------------------
new_tree
chmod 1777 "$T$LD"
run
expect preflight.log-dir agent.log-dir-unsafe critical \
    "$LD is writable by every user (mode 1777): another user could replace the agent's logs or read them" \
    "[\"chmod 700 $LD\"]" "world-writable log dir"
chmod 770 "$T$LD"
run
is "$(fnd preflight.log-dir agent.log-dir-unsafe message)" "$LD is writable by its group (mode 0770): another user could replace the agent's logs or read them" "group-writable log dir"
new_tree
chmod 500 "$T$LD"
run
expect preflight.log-dir agent.log-dir-not-writable critical \
    "$LD is alice's but not writable by its owner: the agent cannot write its log there (logs.app)" \
    "[\"chmod 700 $LD\"]" "read-only log dir"
new_tree
rmdir "$T$LD"; : > "$T$LD"
run
expect preflight.log-dir agent.log-dir-not-writable critical \
    "$LD is not a directory: the service cannot open its log (logs.app)" "[]" "a file where the log dir goes"
if [ "$(id -u)" -eq 0 ]; then
    new_tree
    chown 1000 "$T/home/alice"
    run
    expect preflight.log-dir agent.log-dir-not-writable critical \
        "$LD belongs to uid 0, not to alice: the agent cannot write its log there (logs.app)" \
        "[\"sudo chown -- alice $LD\"]" "log dir of another user"
    new_tree
    chown 1000 "$T/home/alice"
    chmod 1777 "$T$LD"
    run
    is "$(fnd preflight.log-dir agent.log-dir-unsafe commands)/$(fnd preflight.log-dir agent.log-dir-unsafe remediation)" \
        "[]/Put the agent's logs in a private directory of its user's (logs.app, logs.stdout, logs.stderr in the declaration; the default is ~/Library/Logs/SourceOS on macOS, ~/.local/state/sourceos/logs on Linux)." \
        "a shared directory like /tmp (1777, root's): no chmod, move the logs"
else
    _n=$((_n + 2)); echo "ok $((_n - 1)) # SKIP directories of another user need root"; echo "ok $_n # SKIP directories of another user need root"
fi
done_testing
