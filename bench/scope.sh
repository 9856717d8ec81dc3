#!/usr/bin/env bash
# scope.sh - `tansa scope` over ~2.7 and ~10.2 million events of one
# `tansa gen` company (seed 1, scale 36: 1,915 hosts, 8,997 accounts) over
# 8 and 30 days, against parsing alone in the same run: events/s, wall and
# CPU time, peak RSS at both sizes side by side (flat: memory follows hosts,
# accounts, logs and open sessions, not events), the cost of scope over
# parsing, and whether the answer equals gen's truth.json.
#
#   bench/scope.sh [SCALE:DAYS...]      (default: 36:8 36:30)
#
# Scenarios are generated once and kept under $BENCH_DIR (default
# /tmp/tansa-bench): 36:30 is 6.7 GB of EVTX. Each command runs twice; the
# faster run is reported. The baseline is `tansa hunt` with an empty rule
# folder: read, parse and normalise every record, nothing else.
set -eu
cd "$(dirname "$0")/.."
TANSA=${TANSA:-build/tansa}
DIR=${BENCH_DIR:-/tmp/tansa-bench}
THREADS=${THREADS:-$(nproc)}
mkdir -p "$DIR" "$DIR/empty-rules"
[ -x "$TANSA" ] || make -s build/tansa
specs=${*:-36:8 36:30}

run() { # prints "wall cpu rss_kib" of a command (its output is discarded)
    local out t0 t1
    out=$(mktemp)
    t0=$(date +%s.%N)
    /usr/bin/time -f "%M %U %S" -o "$out" "$@" >/dev/null 2>>"$DIR/scope-bench.err" || true
    t1=$(date +%s.%N)
    read -r rss u s < <(tail -n 1 "$out")
    rm -f "$out"
    echo "$(echo "$t1 - $t0" | bc -l) $(echo "$u + $s" | bc -l) $rss"
}

best() { # the faster (by wall time) of two runs of a command
    local a b
    a=$(run "$@")
    b=$(run "$@")
    if [ "$(echo "${a%% *} <= ${b%% *}" | bc -l)" = 1 ]; then echo "$a"; else echo "$b"; fi
}

printf '%-6s %10s %6s %7s | %-30s | %-30s | %-13s | %s\n' scale:d events hosts accts \
    "parse only: wall  CPU   RSS" "scope: wall  CPU   RSS  ev/s" "scope/parse" "truth"
rows=()
for spec in $specs; do
    sc=${spec%%:*} days=${spec##*:}
    d="$DIR/scope-gen-s$sc-d$days"
    if [ ! -s "$d/truth.json" ]; then
        echo "generating seed 1, scale $sc, $days days into $d (once) ..." >&2
        rm -rf "$d"
        "$TANSA" gen --seed 1 --scale "$sc" --days "$days" --quiet --out "$d"
    fi
    events=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["stats"]["events"])' "$d/truth.json")
    seeds=$(python3 -c 'import json,sys; print(" ".join("--seed host:%s@%s" % (s["host"], s["time"]) for s in json.load(open(sys.argv[1]))["seeds"]))' "$d/truth.json")
    read -r pw pc pr < <(best "$TANSA" hunt -q -t "$THREADS" --rules "$DIR/empty-rules" -f jsonl "$d/logs")
    # shellcheck disable=SC2086 # seeds are several words
    read -r sw scpu sr < <(best "$TANSA" scope -q -t "$THREADS" $seeds --assets "$d/assets.csv" -o "$d/scope.json" "$d/logs")
    read -r hosts accts < <(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["stats"]; print(s["hosts_seen"], s["accounts_seen"])' "$d/scope.json")
    if python3 tests/tools/scope_vs_truth.py "$d/scope.json" "$d/truth.json" >"$d/truth.out" 2>&1; then
        truth="equal ($(grep -c '^ok' "$d/truth.out") parts)"
    else
        truth="DIFF: $(grep -c DIFF "$d/truth.out") parts (see $d/truth.out)"
    fi
    printf '%-6s %10d %6d %7d | %9.1f s %5.1f s %4.0f MiB | %6.1f s %5.1f s %4.0f MiB %7.0f | %4.2fx wall %4.2fx CPU | %s\n' \
        "$spec" "$events" "$hosts" "$accts" "$pw" "$pc" "$(echo "$pr / 1024" | bc -l)" \
        "$sw" "$scpu" "$(echo "$sr / 1024" | bc -l)" "$(echo "$events / $sw" | bc -l)" \
        "$(echo "$sw / $pw" | bc -l)" "$(echo "$scpu / $pc" | bc -l)" "$truth"
    rows+=("$spec:$events:$sr")
done
if [ ${#rows[@]} -ge 2 ]; then
    IFS=: read -r s1 d1 e1 r1 <<<"${rows[0]}"
    IFS=: read -r s2 d2 e2 r2 <<<"${rows[${#rows[@]} - 1]}"
    printf 'peak RSS: %.0f MiB at %d events (scale %s, %s days), %.0f MiB at %d events (scale %s, %s days): x%.2f for x%.2f events\n' \
        "$(echo "$r1 / 1024" | bc -l)" "$e1" "$s1" "$d1" "$(echo "$r2 / 1024" | bc -l)" "$e2" "$s2" "$d2" \
        "$(echo "$r2 / $r1" | bc -l)" "$(echo "$e2 / $e1" | bc -l)"
fi
echo "($THREADS threads; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg))"
