#!/bin/sh
# tests/launchctl-model.py, the launchd model later tests install agents
# through: every verb, every refusal with launchctl's exact words and exit
# code, state kept across invocations, disabled overrides in print-disabled
# and in launchd's own override plist, KeepAlive respawns counted on a model
# clock (a wrapper that always fails runs up to the cap, one that exits 0
# once, one that keeps a restart budget stops when it trips), and that
# launchd.state (plugins/launchd/live.c) reads the model's `print` through
# `sourceos-agent doctor NAME --root TREE --live` and `status`.
. "$SOS_SRCDIR/tests/lib.sh"
AGENT="$SOS_BUILDDIR/sourceos-agent"
MODEL="$SOS_SRCDIR/tests/launchctl-model.py"
LFIX="$FIXTURES/launchd"
# The agents' uid: 501 as on a Mac when the test runs as root (it can chown
# to it), else the test's own (launchd takes a plist its domain's user owns).
[ "$(id -u)" -eq 0 ] && G=501 || G=$(id -u)
MAC="$TMP/mac"
cp -R "$FIXTURES/roots/macos" "$MAC"
UA=/Users/alice/Library/LaunchAgents
OD=/var/db/com.apple.xpc.launchd
mkdir -p "$MAC$UA" "$MAC/Library/LaunchDaemons" "$MAC/Users/alice/Library/Logs"
mkdir -p "$TMP/jobhome"   # jobs' HOME: never the real one
export LAUNCHCTL_MODEL_STATE="$TMP/state.json" LAUNCHCTL_MODEL_LOG="$TMP/argv.log" \
    LAUNCHCTL_MODEL_ROOT="$MAC" LAUNCHCTL_MODEL_HOME="$TMP/jobhome"
