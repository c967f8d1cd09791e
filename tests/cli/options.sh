#!/bin/sh
# Option errors name the option as it was typed and what it needs, in one
# line, exit 64; `help [COMMAND]`; no option is accepted and then ignored.
. "$SOS_SRCDIR/tests/lib.sh"
AGENT="$SOS_BUILDDIR/sourceos-agent"
make_config cfg <<'YAML'
checks:
  - {id: t.a, plugin: behave, check: status}
YAML

# "RC|STDERR" of sourceos ARGS..., nothing run (a usage error comes first).
usage() { err=$("$SOS" "$@" 2>&1 >/dev/null); echo "$?|$err"; }
is "$(usage doctor local-runtime --root)" "64|sourceos: option '--root' needs a value: a directory (the root of a copied tree)" "a missing value names the option (not '-\\0')"
is "$(usage doctor local-runtime --config-dir)" "64|sourceos: option '--config-dir' needs a value: a directory holding checks.d/" "--config-dir without a value"
is "$(usage doctor local-runtime --format)" "64|sourceos: option '--format' needs a value: human, json, ndjson or prometheus" "--format without a value"
is "$(usage doctor local-runtime -j)" "64|sourceos: option '-j' needs a value: a number of parallel checks from 1 to 256" "-j without a value"
is "$(usage doctor local-runtime --jobs)" "64|sourceos: option '--jobs' needs a value: a number of parallel checks from 1 to 256" "--jobs without a value is --jobs, not -j"
is "$(usage --jobs 0 doctor local-runtime)" "64|sourceos: option '--jobs' needs a number of parallel checks from 1 to 256, not '0'" "--jobs 0 names --jobs"
is "$(usage --jobs=300 doctor local-runtime)" "64|sourceos: option '--jobs' needs a number of parallel checks from 1 to 256, not '300'" "--jobs=300"
is "$(usage -j2x doctor local-runtime)" "64|sourceos: option '-j' needs a number of parallel checks from 1 to 256, not '2x'" "-j2x"
is "$(usage --format=jsn doctor local-runtime)" "64|sourceos: option '--format' needs human, json, ndjson or prometheus, not 'jsn'" "--format=jsn"
is "$(usage --timeout=-1 doctor local-runtime)" "64|sourceos: option '--timeout' needs seconds, more than 0 and at most 86400, not '-1'" "--timeout=-1"
is "$(usage --json=1 doctor local-runtime)" "64|sourceos: option '--json' takes no value; see 'sourceos --help'" "--json=1: takes no value"
is "$(usage --quiet=yes doctor local-runtime)" "64|sourceos: option '--quiet' takes no value; see 'sourceos --help'" "--quiet=yes (whose value is a short option's letter)"
is "$(usage --bogus doctor local-runtime)" "64|sourceos: unknown option '--bogus'; see 'sourceos --help'" "unknown long option"
is "$(usage --bogus=1 doctor local-runtime)" "64|sourceos: unknown option '--bogus'; see 'sourceos --help'" "unknown long option with a value"
is "$(usage -qz doctor local-runtime)" "64|sourceos: unknown option '-z'; see 'sourceos --help'" "unknown short option in a cluster"
is "$(usage --j doctor local-runtime)" "64|sourceos: option '--j' is ambiguous; see 'sourceos --help'" "an ambiguous abbreviation"
is "$(usage doctor local-runtime --root --json)" "64|sourceos: option '--root' needs a directory (the root of a copied tree), not '--json'" "a directory option followed by an option"
is "$(usage "--$(printf '\033')[2J" doctor local-runtime)" "64|sourceos: unknown option '--\\x1b[2J'; see 'sourceos --help'" "garbage is printed escaped"
is "$(usage "$(printf 'do\033ctor')")" "64|sourceos: unknown command 'do\\x1bctor' (did you mean 'doctor'?); see 'sourceos help'" "an unknown command is printed escaped, with the nearest command"
is "$(usage "$(printf 'fr\033ob')")" "64|sourceos: unknown command 'fr\\x1bob'; see 'sourceos help'" "an unknown command near none is printed escaped"

# --dry-run on a command that changes nothing is refused, not accepted and
# ignored.
out=$("$SOS" doctor local-runtime --dry-run --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/cfg" 2>&1); rc=$?
like "$rc|$out" "^64\|sourceos: option --dry-run is for the commands that change the host" "--dry-run is refused where nothing changes"
unlike "$out" "t\.a" "and nothing ran"

# --format ndjson is a run's event stream; the listings refuse it.
for c in checks plugins; do
    out=$("$SOS" $c --format ndjson --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/cfg" 2>&1); rc=$?
    is "$rc|$out" "64|sourceos: --format ndjson streams the events of a doctor run; 'sourceos $c' has none: use --format json" "$c --format ndjson is refused"
done
out=$("$SOS" checks --format json --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/cfg"); rc=$?
is "$rc:$(printf '%s' "$out" | jget 'd["checks"][0]["id"]')" "0:t.a" "checks --format json still works"

# help [COMMAND]: the same text as COMMAND --help.
for c in "" doctor plugins checks; do
    a=$("$SOS" help $c); rc=$?
    b=$("$SOS" $c --help)
    is "$rc:$a" "0:$b" "sourceos help $c is sourceos $c --help"
done
out=$("$SOS" help doctor local-runtime); rc=$?
like "$rc:$out" "^0:Usage: sourceos doctor local-runtime" "help doctor local-runtime"
out=$("$SOS" help frobnicate 2>&1); rc=$?
is "$rc|$out" "64|sourceos: no help for unknown command 'frobnicate'; see 'sourceos help'" "help for an unknown command"
like "$("$SOS" --help)" "^  help \[COMMAND\]" "--help lists help"
like "$("$SOS" --help)" "74 the report could not be written" "--help lists exit status 74"
a=$("$AGENT" help doctor); rc=$?
is "$rc:$a" "0:$("$AGENT" doctor --help)" "sourceos-agent help doctor"
a=$("$AGENT" help); rc=$?
is "$rc:$a" "0:$("$AGENT" --help)" "sourceos-agent help"
# An option the command does not read is refused, named as typed, not ignored.
is "$(usage explain core.offline --plugin-dir /tmp)" "64|sourceos: option '--plugin-dir' is not one 'sourceos explain' reads; see 'sourceos explain --help'" \
    "explain --plugin-dir: refused, not ignored"
is "$(usage checks --jobs=3)" "64|sourceos: option '--jobs' is not one 'sourceos checks' reads; see 'sourceos checks --help'" \
    "--jobs=3 is named without its value"
err=$("$SOS_BUILDDIR/sourceosctl" --root / agent-machine fingerprint 2>&1 >/dev/null); rc=$?
is "$rc|$err" "64|sourceosctl: option '--root' is not one 'sourceosctl agent-machine fingerprint' reads; see 'sourceosctl agent-machine fingerprint --help'" \
    "an option before the command words too"
err=$("$SOS_BUILDDIR/sourceos-agent" status web -q 2>&1 >/dev/null); rc=$?
is "$rc|$err" "64|sourceos-agent: option '-q' is not one 'sourceos-agent status' reads; see 'sourceos-agent status --help'" \
    "a short option"
done_testing
