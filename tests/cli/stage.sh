#!/bin/sh
# `sourceos-agent stage NAME`: a good agent stages generation 1 then 2 with
# `current` moved; a lint failure exits 2 and leaves generation 1 current;
# a hostile declaration is refused naming the field and writes nothing;
# --json is valid against schemas/stage.schema.json; --help; --root is
# refused without --live and stages into the tree with it; a system agent
# runs as its declared account.
. "$SOS_SRCDIR/tests/lib.sh"
AGENT="$SOS_BUILDDIR/sourceos-agent"
V="$PYTHON $SOS_SRCDIR/tests/validate-json.py"
STATE="$HOME/.local/state/sourceos/agents"
mkdir -p "$TMP/cfg/agents.d" "$HOME/.config/containers"
printf '{"auths":{}}\n' > "$HOME/.config/containers/sourceos-empty-auth.json"
# decl NAME [EXTRA-YAML]: agents.d/NAME.yaml, logs outside /tmp (nothing is written there).
decl() {
    { printf 'name: %s\nimage: localhost/sourceos/%s:1\nargs: [serve]\n' "$1" "$1"
      printf 'logs: {app: /var/log/sourceos-test/%s.log, stdout: /var/log/sourceos-test/%s.out.log, stderr: /var/log/sourceos-test/%s.err.log}\n' "$1" "$1" "$1"
      [ -n "${2:-}" ] && printf '%s\n' "$2"; } > "$TMP/cfg/agents.d/$1.yaml"
}
stage() { "$AGENT" stage "$@" --config-dir "$TMP/cfg" --plugin-dir "$BUILD_PLUGINS"; }

decl web 'env: [APP_MODE=serve]'
out=$(stage web 2>&1); rc=$?
is "$rc" 0 "a good agent stages (exit 0)"
like "$out" "^web: staged generation 1 \(systemd, scope user\); it is current" "it says generation 1 is current"
like "$out" "wrapper:  $STATE/web/generations/1/wrapper" "the wrapper's path"
like "$out" "unit:     $STATE/web/generations/1/sourceos-agent@web.service" "the unit's path"
like "$out" "installs: $HOME/.config/systemd/user/sourceos-agent@web.service \(not touched" "where it would be installed (the model's path), untouched"
like "$out" "shellcheck +(passed|skipped: not installed)" "shellcheck's result"
like "$out" "systemd.lint +passed" "the doctor's lint passed"
is "$(readlink "$STATE/web/current")" generations/1 "current -> generations/1"
[ ! -e "$HOME/.config/systemd/user" ]
ok $? "persistence is not touched"

# --dry-run: a scratch generation, linted and removed; the state directory as it was.
before=$(find "$STATE/web" | sort)
out=$(TMPDIR="$TMP/dry" && mkdir -p "$TMPDIR" && export TMPDIR && stage web --dry-run 2>&1); rc=$?
is "$rc" 0 "stage --dry-run: exit 0"
like "$out" "^web: staged a scratch generation" "it says the generation is a scratch one"
is "$(find "$STATE/web" | sort)" "$before" "the state directory is unchanged (current still generations/1)"
is "$(ls -A "$TMP/dry")" "" "the scratch generation was removed"
stage web --json > "$TMP/s2.json"; rc=$?
is "$rc" 0 "staged again (exit 0)"
is "$(readlink "$STATE/web/current")" generations/2 "current moved to generations/2"
$V "$SOS_SRCDIR/schemas/stage.schema.json" "$TMP/s2.json" >/dev/null
ok $? "--json is valid against stage.schema.json"
is "$(jget '[d["generation"], d["current"], d["current_generation"], d["previous_generation"], d["exit_code"]]' < "$TMP/s2.json")" \
    '[2, true, 2, 1, 0]' "--json: generation 2 current, 1 before it"
is "$(jget '[l["lint"] for l in d["lints"]]' < "$TMP/s2.json")" \
    '["shellcheck", "systemd-analyze verify", "systemd.lint"]' "--json: every lint"
is "$(jget 'd["service"]' < "$TMP/s2.json")" "$STATE/web/generations/2/sourceos-agent@web.service" "--json: the unit's path"

# A changed declaration whose generation fails a lint: launchd, with the
# default logs under this test's HOME, which is under /tmp (the doctor's
# launchd.lint: launchd.log-in-tmp, critical).
printf 'name: web\nimage: localhost/sourceos/web:1\nbackend: launchd\n' > "$TMP/cfg/agents.d/web.yaml"
out=$(stage web 2>&1); rc=$?
is "$rc" 2 "a lint failure exits 2"
like "$out" "staged generation 3 \(launchd, scope user\); a lint failed: generation 2 stays current" "it says the previous generation stays current"
like "$out" "launchd.lint +failed" "naming the lint"
like "$out" "launchd.log-in-tmp \(critical\): .*StandardOutPath" "with its findings"
like "$out" "plist round trip +passed" "and the lints that passed"
is "$(readlink "$STATE/web/current")" generations/2 "current still -> generations/2"
stage web --json > "$TMP/s4.json"; rc=$?
is "$rc" 2 "--json: exit 2 too"
$V "$SOS_SRCDIR/schemas/stage.schema.json" "$TMP/s4.json" >/dev/null
ok $? "the failed stage's --json is valid"
is "$(jget '[d["generation"], d["current"], d["current_generation"], [l["status"] for l in d["lints"] if l["lint"] == "launchd.lint"]]' < "$TMP/s4.json")" \
    '[4, false, 2, ["fail"]]' "--json: generation 4 not current, 2 still is, launchd.lint failed"
