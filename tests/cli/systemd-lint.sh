#!/bin/sh
# The systemd plugin: lints unit files (and their drop-ins) under --root,
# one at a time (systemd.lint) and in the standard locations (systemd.scan).
# Each rule is checked both ways: the finding when the unit is wrong, none
# when it is right.
. "$SOS_SRCDIR/tests/lib.sh"
FIX="$FIXTURES/systemd"
T="$TMP/root"

new_tree() { # a fresh Debian tree at $T with the unit directories
    rm -rf "$T"
    cp -R "$FIXTURES/roots/debian" "$T"
    mkdir -p "$T/etc/systemd/system" "$T/etc/systemd/user" \
             "$T/home/alice/.config/systemd/user" "$T/usr/local/bin"
}
unit() { # unit PATH: the unit on stdin, at PATH (host view) in $T
    mkdir -p "$(dirname "$T$1")"
    cat > "$T$1"
    chmod 644 "$T$1"
}
lint() { # lint PATH: systemd.lint of one unit, run as a runtime check
    make_config "lint" <<YAML
checks:
  - id: host.facts
    plugin: host
    check: facts
    scope: runtime
  - id: systemd.lint
    plugin: systemd
    check: lint
    after: [host.facts]
    scope: runtime
    params: {unit: "$1"}
YAML
    out=$("$SOS" doctor local-runtime --json --root "$T" --plugin-dir "$BUILD_PLUGINS" \
          --config-dir "$TMP/lint"); rc=$?
    id=systemd.lint
}
make_config scan <<'YAML'
checks:
  - id: host.facts
    plugin: host
    check: facts
    scope: runtime
  - id: systemd.scan
    plugin: systemd
    check: scan
    after: [host.facts]
    scope: runtime
    when: {os: [linux, wsl]}
YAML
scan() {
    out=$("$SOS" doctor local-runtime --json --root "${1:-$T}" --plugin-dir "$BUILD_PLUGINS" \
          --config-dir "$TMP/scan"); rc=$?
    id=systemd.scan
}
j() { printf '%s' "$out" | jget "$1"; }
status() { j "find('$id')['status']"; }
# The problem codes (warning, critical), sorted and unique, comma-joined.
problems() { j "','.join(sorted(set(f['code'] for f in find('$id')['findings'] if f['severity']!='info')))"; }
# A field of the first finding with CODE.
field() { j "[f for f in find('$id')['findings'] if f['code']=='$1'][0]$2"; }
msg() { field "$1" "['message']"; }
sev() { field "$1" "['severity']"; }
ev() { field "$1" "['evidence']['$2']"; }

S=/etc/systemd/system

# --- a clean, bounded unit: nothing to fix; evidence for every unit
new_tree
unit $S/ok.service <<'U'
[Unit]
Description=bounded
StartLimitIntervalSec=60
StartLimitBurst=3

[Service]
ExecStart=/usr/bin/sleep infinity
Restart=on-failure
RestartSec=5
StandardOutput=journal

[Install]
WantedBy=multi-user.target
U
lint $S/ok.service
is "$(problems)" "" "bounded unit (5s x 3 < 60s): no problem"
is "$(status)" ok "bounded unit: ok"
is "$rc" 0 "bounded unit: exit 0"
is "$(ev systemd.unit path)" $S/ok.service "unit evidence: path (host view)"
is "$(ev systemd.unit restart)" on-failure "unit evidence: restart"
is "$(ev systemd.unit exec_start)" /usr/bin/sleep "unit evidence: argv[0] only"
is "$(ev systemd.unit owner)" 0 "unit evidence: owner uid"
is "$(ev systemd.unit mode)" 0644 "unit evidence: mode in octal"

# --- the same with RestartSec=30: 3 x 30s >= 60s, the limit never triggers
sed -i 's/^RestartSec=5$/RestartSec=30/' "$T$S/ok.service"
lint $S/ok.service
is "$(problems)" systemd.restart-unbounded "RestartSec=30, burst 3, interval 60: unbounded"
is "$(sev systemd.restart-unbounded)" critical "unbounded restart is critical"
is "$(status)" failure "critical: failure"
is "$rc" 2 "critical: exit 2"
like "$(msg systemd.restart-unbounded)" "^$S/ok.service:8: Restart=on-failure" "message names FILE:LINE of Restart="
is "$(field systemd.restart-unbounded "['path']")" $S/ok.service "finding path"
is "$(ev systemd.restart-unbounded restart_sec)" 30 "evidence restart_sec"
is "$(ev systemd.restart-unbounded start_limit_interval)" 60 "evidence start_limit_interval"
is "$(ev systemd.restart-unbounded start_limit_burst)" 3 "evidence start_limit_burst"
like "$(field systemd.restart-unbounded "['commands'][0]")" "zz-sourceos-restart-bound.conf" "exact fix: a last drop-in with the bound"

# --- defaults: 5 x 100ms inside 10s is bounded, but too fast
restart_unit() { # restart_unit SERVICE-LINES [UNIT-LINES]
    printf '[Unit]\n%b\n[Service]\nExecStart=/usr/bin/true\n%b\n' "${2:-}" "$1" | unit $S/r.service
    lint $S/r.service
}
restart_unit 'Restart=always'
is "$(problems)" systemd.restart-fast "Restart=always with the defaults: bounded, but restarts < 1s apart"
is "$(ev systemd.restart-fast restart_sec)" "100ms (default)" "default RestartSec named as such"
is "$(sev systemd.restart-fast)" warning "fast restart is a warning"
is "$(status)" warning "warning only: status warning"
is "$rc" 1 "warning only: exit 1"
restart_unit 'Restart=on-failure\nRestartSec=3'
is "$(problems)" systemd.restart-unbounded "5 x 3s >= the default 10s: unbounded"
is "$(ev systemd.restart-unbounded start_limit_interval)" "10s (default)" "default interval named"
is "$(ev systemd.restart-unbounded start_limit_burst)" "5 (default)" "default burst named"
restart_unit 'Restart=on-failure\nRestartSec=1' 'StartLimitIntervalSec=0'
is "$(problems)" systemd.restart-unbounded "StartLimitIntervalSec=0 disables the limit"
like "$(msg systemd.restart-unbounded)" "StartLimitIntervalSec=0 disables" "and says so"
restart_unit 'Restart=on-failure\nRestartSec=1' 'StartLimitBurst=0'
is "$(problems)" systemd.restart-unbounded "StartLimitBurst=0 disables the limit"
restart_unit 'Restart=on-failure\nRestartSec=1\nStartLimitInterval=0'
is "$(problems)" systemd.restart-unbounded "old [Service] StartLimitInterval=0 is honoured"
restart_unit 'Restart=on-failure\nRestartSec=1\nStartLimitInterval=60\nStartLimitBurst=3'
is "$(problems)" "" "old [Service] spellings bound it (3 x 1s < 60s)"
# The old spellings in [Service] are honoured, and said to belong in [Unit]
is "$(sev systemd.start-limit-misplaced)" info "old [Service] StartLimitInterval= works: only a note"
like "$(msg systemd.start-limit-misplaced)" "r.service:7: StartLimitInterval=60 in \[Service\]: systemd still reads" "the note names the line"

