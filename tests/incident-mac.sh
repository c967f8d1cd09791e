# The incident's macOS tree, as it really looked (sourced by tests/cli/incident.sh
# and tests/cli/capture.sh after tests/lib.sh): a root-owned
# /Library/LaunchAgents plist written by nix-darwin (`/bin/sh -c
# "/bin/wait4path /nix/store && exec STOREPATH"`), the store wrapper doing a
# raw `podman run` of a registry image with the whole home mounted, a
# 4000-line error log in /tmp, a stopped Podman machine, a credential helper,
# and launchd having run the job 4312 times; stand-in podman, launchctl and
# profiles in $TMP/bin replaying captured output, each logging what it was
# asked to $FAKE/calls. Sets MAC (the tree), PL (the plist), STORE, IMAGE, FAKE.
PODMAN_FIX="$FIXTURES/podman"
LFIX="$FIXTURES/launchd"
FAKE="$TMP/bin/data"
mkdir -p "$TMP/bin" "$FAKE"
STORE=/nix/store/0c6qv0r3l1xg9a7mxn1bdd2bzph7p0b4-node-commander-wrapper
IMAGE=ghcr.io/socioprophet/node-commander:latest

# Stand-ins replaying captured output; each logs what it was asked.
cat > "$TMP/bin/podman" <<'SH'
#!/bin/sh
d="${0%/*}/data"
echo "podman $*" >> "$d/calls"
case "$*" in
--version) echo "podman version 5.2.1" ;;
"machine list --format json") cat "$d/list.json" ;;
"machine inspect "*) cat "$d/inspect.json" ;;
"system connection list --format json") echo "[]" ;;
"info --format json") cat "$d/info.json" ;;
*) echo "Error: stand-in: unexpected $*" >&2; exit 125 ;;
esac
SH
cat > "$TMP/bin/launchctl" <<'SH'
#!/bin/sh
d="${0%/*}/data"
echo "launchctl $*" >> "$d/calls"
case "$1 $2" in
"print gui/"*"/org.nixos.node-commander") cat "$d/print.txt" ;;
print-disabled*) printf 'disabled services = {\n}\n' ;;
print*) echo "Could not find service \"${2##*/}\" in domain for port" >&2; exit 113 ;;
*) echo "stand-in launchctl: unexpected $*" >&2; exit 64 ;;
esac
SH
cat > "$TMP/bin/profiles" <<'SH'
#!/bin/sh
printf 'Enrolled via DEP: No\nMDM enrollment: No\n'
SH
chmod +x "$TMP/bin/podman" "$TMP/bin/launchctl" "$TMP/bin/profiles"
cp "$PODMAN_FIX/list-5.x-applehv.json" "$FAKE/list.json"
cp "$PODMAN_FIX/info-4.3.1.json" "$FAKE/info.json"
cp "$PODMAN_FIX/inspect-5.x-stopped.json" "$FAKE/inspect.json"
# launchd's answer for the job, as captured from the incident's machine:
# 4312 runs, the last one exiting 125 (podman's own failure), no reason.
sed -e "s|/nix/store/abc123-node-commander-wrapper|$STORE|" \
    -e 's|stdout path = .*|stdout path = /tmp/node-commander.out.log|' \
    -e 's|stderr path = .*|stderr path = /tmp/node-commander.err.log|' \
    "$LFIX/launchctl-print-respawn-loop.txt" > "$FAKE/print.txt"

# ---- the macOS tree ------------------------------------------------------------
MAC="$TMP/mac"
cp -R "$FIXTURES/roots/macos" "$MAC"
PL=/Library/LaunchAgents/org.nixos.node-commander.plist
mkdir -p "$MAC/Library/LaunchAgents" "$MAC$STORE/bin" "$MAC/tmp" \
    "$MAC/Users/alice/.docker" "$MAC/Users/alice/Library/LaunchAgents" \
    "$MAC/opt/homebrew/bin"
chown 501 "$MAC/Users/alice" "$MAC/Users/alice/Library" "$MAC/Users/alice/Library/LaunchAgents"
cat > "$MAC$PL" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>KeepAlive</key>
	<true/>
	<key>Label</key>
	<string>org.nixos.node-commander</string>
	<key>ProgramArguments</key>
	<array>
		<string>/bin/sh</string>
		<string>-c</string>
		<string>/bin/wait4path /nix/store &amp;&amp; exec $STORE/bin/node-commander</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>StandardErrorPath</key>
	<string>/tmp/node-commander.err.log</string>
	<key>StandardOutPath</key>
	<string>/tmp/node-commander.out.log</string>
</dict>
</plist>
XML
chown 0:0 "$MAC$PL"; chmod 644 "$MAC$PL"
cat > "$MAC$STORE/bin/node-commander" <<SH
#!/nix/store/9y0dv2pl8q3lm3x6l4ds2m5c8x1mzq7b-bash-5.2p26/bin/bash
set -e
export PATH=/opt/homebrew/bin:\$PATH
exec /opt/homebrew/bin/podman run --rm --name node-commander \\
  -v /Users/alice:/workspace -e NODE_ENV=production \\
  $IMAGE
SH
chmod 555 "$MAC$STORE/bin/node-commander"
printf '#!/bin/sh\n' > "$MAC/opt/homebrew/bin/docker-credential-gcloud"
chmod 755 "$MAC/opt/homebrew/bin/docker-credential-gcloud"
printf '{"auths":{},"credHelpers":{"gcr.io":"gcloud"}}\n' > "$MAC/Users/alice/.docker/config.json"
chown -R 501 "$MAC/Users/alice/.docker"; chmod 600 "$MAC/Users/alice/.docker/config.json"
# 4000 times the same failure, a second apart, as the incident's log had it.
"$PYTHON" - "$MAC/tmp/node-commander.err.log" <<'PY'
import sys, datetime
t = datetime.datetime(2026, 11, 28, 3, 14, 7)
with open(sys.argv[1], "w") as f:
    for i in range(4000):
        s = (t + datetime.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        f.write(f"{s} Error: error getting credentials - err: exit status 1, out: ``\n")
PY
: > "$MAC/tmp/node-commander.out.log"
