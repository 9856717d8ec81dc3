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
# computer names are the logs' text (session 22's review): a CSV cell is
# quoted and formula-guarded, control bytes are escaped on a terminal and
# in CSV, and a table that cannot be written is exit 4
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
echo '{"Channel":"Security","EventID":4624,"Computer":"=HYPERLINK(\"x\"),\u001b]0;t\u0007","TimeCreated":"2024-01-02T03:04:05Z","EventRecordID":1}' >"$w/h.jsonl"
out=$("$T" metrics computer -f csv -q "$w/h.jsonl" | tail -n 1)
[ "$out" = '"'"'"'=HYPERLINK(""x""),\x1b]0;t\x07",1,100.00%' ]; check "metrics CSV: quoted, formula-guarded, escaped ($out)" $?
[ "$("$T" metrics computer -q "$w/h.jsonl" | grep -c $'\033')" = 0 ]; check "metrics table: no raw ESC" $?
"$T" metrics computer -q "$w/h.jsonl" >/dev/full 2>/dev/null
[ $? = 4 ]; check "metrics whose table cannot be written: exit 4" $?
# JSON Lines as hunt writes them: event_id and logon_type are numbers, and
# the share the table has is there; --help after the metric; paths with no
# input are said (exit 3, no table). A review, session 29.
line=$("$T" metrics eid -f jsonl -q "$IN" | head -n 1)
python3 -c 'import json,sys; o=json.loads(sys.argv[1]); assert isinstance(o["event_id"], int) and isinstance(o["share"], float), o' "$line"
check "metrics eid JSON: a numeric event_id and the share ($line)" $?
line=$("$T" metrics logons -f jsonl -q "$IN" | head -n 1)
python3 -c 'import json,sys; o=json.loads(sys.argv[1]); assert isinstance(o["logon_type"], int), o' "$line"
check "metrics logons JSON: a numeric logon_type" $?
"$T" metrics eid --help | grep -q '^Usage: tansa metrics'; check "metrics eid --help" $?
mkdir -p "$w/none"
"$T" metrics eid "$w/none" >"$w/none.out" 2>"$w/none.err"; rc=$?
[ $rc = 3 ] && [ ! -s "$w/none.out" ] && grep -q 'no EVTX, JSON or auditd input' "$w/none.err"
check "metrics on a folder without logs: said, exit 3, no table (exit $rc)" $?
# a tab or NUL in a logged value stays in its column (a TargetUserName
# "evil<TAB>1.2.3.4<TAB>dc01<TAB>10" chose the source, destination and logon
# type shown; a NUL cut the name: a review, session 29)
printf '%s\n' '{"Channel":"Security","EventID":4624,"Computer":"h","TimeCreated":"2024-01-01T00:00:01Z","TargetUserName":"evil\t1.2.3.4\tdc01\t10","TargetDomainName":"D","IpAddress":"5.6.7.8","LogonType":"3"}' \
    '{"Channel":"Security","EventID":4624,"Computer":"h","TimeCreated":"2024-01-01T00:00:02Z","TargetUserName":"nul\u0000x","TargetDomainName":"D","IpAddress":"5.6.7.8","LogonType":"3"}' >"$w/tab.jsonl"
got=$("$T" metrics logons -f jsonl -q "$w/tab.jsonl" | jq -c '[.account, .source, .destination, .logon_type]' | sort | tr '\n' ' ')
[ "$got" = '["D\\evil\t1.2.3.4\tdc01\t10","5.6.7.8","h",3] ["D\\nul\u0000x","5.6.7.8","h",3] ' ]
check "metrics: a tab or NUL in a value stays in its column ($got)" $?
[ "$("$T" metrics logons -f csv -q "$w/tab.jsonl" | tail -n +2 | awk -F, '{ print NF }' | sort -u)" = 8 ]
check "metrics CSV: 8 cells a row whatever the values hold" $?
echo "$pass passed, $fail failed"
