#!/bin/sh
# Installs what sourceos-agent needs on Debian 12 (only what is missing),
# then configures and builds it in this tree. Safe to run again.
set -eu
cd "$(dirname "$0")"

# (git: .ci/run builds its sanitizer tree from a clone.)
PACKAGES="build-essential autoconf automake libtool libltdl-dev pkg-config
libjansson-dev libyaml-dev libarchive-dev nettle-dev libplist-dev libplist-utils zstd
libcmocka-dev python3 python3-yaml python3-jsonschema podman runc
busybox-static procps docker-registry apache2-utils systemd
systemd-container uidmap git clang libclang-rt-14-dev debootstrap shellcheck
mandoc prometheus zsh fish bash-completion dpkg-dev debhelper dh-autoreconf"
# Without its recommends: nix-setup-systemd would enable a nix-daemon on
# this machine, and the tests use their own stores.
PACKAGES_NO_RECOMMENDS="nix-bin"

# The packages of the list $1 that are not installed.
missing_of() {
    for p in $1; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
            printf ' %s' "$p"
    done
}
missing=$(missing_of "$PACKAGES")
missing_nr=$(missing_of "$PACKAGES_NO_RECOMMENDS")
if [ -n "$missing$missing_nr" ]; then
    as_root=""
    [ "$(id -u)" -eq 0 ] || as_root="sudo"
    echo "bootstrap: installing$missing$missing_nr"
    $as_root apt-get update -qq
    [ -z "$missing" ] || DEBIAN_FRONTEND=noninteractive \
        $as_root apt-get install -y -qq $missing >/dev/null
    [ -z "$missing_nr" ] || DEBIAN_FRONTEND=noninteractive \
        $as_root apt-get install -y -qq --no-install-recommends $missing_nr >/dev/null
fi

[ -x configure ] || ./autogen.sh
[ -f Makefile ] || ./configure ${CONFIGURE_FLAGS:-}
make -j"$(nproc 2>/dev/null || echo 2)"
