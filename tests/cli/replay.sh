#!/bin/sh
# sourceos evidence extract and doctor --from-bundle, over bundles laid out
# as core/capture.h says (tests/replay-bundle.py writes them until the
# capture does): extract round-trips every member byte for byte into a 0700
# tree without setuid bits or symlinks and refuses a tampered, hostile or
# misplaced extraction with nothing written; a replay runs the same checks
# on the bundle's tree with every command answered from its captures, so it
# names the same findings as the live run it was captured from without
# running a single stand-in, skips what was not captured, maps the
# capture's root prefix, reports the captured host, and leaves nothing.
. "$SOS_SRCDIR/tests/lib.sh"
MB="$SOS_BUILDDIR/tests/make-bundle"
RB="$PYTHON $SOS_SRCDIR/tests/replay-bundle.py"
V="$PYTHON $SOS_SRCDIR/tests/validate-json.py"
CTL="$SOS_BUILDDIR/sourceosctl"
AGENT="$SOS_BUILDDIR/sourceos-agent"
command -v zstd >/dev/null || skip_all "zstd is missing (bootstrap.sh installs it)"
# Replays make their private directory under TMPDIR: one that starts empty
# shows it is removed after.
mkdir -p "$TMP/rt"
export TMPDIR="$TMP/rt"
rt_empty() { [ -z "$(ls -A "$TMP/rt")" ]; }

# ---- evidence extract -------------------------------------------------------
S="$TMP/stage"
mkdir -p "$S/root/etc/app" "$S/root/usr/local/bin" "$S/commands" "$S/root/var/log"
printf 'ID=debian\nVERSION_ID=12\n' > "$S/root/etc/os-release"
printf 'secret = <redacted:password>\n' > "$S/root/etc/app/app.conf"
chmod 640 "$S/root/etc/app/app.conf"
printf '#!/bin/sh\necho hi\n' > "$S/root/usr/local/bin/tool"
chmod 4777 "$S/root/usr/local/bin/tool"          # setuid, world-writable
head -c 300000 /dev/urandom > "$S/root/var/log/app.log"
touch -d '2026-11-30 12:00:00 UTC' "$S/root/var/log/app.log"
printf '{"tool": "sourceos"}\n' > "$S/report.json"
printf '# Remediation\n' > "$S/remediation.md"
printf '{"argv": ["true"], "exit_status": 0}\n' > "$S/commands/001.json"
cat > "$TMP/extra.json" <<'JSON'
{"root": "/", "report": {"command": "doctor local-runtime"},
 "paths": [{"path": "/etc/os-release", "type": "file", "member": "root/etc/os-release"},
           {"path": "/var/lib/empty", "type": "dir"},
           {"path": "/etc/alternatives/tool", "type": "symlink", "target": "/usr/local/bin/tool"},
           {"path": "/etc/gone", "type": "missing"}]}
JSON
b=$($RB "$TMP/b.tar.zst" "$S" "$TMP/extra.json")
ok $? "a bundle with root/, commands/, report.json and remediation.md"
out=$("$SOS" evidence inspect "$b"); rc=$?
is "$rc" 0 "it verifies (the manifest's root, paths, report are accepted)"

