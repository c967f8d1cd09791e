#!/bin/sh
# Remediation commands built from hostile host names: every command a plugin
# can suggest with a word from the host (a path, label, unit, machine,
# container, image, URL, user name) is made to fire with a name holding
# `;`, `$(...)`, backticks, both quotes, spaces and a leading `-`, and each
# `commands` entry of the --json report must pass `sh -n` and split into
# exactly the intended words and operators (tests/remediation-check.py).
# A newline in a name withholds the command instead. Plugins that take only
# validated names (wsl2, hyperv, launchd.state) must refuse the hostile one
# and give the exact words for a valid one. At the end, a census of the
# command calls in plugins/ and contrib/ fails on a call this file does not
# know, so a new command cannot go untested.
. "$SOS_SRCDIR/tests/lib.sh"
CHECK="$SOS_SRCDIR/tests/remediation-check.py"
# The hostile name; MARK is a piece of it that no fixed text holds.
HOSTILE="-x a;\$(touch PWN)\`id\`'q\"b"
MARK=PWN
# T: a tree or directory that {T} in a spec stands for (tests/remediation-check.py).
T=
export HOSTILE T
H=$HOSTILE
# Options of every run; under --root an offline mode may need --live added
# here for the stand-in commands to be asked.
RUN_OPTS="--json --live --plugin-dir $BUILD_PLUGINS"

# verify NAME: checks the report $TMP/NAME.json against the spec on stdin,
# one TAP line per command and per expected command.
verify() {
    cat > "$TMP/$1.spec"
    "$PYTHON" "$CHECK" "$TMP/$1.json" "$TMP/$1.spec" "$MARK" > "$TMP/$1.out" 2>&1
    [ -s "$TMP/$1.out" ] || echo "FAIL $1: the checker said nothing" > "$TMP/$1.out"
    while IFS= read -r line; do
        case $line in
        PASS*) ok 0 "$1: ${line#PASS }" ;;
        *) ok 1 "$1: ${line#FAIL }" ;;
        esac
    done < "$TMP/$1.out"
}
# doctor NAME ROOT: runs the checks.d of $TMP/NAME over ROOT into $TMP/NAME.json.
doctor() {
    # shellcheck disable=SC2086
    "$SOS" doctor local-runtime $RUN_OPTS --root "$2" --config-dir "$TMP/$1" \
        > "$TMP/$1.json"
}
write_plist() { # write_plist FILE BODY
    mkdir -p "$(dirname "$1")"
    { printf '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n'
      printf '%s\n</dict>\n</plist>\n' "$2"; } > "$1"
    chmod 644 "$1"
}

# ---- launchd: the plist lint over a macOS tree --------------------------------
T="$TMP/mac"
UA=Users/alice/Library/LaunchAgents
SD=Library/LaunchDaemons
cp -R "$FIXTURES/roots/macos" "$T"
mkdir -p "$T/$UA" "$T/$SD"
chown 501 "$T/Users/alice" "$T/Users/alice/Library" "$T/$UA"
# No Label, KeepAlive true, NetworkState, logs in /tmp, mode 666, owned by
# root in alice's folder: every rule with a fix fires on one file.
write_plist "$T/$UA/$H.plist" '<key>ProgramArguments</key><array><string>/bin/agent</string></array>
<key>KeepAlive</key><true/><key>NetworkState</key><true/>
<key>StandardOutPath</key><string>/tmp/out.log</string>
<key>StandardErrorPath</key><string>/tmp/'"$H"'.err.log</string>'
chmod 666 "$T/$UA/$H.plist"
# A log under the hostile name, failing the same way 30 times.
mkdir -p "$T/tmp"
for i in $(seq 10 39); do echo "2026-11-28T03:14:$i Error: cannot reach the registry"; done > "$T/tmp/$H.err.log"
chown 501 "$T/tmp/$H.err.log" # alice's agent's log is hers (another user's is not read)
# A daemon (sudo) whose Label is not its file name, throttled too little.
write_plist "$T/$SD/$H.plist" '<key>Label</key><string>other</string>
<key>ProgramArguments</key><array><string>/bin/agent</string></array>
<key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>
<key>ThrottleInterval</key><integer>1</integer>'
chown 501 "$T/$SD/$H.plist"
make_config launchd <<'YAML'
checks:
  - {id: host.facts, plugin: host, check: facts}
  - {id: launchd.scan, plugin: launchd, check: scan, after: [host.facts], when: {os: [macos]}}
YAML
doctor launchd "$T"
verify launchd <<'SPEC'
launchd.label-missing	["plutil", "-insert", "Label", "-string", "{H}", "/Users/alice/Library/LaunchAgents/{H}.plist"]
launchd.keepalive-unbounded	["plutil", "-replace", "KeepAlive", "-xml", "<dict><key>SuccessfulExit</key><false/></dict>", "/Users/alice/Library/LaunchAgents/{H}.plist"]
launchd.keepalive-unbounded	["plutil", "-replace", "ThrottleInterval", "-integer", "30", "/Users/alice/Library/LaunchAgents/{H}.plist"]
launchd.networkstate-obsolete	["plutil", "-remove", "NetworkState", "/Users/alice/Library/LaunchAgents/{H}.plist"]
launchd.log-in-tmp	["mkdir", "-p", "/Users/alice/Library/Logs/{H}"]
launchd.log-in-tmp	["plutil", "-replace", "StandardOutPath", "-string", "/Users/alice/Library/Logs/{H}/stdout.log", "/Users/alice/Library/LaunchAgents/{H}.plist"]
launchd.log-in-tmp	["plutil", "-replace", "StandardErrorPath", "-string", "/Users/alice/Library/Logs/{H}/stderr.log", "/Users/alice/Library/LaunchAgents/{H}.plist"]
launchd.plist-permissions	["chmod", "644", "/Users/alice/Library/LaunchAgents/{H}.plist"]
launchd.plist-owner	["sudo", "chown", "--", "alice", "/Users/alice/Library/LaunchAgents/{H}.plist"]
launchd.label-mismatch	["sudo", "plutil", "-replace", "Label", "-string", "{H}", "/Library/LaunchDaemons/{H}.plist"]
launchd.keepalive-unthrottled	["sudo", "plutil", "-replace", "ThrottleInterval", "-integer", "30", "/Library/LaunchDaemons/{H}.plist"]
launchd.plist-owner	["sudo", "chown", "--", "root:wheel", "/Library/LaunchDaemons/{H}.plist"]
launchd.log-repeated-failure	["tail", "-n", "50", "--", "/tmp/{H}.err.log"]
SPEC

# ---- launchd: stale overrides and loaded labels -------------------------------
# YAML single quotes: '' for a quote inside.
HY=$(printf '%s' "$H" | sed "s/'/''/g")
# Labels no plist has (".gone"), so both are stale.
write_plist "$T/var/db/com.apple.xpc.launchd/disabled.plist" "<key>$H.gone</key><true/>"
make_config overrides <<YAML
checks:
  - {id: host.facts, plugin: host, check: facts}
  - {id: launchd.overrides, plugin: launchd, check: overrides, after: [host.facts], when: {os: [macos]}, params: {loaded: ['$HY.gone']}}
