#!/bin/sh
# systemd.units: the live state of every unit systemd.scan finds in a
# Debian tree, declared or not, from a captured multi-unit `systemctl show
# -p ...` (systemd 252 under nspawn, show-multi.txt) replayed by a stand-in
# `systemctl` that answers each unit's block in argument order and logs its
# argv: one `show` for the system units, one `--user show` for the invoking
# user's. Runs the shipped checks.d under --root --live; without --live the
# check is skipped, asking nothing.
. "$SOS_SRCDIR/tests/lib.sh"
FIX="$FIXTURES/systemd"
FAKE="$TMP/bin/data"   # beside the stand-in: commands run with a clean environment
mkdir -p "$TMP/bin" "$FAKE"
# The stand-in: for `show ... -- UNIT...`, UNIT's block (the one with
# Id=UNIT) of data/show.out, or data/user-show.out with --user, blocks
# separated by an empty line; a unit without one is not-found, as systemd
# says. data/show.err and data/show.rc replace the answer. Logs argv to
# data/calls.
cat > "$TMP/bin/systemctl" <<'SH'
#!/bin/sh
d="${0%/*}/data"
echo "$*" >> "$d/calls"
if [ -f "$d/show.rc" ]; then cat "$d/show.err" >&2; exit "$(cat "$d/show.rc")"; fi
src="$d/show.out"; [ "$1" = --user ] && src="$d/user-show.out"
while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done; shift
# data/reverse: the blocks in the reverse order (a block is known by its Id=)
[ -f "$d/reverse" ] && set -- $(for u in "$@"; do echo "$u"; done | tac)
sep=""
for u in "$@"; do
    printf '%s' "$sep"; sep='
'
    awk -v RS= -v id="Id=$u" '
        { n = split($0, l, "\n"); for (i = 1; i <= n; i++) if (l[i] == id) { print; found = 1; exit } }
        END { if (!found) printf "%s\nLoadState=not-found\nActiveState=inactive\nSubState=dead\n", id }' "$src"
done
SH
chmod +x "$TMP/bin/systemctl"

mkdir -p "$TMP/cfg/checks.d"
cp "$SOS_SRCDIR/checks.d/00-host.yaml" "$SOS_SRCDIR/checks.d/31-systemd.yaml" "$TMP/cfg/checks.d/"

# The tree: the units the capture names, nobody's agents; the invoking
# user's user unit in $HOME (as seen under the root).
T="$TMP/root"
cp -R "$FIXTURES/roots/debian" "$T"
S="$T/etc/systemd/system"
U="$T$HOME/.config/systemd/user"
mkdir -p "$S" "$U"
for u in undeclared sysloop sysedited nosuch sysstale; do cp "$FIX/agent.service" "$S/$u.service"; done
cp "$FIX/agent.service" "$U/uagent.service"
ln -s /dev/null "$S/masked.service"
# The capture, plus a unit systemd loaded from a file that is gone since.
{ cat "$FIX/show-multi.txt"; echo
  sed 's|^FragmentPath=.*|FragmentPath=/usr/local/lib/systemd/system/sysstale.service|' "$FIX/show-stale.txt"
} > "$FAKE/show.out"
sed "s|^FragmentPath=.*|FragmentPath=$HOME/.config/systemd/user/uagent.service|" "$FIX/user-show.txt" > "$FAKE/user-show.out"

