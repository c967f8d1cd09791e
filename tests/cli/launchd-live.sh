#!/bin/sh
# launchd.state against captured `launchctl print` and `print-disabled`
# output, replayed by a stand-in `launchctl` that records what it was asked,
# so the test can assert the exact service targets and that nothing was ever
# changed (no bootstrap, bootout, enable, disable, kickstart). The check is
# declared here with scope runtime and no `when`, so it runs on Linux.
. "$SOS_SRCDIR/tests/lib.sh"
LFIX="$FIXTURES/launchd"
FAKE="$TMP/bin/data"   # beside the stand-in: commands run with a clean environment
mkdir -p "$TMP/bin" "$FAKE"
# The stand-in: answers from $FAKE/{print,disabled}.{out,err,rc}, logs argv
# to $FAKE/calls; $FAKE/hang makes it hang instead.
cat > "$TMP/bin/launchctl" <<'SH'
#!/bin/sh
d="${0%/*}/data"
echo "$*" >> "$d/calls"
case "$1" in
print) key=print ;;
print-disabled) key=disabled ;;
*) echo "stand-in launchctl: unexpected $*" >&2; exit 64 ;;
esac
[ -f "$d/hang" ] && exec sleep 30
[ -f "$d/$key.out" ] && cat "$d/$key.out"
[ -f "$d/$key.err" ] && cat "$d/$key.err" >&2
exit "$(cat "$d/$key.rc" 2>/dev/null || echo 0)"
SH
chmod +x "$TMP/bin/launchctl"

declare_check() { # declare_check LABEL [PARAM-LINES...]: the check's params
    label=$1; shift
    mkdir -p "$TMP/cfg/checks.d"
    {
        printf 'checks:\n  - id: launchd.state\n    plugin: launchd\n    check: state\n'
        printf '    timeout: 10\n    scope: runtime\n    params:\n      label: "%s"\n' "$label"
        for p in "$@"; do printf '      %s\n' "$p"; done
    } > "$TMP/cfg/checks.d/30-launchd.yaml"
}
answer() { # answer PRINT-OUT PRINT-ERR PRINT-RC DISABLED-OUT: what launchctl says
    rm -f "$FAKE"/print.* "$FAKE"/disabled.* "$FAKE/hang"
    [ -n "$1" ] && cp "$1" "$FAKE/print.out"
    [ -n "$2" ] && cp "$2" "$FAKE/print.err"
    echo "$3" > "$FAKE/print.rc"
    if [ -n "$4" ]; then cp "$4" "$FAKE/disabled.out"; else : > "$FAKE/disabled.out"; fi
    : > "$FAKE/calls"
}
doctor() { # every call of every run is kept in $TMP/all-calls too
    PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --json \
        --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/cfg" "$@"
    _rc=$?; cat "$FAKE/calls" >> "$TMP/all-calls" 2>/dev/null; return $_rc
}
q() { printf '%s' "$out" | jget "$1"; }
codes() { q "[f['code'] for f in find('launchd.state')['findings']]"; }
ev() { # ev CODE KEY: evidence KEY of the first finding with CODE
    q "[f for f in find('launchd.state')['findings'] if f['code']=='$1'][0]['evidence'].get('$2')"
}
msg() { q "[f for f in find('launchd.state')['findings'] if f['code']=='$1'][0]['message']"; }
status() { q "find('launchd.state')['status']"; }
calls() { cat "$FAKE/calls"; }
MUTATING='^(bootstrap|bootout|enable|disable|kickstart|load|unload|remove|submit|kill|start|stop)( |$)'

# --- running, as captured: pid 77880, and 24991 runs whose last one failed
declare_check com.example.agent 'uid: "501"'
answer "$LFIX/launchctl-print-running.txt" "" 0 "$LFIX/launchctl-print-disabled-new.txt"
out=$(doctor); rc=$?
is "$rc" 2 "running but respawned 24991 times: exit 2"
is "$(codes)" '["launchd.job-running", "launchd.respawn-loop"]' "running, and a respawn loop (runs over the limit, last exit code 1)"
like "$(msg launchd.job-running)" "running as pid 77880" "the running finding names the pid"
is "$(ev launchd.job-running pid)" 77880 "evidence pid"
is "$(ev launchd.job-running state)" running "evidence state"
is "$(ev launchd.respawn-loop runs)" 24991 "evidence runs"
is "$(ev launchd.respawn-loop last_exit_code)" 1 "evidence last exit code"
is "$(calls)" "print gui/501/com.example.agent
print-disabled gui/501" "asked exactly: print gui/501/LABEL, then print-disabled gui/501"
is "$(q "find('launchd.state')['facts']")" '{"launchd.job.state": "running", "launchd.job.pid": "77880", "launchd.job.runs": "24991", "launchd.job.disabled": "false"}' "facts: state, pid, runs, not disabled"

