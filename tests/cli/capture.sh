#!/bin/sh
# The capture half of quarantine (core/capture.c, driven by tests/run-capture)
# on the incident's macOS tree: the bundle holds the doctor's report, every
# command asked (its output too), every file the checks read, redacted, and
# remediation.md; `evidence inspect` verifies it; no planted secret is in it.
. "$SOS_SRCDIR/tests/lib.sh"
. "$SOS_SRCDIR/tests/incident-mac.sh"
V="$PYTHON $SOS_SRCDIR/tests/validate-json.py"
CAP="$SOS_BUILDDIR/tests/run-capture"
TOKEN=ghp_R3alLook1ngT0kenValue0123456789abcd
# alice:S3cretPassw0rd!, as a registry login writes it
BASIC=YWxpY2U6UzNjcmV0UGFzc3cwcmQh
printf '2026-11-28T03:14:08Z retry with Authorization: Bearer %s\n' "$TOKEN" >> "$MAC/tmp/node-commander.err.log"
printf '2026-11-28T03:14:09Z auth header Basic %s refused\n' "$BASIC" >> "$MAC/tmp/node-commander.err.log"
cat > "$MAC/Users/alice/.docker/config.json" <<JSON
{"auths": {"us-docker.pkg.dev": {"auth": "$BASIC"}, "ghcr.io": {"auth": "$(printf 'alice:%s' "$TOKEN" | base64 -w0)"}},
 "credHelpers": {"gcr.io": "gcloud"}}
JSON
chown 501 "$MAC/Users/alice/.docker/config.json"
OUTD="$TMP/out"
capture() { # capture [OPTIONS]: the incident's job, as quarantine will name it
    PATH="$TMP/bin:/usr/bin:/bin" "$CAP" --root "$MAC" --config-dir "$SOS_SRCDIR" \
        --plugin-dir "$BUILD_PLUGINS" --output "$OUTD" --name node-commander \
        --label org.nixos.node-commander --domain gui/501 --plist "$PL" "$@"
}

b=$(capture 2>"$TMP/err"); rc=$?
is "$rc" 0 "the capture exits 0"
[ "$rc" = 0 ] || cat "$TMP/err" >&2
like "$b" "^$OUTD/node-commander-[0-9]{8}T[0-9]{6}Z\\.tar\\.zst\$" "named NAME-YYYYmmddTHHMMSSZ.tar.zst in the output directory"
is "$(stat -c %a "$b")" 600 "mode 0600"
is "$(stat -c %a "$OUTD")" 700 "the output directory made 0700"
is "$(ls -A "$OUTD" | wc -l)" 1 "nothing else left there (no temporary)"
out=$("$SOS" evidence inspect "$b"); rc=$?
is "$rc" 0 "evidence inspect verifies it"
X="$TMP/x"; mkdir "$X"
zstd -dcq "$b" | tar -xf - -C "$X"
for m in manifest.json remediation.md report.json "root$PL" \
         "root$STORE/bin/node-commander" root/tmp/node-commander.err.log \
         root/Users/alice/.docker/config.json commands/001.json; do
    [ -f "$X/$m" ]; ok $? "member $m"
done
$V "$SOS_SRCDIR/schemas/quarantine-manifest.schema.json" "$X/manifest.json" >&2
ok $? "the manifest is valid against quarantine-manifest.schema.json"
cmp -s "$MAC$PL" "$X/root$PL"; ok $? "the plist as found, byte for byte"
cmp -s "$MAC$STORE/bin/node-commander" "$X/root$STORE/bin/node-commander"; ok $? "the wrapper it execs"
is "$(wc -l < "$X/root/tmp/node-commander.err.log")" 4002 "the whole error log"

# no planted secret, in the tree or in the raw stream
unlike "$(grep -rl -e "$TOKEN" -e "$BASIC" -e 'S3cretPassw0rd' "$X")" . "no planted secret in the extracted tree"
zstd -dcq "$b" | grep -a -q -e "$TOKEN" -e "$BASIC" -e 'S3cretPassw0rd'; is "$?" 1 "nor in the raw stream"
like "$(cat "$X/root/tmp/node-commander.err.log")" 'Bearer <redacted' "the bearer token became a marker"
like "$(jget 'd["auths"]["us-docker.pkg.dev"]["auth"]' < "$X/root/Users/alice/.docker/config.json")" '^<redacted:[a-z-]+>$' \
    "the auth file keeps its structure, its value redacted"
is "$(jget 'd["credHelpers"]' < "$X/root/Users/alice/.docker/config.json")" '{"gcr.io": "gcloud"}' "and the helper names"
is "$(jget '[m["redacted"] for m in d["members"] if m["name"] == "root/tmp/node-commander.err.log"]' < "$X/manifest.json")" '[true]' \
    "the error log with the token is flagged redacted"