YAML
doctor overrides "$T"
verify overrides <<'SPEC'
launchd.stale-override	["sudo", "/usr/libexec/PlistBuddy", "-c", "Delete :{H}.gone", "/var/db/com.apple.xpc.launchd/disabled.plist"]
launchd.stale-label	["launchctl", "remove", "{H}.gone"]
SPEC

# ---- launchd: a live job: the label is checked before launchctl is asked -----
# launchd.state takes only [A-Za-z0-9._@:-] labels (its bootout and enable
# commands are argv all the same; tests/cli/launchd-live.sh has them exact):
# a hostile one is refused and reaches no command.
make_config live <<YAML
checks:
  - id: launchd.state
    plugin: launchd
    check: state
    scope: runtime
    params: {label: '$HY', uid: "501"}
YAML
doctor live "$T"
like "$(jget "[f['code'] for f in find('launchd.state')['findings']]" < "$TMP/live.json")" \
    launchd.state-param-invalid "launchd.state refuses the hostile label"
verify live < /dev/null

# ---- launchd: the preflight's label checks, the label hostile ---------------------
# label-disabled: an override disables it (enable command); label-conflict:
# a system-wide plist named after it and a second one in alice's folder.
write_plist "$T/var/db/com.apple.xpc.launchd/disabled.501.plist" "<key>$H</key><true/>"
write_plist "$T/Library/LaunchAgents/$H.c.plist" '<key>Program</key><string>/usr/bin/true</string>'
write_plist "$T/$UA/dup.plist" "<key>Label</key><string>$H.c</string>"
make_config labels <<YAML
checks:
  - {id: host.facts, plugin: host, check: facts}
  - {id: pf.disabled, plugin: launchd, check: label-disabled, after: [host.facts], scope: runtime, params: {label: '$HY', uid: "501", plist: /Users/alice/Library/LaunchAgents/own.plist}}
  - {id: pf.conflict, plugin: launchd, check: label-conflict, after: [host.facts], scope: runtime, params: {label: '$HY.c', plist: /Users/alice/Library/LaunchAgents/own.plist}}
YAML
doctor labels "$T"
verify labels <<'SPEC'
launchd.label-disabled	["launchctl", "enable", "gui/501/{H}"]
launchd.label-conflict	["sudo", "mv", "--", "/Library/LaunchAgents/{H}.c.plist", "/Library/LaunchAgents/{H}.c.plist.disabled"]
launchd.label-duplicate	["mv", "--", "/Users/alice/Library/LaunchAgents/dup.plist", "/Users/alice/Library/LaunchAgents/dup.plist.disabled"]
SPEC

# ---- launchd: the actions' refusals, the plist named $HOSTILE -----------------------
# The lifecycle's launchd actions (tests/run-action drives one through the
# runner) under the launchctl model: the plist's file name is hostile, the
# label (a service target) is validated, so a hostile one reaches no command.
# An older copy, old.plist, takes the same label for la-elsewhere.
LT="$TMP/mac-act"
LUA=/Users/alice/Library/LaunchAgents
mkdir -p "$LT$LUA" "$LT/Library/LaunchDaemons"
LP="$LUA/$H.plist"
write_plist "$LT$LP" '<key>Label</key><string>org.x</string><key>Program</key><string>/bin/true</string>'
write_plist "$LT/Library/LaunchDaemons/$H.plist" '<key>Label</key><string>org.x</string><key>Program</key><string>/bin/true</string>'
write_plist "$LT$LUA/old.plist" '<key>Label</key><string>org.x</string><key>Program</key><string>/bin/true</string>'
export LAUNCHCTL_MODEL_STATE="$TMP/la-state.json" LAUNCHCTL_MODEL_ROOT="$LT"
la_shim() { env "$@" "$PYTHON" "$SOS_SRCDIR/tests/launchctl-model.py" --shim "$TMP/lbin" > /dev/null; }
act() { # act NAME ACTION PARAM...: the launchd action ACTION applied, its report in $TMP/NAME.json
    _name=$1 _action=$2; shift 2
    PATH="$TMP/lbin:$PATH" "$SOS_BUILDDIR/tests/run-action" --plugin-dir "$BUILD_PLUGINS" \
        --root "$LT" launchd "$_action" apply uid=501 "$@" > "$TMP/$_name.json"
}
la_shim
chmod 664 "$LT$LP"
act la-io bootstrap "plist=$LP" label=org.x
verify la-io <<'SPEC'
launchd.action-failed	["launchctl", "bootout", "gui/501/org.x"]
launchd.action-failed	["plutil", "-lint", "/Users/alice/Library/LaunchAgents/{H}.plist"]
launchd.action-failed	["chmod", "644", "/Users/alice/Library/LaunchAgents/{H}.plist"]
SPEC
act la-not-loaded kickstart "plist=$LP" label=org.x
verify la-not-loaded <<'SPEC'
launchd.action-failed	["launchctl", "bootstrap", "gui/501", "/Users/alice/Library/LaunchAgents/{H}.plist"]
SPEC
chmod 664 "$LT/Library/LaunchDaemons/$H.plist"
act la-daemon bootstrap "plist=/Library/LaunchDaemons/$H.plist" label=org.x user=false
verify la-daemon <<'SPEC'
launchd.action-failed	["sudo", "chmod", "644", "/Library/LaunchDaemons/{H}.plist"]
SPEC
la_shim LAUNCHCTL_MODEL_AS_ROOT=1
if [ "$(id -u)" -eq 0 ]; then
    chown 777 "$LT$LP"
    act la-owner bootstrap "plist=$LP" label=org.x
    verify la-owner <<'SPEC'
launchd.action-failed	["chmod", "644", "/Users/alice/Library/LaunchAgents/{H}.plist"]
launchd.action-failed	["sudo", "chown", "501", "/Users/alice/Library/LaunchAgents/{H}.plist"]
SPEC
    chown 0 "$LT$LP"
else
    _n=$((_n + 1)); echo "ok $_n # SKIP a plist of another user needs root"
fi
chmod 644 "$LT$LP"
PATH="$TMP/lbin:$PATH" launchctl disable gui/501/org.x
act la-disabled bootstrap "plist=$LP" label=org.x
verify la-disabled <<'SPEC'
launchd.action-failed	["launchctl", "enable", "gui/501/org.x"]
SPEC
PATH="$TMP/lbin:$PATH" launchctl enable gui/501/org.x
PATH="$TMP/lbin:$PATH" launchctl bootstrap gui/501 "$LUA/old.plist"
act la-elsewhere bootstrap "plist=$LP" label=org.x
like "$(jget "find('action')['findings'][0]['message']" < "$TMP/la-elsewhere.json")" \
    "is loaded already, from $LUA/old.plist, not from" "a label loaded from another plist is named"
verify la-elsewhere <<'SPEC'
launchd.action-failed	["launchctl", "bootout", "gui/501/org.x"]
SPEC
act la-label enable "label=$H"
like "$(jget "[f['code'] for f in find('action')['findings']]" < "$TMP/la-label.json")" \
    launchd.action-params "a launchd action refuses the hostile label"
verify la-label < /dev/null
unset LAUNCHCTL_MODEL_STATE LAUNCHCTL_MODEL_ROOT

