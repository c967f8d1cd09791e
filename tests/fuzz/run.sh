#!/usr/bin/env bash
# Runs libFuzzer harnesses: run.sh smoke|long SECONDS HARNESS...
#   smoke: each from a fresh copy of its seeds (tests/fixtures and
#          tests/fuzz/seeds), SECONDS each; nothing kept but findings.
#   long:  each from its kept corpus (tests/fuzz/corpus/NAME in the build
#          tree, seeded on first use), which grows run by run.
# FUZZ_JOBS (default 2) harnesses run at once, under nice. Every input of
# up to 1 MiB is tried (-max_len), since the quadratic cases need them; one
# input taking over FUZZ_UNIT_TIMEOUT seconds (default 10) is a finding.
# Findings (crash, leak, timeout, out of memory) go to
# tests/fuzz/findings/NAME/; logs to tests/fuzz/logs/NAME.log.
# Prints one line per harness (execs, seconds, findings); exits 1 when any
# harness found something or could not run.
set -u
mode=${1:?usage: run.sh smoke|long SECONDS HARNESS...}
secs=${2:?usage: run.sh smoke|long SECONDS HARNESS...}
shift 2
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$(pwd)/tests/fuzz
jobs=${FUZZ_JOBS:-2}
unit_timeout=${FUZZ_UNIT_TIMEOUT:-10}
mkdir -p "$OUT/logs" "$OUT/findings" "$OUT/corpus"

# The seed files of harness $1, one per line.
seeds() {
    local F=$SRC/tests/fixtures
    case "$1" in
    checksd) ls "$F"/checksd/*/*.y*ml "$SRC"/checks.d/*.yaml ;;
    plist_lint) ls "$F"/launchd/*.plist "$F"/launchd/*.bplist
                find "$F/roots/macos" -name '*.plist' ;;
    launchd_overrides) ls "$F"/launchd/*.plist ;;
    launchctl_print) ls "$F"/launchd/launchctl-print-*.txt "$F"/launchd/*.stderr ;;
    launchctl_disabled) ls "$F"/launchd/launchctl-print-disabled-*.txt ;;
    systemd_unit) ls "$F"/systemd/*.service ;;
    systemctl_show) ls "$F"/systemd/*show*.txt ;;
    wsl_list) ls "$F"/wsl2/l-v-* "$F"/wsl2/status* "$F"/wsl2/wsl-l-v* ;;
    wsl_conf) ls "$F"/wsl2/wsl.conf-*; find "$F/wsl2/root-wsl2" -name wsl.conf ;;
    hyperv_getvm) ls "$F"/hyperv/*.json "$F"/hyperv/*.txt ;;
    podman_machine) ls "$F"/podman/list-*.json "$F"/podman/inspect-*.json ;;
    podman_ps) ls "$F"/podman/inspect-*.json ;;
    podman_inspect) ls "$F"/podman/info-*.json ;;
    esac 2>/dev/null
    [ -d "$SRC/tests/fuzz/seeds/$1" ] && find "$SRC/tests/fuzz/seeds/$1" -type f
    return 0
}

# run_one PATH-OF-HARNESS: one campaign; writes $OUT/logs/NAME.summary.
run_one() {
    local bin=$1 name corpus rc execs took found tmp=""
    name=$(basename "$bin"); name=${name#fuzz_}
    rm -f "$OUT/logs/$name.summary"
    if [ "$mode" = smoke ]; then
        tmp=$(mktemp -d "${TMPDIR:-/tmp}/sos-fuzz-$name.XXXXXX")
        corpus=$tmp
    else
        corpus=$OUT/corpus/$name
        mkdir -p "$corpus"
    fi
    if [ -z "$(ls -A "$corpus")" ]; then
        seeds "$name" | while read -r f; do [ -f "$f" ] && cp "$f" "$corpus/"; done
    fi
    mkdir -p "$OUT/findings/$name"
    local start=$SECONDS
    nice -n 10 "$bin" -max_total_time="$secs" -max_len=1048576 \
        -timeout="$unit_timeout" -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$OUT/findings/$name/" "$corpus" \
        > "$OUT/logs/$name.log" 2>&1
    rc=$?
    took=$((SECONDS - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/logs/$name.log" | tail -n 1)
    found=$(grep -c 'Test unit written to' "$OUT/logs/$name.log")
    [ "$rc" -eq 0 ] || [ "$found" -gt 0 ] || found=1
    printf '%-20s execs %-10s seconds %-5s findings %s%s\n' "$name" "${execs:-?}" "$took" \
        "$found" "$([ "$found" -gt 0 ] && echo " (see tests/fuzz/logs/$name.log)")" \
        > "$OUT/logs/$name.summary"
    [ -n "$tmp" ] && rm -rf "$tmp"
    return 0
}

for bin in "$@"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
    run_one "$bin" &
done
wait
failed=0
for bin in "$@"; do
    name=$(basename "$bin"); name=${name#fuzz_}
    if [ -f "$OUT/logs/$name.summary" ]; then
        cat "$OUT/logs/$name.summary"
        grep -q 'findings 0$' "$OUT/logs/$name.summary" || failed=1
    else
        echo "$name: did not run"; failed=1
    fi
done
echo "fuzz $mode: $# harnesses, ${secs}s each: $([ $failed = 0 ] && echo no findings || echo FINDINGS)"
exit "$failed"
