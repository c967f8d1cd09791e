#!/bin/sh
# sourceos evidence inspect: a bundle written by core/bundle.c verifies (and
# its manifest matches schemas/quarantine-manifest.schema.json); each kind
# of tampering is named (exit 2); hostile archives are refused (exit 3)
# without anything written outside the test's directory.
. "$SOS_SRCDIR/tests/lib.sh"
MB="$SOS_BUILDDIR/tests/make-bundle"
V="$PYTHON $SOS_SRCDIR/tests/validate-json.py"
command -v zstd >/dev/null || skip_all "zstd is missing (bootstrap.sh installs it)"

mkdir -p "$TMP/out" "$TMP/src"
seq 1 200000 > "$TMP/src/app.log"           # 1288895 bytes
printf 'unit definition\n' > "$TMP/src/unit.service"
b=$("$MB" "$TMP/out" b.tar.zst zstd -c 1048576 logs/app.log="$TMP/src/app.log" \
    definition/unit.service="$TMP/src/unit.service" -m 'auth.json={"auth": "<redacted:auth>"}' \
    -a '{"step": "stop", "verified": true}')
ok $? "make-bundle writes a zstd bundle"
is "$(stat -c %a "$b")" 600 "mode 0600"

out=$("$SOS" evidence inspect "$b"); rc=$?
is "$rc" 0 "evidence inspect verifies it"
like "$out" '^Verified: +every member matches the manifest \(3 members\)' "and says so"
like "$out" 'Agent: +test-agent' "the agent"
like "$out" '1048576  logs/app\.log  \(truncated: last bytes of 1288895\)' "the truncated log with its original size"
like "$out" 'auth\.json  \(redacted\)' "the redacted member"
like "$out" '"step":"stop"' "the actions"
"$SOS" evidence inspect "$b" --json > "$TMP/v.json"; rc=$?
is "$rc" 0 "--json exits 0 too"
is "$(jget 'd["verdict"]' < "$TMP/v.json")" verified "verdict verified"
is "$(jget '[m["name"] for m in d["members"]]' < "$TMP/v.json")" '["logs/app.log", "definition/unit.service", "auth.json"]' "the members, in order"
out=$("$SOS_BUILDDIR/sourceosctl" agent-machine evidence inspect "$b"); rc=$?
is "$rc" 0 "sourceosctl agent-machine evidence inspect verifies it too"
zstd -dcq "$b" | tar -xOf - manifest.json > "$TMP/manifest.json"
$V "$SOS_SRCDIR/schemas/quarantine-manifest.schema.json" "$TMP/manifest.json" >&2
ok $? "its manifest is valid against quarantine-manifest.schema.json"
is "$(zstd -dcq "$b" | tar -tf - | tail -n 1)" manifest.json "the manifest is the last member"
is "$(zstd -dcq "$b" | tar -xOf - logs/app.log | tail -n 1)" 200000 "the log's last line was kept"
$V "$SOS_SRCDIR/schemas/quarantine-manifest.schema.json" /dev/stdin >/dev/null 2>&1 <<'JSON'
{"format_version": 1, "tool_version": "x", "host": "h", "agent": "a", "captured": "2026-01-01T00:00:00Z",
 "members": [{"name": "../x", "size": 1, "mode": 420, "mtime": 0, "sha256": "00", "truncated": false,
   "original_size": 1, "redacted": false}], "commands": [], "actions": []}
JSON
is "$?" 1 "the schema rejects a '..' member and a short sha256"

# Tampering: the archive rewritten (gzip) by python's tarfile.
tamper() { # tamper OUT MODE: copies $b with one change
    zstd -dcq "$b" > "$TMP/plain.tar"
    "$PYTHON" - "$TMP/plain.tar" "$1" "$2" <<'PY'
import io, json, sys, tarfile
src, out, mode = sys.argv[1:]
members = []
with tarfile.open(src) as t:
    for m in t.getmembers():
        members.append((m, t.extractfile(m).read()))
with tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT) as t:
    for m, data in members:
        if mode == "flip" and m.name == "definition/unit.service":
            data = bytes([data[0] ^ 1]) + data[1:]
        if mode == "remove" and m.name == "auth.json":
            continue
        if mode == "manifest" and m.name == "manifest.json":
            doc = json.loads(data)
            doc["agent"] = "someone-else"
            doc["members"][1]["size"] = 3
            data = json.dumps(doc).encode()
        if mode == "badmanifest" and m.name == "manifest.json":
            data = b'{"format_version": 1}'
        if mode == "add" and m.name == "manifest.json":
            extra = tarfile.TarInfo("logs/planted.log"); extra.size = 4
            t.addfile(extra, io.BytesIO(b"evil"))
        m.size = len(data)
        t.addfile(m, io.BytesIO(data))
