#!/bin/sh
# machine.control-plane (stereos plugin): stereosd's NDJSON ping and
# get_health over TCP (and vsock where this kernel has a loopback
# transport), against a stand-in server (tests/stereosd-standin.py) that
# plays each state and each way of failing. The check never sends more
# than ping and get_health, and never runs past its deadline.
. "$SOS_SRCDIR/tests/lib.sh"
CTL="$SOS_BUILDDIR/sourceosctl"
PROFILE="$HOME/.config/sourceos/agent-machine/dev.yaml"
mkdir -p "$TMP/bin" "$TMP/cfg"
printf '#!/bin/sh\necho "podman version 4.3.1"\n' > "$TMP/bin/podman"
chmod +x "$TMP/bin/podman"
PATH="$TMP/bin:$PATH"
export PATH
# one second per answer, so the slow cases stay quick
cp -R "$SOS_SRCDIR/checks.d" "$TMP/cfg/"
sed -i 's/answer_timeout_ms: 3000/answer_timeout_ms: 1000/' "$TMP/cfg/checks.d/60-machine.yaml"
grep -q 'answer_timeout_ms: 1000' "$TMP/cfg/checks.d/60-machine.yaml" || { echo "Bail out! no answer_timeout_ms in 60-machine.yaml"; exit 1; }

srv=
stop_server() { [ -z "$srv" ] || { kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; }; srv=; }
trap 'stop_server; _cleanup' EXIT
start_server() { # start_server ADDRESS: the port in $PORT
    stop_server
    : > "$TMP/srv.out"
    "$PYTHON" "$SOS_SRCDIR/tests/stereosd-standin.py" "$1" "$TMP/mode" "$TMP/requests" \
        > "$TMP/srv.out" 2> "$TMP/srv.err" &
    srv=$!
    for _ in $(seq 1 300); do [ -s "$TMP/srv.out" ] && break; sleep 0.05; done
    PORT=$(cat "$TMP/srv.out")
}
control_plane() { sed -i "s|^  controlPlane: .*|  controlPlane: \"$1\"|" "$PROFILE"; }
doctor() {
    "$CTL" agent-machine doctor --json --config-dir "$TMP/cfg" > "$TMP/r.json" 2> "$TMP/err"
    rc=$?
}
get() { jget "$1" < "$TMP/r.json"; }
cp_status() { get "find('machine.control-plane')['status']"; }
cp_codes() { get "[f['code'] for f in find('machine.control-plane')['findings']]"; }
cp_message() { get "find('machine.control-plane')['findings'][0]['message']"; }
cp_duration() { get "find('machine.control-plane')['duration']"; }
play() { echo "$1" > "$TMP/mode"; doctor; }

"$CTL" agent-machine init --profile linux-native --name dev > /dev/null
doctor
is "$(cp_status)|$(cp_codes)" 'skipped|["stereos.not-configured"]' "no controlPlane in the profile: skipped, saying so"

echo ready > "$TMP/mode"
start_server tcp
like "$PORT" '^[0-9]+$' "the stand-in listens"
URL="tcp://127.0.0.1:$PORT"
control_plane "$URL"
play ready
is "$(cp_status)|$(cp_codes)" 'ok|["stereos.ready"]' "ready: ok"
is "$(cp_message)" "the guest's control plane is ready (1 agents, up 42 s)" "the state, the agents and the uptime"
is "$(get "find('machine.control-plane')['findings'][0]['evidence']")" "{\"url\": \"$URL\", \"state\": \"ready\", \"agents\": \"1\", \"uptime_seconds\": \"42\"}" "as evidence"
is "$(get "[c['argv'] for c in find('machine.control-plane')['commands']]")" "[[\"EXCHANGE\", \"$URL\", \"{\\\"type\\\":\\\"ping\\\"}\"], [\"EXCHANGE\", \"$URL\", \"{\\\"type\\\":\\\"get_health\\\"}\"]]" "the report records both exchanges, as commands"
"$PYTHON" "$SOS_SRCDIR/tests/validate-json.py" "$SOS_SRCDIR/schemas/report.schema.json" "$TMP/r.json" >&2
ok $? "the report is valid against report.schema.json"
play healthy
is "$(cp_status)|$(cp_codes)" 'ok|["stereos.ready"]' "healthy: ok"
play booting
is "$rc|$(cp_status)|$(cp_codes)" '1|warning|["stereos.booting"]' "booting: a warning"
play degraded
is "$rc|$(cp_status)|$(cp_codes)" '1|warning|["stereos.degraded"]' "degraded: a warning"
is "$(cp_message)" "the guest is degraded: 2 of 2 agents not running: codex, claude (error: exit status 1)" "naming the agents that do not run, with their errors"
play shutdown
is "$rc|$(cp_status)|$(cp_codes)" '2|failure|["stereos.shutdown"]' "shutdown: a failure"
is "$(get "find('machine.control-plane')['findings'][0]['commands']")" '["sourceosctl agent-machine start --profile dev"]' "with the command that starts the machine"
play slow-ok
is "$(cp_status)" 'ok' "an answer after 0.5 s is within the 1 s deadline"

