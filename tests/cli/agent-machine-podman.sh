#!/bin/sh
# sourceosctl agent-machine run against real rootless podman (this
# machine's systemd booted under systemd-nspawn, as quarantine-nspawn.sh
# boots it): a user's linux-native profile, an image with a stand-in
# `codex` that prints its argv, `id`, its capabilities, its network
# devices, its environment and the mount table. The container sees the
# declared mounts and nothing of HOME, runs as the user, has no
# capability and no network, gets no host variable but the profile's; the
# evidence file says what the container saw.
. "$SOS_SRCDIR/tests/lib.sh"
. "$SOS_SRCDIR/tests/nspawn-podman.sh"

nspawn_podman_require
reason=$(nspawn_rootless_unavailable)
[ -z "$reason" ] || skip_all "--userns=keep-id needs rootless podman: $reason"

builddir=$(cd "$SOS_BUILDDIR" && pwd -P)
srcdir=$(cd "$SOS_SRCDIR" && pwd -P)
NP="$TMP/np"
OUT="$NP/out"
nspawn_podman_prepare "$NP" || { echo "Bail out! cannot prepare the container's /etc"; exit 1; }
# The agent image: busybox and the stand-in tool.
R="$NP/agent-rootfs"
mkdir -p "$R/bin" "$R/workspace" "$R/notes"
cp /bin/busybox "$R/bin/busybox"
for c in sh cat id grep env echo ls; do ln -sf busybox "$R/bin/$c"; done
cat > "$R/bin/codex" <<'TOOL'
#!/bin/sh
if [ "$1" = --version ]; then echo "codex 0.0-stand-in"; exit 0; fi
echo "argv: $*"
echo "id: $(id -u):$(id -g)"
grep '^CapEff:' /proc/self/status
echo "netdevs: $(grep ':' /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')"
echo "env-token: ${SOSTEST_TOKEN:-unset}"
echo "env-lang: ${LANG:-unset}"
echo "pwd: $(pwd)"
cat /workspace/README 2>&1 | sed 's/^/repo: /'
echo hello > /workspace/from-agent 2>&1 && echo "repo-write: ok"
echo x > /notes/x 2>/dev/null && echo "notes-write: ok" || echo "notes-write: refused"
echo x > /etc/x 2>/dev/null && echo "rootfs-write: ok" || echo "rootfs-write: refused"
sed 's/^/mount: /' /proc/mounts
exit 7
TOOL
chmod 755 "$R/bin/codex"
tar -C "$R" -cf "$OUT/agent.tar" .
chmod 644 "$OUT/agent.tar"

