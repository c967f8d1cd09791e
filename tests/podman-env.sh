# A private, real Podman for one test file. Source it after tests/lib.sh.
#
# Everything lives under $TMP/podman: storage (vfs), run root, containers.conf
# (cgroupfs, runc, no network, bounded ulimits, file events) so runs never see
# each other's images or containers. The variables are exported, so podman,
# `podman system service` and sourceos (which passes CONTAINERS_CONF and
# CONTAINERS_STORAGE_CONF on to the commands it runs) all use the same store.
#
#   podman_env_or_skip     skip the whole file unless real podman works here
#   podman_import_busybox REF   a local image REF from a busybox rootfs
#   podman_service_start   `podman system service` on $PODMAN_SOCK (unix://$PODMAN_SOCK)
#   podman_service_stop    stops it and waits until the socket is gone
#   podman_cleanup         stops what was started; runs on exit
#   podman_leftovers       processes of this store (conmon, ...) still running
#                          after up to 10 s; prints nothing when none is

PODMAN_DIR="$TMP/podman"
PODMAN_SOCK="$PODMAN_DIR/podman.sock"
PODMAN_URL="unix://$PODMAN_SOCK"
_podman_service_pid=

podman_env_or_skip() {
    command -v podman >/dev/null 2>&1 || skip_all "podman is not installed"
    command -v runc >/dev/null 2>&1 || skip_all "runc is not installed"
    [ -x /bin/busybox ] || skip_all "busybox-static is not installed"
    [ "$(id -u)" -eq 0 ] || skip_all "these tests run podman rootful"
    mkdir -p "$PODMAN_DIR/root" "$PODMAN_DIR/runroot" "$PODMAN_DIR/tmp"
    cat > "$PODMAN_DIR/storage.conf" <<EOF
[storage]
driver = "vfs"
runroot = "$PODMAN_DIR/runroot"
graphroot = "$PODMAN_DIR/root"
EOF
    cat > "$PODMAN_DIR/containers.conf" <<EOF
[containers]
netns = "none"
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"
events_logfile_path = "$PODMAN_DIR/events.log"
tmp_dir = "$PODMAN_DIR/tmp"
EOF
    CONTAINERS_STORAGE_CONF="$PODMAN_DIR/storage.conf"
    CONTAINERS_CONF="$PODMAN_DIR/containers.conf"
    export CONTAINERS_STORAGE_CONF CONTAINERS_CONF
    unset CONTAINER_HOST CONTAINER_CONNECTION REGISTRY_AUTH_FILE DOCKER_CONFIG
    trap 'podman_cleanup; _cleanup' EXIT
    podman info >/dev/null 2>"$PODMAN_DIR/info.err" ||
        skip_all "podman does not work here: $(head -1 "$PODMAN_DIR/info.err")"
}

podman_import_busybox() {
    _rootfs="$PODMAN_DIR/rootfs"
    mkdir -p "$_rootfs/bin"
    cp /bin/busybox "$_rootfs/bin/busybox"
    for _c in sh sleep echo cat true false trap; do
        ln -sf busybox "$_rootfs/bin/$_c"
    done
    tar -C "$_rootfs" -cf - . | podman import -q - "$1" >/dev/null
}

podman_service_start() {
    rm -f "$PODMAN_SOCK"
    podman system service --time=0 "$PODMAN_URL" >"$PODMAN_DIR/service.log" 2>&1 &
    _podman_service_pid=$!
    _i=0
    while [ ! -S "$PODMAN_SOCK" ] && [ $_i -lt 600 ]; do
        sleep 0.05
        _i=$((_i + 1))
    done
    [ -S "$PODMAN_SOCK" ]
}

podman_service_stop() {
    [ -n "$_podman_service_pid" ] || return 0
    kill "$_podman_service_pid" 2>/dev/null
    wait "$_podman_service_pid" 2>/dev/null
    _podman_service_pid=
}

podman_cleanup() {
    registry_stop
    podman_service_stop
    # `rm -f` of a container in "stopping" (4.3) forgets it without killing
    # its process: kill first.
    podman ps -aq 2>/dev/null | while read -r _id; do
        podman kill -s KILL "$_id" >/dev/null 2>&1
        podman rm -f -t 0 "$_id" >/dev/null 2>&1
    done
    # Layers are plain vfs directories under $TMP, removed with it.
}

# A real registry (Debian's docker-registry) with htpasswd auth on 127.0.0.1.
#   registry_start USER PASS   sets REGISTRY (127.0.0.1:PORT); storage under $TMP
#   registry_stop
REGISTRY=
_registry_pid=

registry_start() {
    command -v docker-registry >/dev/null 2>&1 || return 1
    command -v htpasswd >/dev/null 2>&1 || return 1
    _rdir="$PODMAN_DIR/registry"
    mkdir -p "$_rdir/data"
    htpasswd -Bbn "$1" "$2" > "$_rdir/htpasswd" 2>/dev/null || return 1
    _port=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat > "$_rdir/config.yml" <<EOF2
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $_rdir/data
http:
  addr: 127.0.0.1:$_port
auth:
  htpasswd:
    realm: sourceos-test
    path: $_rdir/htpasswd
EOF2
    docker-registry serve "$_rdir/config.yml" >"$_rdir/log" 2>&1 &
    _registry_pid=$!
    REGISTRY="127.0.0.1:$_port"
    _i=0
    until "$PYTHON" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$_port" 2>/dev/null; do
        _i=$((_i + 1))
        [ $_i -lt 100 ] || return 1
        sleep 0.05
    done
}

registry_stop() {
    [ -n "$_registry_pid" ] || return 0
    kill "$_registry_pid" 2>/dev/null
    wait "$_registry_pid" 2>/dev/null
    _registry_pid=
}

podman_leftovers() {
    # A killed container's conmon can take a moment to exit on a loaded
    # machine: what is still there after 10 s was left behind.
    _tries=100
    while :; do
        _left=$(pgrep -fa -- "$PODMAN_DIR/" 2>/dev/null | grep -v -e pgrep -e "$$ ")
        [ -z "$_left" ] || [ "$_tries" -le 0 ] && break
        _tries=$((_tries - 1))
        sleep 0.1
    done
    printf '%s' "$_left"
}
