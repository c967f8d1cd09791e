#!/bin/sh
# nix.generations and nix.provenance on trees built here under --root, with
# the shipped checks.d declarations (tests/cli/nix-real.sh does the same
# with profiles that Debian's nix-bin makes). The trees are laid out as
# nix-darwin and home-manager lay out a machine:
#  - macOS with nix-darwin: /nix/var/nix/profiles/system -> system-3-link ->
#    /nix/store/HASH-darwin-system-23.05, /run/current-system -> the same,
#    user agents copied from GENERATION/user/Library/LaunchAgents into
#    ~/Library/LaunchAgents, daemons from GENERATION/Library/LaunchDaemons;
#  - Linux with home-manager: ~/.local/state/nix/profiles/home-manager ->
#    home-manager-7-link -> /nix/store/HASH-home-manager-generation, whose
#    home-files links to the HASH-home-manager-files tree that
#    ~/.config/systemd/user/agent.service links into.
# Every link target is absolute as seen from the tree's root (as on the real
# machine), never a path of this host; the plugin resolves them under --root.
. "$SOS_SRCDIR/tests/lib.sh"
AGENT="$SOS_BUILDDIR/sourceos-agent"

h() { printf "$1%.0s" $(seq 32); } # a valid 32-character base32 hash
SYS3="/nix/store/$(h 1)-darwin-system-23.05"
SYS2="/nix/store/$(h 2)-darwin-system-22.11"
WRAP="/nix/store/$(h 3)-agent-wrapper"
HMGEN="/nix/store/$(h 4)-home-manager-generation"
HMFILES="/nix/store/$(h 5)-home-manager-files"
UNIT="/nix/store/$(h 6)-agent.service"
STALE="/nix/store/$(h 7)-stale.service"
USERENV="/nix/store/$(h 8)-user-environment"

# --- the nix-darwin macOS tree
M="$TMP/mac"
cp -R "$FIXTURES/roots/macos" "$M"
mkdir -p "$M$SYS3/user/Library/LaunchAgents" "$M$SYS3/Library/LaunchDaemons" "$M$SYS2" \
    "$M$WRAP/bin" "$M/nix/var/nix/profiles" "$M/run" \
    "$M/Users/alice/Library/LaunchAgents" "$M/Library/LaunchDaemons" \
    "$M/Users/bob/.local/state/nix/profiles"
plist() { printf '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict><key>Label</key><string>%s</string></dict></plist>\n' "$1"; }
plist org.nixos.agent > "$M$SYS3/user/Library/LaunchAgents/org.nixos.agent.plist"
plist org.nixos.drift > "$M$SYS3/user/Library/LaunchAgents/org.nixos.drift.plist"
plist org.nixos.daemon > "$M$SYS3/Library/LaunchDaemons/org.nixos.daemon.plist"
cp "$M$SYS3/user/Library/LaunchAgents/org.nixos.agent.plist" "$M/Users/alice/Library/LaunchAgents/"
plist org.nixos.drift-edited-by-hand > "$M/Users/alice/Library/LaunchAgents/org.nixos.drift.plist"
plist com.example.hand > "$M/Users/alice/Library/LaunchAgents/com.example.hand.plist"
cp "$M$SYS3/Library/LaunchDaemons/org.nixos.daemon.plist" "$M/Library/LaunchDaemons/"
printf '#!/bin/sh\nexec podman run --rm localhost/agent\n' > "$M$WRAP/bin/agent-wrapper"
ln -s system-3-link "$M/nix/var/nix/profiles/system"
ln -s "$SYS3" "$M/nix/var/nix/profiles/system-3-link"
ln -s "$SYS2" "$M/nix/var/nix/profiles/system-2-link"
ln -s "$SYS3" "$M/run/current-system"
touch -h -d '2026-01-02 03:04:05 UTC' "$M/nix/var/nix/profiles/system-3-link"
# bob's home-manager generation 4 was collected: a dangling generation.
ln -s home-manager-4-link "$M/Users/bob/.local/state/nix/profiles/home-manager"
ln -s "/nix/store/$(h 9)-home-manager-generation" "$M/Users/bob/.local/state/nix/profiles/home-manager-4-link"

