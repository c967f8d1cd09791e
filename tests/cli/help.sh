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
abi_minor=$(sed -n 's/^#define SOURCEOS_ABI_MINOR \([0-9]*\)$/\1/p' "$SOS_SRCDIR/include/sourceos/plugin.h")
like "$out" "^sourceos \\(sourceos-agent\\) [0-9]+\\.[0-9]+\\.[0-9]+, plugin ABI 1\\.$abi_minor\$" "--version names version and the header's ABI"

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
like "$rc:$out" "^64:.*human, json, ndjson or prometheus, not 'xml'" "--format xml is refused"
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
out=$("$SOS" explain web 2>&1); rc=$?
like "$rc:$out" "^64:sourceos: no finding code 'web'" "explain of an unknown code is a usage error"
out=$("$SOS_BUILDDIR/sourceosctl" doctor 2>&1); rc=$?
like "$rc:$out" "^64:sourceosctl: unknown command 'doctor'" "sourceosctl has no doctor yet and says so"

# The verb table decides, the same way for the three programs.
out=$("$SOS" docter 2>&1); rc=$?
is "$rc|$out" "64|sourceos: unknown command 'docter' (did you mean 'doctor'?); see 'sourceos help'" "an unknown command names the nearest one"
out=$("$SOS_BUILDDIR/sourceos-agent" docter web 2>&1); rc=$?
is "$rc|$out" "64|sourceos-agent: unknown command 'docter' (did you mean 'doctor'?); see 'sourceos-agent help'" "so does sourceos-agent's"
out=$("$SOS" frobnicate --help 2>&1); rc=$?
like "$rc|$out" "^64\|sourceos: unknown command 'frobnicate'" "--help of an unknown command is a usage error"
out=$("$SOS_BUILDDIR/sourceos-agent" frobnicate --help 2>&1); rc=$?
like "$rc|$out" "^64\|sourceos-agent: unknown command 'frobnicate'" "in sourceos-agent too (it printed the usage and exited 0)"
out=$("$SOS" explain --help 2>&1); rc=$?
like "$rc|$out" "^0\|Usage: sourceos explain \[CODE\]" "explain --help"
for p in sourceos-agent sourceosctl; do
    out=$("$SOS_BUILDDIR/$p" 2>&1 >/dev/null); rc=$?
    like "$rc|$out" "^64\|$p: no command given; see '$p (help|--help)'" "$p without a command: one line on stderr, as sourceos"
done
out=$("$SOS_BUILDDIR/sourceosctl" agent-machine frobnicate 2>&1); rc=$?
like "$rc|$out" "^64\|sourceosctl: usage: sourceosctl agent-machine doctor \| sourceosctl agent-machine init \| .* \| sourceosctl agent-machine evidence extract FILE DIR \(see 'sourceosctl agent-machine --help'\)$" "an unknown agent-machine command: the usage lists what there is"
out=$("$SOS_BUILDDIR/sourceosctl" --help)
like "$out" '^  agent-machine evidence inspect FILE +verify and summarize a bundle' "sourceosctl --help lists agent-machine evidence inspect"
like "$out" '^  agent-machine evidence extract FILE DIR +verify and safely extract a bundle' "and agent-machine evidence extract"
out=$("$SOS" evidence inspect 2>&1); rc=$?
is "$rc|$out" "64|sourceos: usage: sourceos evidence inspect FILE | sourceos evidence extract FILE DIR (see 'sourceos evidence --help')" "evidence inspect without FILE is a usage error"
for c in plugins checks; do
    out=$("$SOS" $c extra 2>&1); rc=$?
    is "$rc|$out" "64|sourceos: usage: sourceos $c (see 'sourceos $c --help')" "$c takes no operand (it ignored them)"
done
out=$("$SOS" plugins --help)
like "$out" '^Usage: sourceos plugins \[--config-dir DIR\] \[--plugin-dir DIR\] \[--format FMT\]$' "plugins' usage names --config-dir, which it reads"
out=$("$SOS" checks --help)
like "$out" '^Usage: sourceos checks \[--root DIR\]' "checks' usage names --root, which it reads"
out=$("$SOS_BUILDDIR/sourceos-agent" --help)
like "$out" '^  help \[COMMAND\]  ' "sourceos-agent --help lists help as sourceos does"
like "$out" '^  quarantine \[NAME\]  ' "and quarantine"
like "$out" '^  release NAME  ' "and release"
like "$out" '^  status NAME  ' "sourceos-agent --help lists status"
out=$("$SOS_BUILDDIR/sourceos-agent" logs --help)
like "$out" '^  -n, --lines N' "logs --help lists -n"
like "$out" '^  -f, --follow' "and -f"
done_testing
