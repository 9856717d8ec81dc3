#!/usr/bin/env bash
# run-all.sh - every benchmark, one after the other (long: tens of minutes).
# Each prints its baseline from the same run and the ratio.
set -eu
cd "$(dirname "$0")/.."
for b in bench/evtx_dump.sh bench/hunt_rules.sh bench/gen.sh bench/jsonl.sh bench/sigma_match.sh; do
    echo "== $b"
    bash "$b" || echo "   ($b failed with $?)"
done
