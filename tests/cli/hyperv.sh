#!/bin/sh
# hyperv.vm: the Hyper-V VM of a Podman machine of the hyperv provider, from
# hand-written `Get-VM | ConvertTo-Json` output and PowerShell error texts
# (tests/fixtures/hyperv, see its README: no PowerShell or Hyper-V here)
# replayed by a stand-in `powershell.exe` that records its argv. Host trees
# make the run look like WSL or Windows; the shipped checks.d on a Linux
# tree shows the check skipped by `when:`.
. "$SOS_SRCDIR/tests/lib.sh"
FIX="$FIXTURES/hyperv"
FAKE="$TMP/bin/data"   # beside the stand-in: commands run with a clean environment
mkdir -p "$TMP/bin" "$FAKE"
# The stand-in: logs its argv as [arg][arg]... to data/calls, sleeps
# data/sleep seconds, prints data/out and data/err, exits data/rc.
cat > "$TMP/bin/powershell.exe" <<'SH'
#!/bin/sh
d="${0%/*}/data"
for a in "$@"; do printf '[%s]' "$a"; done >> "$d/calls"
echo >> "$d/calls"
[ -f "$d/sleep" ] && sleep "$(cat "$d/sleep")"
[ -f "$d/out" ] && cat "$d/out"
[ -f "$d/err" ] && cat "$d/err" >&2
exit "$(cat "$d/rc" 2>/dev/null || echo 0)"
SH
chmod +x "$TMP/bin/powershell.exe"

# Host trees: WSL 2 (a Debian tree with a WSL kernel), Windows, Linux.
WSL="$TMP/wsl"; WIN="$TMP/win"; LINUX="$FIXTURES/roots/debian"
cp -R "$FIXTURES/roots/debian" "$WSL"
mkdir -p "$WSL/proc/sys/kernel" "$WIN/Windows/System32"
echo "5.15.153.1-microsoft-standard-WSL2" > "$WSL/proc/sys/kernel/osrelease"

answer() { # answer STDOUT-FILE [RC] [STDERR-FILE]
    rm -f "$FAKE/out" "$FAKE/err" "$FAKE/rc" "$FAKE/sleep"
    [ -n "$1" ] && cp "$1" "$FAKE/out"
    [ -n "$2" ] && echo "$2" > "$FAKE/rc"
    [ -n "$3" ] && cp "$3" "$FAKE/err"
    : > "$FAKE/calls"
}
# vm PARAMS [FACTS] [ROOT]: hyperv.vm as a runtime check, after a behave
# check that publishes FACTS (a YAML list) as podman.machine would.
vm() {
    make_config hv <<YAML
checks:
  - id: host.facts
    plugin: host
    check: facts
    scope: runtime
  - id: podman.machine
    plugin: behave
    check: status
    scope: runtime
    params: {facts: ${2:-[]}}
  - id: hyperv.vm
    plugin: hyperv
    check: vm
    after: [host.facts, podman.machine]
    scope: runtime
    timeout: 20
    when: {os: [windows, wsl]}
    params: {$1}
YAML
    rm -rf "$TMP/plugins"; mkdir -p "$TMP/plugins"
    cp "$BUILD_PLUGINS/host.so" "$BUILD_PLUGINS/hyperv.so" "$TEST_PLUGINS/behave.so" "$TMP/plugins/"
    out=$(PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --json --live --root "${3:-$WSL}" \
          --plugin-dir "$TMP/plugins" --config-dir "$TMP/hv"); rc=$?
}
j() { printf '%s' "$out" | jget "$1"; }
status() { j "find('hyperv.vm')['status']"; }
codes() { j "','.join(f['code'] for f in find('hyperv.vm')['findings'])"; }
fnd() { j "[f for f in find('hyperv.vm')['findings'] if f['code']=='$1'][0]$2"; }
ev() { fnd "$1" "['evidence'].get('$2')"; }
calls() { cat "$FAKE/calls"; }
ARGV="[-NoProfile][-NonInteractive][-Command][Get-VM -Name 'podman-machine-default' | ConvertTo-Json -Depth 1]"
HV='provider: hyperv'

