#!/bin/sh
# quarantine and release against a real, booted systemd 252 and real
# rootless podman (this machine's systemd under systemd-nspawn, as
# tests/cli/lifecycle-nspawn.sh boots it): a lingering user's agent is
# activated to running, then `quarantine userweb` as that user captures it
# (the bundle has `systemctl --user show` and the journal tail) and stops,
# disables and moves aside its unit, the container gone; `release` brings
# it back to running. The bundle replayed here, outside the container (another
# machine, another user, no stand-in), names the findings of its report.json.
. "$SOS_SRCDIR/tests/lib.sh"
. "$SOS_SRCDIR/tests/nspawn-podman.sh"

nspawn_podman_require
reason=$(nspawn_rootless_unavailable)
[ -z "$reason" ] || skip_all "the user agent needs rootless podman: $reason"
command -v zstd >/dev/null 2>&1 || skip_all "zstd is not installed"

builddir=$(cd "$SOS_BUILDDIR" && pwd -P)
srcdir=$(cd "$SOS_SRCDIR" && pwd -P)
NP="$TMP/np"
OUT="$NP/out"
nspawn_podman_prepare "$NP" || { echo "Bail out! cannot prepare the container's /etc"; exit 1; }
CFG="$OUT/cfg"
mkdir -p "$CFG/checks.d" "$CFG/agents.d"
chmod 755 "$TMP" "$CFG" "$CFG/checks.d" "$CFG/agents.d"
cp "$srcdir/checks.d/"*.yaml "$CFG/checks.d/"
chmod 644 "$CFG/checks.d/"*

