#!/bin/sh
# --root analyses a tree on its own: no command is run unless --live, and
# per-user checks look at every home of the tree, naming the user. And a
# path this user may not look at is "permission denied", a warning: never
# "absent" and never a failure about the file (run as uid 12345).
. "$SOS_SRCDIR/tests/lib.sh"
q() { printf '%s' "$out" | jget "$1"; }
status() { q "find('$1')['status']"; }
codes() { q "sorted(set(f['code'] for f in find('$1')['findings']))"; }
msgs() { q "[f['message'] for f in find('$1')['findings'] if f['code']=='$2']"; }

# ---- a copied Mac with two users ------------------------------------------------
MAC="$TMP/mac"
cp -R "$FIXTURES/roots/macos" "$MAC"
for u in alice bob; do
    mkdir -p "$MAC/Users/$u/.docker" "$MAC/Users/$u/.config/containers" "$MAC/Users/$u/Library/LaunchAgents"
done
printf '{"auths":{"alice.example":{"auth":"YWxpY2U6cHc="}}}' > "$MAC/Users/alice/.docker/config.json"
chmod 644 "$MAC/Users/alice/.docker/config.json"
printf '{"auths":' > "$MAC/Users/bob/.config/containers/auth.json"
chmod 600 "$MAC/Users/bob/.config/containers/auth.json"
cp "$FIXTURES/launchd/agent.plist" "$MAC/Users/alice/Library/LaunchAgents/com.alice.agent.plist"
cp "$FIXTURES/launchd/bad.plist" "$MAC/Users/bob/Library/LaunchAgents/com.bob.agent.plist"
# The analyst's own home, which a tree's analysis must not read.
mkdir -p "$TMP/analyst/.docker"
printf '{"auths":{"analyst.example":{"auth":"eDp5"}}}' > "$TMP/analyst/.docker/config.json"
mkdir -p "$TMP/bin"
for tool in podman launchctl; do
    printf '#!/bin/sh\necho "%s $*" >> "%s/calls"\n[ "$1" = --version ] && echo "podman version 4.3.1"\nexit 0\n' \
        "$tool" "$TMP" > "$TMP/bin/$tool"
    chmod 755 "$TMP/bin/$tool"
done
make_config mac <<'YAML'
checks:
  - {id: host.facts, plugin: host, check: facts}
  - {id: podman.binary, plugin: podman-machine, check: binary, after: [host.facts], params: {podman: podman}}
  - {id: registry.auth-files, plugin: registry-auth, check: auth-files, after: [podman.binary]}
  - {id: launchd.scan, plugin: launchd, check: scan, after: [host.facts], when: {os: [macos]}}
  - {id: launchd.state, plugin: launchd, check: state, after: [host.facts], params: {label: com.alice.agent}}
