#!/bin/sh
# sourceos-agent quarantine and release on the incident's macOS tree, with
# launchd modelled (tests/launchctl-model.py): the root-owned
# /Library/LaunchAgents plist nobody declared is matched by a part of its
# label, captured into a bundle that `evidence inspect` verifies and in
# which no planted secret is, then booted out, disabled and moved aside,
# verified; release puts the plist back byte for byte and the job loaded.
. "$SOS_SRCDIR/tests/lib.sh"
. "$SOS_SRCDIR/tests/incident-mac.sh"
AGENT="$SOS_BUILDDIR/sourceos-agent"
MODEL="$SOS_SRCDIR/tests/launchctl-model.py"
TOKEN=ghp_R3alLook1ngT0kenValue0123456789abcd
BASIC=YWxpY2U6UzNjcmV0UGFzc3cwcmQh
printf '2026-11-28T03:14:08Z retry with Authorization: Bearer %s\n' "$TOKEN" >> "$MAC/tmp/node-commander.err.log"
cat > "$MAC/Users/alice/.docker/config.json" <<JSON
{"auths": {"us-docker.pkg.dev": {"auth": "$BASIC"}}, "credHelpers": {"gcr.io": "gcloud"}}
JSON
chown 501 "$MAC/Users/alice/.docker/config.json"
mkdir -p "$MAC/var/db/com.apple.xpc.launchd" "$TMP/home" "$TMP/state"
export LAUNCHCTL_MODEL_STATE="$TMP/model.json" LAUNCHCTL_MODEL_LOG="$TMP/launchctl.log" \
    LAUNCHCTL_MODEL_ROOT="$MAC" LAUNCHCTL_MODEL_AS_ROOT=1
rm -f "$TMP/bin/launchctl"
"$PYTHON" "$MODEL" --shim "$TMP/bin" > /dev/null
LABEL=org.nixos.node-commander
PATH="$TMP/bin:/usr/bin:/bin" launchctl bootstrap gui/501 "$PL" >/dev/null 2>&1
cp "$MAC$PL" "$TMP/plist.orig"
# a second job whose label shares a part with the incident's
sed 's/org.nixos.node-commander/org.nixos.node-helper/' "$MAC$PL" > "$MAC/Users/alice/Library/LaunchAgents/org.nixos.node-helper.plist"
OUTD="$TMP/out"
q() { # q VERB [ARGS...]: the command over the tree; $out (stdout+stderr), $rc
    out=$(HOME="$TMP/home" XDG_STATE_HOME="$TMP/state" PATH="$TMP/bin:/usr/bin:/bin" \
        "$AGENT" "$@" --root "$MAC" --live --plugin-dir "$BUILD_PLUGINS" \
        --config-dir "$SOS_SRCDIR" 2>&1); rc=$?
}
job() { "$PYTHON" - "$LAUNCHCTL_MODEL_STATE" "$LABEL" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d.get("domains", {}).get("gui/501", {}).get("services", {}).get(sys.argv[2])
print("loaded" if s else "not-loaded")
PY
}
disabled() { PATH="$TMP/bin:/usr/bin:/bin" launchctl print-disabled gui/501 | grep -c "\"$LABEL\" => disabled"; }
is "$(job)" loaded "the job is loaded before"

# ambiguity and nothing: listed, exit 64, nothing changed
q quarantine org.nixos --dry-run
is "$rc" 64 "a NAME in more than one service: exit 64"
like "$out" "more than one service" "said"
q quarantine no-such-service-here
is "$rc" 64 "a NAME in none: exit 64"
like "$out" "no declared agent, launchd job, systemd unit or container" "said"
like "$(cat "$TMP/bin/data/calls")" "^podman ps -a --format" \
    "the containers are asked of the podman first on PATH, as the doctor's checks ask it"

