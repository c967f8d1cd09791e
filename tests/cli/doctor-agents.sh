#!/bin/sh
# `sourceos doctor local-runtime` shows the machine and every agent on it:
# after the runtime checks, each agents.d declaration's agent-scope checks,
# sorted by name and attributed to their agent in every format. The runtime
# checks run once; an agent's checks need them as declared; a declaration
# that does not load is reported and the others still run.
. "$SOS_SRCDIR/tests/lib.sh"
V="$PYTHON $SOS_SRCDIR/tests/validate-json.py"

# A stand-in podman: the local engine, two local pinned images (a third is
# not known), running containers; every call is logged.
mkdir -p "$TMP/bin"
cat > "$TMP/bin/podman" <<'SH'
#!/bin/sh
echo "$*" >> "${0%/*}/calls"
case "$*" in
--version) echo "podman version 4.9.3" ;;
"info --format json") printf '{"host":{"os":"linux","security":{"rootless":false}},"version":{"Version":"4.9.3"}}\n' ;;
"image inspect localhost/api@sha256:1111"|"image inspect localhost/web@sha256:2222")
    printf '[{"Id":"abc","Digest":"%s"}]\n' "${3#*@}" ;;
"image inspect "*) echo "Error: $3: image not known" >&2; exit 125 ;;
"container inspect "*)
    printf '[{"State":{"Status":"running","ExitCode":0,"Error":""},"RestartCount":0,"HostConfig":{"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":5}}}]\n' ;;
*) echo "Error: unexpected $*" >&2; exit 125 ;;
esac
SH
chmod +x "$TMP/bin/podman"
# The shipped host and podman checks (the others read machine-wide state).
CFG="$TMP/cfg"
mkdir -p "$CFG/checks.d"
cp "$SOS_SRCDIR/checks.d/00-host.yaml" "$SOS_SRCDIR/checks.d/10-podman.yaml" "$CFG/checks.d/"
RUNTIME='["host.facts", "host.management", "podman.binary", "podman.machine", "podman.connection", "podman.info"]'
doctor() { PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --config-dir "$CFG" "$@"; }
calls() { grep -c -x -- "$1" "$TMP/bin/calls"; }
ids() { printf '%s' "$out" | jget '[[c["id"], c.get("agent")] for c in d["checks"]]'; }
entry() { # entry ID AGENT KEY (AGENT - for the host's)
    printf '%s' "$out" | jget "[c for c in d['checks'] if c['id'] == '$1' and c.get('agent') == ('$2' if '$2' != '-' else None)][0]['$3']"
}

# --- no agents: the runtime checks only, nothing says agent
out=$(doctor --json); rc=$?
is "$rc" 0 "no agents.d: exit 0"
is "$(printf '%s' "$out" | jget '[c["id"] for c in d["checks"]]')" "$RUNTIME" "no agents.d: the runtime checks only"
is "$(printf '%s' "$out" | jget '[c for c in d["checks"] if "agent" in c]')" "[]" "no entry has an agent"
human_none=$(doctor | sed 's/[0-9.]*m\{0,1\}s\( (exit\|$\)/T\1/')
unlike "$human_none" '^agent ' "human: no agent heading"
mkdir -p "$CFG/agents.d"
human_empty=$(doctor | sed 's/[0-9.]*m\{0,1\}s\( (exit\|$\)/T\1/')
is "$human_empty" "$human_none" "an empty agents.d: the same report"

# --- two agents: the runtime checks once, then each agent's, by name
cat > "$CFG/agents.d/web.yaml" <<'YAML'
name: web
image: localhost/web@sha256:2222
YAML
cat > "$CFG/agents.d/api.yaml" <<'YAML'
name: api
image: localhost/api@sha256:1111
YAML
: > "$TMP/bin/calls"
out=$(doctor --json); rc=$?
is "$rc" 0 "two agents, images local and pinned: exit 0"
is "$(ids)" '[["host.facts", null], ["host.management", null], ["podman.binary", null], ["podman.machine", null], ["podman.connection", null], ["podman.info", null], ["podman.image", "api"], ["podman.container", "api"], ["podman.image", "web"], ["podman.container", "web"]]' \
    "the runtime checks, then api's, then web's: each id once per agent"
printf '%s' "$out" > "$TMP/report.json"
$V "$SOS_SRCDIR/schemas/report.schema.json" "$TMP/report.json" >&2
ok $? "the report is valid against report.schema.json"
is "$(calls --version):$(calls 'info --format json')" "1:1" "the runtime checks ran once, not once per agent"
is "$(calls 'image inspect localhost/api@sha256:1111'):$(calls 'image inspect localhost/web@sha256:2222')" "1:1" \
    "each agent's podman.image inspected its own image"
is "$(calls 'container inspect sourceos-api'):$(calls 'container inspect sourceos-web')" "1:1" \
    "each agent's podman.container looked at its own container"
is "$(entry podman.image web findings | jget 'd[0]["message"]')" "image localhost/web@sha256:2222 is local and pinned by digest" \
    "web's finding is about web's image"
is "$(printf '%s' "$out" | jget 'd["summary"]["total"]')" 10 "the summary counts every agent's checks"

human=$(doctor); rc=$?
is "$rc" 0 "human: exit 0"
is "$(printf '%s\n' "$human" | grep -E '^(agent |[A-Z]+ +podman\.(image|container|info) )' | awk '{print $1, $2}' | tr '\n' '|')" \
    "OK podman.info|agent api:|OK podman.image|OK podman.container|agent web:|OK podman.image|OK podman.container|" \
    "human: each agent's checks under a heading with its name, after the runtime's"