# --- systemd's own rules for the start limit's place
# (load-fragment-gperf.gperf.in: [Service] knows only the old
# StartLimitInterval= and StartLimitBurst=; StartLimitIntervalSec= there is
# an unknown key, ignored)
cp "$FIX/limit-misplaced.service" "$T$S/lm.service"
lint $S/lm.service
is "$(problems)" "systemd.restart-unbounded,systemd.start-limit-misplaced" \
   "StartLimitIntervalSec=3600 in [Service] is ignored: misplaced, and 3 x 5s >= the default 10s"
is "$(sev systemd.start-limit-misplaced)" warning "an ignored limit key is a warning"
like "$(msg systemd.start-limit-misplaced)" "^$S/lm.service:8: StartLimitIntervalSec=3600 in \[Service\]: systemd does not know this key there and ignores it" \
     "the finding names FILE:LINE and says systemd ignores it"
is "$(ev systemd.start-limit-misplaced key)" StartLimitIntervalSec "evidence key"
is "$(ev systemd.start-limit-misplaced section)" Service "evidence section"
is "$(ev systemd.start-limit-misplaced value)" 3600 "evidence value"
like "$(field systemd.start-limit-misplaced "['remediation']")" "Move the line to \[Unit\]" "remediation: move it to [Unit]"
is "$(field systemd.start-limit-misplaced "['commands'][0]")" \
   "mkdir -p $S/lm.service.d && printf '[Unit]\\nStartLimitIntervalSec=%s\\n' 3600 > $S/lm.service.d/zz-sourceos-start-limit-interval.conf && systemctl daemon-reload" \
   "pasteable fix: a last drop-in with the value in [Unit]"
is "$(ev systemd.restart-unbounded start_limit_interval)" "10s (default)" "the judgement uses the default interval, not the ignored 3600"
is "$(ev systemd.restart-unbounded start_limit_burst)" 3 "and the burst [Service] still sets (the old alias)"
is "$(j "[f['severity'] for f in find('$id')['findings'] if f['code']=='systemd.start-limit-misplaced']")" \
   '["warning", "info"]' "the ignored key warns, the honoured StartLimitBurst= is a note"
# systemd's own parser agrees (bootstrap.sh installs systemd)
sa=$(systemd-analyze verify --man=no "$FIX/limit-misplaced.service" 2>&1)
like "$sa" "limit-misplaced.service:8: Unknown key 'StartLimitIntervalSec' in section \\[Service\\], ignoring" \
     "systemd-analyze verify: StartLimitIntervalSec= in [Service] is ignored"
unlike "$sa" "StartLimitBurst" "and it takes StartLimitBurst= there"
is "$(systemd-analyze verify --man=no "$FIX/limit-unit.service" 2>&1)" "" "and says nothing about the [Unit] unit"
# The fix, applied: the same limits in [Unit] bound the restarts
cp "$FIX/limit-unit.service" "$T$S/lu.service"
lint $S/lu.service
is "$(problems)" "" "the same limits in [Unit]: 3 x 5s < 3600s, nothing misplaced"
is "$(j "[f for f in find('$id')['findings'] if f['code']=='systemd.start-limit-misplaced']")" "[]" "no misplaced note at all"
mkdir -p "$T$S/lm.service.d"
printf '[Unit]\nStartLimitIntervalSec=3600\n' > "$T$S/lm.service.d/zz-sourceos-start-limit-interval.conf"
lint $S/lm.service
is "$(problems)" systemd.start-limit-misplaced "with the drop-in: bounded; the line in the unit is still misplaced until deleted"
rm -r "$T$S/lm.service.d"
# The old name in [Unit] counts (the old code read only [Unit]'s new name
# and reported a false restart-unbounded)
restart_unit 'Restart=always\nRestartSec=5s' 'StartLimitInterval=3600\nStartLimitBurst=3'
is "$(problems)" "" "[Unit] StartLimitInterval=3600: bounded, no false restart-unbounded"
# The last assignment wins whichever name it uses; a line systemd cannot
# parse it ignores, keeping the one before
restart_unit 'Restart=always\nRestartSec=5s\nStartLimitInterval=10' 'StartLimitIntervalSec=3600\nStartLimitBurst=3'
is "$(problems)" systemd.restart-unbounded "[Service] StartLimitInterval=10 after [Unit]'s 3600 wins: unbounded"
is "$(ev systemd.restart-unbounded start_limit_interval)" 10 "and is the interval judged"
restart_unit 'Restart=always\nRestartSec=5s' 'StartLimitIntervalSec=3600\nStartLimitIntervalSec=\nStartLimitBurst=3'
is "$(problems)" systemd.bad-value "an empty StartLimitIntervalSec= is ignored (not a reset): still bounded by 3600"
like "$(msg systemd.bad-value)" "r.service:3: StartLimitIntervalSec= is not a time span: systemd ignores this line" "and named"
restart_unit 'Restart=always\nRestartSec=5s' 'StartLimitIntervalSec=3600\nStartLimitBurst=3\nStartLimitBurst=x'
is "$(problems)" systemd.bad-value "StartLimitBurst=x ignored: burst 3 still applies"
# Anywhere else a limit key is ignored too
printf '[Unit]\nDescription=t\n[Timer]\nOnCalendar=daily\nStartLimitBurst=3\n' | unit $S/t.timer
lint $S/t.timer
is "$(problems)" systemd.start-limit-misplaced "StartLimitBurst= in [Timer]: ignored"
like "$(field systemd.start-limit-misplaced "['commands'][0]")" "zz-sourceos-start-limit-burst.conf" "fix: a burst drop-in"