# --- the Linux home-manager tree
L="$TMP/linux"
cp -R "$FIXTURES/roots/debian" "$L"
C="$L/home/carol"
mkdir -p "$C/.local/state/nix/profiles" "$C/.config/systemd/user" "$L$HMGEN" \
    "$L$HMFILES/.config/systemd/user" "$L/nix/var/nix/profiles/per-user/carol" "$L$USERENV"
printf '[Service]\nExecStart=%s/bin/agent-wrapper\n' "$WRAP" > "$L$UNIT"
printf '[Service]\nExecStart=/bin/true\n' > "$L$STALE"
ln -s "$UNIT" "$L$HMFILES/.config/systemd/user/agent.service"
ln -s "$HMFILES" "$L$HMGEN/home-files"
ln -s home-manager-7-link "$C/.local/state/nix/profiles/home-manager"
ln -s "$HMGEN" "$C/.local/state/nix/profiles/home-manager-7-link"
ln -s "$HMGEN" "$C/.local/state/nix/profiles/home-manager-6-link"
ln -s "$HMFILES/.config/systemd/user/agent.service" "$C/.config/systemd/user/agent.service"
ln -s "$STALE" "$C/.config/systemd/user/stale.service"
ln -s profile-2-link "$L/nix/var/nix/profiles/per-user/carol/profile"
ln -s "$USERENV" "$L/nix/var/nix/profiles/per-user/carol/profile-2-link"

# --- the shipped declarations, and the agents
CFG="$TMP/cfg"
mkdir -p "$CFG/checks.d" "$CFG/agents.d" "$TMP/bin"
cp "$SOS_SRCDIR/checks.d/00-host.yaml" "$SOS_SRCDIR/checks.d/35-nix.yaml" "$CFG/checks.d/"
agent() { # agent NAME KEY: VALUE...
    n=$1; shift
    { echo "name: $n"; echo "image: localhost/agent@sha256:0123"; for kv in "$@"; do echo "$kv"; done; } \
        > "$CFG/agents.d/$n.yaml"
}
agent copy "plist: /Users/alice/Library/LaunchAgents/org.nixos.agent.plist" \
    "command: \"$WRAP/bin/agent-wrapper --serve\""
agent drift "plist: /Users/alice/Library/LaunchAgents/org.nixos.drift.plist"
agent hand "plist: /Users/alice/Library/LaunchAgents/com.example.hand.plist"
agent daemon "plist: /Library/LaunchDaemons/org.nixos.daemon.plist"
agent missing "plist: /Users/alice/Library/LaunchAgents/gone.plist" "command: [agent-wrapper, --serve]"
agent hm "unit: /home/carol/.config/systemd/user/agent.service" "user: \"true\""
agent stale "unit: /home/carol/.config/systemd/user/stale.service"
agent bare

# A stand-in nix-store that records being asked: under --root nothing may
# ask this machine's store about another tree's paths.
cat > "$TMP/bin/nix-store" <<'SH'
#!/bin/sh
echo "$*" >> "${0%/*}/calls"
echo unknown-deriver
SH
chmod +x "$TMP/bin/nix-store"

run() { # run ROOT doctor-args...: sets out, rc
    root=$1; shift
    out=$(PATH="$TMP/bin:/usr/bin:/bin" "$AGENT" doctor "$@" --json --root "$root" \
          --plugin-dir "$BUILD_PLUGINS" --config-dir "$CFG"); rc=$?
}
j() { printf '%s' "$out" | jget "$1"; }
codes() { j "','.join(f['code'] for f in find('$1')['findings'])"; }
fnd() { j "[f for f in find('$1')['findings'] if f['code']=='$2'][$3]$4"; }
ev() { fnd "$1" "$2" "${4:-0}" "['evidence'].get('$3')"; }