is "$(jget '[m["redacted"] for m in d["members"] if m["name"] in ("root/tmp/node-commander.out.log", "root'"$PL"'")]' < "$X/manifest.json")" '[false, false]' \
    "a file the filter did not change is not"

# the commands: the checks' and the capture's own, with their output
cmds=$(for f in "$X"/commands/*.json; do jget '" ".join(d["argv"])' < "$f"; done)
like "$cmds" '^launchctl print gui/501/org\.nixos\.node-commander$' "launchctl print of the job"
like "$cmds" '^launchctl print-disabled gui/501$' "launchctl print-disabled of its domain"
like "$cmds" '^podman machine inspect' "podman machine inspect (a check's)"
like "$cmds" '^podman ps -a --format json$' "podman ps -a"
f=$(grep -l '"print-disabled"' "$X"/commands/*.json | tail -n 1)
is "$(jget 'd["stdout"]' < "$f")" 'disabled services = {
}' "a command's stdout is kept"
is "$(jget 'd["check"]' < "$f")" null "the capture's own command has no check"
is "$(jget 'len(d["commands"])' < "$X/manifest.json")" "$(ls "$X/commands" | wc -l)" "the manifest lists every command"

# the report at capture time names what the doctor names
codes() { jget 'sorted(set(f["code"] for c in d["checks"] for f in c["findings"]))'; }
live=$(PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --json --live --root "$MAC" \
       --plugin-dir "$BUILD_PLUGINS" --config-dir "$SOS_SRCDIR" | codes)
is "$(codes < "$X/report.json")" "$live" "report.json has the doctor's findings"
like "$(cat "$X/remediation.md")" '^## What was found' "remediation.md says what was found"
like "$(cat "$X/remediation.md")" 'launchd\.respawn-loop' "with the respawn loop"
like "$(cat "$X/remediation.md")" '^## How to restore' "and how to restore"

# what the checks looked at: paths with their types, for a replay
is "$(jget '[p["type"] for p in d["paths"] if p["path"]=="'"$PL"'"]' < "$X/manifest.json")" '["file"]' "the plist listed as a file"
is "$(jget '[p["type"] for p in d["paths"] if p["path"]=="/Library/LaunchDaemons"]' < "$X/manifest.json")" '["missing"]' \
    "a directory a check found missing is listed missing"
is "$(jget 'd["root"]' < "$X/manifest.json")" "$MAC" "the tree it read"
is "$(jget 'd["report"]["command"]' < "$X/manifest.json")" "doctor local-runtime" "which report"
is "$(jget 'd["host_facts"]["os"]' < "$X/manifest.json")" macos "the host facts, for a replay"
like "$(jget '[e["name"] for e in d["env"]]' < "$X/manifest.json")" '"DOCKER_CONFIG"' "the variables the checks read"
is "$(jget '[m["owner"]["uid"] for m in d["members"] if m["name"]=="root'"$PL"'"]' < "$X/manifest.json")" '[0]' "a member's owner"

# the replay: the same checks over the bundle name the same findings as
# report.json, with the tree moved away and no stand-in on PATH
findings() { # each check's findings, comparable across runs
    jget '[(c["id"], c["status"], [(f["code"], f["severity"], f.get("path")) for f in c["findings"]]) for c in d["checks"]]'
}
mv "$MAC" "$MAC.away"
PATH=/usr/bin:/bin "$SOS" doctor local-runtime --json --from-bundle "$b" --plugin-dir "$BUILD_PLUGINS" \
    --config-dir "$SOS_SRCDIR" > "$TMP/replay.json" 2> "$TMP/replay.err"; rc=$?
is "$rc" "$(jget 'd["exit_code"]' < "$X/report.json")" "the replay exits as the capture's doctor did"
is "$(findings < "$TMP/replay.json")" "$(findings < "$X/report.json")" "the replayed findings are report.json's, check by check"
like "$(findings < "$TMP/replay.json")" 'launchd\.respawn-loop' "the respawn loop among them"
is "$(jget 'd["host"]' < "$TMP/replay.json")" "$(jget 'd["host"]' < "$X/report.json")" "the host is the captured one"
is "$(jget '[c["id"] for c in d["checks"] if c.get("reason","").startswith("not captured")]' < "$TMP/replay.json")" "[]" \
    "no check went without its commands"
mv "$MAC.away" "$MAC"

# gzip and none, by name
b2=$(capture --compress gzip); is "$?" 0 "--compress gzip"
like "$b2" '\.tar\.gz$' "named .tar.gz"
"$SOS" evidence inspect "$b2" >/dev/null; is "$?" 0 "and verified"

# a log longer than --log-bytes, secrets all through it: its tail is
# redacted piece by piece (not held whole), the cut recorded, no secret kept
OUTL="$MAC/tmp/node-commander.out.log"
cp "$OUTL" "$TMP/out.log.kept"
$PYTHON - "$OUTL" "$TOKEN" "$BASIC" <<'PY'
import sys
path, token, basic = sys.argv[1:4]
with open(path, "a") as f:
    for i in range(120000):  # about 10 MB
        if i % 997 == 0:
            f.write("2026-11-28T03:15:%02dZ retry %d Authorization: Bearer %s\n" % (i % 60, i, token))
        elif i % 1999 == 0:
            f.write('{"auths": {"ghcr.io": {"auth": "%s"}}}\n' % basic)
        else:
            f.write("2026-11-28T03:15:%02dZ worker %d: connection reset by peer, backing off %d ms\n" % (i % 60, i, i % 5000))
    f.write("Authorization: Bearer %s\n" % token)
PY
size=$(stat -c %s "$OUTL")
rm -f "$OUTD"/*
b4=$(capture --log-bytes 3000000 2>"$TMP/err4"); rc=$?
is "$rc" 0 "a 10 MB log with tokens in its tail: the capture exits 0"
[ "$rc" = 0 ] || cat "$TMP/err4" >&2
"$SOS" evidence inspect "$b4" >/dev/null; is "$?" 0 "and verifies"
is "$(ls -A "$OUTD")" "${b4##*/}" "no scratch file left beside it"
zstd -dcq "$b4" | grep -a -q -e "$TOKEN" -e "$BASIC"; is "$?" 1 "no token in the raw stream"
X4="$TMP/x4"; mkdir "$X4"
zstd -dcq "$b4" | tar -xf - -C "$X4"
is "$(jget '[(m["truncated"], m["original_size"], m["redacted"]) for m in d["members"] if m["name"] == "root/tmp/node-commander.out.log"]' < "$X4/manifest.json")" \
    "[[true, $size, true]]" "the member: truncated, the original size, redacted"
