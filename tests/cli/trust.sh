#!/bin/sh
# The config directory, checks.d/, agents.d/ and each file in them are
# trusted only like the plugin directory: owned by root or the user running
# sourceos, not writable by group or others, regular files (a symlink only to
# a file in the same directory). Refused: exit 3, naming the path, what is
# wrong and the fix, with the path shell-quoted.
. "$SOS_SRCDIR/tests/lib.sh"
AGENT="$SOS_BUILDDIR/sourceos-agent"

# A config directory whose name needs quoting, with checks.d and agents.d.
fresh() {
    rm -rf "$TMP/my cfg"
    (umask 022
     mkdir -p "$TMP/my cfg/checks.d" "$TMP/my cfg/agents.d"
     printf 'checks:\n  - {id: t.ok, plugin: behave, check: status}\n' > "$TMP/my cfg/checks.d/10-t.yaml"
     printf 'name: web\nimage: localhost/web:1\n' > "$TMP/my cfg/agents.d/web.yaml")
}
CFG="$TMP/my cfg"
doctor() { "$SOS" doctor local-runtime --plugin-dir "$TEST_PLUGINS" --config-dir "$CFG" 2>&1 >/dev/null; }
agent() { "$AGENT" doctor web --plugin-dir "$TEST_PLUGINS" --config-dir "$CFG" 2>&1 >/dev/null; }
q="'$CFG"  # how the quoted path starts in a fix

fresh
err=$(doctor); rc=$?
is "$rc:$err" "0:" "a config made with umask 022 is accepted"
err=$(agent); rc=$?
is "$rc:$err" "0:" "and so is its agents.d"

fresh; chmod 0777 "$CFG/checks.d"
err=$(doctor); rc=$?
like "$rc:$err" "^3:.*checks\.d directory $CFG/checks\.d is writable by group or others \(mode 0777\)" "world-writable checks.d refused, exit 3"
like "$err" "run: chmod go-w -- ${q}/checks\.d'\$" "with the chmod fix, path quoted"
chmod 1777 "$CFG/checks.d"
err=$(doctor); rc=$?
like "$rc:$err" "^3:.*\(mode 01777\)" "the mode is shown with its special bits"

fresh; chmod 0664 "$CFG/checks.d/10-t.yaml"
err=$(doctor); rc=$?
like "$rc:$err" "^3:.*file $CFG/checks\.d/10-t\.yaml is writable by group or others \(mode 0664\).*chmod go-w -- ${q}/checks\.d/10-t\.yaml'" "a group-writable checks.d file refused"
err=$("$SOS" checks --plugin-dir "$TEST_PLUGINS" --config-dir "$CFG" 2>&1 >/dev/null); rc=$?
like "$rc:$err" "^3:.*10-t\.yaml is writable" "checks refuses it too"

fresh; chmod 0775 "$CFG"
err=$(doctor); rc=$?
like "$rc:$err" "^3:.*config directory $CFG is writable by group or others \(mode 0775\).*chmod go-w -- ${q}'" "a group-writable config directory refused"
err=$(agent); rc=$?
like "$rc:$err" "^3:.*config directory $CFG is writable" "for an agent too"

fresh; mv "$CFG/checks.d/10-t.yaml" "$TMP/outside.yaml"; ln -s "$TMP/outside.yaml" "$CFG/checks.d/10-t.yaml"
err=$(doctor); rc=$?
like "$rc:$err" "^3:.*10-t\.yaml is a symbolic link to .*outside\.yaml, outside its directory" "a symlink out of checks.d refused"
fresh; mv "$CFG/checks.d/10-t.yaml" "$CFG/checks.d/real.txt"; ln -s real.txt "$CFG/checks.d/10-t.yaml"
err=$(doctor); rc=$?
is "$rc:$err" "0:" "a symlink to a file in checks.d itself is read"
chmod 0666 "$CFG/checks.d/real.txt"
err=$(doctor); rc=$?
like "$rc:$err" "^3:.*10-t\.yaml is writable by group or others \(mode 0666\)" "but the file it names must pass the rules"

fresh; chmod 0777 "$CFG/agents.d"
err=$(agent); rc=$?
like "$rc:$err" "^3:.*agents\.d directory $CFG/agents\.d is writable by group or others \(mode 0777\).*chmod go-w -- ${q}/agents\.d'" "a world-writable agents.d refused"
fresh; chmod 0620 "$CFG/agents.d/web.yaml"
err=$(agent); rc=$?
like "$rc:$err" "^3:.*web\.yaml is writable by group or others \(mode 0620\)" "a group-writable declaration refused"
fresh; rm "$CFG/agents.d/web.yaml"; ln -s /etc/passwd "$CFG/agents.d/web.yaml"
err=$(agent); rc=$?
like "$rc:$err" "^3:.*web\.yaml is a symbolic link to /etc/passwd, outside its directory" "a declaration symlinked out of agents.d refused"
unlike "$err" "root:" "and nothing of what it points to is shown"

if [ "$(id -u)" -eq 0 ]; then
    fresh; chown 12345 "$CFG/checks.d"; chmod 0777 "$CFG/checks.d"
    err=$(doctor); rc=$?
    like "$rc:$err" "^3:.*checks\.d directory $CFG/checks\.d is owned by uid 12345, not root or you \(uid 0\).*chown 0 -- ${q}/checks\.d'" "a checks.d of another uid refused (as root)"
    fresh; chown 12345 "$CFG/checks.d/10-t.yaml"
    err=$(doctor); rc=$?
    like "$rc:$err" "^3:.*10-t\.yaml is owned by uid 12345" "a checks.d file of another uid refused"
    fresh; chown 12345 "$CFG/agents.d"
    err=$(agent); rc=$?
    like "$rc:$err" "^3:.*agents\.d directory .* is owned by uid 12345" "an agents.d of another uid refused"
    fresh; chown 12345:12345 "$CFG/agents.d/web.yaml"
    err=$(agent); rc=$?
    like "$rc:$err" "^3:.*web\.yaml is owned by uid 12345" "a declaration of another uid refused"
else
    for i in 1 2 3 4; do ok 0 "# SKIP chown to another uid needs root"; done
fi

# The shipped checks.d (the build tree's, as a fresh clone with umask 022
# has it) passes the rules; with umask 002 it would be group-writable and
# refused, which the README says.
err=$("$SOS" checks 2>&1 >/dev/null); rc=$?
unlike "$rc:$err" "^3:|refusing to trust" "the in-tree config and checks.d are accepted"
(umask 002; mkdir "$TMP/loose"; cp -R "$SOS_SRCDIR/checks.d" "$TMP/loose/")
chmod -R g+w "$TMP/loose"  # what a checkout with umask 002 has
err=$("$SOS" checks --config-dir "$TMP/loose" 2>&1 >/dev/null); rc=$?
like "$rc:$err" "^3:.*loose is writable by group or others \(mode 0775\)" "a tree checked out with umask 002 is refused, saying why"
done_testing
