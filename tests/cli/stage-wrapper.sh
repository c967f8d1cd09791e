#!/bin/sh
# The generated wrapper's runtime checks, run by hand against a stand-in
# podman on PATH that answers each check as the case needs and records every
# argv: each failed check exits with its own code (docs/stage.md), writes
# exactly one line to the agent's log and runs no container; on launchd the
# restart budget trips after maxRestartsPerHour starts in an hour and then
# exits 0 without asking podman anything.
. "$SOS_SRCDIR/tests/lib.sh"
AGENT="$SOS_BUILDDIR/sourceos-agent"
BIN="$TMP/bin"
mkdir -p "$BIN" "$HOME/.config/containers" "$TMP/cfg/agents.d"
printf '{"auths":{}}\n' > "$HOME/.config/containers/sourceos-empty-auth.json"
# The stand-in: PODMAN_FAIL names the check that fails (machine, info,
# image); the machine's state is PODMAN_MACHINE_STATE.
cat > "$BIN/podman" <<'SH'
#!/bin/sh
printf '%s\n' "$*" >> "$PODMAN_ARGV"
case "$*" in
    "machine inspect"*) printf '%s\n' "${PODMAN_MACHINE_STATE:-running}"; exit 0 ;;
    *" info"|info) [ "$PODMAN_FAIL" = info ] && { echo 'Cannot connect to Podman' >&2; exit 125; }; exit 0 ;;
    *"image exists"*) [ "$PODMAN_FAIL" = image ] && exit 1; exit 0 ;;
    *" run "*|"run "*) echo container-ran; exit 0 ;;
esac
exit 0
SH
chmod 755 "$BIN/podman"
export PODMAN_ARGV="$TMP/argv" PATH="$BIN:$PATH"

# stage BACKEND [YAML-LINE...]: `sourceos-agent stage web` of a declaration
# with those lines, its state under $TMP/state-BACKEND ($XDG_STATE_HOME);
# sets SRC (exit), WRAPPER, STATE and LOGF (the wrapper's log, the default
# under $XDG_STATE_HOME). stdout/stderr go outside /tmp, where launchd.lint
# wants them (the wrapper never writes there).
stage() {
    b=$1
    shift
    { printf 'name: web\nimage: localhost/sourceos/web:1\nbackend: %s\nargs: [echo, hello]\n' "$b"
      printf 'logs: {stdout: /var/log/sourceos-test/web.out.log, stderr: /var/log/sourceos-test/web.err.log}\n'
      for l in "$@"; do printf '%s\n' "$l"; done; } > "$TMP/cfg/agents.d/web.yaml"
    XDG_STATE_HOME="$TMP/state-$b" "$AGENT" stage web --json --config-dir "$TMP/cfg" \
        --plugin-dir "$BUILD_PLUGINS" > "$TMP/stage.json" 2>"$TMP/stage.err"; SRC=$?
    WRAPPER=$(jget 'd["wrapper"]' < "$TMP/stage.json" 2>/dev/null)
    STATE="$TMP/state-$b/sourceos/agents/web"
    LOGF="$TMP/state-$b/sourceos/logs/web.log"
    mkdir -p "$TMP/state-$b/sourceos/logs"
}
# run_case NAME: runs the wrapper; RC, LOG (the lines it added), RAN (runs asked).
# Each case is a first start (its restart budget cleared) unless KEEP_BUDGET.
run_case() {
    : > "$LOGF"
    : > "$PODMAN_ARGV"
    [ -n "${KEEP_BUDGET:-}" ] || rm -f "$STATE/restarts" "$STATE/tripped"
    out=$(sh "$WRAPPER" 2>&1); RC=$?
    LOG=$(cat "$LOGF")
    RAN=$(grep -c -e '^run ' -e ' run ' "$PODMAN_ARGV")
}

stage systemd 'env: [APP_MODE=serve]'
is "$SRC" 0 "staged a systemd wrapper, every lint passing"
run_case
is "$RC $RAN $out" "0 1 container-ran" "every check passes: podman run is exec'd"
like "$(grep -e '^run ' "$PODMAN_ARGV")" "^run --rm --replace --name sourceos-web --label sourceos.agent=web --pull=never --authfile $HOME/.config/containers/sourceos-empty-auth.json -e APP_MODE=serve localhost/sourceos/web:1 echo hello$" \
    "the governed run: --rm --replace, labelled sourceos.agent=web, --pull=never, the empty auth file, only the declared env"