mkdir "$TMP/x"
out=$(cd "$TMP/x" && "$SOS" evidence extract "$b" out); rc=$?
is "$rc" 0 "evidence extract: exit 0"
like "$out" '^Verified: +every member matches the manifest \(7 members\)' "it verified first"
like "$out" '^Extracted: 8 files into out, and 1 directory of the manifest.s paths' "and says what it wrote"
like "$out" 'not created: symlink /etc/alternatives/tool -> /usr/local/bin/tool' "the recorded symlink is named, not created"
X="$TMP/x/out"
is "$(stat -c %a "$X")" 700 "DIR is made 0700"
files() { (cd "$1" && find . -type f ! -name manifest.json | sort); }
is "$(files "$X")" "$(files "$S")" "every member is a file at its name"
same=0
for f in $(files "$S"); do cmp -s "$S/$f" "$X/$f" || same=1; done
ok "$same" "each byte for byte what was staged"
is "$(ls "$X")" "$(printf 'commands\nmanifest.json\nremediation.md\nreport.json\nroot')" "DIR/manifest.json, report.json, remediation.md, commands/, root/"
is "$(stat -c %a "$X/root/usr/local/bin/tool")" 755 "setuid and world-write dropped: 4777 -> 0755"
is "$(stat -c %a "$X/root/etc/app/app.conf")" 640 "0640 kept"
is "$(stat -c %a "$X/root/etc/os-release")" 644 "0644 kept"
is "$(stat -c %Y "$X/root/var/log/app.log")" "$(stat -c %Y "$S/root/var/log/app.log")" "mtime from the manifest"
ok "$(test -d "$X/root/var/lib/empty"; echo $?)" "a directory of the manifest's paths is made"
ok "$(test ! -e "$X/root/etc/alternatives/tool" && test ! -L "$X/root/etc/alternatives/tool"; echo $?)" "the symlink is not"
is "$(find "$X" -type l | wc -l)" 0 "no symlink anywhere in DIR"
is "$(ls -A "$TMP/x")" out "no temporary left beside DIR"

"$SOS" evidence extract "$b" "$TMP/x/json" --json > "$TMP/x.json"; rc=$?
is "$rc" 0 "--json: exit 0"
is "$(jget '[d["outcome"], d["verdict"], d["extracted"], d["files"], d["directories"]]' < "$TMP/x.json")" '["extracted", "verified", true, 8, 1]' "--json: outcome, verdict, counts"
is "$(jget 'd["not_created"]' < "$TMP/x.json")" '[{"path": "/etc/alternatives/tool", "target": "/usr/local/bin/tool", "why": "extract creates no symlink"}]' "--json: the symlink not created"
mkdir "$TMP/x/empty"
"$CTL" agent-machine evidence extract "$b" "$TMP/x/empty" >/dev/null; rc=$?
is "$rc" 0 "sourceosctl agent-machine evidence extract into an empty directory"
ok "$(cmp -s "$S/root/var/log/app.log" "$TMP/x/empty/root/var/log/app.log"; echo $?)" "same bytes"
is "$(stat -c %a "$TMP/x/empty")" 700 "the empty directory is replaced by the 0700 tree"

# A bundle of the real writer round-trips too.
mkdir -p "$TMP/w"
wb=$("$MB" "$TMP/w" w.tar.gz gzip root/var/log/app.log="$S/root/var/log/app.log" -m 'report.json={}')
"$SOS" evidence extract "$wb" "$TMP/w/out" >/dev/null; rc=$?
is "$rc" 0 "a core/bundle.c bundle (gzip) extracts"
ok "$(cmp -s "$S/root/var/log/app.log" "$TMP/w/out/root/var/log/app.log"; echo $?)" "its member byte for byte"

# DIR must be new or empty; nothing is written otherwise.
out=$("$SOS" evidence extract "$b" "$TMP/x/out" 2>&1); rc=$?
is "$rc" 64 "DIR not empty: exit 64"
like "$out" "is not empty: extract into a new or empty directory" "and says so"
is "$(ls -A "$TMP/x")" "$(printf 'empty\njson\nout')" "nothing was added beside it"
ln -s "$TMP/w/empty-target" "$TMP/x/link" && mkdir "$TMP/w/empty-target"
out=$("$SOS" evidence extract "$b" "$TMP/x/link" 2>&1); rc=$?
is "$rc" 64 "DIR a symlink (to an empty directory): exit 64"
is "$(ls -A "$TMP/w/empty-target")" "" "nothing written through it"
out=$("$SOS" evidence extract "$b" "$TMP/nonexistent/out" 2>&1); rc=$?
is "$rc" 64 "DIR's parent missing: exit 64"
out=$("$SOS" evidence extract "$b" 2>&1); rc=$?
is "$rc" 64 "no DIR: usage, exit 64"
like "$out" 'sourceos evidence extract FILE DIR' "the usage names FILE DIR"
out=$("$SOS" evidence extract --help); rc=$?
is "$rc" 0 "--help"
like "$out" 'Usage: sourceos evidence extract FILE DIR' "--help: the synopsis"
like "$out" 'O_NOFOLLOW' "--help: how it writes"
like "$out" '64 *$' "--help: the exit codes"