# malformed answers
play odd-state
is "$rc|$(cp_status)|$(cp_codes)" '2|failure|["stereos.malformed"]' "a state stereosd does not have: a failure"
like "$(cp_message)" 'a state stereosd does not have \("sleeping"\)' "naming it"
play garbage
is "$rc|$(cp_status)|$(cp_codes)" '2|failure|["stereos.malformed"]' "bytes that are not JSON: a failure"
like "$(cp_message)" 'answered ping with a line that is not JSON \(line 1, column' "saying where"
"$CTL" agent-machine doctor --config-dir "$TMP/cfg" > "$TMP/human" 2>&1
"$PYTHON" -c 'import sys; sys.exit(b"\x1b" in open(sys.argv[1], "rb").read())' "$TMP/human"
ok $? "the human report holds no escape byte of the answer"
play not-object
is "$rc|$(cp_codes)" '2|["stereos.malformed"]' "a JSON array: malformed"
like "$(cp_message)" 'not an object with a type' "saying so"
play wrong-type
is "$rc|$(cp_codes)" '2|["stereos.malformed"]' "an ack for ping: malformed"
like "$(cp_message)" 'answered ping with type "ack", not "pong"' "naming both types"
play no-state
is "$rc|$(cp_codes)" '2|["stereos.malformed"]' "a health without payload.state: malformed"
like "$(cp_message)" 'answered get_health with a health that has no payload.state' "saying so"
play huge
is "$rc|$(cp_codes)" '2|["stereos.malformed"]' "a 2 MiB line: refused at the 1 MiB bound"
like "$(cp_message)" 'longer than 1 MiB' "saying so"

# silence, early close, nobody there
play silent
is "$rc|$(cp_status)|$(cp_codes)" '2|failure|["stereos.silent"]' "accepts and never answers: a failure, not a hang"
ok "$("$PYTHON" -c 'import sys; print(0 if 0.9 <= float(sys.argv[1]) < 2.5 else 1)' "$(cp_duration)")" "the check gave up at its 1 s deadline ($(cp_duration) s)"
play trickle
is "$rc|$(cp_codes)" '2|["stereos.silent"]' "an answer dripping a byte every 0.2 s: the deadline is for the whole line"
ok "$("$PYTHON" -c 'import sys; print(0 if float(sys.argv[1]) < 2.5 else 1)' "$(cp_duration)")" "within the deadline ($(cp_duration) s)"
play close
is "$rc|$(cp_codes)" '2|["stereos.closed"]' "closes without a word: a failure"
like "$(cp_message)" 'closed before a whole answer line' "saying so"
play unterminated
is "$rc|$(cp_codes)" '2|["stereos.closed"]' "a pong cut before its newline: closed early"
is "$(sort -u "$TMP/requests")" '{"type":"get_health"}
{"type":"ping"}' "the stand-in only ever received ping and get_health"
is "$(grep -c . "$TMP/requests")" "$(grep -c 'type' "$TMP/requests")" "each on a line of its own"

stop_server
play ready
is "$rc|$(cp_status)|$(cp_codes)" '2|failure|["stereos.refused"]' "nobody listens: refused, a failure"
like "$(cp_message)" 'does not answer ping: nobody listens there' "saying so"
is "$(get "find('machine.control-plane')['findings'][0]['commands']")" '["sourceosctl agent-machine start --profile dev"]' "with the command that starts the machine"

# vsock: the real address family, where this kernel can loop it back
if "$PYTHON" -c 'import socket; s = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM); s.bind((1, socket.VMADDR_PORT_ANY))' 2>/dev/null; then
    start_server vsock:1
    control_plane "vsock://1:$PORT"
    play healthy
    is "$(cp_status)|$(cp_codes)" 'ok|["stereos.ready"]' "over AF_VSOCK (loopback CID 1): ok"
    stop_server
else
    skip "this kernel has no vsock loopback transport (vsock_loopback)"
fi
# the guest's CID from a host that runs no such guest: a failure, in time
control_plane "vsock://3:1024"
doctor
like "$rc|$(cp_status)|$(cp_codes)" '^2\|failure\|\["stereos\.(unreachable|refused|silent|closed)"\]$' "vsock to a CID nobody serves: a failure ($(cp_codes))"
ok "$("$PYTHON" -c 'import sys; print(0 if float(sys.argv[1]) < 2.5 else 1)' "$(cp_duration)")" "within the deadline ($(cp_duration) s)"
done_testing
