# Real podman inside systemd booted under systemd-nspawn (tests/nspawn-boot.sh),
# for tests/cli/lifecycle-nspawn.sh and bench/run line (l). Source it (POSIX sh).
#
#   nspawn_podman_prepare DIR   writes DIR/etc, the container's /etc (a copy of
#                               this machine's, booting into sostest.target,
#                               whose one service runs /sostest-out/inside.sh
#                               and powers off; podman's configuration), and
#                               DIR/out, bound at /sostest-out (busybox.tar, a
#                               rootfs to `podman import`; sbin/, bound at
#                               /usr/local/sbin). Returns 1 when /etc cannot
#                               be copied.
#   nspawn_podman_boot DIR LIMIT [BIND...]
#                               boots it (run DIR/out/inside.sh first); nspawn-
#                               boot.sh's exit status (77: cannot boot here).
#
# Podman runs as tests/podman-env.sh runs it (vfs, runc, cgroupfs, no network,
# file events, bounded ulimits), but system-wide in the container: root's
# storage under /var/lib/containers and /run/containers, a user's under their
# home, all on the container's tmpfs. What it takes to run runc there:
#   - a cgroup2 tree in the container (SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1). On
#     a host with cgroup v1 controllers nspawn mounts them read-only in the
#     container (`mkdir /sys/fs/cgroup/cpuset/libpod_parent: read-only file
#     system`), and runc refuses cgroups=disabled (`requested OCI runtime runc
#     is not compatible with NoCgroups`). The cgroup2 tree has no controllers
#     (they are the v1 hierarchies'), so no pids limit (pids_limit = 0);
#   - add_key and keyctl (runc joins a session keyring: `unable to create
#     session key: operation not permitted`) and bpf (its device cgroup
#     program on cgroup2: `bpf_prog_query(BPF_CGROUP_DEVICE) failed`), which
#     nspawn's seccomp filter refuses.
# Rootless podman needs nothing more: newuidmap/newgidmap (package uidmap) and
# the /etc/subuid and /etc/subgid lines useradd writes.

nspawn_podman_prepare() {
    _np=$1
    mkdir -p "$_np/out/sbin" "$_np/rootfs/bin" || return 1
    chmod 755 "$_np" "$_np/out" "$_np/out/sbin"
    cp -a /etc "$_np/etc" 2>/dev/null || return 1
    rm -f "$_np/etc/machine-id"   # systemd makes a transient one on the tmpfs
    : > "$_np/etc/fstab"          # this machine's file systems are not the container's
    cat > "$_np/etc/systemd/system/sostest.target" <<'UNIT'
[Unit]
Description=sourceos-agent test
Requires=sostest.service
AllowIsolate=yes
UNIT
    cat > "$_np/etc/systemd/system/sostest.service" <<'UNIT'
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
    mkdir -p "$_np/etc/containers"
    cat > "$_np/etc/containers/storage.conf" <<'EOF'
[storage]
driver = "vfs"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
EOF
    cat > "$_np/etc/containers/containers.conf" <<'EOF'
[containers]
netns = "none"
pids_limit = 0
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"
EOF
    cp /bin/busybox "$_np/rootfs/bin/busybox" || return 1
    for _c in sh sleep echo cat true false; do ln -sf busybox "$_np/rootfs/bin/$_c"; done
    tar -C "$_np/rootfs" -cf "$_np/out/busybox.tar" . || return 1
    chmod 644 "$_np/out/busybox.tar"
}

# One boot at a time: each test's podman uses the host's cgroup parent
# (libpod_parent, removed by each test at its end), so two in parallel
# (make -j) can pull it from under each other.
nspawn_podman_boot() {
    _np=$1 _limit=$2
    shift 2
    # shellcheck disable=SC2086
    SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 \
    SOSTEST_NSPAWN_OPTS="--system-call-filter=add_key --system-call-filter=keyctl --system-call-filter=bpf --bind-ro=$_np/out/sbin:/usr/local/sbin" \
        flock "${TMPDIR:-/tmp}/sourceos-nspawn-podman.lock" unshare -m --propagation private sh "$SOS_SRCDIR/tests/nspawn-boot.sh" \
        "$_np/etc" "$_np/out" "$_limit" "$@"
}

# nspawn_rootless_unavailable: prints why rootless podman cannot run in a
# container booted here, or nothing. It needs a user namespace, which the
# kernel refuses to a chrooted process (fresh-debian-run's tree, and the
# containers nspawn boots from it: "cannot clone: Operation not permitted")
# and where unprivileged ones are switched off.
nspawn_rootless_unavailable() {
    if [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 0 ]; then
        echo "kernel.unprivileged_userns_clone is 0: no user namespaces for users"
    elif ! _err=$(unshare --user true 2>&1); then
        echo "this machine cannot create a user namespace (unshare --user: ${_err##*: }; a chroot?)"
    fi
}

# nspawn_podman_require: skips the whole test unless this machine can boot
# systemd under systemd-nspawn with rootless podman inside it.
nspawn_podman_require() {
    [ "$(id -u)" -eq 0 ] || skip_all "booting systemd under systemd-nspawn needs root"
    command -v systemd-nspawn >/dev/null 2>&1 ||
        skip_all "systemd-nspawn is not installed (Debian: systemd-container)"
    command -v unshare >/dev/null 2>&1 || skip_all "unshare (util-linux) is not installed"
    [ -x /lib/systemd/systemd ] || skip_all "systemd is not installed here"
    command -v podman >/dev/null 2>&1 || skip_all "podman is not installed"
    command -v runc >/dev/null 2>&1 || skip_all "runc is not installed"
    [ -x /bin/busybox ] || skip_all "busybox-static is not installed"
    command -v newuidmap >/dev/null 2>&1 || skip_all "newuidmap is not installed (Debian: uidmap)"
}