# Tampered and hostile bundles: refused, nothing written.
rewrite() { # rewrite IN OUT MODE: the bundle as gzip, with one change
    zstd -dcq "$1" > "$TMP/plain.tar"
    "$PYTHON" - "$TMP/plain.tar" "$2" "$3" <<'PY'
import io, json, sys, tarfile
src, out, mode = sys.argv[1:]
with tarfile.open(src) as t:
    members = [(m, t.extractfile(m).read()) for m in t.getmembers()]
with tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT) as t:
    for m, data in members:
        if mode == "flip" and m.name == "root/etc/os-release":
            data = b"X" + data[1:]
        if mode == "badpath" and m.name == "manifest.json":
            doc = json.loads(data)
            doc["paths"].append({"path": "/etc/../../escape", "type": "dir"})
            data = json.dumps(doc).encode()
        if mode == "dotdot" and m.name == "manifest.json":
            extra = tarfile.TarInfo("../escape"); extra.size = 1
            t.addfile(extra, io.BytesIO(b"x"))
        if mode == "symlink" and m.name == "manifest.json":
            extra = tarfile.TarInfo("root/etc/passwd"); extra.type = tarfile.SYMTYPE
            extra.linkname = "/etc/passwd"
            t.addfile(extra)
        m.size = len(data)
        t.addfile(m, io.BytesIO(data))
PY
}
mkdir "$TMP/h"
for k in flip:2 badpath:2 dotdot:3 symlink:3; do
    mode=${k%%:*} want=${k##*:}
    rewrite "$b" "$TMP/$mode.tar.gz" "$mode"
    out=$(cd "$TMP/h" && "$SOS" evidence extract "$TMP/$mode.tar.gz" out 2>&1); rc=$?
    is "$rc" "$want" "$mode: exit $want"
    is "$(ls -A "$TMP/h")" "" "$mode: nothing written, not even a temporary"
done
out=$(cd "$TMP/h" && "$SOS" evidence extract "$TMP/flip.tar.gz" out)
like "$out" '^  sha256 +root/etc/os-release: the manifest says sha256' "tampered: the member named"
like "$out" '^Nothing was extracted\.$' "and nothing extracted"
out=$(cd "$TMP/h" && "$SOS" evidence extract "$TMP/badpath.tar.gz" out); rc=$?
like "$out" "paths\[4\]\.path is not an absolute path of safe segments" "a path escaping the tree makes the manifest invalid"
ok "$(test ! -e "$TMP/escape"; echo $?)" "no ../escape outside"

# Ctrl-C (SIGTERM) while it writes: nothing left.
mkdir -p "$S/big/root/var/log" "$TMP/k"
head -c 150000000 /dev/zero > "$S/big/root/var/log/huge.log"
printf '{}' > "$TMP/empty.json"
big=$($RB "$TMP/big.tar.zst" "$S/big" "$TMP/empty.json")
rm -f "$S/big/root/var/log/huge.log"
"$SOS" evidence extract "$big" "$TMP/k/out" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 200); do
    [ -n "$(ls -A "$TMP/k")" ] && break
    sleep 0.01
done
kill -TERM "$pid"; wait "$pid"; rc=$?
is "$rc" 143 "SIGTERM while extracting: exit 143"
is "$(ls -A "$TMP/k")" "" "nothing left: no DIR, no temporary"

