#!/bin/sh
# The preflight's label checks through `sourceos-agent doctor NAME --root TREE`:
# launchd.label-disabled and launchd.label-conflict over a macOS tree (the
# override files; every launch directory), systemd.unit-masked and
# systemd.unit-conflict over a Debian tree (the managers' unit directories),
# and the live answers (launchctl print-disabled, systemctl is-enabled) from
# stand-ins with --live. Regressions: "disabled override", "duplicate label",
# "old system-wide plist".
. "$SOS_SRCDIR/tests/lib.sh"
AGENT="$SOS_BUILDDIR/sourceos-agent"
L=org.sourceos.agent.web
UA=/Users/alice/Library/LaunchAgents
OD=/var/db/com.apple.xpc.launchd
make_config cfg 50-preflight.yaml <<'YAML'
checks:
  - {id: host.facts, plugin: host, check: facts, scope: runtime}
  - id: preflight.label-enabled-launchd
    plugin: launchd
    check: label-disabled
    scope: agent
    after: [host.facts]
    when: {os: [macos]}
    timeout: 20
    params: {label: "${agent.label}", plist: "${agent.service.plist}", user: "${agent.user}", account: "${agent.account}"}
  - id: preflight.label-owner-launchd
    plugin: launchd
    check: label-conflict
    scope: agent
    after: [host.facts]
    when: {os: [macos]}
    timeout: 20
    params: {label: "${agent.label}", plist: "${agent.service.plist}"}
  - id: preflight.label-enabled-systemd
    plugin: systemd
    check: unit-masked
    scope: agent
    after: [host.facts]
    when: {os: [linux, wsl]}
    timeout: 20
    params: {unit: "${agent.service.unit}", user: "${agent.user}"}
  - id: preflight.label-owner-systemd
    plugin: systemd
    check: unit-conflict
    scope: agent
    after: [host.facts]
    when: {os: [linux, wsl]}
    timeout: 20
    params: {unit: "${agent.service.unit}", user: "${agent.user}"}
