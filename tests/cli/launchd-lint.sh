#!/bin/sh
# launchd: the plist lint (one file, check `lint`) and the scan of every
# launch directory under --root (check `scan`) on copied macOS trees. Each
# rule is shown firing and a clean plist shown not firing; XML and binary
# plists read the same; broken, truncated, huge, escaping and odd files give
# a finding naming the file, never a crash; a Linux host skips the scan.
. "$SOS_SRCDIR/tests/lib.sh"
LFIX="$FIXTURES/launchd"
UA=Users/alice/Library/LaunchAgents
SA=Library/LaunchAgents
SD=Library/LaunchDaemons

make_config scan <<'YAML'
checks:
  - {id: host.facts, plugin: host, check: facts}
  - {id: launchd.scan, plugin: launchd, check: scan, after: [host.facts], when: {os: [macos]}}
YAML
lint_config() { # lint_config PATH: a checks.d linting the plist at PATH
    make_config lint <<YAML
checks:
  - {id: host.facts, plugin: host, check: facts}
  - {id: launchd.lint, plugin: launchd, check: lint, after: [host.facts], when: {os: [macos]}, params: {plist: "$1"}}
YAML
}
# new_tree NAME: a macOS tree under $TMP whose alice (uid 501) owns her home.
new_tree() {
    T="$TMP/$1"
    cp -R "$FIXTURES/roots/macos" "$T"
    mkdir -p "$T/$UA" "$T/$SA" "$T/$SD"
    chown 501 "$T/Users/alice" "$T/Users/alice/Library" "$T/$UA"
}
doctor() { "$SOS" doctor local-runtime --json --root "$T" --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/$1"; }
scan() { out=$(doctor scan); rc=$?; }
lint() { lint_config "$1"; out=$(doctor lint); rc=$?; }
q() { printf '%s' "$out" | jget "$1"; }
status() { q "find('$1')['status']"; }
codes() { q "sorted(f['code'] for f in find('$1')['findings'])"; }
# fnd CHECK CODE FIELD: FIELD of the first finding of CHECK with CODE
fnd() { q "[f for f in find('$1')['findings'] if f['code']=='$2'][0]['$3']"; }
ev() { q "[f for f in find('$1')['findings'] if f['code']=='$2'][0]['evidence'].get('$3')"; }
has() { q "any(f['code']=='$2' for f in find('$1')['findings'])"; }

# write_plist FILE BODY: an XML plist whose top-level dict holds BODY.
write_plist() {
    mkdir -p "$(dirname "$1")"
    { printf '<?xml version="1.0" encoding="UTF-8"?>\n'
      printf '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
      printf '<plist version="1.0">\n<dict>\n%s\n</dict>\n</plist>\n' "$2"; } > "$1"
    chmod 644 "$1"
}
# A service with nothing wrong, labelled LABEL, with EXTRA keys.
clean_body() {
    printf '<key>Label</key><string>%s</string>
<key>ProgramArguments</key><array><string>/usr/local/bin/agent</string><string>--serve</string></array>
<key>RunAtLoad</key><true/>
<key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>
<key>ThrottleInterval</key><integer>30</integer>
<key>StandardOutPath</key><string>/Users/alice/Library/Logs/%s/stdout.log</string>
<key>StandardErrorPath</key><string>/Users/alice/Library/Logs/%s/stderr.log</string>%s' "$1" "$1" "$1" "${2:-}"
}
# user_plist LABEL BODY: alice's agent LABEL.plist, hers, mode 644.
user_plist() { write_plist "$T/$UA/$1.plist" "$2"; chown 501 "$T/$UA/$1.plist"; }
P=/$UA/com.example.case.plist   # the file the single-file cases lint
case_plist() { user_plist com.example.case "$1"; lint "$P"; }

# --- a Linux host: the scan does not apply, and says why ---------------------
T="$FIXTURES/roots/debian"
scan
is "$(status launchd.scan)" skipped "a Debian tree skips launchd.scan"
like "$(q "find('launchd.scan')['reason']")" 'applies only to macos; this host is linux' "with the when: reason"
is "$rc" 0 "and exits 0"
out=$("$SOS" doctor local-runtime --json --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/scan")
is "$(status launchd.scan)" "$(uname | grep -q Darwin && echo ok || echo skipped)" "without --root it follows this (Linux) host"

# --- clean plists: no problem anywhere --------------------------------------
new_tree clean
user_plist com.example.good "$(clean_body com.example.good)"
write_plist "$T/$SD/com.example.daemon.plist" "$(clean_body com.example.daemon)"
echo "not a plist" > "$T/$UA/README"
scan
is "$rc" 0 "clean plists: exit 0"
is "$(status launchd.scan)" ok "scan ok"
is "$(codes launchd.scan)" '["launchd.scan-summary"]' "only the summary, no problem finding"
is "$(ev launchd.scan launchd.scan-summary /Users/alice/Library/LaunchAgents)" 1 "alice's agent linted (README ignored: only *.plist)"
is "$(ev launchd.scan launchd.scan-summary /Library/LaunchDaemons)" 1 "the daemon linted"
is "$(ev launchd.scan launchd.scan-summary /Library/LaunchAgents)" 0 "empty /Library/LaunchAgents counted as 0"
like "$(fnd launchd.scan launchd.scan-summary message)" 'linted 2 plists \(0 problems\)' "summary message counts files and problems"
lint /$UA/com.example.good.plist
is "$(status launchd.lint)" ok "lint of the clean agent: ok"
is "$(codes launchd.lint)" '["launchd.plist"]' "only its description"
is "$(ev launchd.lint launchd.plist arguments)" "/usr/local/bin/agent --serve" "description names what it runs"
is "$(ev launchd.lint launchd.plist owner_uid)" 501 "owner uid in evidence"
is "$(ev launchd.lint launchd.plist mode)" 0644 "mode in evidence (octal)"

# --- XML and binary read the same -------------------------------------------
new_tree fmt
cp "$LFIX/agent.plist" "$T/$UA/com.example.agent.plist"; chown 501 "$T/$UA/com.example.agent.plist"
lint /$UA/com.example.agent.plist
xml_codes=$(codes launchd.lint); xml_ev=$(q "[f['evidence'] for f in find('launchd.lint')['findings']]")
is "$(ev launchd.lint launchd.log-in-tmp format)" xml "agent.plist read as XML"
cp "$LFIX/agent.bplist" "$T/$UA/com.example.agent.plist"
lint /$UA/com.example.agent.plist
is "$(ev launchd.lint launchd.log-in-tmp format)" binary "agent.bplist read as binary"
is "$(codes launchd.lint)" "$xml_codes" "binary and XML give the same findings"
is "$(q "[f['evidence'] for f in find('launchd.lint')['findings']]")" "$(printf '%s' "$xml_ev" | sed 's/"xml"/"binary"/g')" "and the same evidence but the format"
is "$xml_codes" '["launchd.log-in-tmp", "launchd.log-in-tmp", "launchd.plist"]' "agent.plist: both logs in /tmp; KeepAlive on failure with ThrottleInterval 30 is fine"
is "$(status launchd.lint)" failure "logs in /tmp: failure"
is "$rc" 2 "exit 2"
is "$(ev launchd.lint launchd.log-in-tmp keep_alive)" "{SuccessfulExit: false, Crashed: true}" "keep_alive evidence"
is "$(ev launchd.lint launchd.log-in-tmp throttle_interval)" 30 "throttle_interval evidence"
is "$(ev launchd.lint launchd.log-in-tmp stdout)" /tmp/agent.out.log "stdout evidence"
is "$(ev launchd.lint launchd.log-in-tmp stderr)" /tmp/agent.err.log "stderr evidence"
is "$(ev launchd.lint launchd.log-in-tmp label)" com.example.agent "label evidence"
is "$(ev launchd.lint launchd.log-in-tmp program)" /usr/local/bin/agent "program evidence"
is "$(q "[f for f in find('launchd.lint')['findings'] if f['code']=='launchd.log-in-tmp'][0]['commands']")" \
   '["mkdir -p /Users/alice/Library/Logs/com.example.agent", "plutil -replace StandardOutPath -string /Users/alice/Library/Logs/com.example.agent/stdout.log /Users/alice/Library/LaunchAgents/com.example.agent.plist"]' \
   "exact fix: a log directory of alice's and plutil"

# --- broken plists: a finding with the path, never a crash -------------------
broken() { # broken SOURCE-FILE WHY-PATTERN FORMAT DESCRIPTION
    cp "$1" "$T/$UA/com.example.case.plist"; chown 501 "$T/$UA/com.example.case.plist"
    lint "$P"
    is "$(status launchd.lint):$(codes launchd.lint)" 'failure:["launchd.plist-malformed"]' "$4: malformed, failure (not a crash)"
    like "$(fnd launchd.lint launchd.plist-malformed message)" "$2" "$4: says why"
    is "$(fnd launchd.lint launchd.plist-malformed path):$(ev launchd.lint launchd.plist-malformed format)" "$P:$3" "$4: names the file, format $3"
}
broken "$LFIX/bad.bplist" 'binary plist that is truncated or corrupt' binary "truncated bad.bplist"
broken "$LFIX/bad.plist" 'does not end with </plist>' xml "bad.plist (key without value, unclosed)"
broken "$LFIX/edge2.plist" 'text that is not a valid property list' xml "edge2.plist (unknown element)"
: > "$TMP/empty"; broken "$TMP/empty" 'the file is empty' unknown "an empty file"
printf '\000\001\002\377garbage\000' > "$TMP/garbage"; broken "$TMP/garbage" 'binary data that is not a property list' unknown "binary garbage"
head -c 4000 "$LFIX/agent.plist" | head -c 500 > "$TMP/cut.plist"; broken "$TMP/cut.plist" 'not a valid property list|does not end' xml "XML cut in the middle"
cp "$LFIX/edge.plist" "$T/$UA/com.example.case.plist"
lint "$P"
like "$(codes launchd.lint)" '"launchd.plist-keys-lost"' "edge.plist: the duplicate Label is noticed"
is "$(ev launchd.lint launchd.plist-keys-lost keys_written):$(ev launchd.lint launchd.plist-keys-lost keys_read)" 5:4 "5 keys written, 4 read"
like "$(codes launchd.lint)" '"launchd.label-mismatch"' "and the Label libplist kept (dup) is not the file name"
write_plist "$T/$UA/com.example.case.plist" ''
printf '<?xml version="1.0"?>\n<plist version="1.0"><array><string>x</string></array></plist>\n' > "$T/$UA/com.example.case.plist"
lint "$P"
is "$(codes launchd.lint)" '["launchd.plist-not-a-dict"]' "a top-level array: not a dict"
is "$(status launchd.lint)" failure "which fails"
{ cat "$LFIX/agent.plist"; head -c 1100000 /dev/zero | tr '\0' ' '; } > "$T/$UA/com.example.case.plist"
lint "$P"
is "$(codes launchd.lint)" '["launchd.plist-too-large"]' "a file over 1 MiB is not parsed"
is "$(status launchd.lint)" warning "too large: warning"

# A NUL byte inside a <string>: libplist 2.2 reads it, then its
# plist_get_string_val() aborts the process; it is a malformed plist.
printf '<?xml version="1.0"?>\n<plist version="1.0"><dict><key>Label</key><string>com.example.case</string><key>Program</key><string>/bin/a\000b</string></dict></plist>\n' > "$TMP/nul.plist"
broken "$TMP/nul.plist" 'holds a NUL byte' xml "a string holding a NUL byte"

# --- KeepAlive --------------------------------------------------------------
case_plist "$(clean_body com.example.case | sed 's|<key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>|<key>KeepAlive</key><true/>|')"
is "$(codes launchd.lint)" '["launchd.keepalive-unbounded", "launchd.plist"]' "KeepAlive true: unbounded respawn"
is "$(q "[f for f in find('launchd.lint')['findings'] if f['code']=='launchd.keepalive-unbounded'][0]['severity']")" critical "critical"
like "$(fnd launchd.lint launchd.keepalive-unbounded message)" 'RunAtLoad true' "RunAtLoad is part of the finding"
is "$(ev launchd.lint launchd.keepalive-unbounded keep_alive)" true "keep_alive evidence true"
like "$(fnd launchd.lint launchd.keepalive-unbounded commands)" "plutil -replace KeepAlive -xml '<dict><key>SuccessfulExit</key><false/></dict>' $P" "exact fix: restart on failure only"
is "$rc" 2 "exit 2"
case_plist "$(clean_body com.example.case | sed 's|<key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>|<key>KeepAlive</key><true/>|; s|<key>RunAtLoad</key><true/>||')"
unlike "$(fnd launchd.lint launchd.keepalive-unbounded message)" 'RunAtLoad' "without RunAtLoad the message does not claim it"
case_plist "$(clean_body com.example.case | sed 's|<key>ThrottleInterval</key><integer>30</integer>||')"
is "$(codes launchd.lint)" '["launchd.keepalive-unthrottled", "launchd.plist"]' "restart on failure without ThrottleInterval: unthrottled"
is "$(status launchd.lint)" warning "a warning"
like "$(fnd launchd.lint launchd.keepalive-unthrottled commands)" "plutil -replace ThrottleInterval -integer 30 $P" "exact fix sets ThrottleInterval"
case_plist "$(clean_body com.example.case | sed 's|<integer>30</integer>|<integer>5</integer>|; s|<key>SuccessfulExit</key><false/>|<key>Crashed</key><true/>|')"
is "$(codes launchd.lint)" '["launchd.keepalive-unthrottled", "launchd.plist"]' "Crashed true with ThrottleInterval 5: unthrottled"
like "$(fnd launchd.lint launchd.keepalive-unthrottled message)" 'under 10 seconds' "says the interval is too short"
# A real that is no number (NaN, infinity) is no ThrottleInterval: reading
# it as one was undefined behaviour (a crash under UBSan).
for r in nan inf; do
    case_plist "$(clean_body com.example.case | sed "s|<integer>30</integer>|<real>$r</real>|")"
    is "$(status launchd.lint):$(codes launchd.lint)" 'warning:["launchd.keepalive-unthrottled", "launchd.plist"]' "ThrottleInterval <real>$r</real>: no interval, unthrottled"
    is "$(ev launchd.lint launchd.keepalive-unthrottled throttle_interval)" "" "  and no throttle_interval evidence made up from it"
done
case_plist "$(clean_body com.example.case | sed 's|<integer>30</integer>|<integer>10</integer>|')"
is "$(codes launchd.lint)" '["launchd.plist"]' "ThrottleInterval 10: fine"
case_plist "$(clean_body com.example.case | sed 's|<key>SuccessfulExit</key><false/>|<key>SuccessfulExit</key><true/>|; s|<key>ThrottleInterval</key><integer>30</integer>||')"
is "$(codes launchd.lint)" '["launchd.plist"]' "KeepAlive that restarts only after success is not a failure loop"
case_plist "$(clean_body com.example.case | sed 's|<key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>|<key>KeepAlive</key><false/>|')"
is "$(codes launchd.lint)" '["launchd.plist"]' "KeepAlive false: fine"

# --- logs under /tmp ---------------------------------------------------------
for log in /var/tmp/a.log /private/tmp/a.log /private/var/tmp/x/a.log //tmp/./a.log /tmp; do
    case_plist "$(clean_body com.example.case | sed "s|/Users/alice/Library/Logs/com.example.case/stderr.log|$log|")"
    is "$(codes launchd.lint):$(ev launchd.lint launchd.log-in-tmp key)" '["launchd.log-in-tmp", "launchd.plist"]:StandardErrorPath' "StandardErrorPath $log: logs in tmp"
done
for log in '~/Library/Logs/a.log' 'Logs/a.log' '$HOME/a.log'; do
    case_plist "$(clean_body com.example.case | sed "s|/Users/alice/Library/Logs/com.example.case/stderr.log|$log|")"
    is "$(codes launchd.lint):$(ev launchd.lint launchd.log-path-relative key)" '["launchd.log-path-relative", "launchd.plist"]:StandardErrorPath' "StandardErrorPath $log: not absolute, launchd does not expand it"
done
is "$(status launchd.lint)" warning "a relative log path: a warning"
like "$(fnd launchd.lint launchd.log-path-relative commands)" "plutil -replace StandardErrorPath -string /Users/alice/Library/Logs/com.example.case/stderr.log $P" "the fix writes the path out"
case_plist "$(clean_body com.example.case | sed "s|/Users/alice/Library/Logs/com.example.case/stdout.log|/tmpfiles/a.log|")"
is "$(codes launchd.lint)" '["launchd.plist"]' "/tmpfiles is not /tmp"

# --- Label, Program ---------------------------------------------------------
case_plist "$(clean_body com.example.case | sed 's|<key>Label</key><string>com.example.case</string>||')"
is "$(codes launchd.lint)" '["launchd.label-missing", "launchd.plist"]' "no Label: label-missing"
like "$(fnd launchd.lint launchd.label-missing commands)" "plutil -insert Label -string com.example.case $P" "exact fix inserts the file's name"
case_plist "$(clean_body com.example.other)"
is "$(codes launchd.lint)" '["launchd.label-mismatch", "launchd.plist"]' "Label not the file name: label-mismatch"
is "$(status launchd.lint)" warning "a warning"
case_plist '<key>Label</key><string>com.example.case</string><key>RunAtLoad</key><true/>'
is "$(codes launchd.lint)" '["launchd.plist", "launchd.program-missing"]' "neither Program nor ProgramArguments: program-missing"
is "$(status launchd.lint)" failure "a failure"
case_plist "$(clean_body com.example.case | sed 's|<string>/usr/local/bin/agent</string>|<string>bin/agent</string>|')"
is "$(codes launchd.lint)" '["launchd.plist", "launchd.program-relative"]' "relative program: program-relative"
case_plist '<key>Label</key><string>com.example.case</string><key>Program</key><string>/usr/bin/true</string>'
is "$(codes launchd.lint)" '["launchd.plist"]' "Program alone (absolute) is fine"
case_plist "$(clean_body com.example.case '<key>NetworkState</key><true/>')"
is "$(codes launchd.lint)" '["launchd.networkstate-obsolete", "launchd.plist"]' "NetworkState: obsolete"
is "$(status launchd.lint)" warning "a warning"
case_plist "$(clean_body com.example.case | sed 's|<key>SuccessfulExit</key><false/>|<key>SuccessfulExit</key><false/><key>NetworkState</key><true/>|')"
like "$(fnd launchd.lint launchd.networkstate-obsolete commands)" "plutil -remove KeepAlive.NetworkState $P" "KeepAlive.NetworkState too, with its fix"

# --- podman run -------------------------------------------------------------
args() { # args WORD...: a ProgramArguments array
    printf '<key>ProgramArguments</key><array>'
    for w in "$@"; do printf '<string>%s</string>' "$w"; done
    printf '</array>'
}
podman_plist() { case_plist "$(clean_body com.example.case | sed 's|<key>ProgramArguments</key>.*</array>||')$1"; }
podman_plist "$(args /opt/homebrew/bin/podman run --rm --pull=always docker.io/library/nginx:latest)"
is "$(codes launchd.lint)" '["launchd.plist", "launchd.podman-pull-at-start", "launchd.raw-podman-run", "launchd.registry-image"]' "raw podman run --pull=always of a docker.io image"
is "$(ev launchd.lint launchd.raw-podman-run where)" ProgramArguments "found in ProgramArguments"
like "$(ev launchd.lint launchd.raw-podman-run authfile)" '^none' "no --authfile noted in evidence"
is "$(ev launchd.lint launchd.registry-image image)" docker.io/library/nginx:latest "the image named"
is "$(ev launchd.lint launchd.podman-pull-at-start pull)" always "pull policy in evidence"
is "$(status launchd.lint)" failure "a failure"
podman_plist "$(args /usr/bin/env podman --remote --url unix:///x run -d --name web --pull newer nginx)"
is "$(codes launchd.lint)" '["launchd.plist", "launchd.podman-pull-at-start", "launchd.raw-podman-run", "launchd.registry-image"]' "env podman --remote ... run --pull newer nginx (short name: docker.io)"
is "$(ev launchd.lint launchd.registry-image image)" nginx "the image after value-taking options"
podman_plist "$(args /bin/sh -c "exec podman run --rm --pull never --authfile /Users/alice/empty.json localhost/web@sha256:abcd")"
is "$(codes launchd.lint)" '["launchd.plist", "launchd.raw-podman-run", "launchd.shell-launch"]' "sh -c with podman run: raw and a shell launch, but local image and --pull never"
is "$(ev launchd.lint launchd.raw-podman-run where)" "the sh -c command" "found in the -c command"
is "$(ev launchd.lint launchd.raw-podman-run authfile)" given "--authfile seen"
podman_plist "$(args /opt/homebrew/bin/podman machine start)"
is "$(codes launchd.lint)" '["launchd.plist"]' "podman machine start is not podman run"
mkdir -p "$T/Users/alice/bin"
printf '#!/bin/sh\n# runs the agent\nset -e\nexec /opt/homebrew/bin/podman --remote run --rm \\\n  --pull="always" \\\n  quay.io/org/app:1\n' > "$T/Users/alice/bin/run-agent"
podman_plist "$(args /Users/alice/bin/run-agent)"
is "$(codes launchd.lint)" '["launchd.plist", "launchd.podman-pull-at-start", "launchd.raw-podman-run", "launchd.registry-image"]' "a wrapper script with a raw podman run (continued lines, quoted option)"
is "$(ev launchd.lint launchd.raw-podman-run where)" "the script /Users/alice/bin/run-agent, line 4" "names the script and the line"
is "$(ev launchd.lint launchd.registry-image image)" quay.io/org/app:1 "image read across the continuation"
podman_plist "$(args /bin/bash /Users/alice/bin/run-agent)"
like "$(codes launchd.lint)" '"launchd.raw-podman-run"' "bash SCRIPT: the script is read too"
printf '#!/bin/sh\n# sourceos-agent: governed wrapper (generated; do not edit)\nexec podman run --rm --replace --pull=never --authfile /Users/alice/.config/sourceos/empty-auth.json localhost/web@sha256:0123\n' > "$T/Users/alice/bin/run-agent"
podman_plist "$(args /Users/alice/bin/run-agent)"
is "$(codes launchd.lint)" '["launchd.plist"]' "the governed wrapper: no podman finding"
is "$(status launchd.lint)" ok "ok"
sed -i 's/--pull=never/--pull=always/' "$T/Users/alice/bin/run-agent"
podman_plist "$(args /Users/alice/bin/run-agent)"
is "$(codes launchd.lint)" '["launchd.governed-claim-false", "launchd.plist", "launchd.podman-pull-at-start", "launchd.raw-podman-run"]' "the marker over --pull=always: a false claim, judged as a raw run"
is "$(fnd launchd.lint launchd.governed-claim-false severity)" critical "a false claim is critical"
like "$(fnd launchd.lint launchd.governed-claim-false message)" "runs /Users/alice/bin/run-agent, which claims to be sourceos-agent's governed wrapper \(it carries \`sourceos-agent: governed wrapper\`\), but its \`podman run\` \(in the script /Users/alice/bin/run-agent, line 3\) lacks --pull=never \(it has --pull=always\): it is judged as a raw run" "says what the run lacks, and where"
is "$(ev launchd.lint launchd.governed-claim-false missing)" "--pull=never (it has --pull=always)" "evidence: only that is missing"
is "$(ev launchd.lint launchd.governed-claim-false wrapper)" /Users/alice/bin/run-agent "evidence: the wrapper"
# The wrapper as the generator writes it: DOCKER_CONFIG, --authfile FILE, a worktree mount.
printf '#!/bin/sh
# sourceos-agent: governed wrapper (generated; do not edit)
set -eu
export DOCKER_CONFIG=/Users/alice/.local/state/sourceos/docker
exec podman run --rm --replace --name agent --pull=never --authfile /Users/alice/.local/state/sourceos/empty-auth.json -e SOURCEOS_AGENT=agent -v /Users/alice/src/repo:/work localhost/agent@sha256:0123
' > "$T/Users/alice/bin/run-agent"
podman_plist "$(args /Users/alice/bin/run-agent)"
is "$(codes launchd.lint)" '["launchd.plist"]' "the generator's wrapper bears its claim out"
# The review's forgery: the marker in a comment over a raw run.
printf '#!/bin/sh
# sourceos-agent: governed wrapper
exec podman run -v $HOME:/h ghcr.io/evil/x:latest
' > "$T/Users/alice/bin/run-agent"
podman_plist "$(args /Users/alice/bin/run-agent)"
is "$(codes launchd.lint)" '["launchd.governed-claim-false", "launchd.home-mounted", "launchd.plist", "launchd.raw-podman-run", "launchd.registry-image"]' "a forged marker hides nothing: raw run, registry image, home mount, and the false claim"
is "$(ev launchd.lint launchd.governed-claim-false missing)" "--pull=never (it has no --pull: podman's default, missing, pulls), --authfile (without it the host's registry credentials apply), a local image (it runs ghcr.io/evil/x:latest, from a registry (ghcr.io)), no mount of a home (it mounts \$HOME, a whole home)" "names everything the run lacks"
is "$(ev launchd.lint launchd.governed-claim-false image)" ghcr.io/evil/x:latest "the run's evidence"
# A NUL byte before the marker does not make it unseen.
printf '#!/bin/sh
#\000
# sourceos-agent: governed wrapper
exec podman run ghcr.io/evil/x:latest
' > "$T/Users/alice/bin/run-agent"
podman_plist "$(args /Users/alice/bin/run-agent)"
like "$(codes launchd.lint)" '"launchd.governed-claim-false"' "a NUL byte before the marker: the claim is still judged"
# A compliant decoy first does not cover the run after it.
printf '#!/bin/sh
# sourceos-agent: governed wrapper
podman run --pull=never --authfile /e.json localhost/a
exec podman run --pull=never --authfile /e.json -v /:/host localhost/a
' > "$T/Users/alice/bin/run-agent"
podman_plist "$(args /Users/alice/bin/run-agent)"
is "$(codes launchd.lint)" '["launchd.governed-claim-false", "launchd.plist", "launchd.raw-podman-run"]' "a decoy run: the claim is false, the script's runs are raw"
is "$(ev launchd.lint launchd.governed-claim-false where)" "the script /Users/alice/bin/run-agent, line 4" "names the run that belies it"
is "$(ev launchd.lint launchd.governed-claim-false missing)" "no mount of a home (it mounts /, a directory holding the home(s))" "what it lacks"
printf '#!/bin/sh\n# podman run is mentioned in a comment only\nexec /usr/local/bin/agent\n' > "$T/Users/alice/bin/run-agent"
podman_plist "$(args /Users/alice/bin/run-agent)"
is "$(codes launchd.lint)" '["launchd.plist"]' "podman run in a comment is not a command"
fixture_plist() { cp "$LFIX/$1" "$T$P"; chown 501 "$T$P"; chmod 644 "$T$P"; lint "$P"; }
fixture_plist home-mount.plist
is "$(codes launchd.lint)" '["launchd.home-mounted", "launchd.plist", "launchd.raw-podman-run"]' "-v /Users/alice/: the whole home mounted; /Users/alice/src/repo is not"
is "$(q "len([f for f in find('launchd.lint')['findings'] if f['code']=='launchd.home-mounted'])")" 1 "one finding: the subdirectory mount is fine"
is "$(ev launchd.lint launchd.home-mounted mount_source)" /Users/alice/ "evidence: the source as written"
is "$(ev launchd.lint launchd.home-mounted read_only)" no "evidence: writable"
is "$(fnd launchd.lint launchd.home-mounted severity)" critical "critical"
like "$(fnd launchd.lint launchd.home-mounted remediation)" "Mount only the repository or worktree" "remediation: mount only what it needs"
is "$(ev launchd.lint launchd.raw-podman-run mounts)" "/Users/alice/:/Users/alice, /Users/alice/src/repo:/work" "evidence: every mount"
is "$(ev launchd.lint launchd.raw-podman-run replace) $(ev launchd.lint launchd.raw-podman-run rm)" "yes yes" "evidence: --replace and --rm"
podman_plist "$(args /bin/sh -c 'exec podman run -v "$HOME:/h" -v ~/:/t --mount type=bind,src=/Users/alice/wt,dst=/w localhost/a')"
is "$(q "[f['evidence']['mount_source'] for f in find('launchd.lint')['findings'] if f['code']=='launchd.home-mounted']")" '["$HOME", "~/"]' "\$HOME and ~/ in a -c string: each a finding; a worktree --mount is not"
podman_plist "$(args /opt/homebrew/bin/podman run -v /:/host -v /Users:/Users -v '$HOME/..:/x' -v /var/root:/r -v /Users/alice/src/..:/s -v /Users/alice/src/../src:/w localhost/a)"
is "$(q "[f['evidence']['mount_source'] for f in find('launchd.lint')['findings'] if f['code']=='launchd.home-mounted']")" '["/", "/Users", "$HOME/..", "/var/root", "/Users/alice/src/.."]' "wider mounts too: /, /Users, \$HOME/.., /var/root, and a home spelt with ..; a worktree spelt with .. is not"
like "$(fnd launchd.lint launchd.home-mounted message)" "mounts /, a directory holding the home\(s\), into the container \(at /host, in ProgramArguments\): what runs there can read and change every file of every user whose home is in it" "a wider mount: a directory holding the home(s)"
like "$(q "[f['message'] for f in find('launchd.lint')['findings'] if f['code']=='launchd.home-mounted'][3]")" "mounts the whole home /var/root into" "/var/root: the whole (root's) home"
fixture_plist loopback-registry.plist
is "$(codes launchd.lint)" '["launchd.plist", "launchd.raw-podman-run", "launchd.registry-image"]' "localhost:5000/agent:1 is a registry image"
like "$(fnd launchd.lint launchd.registry-image message)" "an image from a registry on this machine \(localhost:5000\)" "says: a registry on this machine"
is "$(ev launchd.lint launchd.registry-image registry)" localhost:5000 "evidence: the registry"
podman_plist "$(args /usr/bin/docker run --rm 127.0.0.1:5000/agent)"
is "$(codes launchd.lint)" '["launchd.plist", "launchd.raw-podman-run", "launchd.registry-image"]' "docker run of 127.0.0.1:5000/agent: raw, and a registry image"
like "$(fnd launchd.lint launchd.raw-podman-run message)" "runs \`docker run\` directly" "names docker"
podman_plist "$(args /opt/homebrew/bin/podman create --rm oci-archive:/Users/alice/agent.tar)"
is "$(codes launchd.lint)" '["launchd.plist", "launchd.raw-podman-run"]' "podman create of an oci-archive: raw, but no registry"

# --- nix-darwin's launch command: sh -c, wait4path, a store wrapper ---------
H=z3n6ml62lc6l9glpaz6fq7fvi2rks9vq
W=/nix/store/$H-node-commander-wrapper/bin/node-commander
NC=org.nixos.node-commander
NCP=/$SA/$NC.plist
# nc_plist: the incident's root-owned agent in /Library/LaunchAgents
nc_plist() {
    write_plist "$T$NCP" "$(clean_body $NC | sed 's|<key>ProgramArguments</key>.*</array>||')$(args /bin/sh -c "/bin/wait4path /nix/store &amp;&amp; exec $W")"
    chown 0 "$T$NCP"
}
nc_wrapper() { # nc_wrapper TEXT: the store wrapper's script
    mkdir -p "$(dirname "$T$W")"
    printf '%s' "$1" > "$T$W"
    chmod 555 "$T$W"
}
NCW='#!/bin/sh
# generated by nix-darwin
set -e
exec /opt/homebrew/bin/podman run --rm --name node-commander \
  -v /Users/alice:/Users/alice ghcr.io/socioprophet/node-commander:latest
'
nc_wrapper "$NCW"
nc_plist
lint "$NCP"
is "$(codes launchd.lint)" '["launchd.home-mounted", "launchd.opaque-store-wrapper", "launchd.plist", "launchd.raw-podman-run", "launchd.registry-image", "launchd.shell-launch", "launchd.system-wide-agent"]' "the incident's plist: the podman run behind sh -c and the store wrapper is seen (with the whole home mounted)"
is "$(ev launchd.lint launchd.raw-podman-run where)" "the script $W, line 4" "raw run: names the wrapper and its line"
is "$(ev launchd.lint launchd.registry-image image)" ghcr.io/socioprophet/node-commander:latest "the registry image behind the wrapper"
like "$(fnd launchd.lint launchd.opaque-store-wrapper message)" 'only a Nix store wrapper \(node-commander-wrapper\); the wrapper runs `podman run \.\.\. ghcr\.io/socioprophet/node-commander:latest` \(its line 4\)' "opaque wrapper: says what it runs, without store paths"
is "$(ev launchd.lint launchd.opaque-store-wrapper runs)" "/opt/homebrew/bin/podman run --rm --name node-commander -v /Users/alice:/Users/alice ghcr.io/socioprophet/node-commander:latest" "and the whole command as evidence"
like "$(fnd launchd.lint launchd.shell-launch message)" 'launches through `sh -c`.*`wait4path /nix/store`, then `exec node-commander`' "shell launch: names what the shell runs"
is "$(ev launchd.lint launchd.shell-launch wait4path)" /nix/store "the wait path recorded"
is "$(fnd launchd.lint launchd.shell-launch severity)" warning "shell launch is a warning"
is "$(status launchd.lint)" failure "a failure"
new_tree nc-scan
nc_wrapper "$NCW"
nc_plist
scan
is "$(q "sorted(set(f['code'] for f in find('launchd.scan')['findings'] if f.get('path')=='$NCP' and f['code'] in ('launchd.raw-podman-run','launchd.registry-image','launchd.shell-launch','launchd.opaque-store-wrapper')))")" '["launchd.opaque-store-wrapper", "launchd.raw-podman-run", "launchd.registry-image", "launchd.shell-launch"]' "the scan of /Library/LaunchAgents sees them too"
# the governed wrapper behind sh -c is sourceos's own: no shell-launch finding
nc_wrapper '#!/bin/sh
# sourceos-agent: governed wrapper (generated; do not edit)
exec /opt/homebrew/bin/podman run --rm --pull=never --authfile /Users/alice/.config/containers/sourceos-empty-auth.json localhost/sourceos/nc@sha256:0123
'
lint "$NCP"
is "$(codes launchd.lint)" '["launchd.plist", "launchd.system-wide-agent"]' "sh -c execing the governed wrapper: generated, not a shell launch"
# a forged marker in the store wrapper hides neither the sh -c nor the store path
nc_wrapper '#!/bin/sh
# sourceos-agent: governed wrapper (generated; do not edit)
exec /opt/homebrew/bin/podman run -v $HOME:/h ghcr.io/evil/x:latest
'
lint "$NCP"
is "$(codes launchd.lint)" '["launchd.governed-claim-false", "launchd.home-mounted", "launchd.opaque-store-wrapper", "launchd.plist", "launchd.raw-podman-run", "launchd.registry-image", "launchd.shell-launch", "launchd.system-wide-agent"]' "sh -c execing a forged wrapper: a shell launch, an opaque wrapper, a raw run, a false claim"
nc_wrapper '#!/bin/sh
# sourceos-agent: governed wrapper (generated; do not edit)
exec /usr/local/bin/agent
'
lint "$NCP"
is "$(codes launchd.lint)" '["launchd.governed-claim-false", "launchd.opaque-store-wrapper", "launchd.plist", "launchd.shell-launch", "launchd.system-wide-agent"]' "the marker on a script that runs no podman: a false claim"
like "$(fnd launchd.lint launchd.governed-claim-false message)" "but it lacks a \`podman run\` \(the script runs none\): it is judged as any other script" "says there is no run"

# --- a garbage-collected store path ------------------------------------------
rm -rf "$T/nix/store/$H-node-commander-wrapper"
lint "$NCP"
is "$(codes launchd.lint)" '["launchd.plist", "launchd.shell-launch", "launchd.system-wide-agent", "launchd.wrapper-target-missing"]' "GC'd store wrapper: wrapper-target-missing"
is "$(fnd launchd.lint launchd.wrapper-target-missing severity)" critical "critical: the next boot fails"
like "$(fnd launchd.lint launchd.wrapper-target-missing message)" "runs $W, which does not exist \\(a garbage-collected Nix store path\\)" "names the missing path"
is "$(fnd launchd.lint launchd.wrapper-target-missing commands)" '["sudo darwin-rebuild switch"]' "the rebuild to paste"
rm -rf "$T/nix"
lint "$NCP"
unlike "$(codes launchd.lint)" 'wrapper-target-missing' "a tree without /nix/store says nothing of store paths"
# A copied tree often leaves programs out: outside the store, a shell's
# exec target is judged only when its directory is in the tree.
user_plist com.example.case "$(clean_body com.example.case | sed 's|<key>ProgramArguments</key>.*</array>||')$(args /bin/sh -c "exec /Users/alice/bin/gone --x")"
lint "$P"
unlike "$(codes launchd.lint)" 'wrapper-target-missing' "a copy without /Users/alice/bin: its program is not called missing"
mkdir -p "$T/Users/alice/bin"
lint "$P"
like "$(codes launchd.lint)" 'launchd.wrapper-target-missing' "a shell's exec target outside the store that is missing (its directory is in the tree)"
unlike "$(fnd launchd.lint launchd.wrapper-target-missing message)" 'garbage' "not called a store path"
podman_plist "$(args /bin/sh -c "exec /opt/homebrew/bin/podman run --rm localhost/a")"
is "$(codes launchd.lint)" '["launchd.plist", "launchd.raw-podman-run", "launchd.shell-launch"]' "--root copy without /opt/homebrew: no false wrapper-target-missing for podman"

# --- padding and size limits cannot hide a podman run ---------------------------
pad=$(printf '%8300s' '')
podman_plist "$(args /bin/sh -c "${pad}exec podman run -v /Users/alice:/h ghcr.io/evil/x:latest")"
is "$(codes launchd.lint)" '["launchd.home-mounted", "launchd.plist", "launchd.raw-podman-run", "launchd.registry-image", "launchd.shell-launch"]' "8300 spaces before the podman run in a -c string: all of it seen, no false /bin/sh missing"
pad=$(printf '%270000s' '')
podman_plist "$(args /bin/sh -c "${pad}exec podman run ghcr.io/evil/x:latest" --after)"
# (the core cuts the 256 KiB evidence texts to 64 KiB, and says so too)
is "$(codes launchd.lint)" '["core.result-truncated", "launchd.launch-cut", "launchd.plist", "launchd.shell-launch"]' "a -c string beyond the 256 KiB read: said, not dropped in silence"
like "$(fnd launchd.lint launchd.launch-cut message)" 'ProgramArguments\[2\] cut short' "names the word cut short"
is "$(fnd launchd.lint launchd.launch-cut severity)" warning "a warning: the lint does not pass"
is "$(ev launchd.lint launchd.launch-cut arguments_truncated)" 2 "the -c string cut, the word after it kept in its place (empty)"
is "$(status launchd.lint)" warning "status warning"
{ printf '#!/bin/sh\n'; for i in $(seq 2100); do echo true; done; echo 'exec podman run ghcr.io/evil/x:latest'; } > "$T/Users/alice/bin/run-agent"
podman_plist "$(args /Users/alice/bin/run-agent)"
is "$(codes launchd.lint)" '["launchd.launch-cut", "launchd.plist", "launchd.raw-podman-run", "launchd.registry-image"]' "2100 true lines before exec podman run: the last exec kept and judged, the cut said"
like "$(fnd launchd.lint launchd.launch-cut message)" '1024 simple commands dropped \(the oldest: at most 2048 are kept\)' "says what was dropped"
is "$(ev launchd.lint launchd.raw-podman-run where)" "the script /Users/alice/bin/run-agent, line 2102" "the exec's own line"
envs=$(for i in $(seq 140); do printf -- '-e V%s=1 ' "$i"; done)
# shellcheck disable=SC2086 # one word per flag
podman_plist "$(args /opt/homebrew/bin/podman run $envs -v /Users/alice:/h ghcr.io/evil/x:latest)"
is "$(codes launchd.lint)" '["launchd.home-mounted", "launchd.plist", "launchd.raw-podman-run", "launchd.registry-image"]' "140 -e flags before the image: its mount and image still seen"
is "$(ev launchd.lint launchd.registry-image image)" ghcr.io/evil/x:latest "the image named"
head -c 300000 /dev/zero | tr '\0' '\n' | { printf '#!/bin/sh\n'; cat; echo 'exec podman run ghcr.io/evil/x:latest'; } > "$T/Users/alice/bin/run-agent"
podman_plist "$(args /Users/alice/bin/run-agent)"
is "$(codes launchd.lint)" '["launchd.launch-cut", "launchd.plist"]' "a script over 256 KiB outside the store: not followed, and said"
like "$(fnd launchd.lint launchd.launch-cut message)" 'the script /Users/alice/bin/run-agent, larger than 256 KiB, not read' "names the script"
is "$(ev launchd.lint launchd.launch-cut script_too_large)" /Users/alice/bin/run-agent "evidence: the script"

# --- GNU-only syntax in a wrapper meant for macOS -------------------------------
mkdir -p "$T/Users/alice/bin"
cat > "$T/Users/alice/bin/run-agent" <<'SH'
#!/bin/bash
DIR="$(dirname "$(readlink -f "$0")")"
sed -i 's/a/b/' "$DIR/conf"
sed -i '' 's/a/b/' "$DIR/conf"
sed -i.bak 's/a/b/' "$DIR/conf"
sed -i -e 's/a/b/' "$DIR/conf"
when=$(date -d yesterday +%s)
grep -qP '\d+' "$DIR/conf" && stat -c %s "$DIR/conf"
exec /usr/local/bin/agent
SH
user_plist com.example.case "$(clean_body com.example.case | sed 's|<key>ProgramArguments</key>.*</array>||')$(args /Users/alice/bin/run-agent)"
lint "$P"
is "$(q "[[f['evidence']['construct'], f['evidence']['line']] for f in find('launchd.lint')['findings'] if f['code']=='launchd.gnu-only-syntax']")" '[["readlink -f", "2"], ["sed -i", "3"], ["sed -i", "6"], ["date -d", "7"], ["grep -P", "8"], ["stat -c", "8"]]' "each GNU-only construct, by line; sed -i '' and -i.bak are fine"
like "$(fnd launchd.lint launchd.gnu-only-syntax message)" 'runs `readlink -f` \(in the script /Users/alice/bin/run-agent, line 2\)' "names the script and line"
like "$(fnd launchd.lint launchd.gnu-only-syntax remediation)" 'realpath' "with the BSD way"
printf '#!/bin/sh\nsed -i "" s/a/b/ /x\nexec /usr/local/bin/agent\n' > "$T/Users/alice/bin/run-agent"
lint "$P"
is "$(codes launchd.lint)" '["launchd.plist"]' "a BSD-clean wrapper: no finding"

# --- owner and mode ---------------------------------------------------------
new_tree own
user_plist com.example.mine "$(clean_body com.example.mine)"
user_plist com.example.rootowned "$(clean_body com.example.rootowned)"; chown 0 "$T/$UA/com.example.rootowned.plist"
user_plist com.example.g "$(clean_body com.example.g)"; chmod 664 "$T/$UA/com.example.g.plist"
user_plist com.example.o "$(clean_body com.example.o)"; chmod 1646 "$T/$UA/com.example.o.plist"
write_plist "$T/$SA/com.example.sys.plist" "$(clean_body com.example.sys)"
write_plist "$T/$SD/com.example.nobody.plist" "$(clean_body com.example.nobody)"; chown nobody "$T/$SD/com.example.nobody.plist"
write_plist "$T/$SD/com.example.root.plist" "$(clean_body com.example.root)"
scan
pathcodes=$(q "sorted((f['path'] or '')+' '+f['code'] for f in find('launchd.scan')['findings'] if f['severity']!='info')")
is "$pathcodes" '["/Library/LaunchAgents/com.example.sys.plist launchd.system-wide-agent", "/Library/LaunchDaemons/com.example.nobody.plist launchd.plist-owner", "/Users/alice/Library/LaunchAgents/com.example.g.plist launchd.plist-permissions", "/Users/alice/Library/LaunchAgents/com.example.o.plist launchd.plist-permissions", "/Users/alice/Library/LaunchAgents/com.example.rootowned.plist launchd.plist-owner"]' \
   "owner and mode problems, each naming its file; the right ones are clean"
sel() { q "[f for f in find('launchd.scan')['findings'] if (f.get('path') or '').endswith('$1')][0]$2"; }
like "$(sel com.example.rootowned.plist "['message']")" 'owned by uid 0, not by alice \(uid 501\)' "root-owned file in alice's agents: another user than the home's owner"
is "$(sel com.example.rootowned.plist "['commands']")" "[\"sudo chown -- alice /$UA/com.example.rootowned.plist\"]" "exact fix: chown alice"
like "$(sel com.example.nobody.plist "['message']")" "owned by uid $(id -u nobody), not by root" "a daemon owned by nobody"
is "$(sel com.example.nobody.plist "['commands']")" "[\"sudo chown -- root:wheel /$SD/com.example.nobody.plist\"]" "exact fix: chown root:wheel"
like "$(sel com.example.g.plist "['message']")" 'writable by its group \(mode 0664\)' "664: group-writable"
is "$(sel com.example.g.plist "['commands']")" "[\"chmod 644 /$UA/com.example.g.plist\"]" "exact fix: chmod 644"
like "$(sel com.example.o.plist "['message']")" 'writable by others \(mode 01646\)' "1646: writable by others, the sticky bit shown"
is "$(sel com.example.o.plist "['evidence']['mode']")" 01646 "mode evidence with its special bits"
is "$(sel com.example.sys.plist "['severity']")" critical "root-owned agent in /Library/LaunchAgents: critical"
is "$(sel com.example.sys.plist "['evidence']['owner_uid']")" 0 "owner uid 0 in evidence"
is "$(status launchd.scan)" failure "scan: failure"
chown 501 "$T/$SA/com.example.sys.plist"
scan
is "$(q "[f['code'] for f in find('launchd.scan')['findings'] if f.get('path')=='/$SA/com.example.sys.plist']")" '["launchd.plist-owner"]' "a user-owned plist in /Library/LaunchAgents: wrong owner (root expected), not the root-owned rule"

# --- odd entries in a launch directory --------------------------------------
new_tree odd
user_plist com.example.good "$(clean_body com.example.good)"
ln -s ../../../../../../../../../../etc/passwd "$T/$UA/evil.plist"
mkdir "$T/$UA/dir.plist"
mkfifo "$T/$UA/fifo.plist"
ln -s /Users/alice/Library/LaunchAgents/none "$T/$UA/dangling.plist"
cp "$LFIX/bad.bplist" "$T/$SA/bad.plist"
scan
pathcodes=$(q "sorted((f['path'] or '')+' '+f['code'] for f in find('launchd.scan')['findings'] if f['severity']!='info')")
is "$pathcodes" '["/Library/LaunchAgents/bad.plist launchd.plist-malformed", "/Library/LaunchAgents/bad.plist launchd.system-wide-agent", "/Users/alice/Library/LaunchAgents/dangling.plist launchd.plist-missing", "/Users/alice/Library/LaunchAgents/dir.plist launchd.plist-not-a-file", "/Users/alice/Library/LaunchAgents/evil.plist launchd.plist-outside-root", "/Users/alice/Library/LaunchAgents/fifo.plist launchd.plist-not-a-file"]' \
   "escaping symlink, directory, FIFO, dangling link, truncated binary: one finding each, named"
like "$(q "[f['message'] for f in find('launchd.scan')['findings'] if f['code']=='launchd.plist-outside-root'][0]")" 'leads out of the --root tree; it was not read' "the escaping link is not read"
unlike "$out" 'root:x:0:0' "nothing of the host's /etc/passwd reaches the report"
is "$(ev launchd.scan launchd.scan-summary linted)" 6 "all six entries linted"
is "$(q "all(f.get('path') for f in find('launchd.scan')['findings'] if f['code']!='launchd.scan-summary')")" true "every finding names its file"

# --- the bound on the number of files --------------------------------------
new_tree many
"$PYTHON" - "$T/$SD" <<'PY'
import sys
for i in range(2003):
    label = "com.example.n%04d" % i
    open("%s/%s.plist" % (sys.argv[1], label), "w").write(
        '<?xml version="1.0"?><plist version="1.0"><dict><key>Label</key><string>%s</string>'
        '<key>Program</key><string>/usr/bin/true</string></dict></plist>\n' % label)
PY
chmod 644 "$T/$SD"/*.plist
scan
is "$(codes launchd.scan)" '["launchd.scan-summary", "launchd.scan-truncated"]' "2003 plists: the scan stops and says so"
is "$(ev launchd.scan launchd.scan-summary linted)" 2000 "after 2000"
is "$(status launchd.scan)" warning "a cut scan is a warning"
done_testing
