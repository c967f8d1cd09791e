#!/bin/sh
# The lifecycle against a real, booted systemd 252 and real podman: this
# machine's systemd under systemd-nspawn, podman inside it
# (tests/nspawn-podman.sh says what that takes). In one boot:
#   1. root, the system manager: a system agent (account root, so rootful
#      podman) whose local busybox image, pinned by digest, runs a long
#      sleep. root's docker config has a gcloud credential helper that
#      fails; the agent is isolated by its empty auth file. preflight
#      passes, activate ends running, then stop, start, restart, and
#      uninstall twice;
#   4. (started here, judged last) an agent whose container exits 1 at once:
#      systemd's start limit stops it;
#   3. the runtime not ready (the agent's image removed): activate stages
#      only, exit 2, nothing installed or enabled;
#   2. a lingering user, the user manager: a user agent, rootless podman,
#      activate to running, uninstall twice;
#   5. a user crash loop while the user manager reloads every 2 s: the
#      wrapper's own budget stops it.
#
# The agents declare no env: the preflight's host-auth step judges the
# environment the wrapper gives podman (its private DOCKER_CONFIG in the
# state directory), not the declaration's env, which goes to the container.
. "$SOS_SRCDIR/tests/lib.sh"
. "$SOS_SRCDIR/tests/nspawn-podman.sh"

nspawn_podman_require
rootless_off=$(nspawn_rootless_unavailable)

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
# The Google credential helper of a developer machine, failing as it does
# without a login, on PATH in the container (/usr/local/sbin: first in
# systemd's PATH and root's; empty on Debian). It notes every call.
cat > "$OUT/sbin/docker-credential-gcloud" <<'EOF'
#!/bin/sh
echo "$*" >> /run/sostest-gcloud-called
echo "ERROR: (gcloud.auth.docker-helper) You do not currently have an active account selected." >&2
exit 1
EOF
chmod 755 "$OUT/sbin/docker-credential-gcloud"
# The image of 3, of other content than the agents' (another digest).
mkdir -p "$NP/rootfs-gone"
cp -a "$NP/rootfs/." "$NP/rootfs-gone/" && echo gone > "$NP/rootfs-gone/gone"
tar -C "$NP/rootfs-gone" -cf "$OUT/gone.tar" . && chmod 644 "$OUT/gone.tar"

