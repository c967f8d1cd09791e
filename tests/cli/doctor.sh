#!/bin/sh
# `sourceos doctor local-runtime` with the shipped checks.d and plugins, as a
# user runs it from the build tree, against a podman that is missing, one that
# answers, and the real one when installed.
. "$SOS_SRCDIR/tests/lib.sh"

mkdir -p "$TMP/nopodman" "$TMP/fakepodman"
cat > "$TMP/fakepodman/podman" <<'SH'
#!/bin/sh
echo "$@" >> "${0%/*}/calls"
case "$1" in
--version) echo "podman version 4.9.3" ;;
info) printf '{"host":{"os":"linux","security":{"rootless":false}},"version":{"Version":"4.9.3"}}\n' ;;
*) echo "Error: unexpected $*" >&2; exit 125 ;;
esac
SH
chmod +x "$TMP/fakepodman/podman"
# The shipped declarations of the checks asserted on here. The others read
# machine-wide state (systemd.scan: /etc/systemd; nix.generations: /nix and
# every home) that a developer's machine may have, which would change the
# counts and exit codes below; the last run uses the whole default checks.d.
CFG="$TMP/cfg"
mkdir -p "$CFG/checks.d"
cp "$SOS_SRCDIR/checks.d/00-host.yaml" "$SOS_SRCDIR/checks.d/10-podman.yaml" \
    "$SOS_SRCDIR/checks.d/20-registry.yaml" "$CFG/checks.d/"

out=$(PATH="$TMP/nopodman" "$SOS" doctor local-runtime --config-dir "$CFG" --json); rc=$?
is "$rc" 2 "podman missing: exit 2"
is "$(printf '%s' "$out" | jget 'find("podman.binary")["status"]')" failure "podman.binary fails"
is "$(printf '%s' "$out" | jget 'find("podman.binary")["findings"][0]["code"]')" podman.binary-missing "finding code podman.binary-missing"
like "$(printf '%s' "$out" | jget 'find("podman.binary")["findings"][0]["commands"][0]')" 'apt-get install podman' "Linux install remediation"
is "$(printf '%s' "$out" | jget 'find("host.facts")["status"]')" ok "host.facts ok"
is "$(printf '%s' "$out" | jget 'd["host"]["os"]')" "$(grep -qi microsoft /proc/sys/kernel/osrelease && echo wsl || echo linux)" "host os detected"
is "$(printf '%s' "$out" | jget 'd["host"]["arch"]')" "$(uname -m)" "host arch detected"
is "$(printf '%s' "$out" | jget 'find("podman.binary")["commands"][0]["argv"]')" '["podman", "--version"]' "the command run is recorded"
is "$(printf '%s' "$out" | jget 'find("podman.binary")["commands"][0]["not_started"]')" true "and that it could not start"
is "$(printf '%s' "$out" | jget '[c["status"] for c in d["checks"] if c["id"] in ("podman.machine","podman.connection","podman.info")]')" '["skipped", "skipped", "skipped"]' "what needs podman is skipped, not failed again"
is "$(printf '%s' "$out" | jget 'find("podman.info")["reason"]')" "needs podman.connection, which was skipped" "with the reason"
is "$(printf '%s' "$out" | jget 'd["summary"]["failure"]')" 1 "one failure in all"

out=$(PATH="$TMP/nopodman" "$SOS" doctor local-runtime --config-dir "$CFG" --json --live --root "$FIXTURES/roots/macos")
like "$(printf '%s' "$out" | jget 'find("podman.binary")["findings"][0]["commands"][0]')" 'brew install podman' "macOS tree: macOS install remediation"

human=$(PATH="$TMP/nopodman" "$SOS" doctor local-runtime --config-dir "$CFG"); rc=$?
is "$rc" 2 "human format: same exit code"
like "$human" '^FAIL +podman\.binary ' "one line per check with status and id"
like "$human" '\[podman\.binary-missing\] podman cannot be run: not found on PATH' "finding indented with its code"
like "$human" 'apt-get install podman' "remediation command shown"
like "$human" '^[0-9]+ checks: [0-9]+ ok, 0 warnings, 1 failure, 0 errors, [0-9]+ skipped' "summary line, with plurals"
unlike "$human" "$(printf '\033')" "no colour when not a terminal"

# Colours only on a terminal (script(1) gives one), and never with
# --no-color or NO_COLOR.
if SCRIPT=$(command -v script); then
    esc=$(printf '\033')
    tty_out=$(PATH="$TMP/fakepodman" NO_COLOR= "$SCRIPT" -qec "$SOS doctor local-runtime --config-dir $CFG" /dev/null)
    like "$tty_out" "$esc\\[" "colours on a terminal"
    tty_out=$(PATH="$TMP/fakepodman" NO_COLOR= "$SCRIPT" -qec "$SOS doctor local-runtime --config-dir $CFG --no-color" /dev/null)
    unlike "$tty_out" "$esc" "--no-color: none"
    tty_out=$(PATH="$TMP/fakepodman" NO_COLOR=1 "$SCRIPT" -qec "$SOS doctor local-runtime --config-dir $CFG" /dev/null)
    unlike "$tty_out" "$esc" "NO_COLOR: none"
fi

rm -f "$TMP/fakepodman/calls"
out=$(PATH="$TMP/fakepodman" "$SOS" doctor local-runtime --config-dir "$CFG" --json); rc=$?
is "$rc" 0 "podman answers: exit 0"
is "$(printf '%s' "$out" | jget 'find("podman.binary")["facts"]["podman.version"]')" 4.9.3 "version published as a fact"
is "$(cat "$TMP/fakepodman/calls" | tr '\n' '|')" "--version|info --format json|" "podman was asked for its version and info, argv only"

nd=$(PATH="$TMP/fakepodman" "$SOS" doctor local-runtime --config-dir "$CFG" --format ndjson); rc=$?
is "$rc" 0 "ndjson: exit 0"
is "$(printf '%s\n' "$nd" | head -n1 | jget 'd["event"]')" check-started "ndjson starts with check-started"
is "$(printf '%s\n' "$nd" | tail -n1 | jget 'd["event"]')" summary "ndjson ends with the summary"
is "$(printf '%s\n' "$nd" | grep -c '"check-finished"')" "$(printf '%s\n' "$nd" | tail -n1 | jget 'd["summary"]["total"]')" "one check-finished per check"

if command -v podman >/dev/null 2>&1; then
    want=$(podman version --format '{{.Client.Version}}' 2>/dev/null)
    out=$("$SOS" doctor local-runtime --json)
    is "$(printf '%s' "$out" | jget 'find("podman.binary")["facts"]["podman.version"]')" "$want" "real podman: version matches podman's own"
else
    echo "# podman not installed: the real-podman assertion is not run"
    is "podman" "installed" "real podman is installed (.ci/run installs it)"
fi
done_testing
