#!/bin/sh
# The incident, replayed as it really looked, against the shipped checks.d:
# a root-owned /Library/LaunchAgents plist written by nix-darwin
# (`/bin/sh -c "/bin/wait4path /nix/store && exec STOREPATH"`), the store
# wrapper doing a raw `podman run` of a registry image with the whole home
# mounted, a 4000-line error log in /tmp, a stopped Podman machine, a
# credential helper, and launchd having run the job 4312 times. Then the
# same shape on a Linux tree: a home-manager-style `sh -c` user unit that
# systemd has restarted over and over. `sourceos doctor local-runtime` must
# name every sign, with its code, and exit 2.
. "$SOS_SRCDIR/tests/lib.sh"
. "$SOS_SRCDIR/tests/incident-mac.sh"

doctor() { # doctor ROOT [OPTIONS]: the shipped checks.d, live, stand-ins first on PATH
    r=$1; shift
    PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --json --live --root "$r" \
        --plugin-dir "$BUILD_PLUGINS" --config-dir "$SOS_SRCDIR" "$@"
}
codes_of() { printf '%s' "$out" | jget "sorted(set(f['code'] for c in d['checks'] for f in c['findings']))"; }
has() { # has CODE DESCRIPTION
    case "$(codes_of)" in *"\"$1\""*) ok 0 "$2 ($1)" ;; *) ok 1 "$2 ($1)"; echo "#   codes: $(codes_of)" ;; esac
}

out=$(doctor "$MAC"); rc=$?
is "$rc" 2 "the incident's Mac: exit 2"
printf '%s' "$out" > "$TMP/mac.json"
fnd() { printf '%s' "$out" | jget "[f for c in d['checks'] for f in c['findings'] if f['code']=='$1'][0]$2"; }

has launchd.system-wide-agent "the root-owned agent in /Library/LaunchAgents"
has launchd.keepalive-unbounded "KeepAlive without a bound"
has launchd.log-in-tmp "logs in /tmp"
has launchd.shell-launch "a /bin/sh -c launch nobody generated through sourceos"
has launchd.opaque-store-wrapper "an opaque Nix store wrapper as the only visible command"
has launchd.raw-podman-run "the raw podman run, behind sh -c and the wrapper"
has launchd.registry-image "the registry image it runs"
has launchd.home-mounted "the whole home mounted into the container"
has launchd.log-repeated-failure "4000 identical failures in its log"
has launchd.respawn-loop "launchd ran it thousands of times"
has podman.machine-stopped "the stopped machine"
has registry.cred-helper-risk "the credential helper every podman run would call"
like "$(fnd launchd.opaque-store-wrapper "['message']")" "runs \`podman run \\.\\.\\. $IMAGE\`" \
    "the wrapper is named by what it runs, not by its store path"
is "$(fnd launchd.registry-image "['evidence']['image']")" "$IMAGE" "the image behind the wrapper"
is "$(fnd launchd.log-repeated-failure "['evidence']['count']")" 4000 "the log: 4000 times"
like "$(fnd launchd.log-repeated-failure "['message']")" "error getting credentials" "with the failing line"
is "$(fnd launchd.respawn-loop "['evidence']['runs']")" 4312 "launchd's run count"
is "$(fnd launchd.respawn-loop "['evidence']['last_exit_code']")" 125 "and the last exit code"
like "$(fnd launchd.respawn-loop "['evidence']['last_exit_reason']")" \
    "error getting credentials.*the last failure line of /tmp/node-commander.err.log" \
    "launchd gave no reason: the log's last failure line stands for it"
is "$(grep -c '^launchctl print gui/.*/org.nixos.node-commander$' "$FAKE/calls")" 1 "one launchctl print for the job"
unlike "$(cat "$FAKE/calls")" '^launchctl (bootstrap|bootout|enable|disable|kickstart|load|unload|remove)' "nothing asked of launchd changes it"

# The log launchd names is the plist's to choose: were the plist alice's
# (uid 501), the root-owned log would be someone else's file, and neither
# launchd.jobs' last exit reason nor the lint may quote it.
chown 501 "$MAC$PL"
out=$(doctor "$MAC")
unlike "$(fnd launchd.respawn-loop "['evidence']['last_exit_reason']")" "the last failure line" \
    "a plist not root's: the root-owned log gives no last exit reason"
has launchd.log-not-owned "nor is it read by the lint"
unlike "$out" "error getting credentials" "nothing of the log in the report"
chown 0:0 "$MAC$PL"