nd=$(doctor --format ndjson); rc=$?
is "$rc" 0 "ndjson: exit 0"
printf '%s\n' "$nd" > "$TMP/events.ndjson"
$V "$SOS_SRCDIR/schemas/ndjson-event.schema.json" "$TMP/events.ndjson" --lines >&2
ok $? "every event is valid against ndjson-event.schema.json"
is "$(printf '%s\n' "$nd" | "$PYTHON" -c 'import json,sys
for l in sys.stdin:
    e = json.loads(l)
    if e["event"] == "check-finished" and "agent" in e: print(e["agent"], e["id"], e["status"])' | sort | tr '\n' '|')" \
    "api podman.container ok|api podman.image ok|web podman.container ok|web podman.image ok|" \
    "ndjson: each finished event of an agent's check names the agent"
is "$(printf '%s\n' "$nd" | grep '"check-started"' | grep -c '"agent": *"web"')" 2 "ndjson: and so does each started event"

# --- web's image is missing: exit 2, and the failure is web's
sed -i 's/2222/9999/' "$CFG/agents.d/web.yaml"
out=$(doctor --json); rc=$?
is "$rc" 2 "an agent's image is missing: exit 2"
is "$(entry podman.image web status):$(entry podman.image api status)" "failure:ok" "the failure is web's podman.image, api's is ok"
like "$(entry podman.image web findings)" 'localhost/web@sha256:9999' "its finding names web's image"
human=$(doctor); rc=$?
is "$rc" 2 "human: exit 2"
is "$(printf '%s\n' "$human" | grep -E '^(agent |FAIL )' | awk '{print $1, $2}' | tr '\n' '|')" "agent api:|agent web:|FAIL podman.image|" \
    "human: the FAIL is under web's heading"
quiet=$(doctor -q)
is "$(printf '%s\n' "$quiet" | grep -E '^(agent |[A-Z]+ )' | awk '{print $1, $2}' | tr '\n' '|')" "agent web:|FAIL podman.image|" \
    "-q: only the agent with a problem gets a heading"
sed -i 's/9999/2222/' "$CFG/agents.d/web.yaml"

# --- a runtime check fails: each agent's checks that need it are skipped
out=$(CONTAINER_HOST="unix://$TMP/no-such.sock" doctor --json); rc=$?
is "$rc" 2 "the endpoint does not answer: exit 2"
is "$(printf '%s' "$out" | jget 'find("podman.connection")["status"]')" failure "podman.connection fails"
is "$(printf '%s' "$out" | jget '[c["status"] for c in d["checks"] if "agent" in c]')" '["skipped", "skipped", "skipped", "skipped"]' \
    "every agent's podman.image and podman.container is skipped"
like "$(entry podman.image web reason)" "^needs podman\.connection, which failed: " "with the reason"

# --- a declaration that does not load is reported; the others still run
printf 'name: bad\nimage: [localhost/bad\n' > "$CFG/agents.d/bad.yaml"
printf 'name: Upper\n' > "$CFG/agents.d/Upper.yaml"
out=$(doctor --json); rc=$?
is "$rc" 3 "a malformed declaration: exit 3 (could not decide about that agent)"
is "$(ids)" '[["host.facts", null], ["host.management", null], ["podman.binary", null], ["podman.machine", null], ["podman.connection", null], ["podman.info", null], ["core.agent-declaration", null], ["podman.image", "api"], ["podman.container", "api"], ["core.agent-declaration", "bad"], ["podman.image", "web"], ["podman.container", "web"]]' \
    "one entry for each declaration that did not load, in name order; api and web still run"
is "$(entry core.agent-declaration bad status)" error "bad's entry is an error"
like "$(entry core.agent-declaration bad reason)" 'agents\.d/bad\.yaml:[0-9]+:[0-9]+: ' "its reason names the file, line and column"
is "$(entry core.agent-declaration bad findings | jget '[d[0]["code"], d[0]["severity"], d[0]["path"]]')" "[\"core.agent-declaration\", \"critical\", \"$CFG/agents.d/bad.yaml\"]" \
    "and a finding says so by code, with the file"
like "$(entry core.agent-declaration - reason)" "agents\\.d/Upper\\.yaml: 'Upper' is not an agent name" "a file that cannot name an agent is named"
is "$(entry podman.image web status):$(entry podman.image api status)" "ok:ok" "the other agents' checks ran"
printf '%s' "$out" > "$TMP/report.json"
$V "$SOS_SRCDIR/schemas/report.schema.json" "$TMP/report.json" >&2
ok $? "that report is valid against the schema too"
human=$(doctor)
like "$human" "$(printf 'agent bad:\nERROR +core\\.agent-declaration ')" "human: bad's error under its heading"
rm -f "$CFG/agents.d/bad.yaml" "$CFG/agents.d/Upper.yaml"

# --- an agent's check needs another agent-scope check: its own agent's
make_config dep <<'YAML'
checks:
  - {id: t.host, plugin: behave, check: status}
  - {id: t.first, plugin: behave, check: status, scope: agent, needs: [t.host], params: {status: "${agent.description}"}}
  - {id: t.second, plugin: behave, check: status, scope: agent, needs: [t.first]}
YAML
mkdir -p "$TMP/dep/agents.d"
printf 'name: x\nimage: localhost/x:1\ndescription: failure\n' > "$TMP/dep/agents.d/x.yaml"
printf 'name: y\nimage: localhost/y:1\ndescription: ok\n' > "$TMP/dep/agents.d/y.yaml"
out=$("$SOS" doctor local-runtime --json --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/dep"); rc=$?
is "$rc" 2 "x's own check fails: exit 2"
is "$(entry t.second x status):$(entry t.second y status)" "skipped:ok" "t.second needs its own agent's t.first"
is "$(entry t.second x reason)" "needs t.first, which failed" "x's is skipped, saying why"
done_testing
