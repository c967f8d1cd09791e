#!/bin/sh
# launchd.jobs: the live state of every job launchd.scan finds in a copied
# macOS tree, declared or not, from captured `launchctl print` and
# `print-disabled` output replayed by a stand-in `launchctl` that logs what
# it was asked: one print per label, one print-disabled per domain, never a
# command that changes anything. Runs the shipped checks.d files under
# --root --live; without --live the check is skipped, asking nothing.
. "$SOS_SRCDIR/tests/lib.sh"
LFIX="$FIXTURES/launchd"
FAKE="$TMP/bin/data"   # beside the stand-in: commands run with a clean environment
UA=Users/alice/Library/LaunchAgents
SA=Library/LaunchAgents
SD=Library/LaunchDaemons
mkdir -p "$TMP/bin" "$FAKE"
# The stand-in: `print DOMAIN/LABEL` answers data/print/DOMAIN_LABEL.out
# (every '/' a '_'), else launchctl's error 113; `print-disabled DOMAIN`
# answers data/disabled/DOMAIN.out. Logs its argv to data/calls.
cat > "$TMP/bin/launchctl" <<'SH'
#!/bin/sh
d="${0%/*}/data"
echo "$*" >> "$d/calls"
key=$(printf '%s' "$2" | tr / _)
case "$1" in
print)
    if [ -f "$d/print/$key.out" ]; then cat "$d/print/$key.out"; exit 0; fi
    echo "Could not find service \"${2##*/}\" in domain for port" >&2; exit 113 ;;
print-disabled)
    [ -f "$d/disabled/$key.out" ] && cat "$d/disabled/$key.out"; exit 0 ;;
*) echo "stand-in launchctl: unexpected $*" >&2; exit 64 ;;
esac
SH
chmod +x "$TMP/bin/launchctl"
mkdir -p "$FAKE/print" "$FAKE/disabled"

mkdir -p "$TMP/cfg/checks.d"
cp "$SOS_SRCDIR/checks.d/00-host.yaml" "$SOS_SRCDIR/checks.d/30-launchd.yaml" "$TMP/cfg/checks.d/"

# The tree: alice's home is hers (uid 501 when this runs as root).
T="$TMP/tree"
cp -R "$FIXTURES/roots/macos" "$T"
mkdir -p "$T/$UA" "$T/$SA" "$T/$SD"
chown 501 "$T/Users/alice" "$T/Users/alice/Library" "$T/$UA" 2>/dev/null
AUID=$(stat -c %u "$T/Users/alice")
ME=$(id -u)
write_plist() { # write_plist FILE LABEL
    { printf '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n'
      printf '<key>Label</key><string>%s</string>\n' "$2"
      printf '<key>ProgramArguments</key><array><string>/usr/local/bin/agent</string></array>\n'
      printf '</dict>\n</plist>\n'; } > "$T/$1"
}
# The incident's job, in /Library/LaunchAgents: nobody declared it.
cp "$LFIX/agent.plist" "$T/$SA/org.nixos.node-commander.plist"
sed -i 's/com.example.agent/org.nixos.node-commander/' "$T/$SA/org.nixos.node-commander.plist"
write_plist "$UA/com.example.dup-a.plist" com.example.dup
write_plist "$UA/com.example.dup-b.plist" com.example.dup
write_plist "$UA/com.example.stale.plist" com.example.stale
write_plist "$UA/com.example.idle.plist" com.example.idle
write_plist "$SD/com.example.daemon.plist" com.example.daemon
# A label that is no service target (it would be a word of a command to
# paste): not asked about, only counted.
write_plist "$UA/hostile.plist" 'x$(touch PWN);y'