PY
}
tamper "$TMP/same.tar.gz" none
"$SOS" evidence inspect "$TMP/same.tar.gz" >/dev/null
is "$?" 0 "rewritten unchanged as gzip, it still verifies"
tamper "$TMP/flip.tar.gz" flip
out=$("$SOS" evidence inspect "$TMP/flip.tar.gz"); rc=$?
is "$rc" 2 "a flipped byte: exit 2"
like "$out" '^  sha256 +definition/unit\.service: the manifest says sha256' "naming the member and the sha256"
tamper "$TMP/add.tar.gz" add
out=$("$SOS" evidence inspect "$TMP/add.tar.gz" --json); rc=$?
is "$rc" 2 "an added member: exit 2"
is "$(echo "$out" | jget '[(p["kind"], p["member"]) for p in d["problems"]]')" '[["extra", "logs/planted.log"]]' "named as extra"
tamper "$TMP/remove.tar.gz" remove
out=$("$SOS" evidence inspect "$TMP/remove.tar.gz"); rc=$?
is "$rc" 2 "a removed member: exit 2"
like "$out" 'missing +auth\.json: listed in the manifest, not in the archive' "named as missing"
tamper "$TMP/manifest.tar.gz" manifest
out=$("$SOS" evidence inspect "$TMP/manifest.tar.gz"); rc=$?
is "$rc" 2 "a rewritten manifest: exit 2"
like "$out" 'size +definition/unit\.service: the manifest says 3 bytes, the archive holds 16' "naming the member whose size it changed"
tamper "$TMP/bad.tar.gz" badmanifest
out=$("$SOS" evidence inspect "$TMP/bad.tar.gz"); rc=$?
is "$rc" 2 "an invalid manifest: exit 2"
like "$out" 'manifest +manifest\.json: not a valid manifest' "named as invalid"

# Hostile archives: refused, exit 3, nothing written (run from an empty
# directory inside $TMP; '..' would land in $TMP).
hostile() { # hostile OUT KIND
    "$PYTHON" - "$1" "$2" <<'PY'
import io, sys, tarfile
out, kind = sys.argv[1:]
with tarfile.open(out, "w:gz") as t:
    def add(name, data=b"x", **kw):
        i = tarfile.TarInfo(name); i.size = len(data)
        for k, v in kw.items(): setattr(i, k, v)
        t.addfile(i, io.BytesIO(data) if i.type == tarfile.REGTYPE else None)
    if kind == "dotdot": add("../escape")
    if kind == "absolute": add("/tmp/sos-evidence-absolute")
    if kind == "symlink": add("link", b"", type=tarfile.SYMTYPE, linkname="/etc/passwd")
    if kind == "hardlink": add("a"); add("hard", b"", type=tarfile.LNKTYPE, linkname="a")
    if kind == "device": add("dev", b"", type=tarfile.CHRTYPE, devmajor=1, devminor=3)
    if kind == "dup": add("same"); add("same")
    add("manifest.json", b"{}")
PY
}
mkdir "$TMP/cwd"
for k in dotdot absolute symlink hardlink device dup; do
    hostile "$TMP/$k.tar.gz" $k
    out=$(cd "$TMP/cwd" && "$SOS" evidence inspect "$TMP/$k.tar.gz" 2>&1); rc=$?
    is "$rc" 3 "hostile archive ($k): exit 3"
    case $k in
        dotdot|absolute) want="is not a safe relative path" ;;
        symlink) want="is not a regular file \(a symbolic link\)" ;;
        hardlink) want="is not a regular file \(a hard link\)" ;;
        device) want="is not a regular file \(a device" ;;
        dup) want="member same appears twice" ;;
    esac
    like "$out" "refused: .*$want" "and says why ($k)"
done
is "$(ls -A "$TMP/cwd")" "" "nothing was written where it ran"
ok "$(test ! -e "$TMP/escape" && test ! -e /tmp/sos-evidence-absolute; echo $?)" "nor outside it"

head -c 3000 "$TMP/flip.tar.gz" > "$TMP/cut.tar.gz"
head -c 20000 "$b" > "$TMP/cut.tar.zst"
for f in cut.tar.gz cut.tar.zst; do
    out=$("$SOS" evidence inspect "$TMP/$f" 2>&1); rc=$?
    is "$rc" 3 "a truncated stream ($f): exit 3"
done
printf 'not an archive at all\n' > "$TMP/text"
out=$("$SOS" evidence inspect "$TMP/text" 2>&1); rc=$?
is "$rc" 3 "a file that is no archive: exit 3"
out=$("$SOS" evidence inspect "$TMP/nonexistent" --json); rc=$?
is "$rc" 3 "a missing file: exit 3"
is "$(echo "$out" | jget 'd["verdict"]')" unreadable "its JSON says unreadable"

# A zstd bomb: 1.1 GiB of zeros in a few kB, refused on its header.
truncate -s 1100M "$TMP/src/zeros"
(cd "$TMP/src" && tar -cf - zeros) | zstd -1 -q -T2 > "$TMP/bomb.tar.zst"
rm -f "$TMP/src/zeros"
start=$(date +%s)
out=$("$SOS" evidence inspect "$TMP/bomb.tar.zst" 2>&1); rc=$?
took=$(( $(date +%s) - start ))
is "$rc" 3 "a zstd bomb ($(stat -c %s "$TMP/bomb.tar.zst") bytes): exit 3"
like "$out" "member zeros is 1153433600 bytes, over the cap of 1073741824" "refused on its size"
ok "$(test "$took" -le 2; echo $?)" "at once (${took}s), not after decompressing it"

# The writer's read-back scan deletes a bundle with a planted secret.
printf 'token in a log: Authorization: Bearer abcdefABCDEF0123456789xyz\n' > "$TMP/src/leak.log"
out=$("$MB" "$TMP/out" leak.tar.zst zstd logs/leak.log="$TMP/src/leak.log" 2>&1); rc=$?
is "$rc" 1 "a bundle with a bearer token in it fails"
like "$out" "member logs/leak.log holds a secret \(bearer\); the bundle was deleted" "naming the member and the kind"
ok "$(echo "$out" | grep -q abcdefABCDEF; test $? -ne 0; echo $?)" "never the secret"
is "$(ls -A "$TMP/out")" "b.tar.zst" "and no leak.tar.zst (nor a temporary) is left"
done_testing