# --- Windows PowerShell 5.1, running: ok, everything as evidence
answer "$FIX/getvm-ps51-running.json"
vm "$HV"
is "$rc" 0 "running VM: exit 0"
is "$(status)" ok "running VM: ok"
is "$(codes)" hyperv.vm-running "one info finding"
is "$(fnd hyperv.vm-running "['severity']")" info "running is info"
is "$(calls)" "$ARGV" "argv: exactly Get-VM -Name 'NAME' | ConvertTo-Json, the name quoted"
unlike "$(calls)" "Start-VM|Stop-VM|Set-VM|Remove-VM|Resume-VM|Add-LocalGroupMember|New-VM" "nothing mutating asked"
is "$(ev hyperv.vm-running state)" 2 "evidence: State as printed"
is "$(ev hyperv.vm-running state_name)" Running "evidence: its name"
is "$(ev hyperv.vm-running status)" "Operating normally" "evidence: Status"
is "$(ev hyperv.vm-running uptime)" 03:25:07 "evidence: Uptime from 5.1's TimeSpan object"
is "$(ev hyperv.vm-running generation)" 2 "evidence: Generation"
is "$(ev hyperv.vm-running memory_assigned)" 2147483648 "evidence: MemoryAssigned"
is "$(ev hyperv.vm-running vm_name)" podman-machine-default "evidence: VM name"
is "$(ev hyperv.vm-running pipe)" '\\.\pipe\podman-machine-default' "evidence: the pipe, derived"
is "$(ev hyperv.vm-running pipe_source)" "derived from the machine name" "evidence: where the pipe came from"
is "$(ev hyperv.vm-running machine_source)" default "machine: the default"
is "$(j "find('hyperv.vm')['facts']['hyperv.vm.state']")" Running "fact hyperv.vm.state"
is "$(j "find('hyperv.vm')['commands'][0]['argv'][0]")" powershell.exe "the run is recorded"

# --- PowerShell 7 (State by name), a UTF-8 BOM, UTF-16LE through interop
answer "$FIX/getvm-ps7-running.json"; vm "$HV"
is "$(status)/$(ev hyperv.vm-running state)" ok/Running "PowerShell 7: State as a name"
answer "$FIX/getvm-ps51-bom.json"; vm "$HV"
is "$(status)" ok "a UTF-8 BOM is read"
answer "$FIX/getvm-ps51-utf16le.json"; vm "$HV"
is "$(status)/$(ev hyperv.vm-running state_name)" ok/Running "UTF-16LE output is read"

# --- off: the machine cannot serve; start it
answer "$FIX/getvm-ps51-off.json"; vm "$HV"
is "$rc" 2 "off: exit 2"
is "$(status)" failure "off: failure"
is "$(codes)" hyperv.vm-not-running "off: not running"
like "$(fnd hyperv.vm-not-running "['message']")" "Off \(state 3\)" "says Off and the number"
is "$(fnd hyperv.vm-not-running "['commands'][0]")" "podman machine start podman-machine-default" "start command"
is "$(calls)" "$ARGV" "and only Get-VM was run"

# --- starting (PowerShell 7): a warning, no command
answer "$FIX/getvm-ps7-starting.json"; vm "$HV"
is "$rc/$(status)/$(codes)" 1/warning/hyperv.vm-starting "starting: warning"

