#!/bin/sh
# Generates configure and the automake harness from a fresh checkout.
set -e
cd "$(dirname "$0")"
mkdir -p build-aux m4
autoreconf --install --force
cp "$(automake --print-libdir)/tap-driver.sh" build-aux/tap-driver.sh
