#!/bin/sh
# --help, --version and usage errors of every command group.
. "$SOS_SRCDIR/tests/lib.sh"


out=$("$SOS" --help); rc=$?
is "$rc" 0 "sourceos --help exits 0"
like "$out" 'doctor local-runtime' "help lists doctor local-runtime"
like "$out" '^  plugins' "help lists plugins"
like "$out" '^  checks' "help lists checks"
unlike "$out" 'preflight|quarantine|agent-machine' "help lists only commands that exist"
like "$out" '--plugin-dir DIR' "help lists the global options"

for c in "doctor" "doctor local-runtime" "plugins" "checks"; do
    out=$("$SOS" $c --help); rc=$?
    like "$rc:$out" "^0:Usage: sourceos $(echo $c | cut -d' ' -f1)" "sourceos $c --help"
done

out=$("$SOS" --version)
like "$out" '^sourceos \(sourceos-agent\) [0-9]+\.[0-9]+\.[0-9]+, plugin ABI 1\.3$' "--version names version and ABI"

out=$("$SOS" frobnicate 2>&1); rc=$?
is "$rc" 64 "unknown command exits 64"
like "$out" "unknown command 'frobnicate'" "unknown command is named"
out=$("$SOS" 2>&1); rc=$?
is "$rc" 64 "no command exits 64"
out=$("$SOS" --bogus doctor local-runtime 2>&1); rc=$?
is "$rc" 64 "unknown option exits 64"
out=$("$SOS" -j 0 doctor local-runtime 2>&1); rc=$?
like "$rc:$out" "^64:.*option '-j' needs a number of parallel checks" "-j 0 is a usage error that says why"
out=$("$SOS" --format xml doctor local-runtime 2>&1); rc=$?
like "$rc:$out" "^64:.*human, json or ndjson, not 'xml'" "--format xml is refused"
out=$("$SOS" --timeout soon doctor local-runtime 2>&1); rc=$?
is "$rc" 64 "--timeout soon is refused"
out=$("$SOS" doctor remote 2>&1); rc=$?
is "$rc" 64 "doctor with another target is a usage error"

out=$("$SOS_BUILDDIR/sourceos-agent" --help); rc=$?
like "$rc:$out" '^0:Usage: sourceos-agent' "sourceos-agent --help (argv[0] picks the group)"
out=$("$SOS_BUILDDIR/sourceos-agent" --help)
like "$out" '^  doctor NAME' "sourceos-agent --help lists doctor NAME"
out=$("$SOS_BUILDDIR/sourceos-agent" doctor --help); rc=$?
like "$rc:$out" '^0:Usage: sourceos-agent doctor NAME' "sourceos-agent doctor --help"
like "$out" 'agents\.d/NAME\.yaml' "which says where the declaration is"
out=$("$SOS_BUILDDIR/sourceos-agent" doctor 2>&1); rc=$?
like "$rc:$out" '^64:.*usage: sourceos-agent doctor NAME' "doctor without NAME is a usage error"
out=$("$SOS_BUILDDIR/sourceos-agent" status web 2>&1); rc=$?
like "$rc:$out" "^64:.*'status' is not in this release" "a lifecycle command not built yet says so"
out=$("$SOS_BUILDDIR/sourceosctl" doctor 2>&1); rc=$?
like "$rc:$out" "^64:sourceosctl: unknown command 'doctor'" "sourceosctl has no doctor yet and says so"
done_testing