# ---- doctor --from-bundle: a systemd capture -------------------------------
# The live run: systemd.state and systemd.verify against the tree T with
# stand-ins for systemctl and systemd-analyze that log every call.
FIX="$FIXTURES/systemd"
T="$TMP/live-tree"
mkdir -p "$TMP/bin" "$TMP/data" "$T/usr/lib/systemd/system" "$T/etc/systemd/system"
cp -R "$FIXTURES/roots/debian/." "$T/"
cp "$FIX/agent.service" "$T/usr/lib/systemd/system/agent.service"
ln -s /usr/lib/systemd/system/agent.service "$T/etc/systemd/system/agent.service"
cp "$FIX/show-agent.txt" "$TMP/data/show.out"
cat > "$TMP/bin/systemctl" <<'SH'
#!/bin/sh
d="${0%/*}/../data"
echo "systemctl $*" >> "$d/calls"
cat "$d/show.out"
SH
cat > "$TMP/bin/systemd-analyze" <<'SH'
#!/bin/sh
d="${0%/*}/../data"
echo "systemd-analyze $*" >> "$d/calls"
[ "$1" = security ] && echo "Overall exposure level for agent.service: 9.6 UNSAFE"
exit 0
SH
chmod +x "$TMP/bin/systemctl" "$TMP/bin/systemd-analyze"
make_config sd <<YAML
checks:
  - {id: host.facts, plugin: host, check: facts, scope: runtime}
  - id: systemd.state
    plugin: systemd
    check: state
    after: [host.facts]
    scope: runtime
    params: {unit: agent.service, systemctl: $TMP/bin/systemctl}
  - id: systemd.verify
    plugin: systemd
    check: verify
    scope: runtime
    params: {unit: /etc/systemd/system/agent.service, systemd_analyze: $TMP/bin/systemd-analyze}
YAML
"$SOS" doctor local-runtime --json --live --root "$T" --plugin-dir "$BUILD_PLUGINS" \
    --config-dir "$TMP/sd" > "$TMP/live.json"; live_rc=$?
is "$live_rc" 1 "the live run: exit 1 (exposure high)"
is "$(wc -l < "$TMP/data/calls")" 3 "the live run ran the stand-ins 3 times"

# Its capture, as the contract lays it out.
C="$TMP/capture"
mkdir -p "$C/root/etc" "$C/root/usr/lib/systemd/system" "$C/commands"
cp "$T/etc/os-release" "$T/etc/hostname" "$C/root/etc/"
cp "$T/usr/lib/systemd/system/agent.service" "$C/root/usr/lib/systemd/system/"
cp "$TMP/live.json" "$C/report.json"
"$PYTHON" - "$TMP" "$T" "$C" <<'PY'
import json, sys
tmp, tree, c = sys.argv[1:]
show = open(tmp + "/data/show.out").read()
unit = tree + "/usr/lib/systemd/system/agent.service"
cmds = [
    {"argv": [tmp + "/bin/systemd-analyze", "verify", unit], "exit_status": 0,
     "check": "systemd.verify", "stdout": "", "stderr": "", "duration": 0.01},
    {"argv": [tmp + "/bin/systemctl", "show", "agent.service", "--no-pager"], "exit_status": 0,
     "check": "systemd.state", "stdout": show, "stderr": "", "duration": 0.01},
    {"argv": [tmp + "/bin/systemd-analyze", "security", "--offline=yes", unit],
     "exit_status": 0, "check": "systemd.verify",
     "stdout": "Overall exposure level for agent.service: 9.6 UNSAFE\n", "stderr": ""},
]
for i, cmd in enumerate(cmds):
    json.dump(cmd, open("%s/commands/%03d.json" % (c, i + 1), "w"))
