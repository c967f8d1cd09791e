#!/bin/sh
# host.management: whether a Mac is managed. Live (--root --live on a macOS
# tree, as the other macOS live tests do) a stand-in `profiles` replays
# `profiles status -type enrollment`; offline the tree's
# /var/db/ConfigurationProfiles markers are read, or the check says it
# cannot tell.
. "$SOS_SRCDIR/tests/lib.sh"
FIX="$FIXTURES/host"
T="$TMP/mac"
S=/var/db/ConfigurationProfiles/Settings
make_config mdm <<'YAML'
checks:
  - id: host.facts
    plugin: host
    check: facts
    scope: runtime
  - id: host.management
    plugin: host
    check: management
    after: [host.facts]
    scope: runtime
    timeout: 10
    when: {os: [macos]}
YAML
new_tree() { rm -rf "$T"; cp -R "$FIXTURES/roots/macos" "$T"; mkdir -p "$T$S"; }
stand_in() { # stand_in SCRIPT-BODY: a `profiles` on PATH
    mkdir -p "$TMP/bin"
    printf '#!/bin/sh\n%s\n' "$1" > "$TMP/bin/profiles"
    chmod 755 "$TMP/bin/profiles"
}
run() { # run [--live]
    out=$(PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --json --root "$T" "$@" \
          --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/mdm"); rc=$?
}
j() { printf '%s' "$out" | jget "$1"; }
status() { j "find('host.management')['status']"; }
fact() { j "find('host.management')['facts'].get('host.mdm')"; }
# The host.mdm-enrollment findings' FIELD, from the last one (the live one
# when there are two).
last() { j "[f for f in find('host.management')['findings'] if f['code']=='host.mdm-enrollment'][-1]$1"; }
nfind() { j "len([f for f in find('host.management')['findings'] if f['code']=='host.mdm-enrollment'])"; }

# --- live: each captured variant
new_tree
for v in dep-approved:dep-user-approved approved:enrolled-user-approved \
         enrolled:enrolled none:not-enrolled; do
    file=${v%%:*} want=${v#*:}
    stand_in "[ \"\$*\" = 'status -type enrollment' ] || exit 9; cat '$FIX/profiles-$file.txt'"
    run --live
    is "$(fact)" "$want" "live $file: host.mdm=$want"
    is "$(last "['evidence']['mdm']")" "$want" "live $file: evidence mdm"
    is "$(last "['severity']")" info "live $file: an info finding"
done
is "$(status)" ok "live: ok"
is "$(last "['evidence']['mdm_line']")" "MDM enrollment: No" "the raw MDM line is evidence"
is "$(last "['evidence']['dep_line']")" "Enrolled via DEP: No" "and the DEP line"
is "$(last "['message']")" "not managed: no MDM enrollment" "said in words"
is "$(j "find('host.management')['commands'][0]['argv']")" '["profiles", "status", "-type", "enrollment"]' "the command run is recorded"
stand_in "cat '$FIX/profiles-dep-approved.txt'"
run --live
like "$(last "['message']")" "Automated Device Enrollment \\(DEP\\), user approved" "DEP, user approved, in words"
is "$(last "['evidence']['mdm_line']")" "MDM enrollment: Yes (User Approved)" "raw line kept as printed"
is "$(nfind)" 1 "under a tree with --live: one finding, the live answer"
is "$(j "find('host.management')['findings'][0]['evidence']['source']")" "profiles status -type enrollment" "from profiles, not the tree"

# --- "(User Approved)" counts on the MDM line only, not on a line after it
stand_in "printf 'MDM enrollment: Yes\nEnrolled via DEP: Yes (User Approved)\n'"
run --live
is "$(fact)" dep-enrolled "'(User Approved)' on the DEP line only: enrolled through DEP, not user approved"

# --- live: profiles missing, failing, hanging, saying something else
rm -f "$TMP/bin/profiles"; mkdir -p "$TMP/bin"
run --live
is "$(fact)" unknown "profiles missing: the tree's (empty) markers: unknown"
like "$(last "['evidence']['live']")" ".profiles. could not be run" "profiles missing: said, beside the tree's answer"
is "$(nfind)" 1 "profiles missing: still one finding"
is "$(status)" ok "profiles missing: not a problem of the host"
stand_in 'echo "profiles: an error occurred" >&2; exit 1'
run --live
like "$(last "['evidence']['live']")" "failed \\(exit 1\\)" "profiles failing: exit status named"
is "$(last "['evidence']['stderr']")" "profiles: an error occurred" "and its stderr"
stand_in 'exec sleep 30'
start=$(date +%s)
run --live
is "$(( $(date +%s) - start < 20 ))" 1 "profiles hanging: bounded by its timeout"
like "$(last "['evidence']['live']")" ".profiles. did not answer" "profiles hanging: said"
stand_in 'echo "Device Enrollment configuration: (null)"'
run --live
like "$(last "['evidence']['live']")" 'said neither "MDM enrollment: Yes" nor "No"' "an answer without the MDM line: cannot tell"
is "$(fact)" unknown "host.mdm unknown"

# --- offline: the tree's markers, never the command
stand_in 'touch "$0.ran"; cat '"'$FIX/profiles-none.txt'"
touch "$T$S/.cloudConfigRecordFound" "$T$S/.cloudConfigHasActivationRecord" "$T$S/.cloudConfigProfileInstalled"
run
is "$(fact)" dep-enrolled "ADE record and its profile installed: dep-enrolled"
is "$(status)" ok "offline (host.live false): the tree's markers are the answer"
is "$(j "find('host.management').get('reason')")" null "not skipped: nothing was left unasked that the tree could answer"
like "$(last "['message']")" "Automated Device Enrollment.*from $S" "the finding says where it comes from"
is "$(last "['evidence']['markers']")" ".cloudConfigRecordFound .cloudConfigHasActivationRecord .cloudConfigProfileInstalled" "the markers as evidence"
is "$(nfind)" 1 "one finding offline"
ok "$([ ! -e "$TMP/bin/profiles.ran" ]; echo $?)" "offline: profiles is never run"
rm "$T$S/.cloudConfigProfileInstalled"
run
is "$(fact)" dep-not-enrolled "an ADE record without the profile: assigned, not enrolled"
new_tree; touch "$T$S/.cloudConfigRecordNotFound"
run
is "$(fact)" not-enrolled "no ADE record, no profile stored: not-enrolled"
mkdir -p "$T/var/db/ConfigurationProfiles/Store"; touch "$T/var/db/ConfigurationProfiles/Store/ConfigProfiles.binary"
run
is "$(fact)" unknown "profiles stored but no record of who installed them: unknown"
like "$(last "['message']")" "profiles are installed .* but no enrollment record" "and why"
is "$(last "['evidence']['store_files']")" 1 "store entries counted"
rm -rf "$T/var/db"
run
is "$(fact)" unknown "no ConfigurationProfiles in the tree: unknown"
like "$(last "['message']")" "cannot tell whether this Mac is managed: no $S in this tree" "says it cannot tell"
if [ "$(id -u)" -ne 0 ]; then
    new_tree; chmod 000 "$T$S"
    run
    like "$(last "['message']")" "permission denied\\): run as root" "an unreadable Settings directory: run as root"
    chmod 755 "$T$S"
else
    ok 0 "# skip as root, every directory is readable"
fi

# --- only on macOS
out=$(PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --json --root "$FIXTURES/roots/debian" \
      --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/mdm")
is "$(status)" skipped "a Linux tree: skipped"
is "$(j "find('host.management')['reason']")" "applies only to macos; this host is linux" "with the when: reason"

done_testing
