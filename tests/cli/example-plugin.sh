#!/bin/sh
# contrib/example-plugin builds out of tree against the INSTALLED header and
# sourceos-plugin.pc only (as a platform team builds it), exports one symbol,
# and its checks give the documented statuses, codes and exit codes under both
# the installed binary and the build-tree one. Works under distcheck: nothing
# is written into the source tree.
. "$SOS_SRCDIR/tests/lib.sh"

command -v cc >/dev/null 2>&1 || skip_all "no C compiler (cc)"
command -v pkg-config >/dev/null 2>&1 || skip_all "no pkg-config"
MAKE=${MAKE:-make}

# ---- install the project into a staging directory ---------------------------
"$MAKE" -C "$SOS_BUILDDIR" install DESTDIR="$TMP/dest" >/dev/null
ok $? "make install DESTDIR=\$TMP/dest"
header=$(find "$TMP/dest" -path '*/include/sourceos/plugin.h' -type f | head -n1)
pc=$(find "$TMP/dest" -name sourceos-plugin.pc -type f | head -n1)
installed=$(find "$TMP/dest" -path '*/bin/sourceos' -type f | head -n1)
ok "$([ -n "$header" ]; echo $?)" "plugin.h installed ($header)"
ok "$([ -n "$pc" ]; echo $?)" "sourceos-plugin.pc installed ($pc)"
ok "$([ -x "$installed" ]; echo $?)" "sourceos installed ($installed)"

# ---- build the example from a copy, against the staged install --------------
# The source tree may be read-only (distcheck): build in a copy. MAKEFLAGS of
# the outer `make check` (e.g. CFLAGS=...) must not leak into this build.
cp -R "$SOS_SRCDIR/contrib/example-plugin" "$TMP/example"
chmod -R u+w "$TMP/example"
rm -f "$TMP/example/example.so"
ex_make() {
    (unset MAKEFLAGS MFLAGS MAKELEVEL
     PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR="$TMP/dest" \
         "$MAKE" -C "$TMP/example" "$@")
}
build=$(ex_make 2>&1); rc=$?
is "$rc" 0 "the example builds with its Makefile"
[ "$rc" -eq 0 ] || printf '%s\n' "$build" | sed 's/^/#   /'
cline=$(printf '%s\n' "$build" | grep -e '-o example\.so' | head -n1)
like "$cline" "-I$TMP/dest/[^ ]*include" "the compile line's -I points into \$TMP/dest"
unlike "$(printf '%s\n' "$cline" | tr ' ' '\n' | grep '^-I' | grep -v "^-I$TMP/dest/")" . \
    "and no -I points anywhere else"
unlike "$cline" "$SOS_SRCDIR/include" "the source tree's include/ is not used"
like "$cline" '-std=c11 -Wall -Wextra -Werror -fPIC' "built with -std=c11 -Wall -Wextra -Werror -fPIC"

# Only sourceos_plugin_v1 is exported (the version script hides the rest).
syms=$(nm -D --defined-only "$TMP/example/example.so")
is "$(printf '%s\n' "$syms" | awk '{print $NF}' | sort | tr '\n' ' ')" "sourceos_plugin_v1 " \
    "nm -D --defined-only: sourceos_plugin_v1 and nothing else"
is "$(printf '%s\n' "$syms" | awk '$(NF-1) ~ /^[TWiV]$/' | wc -l | tr -d ' ')" 0 \
    "no global function is exported"

ex_make install PLUGINDIR="$TMP/plugins" >/dev/null 2>&1
ok $? "make install PLUGINDIR=\$TMP/plugins"
is "$(stat -c %a "$TMP/plugins/example.so" 2>/dev/null)" 644 "installed with mode 0644"
# Without PLUGINDIR it comes from the .pc file, without the sysroot prefix:
# DESTDIR then stages it exactly where the core will look.
ex_make install DESTDIR="$TMP/stage" >/dev/null 2>&1
ok $? "make install DESTDIR=... with the default PLUGINDIR"
pcdir=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --variable=plugindir sourceos-plugin)
ok "$([ -f "$TMP/stage$pcdir/example.so" ]; echo $?)" "default PLUGINDIR is the .pc file's plugindir ($pcdir)"

# ---- the shipped declaration file is valid ----------------------------------
"$PYTHON" "$SOS_SRCDIR/tests/yaml2json.py" "$SOS_SRCDIR/contrib/example-plugin/example.yaml" \
    > "$TMP/example.json"
"$PYTHON" "$SOS_SRCDIR/tests/validate-json.py" "$SOS_SRCDIR/schemas/checks.schema.json" \
    "$TMP/example.json" >&2
