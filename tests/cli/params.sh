#!/bin/sh
# The params census (tests/param-keys.py): every shipped plugin declares, per
# check, exactly the params its code reads, so a new param cannot be left
# undeclared and a declared one is never a lie; every shipped checks.d entry
# gives only declared params. The census is shown to catch what it is for on
# altered copies of the sources. Through the CLI, a misspelt param in a
# shipped-style entry is that check's error with file:line:column.
. "$SOS_SRCDIR/tests/lib.sh"

# every shipped plugin: each folder of plugins/ but the shared helpers
PLUGINS=$(cd "$SOS_SRCDIR/plugins" && for d in */; do [ "$d" = common/ ] || printf '%s ' "${d%/}"; done)
CENSUS="$SOS_SRCDIR/tests/param-keys.py"

# The TAP lines of a census run as this file's own assertions.
relay() { # relay OUTPUT
    while IFS= read -r line; do
        case "$line" in
        "ok "*) ok 0 "${line#* - }" ;;
        "not ok "*) ok 1 "${line#* - }" ;;
        "#"*) echo "$line" ;;
        esac
    done <<EOF
$1
EOF
}

# The example plugin is built out of tree; built here from its one file
# against the header, as its Makefile does.
"${CC:-cc}" -std=c11 -Wall -Wextra -Werror -shared -fPIC -I"$SOS_SRCDIR/include" \
    -o "$TMP/example.so" "$SOS_SRCDIR/contrib/example-plugin/example.c"
ok $? "the example plugin builds"

# A plugin built with --enable-sanitizers links the ASan runtime, which a
# python process cannot load after its start: the built tables are then
# compared in the plain build only (the sources still are, here too).
sanitized=0
ldd "$BUILD_PLUGINS/host.so" 2>/dev/null | grep -q 'libasan' && sanitized=1
set --
for p in $PLUGINS; do
    if [ "$sanitized" = 1 ]; then
        set -- "$@" "$SOS_SRCDIR/plugins/$p"
    else
        set -- "$@" "$SOS_SRCDIR/plugins/$p" --so "$p=$BUILD_PLUGINS/$p.so"
    fi
