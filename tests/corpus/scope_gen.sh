#!/usr/bin/env bash
# tansa scope on tansa gen scenarios equals the generator's ground truth
# (hosts, accounts, edges, objects, gaps, crown-jewel verdicts): 5 seeds at
# scale 0.2 and 2 seeds at scale 1, 30 days each. The release build is used
# for the volume (the ASan build runs scope's unit and command-line tests).
set -u
T=${TANSA_REL:-build/tansa}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
for spec in 1:0.2 2:0.2 3:0.2 4:0.2 5:0.2 1:1 2:1; do
    seed=${spec%%:*} scale=${spec##*:}
    d="$work/s$seed-$scale"
    "$T" gen --seed "$seed" --scale "$scale" --days 30 --quiet --out "$d" 2>/dev/null
    if TANSA="$T" bash tests/tools/scope_gen_check.sh "$d" >"$d.out" 2>&1; then
        pass=$((pass + 1)); echo "ok   seed $seed scale $scale: $(grep -c '^ok' "$d.out") parts equal to truth.json"
    else
        fail=$((fail + 1)); echo "FAIL seed $seed scale $scale"; grep -E "DIFF|only" "$d.out" | head -5
    fi
done
# seeded from detections instead of the truth's seed: the built-in pack's
# high and critical detections must lead to the same answer
d="$work/s1-0.2"
if "$T" scope -q --from-detections --assets "$d/assets.csv" -o "$d/fd.json" "$d/logs" 2>/dev/null &&
    python3 tests/tools/scope_vs_truth.py "$d/fd.json" "$d/truth.json" >"$d/fd.out" 2>&1; then
    pass=$((pass + 1)); echo "ok   --from-detections (built-in pack, high) gives the truth on seed 1"
else
    fail=$((fail + 1)); echo "FAIL --from-detections on seed 1"; grep -E "DIFF|only" "$d/fd.out" | head -5
fi
# the thread count changes nothing but the speed: 1 and 2 reading threads
# give the same JSON (order, proofs and all) on seed 1 at scale 1
d="$work/s1-1"
seeds=$(python3 -c 'import json,sys; print(" ".join("--seed host:%s@%s" % (s["host"], s["time"]) for s in json.load(open(sys.argv[1]))["seeds"]))' "$d/truth.json")
# shellcheck disable=SC2086 # seeds are several words
if "$T" scope -q -t 1 $seeds --assets "$d/assets.csv" -o "$d/t1.json" "$d/logs" &&
    "$T" scope -q -t 2 $seeds --assets "$d/assets.csv" -o "$d/t2.json" "$d/logs" &&
    python3 -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); a.pop("stats"); b.pop("stats"); sys.exit(a != b)' "$d/t1.json" "$d/t2.json"; then
    pass=$((pass + 1)); echo "ok   1 and 2 threads give the same answer (seed 1, scale 1)"
else
    fail=$((fail + 1)); echo "FAIL 1 and 2 threads differ (seed 1, scale 1)"
fi
echo "$pass passed, $fail failed"