# --dry-run: the plan, nothing touched
: > "$LAUNCHCTL_MODEL_LOG"
q quarantine node-commander --dry-run --output "$OUTD"
is "$rc" 0 "--dry-run: exit 0"
like "$out" "planned \\(dry run: nothing changed\\)" "says it is a plan"
like "$out" "bootout" "with the bootout"
like "$out" "remove-plist" "and the move aside"
ok "$(test ! -e "$OUTD"; echo $?)" "no bundle written"
cmp -s "$MAC$PL" "$TMP/plist.orig"; ok $? "the plist untouched"
is "$(job)" loaded "still loaded"
unlike "$(cat "$LAUNCHCTL_MODEL_LOG")" '"(bootout|disable)"' "launchctl asked nothing that changes"

# the quarantine
q quarantine node-commander --output "$OUTD"
is "$rc" 0 "quarantine node-commander: exit 0"
[ "$rc" = 0 ] || printf '%s\n' "$out" >&2
like "$out" "^org.nixos.node-commander: quarantined \\(launchd org.nixos.node-commander, gui/501\\)" "matched the incident's job by a part of its label"
b=$(ls "$OUTD"/org.nixos.node-commander-*.tar.zst 2>/dev/null | head -n 1)
ok "$(test -f "$b"; echo $?)" "the bundle is in --output"
"$SOS" evidence inspect "$b" > "$TMP/inspect.out"; is "$?" 0 "evidence inspect verifies it"
X="$TMP/x"; mkdir "$X"; zstd -dcq "$b" | tar -xf - -C "$X"
for m in manifest.json remediation.md report.json "root$PL" "root$STORE/bin/node-commander" \
         root/tmp/node-commander.err.log root/Users/alice/.docker/config.json; do
    [ -f "$X/$m" ]; ok $? "member $m"
done
cmp -s "$TMP/plist.orig" "$X/root$PL"; ok $? "the plist as found"
unlike "$(grep -rl -e "$TOKEN" -e "$BASIC" "$X")" . "no planted secret in the tree"
zstd -dcq "$b" | grep -a -q -e "$TOKEN" -e "$BASIC"; is "$?" 1 "nor in the raw stream"
is "$(jget '[a["step"] for a in d["actions"]]' < "$X/manifest.json")" \
   '["prior", "bootout", "disable", "remove-plist", "verify"]' "the manifest's actions, the verification last"
is "$(jget '[c["ok"] for a in d["actions"] if a["step"]=="verify" for c in a["checks"]]' < "$X/manifest.json")" \
   '[true, true, true]' "verified: not loaded, disabled, moved aside"
like "$(cat "$X/remediation.md")" "sourceos-agent release org.nixos.node-commander" "remediation.md says how to restore"
# replayed as root and as an analyst who is not root (nobody, whose
# extraction leaves every file nobody's): the same findings, the owners
# (root's plist, alice's auth file) judged as the capture recorded them
findings() { jget '[(c["id"], c["status"], [(f["code"], f.get("path")) for f in c["findings"]]) for c in d["checks"]]'; }
other_user_build
mkdir -p "$TMP/nobody" && cp "$b" "$TMP/nobody/b.tar.zst" && chmod 644 "$TMP/nobody/b.tar.zst" &&
    chown 65534:65534 "$TMP/nobody"
HOME="$TMP/nobody" TMPDIR="$TMP/nobody" PATH=/usr/bin:/bin "$OTHER_SOS" doctor local-runtime --json \
    --from-bundle "$TMP/nobody/b.tar.zst" --plugin-dir "$OTHER_PLUGINS" --config-dir "$OTHER_CONFIG" \
    > "$TMP/replay-root.json" 2>/dev/null; rrc=$?
HOME="$TMP/nobody" TMPDIR="$TMP/nobody" PATH=/usr/bin:/bin setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$OTHER_SOS" doctor local-runtime --json --from-bundle "$TMP/nobody/b.tar.zst" \
    --plugin-dir "$OTHER_PLUGINS" --config-dir "$OTHER_CONFIG" > "$TMP/replay-nobody.json" 2>/dev/null; nrc=$?
