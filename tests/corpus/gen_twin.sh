#!/usr/bin/env bash
# tansa dump of gen's EVTX equals gen's JSON Lines twin, record for record.
set -u
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"${TANSA_REL:-build/tansa}" gen --seed 3 --scale 0.2 --days 7 --format both --out "$out" 2>/dev/null || { echo "FAIL gen"; echo "0 passed, 1 failed"; exit 0; }
exec python3 tests/tools/gen_twin.py "$TANSA" "$out"