cat > "$OUT/inside.sh" <<INSIDE
CTL="$builddir/sourceosctl"
INSIDE
cat >> "$OUT/inside.sh" <<'INSIDE'
exec > /sostest-out/inside.log 2>&1
O=/sostest-out
uid=4711
run_user() { runuser -u sostest -- env XDG_RUNTIME_DIR=/run/user/$uid HOME=/home/sostest "$@"; }
wait_for() {
    n=$(($1 * 10)); shift
    while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
useradd -m -u $uid -s /bin/sh sostest || exit 1
loginctl enable-linger sostest || exit 1
wait_for 20 test -S /run/user/$uid/systemd/private || { echo "no user manager"; exit 1; }
run_user podman import -q $O/agent.tar localhost/sostest/agent:1 > /dev/null || exit 1
run_user podman image inspect --format '{{.Digest}}' localhost/sostest/agent:1 > $O/digest.txt
run_user sh -c 'mkdir -p ~/dev/proj ~/dev/notes ~/.ssh && echo "the repo" > ~/dev/proj/README &&
    echo secret > ~/.ssh/id_ed25519 && cd ~/dev/proj && git init -q -b main &&
    git add README && git -c user.email=t@t -c user.name=t commit -q -m one'
run_user "$CTL" agent-machine init --profile linux-native --name dev --repo /home/sostest/dev > $O/init.out 2>&1
P=/home/sostest/.config/sourceos/agent-machine/dev.yaml
sed -i -e 's|ghcr.io/sourceos/agent-workspace:0.1|localhost/sostest/agent:1|' \
    -e 's|^mounts: \[\]|mounts:\n  - mountId: "notes"\n    pathClass: "documents"\n    hostPath: "~/dev/notes"\n    agentPath: "/notes"\n    accessMode: "read-only"|' $P
cp $P $O/profile.yaml
run_user env SOSTEST_TOKEN=ghp_R3alLook1ngT0kenValue0123456789abcd LANG=C.UTF-8 \
    "$CTL" agent-machine run --tool codex --repo /home/sostest/dev/proj -- --task "fix it" \
    > $O/run.out 2> $O/run.err; echo $? > $O/run.rc
cp /home/sostest/.local/state/sourceos/agent-machine/evidence/launch-*-codex.json $O/evidence.json
cat /home/sostest/dev/proj/from-agent > $O/from-agent.txt 2>&1
run_user "$CTL" agent-machine shell --repo /home/sostest > $O/deny.out 2>&1; echo $? > $O/deny.rc
run_user podman ps -a --format '{{.Names}}' > $O/ps-final.txt
run_user "$CTL" agent-machine fingerprint --repo /home/sostest/dev/proj > $O/fp1.json 2>&1
run_user "$CTL" agent-machine fingerprint --repo /home/sostest/dev/proj > $O/fp2.json 2>&1
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
saw() { sed -n "s/^$1: //p" "$OUT/run.out"; }

is "$(f run.rc)" 7 "run --tool codex: the tool's exit status (7)"
[ "$(f run.rc)" = 7 ] || sed 's/^/#   /' "$OUT/run.err"
is "$(saw argv)" "--task fix it" "the tool got its arguments"
is "$(saw id)" "4711:4711" "it runs as the user (--userns=keep-id)"
is "$(sed -n 's/^CapEff:[[:space:]]*//p' "$OUT/run.out")" 0000000000000000 "with no capability (CapEff 0)"
is "$(saw netdevs)" "lo " "and no network but loopback (network: none)"
is "$(saw env-token)|$(saw env-lang)" "unset|C.UTF-8" "no host variable but the profile's passEnv (LANG)"
is "$(saw pwd)|$(saw repo)" "/workspace|the repo" "the repo is the working directory"
is "$(saw repo-write)|$(f from-agent.txt)" "ok|hello" "the repo is read-write, as declared"
is "$(saw notes-write)|$(saw rootfs-write)" "refused|refused" "the read-only mount and the root file system refuse writes"
binds=$(saw mount | awk '$2 ~ /^\/(workspace|notes)$/ {print $2}' | sort | tr '\n' ' ')
is "$binds" "/notes /workspace " "the declared mounts are there"
unlike "$(saw mount)" "/home/sostest|\.ssh" "and nothing of HOME (no other host path in /proc/mounts)"
E="$OUT/evidence.json"
"$PYTHON" "$SOS_SRCDIR/tests/validate-json.py" "$SOS_SRCDIR/schemas/agent-machine-evidence.schema.json" "$E" >&2
ok $? "the evidence is valid against its schema"
is "$(jget '[m["agentPath"] for m in d["mounts"]]' < "$E")" '["/workspace", "/notes"]' "the evidence's mounts are what the container saw"
is "$(jget '[d["launch"]["exitStatus"], d["launch"]["image"]["digest"]]' < "$E")" "[7, \"$(f digest.txt)\"]" "its exit status and the image's digest"
like "$(jget 'd["gitRef"]' < "$E")" "^main@[0-9a-f]{40}$" "its git ref"
is "$(jget 'd["launch"]["toolVersions"]' < "$E")" '[{"name": "codex", "version": "codex 0.0-stand-in"}]' "the tool's version, from the image"
like "$(jget '" ".join(d["launch"]["podmanArgv"])' < "$E")" "^podman run --rm --pull=never --cap-drop=all --security-opt=no-new-privileges --userns=keep-id --read-only --network=none " "the exact podman argv"
unlike "$(f evidence.json)$(f run.err)" "ghp_R3al" "no secret in the evidence or on stderr"
is "$(f deny.rc)" 2 "shell with HOME as the repo: refused (2)"
like "$(f deny.out)" "refused: /home/sostest: is your home directory" "naming the rule"
is "$(f ps-final.txt)" "" "no container left (--rm)"
like "$(jget 'd["policyHash"]' < "$OUT/fp1.json")" "^sha256:[0-9a-f]{64}$" "a fingerprint was printed"
is "$(jget '{k: v for k, v in d.items() if k != "time"}' < "$OUT/fp1.json")" "$(jget '{k: v for k, v in d.items() if k != "time"}' < "$OUT/fp2.json")" "the fingerprint is the same twice"
is "$(jget '[d["podman"]["state"], d["image"]["digest"], d["tools"][0]["version"], d["repo"]["dirty"]]' < "$OUT/fp1.json")" "[\"native\", \"$(f digest.txt)\", \"codex 0.0-stand-in\", false]" "the fingerprint: native podman, the digest, the tool's version, a clean repo (untracked files aside)"
done_testing
