#!/bin/sh
# --format prometheus and --textfile DIR: the incident's Mac as series a
# fleet can alert on (validated by the real promtool), each agent's
# lifecycle from its status, the textfile written atomically 0644, and the
# usage errors.
. "$SOS_SRCDIR/tests/lib.sh"
command -v promtool >/dev/null 2>&1 || skip_all "promtool is not installed (apt-get install prometheus)"
. "$SOS_SRCDIR/tests/incident-mac.sh"
AGENT="$SOS_BUILDDIR/sourceos-agent"

doctor() { # doctor ROOT [OPTIONS]: the shipped checks.d, live, stand-ins first on PATH
    r=$1; shift
    PATH="$TMP/bin:/usr/bin:/bin" "$SOS" doctor local-runtime --live --root "$r" \
        --plugin-dir "$BUILD_PLUGINS" --config-dir "$SOS_SRCDIR" "$@"
}
series() { # series NAME{LABELS}: its value in $out, or nothing
    printf '%s\n' "$out" | awk -v s="$1" 'index($0, s " ") == 1 { print substr($0, length(s) + 2) }'
}

# ---- the incident --------------------------------------------------------
out=$(doctor "$MAC" --format prometheus); rc=$?
is "$rc" 2 "the incident's Mac: exit 2, as the report's"
printf '%s\n' "$out" > "$TMP/mac.prom"
lint=$(promtool check metrics < "$TMP/mac.prom" 2>&1); prc=$?
is "$prc|$lint" "0|" "promtool check metrics: no problem"
is "$(series 'sourceos_service_runs{label_or_unit="org.nixos.node-commander",backend="launchd"}')" 4312 \
    "the respawning job's runs, from launchctl print"
is "$(series 'sourceos_check_status{check="launchd.jobs",plugin="launchd",scope="runtime",agent=""}')" 2 \
    "launchd.jobs failed (2)"
is "$(series 'sourceos_findings{severity="critical",code="launchd.respawn-loop"}')" 1 \
    "one critical launchd.respawn-loop"
is "$(series 'sourceos_findings{severity="critical",code="launchd.keepalive-unbounded"}')" 1 \
    "one critical launchd.keepalive-unbounded"
ver=$("$SOS" --version | sed -n 's/.*) \([^,]*\), plugin ABI \(.*\)/\1 \2/p')
is "$(series "sourceos_build_info{version=\"${ver% *}\",abi=\"${ver#* }\"}")" 1 "build info: version and ABI"
like "$(series sourceos_last_run_timestamp_seconds)" '^1[0-9]{9}\.[0-9]{3}$' "the run's end, epoch seconds"
like "$(series sourceos_run_duration_seconds)" '^[0-9]+\.[0-9]{3}$' "its duration"
is "$(grep '^#' "$TMP/mac.prom")" "$(grep '^#' "$SOS_SRCDIR/contrib/prometheus/example.prom")" \
    "contrib/prometheus/example.prom has the families and help the doctor prints"
