#!/bin/sh
# sourceosctl agent-machine init, shell, run, start, fingerprint with a
# recording stand-in podman: the profile (templates, the schema, the
# loader's refusals), the mount policy (each rule its own test), the
# evidence of a refused launch, the policy hash against Python's recipe,
# the machine that does not exist, and --dry-run running nothing. The real
# container is tests/cli/agent-machine-podman.sh.
. "$SOS_SRCDIR/tests/lib.sh"
CTL="$SOS_BUILDDIR/sourceosctl"
V="$SOS_SRCDIR/tests/validate-json.py"
SCHEMAS="$SOS_SRCDIR/schemas"
PROFILES="$HOME/.config/sourceos/agent-machine"
EV="$HOME/.local/state/sourceos/agent-machine/evidence"
mkdir -p "$TMP/bin" "$HOME/dev/proj"
LOG="$TMP/podman.log"
: > "$LOG"
# The stand-in: every call logged; STATE decides what `machine inspect` says.
cat > "$TMP/bin/podman" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >> "$LOG"
case "\$*" in
*"machine inspect"*)
    case "\$(cat "$TMP/state" 2>/dev/null)" in
    absent) echo 'Error: sourceos-agent: VM does not exist' >&2; exit 125 ;;
    *) cat "$TMP/state" ;;
    esac ;;
*"machine start"*) echo "Machine \"sourceos-agent\" started successfully" ;;
*"version --format={{.Client.Version}}"*) echo 4.3.1 ;;
*"version --format={{.Server.Version}}"*) echo 5.2.1 ;;
*"image inspect"*) echo sha256:1111111111111111111111111111111111111111111111111111111111111111 ;;
*" run "*|run*) echo "stand-in ran" ;;
*) echo "stand-in: unexpected \$*" >&2; exit 125 ;;
esac
EOF
chmod +x "$TMP/bin/podman"
PATH="$TMP/bin:$PATH"
export PATH
yaml2json() { "$PYTHON" -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)' "$1"; }

# --- help
for c in init start shell run fingerprint; do
    out=$("$CTL" agent-machine "$c" --help); rc=$?
    like "$rc|$(printf '%s' "$out" | head -1)" "^0\|Usage: sourceosctl agent-machine $c" "agent-machine $c --help"
done

# --- init: every template renders a profile the schema and the loader accept
for t in macos-podman linux-native windows-wsl windows-hyperv; do
    "$CTL" agent-machine init --profile "$t" --dry-run > "$TMP/dry.txt"; rc=$?
    is "$rc|$([ -e "$PROFILES/$t.yaml" ] && echo written)" "0|" "init --profile $t --dry-run: exit 0, nothing written"
    "$CTL" agent-machine init --profile "$t" > /dev/null; rc=$?
    is "$rc|$(stat -c %a "$PROFILES/$t.yaml")" "0|600" "init $t: written, mode 0600"
    is "$(sed 1d "$TMP/dry.txt")" "$(cat "$PROFILES/$t.yaml")" "the dry run printed exactly that file"
    yaml2json "$PROFILES/$t.yaml" > "$TMP/$t.json"
    "$PYTHON" "$V" "$SCHEMAS/agent-machine-profile.schema.json" "$TMP/$t.json" >&2
    ok $? "$t is valid against agent-machine-profile.schema.json"
    "$CTL" agent-machine fingerprint --profile "$t" > "$TMP/fp-$t.json"; rc=$?
    is "$rc" 0 "the loader reads $t (fingerprint exit 0)"
