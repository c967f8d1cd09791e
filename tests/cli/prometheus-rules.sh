#!/bin/sh
# contrib/prometheus with Prometheus's own promtool: the alert rules load
# (lint fatal), their unit tests pass, and the example exposition the docs
# show parses and lints clean. promtool is shown to judge for real: broken
# copies are refused, and rules changed to fire wrongly (or never) fail the
# unit tests, so a passing run means the tests bite.
. "$SOS_SRCDIR/tests/lib.sh"
command -v promtool >/dev/null 2>&1 || skip_all "promtool is not installed (Debian: prometheus)"
P="$SOS_SRCDIR/contrib/prometheus"
RULES="$P/sourceos-alerts.yml"
UNIT="$P/sourceos-alerts.test.yml"
EXAMPLE="$P/example.prom"

# The contract's metric families (the doctor's --format prometheus).
FAMILIES="sourceos_agent_restarts sourceos_agent_state sourceos_build_info sourceos_check_status sourceos_findings sourceos_last_run_timestamp_seconds sourceos_run_duration_seconds sourceos_service_runs"
ALERTS="SourceosAgentRestarting SourceosAgentTripped SourceosCheckFailing SourceosCriticalFindings SourceosDoctorAbsent SourceosDoctorMetricsMissing SourceosDoctorStale SourceosServiceRespawnLoop"

# not0 STATUS: 0 (an ok) when STATUS is a failure's, for tools that must refuse.
not0() { if [ "$1" -ne 0 ]; then echo 0; else echo 1; fi; }

# py EXPR FILE: EXPR over the YAML document `d` of FILE.
py() {
    "$PYTHON" -c 'import sys, yaml
d = yaml.safe_load(open(sys.argv[2]))
rules = [r for g in d.get("groups", []) for r in g["rules"]] if "groups" in d else []
print(eval(sys.argv[1]))' "$1" "$2"
}

# --- the rules
out=$(promtool check rules --lint=all --lint-fatal "$RULES" 2>&1); rc=$?
is "$rc" 0 "promtool check rules (every lint fatal) accepts the rules"
like "$out" "SUCCESS: 8 rules found" "and loads all 8"
is "$(py '" ".join(sorted(r["alert"] for r in rules))' "$RULES")" "$ALERTS" "the alerts Alertmanager routes may name"
is "$(py '[r["alert"] for r in rules if r.get("labels", {}).get("severity") not in ("critical", "warning")]' "$RULES")" "[]" \
   "every alert has a severity label, critical or warning"
is "$(py '[r["alert"] for r in rules if not r.get("annotations", {}).get("summary") or not r["annotations"].get("description")]' "$RULES")" "[]" \
   "every alert has a summary and a description"
# The annotations say only what labels and $value hold: no other template
# data ($externalLabels) and no query of other series.
# shellcheck disable=SC2016 # python's $, not the shell's
is "$(py '[r["alert"] for r in rules for t in r["annotations"].values() if set(__import__("re").findall(r"\$(\w+)", t)) - {"labels", "value"} or "query" in t]' "$RULES")" "[]" \
   "annotations are made of label values and \$value only"
used=$(py '" ".join(sorted(set(__import__("re").findall(r"sourceos_[a-z_]+", " ".join(r["expr"] for r in rules)))))' "$RULES")
for m in $used; do
    case " $FAMILIES " in *" $m "*) ok 0 "expr metric $m is in the contract" ;;
    *) ok 1 "expr metric $m is in the contract" ;; esac
done

# A rule file promtool must refuse: a PromQL syntax error.
sed 's/delta(sourceos_service_runs\[30m\]) > 10/delta(sourceos_service_runs[30m] > 10/' "$RULES" > "$TMP/broken.yml"
out=$(promtool check rules "$TMP/broken.yml" 2>&1); rc=$?
ok "$(not0 "$rc")" "a rule with a PromQL syntax error is refused (exit $rc)"
like "$out" "parse error" "naming the parse error"

# --- the unit tests
out=$(cd "$P" && promtool test rules sourceos-alerts.test.yml 2>&1); rc=$?
is "$rc" 0 "promtool test rules: every unit test passes"
like "$out" "SUCCESS" "and says so"
# Each alert is shown firing somewhere and silent somewhere.
for a in $ALERTS; do
    is "$(py "sorted(set(bool(t['exp_alerts']) for g in d['tests'] for t in g['alert_rule_test'] if t['alertname'] == '$a'))" "$UNIT")" \
       "[False, True]" "$a is tested both firing and not firing"
done

# mutant DESCRIPTION SED: the rules changed by SED must fail the unit tests.
mutant() {
    mkdir -p "$TMP/mutant"
    cp "$UNIT" "$TMP/mutant/"
    sed "$2" "$RULES" > "$TMP/mutant/sourceos-alerts.yml"
    if cmp -s "$RULES" "$TMP/mutant/sourceos-alerts.yml"; then
        ok 1 "the unit tests catch $1 (the change did not apply)"
        return
    fi
    (cd "$TMP/mutant" && promtool test rules sourceos-alerts.test.yml) >/dev/null 2>&1
    ok "$(not0 $?)" "the unit tests catch $1"
}
mutant "a tripped alert on any state" 's/sourceos_agent_state{state="tripped"}/sourceos_agent_state/'
mutant "a respawn loop on any rise" 's/delta(sourceos_service_runs\[30m\]) > 10/delta(sourceos_service_runs[30m]) > 0/'
mutant "a respawn loop on a slower rise only" 's/delta(sourceos_service_runs\[30m\]) > 10/delta(sourceos_service_runs[30m]) > 200/'
mutant "a stale run before the hour" 's/> 3600/> 3500/'
mutant "a stale run too late" 's/> 3600/> 3700/'
mutant "a check failure alert on warnings" 's/sourceos_check_status == 2/sourceos_check_status >= 1/'
mutant "critical findings of any severity" 's/sourceos_findings{severity="critical"}/sourceos_findings/'
mutant "one failing run alerting (no for:)" 's/for: 25m/for: 0m/'
mutant "a vanished file alerting at once" 's/for: 30m/for: 0m/'
# shellcheck disable=SC2016 # the template's $, not the shell's
mutant "an annotation naming a missing label" 's/{{ \$labels.label_or_unit }} on/{{ $labels.unit }} on/'

# --- the example exposition
out=$(promtool check metrics < "$EXAMPLE" 2>&1); rc=$?
is "$rc" 0 "promtool check metrics: example.prom parses and lints clean"
is "$out" "" "with nothing to say"
is "$(sed -n 's/^# TYPE \([^ ]*\) .*/\1/p' "$EXAMPLE" | sort | tr '\n' ' ')" "$FAMILIES " "example.prom shows every family of the contract"
is "$(grep -c '^# TYPE [^ ]* gauge$' "$EXAMPLE")" 8 "each a gauge"
is "$(grep -c '^# HELP ' "$EXAMPLE")" 8 "each with its HELP"
# promtool refuses what it should
grep -v '^# HELP sourceos_findings ' "$EXAMPLE" > "$TMP/nohelp.prom"
out=$(promtool check metrics < "$TMP/nohelp.prom" 2>&1); rc=$?
ok "$(not0 "$rc")" "a family without HELP fails check metrics (exit $rc)"
like "$out" "sourceos_findings no help text" "naming it"
printf 'sourceos_check_status{check="x" 1\n' > "$TMP/garbled.prom"
promtool check metrics < "$TMP/garbled.prom" >/dev/null 2>&1
ok "$(not0 $?)" "an unterminated label value fails check metrics"

done_testing
