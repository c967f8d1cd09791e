#!/bin/sh
# sourceos-agent preflight NAME: the checks.d steps in the spec's order and
# shape (`NAME preflight: VERDICT`, `- WHAT: STATE`, `- action: ...`,
# `- persistence: ...`), exit 0/1/2/3, the lint steps reading the current
# generation or a scratch one, `when: runtime`, --json against
# report.schema.json, and that nothing is changed: stand-ins record every
# argv (only read-only verbs), no state directory or temp file is left.
. "$SOS_SRCDIR/tests/lib.sh"
# Declarations refuse logs under /tmp (and the lints flag them), and this
# test's HOME is there: the logs go in a directory of their own outside it,
# in the build tree unless that is under /tmp too.
case $(cd "$SOS_BUILDDIR" && pwd -P) in
/tmp/* | /var/tmp/*) LOGS=/var/log/sourceos-test.$$ ;;
*) LOGS=$(cd "$SOS_BUILDDIR" && pwd -P)/tests/preflight-logs.$$ ;;
esac
mkdir -p -m 755 "$LOGS" 2>/dev/null || skip_all "cannot make a log directory outside /tmp ($LOGS)"
trap 'rm -rf "$LOGS"; _cleanup' EXIT
AGENT="$SOS_BUILDDIR/sourceos-agent"
V="$PYTHON $SOS_SRCDIR/tests/validate-json.py"
BIN="$TMP/bin"
D="$BIN/data"
CFG="$TMP/cfg"
mkdir -p "$D" "$CFG/agents.d" "$TMP/tmpdir"
cp -R "$SOS_SRCDIR/checks.d" "$CFG/checks.d"
chmod -R go-w "$CFG"
export XDG_STATE_HOME="$TMP/state" TMPDIR="$TMP/tmpdir"
AUTH="$HOME/.config/containers/sourceos-empty-auth.json"
DC="$HOME/.config/sourceos/docker"
mkdir -p "$(dirname "$AUTH")" "$DC" "$HOME/logs"
printf '{"auths":{}}\n' > "$AUTH"
chmod 600 "$AUTH"
declare_web() { # declare_web [EXTRA YAML LINE]
    cat > "$CFG/agents.d/web.yaml" <<YAML
name: web
image: localhost/web@sha256:0123
backend: systemd
env: [DOCKER_CONFIG=$DC]
logs: {app: $LOGS/web.log, stdout: $LOGS/web.out.log, stderr: $LOGS/web.err.log}
$1
YAML
}
declare_web
# Stand-ins: answers from $D, every argv into $D/calls; anything not
# expected fails loudly.
for p in systemctl podman launchctl; do
    cat > "$BIN/$p" <<'SH'
#!/bin/sh
d="${0%/*}/data"; me="${0##*/}"
echo "$me $*" >> "$d/calls"
case "$me $*" in
"systemctl --user show -p Version"|"systemctl show -p Version") k=manager ;;
"podman --version") echo "podman version 4.9.3"; exit 0 ;;
"podman machine list"*) echo "[]"; exit 0 ;;
"podman image inspect"*) k=image ;;
"podman container inspect"*) k=container ;;
*) echo "unexpected: $me $*" >&2; exit 64 ;;
esac
[ -f "$d/$k.out" ] && cat "$d/$k.out"
[ -f "$d/$k.err" ] && cat "$d/$k.err" >&2
exit "$(cat "$d/$k.rc" 2>/dev/null || echo 0)"
SH
    chmod +x "$BIN/$p"