done
is "$(jget 'd["podman"]["state"]' < "$TMP/fp-linux-native.json")" native "linux-native: native Podman, no machine"
is "$(jget '[d["host"]["os"], d["podman"]["provider"]]' < "$TMP/fp-windows-wsl.json")" '["linux", "wsl"]' "windows-wsl: the wsl provider"
cp "$PROFILES/linux-native.yaml" "$TMP/keep.yaml"
echo "# edited" >> "$PROFILES/linux-native.yaml"
out=$("$CTL" agent-machine init --profile linux-native 2>&1); rc=$?
like "$rc|$out" "^2\|.*linux-native.yaml exists; nothing was changed \(--force replaces it\)" "init over an existing profile: refused, exit 2"
is "$(tail -1 "$PROFILES/linux-native.yaml")" "# edited" "and the file is untouched"
"$CTL" agent-machine init --profile linux-native --force > /dev/null
is "$(cat "$PROFILES/linux-native.yaml")" "$(cat "$TMP/keep.yaml")" "--force replaces it"
out=$("$CTL" agent-machine init --profile solaris 2>&1); rc=$?
like "$rc|$out" "^64\|.*no profile template 'solaris' \(templates: macos-podman, linux-native, windows-wsl, windows-hyperv\)" "an unknown template: 64, naming the templates"
out=$("$CTL" agent-machine init --profile linux-native --name ../x 2>&1); rc=$?
like "$rc|$out" "^64\|.*--name must be" "a name that is not one path segment: 64"
out=$("$CTL" agent-machine fingerprint 2>&1); rc=$?
like "$rc|$out" "^64\|.*4 profiles in .*: say which with --profile NAME" "several profiles and no --profile: 64, saying so"
rm -f "$PROFILES"/*.yaml

# --- the profile used below: a repo root, a denied pattern, a mount made when missing
"$CTL" agent-machine init --profile linux-native --name dev --repo "$HOME/dev" > /dev/null
is "$(yaml2json "$PROFILES/dev.yaml" | jget 'd["repo"]["allowedRoots"]')" '["~/dev"]' "init --repo: the one allowed root, with ~"
profile() { # profile MOUNTS-YAML [DENIED-YAML [ADAPTER]]: rewrites dev.yaml
    sed -e "s|^mounts: \[\]|mounts:${1:- []}|" -e "s|^deniedPatterns: \[\]|deniedPatterns: ${2:-[]}|" \
        -e "s|adapter: \"linux\"|adapter: \"${3:-linux}\"|" "$TMP/dev.base" > "$PROFILES/dev.yaml"
}
cp "$PROFILES/dev.yaml" "$TMP/dev.base"

# --- the loader's refusals (exit 3, FILE:LINE:COLUMN and the rule)
bad() { # bad SED-EXPR PATTERN DESCRIPTION
    sed -e "$1" "$TMP/dev.base" > "$PROFILES/dev.yaml"
    out=$("$CTL" agent-machine fingerprint 2>&1); rc=$?
    like "$rc|$out" "^3\|.*dev.yaml:[0-9]+:[0-9]+: $2" "$3"
}
bad 's|^secrets: \[\]|secrets:\n  - name: gh\n    value: "ghp_abc"|' "a secret's value is never written in a profile; give a 'ref'" "an inline secret value: refused"
bad 's|^secrets: \[\]|secrets:\n  - "hunter2"|' "secret 1 is a bare value" "a bare secret: refused"
bad 's|^  agentPath: "/workspace"|  agentPath: "/etc"|' "'agentPath' is /etc, a system directory" "a repo agentPath over /etc: refused"
bad 's|^    - "~/dev"|    - "~"|' "entry 1 of 'allowedRoots' \(~\) is the home directory or holds it" "allowedRoots: ~ refused"
bad 's|^    - "~/dev"|    - "/"|' "entry 1 of 'allowedRoots' \(/\) is the home directory or holds it" "allowedRoots: / refused"
bad 's|^  network: "none"|  network: "host"|' "'network' is 'host'; expected one of: none, restricted, default" "network host: refused"
bad 's|^  passEnv:|  passEnv:\n    - "GITHUB_TOKEN=abc"|' "entry 1 of 'passEnv' must be a variable's name" "passEnv with a value: refused"
bad 's|^kind: .*|kind: "Profile"\nextra: 1|' "'kind' must be AgentMachineProfile" "a wrong kind: refused"
bad 's|^mounts: \[\]|mounts:\n  - mountId: "a"\n    pathClass: "cache"\n    hostPath: "~/dev/a"\n    agentPath: "/a"\n  - mountId: "a"\n    pathClass: "cache"\n    hostPath: "~/dev/b"\n    agentPath: "/b"|' "mountId 'a' is used twice" "a repeated mountId: refused"
bad 's|^evidence:|colour: "blue"\nevidence:|' "unknown key 'colour' at the top" "an unknown key: refused, naming the keys"
sed 's|^kind: .*|kind: "AgentMachineProfile"\n  bad indent|' "$TMP/dev.base" > "$PROFILES/dev.yaml"
out=$("$CTL" agent-machine fingerprint 2>&1); rc=$?
like "$rc|$out" "^3\|.*dev.yaml:[0-9]+:[0-9]+: YAML syntax error" "malformed YAML: exit 3 with where"
cp "$TMP/dev.base" "$PROFILES/dev.yaml"
chmod 666 "$PROFILES/dev.yaml"
out=$("$CTL" agent-machine fingerprint 2>&1); rc=$?
like "$rc|$out" "^3\|.*dev.yaml.*(writable|trust)" "a world-writable profile is not trusted"
chmod 600 "$PROFILES/dev.yaml"

# --- the mount policy, each rule: --dry-run shows the refusal, runs nothing
mkdir -p "$HOME/.ssh" "$HOME/Downloads/proj" "$HOME/.aws" "$HOME/.config/gcloud" "$HOME/dev/secrets"
ln -s "$HOME" "$HOME/dev/home-link"
ln -s "$HOME/.ssh" "$HOME/dev/keys"
deny() { # deny REPO PATTERN DESCRIPTION
    out=$("$CTL" agent-machine shell --repo "$1" --dry-run 2>&1 >/dev/null); rc=$?
    like "$rc|$out" "^2\|sourceosctl: refused: $2" "$3"
}
: > "$LOG"
deny "$HOME" ".*: is your home directory; mount a project directory inside it instead" "the home directory itself"
deny "$HOME/dev/home-link" ".*/dev/home-link: is your home directory" "a repo that is a symlink to HOME"
deny "$HOME/.ssh" ".*/.ssh: inside the denied path ~/.ssh \(credentials and private data never reach an agent\); mount a project directory instead" "~/.ssh"
deny "$HOME/dev/keys" ".*/dev/keys: inside the denied path ~/.ssh" "a symlink into ~/.ssh"
deny "$HOME/dev/../.aws" ".*/dev/../.aws: inside the denied path ~/.aws" "'..' into ~/.aws"
deny "$HOME/.config" ".*/.config: contains the denied path ~/.config/[a-z-]+; mount a directory that holds only the project" "a parent of a denied path (~/.config holds gcloud)"
deny "$HOME/Downloads/proj" ".*/Downloads/proj: inside the denied path ~/Downloads" "the whole Downloads"
deny /usr/share ".*outside the profile's allowed roots \(~/dev\); move it under one, or add its root to repo.allowedRoots" "outside the allowed roots"
deny "$HOME/dev/nothing" ".*dev/nothing: not a directory; give the repository's worktree" "a repo that does not exist"
profile "" '["~/dev/secrets"]'
deny "$HOME/dev" ".*/dev: contains the denied path ~/dev/secrets" "a profile's own deniedPatterns: a mount holding one"
profile "" "[]" macos
deny "$HOME/.SSH" ".*/.SSH: inside the denied path ~/.ssh" "macOS compares without case: ~/.SSH is ~/.ssh"
profile "" "[]" linux
out=$("$CTL" agent-machine shell --repo "$HOME/.SSH" --dry-run 2>&1 >/dev/null); rc=$?
like "$rc|$out" "^2\|.*outside the profile's allowed roots" "on Linux ~/.SSH is another directory (refused only as outside the roots)"
profile '\n  - mountId: "home"\n    pathClass: "documents"\n    hostPath: "~"\n    agentPath: "/home-all"'
out=$("$CTL" agent-machine shell --repo "$HOME/dev/proj" --dry-run 2>&1 >/dev/null); rc=$?
like "$rc|$out" "^2\|sourceosctl: refused: ~: is your home directory" "a profile mount of ~: refused at launch"
is "$(cat "$LOG")" "" "the dry runs ran no podman"

