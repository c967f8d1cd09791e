#!/bin/sh
# contrib/nix: the modules that call the guard. What can be real here is
# tested for real (contrib/nix/README.md says what cannot):
#  - lib.nix, the one pure function (builtins only) from a declaration
#    sourceos.localAgents.<name> to agents.d/<name>.yaml, evaluated by the
#    real nix-instantiate (Debian's nix-bin, Nix 2.8) on each example; its
#    output valid against schemas/agent.schema.json, staged by
#    sourceos-agent with every declared value in the evaluated model, and
#    activated the way the modules do it (activate NAME --config-dir DIR, a
#    config dir of copied declarations and a linked checks.d), which with no
#    working podman refuses at the preflight and installs nothing;
#  - hostile names and unknown fields failing the evaluation, with the
#    message lib.nix gives;
#  - each module parsing (nix-instantiate --parse, which also drops the
#    comments), importing lib.nix, applying it, and running
#    `sourceos-agent activate`, with no translation of its own.
# Nix gets this test's own settings and a dummy store: it never reads the
# machine's /etc/nix or ~/.config/nix and never opens or makes /nix.
. "$SOS_SRCDIR/tests/lib.sh"
command -v nix-instantiate >/dev/null 2>&1 ||
    skip_all "nix-instantiate is not installed (apt-get install nix-bin)"
AGENT="$SOS_BUILDDIR/sourceos-agent"
NIXDIR="$SOS_SRCDIR/contrib/nix"
LIB="$NIXDIR/lib.nix"
SCHEMA="$SOS_SRCDIR/schemas/agent.schema.json"
V="$PYTHON $SOS_SRCDIR/tests/validate-json.py"
export NIX_CONF_DIR="$TMP/nix-conf" NIX_USER_CONF_FILES="$TMP/nix-conf/nix.conf" \
    XDG_CONFIG_HOME="$HOME/.config" XDG_CONFIG_DIRS="$TMP/nix-conf" \
    XDG_CACHE_HOME="$HOME/.cache" XDG_DATA_HOME="$HOME/.local/share" \
    XDG_STATE_HOME="$TMP/state" NIX_REMOTE=""
mkdir -p "$NIX_CONF_DIR"
printf 'build-users-group =\nsubstituters =\nsubstitute = false\nsandbox = false\n' \
    > "$NIX_CONF_DIR/nix.conf"