is "$(jget '[l["status"] for l in d if l["lint"] == "launchd.lint"]' < "$STATE/web/generations/4/lint.json")" '["fail"]' \
    "the failed generation keeps its lint results"

# The first generation failing: nothing is current.
printf 'name: first\nimage: localhost/sourceos/first:1\nbackend: launchd\n' > "$TMP/cfg/agents.d/first.yaml"
out=$(stage first 2>&1); rc=$?
is "$rc" 2 "a first generation failing its lint: exit 2"
like "$out" "a lint failed: no generation is current" "and nothing is current"
[ ! -e "$STATE/first/current" ] && [ ! -L "$STATE/first/current" ]
ok $? "no current link"

# Hostile declarations: refused naming the field, nothing written.
hostile() { # NAME FIELD YAML DESCRIPTION
    printf 'name: %s\nimage: localhost/sourceos/x:1\n%s\n' "$1" "$3" > "$TMP/cfg/agents.d/$1.yaml"
    out=$(stage "$1" 2>&1); rc=$?
    is "$rc" 3 "$4: refused (exit 3)"
    like "$out" "$2" "$4: the error names $2"
    [ ! -e "$STATE/$1" ]
    ok $? "$4: nothing is written"
}
hostile h-conn "connection" 'podman: {connection: "x;touch pwned"}' "a connection with ';'"
hostile h-env "env" 'env: ["A=$(touch pwned)\nB=1"]' "an env value with a newline"
hostile h-mount "mount 'host'" 'mounts: [{host: /srv/../etc, container: /data}]' "a mount with '..'"
hostile h-image "image" 'image: "localhost/x:1 --privileged"' "an image of two words"
hostile h-label "label" "label: \"org.x'\\\$(id)\"" "a label with a quote and \$()"
[ ! -e "$TMP/pwned" ] && [ ! -e pwned ]
ok $? "nothing ran"

# A system agent runs as its declared account; without one it is refused
# before anything is made (never the invoking user: root under sudo).
decl sys 'scope: system'
out=$(stage sys 2>&1); rc=$?
is "$rc" 3 "a system agent without an account: refused (exit 3)"
like "$out" "account" "naming the account"
[ ! -e /var/lib/sourceos/agents/sys ]
ok $? "and nothing is written"
decl acct 'account: _sourceos'
out=$(stage acct 2>&1); rc=$?
is "$rc" 3 "account with scope user: refused by the loader"
like "$out" "acct.yaml:[0-9]+:[0-9]+: 'account' is for scope system only" "file:line:column"

out=$("$AGENT" stage web --root "$FIXTURES/roots/debian" --config-dir "$TMP/cfg" 2>&1); rc=$?
is "$rc" 64 "--root: refused (exit 64)"
like "$out" "does not write into a --root tree read offline.*add --live to stage into the tree" "saying why, and what --live does"
is "$(ls "$STATE/web/generations" | wc -l | tr -d ' ')" 4 "and nothing was staged"
# --live: staged into the tree, its files naming the tree's paths
decl web 'env: [APP_MODE=serve]'
cp -R "$FIXTURES/roots/debian" "$TMP/deb"
out=$("$AGENT" stage web --root "$TMP/deb" --live --json --config-dir "$TMP/cfg" \
      --plugin-dir "$BUILD_PLUGINS" 2>&1); rc=$?
is "$rc" 0 "--root TREE --live: staged (exit 0)"
is "$(printf '%s' "$out" | jget 'd["generation_dir"]')" "$TMP/deb$STATE/web/generations/1" \
    "into the tree's state directory (generation 1 there)"
is "$(ls "$STATE/web/generations" | wc -l | tr -d ' ')" 4 "this machine's state directory is untouched"
is "$(sed -n 's/^ExecStart=//p' "$TMP/deb$STATE/web/generations/1/sourceos-agent@web.service")" \
    "\"$STATE/web/generations/1/wrapper\"" "the unit runs the wrapper by the tree's path"
is "$(printf '%s' "$out" | jget '[l["status"] for l in d["lints"] if l["lint"] == "systemd-analyze verify"][0]')" skipped \
    "systemd-analyze verify is skipped in a tree (it checks this machine's executables)"
is "$(printf '%s' "$out" | jget '[l["status"] for l in d["lints"] if l["lint"] == "systemd.lint"][0]')" pass \
    "systemd.lint reads the unit and its wrapper in the tree: pass"

out=$("$AGENT" stage web extra --config-dir "$TMP/cfg" 2>&1); rc=$?
is "$rc" 64 "two operands: usage error"
out=$("$AGENT" stage ../web --config-dir "$TMP/cfg" 2>&1); rc=$?
is "$rc" 64 "a name that is a path: usage error"
out=$("$AGENT" stage nosuch --config-dir "$TMP/cfg" 2>&1); rc=$?
is "$rc" 3 "no such agent: exit 3"
like "$out" "no agent 'nosuch'" "saying so"

out=$("$AGENT" stage --help); rc=$?
is "$rc" 0 "stage --help exits 0"
like "$out" "^Usage: sourceos-agent stage NAME" "its usage line"
like "$out" "2 a lint failed" "its exit codes"
like "$("$AGENT" --help)" "stage NAME +generate and lint" "listed in sourceos-agent --help"
done_testing