# The human report says the same, in order, with the exit code.
human=$(PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --live --root "$MAC" \
        --plugin-dir "$BUILD_PLUGINS" --config-dir "$SOS_SRCDIR"); rc=$?
is "$rc" 2 "human: exit 2"
for c in launchd.respawn-loop launchd.raw-podman-run launchd.home-mounted launchd.log-repeated-failure; do
    like "$human" "$c" "human names $c"
done

# Offline (no --live), the tree alone still shows every sign but launchd's count.
out=$(PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --json --root "$MAC" \
      --plugin-dir "$BUILD_PLUGINS" --config-dir "$SOS_SRCDIR"); rc=$?
is "$rc" 2 "offline: exit 2"
has launchd.raw-podman-run "offline: the raw podman run"
has launchd.log-repeated-failure "offline: the repeated failures, the offline sign of the loop"
is "$(printf '%s' "$out" | jget "find('launchd.jobs')['status']")" skipped "offline: launchd is not asked"

# ---- the same shape on Linux: home-manager's sh -c user unit --------------------
cat > "$TMP/bin/systemctl" <<'SH'
#!/bin/sh
d="${0%/*}/data"
echo "systemctl $*" >> "$d/calls"
[ "$1" = --user ] || { for u in "$@"; do :; done; printf 'Id=%s\nLoadState=not-found\nActiveState=inactive\nSubState=dead\n' "$u"; exit 0; }
cat "$d/user-show.txt"
SH
chmod +x "$TMP/bin/systemctl"
LNX="$TMP/linux"
cp -R "$FIXTURES/roots/debian" "$LNX"
UNIT=$HOME/.config/systemd/user/node-commander.service
mkdir -p "$(dirname "$LNX$UNIT")" "$LNX$STORE/bin" "$LNX/tmp" "$LNX/usr/bin"
cat > "$LNX$UNIT" <<UNIT
[Unit]
Description=node-commander (home-manager)

[Service]
ExecStart=/bin/sh -c 'exec $STORE/bin/node-commander'
Restart=always
RestartSec=1
StandardError=append:/tmp/node-commander.err.log

[Install]
WantedBy=default.target
UNIT
sed -e 's|podman run|podman run --pull=always|' -e 's|/opt/homebrew/bin/podman|/usr/bin/podman|' \
    -e "s|/Users/alice|/home/alice|" "$MAC$STORE/bin/node-commander" > "$LNX$STORE/bin/node-commander"
chmod 555 "$LNX$STORE/bin/node-commander"
cp "$MAC/tmp/node-commander.err.log" "$LNX/tmp/"
# systemd's answer, as captured from systemd 252, for a unit it has
# restarted 4312 times, each run failing with podman's exit code 125.
sed -e 's/^Id=.*/Id=node-commander.service/' -e 's/^Names=.*/Names=node-commander.service/' \
    -e 's/^NRestarts=.*/NRestarts=4312/' -e 's/^Result=.*/Result=exit-code/' \
    -e 's/^ExecMainCode=.*/ExecMainCode=1/' -e 's/^ExecMainStatus=.*/ExecMainStatus=125/' \
    -e 's/^ActiveState=.*/ActiveState=activating/' -e 's/^SubState=.*/SubState=auto-restart/' \
    -e 's/^Restart=.*/Restart=always/' -e "s|^FragmentPath=.*|FragmentPath=$UNIT|" \
    "$FIXTURES/systemd/user-show.txt" > "$FAKE/user-show.txt"
echo '[]' > "$FAKE/list.json"
: > "$FAKE/calls"
out=$(doctor "$LNX"); rc=$?
is "$rc" 2 "the incident's shape on Linux: exit 2"
has systemd.shell-launch "home-manager's sh -c ExecStart"
has systemd.opaque-store-wrapper "the store wrapper as the only visible command"
has systemd.raw-podman-run "the raw podman run behind it"
has systemd.registry-image "its registry image"
has systemd.pull-at-start "pulled at every start"
has systemd.home-mounted "the whole home mounted"
has systemd.log-in-tmp "its log in /tmp"
has systemd.log-repeated-failure "4000 identical failures in its log"
has systemd.respawn-loop "systemd restarted it 4312 times"
like "$(fnd systemd.respawn-loop "['message']")" "4312 times" "the restarts counted"
is "$(grep -c '^systemctl --user show' "$FAKE/calls")" 1 "one systemctl --user show for every user unit"
done_testing