restart_unit 'Restart=no\nRestartSec=0' 'StartLimitIntervalSec=0'
is "$(problems)" "" "Restart=no: no restart finding"
restart_unit 'RestartSec=0'
is "$(problems)" "" "no Restart= at all: no restart finding"

# --- time spans, through behaviour
restart_unit 'Restart=on-failure\nRestartSec=1min 30s' 'StartLimitIntervalSec=5min\nStartLimitBurst=3'
is "$(problems)" "" "1min 30s x 3 = 270s < 5min: bounded"
restart_unit 'Restart=on-failure\nRestartSec=1min 40s' 'StartLimitIntervalSec=5min\nStartLimitBurst=3'
is "$(problems)" systemd.restart-unbounded "1min 40s x 3 = 300s >= 5min: unbounded"
restart_unit 'Restart=on-failure\nRestartSec=1min40s' 'StartLimitIntervalSec=300\nStartLimitBurst=3'
is "$(problems)" systemd.restart-unbounded "1min40s (no space), bare 300 = seconds"
restart_unit 'Restart=on-failure\nRestartSec=500ms' 'StartLimitIntervalSec=2s\nStartLimitBurst=3'
is "$(problems)" systemd.restart-fast "500ms x 3 < 2s: bounded, but fast"
restart_unit 'Restart=on-failure\nRestartSec=700ms' 'StartLimitIntervalSec=2s\nStartLimitBurst=3'
is "$(problems)" "systemd.restart-fast,systemd.restart-unbounded" "700ms x 3 >= 2s: unbounded (ms parsed as ms)"
restart_unit 'Restart=on-failure\nRestartSec=1h' 'StartLimitIntervalSec=infinity\nStartLimitBurst=3'
is "$(problems)" "" "an infinite interval bounds any restart"
restart_unit 'Restart=on-failure\nRestartSec=1.5' 'StartLimitIntervalSec=4\nStartLimitBurst=3'
is "$(problems)" systemd.restart-unbounded "fractions: 1.5s x 3 >= 4s"
restart_unit 'Restart=on-failure\nRestartSec=abc' 'StartLimitIntervalSec=60\nStartLimitBurst=3'
is "$(problems)" "systemd.bad-value,systemd.restart-fast" "RestartSec=abc: not a span, systemd uses 100ms"
like "$(msg systemd.bad-value)" "r.service:7: RestartSec=abc is not a time span" "bad value named with its line"
restart_unit 'Restart=on-failure\nRestartSec=5 fortnights' 'StartLimitIntervalSec=60\nStartLimitBurst=3'
is "$(problems)" "systemd.bad-value,systemd.restart-fast" "an unknown unit is not a span"
restart_unit 'Restart=sometimes'
is "$(problems)" systemd.bad-value "Restart=sometimes is not a policy"

# --- drop-ins, in name order, after the unit
unit $S/d.service <<'U'
[Unit]
StartLimitIntervalSec=60
StartLimitBurst=3
[Service]
ExecStart=/usr/bin/true
Restart=always
RestartSec=30
U
lint $S/d.service
is "$(problems)" systemd.restart-unbounded "unit alone: unbounded"
mkdir -p "$T$S/d.service.d"
printf '[Service]\nRestart=no\n' > "$T$S/d.service.d/10-off.conf"
lint $S/d.service
is "$(problems)" "" "a drop-in with Restart=no overrides it"
is "$(ev systemd.unit dropins)" 1 "one drop-in read"
printf '[Service]\nRestart=on-failure\n' > "$T$S/d.service.d/20-on.conf"
lint $S/d.service
is "$(problems)" systemd.restart-unbounded "a later drop-in (name order) turns it back on"
is "$(field systemd.restart-unbounded "['path']")" $S/d.service.d/20-on.conf "the finding names the drop-in"
like "$(msg systemd.restart-unbounded)" "^$S/d.service.d/20-on.conf:2: " "and its line"
rm "$T$S/d.service.d/20-on.conf"
printf '[Service]\nExecStart=\n' > "$T$S/d.service.d/30-reset.conf"
lint $S/d.service
is "$(problems)" systemd.exec-missing "ExecStart= in a drop-in resets the list: nothing left"
like "$(msg systemd.exec-missing)" "^$S/d.service.d/30-reset.conf:2: " "pointing at the reset"
printf '[Service]\nExecStart=\nExecStart=/usr/bin/podman run --rm localhost/agent\n' > "$T$S/d.service.d/30-reset.conf"
lint $S/d.service
is "$(problems)" systemd.raw-podman-run "the replacement ExecStart is linted"
is "$(ev systemd.unit exec_start)" /usr/bin/podman "evidence: the effective ExecStart"
like "$(msg systemd.raw-podman-run)" "^$S/d.service.d/30-reset.conf:3: " "raw run found in the drop-in, line 3"
printf '[Service]\nExecStart=/usr/bin/false\n' > "$T$S/d.service.d/30-reset.conf"
lint $S/d.service
is "$(problems)" systemd.exec-multiple "a second ExecStart without a reset: systemd refuses it"
printf 'binary\0drop-in\n' > "$T$S/d.service.d/30-reset.conf"
lint $S/d.service
is "$(problems)" systemd.unit-binary "a binary drop-in is a finding; the unit is still linted"
is "$(ev systemd.unit exec_start)" /usr/bin/true "unit itself still linted"
rm -rf "$T$S/d.service.d"

# --- continuation lines and comments
unit $S/c.service <<'U'
[Service]
# a comment
; another
ExecStart=/usr/bin/podman \
  --log-level=info \
# a comment inside a continuation is skipped
  run --rm \
  --pull=always quay.io/acme/agent:1
