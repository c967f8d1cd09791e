#!/bin/sh
# `sourceos-agent doctor NAME`: the agent's declaration (agents.d/NAME.yaml)
# gives the agent-scope checks their params; bad declarations and names are
# refused with what is wrong and where.
. "$SOS_SRCDIR/tests/lib.sh"
AGENT="$SOS_BUILDDIR/sourceos-agent"
make_config cfg <<'YAML'
checks:
  - {id: t.runtime, plugin: behave, check: status}
  - id: t.agent
    plugin: behave
    check: params
    scope: agent
    params:
      image: "${agent.image}"
      container: "${agent.container}"
      auth: "${agent.auth}"
      authfile: ["${agent.authfile}", "${agent.log_dir}"]
      env: "${agent.env}"
      keep: from-checksd
YAML
mkdir -p "$TMP/cfg/agents.d"
cat > "$TMP/cfg/agents.d/web.yaml" <<'YAML'
name: web
image: localhost/web@sha256:0123
auth: empty-authfile
authfile: /home/me/.config/sourceos/empty-auth.json
env: [HOME=/home/me, DOCKER_CONFIG=/home/me/.config/sourceos/docker]
YAML
doctor() { "$AGENT" doctor "$@" --json --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/cfg"; }
out=$(doctor web); rc=$?
is "$rc" 0 "doctor web: exit 0"
is "$(printf '%s' "$out" | jget 'd["command"]')" "doctor web" "the report names the agent"
is "$(printf '%s' "$out" | jget '[c["id"] for c in d["checks"]]')" '["t.runtime", "t.agent"]' "runtime and agent checks both run"
params=$(printf '%s' "$out" | jget "find('t.agent')['facts']")
like "$params" '"param.image.value": "localhost/web@sha256:0123"' "the agent's image is a param"
like "$params" '"param.container.value": "sourceos-web"' "container defaults to sourceos-NAME"
like "$params" '"param.auth.value": "empty-authfile"' "\${agent.auth} is the agent's auth"
like "$params" '"param.authfile.value": "/home/me/.config/sourceos/empty-auth.json"' "a key the agent lacks (log_dir) drops out of a list"
like "$params" '"param.keep.value": "from-checksd"' "checks.d's other params stay"
like "$params" '"param.agent.value": "web"' "the agent's name is param agent"
like "$params" '"param.env.value": "HOME=/home/me,DOCKER_CONFIG=' "env is a list"
out=$("$SOS" doctor local-runtime --json --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/cfg")
is "$(printf '%s' "$out" | jget '[[c["id"], c.get("agent")] for c in d["checks"]]')" '[["t.runtime", null], ["t.agent", "web"]]' "doctor local-runtime runs the runtime checks, then each agent's"
like "$(printf '%s' "$out" | jget "find('t.agent')['facts']")" '"param.image.value": "localhost/web@sha256:0123"' "with the same params as doctor web"
is "$(doctor web | jget '[c for c in d["checks"] if "agent" in c]')" "[]" "doctor web: its entries name no agent (the command does)"

refused() { # refused NAME PATTERN DESCRIPTION
    err=$("$AGENT" doctor "$1" --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/cfg" 2>&1 >/dev/null); rc=$?
    like "$rc:$err" "^3:.*$2" "$3"
}
make_config partial <<'YAML'
checks:
  - {id: t.partial, plugin: behave, check: params, scope: agent, params: {image: "registry/${agent.image}"}}
YAML
cp -R "$TMP/cfg/agents.d" "$TMP/partial/"
err=$("$AGENT" doctor web --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/partial" 2>&1 >/dev/null); rc=$?
like "$rc:$(printf '%s\n' "$err" | grep -v ': warning: ')" "^3:.*10-test\.yaml:2:5: check t\.partial, param 'image': 'registry/\\\$\{agent\.image\}' must be the whole value" "a reference inside a value is refused, naming where"
cat > "$TMP/cfg/agents.d/svc.yaml" <<'YAML'
name: svc
image: localhost/svc:1
plist: /Users/me/Library/LaunchAgents/dev.sourceos.svc.plist
label: dev.sourceos.svc
unit: /home/me/.config/systemd/user/sourceos-svc.service
user: "true"
YAML
out=$("$AGENT" doctor svc --json --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/cfg"); rc=$?
is "$rc" 0 "the service keys (plist, label, unit, user) are accepted"
printf 'name: baduser\nuser: maybe\n' > "$TMP/cfg/agents.d/baduser.yaml"
refused baduser "baduser\.yaml:2:7: 'user' is 'maybe'; expected one of: true, false" "user is true or false, at file:line:column"
refused nosuch "no agent 'nosuch': .*agents\.d/nosuch\.yaml: no such declaration" "a missing declaration is named"
# A name that is not one is the caller's mistake: a usage error, escaped.
usage() { # usage NAME EXPECTED-STDERR DESCRIPTION
    err=$("$AGENT" doctor --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/cfg" -- "$1" 2>&1 >/dev/null); rc=$?
    is "$rc|$err" "64|sourceos-agent: '$2' is not an agent name: lower-case letters, digits and '-', at most 64 characters, not starting with '-'" "$3"
}
usage ../web "../web" "a relative path is not a name (64)"
usage ../cfg/agents.d/web "../cfg/agents.d/web" "a path into agents.d is not a name"
usage /etc/passwd "/etc/passwd" "an absolute path is not a name"
usage Web "Web" "upper case is not a name"
long=$(printf '%0300d' 0)
err=$("$AGENT" doctor "$long" --config-dir "$TMP/cfg" 2>&1 >/dev/null); rc=$?
like "$rc|$err" "^64\|sourceos-agent: '0{100,}\.\.\.' is not an agent name" "300 characters: refused, shown cut"
usage "$(printf 'w\303\251b')" 'w\xc3\xa9b' "non-ASCII is not a name, printed escaped"
usage "$(printf 'web\033[2J')" 'web\x1b[2J' "a control character is printed escaped"
usage "-web" "-web" "a leading '-' is not a name (after --)"
printf 'name: dup\nimage: a\nimage: b\n' > "$TMP/cfg/agents.d/dup.yaml"
refused dup "dup\.yaml:3:1: .*image" "duplicate key: file:line:column"
printf 'image: [a\n' > "$TMP/cfg/agents.d/broken.yaml"
refused broken "broken\.yaml:[0-9]+:[0-9]+" "malformed YAML: file:line:column"
printf 'image: a\nrestart_forever: true\n' > "$TMP/cfg/agents.d/unknown.yaml"
refused unknown "unknown\.yaml:2:1: unknown key 'restart_forever' \(expected: name, " "unknown key named with what is allowed"
printf 'name: badauth\nauth: borrowed\n' > "$TMP/cfg/agents.d/badauth.yaml"
refused badauth "badauth\.yaml:2:7: 'auth' is 'borrowed'; expected one of: empty-authfile, host" "a bad auth policy, at file:line:column"
printf 'image: a\nname: other\n' > "$TMP/cfg/agents.d/mismatch.yaml"
refused mismatch "mismatch\.yaml:2:7: declares name 'other', but the file is for agent 'mismatch'" "name must match the file, at file:line:column"
printf 'image: a\n' > "$TMP/cfg/agents.d/noname.yaml"
refused noname "noname\.yaml:1:1: 'name' is missing: the declaration must say name: noname" "name must be present"
printf 'name: badenv\nenv: [A=1, NOEQUALS]\n' > "$TMP/cfg/agents.d/badenv.yaml"
refused badenv "badenv\.yaml:2:12: env entry 2 is not KEY=VALUE" "env entries are KEY=VALUE, at file:line:column"
printf 'name: oneenv\nenv: HOME=/home/me\n' > "$TMP/cfg/agents.d/oneenv.yaml"
refused oneenv "oneenv\.yaml:2:6: 'env' must be a list of KEY=VALUE" "env must be a list"
printf 'name: listimage\nimage: [a, b]\n' > "$TMP/cfg/agents.d/listimage.yaml"
refused listimage "listimage\.yaml:2:1: 'image' must be one value, not a list" "image is one value, at file:line:column"
printf 'image:\n  repo: a\n' > "$TMP/cfg/agents.d/nested.yaml"
refused nested "nested\.yaml:2:3: .*not a mapping" "nested mappings refused"
head -c 3000000 /dev/zero | tr '\0' 'a' > "$TMP/cfg/agents.d/huge.yaml"
refused huge "huge\.yaml: .*(too large|larger)" "a huge file is refused"
printf 'image: a\0b\n' > "$TMP/cfg/agents.d/binary.yaml"
refused binary "binary\.yaml: binary file" "a binary file is refused"
ln -s /etc/passwd "$TMP/cfg/agents.d/link.yaml"
refused link "link\.yaml" "a symlink to something else is not read as a declaration"
done_testing
