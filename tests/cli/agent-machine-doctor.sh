#!/bin/sh
# sourceosctl agent-machine doctor: the machine-scope checks of checks.d
# for one profile, through the runner, with a recording stand-in podman and
# real git. Read-only: the stand-in never sees start, pull or init.
. "$SOS_SRCDIR/tests/lib.sh"
CTL="$SOS_BUILDDIR/sourceosctl"
PROFILES="$HOME/.config/sourceos/agent-machine"
mkdir -p "$TMP/bin" "$HOME/dev/proj" "$HOME/.ssh"
LOG="$TMP/podman.log"
: > "$LOG"
cat > "$TMP/bin/podman" <<STANDIN
#!/bin/sh
printf '%s\n' "\$*" >> "$LOG"
case "\$*" in
--version) echo "podman version 4.3.1" ;;
*"machine inspect"*)
    case "\$(cat "$TMP/state" 2>/dev/null)" in
    ""|absent) echo 'Error: VM does not exist' >&2; exit 125 ;;
    *) cat "$TMP/state" ;;
    esac ;;
*"image inspect"*)
    [ -f "$TMP/image" ] || { echo 'Error: no such image' >&2; exit 125; }
    cat "$TMP/image" ;;
*) echo "stand-in: unexpected \$*" >&2; exit 125 ;;
esac
STANDIN
chmod +x "$TMP/bin/podman"
PATH="$TMP/bin:$PATH"
export PATH
D=sha256:1111111111111111111111111111111111111111111111111111111111111111
git -C "$HOME/dev/proj" init -q -b main && git -C "$HOME/dev/proj" -c user.email=t@t -c user.name=t commit -q --allow-empty -m one
"$CTL" agent-machine init --profile linux-native --name dev --repo "$HOME/dev" > /dev/null
doctor() { "$CTL" agent-machine doctor --json --config-dir "$SOS_SRCDIR" "$@" > "$TMP/r.json"; }
status() { jget "find('$1')['status']" < "$TMP/r.json"; }
codes() { jget "[f['code'] for f in find('$1')['findings']]" < "$TMP/r.json"; }

doctor --repo "$HOME/dev/proj"; rc=$?
is "$rc" 2 "the image is not local: exit 2"
"$PYTHON" "$SOS_SRCDIR/tests/validate-json.py" "$SOS_SRCDIR/schemas/report.schema.json" "$TMP/r.json" >&2
ok $? "the report is valid against report.schema.json"
is "$(jget 'sorted(c["id"] for c in d["checks"])' < "$TMP/r.json")" '["machine.control-plane", "machine.image", "machine.mounts", "machine.podman", "machine.repo", "machine.tools", "machine.vm"]' "the machine-scope checks of checks.d, and only they"
is "$(jget 'd["command"]' < "$TMP/r.json")" "agent-machine doctor" "the report's command"
is "$(jget 'sorted(set(c["scope"] for c in d["checks"]))' < "$TMP/r.json")" '["machine"]' "each of scope machine"
is "$(status machine.vm)|$(codes machine.vm)" 'ok|["machine.native"]' "linux-native: no machine to run"
is "$(status machine.repo)|$(codes machine.repo)" 'ok|["machine.repo"]' "the repo is a worktree"
like "$(jget "find('machine.repo')['findings'][0]['message']" < "$TMP/r.json")" " on main$" "on its branch"
is "$(status machine.image)|$(codes machine.image)" 'failure|["machine.image-missing"]' "the image is missing"
is "$(jget "find('machine.image')['findings'][0]['commands']" < "$TMP/r.json")" '["podman pull ghcr.io/sourceos/agent-workspace:0.1"]' "with the pull to run (not run)"
is "$(status machine.mounts)" ok "the mounts pass"
echo "$D" > "$TMP/image"
doctor --repo "$HOME/dev/proj"; rc=$?
is "$rc|$(status machine.image)|$(codes machine.image)" '1|warning|["machine.image-unpinned"]' "present but not pinned: a warning, exit 1"
sed -i "s|  digest: \"\"|  digest: \"$D\"|" "$PROFILES/dev.yaml"
doctor --repo "$HOME/dev/proj"; rc=$?
is "$rc|$(status machine.image)" "0|ok" "pinned: every check passes, exit 0"
doctor; rc=$?
is "$rc|$(status machine.repo)|$(codes machine.repo)" '0|skipped|["machine.repo-not-given"]' "no --repo: the repo check is skipped, saying so"
mkdir -p "$HOME/dev/plain"
doctor --repo "$HOME/dev/plain"; rc=$?
is "$rc|$(status machine.repo)|$(codes machine.repo)" '2|failure|["machine.repo-not-worktree"]' "a directory that is not a worktree: a failure"
doctor --repo "$HOME"; rc=$?
is "$rc|$(status machine.mounts)|$(codes machine.mounts)" '2|failure|["machine.mount-denied"]' "HOME as the repo: the mount policy's refusal"
like "$(jget "find('machine.mounts')['findings'][0]['message']" < "$TMP/r.json")" "is your home directory; mount a project directory inside it instead" "naming the rule, as a launch would"
sed -i 's|^mounts: \[\]|mounts:\n  - mountId: "keys"\n    pathClass: "documents"\n    hostPath: "~/.ssh"\n    agentPath: "/keys"|' "$PROFILES/dev.yaml"
doctor --repo "$HOME/dev/proj"; rc=$?
like "$rc|$(jget "[f['message'] for f in find('machine.mounts')['findings']]" < "$TMP/r.json")" '^2\|.*~/.ssh: inside the denied path ~/.ssh' "a profile mount of ~/.ssh: refused by the doctor too"

