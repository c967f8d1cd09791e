#!/bin/sh
# registry-auth: podman's auth file chain (order, absent files, owner, mode,
# malformed, binary, huge, symlinks out of --root, credsStore), the
# credential helpers it would run (missing, current directory, WSL .exe,
# remote risk on macOS), an agent's isolation (empty --authfile, its own
# DOCKER_CONFIG, pre-4.4 later files), and that no secret ever reaches any
# output format. Every run gets an explicit environment (env -i).
. "$SOS_SRCDIR/tests/lib.sh"

# One plugin directory with the plugins under test and `behave` (which can
# publish any fact, e.g. podman.remote).
PLUG="$TMP/plugins"
mkdir -p "$PLUG"
for p in registry-auth podman-machine host; do cp "$BUILD_PLUGINS/$p.so" "$PLUG/"; done
cp "$TEST_PLUGINS/behave.so" "$PLUG/"
chmod 755 "$PLUG" "$PLUG"/*.so

BIN="$TMP/bin"     # PATH of every run: only what the test puts there
H="$TMP/home"      # HOME
RUN="$TMP/run"     # XDG_RUNTIME_DIR
mkdir -p "$BIN" "$H" "$RUN"
ROOTARG=

skip() { _n=$((_n + 1)); echo "ok $_n # SKIP $1"; }

# doctor CONFIG [VAR=VALUE...]: the JSON report, environment given explicitly.
doctor() {
    _cfg=$1; shift
    env -i NO_COLOR=1 PATH="$BIN" HOME="$H" XDG_RUNTIME_DIR="$RUN" "$@" \
        "$SOS" doctor local-runtime --json --plugin-dir "$PLUG" \
        --config-dir "$TMP/$_cfg" $ROOTARG
}
q() { printf '%s' "$out" | jget "$1"; }
status() { q "find('$1')['status']"; }
codes() { q "[f['code'] for f in find('$1')['findings']]"; }
# finding CHECK CODE [N]: the Nth finding of CHECK with CODE, as JSON
fnd() { q "[f for f in find('$1')['findings'] if f['code']=='$2'][${3:-0}]"; }
ev() { q "[f for f in find('$1')['findings'] if f['code']=='$2'][${4:-0}]['evidence'].get('$3')"; }
# The info finding of the auth file at PATH.
file_ev() { q "[f for f in find('registry.auth-files')['findings'] if f['code']=='registry.auth-file' and f['path']=='$1'][0]['evidence'].get('$2')"; }

put() { # put FILE MODE JSON
    mkdir -p "$(dirname "$1")"
    printf '%s\n' "$3" > "$1"
    chmod "$2" "$1"
}

fake_podman() { # fake_podman VERSION: a podman that tells its version
    cat > "$BIN/podman" <<SH
#!/bin/sh
case "\$1" in
--version) echo "podman version $1" ;;
*) printf '{"Client":{"APIVersion":"$1","Version":"$1"}}\n' ;;
esac
SH
    chmod 755 "$BIN/podman"
}

make_config files <<'YAML'
checks:
  - {id: host.facts, plugin: host, check: facts, scope: runtime}
  - {id: registry.auth-files, plugin: registry-auth, check: auth-files, scope: runtime, after: [host.facts]}
  - {id: registry.cred-helpers, plugin: registry-auth, check: cred-helpers, scope: runtime, after: [registry.auth-files]}
YAML
make_config versioned <<'YAML'
checks:
  - {id: podman.binary, plugin: podman-machine, check: binary, scope: runtime}
  - {id: registry.auth-files, plugin: registry-auth, check: auth-files, scope: runtime, after: [podman.binary]}
YAML

# ---- the chain, in podman's order -------------------------------------------
A="$TMP/a"
put "$A/first.json" 600 '{"auths":{"first.example":{"auth":"x"}}}'
put "$RUN/containers/auth.json" 600 '{"auths":{"run.example":{"auth":"x"}}}'
put "$H/.config/containers/auth.json" 600 '{"auths":{"cfg.example":{"auth":"x"}}}'
put "$H/.docker/config.json" 600 '{"auths":{"docker.example":{}}}'
put "$H/.dockercfg" 600 '{"legacy.example":{"auth":"x","email":"a@b"}}'

out=$(doctor files REGISTRY_AUTH_FILE="$A/first.json"); rc=$?
is "$rc" 0 "private, valid auth files: exit 0"
is "$(q "[f['path'] for f in find('registry.auth-files')['findings'] if f['code']=='registry.auth-file']")" \
   "[\"$A/first.json\", \"$RUN/containers/auth.json\", \"$H/.config/containers/auth.json\", \"$H/.docker/config.json\", \"$H/.dockercfg\"]" \
   "chain in podman's order: REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR, XDG_CONFIG_HOME, docker config, .dockercfg"
is "$(file_ev "$A/first.json" source)" REGISTRY_AUTH_FILE "the first file came from REGISTRY_AUTH_FILE"
is "$(file_ev "$H/.docker/config.json" read)" yes "podman version unknown: later files counted as read (before 4.4)"
is "$(file_ev "$H/.dockercfg" registries)" legacy.example ".dockercfg read in its legacy format"
is "$(file_ev "$H/.docker/config.json" with_credentials)" "" "an entry without auth stores no credential"
is "$(file_ev "$RUN/containers/auth.json" mode)" 0600 "mode in evidence"
is "$(q "find('registry.auth-files')['facts']['registry.authfile']")" "$A/first.json" "fact registry.authfile: the first existing file"
is "$(q "find('registry.auth-files')['facts']['registry.registries']")" \
   "first.example,run.example,cfg.example,docker.example,legacy.example" "fact registry.registries in chain order"

out=$(doctor files XDG_CONFIG_HOME="$TMP/xdg" DOCKER_CONFIG="$TMP/dc")
is "$(q "[f['path'] for f in find('registry.auth-files')['findings'] if f['code']=='registry.auth-file'][1:3]")" \
   "[\"$TMP/xdg/containers/auth.json\", \"$TMP/dc/config.json\"]" "XDG_CONFIG_HOME and DOCKER_CONFIG move their files"
is "$(file_ev "$TMP/dc/config.json" exists)" no "an absent file is listed, exists=no"
is "$(status registry.auth-files)" ok "absent files are fine"
is "$(q "find('registry.auth-files')['facts']['registry.authfile']")" "$RUN/containers/auth.json" "registry.authfile skips absent files"

out=$(doctor files XDG_RUNTIME_DIR= )
unlike "$(q "[f['path'] for f in find('registry.auth-files')['findings']]")" "$RUN" "XDG_RUNTIME_DIR unset: its file is not in the chain"

fake_podman 4.3.1
out=$(doctor versioned REGISTRY_AUTH_FILE="$A/first.json")
is "$(file_ev "$H/.docker/config.json" read)" yes "podman 4.3.1: files after REGISTRY_AUTH_FILE are still read"
is "$(q "find('registry.auth-files')['facts']['registry.registries']")" \
   "first.example,run.example,cfg.example,docker.example,legacy.example" "podman 4.3.1: every file's registries count"
fake_podman 4.4.0
out=$(doctor versioned REGISTRY_AUTH_FILE="$A/first.json")
is "$(file_ev "$H/.docker/config.json" read)" no "podman 4.4: files after REGISTRY_AUTH_FILE are not read"
is "$(file_ev "$A/first.json" read)" yes "podman 4.4: the --authfile itself is read"
is "$(q "find('registry.auth-files')['facts']['registry.registries']")" first.example "podman 4.4: only the authfile's registries count"
like "$(fnd registry.auth-files registry.auth-file-chain)" 'reads only' "the chain note says podman 4.4 stops at the authfile"
rm -f "$BIN/podman"

# ---- mode and owner ---------------------------------------------------------
chmod 644 "$RUN/containers/auth.json"
out=$(doctor files); rc=$?
is "$rc" 2 "world-readable file with credentials: exit 2"
is "$(ev registry.auth-files registry.auth-file-permissions mode)" 0644 "permissions finding with the mode"
is "$(q "[f for f in find('registry.auth-files')['findings'] if f['code']=='registry.auth-file-permissions'][0]['severity']")" critical "critical: it stores credentials"
like "$(q "[f for f in find('registry.auth-files')['findings'] if f['code']=='registry.auth-file-permissions'][0]['commands'][0]")" "^chmod 600 -- $RUN/containers/auth.json$" "with the exact chmod"
chmod 600 "$RUN/containers/auth.json"
chmod 640 "$H/.docker/config.json"
out=$(doctor files); rc=$?
is "$rc" 1 "group-readable file without credentials: exit 1"
is "$(q "[f for f in find('registry.auth-files')['findings'] if f['code']=='registry.auth-file-permissions'][0]['severity']")" warning "a warning only"
chmod 600 "$H/.docker/config.json"

if [ "$(id -u)" -eq 0 ]; then
    chown nobody "$H/.config/containers/auth.json"
    out=$(doctor files)
    is "$(status registry.auth-files)" failure "a credential file owned by another user fails"
    like "$(ev registry.auth-files registry.auth-file-owner owner)" '^nobody ' "the owner is named"
    is "$(q "[f for f in find('registry.auth-files')['findings'] if f['code']=='registry.auth-file-owner'][0]['path']")" \
       "$H/.config/containers/auth.json" "the owner finding names the file"
    chown 0 "$H/.config/containers/auth.json"
else
    skip "chown needs root"; skip "chown needs root"; skip "chown needs root"
fi
out=$(doctor files)
is "$(status registry.auth-files)" ok "back to private files: ok"

# ---- files that are not auth files -------------------------------------------
printf '{"auths": {"x.example": {"auth": ' > "$H/.docker/config.json"
out=$(doctor files); rc=$?
is "$rc" 2 "malformed JSON: exit 2 (podman refuses to run)"
is "$(ev registry.auth-files registry.auth-file-malformed problem)" "not valid JSON" "says it is not JSON"
like "$(q "[f for f in find('registry.auth-files')['findings'] if f['code']=='registry.auth-file-malformed'][0]['message']")" \
     "$H/.docker/config.json" "and names the file"
is "$(status registry.cred-helpers)" ok "the other checks still run"
# The place: cut short at the end of line 1, column 33 (the last space).
is "$(ev registry.auth-files registry.auth-file-malformed line)/$(ev registry.auth-files registry.auth-file-malformed column)" \
   1/33 "with the line and column where it breaks"
like "$(q "[f for f in find('registry.auth-files')['findings'] if f['code']=='registry.auth-file-malformed'][0]['message']")" \
     "config.json is not a valid auth file \\(not valid JSON at line 1, column 33: unexpected token near end of file\\)" \
     "the message says where and why"
# A secret next to the error is not quoted (jansson would say near 'dXNl...').
printf '{"auths": {"x.example": {"auth": dXNlcjpwYXNz}}}' > "$H/.docker/config.json"
out=$(doctor files)
is "$(ev registry.auth-files registry.auth-file-malformed reason)" "invalid token" "the reason without the token"
unlike "$out" "dXNlcjpwYXNz" "the unquoted secret is in no output"
: > "$H/.docker/config.json"
out=$(doctor files)
like "$(ev registry.auth-files registry.auth-file-malformed problem)" '^empty' "an empty file is malformed too (podman needs {})"
printf '[]' > "$H/.docker/config.json"
out=$(doctor files)
is "$(ev registry.auth-files registry.auth-file-malformed problem)" "not a JSON object" "a JSON array is not an auth file"
printf '{"auths": 5}' > "$H/.docker/config.json"
out=$(doctor files)
is "$(ev registry.auth-files registry.auth-file-malformed problem)" '"auths" is not an object' "auths of the wrong type"
head -c 4096 /dev/urandom > "$H/.docker/config.json"; printf '\000' >> "$H/.docker/config.json"
out=$(doctor files); rc=$?
is "$rc" 2 "binary file: a finding, no crash"
is "$(ev registry.auth-files registry.auth-file-malformed problem)" "binary content, not JSON" "said to be binary"
{ printf '{"auths":{}, "pad": "'; head -c 2000000 /dev/zero | tr '\0' a; printf '"}'; } > "$H/.docker/config.json"
out=$(doctor files); rc=$?
is "$rc" 1 "a 2 MB file: a warning, not analysed"
is "$(codes registry.auth-files | grep -c 'registry.auth-file-too-large')" 1 "registry.auth-file-too-large"
rm -f "$H/.docker/config.json"
mkdir "$H/.docker/config.json"
out=$(doctor files)
like "$(codes registry.auth-files)" 'registry.auth-file-unreadable' "a directory in place of the file: unreadable"
rmdir "$H/.docker/config.json"

# ---- a relative auth file -----------------------------------------------------
# podman 4.3.1 opens a relative REGISTRY_AUTH_FILE from its working directory
# (tests/cli/registry-auth-real.sh shows it with the real podman), so the
# doctor names the file podman would read started in / and in $HOME. The
# relative path here is $TMP without its leading /, so that both lie in this
# test's directory: $TMP/rel/auth.json from /, $H$TMP/rel/auth.json from HOME.
REL="${TMP#/}/rel/auth.json"
put "$TMP/rel/auth.json" 600 '{"auths":{"rel.example":{"auth":"x"}}}'
out=$(doctor files REGISTRY_AUTH_FILE="$REL"); rc=$?
is "$rc" 1 "a relative REGISTRY_AUTH_FILE: exit 1 (a warning)"
is "$(q "[f['severity'] for f in find('registry.auth-files')['findings'] if f['code']=='registry.auth-file-relative']")" '["warning"]' \
   "registry.auth-file-relative, a warning"
like "$(fnd registry.auth-files registry.auth-file-relative)" \
     "opens it from the working directory of whatever runs it.*starts in / \\($TMP/rel/auth.json: yes\\) or in [$]HOME \\($H$TMP/rel/auth.json: no\\)" \
     "it says podman reads it from its working directory, and what lies in / and in \$HOME"
like "$(fnd registry.auth-files registry.auth-file-relative)" "podman pull and run stop with .*stat $REL: no such file or directory" \
     "and what podman says where it is missing"
is "$(ev registry.auth-files registry.auth-file-relative from_root_exists)" yes "evidence from_root_exists: yes"
is "$(ev registry.auth-files registry.auth-file-relative from_home_exists)" no "evidence from_home_exists: no"
unlike "$out" "Invalid argument" "not 'Invalid argument'"
unlike "$out" "podman fails on it" "no claim that podman fails on it"
is "$(file_ev "$REL" exists)" "depends on the working directory" "the chain entry: exists depends on the working directory"

mkdir -p "$TMP/relhome"
make_config ag-rel <<YAML
checks:
  - {id: podman.binary, plugin: podman-machine, check: binary, scope: runtime}
  - {id: registry.agent-auth, plugin: registry-auth, check: agent-auth, scope: runtime, after: [podman.binary],
     params: {auth: empty-authfile, authfile: "$REL", env: ["HOME=$TMP/relhome", "DOCKER_CONFIG=$TMP/relhome/dc", "XDG_RUNTIME_DIR=$TMP/relhome/run"]}}
YAML
out=$(doctor ag-rel); rc=$?
is "$rc" 2 "an agent's relative --authfile: exit 2, isolation not shown"
is "$(codes registry.agent-auth)" '["registry.agent-auth-relative"]' "registry.agent-auth-relative"
like "$(fnd registry.agent-auth registry.agent-auth-relative)" "opens it from the directory the agent starts in" \
     "it says podman opens it from the agent's working directory"
unlike "$out" "Invalid argument" "the agent's: not 'Invalid argument'"
put "$TMP/agent-auth.json" 600 '{}'
make_config ag-relxdg <<YAML
checks:
  - {id: registry.agent-auth, plugin: registry-auth, check: agent-auth, scope: runtime,
     params: {auth: empty-authfile, authfile: "$TMP/agent-auth.json", env: ["HOME=$TMP/relhome", "DOCKER_CONFIG=$TMP/relhome/dc", "XDG_RUNTIME_DIR=$TMP/relhome/run", "XDG_CONFIG_HOME=cfg"]}}
YAML
out=$(doctor ag-relxdg)
is "$(codes registry.agent-auth)" '["registry.agent-auth-relative"]' \
   "podman before 4.4, a relative XDG_CONFIG_HOME: relative, not verified as without credentials"
like "$(fnd registry.agent-auth registry.agent-auth-relative)" "cfg/containers/auth.json .XDG_CONFIG_HOME." "naming the file and where it came from"
rm -rf "$TMP/rel"

# ---- --root trees: symlinks, macOS, WSL ---------------------------------------
R="$TMP/deb"
cp -R "$FIXTURES/roots/debian" "$R"
mkdir -p "$R/home/dev/.docker" "$R/home/dev/.config/containers" "$R/run/dev"
ln -s ../../../../../../../../../etc/shadow "$R/home/dev/.docker/config.json"
put "$R/real-auth.json" 600 '{"auths":{"inside.example":{"auth":"x"}}}'
ln -s /real-auth.json "$R/home/dev/.config/containers/auth.json"
ROOTARG="--root $R"
out=$(doctor files HOME=/home/dev XDG_RUNTIME_DIR=/run/dev)
is "$(file_ev /home/dev/.docker/config.json exists)" "outside --root" "a symlink leading out of --root is not followed"
is "$(q "[f['path'] for f in find('registry.auth-files')['findings'] if f['code']=='registry.auth-file-outside-root']")" \
   '["/home/dev/.docker/config.json"]' "registry.auth-file-outside-root names it"
is "$(file_ev /home/dev/.config/containers/auth.json registries)" inside.example "an absolute symlink resolves inside the root"
ROOTARG=
# A malformed auth file in a tree: the line and column of its trailing comma.
mkdir -p "$R/home/ann/.config/containers"
printf '{\n  "auths": {\n    "quay.io": {},\n  },\n  "credHelpers": {}\n}\n' > "$R/home/ann/.config/containers/auth.json"
ROOTARG="--root $R"
out=$(doctor files)
is "$(q "[(f['evidence']['user'], f['evidence']['line'], f['evidence']['column']) for f in find('registry.auth-files')['findings'] if f['code']=='registry.auth-file-malformed']")" \
   '[["ann", "4", "3"]]' "--root: ann's malformed auth.json at line 4, column 3 (the '}' after a comma)"
like "$(q "[f['message'] for f in find('registry.auth-files')['findings'] if f['code']=='registry.auth-file-malformed'][0]")" \
     "^ann: /home/ann/.config/containers/auth.json is not a valid auth file \\(not valid JSON at line 4, column 3: string or '}' expected\\)" \
     "and the message says so"
rm -r "$R/home/ann"
ROOTARG=

MAC="$TMP/mac"
cp -R "$FIXTURES/roots/macos" "$MAC"
put "$MAC/Users/dev/.docker/config.json" 600 '{"auths":{},"credHelpers":{"gcr.io":"gcloud","123.dkr.ecr.us-east-1.amazonaws.com":"ecr-login"},"credsStore":"osxkeychain"}'
mkdir -p "$MAC/opt/homebrew/bin"
printf '#!/bin/sh\nexit 1\n' > "$MAC/opt/homebrew/bin/docker-credential-gcloud"
chmod 755 "$MAC/opt/homebrew/bin/docker-credential-gcloud"
ROOTARG="--root $MAC"
out=$(doctor files HOME=/Users/dev PATH=/opt/homebrew/bin XDG_RUNTIME_DIR=/tmp/run); rc=$?
is "$(q 'd["host"]["os"]')" macos "macOS tree"
unlike "$(q "[f['evidence']['source'] for f in find('registry.auth-files')['findings'] if f['code']=='registry.auth-file']")" XDG_RUNTIME_DIR "macOS: no XDG_RUNTIME_DIR auth file"
is "$rc" 2 "macOS (remote podman) with credHelpers: exit 2"
is "$(status registry.cred-helpers)" failure "cred-helpers fails"
like "$(q "[f for f in find('registry.cred-helpers')['findings'] if f['code']=='registry.cred-helper-risk'][0]['message']")" \
     'credential-helper risk.*gcloud,ecr-login' "credential-helper risk names every helper"
is "$(ev registry.cred-helpers registry.cred-helper-risk helpers)" "gcr.io=gcloud,123.dkr.ecr.us-east-1.amazonaws.com=ecr-login" "and which registry each is for"
like "$(q "[f for f in find('registry.cred-helpers')['findings'] if f['code']=='registry.cred-helper-risk'][0]['commands'][0]")" \
     'DOCKER_CONFIG=EMPTYDIR podman run --authfile EMPTY.json' "remediation: empty authfile and DOCKER_CONFIG"
is "$(ev registry.cred-helpers registry.cred-helper resolved)" /opt/homebrew/bin/docker-credential-gcloud "a helper on PATH is found under --root"
is "$(q "[f for f in find('registry.cred-helpers')['findings'] if f['code']=='registry.cred-helper-missing'][0]['severity']")" critical "remote: a missing helper is critical"
like "$(codes registry.cred-helpers)" 'registry.creds-store-helper' "credsStore helper reported apart"
is "$(ev registry.auth-files registry.creds-store-ignored creds_store)" osxkeychain "credsStore is noted as ignored by podman"
is "$(q "find('registry.auth-files')['facts']['registry.creds_store']")" osxkeychain "fact registry.creds_store"
is "$(q "find('registry.auth-files')['facts']['registry.cred_helpers']")" "gcr.io=gcloud,123.dkr.ecr.us-east-1.amazonaws.com=ecr-login" "fact registry.cred_helpers"

# Same files on a Linux tree: local podman calls helpers only on pull.
cp -R "$FIXTURES/roots/debian" "$TMP/deb2"
mkdir -p "$TMP/deb2/home/dev/.docker" "$TMP/deb2/usr/bin"
cp "$MAC/Users/dev/.docker/config.json" "$TMP/deb2/home/dev/.docker/config.json"
cp "$MAC/opt/homebrew/bin/docker-credential-gcloud" "$TMP/deb2/usr/bin/"
ROOTARG="--root $TMP/deb2"
out=$(doctor files HOME=/home/dev PATH=/usr/bin XDG_RUNTIME_DIR=/run/dev); rc=$?
is "$rc" 1 "local podman, a missing helper: exit 1"
is "$(codes registry.cred-helpers | grep -c cred-helper-risk)" 0 "local: no credential-helper risk"
is "$(ev registry.cred-helpers registry.cred-helper-missing program)" docker-credential-ecr-login "the missing helper's program"
is "$(q "[f for f in find('registry.cred-helpers')['findings'] if f['code']=='registry.cred-helper-missing'][0]['severity']")" warning "local: missing helper is a warning"
is "$(q "find('registry.cred-helpers')['facts']['registry.helper_states']")" "gcloud=found,ecr-login=missing" "fact registry.helper_states"

# podman.remote published by a check wins over the OS guess.
make_config remote <<'YAML'
checks:
  - {id: podman.connection, plugin: behave, check: status, scope: runtime, params: {facts: ["podman.remote=true"]}}
  - {id: registry.auth-files, plugin: registry-auth, check: auth-files, scope: runtime}
  - {id: registry.cred-helpers, plugin: registry-auth, check: cred-helpers, scope: runtime, after: [podman.connection, registry.auth-files]}
YAML
out=$(doctor remote HOME=/home/dev PATH=/usr/bin XDG_RUNTIME_DIR=/run/dev)
is "$(ev registry.cred-helpers registry.cred-helper-risk remote)" "podman.remote=true" "Linux with podman.remote=true: credential-helper risk"
sed 's/podman.remote=true/podman.remote=false/' "$TMP/remote/checks.d/10-test.yaml" > "$TMP/x" && mv "$TMP/x" "$TMP/remote/checks.d/10-test.yaml"
ROOTARG="--root $MAC"
out=$(doctor remote HOME=/Users/dev PATH=/opt/homebrew/bin)
is "$(codes registry.cred-helpers | grep -c cred-helper-risk)" 0 "macOS with podman.remote=false: no risk finding"

W="$TMP/wsl"
mkdir -p "$W/proc/sys/kernel" "$W/etc" "$W/home/dev/.docker" "$W/mnt/c/Program Files/Docker/Docker/resources/bin"
echo 5.15.153.1-microsoft-standard-WSL2 > "$W/proc/sys/kernel/osrelease"
printf 'NAME="Ubuntu"\nID=ubuntu\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\n' > "$W/etc/os-release"
put "$W/home/dev/.docker/config.json" 600 '{"credHelpers":{"docker.io":"desktop.exe"}}'
printf 'MZ' > "$W/mnt/c/Program Files/Docker/Docker/resources/bin/docker-credential-desktop.exe"
chmod 755 "$W/mnt/c/Program Files/Docker/Docker/resources/bin/docker-credential-desktop.exe"
ROOTARG="--root $W"
out=$(doctor files HOME=/home/dev PATH="/usr/bin:/mnt/c/Program Files/Docker/Docker/resources/bin" XDG_RUNTIME_DIR=/run/dev); rc=$?
is "$(q 'd["host"]["os"]')" wsl "WSL tree"
is "$(ev registry.cred-helpers registry.cred-helper-windows resolved)" "/mnt/c/Program Files/Docker/Docker/resources/bin/docker-credential-desktop.exe" "a Windows .exe through interop is flagged"
is "$rc" 1 "as a warning on local podman"
ROOTARG=

# ---- helpers on the invoking PATH -----------------------------------------------
put "$H/.docker/config.json" 600 '{"credHelpers":{"quay.io":"dothelper"}}'
mkdir -p "$TMP/cwd"
printf '#!/bin/sh\nexit 0\n' > "$TMP/cwd/docker-credential-dothelper"
chmod 755 "$TMP/cwd/docker-credential-dothelper"
out=$(cd "$TMP/cwd" && doctor files PATH="$BIN:.")
is "$(ev registry.cred-helpers registry.cred-helper-current-dir resolved)" "$TMP/cwd/./docker-credential-dothelper" "a helper found through '.' is flagged"
is "$(status registry.cred-helpers)" failure "as a failure (hijackable)"
out=$(cd "$TMP/cwd" && doctor files PATH="$BIN:")
like "$(codes registry.cred-helpers)" 'registry.cred-helper-current-dir' "through an empty PATH entry too"
out=$(cd "$TMP/cwd" && doctor files PATH="$BIN")
like "$(codes registry.cred-helpers)" 'registry.cred-helper-missing' "without '.' on PATH it is missing"
cp "$TMP/cwd/docker-credential-dothelper" "$BIN/"
out=$(cd "$TMP/cwd" && doctor files PATH="$BIN:.")
is "$(ev registry.cred-helpers registry.cred-helper resolved)" "$BIN/docker-credential-dothelper" "first match on PATH wins, as exec does"
rm -f "$BIN/docker-credential-dothelper"
put "$H/.docker/config.json" 600 '{"auths":{"docker.example":{}}}'

# ---- agent-auth ---------------------------------------------------------------
AG="$TMP/agent"
mkdir -p "$AG/docker" "$AG/run" "$AG/cfg" "$AG/home"
put "$AG/auth.json" 600 '{}'
agent_config() { # agent_config NAME AUTH [ENV...]: agent-auth with these params
    _name=$1 _auth=$2; shift 2
    _env=""
    for _e in "$@"; do _env="$_env${_env:+, }\"$_e\""; done
    make_config "$_name" <<YAML
checks:
  - {id: podman.binary, plugin: podman-machine, check: binary, scope: runtime}
  - {id: registry.agent-auth, plugin: registry-auth, check: agent-auth, scope: runtime, after: [podman.binary],
     params: {auth: "$_auth", authfile: "$AG/auth.json", env: [$_env]}}
YAML
}
fake_podman 4.3.1
agent_config ag-ok empty-authfile HOME="$AG/home" DOCKER_CONFIG="$AG/docker" XDG_RUNTIME_DIR="$AG/run" XDG_CONFIG_HOME="$AG/cfg"
out=$(doctor ag-ok); rc=$?
is "$rc" 0 "isolated agent: exit 0"
is "$(codes registry.agent-auth)" '["registry.agent-auth-isolated"]' "registry.agent-auth-isolated"
like "$(ev registry.agent-auth registry.agent-auth-isolated verified)" "DOCKER_CONFIG=$AG/docker config.json absent" "evidence: what was verified"
like "$(ev registry.agent-auth registry.agent-auth-isolated later_files)" 'checked' "podman 4.3.1: later files were checked too"
put "$AG/auth.json" 600 '{"auths":{}}'
out=$(doctor ag-ok)
is "$(status registry.agent-auth)" ok '{"auths":{}} is empty too'

agent_config ag-nodc empty-authfile HOME="$AG/home" XDG_RUNTIME_DIR="$AG/run" XDG_CONFIG_HOME="$AG/cfg"
out=$(doctor ag-nodc); rc=$?
is "$rc" 2 "DOCKER_CONFIG missing from the agent's env: exit 2"
like "$(fnd registry.agent-auth registry.agent-auth-leaks)" 'DOCKER_CONFIG is not set' "registry.agent-auth-leaks says DOCKER_CONFIG is not set"

put "$AG/docker/config.json" 600 '{"credHelpers":{"gcr.io":"gcloud"}}'
out=$(doctor ag-ok); rc=$?
is "$rc" 2 "DOCKER_CONFIG with credHelpers: exit 2"
is "$(ev registry.agent-auth registry.agent-auth-leaks cred_helpers)" "gcr.io=gcloud" "the leak names the helper"
is "$(ev registry.agent-auth registry.agent-auth-leaks file)" "$AG/docker/config.json" "and the file"
rm -f "$AG/docker/config.json"

agent_config ag-hostdc empty-authfile HOME="$AG/home" DOCKER_CONFIG="$H/.docker" XDG_RUNTIME_DIR="$AG/run" XDG_CONFIG_HOME="$AG/cfg"
out=$(doctor ag-hostdc)
like "$(fnd registry.agent-auth registry.agent-auth-leaks)" "host's own docker config directory" "sharing the host's DOCKER_CONFIG leaks"

put "$AG/auth.json" 600 '{"auths":{"ghcr.io":{"auth":"x"}}}'
out=$(doctor ag-ok)
is "$(ev registry.agent-auth registry.agent-auth-leaks registries)" ghcr.io "an authfile with credentials leaks them, by name"
put "$AG/auth.json" 666 '{}'
out=$(doctor ag-ok)
like "$(codes registry.agent-auth)" 'registry.agent-authfile-unsafe' "a world-writable authfile is unsafe"
rm -f "$AG/auth.json"
out=$(doctor ag-ok)
like "$(codes registry.agent-auth)" 'registry.agent-authfile-missing' "a missing authfile fails"
put "$AG/auth.json" 600 '{}'

put "$AG/cfg/containers/auth.json" 600 '{"auths":{"leak.example":{"identitytoken":"x"}}}'
out=$(doctor ag-ok); rc=$?
is "$rc" 2 "podman 4.3.1: credentials in the agent's XDG_CONFIG_HOME leak"
is "$(ev registry.agent-auth registry.agent-auth-leaks file)" "$AG/cfg/containers/auth.json" "the XDG file is named"
is "$(ev registry.agent-auth registry.agent-auth-leaks with_credentials)" leak.example "with the registry"
fake_podman 4.4.1
out=$(doctor ag-ok); rc=$?
is "$rc" 0 "podman 4.4.1 stops at --authfile: the same agent is isolated"
like "$(ev registry.agent-auth registry.agent-auth-isolated later_files)" 'not read' "and says the later files are not read"
rm -f "$BIN/podman"

agent_config ag-host host HOME="$H"
out=$(doctor ag-host)
is "$(status registry.agent-auth)" warning "auth: host: a warning"
like "$(codes registry.agent-auth)" 'registry.agent-auth-host' "registry.agent-auth-host"
agent_config ag-bad bogus HOME="$H"
out=$(doctor ag-bad)
is "$(status registry.agent-auth)" error "an unknown policy is an error"

# ---- canaries: no secret in any output --------------------------------------------
C="sos-canary-$$"
entry() { printf '{"auth":"%s-auth","identitytoken":"%s-idt","registrytoken":"%s-rgt","password":"%s-pwd","username":"u"}' "$C" "$C" "$C" "$C"; }
put "$A/first.json" 600 "{\"auths\":{\"first.example\":$(entry)}}"
put "$RUN/containers/auth.json" 644 "{\"auths\":{\"run.example\":$(entry)},\"credHelpers\":{\"gcr.io\":\"nohelper\"}}"
put "$H/.config/containers/auth.json" 600 "{\"auths\":{\"cfg.example\":$(entry)}}"
put "$H/.docker/config.json" 600 "{\"auths\":{\"docker.example\":$(entry)},\"credsStore\":\"desktop\"}"
put "$H/.dockercfg" 600 "{\"legacy.example\":$(entry)}"
put "$AG/auth.json" 600 "{\"auths\":{\"agent.example\":$(entry)}}"
make_config canary <<YAML
checks:
  - {id: registry.auth-files, plugin: registry-auth, check: auth-files, scope: runtime}
  - {id: registry.cred-helpers, plugin: registry-auth, check: cred-helpers, scope: runtime, after: [registry.auth-files]}
  - {id: registry.agent-auth, plugin: registry-auth, check: agent-auth, scope: runtime,
     params: {authfile: "$AG/auth.json", env: ["HOME=$H", "XDG_RUNTIME_DIR=$RUN"]}}
  - {id: registry.agent-host, plugin: registry-auth, check: agent-auth, scope: runtime,
     params: {auth: host, env: ["HOME=$H", "XDG_RUNTIME_DIR=$RUN"]}}
YAML
for fmt in human json ndjson; do
    all=$(env -i NO_COLOR=1 PATH="$BIN" HOME="$H" XDG_RUNTIME_DIR="$RUN" REGISTRY_AUTH_FILE="$A/first.json" \
        "$SOS" doctor local-runtime -v --format $fmt --plugin-dir "$PLUG" --config-dir "$TMP/canary" 2>&1)
    unlike "$all" "$C" "$fmt: no auth, identitytoken, registrytoken or password value"
    like "$all" 'run\.example' "$fmt: the registry names are there"
    like "$all" 'agent-auth-leaks' "$fmt: the agent's leak is reported"
done
done_testing
