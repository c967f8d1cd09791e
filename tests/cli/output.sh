#!/bin/sh
# A report that cannot be written is not a success: a full disk, a reader
# gone while SIGPIPE is ignored, a closed stdout each print one line on
# stderr and exit 74, in every format and command.
. "$SOS_SRCDIR/tests/lib.sh"
make_config cfg <<'YAML'
checks:
  - {id: t.a, plugin: behave, check: status}
  - {id: t.b, plugin: behave, check: status}
YAML
opts="--plugin-dir $TEST_PLUGINS --config-dir $TMP/cfg"

# What ran: "RC|STDERR-LINES|STDERR".
full() { err=$("$SOS" "$@" 2>&1 >/dev/full); rc=$?; echo "$rc|$(printf '%s\n' "$err" | grep -c .)|$err"; }
for f in human json ndjson; do
    like "$(full doctor local-runtime $opts --format $f)" "^74\|1\|sourceos: cannot write to standard output: No space left on device$" "--format $f >/dev/full: one line, exit 74"
done
like "$(full checks $opts --json)" "^74\|1\|.*No space left" "checks --json >/dev/full"
like "$(full checks $opts)" "^74\|1\|.*No space left" "checks >/dev/full"
like "$(full plugins $opts)" "^74\|1\|.*No space left" "plugins >/dev/full"
like "$(full --help)" "^74\|1\|.*No space left" "--help >/dev/full"
like "$(full --version)" "^74\|1\|.*No space left" "--version >/dev/full"

# A reader that is gone before anything is written, with SIGPIPE ignored
# (python ignores it, and restore_signals=False passes that on): EPIPE.
broken_pipe() {
    "$PYTHON" - "$SOS" "$@" <<'PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE, restore_signals=False)
err = p.stderr.decode()
print("%d|%d|%s" % (p.returncode, len(err.splitlines()), err.strip()))
PY
}
for f in human json ndjson; do
    like "$(broken_pipe doctor local-runtime $opts --format $f)" "^74\|1\|sourceos: cannot write to standard output: Broken pipe$" "--format $f into a closed pipe: one line, exit 74"
done
like "$(broken_pipe checks $opts)" "^74\|1\|.*Broken pipe" "checks into a closed pipe"

err=$("$SOS" doctor local-runtime $opts 2>&1 >&-); rc=$?
is "$rc|$err" "74|sourceos: cannot write to standard output: Bad file descriptor" "stdout closed: exit 74 before running anything"
err=$("$SOS" doctor local-runtime $opts --json 2>&1 >/dev/null); rc=$?
is "$rc|$err" "0|" "a report that is written still exits with the run's status"
done_testing
