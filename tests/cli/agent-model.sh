#!/bin/sh
# agents.d in the spec's shape: the contrib/ examples are valid against
# schemas/agent.schema.json AND load with the real loader; each bad
# declaration below is rejected by both, the loader naming file:line:column.
. "$SOS_SRCDIR/tests/lib.sh"
AGENT="$SOS_BUILDDIR/sourceos-agent"
V="$PYTHON $SOS_SRCDIR/tests/validate-json.py"
SCHEMA="$SOS_SRCDIR/schemas/agent.schema.json"
make_config cfg <<'YAML'
checks:
  - {id: t.agent, plugin: behave, check: params, scope: agent, params: {image: "${agent.image}", user: "${agent.user}", command: "${agent.command}", auth: "${agent.auth}"}}
YAML
mkdir -p "$TMP/cfg/agents.d"
schema_ok() { # FILE: 0 when the schema accepts it
    "$PYTHON" "$SOS_SRCDIR/tests/yaml2json.py" --one "$1" > "$TMP/decl.json" &&
        $V "$SCHEMA" "$TMP/decl.json" >/dev/null 2>&1
}
load() { # NAME: the loader's verdict, via doctor NAME (stderr, exit code)
    err=$("$AGENT" doctor "$1" --json --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/cfg" 2>&1 >"$TMP/out.json"); rc=$?
}

for f in "$SOS_SRCDIR"/contrib/agents.d/*.yaml; do
    n=$(basename "$f" .yaml)
    schema_ok "$f"
    ok $? "contrib $n is valid against agent.schema.json"
    cp "$f" "$TMP/cfg/agents.d/"
    load "$n"
    is "$rc:$err" "0:" "contrib $n loads with the real loader, without a warning"
done
params=$(jget "find('t.agent')['facts']" < "$TMP/out.json")
like "$params" '"param.command.value": "/usr/local/bin/notes-sync,--interval,300"' "notes-sync: command is its argv"
load node-commander
like "$(jget "find('t.agent')['facts']" < "$TMP/out.json")" '"param.image.value": "localhost/sourceos/node-commander:0.4.2"' "node-commander: its image"

# bad NAME 'FILE:LINE:COLUMN: message (a regex)' DESCRIPTION, YAML on stdin
bad() {
    cat > "$TMP/cfg/agents.d/$1.yaml"
    schema_ok "$TMP/cfg/agents.d/$1.yaml"
    isnt "$?" 0 "schema rejects: $3"
    load "$1"
    like "$rc:$err" "^3:.*agents\.d/$1\.yaml:$2" "loader rejects, naming where: $3"
    rm -f "$TMP/cfg/agents.d/$1.yaml"
}
bad nested-unknown "4:3: unknown key 'restartForever' in 'lifecycle'" "an unknown nested key" <<'YAML'
name: nested-unknown
image: localhost/a:1
lifecycle:
  restartForever: true
YAML
bad quoted-bool "4:14: 'keepAlive' must be true or false" "a quoted boolean" <<'YAML'
name: quoted-bool
image: localhost/a:1
lifecycle:
  keepAlive: "false"
YAML
bad pull-enum "3:16: 'pull' is 'sometimes'; expected one of: never, explicit, always" "an enum value" <<'YAML'
name: pull-enum
image: localhost/a:1
podman: {pull: sometimes}
YAML
bad restart-zero "3:33: 'maxRestartsPerHour' is 0; it must be 1 to 100" "an unbounded restart budget" <<'YAML'
name: restart-zero
image: localhost/a:1
lifecycle: {maxRestartsPerHour: 0}
YAML
bad restart-text "3:33: 'maxRestartsPerHour' must be a whole number" "a number as a string" <<'YAML'
name: restart-text
image: localhost/a:1
lifecycle: {maxRestartsPerHour: "3"}
YAML
bad label-shell "3:8: 'label' must match" "a label with shell syntax" <<'YAML'
name: label-shell
image: localhost/a:1
label: "org.x;$(id)"
YAML
bad label-dotdot "3:8: 'label' must match" "a label that is .." <<'YAML'
name: label-dotdot
image: localhost/a:1
label: ".."
YAML
bad image-words "2:8: 'image' must be one image reference" "an image of two words" <<'YAML'
name: image-words
image: "localhost/a:1 --privileged"
YAML
bad image-newline "2:8: 'image' must be one image reference" "an image with a newline" <<'YAML'
name: image-newline
image: "localhost/a:1\n--privileged"
YAML
bad no-image "1:1: 'image' is missing" "a podman agent without an image" <<'YAML'
name: no-image
scope: user
YAML
bad native-no-command "1:1: 'command' is missing" "a native agent without a command" <<'YAML'
name: native-no-command
runtime: native
YAML
bad command-shell "3:10: 'command' as one line may hold only plain words" "a one-line command with shell syntax" <<'YAML'
name: command-shell
runtime: native
command: "run $(id)"
YAML
bad env-key "3:7: env entry 1 is not KEY=VALUE" "an env key starting with a digit" <<'YAML'
name: env-key
image: localhost/a:1
env: ["1A=x"]
YAML
bad env-newline "3:12: env entry 2 holds a line break" "an env value with a newline" <<'YAML'
name: env-newline
image: localhost/a:1
env: [A=1, "B=x\ny"]
YAML
bad mount-relative "3:17: mount 'host' must be an absolute path" "a relative mount" <<'YAML'
name: mount-relative
image: localhost/a:1
mounts: [{host: src, container: /src}]
YAML
bad mount-dotdot "3:17: mount 'host' must not contain a '\.\.' segment" "a mount with .." <<'YAML'
name: mount-dotdot
image: localhost/a:1
mounts: [{host: /srv/../etc, container: /src}]
YAML
bad mount-home "3:17: mount 'host' is a whole home directory" "the whole home mounted" <<'YAML'
name: mount-home
image: localhost/a:1
mounts: [{host: /home/alice/, container: /src}]
YAML
bad mount-root "3:17: mount 'host' is a whole home directory \(or /\)" "the root mounted" <<'YAML'
name: mount-root
image: localhost/a:1
mounts: [{host: /, container: /src}]
YAML
bad mount-colon "3:36: mount 'container' must not hold ':'" "a mount path that splits -v" <<'YAML'
name: mount-colon
image: localhost/a:1
mounts: [{host: /srv/a, container: "/x:/etc"}]
YAML
bad mount-mode "3:50: 'mode' is 'rwx'; expected one of: ro, rw" "a mount mode" <<'YAML'
name: mount-mode
image: localhost/a:1
mounts: [{host: /srv/a, container: /srv/a, mode: rwx}]
YAML
bad caps-user "3:1: 'capabilities' are for scope system only" "capabilities in user scope" <<'YAML'
name: caps-user
image: localhost/a:1
capabilities: [NET_BIND_SERVICE]
YAML
bad logs-tmp "3:13: 'app' is under a temporary directory" "logs under /tmp" <<'YAML'
name: logs-tmp
image: localhost/a:1
logs: {app: /tmp/a.log}
YAML
bad auth-mode "3:14: 'mode' is 'host'; expected one of: empty-authfile, service-account, none, forbidden-ambient" "an auth mode" <<'YAML'
name: auth-mode
image: localhost/a:1
auth: {mode: host}
YAML
bad two-names "4:12: 'container': the container's name is given twice" "containerName and the deprecated container" <<'YAML'
name: two-names
image: localhost/a:1
containerName: a
container: b
YAML
bad scope-enum "3:8: 'scope' is 'root'; expected one of: user, system" "a scope" <<'YAML'
name: scope-enum
image: localhost/a:1
scope: root
YAML

# The flat keys of before still load, each with a deprecation warning on
# stderr naming file:line:column and the new key.
cat > "$TMP/cfg/agents.d/old.yaml" <<'YAML'
name: old
image: localhost/old:1
container: sourceos-old
authfile: /home/me/.config/sourceos/empty-auth.json
user: "false"
auth: host
YAML
load old
is "$rc" 0 "the flat keys still load"
like "$err" "warning: .*agents\.d/old\.yaml:3:1: 'container' is deprecated .*: use containerName" "container: deprecated, naming the new key"
like "$err" "old\.yaml:4:1: 'authfile' is deprecated .*: use authfile inside the auth mapping" "authfile: deprecated"
like "$err" "old\.yaml:5:1: 'user' is deprecated .*: use scope: system" "user: deprecated, as scope"
like "$err" "old\.yaml:6:1: 'auth as a string' is deprecated .*: use the auth mapping, with mode none and allowAmbientDockerConfig true" "auth: host: deprecated, as mode none with the ambient config allowed"
like "$(jget "find('t.agent')['facts']" < "$TMP/out.json")" '"param.user.value": "false"' "\${agent.user} follows the scope"
like "$(jget "find('t.agent')['facts']" < "$TMP/out.json")" '"param.auth.value": "host"' "\${agent.auth} is still host for the registry check"
schema_ok "$TMP/cfg/agents.d/old.yaml"
ok $? "and the schema still takes them (marked deprecated)"
done_testing