# ---- systemd: the unit lint over a Debian tree ----------------------------------
T="$TMP/debian"
S=/etc/systemd/system
UU=/home/alice/.config/systemd/user
cp -R "$FIXTURES/roots/debian" "$T"
mkdir -p "$T$S" "$T$UU"
# Unbounded restarts, output to /tmp, a home directory run as root, mode 666,
# owned by uid 1000: every lint rule with a fix fires on one unit.
printf '[Unit]\nStartLimitIntervalSec=0\n[Service]\nRestart=always\nExecStart=/home/alice/bin/agent\nStandardOutput=file:/tmp/%s.log\n' "$H" \
    > "$T$S/$H.service"
mkdir -p "$T/tmp"
for i in $(seq 10 39); do echo "2026-11-28T03:14:$i Error: cannot reach the registry"; done > "$T/tmp/$H.log"
chown 1000 "$T/tmp/$H.log" # the unit's owner's (another user's log is not read)
chmod 666 "$T$S/$H.service"
chown 1000 "$T$S/$H.service"
printf '[Unit]\nStartLimitIntervalSec=0\n[Service]\nRestart=always\nExecStart=/usr/bin/agent\n' \
    > "$T$UU/$H.service"
make_config systemd <<YAML
checks:
  - {id: host.facts, plugin: host, check: facts, scope: runtime}
  - {id: systemd.lint, plugin: systemd, check: lint, after: [host.facts], scope: runtime, params: {unit: '$S/$HY.service'}}
  - {id: systemd.lint-user, plugin: systemd, check: lint, after: [host.facts], scope: runtime, params: {unit: '$UU/$HY.service'}}
YAML
doctor systemd "$T"
verify systemd <<'SPEC'
systemd.restart-unbounded	["mkdir", "-p", "/etc/systemd/system/{H}.service.d", ["&&"], "printf", "[Unit]\\nStartLimitIntervalSec=60\\nStartLimitBurst=3\\n[Service]\\nRestart=%s\\nRestartSec=5\\n", "on-failure", [">"], "/etc/systemd/system/{H}.service.d/zz-sourceos-restart-bound.conf", ["&&"], "systemctl", "daemon-reload"]
systemd.restart-unbounded	["mkdir", "-p", "/home/alice/.config/systemd/user/{H}.service.d", ["&&"], "printf", "[Unit]\\nStartLimitIntervalSec=60\\nStartLimitBurst=3\\n[Service]\\nRestart=%s\\nRestartSec=5\\n", "on-failure", [">"], "/home/alice/.config/systemd/user/{H}.service.d/zz-sourceos-restart-bound.conf", ["&&"], "systemctl", "--user", "daemon-reload"]
systemd.log-in-tmp	["mkdir", "-p", "/etc/systemd/system/{H}.service.d", ["&&"], "printf", "[Service]\\n%s=journal\\n", "StandardOutput", [">"], "/etc/systemd/system/{H}.service.d/zz-sourceos-stdout.conf", ["&&"], "systemctl", "daemon-reload"]
systemd.log-repeated-failure	["tail", "-n", "50", "--", "/tmp/{H}.log"]
systemd.unit-owner	["chown", "root:root", "/etc/systemd/system/{H}.service"]
systemd.unit-permissions	["chmod", "644", "/etc/systemd/system/{H}.service"]
systemd.user-unit-system-wide	["systemctl", "disable", "--now", "--", "{H}.service", ["&&"], "install", "-D", "-m", "644", "-o", "alice", "--", "/etc/systemd/system/{H}.service", "/home/alice/.config/systemd/user/{H}.service", ["&&"], "rm", "--", "/etc/systemd/system/{H}.service"]
SPEC

# ---- systemd: a unit's live state through a stand-in systemctl -------------------
# The stand-in answers `systemctl show` with a captured answer; the unit's
# name (the param) is hostile. One run per state. systemd.state takes no
# space, '/' or leading '-' in a unit name, so this name has none.
HOSTILE="x;\$(touch\${IFS}PWN)\`id\`'q\"b"
HY=$(printf '%s' "$HOSTILE" | sed "s/'/''/g")
SFIX="$FIXTURES/systemd"
mkdir -p "$TMP/bin/data"
cat > "$TMP/bin/systemctl" <<'STANDIN'
#!/bin/sh
cat "${0%/*}/data/show.out"
STANDIN
chmod +x "$TMP/bin/systemctl"
sed -e 's/^LoadState=.*/LoadState=masked/' -e 's/^UnitFileState=.*/UnitFileState=masked/' \
    -e 's/^ActiveState=.*/ActiveState=inactive/' "$SFIX/show-agent.txt" > "$TMP/masked.txt"
sed -e 's/^ActiveState=.*/ActiveState=inactive/' -e 's/^SubState=.*/SubState=dead/' \
    "$SFIX/show-agent.txt" > "$TMP/inactive.txt"
cp "$SFIX/agent.service" "$T/etc/systemd/system/agent.service"
cp "$SFIX/agent.service" "$T/etc/systemd/system/sysedited.service"
cp "$SFIX/agent.service" "$T$UU/uagent.service"
state() { # state NAME ANSWER [EXTRA-PARAMS]: systemd.state of the hostile unit
    cp "$2" "$TMP/bin/data/show.out"
    make_config "$1" <<YAML
checks:
  - {id: host.facts, plugin: host, check: facts, scope: runtime}
  - {id: systemd.state, plugin: systemd, check: state, after: [host.facts], scope: runtime, params: {unit: '$HY.service'$3}}
YAML
    PATH="$TMP/bin:$PATH" doctor "$1" "$T"
}
state sd-crash "$SFIX/show-crash.txt" ', restart_limit: "3"'
verify sd-crash <<'SPEC'
systemd.respawn-loop	["journalctl", "-u", "{H}.service", "-n", "50", "--no-pager"]
systemd.respawn-loop	["systemctl", "stop", "--", "{H}.service"]
systemd.unit-failed	["journalctl", "-u", "{H}.service", "-n", "50", "--no-pager"]
systemd.unit-failed	["systemctl", "reset-failed", "--", "{H}.service"]
systemd.unit-failed	["systemctl", "start", "--", "{H}.service"]
systemd.unit-stale	["systemctl", "disable", "--", "{H}.service"]
SPEC
state sd-user "$SFIX/show-crash.txt" ', restart_limit: "3", user: "true"'
verify sd-user <<'SPEC'
systemd.respawn-loop	["journalctl", "--user", "-u", "{H}.service", "-n", "50", "--no-pager"]
systemd.respawn-loop	["systemctl", "--user", "stop", "--", "{H}.service"]
systemd.unit-failed	["journalctl", "--user", "-u", "{H}.service", "-n", "50", "--no-pager"]
systemd.unit-failed	["systemctl", "--user", "reset-failed", "--", "{H}.service"]
systemd.unit-failed	["systemctl", "--user", "start", "--", "{H}.service"]
systemd.unit-stale	["systemctl", "--user", "disable", "--", "{H}.service"]
SPEC
state sd-masked "$TMP/masked.txt"
verify sd-masked <<'SPEC'
systemd.unit-masked-live	["systemctl", "unmask", "--", "{H}.service"]
SPEC
state sd-inactive "$TMP/inactive.txt"
verify sd-inactive <<'SPEC'
systemd.unit-inactive	["systemctl", "start", "--", "{H}.service"]
SPEC
state sd-stale "$SFIX/show-stale.txt"
verify sd-stale <<'SPEC'
systemd.unit-stale	["systemctl", "disable", "--", "{H}.service"]
SPEC
state sd-changed "$SFIX/show-changed.txt"
verify sd-changed <<'SPEC'
systemd.unit-changed	["systemctl", "daemon-reload", ["&&"], "systemctl", "restart", "--", "{H}.service"]
SPEC
state sd-changed-user "$SFIX/show-changed.txt" ', user: "true"'
verify sd-changed-user <<'SPEC'
systemd.unit-changed	["systemctl", "--user", "daemon-reload", ["&&"], "systemctl", "--user", "restart", "--", "{H}.service"]
SPEC