live = json.load(open(tmp + "/live.json"))
extra = {"root": tree, "report": {"command": "doctor local-runtime"},
         "host": live["host"]["hostname"], "host_facts": live["host"],
         "paths": [
             {"path": "/etc/os-release", "type": "file", "member": "root/etc/os-release"},
             {"path": "/etc/systemd/system", "type": "dir"},
             {"path": "/etc/systemd/system/agent.service", "type": "symlink",
              "target": "/usr/lib/systemd/system/agent.service"},
             {"path": "/usr/lib/systemd/system/agent.service", "type": "file",
              "member": "root/usr/lib/systemd/system/agent.service"}]}
json.dump(extra, open(tmp + "/sd-extra.json", "w"))
PY
sb=$($RB "$TMP/sd.tar.zst" "$C" "$TMP/sd-extra.json")
ok $? "the capture's bundle"
like "$("$SOS" evidence inspect "$sb")" "Host: +$(jget 'd["host"]["hostname"]' < "$TMP/live.json")\$" "inspect shows the manifest's hostname"

# The tree is gone: whatever the replay reads comes from the bundle.
mv "$T" "$T.gone"
: > "$TMP/data/calls"
replay() { # replay BUNDLE [ARGS]: doctor --from-bundle, JSON in $TMP/replay.json
    b=$1; shift
    "$SOS" doctor local-runtime --json --from-bundle "$b" --plugin-dir "$BUILD_PLUGINS" \
        --config-dir "$TMP/sd" "$@" > "$TMP/replay.json" 2> "$TMP/replay.err"
}
findings() { # the findings of each check, comparable across runs
    jget '[(c["id"], c["status"], c.get("reason"), [(f["code"], f["severity"], f["message"], f.get("path")) for f in c["findings"]]) for c in d["checks"]]'
}
replay "$sb"; rc=$?
is "$rc" "$live_rc" "the replay exits as the live run did ($live_rc)"
is "$(findings < "$TMP/replay.json")" "$(findings < "$TMP/live.json")" "the same checks, statuses and findings as the live run"
is "$(jget "find('systemd.state')['findings'][0]['code']" < "$TMP/replay.json")" systemd.unit-running "through the recreated symlink the unit file is found (no stale finding)"
is "$(cat "$TMP/data/calls")" "" "no stand-in ran at the replay"
is "$(jget '[x["argv"] for c in d["checks"] for x in c.get("commands", [])]' < "$TMP/replay.json")" \
   "$(jget '[x["argv"] for c in d["checks"] for x in c.get("commands", [])]' < "$TMP/live.json")" "its commands are the captured ones, as the live run recorded them"
is "$(jget 'd["command"]' < "$TMP/replay.json")" "doctor local-runtime (from bundle $sb)" "the report says it is a replay"
is "$(jget 'd["host"]' < "$TMP/replay.json")" "$(jget 'd["host"]' < "$TMP/live.json")" "the host is the captured one"
$V "$SOS_SRCDIR/schemas/report.schema.json" "$TMP/replay.json" >&2
ok $? "the replayed report is valid against report.schema.json"
ok "$(rt_empty; echo $?)" "the private directory is removed"

# A command the bundle did not capture: skipped, never run.
rm "$C/commands/002.json"
nb=$($RB "$TMP/nc.tar.zst" "$C" "$TMP/sd-extra.json")
replay "$nb"; rc=$?
is "$(jget "find('systemd.state')['status']" < "$TMP/replay.json")" skipped "systemctl show not captured: systemd.state skipped"
is "$(jget "find('systemd.state')['reason']" < "$TMP/replay.json")" "not captured in the bundle: $TMP/bin/systemctl show agent.service --no-pager" "the reason names the command"
is "$(jget "find('systemd.verify')['status']" < "$TMP/replay.json")" warning "the other checks are answered as before"
is "$(cat "$TMP/data/calls")" "" "and nothing ran"
ok "$(rt_empty; echo $?)" "nothing left"

# The root prefix: the captured argv names the tree the capture read; a
# manifest that says another root leaves systemd-analyze's words unmatched.
"$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); d["root"]="/somewhere/else"; json.dump(d, open(sys.argv[2],"w"))' \
    "$TMP/sd-extra.json" "$TMP/other-root.json"
