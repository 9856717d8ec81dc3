#!/usr/bin/env bash
# tansa scope: a small JSONL scenario end to end (learned IP, edge, object, formats, exit codes).
set -u
T=${TANSA:-build/tansa-san}
pass=0 fail=0
check() { if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
ev() { # computer time rid eid eventdata-json
    printf '{"Event":{"System":{"EventID":%s,"TimeCreated":{"#attributes":{"SystemTime":"%s"}},"EventRecordID":%s,"Channel":"Security","Computer":"%s"},"EventData":%s}}\n' "$4" "$2" "$3" "$1" "$5"
}
{
    # teaches 10.1.1.5 = WS1 (NTLM logon names the workstation)
    ev SRV1.corp.local 2019-03-04T09:00:00.000000Z 1 4624 '{"TargetUserName":"bob","TargetDomainName":"CORP","LogonType":3,"IpAddress":"10.1.1.5","WorkstationName":"WS1","TargetLogonId":"0x10"}'
    # Kerberos logon from the same address after the seed: an edge
    ev SRV2.corp.local 2019-03-05T10:00:00.000000Z 1 4624 '{"TargetUserName":"Bob","TargetDomainName":"corp.local","LogonType":3,"IpAddress":"::ffff:10.1.1.5","WorkstationName":"-","TargetLogonId":"0x20"}'
    ev SRV2.corp.local 2019-03-05T10:00:01.000000Z 2 5145 '{"SubjectUserName":"bob","SubjectDomainName":"CORP","SubjectLogonId":"0x20","IpAddress":"10.1.1.5","ShareName":"\\\\*\\Data","ShareLocalPath":"\\??\\D:\\Data","RelativeTargetName":"plans\\x.docx"}'
    # the same before the seed: not counted
    ev SRV2.corp.local 2019-03-05T10:00:02.000000Z 3 4625 '{"TargetUserName":"alice","TargetDomainName":"CORP","LogonType":3,"IpAddress":"10.1.1.5"}'
} >"$d/sec.jsonl"
S=(--seed 'host:WS1@2019-03-05T08:00:00Z' --seed 'account:CORP\bob@2019-03-05T08:00:00Z')
"$T" scope "${S[@]}" --crown-jewels SRV2,SRV3 -o "$d/out.json" "$d/sec.jsonl"
check "scope exits 0" $?
python3 - "$d/out.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
assert list(m) == ["seeds", "hosts", "accounts", "edges", "objects", "gaps", "crown_jewels", "stats"], list(m)
assert [h["host"] for h in m["hosts"]] == ["WS1", "SRV2"], m["hosts"]
assert m["hosts"][1]["how"] == "lateral" and m["hosts"][1]["via"]["src"] == "WS1"
assert [(e["src"], e["dst"], e["logon_type"]) for e in m["edges"]] == [("WS1", "SRV2", 3)]
assert [(o["share"], o["path"]) for o in m["objects"]] == [("Data", "plans\\x.docx")]
assert {c["host"]: c["verdict"] for c in m["crown_jewels"]} == {"SRV2": "touched", "SRV3": "cannot_assure"}
assert m["stats"]["window_to"] == "2019-03-05T10:00:01.000000Z"
PY
check "json: hosts, edge through a learned IP, object, verdicts, window" $?
"$T" scope "${S[@]}" --format text "$d/sec.jsonl" | grep -q '^2019-03-05T10:00:00.000000Z  host SRV2 compromised: CORP\\bob logged on from WS1 (type 3)'
check "text: the story line of SRV2" $?
# a file name and a path touched are the logs' text: escaped in the story
# (session 22); a report that cannot be written is exit 4
sed 's/plans\\\\x.docx/plans\\\\x\\u001b]0;t\\u0007.docx/' "$d/sec.jsonl" >"$d/esc.jsonl"
"$T" scope "${S[@]}" --format text "$d/esc.jsonl" >"$d/esc.txt"
[ "$(grep -c 'x\\x1b]0;t\\x07.docx' "$d/esc.txt") $(grep -c $'\033' "$d/esc.txt")" = "1 0" ]
check "text: control bytes from the logs escaped" $?
"$T" scope "${S[@]}" --format text "$d/sec.jsonl" >/dev/full 2>/dev/null
[ $? = 4 ]; check "a report that cannot be written: exit 4" $?
"$T" scope --seed 'host:WS1@2019-03-05T10:00:00.000001Z' --seed 'account:CORP\bob@2019-03-05T08:00:00Z' "$d/sec.jsonl" | python3 -c 'import json,sys; m=json.load(sys.stdin); assert not m["edges"] and len(m["hosts"]) == 1'
check "seed one microsecond after the logon: no edge" $?
"$T" scope --from-detections=bogus "$d/sec.jsonl" >/dev/null 2>&1
[ $? = 2 ]; check "--from-detections with an unknown level is a usage error" $?
"$T" scope -q --from-detections=informational "$d/sec.jsonl" | python3 -c 'import json,sys; json.load(sys.stdin)'
check "--from-detections runs the built-in pack and prints the JSON answer" $?
# seeds from detections come in the order of the hosts' first detections,
# whatever order the hunt's threads kept them in: with every detection in
# a run on disk of its own the answer is the same (before, the list of
# seeds followed the detections' arrival and differed)
C=${CORPUS:-../shared/corpus}
"$T" scope -q -t 2 --from-detections=high --rules "$C/sigma/rules/windows" "$C/evtx-attack-samples" 2>/dev/null >"$d/fd1.json"
TANSA_SPILL_DETS=1 "$T" scope -q -t 2 --from-detections=high --rules "$C/sigma/rules/windows" "$C/evtx-attack-samples" 2>/dev/null >"$d/fd2.json"
python3 - "$d/fd1.json" "$d/fd2.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for m in (a, b):
    del m["stats"]   # its count of merged runs depends on the threads' timing
assert len(a["seeds"]) >= 5, a["seeds"]
assert a == b
PY
check "--from-detections: the same seeds, in the same order, with detections in memory or on disk" $?
# runs it cannot write stop it with exit 4 and one message: where and why
# (before, "out of memory" followed it)
TMPDIR="$d/no-such-dir" TANSA_SPILL_DETS=1 "$T" scope -q -t 2 --from-detections=high --rules "$C/sigma/rules/windows" "$C/evtx-attack-samples" >/dev/null 2>"$d/fd3.err"
rc=$?
[ $rc = 4 ] && [ "$(grep -c . "$d/fd3.err")" = 1 ] &&
    grep -q "^tansa scope: stopped: cannot write detections to a temporary file in $d/no-such-dir: No such file" "$d/fd3.err"
check "--from-detections: an unusable TMPDIR stops it with exit 4 and one message naming it (exit $rc)" $?
"$T" scope --seed 'host:WS1' "$d/sec.jsonl" >/dev/null 2>&1
[ $? = 2 ]; check "a seed without time is a usage error" $?
printf 'name,addr\nX,1.2.3.4\n' >"$d/bad.csv"
"$T" scope --assets "$d/bad.csv" "$d/sec.jsonl" >/dev/null 2>&1
[ $? = 2 ]; check "assets without host and ip columns is a usage error" $?
"$T" scope "${S[@]}" "$d/missing.evtx" >/dev/null 2>&1
[ $? = 3 ]; check "no readable input: exit 3" $?
"$T" scope --help | grep -q 'from-detections\[=LEVEL\]'
check "--help documents --from-detections" $?
# paths with no input: said, exit 3, and no answer that looks whole; '-o -'
# is standard output (it made a file named '-'). A review, session 29.
mkdir -p "$d/none"
"$T" scope "${S[@]}" "$d/none" >"$d/none.out" 2>"$d/none.err"; rc=$?
[ $rc = 3 ] && [ ! -s "$d/none.out" ] && grep -q 'no EVTX, JSON or auditd input' "$d/none.err"
check "scope on a folder without logs: said, exit 3, no answer (exit $rc)" $?
(TA=$(realpath "$T"); cd "$d/none" && "$TA" scope "${S[@]}" -o - "$d/sec.jsonl" >"$d/dash.out"); rc=$?
[ $rc = 0 ] && [ ! -e "$d/none/-" ] && [ -s "$d/dash.out" ]; check "scope -o - writes standard output" $?
# an -o that cannot be created is said before any input is read (a FIFO
# input that never ends would otherwise hold it; it was opened after the run)
mkfifo "$d/never.jsonl"
timeout 20 "$T" scope "${S[@]}" -o "$d/no/such/dir/out.json" "$d/never.jsonl" >/dev/null 2>"$d/o.err"; rc=$?
[ $rc = 2 ] && grep -q 'cannot open for writing' "$d/o.err"; check "scope: an -o that cannot be created: exit 2 before reading (exit $rc)" $?
echo "$pass passed, $fail failed"
