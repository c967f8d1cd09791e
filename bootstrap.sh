#!/bin/sh
# Installs what sourceos-agent needs on Debian 12 (only what is missing),
# then configures and builds it in this tree. Safe to run again.
set -eu
cd "$(dirname "$0")"

PACKAGES="build-essential autoconf automake libtool libltdl-dev pkg-config
libjansson-dev libyaml-dev libarchive-dev libplist-dev libplist-utils
libcmocka-dev python3 python3-yaml python3-jsonschema podman runc
busybox-static procps docker-registry apache2-utils systemd
systemd-container nix-bin"

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    as_root=""
    [ "$(id -u)" -eq 0 ] || as_root="sudo"
    echo "bootstrap: installing$missing"
    $as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq $missing >/dev/null
fi

[ -x configure ] || ./autogen.sh
[ -f Makefile ] || ./configure ${CONFIGURE_FLAGS:-}
make -j"$(nproc 2>/dev/null || echo 2)"
