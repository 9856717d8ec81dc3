#!/usr/bin/env bash
# scope_gen_check.sh - run `tansa scope` on `tansa gen` output folders and compare with their truth.json.
# Usage: tests/tools/scope_gen_check.sh [--no-assets] DIR...   (TANSA=build/tansa by default)
set -u
T=${TANSA:-build/tansa}
here=$(dirname "$0")
assets=1
[ "${1:-}" = --no-assets ] && { assets=0; shift; }
bad=0
for d in "$@"; do
    seeds=$(python3 -c 'import json,sys; print(" ".join("--seed host:%s@%s" % (s["host"], s["time"]) for s in json.load(open(sys.argv[1]))["seeds"]))' "$d/truth.json")
    a=(); [ $assets = 1 ] && a=(--assets "$d/assets.csv")
    [ $assets = 0 ] && a=(--crown-jewels "$(awk -F, 'NR>1 && $5=="crown_jewel"{printf "%s%s", s, $1; s=","}' "$d/assets.csv")")
    mapfile -t files < <(find "$d/logs" -name '*.evtx' | sort)
    /usr/bin/time -f '%e s, %M KiB peak RSS' -o "$d/scope.time" "$T" scope $seeds "${a[@]}" -o "$d/scope.json" "${files[@]}" || bad=1
    ev=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["stats"]["events"])' "$d/scope.json")
    echo "== $d: $ev events, $(cat "$d/scope.time")"
    python3 "$here/scope_vs_truth.py" "$d/scope.json" "$d/truth.json" || bad=1
done
exit $bad