# --- a refused launch for real: evidence with deniedAttempts, no container
out=$("$CTL" agent-machine shell --repo "$HOME/dev/proj" 2>&1); rc=$?
ev=$(ls "$EV"/launch-*-shell.json 2>/dev/null | head -1)
like "$rc|$out" "^2\|sourceosctl: refused: ~: is your home directory.*" "the refused launch: exit 2"
like "$out" "evidence: $EV/launch-.*-shell.json" "naming its evidence"
is "$(stat -c %a "$ev" 2>/dev/null)" 600 "the evidence file: mode 0600"
"$PYTHON" "$V" "$SCHEMAS/agent-machine-evidence.schema.json" "$ev" >&2
ok $? "and valid against agent-machine-evidence.schema.json"
is "$(jget '[(a["pathRef"], a["reason"][:30]) for a in d["deniedAttempts"]]' < "$ev")" '[["~", "~: is your home directory; mou"]]' "deniedAttempts names the path and the rule"
is "$(jget '[d["launch"]["exitStatus"], d["launch"]["endedAt"], d["launch"]["refused"][:6]]' < "$ev")" '[null, null, "~: is "]' "no exit status: nothing ran; refused says why"
unlike "$(cat "$LOG")" " run " "podman run was never called"
rm -f "$EV"/*.json

# --- run: tools, the argv, the evidence of a launch
profile '\n  - mountId: "cache"\n    pathClass: "cache"\n    hostPath: "~/dev/.cache-agent"\n    agentPath: "/cache"\n    accessMode: "read-write"\n    createIfMissing: true\n  - mountId: "docs"\n    pathClass: "documents"\n    hostPath: "~/dev/proj"\n    agentPath: "/docs"'
out=$("$CTL" agent-machine run --tool nope --repo "$HOME/dev/proj" 2>&1); rc=$?
is "$rc|$out" "64|sourceosctl: profile dev has no enabled tool 'nope' (enabled: codex)" "an unknown tool: 64, naming the enabled ones"
sed -i 's|      enabled: true|      enabled: false|' "$PROFILES/dev.yaml"
out=$("$CTL" agent-machine run --tool codex --repo "$HOME/dev/proj" 2>&1); rc=$?
is "$rc|$out" "64|sourceosctl: profile dev has no enabled tool 'codex' (enabled: none)" "a disabled tool: 64"
sed -i 's|      enabled: false|      enabled: true|' "$PROFILES/dev.yaml"
: > "$LOG"
out=$("$CTL" agent-machine run --tool codex --repo "$HOME/dev/proj" --dry-run -- --model "x y"); rc=$?
is "$rc" 0 "run --dry-run: exit 0"
like "$out" "^would create $HOME/dev/.cache-agent \(mode 0700\)$" "it says the missing mount it would create"
line=$(printf '%s\n' "$out" | sed -n 's/^would run: //p')
is "$line" "podman run --rm --pull=never --cap-drop=all --security-opt=no-new-privileges --userns=keep-id --read-only --network=none --authfile=$EV/empty-auth.json --env=TERM --env=LANG --label=dev.sourceos.agent-machine.evidence=$(printf '%s\n' "$out" | sed -n 's|^would write .*/\(launch-.*\.json\) (mode 0600)$|\1|p') --label=dev.sourceos.agent-machine.profile=dev --mount=type=bind,src=$HOME/dev/proj,dst=/workspace --mount=type=bind,src=$HOME/dev/.cache-agent,dst=/cache --mount=type=bind,src=$HOME/dev/proj,dst=/docs,ro=true --workdir=/workspace ghcr.io/sourceos/agent-workspace:0.1 codex --model 'x y'" "the whole argv, quoted: only the declared mounts, read-only where declared"
is "$(cat "$LOG")|$(ls "$EV" 2>/dev/null)|$([ -e "$HOME/dev/.cache-agent" ] && echo made)" "||" "--dry-run ran nothing, wrote nothing, made nothing"
: > "$LOG"
git -C "$HOME/dev/proj" init -q -b main && git -C "$HOME/dev/proj" -c user.email=t@t -c user.name=t commit -q --allow-empty -m one
out=$("$CTL" agent-machine run --tool codex --repo "$HOME/dev/proj" -- --model "x y" 2>"$TMP/err"); rc=$?
ev=$(ls "$EV"/launch-*-codex.json | head -1)
is "$rc|$out" "0|stand-in ran" "run: the container's exit and output are the tool's"
like "$(cat "$TMP/err")" "^sourceosctl: evidence: $ev$" "the evidence path on stderr"
"$PYTHON" "$V" "$SCHEMAS/agent-machine-evidence.schema.json" "$ev" >&2
ok $? "the launch's evidence is valid"
is "$(jget '[m["mountId"] + ":" + m["hostPathRef"] + ":" + m["accessMode"] + ":" + str(m["existsAtRunStart"]) for m in d["mounts"]]' < "$ev")" '["repo:$HOME/dev/proj:read-write:True", "cache:$HOME/dev/.cache-agent:read-write:False", "docs:$HOME/dev/proj:read-only:True"]' "its mounts, $HOME as \$HOME, whether each existed"
is "$(jget 'd["launch"]["exitStatus"]' < "$ev")|$(jget 'd["gitRef"]' < "$ev")" "0|main@$(git -C "$HOME/dev/proj" rev-parse HEAD)" "its exit status and git ref"
is "$(jget 'd["launch"]["podmanArgv"][-3:]' < "$ev")" '["codex", "--model", "x y"]' "the exact argv"
is "$(grep -c '^run --rm --pull=never' "$LOG")|$(grep -c -- '--authfile' "$LOG")" "2|1" "podman ran twice: the tool's version, then the tool"
is "$(stat -c %a "$HOME/dev/.cache-agent")|$(cat "$EV/empty-auth.json")" "700|{}" "the missing mount made 0700; an empty auth file"