cat > "$OUT/inside.sh" <<INSIDE
AGENT="$builddir/sourceos-agent"
PLUGINS="$builddir/plugins/.libs"
ROOTLESS=$([ -z "$rootless_off" ] && echo 1 || echo 0)
INSIDE
cat >> "$OUT/inside.sh" <<'INSIDE'
exec > /sostest-out/inside.log 2>&1
set -x
O=/sostest-out
D=$O/cfg/agents.d
uid=4711
export HOME=/root
A() { "$AGENT" "$@" --plugin-dir "$PLUGINS" --config-dir $O/cfg; }
run_user() { runuser -u sostest -- env XDG_RUNTIME_DIR=/run/user/$uid HOME=/home/sostest "$@"; }
UA() { run_user "$AGENT" "$@" --plugin-dir "$PLUGINS" --config-dir $O/cfg; }
# wait_for SECONDS COMMAND...: until COMMAND succeeds, 0.1 s apart.
wait_for() {
    n=$(($1 * 10)); shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
is_state() { [ "$(systemctl show -p ActiveState --value "$1")" = "$2" ]; }
# rc NAME COMMAND...: COMMAND's exit status into $O/NAME.rc
rc() { n=$1; shift; "$@"; echo $? > $O/$n.rc; }
running() { "$@" ps --format '{{.Names}}' | grep -qx "$C"; }
absent() { ! "$@" ps -a --format '{{.Names}}' | grep -qx "$C"; }
# What the unit's main process (the wrapper exec'd into `podman run`) had.
podman_env() {
    tr '\0' '\n' < /proc/"$1"/environ | grep -E '^(REGISTRY_AUTH_FILE|DOCKER_CONFIG)=' | sort
}
# The agents' command: a long sleep that ends at once on SIGTERM (PID 1 of
# the container has no default action for it).
LONG='[sh, -c, "trap \"exit 0\" TERM; sleep 3600 & wait"]'
# declare NAME IMAGE STATE_DIR [LINE...]: a systemd agent of scope system
# (account root) unless a LINE says scope: user.
declare() {
    n=$1 img=$2 st=$3; shift 3
    { printf 'name: %s\nimage: %s\nbackend: systemd\n' "$n" "$img"
      for l in "$@"; do printf '%s\n' "$l"; done
    } > $D/$n.yaml
    grep -q '^scope:' $D/$n.yaml || printf 'scope: system\naccount: root\n' >> $D/$n.yaml
    grep -q '^args:' $D/$n.yaml || printf 'args: %s\n' "$LONG" >> $D/$n.yaml
    chmod 644 $D/$n.yaml
}

podman import -q $O/busybox.tar localhost/sostest/busybox:1 > $O/image-id.txt || exit 1
IMG=localhost/sostest/busybox:1@$(podman image inspect --format '{{.Digest}}' localhost/sostest/busybox:1)
podman import -q $O/gone.tar localhost/sostest/gone:1 || exit 1
GONE=localhost/sostest/gone:1@$(podman image inspect --format '{{.Digest}}' localhost/sostest/gone:1)
S=/var/lib/sourceos/agents
declare sysweb "$IMG" $S/sysweb
declare notready "$GONE" $S/notready
# Each start of its container appends a line to /var/lib/sostest-crash/starts.
declare crashloop "$IMG" $S/crashloop 'lifecycle: {maxRestartsPerHour: 2}' \
    'mounts: [{host: /var/lib/sostest-crash, container: /crash, mode: rw}]' \
    'args: [sh, -c, "echo started >> /crash/starts; exit 1"]'
mkdir -p /var/log/sourceos /var/lib/sostest-crash /root/.config/containers /root/.docker
printf '{"auths":{}}' > /root/.config/containers/sourceos-empty-auth.json
chmod 600 /root/.config/containers/sourceos-empty-auth.json
printf '{"credHelpers":{"gcr.io":"gcloud"}}\n' > /root/.docker/config.json
command -v docker-credential-gcloud > $O/gcloud-path.txt
docker-credential-gcloud get < /dev/null > /dev/null 2>&1; echo $? > $O/gcloud.rc
rm -f /run/sostest-gcloud-called

# 1. The system agent.
U=sourceos-agent@sysweb.service C=sourceos-sysweb
rc sys-preflight A preflight sysweb --json > $O/sys-preflight.json 2> $O/sys-preflight.err
rc sys-activate A activate sysweb --json > $O/sys-activate.json 2> $O/sys-activate.err
systemctl show -p ActiveState,SubState,UnitFileState,FragmentPath $U > $O/sys-show.txt
wait_for 20 running podman; echo $? > $O/sys-running.rc
podman inspect $C --format '{{.State.Status}} {{.Image}}' > $O/sys-inspect.txt
podman inspect $C --format '{{json .Config.CreateCommand}}' > $O/sys-create.json
pid=$(systemctl show -p MainPID --value $U)
podman_env "$pid" > $O/sys-env.txt
ls -A $S/sysweb/docker-config > $O/sys-docker-config.ls 2>&1
ls /run/sostest-gcloud-called > $O/gcloud-called.txt 2>&1
rc sys-stop A stop sysweb --json > $O/sys-stop.json 2> $O/sys-stop.err
systemctl show -p ActiveState --value $U > $O/sys-stopped.txt
wait_for 20 absent podman; echo $? > $O/sys-stopped-gone.rc
rc sys-start A start sysweb > $O/sys-start.out 2>&1
wait_for 20 running podman; echo $? > $O/sys-started.rc
systemctl show -p ActiveState --value $U > $O/sys-started.txt
pid1=$(systemctl show -p MainPID --value $U)
rc sys-restart A restart sysweb > $O/sys-restart.out 2>&1
wait_for 20 running podman; echo $? > $O/sys-restarted.rc
pid2=$(systemctl show -p MainPID --value $U)
[ "$pid1" != "$pid2" ] && [ "$pid2" != 0 ]; echo $? > $O/sys-new-pid.rc
systemctl show -p ActiveState --value $U > $O/sys-restarted.txt
rc sys-uninstall A uninstall sysweb --json > $O/sys-uninstall.json 2> $O/sys-uninstall.err
rc sys-uninstall2 A uninstall sysweb > $O/sys-uninstall2.out 2>&1
systemctl show -p LoadState,ActiveState --value $U > $O/sys-after.txt
systemctl list-unit-files --no-legend 'sourceos-agent@*' > $O/sys-unit-files.txt 2>&1
find /etc/systemd/system /run/systemd/system -name 'sourceos-agent@sysweb*' > $O/sys-unit-dir.txt
ls -A $S/sysweb > $O/sys-state-dir.txt 2>&1
podman ps -a --format '{{.Names}}' > $O/sys-ps-after.txt
podman ps -a --format '{{.Names}} {{.Status}}' > $O/sys-ps-after-status.txt
journalctl -u $U --no-pager > $O/sys-journal.txt 2>&1

# 4. The crash loop, started now: no daemon-reload of the system manager
# follows until it is judged (a reload forgets the start count).
rc crash-activate A activate crashloop --json > $O/crash-activate.json 2> $O/crash-activate.err

# 3. The runtime not ready: the agent's image removed.
podman rmi localhost/sostest/gone:1 > /dev/null
podman image exists "$GONE"; echo $? > $O/gone-exists.rc
rc notready-activate A activate notready > $O/notready.out 2>&1
systemctl show -p LoadState,UnitFileState,ActiveState sourceos-agent@notready.service > $O/notready-show.txt
systemctl list-unit-files --no-legend 'sourceos-agent@notready*' > $O/notready-unit-files.txt 2>&1
find /etc/systemd/system /run/systemd/system -name 'sourceos-agent@notready*' > $O/notready-unit-dir.txt
readlink $S/notready/current > $O/notready-current.txt
ls -A $S/notready > $O/notready-state.txt 2>&1
podman ps -a --format '{{.Names}}' > $O/notready-ps.txt

# 2. The user agent, as a lingering user: rootless podman.
if [ "$ROOTLESS" = 1 ]; then
U=sourceos-agent@userweb.service C=sourceos-userweb
useradd -m -u $uid -s /bin/sh sostest || exit 1
grep -c '^sostest:' /etc/subuid /etc/subgid > $O/subids.txt
loginctl enable-linger sostest || exit 1
wait_for 20 test -S /run/user/$uid/systemd/private || { echo "no user manager"; exit 1; }
run_user sh -c 'mkdir -p -m 700 ~/.config/containers ~/.local/state/sourceos/logs &&
    printf "{\"auths\":{}}" > ~/.config/containers/sourceos-empty-auth.json &&
    chmod 600 ~/.config/containers/sourceos-empty-auth.json &&
    mkdir ~/.docker && printf "{\"credHelpers\":{\"gcr.io\":\"gcloud\"}}\n" > ~/.docker/config.json'
rc user-import run_user podman import -q $O/busybox.tar localhost/sostest/busybox:1 > $O/user-import.out 2>&1
UIMG=localhost/sostest/busybox:1@$(run_user podman image inspect --format '{{.Digest}}' localhost/sostest/busybox:1)
declare userweb "$UIMG" /home/sostest/.local/state/sourceos/agents/userweb 'scope: user'
rc user-preflight UA preflight userweb --json > $O/user-preflight.json 2> $O/user-preflight.err
rc user-activate UA activate userweb --json > $O/user-activate.json 2> $O/user-activate.err
run_user systemctl --user show -p ActiveState,SubState,UnitFileState,FragmentPath $U > $O/user-show.txt
wait_for 20 running run_user podman; echo $? > $O/user-running.rc
run_user podman inspect $C --format '{{.State.Status}} {{.Image}}' > $O/user-inspect.txt 2>> $O/user-errors.txt
run_user podman image inspect --format '{{.Id}}' localhost/sostest/busybox:1 > $O/user-image-id.txt
podman_env "$(run_user systemctl --user show -p MainPID --value $U)" > $O/user-env.txt
journalctl _UID=$uid --no-pager -n 30 > $O/user-journal.txt 2>&1
# 5. A user crash loop while the user manager reloads every 2 s (as any
# unit's install does): each reload forgets systemd's start count, so the
# wrapper's own budget (maxRestartsPerHour 2, in the state directory) is
# what stops it: its third start records tripped and exits 0. The reloads
# also make systemd 252's NRestarts unreliable: one that lands while the
# restart job is queued (the unit still auto-restart) re-arms the restart
# timer on coldplug, and the restart is counted twice ("restart counter is
# at 2", "Reloading.", "restart counter is at 3", one start). What is judged
# is the wrapper's own record: its runs, in the state directory and its log.
UC=/home/sostest/.local/state/sourceos/agents/usercrash
run_user mkdir -p /home/sostest/crash
declare usercrash "$UIMG" $UC 'scope: user' 'lifecycle: {maxRestartsPerHour: 2}' \
    'mounts: [{host: /home/sostest/crash, container: /crash, mode: rw}]' \
    'args: [sh, -c, "echo started >> /crash/starts; exit 1"]'
rc usercrash-activate UA activate usercrash > $O/usercrash-activate.out 2>&1
( n=0; while [ $n -lt 25 ] && [ ! -e $UC/tripped ]; do
      sleep 2; run_user systemctl --user daemon-reload; n=$((n + 1)); done ) &
reloader=$!
rc user-uninstall UA uninstall userweb > $O/user-uninstall.out 2>&1
rc user-uninstall2 UA uninstall userweb > $O/user-uninstall2.out 2>&1
run_user systemctl --user list-unit-files --no-legend 'sourceos-agent@*' > $O/user-unit-files.txt 2>> $O/user-errors.txt
find /home/sostest/.config/systemd/user /run/user/$uid/systemd -name 'sourceos-agent@userweb*' > $O/user-unit-dir.txt 2>&1
ls -A /home/sostest/.local/state/sourceos/agents/userweb > $O/user-state-dir.txt 2>&1
run_user podman ps -a --format '{{.Names}}' > $O/user-ps-after.txt 2>> $O/user-errors.txt
fi

# 4. The crash loop, judged: RestartSec=10, so its second start was 10 s
# after the first and the limit refuses the third 10 s later.
U=sourceos-agent@crashloop.service
wait_for 40 is_state $U failed
systemctl show -p ActiveState,Result,NRestarts,StartLimitBurst,StartLimitIntervalUSec $U > $O/crash-show.txt
cp /var/lib/sostest-crash/starts $O/crash-starts.txt
journalctl -u $U --no-pager > $O/crash-journal.txt 2>&1
rc crash-uninstall A uninstall crashloop > $O/crash-uninstall.out 2>&1

# 5. The user crash loop, judged once the wrapper tripped.
if [ "$ROOTLESS" = 1 ]; then
wait_for 60 test -e $UC/tripped
wait $reloader
settled() { case $(run_user systemctl --user show -p ActiveState --value "$1") in inactive | failed) return 0 ;; esac; return 1; }
wait_for 30 settled sourceos-agent@usercrash.service
run_user systemctl --user show -p ActiveState,Result,NRestarts sourceos-agent@usercrash.service > $O/usercrash-show.txt
cp /home/sostest/crash/starts $O/usercrash-starts.txt 2>/dev/null
cat $UC/tripped > $O/usercrash-tripped.txt 2>&1
cat $UC/restarts > $O/usercrash-restarts.txt 2>&1
cat /home/sostest/.local/state/sourceos/logs/usercrash.log > $O/usercrash-wrapper.log 2>&1
journalctl _UID=$uid --no-pager -n 40 > $O/usercrash-journal.txt 2>&1
rc usercrash-uninstall UA uninstall usercrash > $O/usercrash-uninstall.out 2>&1
fi

