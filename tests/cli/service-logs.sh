#!/bin/sh
# Logs as evidence: the launchd and systemd lints read each service's log
# files tail-capped under --root, and a failure repeated past the threshold
# is a finding with its count, time span and one redacted example line (the
# incident's 4000 `error getting credentials` lines). A missing log says
# nothing, a symlink out of the root is refused and not followed, a 2 GiB
# log is read from its end only, and a secret in the repeated line never
# reaches any output format. Big logs are made here, not committed.
. "$SOS_SRCDIR/tests/lib.sh"
UA=Users/alice/Library/LaunchAgents

make_config launchd <<'YAML'
checks:
  - {id: host.facts, plugin: host, check: facts}
  - {id: launchd.scan, plugin: launchd, check: scan, after: [host.facts], when: {os: [macos]}}
YAML
make_config systemd <<'YAML'
checks:
  - {id: host.facts, plugin: host, check: facts}
  - {id: systemd.scan, plugin: systemd, check: scan, after: [host.facts], when: {os: [linux, wsl]}}
YAML
make_config systemd10 <<'YAML'
checks:
  - {id: host.facts, plugin: host, check: facts}
  - {id: systemd.scan, plugin: systemd, check: scan, after: [host.facts], when: {os: [linux, wsl]}, params: {log_repeat_threshold: 10}}