U
lint $S/c.service
is "$(problems)" "systemd.pull-at-start,systemd.raw-podman-run,systemd.registry-image" "continued ExecStart joined: run, --pull=always, registry image"
like "$(msg systemd.raw-podman-run)" "^$S/c.service:4: " "line of the first physical line"
like "$(msg systemd.registry-image)" "quay.io/acme/agent:1 comes from a registry \(quay.io\)" "registry named"

# --- unusable files
printf '[Service]\nExecStart=/usr/bin/true\0\n' > "$T$S/nul.service"
lint $S/nul.service
is "$(problems)" systemd.unit-binary "NUL bytes: binary"
head -c 1100000 /dev/zero | tr '\0' '#' > "$T$S/huge.service"
lint $S/huge.service
is "$(problems)" systemd.unit-too-large "over 1 MiB: not analysed"
lint $S/nothere.service
is "$(problems)" systemd.unit-missing "missing unit"
is "$(sev systemd.unit-missing)" critical "the agent's missing unit is critical"
ln -s ../../../../../../../../etc/passwd "$T$S/escape.service"
lint $S/escape.service
is "$(problems)" systemd.unit-outside-root "a symlink out of --root is not followed"
mkdir "$T$S/dir.service"
lint $S/dir.service
is "$(problems)" systemd.unit-unreadable "a directory named x.service"
like "$(msg systemd.unit-unreadable)" "Is a directory" "says why"
rm -rf "$T$S/nul.service" "$T$S/huge.service" "$T$S/escape.service" "$T$S/dir.service"

# --- owner and mode (we are root here)
if [ "$(id -u)" = 0 ]; then
    chown nobody "$T$S/ok.service"
    lint $S/ok.service
    like "$(problems)" systemd.unit-owner "a system unit owned by nobody"
    is "$(field systemd.unit-owner "['commands'][0]")" "chown root:root $S/ok.service" "exact chown"
    is "$(ev systemd.unit owner)" "$(id -u nobody)" "evidence owner uid"
    chown 0 "$T$S/ok.service"
    H=/home/alice/.config/systemd/user
    printf '[Service]\nExecStart=/usr/bin/true\n' | unit $H/a.service
    chown -R 1000 "$T/home/alice"
    lint $H/a.service
    is "$(problems)" "" "a user unit owned by its directory's owner"
    chown 0 "$T$H/a.service"
    lint $H/a.service
    is "$(problems)" systemd.unit-owner "a user unit owned by root in alice's directory"
    is "$(field systemd.unit-owner "['commands'][0]")" "chown 1000 $H/a.service" "chown to the directory's owner"
else
    for _ in 1 2 3 4 5 6; do ok 0 "# SKIP not root"; done
fi
chmod 664 "$T$S/ok.service"
lint $S/ok.service
like "$(problems)" systemd.unit-permissions "group-writable unit"
is "$(ev systemd.unit mode)" 0664 "evidence mode"
chmod 2666 "$T$S/ok.service"
lint $S/ok.service
is "$(ev systemd.unit mode)" 02666 "evidence mode with its special bits (02666, not 2666)"
like "$(field systemd.unit-permissions "['message']")" "mode 02666: writable by anyone" "and the message too"
chmod 664 "$T$S/ok.service"
lint $S/ok.service
is "$(field systemd.unit-permissions "['commands'][0]")" "chmod 644 $S/ok.service" "exact chmod"
chmod 644 "$T$S/ok.service"
lint $S/ok.service
unlike "$(problems)" "unit-permissions|unit-owner" "back to 644 root: no owner/mode finding"

# --- a per-user service installed system-wide
printf '[Service]\nExecStart=/home/alice/bin/agent --serve\n' | unit $S/u.service
lint $S/u.service
is "$(problems)" systemd.user-unit-system-wide "ExecStart in /home, system-wide, no User="
like "$(msg systemd.user-unit-system-wide)" "^$S/u.service:2: .*runs as root" "says it runs as root"
like "$(field systemd.user-unit-system-wide "['commands'][0]")" "/home/alice/.config/systemd/user/u.service" "fix moves it to alice"
printf '[Service]\nUser=alice\nExecStart=/home/alice/bin/agent --serve\n' | unit $S/u.service
lint $S/u.service
is "$(problems)" "" "with User=alice: fine"
printf '[Service]\nExecStart=/usr/bin/agent\nWorkingDirectory=%%h/work\n' | unit $S/u.service
lint $S/u.service
is "$(problems)" systemd.user-unit-system-wide "WorkingDirectory=%h counts"
printf '[Service]\nExecStart=/usr/bin/agent\nEnvironment=DATA=/home/bob/data\n' | unit $S/u.service
lint $S/u.service
is "$(problems)" systemd.user-unit-system-wide "Environment into /home counts"
printf '[Service]\nExecStart=/usr/bin/agent\nWorkingDirectory=%%h/work\n' | unit /etc/systemd/user/u.service
lint /etc/systemd/user/u.service
is "$(problems)" "" "the same in /etc/systemd/user is a user unit: fine"

# --- ExecStart present, absolute
cp "$FIX/noexec.service" "$T$S/noexec.service"
lint $S/noexec.service
is "$(problems)" systemd.exec-missing "noexec.service: no ExecStart"
is "$(sev systemd.exec-missing)" critical "missing ExecStart is critical"
printf '[Service]\nType=oneshot\nExecStop=/usr/bin/true\n' | unit $S/oneshot.service
lint $S/oneshot.service
is "$(problems)" "" "Type=oneshot with ExecStop needs no ExecStart"
cp "$FIX/bad.service" "$T$S/bad.service"
lint $S/bad.service
is "$(problems)" "systemd.bad-value,systemd.exec-relative" "bad.service: relative ExecStart, Restart=sometimes"
like "$(msg systemd.exec-relative)" "^$S/bad.service:4: ExecStart=relative/path" "relative path named with its line"
is "$(sev systemd.exec-relative)" warning "relative ExecStart is a warning"
cp "$FIX/missingexec.service" "$T$S/missingexec.service"
lint $S/missingexec.service
is "$(problems)" "" "missingexec.service: absolute path, nothing to lint"
cp "$FIX/bad2.service" "$T$S/bad2.service"
lint $S/bad2.service
like "$(problems)" "systemd.bad-value" "bad2.service: bad values"
unlike "$(problems)" "log-in-tmp" "bad2.service: file:relative.log is not /tmp"

