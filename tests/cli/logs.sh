#!/bin/sh
# sourceos-agent logs NAME: the last -n lines of each log, a secret in a
# line redacted, a run of one failure collapsed with its count, -f picking
# up appended lines and ending on SIGINT with 130 and no process left, and
# a log that is a symlink out of --root refused.
. "$SOS_SRCDIR/tests/lib.sh"
AGENT="$SOS_BUILDDIR/sourceos-agent"
V="$PYTHON $SOS_SRCDIR/tests/validate-json.py"
BIN="$TMP/bin"
export XDG_STATE_HOME="$TMP/state"
LOGS="$XDG_STATE_HOME/sourceos/logs"
LOG="$LOGS/web.log"   # the default logs.app; stdout and stderr stay unwritten
mkdir -p "$BIN" "$TMP/cfg/checks.d" "$TMP/cfg/agents.d" "$LOGS"
cat > "$TMP/cfg/agents.d/web.yaml" <<YAML
name: web
image: localhost/web@sha256:0123
backend: systemd
YAML
printf '#!/bin/sh\nexit 1\n' > "$BIN/systemctl"; cp "$BIN/systemctl" "$BIN/podman"; chmod +x "$BIN"/*
logs() { PATH="$BIN:/usr/bin:/bin" "$AGENT" logs web --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/cfg" "$@"; }
for i in 1 2 3 4 5; do echo "line $i"; done > "$LOG"
for i in 1 2 3 4; do echo "2025-01-01T00:00:0${i}Z error: cannot connect to podman socket (pid 10$i)"; done >> "$LOG"
echo "login with password=hunter2secret ok" >> "$LOG"
echo "last line" >> "$LOG"

out=$(logs -n 3); rc=$?
is "$rc" 0 "logs: exit 0"
is "$(printf '%s\n' "$out" | sed -n '/web.log <==/,/<==/p' | grep -vc '<==')" 3 "-n 3: three lines"
unlike "$out" 'hunter2secret' "the secret does not leave"
like "$out" 'password=<redacted' "it is redacted in place"
out=$(logs -n 4)
like "$out" 'error: cannot connect to podman socket \(pid 104\) \[repeated 4 times\]' "four failures differing in time and pid: one line with its count"
like "$out" 'line 5' "a collapsed run counts as one of the N lines"
like "$out" '^last exit reason: .*cannot connect to podman socket' "the last exit reason: the last failure line"
like "$out" 'web.service.err.log does not exist' "a log not written yet is said so"
out=$(logs --json)
printf '%s' "$out" > "$TMP/logs.json"
$V "$SOS_SRCDIR/schemas/logs.schema.json" "$TMP/logs.json" >&2
ok $? "--json is valid against logs.schema.json"

# -f: appended lines appear, redacted; SIGINT ends it with 130, nothing left
# (a background job of sh starts with SIGINT ignored: restore it, as a terminal has it)
PATH="$BIN:/usr/bin:/bin" "$PYTHON" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$AGENT" logs web --plugin-dir "$BUILD_PLUGINS" \
    --config-dir "$TMP/cfg" -n 1 -f > "$TMP/follow.out" 2>&1 &
pid=$!
sleep 1.5
echo "appended token=ghp_abcdefghijklmnopqrstuvwxyz0123456789" >> "$LOG"
echo "appended again" >> "$LOG"
sleep 1
: > "$LOG"; echo "after truncation" >> "$LOG"
sleep 1
kill -INT $pid; wait $pid; rc=$?
is "$rc" 130 "-f ends on SIGINT with 130"
like "$(cat "$TMP/follow.out")" '^appended again$' "-f picks up appended lines"
like "$(cat "$TMP/follow.out")" '^after truncation$' "-f starts over after a truncation"
unlike "$(cat "$TMP/follow.out")" 'ghp_abcdefghij' "a secret in a followed line is redacted"
sleep 0.3
is "$(ps -o pid= --ppid $pid 2>/dev/null | wc -l)" 0 "no process left behind"

# a log that is a symlink out of --root is refused
R="$TMP/root"
mkdir -p "$R$LOGS" "$TMP/outside"
echo "outside secret" > "$TMP/outside/x.log"
ln -s ../../../../../../../../../../../../../../outside/x.log "$R$LOG"
out=$(logs --root "$R"); rc=$?
is "$rc" 1 "a log escaping --root: exit 1"
like "$out" 'symlink that leaves the root' "refused, saying why"
unlike "$out" 'outside secret' "nothing of it is shown"
logs -f --root "$R" >/dev/null 2>&1
is "$?" 64 "-f with --root: usage error"
done_testing
