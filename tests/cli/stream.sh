#!/bin/sh
# The human report is printed as checks finish, in run order: a fast
# check's line is out while a slow one still runs, on a terminal and on a
# pipe alike; a check after the slow one waits for it. On a terminal (not
# with NO_COLOR, TERM=dumb or --no-color) a status line under the report
# names the checks still running, and is erased before each line and at
# the end, also when the run is interrupted.
. "$SOS_SRCDIR/tests/lib.sh"
make_config cfg <<'YAML'
checks:
  - {id: t.fast, plugin: behave, check: status}
  - {id: t.slow, plugin: behave, check: status, params: {sleep_ms: 2500}}
  - {id: t.after, plugin: behave, check: status, params: {status: warning, message: late}}
YAML

# Runs sourceos on a pty (or, with --pipe, a pipe) with the environment
# given as NAME=VALUE arguments before `--` (NAME= unsets), reading as it
# comes. Prints what it saw as NAME=VALUE lines: when each check's line
# arrived (seconds from the start), whether a status line and the erase
# sequence were written, the exit status and the final screen (lines with
# \r and ESC[K applied, as a terminal shows them) in $TMP/screen.
# --int sends SIGINT once the status line names t.slow.
watch() {
    "$PYTHON" - "$TMP" "$SOS" "$@" <<'PY'
import os, pty, re, signal, sys, time
tmp, sos, args = sys.argv[1], sys.argv[2], sys.argv[3:]
mode, interrupt, env = "pty", False, dict(os.environ)
while args[0] != "--":
    a = args.pop(0)
    if a == "--pipe":
        mode = "pipe"
    elif a == "--int":
        interrupt = True
    else:
        name, value = a.split("=", 1)
        if value:
            env[name] = value
        else:
            env.pop(name, None)
argv = [sos] + args[1:]

def child():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execve(sos, argv, env)

t0 = time.monotonic()
if mode == "pty":
    pid, fd = pty.fork()
    if pid == 0:
        child()
else:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.dup2(w, 1)
        os.close(r)
        child()
    os.close(w)
    fd = r
raw, seen, sent = b"", {}, False
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    raw += chunk
    now = time.monotonic() - t0
    for line in raw.split(b"\n"):
        m = re.search(rb"(OK|WARN|INTR|SKIP)(\x1b\[0m)? +(t\.[a-z]+) ", line)
        if m and m.group(3) not in seen:
            seen[m.group(3)] = now
    if interrupt and not sent and b"running: t.slow" in raw:
        os.kill(pid, signal.SIGINT)
        sent = True
_, status = os.waitpid(pid, 0)

# The screen: \r goes back to the line's start, ESC[K clears to its end.
screen = []
for line in raw.replace(b"\r\n", b"\n").split(b"\n"):
    cells, col = [], 0
    for tok in re.split(rb"(\r|\x1b\[K|\x1b\[[0-9;]*m)", line):
        if tok == b"\r":
            col = 0
        elif tok == b"\x1b[K":
            del cells[col:]
        elif tok.startswith(b"\x1b["):
            pass  # colour: not text
        else:
            for ch in tok.decode("utf-8", "replace"):
                cells[col:col + 1] = [ch]
                col += 1
    screen.append("".join(cells))
while screen and screen[-1] == "":
    screen.pop()
open(os.path.join(tmp, "screen"), "w").write("\n".join(screen) + "\n")
for name in (b"t.fast", b"t.slow", b"t.after"):
    print("%s=%s" % (name.decode().replace(".", "_"), "%.2f" % seen[name] if name in seen else "none"))
print("status_line=%d" % (b"running: " in raw))
print("erase=%d" % (b"\r\x1b[K" in raw))
print("escape=%d" % (b"\x1b" in raw))
print("rc=%d" % (os.waitstatus_to_exitcode(status)))
PY
}
doctor="-- doctor local-runtime --plugin-dir $TEST_PLUGINS --config-dir $TMP/cfg -j 2"
val() { printf '%s\n' "$out" | sed -n "s/^$1=//p"; }
# before A B: A is a time at least 1 s before B.
before() { "$PYTHON" -c 'import sys; a, b = sys.argv[1:]; sys.exit(0 if a != "none" and b != "none" and float(a) + 1.0 <= float(b) else 1)' "$1" "$2"; }

# A terminal that takes escapes.
out=$(watch NO_COLOR= TERM=xterm $doctor)
is "$(val rc)" 1 "pty: the run ends with its status (a warning: 1)"
before "$(val t_fast)" "$(val t_slow)"
ok $? "pty: t.fast's line arrives ($(val t_fast)s) while t.slow still runs (its line: $(val t_slow)s)"
ok "$("$PYTHON" -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)' "$(val t_after)" "$(val t_slow)"; echo $?)" \
    "pty: t.after, finished long before, waits for t.slow before it in run order"