# The same checks as the JSON report, each once, with its status's number.
doctor "$MAC" --json > "$TMP/mac.json"
want=$("$PYTHON" -c '
import json, sys
n = {"ok": 0, "warning": 1, "failure": 2, "error": 3, "skipped": 4, "timeout": 5}
for c in json.load(open(sys.argv[1]))["checks"]:
    print("%s %s %d" % (c["id"], c.get("agent", ""), n[c["status"]]))' "$TMP/mac.json" | sort)
got=$(printf '%s\n' "$out" | sed -n 's/^sourceos_check_status{check="\([^"]*\)",plugin="[^"]*",scope="[^"]*",agent="\([^"]*\)"} \(.*\)/\1 \2 \3/p' | sort)
is "$got" "$want" "sourceos_check_status: every check of the report, its status as a number"
# Only the eight families; no label value is prose.
is "$(printf '%s\n' "$out" | grep -v '^#' | sed 's/[{ ].*//' | sort -u | tr '\n' ' ')" \
    "sourceos_build_info sourceos_check_status sourceos_findings sourceos_last_run_timestamp_seconds sourceos_run_duration_seconds sourceos_service_runs " \
    "the families of a run without agents"
values=$(printf '%s\n' "$out" | grep -v '^#' | grep -o '="[^"]*"' | sed 's/^="//; s/"$//' | sort -u)
is "$(printf '%s\n' "$values" | grep -Ev '^[A-Za-z0-9._@:-]*$')" "" "label values are ids, codes, names: no spaces, no prose"

# ---- --textfile ------------------------------------------------------------
mkdir -p "$TMP/textfile"
printf 'stale\n' > "$TMP/textfile/sourceos.prom"
inode=$(stat -c %i "$TMP/textfile/sourceos.prom")
json=$(doctor "$MAC" --json --textfile "$TMP/textfile"); rc=$?
is "$rc" 2 "--textfile with --json: the run's exit"
is "$(printf '%s' "$json" | jget 'd["command"]')" "doctor local-runtime" "stdout is still the JSON report"
is "$(stat -c %a "$TMP/textfile/sourceos.prom")" 644 "DIR/sourceos.prom has mode 0644 (node_exporter reads it as its own user)"
ok "$([ "$(stat -c %i "$TMP/textfile/sourceos.prom")" != "$inode" ]; echo $?)" "replaced by a rename, not rewritten in place"
is "$(ls -A "$TMP/textfile")" sourceos.prom "no temporary left beside it"
lint=$(promtool check metrics < "$TMP/textfile/sourceos.prom" 2>&1); prc=$?
is "$prc|$lint" "0|" "the textfile passes promtool check metrics"
is "$(grep -v '_seconds' "$TMP/textfile/sourceos.prom")" "$(grep -v '_seconds' "$TMP/mac.prom")" \
    "the textfile holds what --format prometheus prints"
(umask 077; doctor "$MAC" --quiet --textfile "$TMP/textfile" >/dev/null)
is "$(stat -c %a "$TMP/textfile/sourceos.prom")" 644 "0644 whatever the umask"
out=$(doctor "$MAC" --quiet --textfile "$TMP/nowhere" 2>&1 >/dev/null); rc=$?
like "$rc|$out" "^74\|sourceos: --textfile $TMP/nowhere: No such file or directory \(give node_exporter's textfile directory" \
    "a missing directory: exit 74, said"

# ---- agents: each one's lifecycle from its status ----------------------------
CFG="$TMP/cfg"
mkdir -p "$CFG/checks.d" "$CFG/agents.d"
cp "$SOS_SRCDIR/checks.d/00-host.yaml" "$CFG/checks.d/"
export XDG_STATE_HOME="$TMP/state"
for a in web api; do
    printf 'name: %s\nimage: localhost/%s@sha256:0123\nbackend: systemd\nlogs: {app: /var/log/sourceos-test/%s.log, stdout: /var/log/sourceos-test/%s.out.log, stderr: /var/log/sourceos-test/%s.err.log}\n' \
        "$a" "$a" "$a" "$a" "$a" > "$CFG/agents.d/$a.yaml"
done
run_agents() { "$SOS" doctor local-runtime --config-dir "$CFG" --plugin-dir "$BUILD_PLUGINS" --format prometheus "$@" 2>/dev/null; }
out=$(run_agents)
is "$(series 'sourceos_agent_state{agent="api",state="declared"}')|$(series 'sourceos_agent_state{agent="web",state="declared"}')" "1|1" \
    "two declared agents, nothing staged: state declared"
"$AGENT" stage web --config-dir "$CFG" --plugin-dir "$BUILD_PLUGINS" > "$TMP/stage.out" 2>&1
ok $? "staged web"
out=$(run_agents)
is "$(printf '%s\n' "$out" | grep '^sourceos_agent_state{agent="web"')" 'sourceos_agent_state{agent="web",state="staged"} 1' \
    "staged: one series, the current state only"
now=$(date +%s)
STATE="$XDG_STATE_HOME/sourceos/agents/web"
printf '%s\n' $((now - 30)) $((now - 20)) $((now - 7200)) > "$STATE/restarts"
printf 'tripped %s\n' $((now - 10)) > "$STATE/tripped"
out=$(run_agents)
is "$(series 'sourceos_agent_state{agent="web",state="tripped"}')" 1 "tripped"
is "$(series 'sourceos_agent_restarts{agent="web",backend="systemd"}')" 2 "restarts: the starts of the last hour"
is "$(series 'sourceos_agent_restarts{agent="api",backend="systemd"}')" 0 "none for api"
lint=$(printf '%s\n' "$out" | promtool check metrics 2>&1); prc=$?
is "$prc|$lint" "0|" "promtool: the agents' series too"
out=$("$AGENT" doctor web --config-dir "$CFG" --plugin-dir "$BUILD_PLUGINS" --format prometheus 2>/dev/null)
is "$(printf '%s\n' "$out" | grep -c '^sourceos_agent_state')|$(series 'sourceos_agent_state{agent="web",state="tripped"}')" "1|1" \
    "sourceos-agent doctor NAME: that agent's state only"

# ---- usage -------------------------------------------------------------------
out=$("$SOS" checks --format prometheus 2>&1); rc=$?
like "$rc|$out" "^64\|sourceos: --format prometheus is for the doctors' runs" "--format prometheus elsewhere is a usage error"
out=$("$SOS" explain core.offline --textfile "$TMP" 2>&1); rc=$?
like "$rc|$out" "^64\|sourceos: --textfile is for the doctors' runs" "so is --textfile"
out=$("$SOS" doctor local-runtime --textfile 2>&1); rc=$?
like "$rc|$out" "^64\|.*'--textfile' needs a value: a directory" "--textfile needs its directory"
done_testing