is "$nrc" "$rrc" "replayed by nobody: the exit of root's replay"
is "$(findings < "$TMP/replay-nobody.json")" "$(findings < "$TMP/replay-root.json")" "and its findings"
like "$(findings < "$TMP/replay-root.json")" "launchd" "(the launchd checks among them)"
is "$(job)" not-loaded "the model: booted out"
is "$(disabled)" 1 "the model: a disabled override"
ok "$(test ! -e "$MAC$PL"; echo $?)" "the plist is gone from its place"
cmp -s "$TMP/plist.orig" "$MAC$PL.disabled"; ok $? "moved aside as LABEL.plist.disabled"
R="$TMP/state/sourceos/quarantined/$LABEL"
is "$(jget 'd["prior"]["loaded"]' < "$R/quarantine.json")" true "the record keeps the prior state"
cmp -s "$TMP/plist.orig" "$R/${PL##*/}"; ok $? "and a copy of the plist"

q quarantine node-commander --output "$OUTD"
is "$rc" 2 "quarantined already: exit 2"
like "$out" "quarantined already" "said"

# release: the plist back byte for byte, the override gone, the job loaded
q release "$LABEL"
is "$rc" 0 "release: exit 0"
[ "$rc" = 0 ] || printf '%s\n' "$out" >&2
cmp -s "$TMP/plist.orig" "$MAC$PL"; ok $? "the plist is back, byte for byte"
ok "$(test ! -e "$MAC$PL.disabled"; echo $?)" "the moved-aside file is gone"
is "$(job)" loaded "the job is loaded again"
like "$(PATH="$TMP/bin:/usr/bin:/bin" launchctl print-disabled gui/501)" "\"$LABEL\" => enabled|^disabled services = \\{\$" "enabled again"
ok "$(test ! -e "$R"; echo $?)" "the record is gone"
q release "$LABEL"
is "$rc" 2 "release of what is not quarantined: exit 2"
like "$out" "not quarantined" "said"

# a capture that fails (its --output under a regular file) changes nothing
: > "$TMP/notadir"
: > "$LAUNCHCTL_MODEL_LOG"
q quarantine node-commander --output "$TMP/notadir/out"
is "$rc" 3 "a failed capture: exit 3"
like "$out" "the capture failed: .*nothing was changed" "said, with why"
is "$(job)" loaded "the job still loaded"
cmp -s "$TMP/plist.orig" "$MAC$PL"; ok $? "the plist in its place"
ok "$(test ! -e "$R"; echo $?)" "no record"
unlike "$(cat "$LAUNCHCTL_MODEL_LOG")" '"(bootout|disable)"' "launchctl asked nothing that changes"
# --contain-anyway: contained and recorded all the same, and said, exit 3
q quarantine node-commander --output "$TMP/notadir/out" --contain-anyway --json
is "$rc" 3 "--contain-anyway after a failed capture: exit 3 (no evidence)"
is "$(printf '%s' "$out" | sed -n '/^{/,$p' | jget '[a["step"] for a in d["actions"]]')" \
   '["prior", "bootout", "disable", "remove-plist", "verify"]' "but contained, verified"
like "$(printf '%s' "$out" | sed -n '/^{/,$p' | jget 'd["capture_error"]')" "notadir" "the capture's error in the report"
is "$(job)|$(disabled)" "not-loaded|1" "the model: booted out, disabled"
cmp -s "$TMP/plist.orig" "$MAC$PL.disabled"; ok $? "moved aside"
is "$(jget 'd["prior"]["loaded"]' < "$R/quarantine.json")" true "recorded, so release can undo it"
ok "$(test ! -e "$TMP/notadir.d"; ls "$TMP"/notadir* | wc -l | grep -qx 1; echo $?)" "no bundle anywhere beside it"
q release "$LABEL"
is "$rc|$(job)" "0|loaded" "and release undoes it"
cmp -s "$TMP/plist.orig" "$MAC$PL"; ok $? "the plist back, byte for byte"
q quarantine node-commander --output "$TMP/notadir/out" --contain-anyway
like "$out" "quarantined WITHOUT evidence" "the human report says there is no bundle"
like "$out" "restore: +.*release" "and how to restore"
q release "$LABEL"
is "$rc" 0 "released again"

