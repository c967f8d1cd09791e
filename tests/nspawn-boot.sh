#!/bin/sh
# Boots this machine's own systemd under systemd-nspawn (DESIGN.md, "How to
# test against real components") and waits for it to power off.
#
#   unshare -m --propagation private sh nspawn-boot.sh ETC OUT TIMEOUT [BIND...]
#
# ETC is a copy of /etc (the container's /etc, writable); OUT is bound at
# /sostest-out; each BIND directory is bound read-only at its own path. The
# container boots straight into sostest.target, which must be in ETC.
# SOSTEST_NSPAWN_OPTS, when set, are more options of systemd-nspawn (split on
# blanks; tests/nspawn-podman.sh allows the system calls runc needs and binds
# a directory on PATH).
#
# Run it in a private mount namespace: every mount made here (a tmpfs that
# nspawn needs under /run/systemd/nspawn, because /run may be on disk, and a
# private cgroup tree with the name=systemd and cgroup2 hierarchies a
# booted systemd needs beside a cgroup v1 host's controllers) disappears
# with the namespace. Exit status: nspawn's, 124 on timeout, 77 when this
# machine cannot start a container at all (the reason on stderr).
set -u
etc=$1 out=$2 limit=$3
shift 3

cannot() { echo "nspawn-boot: $*" >&2; exit 77; }

mkdir -p /run/systemd/nspawn ||
    cannot "cannot create /run/systemd/nspawn"
mount -t tmpfs -o mode=755 sostest-nspawn /run/systemd/nspawn ||
    cannot "cannot mount a tmpfs on /run/systemd/nspawn"

# A private /sys/fs/cgroup unless the host's is cgroup2 (which nspawn uses
# as it is).
if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ]; then
    mount -t tmpfs -o mode=755 sostest-cgroup /sys/fs/cgroup ||
        cannot "cannot mount a private /sys/fs/cgroup"
    for c in $(awk 'NR > 1 && $4 == 1 {print $1}' /proc/cgroups); do
        mkdir -p "/sys/fs/cgroup/$c" &&
            mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c" 2>/dev/null ||
            rmdir "/sys/fs/cgroup/$c" 2>/dev/null
    done
    mkdir -p /sys/fs/cgroup/systemd /sys/fs/cgroup/unified
    mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd ||
        cannot "cannot mount the name=systemd cgroup hierarchy (a booted systemd needs it)"
    mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified ||
        cannot "cannot mount cgroup2 at /sys/fs/cgroup/unified"
fi

binds=""
for d in "$@"; do binds="$binds --bind-ro=$d"; done
# --link-journal=no: the container shares this machine's machine-id, which
# nspawn refuses to link. --keep-unit/--register=no: no machined needed.
# shellcheck disable=SC2086
exec timeout -k 5 "$limit" systemd-nspawn --quiet -D / --volatile=yes \
    --register=no --keep-unit --console=pipe --link-journal=no --private-network \
    --bind="$etc:/etc" --bind="$out:/sostest-out" $binds ${SOSTEST_NSPAWN_OPTS:-} \
    -b -- --unit=sostest.target </dev/null
