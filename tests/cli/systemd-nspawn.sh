#!/bin/sh
# The systemd checks against a real, booted systemd 252: this machine's own
# systemd started under systemd-nspawn (tests/nspawn-boot.sh). Inside, a
# test user's manager (lingering) runs a healthy unit and a unit that
# crash-loops under Restart=on-failure until its start limit; the system
# manager runs another crash loop, a masked unit, a unit whose file was
# deleted while it ran and a crash loop nobody declared. `sourceos-agent
# doctor NAME`, with the shipped checks.d files for host and systemd, then
# reads each one's live state, and `doctor local-runtime` every unit's.
. "$SOS_SRCDIR/tests/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "booting systemd under systemd-nspawn needs root"
command -v systemd-nspawn >/dev/null 2>&1 ||
    skip_all "systemd-nspawn is not installed (Debian: systemd-container)"
command -v unshare >/dev/null 2>&1 || skip_all "unshare (util-linux) is not installed"
[ -x /lib/systemd/systemd ] || skip_all "systemd is not installed here"

builddir=$(cd "$SOS_BUILDDIR" && pwd -P)
srcdir=$(cd "$SOS_SRCDIR" && pwd -P)
OUT="$TMP/out"
CFG="$OUT/cfg"
mkdir -p "$OUT" "$CFG/checks.d" "$CFG/agents.d"
chmod 755 "$OUT" "$CFG" "$CFG/checks.d" "$CFG/agents.d"
cp "$srcdir/checks.d/00-host.yaml" "$srcdir/checks.d/31-systemd.yaml" "$srcdir/checks.d/50-preflight.yaml" "$CFG/checks.d/"

# The container's /etc: a copy of this machine's, plus the target it boots
# into. Only what the test needs starts: no getty, no services of this host.
cp -a /etc "$TMP/etc" 2>/dev/null || { echo "Bail out! cannot copy /etc"; exit 1; }
rm -f "$TMP/etc/machine-id"   # systemd makes a transient one on the tmpfs
# This machine's file systems (network mounts, other disks) are not the
# container's: local-fs.target would wait for them.
: > "$TMP/etc/fstab"
cat > "$TMP/etc/systemd/system/sostest.target" <<'UNIT'
[Unit]
Description=sourceos-agent test
Requires=sostest.service
AllowIsolate=yes
UNIT
cat > "$TMP/etc/systemd/system/sostest.service" <<'UNIT'
[Unit]
Description=sourceos-agent test payload
Wants=systemd-logind.service dbus.service
After=systemd-logind.service dbus.service
SuccessAction=poweroff-force
FailureAction=poweroff-force
[Service]
Type=oneshot
TimeoutStartSec=150
ExecStart=/bin/sh /sostest-out/inside.sh
UNIT

agent() { # agent NAME UNIT USER: agents.d/NAME.yaml
    printf 'name: %s\nimage: localhost/%s:1\nbackend: systemd\nunit: %s\nuser: "%s"\n' "$1" "$1" "$2" "$3" > "$CFG/agents.d/$1.yaml"
}
UHOME=/home/sostest/.config/systemd/user
agent healthy "$UHOME/healthy.service" true
agent crashloop "$UHOME/crashloop.service" true
agent missing "$UHOME/missing.service" true
agent sysloop /etc/systemd/system/sysloop.service false
agent sysmasked sysmasked.service false
agent sysstale /etc/systemd/system/sysstale.service false
agent sysedited /etc/systemd/system/sysedited.service false
# An agent as the spec declares it, staged and preflighted by sostest.
cat > "$CFG/agents.d/web.yaml" <<'YAML'
name: web
image: localhost/web@sha256:0123
backend: systemd
env: [DOCKER_CONFIG=/home/sostest/.config/sourceos/docker]
logs: {app: /home/sostest/logs/web.log, stdout: /home/sostest/logs/web.out.log, stderr: /home/sostest/logs/web.err.log}
YAML