YAML
mac() { out=$(HOME="$TMP/analyst" USER=analyst PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --json \
        --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/mac" --root "$MAC" "$@"); rc=$?; }

mac
test ! -e "$TMP/calls"; ok $? "offline: neither podman nor launchctl is called"
is "$(status podman.binary)" skipped "podman.binary is skipped"
is "$(q "find('podman.binary')['reason']")" "offline analysis of a tree; --live to ask this machine" "with the offline reason"
is "$(q "len(find('podman.binary')['findings'])")" 0 "and no 'podman missing' made of the refusal"
is "$(status launchd.state)" skipped "launchd.state is skipped"
is "$(q "find('launchd.state')['reason']")" "offline analysis of a tree; --live to ask this machine" "with the same reason"
like "$(msgs registry.auth-files registry.auth-file-permissions)" "alice: /Users/alice/.docker/config.json is readable by group or others" "alice's auth file, naming her"
like "$(msgs registry.auth-files registry.auth-file-malformed)" "bob: /Users/bob/.config/containers/auth.json is not a valid auth file" "bob's auth file, naming him"
is "$(q "sorted(set(f['evidence'].get('user') for f in find('registry.auth-files')['findings']))")" '["alice", "bob"]' "every auth-file finding names its user, and only the tree's"
unlike "$out" "analyst" "the analyst's own HOME is not read"
unlike "$(q "[f['path'] for f in find('registry.auth-files')['findings']]")" "/run/containers" "macOS: no /run/containers file"
is "$rc" 2 "alice's credentials readable by others: exit 2"
is "$(q "sorted(set(f['evidence'].get('user') for f in find('launchd.scan')['findings'] if f['code']!='launchd.scan-summary'))")" '["alice", "bob"]' "launchd.scan lints both users' LaunchAgents, naming them"
like "$(q "[f.get('path') for f in find('launchd.scan')['findings']]")" "/Users/bob/Library/LaunchAgents/com.bob.agent.plist" "bob's plist by its path"

mac --live
like "$(cat "$TMP/calls" 2>/dev/null)" "podman --version" "--live: podman is asked"
like "$(cat "$TMP/calls" 2>/dev/null)" "launchctl print gui/[0-9]+/com.alice.agent" "--live: launchctl is asked"
is "$(status podman.binary)" ok "--live: podman.binary runs"
like "$(q "[f['message'] for f in find('registry.auth-files')['findings'] if f['evidence'].get('user')=='analyst']")" "analyst: .*/analyst/" "--live: the invoking user's home too, named"
rm -f "$TMP/calls"

# ---- not allowed to look ---------------------------------------------------------
D="$TMP/deb"
cp -R "$FIXTURES/roots/debian" "$D"
mkdir -p "$D/root/.config/systemd/user" "$D/home/carol/.config/systemd/user" "$D/run/containers/0"
printf '[Service]\nExecStart=/usr/bin/podman run --rm localhost/agent\nRestart=always\n' > "$D/root/.config/systemd/user/agent.service"
cp "$D/root/.config/systemd/user/agent.service" "$D/home/carol/.config/systemd/user/agent.service"
chmod 700 "$D/root" "$D/home/carol/.config/systemd/user" "$D/run/containers"
chmod 755 "$TMP"
make_config deny <<'YAML'
checks:
  - {id: host.facts, plugin: host, check: facts}
  - {id: systemd.scan, plugin: systemd, check: scan, after: [host.facts]}
  - {id: registry.auth-files, plugin: registry-auth, check: auth-files, after: [host.facts]}
YAML
# deny SOS PLUGINS [PREFIX...]: the run, as PREFIX makes it.
deny() { local sos=$1 plugins=$2; shift 2
         out=$("$@" "$sos" doctor local-runtime --json --plugin-dir "$plugins" --config-dir "$TMP/deny" --root "$D"); rc=$?; }
deny "$SOS" "$BUILD_PLUGINS" env
like "$(msgs systemd.scan systemd.location)" "/root/.config/systemd/user: 1 service unit" "as root: root's user unit is linted"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    other_user_build
    deny "$OTHER_SOS" "$OTHER_PLUGINS" setpriv --reuid=12345 --regid=12345 --clear-groups
    is "$rc" 1 "as uid 12345: exit 1 (warnings), no failure"
    is "$(status systemd.scan)" warning "systemd.scan: a warning, not ok"
    is "$(msgs systemd.scan systemd.permission-denied)" \
       '["root: cannot read /root/.config/systemd/user (permission denied): run as root to see it", "carol: cannot read /home/carol/.config/systemd/user (permission denied): run as root to see it"]' \
       "a root-only home and a root-only unit directory: permission denied, naming the user"
    unlike "$(msgs systemd.scan systemd.location)" "/root/.config/systemd/user: absent" "never 'absent: nothing to lint'"
    is "$(status registry.auth-files)" warning "registry.auth-files: a warning, not a failure"
    like "$(msgs registry.auth-files registry.permission-denied)" "root: cannot read /run/containers/0/auth.json \\(permission denied\\): run as root to see it" "an auth file under a root-only parent: permission denied"
    like "$(msgs registry.auth-files registry.permission-denied)" "root: cannot read /root/.config/containers/auth.json" "and one in a root-only home"
    is "$(msgs registry.auth-files registry.auth-file-unreadable)" "[]" "not 'present and unreadable'"
    like "$(q "[f['evidence']['exists'] for f in find('registry.auth-files')['findings'] if f['code']=='registry.auth-file' and f['path']=='/run/containers/0/auth.json']")" "unknown \\(permission denied\\)" "its chain entry says it is not known whether it exists"
else
    is "$(id -u)" 0 "the permission tests run as root (to drop to uid 12345)"
fi
chmod 700 "$TMP"
chmod -R u+rwX "$D"

# ---- an auth file that is not UTF-8: podman 4.3.1 reads it ------------------------
L="$TMP/latin1"
mkdir -p "$L/root/.docker"
printf '{"auths":{"example.com":{"auth":"dXNlcjpwdw==","email":"caf\351"}}}' > "$L/root/.docker/config.json"
chmod 600 "$L/root/.docker/config.json"
if command -v podman >/dev/null 2>&1; then
    mkdir -p "$TMP/pstore"
    printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/pstore/root"\nrunroot = "%s/pstore/run"\n' "$TMP" "$TMP" > "$TMP/pstore/storage.conf"
    got=$(CONTAINERS_STORAGE_CONF="$TMP/pstore/storage.conf" podman login --get-login \
          --authfile "$L/root/.docker/config.json" example.com 2>&1)
    is "$got" user "real podman reads the Latin-1 auth file (the behaviour modelled)"
else
    is podman installed "podman is installed for the non-UTF-8 auth file test"
fi
out=$("$SOS" doctor local-runtime --json --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/deny" --root "$L"); rc=$?
is "$(msgs registry.auth-files registry.auth-file-malformed)" "[]" "so it is not reported malformed"
like "$(msgs registry.auth-files registry.auth-file-not-utf8)" "root: /root/.docker/config.json is not UTF-8: podman reads it anyway" "but as not UTF-8, a warning"
like "$(q "[f['evidence'].get('registries') for f in find('registry.auth-files')['findings'] if f['code']=='registry.auth-file' and f['path']=='/root/.docker/config.json']")" example.com "and its registries are read as podman reads them"
is "$rc" 1 "exit 1"
done_testing
