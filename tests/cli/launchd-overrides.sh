#!/bin/sh
# launchd.overrides: launchd's enable/disable override files read offline
# under --root (XML and binary), each disabled label reported, overrides
# for labels no plist has any more flagged stale, /var/db and /private/var/db
# both read (once when /var links to private/var inside the tree), a link
# out of the tree not followed, a broken file a finding, never a crash.
. "$SOS_SRCDIR/tests/lib.sh"
OD=var/db/com.apple.xpc.launchd
POD=private/var/db/com.apple.xpc.launchd
UA=Users/alice/Library/LaunchAgents

make_config ov <<'YAML'
checks:
  - {id: host.facts, plugin: host, check: facts}
  - {id: launchd.overrides, plugin: launchd, check: overrides, after: [host.facts], when: {os: [macos]}}
YAML
make_config ovl <<'YAML'
checks:
  - {id: host.facts, plugin: host, check: facts}
  - {id: launchd.overrides, plugin: launchd, check: overrides, after: [host.facts], when: {os: [macos]}, params: {loaded: [com.example.agent, com.example.ghost]}}
YAML
new_tree() {
    T="$TMP/$1"
    cp -R "$FIXTURES/roots/macos" "$T"
    mkdir -p "$T/$UA" "$T/Library/LaunchDaemons" "$T/System/Library/LaunchDaemons"
}
run() { out=$("$SOS" doctor local-runtime --json --root "$T" --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/${1:-ov}"); rc=$?; }
q() { printf '%s' "$out" | jget "$1"; }
status() { q "find('launchd.overrides')['status']"; }
codes() { q "sorted(f['code'] for f in find('launchd.overrides')['findings'])"; }
# lines CODE: "domain label file" of each finding with CODE, sorted
lines() { q "sorted(f['evidence'].get('domain','')+' '+f['evidence'].get('label','')+' '+f['evidence'].get('file','') for f in find('launchd.overrides')['findings'] if f['code']=='$1')"; }
summ() { q "[f for f in find('launchd.overrides')['findings'] if f['code']=='launchd.overrides-summary'][0]['evidence']['$1']"; }
# write_plist FILE BODY: an XML plist whose top-level dict holds BODY
write_plist() {
    mkdir -p "$(dirname "$1")"
    printf '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n%s\n</dict>\n</plist>\n' "$2" > "$1"
}
service() { write_plist "$1" "<key>Label</key><string>$2</string><key>Program</key><string>/usr/bin/true</string>"; }
to_binary() { plistutil -i "$1" -o "$1.bin" -f bin && mv "$1.bin" "$1"; }

# --- absent directory: skipped, saying why ----------------------------------
new_tree none
run
is "$(status)" skipped "no override directory: skipped"
like "$(q "find('launchd.overrides')['findings'][0]['message']")" 'no launchd override directory' "with the reason"
is "$rc" 0 "exit 0"

# --- the main tree ----------------------------------------------------------
new_tree main
# alice's agent labelled by its Label key (file name differs)
service "$T/$UA/agent-file.plist" com.example.agent
# a daemon without Label: its label is its file name
write_plist "$T/Library/LaunchDaemons/com.example.byname.plist" "<key>Program</key><string>/usr/bin/true</string>"
service "$T/System/Library/LaunchDaemons/com.apple.thing.plist" com.apple.thing
# system domain, binary: disabled label with a plist, a stale disabled one,
# an enabled one with a plist, the Label-less one by file name
write_plist "$T/$POD/disabled.plist" "<key>com.example.agent</key><true/><key>com.example.gone</key><true/><key>com.apple.thing</key><false/><key>com.example.byname</key><true/>"
to_binary "$T/$POD/disabled.plist"
# alice (501), XML: stale disabled, stale enabled, file name of a Label-keyed
# plist is not its label
write_plist "$T/$POD/disabled.501.plist" "<key>com.example.old</key><true/><key>com.example.was</key><false/><key>agent-file</key><true/>"
ln -s private/var "$T/var"
run
is "$(status)" warning "stale overrides: a warning"
is "$rc" 1 "exit 1"
is "$(lines launchd.override-disabled)" '["gui/501 agent-file /var/db/com.apple.xpc.launchd/disabled.501.plist", "gui/501 com.example.old /var/db/com.apple.xpc.launchd/disabled.501.plist", "system com.example.agent /var/db/com.apple.xpc.launchd/disabled.plist", "system com.example.byname /var/db/com.apple.xpc.launchd/disabled.plist", "system com.example.gone /var/db/com.apple.xpc.launchd/disabled.plist"]' \
   "every disabled label, with domain and file; /var linked to private/var inside the tree is followed and read once"
is "$(lines launchd.stale-override)" '["gui/501 agent-file /var/db/com.apple.xpc.launchd/disabled.501.plist", "gui/501 com.example.old /var/db/com.apple.xpc.launchd/disabled.501.plist", "gui/501 com.example.was /var/db/com.apple.xpc.launchd/disabled.501.plist", "system com.example.gone /var/db/com.apple.xpc.launchd/disabled.plist"]' \
   "stale: no plist has the label (the Label key counts, not the file name; a Label-less plist counts by file name)"
is "$(q "[f['severity'] for f in find('launchd.overrides')['findings'] if f['code']=='launchd.override-disabled' and f['evidence']['label']=='com.example.agent']")" '["info"]' "a disabled label whose plist exists: info only"
is "$(q "[f['code'] for f in find('launchd.overrides')['findings'] if f['evidence'].get('label')=='com.example.agent']")" '["launchd.override-disabled"]' "and nothing else about it"
is "$(q "[f['evidence']['disabled'] for f in find('launchd.overrides')['findings'] if f['code']=='launchd.stale-override' and f['evidence']['label']=='com.example.was']")" '["false"]' "an enabled stale override says so"
is "$(q "[f['commands'] for f in find('launchd.overrides')['findings'] if f['code']=='launchd.stale-override' and f['evidence']['label']=='com.example.gone'][0]")" '["sudo /usr/libexec/PlistBuddy -c '"'"'Delete :com.example.gone'"'"' /var/db/com.apple.xpc.launchd/disabled.plist"]' "exact fix: PlistBuddy Delete"
like "$(q "[f['remediation'] for f in find('launchd.overrides')['findings'] if f['code']=='launchd.stale-override'][0]")" 'launchctl enable. does not remove it' "remediation is honest about launchctl enable"
is "$(q "[f['path'] for f in find('launchd.overrides')['findings'] if f['code']=='launchd.stale-override' and f['evidence']['label']=='com.example.old']")" '["/var/db/com.apple.xpc.launchd/disabled.501.plist"]' "the finding's path is the override file"
is "$(summ files):$(summ disabled):$(summ enabled):$(summ stale):$(summ plists)" 2:5:2:4:3 "summary counts: 2 files, 5 disabled, 2 enabled, 4 stale, 3 plists"

# --- /private/var/db alone (no /var link), XML system file -----------------
rm "$T/var"
run
is "$(lines launchd.stale-override | grep -c /private/var/db)" 1 "/private/var/db read when /var is absent"
like "$(lines launchd.stale-override)" 'system com.example.gone /private/var/db/com.apple.xpc.launchd/disabled.plist' "named by its private path"

# --- /var/db alone, a malformed file, the loaded param -----------------------
new_tree var
service "$T/$UA/com.example.agent.plist" com.example.agent
write_plist "$T/$OD/disabled.plist" "<key>com.example.gone</key><true/>"
printf '<?xml version="1.0"?><plist version="1.0"><dict><key>x</key><tru' > "$T/$OD/disabled.502.plist"
printf 'bplist00\001\002' > "$T/$OD/disabled.503.plist"
run ovl
is "$(codes)" '["launchd.override-disabled", "launchd.override-malformed", "launchd.override-malformed", "launchd.overrides-summary", "launchd.stale-label", "launchd.stale-override"]' "/var/db: XML file read; two malformed files; a loaded label with no plist"
is "$(q "sorted(f['path'] for f in find('launchd.overrides')['findings'] if f['code']=='launchd.override-malformed')")" '["/var/db/com.apple.xpc.launchd/disabled.502.plist", "/var/db/com.apple.xpc.launchd/disabled.503.plist"]' "each malformed file named"
is "$(q "[f['evidence']['label'] for f in find('launchd.overrides')['findings'] if f['code']=='launchd.stale-label']")" '["com.example.ghost"]' "stale-label: the loaded label without a plist only"
is "$(status)" warning "a warning"
is "$(summ stale_loaded)" 1 "summary counts the stale loaded label"

# --- an override directory escaping the root ---------------------------------
new_tree escape
mkdir -p "$TMP/outside" "$T/var/db"
write_plist "$TMP/outside/disabled.plist" "<key>com.example.secret</key><true/>"
ln -s "$TMP/outside" "$T/$OD"
run
is "$(codes)" '["launchd.override-outside-root", "launchd.overrides-summary"]' "a symlinked override dir out of the root: a finding, not read"
is "$(q "[f['path'] for f in find('launchd.overrides')['findings'] if f['code']=='launchd.override-outside-root']")" '["/var/db/com.apple.xpc.launchd"]' "naming the directory"
unlike "$out" 'com.example.secret' "nothing outside the root reaches the report"
is "$(status)" warning "a warning, not skipped"

# --- everything fine ---------------------------------------------------------
new_tree clean
service "$T/$UA/com.example.agent.plist" com.example.agent
write_plist "$T/$POD/disabled.plist" "<key>com.example.agent</key><true/>"
to_binary "$T/$POD/disabled.plist"
run
is "$(codes)" '["launchd.override-disabled", "launchd.overrides-summary"]' "a disabled label whose plist exists (binary file): info only"
is "$(status)" ok "ok"
is "$rc" 0 "exit 0"
done_testing