# --- sections and syntax
unit $S/syn.service <<'U'
[Unit]
Description=x
[Servce]
ExecStart=/usr/bin/true
[X-Vendor]
Anything=goes
[Service]
ExecStart=/usr/bin/true
this is not an assignment
U
lint $S/syn.service
is "$(problems)" "systemd.syntax,systemd.unknown-section" "unknown section and a bad line (X- sections allowed)"
like "$(msg systemd.unknown-section)" "^$S/syn.service:3: unknown section \[Servce\]" "unknown section with its line"
like "$(msg systemd.syntax)" "^$S/syn.service:9: not a Key=Value line: this is not an assignment" "bad line quoted"

# --- logs
cp "$FIX/agent.service" "$T$S/agent.service"
lint $S/agent.service
is "$(problems)" systemd.restart-fast "agent.service: logs in %h are fine; 5 x 100ms < 10s bounded; fast"
printf '[Service]\nExecStart=/usr/bin/true\nStandardOutput=append:/tmp/agent.log\nStandardError=file:/var/tmp/agent.err\n' | unit $S/log.service
lint $S/log.service
is "$(j "[f['message'] for f in find('systemd.lint')['findings'] if f['code']=='systemd.log-in-tmp']")" \
   "[\"$S/log.service:3: StandardOutput=append:/tmp/agent.log logs under a world-writable temporary directory: anyone can read, pre-create or replace the file, and it vanishes\", \"$S/log.service:4: StandardError=file:/var/tmp/agent.err logs under a world-writable temporary directory: anyone can read, pre-create or replace the file, and it vanishes\"]" \
   "append:/tmp and file:/var/tmp, each with its line"
is "$(sev systemd.log-in-tmp)" critical "logs in /tmp are critical"
printf '[Service]\nExecStart=/usr/bin/true\nStandardOutput=truncate:/tmpfoo/x.log\nStandardError=journal\n' | unit $S/log.service
lint $S/log.service
is "$(problems)" "" "/tmpfoo is not /tmp; journal is fine"