is "$(val status_line)" 1 "pty: a status line is written while t.slow runs"
is "$(val erase)" 1 "pty: and erased with CR ESC[K"
screen=$(cat "$TMP/screen")
tty_screen=$screen
unlike "$screen" 'running:' "pty: the final screen has no status line left"
is "$(printf '%s\n' "$screen" | sed -n 's/^\([A-Z]*\) *\(t\.[a-z]*\) .*/\1 \2/p' | tr '\n' ' ')" \
    "OK t.fast OK t.slow WARN t.after " "pty: the screen holds each check's line once, in run order"
like "$(printf '%s\n' "$screen" | tail -n 1)" '^3 checks: 2 ok, 1 warning, .* \(exit 1\)$' "pty: the summary is the last line"

# No status line: NO_COLOR, TERM=dumb, --no-color, a pipe.
for how in "NO_COLOR=1 TERM=xterm" "NO_COLOR= TERM=dumb" "NO_COLOR= TERM=xterm --no-color"; do
    set -- $how
    case $3 in --no-color) out=$(watch "$1" "$2" $doctor --no-color) ;; *) out=$(watch "$1" "$2" $doctor) ;; esac
    is "$(val status_line)$(val escape)" 00 "pty with $how: no status line, no escape at all"
    before "$(val t_fast)" "$(val t_slow)"
    ok $? "pty with $how: still streamed (t.fast at $(val t_fast)s, t.slow at $(val t_slow)s)"
done
out=$(watch --pipe NO_COLOR= TERM=xterm $doctor)
is "$(val status_line)$(val escape)" 00 "pipe: no status line, no escape"
before "$(val t_fast)" "$(val t_slow)"
ok $? "pipe: t.fast's line arrives ($(val t_fast)s) before t.slow finishes ($(val t_slow)s)"
pipe_lines=$(sed 's/  [0-9.]*m\{0,1\}s$//; s/ in [0-9.]*s / /' "$TMP/screen")
is "$pipe_lines" "$(printf '%s\n' "$tty_screen" | sed 's/  [0-9.]*m\{0,1\}s$//; s/ in [0-9.]*s / /')" \
    "the terminal's final screen reads as the pipe's report (durations aside)"

# Interrupted while the status line is up: what finished, the INTR line,
# stderr's message, and no status line left anywhere.
out=$(watch --int NO_COLOR= TERM=xterm $doctor)
is "$(val rc)" 130 "pty, SIGINT: exit 130"
is "$(val status_line)" 1 "pty, SIGINT: the status line was up when it came"
screen=$(cat "$TMP/screen")
unlike "$screen" 'running:' "pty, SIGINT: the status line is erased"
like "$screen" '^INTR +t\.slow' "pty, SIGINT: the running check is reported interrupted"
like "$screen" '^sourceos: interrupted by SIGINT' "pty, SIGINT: stderr's message is on a line of its own"
like "$(printf '%s\n' "$screen" | tail -n 1)" ', 1 interrupted in .* \(exit 130\)$' "pty, SIGINT: the summary ends the report"
# A reader that goes away after the first line (`| head -n 1`), with
# SIGPIPE at its default: the run stops as if interrupted, killing its
# checks (one hangs), instead of dying and leaving them running with no one
# to enforce their deadline; the write error is said once, exit 74.
make_config gone <<'YAML'
checks:
  - {id: t.fast, plugin: behave, check: status}
  - {id: t.next, plugin: behave, check: status, params: {sleep_ms: 300}}
  - {id: t.hang, plugin: hang, check: forever, timeout: 60}
YAML
out=$("$PYTHON" - "$SOS" doctor local-runtime --plugin-dir "$TEST_PLUGINS" --config-dir "$TMP/gone" -j 3 <<'PY'
import os, signal, subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                     preexec_fn=lambda: signal.signal(signal.SIGPIPE, signal.SIG_DFL))
first = p.stdout.readline()
p.stdout.close()
err = p.stderr.read().decode()
rc = p.wait()
print("%d|%d|%s|%s|%.1f" % (rc, len(err.splitlines()), err.strip(), first.split()[1].decode(),
                            time.monotonic() - t0))
PY
)
like "$out" '^74\|1\|sourceos: cannot write to standard output: Broken pipe\|t\.fast\|' \
    "reader gone after the first line: exit 74, one line on stderr ($out)"
like "$out" '\|[0-9]\.[0-9]$' "and the run ends at once, not at t.hang's 60 s deadline"
sleep 0.2
is "$(pgrep -f "$TMP/gone" | wc -l | tr -d ' ')" 0 "no check's process is left"
done_testing