is "$(grep -c 'machine inspect' "$PODMAN_ARGV")" 0 "Linux: no machine check by default"

PODMAN_FAIL=info run_case
is "$RC $RAN" "21 0" "socket refused: exit 21, no container"
is "$(printf '%s\n' "$LOG" | wc -l)" 1 "one log line"
like "$LOG" "sourceos-agent\[web\]: the podman service does not answer" "it says what failed"

PODMAN_FAIL=image run_case
is "$RC $RAN" "22 0" "image missing: exit 22, no container"
like "$LOG" "the local image localhost/sourceos/web:1 is missing" "the line names the image"

printf '{"auths":{"ghcr.io":{"auth":"eA=="}}}\n' > "$TMP/other-auth.json"
stage systemd "auth: {authfile: $TMP/other-auth.json}"
run_case
is "$RC $RAN" "23 0" "an auth file with credentials: exit 23, no container"
like "$LOG" "is missing or not exactly" "the line says why"
rm -f "$TMP/other-auth.json"
run_case
is "$RC $RAN" "23 0" "a missing auth file: exit 23"

stage systemd
touch "$STATE/docker-config/config.json"
run_case
is "$RC $RAN" "24 0" "a private DOCKER_CONFIG that is not empty: exit 24"
rm -f "$STATE/docker-config/config.json"

# The systemd wrapper keeps the budget too (a daemon-reload forgets the
# unit's start count): the default 3 starts, then tripped.
rm -f "$STATE/restarts" "$STATE/tripped"
KEEP_BUDGET=1
run_case; run_case; run_case
is "$RC $RAN" "0 1" "systemd: the third start in the hour still runs"
run_case
is "$RC $RAN" "0 0" "the fourth trips: exit 0 (Restart=on-failure leaves it down), no container"
like "$LOG" "restart budget spent: 3 starts in the last hour \(maxRestartsPerHour 3\); tripped" "the line says tripped"
KEEP_BUDGET=

# launchd: the machine check (required, as on macOS) and the budget.
KEEP_BUDGET=1
stage launchd 'podman: {requireMachine: true}' 'lifecycle: {maxRestartsPerHour: 2}'
is "$SRC" 0 "staged a launchd wrapper, every lint passing"
PODMAN_MACHINE_STATE=stopped run_case
is "$RC $RAN" "20 0" "machine stopped: exit 20, no container"
like "$LOG" "podman machine podman-machine-default is not running \(state: stopped\); run: podman machine start podman-machine-default" "the line names the command"
is "$(printf '%s\n' "$LOG" | wc -l)" 1 "one log line"
# That was the first start of the hour; the second still runs, the third trips.
run_case
is "$RC $RAN" "0 1" "second start within the budget of 2: runs"
run_case
is "$RC $RAN" "0 0" "third start in the hour: exit 0, no container"
like "$LOG" "restart budget spent: 2 starts in the last hour \(maxRestartsPerHour 2\); tripped" "the line says tripped"
is "$(cut -d' ' -f1 "$STATE/tripped")" tripped "the state directory records tripped"
is "$(grep -c . "$PODMAN_ARGV")" 0 "a tripped wrapper asks podman nothing"
# Starts older than an hour no longer count.
old=$(( $(date +%s) - 4000 ))
printf '%s\n%s\n' "$old" "$old" > "$STATE/restarts"
run_case
is "$RC $RAN" "0 1" "an hour later the budget is back"

# A hostile connection never reaches the wrapper: refused, nothing staged.
rm -rf "$TMP/state-systemd"
stage systemd 'podman: {connection: "x;touch pwned"}'
is "$SRC" 3 "a connection with ';' is refused (exit 3)"
like "$(cat "$TMP/stage.err")" "connection" "naming the field"
[ ! -e "$TMP/state-systemd/sourceos/agents" ]
ok $? "and nothing is staged"
done_testing