# --- saved, in an array of two VMs: the one with the name is judged
answer "$FIX/getvm-ps51-two.json"; vm "$HV"
is "$(codes)" hyperv.vm-not-running "two VMs: the machine's (Saved), not the first (Running)"
is "$(ev hyperv.vm-not-running state_name)" Saved "state Saved"
# Two with the same name (Hyper-V allows it): ambiguous as well.
sed 's/"windows-dev"/"podman-machine-default"/' "$FIX/getvm-ps51-two.json" > "$TMP/dup.json"
answer "$TMP/dup.json"; vm "$HV"
is "$(codes)" hyperv.vm-ambiguous,hyperv.vm-running "same name twice: ambiguous, first exact match judged"

# --- a critical state, and one not in the enum
sed 's/"State":  2,/"State":  32786,/' "$FIX/getvm-ps51-running.json" > "$TMP/crit.json"
answer "$TMP/crit.json"; vm "$HV"
is "$(status)/$(codes)" failure/hyperv.vm-critical "OffCritical: storage lost"
sed 's/"State":  2,/"State":  777,/' "$FIX/getvm-ps51-running.json" > "$TMP/odd.json"
answer "$TMP/odd.json"; vm "$HV"
is "$(status)/$(codes)" warning/hyperv.vm-state-unknown "state 777: unknown, a warning"
is "$(ev hyperv.vm-state-unknown state)" 777 "the number is shown"

# --- the machine from podman.machine's facts, with its pipe
sed 's/podman-machine-default/dev-1/g' "$FIX/getvm-ps51-running.json" > "$TMP/dev1.json"
answer "$TMP/dev1.json"
vm "" '["podman.machine.vmtype=hyperv", "podman.machine.name=dev-1", '"'"'podman.machine.pipe=\\.\pipe\podman-dev-1'"'"']'
is "$(status)" ok "facts: vmtype hyperv applies"
is "$(calls)" "[-NoProfile][-NonInteractive][-Command][Get-VM -Name 'dev-1' | ConvertTo-Json -Depth 1]" "facts: the machine's name asked"
is "$(ev hyperv.vm-running machine_source)" "fact podman.machine.name" "machine from the fact"
is "$(ev hyperv.vm-running pipe)" '\\.\pipe\podman-dev-1' "pipe from the fact"
# param machine wins over the fact
answer "$FIX/getvm-ps51-running.json"
vm "machine: podman-machine-default" '["podman.machine.vmtype=hyperv", "podman.machine.name=dev-1"]'
is "$(calls)" "$ARGV" "param machine over the fact"
is "$(ev hyperv.vm-running machine_source)" "param machine" "and says so"

# --- not a Hyper-V machine: skipped, saying why, PowerShell never run
answer "$FIX/getvm-ps51-running.json"
vm "" '["podman.machine.vmtype=wsl", "podman.machine.name=podman-machine-default"]'
is "$(status)" skipped "vmtype wsl: skipped"
is "$(codes)" hyperv.not-hyperv "skipped with a finding"
like "$(fnd hyperv.not-hyperv "['message']")" "uses wsl, not hyperv" "says which provider"
is "$(calls)" "" "and PowerShell was not run"
vm ""
is "$(status)" skipped "no facts, no provider param: skipped"
like "$(fnd hyperv.not-hyperv "['message']")" "no Podman machine of the hyperv provider" "says nothing is known"
vm "provider: wsl" '["podman.machine.vmtype=hyperv"]'
like "$(status) $(fnd hyperv.not-hyperv "['message']")" "skipped .*provider. is wsl" "param provider overrides the fact"
is "$(calls)" "" "still not run"

# --- PowerShell's errors (5.1 and 7)
answer "" 1 "$FIX/err-ps51-not-found.txt"; vm "$HV"
is "$rc/$(status)/$(codes)" 2/failure/hyperv.vm-missing "VM not found: missing"
is "$(fnd hyperv.vm-missing "['commands'][0]")" "podman machine init podman-machine-default" "init command"
like "$(ev hyperv.vm-missing stderr)" "unable to find a virtual machine with name" "stderr as evidence"
is "$(ev hyperv.vm-missing exit_status)" 1 "exit status as evidence"
answer "" 1 "$FIX/err-ps7-not-found.txt"; vm "$HV"
is "$(codes)" hyperv.vm-missing "PowerShell 7's concise error: missing"
answer "" 1 "$FIX/err-ps51-permission.txt"; vm "$HV"
is "$rc/$(status)/$(codes)" 2/failure/hyperv.permission-denied "not in Hyper-V Administrators"
is "$(fnd hyperv.permission-denied "['commands'][0]")" \
   'Add-LocalGroupMember -Group "Hyper-V Administrators" -Member $env:USERNAME' "join the group"
