#!/bin/sh
# The wsl2 checks. wsl.exe cannot run here: a stand-in on PATH replays
# fixtures written to its documented encoding (UTF-16LE, no BOM, CRLF; or
# UTF-8 when WSL_UTF8=1 is honoured) byte for byte and records its argv. The
# inside of a WSL distro is a --root tree: osrelease, binfmt_misc entries,
# /etc/wsl.conf variants, Docker Desktop's helpers under /mnt/c.
. "$SOS_SRCDIR/tests/lib.sh"
FIX="$FIXTURES/wsl2"
FAKE="$TMP/bin/data"   # beside the stand-in: commands run with a clean environment
T="$TMP/root"
mkdir -p "$FAKE"
# The stand-in: for `-l ...` prints data/list.out and data/list.err, exits
# data/list.rc, sleeps data/list.sleep first; for `--status` the same with
# status.*. Logs its argv and WSL_UTF8 to data/calls.
cat > "$TMP/bin/wsl.exe" <<'SH'
#!/bin/sh
d="${0%/*}/data"
echo "$* WSL_UTF8=${WSL_UTF8:-unset}" >> "$d/calls"
case "$1" in -l|--list) k=list ;; --status) k=status ;; *) k=other ;; esac
[ -f "$d/$k.sleep" ] && sleep "$(cat "$d/$k.sleep")"
[ -f "$d/$k.out" ] && cat "$d/$k.out"
[ -f "$d/$k.err" ] && cat "$d/$k.err" >&2
exit "$(cat "$d/$k.rc" 2>/dev/null || echo 0)"
SH
chmod +x "$TMP/bin/wsl.exe"
WINBIN="/mnt/c/Program Files/Docker/Docker/resources/bin"
WINPATH="$TMP/bin:/usr/bin:/bin:$WINBIN:/mnt/c/Windows/System32"