# ---- systemd: the preflight's unit checks, the unit hostile ------------------------
# A mask of the system unit; a user unit's name taken in /etc and in the
# user's ~/.local/share (no sudo there). The stand-in answers is-enabled.
ln -s /dev/null "$T/etc/systemd/system/$HOSTILE.service"
printf '[Service]\n' > "$T/etc/systemd/system/$HOSTILE.m.service"
mkdir -p "$T/home/alice/.local/share/systemd/user"
printf '[Service]\n' > "$T/home/alice/.local/share/systemd/user/$HOSTILE.m.service"
make_config sd-pf <<YAML
checks:
  - {id: host.facts, plugin: host, check: facts, scope: runtime}
  - {id: pf.masked, plugin: systemd, check: unit-masked, after: [host.facts], scope: runtime, params: {unit: '$HY.service', user: "false"}}
  - {id: pf.conflict, plugin: systemd, check: unit-conflict, after: [host.facts], scope: runtime, params: {unit: '$UU/$HY.m.service', user: "true"}}
YAML
PATH="$TMP/bin:$PATH" doctor sd-pf "$T"
verify sd-pf <<'SPEC'
systemd.unit-masked	["systemctl", "unmask", "--", "{H}.service"]
systemd.unit-conflict	["sudo", "mv", "--", "/etc/systemd/system/{H}.m.service", "/etc/systemd/system/{H}.m.service.disabled"]
systemd.unit-conflict	["mv", "--", "/home/alice/.local/share/systemd/user/{H}.m.service", "/home/alice/.local/share/systemd/user/{H}.m.service.disabled"]
SPEC

# ---- podman: machine names and CONTAINER_HOST through a stand-in podman ----------
HOSTILE="-x a;\$(touch PWN)\`id\`'q\"b"
PFIX="$FIXTURES/podman"
PD="$TMP/pbin/data"
mkdir -p "$PD"
cat > "$TMP/pbin/podman" <<'STANDIN'
#!/bin/sh
d="${0%/*}/data"
case "$*" in
--version) echo "podman version 4.3.1" ;;
"machine list --format json") cat "$d/list.out" ;;
"machine inspect "*) cat "$d/inspect.out" ;;
"system connection list --format json") echo "[]" ;;
"container inspect "*) cat "$d/container.out" ;;
"image inspect "*) echo "Error: $3: image not known" >&2; exit 125 ;;
*"info --format json") cat "$d/info.out" ;;
*) exit 125 ;;
esac
STANDIN
chmod +x "$TMP/pbin/podman"
cp "$PFIX/info-4.3.1.json" "$PD/info.out"
# A clean macOS tree: the shipped checks.d also scans its launch folders.
cp -R "$FIXTURES/roots/macos" "$TMP/pmac"
machine() { # machine LIST INSPECT: the captured answers, the machine named $HOSTILE
    "$PYTHON" - "$PFIX/$1" "$PFIX/$2" "$PD" <<'PY'
import json, os, sys
h = json.dumps(os.environ["HOSTILE"])[1:-1]  # inside a JSON string
for src, out in ((sys.argv[1], "list.out"), (sys.argv[2], "inspect.out")):
    text = open(src).read().replace("podman-machine-default", h)
    open(os.path.join(sys.argv[3], out), "w").write(text)
PY
}
podman_doctor() { # podman_doctor NAME: the shipped checks.d over the macOS tree
    # shellcheck disable=SC2086
    PATH="$TMP/pbin:/usr/bin:/bin" "$SOS" doctor local-runtime $RUN_OPTS --root "$TMP/pmac" \
        > "$TMP/$1.json"
}
# Running, but its socket is missing: stop and start it.
machine list-4.3.1.json inspect-4.3.1-running.json
podman_doctor pm-socket
verify pm-socket <<'SPEC'
podman.socket-missing	["podman", "machine", "stop", "--", "{H}", [";"], "podman", "machine", "start", "--", "{H}"]
SPEC
machine list-5.x-applehv.json inspect-5.x-stopped.json
podman_doctor pm-stopped
verify pm-stopped <<'SPEC'
podman.machine-stopped	["podman", "machine", "start", "--", "{H}"]
SPEC
# The endpoint named by CONTAINER_HOST, from the issue: one quoted word.
machine list-4.3.1.json inspect-4.3.1-running.json
CONTAINER_HOST='unix:///tmp/a b;touch /tmp/PWNED;.sock' podman_doctor pm-host
is "$(jget "[c for f in find('podman.connection')['findings'] for c in f['commands']]" < "$TMP/pm-host.json")" \
    "[\"podman system service --time=0 'unix:///tmp/a b;touch /tmp/PWNED;.sock'\"]" \
    "CONTAINER_HOST: podman system service --time=0 'unix:///tmp/a b;touch /tmp/PWNED;.sock'"
HOSTILE='unix:///tmp/a b;touch /tmp/PWNED;.sock' verify pm-host <<'SPEC'
podman.socket-missing	["podman", "system", "service", "--time=0", "{H}"]
SPEC

# The machine's other states, alone (no connection check to add commands).
make_config pm-only <<'YAML'
checks:
  - {id: host.facts, plugin: host, check: facts}
  - {id: podman.machine, plugin: podman-machine, check: machine, after: [host.facts]}
YAML
pm_run() { # pm_run NAME CONFIG: CONFIG's checks over the macOS tree, the stand-in on PATH
    # shellcheck disable=SC2086
    PATH="$TMP/pbin:/usr/bin:/bin" "$SOS" doctor local-runtime $RUN_OPTS --root "$TMP/pmac" \
        --config-dir "$TMP/$2" > "$TMP/$1.json"
}
machine list-5.x-applehv.json inspect-5.x-starting.json
pm_run pm-starting pm-only
verify pm-starting <<'SPEC'
podman.machine-starting	["podman", "machine", "stop", "--", "{H}", ["&&"], "podman", "machine", "start", "--", "{H}"]
SPEC
machine list-4.3.1.json inspect-4.3.1-noqmpsocket.json
pm_run pm-unknown pm-only
verify pm-unknown <<'SPEC'
podman.machine-state-unknown	["podman", "machine", "stop", "--", "{H}", ["&&"], "podman", "machine", "start", "--", "{H}"]
SPEC
# Listed, but inspect finds nothing: podman.machine-missing.
machine list-4.3.1.json inspect-4.3.1-running.json
echo "[]" > "$PD/inspect.out"
pm_run pm-missing pm-only
verify pm-missing <<'SPEC'
podman.machine-missing	["podman", "machine", "init", "--", "{H}", ["&&"], "podman", "machine", "start", "--", "{H}"]
SPEC