cp /var/log/sourceos/*.log /home/sostest/.local/state/sourceos/logs/*.log $O/ 2>/dev/null
podman ps -a --format '{{.Names}}' > $O/ps-final.txt
run_user podman ps -a --format '{{.Names}}' > $O/user-ps-final.txt 2>> $O/user-errors.txt
# podman's cgroup parent (the rest is the container's own, gone with it).
rmdir /sys/fs/cgroup/libpod_parent 2>/dev/null
echo done > $O/done
INSIDE
chmod 644 "$OUT/inside.sh"

binds="$builddir"
[ "$srcdir" = "$builddir" ] || binds="$binds $srcdir"
# shellcheck disable=SC2086
nspawn_podman_boot "$NP" 120 $binds > "$TMP/boot.log" 2>&1
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
j() { f "$1.json" | jget "$2"; }
show() { sed -n "s/^$2=//p" "$OUT/$1" 2>/dev/null; }
step() { # step REPORT CHECK: the preflight step's status and state
    j "$1" "[s['status'] + ': ' + s['state'] for s in d['preflight']['steps'] if s['check'] == '$2'][0]"
}
image_id=$(sed 's/^sha256://' "$OUT/image-id.txt" 2>/dev/null)

# --- 1. the system agent, rootful podman
is "$(r gcloud)" 1 "the host's credential helper is on PATH and fails"
is "$(r sys-preflight)" 0 "preflight sysweb: every step passed (exit 0)"
is "$(step sys-preflight preflight.authfile)" \
    'ok: /root/.config/containers/sourceos-empty-auth.json holds only {"auths":{}} (mode 0600, owned by root)' \
    "preflight: the empty auth file"
like "$(step sys-preflight preflight.host-auth)" "^ok: the agent's podman sees no registry credentials or helpers" \
    "preflight: isolated from root's credHelpers"
is "$(r sys-activate)" 0 "activate sysweb: exit 0"
is "$(j sys-activate "d['lifecycle']['outcome'] + ' ' + d['lifecycle']['preflight']")" "done passed" \
    "outcome done, the preflight passed"
is "$(j sys-activate "' '.join(c['id'] for c in d['checks'])")" \
    "activate.prior activate.install-unit activate.daemon-reload activate.enable activate.start" "the steps, in order (prior records what was there)"
is "$(show sys-show.txt ActiveState)|$(show sys-show.txt SubState)|$(show sys-show.txt UnitFileState)" \
    "active|running|enabled" "systemctl show: active, running, enabled"
is "$(show sys-show.txt FragmentPath)" /etc/systemd/system/sourceos-agent@sysweb.service "from the installed unit"
is "$(r sys-running)" 0 "podman ps shows the container running"
is "$(f sys-inspect.txt)" "running $image_id" "with the local image (its id)"
like "$(f sys-create.json)" '"--pull=never","--authfile","/root/.config/containers/sourceos-empty-auth.json"' \
    "podman run had --pull=never --authfile of the empty auth file"
like "$(f sys-create.json)" "\"localhost/sostest/busybox:1@sha256:[0-9a-f]{64}\",\"sh\"" "the image pinned by digest"
is "$(f sys-env.txt | tr '\n' ' ')" \
    "DOCKER_CONFIG=/var/lib/sourceos/agents/sysweb/docker-config REGISTRY_AUTH_FILE=/root/.config/containers/sourceos-empty-auth.json " \
    "podman's own environment: REGISTRY_AUTH_FILE the empty auth file, DOCKER_CONFIG the private one"
is "$(f sys-docker-config.ls)" "" "the private DOCKER_CONFIG is empty"
like "$(f gcloud-called.txt)" "No such file" "the failing credential helper never ran"

is "$(r sys-stop)" 0 "stop: exit 0"
is "$(j sys-stop "' '.join(c['id'] for c in d['checks'])")" "stop.prior stop.stop" "prior, then the stop"
is "$(f sys-stopped.txt)" inactive "inactive (the container ended on SIGTERM: a clean stop)"
is "$(r sys-stopped-gone)" 0 "the container is gone (podman ps -a)"
is "$(r sys-start)" 0 "start: exit 0"
is "$(r sys-started)|$(f sys-started.txt)" "0|active" "active, the container running again"
is "$(r sys-restart)" 0 "restart: exit 0"
is "$(r sys-restarted)|$(f sys-restarted.txt)" "0|active" "active, the container running"
is "$(r sys-new-pid)" 0 "a new main process"
is "$(r sys-uninstall)|$(r sys-uninstall2)" "0|0" "uninstall, twice: exit 0 both times"
is "$(j sys-uninstall "' '.join(c['id'] for c in d['checks'])")" \
    "uninstall.prior uninstall.stop uninstall.disable uninstall.remove-unit uninstall.daemon-reload" "uninstall's steps"
is "$(f sys-after.txt | tr '\n' ' ')" "not-found inactive " "systemd knows no such unit"
is "$(grep -c sysweb "$OUT/sys-unit-files.txt")" 0 "list-unit-files does not list it"
is "$(f sys-unit-dir.txt)" "" "no unit file or wants link left"
# Back to declared (README, the state diagram): the staged artifacts too.
like "$(f sys-state-dir.txt)" "No such file or directory" \
    "the state directory is gone (generations, state.json, journal)"
is "$(grep -c sourceos-sysweb "$OUT/sys-ps-after.txt")" 0 "podman ps -a: no container left"

# --- 3. the runtime not ready
is "$(r gone-exists)" 1 "the agent's image is gone"
is "$(r notready-activate)" 2 "activate with the image gone: exit 2"
like "$(f notready.out)" "image: image localhost/sostest/gone:1@sha256:[0-9a-f]+ is not in local storage" \
    "the preflight says why"
like "$(f notready.out)" "nothing was installed or enabled" "and that nothing was installed"
is "$(show notready-show.txt LoadState)|$(show notready-show.txt UnitFileState)|$(show notready-show.txt ActiveState)" \
    "not-found||inactive" "systemd knows no such unit"
is "$(f notready-unit-files.txt)" "" "list-unit-files does not list it"
is "$(f notready-unit-dir.txt)" "" "no unit file or wants link"
is "$(f notready-current.txt)" generations/1 "the generation is staged"
is "$(grep -c state.json "$OUT/notready-state.txt")" 0 "no state.json (not installed)"
is "$(grep -c sourceos-notready "$OUT/notready-ps.txt")" 0 "no container"

# --- 2. the user agent, rootless podman in the user manager
if [ -n "$rootless_off" ]; then
    skip "2, the user agent under rootless podman: $rootless_off"
else
is "$(f subids.txt | tr '\n' ' ')" "/etc/subuid:1 /etc/subgid:1 " "useradd gave the user subordinate ids"
is "$(r user-import)" 0 "rootless podman imports the image"
is "$(r user-preflight)" 0 "preflight userweb as the user: exit 0"
is "$(r user-activate)" 0 "activate userweb as the user: exit 0"
is "$(show user-show.txt ActiveState)|$(show user-show.txt SubState)|$(show user-show.txt UnitFileState)" \
    "active|running|enabled" "systemctl --user show: active, running, enabled"
is "$(show user-show.txt FragmentPath)" /home/sostest/.config/systemd/user/sourceos-agent@userweb.service \
    "from the installed user unit"
is "$(r user-running)" 0 "the user's podman ps shows the container running"
is "$(f user-inspect.txt)" "running $(f user-image-id.txt)" "with the user's local image"
is "$(f user-env.txt | tr '\n' ' ')" \
    "DOCKER_CONFIG=/home/sostest/.local/state/sourceos/agents/userweb/docker-config REGISTRY_AUTH_FILE=/home/sostest/.config/containers/sourceos-empty-auth.json " \
    "podman's environment: the user's empty auth file and private DOCKER_CONFIG"
is "$(r user-uninstall)|$(r user-uninstall2)" "0|0" "uninstall as the user, twice: exit 0 both times"
is "$(grep -c userweb "$OUT/user-unit-files.txt")" 0 "list-unit-files --user does not list it"
is "$(f user-unit-dir.txt)" "" "no user unit file or wants link left"
like "$(f user-state-dir.txt)" "No such file or directory" "the user agent's state directory is gone"
is "$(f user-ps-after.txt)" "" "the user's podman ps -a: no container left"
if [ "$(r user-running)" != 0 ]; then
    sed 's/^/#   user journal: /' "$OUT/user-journal.txt" | tail -20
fi
fi

# --- 4. the crash loop, bounded by systemd's start limit: without reloads
# StartLimitBurst=maxRestartsPerHour trips after that many starts, before
# the wrapper's own budget (core/gen_wrapper.c: BUDGET, section 5) would. systemd counts the restart the limit refused
# in NRestarts, and 252 keeps the Result of the last run (exit-code), not
# start-limit-hit.
is "$(r crash-activate)" 0 "activate crashloop: exit 0 (its runtime is ready)"
is "$(show crash-show.txt StartLimitBurst)|$(show crash-show.txt StartLimitIntervalUSec)" "2|1h" \
    "StartLimitBurst=2 in an hour, from maxRestartsPerHour: 2"
is "$(show crash-show.txt ActiveState)|$(show crash-show.txt Result)" "failed|exit-code" \
    "failed, within the wait (Result of the last run)"
is "$(grep -c started "$OUT/crash-starts.txt")" 2 "the container started maxRestartsPerHour (2) times"
is "$(show crash-show.txt NRestarts)" 2 "NRestarts 2: one restart ran, the next was refused"
is "$(grep -c 'Start request repeated too quickly' "$OUT/crash-journal.txt")" 1 "refused by the start limit"
is "$(grep -c 'status=1/FAILURE' "$OUT/crash-journal.txt")" 2 "each run exited 1 (podman's status: the container's)"
is "$(r crash-uninstall)" 0 "uninstall crashloop: exit 0"

# --- 5. the user crash loop under reloads: the wrapper's budget stops it
if [ -n "$rootless_off" ]; then
    skip "5, the user crash loop under rootless podman: $rootless_off"
else
is "$(r usercrash-activate)" 0 "activate usercrash (user manager): exit 0"
like "$(f usercrash-tripped.txt)" "^tripped [0-9]+$" "the wrapper recorded tripped in the state directory"
is "$(grep -c started "$OUT/usercrash-starts.txt")" 2 "the container started maxRestartsPerHour (2) times, reloads or not"
is "$(show usercrash-show.txt ActiveState)|$(show usercrash-show.txt Result)" "inactive|success" \
    "then the wrapper exited 0 (tripped), which Restart=on-failure leaves down"
# Three runs of the wrapper: two recorded starts, then the one that tripped,
# which systemd did not restart. Not systemd's NRestarts: 2, but 3 or more
# when a reload lands while a restart job is queued (see 5. above).
is "$(grep -cx '[0-9][0-9]*' "$OUT/usercrash-restarts.txt")" 2 \
    "the wrapper recorded 2 starts in its budget (the start limit, forgotten by the reloads, did not stop it)"
is "$(grep -c 'restart budget spent: 2 starts in the last hour (maxRestartsPerHour 2); tripped, not starting' "$OUT/usercrash-wrapper.log")" 1 \
    "and its third run tripped, once: nothing started it again"
like "$(show usercrash-show.txt NRestarts)" '^([2-9]|[1-9][0-9]+)$' "systemd restarted it (NRestarts at least 2)"
is "$(r usercrash-uninstall)" 0 "uninstall usercrash: exit 0"
if [ "$(f usercrash-tripped.txt | cut -c1-7)" != tripped ]; then
    sed 's/^/#   usercrash journal: /' "$OUT/usercrash-journal.txt" | tail -30
fi
fi

is "$(f ps-final.txt)|$(f user-ps-final.txt)" "|" "no container left, root's or the user's"
# Nothing of the container is left behind on this machine.
is "$(grep -c ' /run/systemd/nspawn ' /proc/self/mountinfo)" 0 "no nspawn mount left on the host"
is "$(grep -c 'sostest-cgroup' /proc/self/mountinfo)" 0 "no private cgroup tree left on the host"
is "$(pgrep -f -- "$NP/" | wc -l)" 0 "no process of the container left on the host"
# The container's cgroups are in this machine's one cgroup2 hierarchy, under
# the payload nspawn made in this test's own cgroup (podman on this machine,
# another test's, may keep a libpod_parent of its own at the top).
cg=$(sed -n 's/^0:://p' /proc/self/cgroup)
is "$(unshare -m --propagation private sh -c "mount -t cgroup2 cgroup2 /mnt && find '/mnt${cg%/}/payload' -name libpod_parent 2>/dev/null" 2>&1)" "" \
    "no cgroup of podman left in the container's part of this machine's cgroup2 hierarchy"
done_testing