# answer SERVICE CAPTURE [SED]: what `launchctl print SERVICE` says.
answer() {
    sed -e "1s|^[^ ]* = {|$1 = {|" ${3:+-e "$3"} "$2" > "$FAKE/print/$(printf '%s' "$1" | tr / _).out"
}
answer "gui/$ME/org.nixos.node-commander" "$LFIX/launchctl-print-respawn-loop.txt"
once='s/runs = 24991/runs = 1/'
answer "gui/$AUID/com.example.dup" "$LFIX/launchctl-print-running.txt" \
    "$once;s|path = .*|path = /$UA/com.example.dup-a.plist|"
answer "gui/$AUID/com.example.stale" "$LFIX/launchctl-print-running.txt" \
    "$once;s|path = .*|path = /$UA/com.example.renamed.plist|"
answer system/com.example.daemon "$LFIX/launchctl-print-running.txt" \
    "$once;s|path = .*|path = /$SD/com.example.daemon.plist|"
cp "$LFIX/launchctl-print-disabled-new.txt" "$FAKE/disabled/gui_$ME.out"
cp "$LFIX/launchctl-print-disabled-new.txt" "$FAKE/disabled/gui_$AUID.out"
printf 'disabled services = {\n\t"com.example.daemon" => disabled\n}\n' > "$FAKE/disabled/system.out"

