#!/usr/bin/env bash
# corr_model.sh - correlations against a brute-force model of their window
# semantics (tests/tools/corr_model.py): six random streams of 1,500
# events, 40 correlations of all seven types with gt, gte, lt, lte, eq,
# neq and ranges, ties and gaps at the timespan's edge; then four streams
# through chains: 4 upstream correlations (lt, gte, lte, none), each read
# by 4 downstream ones (gte, ordered, lt, eq).
set -u
: "${TANSA:=build/tansa-san}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
for run in 1 2 3 4 5 6 "7 chains" "8 chains" "9 chains" "10 chains"; do
    set -- $run
    if out=$(python3 tests/tools/corr_model.py "$TANSA" "$1" 1500 "$work/s$1" ${2:-} 2>&1); then
        echo "ok   $out"; pass=$((pass + 1))
    else
        echo "FAIL $out"; fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
