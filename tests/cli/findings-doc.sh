#!/bin/sh
# Every finding code a shipped plugin (or the core) can record is documented in
# docs/findings.md, and the page lists no code that no plugin records.
. "$SOS_SRCDIR/tests/lib.sh"
DOC="$SOS_SRCDIR/docs/findings.md"
codes=$("$PYTHON" "$SOS_SRCDIR/tests/finding-codes.py" "$SOS_SRCDIR/plugins" "$SOS_SRCDIR/core")
n=$(printf '%s\n' "$codes" | wc -l)
ok $(( n < 20 )) "the extractor finds the plugins' codes ($n)"
missing=$(printf '%s\n' "$codes" | while read -r c; do grep -q "^| \`$c\` |" "$DOC" || echo "$c"; done)
is "$missing" "" "every code is documented in docs/findings.md"
stale=$(sed -n 's/^| `\([a-z][a-z0-9]*\.[a-z0-9-]*\)` |.*/\1/p' "$DOC" | while read -r c; do printf '%s\n' "$codes" | grep -qx "$c" || echo "$c"; done)
is "$stale" "" "docs/findings.md lists no code that no plugin records"
done_testing
