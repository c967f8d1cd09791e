#!/bin/sh
# The doctor's lints on a staged generation, run as the doctor runs them
# (launchd.lint / systemd.lint through the runner, from the checks.d the
# stage writes into the generation): a generated plist and unit pass with no
# finding above info; a plist whose logs go to /tmp fails launchd.lint, the
# stage exits 2 and the previous generation stays current; GNU-only syntax
# put into a staged wrapper is caught by the same lint config.
. "$SOS_SRCDIR/tests/lib.sh"
AGENT="$SOS_BUILDDIR/sourceos-agent"
mkdir -p "$HOME/.config/containers" "$TMP/cfg/agents.d"
printf '{"auths":{}}\n' > "$HOME/.config/containers/sourceos-empty-auth.json"
# Logs named outside /tmp (the test's home is under it); nothing is written there.
LOGS='logs: {app: /var/log/sourceos-test/web.log, stdout: /var/log/sourceos-test/web.out.log, stderr: /var/log/sourceos-test/web.err.log}'
# stage BACKEND [YAML-LINE]: stages agent web, its state under $TMP/state-BACKEND.
stage() {
    printf 'name: web\nimage: localhost/sourceos/web:1\nbackend: %s\nargs: [serve]\n%s\n' "$1" "${2:-}" \
        > "$TMP/cfg/agents.d/web.yaml"
    XDG_STATE_HOME="$TMP/state-$1" "$AGENT" stage web --config-dir "$TMP/cfg" --plugin-dir "$BUILD_PLUGINS"
}

out=$(stage launchd "$LOGS" 2>&1); rc=$?
is "$rc" 0 "launchd: staged, every lint passes"
G1="$TMP/state-launchd/sourceos/agents/web/generations/1"
is "$(jget '[(l["lint"], l["status"]) for l in d]' < "$G1/lint.json")" \
    '[["shellcheck", "pass"], ["plist round trip", "pass"], ["launchd.lint", "pass"]]' \
    "lint.json: shellcheck, the round trip and the doctor's launchd.lint"
like "$(cat "$G1/lint-config/checks.d/50-stage.yaml")" "plugin: launchd, check: lint, params: \{plist: \"$G1/org.sourceos.agent.web.plist\"\}" \
    "the doctor's lint, declared in the generation"

# The default logs follow $XDG_STATE_HOME, here under /tmp: the loader takes
# defaults as they come, the lint says where they went.
out=$(stage launchd 2>&1); rc=$?
is "$rc" 2 "logs under /tmp: the stage fails its lint (exit 2)"
like "$out" "launchd.lint +failed" "launchd.lint failed"
like "$out" "launchd.log-in-tmp \(critical\)" "launchd.lint says why"
is "$(readlink "$TMP/state-launchd/sourceos/agents/web/current")" generations/1 "the previous generation stays current"
is "$(jget '[l["status"] for l in d if l["lint"] == "launchd.lint"]' < "$TMP/state-launchd/sourceos/agents/web/generations/2/lint.json")" '["fail"]' \
    "the failed generation keeps its lint results"

# GNU-isms in the wrapper the plist runs: shellcheck --shell=sh does not
# know BSD from GNU, the doctor's gnu-only rule does.
sed -i 's/^set -u$/set -u\nsed -i "s|a|b|" "$log_file"\nreadlink -f "$0"/' "$G1/wrapper"
shellcheck --shell=sh "$G1/wrapper" >/dev/null 2>&1
ok $? "shellcheck alone accepts the GNU-only lines"
out=$("$SOS" doctor local-runtime --config-dir "$G1/lint-config" --plugin-dir "$BUILD_PLUGINS" --json)
like "$(printf '%s' "$out" | jget '[f["code"] for f in find("stage.launchd-lint")["findings"]]')" "launchd.gnu-only-syntax" \
    "the generation's launchd.lint catches GNU-only syntax in the wrapper"

out=$(stage systemd "$LOGS" 2>&1); rc=$?
is "$rc" 0 "systemd: staged, every lint passes"
is "$(jget '[(l["lint"], l["status"]) for l in d]' < "$TMP/state-systemd/sourceos/agents/web/generations/1/lint.json")" \
    '[["shellcheck", "pass"], ["systemd-analyze verify", "pass"], ["systemd.lint", "pass"]]' \
    "lint.json: shellcheck, systemd-analyze verify and the doctor's systemd.lint"
done_testing
