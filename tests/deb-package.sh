#!/bin/sh
# The Debian packages (.ci/run, as root): built from the committed tree with
# `dpkg-buildpackage -us -uc -b`, installed with dpkg, then the installed
# programs run from /usr: the doctor with the packaged checks.d and plugins,
# explain reading the packaged findings page, the man pages, completions and
# the -dev package's header and pkg-config file; purged after. Prints one
# line per check and exits 1 on the first that fails.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'dpkg --purge sourceos-agent-dev sourceos-agent >/dev/null 2>&1; rm -rf "$work"' EXIT
fail() { echo "deb: FAIL: $*"; exit 1; }
pass() { echo "deb: ok: $*"; }

[ "$(id -u)" -eq 0 ] || { echo "deb: skipped: installing a package needs root"; exit 0; }
git -C "$top" archive --prefix=src/ HEAD | tar -x -C "$work" || fail "git archive"
(cd "$work/src" && dpkg-buildpackage -us -uc -b) > "$work/build.log" 2>&1 ||
    { tail -30 "$work/build.log"; fail "dpkg-buildpackage -us -uc -b"; }
pass "dpkg-buildpackage -us -uc -b"
dpkg -i "$work"/sourceos-agent_*.deb "$work"/sourceos-agent-dev_*.deb > "$work/install.log" 2>&1 ||
    { cat "$work/install.log"; fail "dpkg -i"; }
pass "installed: $(dpkg-query -W -f='${Package} ${Version}, ' sourceos-agent sourceos-agent-dev)"

/usr/bin/sourceos doctor local-runtime --json > "$work/report.json"
rc=$?
[ "$rc" -le 2 ] || fail "sourceos doctor local-runtime exited $rc (could not decide)"
python3 - "$work/report.json" <<'PY' || fail "the doctor did not load the packaged plugins"
import json, sys
r = json.load(open(sys.argv[1]))
loaded = [c for c in r["checks"] if c["status"] != "error"]
assert len(r["checks"]) >= 15 and len(loaded) == len(r["checks"]), r["checks"]
PY
pass "sourceos doctor local-runtime: exit $rc, every packaged check ran"
out=$(/usr/bin/sourceos explain launchd.respawn-loop) || fail "sourceos explain"
case "$out" in "launchd.respawn-loop: critical (launchd)"*) ;; *) fail "explain said: $out" ;; esac
pass "sourceos explain reads /usr/share/sourceos/findings.md"
for f in /usr/share/bash-completion/completions/sourceos /usr/share/zsh/vendor-completions/_sourceos \
         /usr/share/fish/vendor_completions.d/sourceos.fish /etc/sourceos/checks.d/00-host.yaml \
         /usr/share/sourceos/schemas/report.schema.json /usr/share/man/man3/sourceos-plugin.3.gz \
         /usr/include/sourceos/plugin.h; do
    [ -f "$f" ] || fail "$f is not installed"
done
for m in sourceos.1 sourceos-agent.1 sourceosctl.1 sourceos-checks.d.5 sourceos-agents.d.5 \
         sourceos-agent-machine-profile.5; do
    [ -f "/usr/share/man/man${m##*.}/$m.gz" ] || fail "man page $m is not installed"
done
pass "completions, checks.d, schemas, man pages, header"
dpkg -L sourceos-agent-dev | grep -qx /usr/include/sourceos/plugin.h || fail "the header is not in -dev"
cflags=$(pkg-config --cflags sourceos-plugin) || fail "pkg-config does not find sourceos-plugin.pc"
plugindir=$(pkg-config --variable=plugindir sourceos-plugin) || fail "sourceos-plugin.pc has no plugindir"
[ -f "$plugindir/host.so" ] || fail "sourceos-plugin.pc's plugindir $plugindir does not hold the packaged plugins"
printf '#include <sourceos/plugin.h>\nint main(void) { return SOURCEOS_ABI_MAJOR == 1 ? 0 : 1; }\n' > "$work/abi.c"
# shellcheck disable=SC2086 # pkg-config's flags are words
cc $cflags -o "$work/abi" "$work/abi.c" && "$work/abi" ||
    fail "a plugin build against the -dev package"
pass "the -dev package builds against <sourceos/plugin.h> with pkg-config sourceos-plugin (plugindir $plugindir)"
dpkg --purge sourceos-agent-dev sourceos-agent > /dev/null 2>&1 || fail "dpkg --purge"
[ ! -e /usr/bin/sourceos ] || fail "/usr/bin/sourceos left after purge"
pass "purged"
