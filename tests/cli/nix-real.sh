#!/bin/sh
# nix.generations and nix.provenance against profiles and store paths made
# by the real Nix (Debian 12's nix-bin, Nix 2.8.0), never touching this
# machine's /nix:
#  - `nix-store --store $S --add DIR` puts DIR in a store under $S: the
#    files land in $S/nix/store/HASH-NAME and the database in
#    $S/nix/var/nix/db, while the path is still called /nix/store/HASH-NAME
#    (a "chroot store", local?root=$S). So $S is exactly a --root tree.
#  - `nix-env --store $S -p $S/PROFILE --set /nix/store/...` makes
#    generation N as $S/PROFILE-N-link -> /nix/store/... and points
#    $S/PROFILE at PROFILE-N-link (relative), as on a real machine;
#    `--delete-generations 1` removes a generation link.
#  - `nix-store -q --deriver` prints "unknown-deriver" for an added path. A
#    built path has a real deriver, but Nix 2.8 cannot build into a chroot
#    store without its sandbox (Debian disables it), so the last part
#    bind-mounts $S/nix over /nix in a private mount namespace (unshare -m;
#    gone when the test's process ends, nothing leaks to the host), builds
#    a trivial derivation there, and runs the checks with --root / so that
#    they ask the real nix-store.
. "$SOS_SRCDIR/tests/lib.sh"
command -v nix-store >/dev/null 2>&1 && command -v nix-env >/dev/null 2>&1 ||
    skip_all "nix-bin is not installed (apt-get install nix-bin)"
AGENT="$SOS_BUILDDIR/sourceos-agent"
S="$TMP/root"
export HOME="$TMP/home" XDG_CACHE_HOME="$TMP/home/.cache" NIX_REMOTE=""
mkdir -p "$HOME"
# Nix's settings are this test's own, never the machine's /etc/nix or
# ~/.config/nix: no build users (a machine that never ran nix-setup-systemd
# has no nixbld group, and nix-build then refuses to build), no binary cache
# (nix-build would spend a minute trying cache.nixos.org, and offline never
# get it), no sandbox (Debian's nix-bin cannot make one here).
export NIX_CONF_DIR="$TMP/nix-conf" NIX_USER_CONF_FILES="$TMP/nix-conf/nix.conf" \
    XDG_CONFIG_HOME="$TMP/home/.config" XDG_CONFIG_DIRS="$TMP/nix-conf"
mkdir -p "$NIX_CONF_DIR"
cat > "$NIX_CONF_DIR/nix.conf" <<'CONF'
build-users-group =
substituters =
substitute = false
sandbox = false
CONF

# --- a nix-darwin-shaped macOS tree whose store and profiles Nix made
cp -R "$FIXTURES/roots/macos" "$S"
mkdir -p "$TMP/sys1/user/Library/LaunchAgents" "$TMP/sys2/user/Library/LaunchAgents" \
    "$TMP/hm/home-files/Library/LaunchAgents" "$TMP/wrapper/bin"
printf '<plist version="1.0"><dict><key>Label</key><string>org.nixos.agent</string></dict></plist>\n' \
    > "$TMP/sys2/user/Library/LaunchAgents/org.nixos.agent.plist"
echo old > "$TMP/sys1/user/Library/LaunchAgents/org.nixos.agent.plist"
mkdir -p "$TMP/sys0" && echo first > "$TMP/sys0/README"
printf '#!/bin/sh\nexec podman run --rm localhost/agent\n' > "$TMP/wrapper/bin/agent-wrapper"
echo hm > "$TMP/hm/home-files/Library/LaunchAgents/org.nix-community.hm.plist"
SYS0=$(nix-store --store "$S" --add "$TMP/sys0") || skip_all "nix-store --add into a store under $S failed"
SYS1=$(nix-store --store "$S" --add "$TMP/sys1")
SYS2=$(nix-store --store "$S" --add "$TMP/sys2")
HM=$(nix-store --store "$S" --add "$TMP/hm")
WRAP=$(nix-store --store "$S" --add "$TMP/wrapper")
like "$SYS2" '^/nix/store/[0-9a-df-np-sv-z]{32}-sys2$' "nix-store --add names a /nix/store path"
ok "$([ -d "$S$SYS2/user" ]; echo $?)" "... and puts it under \$S"
P="$S/nix/var/nix/profiles"
# (Setting the path the profile already has makes no new generation:
# Nix 2.8 reuses the current one, so each generation gets its own path.)
{ nix-env --store "$S" -p "$P/system" --set "$SYS0" && nix-env --store "$S" -p "$P/system" --set "$SYS1" &&
    nix-env --store "$S" -p "$P/system" --set "$SYS2" &&
    nix-env --store "$S" -p "$P/system" --delete-generations 1; } >/dev/null 2>&1
