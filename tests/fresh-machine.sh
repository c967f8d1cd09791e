#!/usr/bin/env bash
# tests/fresh-machine.sh [--keep] [--repo DIR] [COMMAND]
#
# Runs `./bootstrap.sh` and then `bash .ci/run` (or COMMAND instead) on a
# clone of the repository's committed HEAD inside a fresh Debian 12 machine
# started with systemd-nspawn: a minimal debootstrap of bookworm that never
# saw this project, so a test relying on something a developer's machine
# happens to have (a group such as nixbld, a user, /nix, /etc/nix, podman
# storage or images, $HOME contents, a package installed by hand) fails here
# as it would for a new user. Not part of `make check`: it needs root and the
# network (debootstrap and bootstrap.sh's apt-get), and takes about as long
# as .ci/run. Prints .ci/run's totals line and the wall time; exit status
# is .ci/run's (bootstrap.sh's if it fails; COMMAND's when given).
#
# How:
#  - the base tree is made once with `debootstrap --variant=minbase bookworm`
#    from the Debian archive apt uses on this machine and cached in
#    $SOS_FRESH_BASE (default /var/tmp/sourceos-fresh-machine-base, about
#    200 MB); each run copies it, so every run starts from the same fresh
#    machine, and `git clone`s the repository into /src (only what is
#    committed: a file you forgot to add fails here);
#  - `systemd-nspawn -D TREE` runs bootstrap.sh in /src as root with the
#    host's network (apt-get needs it) and its resolv.conf, then .ci/run in a
#    second nspawn with --private-network (loopback only), so a test that
#    needs the network (Nix's binary cache, a registry) fails; COMMAND, when
#    given, runs once with the host's network.
#
# What the nspawn command line needs here, and why:
#  - --register=no --keep-unit: nspawn would otherwise ask systemd-machined
#    and the host's systemd (over D-Bus) for a scope; a build machine or a CI
#    container may have no systemd as PID 1 at all.
#  - a private mount namespace with a tmpfs on /run/systemd/nspawn: nspawn
#    keeps its propagation directory there and refuses to clean it up when
#    /run is on disk (as on this project's CI host); the tmpfs goes away with
#    the namespace. tests/nspawn-boot.sh does the same.
#  - --bind=/sys/fs/cgroup: on a cgroup v1 host nspawn mounts the
#    controllers read-only in the container, and the suite's rootful podman
#    (runc with cgroupfs) must create cgroups; binding the host's tree gives
#    the container the same cgroups the suite has when run on the host. On a
#    cgroup2 host nspawn delegates a writable subtree and the bind is not
#    needed, so it is made only on cgroup v1.
#  - --capability=all and --system-call-filter='@keyring @mount @clock
#    @obsolete @raw-io @swap add_key keyctl bpf': the suite boots a nested
#    systemd-nspawn, runs podman/runc (which makes a session keyring, and
#    in tests/cli/lifecycle-nspawn.sh's cgroup2 container loads its device
#    cgroup's bpf program) and unshare -m; nspawn's default set of capabilities and system calls is
#    for running a service, not a container engine. (Given whole; which of
#    them the suite strictly needs has not been narrowed down.)
#  - --console=pipe, stdin from /dev/null: the run is not interactive.
#  - the environment is set explicitly (PATH, HOME=/root, LANG=C.UTF-8):
#    nothing of the caller's environment reaches the run.
# Needs root.
#
# Examples:
#   tests/fresh-machine.sh                      # CI, as a new machine runs it
#   tests/fresh-machine.sh './bootstrap.sh && make check'
#   tests/fresh-machine.sh './bootstrap.sh && ./sourceos doctor local-runtime'
set -euo pipefail

keep=0
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
while [ $# -gt 0 ]; do
    case $1 in
        --keep) keep=1; shift ;;
        --repo) repo=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) break ;;
    esac
done
cmd=$*
die() { echo "fresh-machine: $*" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap and systemd-nspawn)"
git -C "$repo" rev-parse --git-dir >/dev/null 2>&1 || die "$repo is not a git repository"
command -v systemd-nspawn >/dev/null || die "systemd-nspawn is not installed (apt-get install systemd-container)"

# The archive apt uses here: deb822 sources first, then sources.list.
mirror() {
    local m
    m=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
        grep -v security | head -n 1 || true)
    [ -n "$m" ] || m=$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
    printf '%s' "$m"
}

# The cached base tree, made on first use.
make_base() {
    local base=$1 m
    [ -x "$base/bin/bash" ] && return 0
    command -v debootstrap >/dev/null || die "debootstrap is missing: run ./bootstrap.sh (it installs it)"
    m=$(mirror)
    [ -n "$m" ] || die "cannot tell which Debian archive apt uses"
    echo "fresh-machine: making the base tree (once) in $base from $m" >&2
    rm -rf "$base.tmp"
    debootstrap --variant=minbase bookworm "$base.tmp" "$m" >"$base.log" 2>&1 ||
        die "debootstrap failed; see $base.log"
    mv "$base.tmp" "$base"
}

base=${SOS_FRESH_BASE:-/var/tmp/sourceos-fresh-machine-base}
make_base "$base"

work=$(mktemp -d /var/tmp/sourceos-fresh-machine.XXXXXX)
cleanup() { if [ "$keep" = 1 ]; then echo "fresh-machine: kept $work/root" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT
cp -a "$base" "$work/root"
git clone -q "$repo" "$work/root/src"
cgroup_bind=""
[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] || cgroup_bind=--bind=/sys/fs/cgroup

# in_machine NETWORK COMMAND: COMMAND in /src of the tree, under nspawn;
# NETWORK is "host" (the host's network, for apt-get) or "none" (a private
# network namespace with only loopback). Its output is also kept in run.log.
in_machine() {
    local net=""
    [ "$1" = host ] || net=--private-network
    printf 'set -o pipefail\ncd /src\n%s\n' "$2" >"$work/root/fresh-cmd.sh"
    unshare -m --propagation private sh -c '
        mkdir -p /run/systemd/nspawn &&
            mount -t tmpfs -o mode=755 fresh-nspawn /run/systemd/nspawn || exit 2
        exec "$@"
    ' fresh systemd-nspawn --quiet -D "$work/root" --register=no --keep-unit \
        --console=pipe --resolv-conf=copy-host --capability=all \
        --system-call-filter='@keyring @mount @clock @obsolete @raw-io @swap add_key keyctl bpf' \
        $cgroup_bind $net --chdir=/src --as-pid2 \
        /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
        /bin/bash /fresh-cmd.sh </dev/null 2>&1 | tee -a "$work/run.log"
    return "${PIPESTATUS[0]}"
}

rev=$(git -C "$repo" rev-parse --short HEAD)
start=$(date +%s)
set +e
if [ $# -gt 0 ]; then
    echo "fresh-machine: running in a fresh Debian 12 machine ($rev): $cmd" >&2
    in_machine host "$cmd"; rc=$?
else
    # bootstrap.sh installs the packages (network), then CI runs offline: a
    # test that reaches out (a binary cache, a registry) fails here.
    echo "fresh-machine: ./bootstrap.sh in a fresh Debian 12 machine ($rev)" >&2
    in_machine host ./bootstrap.sh; rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "fresh-machine: bash .ci/run there, without network" >&2
        in_machine none "bash .ci/run"; rc=$?
    fi
fi
set -e
secs=$(( $(date +%s) - start ))
totals=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$work/run.log" | tail -n 1 || true)
echo "fresh-machine: ${totals:-no totals line}; exit $rc; ${secs}s" >&2
exit "$rc"