ob=$($RB "$TMP/or.tar.zst" "$C" "$TMP/other-root.json")
replay "$ob"
like "$(jget "find('systemd.verify')['reason']" < "$TMP/replay.json")" "^not captured in the bundle: $TMP/bin/systemd-analyze verify " "with another root the captured paths do not map: not captured"
is "$(cat "$TMP/data/calls")" "" "still nothing ran"

# Usage and refusals.
out=$("$SOS" doctor local-runtime --from-bundle "$sb" --root / 2>&1); rc=$?
is "$rc" 64 "--from-bundle with --root: exit 64"
like "$out" "cannot be combined with --root" "and says why"
out=$("$SOS" doctor local-runtime --from-bundle "$sb" --live 2>&1); rc=$?
is "$rc" 64 "--from-bundle with --live: exit 64"
out=$("$SOS" checks --from-bundle "$sb" 2>&1); rc=$?
is "$rc" 64 "--from-bundle on another command: exit 64"
replay "$TMP/flip.tar.gz"; rc=$?
is "$rc" 3 "a tampered bundle: exit 3"
like "$(cat "$TMP/replay.err")" "refused: it is tampered" "refused as tampered"
is "$(wc -c < "$TMP/replay.json")" 0 "no report: nothing ran"
replay "$TMP/nonexistent.tar.zst"; rc=$?
is "$rc" 3 "a missing bundle: exit 3"
ok "$(rt_empty; echo $?)" "nothing left after either"
like "$("$SOS" doctor local-runtime --help)" "from-bundle FILE" "doctor --help names --from-bundle"

# ---- what a replay answers, and what it does not ----------------------------
cat > "$TMP/bin/standin" <<SH
#!/bin/sh
echo "ran \$*" >> "$TMP/marker"
echo "live answer \$*"
SH
chmod +x "$TMP/bin/standin"
make_config bh <<YAML
checks:
  - id: t.cmd
    plugin: behave
    check: command
    params: {argv: ["$TMP/bin/standin", "one"]}
  - id: t.twice
    plugin: behave
    check: command
    params: {argv: ["$TMP/bin/standin", "two"]}
  - id: t.uncaptured
    plugin: behave
    check: command
    params: {argv: ["$TMP/bin/standin", "three"]}
  - id: t.http
    plugin: behave
    check: http
    params: {url: "http://127.0.0.1:9", target: /_ping}
  - id: t.live
    plugin: behave
    check: expect-fact
    params: {key: host.live, value: "true"}
  - id: t.hostname
    plugin: behave
    check: expect-fact
    params: {key: host.hostname, value: capture-host-7}
  - id: t.os
    plugin: behave
    check: expect-fact
    params: {key: host.os, value: macos}
  - {id: t.homes, plugin: behave, check: homes}
YAML
B2="$TMP/bh-capture"
mkdir -p "$B2/commands" "$B2/root/Users/alice"
printf 'export PATH\n' > "$B2/root/Users/alice/.zprofile"
printf '{"argv": ["%s/bin/standin", "one"], "exit_status": 0, "check": "t.cmd", "stdout": "captured answer"}\n' "$TMP" > "$B2/commands/001.json"
printf '{"argv": ["%s/bin/standin", "two"], "exit_status": 0, "check": "t.twice", "stdout": "first of two"}\n' "$TMP" > "$B2/commands/002.json"
printf '{"argv": ["%s/bin/standin", "two"], "exit_status": 7, "check": null, "stdout": "second of two"}\n' "$TMP" > "$B2/commands/010.json"
printf '{}\n' > "$B2/report.json"
cat > "$TMP/bh-extra.json" <<'JSON'
{"root": "/", "report": {"command": "doctor local-runtime"},
 "host": "capture-host-7",
 "host_facts": {"os": "macos", "os_name": "macOS", "os_version": "14.5", "arch": "arm64",
          "kernel": "23.5.0", "hostname": "capture-host-7", "wsl": false, "container": false,
          "root": false}}