is "$?" 0 "nix-env made system generations 1-3 and deleted 1"
is "$(readlink "$P/system")" system-3-link "the profile points at system-3-link"
mkdir -p "$S/Users/alice/.local/state/nix/profiles" "$S/Users/alice/Library/LaunchAgents" "$S/run"
nix-env --store "$S" -p "$S/Users/alice/.local/state/nix/profiles/home-manager" --set "$HM" >/dev/null 2>&1
ln -s "$SYS2" "$S/run/current-system"
cp "$S$SYS2/user/Library/LaunchAgents/org.nixos.agent.plist" "$S/Users/alice/Library/LaunchAgents/"
ln -s "$HM/home-files/Library/LaunchAgents/org.nix-community.hm.plist" "$S/Users/alice/Library/LaunchAgents/"

CFG="$TMP/cfg"
mkdir -p "$CFG/checks.d" "$CFG/agents.d"
cp "$SOS_SRCDIR/checks.d/00-host.yaml" "$SOS_SRCDIR/checks.d/35-nix.yaml" "$CFG/checks.d/"
cat > "$CFG/agents.d/agent.yaml" <<YAML
name: agent
image: localhost/agent@sha256:0123
plist: /Users/alice/Library/LaunchAgents/org.nixos.agent.plist
command: [$WRAP/bin/agent-wrapper, --serve]
YAML
cat > "$CFG/agents.d/hm.yaml" <<YAML
name: hm
image: localhost/agent@sha256:0123
plist: /Users/alice/Library/LaunchAgents/org.nix-community.hm.plist
YAML
run() { out=$("$AGENT" doctor "$1" --json --root "$S" --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG"); rc=$?; }
j() { printf '%s' "$out" | jget "$1"; }
codes() { j "','.join(f['code'] for f in find('$1')['findings'])"; }
ev() { j "[f for f in find('$1')['findings'] if f['code']=='$2'][${4:-0}]['evidence'].get('$3')"; }

run agent
is "$rc" 0 "Nix-made tree: exit 0"
is "$(codes nix.generations)" nix.generation,nix.generation "system and alice's home-manager profiles"
is "$(ev nix.generations nix.generation generation)" 3 "system generation 3, as nix-env numbered it"
is "$(ev nix.generations nix.generation generations)" 2 "two kept after --delete-generations 1"
is "$(ev nix.generations nix.generation oldest)" 2 "the oldest kept is 2"
is "$(ev nix.generations nix.generation store_path)" "$SYS2" "its store path"
want=$(TZ=UTC nix-env --store "$S" -p "$P/system" --list-generations | sed -n 's/^ *3 *\([0-9-]*\) \([0-9:]*\).*/\1T\2Z/p')
is "$(ev nix.generations nix.generation date)" "$want" "its date, as nix-env --list-generations says (UTC)"
is "$(ev nix.generations nix.generation kind 1)" home-manager "alice's home-manager profile"
is "$(ev nix.generations nix.generation store_path 1)" "$HM" "... at the store path nix-env set"
is "$(codes nix.provenance)" nix.copy,nix.from-store "plist: nix-darwin's copy; wrapper: in the store"
is "$(ev nix.provenance nix.copy generation)" /nix/var/nix/profiles/system-3-link "the copy is generation 3's"
is "$(ev nix.provenance nix.from-store store_path)" "$WRAP" "the wrapper's store path"
run hm
is "$(codes nix.provenance)" nix.from-store "a plist linked into home-manager's files"
is "$(ev nix.provenance nix.from-store generation)" /Users/alice/.local/state/nix/profiles/home-manager-1-link "part of home-manager generation 1"

# Drift: the installed copy changed by hand.
echo '<!-- edited -->' >> "$S/Users/alice/Library/LaunchAgents/org.nixos.agent.plist"
run agent
is "$(codes nix.provenance)" nix.drift,nix.from-store "an edited copy drifts from generation 3"
is "$rc" 1 "drift: exit 1"

# The current generation's store path is gone (a tree copied without it).
chmod -R u+w "$S$SYS2" && rm -rf "$S$SYS2"
run agent
is "$rc" 2 "a dangling system generation: exit 2"
is "$(j "[f['severity'] for f in find('nix.generations')['findings'] if f['code']=='nix.generation-dangling']")" '["critical"]' "critical"

# --- the deriver, from the real nix-store, in a private mount namespace
if ! unshare -m true 2>/dev/null; then
    echo "# no private mount namespace here (unshare -m): deriver part skipped"
    done_testing
    exit 0
fi
cat > "$TMP/d.nix" <<'NIX'
derivation {
  name = "agent-system";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" "echo built > $out" ];
}
NIX
make_config host <<'YAML'
checks:
  - id: host.facts
    plugin: host
    check: facts
    scope: runtime
  - id: nix.generations
    plugin: nix-gen
    check: generations
    after: [host.facts]
    scope: runtime
    timeout: 30
YAML
make_config nostore <<'YAML'
checks:
  - id: nix.generations
    plugin: nix-gen
    check: generations
    scope: runtime
    timeout: 30
    params: {nix_store: /nonexistent/nix-store, timeout_ms: 5000}
YAML
# Inside: /nix is $S/nix; build, make it the system generation, run the
# check on the real root; print the build's output path, its deriver and
# the report, separated.
cat > "$TMP/inside.sh" <<SH
set -e
mount --bind "$S/nix" /nix
out=\$(nix-build --option build-users-group '' --option substituters '' \\
    --option sandbox false --no-out-link "$TMP/d.nix" 2>"$TMP/nix-build.err") ||
    { cat "$TMP/nix-build.err" >&2; exit 1; }
nix-env -p /nix/var/nix/profiles/system --set "\$out"
echo "\$out"
nix-store -q --deriver "\$out"
"$SOS" doctor local-runtime --json --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/host" || true
echo
"$SOS" doctor local-runtime --json --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/nostore" || true
SH
# The bind needs a /nix to mount on: without nix-setup-systemd (bootstrap
# installs nix-bin without it) there is none, so make an empty one for the
# run and remove it after.
made_nix=""
[ -e /nix ] || { mkdir /nix && made_nix=1; }
all=$(unshare -m --propagation private sh "$TMP/inside.sh"); urc=$?
[ -z "$made_nix" ] || rmdir /nix
is "$urc" 0 "built and checked in a private mount namespace"
built=$(printf '%s\n' "$all" | sed -n 1p)
drv=$(printf '%s\n' "$all" | sed -n 2p)
out=$(printf '%s\n' "$all" | sed -n '3,/^$/p')
missing=$(printf '%s\n' "$all" | sed -n '/^$/,$p')
like "$drv" '^/nix/store/[0-9a-df-np-sv-z]{32}-agent-system\.drv$' "nix-store -q --deriver names the .drv"
sys=$(j "[f for f in find('nix.generations')['findings'] if f['code']=='nix.generation' and f['evidence']['kind']=='system'][0]['evidence']")
like "$sys" "\"store_path\": \"$built\"" "the system generation is the built path"
like "$sys" "\"deriver\": \"$drv\"" "its deriver, from the real nix-store, is evidence"
like "$sys" '"generation": "4"' "generation 4"
out=$missing
sys=$(j "[f for f in find('nix.generations')['findings'] if f['code']=='nix.generation' and f['evidence']['kind']=='system'][0]['evidence']")
like "$sys" '"deriver_unavailable": "cannot run .*/nonexistent/nix-store' "a missing nix-store: evidence saying why, no failure"
is "$(j "find('nix.generations')['status']")" ok "... and the check is still ok"
ok "$([ -e /nix/store/"${built#/nix/store/}" ]; [ $? -ne 0 ]; echo $?)" "nothing of it is left in this machine's /nix"
done_testing