is "$(tail -n 1 "$X4/root/tmp/node-commander.out.log")" "Authorization: Bearer <redacted:known-secret>" \
    "the last line kept, its token a marker"
is "$(grep -c 'Bearer <redacted' "$X4/root/tmp/node-commander.out.log")" \
    "$(tail -c 3000000 "$OUTL" | grep -c 'Bearer ghp_')" "every token of the tail redacted, none lost"
like "$(jget '[m["size"] for m in d["members"] if m["name"] == "root/tmp/node-commander.out.log"]' < "$X4/manifest.json")" \
    '^\[2[89][0-9]{5}\]$' "about 3 MB kept (markers are shorter than tokens)"
mv "$TMP/out.log.kept" "$OUTL"

# kill -9 while capturing: nothing with a bundle's name; the next capture
# removes the temporary it left
rm -f "$OUTD"/*
mv "$TMP/bin/podman" "$TMP/bin/podman-real"
printf '#!/bin/sh\ncase "$*" in "ps -a"*) exec sleep 29.991 ;; esac\nexec "${0%%/*}/podman-real" "$@"\n' > "$TMP/bin/podman"
chmod +x "$TMP/bin/podman"
PATH="$TMP/bin:/usr/bin:/bin" "$CAP" --root "$MAC" --config-dir "$SOS_SRCDIR" \
    --plugin-dir "$BUILD_PLUGINS" --output "$OUTD" --name node-commander >/dev/null 2>&1 &
pid=$!
i=0; while [ $i -lt 100 ] && ! ls -A "$OUTD" 2>/dev/null | grep -q .; do sleep 0.1; i=$((i+1)); done
sleep 0.3
kill -9 $pid; wait $pid 2>/dev/null
pkill -f "sleep 29.991" 2>/dev/null
left=$(ls -A "$OUTD")
like "$left" '^\.node-commander-.*\.tar\.zst\.[A-Za-z0-9]{6}$' "killed: only its hidden temporary is left"
unlike "$left" '^node-commander' "no bundle with a bundle's name"
mv "$TMP/bin/podman-real" "$TMP/bin/podman"
b3=$(capture); is "$?" 0 "the next capture"
is "$(ls -A "$OUTD")" "${b3##*/}" "removed the dead one's temporary"

# an output directory that cannot be made: exit 3, nothing written
: > "$TMP/file"
out=$(PATH="$TMP/bin:/usr/bin:/bin" "$CAP" --root "$MAC" --config-dir "$SOS_SRCDIR" \
      --plugin-dir "$BUILD_PLUGINS" --output "$TMP/file/sub" --name x 2>&1); rc=$?
is "$rc" 3 "an unusable output directory: exit 3"
like "$out" "cannot make $TMP/file/sub" "saying which"
done_testing
