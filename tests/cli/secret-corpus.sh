#!/bin/sh
# The secret corpus (tests/fixtures/secrets): 30 kinds of fake secret,
# fresh each run, planted wherever a plugin or the core reads (auth files,
# a plist's EnvironmentVariables and ProgramArguments, systemd units'
# Environment= and ExecStart, a wrapper script, the environment, logs, the
# output and argv of a stand-in command, file names, a checks.d file that is
# a symlink to a shadow-style file, an agents.d file quoted in an error).
# Every output format (human -v, json, ndjson, and stderr) of `doctor` and
# `doctor NAME` is grepped for every planted value: zero hits, and the
# <redacted:KIND> markers are there instead.
. "$SOS_SRCDIR/tests/lib.sh"
# Runs under --root that need the stand-in command. After the offline mode
# (commands under --root only with --live) this becomes LIVE=--live.
LIVE=--live

C="$TMP/corpus" LIN="$TMP/linux" MAC="$TMP/macos" H="$TMP/home"
cp -R "$FIXTURES/roots/debian" "$LIN"
cp -R "$FIXTURES/roots/macos" "$MAC"
mkdir -p "$H"
"$PYTHON" "$FIXTURES/secrets/plant.py" "$C" "$LIN" "$MAC" "$H" || exit 1
PLUG="$TMP/plugins"
mkdir -p "$PLUG"
for p in registry-auth systemd launchd host; do cp "$BUILD_PLUGINS/$p.so" "$PLUG/"; done
cp "$TEST_PLUGINS/leak.so" "$PLUG/"
chmod 755 "$PLUG" "$PLUG"/*.so
env_secret=$(cat "$C/env")
v() { sed -n "$1p" "$C/values"; } # the Nth planted value
value_of() { v "$(grep -nx "$1" "$C/kinds" | cut -d: -f1)"; }

# Every place at once: leak.read reads the files, the JSON members under
# secret keys and the environment, and runs the stand-in with secrets in
# its argv; leak.after repeats the log, whose bare values only the exact
# rule can find; the real plugins lint the planted units, plist and auth.
mkdir -p "$TMP/cfg/checks.d" "$TMP/cfg/agents.d"
cat > "$TMP/cfg/checks.d/10-corpus.yaml" <<YAML
checks:
  - {id: host.facts, plugin: host, check: facts}
  - id: leak.read
    plugin: leak
    check: echo
    after: [host.facts]
    params:
      declare: ["$(value_of environment)"]
      json: /home/dev/.config/containers/auth.json
      json_keys: ['auths["registry.example.com"].auth', 'auths["registry.example.com"].identitytoken', 'auths["other.example"].registrytoken']
      env: [SOS_CORPUS_LINES]
      files: [/var/log/agent.log, /var/log/$(value_of github-classic).log, /usr/local/bin/leak-wrapper.sh, /etc/systemd/system/leak.service, /home/dev/.config/containers/auth.json]
      argv: [leak-standin, --password, "$(value_of password-argv)", "--token=$(value_of npm)", -H, "Authorization: Bearer $(value_of bearer)", "https://deploy:$(value_of url-userinfo)@registry.example.com/v2/"]
  - id: leak.after
    plugin: leak
    check: echo
    after: [leak.read]
    params: {files: [/var/log/agent.log]}
  - {id: registry.auth-files, plugin: registry-auth, check: auth-files, after: [host.facts]}
  - {id: systemd.scan, plugin: systemd, check: scan, after: [host.facts], when: {os: [linux, wsl]}}
  - {id: launchd.scan, plugin: launchd, check: scan, after: [host.facts], when: {os: [macos]}}
YAML
cat > "$TMP/cfg/agents.d/web.yaml" <<YAML
name: web
image: "docker.io/library/alpine"
YAML

# run ARGS...: every output of one run (stdout and stderr together).
run() {
    env -i NO_COLOR=1 PATH="$C/bin:/usr/bin:/bin" HOME="$H" "$env_secret" \
        SOS_CORPUS_LINES="$(cat "$C/text")" \
        "$SOS" "$@" --plugin-dir "$PLUG" --config-dir "$TMP/cfg" 2>&1
}
all=
for root in "$LIN" "$MAC"; do
    for cmd in "doctor local-runtime" "doctor web"; do
        for fmt in human json ndjson; do
            # shellcheck disable=SC2086
            all="$all
$(run $cmd -v --format $fmt --root "$root" $LIVE)"
        done
    done
done
# Errors: a checks.d file that is a symlink to a shadow-style file, a
# secret quoted as a wrong value, an agents.d file with one.
for case in shadow value agent; do
    mkdir -p "$TMP/bad-$case/checks.d" "$TMP/bad-$case/agents.d"
done
# The link stays inside checks.d: one leaving it is refused unread (trust.sh).
grep '^root:' "$C/text" > "$TMP/bad-shadow/checks.d/shadow"
ln -s shadow "$TMP/bad-shadow/checks.d/00-shadow.yaml"
printf 'checks:\n  - {id: a.b, plugin: leak, check: echo, timeout: "--password=%s"}\n' \
    "$(value_of password-flag)" > "$TMP/bad-value/checks.d/10.yaml"
cp "$TMP/cfg/checks.d/10-corpus.yaml" "$TMP/bad-agent/checks.d/"
printf 'name: web\nimage: alpine\nlifecycle: "%s"\n' "$(value_of github-fine-grained)" \
    > "$TMP/bad-agent/agents.d/web.yaml"
for case in shadow value agent; do
    for cmd in "doctor local-runtime" "doctor web"; do
        for fmt in human json ndjson; do
            # shellcheck disable=SC2086
            all="$all
$(env -i PATH=/usr/bin:/bin "$SOS" $cmd --format $fmt --plugin-dir "$PLUG" \
      --config-dir "$TMP/bad-$case" 2>&1)"
        done
    done
done
printf '%s\n' "$all" > "$TMP/all-output"

# Zero hits: no planted value, in no output.
hits=$(grep -cFf "$C/values" "$TMP/all-output")
kinds=$(wc -l < "$C/values")
echo "# kinds planted: $kinds, lines with a hit: $hits"
is "$hits" 0 "no planted value of the $kinds kinds in any output"
grep -Ff "$C/values" "$TMP/all-output" | head -5 | sed 's/^/# hit: /'
ok $([ "$kinds" -ge 20 ]; echo $?) "at least 20 kinds planted"
# Each kind's marker shows where its value was.
while read -r marker; do
    like "$all" "<redacted:$marker>" "marker <redacted:$marker> shown"
done < "$C/markers"
like "$all" 'is not a name \(not shown' "the shadow-style checks.d file is not quoted"
like "$all" '"registry\.example\.com"|registry\.example\.com' "names around secrets are kept"
like "$all" 'https://deploy:<redacted:userinfo>@registry\.example\.com' "a URL keeps its user and host"
done_testing
