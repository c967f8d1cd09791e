#!/bin/sh
# podman-machine against captured podman output (4.x and 5.x shapes, every
# machine state), replayed by a stand-in `podman` that records what it was
# asked. The machine's API socket is a real unix socket served by
# tests/ping-server.py inside a copy of the macOS fixture tree (--root).
. "$SOS_SRCDIR/tests/lib.sh"
PODMAN_FIX="$FIXTURES/podman"
FAKE="$TMP/bin/data"   # beside the stand-in: commands run with a clean environment
mkdir -p "$TMP/bin" "$FAKE"
# The stand-in: answers from $FAKE/<name>.{out,rc}, logs argv to $FAKE/calls.
cat > "$TMP/bin/podman" <<'SH'
#!/bin/sh
d="${0%/*}/data"
echo "$*" >> "$d/calls"
case "$*" in
--version) key=version ;;
"machine list --format json") key=list ;;
"machine inspect "*) key=inspect ;;
"system connection list --format json") key=connections ;;
*" info --format json"|"info --format json") key=info ;;
*"image inspect "*) key=image ;;
*) echo "Error: stand-in: unexpected $*" >&2; exit 125 ;;
esac
[ -f "$d/$key.out" ] && cat "$d/$key.out"
[ -f "$d/$key.err" ] && cat "$d/$key.err" >&2
exit "$(cat "$d/$key.rc" 2>/dev/null || echo 0)"
SH
chmod +x "$TMP/bin/podman"
echo "podman version 4.3.1" > "$FAKE/version.out"
cp "$PODMAN_FIX/info-4.3.1.json" "$FAKE/info.out"
echo "[]" > "$FAKE/connections.out"

# A macOS tree; the machine socket path is shortened to fit sun_path.
MAC="$TMP/mac"
cp -R "$FIXTURES/roots/macos" "$MAC"
mkdir -p "$MAC/Users/a"
SOCK=/Users/a/m.sock

machine() { # machine LIST INSPECT [RC]: what `podman machine` will say
    cp "$PODMAN_FIX/$1" "$FAKE/list.out"
    if [ "$2" = missing ]; then echo "[]" > "$FAKE/inspect.out"; echo 125 > "$FAKE/inspect.rc"
        echo "Error: podman-machine-default: VM does not exist" > "$FAKE/inspect.err"
    else sed "s|\"/[^\"]*\\.sock\"|\"$SOCK\"|" "$PODMAN_FIX/$2" > "$FAKE/inspect.out"; rm -f "$FAKE/inspect.rc" "$FAKE/inspect.err"; fi
    : > "$FAKE/calls"
}
serve() { # serve MODE: the machine socket answers like this until unserve
    "$PYTHON" "$SOS_SRCDIR/tests/ping-server.py" "$MAC$SOCK" "$1" > "$TMP/srv.out" &
    srv=$!
    # A loaded machine (the sanitizer run) can take seconds to start python.
    for _ in $(seq 1 300); do grep -q ready "$TMP/srv.out" 2>/dev/null && break; sleep 0.1; done
}
unserve() { kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; srv=; }
trap 'unserve; _cleanup' EXIT
doctor() { PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --json --live --root "$MAC" "$@"; }
status_of() { printf '%s' "$out" | jget "find('$1')['status']"; }
finding() { printf '%s' "$out" | jget "find('$1')['findings'][0]['$2']"; }

# --- 4.x, running: machine ok, socket found through inspect, probed for real
machine list-4.3.1.json inspect-4.3.1-running.json
serve ok
out=$(doctor); rc=$?
is "$rc" 0 "4.3.1 running machine, socket answers: exit 0"
is "$(status_of podman.machine)" ok "machine ok"
is "$(printf '%s' "$out" | jget "find('podman.machine')['facts']")" \
   "{\"podman.machine.name\": \"podman-machine-default\", \"podman.machine.state\": \"running\", \"podman.machine.vmtype\": \"qemu\", \"podman.machine.socket\": \"$SOCK\"}" \
   "facts: name, state, VM type from list, socket from inspect"
is "$(printf '%s' "$out" | jget "find('podman.machine')['findings'][0]['evidence']['config']")" \
   /home/alice/.config/containers/podman/machine/qemu/podman-machine-default.json "4.x ConfigPath read"