ok $? "example.yaml is valid against checks.schema.json"
mkdir -p "$TMP/shipped/checks.d"
cp "$SOS_SRCDIR/contrib/example-plugin/example.yaml" "$TMP/shipped/checks.d/50-example.yaml"
out=$("$SOS" checks --json --config-dir "$TMP/shipped" --plugin-dir "$TMP/plugins"); rc=$?
is "$rc" 0 "sourceos checks accepts example.yaml"
is "$(printf '%s' "$out" | jget '[c["id"] for c in d["checks"]]')" \
    '["example.file-mode", "example.command-ok"]' "it declares example.file-mode and example.command-ok"

# ---- declarations for the runs -----------------------------------------------
target="$TMP/target.conf"
echo "setting = 1" > "$target"
make_config file <<YAML
checks:
  - id: t.file
    plugin: example
    check: file-mode
    params: {path: "$target", max_mode: "644"}
YAML
make_config cmd <<'YAML'
checks:
  - {id: t.true, plugin: example, check: command-ok, params: {argv: [true]}}
  - {id: t.false, plugin: example, check: command-ok, params: {argv: [false]}}
  - id: t.stderr
    plugin: example
    check: command-ok
    params: {argv: [sh, -c, "echo first line >&2; echo second >&2; exit 3"], timeout_ms: 5000}
YAML
make_config errs <<'YAML'
checks:
  - {id: t.nopath, plugin: example, check: file-mode}
  - {id: t.badmode, plugin: example, check: file-mode, params: {path: /etc, max_mode: "9z"}}
  - {id: t.noargv, plugin: example, check: command-ok}
  - {id: t.missing, plugin: example, check: command-ok, params: {argv: [sourceos-no-such-command]}}
YAML

# ---- run both binaries ---------------------------------------------------------
for bin in "$installed" "$SOS"; do
    case $bin in "$installed") which=installed ;; *) which=build-tree ;; esac
    run() { # run CONFIG: the JSON report in $out, the exit code in $rc
        out=$("$bin" doctor local-runtime --json --plugin-dir "$TMP/plugins" \
            --config-dir "$TMP/$1"); rc=$?
    }
    st() { printf '%s' "$out" | jget "find('$1')$2"; }

    chmod 0666 "$target"
    run file
    is "$rc" 2 "$which: file mode 0666 > 644: exit 2"
    is "$(st t.file '["status"]')" failure "$which: file-mode fails"
    is "$(st t.file '["findings"][0]["code"]')" example.file-too-open "$which: finding example.file-too-open"
    is "$(st t.file '["findings"][0]["evidence"]["mode"]')" 666 "$which: evidence mode=666"
    is "$(st t.file '["findings"][0]["path"]')" "$target" "$which: the finding names the path"
    is "$(st t.file '["findings"][0]["commands"][0]')" "chmod 644 $target" "$which: remediation command chmod 644 (a plain path stays bare)"
    like "$(st t.file '["findings"][0]["remediation"]')" . "$which: remediation text"
    is "$(st t.file '["facts"]["example.checked"]')" "$target" "$which: fact example.checked=<path>"

    chmod 0600 "$target"
    run file
    is "$rc" 0 "$which: file mode 0600: exit 0"
    is "$(st t.file '["status"]')" ok "$which: file-mode ok"
    is "$(st t.file '["findings"]')" '[]' "$which: no findings when ok"

    run cmd
    is "$rc" 2 "$which: command-ok [false]: exit 2"
    is "$(st t.true '["status"]')" ok "$which: [true] ok"
    is "$(st t.true '["commands"][0]["argv"]')" '["true"]' "$which: the run is recorded, argv only"
    is "$(st t.false '["status"]')" failure "$which: [false] fails"
    is "$(st t.false '["findings"][0]["code"]')" example.command-failed "$which: finding example.command-failed"
    is "$(st t.false '["findings"][0]["evidence"]["exit_status"]')" 1 "$which: evidence exit_status=1"
    is "$(st t.stderr '["findings"][0]["evidence"]["exit_status"]')" 3 "$which: evidence exit_status=3"
    is "$(st t.stderr '["findings"][0]["evidence"]["stderr"]')" "first line" "$which: evidence: first line of stderr"

    run errs
    is "$rc" 3 "$which: bad params and a missing command: exit 3"
    is "$(st t.nopath '["status"]')" error "$which: file-mode without path: error"
    is "$(st t.nopath '["findings"][0]["code"]')" example.bad-params "$which: finding example.bad-params"
    is "$(st t.badmode '["findings"][0]["code"]')" example.bad-params "$which: bad max_mode: example.bad-params"
    is "$(st t.noargv '["findings"][0]["code"]')" example.bad-params "$which: command-ok without argv: example.bad-params"
    is "$(st t.missing '["status"]')" error "$which: a command that cannot start: error"
    is "$(st t.missing '["findings"][0]["code"]')" example.command-missing "$which: finding example.command-missing"
done
done_testing