# ---- podman: the agent's container and image, both named $HOSTILE ---------------
# The stand-in answers `container inspect` with $PD/container.out and says
# "image not known" to every `image inspect`: the image is pulled.
HY=$(printf '%s' "$HOSTILE" | sed "s/'/''/g")
make_config pm-agent <<YAML
checks:
  - {id: podman.container, plugin: podman-machine, check: container, scope: runtime, params: {container: '$HY', stopping_threshold_ms: "0", restart_limit: "5"}}
  - {id: podman.image, plugin: podman-machine, check: image, scope: runtime, params: {image: '$HY'}}
YAML
container() { # container STATUS EXIT-CODE RESTARTS: what `podman container inspect` says
    printf '[{"State":{"Status":"%s","ExitCode":%s,"Error":""},"RestartCount":%s,"HostConfig":{"RestartPolicy":{"Name":"always"}}}]\n' \
        "$1" "$2" "$3" > "$PD/container.out"
}
container stopping 0 0
pm_run pm-stuck pm-agent
verify pm-stuck <<'SPEC'
podman.container-stuck-stopping	["podman", "kill", "--", "{H}"]
podman.direct-registry-image	["podman", "pull", "--", "{H}", ["&&"], "podman", "image", "inspect", "--format", "{{.Digest}}", "--", "{H}"]
SPEC
container running 0 9
pm_run pm-loop pm-agent
verify pm-loop <<'SPEC'
podman.container-restart-loop	["podman", "logs", "--tail", "50", "--", "{H}"]
podman.direct-registry-image	["podman", "pull", "--", "{H}", ["&&"], "podman", "image", "inspect", "--format", "{{.Digest}}", "--", "{H}"]
SPEC
container exited 1 0
pm_run pm-exited pm-agent
verify pm-exited <<'SPEC'
podman.container-exited	["podman", "logs", "--tail", "50", "--", "{H}"]
podman.direct-registry-image	["podman", "pull", "--", "{H}", ["&&"], "podman", "image", "inspect", "--format", "{{.Digest}}", "--", "{H}"]
SPEC
container created 0 0
pm_run pm-created pm-agent
verify pm-created <<'SPEC'
podman.container-never-started	["podman", "start", "--", "{H}"]
podman.direct-registry-image	["podman", "pull", "--", "{H}", ["&&"], "podman", "image", "inspect", "--format", "{{.Digest}}", "--", "{H}"]
SPEC

# ---- podman: the preflight's steps on the same hostile container and image ------
# The container-name step finds $HOSTILE held by a container without the
# agent's label; the image step says never pull; the tag step is a pure
# reading of the name.
make_config pf-agent <<YAML
checks:
  - {id: preflight.container-name, plugin: podman-machine, check: container-name, scope: runtime, params: {container: '$HY', agent: web}}
  - {id: preflight.image, plugin: podman-machine, check: image, scope: runtime, params: {image: '$HY', pull: never, require_local: "true"}}
  - {id: preflight.image-tag, plugin: podman-machine, check: tag, scope: runtime, params: {image: '$HY'}}
YAML
container running 0 0
pm_run pf-taken pf-agent
verify pf-taken <<'SPEC'
podman.container-name-taken	["podman", "rename", "--", "{H}", "{H}-old"]
podman.image-missing-local	["podman", "pull", "--", "{H}"]
podman.image-tag-remote	["podman", "tag", "--", "{H}", "localhost/{H}"]
SPEC
container exited 0 0
pm_run pf-stale pf-agent
verify pf-stale <<'SPEC'
podman.container-name-stale	["podman", "rm", "--", "{H}"]
podman.image-missing-local	["podman", "pull", "--", "{H}"]
podman.image-tag-remote	["podman", "tag", "--", "{H}", "localhost/{H}"]
SPEC

# ---- registry-auth: auth files and the agent's --authfile in hostile places -----
# No --root: these checks read the invoking user's files by the environment
# given (env -i, as tests/cli/registry-auth.sh does). T is the directory
# holding a directory named $HOSTILE. REGISTRY_AUTH_FILE is the hostile name
# itself, relative, so it starts with '-': the core reads no relative path
# (the file is reported unreadable, with no command), and the fixes say
# "--" all the same.
HOSTILE="-x a;\$(touch PWN)\`id\`'q\"b"
HY=$(printf '%s' "$HOSTILE" | sed "s/'/''/g")
T="$TMP/ra"
HD="$T/$HOSTILE"
mkdir -p "$T/cwd" "$HD/home" "$HD/run/containers" "$T/agent/docker" "$T/agent/run" "$T/agent/cfg"
printf '{"auths":{"a.example":{"auth":"eA=="}}}\n' > "$HD/run/containers/auth.json"
cp "$HD/run/containers/auth.json" "$T/cwd/$HOSTILE"
chmod 644 "$HD/run/containers/auth.json" "$T/cwd/$HOSTILE"
make_config ra-files <<'YAML'
checks:
  - {id: registry.auth-files, plugin: registry-auth, check: auth-files, scope: runtime}
YAML
ra_doctor() { # ra_doctor NAME [CONFIG]: the checks.d of $TMP/CONFIG (NAME), run
    # from $T/cwd with the environment given, into $TMP/NAME.json
    # shellcheck disable=SC2086
    (cd "$T/cwd" && env -i NO_COLOR=1 PATH=/usr/bin:/bin HOME="$HD/home" \
        XDG_RUNTIME_DIR="$HD/run" REGISTRY_AUTH_FILE="$HOSTILE" \
        "$SOS" doctor local-runtime $RUN_OPTS --config-dir "$TMP/${2:-$1}") > "$TMP/$1.json"
}
ra_doctor ra-files
verify ra-files <<'SPEC'
registry.auth-file-permissions	["chmod", "600", "--", "{T}/{H}/run/containers/auth.json"]
SPEC
if [ "$(id -u)" -eq 0 ]; then
    chmod 600 "$HD/run/containers/auth.json" "$T/cwd/$HOSTILE"
    chown 1 "$HD/run/containers/auth.json" "$T/cwd/$HOSTILE"
    ra_doctor ra-owner ra-files
    verify ra-owner <<'SPEC'
registry.auth-file-owner	["sudo", "chown", "--", "0", "{T}/{H}/run/containers/auth.json"]
SPEC
else
    _n=$((_n + 1)); echo "ok $_n # SKIP chown to another user needs root"
fi
# The agent's --authfile: unsafe (mode 666), then missing in a directory
# that does not exist yet (mkdir -p first).
agent_auth() { # agent_auth NAME AUTHFILE
    make_config "$1" <<YAML
checks:
  - {id: registry.agent-auth, plugin: registry-auth, check: agent-auth, scope: runtime,
     params: {auth: empty-authfile, authfile: '$2',
              env: ["HOME=$T/agent", "DOCKER_CONFIG=$T/agent/docker", "XDG_RUNTIME_DIR=$T/agent/run", "XDG_CONFIG_HOME=$T/agent/cfg"]}}
YAML
    ra_doctor "$1"
}
printf '{}\n' > "$HD/auth.json"
chmod 666 "$HD/auth.json"
agent_auth ra-unsafe "$(printf '%s' "$HD" | sed "s/'/''/g")/auth.json"
verify ra-unsafe <<SPEC
registry.agent-authfile-unsafe	["chmod", "600", "{T}/{H}/auth.json", ["&&"], "chown", "$(id -u)", "{T}/{H}/auth.json"]
SPEC
agent_auth ra-missing "$(printf '%s' "$HD" | sed "s/'/''/g")/new/auth.json"
verify ra-missing <<'SPEC'
registry.agent-authfile-missing	["mkdir", "-p", "{T}/{H}/new", ["&&"], "printf", "{\"auths\":{}}", [">"], "{T}/{H}/new/auth.json", ["&&"], "chmod", "600", "{T}/{H}/new/auth.json"]
SPEC