# --- running with few runs: just the info finding
sed 's/runs = 24991/runs = 1/' "$LFIX/launchctl-print-running.txt" > "$TMP/running-once.txt"
answer "$TMP/running-once.txt" "" 0 "$LFIX/launchctl-print-disabled-new.txt"
out=$(doctor); rc=$?
is "$rc" 0 "running, 1 run: exit 0"
is "$(status)" ok "status ok"
is "$(codes)" '["launchd.job-running"]' "only launchd.job-running"

# --- the incident: spawn scheduled, 4312 runs, exit 125, disabled (old dialect)
declare_check org.nixos.node-commander 'uid: "501"'
answer "$LFIX/launchctl-print-respawn-loop.txt" "" 0 "$LFIX/launchctl-print-disabled-old.txt"
out=$(doctor); rc=$?
is "$rc" 2 "respawn loop: exit 2"
is "$(status)" failure "status failure"
is "$(codes)" '["launchd.job-state", "launchd.respawn-loop", "launchd.job-disabled"]' "state, respawn loop, and the old dialect's '=> true' override"
is "$(ev launchd.respawn-loop runs)" 4312 "evidence runs 4312"
is "$(ev launchd.respawn-loop last_exit_code)" 125 "evidence last exit code 125"
is "$(ev launchd.respawn-loop state)" "spawn scheduled" "evidence state 'spawn scheduled'"
is "$(q "[f for f in find('launchd.state')['findings'] if f['code']=='launchd.respawn-loop'][0]['commands']")" '["launchctl bootout gui/501/org.nixos.node-commander"]' "remedy: the exact bootout command"
like "$(q "[f for f in find('launchd.state')['findings'] if f['code']=='launchd.respawn-loop'][0]['remediation']")" "/tmp/node-commander.log and /tmp/node-commander.err" "remedy says where the logs are"
is "$(q "[f for f in find('launchd.state')['findings'] if f['code']=='launchd.respawn-loop'][0]['path']")" /Library/LaunchAgents/org.nixos.node-commander.plist "finding names the plist launchd loaded"
like "$(msg launchd.job-disabled)" "gui/501/org.nixos.node-commander is disabled" "disabled named"
is "$(q "find('launchd.state')['facts']['launchd.job.disabled']")" true "fact launchd.job.disabled true"
# the same job under a higher runs_limit: a failing job, not a loop
declare_check org.nixos.node-commander 'uid: "501"' 'runs_limit: 5000'
answer "$LFIX/launchctl-print-respawn-loop.txt" "" 0 "$LFIX/launchctl-print-disabled-new.txt"
out=$(doctor); rc=$?
is "$(codes)" '["launchd.job-state", "launchd.job-failing"]' "runs below runs_limit: job-failing, not respawn-loop"
like "$(msg launchd.job-failing)" "exit code 125" "failing: names the exit code"
is "$rc" 2 "failing job: exit 2"

# --- killed by a signal
declare_check com.example.crashy 'uid: "501"'
answer "$LFIX/launchctl-print-signal.txt" "" 0 "$LFIX/launchctl-print-disabled-new.txt"
out=$(doctor); rc=$?
is "$rc" 2 "crashed job: exit 2"
is "$(codes)" '["launchd.job-state", "launchd.job-failing"]' "3 runs, not running, last exit by signal: job-failing"
like "$(msg launchd.job-failing)" "killed by signal Segmentation fault: 11, reason OS_REASON_CODESIGNING" "says which signal, and the exit reason"
is "$(ev launchd.job-failing signal)" "Segmentation fault: 11" "evidence signal"
is "$(ev launchd.job-failing last_exit_reason)" OS_REASON_CODESIGNING "evidence last exit reason"
declare_check com.example.crashy 'uid: "501"' 'runs_limit: 3'
out=$(doctor)
is "$(codes)" '["launchd.job-state", "launchd.respawn-loop"]' "runs at runs_limit with a signal: respawn loop"
like "$(msg launchd.respawn-loop)" "killed by signal Segmentation fault: 11" "the loop names the signal"

# --- not loaded: error 113
declare_check com.example.gone 'uid: "501"'
answer "" "$LFIX/launchctl-print-notfound.stderr" 113 "$LFIX/launchctl-print-disabled-new.txt"
out=$(doctor); rc=$?
is "$rc" 1 "not loaded: exit 1 (a warning)"
is "$(status)" warning "status warning"
is "$(codes)" '["launchd.job-not-loaded"]' "launchd.job-not-loaded"
like "$(msg launchd.job-not-loaded)" 'error 113: Could not find service "com.example.gone"' "quotes launchctl's message"
is "$(ev launchd.job-not-loaded error)" 113 "evidence error 113"
like "$(q "[f for f in find('launchd.state')['findings'] if f['code']=='launchd.job-not-loaded'][0]['remediation']")" "launchctl bootstrap gui/501 ~/Library/LaunchAgents/com.example.gone.plist" "remedy: bootstrap its plist"
is "$(calls)" "print gui/501/com.example.gone
print-disabled gui/501" "print-disabled still asked after a failed print"