# --- evidence inspect: the launch's evidence file and a fingerprint
out=$("$CTL" agent-machine evidence inspect "$ev"); rc=$?
is "$rc|$(printf '%s\n' "$out" | head -1)" "0|$ev: valid launch evidence (AgentMachineMountEvidence 0.1)" "evidence inspect of the launch's file: valid, exit 0"
like "$out" "^  launch: +run codex, exit 0 at " "it says the launch and its exit"
like "$out" "^  mounts: +repo /workspace read-write; cache /cache read-write; docs /docs read-only$" "and the mounts"
is "$("$SOS" evidence inspect --json "$ev" | jget '[d["verdict"], d["kind"], d["document"]["launch"]["tool"]]')" '["valid", "AgentMachineMountEvidence", "codex"]' "sourceos evidence inspect --json: the same verdict"
tamper() { # tamper PYTHON-STATEMENT WANT DESCRIPTION
    "$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(d, open(sys.argv[3], "w"))' "$ev" "$1" "$TMP/tampered.json"
    out=$("$CTL" agent-machine evidence inspect "$TMP/tampered.json"); rc=$?
    is "$rc|$out" "2|$TMP/tampered.json: invalid: $2" "$3"
}
tamper 'del d["launch"]["exitStatus"]' '$.launch.exitStatus: missing' "a key taken out: invalid (2), naming it"
tamper 'd["mounts"][1]["existsAtRunStart"] = "yes"' '$.mounts[1].existsAtRunStart: must be true or false' "a wrong type in a mount: named by its path"
tamper 'd["policyHash"] = "sha256:abc"' '$.policyHash: must be sha256: and 64 hex digits' "a malformed policy hash"
tamper 'd["launch"]["extra"] = 1' '$.launch.extra: not a key of this document' "a key the schema does not have"
tamper 'd["kind"] = "Other"' '$.kind: must be AgentMachineMountEvidence or AgentMachineFingerprint' "another kind"
printf '{"kind": "AgentMachineMountEvidence",' > "$TMP/cut.json"
out=$("$CTL" agent-machine evidence inspect "$TMP/cut.json" 2>&1); rc=$?
like "$rc|$out" "^3\|sourceosctl: refused: $TMP/cut.json:1:[0-9]+: not JSON" "a cut file: unreadable (3), saying where"
"$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
d["launch"]["profile"] = "\x1b[31mevil"
d["deniedAttempts"] = [{"pathRef": "x", "reason": "token ghp_R3alLook1ngT0kenValue0123456789abcd"}]
json.dump(d, open(sys.argv[2], "w"))' "$ev" "$TMP/hostile.json"
out=$("$CTL" agent-machine evidence inspect "$TMP/hostile.json" 2>&1); rc=$?
is "$rc" 0 "a valid file with an escape sequence and a token in it: exit 0"
unlike "$out" "$(printf '\033')|ghp_R3al" "and neither its escape sequence nor its token is printed"
like "$out" "token <redacted:" "the token shown redacted"