# ---- agent: the preflight's auth file and log directories of a hostile user ------
# A Debian tree whose /home/$HOSTILE holds the agent's files: the user's
# name and every path are hostile.
T="$TMP/agent"
cp -R "$FIXTURES/roots/debian" "$T"
AH="$T/home/$HOSTILE"
mkdir -p "$AH/open" "$AH/ro" "$AH/theirs"
printf '{"auths":{}}' > "$AH/unsafe.json"
chmod 666 "$AH/unsafe.json"
ln -s /etc/passwd "$AH/link.json"
printf '{"auths":' > "$AH/bad.json"
chmod 777 "$AH/open"
chmod 500 "$AH/ro"
make_config ag <<YAML
checks:
  - {id: ag.missing, plugin: agent, check: authfile, scope: runtime, params: {auth.mode: empty-authfile, authfile: '/home/$HY/new/auth.json'}}
  - {id: ag.unsafe, plugin: agent, check: authfile, scope: runtime, params: {auth.mode: empty-authfile, authfile: '/home/$HY/unsafe.json'}}
  - {id: ag.link, plugin: agent, check: authfile, scope: runtime, params: {auth.mode: empty-authfile, authfile: '/home/$HY/link.json'}}
  - {id: ag.bad, plugin: agent, check: authfile, scope: runtime, params: {auth.mode: empty-authfile, authfile: '/home/$HY/bad.json'}}
  - {id: ag.logs, plugin: agent, check: log-dir, scope: runtime, params: {logs.app: '/home/$HY/nolog/a.log', user: "true"}}
  - {id: ag.open, plugin: agent, check: log-dir, scope: runtime, params: {logs.app: '/home/$HY/open/a.log', user: "true"}}
  - {id: ag.ro, plugin: agent, check: log-dir, scope: runtime, params: {logs.app: '/home/$HY/ro/a.log', user: "true"}}
  - {id: ag.sys, plugin: agent, check: log-dir, scope: runtime, params: {logs.app: '/home/$HY/sys/a.log', user: "false", account: '$HY'}}
YAML
doctor ag "$T"
verify ag <<'SPEC'
agent.authfile-missing	["mkdir", "-p", "/home/{H}/new", ["&&"], "printf", "{\"auths\":{}}", [">"], "/home/{H}/new/auth.json", ["&&"], "chmod", "600", "/home/{H}/new/auth.json"]
agent.authfile-unsafe	["chmod", "600", "--", "/home/{H}/unsafe.json"]
agent.authfile-unsafe	["rm", "/home/{H}/link.json", ["&&"], "printf", "{\"auths\":{}}\\n", [">"], "/home/{H}/link.json"]
agent.authfile-invalid	["printf", "{\"auths\":{}}\\n", [">"], "/home/{H}/bad.json"]
agent.log-dir-missing	["mkdir", "-p", "-m", "700", "/home/{H}/nolog"]
agent.log-dir-unsafe	["chmod", "700", "/home/{H}/open"]
agent.log-dir-not-writable	["chmod", "700", "/home/{H}/ro"]
agent.log-dir-missing	["sudo", "mkdir", "-p", "-m", "700", "/home/{H}/sys", ["&&"], "sudo", "chown", "--", "{H}", "/home/{H}/sys"]
SPEC
if [ "$(id -u)" -eq 0 ]; then
    chown 1 "$AH/unsafe.json" "$AH/theirs"
    chmod 600 "$AH/unsafe.json"
    chmod 700 "$AH/theirs"
    make_config ag-owner <<YAML
checks:
  - {id: ag.owner, plugin: agent, check: authfile, scope: runtime, params: {auth.mode: empty-authfile, authfile: '/home/$HY/unsafe.json'}}
  - {id: ag.theirs, plugin: agent, check: log-dir, scope: runtime, params: {logs.app: '/home/$HY/theirs/a.log'}}
YAML
    doctor ag-owner "$T"
    verify ag-owner <<'SPEC'
agent.authfile-unsafe	["sudo", "chown", "--", "{H}", "/home/{H}/unsafe.json"]
agent.log-dir-not-writable	["sudo", "chown", "--", "{H}", "/home/{H}/theirs"]
SPEC
else
    _n=$((_n + 1)); echo "ok $_n # SKIP files of another user need root"
fi

# ---- nix-gen: dangling profiles of a user with a hostile name -----------------------
# /nix/var/nix/profiles/per-user/$HOSTILE/profile and home-manager in
# /home/$HOSTILE, both pointing at generations collected from the store.
T="$TMP/nix"
cp -R "$FIXTURES/roots/debian" "$T"
PU="$T/nix/var/nix/profiles/per-user/$HOSTILE"
HM="$T/home/$HOSTILE/.local/state/nix/profiles"
mkdir -p "$PU" "$HM" "$T/nix/store"
ln -s profile-2-link "$PU/profile"
ln -s /nix/store/00000000000000000000000000000000-user-environment "$PU/profile-2-link"
ln -s home-manager-3-link "$HM/home-manager"
ln -s /nix/store/11111111111111111111111111111111-home-manager-generation "$HM/home-manager-3-link"
make_config nix <<'YAML'
checks:
  - {id: host.facts, plugin: host, check: facts}
  - {id: nix.generations, plugin: nix-gen, check: generations, after: [host.facts], scope: runtime}
YAML
doctor nix "$T"
verify nix <<'SPEC'
nix.generation-dangling	["nix-env", "-p", "/nix/var/nix/profiles/per-user/{H}/profile", "--list-generations"]
nix.generation-dangling	["nix-env", "-p", "/home/{H}/.local/state/nix/profiles/home-manager", "--list-generations"]
SPEC

