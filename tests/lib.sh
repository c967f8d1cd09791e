# TAP helpers for the command-line tests. Source it, call `plan N`, then the
# assertions. Each test file gets its own temporary directory, removed on
# success and kept (and named) on failure.
: "${SOS_BUILDDIR:?run through make check}"
: "${SOS_SRCDIR:?run through make check}"

SOS="$SOS_BUILDDIR/sourceos"
TEST_PLUGINS="$SOS_TEST_PLUGINS"
BUILD_PLUGINS="$SOS_BUILDDIR/plugins/.libs"
FIXTURES="$SOS_SRCDIR/tests/fixtures"
if [ -x /usr/bin/python3 ]; then PYTHON=${PYTHON:-/usr/bin/python3}; else PYTHON=${PYTHON:-python3}; fi
export NO_COLOR=1

_n=0
_failed=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sos-test.XXXXXX")
_cleanup() {
    if [ "$_failed" -eq 0 ]; then rm -rf "$TMP"; else echo "# kept $TMP" >&2; fi
}
trap _cleanup EXIT

# Nothing of the caller's session decides a result: the report depends on
# HOME (auth files, user units, Nix profiles), the XDG directories, the
# variables podman and the registry checks read, the umask (files a test
# makes group-writable are findings) and the locale. A test that needs one
# of them sets it itself.
HOME="$TMP/home" XDG_RUNTIME_DIR="$TMP/xdg-run"
mkdir -p "$HOME" && mkdir -m 700 "$XDG_RUNTIME_DIR"
export HOME XDG_RUNTIME_DIR
unset XDG_CONFIG_HOME XDG_CONFIG_DIRS XDG_DATA_HOME XDG_STATE_HOME XDG_CACHE_HOME \
    DOCKER_CONFIG REGISTRY_AUTH_FILE CONTAINER_HOST CONTAINER_CONNECTION \
    CONTAINERS_CONF CONTAINERS_STORAGE_CONF CONTAINERS_REGISTRIES_CONF \
    NIX_CONF_DIR NIX_USER_CONF_FILES NIX_REMOTE NIX_PATH NIX_CONFIG \
    SYSTEMD_UNIT_PATH DBUS_SESSION_BUS_ADDRESS
umask 022
LC_ALL=C.UTF-8 TZ=UTC
export LC_ALL TZ

plan() { echo "1..$1"; }

# The program and its plugins where another uid (tests drop to 12345 with
# setpriv) can reach them: the build tree may sit under a 0700 directory, as
# .ci/run's second tree does (mktemp -d), and so may the source tree's
# checks.d. Sets OTHER_SOS, OTHER_AGENT, OTHER_PLUGINS and OTHER_CONFIG (a
# config dir holding a copy of checks.d); leaves $TMP mode 755.
other_user_build() {
    local d="$TMP/other-build"
    chmod 755 "$TMP"
    if [ ! -d "$d" ]; then
        mkdir -m 755 "$d" "$d/plugins"
        cp "$SOS" "$d/sourceos" && chmod 755 "$d/sourceos"
        ln -s sourceos "$d/sourceos-agent"
        cp "$BUILD_PLUGINS"/*.so "$d/plugins/" && chmod 644 "$d/plugins/"*.so
        mkdir -m 755 "$d/config" && cp -r "$SOS_SRCDIR/checks.d" "$d/config/" &&
            chmod -R a+rX "$d/config"
    fi
    OTHER_SOS="$d/sourceos" OTHER_AGENT="$d/sourceos-agent" OTHER_PLUGINS="$d/plugins"
    OTHER_CONFIG="$d/config"
}

ok() { # ok CONDITION-EXIT-STATUS DESCRIPTION
    _n=$((_n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $_n - $2"; else echo "not ok $_n - $2"; _failed=1; fi
}

is() { # is GOT WANT DESCRIPTION
    _n=$((_n + 1))
    if [ "$1" = "$2" ]; then echo "ok $_n - $3"
    else echo "not ok $_n - $3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; _failed=1; fi
}

like() { # like TEXT PATTERN DESCRIPTION (grep -E)
    _n=$((_n + 1))
    if printf '%s\n' "$1" | grep -Eq -- "$2"; then echo "ok $_n - $3"
    else echo "not ok $_n - $3"; echo "#   no match for /$2/ in:"; printf '%s\n' "$1" | sed 's/^/#   /' | head -20; _failed=1; fi
}

unlike() { # unlike TEXT PATTERN DESCRIPTION
    _n=$((_n + 1))
    if printf '%s\n' "$1" | grep -Eq -- "$2"; then echo "not ok $_n - $3"; echo "#   unexpected /$2/"; _failed=1
    else echo "ok $_n - $3"; fi
}

skip_all() { echo "1..0 # SKIP $1"; exit 0; }
skip() { _n=$((_n + 1)); echo "ok $_n # SKIP $1"; } # skip REASON: one test

# A checks.d directory under $TMP/NAME from the YAML on stdin.
make_config() {
    mkdir -p "$TMP/$1/checks.d"
    cat > "$TMP/$1/checks.d/${2:-10-test.yaml}"
}

# The value at a path of a JSON document on stdin, e.g. jget 'checks[0].status'
# (python: the expression is applied to the parsed document `d`).
jget() {
    "$PYTHON" -c 'import json,sys
d=json.load(sys.stdin)
v=eval(sys.argv[1], {"d": d, "find": lambda i: [c for c in d["checks"] if c["id"]==i][0]})
print(json.dumps(v) if isinstance(v,(dict,list,bool)) or v is None else v)' "$1"
}

# Prints the plan at the end (TAP allows it there); call last.
done_testing() { echo "1..$_n"; }
