#!/bin/sh
# Every finding code a shipped plugin (or the core) can record is documented in
# docs/findings.md, and the page lists no code that no plugin records.
. "$SOS_SRCDIR/tests/lib.sh"
DOC="$SOS_SRCDIR/docs/findings.md"
codes=$("$PYTHON" "$SOS_SRCDIR/tests/finding-codes.py" "$SOS_SRCDIR/plugins" "$SOS_SRCDIR/core")
n=$(printf '%s\n' "$codes" | wc -l)
ok $(( n < 20 )) "the extractor finds the plugins' codes ($n)"
# The core's own codes (core.*) are string literals in core/.
core_codes=$(grep -oh '"core\.[a-z0-9-]*"' "$SOS_SRCDIR"/core/*.c | tr -d '"' | sort -u)
like "$core_codes" '^core\.result-truncated$' "the core's codes are found too"
codes=$(printf '%s\n%s\n' "$codes" "$core_codes")
missing=$(printf '%s\n' "$codes" | while read -r c; do grep -q "^| \`$c\` |" "$DOC" || echo "$c"; done)
is "$missing" "" "every code is documented in docs/findings.md"
stale=$(sed -n 's/^| `\([a-z][a-z0-9]*\.[a-z0-9-]*\)` |.*/\1/p' "$DOC" | while read -r c; do printf '%s\n' "$codes" | grep -qx "$c" || echo "$c"; done)
is "$stale" "" "docs/findings.md lists no code that no plugin records"
done_testing
