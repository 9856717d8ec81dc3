#!/usr/bin/env bash
# tansa metrics: counts add up to the records read, logons match the 4624/4625 events.
set -u
T=${TANSA:-build/tansa-san}
C=${CORPUS:-../shared/corpus}
IN="$C/evtx-attack-samples"
pass=0 fail=0
check() { if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi; }
records=$(find "$IN" -name '*.evtx' -print0 | xargs -0 "$T" dump -q -f event | wc -l)
eid_sum=$("$T" metrics eid -f jsonl -q "$IN" | python3 -c 'import json,sys; print(sum(json.loads(l)["count"] for l in sys.stdin))')
[ "$records" = "$eid_sum" ]; check "metrics eid counts add up to the records ($eid_sum of $records)" $?
comp_sum=$("$T" metrics computer -f jsonl -q "$IN" | python3 -c 'import json,sys; print(sum(json.loads(l)["count"] for l in sys.stdin))')
[ "$records" = "$comp_sum" ]; check "metrics computer counts add up ($comp_sum)" $?
logons=$(find "$IN" -name '*.evtx' -print0 | xargs -0 "$T" dump -q -f event | grep -cE '"EventID":462[45],.*"Channel":"Security"')
lsum=$("$T" metrics logons -f jsonl -q "$IN" | python3 -c 'import json,sys; print(sum(json.loads(l)["count"] for l in sys.stdin))')
[ "$logons" = "$lsum" ]; check "metrics logons counts every 4624/4625 ($lsum of $logons)" $?
"$T" metrics nonsense "$IN" >/dev/null 2>&1
[ $? = 2 ]; check "unknown metric is a usage error" $?
echo "$pass passed, $fail failed"
