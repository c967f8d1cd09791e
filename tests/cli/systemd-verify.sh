#!/bin/sh
# systemd.verify: systemd's own parser (`systemd-analyze verify`) and
# security rating (`security --offline=yes`) on the agent's unit file, run
# with the real systemd-analyze of this machine (no running systemd needed),
# plus stand-ins for a tool that hangs and one that is missing.
. "$SOS_SRCDIR/tests/lib.sh"
FIX="$FIXTURES/systemd"
U="$TMP/units"
mkdir -p "$U" "$TMP/rt"
# Private runtime directories are made under TMPDIR: one that starts empty
# shows whether they are removed afterwards.
export TMPDIR="$TMP/rt"

verify() { # verify UNIT [USER] [EXTRA-PARAMS]: systemd.verify as a runtime check
    make_config verify <<YAML
checks:
  - id: systemd.verify
    plugin: systemd
    check: verify
    scope: runtime
    params: {unit: "$1", user: "${2:-false}"${3:+, $3}}
YAML
    out=$("$SOS" doctor local-runtime --json --plugin-dir "$BUILD_PLUGINS" \
          --config-dir "$TMP/verify"); rc=$?
}
j() { printf '%s' "$out" | jget "$1"; }
status() { j "find('systemd.verify')['status']"; }
problems() { j "','.join(sorted(set(f['code'] for f in find('systemd.verify')['findings'] if f['severity']!='info')))"; }
codes() { j "','.join(sorted(set(f['code'] for f in find('systemd.verify')['findings'])))"; }
field() { j "[f for f in find('systemd.verify')['findings'] if f['code']=='$1'][${3:-0}]$2"; }
msgs() { j "'\n'.join(f['message'] for f in find('systemd.verify')['findings'] if f['code']=='$1')"; }
ev() { field "$1" "['evidence']['$2']"; }
fact() { j "find('systemd.verify')['facts'].get('$1')"; }
rt_empty() { [ -z "$(ls -A "$TMP/rt")" ]; }

printf '[Unit]\nDescription=clean\n\n[Service]\nExecStart=/bin/true\n' > "$U/clean.service"
printf '[Unit]\nDescription=unknown key\n\n[Service]\nExecStart=/bin/true\nFoo=bar\n' > "$U/foo.service"
printf '[Service]\nExecStart=/nonexistent\n' > "$U/noexec.service"
cp "$FIX/bad.service" "$FIX/bad2.service" "$U/"
mkdir -p "$U/dep"
printf '[Unit]\nWants=b.service\n\n[Service]\nExecStart=/bin/true\n' > "$U/dep/a.service"
printf '[Service]\nExecStart=/bin/true\nBar=1\n' > "$U/dep/b.service"

# --- the real systemd-analyze
if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "# SKIP real-tool tests: systemd-analyze is not installed on this machine"
    for _ in $(seq 1 35); do ok 0 "# SKIP systemd-analyze is not installed"; done
