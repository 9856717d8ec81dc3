#!/usr/bin/env bash
# corr_model.sh - correlations against a brute-force model of their window
# semantics (tests/tools/corr_model.py): six random streams of 1,500
# events, 44 correlations of all seven types with gt, gte, lt, lte, eq,
# neq and ranges, ties and gaps at the timespan's edge.
set -u
: "${TANSA:=build/tansa-san}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
for seed in 1 2 3 4 5 6; do
    if out=$(python3 tests/tools/corr_model.py "$TANSA" "$seed" 1500 "$work/s$seed" 2>&1); then
        echo "ok   $out"; pass=$((pass + 1))
    else
        echo "FAIL $out"; fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