fresh_root() { rm -rf "$T"; cp -R "$FIX/root-wsl2" "$T"; }
answer() { # answer LIST-FIXTURE [RC] [STATUS-FIXTURE]
    rm -f "$FAKE"/*
    [ -n "$1" ] && cp "$1" "$FAKE/list.out"
    [ -n "${2:-}" ] && echo "$2" > "$FAKE/list.rc"
    cp "${3:-$FIX/status.utf16}" "$FAKE/status.out"
    : > "$FAKE/calls"
}
config() { # config DISTRO-PARAMS (YAML map body)
    make_config wsl <<YAML
checks:
  - {id: host.facts, plugin: host, check: facts, scope: runtime}
  - {id: registry.auth-files, plugin: registry-auth, check: auth-files, scope: runtime}
  - {id: registry.cred-helpers, plugin: registry-auth, check: cred-helpers, after: [registry.auth-files], scope: runtime}
  - {id: wsl2.inside, plugin: wsl2, check: inside, after: [host.facts], scope: runtime, when: {os: [wsl]}}
  - {id: wsl2.interop, plugin: wsl2, check: interop, after: [registry.cred-helpers, wsl2.inside], scope: runtime, when: {os: [wsl]}}
  - {id: wsl2.distro, plugin: wsl2, check: distro, after: [host.facts], scope: runtime, timeout: 20, when: {os: [windows, wsl]}, params: {${1:-timeout_ms: 5000}}}
YAML
}
run() { # run [PATH]: the doctor on the WSL tree
    out=$(HOME=/home/alice PATH="${1:-$WINPATH}" "$SOS" doctor local-runtime --json \
          --live --root "$T" --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/wsl"); rc=$?
}
j() { printf '%s' "$out" | jget "$1"; }
status() { j "find('$1')['status']"; }
codes() { j "','.join(f['code'] for f in find('$1')['findings'])"; }
fnd() { j "[f for c in d['checks'] for f in c['findings'] if f['code']=='$1'][0]$2"; }
ev() { fnd "$1" "['evidence'].get('$2')"; }
fact() { j "find('$1')['facts'].get('$2')"; }

fresh_root
config

# --- wsl2.distro: the reference capture (UTF-16LE, no BOM): machine stopped
answer "$FIX/wsl-l-v.utf16"
run
is "$(status wsl2.distro)" warning "reference capture: the machine's distro is stopped"
is "$(codes wsl2.distro)" wsl2.machine-stopped "stopped, one finding"
like "$(fnd wsl2.machine-stopped "['commands']")" "podman machine start" "remediation: podman machine start"
is "$(ev wsl2.machine-stopped encoding)" UTF-16LE "decoded as UTF-16LE"
is "$(ev wsl2.machine-stopped distros)" "*Ubuntu-22.04,podman-machine-default" "every distro listed, default marked"
is "$(ev wsl2.machine-stopped default_distribution)" Ubuntu-22.04 "--status: default distribution as evidence"
is "$(ev wsl2.machine-stopped default_version)" 2 "--status: default version as evidence"
is "$(cat "$FAKE/calls")" "-l -v WSL_UTF8=1
--status WSL_UTF8=1" "argv: -l -v then --status, with WSL_UTF8=1; nothing else asked"

# --- running, in each encoding
for f in l-v-running.utf16 l-v-running-bom.utf16 l-v-running.utf8 l-v-running-bom.utf8; do
    answer "$FIX/$f"
    run
    is "$(status wsl2.distro)/$(codes wsl2.distro)" ok/wsl2.machine-running "$f: running, ok"
done
is "$(ev wsl2.machine-running encoding)" "UTF-8 with a BOM" "the last one was read as UTF-8 with a BOM"
is "$(fact wsl2.distro wsl.machine_state)" Running "fact wsl.machine_state"
is "$(fact wsl2.distro wsl.machine_version)" 2 "fact wsl.machine_version"

# --- version 1, missing, none installed, another machine, localized state
answer "$FIX/l-v-wsl1.utf16"
run
is "$rc" 2 "WSL 1 machine: exit 2"
is "$(codes wsl2.distro)" wsl2.machine-wsl1,wsl2.machine-running "WSL 1: failure finding (and its state)"
like "$(fnd wsl2.machine-wsl1 "['commands']")" "wsl.exe --set-version podman-machine-default 2" "remediation: --set-version NAME 2"
answer "$FIX/l-v-missing.utf16"
run
is "$(status wsl2.distro)/$(codes wsl2.distro)" failure/wsl2.machine-missing "no machine distro: failure"
like "$(fnd wsl2.machine-missing "['commands']")" '"podman machine init"' "remediation: podman machine init"
is "$(fact wsl2.distro wsl.machine_state)" missing "fact wsl.machine_state missing"
answer "$FIX/l-v-none.utf16" 255
run
is "$(status wsl2.distro)/$(codes wsl2.distro)" failure/wsl2.machine-missing "no distributions at all (rc 255): missing, not an error"
like "$(ev wsl2.machine-missing wsl_message)" "has no installed distributions" "wsl.exe's message as evidence"
config 'machine: work, timeout_ms: 5000'
answer "$FIX/l-v-other-machine.utf16"
run
is "$(ev wsl2.machine-stopped distro)" podman-work "machine 'work' lives in distro podman-work"
like "$(fnd wsl2.machine-stopped "['commands']")" "podman machine start work" "start command names the machine"
config
answer "$FIX/l-v-localized.utf16"
run
is "$(status wsl2.distro)/$(codes wsl2.distro)" warning/wsl2.machine-state-other "a localized state is neither Running nor Stopped"
is "$(ev wsl2.machine-state-other state)" "Wird ausgeführt" "the localized state, decoded, as evidence"

# --- hostile output and a failing, missing or hung wsl.exe: the check errors
answer "$FIX/l-v-odd.bin"
run
is "$rc" 3 "odd byte count: exit 3"
is "$(status wsl2.distro)/$(codes wsl2.distro)" error/wsl2.output-undecodable "odd byte count: undecodable"
like "$(fnd wsl2.output-undecodable "['message']")" "odd number of bytes" "says why"
answer "$FIX/l-v-lone-surrogate.bin"
run
like "$(fnd wsl2.output-undecodable "['message']")" "surrogate" "a cut surrogate pair: undecodable"
answer "$FIX/l-v-garbage.utf16"
run
is "$(status wsl2.distro)/$(codes wsl2.distro)" error/wsl2.output-unparsed "text without a table: unparsed"
answer "$FIX/l-v-garbage.utf16" 1
run
is "$(codes wsl2.distro)" wsl2.wsl-failed "the same with exit status 1: wsl.exe failed"
like "$(fnd wsl2.wsl-failed "['message']")" "exit status 1.*not a table at all" "its first line in the message"
answer "" 1
printf 'E\0r\0r\0o\0r\0 \0\r\0\n\0' > "$FAKE/list.err"
run
like "$(fnd wsl2.wsl-failed "['message']")" "Error" "stderr in UTF-16 decoded when stdout is empty"
dd if=/dev/zero bs=1024 count=1100 2>/dev/null | tr '\0' ' ' > "$TMP/huge"
answer "$TMP/huge"
run
is "$(status wsl2.distro)/$(codes wsl2.distro)" error/wsl2.output-undecodable "over the capture bound: error"
config 'wsl: /nonexistent/wsl.exe'
answer "$FIX/l-v-running.utf16"
run
is "$(status wsl2.distro)/$(codes wsl2.distro)" error/wsl2.wsl-missing "no wsl.exe: error"
config 'timeout_ms: 1000'
answer "$FIX/l-v-running.utf16"
echo 5 > "$FAKE/list.sleep"
start=$(date +%s)
run
is "$(codes wsl2.distro)" wsl2.wsl-timeout "hung wsl.exe: timeout finding"
ok $(( $(date +%s) - start >= 10 )) "killed at its timeout (< 10 s)"
config
answer "$FIX/l-v-running.utf16" "" "$FIX/status-unknown-option.utf16"
run
is "$(codes wsl2.distro)" wsl2.status-unavailable,wsl2.machine-running "no --status: noted, the list still judged"
config 'machine: "x; rm -rf /"'
answer "$FIX/l-v-running.utf16"
run
is "$(status wsl2.distro)/$(codes wsl2.distro)" error/wsl2.params "a machine name with ; and spaces is refused"
is "$(cat "$FAKE/calls")" "" "and wsl.exe is not run"
config 'machine: "../etc"'
run
is "$(codes wsl2.distro)" wsl2.params "a name with ../ is refused"

# --- wsl2.inside on the WSL tree: WSL 2, interop on, systemd on
config
answer "$FIX/l-v-running.utf16"
run
is "$(status wsl2.inside)" ok "inside: WSL 2 with systemd and interop: ok"
is "$(codes wsl2.inside)" wsl2.distro-name-unset,wsl2.inside,wsl2.windows-path "inside: infos only"
is "$(fact wsl2.inside wsl.version)/$(fact wsl2.inside wsl.interop)/$(fact wsl2.inside wsl.systemd)/$(fact wsl2.inside wsl.append_windows_path)" \
    2/enabled/true/true "facts: version, interop, systemd, Windows PATH"
like "$(fnd wsl2.windows-path "['message']")" "WSL's default" "appendWindowsPath: the default named"
out2=$(HOME=/home/alice WSL_DISTRO_NAME=Ubuntu PATH="$WINPATH" "$SOS" doctor local-runtime --json \
       --live --root "$T" --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/wsl")
is "$(printf '%s' "$out2" | jget "find('wsl2.inside')['facts'].get('wsl.distro')")" Ubuntu "WSL_DISTRO_NAME read: fact wsl.distro"

cp "$FIX/wsl.conf-off" "$T/etc/wsl.conf"
rm "$T/proc/sys/fs/binfmt_misc/WSLInterop"
run
is "$(status wsl2.inside)" warning "systemd off: warning"
is "$(codes wsl2.inside)" wsl2.distro-name-unset,wsl2.inside,wsl2.interop-off,wsl2.systemd-off "interop off by choice (info), systemd off"
like "$(fnd wsl2.systemd-off "['message']")" "/etc/wsl.conf:2.*System has not been booted with systemd" "says where, and what systemctl will say"
like "$(fnd wsl2.interop-off "['message']")" "/etc/wsl.conf:5" "interop off: the line"
is "$(fact wsl2.inside wsl.append_windows_path)" false "appendWindowsPath=false read (with its comment)"

# Not allowed to read: a root-only wsl.conf and a root-only 0700 binfmt_misc
# are permission denied, a warning; no claim about what they say.
fresh_root
cp "$FIX/wsl.conf-off" "$T/etc/wsl.conf"
chmod 600 "$T/etc/wsl.conf"
chmod 700 "$T/proc/sys/fs/binfmt_misc"
chmod 755 "$TMP" "$TMP/bin"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    other_user_build
    out=$(setpriv --reuid=12345 --regid=12345 --clear-groups env HOME=/home/alice PATH="$WINPATH" \
          "$OTHER_SOS" doctor local-runtime --json --live --root "$T" --plugin-dir "$OTHER_PLUGINS" \
          --config-dir "$TMP/wsl"); rc=$?
    is "$(status wsl2.inside)" warning "as uid 12345: wsl2.inside is a warning, not ok"
    is "$(j "[f['message'] for f in find('wsl2.inside')['findings'] if f['code']=='wsl2.permission-denied']")" \
       '["cannot read /proc/sys/fs/binfmt_misc/WSLInterop (permission denied): run as root to see it", "cannot read /etc/wsl.conf (permission denied): run as root to see it"]' \
       "the binfmt entry and wsl.conf: permission denied"
    is "$(codes wsl2.inside | tr , '\n' | grep -Ec 'conf-unreadable|interop-absent|systemd-off|windows-path|interop-off')" 0 \
       "no claim about unreadable files (not unreadable, not absent, not WSL's defaults)"
    is "$(fact wsl2.inside wsl.interop)" "unknown (permission denied)" "fact wsl.interop: unknown"
else
    is "$(id -u)" 0 "the permission test runs as root (to drop to uid 12345)"
fi
chmod 700 "$TMP"; chmod -R u+rwX "$T"
fresh_root
rm "$T/proc/sys/fs/binfmt_misc/WSLInterop"

cp "$FIX/wsl.conf-bad" "$T/etc/wsl.conf"
run
is "$(j "[f['message'].split(':')[1] for f in find('wsl2.inside')['findings'] if f['code']=='wsl2.conf-syntax']")" '["2", "3", "5"]' "bad wsl.conf: lines 2, 3, 5"
is "$(fact wsl2.inside wsl.systemd)" false "systemd=yes is not a boolean: default kept"
like "$(codes wsl2.inside)" "wsl2.interop-absent" "no binfmt entry, interop not off: absent"

fresh_root
printf 'disabled\ninterpreter /init\n' > "$T/proc/sys/fs/binfmt_misc/WSLInterop"
run
like "$(codes wsl2.inside)" wsl2.interop-disabled "binfmt entry disabled: noted"
like "$(fnd wsl2.interop-disabled "['commands']")" "echo 1 \\| sudo tee -- /proc/sys/fs/binfmt_misc/WSLInterop > /dev/null" "command to enable it"
rm "$T/proc/sys/fs/binfmt_misc/WSLInterop"
run
like "$(fnd wsl2.interop-absent "['message']")" "systemd-binfmt" "absent with systemd on: names systemd-binfmt"
is "$(fact wsl2.inside wsl.interop)" absent "fact wsl.interop absent"

fresh_root
echo "4.4.0-19041-Microsoft" > "$T/proc/sys/kernel/osrelease"
out=$(HOME=/home/alice WSL_DISTRO_NAME=Ubuntu PATH="$WINPATH" "$SOS" doctor local-runtime --json \
      --live --root "$T" --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/wsl")
is "$(status wsl2.inside)" failure "WSL 1: failure"
like "$(fnd wsl2.wsl1 "['commands']")" "wsl.exe --set-version Ubuntu 2" "remediation names the distro"

# --- wsl2.interop: Docker Desktop's helpers through the Windows PATH
fresh_root
run
is "$(status wsl2.interop)" warning "Windows helpers configured: warning"
is "$(codes wsl2.interop)" wsl2.windows-cred-helper,wsl2.windows-creds-store,wsl2.windows-helper-on-path,wsl2.interop-helpers "credHelpers, credsStore, and the unconfigured wincred"
is "$(ev wsl2.windows-cred-helper state)" windows-interop "registry-auth's state is used"
like "$(fnd wsl2.windows-cred-helper "['message']")" "credHelpers for ghcr.io\)" "the registry it serves"
is "$(ev wsl2.windows-cred-helper windows_dir)" "$WINBIN" "where on the PATH it lives"
like "$(fnd wsl2.windows-cred-helper "['remediation']")" "pass or secretservice.*appendWindowsPath=false.*empty auth file" "WSL-specific remediation"
like "$(fnd wsl2.windows-cred-helper "['commands']")" "appendWindowsPath=false.*wsl.exe --shutdown" "commands: wsl.conf, then --shutdown"
is "$(fnd wsl2.windows-helper-on-path "['path']")" "$WINBIN/docker-credential-wincred.exe" "the reachable, unconfigured helper's path"
is "$(ev wsl2.interop-helpers interop)" enabled "wsl2.inside's facts as evidence"
run "$TMP/bin:/usr/bin:/bin"
is "$(codes wsl2.interop)" wsl2.windows-cred-helper,wsl2.windows-creds-store,wsl2.interop-helpers "no Windows PATH: the .exe names still flagged, nothing found on PATH"
like "$(fnd wsl2.windows-cred-helper "['message']")" "not on the Linux PATH now" "and the helper is said to be unreachable"
printf '{"auths": {}}' > "$T/home/alice/.docker/config.json"
run "$TMP/bin:/usr/bin:/bin"
is "$(status wsl2.interop)/$(codes wsl2.interop)" ok/wsl2.interop-helpers "nothing configured, no Windows PATH: ok"

# --- the shipped checks.d: skipped with the reason off WSL, run on it
mkdir -p "$TMP/shipped"
cp -R "$SOS_SRCDIR/checks.d" "$TMP/shipped/checks.d"
out=$(PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --json --live --root "$FIXTURES/roots/debian" \
      --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/shipped")
for id in wsl2.inside wsl2.interop wsl2.distro; do
    is "$(status $id)" skipped "plain Linux: $id skipped"
done
is "$(j "find('wsl2.inside')['reason']")" "applies only to wsl; this host is linux" "the when: reason"
is "$(j "find('wsl2.distro')['reason']")" "applies only to windows,wsl; this host is linux" "wsl2.distro: Windows and WSL"
answer "$FIX/l-v-running.utf16"
out=$(HOME=/home/alice PATH="$WINPATH" "$SOS" doctor local-runtime --json --live --root "$T" \
      --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/shipped")
is "$(status wsl2.inside)" ok "WSL tree, shipped checks.d: wsl2.inside runs"
unlike "$(status wsl2.interop)" skipped "wsl2.interop runs"
unlike "$(status wsl2.distro)" skipped "wsl2.distro runs"
done_testing