# --- podman run
pod() { printf '[Service]\nExecStart=%s\n' "$1" | unit $S/p.service; lint $S/p.service; }
pod '/usr/bin/podman run --rm --pull always docker.io/library/alpine'
is "$(problems)" "systemd.pull-at-start,systemd.raw-podman-run,systemd.registry-image" "--pull always (two words)"
is "$(sev systemd.registry-image)" warning "registry image: warning"
is "$(sev systemd.pull-at-start)" critical "pull at start: critical"
pod '-/usr/bin/podman run --pull=newer --name x -v /a:/b localhost/agent'
is "$(problems)" "systemd.pull-at-start,systemd.raw-podman-run" "prefix stripped; --pull=newer; localhost/ is local (options with values skipped)"
pod '/usr/bin/podman run -it --rm alpine sh'
is "$(problems)" "systemd.raw-podman-run,systemd.registry-image" "short name: docker.io implied"
like "$(msg systemd.registry-image)" "docker.io, implied" "says docker.io is implied"
pod '/usr/bin/podman --remote container run --pull=never localhost/agent@sha256:0123'
is "$(problems)" systemd.raw-podman-run "podman --remote container run, local image: raw run only"
pod '/usr/bin/podman ps -a'
is "$(problems)" "" "podman ps is not a run"
pod "/bin/sh -c 'exec podman run --rm localhost/agent'"
is "$(problems)" "systemd.raw-podman-run,systemd.shell-launch" "a shell -c string with podman run: raw, and a shell launch"
is "$(sev systemd.shell-launch)" warning "shell launch: a warning"
pod '/usr/bin/env FOO=1 podman run localhost/agent'
is "$(problems)" systemd.raw-podman-run "env podman run"
printf '#!/bin/sh\n# plain wrapper\nset -e\nexec podman run --rm \\\n  --pull=always \\\n  ghcr.io/acme/agent\n' > "$T/usr/local/bin/agent-run"
pod '/usr/local/bin/agent-run --flag'
is "$(problems)" "systemd.pull-at-start,systemd.raw-podman-run,systemd.registry-image" "a wrapper without the marker is a raw podman run"
is "$(ev systemd.raw-podman-run wrapper)" /usr/local/bin/agent-run "evidence: the wrapper"
is "$(ev systemd.raw-podman-run wrapper_line)" 4 "evidence: its line"
like "$(msg systemd.raw-podman-run)" "^$S/p.service:2: " "the finding points at the unit's ExecStart"
printf '#!/bin/sh\n# sourceos-agent: governed wrapper (generated)\nexec podman run --rm --pull=never --authfile /etc/sourceos/empty-auth.json localhost/agent\n' > "$T/usr/local/bin/agent-run"
pod '/usr/local/bin/agent-run'
is "$(problems)" "" "the governed wrapper is trusted once its run bears the claim out"
# The wrapper as the generator writes it: DOCKER_CONFIG, --authfile FILE, a worktree mount.
printf '#!/bin/sh\n# sourceos-agent: governed wrapper (generated; do not edit)\nset -eu\nexport DOCKER_CONFIG=/var/lib/sourceos/docker\nexec podman run --rm --replace --name agent --pull=never --authfile /var/lib/sourceos/empty-auth.json -e SOURCEOS_AGENT=agent -v /srv/repo:/work localhost/agent@sha256:0123\n' > "$T/usr/local/bin/agent-run"
pod '/usr/local/bin/agent-run'
is "$(problems)" "" "the generator's wrapper bears its claim out"
printf '#!/bin/sh\n# sourceos-agent: governed wrapper (generated)\nexec podman run --rm --pull=never localhost/agent\n' > "$T/usr/local/bin/agent-run"
pod '/usr/local/bin/agent-run'
is "$(problems)" "systemd.governed-claim-false,systemd.raw-podman-run" "the marker without --authfile: a false claim, and a raw run"
is "$(ev systemd.governed-claim-false missing)" "--authfile (without it the host's registry credentials apply)" "evidence: what the run lacks"
printf '#!/bin/sh\n# sourceos-agent: governed wrapper (generated)\nexec podman run --rm --pull=always ghcr.io/acme/agent\n' > "$T/usr/local/bin/agent-run"
pod '/usr/local/bin/agent-run'
is "$(problems)" "systemd.governed-claim-false,systemd.pull-at-start,systemd.raw-podman-run,systemd.registry-image" "the marker over --pull=always of a registry image: a false claim, judged as a raw run"
is "$(sev systemd.governed-claim-false)" critical "a false claim is critical"
is "$(msg systemd.governed-claim-false)" "$S/p.service:2: agent-run claims to be sourceos-agent's governed wrapper (it carries \`sourceos-agent: governed wrapper\`), but its \`podman run\` lacks --pull=never (it has --pull=always), --authfile (without it the host's registry credentials apply), a local image (it runs ghcr.io/acme/agent, from a registry (ghcr.io)): it is judged as a raw run (in /usr/local/bin/agent-run, which ExecStart=agent-run runs, line 3)" "FILE:LINE, what the run lacks, and where"
is "$(ev systemd.governed-claim-false wrapper_line)" 3 "evidence: the run's line"
# The review's forgery: the marker in a comment over a raw run.
printf '#!/bin/sh\n# sourceos-agent: governed wrapper\nexec podman run -v $HOME:/h ghcr.io/evil/x:latest\n' > "$T/usr/local/bin/agent-run"
pod '/usr/local/bin/agent-run'
is "$(problems)" "systemd.governed-claim-false,systemd.home-mounted,systemd.raw-podman-run,systemd.registry-image" "a forged marker hides nothing"
# A NUL byte before the marker: strstr stopped there and missed the claim.
printf '#!/bin/sh\n#\000\n# sourceos-agent: governed wrapper\nexec podman run --pull=never --authfile /e.json localhost/agent\n' > "$T/usr/local/bin/agent-run"
pod '/usr/local/bin/agent-run'
is "$(problems)" "" "a NUL byte before the marker: still the governed wrapper (memmem, as launchd)"
printf '#!/bin/sh\n#\000\n# sourceos-agent: governed wrapper\nexec podman run -v /:/host localhost/agent\n' > "$T/usr/local/bin/agent-run"
pod '/usr/local/bin/agent-run'
is "$(problems)" "systemd.governed-claim-false,systemd.home-mounted,systemd.raw-podman-run" "a NUL byte before the marker: the claim is judged all the same"
printf '#!/bin/sh\n# podman run is mentioned only in a comment\nexec /usr/bin/agent\n' > "$T/usr/local/bin/agent-run"
pod '/usr/local/bin/agent-run'
is "$(problems)" "" "a script without podman run"
cp "$FIX/home-mount.service" "$T$S/p.service"; lint $S/p.service
is "$(problems)" "systemd.home-mounted,systemd.raw-podman-run" "-v \$HOME:...:ro: the whole home; the repo mount is not"
is "$(j "len([f for f in find('$id')['findings'] if f['code']=='systemd.home-mounted'])")" 1 "one finding"
is "$(sev systemd.home-mounted)" critical "critical, even read-only"
is "$(ev systemd.home-mounted mount_source) $(ev systemd.home-mounted read_only)" '$HOME yes' "evidence: source, read-only"
like "$(msg systemd.home-mounted)" "^$S/p.service:7: \`podman run\` mounts the whole home \\\$HOME into the container \(at /data/home\): what runs there can read every file" "FILE:LINE and what it exposes"
is "$(ev systemd.raw-podman-run mounts)" '$HOME:/data/home:ro, $HOME/src/repo:/work' "evidence: every mount"
is "$(ev systemd.raw-podman-run replace) $(ev systemd.raw-podman-run rm)" "yes yes" "evidence: --replace and --rm"
pod '/usr/bin/podman run --mount type=bind,source=%h/,target=/h -v /root:/r -v /home/alice/x:/x localhost/a'
is "$(j "[f['evidence']['mount_source'] for f in find('$id')['findings'] if f['code']=='systemd.home-mounted']")" '["%h/", "/root"]' "%h/ and /root are homes, /home/alice/x is not"
pod '/usr/bin/podman run -v /:/host -v /home:/home -v %h/..:/x -v /var/root:/r -v /var/home/:/v -v /home/alice/x/..:/a -v /home/alice/x/../x:/b localhost/a'
is "$(j "[f['evidence']['mount_source'] for f in find('$id')['findings'] if f['code']=='systemd.home-mounted']")" '["/", "/home", "%h/..", "/var/root", "/var/home/", "/home/alice/x/.."]' "wider mounts too: /, /home, %h/.., /var/home/; /var/root; a home spelt with ..; not a worktree spelt with .."
like "$(msg systemd.home-mounted)" "^$S/p.service:2: \`podman run\` mounts /, a directory holding the home\\(s\\), into the container \\(at /host\\): what runs there can read and change every file of every user whose home is in it" "a wider mount: a directory holding the home(s)"
cp "$FIX/loopback-registry.service" "$T$S/p.service"; lint $S/p.service
is "$(problems)" "systemd.raw-podman-run,systemd.registry-image" "localhost:5000/agent:1 is a registry image (as launchd judges it)"
like "$(msg systemd.registry-image)" "comes from a registry on this machine \(localhost:5000\)" "says: a registry on this machine"
is "$(ev systemd.registry-image registry)" localhost:5000 "evidence: the registry"
pod '/usr/bin/podman --log-level debug --url unix:///run/x.sock run --pull always localhost/a'
is "$(problems)" "systemd.pull-at-start,systemd.raw-podman-run" "global options with values before run; localhost/ is local"
pod '/usr/bin/podman-remote run --rm docker://quay.io/a/b'
is "$(problems)" "systemd.raw-podman-run,systemd.registry-image" "podman-remote with a docker:// image"
is "$(ev systemd.raw-podman-run remote)" yes "evidence: remote"
pod '/usr/bin/podman run --rm -e A=1 $IMAGE'
is "$(problems)" systemd.raw-podman-run "a variable image cannot be judged: no registry-image"