# the read-back scan finds a secret after containing (the test seam): the
# bundle is deleted and the containment undone, so nothing is changed;
# with --contain-anyway it stays contained
n_before=$(ls -A "$OUTD" | wc -l)
SOURCEOS_TEST_SCAN_HIT=1 q quarantine node-commander --output "$OUTD"
is "$rc" 3 "a secret found in the bundle: exit 3"
like "$out" "holds a secret .*the bundle was deleted" "said"
like "$out" "the containment was undone" "and that the containment was undone"
is "$(ls -A "$OUTD" | wc -l)" "$n_before" "no bundle added"
is "$(job)" loaded "the job loaded again"
like "$(PATH="$TMP/bin:/usr/bin:/bin" launchctl print-disabled gui/501)" "\"$LABEL\" => enabled|^disabled services = \\{\$" "not disabled"
cmp -s "$TMP/plist.orig" "$MAC$PL"; ok $? "the plist in its place, byte for byte"
ok "$(test ! -e "$MAC$PL.disabled" && test ! -e "$R"; echo $?)" "nothing aside, no record"
SOURCEOS_TEST_SCAN_HIT=1 q quarantine node-commander --output "$OUTD" --contain-anyway
is "$rc" 3 "the same with --contain-anyway: exit 3"
like "$out" "kept contained \\(--contain-anyway\\)" "said"
is "$(job)|$(disabled)" "not-loaded|1" "booted out and disabled"
q release "$LABEL"
is "$rc|$(job)" "0|loaded" "release puts it back"

# killed (SIGKILL) in the middle of containing: the next quarantine rolls
# the interrupted transaction back first, then quarantines; release after
# a kill rolls it back and leaves the job as it was
for step in bootout disable remove-plist; do
    SOURCEOS_TEST_KILL_AFTER=$step q quarantine node-commander --output "$OUTD"
    is "$rc" 137 "quarantine killed right after $step"
    ls -A "$OUTD" | grep -v '^org\.nixos\.node-commander-[0-9TZ]*\.tar\.zst$' > "$TMP/left"
    q quarantine node-commander --output "$OUTD"
    is "$rc" 0 "after a kill at $step, quarantine again: exit 0"
    [ "$rc" = 0 ] || printf '%s\n' "$out" | sed 's/^/#   /'
    is "$(job)|$(disabled)" "not-loaded|1" "booted out and disabled ($step)"
    cmp -s "$TMP/plist.orig" "$MAC$PL.disabled"; ok $? "the plist moved aside, as it was ($step)"
    is "$(jget 'd["prior"]["loaded"]' < "$R/quarantine.json")" true "the record has the state before the kill ($step)"
    is "$(ls -A "$OUTD" | grep -v '^org\.nixos\.node-commander-[0-9TZ]*\.tar\.zst$')" "" "no partial bundle left in --output ($step)"
    q release "$LABEL"
    is "$rc|$(job)" "0|loaded" "then release: loaded again ($step)"
    cmp -s "$TMP/plist.orig" "$MAC$PL"; ok $? "the plist back, byte for byte ($step)"

    SOURCEOS_TEST_KILL_AFTER=$step q quarantine node-commander --output "$OUTD"
    q release "$LABEL"
    is "$rc" 0 "killed at $step, then release: exit 0"
    [ "$rc" = 0 ] || printf '%s\n' "$out" | sed 's/^/#   /'
    like "$out" "interrupted quarantine .*rolled back" "says it rolled the interrupted quarantine back ($step)"
    is "$(job)" loaded "loaded, as before the kill ($step)"
    like "$(PATH="$TMP/bin:/usr/bin:/bin" launchctl print-disabled gui/501)" "\"$LABEL\" => enabled|^disabled services = \\{\$" "not disabled ($step)"
    cmp -s "$TMP/plist.orig" "$MAC$PL"; ok $? "the plist in its place ($step)"
    ok "$(test ! -e "$MAC$PL.disabled" && test ! -e "$R"; echo $?)" "nothing moved aside, no record ($step)"
done

# usage
q quarantine node-commander --mask --no-such
is "$rc" 64 "an unknown option: 64"
q status node-commander --no-stop
is "$rc" 64 "quarantine's options elsewhere: 64"
like "$("$AGENT" quarantine --help)" "--contain-anyway" "quarantine --help names its options"
like "$("$AGENT" release --help)" "--force" "release --help too"
done_testing