like "$(fnd hyperv.permission-denied "['remediation']")" "log out and in again" "then log out and in"
like "$(fnd hyperv.permission-denied "['remediation']")" "S-1-5-32-578" "the group's SID for other languages"
answer "" 1 "$FIX/err-ps7-permission.txt"; vm "$HV"
is "$(codes)" hyperv.permission-denied "PowerShell 7's permission error"
iconv -f UTF-8 -t UTF-16LE "$FIX/err-ps51-permission.txt" > "$TMP/perm16.txt"
answer "" 1 "$TMP/perm16.txt"; vm "$HV"
is "$(codes)" hyperv.permission-denied "the same error in UTF-16LE through interop"
answer "" 1 "$FIX/err-ps51-not-recognized.txt"; vm "$HV"
is "$(status)/$(codes)" failure/hyperv.unavailable "Get-VM not recognized: Hyper-V unavailable"
like "$(fnd hyperv.unavailable "['commands'][0]")" "Enable-WindowsOptionalFeature" "how to enable it"
answer "" 1 "$FIX/err-ps51-vmms.txt"; vm "$HV"
is "$(codes)" hyperv.unavailable "vmms not running: unavailable"
is "$(fnd hyperv.unavailable "['commands'][0]")" "Start-Service vmms" "start the service"
printf 'Get-VM : Generic failure\r\n' > "$TMP/other.txt"
answer "" 1 "$TMP/other.txt"; vm "$HV"
is "$rc/$(status)/$(codes)" 3/error/hyperv.powershell-failed "another error: the check errors"
like "$(fnd hyperv.powershell-failed "['message']")" "exit status 1\): Get-VM : Generic failure" "with the error's first line"

# --- output that is not a VM
answer ""; vm "$HV"
is "$(status)/$(codes)" error/hyperv.output-unparsable "no output and no error: unparsable"
like "$(fnd hyperv.output-unparsable "['message']")" "no output, no error" "says so"
printf 'this is not JSON\r\n' > "$TMP/garbage.txt"
answer "$TMP/garbage.txt"; vm "$HV"
is "$rc/$(status)/$(codes)" 3/error/hyperv.output-unparsable "not JSON: unparsable, error"
is "$(fnd hyperv.output-unparsable "['evidence']['line']")/$(fnd hyperv.output-unparsable "['evidence']['column']")" 1/4 \
   "where: line 1, column 4 (the token 'this')"
like "$(fnd hyperv.output-unparsable "['message']")" "not JSON \\(or cut short\\): line 1, column 4: invalid token" "the message says where"
head -c 700 "$FIX/getvm-ps51-running.json" > "$TMP/cut.json"
answer "$TMP/cut.json"; vm "$HV"
is "$(codes)" hyperv.output-unparsable "truncated JSON: unparsable"
head -c 1001 "$FIX/getvm-ps51-utf16le.json" > "$TMP/odd16.json"
answer "$TMP/odd16.json"; vm "$HV"
like "$(fnd hyperv.output-unparsable "['message']")" "odd number of bytes" "UTF-16 cut at an odd byte"
printf '{"Name": "someone-else", "State": 2}' > "$TMP/other-vm.json"
answer "$TMP/other-vm.json"; vm "$HV"
like "$(fnd hyperv.output-unparsable "['message']")" "none named 'podman-machine-default'" "another VM's answer is not this one's"
head -c 400000 /dev/zero | tr '\0' ' ' > "$TMP/big.txt"
answer "$TMP/big.txt"; vm "$HV"
like "$(fnd hyperv.output-unparsable "['message']")" "400000 bytes of output" "large output: refused, bounded"
head -c 3000000 /dev/zero | tr '\0' ' ' > "$TMP/huge.txt"
answer "$TMP/huge.txt"; vm "$HV"
like "$(fnd hyperv.output-unparsable "['message']")" "cut at the capture bound" "huge output: cut by the core, refused"