JSON
hb=$($RB "$TMP/bh.tar.gz" "$B2" "$TMP/bh-extra.json")
"$SOS" doctor local-runtime --json --from-bundle "$hb" --plugin-dir "$TEST_PLUGINS" \
    --config-dir "$TMP/bh" > "$TMP/bh.json"; rc=$?
st() { jget "find('$1')['$2']" < "$TMP/bh.json"; }
is "$(jget "find('t.cmd')['findings'][0]['evidence']['stdout']" < "$TMP/bh.json")" "captured answer" "a captured command: the check gets the captured stdout"
is "$(st t.cmd status)" ok "and its exit status"
is "$(st t.twice status)" ok "the check's own capture comes first (exit 0, not the capture's own 7)"
is "$(st t.uncaptured status)" skipped "a command not captured: skipped"
is "$(st t.uncaptured reason)" "not captured in the bundle: $TMP/bin/standin three" "reason: not captured, with the command"
is "$(st t.http status)" skipped "an HTTP probe: skipped"
is "$(st t.http reason)" "not captured in the bundle: GET http://127.0.0.1:9 /_ping" "reason: not captured"
is "$(st t.live status)" ok "host.live reads true, as at capture"
is "$(st t.hostname status)" ok "host.hostname is the captured host's"
is "$(st t.os status)" ok "host.os too (macos, on this Linux machine)"
is "$(jget 'd["host"]["os_version"]' < "$TMP/bh.json")" 14.5 "the report's host is the manifest's"
is "$(jget "[f['message'] for f in find('t.homes')['findings']]" < "$TMP/bh.json")" '["alice /Users/alice"]' "the homes are the bundle's, not this user's HOME"
ok "$(test ! -e "$TMP/marker"; echo $?)" "the stand-in never ran (no marker file)"
ok "$(rt_empty; echo $?)" "nothing left"

# sourceos-agent doctor NAME --from-bundle
mkdir -p "$TMP/bh/agents.d"
printf 'name: web\nimage: localhost/web@sha256:0123\n' > "$TMP/bh/agents.d/web.yaml"
"$AGENT" doctor web --json --from-bundle "$hb" --plugin-dir "$TEST_PLUGINS" \
    --config-dir "$TMP/bh" > "$TMP/agent.json" 2> "$TMP/agent.err"
is "$(jget 'd["command"]' < "$TMP/agent.json")" "doctor web (from bundle $hb)" "sourceos-agent doctor NAME --from-bundle: the command says so"
is "$(jget "find('t.cmd')['findings'][0]['evidence']['stdout']" < "$TMP/agent.json")" "captured answer" "answered from the bundle too"
like "$(cat "$TMP/agent.err")" "warning: the bundle's report.json is of 'doctor local-runtime'; this replays 'doctor web'" "a replay of another command than the capture's is said"
ok "$(test ! -e "$TMP/marker"; echo $?)" "no stand-in ran"

# Interrupted while its checks run: the private directory goes too.
make_config slow <<'YAML'
checks:
  - {id: t.slow, plugin: behave, check: status, params: {sleep_ms: "5000"}}
YAML
"$SOS" doctor local-runtime --json --from-bundle "$hb" --plugin-dir "$TEST_PLUGINS" \
    --config-dir "$TMP/slow" > "$TMP/slow.json" 2>/dev/null &
pid=$!
for _ in $(seq 1 300); do
    [ -n "$(ls -A "$TMP/rt")" ] && break
    sleep 0.01
done
sleep 0.3
kill -TERM "$pid"; wait "$pid"; rc=$?
is "$rc" 143 "SIGTERM during a replay: exit 143"
is "$(jget "find('t.slow')['status']" < "$TMP/slow.json")" interrupted "the running check is interrupted"
ok "$(rt_empty; echo $?)" "the private directory is removed"
done_testing
