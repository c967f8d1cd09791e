#!/bin/sh
# The periodic doctor of contrib/: the systemd service and timer, and the
# launchd agent, pass the doctor's own lints where its scans find them (a
# --root tree), systemd's parser and security rating, and keep the
# properties that make them safe periodic jobs (each assertion reads the
# shipped file, so dropping a property fails here). Under a booted systemd
# (systemd-nspawn, as root) the hardened service runs the doctor with the
# same result as an unconfined run, its verdict exit is no unit failure,
# and the timer is scheduled. contrib/logging's Vector config parses, and
# docs/ndjson.md names every member of the event schema.
. "$SOS_SRCDIR/tests/lib.sh"
C="$SOS_SRCDIR/contrib"
SVC="$C/systemd/sourceos-doctor.service"
TIMER="$C/systemd/sourceos-doctor.timer"
PLIST="$C/launchd/dev.sourceos.doctor.plist"
S=/etc/systemd/system
UA=/Users/alice/Library/LaunchAgents

# doctor TREE CONFIG-DIR: the JSON report of the doctor on TREE in $out, its exit in $rc
doctor() {
    out=$("$SOS" doctor local-runtime --format json --root "$1" --plugin-dir "$BUILD_PLUGINS" \
          --config-dir "$2"); rc=$?
}
j() { printf '%s' "$out" | jget "$1"; }
# The problems (above info) of every check that name PATH, as CODE lines.
problems_of() {
    j "'\n'.join(sorted(set(f['code'] for c in d['checks'] for f in c['findings'] if f['severity'] != 'info' and '$1' in (f.get('path', '') + f['message']))))"
}
# ukey FILE SECTION KEY: the last KEY= of [SECTION] (systemd: the last wins).
ukey() {
    awk -v sec="[$2]" -v key="$3" '/^\[/ { in_sec = ($0 == sec); next }
        in_sec && index($0, key "=") == 1 { v = substr($0, length(key) + 2); found = 1 }
        END { if (found) print v; else print "(unset)" }' "$1"
}
# pl EXPR: EXPR over the shipped plist `p` (python's plistlib).
pl() { "$PYTHON" -c 'import plistlib, sys; p = plistlib.load(open(sys.argv[2], "rb")); print(eval(sys.argv[1]))' "$1" "$PLIST"; }
usec() { systemd-analyze timespan "$1" 2>/dev/null | sed -n 's/^ *μs: //p'; }

# --- systemd: the unit and the timer where the scan looks -------------------
T="$TMP/linux"
cp -R "$FIXTURES/roots/debian" "$T"
mkdir -p "$T$S"
doctor "$T" "$SOS_SRCDIR"; base_rc=$rc
install -m 644 "$SVC" "$TIMER" "$T$S/"
make_config lint <<YAML
checks:
  - {id: host.facts, plugin: host, check: facts, scope: runtime}
  - {id: systemd.scan, plugin: systemd, check: scan, after: [host.facts], scope: runtime}
  - {id: contrib.service-lint, plugin: systemd, check: lint, after: [host.facts], scope: runtime, params: {unit: "$S/sourceos-doctor.service"}}
  - {id: contrib.timer-lint, plugin: systemd, check: lint, after: [host.facts], scope: runtime, params: {unit: "$S/sourceos-doctor.timer"}}
YAML
doctor "$T" "$TMP/lint"
is "$(problems_of sourceos-doctor)" "" "systemd.scan and systemd.lint: no problem in the service or the timer"
is "$rc" 0 "the lints pass (exit 0)"
is "$(j "[f['evidence']['path'] for f in find('systemd.scan')['findings'] if f['code'] == 'systemd.unit']")" \
   "[\"$S/sourceos-doctor.service\"]" "the scan did lint the service"
is "$(j "find('contrib.timer-lint')['findings'][0]['evidence']['path']")" "$S/sourceos-doctor.timer" "the lint did read the timer"
# The shipped checks.d, as `sourceos doctor local-runtime --root` runs it:
# the tree says nothing more with the files than without them.
doctor "$T" "$SOS_SRCDIR"
is "$(problems_of sourceos-doctor)" "" "the shipped checks.d: nothing about them either"
is "$rc" "$base_rc" "and the run's verdict is the tree's without them"

# systemd's own parser and rating (no running systemd needed): the unit's
# program pointed at this build's sourceos, which is installed nowhere here.
if command -v systemd-analyze >/dev/null 2>&1; then
    mkdir -p "$TMP/units"
    sed "s|^ExecStart=/usr/bin/sourceos |ExecStart=$SOS |" "$SVC" > "$TMP/units/sourceos-doctor.service"
    cp "$TIMER" "$TMP/units/"
    make_config verify <<YAML