# --- padding and size limits cannot hide a podman run
pad=$(printf '%9000s' '')
pod "/bin/sh -c '${pad}exec podman run -v \$HOME:/h ghcr.io/evil/x:latest'"
is "$(problems)" "systemd.home-mounted,systemd.raw-podman-run,systemd.registry-image,systemd.shell-launch" "an ExecStart over 8 KiB: the -c string read whole"
envs=$(for i in $(seq 140); do printf -- '-e V%s=1 ' "$i"; done)
pod "/usr/bin/podman run $envs -v \$HOME:/h ghcr.io/evil/x:latest"
is "$(problems)" "systemd.home-mounted,systemd.raw-podman-run,systemd.registry-image" "140 -e flags before the image: its mount and image still seen"
is "$(ev systemd.registry-image image)" ghcr.io/evil/x:latest "the image named"
{ printf '#!/bin/sh\n'; for i in $(seq 2100); do echo true; done; echo 'exec podman run ghcr.io/evil/x:latest'; } > "$T/usr/local/bin/agent-run"
pod /usr/local/bin/agent-run
is "$(problems)" "systemd.launch-cut,systemd.raw-podman-run,systemd.registry-image" "2100 true lines before exec podman run: the last exec kept and judged, the cut said"
is "$(sev systemd.launch-cut)" warning "the cut is a warning"
like "$(msg systemd.launch-cut)" "^$S/p.service:2: ExecStart= runs more than the lint can follow \\(1024 simple commands dropped \\(the oldest: at most 2048" "FILE:LINE, and what was dropped"
is "$(ev systemd.raw-podman-run wrapper_line)" 2102 "the exec's own line"
head -c 300000 /dev/zero | tr '\0' '\n' | { printf '#!/bin/sh\n'; cat; echo 'exec podman run ghcr.io/evil/x:latest'; } > "$T/usr/local/bin/agent-run"
pod /usr/local/bin/agent-run
is "$(problems)" systemd.launch-cut "a script over 256 KiB outside the store: not followed, and said"
is "$(ev systemd.launch-cut script_too_large)" /usr/local/bin/agent-run "evidence: the script"
# a copied tree without /usr/bin: a shell's exec target there is not judged
pod "/bin/sh -c 'exec /usr/bin/podman run --rm localhost/agent'"
is "$(problems)" "systemd.raw-podman-run,systemd.shell-launch" "--root copy without /usr/bin: no false wrapper-target-missing"
pod "/bin/sh -c 'exec /usr/local/bin/gone'"
is "$(problems)" "systemd.shell-launch,systemd.wrapper-target-missing" "its directory in the tree: missing is missing"
# --- home-manager's launch command: sh -c exec a Nix store wrapper
H=z3n6ml62lc6l9glpaz6fq7fvi2rks9vq
W=/nix/store/$H-node-commander-wrapper/bin/node-commander
HU=/home/alice/.config/systemd/user/node-commander.service
hm_unit() {
    printf '[Unit]\nDescription=node-commander\n[Service]\nExecStart=/bin/sh -c '"'"'set -e; exec %s'"'"'\n' "$W" | unit $HU
    chown "$(stat -c %u "$T$(dirname $HU)")" "$T$HU" # the user's, as home-manager writes it
}
hm_wrapper() { mkdir -p "$(dirname "$T$W")"; printf '%s' "$1" > "$T$W"; chmod 555 "$T$W"; }
hm_wrapper '#!/usr/bin/env bash
# generated by home-manager
exec /usr/bin/podman run --rm --name node-commander \
  -v /home/alice:/home/alice ghcr.io/socioprophet/node-commander:latest
'
hm_unit
lint $HU
is "$(problems)" "systemd.home-mounted,systemd.opaque-store-wrapper,systemd.raw-podman-run,systemd.registry-image,systemd.shell-launch" "home-manager's sh -c exec STOREPATH: the podman run behind it is seen"
is "$(ev systemd.raw-podman-run wrapper)" "$W" "evidence: the store wrapper"
is "$(ev systemd.raw-podman-run wrapper_line)" 3 "evidence: its line"
like "$(msg systemd.raw-podman-run)" "^$HU:4: " "the finding points at ExecStart"
like "$(msg systemd.opaque-store-wrapper)" 'only a Nix store wrapper \(node-commander-wrapper\); the wrapper runs `podman run \.\.\. ghcr\.io/socioprophet/node-commander:latest` \(its line 3\)' "opaque wrapper: what it runs, without store paths"
like "$(msg systemd.shell-launch)" 'launches through `sh -c`.*the shell runs `set -e`, then `exec node-commander`' "shell launch: what the shell runs"
scan
is "$(j "sorted(set(f['code'] for f in find('systemd.scan')['findings'] if f['message'].startswith('$HU:') and f['severity']!='info'))")" '["systemd.home-mounted", "systemd.opaque-store-wrapper", "systemd.raw-podman-run", "systemd.registry-image", "systemd.shell-launch"]' "the scan of the user's units sees them too"
id=systemd.lint
# the governed wrapper behind sh -c is sourceos's own: no shell launch, no opaque wrapper
hm_wrapper '#!/bin/sh
# sourceos-agent: governed wrapper (generated; do not edit)
exec /usr/bin/podman run --rm --pull=never --authfile /home/alice/.local/state/sourceos/empty-auth.json localhost/sourceos/nc@sha256:0123
'
lint $HU
is "$(problems)" "" "sh -c execing the governed wrapper: generated"
hm_wrapper '#!/bin/sh
# sourceos-agent: governed wrapper (generated; do not edit)
exec /usr/bin/podman run -v $HOME:/h ghcr.io/evil/x:latest
'
lint $HU
is "$(problems)" "systemd.governed-claim-false,systemd.home-mounted,systemd.opaque-store-wrapper,systemd.raw-podman-run,systemd.registry-image,systemd.shell-launch" "sh -c execing a forged wrapper: the shell launch and the store wrapper are reported too"
hm_wrapper '#!/bin/sh
# sourceos-agent: governed wrapper (generated; do not edit)
exec /usr/local/bin/agent
'
lint $HU
is "$(problems)" "systemd.governed-claim-false,systemd.opaque-store-wrapper,systemd.shell-launch" "the marker on a script that runs no podman: a false claim"
like "$(msg systemd.governed-claim-false)" "^$HU:4: ExecStart= runs $W, which claims to be sourceos-agent's governed wrapper .*but it lacks a \`podman run\` \\(the script runs none\\)" "says there is no run"
# a garbage-collected store path
rm -rf "$T/nix/store/$H-node-commander-wrapper"
lint $HU
is "$(problems)" "systemd.shell-launch,systemd.wrapper-target-missing" "GC'd store wrapper: wrapper-target-missing"
is "$(sev systemd.wrapper-target-missing)" critical "critical"
like "$(msg systemd.wrapper-target-missing)" "runs $W, which does not exist \\(a garbage-collected Nix store path\\)" "names the path"
is "$(field systemd.wrapper-target-missing "['commands']")" '["home-manager switch"]' "the user's rebuild to paste"
rm -rf "$T/nix"
lint $HU
is "$(problems)" "systemd.shell-launch" "a tree without /nix/store says nothing of store paths"
# a system unit that runs a store binary directly
B=/nix/store/$H-agent-1.0/bin/agent
mkdir -p "$(dirname "$T$B")"; printf '\177ELF\2\1\1\0' > "$T$B"
printf '[Service]\nExecStart=%s --serve\n' "$B" | unit $S/store.service
lint $S/store.service
is "$(problems)" systemd.opaque-store-wrapper "a store binary as the only command: opaque"
like "$(msg systemd.opaque-store-wrapper)" 'only a program in the Nix store \(agent-1\.0\), a binary' "named, and said to be a binary"
rm "$T$B"
lint $S/store.service
is "$(problems)" systemd.wrapper-target-missing "collected: missing, not opaque"
is "$(field systemd.wrapper-target-missing "['commands']")" '["sudo nixos-rebuild switch"]' "a system unit's rebuild to paste"