"$PYTHON" "$MODEL" --shim "$TMP/bin" > "$TMP/shim.out"
LC="$TMP/bin/launchctl"
lc() { # lc [LAUNCHCTL_MODEL_X=V...] ARGS...: runs the stand-in; $rc, $o (stdout), $e (stderr)
    _env=
    while :; do case "$1" in LAUNCHCTL_MODEL_*=*) _env="$_env $1"; shift ;; *) break ;; esac; done
    env $_env "$LC" "$@" > "$TMP/o" 2> "$TMP/e"; rc=$?
    o=$(cat "$TMP/o"); e=$(cat "$TMP/e")
}
key() { # key NAME: the value of a top-level key of the last print
    printf '%s\n' "$o" | sed -n "s/^	$1 = //p"
}
st() { "$PYTHON" -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(eval(sys.argv[2], {"d": d}))' "$LAUNCHCTL_MODEL_STATE" "$1"; }
plist() { # plist FILE LABEL BODY: a job plist under the tree, mode 644
    mkdir -p "$(dirname "$MAC$1")"
    printf '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n<key>Label</key><string>%s</string>\n%s\n</dict>\n</plist>\n' \
        "$2" "$3" > "$MAC$1"
    chmod 644 "$MAC$1"
}
prog() { printf '<key>ProgramArguments</key><array><string>/bin/sh</string><string>-c</string><string>%s</string></array>' "$1"; }
HINT="Try re-running the command as root for richer errors."
EIO="Bootstrap failed: 5: Input/output error"

# ---- the shim ----------------------------------------------------------------------------
is "$(cat "$TMP/shim.out")" "$LC" "--shim prints the launchctl it wrote"
[ -x "$LC" ]; ok $? "the shim is executable"
lc error 113
is "$rc:$o" "0:Could not find specified service" "launchctl error 113 through the shim"
# sourceos runs commands with a cleaned environment: the shim has the state baked in
o=$(env -i "$LC" print-disabled gui/$G); rc=$?
is "$rc" 0 "the shim works with an empty environment"
[ -f "$LAUNCHCTL_MODEL_STATE" ]; ok $? "...and used the state file named when it was written"
Q="$TMP/it's a dir"
mkdir -p "$Q"
LAUNCHCTL_MODEL_STATE="$Q/st ate.json" "$PYTHON" "$MODEL" --shim "$Q" > /dev/null
env -i "$Q/launchctl" disable gui/777/com.example.quoted
[ -f "$Q/st ate.json" ]; ok $? "a baked-in value with a quote and a blank survives the shim"

# ---- bootstrap, print, persistence -----------------------------------------------------------
J=$UA/com.example.plain.plist
plist "$J" com.example.plain "$(prog 'exit 0')<key>StandardOutPath</key><string>/Users/alice/Library/Logs/plain.log</string><key>EnvironmentVariables</key><dict><key>MODE</key><string>test</string></dict>"
lc bootstrap gui/$G "$J"
is "$rc:$e" "0:" "bootstrap gui/$G PLIST: exit 0, silent"
is "$(tail -n 1 "$LAUNCHCTL_MODEL_LOG")" "[\"launchctl\", \"bootstrap\", \"gui/$G\", \"$J\"]" "argv logged as one JSON array a line"
lc print gui/$G/com.example.plain
is "$rc" 0 "print of a loaded job: exit 0 (a second invocation sees the first's state)"
is "$(printf '%s\n' "$o" | head -n 1)" "gui/$G/com.example.plain = {" "print: a block named after the service"
is "$(key state)/$(key runs)/$(key 'last exit code')/$(key path)/$(key type)" \
    "not running/0/(never exited)/$J/LaunchAgent" "not RunAtLoad: loaded, not started"
is "$(key program)/$(key properties)/$(key 'stdout path')" "/bin/sh/inferred program//Users/alice/Library/Logs/plain.log" "program, properties, stdout path"
like "$o" "$(printf '\targuments = {\n\t\t/bin/sh\n\t\t-c\n\t\texit 0\n\t}')" "arguments as a nested block"
like "$o" "$(printf '\tenvironment = {\n\t\tMODE => test\n\t}')" "EnvironmentVariables as a nested block"
is "$(key pid)" "" "no pid while not running"
is "$(st "sorted(d['domains']['gui/$G']['services'])")" "['com.example.plain']" "the state file holds the loaded label"

# ---- kickstart -----------------------------------------------------------------------------------
lc kickstart gui/$G/com.example.plain
lc print gui/$G/com.example.plain
pid1=$(key pid)
is "$(key state)/$(key runs)/$(key 'active count')" "running/1/1" "kickstart: running, runs 1"
like "$pid1" '^[0-9]+$' "with a pid ($pid1)"
lc kickstart gui/$G/com.example.plain
lc print gui/$G/com.example.plain
is "$(key runs)/$(key pid)" "1/$pid1" "kickstart of a running job without -k: left alone"
lc kickstart -k -p gui/$G/com.example.plain
p=$o
lc print gui/$G/com.example.plain
is "$(key runs)/$(key state)" "2/running" "kickstart -k: killed and started again, runs 2"
is "$p" "$(key pid)" "-p prints the new pid"
[ "$p" != "$pid1" ]; ok $? "a new pid"
lc kickstart gui/$G/com.example.nothere
is "$rc:$e" "113:Could not find service \"com.example.nothere\" in domain for user gui: $G" "kickstart of an unknown label: 113"
# LAUNCHCTL_MODEL_FAIL (a test hook): a verb refused before it changes anything;
# VERB:TEXT only for a job whose definition holds TEXT
lc LAUNCHCTL_MODEL_FAIL=kickstart kickstart -k gui/$G/com.example.plain
is "$rc:$e" "1:Kickstart failed: 1: Operation not permitted" "LAUNCHCTL_MODEL_FAIL=kickstart: refused, exit 1"
lc print gui/$G/com.example.plain
is "$(key runs)/$(key state)" "2/running" "...and nothing was done"
lc LAUNCHCTL_MODEL_FAIL=enable,kickstart:/bin/zsh kickstart -k gui/$G/com.example.plain
is "$rc" 0 "kickstart:TEXT: a job whose definition does not hold TEXT is not refused"
lc LAUNCHCTL_MODEL_FAIL=kickstart:/bin/sh kickstart -k gui/$G/com.example.plain
is "$rc" 1 "...one whose definition holds it is"
lc list
like "$o" "^PID	Status	Label$" "list: the header"

# ---- bootout --------------------------------------------------------------------------------------
lc bootout gui/$G/com.example.plain
is "$rc:$e" "0:" "bootout gui/$G/LABEL: exit 0"
lc print gui/$G/com.example.plain
is "$rc:$e" "113:$(cat "$LFIX/launchctl-print-notfound.stderr" | sed "s/com.example.gone/com.example.plain/; s/gui: 501/gui: $G/")" "then print: 113 with the captured message"
lc bootout gui/$G/com.example.plain
is "$rc:$e" "3:Boot-out failed: 3: No such process" "bootout of a label not loaded: 3 No such process"
lc bootout gui/$G "$J"
is "$rc:$e" "5:Boot-out failed: 5: Input/output error" "bootout DOMAIN PLIST not loaded: 5"
lc bootout gui/$G /Users/alice/Library/LaunchAgents/nope.plist
is "$rc:$e" "2:/Users/alice/Library/LaunchAgents/nope.plist: No such file or directory
Boot-out failed: 2: No such file or directory" "bootout DOMAIN PLIST of a missing file: 2"
lc bootstrap gui/$G "$J"
lc bootout gui/$G "$J"
is "$rc" 0 "bootout DOMAIN PLIST of a loaded one: exit 0"
lc print gui/$G/com.example.plain
is "$rc" 113 "...and it is gone"
plist "$UA/second.plist" com.example.second "$(prog 'exit 0')"
chmod 666 "$MAC$UA/second.plist"
lc bootstrap gui/$G "$J" "$UA/second.plist"
is "$rc" 5 "bootstrap of two plists, the second refused: 5"
is "$(st "sorted(d['domains']['gui/$G']['services'])")" "['com.example.plain']" "...the first stays loaded"
lc bootout gui/$G/com.example.plain
lc print system/com.example.plain
is "$rc:$e" '113:Could not find service "com.example.plain" in domain for system' "system domain: its own not-found wording"
lc print gui/x/y
is "$rc" 64 "a domain that is not one: usage, 64"

# ---- bootstrap's refusals ------------------------------------------------------------------
lc bootstrap gui/$G "$J"
lc bootstrap gui/$G "$J"
is "$rc:$e" "5:$EIO
$HINT" "already loaded: 5, and the hint (not root)"
lc LAUNCHCTL_MODEL_ALREADY_LOADED=37 bootstrap gui/$G "$J"
is "$rc:$e" "37:Bootstrap failed: 37: Operation already in progress" "already loaded, newer macOS: 37"
lc LAUNCHCTL_MODEL_AS_ROOT=1 bootstrap gui/$G "$J"
is "$rc:$e" "5:$EIO" "already loaded, as root: 5, no hint"
lc bootout gui/$G/com.example.plain
refused() { # refused WANT-RC WANT-STDERR DESCRIPTION -- [VAR=V...] ARGS: and $label not loaded
    want_rc=$1 want_e=$2 what=$3; shift 4
    lc "$@"
    is "$rc:$e" "$want_rc:$want_e" "$what"
    is "$(st "[n for n, v in d['domains'].items() if '$label' in v['services']]")" "[]" "$what: nothing loaded"
}
label=com.example.plain
chmod 666 "$MAC$J"
refused 5 "$EIO
$HINT" "world-writable plist: 5" -- bootstrap gui/$G "$J"
chmod 664 "$MAC$J"
refused 5 "$EIO
$HINT" "group-writable plist: 5" -- bootstrap gui/$G "$J"
refused 122 "$J: Path had bad ownership/permissions
Bootstrap failed: 122: Path had bad ownership/permissions" "group-writable, as root: 122 names it" -- LAUNCHCTL_MODEL_AS_ROOT=1 bootstrap gui/$G "$J"
chmod 644 "$MAC$J"
if [ "$(id -u)" -eq 0 ]; then
    chown 12345 "$MAC$J"
    refused 5 "$EIO
$HINT" "owned by another user: 5" -- bootstrap gui/$G "$J"
    chown "$G" "$MAC$J"
    lc bootstrap gui/$G "$J"
    is "$rc" 0 "owned by the domain's user ($G): loaded"
    lc bootout gui/$G/$label
    refused 122 "$J: Path had bad ownership/permissions
Bootstrap failed: 122: Path had bad ownership/permissions" "system domain, owned by $G (not root): 122" -- bootstrap system "$J"
    chown 0 "$MAC$J"
else
    for i in 1 2 3 4 5; do _n=$((_n + 1)); echo "ok $_n # SKIP chown needs root"; done
fi
cp "$LFIX/bad.bplist" "$MAC$UA/bad.plist"
label=bad
refused 5 "$EIO
$HINT" "a truncated binary plist: 5" -- bootstrap gui/$G "$UA/bad.plist"
cp "$LFIX/edge2.plist" "$MAC$UA/bad.plist"
refused 5 "$EIO" "an XML plist that does not parse, as root: 5" -- LAUNCHCTL_MODEL_AS_ROOT=1 bootstrap gui/$G "$UA/bad.plist"
plist "$UA/nolabel.plist" "" "$(prog 'exit 0')"
sed -i 's|<key>Label</key><string></string>||' "$MAC$UA/nolabel.plist"
label=nolabel
refused 5 "$EIO
$HINT" "no Label: 5" -- bootstrap gui/$G "$UA/nolabel.plist"
plist "$UA/noprog.plist" com.example.noprog "<key>RunAtLoad</key><true/>"
label=com.example.noprog
refused 5 "$EIO
$HINT" "no Program or ProgramArguments: 5" -- bootstrap gui/$G "$UA/noprog.plist"
label=x
refused 2 "$UA/missing.plist: No such file or directory
Bootstrap failed: 2: No such file or directory" "a missing plist: 2" -- bootstrap gui/$G "$UA/missing.plist"
label=com.example.plain
lc LAUNCHCTL_MODEL_NO_GUI=1 bootstrap gui/$G "$J"
is "$rc:$e" "125:Bootstrap failed: 125: Domain does not support specified action" "no GUI login (SSH): bootstrap gui/UID is 125"
lc LAUNCHCTL_MODEL_NO_GUI=1 print gui/$G/$label
is "$rc:$e" "112:Could not find domain for user gui: $G" "no GUI login: print gui/UID/LABEL, no such domain"
is "$(st "'gui/$G' in d['domains'] and sorted(d['domains']['gui/$G']['services'])")" "[]" "no GUI login: nothing loaded"
lc LAUNCHCTL_MODEL_NO_GUI=1 bootstrap user/$G "$J"
is "$rc" 0 "no GUI login: user/UID works"
lc print user/$G/$label
is "$rc:$(key type)" "0:LaunchAgent" "loaded in user/$G"
lc bootout user/$G/$label

# ---- disable / enable, print-disabled, the override plist ---------------------------------------------
lc disable gui/$G/$label
is "$rc:$e" "0:" "disable gui/$G/LABEL: exit 0"
lc print-disabled gui/$G
is "$o" "$(printf '\tdisabled services = {\n\t\t"com.example.plain" => disabled\n\t}\n\n\tlogin item associations = {\n\t}')" "print-disabled: the captured new dialect"
is "$("$PYTHON" -c 'import plistlib,sys; print(plistlib.load(open(sys.argv[1],"rb")))' "$MAC$OD/disabled.$G.plist")" \
    "{'com.example.plain': True}" "disable wrote $OD/disabled.$G.plist, label => true"
is "$(plistutil -i "$MAC$OD/disabled.$G.plist" -f xml 2>/dev/null | grep -c '<true/>')" 1 "libplist reads the override file too"
lc LAUNCHCTL_MODEL_DIALECT=old print-disabled gui/$G
is "$o" "$(printf 'disabled services = {\n\t"com.example.plain" => true\n}')" "print-disabled: the older dialect"
refused 5 "$EIO
$HINT" "a disabled label, not root: 5" -- bootstrap gui/$G "$J"
refused 119 "$J: Service is disabled
Bootstrap failed: 119: Service is disabled" "a disabled label, as root: 119" -- LAUNCHCTL_MODEL_AS_ROOT=1 bootstrap gui/$G "$J"
lc enable gui/$G/$label
lc print-disabled gui/$G
like "$o" '"com.example.plain" => enabled' "enable: recorded as enabled"
is "$("$PYTHON" -c 'import plistlib,sys; print(plistlib.load(open(sys.argv[1],"rb")))' "$MAC$OD/disabled.$G.plist")" \
    "{'com.example.plain': False}" "enable keeps the key, false (as launchd does)"
lc bootstrap gui/$G "$J"
is "$rc" 0 "enabled again: bootstrap works"
lc disable gui/$G/$label
lc print gui/$G/$label
is "$rc" 0 "disable does not unload a loaded job"
lc bootout gui/$G/$label
lc print-disabled gui/$G
like "$o" '"com.example.plain" => disabled' "bootout leaves the override"
lc disable system/com.example.daemon
is "$("$PYTHON" -c 'import plistlib,sys; print(plistlib.load(open(sys.argv[1],"rb")))' "$MAC$OD/disabled.plist")" \
    "{'com.example.daemon': True}" "the system domain's overrides: disabled.plist"
# The tree's override file is launchd's own record: what it says wins.
printf '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict><key>org.nixos.old</key><true/></dict></plist>\n' > "$MAC$OD/disabled.$G.plist"
lc print-disabled gui/$G
like "$o" '"org.nixos.old" => disabled' "an override file written into the tree is read"
unlike "$o" 'com.example.plain' "...and is the whole record (the state's copy does not outlive it)"
plist "$UA/old.plist" org.nixos.old "$(prog 'exit 0')"
label=org.nixos.old
refused 119 "$UA/old.plist: Service is disabled
Bootstrap failed: 119: Service is disabled" "...and refuses its label" -- LAUNCHCTL_MODEL_AS_ROOT=1 bootstrap gui/$G "$UA/old.plist"
lc enable gui/$G/$label

# ---- starting at load (no running) --------------------------------------------------------------------
loaded() { # loaded NAME BODY: bootstraps $UA/NAME.plist as t.NAME; $o is its print
    plist "$UA/$1.plist" "t.$1" "$2"
    "$LC" bootstrap gui/$G "$UA/$1.plist"
    lc print gui/$G/t.$1
}
loaded ka-dict "$(prog 'exit 0')<key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>"
is "$(key state)/$(key runs)/$(key properties)" "running/1/keepalive | inferred program" "KeepAlive {SuccessfulExit} implies RunAtLoad (launchd.plist(5))"
loaded ka-true "$(prog 'exit 0')<key>KeepAlive</key><true/>"
is "$(key state)/$(key runs)" "running/1" "KeepAlive true starts at load"
loaded ral "<key>Program</key><string>/usr/bin/true</string><key>RunAtLoad</key><true/>"
is "$(key state)/$(key runs)/$(key program)/$(key properties)" "running/1//usr/bin/true/runatload" "RunAtLoad with Program: started, program not inferred"

# ---- running for real: KeepAlive against the wrapper's exit ----------------------------------------------
export LAUNCHCTL_MODEL_RUN=1 LAUNCHCTL_MODEL_MAX_RUNS=12
LOG=/Users/alice/Library/Logs
runs_logged() { wc -l < "$MAC$LOG/$1.log" | tr -d ' '; }
bounded() { # bounded NAME SCRIPT: KeepAlive only on unsuccessful exit, ThrottleInterval 10
    loaded "$1" "$(prog "$2")<key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict><key>ThrottleInterval</key><integer>10</integer><key>StandardOutPath</key><string>$LOG/$1.log</string>"
}
t0=$(date +%s)
bounded fails 'echo run; exit 3'
took=$(( $(date +%s) - t0 ))
is "$(key runs)/$(key state)/$(key 'last exit code')" "12/spawn scheduled/3" "a wrapper that always fails: respawned up to the cap (12), spawn scheduled"
is "$(runs_logged fails)" 12 "it really ran 12 times (its stdout log)"
is "$(st "(lambda s: [round(b - a) for a, b in zip(s, s[1:])])(d['domains']['gui/$G']['services']['t.fails']['starts'])")" \
    "[10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10]" "each spawn ThrottleInterval (10 s) after the last, in model time"
[ "$took" -le 5 ]; ok $? "without sleeping (${took}s for 110 s of model time)"
bounded succeeds 'echo run; exit 0'
is "$(key runs)/$(key state)/$(key 'last exit code')" "1/not running/0" "a wrapper that exits 0: runs once, not restarted"
is "$(runs_logged succeeds)" 1 "it ran once"
# The generated wrapper's own budget: it fails until it has started 3 times
# within the hour, then records tripped and exits 0; launchd stops there.
bounded budget "n=\$(cat \"\$HOME/starts\" 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n > \"\$HOME/starts\"; echo run; if [ \$n -gt 3 ]; then echo tripped > \"\$HOME/tripped\"; exit 0; fi; exit 1"
is "$(key runs)/$(key state)/$(key 'last exit code')" "4/not running/0" "a wrapper with a budget of 3: 3 failed runs, the 4th trips and exits 0, launchd stops"
is "$(cat "$TMP/jobhome/tripped")" tripped "the wrapper recorded tripped"
loaded always "$(prog 'echo run; exit 0')<key>KeepAlive</key><true/><key>StandardOutPath</key><string>$LOG/always.log</string>"
is "$(key runs)/$(key state)" "12/spawn scheduled" "KeepAlive true: even exit 0 is respawned, up to the cap"
loaded crash "$(prog 'kill -SEGV $$')<key>RunAtLoad</key><true/><key>KeepAlive</key><dict><key>Crashed</key><true/></dict>"
is "$(key runs)/$(key 'last terminating signal')/$(key 'last exit code')" "12/Segmentation fault: 11/" "Crashed true: a SIGSEGV is respawned; print names the signal"
loaded term "$(prog 'kill -TERM $$')<key>RunAtLoad</key><true/><key>KeepAlive</key><dict><key>Crashed</key><true/></dict>"
is "$(key runs)/$(key state)/$(key 'last terminating signal')" "1/not running/Terminated: 15" "Crashed true: SIGTERM is not a crash"
loaded once "$(prog 'exit 7')<key>RunAtLoad</key><true/>"
is "$(key runs)/$(key state)/$(key 'last exit code')" "1/not running/7" "no KeepAlive: one run, its exit code"
lc kickstart gui/$G/t.once
lc print gui/$G/t.once
is "$(key runs)" 2 "kickstart runs it again"
loaded env "$(prog 'echo "PATH=$PATH XPC=$XPC_SERVICE_NAME MODE=$MODE SOS=${SOS_BUILDDIR:-unset}"')<key>RunAtLoad</key><true/><key>EnvironmentVariables</key><dict><key>MODE</key><string>m</string></dict><key>StandardOutPath</key><string>$LOG/env.log</string>"
is "$(cat "$MAC$LOG/env.log")" "PATH=/usr/bin:/bin:/usr/sbin:/sbin XPC=t.env MODE=m SOS=unset" "a job gets launchd's environment and its EnvironmentVariables, not the caller's"
loaded noexec "<key>Program</key><string>/Users/alice/bin/missing-wrapper</string><key>RunAtLoad</key><true/>"
is "$(key runs)/$(key 'last exit code')" "1/78" "a program that is not there (a collected store path): 78 EX_CONFIG"
loaded nologdir "$(prog 'exit 0')<key>RunAtLoad</key><true/><key>StandardErrorPath</key><string>/Users/alice/Library/Logs/SourceOS/err.log</string>"
is "$(key 'last exit code')" 78 "a log directory that does not exist: 78, the program never runs"
mkdir -p "$MAC/Users/alice/bin"
printf '#!/bin/sh\necho "wrapper ran with $1" >> "$2"\nexit 0\n' > "$MAC/Users/alice/bin/wrapper"
chmod 755 "$MAC/Users/alice/bin/wrapper"
loaded inroot "<key>ProgramArguments</key><array><string>/Users/alice/bin/wrapper</string><string>--serve</string><string>$TMP/inroot.out</string></array><key>RunAtLoad</key><true/>"
is "$(key 'last exit code'):$(cat "$TMP/inroot.out")" "0:wrapper ran with --serve" "the program (a macOS path) is run from under the tree, with its arguments"
export LAUNCHCTL_MODEL_TIMEOUT=1
loaded long "$(prog 'sleep 30')<key>RunAtLoad</key><true/>"
is "$(key state)" running "a job still running after LAUNCHCTL_MODEL_TIMEOUT: running"
unset LAUNCHCTL_MODEL_RUN LAUNCHCTL_MODEL_MAX_RUNS LAUNCHCTL_MODEL_TIMEOUT

# ---- launchd.state reads the model: sourceos-agent doctor / status --------------------------------------
U=$(id -u)
mkdir -p "$TMP/cfg/checks.d" "$TMP/cfg/agents.d"
cp "$SOS_SRCDIR/checks.d/00-host.yaml" "$SOS_SRCDIR/checks.d/30-launchd.yaml" "$TMP/cfg/checks.d/"
printf 'name: web\nimage: localhost/web@sha256:0123\nbackend: launchd\n' > "$TMP/cfg/agents.d/web.yaml"
W=org.sourceos.agent.web
WP=$UA/$W.plist
plist "$WP" "$W" "$(prog 'echo run; exit 3')<key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict><key>ThrottleInterval</key><integer>10</integer><key>StandardOutPath</key><string>$LOG/web.out.log</string><key>StandardErrorPath</key><string>$LOG/web.err.log</string>"
doctor() {
    : > "$LAUNCHCTL_MODEL_LOG"
    out=$(PATH="$TMP/bin:/usr/bin:/bin" "$AGENT" doctor web --json --live --root "$MAC" \
        --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/cfg"); rc=$?
}
q() { printf '%s' "$out" | jget "$1"; }
codes() { q "[f['code'] for f in find('launchd.state')['findings']]"; }
ev() { q "[f for f in find('launchd.state')['findings'] if f['code']=='$1'][0]['evidence'].get('$2')"; }
"$LC" bootstrap "gui/$U" "$WP"
"$LC" kickstart -k "gui/$U/$W"
doctor
is "$(codes)" '["launchd.job-running"]' "doctor --live: launchd.state reads the model's print: running"
lc print "gui/$U/$W"
is "$(ev launchd.job-running pid)/$(ev launchd.job-running runs)/$(ev launchd.job-running state)" "$(key pid)/2/running" "pid, runs and state as the model has them"
is "$(ev launchd.job-running stdout)" "$LOG/web.out.log" "the stdout path"
is "$(q "find('launchd.state')['facts']['launchd.job.disabled']")" false "print-disabled read: not disabled"
grep -q "^\\[\"launchctl\", \"print\", \"gui/$U/$W\"\\]$" "$LAUNCHCTL_MODEL_LOG"; ok $? "doctor asked print gui/UID/LABEL"
is "$(cut -d'"' -f4 "$LAUNCHCTL_MODEL_LOG" | sort -u | tr '\n' ' ')" "print print-disabled " "...and nothing but print and print-disabled"
out=$(PATH="$TMP/bin:/usr/bin:/bin" "$AGENT" status web --json --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/cfg")
is "$(q 'd["backend"]["pid"] + " " + d["backend"]["runs"]')" "$(key pid) 2" "status: PID and runs from the model's print"
# the respawn loop, for real: the wrapper always fails, KeepAlive respawns it
"$LC" bootout "gui/$U/$W"
LAUNCHCTL_MODEL_RUN=1 LAUNCHCTL_MODEL_MAX_RUNS=12 "$LC" bootstrap "gui/$U" "$WP"
doctor
is "$rc" 2 "a respawn loop: exit 2"
is "$(codes)" '["launchd.job-state", "launchd.respawn-loop"]' "launchd.respawn-loop from the model's print"
is "$(ev launchd.respawn-loop runs)/$(ev launchd.respawn-loop last_exit_code)/$(ev launchd.respawn-loop state)" "12/3/spawn scheduled" "runs 12, last exit code 3, spawn scheduled"
is "$(q "[f for f in find('launchd.state')['findings'] if f['code']=='launchd.respawn-loop'][0]['path']")" "$WP" "the finding names the plist the model loaded"
"$LC" bootout "gui/$U/$W"
doctor
is "$(codes)" '["launchd.job-not-loaded"]' "booted out: launchd.job-not-loaded (113)"
"$LC" disable "gui/$U/$W"
doctor
is "$(codes)" '["launchd.job-not-loaded", "launchd.job-disabled"]' "disabled: print-disabled's override found"
is "$(q "find('launchd.state')['facts']['launchd.job.disabled']")" true "fact launchd.job.disabled true"
unlike "$(cat "$LAUNCHCTL_MODEL_LOG")" '"(bootstrap|bootout|enable|disable|kickstart)"' "doctor never changed launchd"
done_testing
