#!/bin/sh
# Interrupting a run: SIGINT, SIGTERM or SIGHUP kills every check's process
# group, its commands and the daemons it left, reports each check still
# running as `interrupted` beside what finished, and exits 128+N. A second
# SIGINT while it cleans up does not cut the cleanup short.
. "$SOS_SRCDIR/tests/lib.sh"
V="$PYTHON $SOS_SRCDIR/tests/validate-json.py"

# Every process of a run carries TAG: the checks' processes and the daemon
# are forks of sourceos (its --config-dir names TAG), the command's argument
# is TAG seconds.
config() { # config TAG
    make_config "s$1" <<YAML
checks:
  - {id: t.done, plugin: behave, check: status}
  - {id: t.hang, plugin: hang, check: forever, timeout: 60}
  - {id: t.cmd, plugin: behave, check: command, timeout: 60, params: {argv: [sleep, "$1"]}}
  - {id: t.daemon, plugin: behave, check: orphan, timeout: 60, params: {pidfile: "$TMP/s$1/daemon.pid", sleep_ms: 60000}}
  - {id: t.later, plugin: behave, check: status, needs: [t.hang]}
YAML
}
left() { pgrep -f "$1" | wc -l | tr -d ' '; }

# Starts a run of config TAG in the background (output in $TMP/sTAG/out,
# stderr in .../err) and waits until all its processes are there. A
# script's background job starts with SIGINT ignored, which sourceos
# respects (as the shells do): the run gets it back to its default first,
# as a command run from a terminal has it.
start() { # start TAG ARGS...
    t=$1; shift
    "$PYTHON" -c 'import os, signal, sys
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP): signal.signal(s, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$SOS" doctor local-runtime --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/s$t" -j 4 "$@" \
        > "$TMP/s$t/out" 2> "$TMP/s$t/err" &
    pid=$!
    for _ in $(seq 1 100); do
        [ -s "$TMP/s$t/daemon.pid" ] && pgrep -f "sleep $t" >/dev/null && break
        sleep 0.05
    done
    sleep 0.1
}

n=0
for s in INT:130 TERM:143 HUP:129; do
    sig=${s%%:*} want=${s##*:}
    n=$((n + 1)); tag=$((970000 + $$ % 10000 * 10 + n))
    config "$tag"
    start "$tag" --json
    before=$(left "$tag")
    ok "$([ "$before" -ge 5 ] && echo 0 || echo 1)" "SIG$sig: before the signal the run has its processes ($before)"
    kill -"$sig" "$pid"; wait "$pid"; rc=$?
    is "$rc" "$want" "SIG$sig: the run exits $want"
    sleep 0.2
    is "$(left "$tag")" 0 "SIG$sig: no process of the run is left (checks, command, daemon)"
    ok "$(kill -0 "$(cat "$TMP/s$tag/daemon.pid")" 2>/dev/null && echo 1 || echo 0)" "SIG$sig: the setsid daemon is gone"
    out=$(cat "$TMP/s$tag/out")
    $V "$SOS_SRCDIR/schemas/report.schema.json" "$TMP/s$tag/out" >&2
    ok $? "SIG$sig: the partial --json report is valid against report.schema.json"
    is "$(printf '%s' "$out" | jget '[c["status"] for c in d["checks"]]')" \
        '["ok", "interrupted", "interrupted", "interrupted", "skipped"]' \
        "SIG$sig: what finished, the running checks interrupted, the rest skipped"
    like "$(printf '%s' "$out" | jget "find('t.hang')['reason']")" "^interrupted by SIG$sig before it finished" "SIG$sig: the reason names the signal"
    like "$(printf '%s' "$out" | jget "find('t.later')['reason']")" "not started: the run was interrupted by SIG$sig" "SIG$sig: so does a check never started"
    is "$(printf '%s' "$out" | jget 'd["summary"]["interrupted"]')" 3 "SIG$sig: the summary counts them"
    is "$(printf '%s' "$out" | jget 'd["exit_code"]')" "$want" "SIG$sig: the report's exit code is $want"
    like "$(cat "$TMP/s$tag/err")" "interrupted by SIG$sig" "SIG$sig: stderr says so"
done

# A second (and third) SIGINT during the cleanup.
n=$((n + 1)); tag=$((970000 + $$ % 10000 * 10 + n))
config "$tag"
start "$tag" --json
kill -INT "$pid"; kill -INT "$pid"; sleep 0.01; kill -INT "$pid" 2>/dev/null
wait "$pid"; rc=$?
is "$rc" 130 "SIGINT twice: the run still exits 130"
sleep 0.2
is "$(left "$tag")" 0 "SIGINT twice: no process of the run is left"
jget 'd["summary"]["interrupted"]' < "$TMP/s$tag/out" > "$TMP/s$tag/n" 2>&1
is "$(cat "$TMP/s$tag/n")" 3 "SIGINT twice: the partial report is still printed whole"

# Human and NDJSON reports say it too.
n=$((n + 1)); tag=$((970000 + $$ % 10000 * 10 + n))
config "$tag"
start "$tag"
kill -TERM "$pid"; wait "$pid"
out=$(cat "$TMP/s$tag/out")
like "$out" '^INTR +t\.hang' "human: an interrupted check is INTR"
like "$out" 'interrupted by SIGTERM before it finished' "with its reason"
like "$out" ', 3 interrupted in .* \(exit 143\)$' "and the summary counts them"
n=$((n + 1)); tag=$((970000 + $$ % 10000 * 10 + n))
config "$tag"
start "$tag" --format ndjson
kill -HUP "$pid"; wait "$pid"
$V "$SOS_SRCDIR/schemas/ndjson-event.schema.json" "$TMP/s$tag/out" --lines >&2
ok $? "ndjson: every event is valid against ndjson-event.schema.json"
is "$(grep -c '"status":"interrupted"' "$TMP/s$tag/out")" 3 "ndjson: a finished event for each interrupted check"
like "$(tail -n 1 "$TMP/s$tag/out")" '"exit_code":129' "ndjson: the summary has exit code 129"
sleep 0.2
is "$(left "$tag")" 0 "no process is left after those runs either"

# Started with SIGINT ignored (a background job of a script), sourceos
# leaves it so: the signal changes nothing.
n=$((n + 1)); tag=$((970000 + $$ % 10000 * 10 + n))
make_config "s$tag" <<'YAML'
checks:
  - {id: t.wait, plugin: behave, check: status, params: {sleep_ms: 600}}
YAML
"$SOS" doctor local-runtime --json --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/s$tag" > "$TMP/s$tag/out" &
pid=$!
sleep 0.3
kill -INT "$pid"; wait "$pid"; rc=$?
is "$rc" 0 "SIGINT ignored from the start stays ignored: the run ends normally"
done_testing
