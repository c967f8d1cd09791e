#!/bin/sh
# --root: the OS comes from the tree (a copied Mac is analysed as macOS on
# Linux), `when: os:` follows it, and file reads stay inside the tree.
. "$SOS_SRCDIR/tests/lib.sh"

make_config cfg <<'YAML'
checks:
  - {id: t.mac, plugin: behave, check: status, when: {os: [macos]}}
  - {id: t.linux, plugin: behave, check: status, when: {os: [linux]}}
  - {id: t.hostname, plugin: behave, check: read, params: {path: /etc/hostname}}
  - {id: t.escape, plugin: behave, check: read, params: {path: /etc/escape}}
  - {id: t.abs, plugin: behave, check: read, params: {path: /etc/abs}}
  - {id: t.fifo, plugin: behave, check: read, params: {path: /etc/fifo}}
YAML
run() { "$SOS" doctor local-runtime --json --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/cfg" --root "$1"; }
st() { printf '%s' "$out" | jget "find('$1')['$2']"; }

out=$(run "$FIXTURES/roots/macos")
is "$(printf '%s' "$out" | jget 'd["host"]["os"]')" macos "a macOS tree is analysed as macOS"
is "$(printf '%s' "$out" | jget 'd["host"]["os_version"]')" 14.6 "with its version from SystemVersion.plist"
is "$(st t.mac status)" ok "when: os: [macos] runs"
is "$(st t.linux status)" skipped "when: os: [linux] is skipped"
like "$(st t.linux reason)" 'applies only to linux; this host is macos' "and says why"

if command -v plistutil >/dev/null 2>&1; then
    mkdir -p "$TMP/bmac/System/Library/CoreServices"
    plistutil -i "$FIXTURES/roots/macos/System/Library/CoreServices/SystemVersion.plist" \
        -o "$TMP/bmac/System/Library/CoreServices/SystemVersion.plist" -f bin
    out=$(run "$TMP/bmac")
    is "$(printf '%s' "$out" | jget 'd["host"]["os_version"]')" 14.6 "a binary SystemVersion.plist reads the same"
else
    is "plistutil" "installed" "plistutil (libplist-utils) is installed for the binary plist test"
fi

mkdir -p "$TMP/mac-bad/System/Library/CoreServices"
printf 'bplist00\001\002garbage' > "$TMP/mac-bad/System/Library/CoreServices/SystemVersion.plist"
out=$(run "$TMP/mac-bad"); rc=$?
is "$(printf '%s' "$out" | jget 'd["host"]["os"]')" macos "a truncated plist still says macOS, without crashing"

# A NUL byte in ProductVersion: libplist 2.2 aborts in plist_get_string_val()
# on it, which killed sourceos itself (exit 134, no report).
mkdir -p "$TMP/mac-nul/System/Library/CoreServices"
printf '<?xml version="1.0"?>\n<plist version="1.0"><dict><key>ProductName</key><string>macOS</string><key>ProductVersion</key><string>14\0006</string></dict></plist>\n' > "$TMP/mac-nul/System/Library/CoreServices/SystemVersion.plist"
out=$(run "$TMP/mac-nul"); rc=$?
[ "$rc" -lt 64 ]; ok $? "a SystemVersion.plist with a NUL in a string does not kill sourceos (exit $rc)"
is "$(printf '%s' "$out" | jget 'd["host"]["os"]')" macos "it is still macOS"
is "$(printf '%s' "$out" | jget 'd["host"]["os_version"]')" "" "with no version made of the NUL-cut string"

cp -R "$FIXTURES/roots/debian" "$TMP/deb"
ln -s ../../../../../../../../etc/passwd "$TMP/deb/etc/escape"
ln -s /etc/hostname "$TMP/deb/etc/abs"
mkfifo "$TMP/deb/etc/fifo"
out=$(run "$TMP/deb")
is "$(printf '%s' "$out" | jget 'd["host"]["os"]')" linux "a Debian tree is linux"
is "$(printf '%s' "$out" | jget 'd["host"]["os_name"]')" "Debian GNU/Linux 12 (bookworm)" "named from its os-release"
is "$(printf '%s' "$out" | jget 'd["host"]["hostname"]')" builder-12 "hostname from the tree"
is "$(st t.mac status)" skipped "when: os: [macos] is skipped on it"
is "$(printf '%s' "$out" | jget "find('t.hostname')['findings'][0]['evidence']['content']")" builder-12 "files are read from the tree"
is "$(printf '%s' "$out" | jget "find('t.escape')['findings'][0]['evidence']['errno']")" 18 "a symlink out of the root is refused (EXDEV)"
is "$(printf '%s' "$out" | jget "find('t.abs')['findings'][0]['evidence']['content']")" builder-12 "an absolute symlink resolves inside the root"
is "$(st t.fifo status)" failure "a FIFO is refused, not read (no hang)"
done_testing