# ---- wsl2 and hyperv: names are validated, then left bare -----------------------
# These plugins take only [A-Za-z0-9][A-Za-z0-9_.-]* names (PowerShell does
# not read POSIX quotes): a hostile name yields no command (refused, or the
# placeholder DISTRO), and a valid one the exact words. MARK is then a
# piece of the valid name.
VALID=w0rk.x_y-z
WF="$FIXTURES/wsl2"
WD="$TMP/wbin/data"
mkdir -p "$WD"
cat > "$TMP/wbin/wsl.exe" <<'STANDIN'
#!/bin/sh
d="${0%/*}/data"
case "$1" in -l|--list) k=list ;; --status) k=status ;; *) exit 1 ;; esac
cat "$d/$k.out"
STANDIN
chmod +x "$TMP/wbin/wsl.exe"
cp "$WF/status.utf16" "$WD/status.out"
wsl_list() { # wsl_list NAME STATE VERSION: `wsl.exe -l -v` holding that distro, UTF-16LE
    printf '  NAME                      STATE           VERSION\r\n* Ubuntu-22.04              Running         2\r\n  %-25s %-15s %s\r\n' \
        "$1" "$2" "$3" | iconv -f UTF-8 -t UTF-16LE > "$WD/list.out"
}
T="$TMP/wsl"
cp -R "$WF/root-wsl2" "$T"
# WSL 1 inside (its kernel), interop registered but disabled.
echo "4.4.0-19041-Microsoft" > "$T/proc/sys/kernel/osrelease"
printf 'disabled\ninterpreter /init\n' > "$T/proc/sys/fs/binfmt_misc/WSLInterop"
wsl_config() { # wsl_config NAME MACHINE: wsl2.inside and wsl2.distro for MACHINE
    make_config "$1" <<YAML
checks:
  - {id: host.facts, plugin: host, check: facts, scope: runtime}
  - {id: wsl2.inside, plugin: wsl2, check: inside, after: [host.facts], scope: runtime}
  - {id: wsl2.distro, plugin: wsl2, check: distro, after: [host.facts], scope: runtime, params: {machine: '$2'}}
YAML
}
wsl_doctor() { # wsl_doctor NAME DISTRO-NAME [CONFIG]: the run inside the WSL tree
    # shellcheck disable=SC2086
    HOME=/home/alice WSL_DISTRO_NAME="$2" PATH="$TMP/wbin:/usr/bin:/bin" \
        "$SOS" doctor local-runtime $RUN_OPTS --root "$T" --config-dir "$TMP/${3:-$1}" \
        > "$TMP/$1.json"
}
HOSTILE="-x a;\$(touch PWN)\`id\`'q\"b"
HY=$(printf '%s' "$HOSTILE" | sed "s/'/''/g")
wsl_list "podman-$VALID" Stopped 1
wsl_config wsl-hostile "$HY"
wsl_doctor wsl-hostile "$HOSTILE"
like "$(jget "[f['code'] for f in find('wsl2.distro')['findings']]" < "$TMP/wsl-hostile.json")" \
    wsl2.params "wsl2.distro refuses the hostile machine name"
like "$(jget "[f['code'] for f in find('wsl2.inside')['findings']]" < "$TMP/wsl-hostile.json")" \
    wsl2.distro-name-unset "wsl2.inside does not take a hostile WSL_DISTRO_NAME"
verify wsl-hostile <<'SPEC'
wsl2.wsl1	["wsl.exe", "--set-version", "DISTRO", "2"]
wsl2.interop-disabled	["echo", "1", ["|"], "sudo", "tee", "--", "/proc/sys/fs/binfmt_misc/WSLInterop", [">"], "/dev/null"]
SPEC
wsl_config wsl-valid "$VALID"
wsl_doctor wsl-valid "$VALID"
HOSTILE=$VALID MARK=w0rk verify wsl-valid <<'SPEC'
wsl2.wsl1	["wsl.exe", "--set-version", "{H}", "2"]
wsl2.interop-disabled	["echo", "1", ["|"], "sudo", "tee", "--", "/proc/sys/fs/binfmt_misc/WSLInterop", [">"], "/dev/null"]
wsl2.machine-wsl1	["wsl.exe", "--set-version", "podman-{H}", "2"]
wsl2.machine-stopped	["podman", "machine", "start", "{H}"]
SPEC
wsl_list Debian Running 2
wsl_doctor wsl-missing "$VALID" wsl-valid
HOSTILE=$VALID MARK=w0rk verify wsl-missing <<'SPEC'
wsl2.wsl1	["wsl.exe", "--set-version", "{H}", "2"]
wsl2.machine-missing	["podman", "machine", "init", "{H}"]
SPEC

# hyperv.vm through a stand-in powershell.exe answering from data/out,
# data/err, data/rc, on a WSL 2 tree.
HF="$FIXTURES/hyperv"
HB="$TMP/hbin/data"
mkdir -p "$HB"
cat > "$TMP/hbin/powershell.exe" <<'STANDIN'
#!/bin/sh
d="${0%/*}/data"
echo "$*" >> "$d/calls"
[ -f "$d/out" ] && cat "$d/out"
[ -f "$d/err" ] && cat "$d/err" >&2
exit "$(cat "$d/rc" 2>/dev/null || echo 0)"
STANDIN
chmod +x "$TMP/hbin/powershell.exe"
T="$TMP/hv"
cp -R "$FIXTURES/roots/debian" "$T"
mkdir -p "$T/proc/sys/kernel"
echo "5.15.153.1-microsoft-standard-WSL2" > "$T/proc/sys/kernel/osrelease"
hv_answer() { # hv_answer FIXTURE [STATE] [RC]: Get-VM's answer for $VALID (stdout, or stderr with RC)
    rm -f "$HB/out" "$HB/err" "$HB/rc"
    : > "$HB/calls"
    if [ -n "${3:-}" ]; then
        sed "s/podman-machine-default/$VALID/g" "$HF/$1" > "$HB/err"; echo "$3" > "$HB/rc"
    else
        sed -e "s/podman-machine-default/$VALID/g" -e "s/\"State\":  3,/\"State\":  ${2:-3},/" \
            "$HF/$1" > "$HB/out"
    fi
}
hv_doctor() { # hv_doctor NAME MACHINE: hyperv.vm for MACHINE
    make_config "$1" <<YAML
checks:
  - {id: host.facts, plugin: host, check: facts, scope: runtime}
  - {id: hyperv.vm, plugin: hyperv, check: vm, after: [host.facts], scope: runtime, params: {provider: hyperv, machine: '$2'}}
YAML
    # shellcheck disable=SC2086
    PATH="$TMP/hbin:/usr/bin:/bin" "$SOS" doctor local-runtime $RUN_OPTS --root "$T" \
        --config-dir "$TMP/$1" > "$TMP/$1.json"
}
hv_answer getvm-ps51-off.json
hv_doctor hv-hostile "$HY"
is "$(jget "[f['code'] for f in find('hyperv.vm')['findings']]" < "$TMP/hv-hostile.json")/$(cat "$HB/calls")" \
    '["hyperv.params"]/' "hyperv.vm refuses the hostile machine name, PowerShell not run"
verify hv-hostile < /dev/null
hv_doctor hv-off "$VALID"
HOSTILE=$VALID MARK=w0rk verify hv-off <<'SPEC'
hyperv.vm-not-running	["podman", "machine", "start", "{H}"]
SPEC
hv_answer getvm-ps51-off.json 9
hv_doctor hv-paused "$VALID"
HOSTILE=$VALID MARK=w0rk verify hv-paused <<'SPEC'
hyperv.vm-not-running	["Resume-VM", "-Name", "{H}"]
SPEC
hv_answer err-ps51-not-found.txt "" 1
hv_doctor hv-missing "$VALID"
HOSTILE=$VALID MARK=w0rk verify hv-missing <<'SPEC'
hyperv.vm-missing	["podman", "machine", "init", "{H}"]
SPEC
HOSTILE="-x a;\$(touch PWN)\`id\`'q\"b"

# ---- contrib/example-plugin: file-mode on a file with a hostile name ------------------
# Built here against the source tree's header (tests/cli/example-plugin.sh
# builds it as a platform team does, against the installed one).
EX="$TMP/explug"
mkdir -p "$EX"
if cc -std=c11 -Wall -Wextra -Werror -fPIC -shared -I"$SOS_SRCDIR/include" \
        -o "$EX/example.so" "$SOS_SRCDIR/contrib/example-plugin/example.c" 2> "$TMP/ex-cc.err"; then
    chmod 755 "$EX" "$EX/example.so"
    T="$TMP/ex"
    mkdir -p "$T/$HOSTILE"
    : > "$T/$HOSTILE/f"
    chmod 666 "$T/$HOSTILE/f"
    make_config example <<YAML