# --- nix-darwin: generations
run "$M" copy
is "$rc" 1 "macOS tree: exit 1 (bob's dangling home-manager generation is a warning)"
is "$(j "find('nix.generations')['status']")" warning "nix.generations: warning"
is "$(codes nix.generations)" "nix.generation,nix.generation-dangling" "system generation, then bob's dangling one"
is "$(ev nix.generations nix.generation generation)" 3 "current system generation 3"
is "$(ev nix.generations nix.generation generations)" 2 "two generations kept"
is "$(ev nix.generations nix.generation oldest)" 2 "oldest kept: 2"
is "$(ev nix.generations nix.generation date)" 2026-01-02T03:04:05Z "date: the 3-link's mtime"
is "$(ev nix.generations nix.generation store_path)" "$SYS3" "the store path"
is "$(ev nix.generations nix.generation current_system_is_profile)" true "/run/current-system is the profile's generation"
like "$(ev nix.generations nix.generation deriver_unavailable)" "--root is not /" "no deriver under --root, saying why"
is "$(j "find('nix.generations')['facts']['nix.system_generation']")" 3 "fact nix.system_generation"
is "$(j "find('nix.generations')['facts']['nix.system_store_path']")" "$SYS3" "fact nix.system_store_path"
is "$(fnd nix.generations nix.generation-dangling 0 "['severity']")" warning "a user's dangling generation is a warning"
is "$(ev nix.generations nix.generation-dangling user)" bob "it names the user"
like "$(fnd nix.generations nix.generation-dangling 0 "['message']")" "generation 4 points at /nix/store/9+-home-manager-generation, which is not in the store" "it says which store path is gone"
like "$(fnd nix.generations nix.generation-dangling 0 "['commands']")" "home-manager switch" "the fix: home-manager switch"
is "$(cat "$TMP/bin/calls" 2>/dev/null)" "" "nix-store was not asked about another tree"

# --- nix-darwin: provenance of a copied plist and a store wrapper
is "$(j "find('nix.provenance')['status']")" ok "an unchanged copy and a store wrapper: ok"
is "$(codes nix.provenance)" "nix.copy,nix.from-store" "plist: copy; wrapper: store"
is "$(ev nix.provenance nix.copy copy)" "/run/current-system/user/Library/LaunchAgents/org.nixos.agent.plist" "the copy it matches, under /run/current-system/user"
is "$(ev nix.provenance nix.copy manager)" nix-darwin "nix-darwin's"
is "$(ev nix.provenance nix.copy generation)" /nix/var/nix/profiles/system-3-link "generation: the system profile's 3-link"
is "$(ev nix.provenance nix.from-store store_path)" "$WRAP" "wrapper: the command's first word, in the store"
is "$(ev nix.provenance nix.from-store role)" wrapper "its role: wrapper"

run "$M" drift
is "$(j "find('nix.provenance')['status']")" warning "a drifted copy: warning"
is "$(codes nix.provenance)" nix.drift "nix.drift"
is "$(ev nix.provenance nix.drift copy)" "/run/current-system/user/Library/LaunchAgents/org.nixos.drift.plist" "evidence: the generation's copy"
is "$(ev nix.provenance nix.drift size)" "$(wc -c < "$M/Users/alice/Library/LaunchAgents/org.nixos.drift.plist" | tr -d ' ')" "evidence: the installed size"
is "$(ev nix.provenance nix.drift copy_size)" "$(wc -c < "$M$SYS3/user/Library/LaunchAgents/org.nixos.drift.plist" | tr -d ' ')" "evidence: the copy's size"
is "$(fnd nix.provenance nix.drift 0 "['commands']")" '["darwin-rebuild switch"]' "the fix: darwin-rebuild switch"
unlike "$out" "drift-edited-by-hand" "no file content in the report"