is "$(status_of podman.connection)" ok "connection ok"
is "$(printf '%s' "$out" | jget "find('podman.connection')['facts']['podman.endpoint_kind']")" "machine socket" "no connection defined: the machine socket is the endpoint"
is "$(printf '%s' "$out" | jget "find('podman.connection')['commands'][-1]['argv']")" "[\"GET\", \"unix://$SOCK\", \"/_ping\"]" "the socket was pinged directly"
like "$(cat "$FAKE/calls")" "^--remote --url unix://$SOCK info --format json\$" "podman.info talks to the endpoint that was checked"
is "$(printf '%s' "$out" | jget "find('podman.info')['facts']['podman.server_version']")" 4.3.1 "server version from podman info"

# --- ssh default connection (a Mac's usual setup): probed through the machine socket
printf '[{"Name":"podman-machine-default","URI":"ssh://core@127.0.0.1:40517/run/user/501/podman/podman.sock","Identity":"/Users/a/.ssh/pm","Default":true}]\n' > "$FAKE/connections.out"
: > "$FAKE/calls"
out=$(doctor); rc=$?
is "$rc" 0 "ssh default connection, machine socket answers: exit 0"
is "$(printf '%s' "$out" | jget "find('podman.connection')['findings'][0]['evidence']['probed']")" "unix://$SOCK" "ssh endpoint probed through the machine's local socket"
is "$(printf '%s' "$out" | jget "find('podman.connection')['facts']['podman.endpoint_kind']")" "default connection" "chosen by the default connection"
like "$(cat "$FAKE/calls")" "^--connection podman-machine-default info --format json\$" "dependents use the named connection"
echo "[]" > "$FAKE/connections.out"

# --- the socket misbehaves: one failure, dependents skipped
unserve
serve error
out=$(doctor); rc=$?
is "$rc" 2 "HTTP 500 from /_ping: exit 2"
is "$(finding podman.connection code)" podman.socket-bad-answer "bad answer named"
is "$(status_of podman.info)" skipped "podman.info skipped"
unserve
serve silent
out=$(doctor); rc=$?
is "$(finding podman.connection code)" podman.socket-timeout "a socket that never answers times out"
is "$(printf '%s' "$out" | jget "find('podman.connection')['status']")" failure "the ping's own deadline (3 s) ends it, not the check's (10 s)"
is "$(printf '%s' "$out" | jget "find('podman.connection')['commands'][-1]['timed_out']")" true "the probe is recorded as timed out"
unserve
serve garbage
out=$(doctor)
is "$(finding podman.connection code)" podman.socket-unusable "a non-HTTP answer is not OK"
like "$(finding podman.connection message)" "not HTTP" "and says so"
unserve
rm -f "$MAC$SOCK"
out=$(doctor); rc=$?
is "$rc" 2 "no socket at all: exit 2"
is "$(finding podman.connection code)" podman.socket-missing "missing socket named"
like "$(printf '%s' "$out" | jget "find('podman.connection')['findings'][0]['commands'][0]")" "podman machine start -- podman-machine-default" "remedy restarts the machine"
is "$(printf '%s' "$out" | jget 'd["summary"]["failure"]')" 1 "exactly one failure"
: > "$MAC$SOCK"
out=$(doctor)
is "$(finding podman.connection code)" podman.socket-unusable "a regular file where the socket should be"
like "$(finding podman.connection message)" "not a socket" "and says so"
rm -f "$MAC$SOCK"
"$PYTHON" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$MAC$SOCK"
out=$(doctor)
is "$(finding podman.connection code)" podman.socket-refused "a stale socket nobody listens on"
rm -f "$MAC$SOCK"

# --- 4.x, State "" (the VM's control socket is gone)
machine list-4.3.1.json inspect-4.3.1-noqmpsocket.json
out=$(doctor); rc=$?
is "$rc" 2 "state \"\": exit 2"
is "$(finding podman.machine code)" podman.machine-state-unknown "state \"\" is a failure of its own"
is "$(printf '%s' "$out" | jget "find('podman.machine')['findings'][0]['commands'][0]")" \
   "podman machine stop -- podman-machine-default && podman machine start -- podman-machine-default" "remedy: stop and start"