# the machine of a macOS profile
"$CTL" agent-machine init --profile macos-podman --name mac > /dev/null
sed -i "s|  digest: \"\"|  digest: \"$D\"|" "$PROFILES/mac.yaml"
rm -f "$TMP/state"
doctor --profile mac; rc=$?
is "$rc|$(status machine.vm)|$(codes machine.vm)" '2|failure|["machine.vm-missing"]' "a machine that does not exist: a failure"
is "$(status machine.image)" skipped "and the image check, which needs it, is skipped"
echo stopped > "$TMP/state"
doctor --profile mac; rc=$?
is "$rc|$(status machine.vm)|$(codes machine.vm)" '1|warning|["machine.vm-stopped"]' "a stopped machine: a warning"
is "$(jget "find('machine.vm')['findings'][0]['commands']" < "$TMP/r.json")" '["sourceosctl agent-machine start"]' "with the command that starts it"
echo running > "$TMP/state"
doctor --profile mac; rc=$?
is "$rc|$(status machine.vm)" "0|ok" "a running one: ok"
unlike "$(cat "$LOG")" "machine start|machine init|pull|run " "read-only: podman was never asked to start, init, pull or run"
# a hostile image reference: the command shown for pasting is quoted words
sed -i 's|  image: .*|  image: "localhost/a;reboot\$(id):1"|' "$PROFILES/dev.yaml"
rm -f "$TMP/image"
doctor --profile dev --repo "$HOME/dev/proj"
cmd=$(jget "find('machine.image')['findings'][0]['commands'][0]" < "$TMP/r.json")
is "$cmd" "podman pull 'localhost/a;reboot\$(id)@$D'" "a hostile image in the pull command (pinned: NAME@DIGEST): one quoted word"
eval "set -- $cmd"
is "$#|$3" "3|localhost/a;reboot\$(id)@$D" "which the shell reads back as exactly that word"
out=$("$SOS" doctor local-runtime --json --config-dir "$SOS_SRCDIR" | jget '[c["id"] for c in d["checks"] if c["id"].startswith("machine.")]')
is "$out" "[]" "sourceos doctor local-runtime runs none of them"
done_testing