YAML
mkdir -p "$TMP/cfg/agents.d"
printf 'name: web\nimage: localhost/web:1\n' > "$TMP/cfg/agents.d/web.yaml"
printf 'name: sys\nimage: localhost/sys:1\nscope: system\naccount: svc\n' > "$TMP/cfg/agents.d/sys.yaml"
run() { # run NAME HOME [--live]
    out=$(HOME=$2 PATH="$TMP/bin:$PATH" "$AGENT" doctor "$1" --json --root "$T" $3 --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/cfg"); rc=$?
}
q() { printf '%s' "$out" | jget "$1"; }
codes() { q "[f['code'] for f in find('$1')['findings']]"; }
fnd() { q "[f for f in find('$1')['findings'] if f['code']=='$2'][${3:-0}]['$4']"; }
expect() { # expect CHECK CODE SEVERITY MESSAGE COMMANDS DESCRIPTION: the one finding of CHECK
    is "$(codes "$1")" "[\"$2\"]" "$6: $2 alone"
    is "$(fnd "$1" "$2" 0 severity)" "$3" "$6: severity $3"
    is "$(fnd "$1" "$2" 0 message)" "$4" "$6: message"
    is "$(fnd "$1" "$2" 0 commands)" "$5" "$6: command"
}
write_plist() { # write_plist FILE BODY
    mkdir -p "$(dirname "$1")"
    printf '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n%s\n</dict>\n</plist>\n' "$2" > "$1"
}
agent_plist() { write_plist "$1" "<key>Label</key><string>$2</string><key>Program</key><string>/usr/bin/true</string>"; }
# mac_tree: alice (uid 501) owns her home; the agent's own plist installed.
mac_tree() {
    T="$TMP/mac"
    rm -rf "$T"
    cp -R "$FIXTURES/roots/macos" "$T"
    mkdir -p "$T$UA" "$T/Library/LaunchAgents" "$T/Library/LaunchDaemons" "$T$OD"
    chown 501 "$T/Users/alice" 2>/dev/null
    agent_plist "$T$UA/$L.plist" "$L"
}

# ---- launchd: the good state ---------------------------------------------------------
mac_tree
[ "$(id -u)" -eq 0 ] && UID_A=501 || UID_A=$(id -u)
write_plist "$T$OD/disabled.$UID_A.plist" "<key>$L</key><false/><key>com.example.other</key><true/>"
run web /Users/alice
is "$rc" 0 "launchd good: exit 0"
is "$(q "[c['id'] for c in d['checks'] if c['status']!='skipped']")" '["host.facts", "preflight.label-enabled-launchd", "preflight.label-owner-launchd"]' "macOS tree: the launchd checks run, the systemd ones are skipped"
expect preflight.label-enabled-launchd launchd.label-enabled info "$L is not disabled in the gui/$UID_A domain" "[]" "enabled label"
is "$(fnd preflight.label-enabled-launchd launchd.label-enabled 0 evidence | jget '[d["enabled_override"], d["launchctl"]]')" \
    "[\"$OD/disabled.$UID_A.plist\", \"not asked (offline)\"]" "an enabled override is evidence; offline, launchctl is not asked"
expect preflight.label-owner-launchd launchd.label-free info "no other plist takes $L (1 plist in the launch directories read)" "[]" "free label"

# ---- launchd: disabled override (regression) -------------------------------------------
write_plist "$T$OD/disabled.$UID_A.plist" "<key>$L</key><true/>"
run web /Users/alice
is "$rc" 2 "disabled override: exit 2"
expect preflight.label-enabled-launchd launchd.label-disabled critical \
    "$L is disabled in the gui/$UID_A domain (an override in $OD/disabled.$UID_A.plist): launchd will not load it, even at login or boot" \
    "[\"launchctl enable gui/$UID_A/$L\"]" "disabled override"
plistutil -i "$T$OD/disabled.$UID_A.plist" -o "$T/bin.plist" -f bin && mv "$T/bin.plist" "$T$OD/disabled.$UID_A.plist"
run web /Users/alice
is "$(codes preflight.label-enabled-launchd)" '["launchd.label-disabled"]' "disabled override in a binary plist: the same"
rm "$T$OD/disabled.$UID_A.plist"
write_plist "$T$OD/disabled.plist" "<key>$L</key><true/>"
run web /Users/alice
is "$(codes preflight.label-enabled-launchd)" '["launchd.label-enabled"]' "disabled in the system domain only: a user agent is not affected"
# A system agent: the system domain, sudo.
agent_plist "$T/Library/LaunchDaemons/$L.sys.plist" "x"
printf 'name: sys\nimage: localhost/sys:1\nscope: system\naccount: svc\nlabel: %s\n' "$L" > "$TMP/cfg/agents.d/sys.yaml"
run sys /Users/alice
is "$(fnd preflight.label-enabled-launchd launchd.label-disabled 0 message)/$(fnd preflight.label-enabled-launchd launchd.label-disabled 0 commands)" \
    "$L is disabled in the system domain (an override in $OD/disabled.plist): launchd will not load it, even at login or boot/[\"sudo launchctl enable system/$L\"]" \
    "a system agent: the system domain, and sudo"

# ---- launchd: live, through a stand-in launchctl (--live) --------------------------------
mac_tree
mkdir -p "$TMP/bin"
cat > "$TMP/bin/launchctl" <<'STANDIN'
#!/bin/sh
echo "$*" >> "${0%/*}/calls"
[ "$1" = print-disabled ] || exit 64
printf '%s = {\n\tdisabled services = {\n\t\t"org.sourceos.agent.web" => disabled\n\t}\n}\n' "$2"
STANDIN
chmod +x "$TMP/bin/launchctl"
run web /Users/alice --live
is "$(cat "$TMP/bin/calls")" "print-disabled gui/$UID_A" "live: launchctl print-disabled of the agent's domain"
is "$(fnd preflight.label-enabled-launchd launchd.label-disabled 0 message)/$(fnd preflight.label-enabled-launchd launchd.label-disabled 0 evidence | jget 'd["source"]')" \
    "$L is disabled in the gui/$UID_A domain (launchctl print-disabled): launchd will not load it, even at login or boot/launchctl" \
    "live: disabled by launchctl's answer, no file needed"
rm -f "$TMP/bin/launchctl" "$TMP/bin/calls"

# ---- launchd: old system-wide plist (regression) ---------------------------------------
mac_tree
agent_plist "$T/Library/LaunchAgents/$L.plist" "$L"
run web /Users/alice
expect preflight.label-owner-launchd launchd.label-conflict critical \
    "/Library/LaunchAgents/$L.plist already takes the label $L (its Label), outside the agent's own launch directory: launchd would run it instead of the agent, or beside it in another domain" \
    "[\"sudo mv -- /Library/LaunchAgents/$L.plist /Library/LaunchAgents/$L.plist.disabled\"]" "old system-wide plist"
mac_tree
write_plist "$T/Library/LaunchDaemons/$L.plist" "<key>Program</key><string>/usr/bin/true</string>"
run web /Users/alice
is "$(fnd preflight.label-owner-launchd launchd.label-conflict 0 message)" \
    "/Library/LaunchDaemons/$L.plist already takes the label $L (its file name), outside the agent's own launch directory: launchd would run it instead of the agent, or beside it in another domain" \
    "a daemon named LABEL.plist without a Label: by its file name"
mac_tree
agent_plist "$T/System/Library/LaunchAgents/apple.plist" "$L"
run web /Users/alice
is "$(fnd preflight.label-owner-launchd launchd.label-conflict 0 path)/$(fnd preflight.label-owner-launchd launchd.label-conflict 0 commands)" \
    "/System/Library/LaunchAgents/apple.plist/[]" "Apple's own directory is read, and nothing is moved there"

# ---- launchd: duplicate label (regression) --------------------------------------------
mac_tree
agent_plist "$T$UA/old-web.plist" "$L"
run web /Users/alice
expect preflight.label-owner-launchd launchd.label-duplicate critical \
    "$UA/old-web.plist takes the label $L too (its Label), in the agent's own $UA: launchd loads one job per label, so the two race for it" \
    "[\"mv -- $UA/old-web.plist $UA/old-web.plist.disabled\"]" "duplicate label"

# ---- systemd over a Debian tree -------------------------------------------------------
U=sourceos-agent@web.service
UU=/home/alice/.config/systemd/user
deb_tree() {
    T="$TMP/deb"
    rm -rf "$T"
    cp -R "$FIXTURES/roots/debian" "$T"
    mkdir -p "$T$UU" "$T/etc/systemd/system" "$T/etc/systemd/user" "$T/usr/lib/systemd/user"
    printf '[Service]\nExecStart=/usr/bin/true\n' > "$T$UU/$U"
}
deb_tree
run web /home/alice
is "$rc" 0 "systemd good: exit 0"
is "$(q "[c['id'] for c in d['checks'] if c['status']!='skipped']")" '["host.facts", "preflight.label-enabled-systemd", "preflight.label-owner-systemd"]' "Linux tree: the systemd checks run, the launchd ones are skipped"
expect preflight.label-enabled-systemd systemd.unit-not-masked info "$U is not masked (7 unit directories of the user manager read)" "[]" "unit not masked"
expect preflight.label-owner-systemd systemd.unit-free info "no other unit file, alias or drop-in claims $U (12 unit directories read)" "[]" "unit free"
# A mask of the unit itself, in the user's own directory.
ln -sf /dev/null "$T$UU/$U"
run web /home/alice
expect preflight.label-enabled-systemd systemd.unit-masked critical \
    "$U is masked ($UU/$U is a symlink to /dev/null): systemd refuses to start it, whatever unit file is installed" \
    "[\"systemctl --user unmask -- $U\"]" "masked unit"
is "$(codes preflight.label-owner-systemd)" '["systemd.unit-free"]' "a mask is not a conflict"
# The template masked system-wide for users; no instance file anywhere.
deb_tree
rm "$T$UU/$U"
ln -s /dev/null "$T/etc/systemd/user/sourceos-agent@.service"
run web /home/alice
is "$(fnd preflight.label-enabled-systemd systemd.unit-masked 0 message)/$(fnd preflight.label-enabled-systemd systemd.unit-masked 0 commands)" \
    "sourceos-agent@.service is masked (/etc/systemd/user/sourceos-agent@.service is a symlink to /dev/null): systemd refuses to start it, whatever unit file is installed/[\"systemctl --user unmask -- sourceos-agent@.service\"]" \
    "the template masked: unmask the template"
# A mask below a real file of higher precedence does not count.
deb_tree
ln -s /dev/null "$T/usr/lib/systemd/user/$U"
run web /home/alice
is "$(codes preflight.label-enabled-systemd)" '["systemd.unit-not-masked"]' "a vendor mask under the user's own file: not masked (the first entry decides)"
# A system agent: the system manager, no --user.
deb_tree
ln -s /dev/null "$T/etc/systemd/system/sourceos-agent@sys.service"
run sys /home/alice
is "$(fnd preflight.label-enabled-systemd systemd.unit-masked 0 commands)" '["systemctl unmask -- sourceos-agent@sys.service"]' "a system agent: systemctl unmask, no --user"

# Live: a stand-in systemctl says masked (--live).
deb_tree
cat > "$TMP/bin/systemctl" <<'STANDIN'
#!/bin/sh
echo "$*" >> "${0%/*}/calls"
echo masked-runtime
exit 1
STANDIN
chmod +x "$TMP/bin/systemctl"
run web /home/alice --live
is "$(cat "$TMP/bin/calls")" "--user is-enabled $U" "live: systemctl --user is-enabled UNIT"
is "$(fnd preflight.label-enabled-systemd systemd.unit-masked 0 message)" \
    "$U is masked (\`systemctl --user is-enabled\` says masked-runtime): systemd refuses to start it, whatever unit file is installed" "live: masked by systemctl's answer"
rm -f "$TMP/bin/systemctl" "$TMP/bin/calls"

# Conflicts: the old system-wide copy, an alias, drop-ins elsewhere.
deb_tree
printf '[Service]\nExecStart=/usr/bin/true\n' > "$T/etc/systemd/system/$U"
run web /home/alice
expect preflight.label-owner-systemd systemd.unit-conflict critical \
    "/etc/systemd/system/$U is another unit file named $U (in the system manager's /etc/systemd/system), besides the agent's $UU/$U" \
    "[\"sudo mv -- /etc/systemd/system/$U /etc/systemd/system/$U.disabled\"]" "old system-wide unit"
deb_tree
ln -s /usr/lib/systemd/user/other.service "$T/etc/systemd/user/$U"
run web /home/alice
is "$(fnd preflight.label-owner-systemd systemd.unit-conflict 0 message)" \
    "/etc/systemd/user/$U is an alias of /usr/lib/systemd/user/other.service named $U (in the user manager's /etc/systemd/user), besides the agent's $UU/$U" "an alias of another unit"
deb_tree
mkdir -p "$T/etc/systemd/user/sourceos-agent@.service.d" "$T$UU/$U.d"
: > "$T/etc/systemd/user/sourceos-agent@.service.d/10-env.conf"
: > "$T$UU/$U.d/zz-sourceos-restart-bound.conf"
run web /home/alice
expect preflight.label-owner-systemd systemd.unit-conflict critical \
    "/etc/systemd/user/sourceos-agent@.service.d holds 1 drop-in that changes $U, besides the agent's $UU/$U" \
    "[\"sudo mv -- /etc/systemd/user/sourceos-agent@.service.d /etc/systemd/user/sourceos-agent@.service.d.disabled\"]" "a template drop-in elsewhere (the agent's own drop-ins are not)"
deb_tree
printf '[Service]\n' > "$T/usr/lib/systemd/user/$U"
run web /home/alice
is "$(fnd preflight.label-owner-systemd systemd.unit-conflict 0 commands)" "[]" "a packaged unit of that name: no mv suggested"
done_testing