run "$M" hand
is "$(codes nix.provenance)" nix.unmanaged "a plist no generation has: unmanaged"
is "$(j "find('nix.provenance')['status']")" ok "unmanaged is information"
run "$M" daemon
is "$(ev nix.provenance nix.copy copy)" "/run/current-system/Library/LaunchDaemons/org.nixos.daemon.plist" "a daemon: the generation's Library/LaunchDaemons"
run "$M" missing
is "$(codes nix.provenance)" "nix.file-missing,nix.not-a-path" "a missing plist; a wrapper that is only a name"
is "$(j "find('nix.provenance')['status']")" warning "a missing file: warning"
run "$M" bare
is "$(j "find('nix.provenance')['status']")" skipped "an agent with no plist, unit or command: skipped"
is "$(codes nix.provenance)" nix.no-files "saying why"

# --- nix-darwin: the current system generation is gone
rm "$M/nix/var/nix/profiles/system"
ln -s system-4-link "$M/nix/var/nix/profiles/system"
run "$M" hand
is "$rc" 2 "a dangling system profile: exit 2"
is "$(fnd nix.generations nix.generation-dangling 0 "['severity']")" critical "a dangling system profile is critical"
is "$(ev nix.generations nix.generation-dangling missing)" /nix/var/nix/profiles/system-4-link "it names the missing generation link"
like "$(fnd nix.generations nix.generation-dangling 0 "['commands']")" "darwin-rebuild switch" "the fix on macOS: darwin-rebuild switch"
# ... and a loop is broken, not a hang.
rm "$M/nix/var/nix/profiles/system"
ln -s system "$M/nix/var/nix/profiles/system"
run "$M" hand
is "$(fnd nix.generations nix.profile-broken 0 "['severity']")" critical "a looping system profile: critical"
like "$(fnd nix.generations nix.profile-broken 0 "['message']")" "symlink loop" "it says loop"
rm "$M/nix/var/nix/profiles/system"
ln -s ../../../../../../etc/passwd "$M/nix/var/nix/profiles/system"
run "$M" hand
like "$(fnd nix.generations nix.profile-broken 0 "['message']")" "climbs out of the root" "an escape is refused"

# --- Linux home-manager
run "$L" hm
is "$rc" 0 "Linux home-manager tree: exit 0"
is "$(codes nix.generations)" "nix.generation,nix.generation" "carol's per-user profile and home-manager generation"
is "$(ev nix.generations nix.generation kind 1)" home-manager "home-manager kind"
is "$(ev nix.generations nix.generation generation 1)" 7 "home-manager generation 7"
is "$(ev nix.generations nix.generation user 0)" carol "per-user profile of carol"
is "$(ev nix.generations nix.generation store_path 0)" "$USERENV" "user profile store path"
is "$(j "find('nix.generations')['facts'].get('nix.system_generation')")" null "no system profile, no system fact"
is "$(codes nix.provenance)" nix.from-store "a unit linked into the store"
is "$(ev nix.provenance nix.from-store store_path)" "$UNIT" "the store path it ends in"
is "$(ev nix.provenance nix.from-store manager)" home-manager "part of home-manager's generation"
is "$(ev nix.provenance nix.from-store generation)" /home/carol/.local/state/nix/profiles/home-manager-7-link "generation: carol's home-manager 7-link"
run "$L" stale
like "$(fnd nix.provenance nix.from-store 0 "['message']")" "no current generation has it" "a store link no generation has"
is "$(ev nix.provenance nix.from-store generation)" null "no generation named"

# --- a user who may not look: permission denied, never absent nor broken.
# The same Linux tree with root-only 0700 directories on three profile
# paths: the per-user directory, carol's profiles directory, and a
# directory the default profile's generation leads through.
P="$TMP/private"
cp -R "$L" "$P"
mkdir -p "$P/opt/private/env"
ln -s default-1-link "$P/nix/var/nix/profiles/default"
ln -s /opt/private/env "$P/nix/var/nix/profiles/default-1-link"
chmod 700 "$P/nix/var/nix/profiles/per-user" "$P/home/carol/.local/state/nix/profiles" \
    "$P/opt/private"
