#!/bin/sh
# registry-auth against real components: Debian's docker-registry with
# htpasswd auth on 127.0.0.1, a real `podman login` writing the auth file,
# the real podman's version deciding how the chain is read, and the password
# never reaching any output format.
. "$SOS_SRCDIR/tests/lib.sh"
. "$SOS_SRCDIR/tests/podman-env.sh"

podman_env_or_skip
command -v docker-registry >/dev/null 2>&1 || skip_all "docker-registry is not installed"
command -v htpasswd >/dev/null 2>&1 || skip_all "htpasswd (apache2-utils) is not installed"

REG="$TMP/registry"
_registry_pid=
registry_stop() {
    [ -n "$_registry_pid" ] || return 0
    kill "$_registry_pid" 2>/dev/null
    wait "$_registry_pid" 2>/dev/null
    _registry_pid=
}
trap 'registry_stop; podman_cleanup; _cleanup' EXIT

free_port() {
    "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Answers once the registry serves /v2/ (401 without credentials).
registry_answers() {
    "$PYTHON" - "$1" <<'PY'
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen("http://127.0.0.1:%s/v2/" % sys.argv[1], timeout=1)
except urllib.error.HTTPError as e:
    sys.exit(0 if e.code == 401 else 1)
except Exception:
    sys.exit(1)
PY
}

registry_start() {
    mkdir -p "$REG/data"
    htpasswd -Bbn sosuser "$PASS" > "$REG/htpasswd"
    cat > "$REG/config.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $REG/data
http:
  addr: 127.0.0.1:$PORT
auth:
  htpasswd:
    realm: sos-test
    path: $REG/htpasswd
EOF
    docker-registry serve "$REG/config.yml" > "$REG/log" 2>&1 &
    _registry_pid=$!
    _i=0
    while ! registry_answers "$PORT" && [ $_i -lt 100 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
    registry_answers "$PORT"
}

PASS="sos-canary-pass-$$-Zq9"
PORT=$(free_port)
registry_start
ok $? "docker-registry answers on 127.0.0.1:$PORT with htpasswd auth"

AUTH="$TMP/auth.json"
podman login --tls-verify=false --authfile "$AUTH" "127.0.0.1:$PORT" -u sosuser -p "$PASS" > "$TMP/login.out" 2>&1
ok $? "podman login writes $AUTH"
B64=$(printf 'sosuser:%s' "$PASS" | base64 | tr -d '\n')
grep -q "$B64" "$AUTH"
ok $? "the auth file holds the credential (so the canary test below means something)"

mkdir -p "$TMP/home" "$TMP/run"
make_config cfg <<'YAML'
checks:
  - {id: podman.binary, plugin: podman-machine, check: binary, scope: runtime}
  - {id: registry.auth-files, plugin: registry-auth, check: auth-files, scope: runtime, after: [podman.binary]}
  - {id: registry.cred-helpers, plugin: registry-auth, check: cred-helpers, scope: runtime, after: [registry.auth-files]}
YAML
sos() { # sos FORMAT: the doctor with the auth file from REGISTRY_AUTH_FILE
    env -i NO_COLOR=1 PATH="$PATH" HOME="$TMP/home" XDG_RUNTIME_DIR="$TMP/run" \
        CONTAINERS_CONF="$CONTAINERS_CONF" CONTAINERS_STORAGE_CONF="$CONTAINERS_STORAGE_CONF" \
        REGISTRY_AUTH_FILE="$AUTH" \
        "$SOS" doctor local-runtime -v --format "$1" --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/cfg"
}
out=$(sos json); rc=$?
file_ev() { printf '%s' "$out" | jget "[f for f in find('registry.auth-files')['findings'] if f['code']=='registry.auth-file' and f['path']=='$AUTH'][0]['evidence'].get('$1')"; }
is "$rc" 0 "a fresh podman login: exit 0"
is "$(file_ev registries)" "127.0.0.1:$PORT" "the registry is reported in that file"
is "$(file_ev with_credentials)" "127.0.0.1:$PORT" "as holding a credential"
is "$(file_ev mode)" 0600 "podman login writes it 0600"
is "$(file_ev source)" REGISTRY_AUTH_FILE "found through REGISTRY_AUTH_FILE"
want=$(podman version --format '{{.Client.Version}}')
is "$(printf '%s' "$out" | jget "find('registry.auth-files')['findings'][0]['evidence']['podman_version']")" "$want" \
   "the chain is read as the real podman $want reads it"
is "$(printf '%s' "$out" | jget "find('registry.auth-files')['facts']['registry.registries']")" "127.0.0.1:$PORT" "fact registry.registries"

for fmt in human json ndjson; do
    all=$(sos $fmt 2>&1)
    unlike "$all" "$PASS" "$fmt: the password never appears"
    unlike "$all" "$B64" "$fmt: nor the auth value"
    like "$all" "127\\.0\\.0\\.1:$PORT" "$fmt: the registry name does"
done

# A relative REGISTRY_AUTH_FILE: the real podman opens it from its working
# directory (podman 4.3.1: from $HOME it logs in with the file there; from /,
# where there is none, pull stops at "stat REL: no such file or directory").
# The doctor must say that, not "Invalid argument" nor that podman fails.
REL="sos-rel-$$/auth.json"
mkdir -p "$TMP/home/sos-rel-$$"
cp "$AUTH" "$TMP/home/$REL"
rel_podman() { # rel_podman DIR ARGS...: the real podman started in DIR
    _d=$1; shift
    (cd "$_d" && REGISTRY_AUTH_FILE="$REL" podman "$@" 2>&1)
}
is "$(rel_podman "$TMP/home" login --get-login "127.0.0.1:$PORT")" sosuser \
   "real podman started in \$HOME reads \$HOME/$REL"
if [ ! -e "/$REL" ]; then
    like "$(rel_podman / pull --tls-verify=false "127.0.0.1:$PORT/none")" \
         "stat $REL: no such file or directory" "real podman started in / stops on the missing /$REL"
else
    ok 0 "# SKIP /$REL exists on this machine"
fi
out=$(env -i NO_COLOR=1 PATH="$PATH" HOME="$TMP/home" XDG_RUNTIME_DIR="$TMP/run" \
        CONTAINERS_CONF="$CONTAINERS_CONF" CONTAINERS_STORAGE_CONF="$CONTAINERS_STORAGE_CONF" \
        REGISTRY_AUTH_FILE="$REL" \
        "$SOS" doctor local-runtime --json --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/cfg"); rc=$?
rel_ev() { printf '%s' "$out" | jget "[f for f in find('registry.auth-files')['findings'] if f['code']=='registry.auth-file-relative'][0]['evidence'].get('$1')"; }
is "$rc" 1 "a relative REGISTRY_AUTH_FILE: a warning (exit 1)"
is "$(rel_ev from_home)" "$TMP/home/$REL" "names what podman started in \$HOME reads"
is "$(rel_ev from_home_exists)" yes "which exists, as the real podman showed"
is "$(rel_ev from_root)" "/$REL" "and what it reads started in /"
unlike "$out" "Invalid argument" "not 'Invalid argument'"
unlike "$out" "podman fails on it" "no claim that podman fails on it"

registry_stop
ok 0 "registry stopped"
done_testing