# --- the policy hash is devtools' recipe, and the fingerprint is stable
profile '\n  - mountId: "caf"\n    pathClass: "cache"\n    hostPath: "~/dev/café"\n    agentPath: "/cache"\n    createIfMissing: true' '["~/dev/secrets"]'
"$CTL" agent-machine fingerprint --repo "$HOME/dev/proj" > "$TMP/fp1.json"; rc=$?
"$CTL" agent-machine fingerprint --repo "$HOME/dev/proj" > "$TMP/fp2.json"
is "$rc" 0 "fingerprint: exit 0"
"$PYTHON" "$V" "$SCHEMAS/agent-machine-fingerprint.schema.json" "$TMP/fp1.json" >&2
ok $? "valid against agent-machine-fingerprint.schema.json"
want=$("$PYTHON" -c 'import hashlib, json, sys
d = json.load(open(sys.argv[1]))
doc = {"mounts": d["mounts"], "deniedPatterns": d["deniedPatterns"]}
print("sha256:" + hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest())' "$TMP/fp1.json")
is "$(jget 'd["policyHash"]' < "$TMP/fp1.json")" "$want" "policyHash: sha256 of the compact, key-sorted JSON (Python's), non-ASCII too"
is "$(jget 'd["deniedPatterns"][-1]' < "$TMP/fp1.json")" "~/dev/secrets" "the profile's denied pattern after the built-in ones"
is "$(jget '{k: v for k, v in d.items() if k != "time"}' < "$TMP/fp1.json")" "$(jget '{k: v for k, v in d.items() if k != "time"}' < "$TMP/fp2.json")" "two runs: the same fingerprint apart from the time"
is "$(jget 'list(d)' < "$TMP/fp1.json")" '["kind", "schemaVersion", "profile", "host", "podman", "image", "repo", "mounts", "deniedPatterns", "policyHash", "tools", "sourceosVersion", "time"]' "keys in a fixed order"
is "$(jget '[d["repo"]["path"], d["repo"]["dirty"]]' < "$TMP/fp1.json")" '["$HOME/dev/proj", false]' "the repo with \$HOME, clean"
out=$("$CTL" agent-machine evidence inspect "$TMP/fp1.json"); rc=$?
is "$rc|$(printf '%s\n' "$out" | head -1)" "0|$TMP/fp1.json: valid fingerprint (AgentMachineFingerprint 0.1)" "evidence inspect reads a fingerprint too"
sed -i 's|hostPath: "~/dev/café"|hostPath: "~/dev/cafe"|' "$PROFILES/dev.yaml"
other=$("$CTL" agent-machine fingerprint | jget 'd["policyHash"]')
unlike "$other" "^$(jget 'd["policyHash"]' < "$TMP/fp1.json")$" "another mount: another policy hash"

# --- the shipped example profiles load and plan a launch
for f in "$SOS_SRCDIR"/contrib/agent-machine/*.yaml; do
    out=$("$CTL" agent-machine run --profile "$f" --tool codex --repo "$HOME/dev/proj" --dry-run 2>&1); rc=$?
    like "$rc|$(printf '%s\n' "$out" | tail -1)" "^0\|would run: podman .*--userns=keep-id .* codex$" "contrib/agent-machine/${f##*/}: loads and plans a launch"
