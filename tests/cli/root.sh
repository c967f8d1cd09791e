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

# ---- --root must be a directory this user can read ----------------------------
err=$("$SOS" doctor local-runtime --root "$TMP/nonexistent" 2>&1 >/dev/null); rc=$?
is "$rc" 64 "--root of a path that does not exist: usage error"
like "$err" "--root $TMP/nonexistent: no such directory" "saying so"
err=$("$SOS" doctor local-runtime --root /etc/passwd 2>&1 >/dev/null); rc=$?
is "$rc" 64 "--root of a file: usage error"
like "$err" "--root /etc/passwd is not a directory" "saying so"
# As another (numeric, maybe nonexistent) user: a 0700 tree of root's.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    mkdir -p "$TMP/pub/locked"; chmod 755 "$TMP" "$TMP/pub"; chmod 700 "$TMP/pub/locked"
    other_user_build
    err=$(setpriv --reuid=12345 --regid=12345 --clear-groups \
          "$OTHER_SOS" doctor local-runtime --root "$TMP/pub/locked" 2>&1 >/dev/null); rc=$?
    is "$rc" 64 "--root of a directory this user cannot read: usage error"
    like "$err" "--root $TMP/pub/locked cannot be read \(Permission denied\)" "saying why"
    chmod 700 "$TMP"
else
    is "$(id -u)" 0 "the unreadable --root test runs as root (to drop to uid 12345)"
fi

# ---- under --root a run is offline unless --live ----------------------------------
mkdir -p "$TMP/deb/run/api"
make_config live <<YAML
checks:
  - {id: t.cmd, plugin: behave, check: command, params: {argv: [sh, -c, "touch $TMP/called"]}}
  - {id: t.http, plugin: behave, check: http, params: {url: "unix:///run/api/sock"}}
  - {id: t.read, plugin: behave, check: read, params: {path: /etc/hostname}}
YAML
lrun() { "$SOS" doctor local-runtime --json --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/live" --root "$TMP/deb" "$@"; }
out=$(lrun); rc=$?
is "$(st t.cmd status)" skipped "offline: a check that runs a command is skipped"
is "$(st t.cmd reason)" "offline analysis of a tree; --live to ask this machine" "with the one reason"
is "$(printf '%s' "$out" | jget "len(find('t.cmd')['findings'])")" 0 "what it made of the missing answer is dropped"
is "$(printf '%s' "$out" | jget "len(find('t.cmd').get('commands', []))")" 0 "and no command is recorded"
test ! -e "$TMP/called"; ok $? "the command was not run"
is "$(st t.http status)" skipped "offline: an HTTP probe is not made either"
is "$(st t.http reason)" "offline analysis of a tree; --live to ask this machine" "same reason"
is "$(st t.read status)" ok "reading the tree still works offline"
is "$rc" 0 "skipped checks do not count"
out=$("$SOS" doctor local-runtime --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/live" --root "$TMP/deb")
like "$out" "SKIP +t.cmd" "human output: skipped"
like "$out" "offline analysis of a tree; --live to ask this machine" "with the reason"
out=$(lrun --live)
is "$(st t.cmd status)" ok "--live: the command runs"
test -e "$TMP/called"; ok $? "and did its work"
is "$(st t.http status)" failure "--live: the probe is made (nothing listens)"
is "$(printf '%s' "$out" | jget "find('t.http')['commands'][0]['argv'][0]")" GET "and recorded"
rm -f "$TMP/called"
out=$("$SOS" doctor local-runtime --json --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/live" --root /)
is "$(st t.cmd status)" ok "--root / is this machine: not offline"

# ---- the homes of a tree ------------------------------------------------------------
mkdir -p "$TMP/homes/Users/alice" "$TMP/homes/Users/bob" "$TMP/homes/Users/Shared" \
         "$TMP/homes/home/carol" "$TMP/homes/root" "$TMP/homes/Users/.hidden"
touch "$TMP/homes/Users/notadir"
make_config homes <<'YAML'
checks:
  - {id: t.homes, plugin: behave, check: homes}
YAML
hrun() { HOME=/home/analyst USER=analyst "$SOS" doctor local-runtime --json --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/homes" "$@"; }
homes() { printf '%s' "$out" | jget "' '.join(f['message'] for f in find('t.homes')['findings'])"; }
out=$(hrun --root "$TMP/homes")
is "$(homes)" "alice /Users/alice bob /Users/bob carol /home/carol root /root" "--root: every home of the tree, not Shared, not the analyst's"
out=$(hrun --root "$TMP/homes" --live)
is "$(homes)" "alice /Users/alice bob /Users/bob carol /home/carol root /root analyst /home/analyst" "--live: and the invoking user's"
out=$(hrun)
is "$(homes)" "analyst /home/analyst" "without --root: the invoking user's home"
done_testing