is "$(printf '%s' "$out" | jget "[find(i)['status'] for i in ('podman.connection','podman.info')]")" '["skipped", "skipped"]' "what needs the machine is skipped"
like "$(printf '%s' "$out" | jget "find('podman.connection')['reason']")" "^needs podman.machine, which failed: Podman machine podman-machine-default is in state ''" "with the reason: the machine's own"
is "$(printf '%s' "$out" | jget 'd["summary"]["failure"]')" 1 "one failure, not one per check"

# --- 5.x shapes, every state
machine list-5.x-applehv.json inspect-5.x-stopped.json
out=$(doctor); rc=$?
is "$rc" 2 "5.x stopped: exit 2"
is "$(finding podman.machine code)" podman.machine-stopped "stopped machine named"
is "$(printf '%s' "$out" | jget "find('podman.machine')['findings'][0]['commands']")" '["podman machine start -- podman-machine-default"]' "the exact start command"
is "$(printf '%s' "$out" | jget 'd["summary"]["failure"]')" 1 "one failure"
is "$(printf '%s' "$out" | jget "find('podman.info')['reason']")" "needs podman.connection, which was skipped" "dependents skipped down the chain"
is "$(grep -c '^machine inspect podman-machine-default$' "$FAKE/calls")" 1 "the default machine from the list was inspected"

machine list-5.x-applehv.json inspect-5.x-starting.json
out=$(doctor); rc=$?
is "$(finding podman.machine code)" podman.machine-starting "starting machine named"
is "$rc" 2 "starting: exit 2"

machine list-5.x-applehv.json inspect-5.x-running.json
serve ok
out=$(doctor); rc=$?
is "$rc" 0 "5.x running: exit 0"
is "$(printf '%s' "$out" | jget "find('podman.machine')['facts']['podman.machine.vmtype']")" applehv "VM type applehv from the 5.x list"
is "$(printf '%s' "$out" | jget "find('podman.machine')['findings'][0]['evidence']['config']")" \
   /Users/alice/.config/containers/podman/machine/applehv "5.x ConfigDir read"
is "$(printf '%s' "$out" | jget "'podman.machine.pipe' in find('podman.machine')['facts']")" false "PodmanPipe null is no pipe"
unserve

# --- missing machine: list empty, or inspect says [] with exit 125
machine list-5.x-applehv.json missing
out=$(doctor); rc=$?
is "$rc" 2 "inspect [] rc 125: exit 2"
is "$(finding podman.machine code)" podman.machine-missing "missing machine named"
like "$(printf '%s' "$out" | jget "find('podman.machine')['findings'][0]['commands'][0]")" "^podman machine init -- podman-machine-default && podman machine start -- podman-machine-default$" "remedy: init and start"
echo "[]" > "$FAKE/list.out"; : > "$FAKE/calls"
out=$(doctor); rc=$?
is "$(finding podman.machine code)" podman.machine-missing "no machine defined at all"
is "$(grep -c 'machine inspect' "$FAKE/calls")" 0 "nothing to inspect"
make_config named <<YAML
checks:
  - {id: podman.binary, plugin: podman-machine, check: binary}
  - {id: podman.machine, plugin: podman-machine, check: machine, needs: [podman.binary], params: {machine: other}}
YAML
machine list-5.x-applehv.json inspect-5.x-running.json
out=$(doctor --config-dir "$TMP/named"); rc=$?
is "$(finding podman.machine code)" podman.machine-missing "a named machine that is not in the list"
like "$(finding podman.machine message)" "Podman machine other does not exist" "names it"

# --- output that is not JSON: where it breaks, never "no machine"
machine list-5.x-applehv.json inspect-5.x-running.json
printf '[\n  {"Name": "podman-machine-default",\n   "Default": true\n' > "$FAKE/list.out"
out=$(doctor); rc=$?
is "$rc/$(status_of podman.machine)/$(finding podman.machine code)" 3/error/podman.machine-list-unreadable "a list cut short: unreadable, an error"
is "$(printf '%s' "$out" | jget "[find('podman.machine')['findings'][0]['evidence'][k] for k in ('line', 'column', 'reason')]")" \
   "[\"3\", \"19\", \"'}' expected near end of file\"]" "with the line and column where its JSON ends"