doctor() {
    : > "$FAKE/calls"
    out=$(PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --json --root "$T" \
          --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/cfg" "$@"); rc=$?
}
q() { printf '%s' "$out" | jget "$1"; }
codes() { q "sorted(f['code'] + ' ' + f['evidence'].get('unit', '-') for f in find('systemd.units')['findings'])"; }
# fnd CODE UNIT FIELD: FIELD of the systemd.units finding CODE about UNIT
fnd() { q "[f for f in find('systemd.units')['findings'] if f['code']=='$1' and f['evidence'].get('unit', '-')=='$2'][0]$3"; }
ev() { fnd "$1" "$2" "['evidence'].get('$3')"; }
PROPS=Id,Names,LoadState,ActiveState,SubState,Result,NRestarts,ExecMainCode,ExecMainStatus,UnitFileState,NeedDaemonReload,FragmentPath,Restart,StartLimitBurst

# --- live: every unit found, in one show per manager
doctor --live
is "$(q "find('systemd.units')['status']")" failure "failed and respawning undeclared units: failure"
is "$(codes)" '["systemd.respawn-loop undeclared.service", "systemd.unit-changed sysedited.service", "systemd.unit-failed sysloop.service", "systemd.unit-failed undeclared.service", "systemd.unit-stale-loaded sysstale.service", "systemd.units-summary -"]' \
    "a respawn loop, two failed, one changed, one loaded from a file that is gone"
is "$(ev systemd.respawn-loop undeclared.service n_restarts)" 10 "the loop: NRestarts=10 as captured"
like "$(fnd systemd.respawn-loop undeclared.service "['message']")" \
    "^undeclared.service: respawn loop: systemd restarted it 10 times .*last run exited with exit code 3" \
    "names the unit, the restarts and the last exit"
is "$(ev systemd.unit-failed sysloop.service n_restarts)" 3 "3 restarts (under restart_limit 5): failed, no loop"
is "$(ev systemd.unit-stale-loaded sysstale.service fragment_path)" /usr/local/lib/systemd/system/sysstale.service \
    "stale: the file systemd loaded is named"
is "$(ev systemd.unit-stale-loaded sysstale.service active_state)" active "stale: and it still runs"
is "$(cat "$FAKE/calls")" "show -p $PROPS --no-pager -- nosuch.service sysedited.service sysloop.service sysstale.service undeclared.service
--user show -p $PROPS --no-pager -- uagent.service" \
    "exactly one show for the system units (not the masked one), one --user show for this user's"
like "$(fnd systemd.units-summary - "['message']")" \
    "the system manager: 5 units \(2 active, 2 failed, 1 not loaded\); the user manager: 1 units \(1 active" \
    "the summary counts each manager's units"

first=$(codes)

# --- the answer's blocks in another order: each is judged as the unit its
# Id= names, not as the unit asked at its position
touch "$FAKE/reverse"
doctor --live
is "$(codes)" "$first" "blocks answered in the reverse order: the same findings about the same units"
is "$(ev systemd.respawn-loop undeclared.service n_restarts)" 10 "the loop is still undeclared.service's"
rm -f "$FAKE/reverse"

# --- names systemd does not accept are never asked about: a glob would be
# expanded by systemctl into other units' blocks, shell syntax is no name
cp "$FIX/agent.service" "$S/*.service"
cp "$FIX/agent.service" "$S/x;touch PWN.service"
doctor --live
unlike "$(cat "$FAKE/calls")" '\*\.service|PWN' "a unit file named '*.service' or 'x;touch PWN.service' is not passed to systemctl"
is "$(codes)" "$first" "and the others' findings stay theirs"
rm -f "$S/*.service" "$S/x;touch PWN.service"

# --- a unit whose name starts like an option: one word after --
H='-x.service'
cp "$FIX/agent.service" "$S/$H"
cp "$FAKE/show.out" "$TMP/show.saved"
{ echo; sed "s/^Id=.*/Id=$H/;s|^FragmentPath=.*|FragmentPath=/etc/systemd/system/$H|" "$FIX/show-crash.txt"; } >> "$FAKE/show.out"
doctor --live
is "$(fnd systemd.unit-failed "$H" "['commands']")" \
    "[\"journalctl -u -x.service -n 50 --no-pager\", \"systemctl reset-failed -- -x.service\", \"systemctl start -- -x.service\"]" \
    "a unit named like an option is asked after -- and named after -- in the commands"
rm -f "$S/$H"; cp "$TMP/show.saved" "$FAKE/show.out"

# --- a user unit in both the home and /etc/systemd/user is one unit,
# asked once (the home's); one only in /etc/systemd/user is asked after
# the home's; a system unit that is a symlink to a unit file (not the
# distribution's) is asked like a file. The stand-in knows neither new
# unit (not-found), so the findings stay the same.
E="$T/etc/systemd/user"
mkdir -p "$E" "$T/opt/units"
cp "$FIX/agent.service" "$E/uagent.service"
cp "$FIX/agent.service" "$E/etconly.service"
cp "$FIX/agent.service" "$T/opt/units/linked.service"
ln -s /opt/units/linked.service "$S/linked.service"
doctor --live
is "$(cat "$FAKE/calls")" "show -p $PROPS --no-pager -- linked.service nosuch.service sysedited.service sysloop.service sysstale.service undeclared.service
--user show -p $PROPS --no-pager -- uagent.service etconly.service" \
    "a user unit in the home and in /etc/systemd/user is asked once; a symlinked unit file is asked"
is "$(codes)" "$first" "and the findings are the same"
rm -rf "$E" "$T/opt" "$S/linked.service"

# --- the cap
sed 's/max_units: 500/max_units: 2/' "$SOS_SRCDIR/checks.d/31-systemd.yaml" > "$TMP/cfg/checks.d/31-systemd.yaml"
doctor --live
like "$(fnd systemd.units-truncated - "['message']")" "first 2 units only: the scan found 4 more" "max_units 2: said"
is "$(cat "$FAKE/calls")" "show -p $PROPS --no-pager -- nosuch.service sysedited.service" "max_units 2: two units asked, in one show"
cp "$SOS_SRCDIR/checks.d/31-systemd.yaml" "$TMP/cfg/checks.d/"

# --- no systemd on this machine: skipped, saying why
echo 1 > "$FAKE/show.rc"
echo "System has not been booted with systemd as init system (PID 1). Can't operate." > "$FAKE/show.err"
doctor --live
is "$(q "find('systemd.units')['status']")" skipped "no systemd: skipped"
like "$(fnd systemd.units-summary - "['evidence']['system_unavailable']")" "not been booted with systemd" "with systemctl's reason"
rm -f "$FAKE/show.rc" "$FAKE/show.err"

# --- offline: skipped with the reason, nothing asked
doctor
is "$(q "find('systemd.units')['status']")" skipped "offline: skipped"
like "$(q "find('systemd.units')['reason']")" "offline analysis of a tree" "with the reason"
is "$(cat "$FAKE/calls")" "" "offline: systemctl never run"
done_testing