# --- launchctl's other refusals, with synthetic stderr and exit status
refusal() { # refusal RC STDERR WANT-CODE WANT-EXIT
    printf '%s\n' "$2" > "$TMP/refusal.err"
    answer "" "$TMP/refusal.err" "$1" "$LFIX/launchctl-print-disabled-new.txt"
    out=$(doctor); rc=$?
    is "$(codes)" "[\"$3\"]" "error $1 is $3"
    is "$rc" "$4" "error $1: exit $4"
}
declare_check com.example.agent 'uid: "501"'
refusal 119 "Bad request. Service is disabled" launchd.job-disabled 1
refusal 122 "Bootstrap failed: 122: Path had bad ownership/permissions" launchd.job-bad-ownership 2
refusal 134 "Bootstrap failed: 134: Service cannot load in requested session" launchd.job-wrong-session 2
refusal 161 "Bootstrap failed: 161: blocked by Background Task Management" launchd.job-blocked 2
like "$(q "[f for f in find('launchd.state')['findings']][0]['remediation']")" "Login Items" "161: remedy points at Login Items"
refusal 5 "Path had bad ownership/permissions" launchd.job-bad-ownership 2
refusal 3 "Something unexpected happened" launchd.launchctl-failed 3
is "$(status)" error "an error launchctl does not explain: the check errors"
# 119 and an override that says disabled: one finding, not two
declare_check org.nixos.old-agent 'uid: "501"'
printf 'Service is disabled\n' > "$TMP/refusal.err"
answer "" "$TMP/refusal.err" 119 "$LFIX/launchctl-print-disabled-new.txt"
out=$(doctor)
is "$(codes)" '["launchd.job-disabled"]' "error 119 and a disabled override: reported once"

# --- print-disabled in both dialects, disabled and enabled
disabled_case() { # disabled_case LABEL FILE WANT-DISABLED DESCRIPTION
    declare_check "$1" 'uid: "501"'
    answer "$TMP/running-once.txt" "" 0 "$LFIX/$2"
    out=$(doctor)
    is "$(q "find('launchd.state')['facts']['launchd.job.disabled']")" "$3" "$4"
}
disabled_case org.nixos.node-commander launchctl-print-disabled-old.txt true "old dialect: '=> true' is disabled"
is "$(status)" warning "disabled: status warning"
disabled_case org.example.thing launchctl-print-disabled-old.txt false "old dialect: '=> false' is enabled"
is "$(codes)" '["launchd.job-running"]' "enabled: no job-disabled finding"
disabled_case org.nixos.old-agent launchctl-print-disabled-new.txt true "new dialect: '=> disabled' is disabled"
like "$(codes)" "launchd.job-disabled" "new dialect: job-disabled recorded"
is "$(q "[f for f in find('launchd.state')['findings'] if f['code']=='launchd.job-disabled'][0]['commands']")" '["launchctl enable gui/501/org.nixos.old-agent"]' "remedy: the exact enable command"
disabled_case homebrew.mxcl.grafana launchctl-print-disabled-new.txt false "new dialect: '=> enabled' is enabled"
disabled_case com.apple.ftp launchctl-print-disabled-old.txt false "a label that only prefixes another's is not it"
{ cat "$LFIX/launchctl-print-disabled-new.txt"; printf '\tlogin item associations = {\n\t\t"com.example.agent" => disabled\n\t}\n'; } > "$TMP/disabled-other-block.txt"
declare_check com.example.agent 'uid: "501"'
answer "$TMP/running-once.txt" "" 0 "$TMP/disabled-other-block.txt"
out=$(doctor)
is "$(q "find('launchd.state')['facts']['launchd.job.disabled']")" false "only the disabled services block counts"