chmod 755 "$TMP" "$TMP/bin"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    other_user_build
    out=$(setpriv --reuid=12345 --regid=12345 --clear-groups env PATH="$TMP/bin:/usr/bin:/bin" \
          "$OTHER_AGENT" doctor hm --json --root "$P" --plugin-dir "$OTHER_PLUGINS" \
          --config-dir "$CFG"); rc=$?
    is "$rc" 1 "as uid 12345: exit 1 (warnings), not 0 and not 2"
    is "$(j "find('nix.generations')['status']")" warning "nix.generations: warning, not ok"
    is "$(codes nix.generations)" "nix.permission-denied,nix.permission-denied,nix.permission-denied" \
       "only permission denied: no generation, no dangling or broken profile"
    is "$(j "[f['message'] for f in find('nix.generations')['findings']]")" \
       '["cannot read /opt/private (permission denied): run as root to see it", "cannot read /nix/var/nix/profiles/per-user (permission denied): run as root to see it", "carol: cannot read /home/carol/.local/state/nix/profiles (permission denied): run as root to see it"]' \
       "the directories that refused: where the default profile leads, per-user, carol's profiles"
    is "$(ev nix.generations nix.permission-denied profile)" /nix/var/nix/profiles/default "the default profile's link is named"
    is "$(ev nix.generations nix.permission-denied user 2)" carol "carol's home is named"
    is "$(j "find('nix.provenance')['status']")" warning "nix.provenance: warning"
    is "$(codes nix.provenance)" "nix.from-store,nix.permission-denied,nix.permission-denied" \
       "the unit is in the store; neither place its generation may be can be looked at"
    like "$(fnd nix.provenance nix.from-store 0 "['message']")" "whether a current generation has it is not known" "not claimed to be in no generation"
    is "$(j "[f['path'] for f in find('nix.provenance')['findings'] if f['code']=='nix.permission-denied']")" \
       '["/home/carol/.local/state/nix/profiles", "/nix/var/nix/profiles/per-user"]' \
       "the directories that refused: carol's profiles, then per-user"
    is "$(ev nix.provenance nix.permission-denied file)" /home/carol/.config/systemd/user/agent.service "for the agent's unit"
else
    is "$(id -u)" 0 "the permission test runs as root (to drop to uid 12345)"
fi
chmod 700 "$TMP"
run "$P" hm
is "$rc" 0 "as root the same tree: exit 0"
is "$(codes nix.generations)" "nix.generation,nix.generation,nix.generation" \
   "as root: the default, carol's per-user and home-manager generations"
like "$(fnd nix.generations nix.generation 0 "['message']")" "default profile at generation 1 of 1 kept .*, /opt/private/env" "the default profile, read through /opt/private"
is "$(ev nix.provenance nix.from-store generation)" /home/carol/.local/state/nix/profiles/home-manager-7-link "as root: the unit is part of carol's home-manager generation"

# --- no Nix at all: skipped, saying so
run "$FIXTURES/roots/debian" bare
is "$(j "find('nix.generations')['status']")" skipped "no /nix: skipped"
is "$(codes nix.generations)" nix.absent "nix.absent says why"
is "$(j "find('nix.provenance')['status']")" skipped "provenance of a bare agent: skipped"

# --- hostile: garbage links and huge names do not crash the checks
G="$TMP/garbage"
cp -R "$FIXTURES/roots/debian" "$G"
mkdir -p "$G/nix/var/nix/profiles/per-user/x" "$G/home/eve/.local/state/nix/profiles"
ln -s "$(printf 'a%.0s' $(seq 2000))" "$G/nix/var/nix/profiles/system"
ln -s "$(printf 'bad\001link')" "$G/nix/var/nix/profiles/per-user/x/profile"
ln -s profile-99999999999999999999-link "$G/home/eve/.local/state/nix/profiles/profile"
ln -s /nix/store/not-a-store-path "$G/home/eve/.local/state/nix/profiles/profile-99999999999999999999-link"
run "$G" bare
is "$(j "find('nix.generations')['status']")" failure "garbage profiles: judged, not crashed"
is "$(codes nix.generations)" "nix.profile-broken,nix.generation-dangling,nix.generation-dangling" "each garbage profile is a finding"
like "$(fnd nix.generations nix.profile-broken 0 "['message']")" "too long" "a 2000-byte link target is too long"

done_testing