cat > "$OUT/inside.sh" <<INSIDE
SOS="$builddir/sourceos"
AGENT="$builddir/sourceos-agent"
PLUGINS="$builddir/plugins/.libs"
INSIDE
cat >> "$OUT/inside.sh" <<'INSIDE'
exec > /sostest-out/inside.log 2>&1
set -x
O=/sostest-out
uid=4711
run_user() { runuser -u sostest -- env XDG_RUNTIME_DIR=/run/user/$uid HOME=/home/sostest "$@"; }
UA() { run_user "$AGENT" "$@" --plugin-dir "$PLUGINS" --config-dir $O/cfg; }
wait_for() {
    n=$(($1 * 10)); shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
rc() { n=$1; shift; "$@"; echo $? > $O/$n.rc; }
C=sourceos-userweb U=sourceos-agent@userweb.service
running() { run_user podman ps --format '{{.Names}}' | grep -qx "$C"; }
gone() { ! running; }
ushow() { run_user systemctl --user show -p ActiveState,UnitFileState,FragmentPath $U; }
useradd -m -u $uid -s /bin/sh sostest || exit 1
loginctl enable-linger sostest || exit 1
wait_for 20 test -S /run/user/$uid/systemd/private || { echo "no user manager"; exit 1; }
run_user sh -c 'mkdir -p -m 700 ~/.config/containers ~/.local/state/sourceos/logs &&
    printf "{\"auths\":{}}" > ~/.config/containers/sourceos-empty-auth.json &&
    chmod 600 ~/.config/containers/sourceos-empty-auth.json'
run_user podman import -q $O/busybox.tar localhost/sostest/busybox:1 > /dev/null || exit 1
IMG=localhost/sostest/busybox:1@$(run_user podman image inspect --format '{{.Digest}}' localhost/sostest/busybox:1)
cat > $O/cfg/agents.d/userweb.yaml <<YAML
name: userweb
image: $IMG
backend: systemd
scope: user
# started again and again by the steps below: more than the default 3 an hour
lifecycle: {maxRestartsPerHour: 10}
args: [sh, -c, "trap \"exit 0\" TERM; sleep 3600 & wait"]
YAML
chmod 644 $O/cfg/agents.d/userweb.yaml
rc activate UA activate userweb > $O/activate.out 2>&1
wait_for 20 running; echo $? > $O/running-before.rc
cp /home/sostest/.config/systemd/user/$U $O/unit.orig

rc quarantine UA quarantine userweb --output /home/sostest/qout --json > $O/quarantine.json 2> $O/quarantine.err
ushow > $O/show-quarantined.txt
wait_for 20 gone; echo $? > $O/gone.rc
ls /home/sostest/.config/systemd/user/ > $O/unit-dir.txt 2>&1
cp /home/sostest/qout/*.tar.zst $O/bundle.tar.zst
rc inspect "$SOS" evidence inspect $O/bundle.tar.zst > $O/inspect.out 2>&1
rc again UA quarantine userweb --output /home/sostest/qout > $O/again.out 2>&1

rc release UA release userweb > $O/release.out 2>&1
wait_for 20 running; echo $? > $O/running-after.rc
ushow > $O/show-released.txt
cmp /home/sostest/.config/systemd/user/$U $O/unit.orig; echo $? > $O/unit-same.rc
# --mask: masked too (the unit aside, /dev/null in its place); release unmasks
rc qmask UA quarantine userweb --mask --output /home/sostest/qout > $O/qmask.out 2>&1
run_user systemctl --user show -p LoadState,UnitFileState $U > $O/show-masked.txt
readlink /home/sostest/.config/systemd/user/$U > $O/masked-link.txt
ls -la /home/sostest/.config/systemd/user/ > $O/masked-dir.txt 2>&1
wait_for 20 gone; echo $? > $O/gone-masked.rc
rc unmask UA release userweb > $O/unmask.out 2>&1
wait_for 20 running; echo $? > $O/running-unmasked.rc
run_user systemctl --user show -p LoadState,UnitFileState,ActiveState $U > $O/show-unmasked.txt
cmp /home/sostest/.config/systemd/user/$U $O/unit.orig; echo $? > $O/unit-same2.rc
# killed (SIGKILL) while containing, then repair: the interrupted
# quarantine's transaction rolled back, the agent back as it was
run_user env SOURCEOS_TEST_KILL_AFTER=remove-unit "$AGENT" quarantine userweb --output /home/sostest/qout \
    --plugin-dir "$PLUGINS" --config-dir $O/cfg > $O/qkill.out 2>&1; echo $? > $O/qkill.rc
ls /home/sostest/.config/systemd/user/ > $O/killed-dir.txt 2>&1
rc repairq UA repair userweb > $O/repairq.out 2>&1
wait_for 20 running; echo $? > $O/running-repaired.rc
run_user systemctl --user show -p ActiveState,UnitFileState $U > $O/show-repaired.txt
ls /home/sostest/.config/systemd/user/ > $O/repaired-dir.txt 2>&1
ls -A /home/sostest/.local/state/sourceos/quarantined/ > $O/records-repaired.txt 2>&1
cmp /home/sostest/.config/systemd/user/$U $O/unit.orig; echo $? > $O/unit-same3.rc
# a container nobody declared or runs a unit for, named by --container
run_user podman run -d --name loose "$IMG" sh -c 'trap "exit 0" TERM; sleep 3600 & wait' > /dev/null
rc qloose UA quarantine --container loose --output /home/sostest/qloose --json > $O/qloose.json 2> $O/qloose.err
run_user podman inspect loose --format '{{.State.Status}}' > $O/loose-quarantined.txt 2>/dev/null
cp /home/sostest/qloose/*.tar.zst $O/loose.tar.zst
rc rloose UA release loose > $O/rloose.out 2>&1
run_user podman inspect loose --format '{{.State.Status}}' > $O/loose-released.txt 2>/dev/null
run_user podman rm -f -t 0 loose > /dev/null 2>&1
rc uninstall UA uninstall userweb > $O/uninstall.out 2>&1
run_user podman ps -a --format '{{.Names}}' > $O/ps-final.txt
rmdir /sys/fs/cgroup/libpod_parent 2>/dev/null
echo done > $O/done
INSIDE
chmod 644 "$OUT/inside.sh"

binds="$builddir"
[ "$srcdir" = "$builddir" ] || binds="$binds $srcdir"
# shellcheck disable=SC2086
nspawn_podman_boot "$NP" 150 $binds > "$TMP/boot.log" 2>&1
rc=$?
if [ "$rc" -eq 77 ]; then
    skip_all "this machine cannot boot systemd under systemd-nspawn: $(tail -1 "$TMP/boot.log")"
fi
is "$(cat "$OUT/done" 2>/dev/null)" done "systemd booted, ran the test and powered off (nspawn exit $rc)"
if [ ! -f "$OUT/done" ]; then
    sed 's/^/#   boot: /' "$TMP/boot.log" | tail -20
    sed 's/^/#   inside: /' "$OUT/inside.log" 2>/dev/null | tail -40
fi
f() { cat "$OUT/$1" 2>/dev/null; }
r() { f "$1.rc"; }
show() { sed -n "s/^$2=//p" "$OUT/$1" 2>/dev/null; }

is "$(r activate)|$(r running-before)" "0|0" "the user agent is activated and its container runs"
is "$(r quarantine)" 0 "quarantine userweb: exit 0"
[ "$(r quarantine)" = 0 ] || sed 's/^/#   /' "$OUT/quarantine.err"
like "$(show show-quarantined.txt ActiveState)" "^(inactive|failed)$" "stopped (systemctl --user show: inactive, or failed when podman exited on the signal)"
unlike "$(show show-quarantined.txt UnitFileState)" '^enabled' "not enabled"
is "$(r gone)" 0 "its container does not run"
like "$(f unit-dir.txt)" "sourceos-agent@userweb.service.disabled" "the unit moved aside as UNIT.disabled"
unlike "$(f unit-dir.txt)" "sourceos-agent@userweb.service\$" "and not in its place"
is "$(f quarantine.json | jget '[c["ok"] for a in d["actions"] if a["step"]=="verify" for c in a["checks"]]')" \
   '[true, true, true, true]' "verified: not running, not enabled, moved aside, container down"
is "$(r inspect)" 0 "evidence inspect verifies the bundle"
X="$TMP/x"; mkdir "$X"; zstd -dcq "$OUT/bundle.tar.zst" | tar -xf - -C "$X"
cmds=$(for c in "$X"/commands/*.json; do jget '" ".join(d["argv"])' < "$c"; done)
like "$cmds" '^systemctl --user show sourceos-agent@userweb.service' "the bundle has systemctl --user show"
like "$cmds" '^journalctl --user' "and the journal tail"
[ -f "$X/root/home/sostest/.config/systemd/user/sourceos-agent@userweb.service" ]; ok $? "and the unit as found"
[ -f "$X/config/agents.d/userweb.yaml" ]; ok $? "and the declaration the doctor ran with"
findings() { # each check's findings, comparable across runs
    jget '[(c["id"], c["status"], [(f["code"], f["severity"], f.get("path")) for f in c["findings"]]) for c in d["checks"]]'
}
mkdir -p "$TMP/analyst"
HOME="$TMP/analyst" PATH=/usr/bin:/bin "$SOS" doctor local-runtime --json --from-bundle "$OUT/bundle.tar.zst" \
    --plugin-dir "$BUILD_PLUGINS" --config-dir "$SOS_SRCDIR" > "$TMP/replay.json" 2> "$TMP/replay.err"; rc=$?
is "$rc" "$(jget 'd["exit_code"]' < "$X/report.json")" "replayed on this machine: exits as the capture's doctor did"
is "$(findings < "$TMP/replay.json")" "$(findings < "$X/report.json")" "the replayed findings are report.json's, check by check"
like "$(findings < "$TMP/replay.json")" "podman.container-running" "the agent's own checks among them (its declaration from the bundle)"
is "$(jget '[c["id"] for c in d["checks"] if c.get("reason","").startswith("not captured")]' < "$TMP/replay.json")" "[]" \
    "no check went without its commands"
# and by an analyst who is not root (nobody): the extraction cannot give
# the files their owners (root's units, the user's auth file), the owners
# the capture recorded are what the checks judge
other_user_build
mkdir -p "$TMP/nobody" && chown 65534:65534 "$TMP/nobody"
cp "$OUT/bundle.tar.zst" "$TMP/nobody/bundle.tar.zst" && chmod 644 "$TMP/nobody/bundle.tar.zst"
HOME="$TMP/nobody" TMPDIR="$TMP/nobody" PATH=/usr/bin:/bin setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$OTHER_SOS" doctor local-runtime --json --from-bundle "$TMP/nobody/bundle.tar.zst" \
    --plugin-dir "$OTHER_PLUGINS" --config-dir "$OTHER_CONFIG" > "$TMP/replay-nobody.json" 2> "$TMP/replay-nobody.err"; rc=$?
is "$rc" "$(jget 'd["exit_code"]' < "$X/report.json")" "replayed by nobody: the same exit"
is "$(findings < "$TMP/replay-nobody.json")" "$(findings < "$X/report.json")" "and the same findings, owners judged as captured"
is "$(r again)" 2 "quarantined already: exit 2"
is "$(r release)" 0 "release userweb: exit 0"
[ "$(r release)" = 0 ] || sed 's/^/#   /' "$OUT/release.out"
is "$(r running-after)" 0 "its container runs again"
is "$(show show-released.txt ActiveState)|$(show show-released.txt UnitFileState)" "active|enabled" "active and enabled again"
is "$(r unit-same)" 0 "the unit is back byte for byte"
is "$(r qmask)" 0 "quarantine userweb --mask: exit 0"
[ "$(r qmask)" = 0 ] || sed 's/^/#   /' "$OUT/qmask.out"
is "$(show show-masked.txt LoadState)|$(show show-masked.txt UnitFileState)" "masked|masked" "masked (systemctl --user show)"
is "$(f masked-link.txt)" /dev/null "the unit's place is a link to /dev/null"
is "$(r gone-masked)" 0 "its container does not run"
is "$(r unmask)" 0 "release after --mask: exit 0"
[ "$(r unmask)" = 0 ] || sed 's/^/#   /' "$OUT/unmask.out"
is "$(r running-unmasked)" 0 "its container runs again"
is "$(show show-unmasked.txt LoadState)|$(show show-unmasked.txt UnitFileState)|$(show show-unmasked.txt ActiveState)" \
    "loaded|enabled|active" "unmasked, enabled and active again"
is "$(r unit-same2)" 0 "the unit is back byte for byte"
is "$(r qkill)" 137 "quarantine killed right after remove-unit"
like "$(f killed-dir.txt)" "sourceos-agent@userweb.service.disabled" "it had moved the unit aside"
is "$(r repairq)" 0 "repair userweb: exit 0"
[ "$(r repairq)" = 0 ] || sed 's/^/#   /' "$OUT/repairq.out"
like "$(f repairq.out)" "an interrupted quarantine was rolled back first" "said"
is "$(r running-repaired)" 0 "its container runs again"
is "$(show show-repaired.txt ActiveState)|$(show show-repaired.txt UnitFileState)" "active|enabled" "active and enabled"
unlike "$(f repaired-dir.txt)" "\\.disabled" "nothing left aside"
is "$(f records-repaired.txt)" "" "no quarantine record left"
is "$(r unit-same3)" 0 "the unit byte for byte as before"
is "$(r qloose)" 0 "quarantine --container loose (no unit, no declaration): exit 0"
[ "$(r qloose)" = 0 ] || sed 's/^/#   /' "$OUT/qloose.err"
is "$(f qloose.json | jget 'd["target"]["kind"]')" container "the target is the container"
is "$(f loose-quarantined.txt)" exited "the container is stopped"
is "$(f qloose.json | jget '[c["ok"] for a in d["actions"] if a["step"]=="verify" for c in a["checks"]]')" \
   '[true]' "verified: the container down"
XL="$TMP/xl"; mkdir "$XL"; zstd -dcq "$OUT/loose.tar.zst" | tar -xf - -C "$XL"
lcmds=$(for c in "$XL"/commands/*.json; do jget '" ".join(d["argv"])' < "$c"; done)
like "$lcmds" '^podman container inspect loose' "its bundle has podman container inspect"
like "$lcmds" '^podman image inspect ' "and the image's"
"$SOS_BUILDDIR/sourceos" evidence inspect "$OUT/loose.tar.zst" > /dev/null 2>&1; is "$?" 0 "evidence inspect verifies it"
is "$(r rloose)" 0 "release loose: exit 0"
is "$(f loose-released.txt)" running "the container runs again"
is "$(r uninstall)" 0 "uninstall after: exit 0"
is "$(f ps-final.txt)" "" "no container left"
is "$(grep -c ' /run/systemd/nspawn ' /proc/self/mountinfo)" 0 "no nspawn mount left on the host"
is "$(pgrep -f -- "$NP/" | wc -l)" 0 "no process of the container left on the host"
done_testing