# What runs inside, as root, as sostest.service. It writes every result to
# /sostest-out and "done" last; the container powers off when it returns.
cat > "$OUT/inside.sh" <<INSIDE
AGENT="$builddir/sourceos-agent"
SOS="$builddir/sourceos"
PLUGINS="$builddir/plugins/.libs"
INSIDE
cat >> "$OUT/inside.sh" <<'INSIDE'
exec > /sostest-out/inside.log 2>&1
set -x
uid=4711
run_user() { runuser -u sostest -- env XDG_RUNTIME_DIR=/run/user/$uid "$@"; }
# wait_for SECONDS COMMAND...: until COMMAND succeeds, 0.1 s apart.
wait_for() {
    n=$(($1 * 10)); shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
failed() { [ "$("$@" -p ActiveState --value)" = failed ]; }

useradd -m -u $uid -s /bin/sh sostest || exit 1
loginctl enable-linger sostest || exit 1
wait_for 20 test -S /run/user/$uid/systemd/private || { echo "no user manager"; exit 1; }
u=/home/sostest/.config/systemd/user
mkdir -p $u
cat > $u/healthy.service <<'UNIT'
[Unit]
Description=a healthy agent
StartLimitIntervalSec=60
StartLimitBurst=3
[Service]
ExecStart=/bin/sleep infinity
Restart=on-failure
RestartSec=5
[Install]
WantedBy=default.target
UNIT
crashloop='[Unit]
Description=an agent that exits 3 at once
StartLimitIntervalSec=60
StartLimitBurst=3
[Service]
ExecStart=/bin/sh -c "exit 3"
Restart=on-failure
RestartSec=100ms'
printf '%s\n' "$crashloop" > $u/crashloop.service
chown -R sostest: /home/sostest/.config
run_user systemctl --user daemon-reload
run_user systemctl --user enable --now healthy.service
run_user systemctl --user start crashloop.service
wait_for 20 failed run_user systemctl --user show crashloop.service ||
    echo "crashloop never failed"

s=/etc/systemd/system
printf '%s\n' "$crashloop" > $s/sysloop.service
printf '[Service]\nExecStart=/bin/sleep infinity\n' > $s/sysstale.service
printf '[Service]\nExecStart=/bin/sleep infinity\n' > $s/sysedited.service
systemctl daemon-reload
systemctl mask sysmasked.service
systemctl start sysloop.service sysstale.service sysedited.service
wait_for 20 failed systemctl show sysloop.service || echo "sysloop never failed"
# A unit nobody declared, restarted 9 times before its start limit: only
# systemd.units (the runtime checks) looks at it.
printf '%s\n' "$crashloop" | sed 's/StartLimitBurst=3/StartLimitBurst=10/' > $s/undeclared.service
systemctl daemon-reload
systemctl start undeclared.service
wait_for 30 failed systemctl show undeclared.service || echo "undeclared never failed"
# No daemon-reload after these: one deleted, one changed while it runs.
rm $s/sysstale.service
printf 'Environment=CHANGED=1\n' >> $s/sysedited.service

# systemd's own answers, kept beside the reports to explain a failure.
run_user systemctl --user show healthy.service crashloop.service missing.service \
    > /sostest-out/user-show.txt
for a in sysloop sysmasked sysstale sysedited; do
    systemctl show $a.service > /sostest-out/$a-show.txt
done
# The one multi-unit `show -p` systemd.units asks (the fixture
# show-multi.txt of tests/cli/systemd-units.sh is such a capture).
systemctl show -p Id,Names,LoadState,ActiveState,SubState,Result,NRestarts,ExecMainCode,ExecMainStatus,UnitFileState,NeedDaemonReload,FragmentPath,Restart,StartLimitBurst \
    --no-pager -- undeclared.service sysloop.service sysedited.service nosuch.service \
    > /sostest-out/multi-show.txt
"$SOS" doctor local-runtime --json --plugin-dir "$PLUGINS" \
    --config-dir /sostest-out/cfg > /sostest-out/runtime.json 2> /sostest-out/runtime.err
echo $? > /sostest-out/runtime.rc

for a in healthy crashloop missing; do
    run_user "$AGENT" doctor $a --json --plugin-dir "$PLUGINS" \
        --config-dir /sostest-out/cfg > /sostest-out/$a.json 2> /sostest-out/$a.err
    echo $? > /sostest-out/$a.rc
done
for a in sysloop sysmasked sysstale sysedited; do
    "$AGENT" doctor $a --json --plugin-dir "$PLUGINS" \
        --config-dir /sostest-out/cfg > /sostest-out/$a.json 2> /sostest-out/$a.err
    echo $? > /sostest-out/$a.rc
done

# The generated unit in the real user manager: staged as sostest, verified
# by systemd-analyze inside this boot, then loaded from the manager's
# runtime unit directory (removed after; installing is not stage's job).
run_user env HOME=/home/sostest sh -c 'mkdir -p -m 700 ~/logs ~/.config/sourceos/docker ~/.config/containers &&
    printf "{\"auths\":{}}" > ~/.config/containers/sourceos-empty-auth.json &&
    chmod 600 ~/.config/containers/sourceos-empty-auth.json'
run_user env HOME=/home/sostest "$AGENT" stage web --json --plugin-dir "$PLUGINS" \
    --config-dir /sostest-out/cfg > /sostest-out/stage.json 2> /sostest-out/stage.err
echo $? > /sostest-out/stage.rc
gen=/home/sostest/.local/state/sourceos/agents/web/current
run_user systemd-analyze verify --user "$gen/sourceos-agent@web.service" \
    > /sostest-out/verify.out 2>&1
echo $? > /sostest-out/verify.rc
rt=/run/user/$uid/systemd/user
mkdir -p $rt && cp "$gen/sourceos-agent@web.service" $rt/ && chown -R sostest: /run/user/$uid/systemd
run_user systemctl --user daemon-reload
run_user systemctl --user show -p LoadState,FragmentPath,Restart,StartLimitBurst,TimeoutStartUSec \
    sourceos-agent@web.service > /sostest-out/web-show.txt
rm -f $rt/sourceos-agent@web.service
run_user systemctl --user daemon-reload
run_user env HOME=/home/sostest "$AGENT" preflight web --json --plugin-dir "$PLUGINS" \
    --config-dir /sostest-out/cfg > /sostest-out/preflight.json 2> /sostest-out/preflight.err
echo $? > /sostest-out/preflight.rc
# The lifecycle in the real user manager: refused by the preflight (the
# image is not in this podman's storage), then despite it; uninstall twice.
A="run_user env HOME=/home/sostest $AGENT"
$A activate web --plugin-dir "$PLUGINS" --config-dir /sostest-out/cfg \
    > /sostest-out/activate-refused.out 2>&1
echo $? > /sostest-out/activate-refused.rc
ls /home/sostest/.config/systemd/user/ > /sostest-out/after-refused.ls 2>&1
$A activate web --enable-despite-preflight --json --plugin-dir "$PLUGINS" \
    --config-dir /sostest-out/cfg > /sostest-out/activate.json 2> /sostest-out/activate.err
echo $? > /sostest-out/activate.rc
run_user systemctl --user show -p LoadState,UnitFileState,FragmentPath sourceos-agent@web.service \
    > /sostest-out/web-activated.txt
$A uninstall web --plugin-dir "$PLUGINS" --config-dir /sostest-out/cfg > /sostest-out/uninstall.out 2>&1
echo $? > /sostest-out/uninstall.rc
$A uninstall web --plugin-dir "$PLUGINS" --config-dir /sostest-out/cfg > /sostest-out/uninstall2.out 2>&1
echo $? > /sostest-out/uninstall2.rc
run_user systemctl --user list-unit-files --no-legend 'sourceos-agent@*' > /sostest-out/after-uninstall.txt 2>/dev/null
ls /home/sostest/.config/systemd/user/ > /sostest-out/after-uninstall.ls 2>&1
echo done > /sostest-out/done
INSIDE
chmod 644 "$OUT/inside.sh"

binds="$builddir"
[ "$srcdir" = "$builddir" ] || binds="$binds $srcdir"
# shellcheck disable=SC2086
unshare -m --propagation private sh "$srcdir/tests/nspawn-boot.sh" \
    "$TMP/etc" "$OUT" 150 $binds > "$TMP/boot.log" 2>&1
rc=$?
if [ "$rc" -eq 77 ]; then
    skip_all "this machine cannot boot systemd under systemd-nspawn: $(tail -1 "$TMP/boot.log")"
fi

is "$(cat "$OUT/done" 2>/dev/null)" done "systemd booted, ran the test and powered off (nspawn exit $rc)"
if [ ! -f "$OUT/done" ]; then
    sed 's/^/#   boot: /' "$TMP/boot.log" | tail -20
    sed 's/^/#   inside: /' "$OUT/inside.log" 2>/dev/null | tail -40
fi

report() { cat "$OUT/$1.json" 2>/dev/null; }
st() { report "$1" | jget "find('systemd.state')['status']"; }
codes() { report "$1" | jget "','.join(f['code'] for f in find('systemd.state')['findings'])"; }
ev() { # ev AGENT CODE KEY: evidence KEY of the systemd.state finding CODE
    report "$1" | jget "[f for f in find('systemd.state')['findings'] if f['code']=='$2'][0]['evidence'].get('$3')"
}
cmd() { report "$1" | jget "' '.join(find('systemd.state')['commands'][0]['argv'])"; }

# --- the user manager, as the user, through the shipped checks.d
is "$(st healthy)" ok "healthy user unit: systemd.state ok"
is "$(codes healthy)" systemd.unit-running "healthy: running"
is "$(ev healthy systemd.unit-running manager)" user "the user manager answered"
is "$(ev healthy systemd.unit-running sub_state)" running "SubState running"
is "$(ev healthy systemd.unit-running unit_file_state)" enabled "enabled by systemctl --user enable"
is "$(ev healthy systemd.unit-running fragment_path)" "$UHOME/healthy.service" "FragmentPath is the installed file"
like "$(cmd healthy)" "systemctl --user show healthy.service" "asked systemctl --user show, by unit name"
is "$(report healthy | jget "find('systemd.lint')['status']")" ok "the same unit lints clean"

is "$(st crashloop)" failure "crash-looping user unit: failure"
is "$(codes crashloop)" systemd.respawn-loop,systemd.unit-failed "respawn loop and failed"
is "$(ev crashloop systemd.unit-failed n_restarts)" \
    "$(awk -v RS= '/(^|\n)Id=crashloop.service\n/' "$OUT/user-show.txt" | sed -n 's/^NRestarts=//p')" \
    "NRestarts as systemd counted it"
is "$(ev crashloop systemd.unit-failed main_exit)" "exited with exit code 3" "the exit code 3 of the last run"
is "$(cat "$OUT/crashloop.rc")" 2 "doctor crashloop exits 2"

is "$(st missing)" failure "missing user unit: failure"
is "$(codes missing)" systemd.unit-not-found "not found"
is "$(ev missing systemd.unit-not-found load_state)" not-found "LoadState not-found"

# --- the system manager, as root
is "$(st sysloop)" failure "crash-looping system unit: failure"
is "$(codes sysloop)" systemd.respawn-loop,systemd.unit-failed "system respawn loop and failed"
is "$(ev sysloop systemd.unit-failed manager)" system "the system manager answered"
like "$(cmd sysloop)" "^systemctl show sysloop.service" "no --user for a system unit"

is "$(st sysmasked)" warning "masked system unit: warning"
is "$(codes sysmasked)" systemd.unit-masked-live "masked"

is "$(st sysstale)" warning "unit deleted while running: warning"
is "$(codes sysstale)" systemd.unit-running,systemd.unit-stale "running from memory, and stale"
is "$(ev sysstale systemd.unit-stale unit_file_state)" bad "systemd 252 calls the deleted file's state 'bad'"
is "$(ev sysstale systemd.unit-stale need_daemon_reload)" yes "and wants a daemon-reload"

is "$(st sysedited)" warning "unit changed while running: warning"
is "$(codes sysedited)" systemd.unit-running,systemd.unit-changed "running by the old definition"
like "$(report sysedited | jget "find('systemd.state')['findings'][1]['commands'][0]")" \
    "^systemctl daemon-reload && systemctl restart -- sysedited.service$" "says how to apply it"

# --- every unit the scan finds, declared or not (systemd.units, as root)
units() { report runtime | jget "$1"; }
ufnd() { # ufnd CODE UNIT KEY: evidence KEY of the systemd.units finding CODE about UNIT
    units "[f for f in find('systemd.units')['findings'] if f['code']=='$1' and f['evidence'].get('unit')=='$2'][0]['evidence'].get('$3')"
}
is "$(units "find('systemd.units')['status']")" failure "systemd.units: failure (undeclared units fail)"
is "$(ufnd systemd.unit-failed undeclared.service manager)" system "the undeclared failing unit is reported, by the system manager"
is "$(ufnd systemd.unit-failed undeclared.service main_exit)" "exited with exit code 3" "with how it last ended"
is "$(ufnd systemd.unit-failed undeclared.service n_restarts)" \
    "$(awk -v RS= '/(^|\n)Id=undeclared.service\n/' "$OUT/multi-show.txt" | sed -n 's/^NRestarts=//p')" \
    "and NRestarts as systemd counted it"
is "$(ufnd systemd.respawn-loop undeclared.service result)" exit-code "9 restarts with a failing result: a respawn loop"
is "$(ufnd systemd.unit-failed sysloop.service active_state)" failed "a declared unit is in the host-wide view too"
is "$(ufnd systemd.unit-changed sysedited.service need_daemon_reload)" yes "a unit changed since loaded"
is "$(units "sum(1 for c in find('systemd.units')['commands'] if 'show' in c['argv'] and '--user' not in c['argv'])")" 1 \
    "one systemctl show for all the system units"
like "$(units "' '.join(find('systemd.units')['commands'][0]['argv'])")" "show -p Id,Names,LoadState,.* -- .*undeclared.service" \
    "asked by name, every unit in one call"

# --- the generated unit in a real systemd, and the preflight's systemd steps
is "$(cat "$OUT/stage.rc")" 0 "stage web as sostest: exit 0 (every lint passed)"
is "$(cat "$OUT/verify.rc")" 0 "systemd-analyze verify --user of the generated unit, inside the boot"
is "$(sed -n 's/^LoadState=//p' "$OUT/web-show.txt")" loaded "the user manager loads the generated unit"
is "$(sed -n 's/^Restart=//p' "$OUT/web-show.txt")" on-failure "as Restart=on-failure"
is "$(sed -n 's/^StartLimitBurst=//p' "$OUT/web-show.txt")" 3 "with StartLimitBurst from maxRestartsPerHour"
pf() { report preflight | jget "$1"; }
pstate() { pf "[s['state'] for s in d['preflight']['steps'] if s['check'] == '$1'][0]"; }
like "$(pstate preflight.backend)" "^the systemd user manager answers \(systemd [0-9]" "preflight: the real user manager answers"
like "$(pstate preflight.label-enabled-systemd)" "sourceos-agent@web.service is not masked" "preflight: the unit is not masked (systemctl --user is-enabled)"
like "$(pstate preflight.definition)" "passes systemd-analyze verify, systemd.lint \(generation 1\)" "preflight: the current generation's lints"
is "$(pf "d['preflight']['persistence']")" "staged but not enabled (generation 1)" "preflight: staged but not enabled"

# --- the lifecycle against the real user manager
is "$(cat "$OUT/activate-refused.rc")" 2 "activate with a failed preflight (no image): exit 2"
is "$(grep -c sourceos-agent "$OUT/after-refused.ls")" 0 "and no unit file installed"
is "$(cat "$OUT/activate.rc")" 0 "activate --enable-despite-preflight: exit 0"
is "$(report activate | jget "d['lifecycle']['outcome']")" done "outcome done"
is "$(sed -n 's/^LoadState=//p' "$OUT/web-activated.txt")" loaded "systemd has the unit loaded"
is "$(sed -n 's/^UnitFileState=//p' "$OUT/web-activated.txt")" enabled "and enabled"
is "$(sed -n 's/^FragmentPath=//p' "$OUT/web-activated.txt")" "$UHOME/sourceos-agent@web.service" "from the installed file"
is "$(cat "$OUT/uninstall.rc")|$(cat "$OUT/uninstall2.rc")" "0|0" "uninstall, twice: exit 0 both times"
is "$(grep -c 'sourceos-agent@' "$OUT/after-uninstall.txt")" 0 "list-unit-files knows no sourceos-agent@ unit"
is "$(grep -c sourceos-agent "$OUT/after-uninstall.ls")" 0 "no unit file left"

# Nothing of the container is left behind on this machine.
is "$(grep -c ' /run/systemd/nspawn ' /proc/self/mountinfo)" 0 "no nspawn mount left on the host"
is "$(grep -c 'sostest-cgroup' /proc/self/mountinfo)" 0 "no private cgroup tree left on the host"
done_testing