done
set -- "$@" "$SOS_SRCDIR/contrib/example-plugin" --so "example=$TMP/example.so"
for f in "$SOS_SRCDIR"/checks.d/*.yaml "$SOS_SRCDIR/contrib/example-plugin/example.yaml"; do
    set -- "$@" --checksd "$f"
done
out=$("$PYTHON" "$CENSUS" "$SOS_SRCDIR" "$@"); rc=$?
relay "$out"
is "$rc" 0 "the census of the shipped plugins and checks.d passes"
for p in $PLUGINS example-plugin; do
    like "$out" "^ok [0-9]+ - (plugins|contrib)/$p: every check has a params entry" "$p: its checks were counted"
done
if [ "$sanitized" = 1 ]; then
    echo "ok $((_n += 1)) # SKIP the built plugins link ASan (python cannot load them): their tables are compared in the plain build"
else
    like "$out" "^ok [0-9]+ - plugins/systemd: the built plugin declares what its source says" "the built plugins were compared with their sources"
fi

# ---- the census catches what it is for ----------------------------------------
# Altered copies: SRC/plugins/{systemd,podman-machine,common}.
fresh() {
    rm -rf "$TMP/src" && mkdir -p "$TMP/src/plugins"
    cp -R "$SOS_SRCDIR/plugins/systemd" "$SOS_SRCDIR/plugins/podman-machine" \
        "$SOS_SRCDIR/plugins/common" "$TMP/src/plugins/"
}
census() { # census PLUGIN [ARGS...]: the census of the copy of PLUGIN
    local p="$1"
    shift
    "$PYTHON" "$CENSUS" "$TMP/src" "$TMP/src/plugins/$p" "$@"
}

fresh
out=$(census systemd); rc=$?
is "$rc" 0 "an unaltered copy passes"

# A param read and not declared: verify's exposure_limit left out.
sed -i 's/"systemd_analyze", "timeout_ms", "exposure_limit", NULL/"systemd_analyze", "timeout_ms", NULL/' \
    "$TMP/src/plugins/systemd/plugin.c"
grep -q '"systemd_analyze", "timeout_ms", NULL' "$TMP/src/plugins/systemd/plugin.c"
ok $? "(the copy's verify no longer declares exposure_limit)"
out=$(census systemd); rc=$?
is "$rc" 1 "a param read but declared for no check fails"
like "$out" "^not ok [0-9]+ - plugins/systemd: every param read is declared" "the plugin-wide line fails"
like "$out" "read, declared for no check: exposure_limit" "naming the param"
like "$out" "^not ok [0-9]+ - plugins/systemd: verify declares exactly" "and the check's line fails"

# A new param in a common helper, read on a check's behalf: the census
# follows the call into plugins/common.
fresh
cat >> "$TMP/src/plugins/common/plugin_util.c" <<'C'

unsigned plugin_new_knob(sourceos_ctx *ctx)
{
    return plugin_param_uint(ctx, "new_knob", 1, 10, 5);
}
C
sed -i 's/^sourceos_status podman_check_tag(sourceos_ctx \*ctx)$/&\n{\n    (void)plugin_new_knob(ctx);\n    return podman_check_tag_(ctx);\n}\nsourceos_status podman_check_tag_(sourceos_ctx *ctx)/' \
    "$TMP/src/plugins/podman-machine/tag.c"
grep -q 'plugin_new_knob(ctx)' "$TMP/src/plugins/podman-machine/tag.c"
ok $? "(the copy's podman.tag calls a common helper reading new_knob)"
out=$(census podman-machine); rc=$?
is "$rc" 1 "a param read by a common helper is counted for the check"
like "$out" "read, declared for no check: new_knob" "the plugin-wide line names it"
like "$out" "^not ok [0-9]+ - plugins/podman-machine: tag declares exactly" "and podman.tag's line fails"

# A param declared and read nowhere: a lie.
fresh
sed -i 's/{"podman", "timeout_ms", NULL}/{"podman", "timeout_ms", "timeout_msec", NULL}/' \
    "$TMP/src/plugins/podman-machine/plugin.c"
grep -q '"timeout_msec"' "$TMP/src/plugins/podman-machine/plugin.c"
ok $? "(the copy declares timeout_msec)"
out=$(census podman-machine); rc=$?
is "$rc" 1 "a declared param nobody reads fails"
like "$out" "declared, never read: timeout_msec" "naming it"

# A key the census cannot name is an error, not a read it skips.
fresh
sed -i 's/sourceos_param(ctx, "exposure_limit")/sourceos_param(ctx, getenv("K"))/' \
    "$TMP/src/plugins/systemd/verify.c"
out=$(census systemd); rc=$?
is "$rc" 1 "an unknown key expression fails"
like "$out" "verify\.c: .*cannot tell which param the key 'getenv \( \"K\" \)' names" "saying where"

# A checks.d entry with a param its check does not declare.
fresh
make_config bad <<'YAML'
checks:
  - id: podman.binary
    plugin: podman-machine
    check: binary
    params:
      podman: podman
      timeout_msec: 10000
YAML
out=$(census podman-machine --checksd "$TMP/bad/checks.d/10-test.yaml"); rc=$?
is "$rc" 1 "a checks.d file with an undeclared param fails"
like "$out" "10-test\.yaml:7:7: podman\.binary \(podman-machine\.binary\) gives param 'timeout_msec'; it takes: podman, timeout_ms" \
    "naming the file, line, column and what the check takes"

# ---- through the CLI -------------------------------------------------------
mkdir -p "$TMP/bin"
cat > "$TMP/bin/podman" <<'SH'
#!/bin/sh
case "$1" in
--version) echo "podman version 5.4.2" ;;
*) echo "Error: unexpected $*" >&2; exit 125 ;;
esac
SH
chmod +x "$TMP/bin/podman"
# 10-podman.yaml's podman.binary, once misspelt, once as shipped.
make_config cli <<YAML
checks:
  - id: podman.binary
    plugin: podman-machine
    check: binary
    severity: critical
    timeout: 15
    scope: runtime
    params:
      podman: $TMP/bin/podman
      timeout_msec: 10000
  - id: podman.binary-as-shipped
    plugin: podman-machine
    check: binary
    severity: critical
    timeout: 15
    scope: runtime
    params:
      podman: $TMP/bin/podman
      timeout_ms: 10000
YAML
out=$("$SOS" doctor local-runtime --json --config-dir "$TMP/cli" --plugin-dir "$BUILD_PLUGINS"); rc=$?
is "$rc" 3 "a misspelt param in a shipped-style entry: exit 3"
is "$(printf '%s' "$out" | jget "find('podman.binary')['status']")" error "that check errors"
like "$(printf '%s' "$out" | jget "find('podman.binary')['reason']")" \
    "checks\.d/10-test\.yaml:10:7: check 'podman\.binary' \(plugin podman-machine, check binary\) takes no param 'timeout_msec'; it takes: podman, timeout_ms" \
    "with the key's file:line:column and the params podman.binary takes"
is "$(printf '%s' "$out" | jget "find('podman.binary')['commands']")" "[]" "and podman was not run for it"
is "$(printf '%s' "$out" | jget "find('podman.binary-as-shipped')['status']")" ok "the entry spelt right runs"
like "$(printf '%s' "$out" | jget "find('podman.binary-as-shipped')['commands'][0]['argv']")" \
    "bin/podman\", \"--version\"" "and runs the podman it names"

done_testing