# --- PowerShell missing (WSL without interop), hung
answer "$FIX/getvm-ps51-running.json"
vm "$HV, powershell: sos-no-such-powershell.exe"
is "$rc/$(status)/$(codes)" 3/error/hyperv.powershell-missing "no powershell.exe: error"
like "$(fnd hyperv.powershell-missing "['remediation']")" "interop" "on WSL: the interop remediation"
answer "$FIX/getvm-ps51-running.json"
vm "$HV, powershell: sos-no-such-powershell.exe" "[]" "$WIN"
unlike "$(fnd hyperv.powershell-missing "['remediation']")" "interop" "on Windows: no talk of interop"
answer "$FIX/getvm-ps51-running.json"
echo 30 > "$FAKE/sleep"
start=$(date +%s)
vm "$HV, timeout_ms: 1000"
took=$(( $(date +%s) - start ))
is "$(status)/$(codes)" error/hyperv.powershell-timeout "hung PowerShell: timeout, error"
is "$(( took < 10 ))" 1 "bounded by timeout_ms, not the 30 s sleep (${took}s)"

# --- names that must never reach PowerShell
for bad in "x'; Start-VM -Name 'y" '$(evil)' '-x' 'a b' 'x*'; do
    answer "$FIX/getvm-ps51-running.json"
    vm "$HV, machine: \"$bad\""
    is "$(status)/$(codes)" error/hyperv.params "machine '$bad' refused"
    is "$(calls)" "" "and PowerShell was not run"
done
answer "$FIX/getvm-ps51-running.json"
vm "" "[\"podman.machine.vmtype=hyperv\", \"podman.machine.name=x';Stop-VM\"]"
is "$(codes)" hyperv.params "a bad name from the fact is refused too"
like "$(fnd hyperv.params "['message']")" "from fact podman.machine.name" "naming where it came from"

# --- Windows itself
answer "$FIX/getvm-ps51-running.json"; vm "$HV" "[]" "$WIN"
is "$(status)" ok "a Windows host runs it"

# --- the shipped checks.d: on Linux skipped by `when:`, with the reason
# A podman that fails, so the shipped podman checks stop at podman.binary.
printf '#!/bin/sh\necho "Error: a stand-in, not podman" >&2\nexit 125\n' > "$TMP/bin/podman"
chmod +x "$TMP/bin/podman"
mkdir -p "$TMP/shipped"
cp -R "$SOS_SRCDIR/checks.d" "$TMP/shipped/checks.d"
answer "$FIX/getvm-ps51-running.json"
out=$(PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --json --live --root "$LINUX" \
      --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/shipped"); rc=$?
is "$(status)" skipped "shipped hyperv.vm on Linux: skipped"
is "$(j "find('hyperv.vm')['reason']")" "applies only to windows,wsl; this host is linux" "with the reason"
is "$(calls)" "" "PowerShell not run on Linux"
# On WSL it runs; podman is absent here, so the machine's provider is unknown.
out=$(PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --json --live --root "$WSL" \
      --plugin-dir "$BUILD_PLUGINS" --config-dir "$TMP/shipped"); rc=$?
is "$(status)" skipped "shipped hyperv.vm on WSL without a hyperv machine: skipped"
like "$(fnd hyperv.not-hyperv "['message']")" "no Podman machine of the hyperv provider" "by the check, saying why"
done_testing