if [ -e /nix ]; then had_nix=yes; else had_nix=no; fi
# Every evaluation in a dummy store: a local one would make /nix/store.
nixi() { nix-instantiate --store dummy:// "$@"; }
normpath() { "$PYTHON" -c 'import os, sys; print(os.path.normpath(sys.argv[1]))' "$1"; }
# The file lib.nix makes for NAME from the declaration DECL (a Nix
# expression), as JSON (a string); stderr in $TMP/eval.err.
translate() {
    nixi --eval --strict --json --argstr lib "$LIB" --argstr name "$1" \
        -E "{ lib, name }: import lib name ($2)" 2>"$TMP/eval.err"
}

# --- the pure function on each example, staged and activated
CFG="$TMP/cfg"
mkdir -p "$CFG/agents.d" "$TMP/bin"
ln -s "$SOS_SRCDIR/checks.d" "$CFG/checks.d"   # as the modules link the package's
# A podman that answers nothing (the preflight's runtime checks fail) and
# records what it was asked.
cat > "$TMP/bin/podman" <<SH
#!/bin/sh
echo "\$*" >> "$TMP/podman.argv"
echo "podman stand-in: not a runtime" >&2
exit 125
SH
chmod +x "$TMP/bin/podman"
# ex NAME IMAGE: the example file and what it declares.
for ex in "minimal hello localhost/sourceos/hello:1.0" \
    "full node-commander localhost/sourceos/node-commander:0.4.2"; do
    # shellcheck disable=SC2086 # three words
    set -- $ex
    f="$NIXDIR/examples/$1.nix" name=$2 image=$3
    files=$(nixi --eval --strict --json --argstr lib "$LIB" --argstr ex "$f" \
        -E '{ lib, ex }: builtins.mapAttrs (import lib) (import ex).sourceos.localAgents' \
        2>"$TMP/eval.err"); rc=$?
    is "$rc" 0 "$1.nix: nix-instantiate evaluates lib.nix on it$( [ "$rc" -eq 0 ] || sed 's/^/ # /' "$TMP/eval.err")"
    # Each agent's file content, written as agents.d/NAME.yaml.
    got=$(printf '%s' "$files" | "$PYTHON" -c 'import json, sys
for n, c in sorted(json.load(sys.stdin).items()):
    open(sys.argv[1] + "/" + n + ".yaml", "w").write(c)
    print(n)' "$CFG/agents.d")
    is "$got" "$name" "$1.nix: declares one agent, $name"
    decl="$CFG/agents.d/$name.yaml"
    $V "$SCHEMA" "$decl" > "$TMP/validate.out" 2>&1
    is "$?" 0 "$1.nix: agents.d/$name.yaml is valid against agent.schema.json$(sed 's/^/ # /' "$TMP/validate.out" | tr '\n' ' ')"
    like "$(cat "$decl")" '^\{.*"name":"'"$name"'".*\}$' "$1.nix: one line of JSON, with the name added"
    # The declaration itself, as Nix evaluates it.
    nixi --eval --strict --json --argstr ex "$f" -E "{ ex }: (import ex).sourceos.localAgents.\"$name\"" \
        > "$TMP/declared.json" 2>"$TMP/eval.err"
    same=$("$PYTHON" -c 'import json, sys
want = dict(json.load(open(sys.argv[1])), name=sys.argv[3])
print("same" if json.load(open(sys.argv[2])) == want else "differs")' \
        "$TMP/declared.json" "$decl" "$name" 2>&1)
    is "$same" same "$1.nix: the file is the declaration, every field, plus its name"

    out=$("$AGENT" stage "$name" --dry-run --config-dir "$CFG" --plugin-dir "$BUILD_PLUGINS" 2>&1); rc=$?
    is "$rc|$(printf '%s\n' "$out" | head -1)" "0|$name: staged a scratch generation 1 (systemd, scope user); every lint passed; it was removed, nothing is kept" \
        "$1.nix: sourceos-agent stage $name --dry-run loads it, keeps nothing"
    out=$("$AGENT" stage "$name" --config-dir "$CFG" --plugin-dir "$BUILD_PLUGINS" 2>&1); rc=$?
    is "$rc" 0 "$1.nix: sourceos-agent stage $name loads and stages it"
    like "$out" "^$name: staged generation 1 \\(systemd, scope user\\); it is current" "... generation 1 is current"
    gen="$XDG_STATE_HOME/sourceos/agents/$name/current"
    # Every value the example declares is the evaluated model's
    # (declaration.json: every default filled, ~/ expanded). The loader
    # reads description, but declaration.json does not record it
    # (core/gen_decl.c): when it is absent there, it is not compared.
    cmp=$("$PYTHON" -c 'import json, os, sys
want = json.load(open(sys.argv[1])); got = json.load(open(sys.argv[2]))
home = os.environ["HOME"]; n = 0; bad = []; unrecorded = []
def walk(w, g, path):
    global n
    if isinstance(w, dict):
        for k in w:
            walk(w[k], g.get(k) if isinstance(g, dict) else None, path + "." + k)
    elif isinstance(w, list) and w and isinstance(w[0], dict):
        for i, x in enumerate(w):
            walk(x, g[i] if isinstance(g, list) and i < len(g) else None, "%s[%d]" % (path, i))
    elif path == ".description" and g is None:
        unrecorded.append(path)
    else:
        n += 1
        if isinstance(w, str) and w.startswith("~/"):
            w = home + w[1:]
        if w != g:
            bad.append("%s: declared %r, staged %r" % (path, w, g))
walk(want, got, "")
print("%d of %d differ%s%s" % (len(bad), n, "".join("; " + b for b in bad),
      " (not recorded: %s)" % ", ".join(unrecorded) if unrecorded else ""))' \
        "$TMP/declared.json" "$gen/declaration.json" 2>&1)
    like "$cmp" '^0 of [1-9][0-9]* differ( \(not recorded: \.description\))?$' "$1.nix: every declared value is in the staged model ($cmp)"
    run_line=$(sed -n '/^exec podman /,/[^\\]$/p' "$gen/wrapper" | tr -d '\\\n')
    like "$run_line" "^exec podman .*run .*--label sourceos\\.agent=$name --pull=never .* '?$image'?( |\$)" \
        "$1.nix: the governed wrapper runs $image"

    # What the modules run: activate NAME --config-dir DIR.
    out=$(PATH="$TMP/bin:$PATH" "$AGENT" activate "$name" --config-dir "$CFG" \
        --plugin-dir "$BUILD_PLUGINS" 2>&1); rc=$?
    is "$rc" 2 "$1.nix: activate $name: refused at the preflight (exit 2)"
    like "$out" "^$name preflight: failed" "... it printed the preflight"
    like "$out" "^- runtime: podman, image $image" "... of the declared image"
    like "$out" "persistence: staged but not enabled" "... and that it only staged"
    ok "$([ ! -e "$HOME/.config/systemd/user/sourceos-agent@$name.service" ]; echo $?)" \
        "... and nothing was installed"
done
unlike "$(cat "$TMP/podman.argv" 2>/dev/null)" '(^| )(run|start) ' "podman was never asked to run or start anything"
like "$(cat "$TMP/podman.argv" 2>/dev/null)" 'image inspect localhost/sourceos/hello:1.0' "... but was asked about the declared image"

# --- what lib.nix leaves out, and what it refuses
is "$(translate web '{ image = "localhost/w:1"; label = null; owner = { project = null; }; mounts = null; }')" \
    '"{\"image\":\"localhost/w:1\",\"name\":\"web\"}\n"' \
    "unset options (null) and the objects they leave empty are left out"
is "$(translate web '{ name = "web"; image = "localhost/w:1"; mounts = [ { host = "/srv/w"; container = "/w"; mode = null; } ]; }')" \
    '"{\"image\":\"localhost/w:1\",\"mounts\":[{\"container\":\"/w\",\"host\":\"/srv/w\"}],\"name\":\"web\"}\n"' \
    "a name equal to the attribute's is allowed; a mount's null mode is left out"
long=$(printf '%064d' 0 | tr 0 a)
is "$(translate "$long" '{ image = "localhost/w:1"; }')" \
    '"{\"image\":\"localhost/w:1\",\"name\":\"'"$long"'\"}\n"' "a 64-character name is an agent name"
for bad in ../x a/b .. . "" Web -x x.y "a b" "${long}a"; do
    out=$(translate "$bad" '{ image = "localhost/w:1"; }'); rc=$?
    err=$(cat "$TMP/eval.err")
    ok "$([ "$rc" -ne 0 ] && [ -z "$out" ]; echo $?)" "name '$bad': evaluation fails"
    like "$err" "error: sourceos\\.localAgents\\.\".*\": not an agent name: .*one path segment \\(no '/', no '\\.\\.'\\)" \
        "... with lib.nix's message"
done
translate web '{ imgae = "localhost/w:1"; }' >/dev/null
like "$(cat "$TMP/eval.err")" 'sourceos\.localAgents\."web": unknown field: imgae \(known: ' "an unknown field fails, named"
translate web '{ image = "localhost/w:1"; lifecycle.keepalive = true; }' >/dev/null
like "$(cat "$TMP/eval.err")" 'unknown key in lifecycle: keepalive' "... an unknown key in an object too"
translate web '{ image = "localhost/w:1"; mounts = [ { host = "/srv/w"; container = "/w"; } { host = "/srv"; dest = "/x"; } ]; }' >/dev/null
like "$(cat "$TMP/eval.err")" 'unknown key in mounts\[1\]: dest' "... and in a mount"
translate web '{ name = "other"; image = "localhost/w:1"; }' >/dev/null
like "$(cat "$TMP/eval.err")" 'sourceos\.localAgents\."web": its name field says "other"' "a name field that is not the attribute's fails"

# --- the modules: they parse, import lib.nix, apply it and call activate
for f in lib.nix options.nix examples/minimal.nix examples/full.nix; do
    nixi --parse "$NIXDIR/$f" >/dev/null 2>"$TMP/parse.err"
    is "$?" 0 "$f parses$(sed 's/^/ # /' "$TMP/parse.err" | tr '\n' ' ')"
done
for m in nix-darwin home-manager nixos; do
    p=$(nixi --parse "$NIXDIR/$m.nix" 2>"$TMP/parse.err"); rc=$?
    is "$rc" 0 "$m.nix parses$(sed 's/^/ # /' "$TMP/parse.err" | tr '\n' ' ')"
    # (--parse prints the import's path made absolute, without '..')
    imported=$(printf '%s' "$p" | sed -n 's/.*agentFile = (import \([^)]*\));.*/\1/p')
    is "$(normpath "$imported")" "$(normpath "$LIB")" "$m.nix imports lib.nix (agentFile = import ./lib.nix)"
    like "$p" '\(agentFile name decl\)' "... applies it to each declaration"
    like "$p" 'import [^ ]*/options\.nix' "... declares the shared options"
    like "$p" 'sos = \(\(cfg\)\.package \+ "/bin/sourceos-agent"\);' "... runs the package's sourceos-agent"
    like "$p" 'sos \+ " activate " \+ \(q name\) \+ " --config-dir "|\(sos\) \("activate"\) \(name\) \("--config-dir"\)' \
        "... as activate NAME --config-dir DIR"
    unlike "$p" 'toJSON|toYAML|generators' "... and translates nothing itself"
done
like "$(nixi --parse "$NIXDIR/home-manager.nix")" 'home = \{ activation = \{ sourceosAgents = \(\(lib\)\.hm\.dag\.entryAfter \[ \("writeBoundary"\) \]' \
    "home-manager.nix: home.activation.sourceosAgents after writeBoundary"
like "$(nixi --parse "$NIXDIR/nix-darwin.nix")" 'activationScripts = \{ postActivation = ' \
    "nix-darwin.nix: in system.activationScripts.postActivation"
like "$(nixi --parse "$NIXDIR/nixos.nix")" '"sourceos-agent-activate-" \+ name' \
    "nixos.nix: a unit sourceos-agent-activate-NAME"
like "$(nixi --parse "$NIXDIR/nixos.nix")" 'Type = "oneshot";' "... a oneshot"
printf '{ x = ; }\n' > "$TMP/broken.nix"
if nixi --parse "$TMP/broken.nix" >/dev/null 2>&1; then parsed=0; else parsed=1; fi
is "$parsed" 1 "(a file that does not parse fails --parse)"

if [ "$had_nix" = no ]; then
    ok "$([ ! -e /nix ]; echo $?)" "no /nix was made on this machine"
else
    skip "this machine has a /nix: cannot tell whether the test touched it"
fi
done_testing