checks:
  - {id: example.mode, plugin: example, check: file-mode, scope: runtime, params: {path: '/$HY/f', max_mode: "644"}}
YAML
    # shellcheck disable=SC2086
    "$SOS" doctor local-runtime $RUN_OPTS --plugin-dir "$EX" --root "$T" \
        --config-dir "$TMP/example" > "$TMP/example.json"
    verify example <<'SPEC'
example.file-too-open	["chmod", "644", "/{H}/f"]
SPEC
else
    _n=$((_n + 1)); echo "ok $_n # SKIP no C compiler for contrib/example-plugin"
fi

# ---- a newline in a name: the command is withheld, not split in two -------------
T="$TMP/mac-nl"
cp -R "$FIXTURES/roots/macos" "$T"
mkdir -p "$T/$SD"
NL="x
touch PWN"
write_plist "$T/$SD/$NL.plist" '<key>ProgramArguments</key><array><string>/bin/agent</string></array>'
chmod 666 "$T/$SD/$NL.plist"
doctor launchd "$T"
cp "$TMP/launchd.json" "$TMP/launchd-nl.json"
HOSTILE=$NL verify launchd-nl <<'SPEC'
launchd.plist-permissions	["#withheld"]
launchd.label-missing	["#withheld"]
SPEC
like "$(jget "[c for f in find('launchd.scan')['findings'] for c in f['commands']]" < "$TMP/launchd.json")" \
    '# command withheld, not safe to paste: word 4 \(\\"/Library/LaunchDaemons/x\\\\ntouch PWN.plist\\"\): byte 25 is a newline' \
    "the withheld command says which word, shown escaped, and why"

# ---- every call site is known: a new one must be added here ---------------------------
# Per file of plugins/ and contrib/: the calls of sourceos_finding_command_argv,
# of sourceos_finding_commandf and of sourceos_finding_command with a
# non-literal text (a ?: of two literals counts too), and the runs above
# that drive them ("-": no word from the host; "=NAME": covered by that
# test file; "?NAME": a run that needs root). A file whose counts differ
# fails: drive the new command with a hostile name above, then update the row.
cat > "$TMP/sites" <<'SITES'
plugins/systemd/lint.c	1 4 0	systemd
plugins/systemd/live.c	0 3 0	sd-crash sd-user sd-masked sd-inactive sd-stale sd-changed sd-changed-user
plugins/launchd/lint.c	2 0 0	launchd launchd-nl
plugins/launchd/overrides.c	2 0 0	overrides
plugins/launchd/live.c	2 0 0	live =launchd-live.sh
plugins/launchd/jobs.c	3 0 0	=launchd-jobs.sh
plugins/launchd/label_disabled.c	2 0 0	labels
plugins/launchd/label_conflict.c	2 0 0	labels
plugins/launchd/action_errors.c	7 0 0	la-io la-not-loaded la-daemon ?la-owner la-disabled
plugins/launchd/actions.c	1 0 0	la-elsewhere
plugins/systemd/unit_masked.c	0 1 0	sd-pf
plugins/systemd/unit_conflict.c	2 0 0	sd-pf
plugins/agent/authfile.c	2 3 0	ag ?ag-owner
plugins/agent/log_dir.c	4 1 0	ag ?ag-owner
plugins/podman-machine/machine.c	0 4 0	pm-stopped pm-starting pm-unknown pm-missing
plugins/podman-machine/connection.c	1 1 0	pm-host pm-socket
plugins/podman-machine/container.c	1 1 0	pm-stuck pm-loop pm-exited pm-created
plugins/podman-machine/image.c	1 1 0	pm-stuck pf-taken pf-stale
plugins/podman-machine/tag.c	1 0 0	pf-taken pf-stale
plugins/podman-machine/container_name.c	2 0 0	pf-taken pf-stale
plugins/podman-machine/binary.c	0 0 1	- install hints, a constant table
plugins/registry-auth/auth_files.c	0 2 0	ra-files ?ra-owner
plugins/registry-auth/agent_auth.c	0 2 0	ra-unsafe ra-missing
plugins/nix-gen/generations.c	1 0 1	nix
plugins/nix-gen/provenance.c	0 0 1	- a constant per generation manager
plugins/wsl2/inside.c	1 1 0	wsl-hostile wsl-valid
plugins/wsl2/distro.c	2 1 0	wsl-hostile wsl-valid wsl-missing
plugins/hyperv/vm.c	2 0 0	hv-hostile hv-off hv-paused hv-missing
plugins/agent-machine/plugin.c	3 0 0	- the machine name (the profile loader: ^[a-z0-9][a-z0-9-]*$), a constant; =agent-machine-doctor.sh (a hostile image reference)
plugins/stereos/plugin.c	1 0 0	- only the profile's name, which the profile loader validated (^[a-z0-9][a-z0-9-]*$); =stereos-control-plane.sh
contrib/example-plugin/example.c	1 0 0	example
plugins/agent/lint.c	1 0 0	- only the agent's name, which the core validated (^[a-z0-9][a-z0-9-]*$); =preflight.sh
SITES
"$PYTHON" - "$SOS_SRCDIR" "$TMP/sites" "$TMP" <<'PY' > "$TMP/sites.out"
import os, re, sys
src, table, tmp = sys.argv[1:4]
def calls(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    argv = len(re.findall(r"\bsourceos_finding_command_argv\s*\(", text))
    fmt = len(re.findall(r"\bsourceos_finding_commandf\s*\(", text))
    var = len(re.findall(r'\bsourceos_finding_command\s*\(\s*[^,()]+,\s*[^\s"]', text))
    return "%d %d %d" % (argv, fmt, var)
found = {}
for top in ("plugins", "contrib"):
    for d, _, files in os.walk(os.path.join(src, top)):
        for f in files:
            if f.endswith((".c", ".h")):
                p = os.path.join(d, f)
                n = calls(open(p, errors="replace").read())
                if n != "0 0 0":
                    found[os.path.relpath(p, src)] = n
rows = {}
for line in open(table):
    path, counts, runs = line.rstrip("\n").split("\t")
    rows[path] = (counts, runs.split())
for path in sorted(set(found) | set(rows)):
    want, runs = rows.get(path, ("0 0 0", []))
    got = found.get(path, "0 0 0")
    if got != want:
        print("FAIL %s: %s argv/commandf/non-literal command calls, the table says %s"
              % (path, got, want))
        continue
    missing = [r for r in runs if r != "-" and r[0] not in "=?"
               and not os.path.exists(os.path.join(tmp, r + ".out"))]
    if runs and runs[0] == "-":
        print("PASS %s: %s calls, no word from the host (%s)" % (path, got, " ".join(runs[1:])))
    elif missing or not runs:
        print("FAIL %s: covered by runs that did not happen: %s" % (path, missing))
    else:
        print("PASS %s: %s calls, driven by %s" % (path, got, " ".join(runs)))
PY
while IFS= read -r line; do
    case $line in
    PASS*) ok 0 "call sites: ${line#PASS }" ;;
    *) ok 1 "call sites: ${line#FAIL }" ;;
    esac
done < "$TMP/sites.out"
[ -s "$TMP/sites.out" ]; ok $? "the call-site census ran"

done_testing