# --- the lint check without a unit (the agent declares none yet)
make_config nounit <<'YAML'
checks:
  - id: systemd.lint
    plugin: systemd
    check: lint
    scope: runtime
YAML
out=$("$SOS" doctor local-runtime --json --root "$T" --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/nounit")
id=systemd.lint
is "$(status)" skipped "no unit param: skipped"
is "$(field systemd.lint-no-unit "['severity']")" info "saying why"

# --- the scan: every location, whoever installed the unit
new_tree
printf '[Service]\nExecStart=/usr/bin/podman run --rm localhost/agent\n' | unit $S/raw.service
printf '[Service]\nExecStart=/usr/bin/true\n' | unit $S/fine.service
printf '[Unit]\nStartLimitIntervalSec=60\n[Service]\nExecStart=/usr/bin/true\nRestart=on-failure\nRestartSec=5\n' | unit /etc/systemd/user/u.service
printf '[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart=/usr/bin/true\nRestart=always\nRestartSec=5\n' | unit /home/alice/.config/systemd/user/loop.service
ln -s /dev/null "$T$S/masked.service"
ln -s /usr/lib/systemd/system/gone.service "$T$S/stale.service"
mkdir -p "$T/usr/lib/systemd/system"
printf '[Service]\nExecStart=/usr/bin/true\nRestart=always\nRestartSec=0\n' > "$T/usr/lib/systemd/system/vendor.service"
ln -s /usr/lib/systemd/system/vendor.service "$T$S/alias.service"
mkdir "$T$S/dir.service" "$T$S/multi-user.target.wants"
printf 'not a unit\n' > "$T$S/notes.txt"
scan
is "$(status)" failure "scan: failure (critical findings)"
is "$rc" 2 "scan: exit 2"
is "$(problems)" "systemd.raw-podman-run,systemd.restart-unbounded,systemd.unit-stale-link,systemd.unit-unreadable" "scan: every problem, every location"
is "$(msg systemd.raw-podman-run)" "$S/raw.service:2: a raw \`podman run\` instead of the governed wrapper: nothing checks the runtime, the image or the credentials before it runs" "system unit: FILE:LINE"
is "$(field systemd.restart-unbounded "['path']")" /home/alice/.config/systemd/user/loop.service "alice's user unit found"
like "$(msg systemd.restart-unbounded)" "loop.service:5: " "with its line"
is "$(field systemd.unit-stale-link "['path']")" $S/stale.service "stale enablement link"
is "$(field systemd.unit-masked "['path']")" $S/masked.service "masked unit noted"
is "$(field systemd.unit-masked "['severity']")" info "masked is info"
is "$(field systemd.unit-vendor-link "['path']")" $S/alias.service "an alias of a distribution unit is noted, not linted"
is "$(j "[f['message'] for f in find('systemd.scan')['findings'] if f['code']=='systemd.location']")" \
   "[\"$S: 4 service unit(s) linted, 1 masked\", \"/etc/systemd/user: 1 service unit(s) linted, 0 masked\", \"/root/.config/systemd/user: absent: nothing to lint\", \"/home/alice/.config/systemd/user: 1 service unit(s) linted, 0 masked\"]" \
   "one note per location with its count"
is "$(j "[f['path'] for f in find('systemd.scan')['findings'] if not f.get('path')]")" "[]" "every finding names its file"
is "$(j "sorted(f['evidence']['path'] for f in find('systemd.scan')['findings'] if f['code']=='systemd.unit')")" \
   "[\"/etc/systemd/system/fine.service\", \"/etc/systemd/system/raw.service\", \"/etc/systemd/user/u.service\", \"/home/alice/.config/systemd/user/loop.service\"]" \
   "every linted unit has its evidence"

# a clean tree: ok
rm "$T$S/raw.service" "$T$S/stale.service" "/$T/home/alice/.config/systemd/user/loop.service"
rmdir "$T$S/dir.service"
scan
is "$(status)" ok "clean tree: ok (masked is only a note)"
is "$rc" 0 "clean tree: exit 0"

# the bound on files
for i in $(seq 1 2003); do printf '[Service]\nExecStart=/usr/bin/true\n' > "$T$S/n$i.service"; done
scan
like "$(j "[f['message'] for f in find('systemd.scan')['findings'] if f['code']=='systemd.scan-truncated']")" "more than 2000" "the scan is bounded and says so"
rm -f "$T$S"/n*.service

# --- macOS: the scan does not apply
scan "$FIXTURES/roots/macos"
is "$(status)" skipped "macOS tree: systemd.scan skipped"
is "$(j "find('systemd.scan')['reason']")" "applies only to linux,wsl; this host is macos" "with the when: reason"

done_testing