done
echo "Version=252.30-1~deb12u2" > "$D/manager.out"
echo "Error: no such container sourceos-web" > "$D/container.err"; echo 125 > "$D/container.rc"
printf '[{"Id":"abc123","Digest":"sha256:0123","RepoDigests":["localhost/web@sha256:0123"],"RepoTags":["localhost/web:1"]}]\n' > "$D/image.out"
preflight() { PATH="$BIN:/usr/bin:/bin" "$AGENT" preflight "$@" --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG"; }
q() { printf '%s' "$out" | jget "$1"; }
find "$HOME" "$CFG" -exec ls -ld --time-style=+%s.%N {} + | sort > "$TMP/before"

# ---- passing: every step in the spec's order ------------------------------------
out=$(preflight web); rc=$?
is "$rc" 0 "a ready agent: exit 0"
is "$(printf '%s\n' "$out" | head -n 1)" "web preflight: passed" "headline: NAME preflight: passed"
is "$(printf '%s\n' "$out" | sed -n 's/^- \([^:]*\):.*/\1/p' | tr '\n' '|')" \
   "platform|backend adapter|runtime|podman binary|podman version|podman machine|machine running|socket|image|image tag|auth file|host auth|container name|log directory|unit not masked|unit owner|service definition|wrapper|persistence|" \
   "one line per step, in the spec's order, then persistence"
like "$out" '- backend adapter: the systemd user manager answers \(systemd 252' "backend: the user manager answered"
like "$out" '- podman binary: podman 4\.9\.3' "podman binary: its version"
like "$out" '- service definition: passes systemd-analyze verify, systemd\.lint \(a scratch generation\)|- service definition: passes systemd\.lint \(a scratch generation\)' \
     "service definition: linted in a scratch generation"
like "$out" '- wrapper: passes shellcheck \(a scratch generation\)|- wrapper: shellcheck was not run' "wrapper: shellcheck on the scratch wrapper"
like "$out" '- persistence: not staged$' "persistence: not staged"
unlike "$out" '- action:' "nothing to do: no action line"

# ---- nothing changed --------------------------------------------------------------
unlike "$(cat "$D/calls")" '^(systemctl|launchctl) (.* )?(start|stop|restart|enable|disable|mask|unmask|bootstrap|bootout|kickstart|daemon-reload|link|load|unload)( |$)|^podman (.* )?(run|start|stop|rm|kill|pull|create|tag|load|rename|init)( |$)' \
       "only read-only verbs were asked"
is "$(sed 's/ .*//' "$D/calls" | sort -u | tr '\n' ' ')" "podman systemctl " "only podman and systemctl were asked"
is "$(grep -v -e '^podman --version$' -e '^podman image inspect ' -e '^podman container inspect ' -e '^systemctl --user show -p Version$' -e '^systemctl --user is-enabled ' "$D/calls")" "" \
   "every call was a version, an inspect, show -p Version or is-enabled"
like "$(cat "$D/calls")" 'systemctl --user show -p Version' "the user manager was asked"
[ ! -e "$XDG_STATE_HOME" ]; ok $? "no state directory was made"
is "$(ls -A "$TMPDIR")" "" "the scratch generation was removed from TMPDIR"
find "$HOME" "$CFG" -exec ls -ld --time-style=+%s.%N {} + | sort > "$TMP/after"
cmp -s "$TMP/before" "$TMP/after"; ok $? "HOME and the config directory are untouched"

# ---- --json: the report with a preflight member --------------------------------------
out=$(preflight web --json); rc=$?
is "$rc" 0 "--json: exit 0"
printf '%s' "$out" > "$TMP/pass.json"
$V "$SOS_SRCDIR/schemas/report.schema.json" "$TMP/pass.json" >&2
ok $? "--json is valid against report.schema.json"
is "$(q 'd["preflight"]["verdict"]')" passed "verdict passed"
is "$(q '[s["step"] for s in d["preflight"]["steps"]]')" "$(seq -s ', ' 1 18 | sed 's/.*/[&]/')" "the spec's 18 steps, in order"
is "$(q '[s["check"] for s in d["preflight"]["steps"]][:3]')" '["preflight.platform", "preflight.backend", "preflight.runtime"]' "each step names its check"
is "$(q 'sorted(set(c["id"].split(".")[0] for c in d["checks"]))')" '["preflight"]' "only the preflight's checks ran (no doctor entries)"

# ---- failures: the state, the exact action, exit 2 --------------------------------------
echo 125 > "$D/image.rc"; echo "Error: localhost/web@sha256:0123: image not known" > "$D/image.err"; rm "$D/image.out"
out=$(preflight web); rc=$?
is "$rc" 2 "image missing: exit 2"
is "$(printf '%s\n' "$out" | head -n 1)" "web preflight: failed" "headline: failed"
like "$out" '- image: image localhost/web@sha256:0123 is not in local storage' "image: not in local storage"
like "$out" '- action: Build the image on this machine' "the image's remediation is an action"
like "$out" '- persistence: not staged$' "persistence still said"
out=$(preflight web --json)
is "$(q '[s["status"] for s in d["preflight"]["steps"] if s["check"] == "preflight.image"]')" '["failure"]' "--json: the image step failed"
printf '[{"Id":"abc123","Digest":"sha256:0123","RepoDigests":["localhost/web@sha256:0123"]}]\n' > "$D/image.out"; rm -f "$D/image.rc" "$D/image.err"

echo 1 > "$D/manager.rc"; rm "$D/manager.out"; echo "Failed to connect to bus: No medium found" > "$D/manager.err"
out=$(preflight web --json); rc=$?
is "$rc" 2 "no user manager: exit 2"
is "$(q '[f["code"] for c in d["checks"] if c["id"] == "preflight.backend" for f in c["findings"]]')" '["agent.backend-unreachable"]' "agent.backend-unreachable"
like "$(q '[s["state"] for s in d["preflight"]["steps"] if s["step"] == 2][0]')" '^the systemd user manager does not answer: Failed to connect to bus' "the state says what systemctl said"
rm -f "$D/manager.rc" "$D/manager.err"; echo "Version=252.30-1~deb12u2" > "$D/manager.out"

rm "$BIN/systemctl"
out=$(PATH="$BIN" "$AGENT" preflight web --json --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG")
is "$(q '[f["code"] for c in d["checks"] if c["id"] == "preflight.backend" for f in c["findings"]]')" '["agent.backend-missing"]' "no systemctl: agent.backend-missing"
cp "$BIN/podman" "$BIN/systemctl"

declare_web "backend: launchd"
sed -i 's/^backend: systemd$//' "$CFG/agents.d/web.yaml"
out=$(preflight web --json); rc=$?
is "$rc" 2 "backend launchd on Linux: exit 2"
is "$(q '[f["code"] for c in d["checks"] if c["id"] == "preflight.platform" for f in c["findings"]]')" '["agent.backend-mismatch"]' "agent.backend-mismatch"
declare_web

# ---- a copied Mac read here gets a Mac's defaults: a Podman machine is required
cp -R "$SOS_SRCDIR/tests/fixtures/roots/macos" "$TMP/mac"
cat > "$CFG/agents.d/macweb.yaml" <<YAML
name: macweb
image: localhost/macweb@sha256:0123
YAML
out=$(PATH="$BIN:/usr/bin:/bin" "$AGENT" preflight macweb --root "$TMP/mac" --live --json \
      --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG")
is "$(q '[f["code"] for c in d["checks"] if c["id"] == "preflight.machine-exists" for f in c["findings"]]')" '["podman.machine-missing"]' \
   "--root of a macOS tree: no machine is a failure (requireMachine defaults to the tree's OS)"
is "$(q '[c["id"] for c in d["checks"] if c["status"] != "skipped" and c["id"].endswith("-systemd")]')" "[]" "the systemd steps are left out for a Mac"
rm "$CFG/agents.d/macweb.yaml"

# ---- a Windows tree: no service manager there, agents live in the WSL distro
mkdir -p "$TMP/win/Windows/System32"
out=$(PATH="$BIN:/usr/bin:/bin" "$AGENT" preflight web --root "$TMP/win" --json \
      --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG"); rc=$?
is "$rc" 2 "a Windows tree: exit 2"
is "$(q '[f["code"] for c in d["checks"] if c["id"] == "preflight.platform" for f in c["findings"]]')" '["agent.platform-unsupported"]' "agent.platform-unsupported"
like "$(q '"\n".join(d["preflight"]["actions"])')" 'install the agent inside the WSL distro' "the action says where agents live on Windows"

# ---- when: runtime: a native agent skips the podman steps, with the reason ------------------
cat > "$CFG/agents.d/tool.yaml" <<YAML
name: tool
runtime: native
command: [$TMP/no-such-program, --serve]
backend: systemd
logs: {app: $LOGS/tool.log, stdout: $LOGS/tool.out.log, stderr: $LOGS/tool.err.log}
YAML
out=$(preflight tool --json); rc=$?
is "$rc" 2 "native agent, command missing: exit 2"
is "$(q '[f["code"] for c in d["checks"] if c["id"] == "preflight.runtime" for f in c["findings"]]')" '["agent.runtime-command-missing"]' "agent.runtime-command-missing"
is "$(q '[s["state"] for s in d["preflight"]["steps"] if s["step"] == 4][0]')" "not checked: applies only to runtime podman; tool runs native" "the podman binary step says why it did not run"
unlike "$(cat "$D/calls")" '^podman .*tool' "podman was not asked about a native agent"
printf '#!/bin/sh\nexit 0\n' > "$TMP/no-such-program"; chmod 755 "$TMP/no-such-program"
out=$(preflight tool --json)
is "$(q '[f["code"] for c in d["checks"] if c["id"] == "preflight.runtime" for f in c["findings"]]')" '["agent.runtime-ready"]' "the command exists: agent.runtime-ready"

# each way a native command is wrong
sed -i "s|^command: .*|command: [bin/tool, --serve]|" "$CFG/agents.d/tool.yaml"
out=$(preflight tool --json)
is "$(q '[f["code"] for c in d["checks"] if c["id"] == "preflight.runtime" for f in c["findings"]]')" '["agent.runtime-command-relative"]' "a relative command: agent.runtime-command-relative"
chmod 644 "$TMP/no-such-program"
sed -i "s|^command: .*|command: [$TMP/no-such-program]|" "$CFG/agents.d/tool.yaml"
out=$(preflight tool --json)
is "$(q '[f["code"] for c in d["checks"] if c["id"] == "preflight.runtime" for f in c["findings"]]')" '["agent.runtime-command-not-executable"]' "a command that is not executable: agent.runtime-command-not-executable"
sed -i "s|^command: .*|command: [$TMP]|" "$CFG/agents.d/tool.yaml"
out=$(preflight tool --json)
is "$(q '[f["code"] for c in d["checks"] if c["id"] == "preflight.runtime" for f in c["findings"]]')" '["agent.runtime-command-not-executable"]' "a directory as the command: not executable"

# ---- the lint steps: the current generation, a stale one, a failing one -------------------
"$AGENT" stage web --config-dir "$CFG" --plugin-dir "$BUILD_PLUGINS" > "$TMP/stage.out" 2>&1
ok $? "staged generation 1"
out=$(preflight web); rc=$?
is "$rc" 0 "staged: exit 0"
like "$out" '- service definition: passes .*\(generation 1\)' "service definition: the current generation's lints"
like "$out" '- persistence: staged but not enabled \(generation 1\)' "persistence: staged but not enabled"
declare_web "args: [--changed]"
out=$(preflight web)
like "$out" '- service definition: passes .*\(a scratch generation\)' "a declaration changed since staging: a scratch generation"
is "$(ls "$XDG_STATE_HOME/sourceos/agents/web/generations")" 1 "the state directory still holds only generation 1"
# a lint tool that fails: the step fails with what it said, and the fix
printf '#!/bin/sh\necho "$3:3:1: error: injected failure [SC1000]"\nexit 1\n' > "$BIN/shellcheck"
chmod +x "$BIN/shellcheck"
out=$(preflight web --json); rc=$?
is "$rc" 2 "a generated wrapper that fails shellcheck: exit 2"
is "$(q '[f["code"] for c in d["checks"] if c["id"] == "preflight.wrapper" for f in c["findings"]]')" '["agent.wrapper-lint-failed"]' "agent.wrapper-lint-failed"
is "$(q '[s["state"] for s in d["preflight"]["steps"] if s["step"] == 18][0]')" "fails shellcheck in a scratch generation: wrapper:3:1: error: injected failure [SC1000]" "the state quotes the lint, the scratch path cut to the file's name"
is "$(q '[x for c in d["checks"] if c["id"] == "preflight.wrapper" for f in c["findings"] for x in f["commands"]]')" '["sourceos-agent stage web"]' "the action: stage it to read every lint"
like "$(q '"\n".join(d["preflight"]["actions"])')" 'run `sourceos-agent stage web`' "listed as an action"
rm "$BIN/shellcheck"

# systemd-analyze refusing the unit: the service definition step fails
printf '#!/bin/sh\necho "sourceos-agent@web.service:9: Unknown key name '"'"'Bogus'"'"'" >&2\nexit 1\n' > "$BIN/systemd-analyze"
chmod +x "$BIN/systemd-analyze"
out=$(preflight web --json); rc=$?
is "$rc" 2 "a generated unit systemd-analyze refuses: exit 2"
is "$(q '[f["code"] for c in d["checks"] if c["id"] == "preflight.definition" for f in c["findings"]]')" '["agent.definition-lint-failed"]' "agent.definition-lint-failed"
like "$(q '[s["state"] for s in d["preflight"]["steps"] if s["step"] == 17][0]')" "^fails systemd-analyze verify in a scratch generation" "the state names the lint"
rm "$BIN/systemd-analyze"
# a declaration the generators refuse: a system agent without an account
cat > "$CFG/agents.d/sys.yaml" <<YAML
name: sys
image: localhost/sys@sha256:0123
scope: system
backend: systemd
logs: {app: $LOGS/s.log, stdout: $LOGS/s.o.log, stderr: $LOGS/s.e.log}
YAML
out=$(preflight sys --json); rc=$?
is "$rc" 2 "a system agent without an account: exit 2"
is "$(q '[f["code"] for c in d["checks"] if c["id"] in ("preflight.definition", "preflight.wrapper") for f in c["findings"]]')" '["agent.definition-not-generated", "agent.wrapper-not-generated"]' "both generated steps: not generated"
like "$(q '[s["state"] for s in d["preflight"]["steps"] if s["step"] == 17][0]')" "^cannot be generated from the declaration: .*account" "says why (the account)"
rm "$CFG/agents.d/sys.yaml"

# ---- warnings: a lint not run ----------------------------------------------------------------
declare_web "args: [--other]"
out=$(SOURCEOS_STAGE_SKIP_EXTERNAL=1 preflight web); rc=$?
is "$rc" 1 "a lint not run: exit 1"
is "$(printf '%s\n' "$out" | head -n 1)" "web preflight: passed with warnings" "headline: passed with warnings"
like "$out" '- wrapper: shellcheck was not run on the wrapper' "the wrapper step says shellcheck did not run"
declare_web

# ---- what cannot run: exit 3, said once -----------------------------------------------------
out=$(preflight nosuch 2>&1); rc=$?
is "$rc" 3 "no such agent: exit 3"
like "$out" 'agents.d/nosuch.yaml' "names the declaration file"
mkdir -p "$TMP/bare/checks.d" "$TMP/bare/agents.d"
cp "$CFG/agents.d/web.yaml" "$TMP/bare/agents.d/"
cp "$SOS_SRCDIR/checks.d/00-host.yaml" "$SOS_SRCDIR/checks.d/10-podman.yaml" "$TMP/bare/checks.d/"
chmod -R go-w "$TMP/bare"
out=$(PATH="$BIN:/usr/bin:/bin" "$AGENT" preflight web --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/bare" 2>&1); rc=$?
is "$rc" 3 "checks.d without a preflight step: exit 3"
like "$out" "declares no check with a 'preflight:' step" "says there is nothing to check"
out=$("$AGENT" preflight --help); rc=$?
is "$rc" 0 "--help: exit 0"
like "$out" 'Usage: sourceos-agent preflight' "--help: usage line"
like "$out" 'Exit status: 0 every step passed, 1 warnings, 2 a step failed' "--help: the exit codes"

done_testing