done

# --- start
"$CTL" agent-machine init --profile macos-podman --name mac > /dev/null
: > "$LOG"
echo absent > "$TMP/state"
out=$("$CTL" agent-machine start --profile mac 2>&1); rc=$?
like "$rc|$(printf '%s' "$out" | tr '\n' ' ')" "^2\|sourceosctl: the machine sourceos-agent does not exist; nothing was created. Make it with:   CONTAINERS_MACHINE_PROVIDER=applehv podman machine init sourceos-agent then run" "start without the machine: exit 2 and the exact init command"
is "$(cat "$LOG")" "machine inspect --format={{.State}} sourceos-agent" "and it only asked (no init)"
echo stopped > "$TMP/state"
: > "$LOG"
out=$("$CTL" agent-machine start --profile mac --dry-run); rc=$?
is "$rc|$out|$(grep -c 'machine start' "$LOG")" "0|would run: podman machine start sourceos-agent|0" "start --dry-run: the command, not run"
out=$("$CTL" agent-machine start --profile mac); rc=$?
is "$rc|$(grep -c '^machine start sourceos-agent$' "$LOG")" "0|1" "a stopped machine is started"
echo running > "$TMP/state"
is "$("$CTL" agent-machine start --profile mac)" "machine sourceos-agent is already running" "a running one is left alone"
out=$("$CTL" agent-machine start --profile dev); rc=$?
is "$rc|$out" "0|profile dev runs native rootless Podman: there is no machine to start" "native: nothing to start"
out=$("$CTL" agent-machine fingerprint --profile mac | jget '[d["podman"]["serverVersion"], d["podman"]["state"]]'); rc=$?
is "$out" '["5.2.1", "running"]' "fingerprint: the machine's server version and state"
done_testing