# --- nested blocks' keys are not the job's
cat > "$TMP/nested.txt" <<'TXT'
gui/501/com.example.nested = {
	active count = 0
	state = not running
	runs = 2
	last exit code = 0

	endpoints = {
		"com.example.nested.xpc" = {
			state = running
			pid = 999
			runs = 99999
			last exit code = 9
			last terminating signal = Killed: 9
		}
	}
	event triggers = {
		state = active
		path = /nowhere
	}
	program = /usr/local/bin/nested
}
TXT
declare_check com.example.nested 'uid: "501"'
answer "$TMP/nested.txt" "" 0 "$LFIX/launchctl-print-disabled-new.txt"
out=$(doctor); rc=$?
is "$rc" 0 "nested pid/runs/exit/signal do not make a failing job: exit 0"
is "$(codes)" '["launchd.job-state"]' "only the job's state"
is "$(ev launchd.job-state state)" "not running" "top-level state, not a nested one"
is "$(ev launchd.job-state runs)" 2 "top-level runs"
is "$(ev launchd.job-state pid)" null "no pid leaked from a nested block"
is "$(ev launchd.job-state signal)" null "no signal leaked from a nested block"
is "$(ev launchd.job-state program)" /usr/local/bin/nested "a top-level key after the blocks is read"
is "$(q "find('launchd.state')['findings'][0].get('path')")" null "no path leaked from a nested block"
# the captured running output's endpoint block has its own keys too
answer "$TMP/running-once.txt" "" 0 "$LFIX/launchctl-print-disabled-new.txt"
declare_check com.example.agent 'uid: "501"'
out=$(doctor)
is "$(ev launchd.job-running last_exit_code)" 1 "running capture: top-level keys read around its nested blocks"

# --- domains: system for a daemon, and the invoking user's by default
declare_check com.example.daemon 'domain: system'
answer "$TMP/running-once.txt" "" 0 "$LFIX/launchctl-print-disabled-new.txt"
out=$(doctor)
is "$(calls)" "print system/com.example.daemon
print-disabled system" "domain system: print system/LABEL, print-disabled system"
declare_check com.example.agent
answer "$TMP/running-once.txt" "" 0 "$LFIX/launchctl-print-disabled-new.txt"
out=$(doctor)
is "$(calls)" "print gui/$(id -u)/com.example.agent
print-disabled gui/$(id -u)" "no domain or uid: gui/ the invoking user's uid"

# --- params: no label (skipped, nothing run), a label that is not one
declare_check ""
answer "" "" 0 ""
out=$(doctor); rc=$?
is "$(status)" skipped "no label: skipped"
is "$(codes)" '["launchd.no-label"]' "and says why"
is "$(calls)" "" "nothing was run"
declare_check "com.example.agent; rm -rf /" 'uid: "501"'
out=$(doctor); rc=$?
is "$rc" 3 "a label that is not one: exit 3"
is "$(codes)" '["launchd.state-param-invalid"]' "launchd.state-param-invalid"
is "$(calls)" "" "nothing was run"

# --- launchctl missing, hanging
declare_check com.example.agent 'uid: "501"' 'launchctl: no-such-launchctl'
out=$(doctor); rc=$?
is "$rc" 3 "launchctl missing: exit 3"
is "$(status)" error "status error"
is "$(codes)" '["launchd.launchctl-missing"]' "launchd.launchctl-missing, and nothing else tried"
declare_check com.example.agent 'uid: "501"' 'timeout_ms: 300'
answer "$TMP/running-once.txt" "" 0 ""
touch "$FAKE/hang"
start=$(date +%s)
out=$(doctor); rc=$?
took=$(( $(date +%s) - start ))
rm -f "$FAKE/hang"
is "$rc" 3 "launchctl hangs: exit 3"
is "$(codes)" '["launchd.launchctl-timeout"]' "launchd.launchctl-timeout"
is "$(q "find('launchd.state')['commands'][0]['timed_out']")" true "the command is recorded as timed out"
[ "$took" -le 5 ]; ok $? "ended by timeout_ms, not the stand-in's 30 s sleep (${took}s)"

# --- a key with an empty value ("state = " at a line's end) stays empty: the
# old parser searched past the trimmed line and took the rest of the output
declare_check com.example.agent 'uid: "501"'
sed 's/^\tstate = running$/\tstate = /' "$TMP/running-once.txt" > "$TMP/empty-state.txt"
answer "$TMP/empty-state.txt" "" 0 "$LFIX/launchctl-print-disabled-new.txt"
out=$(doctor)
is "$(q "find('launchd.state')['facts'].get('launchd.job.state')")" null "an empty state value is no state (no fact), not the lines after it"
is "$(q "find('launchd.state')['facts'].get('launchd.job.pid')")" 77880 "the pid after it is still read"

# --- nothing mutating was ever asked, in any run
n=$(wc -l < "$TMP/all-calls")
[ "$n" -gt 20 ]; ok $? "the stand-in's calls were all kept ($n)"
unlike "$(cut -d' ' -f1 "$TMP/all-calls" | sort -u)" "$MUTATING" "never bootstrap, bootout, enable, disable, kickstart"
is "$(cut -d' ' -f1 "$TMP/all-calls" | sort -u | tr '\n' ' ')" "print print-disabled " "only print and print-disabled"
done_testing