checks:
  - {id: contrib.service-verify, plugin: systemd, check: verify, scope: runtime, params: {unit: "$TMP/units/sourceos-doctor.service", user: "false"}}
  - {id: contrib.timer-verify, plugin: systemd, check: verify, scope: runtime, params: {unit: "$TMP/units/sourceos-doctor.timer", user: "false"}}
YAML
    out=$("$SOS" doctor local-runtime --format json --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/verify"); rc=$?
    is "$(j "sorted(set(f['code'] for f in find('contrib.service-verify')['findings'] if f['severity'] != 'info'))")" "[]" \
       "systemd.verify: systemd-analyze verify and security find nothing in the service"
    is "$(j "[f['code'] for f in find('contrib.service-verify')['findings']]")" '["systemd.verified", "systemd.exposure"]' \
       "verified, and rated within the exposure limit (9.0)"
    # A timer's exposure is not rated (it has no sandbox of its own).
    is "$(j "sorted(set(f['code'] for f in find('contrib.timer-verify')['findings'] if f['severity'] != 'info'))")" "[]" \
       "systemd.verify finds nothing above info in the timer"
else
    for _ in 1 2 3; do skip "systemd-analyze is not installed"; done
fi

# --- the service's properties --------------------------------------------------
is "$(ukey "$SVC" Service Type)" oneshot "Type=oneshot: one run per start"
is "$(grep -c '^Restart' "$SVC")" 0 "no Restart=: the timer is the schedule, not a restart loop"
for st in 1 2 3; do
    like " $(ukey "$SVC" Service SuccessExitStatus) " " $st " "SuccessExitStatus has $st: a verdict, not a failed unit"
done
unlike " $(ukey "$SVC" Service SuccessExitStatus) " " (64|74) " "usage (64) and a report not written (74) still fail it"
nice=$(ukey "$SVC" Service Nice)
ok "$(case $nice in [1-9] | 1[0-9]) echo 0 ;; *) echo 1 ;; esac)" "Nice=$nice: below normal priority"
is "$(ukey "$SVC" Service IOSchedulingClass)" idle "IOSchedulingClass=idle"
t=$(usec "$(ukey "$SVC" Service TimeoutStartSec)")
ok "$(case $t in '' | *[!0-9]* | 0) echo 1 ;; *) echo 0 ;; esac)" "TimeoutStartSec= bounds the run (${t:-none} µs)"
exec_start=$(ukey "$SVC" Service ExecStart)
like "$exec_start" '^/usr/bin/sourceos doctor local-runtime --quiet --textfile /[^ ]+$' "ExecStart: the doctor, quiet, writing its textfile"
dir=${exec_start##* }
like " $(ukey "$SVC" Service ReadWritePaths) " " $dir " "the textfile directory ($dir) is in ReadWritePaths"
like "$(ukey "$SVC" Service ProtectSystem)" '^(full|strict)$' "ProtectSystem= keeps the system read-only"
is "$(ukey "$SVC" Service ProtectHome)" read-only "ProtectHome=read-only: homes are read (their units, auth files), not hidden"
is "$(ukey "$SVC" Service NoNewPrivileges)" yes "NoNewPrivileges=yes"
is "$(ukey "$SVC" Service PrivateTmp)" "(unset)" "no PrivateTmp=: logs left under /tmp stay visible to the doctor"

# --- the timer's ---------------------------------------------------------------
cal=$(ukey "$TIMER" Timer OnCalendar)
if command -v systemd-analyze >/dev/null 2>&1; then
    elapses=$(systemd-analyze calendar --iterations=2 "$cal" | sed -n 's/^ *\(Next elapse\|Iter\. #2\): //p')
    first=$(date -d "$(echo "$elapses" | sed -n 1p)" +%s) second=$(date -d "$(echo "$elapses" | sed -n 2p)" +%s)
    is "$((second - first))" 900 "OnCalendar=$cal: every 15 minutes"
    delay=$(usec "$(ukey "$TIMER" Timer RandomizedDelaySec)")
    ok "$(case $delay in '' | *[!0-9]* | 0) echo 1 ;; *) [ "$delay" -lt 900000000 ] && echo 0 || echo 1 ;; esac)" \
       "RandomizedDelaySec= spreads a fleet, less than the period (${delay:-none} µs)"
else
    skip "systemd-analyze is not installed"; skip "systemd-analyze is not installed"
fi
is "$(ukey "$TIMER" Timer Persistent)" true "Persistent=true: a run missed while off happens at boot"
is "$(ukey "$TIMER" Timer Unit)" "(unset)" "the timer starts the service of its own name"
is "$(ukey "$TIMER" Install WantedBy)" timers.target "enabled into timers.target"

# --- launchd: the agent in a home's LaunchAgents ------------------------------
M="$TMP/macos"
cp -R "$FIXTURES/roots/macos" "$M"
mkdir -p "$M$UA"
doctor "$M" "$SOS_SRCDIR"; base_rc=$rc
install -m 644 "$PLIST" "$M$UA/"
chown 501 "$M/Users/alice" "$M/Users/alice/Library" "$M$UA" "$M$UA/dev.sourceos.doctor.plist" 2>/dev/null
make_config plist <<YAML
checks:
  - {id: host.facts, plugin: host, check: facts}
  - {id: launchd.scan, plugin: launchd, check: scan, after: [host.facts]}
  - {id: contrib.plist-lint, plugin: launchd, check: lint, after: [host.facts], params: {plist: "$UA/dev.sourceos.doctor.plist"}}
YAML
doctor "$M" "$TMP/plist"
is "$(problems_of dev.sourceos.doctor)" "" "launchd.scan and launchd.lint: no problem in the plist"
is "$rc" 0 "the lints pass (exit 0)"
like "$(j "[f['message'] for f in find('launchd.scan')['findings'] if f['code'] == 'launchd.scan-summary'][0]")" \
     "linted 1 plist \(0 problems\): $UA 1" "the scan did lint it"
is "$(j "[f['evidence']['program'] for f in find('contrib.plist-lint')['findings'] if f['code'] == 'launchd.plist']")" \
   '["/usr/local/bin/sourceos"]' "the lint read what it runs"
doctor "$M" "$SOS_SRCDIR"
is "$(problems_of dev.sourceos.doctor)" "" "the shipped checks.d: nothing about it either"
is "$rc" "$base_rc" "and the run's verdict is the tree's without it"

# --- the plist's properties ----------------------------------------------------
is "$(pl 'p["Label"]')" dev.sourceos.doctor "Label is the file's name"
is "$(pl 'p.get("StartInterval")')" 900 "StartInterval 900: every 15 minutes"
is "$(pl '"KeepAlive" in p')" False "no KeepAlive: a doctor that exits is not restarted"
is "$(pl 'p.get("ProcessType")')" Background "ProcessType Background"
is "$(pl 'p.get("LowPriorityIO")')" True "LowPriorityIO"
is "$(pl '0 < p.get("Nice", 0) < 20')" True "Nice below normal priority"
is "$(pl 'p["ProgramArguments"][1:5]')" "['doctor', 'local-runtime', '--quiet', '--textfile']" "the doctor, quiet, writing its textfile"
is "$(pl '[a for a in p["ProgramArguments"] if a.startswith("-") is False and a[0] != "/" and a not in ("doctor", "local-runtime")]')" "[]" \
   "the program and the textfile directory are absolute paths"
# launchd expands neither ~ nor $HOME; the lint says so only of the program.
is "$(pl '[s for s in [p["StandardErrorPath"], p["StandardOutPath"]] + p["ProgramArguments"] + list(p["EnvironmentVariables"].values()) if "~" in s or "$" in s]')" "[]" \
   "no ~ or \$HOME anywhere: launchd would not expand them"
like "$(pl 'p["StandardErrorPath"]')" '^/Users/[^/]+/Library/Logs/' "errors go to the user's ~/Library/Logs"
is "$(pl 'p["StandardOutPath"]')" /dev/null "the report is dropped: the same problems every run would read as a respawn loop's log"
like "$(pl 'p["EnvironmentVariables"]["PATH"]')" '^/opt/homebrew/bin:/usr/local/bin:' "PATH has Homebrew's directories, where podman is"

# --- under a booted systemd ------------------------------------------------------
NBOOT=10
if [ "$(id -u)" -ne 0 ] || ! command -v systemd-nspawn >/dev/null 2>&1 ||
   ! command -v unshare >/dev/null 2>&1 || [ ! -x /lib/systemd/systemd ]; then
    for _ in $(seq $NBOOT); do skip "booting systemd needs root, systemd-nspawn and unshare"; done
else
    builddir=$(cd "$SOS_BUILDDIR" && pwd -P) srcdir=$(cd "$SOS_SRCDIR" && pwd -P)
    OUT="$TMP/out"
    mkdir -p "$OUT" && chmod 755 "$OUT"
    cp -a /etc "$TMP/etc" 2>/dev/null || echo "Bail out! cannot copy /etc"
    rm -f "$TMP/etc/machine-id"
    : > "$TMP/etc/fstab"
    printf '[Unit]\nRequires=sostest.service\nAllowIsolate=yes\n' > "$TMP/etc/systemd/system/sostest.target"
    printf '[Unit]\nWants=dbus.service\nAfter=dbus.service\nSuccessAction=poweroff-force\nFailureAction=poweroff-force\n[Service]\nType=oneshot\nTimeoutStartSec=100\nExecStart=/bin/sh /sostest-out/inside.sh\n' \
        > "$TMP/etc/systemd/system/sostest.service"
    textfile=no
    "$SOS" doctor local-runtime --help 2>/dev/null | grep -q -- '--textfile' && textfile=yes
    printf 'SOS=%s\nSVC=%s\nTIMER=%s\nTEXTFILE=%s\n' "$builddir/sourceos" "$srcdir/contrib/systemd/sourceos-doctor.service" \
        "$srcdir/contrib/systemd/sourceos-doctor.timer" "$textfile" > "$OUT/inside.sh"
    cat >> "$OUT/inside.sh" <<'INSIDE'
exec > /sostest-out/inside.log 2>&1
set -x
u=/etc/systemd/system
mkdir -p /var/lib/prometheus/node-exporter $u/sourceos-doctor.service.d
cp "$SVC" "$TIMER" $u/
# What the sandbox must not hide: an unbounded loop in a user's home (the
# doctor's verdict: a failure, exit 2) and a unit whose log under /tmp
# repeats one failure.
useradd -m -u 4711 sostest
mkdir -p /home/sostest/.config/systemd/user
printf '[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart=/bin/true\nRestart=always\nRestartSec=5\n' \
    > /home/sostest/.config/systemd/user/loop.service
chown -R sostest: /home/sostest/.config
chmod 700 /home/sostest
printf '[Service]\nExecStart=/bin/true\nStandardOutput=append:/tmp/tmplog.log\n' > $u/tmplog.service
for i in $(seq 30); do echo "error: cannot reach the registry"; done > /tmp/tmplog.log
# The report, as JSON, from inside the sandbox
printf '[Service]\nExecStart=\nExecStart=%s doctor local-runtime --format json\nStandardOutput=file:/sostest-out/unit.json\n' "$SOS" \
    > $u/sourceos-doctor.service.d/test.conf
systemctl daemon-reload
systemctl enable --now sourceos-doctor.timer
systemctl show -p ActiveState -p Triggers sourceos-doctor.timer > /sostest-out/timer.txt
# A host where root never ran podman: podman makes its state on first use.
rm -rf /etc/containers/networks /var/lib/containers /run/containers /run/libpod
systemctl start sourceos-doctor.service
systemctl show -p Result -p ExecMainStatus sourceos-doctor.service > /sostest-out/unit.txt
rm -rf /etc/containers/networks /var/lib/containers /run/containers /run/libpod
"$SOS" doctor local-runtime --format json > /sostest-out/plain.json
if [ "$TEXTFILE" = yes ]; then
    # The shipped command line itself, only the program this build's
    exec_start=$(sed -n 's|^ExecStart=/usr/bin/sourceos ||p' "$SVC")
    printf '[Service]\nExecStart=\nExecStart=%s %s\n' "$SOS" "$exec_start" > $u/sourceos-doctor.service.d/test.conf
    systemctl daemon-reload
    systemctl start sourceos-doctor.service
    systemctl show -p Result sourceos-doctor.service > /sostest-out/textfile.txt
    f=${exec_start##* }/sourceos.prom
    stat -c %a "$f" > /sostest-out/textfile.mode
    cp "$f" /sostest-out/sourceos.prom
fi
# Without the textfile directory the unit must not start at all.
rm -r /var/lib/prometheus/node-exporter
systemctl start sourceos-doctor.service
systemctl show -p Result -p ExecMainStatus sourceos-doctor.service > /sostest-out/nodir.txt
echo done > /sostest-out/done
INSIDE
    binds="$builddir"
    [ "$srcdir" = "$builddir" ] || binds="$binds $srcdir"
    # shellcheck disable=SC2086
    unshare -m --propagation private sh "$srcdir/tests/nspawn-boot.sh" "$TMP/etc" "$OUT" 120 $binds \
        > "$TMP/boot.log" 2>&1
    brc=$?
    if [ "$brc" -eq 77 ]; then
        for _ in $(seq $NBOOT); do skip "this machine cannot boot systemd under systemd-nspawn"; done
    else
        is "$(cat "$OUT/done" 2>/dev/null)" "done" "systemd booted, ran the service and powered off (nspawn exit $brc)"
        [ -f "$OUT/done" ] || sed 's/^/#   inside: /' "$OUT/inside.log" 2>/dev/null | tail -30
        is "$(sort "$OUT/timer.txt" 2>/dev/null | tr '\n' ' ')" "ActiveState=active Triggers=sourceos-doctor.service " \
           "the timer is active and triggers the service"
        is "$(grep Result "$OUT/unit.txt" 2>/dev/null)" Result=success "the doctor's exit 2 is no unit failure"
        is "$(grep ExecMainStatus "$OUT/unit.txt" 2>/dev/null)" ExecMainStatus=2 "(it did exit 2: a verdict of failure)"
        sig() { "$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["exit_code"], [(c["id"], c["status"], sorted({f["code"] for f in c["findings"]})) for c in d["checks"]])' "$1" 2>&1; }
        is "$(sig "$OUT/unit.json")" "$(sig "$OUT/plain.json")" "the hardened unit's report is an unconfined run's: every check, status and code"
        like "$(sig "$OUT/unit.json")" "'podman.info', 'ok'" "podman.info among them, which needs its state writable"
        like "$(sig "$OUT/unit.json")" "'systemd.scan', 'failure', \\[[^]]*'systemd.log-repeated-failure'[^]]*'systemd.restart-unbounded'" \
             "and the scan, which reads the home (ProtectHome=read-only) and the log under /tmp (no PrivateTmp=)"
        is "$(sort "$OUT/nodir.txt" 2>/dev/null | tr '\n' ' ')" "ExecMainStatus=226 Result=exit-code " \
           "without the textfile directory the unit fails to start (226/NAMESPACE)"
        if [ "$textfile" = yes ]; then
            is "$(cat "$OUT/textfile.txt" "$OUT/textfile.mode" 2>/dev/null | tr '\n' ' ')" "Result=success 644 " \
               "the shipped command line writes sourceos.prom, mode 0644"
            promtool check metrics < "$OUT/sourceos.prom" >/dev/null 2>&1
            ok $? "and promtool accepts it"
        else
            skip "this build has no --textfile"; skip "this build has no --textfile"
        fi
    fi
fi

# --- contrib/logging -------------------------------------------------------------
V="$C/logging/vector.yaml"
vq() { "$PYTHON" -c 'import sys, yaml; v = yaml.safe_load(open(sys.argv[2])); print(eval(sys.argv[1]))' "$1" "$V"; }
is "$(vq 'v["sources"]["sourceos_doctor"]["command"][1:]')" "['doctor', 'local-runtime', '--format', 'ndjson']" \
   "vector.yaml parses; its exec source runs the doctor's NDJSON stream"
is "$(vq 'v["sources"]["sourceos_doctor"]["decoding"]["codec"] + " " + str(v["sources"]["sourceos_doctor"]["include_stderr"])')" "json False" \
   "each stdout line decoded as JSON, stderr (not events) left out"
is "$(vq 'sorted(i for t in list(v.get("transforms", {}).values()) + list(v["sinks"].values()) for i in t["inputs"] if i not in list(v["sources"]) + list(v.get("transforms", {})))')" "[]" \
   "every component's inputs exist"
# What that config relies on: each line of a run is one JSON object, event first.
"$SOS" doctor local-runtime --format ndjson --root "$T" --plugin-dir "$BUILD_PLUGINS" --config-dir "$SOS_SRCDIR" > "$TMP/run.ndjson"
is "$("$PYTHON" -c 'import json, sys
lines = open(sys.argv[1]).read().split("\n")
evs = [json.loads(l) for l in lines[:-1]]
print(lines[-1] == "", all(list(e)[0] == "event" for e in evs), evs[-1]["event"], len(evs) > 2)' "$TMP/run.ndjson" 2>&1)" \
   "True True summary True" "each line of --format ndjson is a JSON object, event first, the summary last"
# docs/ndjson.md names every member the schema gives an event, a finding and a command.
# shellcheck disable=SC2016 # python's $defs, not the shell's
missing=$("$PYTHON" -c 'import json, sys
ev = json.load(open(sys.argv[1] + "/schemas/ndjson-event.schema.json"))["$defs"]
rp = json.load(open(sys.argv[1] + "/schemas/report.schema.json"))["$defs"]
names = set(ev["checkStarted"]["properties"]) | set(ev["summary"]["properties"])
for k in ("resultMembers", "entryMembers", "finding", "command", "summary"):
    names |= set(rp[k]["properties"])
doc = open(sys.argv[1] + "/docs/ndjson.md").read()
print(" ".join(sorted(n for n in names if "`%s`" % n not in doc)))' "$SOS_SRCDIR")
is "$missing" "" "docs/ndjson.md names every member of the schema"

done_testing