like "$(finding podman.machine message)" "did not print JSON \\(line 3, column 19 of its output: '}' expected near end of file\\)" "the message says where"
machine list-5.x-applehv.json inspect-5.x-running.json
printf '[{"Name": "podman-machine-default", "State": running}]\n' > "$FAKE/inspect.out"
out=$(doctor); rc=$?
is "$(finding podman.machine code)" podman.machine-inspect-unreadable "inspect output not JSON: unreadable, not missing"
is "$(printf '%s' "$out" | jget "[find('podman.machine')['findings'][0]['evidence'][k] for k in ('line', 'column')]")" \
   '["1", "52"]' "at line 1, column 52 (the unquoted running)"
cp "$PODMAN_FIX/list-4.3.1.json" "$FAKE/list.out"

# --- WSL machine on Windows: a pipe, no socket (5.x)
make_config wsl <<YAML
checks:
  - {id: podman.binary, plugin: podman-machine, check: binary}
  - {id: podman.machine, plugin: podman-machine, check: machine, needs: [podman.binary], params: {expected: "true"}}
YAML
machine list-5.x-wsl.json inspect-5.x-wsl-running.json
out=$(doctor --config-dir "$TMP/wsl"); rc=$?
is "$rc" 0 "WSL machine running"
is "$(printf '%s' "$out" | jget "find('podman.machine')['facts']['podman.machine.vmtype']")" wsl "VM type wsl"
is "$(printf '%s' "$out" | jget "find('podman.machine')['facts']['podman.machine.pipe']")" '\\.\pipe\podman-machine-default' "named pipe from ConnectionInfo.PodmanPipe"

# --- podman.image: a missing localhost/ image is not in local storage (no
# registry would give it), a missing localhost:5000/ one is a registry's
make_config img <<'YAML'
checks:
  - {id: podman.image, plugin: podman-machine, check: image, scope: runtime, params: {image: "localhost/web@sha256:0123"}}
  - {id: i.loopback, plugin: podman-machine, check: image, scope: runtime, params: {image: "localhost:5000/web:1"}}
YAML
echo "[]" > "$FAKE/image.out"; echo 125 > "$FAKE/image.rc"
echo "Error: localhost/web@sha256:0123: image not known" > "$FAKE/image.err"
out=$(doctor --config-dir "$TMP/img"); rc=$?
is "$rc" 2 "a missing image: exit 2"
is "$(finding podman.image code)" podman.image-missing-local "localhost/ missing: podman.image-missing-local"
like "$(finding podman.image message)" '^image localhost/web@sha256:0123 is not in local storage: build or `podman load` it' "says to build or load it"
unlike "$(finding podman.image message)" 'pull' "never says it would be pulled"
readme=$(sed -n 's/^    \(image localhost\/web@sha256:\.\.\. is not in local storage: .*\)$/\1/p' "$SOS_SRCDIR/README.md")
is "$(finding podman.image message)" "$(printf '%s' "$readme" | sed 's/sha256:\.\.\./sha256:0123/')" "README's example is what the check says"
is "$(finding podman.image severity)" critical "critical: the agent cannot start"
is "$(finding i.loopback code)" podman.direct-registry-image "localhost:5000/ missing: a registry image"
like "$(finding i.loopback message)" 'would pull it from a registry on this machine \(localhost:5000\)' "a registry on this machine, named"
is "$(printf '%s' "$out" | jget "find('i.loopback')['findings'][0]['evidence']['registry']")" localhost:5000 "registry evidence"
rm -f "$FAKE/image.out" "$FAKE/image.rc" "$FAKE/image.err"

# --- Linux as root, no machine expected: none asked for
: > "$FAKE/calls"
out=$(PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --json); rc=$?
if [ "$(id -u)" -eq 0 ]; then
    is "$(finding podman.machine code)" podman.machine-none "Linux as root: no machine, the local engine"
    is "$(grep -c '^machine' "$FAKE/calls")" 0 "podman machine (refused as root) is not run"
fi
is "$(printf '%s' "$out" | jget "find('podman.connection')['facts']['podman.remote']")" false "local engine: not remote"
done_testing