YAML
# run CONFIG [FORMAT]: the doctor on $T, output in $out, exit status in $rc.
run() { out=$("$SOS" doctor local-runtime --format "${2:-json}" --root "$T" \
              --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/$1"); rc=$?; }
q() { printf '%s' "$out" | jget "$1"; }
# of CHECK CODE: the findings of CHECK with CODE, as a JSON list
of() { q "[f for f in find('$1')['findings'] if f['code']=='$2']"; }
n_of() { q "len([f for f in find('$1')['findings'] if f['code']=='$2'])"; }
ev() { q "[f for f in find('$1')['findings'] if f['code']=='$2'][0]['evidence'].get('$3')"; }
msg() { q "[f for f in find('$1')['findings'] if f['code']=='$2'][0]['message']"; }

# incident_log FILE N [LINE]: N lines of LINE (default: the incident's),
# a second apart from 2026-11-28T03:14:07Z, with a few other lines between.
incident_log() {
    mkdir -p "$(dirname "$1")"
    "$PYTHON" - "$1" "$2" "${3:-Error: error getting credentials - err: exit status 1, out: }" <<'PY'
import sys, datetime
path, n, line = sys.argv[1], int(sys.argv[2]), sys.argv[3]
t0 = datetime.datetime(2026, 11, 28, 3, 14, 7)
with open(path, "a") as f:
    f.write("starting node-commander\n")
    for i in range(n):
        t = t0 + datetime.timedelta(seconds=i)
        f.write(t.strftime("%Y-%m-%dT%H:%M:%SZ") + " " + line + "\n")
        if i % 500 == 0:
            f.write("retrying in %d.%ds (pid %d)\n" % (i % 7, i % 10, 1000 + i))
PY
    chown "${LOG_UID:-0}" "$1"
}
new_mac() {
    T="$TMP/$1"
    cp -R "$FIXTURES/roots/macos" "$T"
    mkdir -p "$T/$UA"
    chown 501 "$T/Users/alice" "$T/Users/alice/Library" "$T/$UA"
    LOG_UID=501 # alice's agents write alice's logs: only those are read
}
# agent LABEL OUT ERR: alice's agent LABEL logging to OUT and ERR.
agent() {
    cat > "$T/$UA/$1.plist" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
<key>Label</key><string>$1</string>
<key>ProgramArguments</key><array><string>/usr/local/bin/agent</string></array>
<key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>
<key>ThrottleInterval</key><integer>30</integer>
<key>StandardOutPath</key><string>$2</string>
<key>StandardErrorPath</key><string>$3</string>
</dict>
</plist>
EOF
    chmod 644 "$T/$UA/$1.plist"; chown 501 "$T/$UA/$1.plist"
}

# ---- the incident: 4000 lines in a /tmp log ------------------------------------
new_mac incident
incident_log "$T/tmp/node-commander.err.log" 4000
agent org.nixos.node-commander /tmp/node-commander.out.log /tmp/node-commander.err.log
run launchd
is "$(n_of launchd.scan launchd.log-repeated-failure)" 1 "the incident's log: one launchd.log-repeated-failure"
is "$(ev launchd.scan launchd.log-repeated-failure count)" 4000 "counting all 4000 lines"
is "$(ev launchd.scan launchd.log-repeated-failure first_seen)" 2026-11-28T03:14:07Z "first timestamp seen"
is "$(ev launchd.scan launchd.log-repeated-failure last_seen)" 2026-11-28T04:20:46Z "last timestamp seen"
is "$(ev launchd.scan launchd.log-repeated-failure span_seconds)" 3999 "the span in seconds"
is "$(ev launchd.scan launchd.log-repeated-failure log)" /tmp/node-commander.err.log "naming the log (host view)"
is "$(ev launchd.scan launchd.log-repeated-failure key)" StandardErrorPath "and the plist key"
like "$(msg launchd.scan launchd.log-repeated-failure)" \
    'node-commander\.plist: its log /tmp/node-commander\.err\.log \(StandardErrorPath\) repeats one failure 4000 times \(from 2026-11-28T03:14:07Z to 2026-11-28T04:20:46Z, 1h06m39s\): "2026-11-28T04:20:46Z Error: error getting credentials - err: exit status 1, out: "; the offline sign of a respawn loop' \
    "the message names count, span and one example line"
is "$(q "[f['severity'] for f in find('launchd.scan')['findings'] if f['code']=='launchd.log-repeated-failure'][0]")" warning "a warning"
is "$(q "[f['commands'] for f in find('launchd.scan')['findings'] if f['code']=='launchd.log-repeated-failure'][0]")" \
   '["tail -n 50 -- /tmp/node-commander.err.log"]' "with the command to read the log's end"
is "$(n_of launchd.scan launchd.log-in-tmp)" 2 "the log-in-tmp findings still fire"
is "$(n_of launchd.scan launchd.log-unreadable)" 0 "the missing stdout log says nothing"

# ---- below the threshold, and a log shared by both keys -------------------------
new_mac few
incident_log "$T/Users/alice/Library/Logs/few/both.log" 20
agent com.example.few /Users/alice/Library/Logs/few/both.log /Users/alice/Library/Logs/few/both.log
run launchd
is "$(n_of launchd.scan launchd.log-repeated-failure)" 0 "20 repeats: not over the default threshold"
incident_log "$T/Users/alice/Library/Logs/few/both.log" 1
run launchd
is "$(n_of launchd.scan launchd.log-repeated-failure)" 1 "21: over it; one log for both keys is read once"
is "$(ev launchd.scan launchd.log-repeated-failure key)" "StandardOutPath, StandardErrorPath" "naming both keys"
is "$(q "find('launchd.scan')['status']")" warning "the scan is a warning"

# ---- a healthy log's summaries are no failures ------------------------------------
new_mac healthy
incident_log "$T/Users/alice/Library/Logs/h/out.log" 50 "sync finished: 0 errors, 12 files"
incident_log "$T/Users/alice/Library/Logs/h/out.log" 50 "checked: no errors, failed=0"
agent com.example.healthy /Users/alice/Library/Logs/h/out.log /Users/alice/Library/Logs/h/out.log
run launchd
is "$(n_of launchd.scan launchd.log-repeated-failure)" 0 "100 lines of '0 errors', 'no errors', 'failed=0': no repeated failure"
incident_log "$T/Users/alice/Library/Logs/h/out.log" 50 "sync finished: 3 errors, 12 files"
run launchd
like "$(ev launchd.scan launchd.log-repeated-failure example)" '3 errors' "while '3 errors' 50 times is one"

# ---- a symlink out of the root is not followed -----------------------------------
new_mac links
incident_log "$TMP/outside.log" 100 "Error: OUTSIDEMARK failed"
mkdir -p "$T/Users/alice/Library/Logs/l"
ln -s ../../../../../../../../../../outside.log "$T/Users/alice/Library/Logs/l/rel.log"
ln -s "$TMP/outside.log" "$T/Users/alice/Library/Logs/l/abs.log"
agent com.example.links /Users/alice/Library/Logs/l/rel.log /Users/alice/Library/Logs/l/abs.log
run launchd
is "$(n_of launchd.scan launchd.log-unreadable)" 2 "both links: launchd.log-unreadable"
like "$(msg launchd.scan launchd.log-unreadable)" 'its log /Users/alice/Library/Logs/l/rel\.log \(StandardOutPath\) is a symlink that leads out of the root: refused, not followed' "the relative one climbing out: refused"
is "$(q "[f['severity'] for f in find('launchd.scan')['findings'] if f['code']=='launchd.log-unreadable'][0]")" warning "a warning"
like "$(q "[f['message'] for f in find('launchd.scan')['findings'] if f['code']=='launchd.log-unreadable'][1]")" 'abs\.log \(StandardErrorPath\) was not read: a symlink, not followed' "the absolute one, a link inside the root: not followed either (O_NOFOLLOW), info"
is "$(n_of launchd.scan launchd.log-repeated-failure)" 0 "neither link is read"
ln -s abs-target.log "$T/Users/alice/Library/Logs/l/in.log"
incident_log "$T/Users/alice/Library/Logs/l/abs-target.log" 30 "Error: INSIDEMARK failed"
agent com.example.links /Users/alice/Library/Logs/l/in.log /Users/alice/Library/Logs/l/in.log
run launchd
unlike "$out" INSIDEMARK "a link to alice's own log beside it is not followed either"
unlike "$out" OUTSIDEMARK "nothing of the outside file in the report"

# ---- a 2 GiB log: only its end is read -------------------------------------------
new_mac huge
L="$T/Users/alice/Library/Logs/huge/err.log"
incident_log "$L" 50 "Error: HEADMARK failed"
truncate -s 2G "$L"
incident_log "$L" 30 "fatal: TAILMARK cannot start"
mkdir -p "$T/Users/alice/Library/Logs/huge/dir.log"
agent com.example.huge /Users/alice/Library/Logs/huge/dir.log /Users/alice/Library/Logs/huge/err.log
start=$(date +%s)
run launchd
took=$(( $(date +%s) - start ))
is "$(ev launchd.scan launchd.log-repeated-failure count)" 30 "a sparse 2 GiB log: the 30 lines at its end"
like "$(ev launchd.scan launchd.log-repeated-failure example)" TAILMARK "the example is from the end"
unlike "$out" HEADMARK "the head is never read"
is "$(ev launchd.scan launchd.log-repeated-failure tail_cut)" bytes "and the evidence says the tail was cut"
ok "$([ "$took" -lt 20 ]; echo $?)" "in bounded time (${took}s)"
like "$(msg launchd.scan launchd.log-unreadable)" 'dir\.log \(StandardOutPath\) was not read: not a regular file' "a directory as log: info, not read"
rm -f "$L"

# ---- a secret in the repeated line is redacted in every format -----------------
new_mac secret
incident_log "$T/tmp/s.err.log" 40 "Error: login failed password=hunter2SECRET token ghp_abcdefghijklmnopqrstuvwxyz0123456789"
agent com.example.secret /tmp/s.out.log /tmp/s.err.log
run launchd
is "$(ev launchd.scan launchd.log-repeated-failure count)" 40 "the secret log's repeats are found"
like "$(ev launchd.scan launchd.log-repeated-failure example)" 'password=<redacted' "the example keeps its shape, the password redacted"
for fmt in json ndjson human; do
    run launchd $fmt
    unlike "$out" 'hunter2SECRET|ghp_abcdefghij' "no password or token in the $fmt report"
    like "$out" 'log-repeated-failure' "while the $fmt report has the finding"
done

# ---- a log the agent's user does not own is not read ----------------------------
# A user's plist may name any file; run as root, the doctor would read and
# quote it. Only a file owned by the plist's user (the home's owner) is read.
new_mac notowned
LOG_UID=0 incident_log "$T/var/log/secure.log" 40 "sshd[812]: Failed password for root from 203.0.113.9 port 52144 ssh2"
chmod 600 "$T/var/log/secure.log"
agent com.example.nosy /var/log/secure.log /var/log/secure.log
run launchd
is "$(n_of launchd.scan launchd.log-not-owned)" 1 "alice's agent naming a root-owned 0600 log: launchd.log-not-owned"
like "$(msg launchd.scan launchd.log-not-owned)" 'its log /var/log/secure\.log \(StandardOutPath, StandardErrorPath\) belongs to uid 0, not to uid 501, the service.s user: not read' "saying whose it is and whose it should be"
is "$(q "[f['severity'] for f in find('launchd.scan')['findings'] if f['code']=='launchd.log-not-owned'][0]")" info "info"
is "$(n_of launchd.scan launchd.log-repeated-failure)" 0 "its failures are not counted"
unlike "$out" 'Failed password|203\.0\.113' "nothing of the file in the report"
chown 501 "$T/var/log/secure.log"
run launchd
is "$(n_of launchd.scan launchd.log-repeated-failure)" 1 "the same file owned by alice: read"
is "$(n_of launchd.scan launchd.log-not-owned)" 0 "and not called someone else's"

# ---- systemd: StandardError=append: ---------------------------------------------
T="$TMP/debian"
LOG_UID=0
cp -R "$FIXTURES/roots/debian" "$T"
mkdir -p "$T/etc/systemd/system"
printf '[Service]\nExecStart=/usr/local/bin/x\nRestart=on-failure\nRestartSec=10\nStandardError=append:/var/log/x.log\n' > "$T/etc/systemd/system/x.service"
printf '[Service]\nExecStart=/usr/local/bin/y\nRestart=on-failure\nRestartSec=10\nStandardOutput=file:/var/log/y.log\nStandardError=file:/var/log/y.log\n' > "$T/etc/systemd/system/y.service"
printf '[Service]\nExecStart=/usr/local/bin/z\nRestart=on-failure\nRestartSec=10\nStandardOutput=file:/var/log/none.log\n' > "$T/etc/systemd/system/z.service"
chmod 644 "$T"/etc/systemd/system/*.service
incident_log "$T/var/log/x.log" 4000
incident_log "$T/var/log/y.log" 15 "x.service: Main process exited, code=exited, status=1/FAILURE"
run systemd
is "$(n_of systemd.scan systemd.log-repeated-failure)" 1 "systemd: one systemd.log-repeated-failure (y's 15 lines are under the threshold)"
is "$(ev systemd.scan systemd.log-repeated-failure count)" 4000 "x.log's 4000 lines"
is "$(ev systemd.scan systemd.log-repeated-failure log)" /var/log/x.log "naming the log"
like "$(msg systemd.scan systemd.log-repeated-failure)" '^/etc/systemd/system/x\.service:5: StandardError=append:/var/log/x\.log: the log repeats one failure 4000 times \(from 2026-11-28T03:14:07Z to 2026-11-28T04:20:46Z, 1h06m39s\)' "the message names the line of the unit, count and span"
is "$(n_of systemd.scan systemd.log-unreadable)" 0 "a log not written yet says nothing"
run systemd10
is "$(n_of systemd.scan systemd.log-repeated-failure)" 2 "log_repeat_threshold: 10 reports y's 15 too, its file read once"
is "$(q "sorted(f['evidence']['count'] for f in find('systemd.scan')['findings'] if f['code']=='systemd.log-repeated-failure')")" '["15", "4000"]' "with their counts"

# ---- systemd: a log symlinked out of the root --------------------------------
rm "$T/var/log/x.log"
ln -s ../../../../../../../../../outside.log "$T/var/log/x.log"
run systemd
is "$(n_of systemd.scan systemd.log-unreadable)" 1 "systemd: a log linking out of the root is refused"
unlike "$out" OUTSIDEMARK "and not read"

# ---- not allowed to read a log: the plugin's permission-denied ----------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    other_user_build
    rm "$T/var/log/x.log"
    incident_log "$T/var/log/x.log" 100
    chmod 600 "$T/var/log/x.log"
    chmod 755 "$TMP" "$T"
    out=$(setpriv --reuid=12345 --regid=12345 --clear-groups "$OTHER_SOS" doctor local-runtime --json \
          --root "$T" --plugin-dir "$OTHER_PLUGINS" --config-dir "$TMP/systemd"); rc=$?
    like "$(msg systemd.scan systemd.permission-denied)" 'cannot read /var/log/x\.log \(permission denied\): run as root to see it' "as uid 12345: an unreadable log is permission denied"
    is "$(n_of systemd.scan systemd.log-unreadable)" 0 "not 'unreadable'"
    chmod 700 "$TMP"
else
    is "$(id -u)" 0 "the permission test runs as root (to drop to uid 12345)"
fi

# ---- systemd: a user unit naming a root-only file (the reviewer's case) -------
# bob's home is uid 12345's; his unit logs to a root-owned 0600 file of sshd
# lines. Run as root, the doctor must not read it for him.
T="$TMP/userunit"
cp -R "$FIXTURES/roots/debian" "$T"
U="$T/home/bob/.config/systemd/user"
mkdir -p "$U" "$T/tmp/rv"
printf '[Service]\nExecStart=/usr/local/bin/x\nRestart=on-failure\nRestartSec=10\nStandardOutput=file:/tmp/rv/auth.log\n' > "$U/x.service"
chown -R 12345:12345 "$T/home/bob"
LOG_UID=0 incident_log "$T/tmp/rv/auth.log" 40 "sshd[812]: Failed password for root from 203.0.113.9 port 52144 ssh2"
chmod 600 "$T/tmp/rv/auth.log"
run systemd
is "$(n_of systemd.scan systemd.log-not-owned)" 1 "a root-owned 0600 log named by bob's user unit: systemd.log-not-owned"
like "$(msg systemd.scan systemd.log-not-owned)" '^/home/bob/\.config/systemd/user/x\.service:5: StandardOutput=file:/tmp/rv/auth\.log: the log belongs to uid 0, not to uid 12345, the unit.s user: not read' "naming the line, whose the file is and whose it should be"
is "$(n_of systemd.scan systemd.log-repeated-failure)" 0 "not read"
unlike "$out" 'Failed password|203\.0\.113' "nothing of it quoted"
chown 12345 "$T/tmp/rv/auth.log"
run systemd
is "$(n_of systemd.scan systemd.log-repeated-failure)" 1 "the same file owned by bob: read"
is "$(n_of systemd.scan systemd.log-not-owned)" 0 "and not called someone else's"

done_testing