doctor() {
    : > "$FAKE/calls"
    out=$(PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --json --root "$T" \
          --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/cfg" "$@"); rc=$?
}
q() { printf '%s' "$out" | jget "$1"; }
codes() { q "sorted(f['code'] for f in find('launchd.jobs')['findings'])"; }
fnd() { q "[f for f in find('launchd.jobs')['findings'] if f['code']=='$1'][0]$2"; }
ev() { fnd "$1" "['evidence'].get('$2')"; }

# --- live: every job the scan found, asked once each
doctor --live
is "$rc" 2 "a respawning undeclared job: exit 2"
is "$(q "find('launchd.jobs')['status']")" failure "launchd.jobs fails"
is "$(codes)" '["launchd.disabled-loaded", "launchd.duplicate-label", "launchd.jobs-summary", "launchd.respawn-loop", "launchd.stale-job"]' \
    "respawn loop, duplicate label, stale job, disabled but loaded, and the summary"
is "$(ev launchd.respawn-loop runs)" 4312 "the incident's job: runs 4312"
is "$(ev launchd.respawn-loop last_exit_code)" 125 "last exit code 125"
is "$(ev launchd.respawn-loop service)" "gui/$ME/org.nixos.node-commander" \
    "a /Library/LaunchAgents job is asked in the invoking user's gui domain"
like "$(fnd launchd.respawn-loop "['message']")" "has run 4312 times \(limit 100\)" "the shipped runs_limit is 100"
is "$(fnd launchd.respawn-loop "['commands']")" "[\"launchctl bootout gui/$ME/org.nixos.node-commander\"]" \
    "remedy: the exact bootout command"
like "$(fnd launchd.duplicate-label "['message']")" \
    "label com.example.dup is declared by 2 plists \(/$UA/com.example.dup-a.plist, /$UA/com.example.dup-b.plist\): launchd loaded it in gui/$AUID from /$UA/com.example.dup-a.plist" \
    "duplicate label: both plists, and the one launchd loaded"
is "$(ev launchd.stale-job service)" "gui/$AUID/com.example.stale" "stale job: alice's agent, in her gui domain"
like "$(fnd launchd.stale-job "['message']")" "loaded from /$UA/com.example.renamed.plist, which no longer exists" \
    "stale job: names the plist that is gone"
is "$(ev launchd.disabled-loaded service)" system/com.example.daemon "a LaunchDaemon is asked in system"
is "$(fnd launchd.disabled-loaded "['commands']")" \
    '["launchctl enable system/com.example.daemon", "launchctl bootout system/com.example.daemon"]' \
    "disabled but loaded: enable it or boot it out"
is "$(ev launchd.jobs-summary asked)" 5 "5 labels asked (6 plists, one label twice)"
is "$(ev launchd.jobs-summary not_loaded)" 1 "one not loaded"
is "$(ev launchd.jobs-summary without_label)" 1 "a label that is no service target is counted, not asked"
is "$(grep -c 'PWN' "$FAKE/calls")" 0 "and never reaches launchctl"
like "$(fnd launchd.jobs-summary "['message']")" "1 not loaded \(gui/$AUID/com.example.idle\)" "a job not loaded is info, named"
is "$(fnd launchd.jobs-summary "['severity']")" info "the summary is info"
is "$(grep -c '^print ' "$FAKE/calls")" 5 "one print per label"
is "$(grep '^print-disabled ' "$FAKE/calls" | sort | uniq -d)" "" "print-disabled at most once per domain"
is "$(grep '^print-disabled ' "$FAKE/calls" | sort)" \
    "$(printf 'print-disabled gui/%s\n' "$ME" "$AUID" | sort -u; echo "print-disabled system")" \
    "print-disabled for each domain: the invoking user's, alice's, system"
is "$(grep -n '' "$FAKE/calls" | grep -c '^[1-3]:print-disabled')" "$(grep -c '^print-disabled' "$FAKE/calls")" \
    "the overrides are read before any print"
is "$(grep -Ec '^(bootstrap|bootout|enable|disable|kickstart|load|unload|remove|kill|start|stop)' "$FAKE/calls")" 0 \
    "launchctl was never asked to change anything"

# --- run through sudo: root has no gui session, the user sudo ran it for has
want=$ME; [ "$ME" = 0 ] && want=777
SUDO_UID=777 doctor --live
like "$(cat "$FAKE/calls")" "^print gui/$want/org.nixos.node-commander$" \
    "as root under sudo, /Library/LaunchAgents jobs are asked in SUDO_UID's gui domain"
unset SUDO_UID

# --- the cap: max_jobs 2 asks about 2 and says so
sed 's/max_jobs: 500/max_jobs: 2/' "$SOS_SRCDIR/checks.d/30-launchd.yaml" > "$TMP/cfg/checks.d/30-launchd.yaml"
doctor --live
is "$(cat "$FAKE/calls" | grep '^print ')" "print gui/$AUID/com.example.dup" \
    "max_jobs 2: the first two plists (one label twice), one print"
like "$(fnd launchd.jobs-truncated "['message']")" "first 2 jobs only: the scan found 5 more plists" "the cap is said"
cp "$SOS_SRCDIR/checks.d/30-launchd.yaml" "$TMP/cfg/checks.d/"

# --- one label in an agent and a daemon plist, loaded in both domains
write_plist "$SA/com.example.both.plist" com.example.both
write_plist "$SD/com.example.both.plist" com.example.both
answer "gui/$ME/com.example.both" "$LFIX/launchctl-print-running.txt" "$once;s|path = .*|path = /$SA/com.example.both.plist|"
answer system/com.example.both "$LFIX/launchctl-print-running.txt" "$once;s|path = .*|path = /$SD/com.example.both.plist|"
doctor --live
like "$(q "[f['message'] for f in find('launchd.jobs')['findings'] if f['code']=='launchd.duplicate-label' and f['evidence'].get('label')=='com.example.both'][0]")" \
    "launchd runs it in each of gui/$ME from /$SA/com.example.both.plist, system from /$SD/com.example.both.plist, twice the same job" \
    "a label loaded in a gui and the system domain: the job runs twice"
is "$(grep -c 'com.example.both' "$FAKE/calls")" 2 "one print in each domain"
rm "$T/$SA/com.example.both.plist" "$T/$SD/com.example.both.plist"

# --- offline: skipped with the reason, nothing asked
doctor
is "$(q "find('launchd.jobs')['status']")" skipped "offline: skipped"
like "$(q "find('launchd.jobs')['reason']")" "offline analysis of a tree" "with the reason"
is "$(cat "$FAKE/calls")" "" "offline: launchctl never run"
is "$(q "find('launchd.scan')['status']")" failure "the scan itself still lints offline"
done_testing