else
    verify "$U/clean.service" false 'exposure_limit: 10'
    is "$(problems)" "" "clean unit: no problem"
    is "$(status)" ok "clean unit, exposure within limit 10: ok"
    is "$rc" 0 "clean unit: exit 0"
    is "$(ev systemd.verified exit_status)" 0 "verify exited 0"
    like "$(ev systemd.exposure exposure)" '^[0-9]+\.[0-9]$' "exposure evidence is a number"
    like "$(ev systemd.exposure exposure_level)" '^(OK|MEDIUM|EXPOSED|UNSAFE)$' "exposure level is the word (no arrow, no emoji)"
    is "$(fact systemd.exposure)" "$(ev systemd.exposure exposure)" "fact systemd.exposure = the evidence"

    verify "$U/clean.service"
    is "$(problems)" systemd.exposure-high "default limit 9.0: an unsandboxed service (9.6) is too exposed"
    is "$(status)" warning "exposure-high: warning"
    is "$rc" 1 "warning: exit 1"
    like "$(field systemd.exposure-high "['message']")" "^$U/clean.service: systemd rates the service's exposure [0-9.]+ [A-Z]+ " "message names the file, the score and the word"

    verify "$U/foo.service" false 'exposure_limit: 10'
    is "$(problems)" systemd.verify-warning "unknown key Foo=: verify warning"
    is "$(field systemd.verify-warning "['message']")" "$U/foo.service:6: Unknown key 'Foo' in section [Service], ignoring." "FILE:LINE of Foo= (line 6)"
    is "$(field systemd.verify-warning "['path']")" "$U/foo.service" "finding path is the unit"
    is "$(status)" warning "unknown key: warning"

    verify "$U/noexec.service" false 'exposure_limit: 10'
    is "$(problems)" systemd.verify-error "ExecStart=/nonexistent: verify error"
    is "$(field systemd.verify-error "['message']")" "$U/noexec.service: Command /nonexistent is not executable: No such file or directory" "NAME: message mapped to the file"
    is "$(status)" failure "not executable: failure"
    is "$rc" 2 "failure: exit 2"

    verify "$U/bad.service" false 'exposure_limit: 10'
    is "$(problems)" systemd.verify-error "bad.service (relative ExecStart): verify error"
    like "$(msgs systemd.verify-error)" "^$U/bad.service:4: Neither a valid executable name nor an absolute path: relative/path" "bad.service: the ExecStart line"
    like "$(msgs systemd.verify-error)" "Unit bad.service has a bad unit file setting" "a sentence naming the unit is kept"
    is "$(field systemd.exposure-unknown "['severity']")" info "a unit that does not load: exposure unknown, noted"

    verify "$U/bad2.service" false 'exposure_limit: 10'
    is "$(problems)" "systemd.verify-error,systemd.verify-warning" "bad2.service: warnings and errors"
    like "$(msgs systemd.verify-warning)" "^$U/bad2.service:6: Failed to parse service restart specifier, ignoring: sometimes" "Restart=sometimes at line 6 (ignored: warning)"
    like "$(msgs systemd.verify-warning)" "$U/bad2.service:7: Failed to parse sec value, ignoring: abc" "RestartSec=abc at line 7"
    like "$(msgs systemd.verify-error)" "$U/bad2.service:9: StandardOutput= path is not absolute" "StandardOutput= at line 9 (error)"
    is "$(status)" failure "bad2: failure"

    verify "$U/dep/a.service" false 'exposure_limit: 10'
    is "$(problems)" "" "a dependency's unknown key is not blamed on this unit"
    is "$(ev systemd.verified other_unit_messages)" 1 "but counted as another unit's message"

    verify "$U/foo.service" true 'exposure_limit: 10'
    is "$(problems)" systemd.verify-warning "--user: the same warning"
    is "$(ev systemd.verified manager)" user "--user: manager user"
    is "$(j "find('systemd.verify')['commands'][0]['argv'][1]")" --user "--user passed to systemd-analyze"
    like "$(ev systemd.exposure exposure)" '^[0-9]+\.[0-9]$' "--user: exposure rated"
    rt_empty; ok $? "the private XDG_RUNTIME_DIR is gone afterwards"
fi

# --- stand-ins: a tool that hangs, a tool that is missing
mkdir -p "$TMP/bin"
printf '#!/bin/sh\nexec sleep 30\n' > "$TMP/bin/systemd-analyze"
chmod 755 "$TMP/bin/systemd-analyze"
verify "$U/clean.service" true "systemd_analyze: $TMP/bin/systemd-analyze, timeout_ms: 500"
is "$(status)" error "a hung systemd-analyze: error"
is "$(field systemd.verify-timeout "['severity']")" critical "verify-timeout finding"
like "$(field systemd.verify-timeout "['message']")" "did not finish within 0\.[0-9] s" "says how long it waited"
rt_empty; ok $? "the runtime directory is removed after a timeout too"

# a stand-in that notes the XDG_RUNTIME_DIR it was given, and whether it existed
printf '#!/bin/sh\necho "$XDG_RUNTIME_DIR" >> "%s/seen"\n[ -d "$XDG_RUNTIME_DIR" ] && echo exists >> "%s/seen"\nexit 0\n' "$TMP" "$TMP" > "$TMP/bin/systemd-analyze"
verify "$U/clean.service" true "systemd_analyze: $TMP/bin/systemd-analyze"
like "$(head -1 "$TMP/seen")" "^$TMP/rt/sourceos-verify\\.[A-Za-z0-9]{6}$" "--user: a fresh XDG_RUNTIME_DIR under TMPDIR"
is "$(sed -n 2p "$TMP/seen")" exists "which existed while the tool ran"
rt_empty; ok $? "and is gone afterwards"

verify "$U/clean.service" false "systemd_analyze: sos-no-such-systemd-analyze"
is "$(status)" skipped "no systemd-analyze: skipped"
is "$(codes)" systemd.verify-unavailable "verify-unavailable only"
is "$(field systemd.verify-unavailable "['severity']")" info "as info"
make_config verify <<YAML
checks:
  - id: systemd.verify
    plugin: systemd
    check: verify
    scope: runtime
    params: {unit: "$U/clean.service"}
YAML
out=$(PATH="$TMP/empty" "$SOS" doctor local-runtime --json --plugin-dir "$BUILD_PLUGINS" \
      --config-dir "$TMP/verify")
is "$(codes)" systemd.verify-unavailable "a PATH without systemd-analyze: unavailable"
is "$(status)" skipped "and skipped"

# --- params
verify "$U/nothere.service"
is "$(problems)" systemd.unit-missing "a unit file that does not exist"
verify "relative.service"
is "$(status)" error "a relative unit path: error"
is "$(problems)" systemd.params "systemd.params"
make_config verify <<'YAML'
checks:
  - id: systemd.verify
    plugin: systemd
    check: verify
    scope: runtime
YAML
out=$("$SOS" doctor local-runtime --json --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/verify")
is "$(status)" skipped "no unit param: skipped"
is "$(codes)" systemd.verify-no-unit "saying why"

# --- --root: the unit is read from the tree, findings name the host path
mkdir -p "$TMP/root/etc/systemd/system"
cp "$U/foo.service" "$TMP/root/etc/systemd/system/agent.service"
make_config verify <<'YAML'
checks:
  - id: systemd.verify
    plugin: systemd
    check: verify
    scope: runtime
    params: {unit: /etc/systemd/system/agent.service, exposure_limit: 10}
YAML
out=$("$SOS" doctor local-runtime --json --live --root "$TMP/root" --plugin-dir "$BUILD_PLUGINS" \
      --config-dir "$TMP/verify")
if command -v systemd-analyze >/dev/null 2>&1; then
    is "$(field systemd.verify-warning "['message']")" "/etc/systemd/system/agent.service:6: Unknown key 'Foo' in section [Service], ignoring." "--root: the file under the root, named by its host path"
else
    ok 0 "# SKIP systemd-analyze is not installed"
fi

# A timer runs nothing of its own: verified, its exposure not rated (it
# would be scored as an unsandboxed service).
if command -v systemd-analyze >/dev/null 2>&1; then
    printf '[Service]\nType=oneshot\nExecStart=/bin/true\n' > "$U/tick.service"
    printf '[Unit]\nDescription=tick\n\n[Timer]\nOnCalendar=hourly\n\n[Install]\nWantedBy=timers.target\n' > "$U/tick.timer"
    verify "$U/tick.timer" false
    is "$(problems)" "" "a timer: no problem (not rated as a service)"
    like "$(msgs systemd.exposure-unknown)" "tick.timer: not a service: it runs nothing of its own" "it says why it is not rated"
else
    skip "systemd-analyze is not installed"; skip "systemd-analyze is not installed"
fi
done_testing
