#!/usr/bin/env bash
# hunt gives the same detections for --threads 1 and --threads 2, and for
# EVTX files and the same events as JSON Lines (tansa dump of them). Also:
# a folder of bad inputs is reported and counted, the rest is processed,
# and the exit code says the run was partial.
set -u
T=${TANSA:-build/tansa-san}
C=${CORPUS:-../shared/corpus}
RULES=(--rules "$C/sigma/rules/windows")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() { # name condition-result
    if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
}
IN="$C/evtx-attack-samples"
"$T" hunt -q -t 1 "${RULES[@]}" -f jsonl "$IN" >"$work/t1.jsonl" 2>/dev/null
"$T" hunt -q -t 2 "${RULES[@]}" -f jsonl "$IN" >"$work/t2.jsonl" 2>/dev/null
n1=$(wc -l <"$work/t1.jsonl")
echo "   detections with 1 thread: $n1"
[ "$n1" -gt 500 ]; check "hunt finds detections in the attack samples ($n1)" $?
cmp -s "$work/t1.jsonl" "$work/t2.jsonl"; check "hunt --threads 1 equals --threads 2" $?

# details: each detection's are its event's first field of each detail
# name, in the names' order (hunt.c, detail_fields), left out when empty,
# cut to 1024 bytes at a character's start (an event with none of them: its
# own first 16 names); checked against the events as
# `tansa dump -f event` gives them
python3 - "$T" "$work/t1.jsonl" >"$work/details.out" 2>&1 <<'PY'
import json, subprocess, sys
NAMES = ["CommandLine", "Image", "ParentImage", "ParentCommandLine", "TargetUserName",
         "TargetDomainName", "SubjectUserName", "LogonType", "IpAddress", "WorkstationName",
         "ServiceName", "ImagePath", "TaskName", "TargetFilename", "TargetObject", "Details",
         "ShareName", "RelativeTargetName", "ObjectName", "SourceImage", "TargetImage",
         "GrantedAccess", "DestinationIp", "DestinationPort", "QueryName", "ScriptBlockText",
         "Payload", "ProcessName", "NewProcessName", "AccessMask"]
tansa, hunt = sys.argv[1], sys.argv[2]
files = {}
def load(path):
    out = subprocess.run([tansa, "dump", "-q", "-f", "event", path], capture_output=True).stdout
    byid = {}
    for l in out.splitlines():
        e = json.loads(l.decode("utf-8", "surrogateescape"))
        byid.setdefault(e.get("EventRecordID"), []).append(e["fields"])
    return byid
def want(fields):
    first = {}
    for n, v in fields:
        first.setdefault(n, v)
    out = []
    for n in NAMES:
        v = first.get(n)
        if not v:
            continue
        b = v.encode("utf-8", "surrogateescape")
        if len(b) > 1024:
            k = 1024
            while k and (b[k] & 0xC0) == 0x80:
                k -= 1
            v = b[:k].decode("utf-8", "surrogateescape")
        out.append([n, v])
    if out:
        return out
    # none of them: the event's own names, those that tell most first, 16 at
    # most, each name's values joined by a space (details.c; session 29)
    TELLING = ["Threat Name", "Path", "Detection User", "Process Name", "Application", "SourceAddress",
               "DestAddress", "DestPort", "ImageLoaded", "Name", "Query", "Destination", "Consumer", "Filter"]
    vals = {}
    for n, v in fields:
        if v is None or v == "" or not n or len(n.encode("utf-8", "surrogateescape")) > 255 or \
           (n == "msg" and "=" in v):
            continue
        vals.setdefault(n, []).append(v)
    order = [n for n in TELLING if n in vals]
    for n, v in fields:
        if n in vals and n not in order:
            order.append(n)
    order = order[:16]
    for n in order:
        b = " ".join(vals[n]).encode("utf-8", "surrogateescape")
        if len(b) > 1024:
            k = 1024
            while k and (b[k] & 0xC0) == 0x80:
                k -= 1
            b = b[:k]
        out.append([n, b.decode("utf-8", "surrogateescape")])
    return out
checked = bad = 0
for l in open(hunt, encoding="utf-8", errors="surrogateescape"):
    d = json.loads(l)
    if d["file"] not in files:
        files[d["file"]] = load(d["file"])
    evs = files[d["file"]].get(d["record_id"], [])
    if len(evs) != 1:
        continue   # a record id its file repeats
    checked += 1
    if [[k, v] for k, v in d["details"].items()] != want(evs[0]):
        bad += 1
        if bad <= 3:
            print("differ:", d["file"], d["record_id"], d["rule_title"])
print("checked", checked, "bad", bad)
PY
cat "$work/details.out" | tail -n 4
grep -q "^checked [1-9][0-9]* bad 0$" "$work/details.out"
check "details are each event's own detail fields, in order" $?
# the same where events of one EventID name other fields, in other
# orders, with the same count: hunt keeps where the details are per
# field shape (tn_scanner_names_key), and a shape must not lend its
# places to another
python3 - "$work/shapes.jsonl" <<'PY'
import json, sys
orders = [["Image", "CommandLine", "User"], ["CommandLine", "Image", "User"], ["ParentImage", "Image", "User"],
          ["User", "CommandLine", "TargetFilename"], ["Image", "User", "CommandLine", "ParentImage"]]
with open(sys.argv[1], "w") as f:
    n = 0
    for rep in range(6):
        for o in orders:
            for again in range(3):
                n += 1
                e = {"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1, "EventRecordID": n,
                     "Computer": "pc", "TimeCreated": "2024-01-01T00:00:%02dZ" % (n % 60)}
                for name in o:
                    e[name] = "u" if name == "User" else "%s-#%d" % (name.lower(), n)
                f.write(json.dumps(e) + "\n")
PY
mkdir -p "$work/shape-rules"
printf 'title: every process creation\nlevel: high\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    User: u\n  condition: sel\n' >"$work/shape-rules/all.yml"
"$T" hunt -q -t 1 --rules "$work/shape-rules" -f jsonl "$work/shapes.jsonl" >"$work/shapes.out" 2>/dev/null
python3 - "$work/shapes.jsonl" "$work/shapes.out" >"$work/shapes.res" <<'PY'
import json, sys
src = {}
for l in open(sys.argv[1]):
    e = json.loads(l)
    src[e["EventRecordID"]] = e
n = bad = 0
for l in open(sys.argv[2]):
    d = json.loads(l)
    e = src[d["record_id"]]
    n += 1
    bad += [[k, v] for k, v in d["details"].items()] != [[k, e[k]] for k in
                                                         ("CommandLine", "Image", "ParentImage", "TargetFilename") if k in e]
print(n, bad)
PY
[ "$(cat "$work/shapes.res")" = "90 0" ]; check "details of events whose fields change order and name ($(cat "$work/shapes.res"))" $?
# bounded memory: detections spilled to sorted runs every 5 and merged back
TANSA_SPILL_DETS=5 "$T" hunt -q -t 2 "${RULES[@]}" -f jsonl "$IN" >"$work/spill.jsonl" 2>/dev/null
cmp -s "$work/t1.jsonl" "$work/spill.jsonl"; check "timeline merged from on-disk runs equals the in-memory one" $?
# runs stay open until the merge: a run per detection under a soft limit
# of 256 open files (hunt raises it to the hard limit)
(ulimit -Sn 256 && TANSA_SPILL_DETS=1 "$T" hunt -q -t 2 "${RULES[@]}" -f jsonl "$IN" >"$work/spill1.jsonl" 2>"$work/spill1.err")
rc=$?
[ $rc = 0 ] && [ "$n1" -gt 600 ] && cmp -s "$work/t1.jsonl" "$work/spill1.jsonl"
check "$n1 runs of one detection under a soft limit of 256 open files (exit $rc)" $?
# runs go to TMPDIR; when they cannot be written the run stops with exit 4
# and says where and why
TMPDIR="$work/no-such-dir" TANSA_SPILL_DETS=5 "$T" hunt -q -t 2 "${RULES[@]}" -f jsonl "$IN" >/dev/null 2>"$work/tmpdir.err"
rc=$?
[ $rc = 4 ] && grep -q "cannot write detections to a temporary file in $work/no-such-dir: No such file" "$work/tmpdir.err"
check "runs of detections go to TMPDIR; an unusable one stops the hunt with exit 4 and the reason (exit $rc)" $?
# standard input is copied to TMPDIR: an unusable one is named, not "-: cannot open"
f1=$(find "$C/evtx-attack-samples" -name '*.evtx' | sort | head -1)
TMPDIR="$work/no-such-dir" "$T" hunt -t 1 "${RULES[@]}" -f jsonl - <"$f1" >/dev/null 2>"$work/stdin.err"
grep -q "^tansa: -: cannot copy standard input to a temporary file in $work/no-such-dir: No such file" "$work/stdin.err"
check "standard input with an unusable TMPDIR: the message names it" $?
# the workers format the lines and count the summary: every format, with
# the summary, the same for 1 and 2 threads and from runs on disk; written
# with writev to a file, a pipe and -o alike
for f in csv table; do
    "$T" hunt -q -t 1 "${RULES[@]}" -f $f --summary "$IN" 2>/dev/null | grep -v ' MB in ' >"$work/f1.$f"
    TANSA_SPILL_DETS=7 "$T" hunt -q -t 2 "${RULES[@]}" -f $f --summary "$IN" 2>/dev/null | grep -v ' MB in ' >"$work/f2.$f"
    [ "$(wc -l <"$work/f1.$f")" -gt 500 ] && cmp -s "$work/f1.$f" "$work/f2.$f"
    check "-f $f --summary: --threads 1 equals --threads 2 with runs on disk" $?
done
TANSA_SPILL_DETS=7 "$T" hunt -q -t 2 "${RULES[@]}" -f jsonl "$IN" 2>/dev/null | cat >"$work/pipe.jsonl"
TANSA_SPILL_DETS=7 "$T" hunt -q -t 2 "${RULES[@]}" -f jsonl -o "$work/o.jsonl" "$IN" 2>/dev/null
cmp -s "$work/t1.jsonl" "$work/pipe.jsonl" && cmp -s "$work/t1.jsonl" "$work/o.jsonl"
check "timeline through a pipe and with -o equals the one to a file" $?

# the same events as JSON Lines: one .jsonl per .evtx, same relative names
mkdir -p "$work/jsonl"
find "$IN" -name '*.evtx' -print0 | while IFS= read -r -d '' f; do
    rel=${f#"$IN"/}
    mkdir -p "$work/jsonl/$(dirname "$rel")"
    "$T" dump -q "$f" >"$work/jsonl/${rel%.evtx}.jsonl" 2>/dev/null
done
"$T" hunt -q -t 2 "${RULES[@]}" -f jsonl "$work/jsonl" >"$work/j.jsonl" 2>/dev/null
# compare without file names and in a stable order (the JSON twin orders by line, not byte offset)
strip() { python3 -c '
import json, sys
rows = []
for l in open(sys.argv[1]):
    d = json.loads(l); d.pop("file")
    rows.append(json.dumps(d, sort_keys=True))
print("\n".join(sorted(rows)))' "$1"; }
strip "$work/t1.jsonl" >"$work/a"; strip "$work/j.jsonl" >"$work/b"
if cmp -s "$work/a" "$work/b"; then check "hunt on EVTX equals hunt on the same events as JSON Lines" 0
else diff "$work/a" "$work/b" | head -5; check "hunt on EVTX equals hunt on the same events as JSON Lines" 1; fi

# standard input, told apart by content: JSON Lines (all the twins above
# back to back, through a pipe), a JSON file of the flat OTRF shape, and
# EVTX (a pipe and a redirect); the same detections as from the files
find "$work/jsonl" -name '*.jsonl' -print0 | sort -z | xargs -0 cat | "$T" hunt -q -t 2 "${RULES[@]}" -f jsonl - >"$work/si.jsonl" 2>/dev/null
strip "$work/si.jsonl" >"$work/c"
if cmp -s "$work/b" "$work/c" && [ -s "$work/c" ]; then check "hunt - (JSON Lines through a pipe) equals hunt on the files" 0
else diff "$work/b" "$work/c" | head -5; check "hunt - (JSON Lines through a pipe) equals hunt on the files" 1; fi
OJ=$(find "$C/otrf-security-datasets-subset" -name 'psh_mavinject_dll_notepad_*.json' | head -1)
"$T" hunt -q -t 2 "${RULES[@]}" -f jsonl "$OJ" >"$work/of.jsonl" 2>/dev/null
"$T" hunt -q -t 2 "${RULES[@]}" -f jsonl - <"$OJ" >"$work/os.jsonl" 2>/dev/null
strip "$work/of.jsonl" >"$work/d"; strip "$work/os.jsonl" >"$work/e"
[ -s "$work/d" ] && cmp -s "$work/d" "$work/e"; check "hunt - < OTRF .json equals hunt on the file ($(wc -l <"$work/d"))" $?
EV="$IN/AutomatedTestingTools/PanacheSysmon_vs_AtomicRedTeam01.evtx"  # 17 chunks, 147 detections
"$T" hunt -q -t 2 "${RULES[@]}" -f jsonl "$EV" >"$work/ef.jsonl" 2>/dev/null
cat "$EV" | "$T" hunt -q -t 2 "${RULES[@]}" -f jsonl - >"$work/ep.jsonl" 2>/dev/null
"$T" hunt -q -t 1 "${RULES[@]}" -f jsonl - <"$EV" >"$work/er.jsonl" 2>/dev/null
strip "$work/ef.jsonl" >"$work/f"; strip "$work/ep.jsonl" >"$work/g"; strip "$work/er.jsonl" >"$work/h"
[ -s "$work/f" ] && cmp -s "$work/f" "$work/g" && cmp -s "$work/f" "$work/h"; check "hunt - (EVTX, pipe and redirect) equals hunt on the file ($(wc -l <"$work/f"))" $?
# the summary counts a piped EVTX file's bytes (it said 0.0 MB)
mb=$(awk -v n="$(stat -c %s "$EV")" 'BEGIN { printf "%.1f MB", n / 1048576 }')
cat "$EV" | "$T" hunt -t 1 "${RULES[@]}" -f jsonl - 2>&1 >/dev/null | grep -q "read 1 files, .* records, $mb in"
check "hunt - (EVTX, pipe): the summary reads $mb" $?
printf 'not a log\n' | "$T" hunt "${RULES[@]}" -f jsonl - >/dev/null 2>"$work/si.err"
rc=$?
[ "$rc" = 3 ] && grep -q 'tansa: -: not EVTX, JSON or auditd' "$work/si.err"; check "hunt - on text: reported, exit code 3 (got $rc)" $?

# correlations: the built-in pack's share bulk-read (value_count) on a 5145
# sample; the detection carries the correlation's own id and tags and the
# record ids that satisfied it, the same with 1 or 2 threads and when the
# kept matches are spilled to disk every 2
CF="$IN/Lateral Movement/LM_5145_Remote_FileCopy.evtx"
"$T" hunt -q -t 1 --rules rules -f jsonl "$CF" 2>/dev/null | grep af2fb705-6ccd-4013-bac6-b75100869f8d >"$work/c1.jsonl"
"$T" hunt -q -t 2 --rules rules -f jsonl "$CF" 2>/dev/null | grep af2fb705-6ccd-4013-bac6-b75100869f8d >"$work/c2.jsonl"
TANSA_SPILL_DETS=2 "$T" hunt -q -t 2 --rules rules -f jsonl "$CF" 2>/dev/null | grep af2fb705-6ccd-4013-bac6-b75100869f8d >"$work/c3.jsonl"
python3 - "$work/c1.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows, 'no correlation detection'
for d in rows:
    assert d['tags'] == ['attack.collection', 'attack.t1039'], d['tags']
    ids = d['details']['record_ids']
    assert len(ids) == d['details']['events'] >= 20, d['details']
    assert ids[-1] == d['record_id'], (ids[-1], d['record_id'])
PY
check "correlation detection: own id, own tags, the record ids that satisfied it ($(wc -l <"$work/c1.jsonl"))" $?
cmp -s "$work/c1.jsonl" "$work/c2.jsonl" && cmp -s "$work/c1.jsonl" "$work/c3.jsonl"
check "correlations: --threads 1 = --threads 2 = kept matches spilled to disk" $?
# value_sum adds plain decimals only: "nan" (which made the sum NaN, so it
# never passed its limit, and printed "value":nan) and hex are not numbers;
# the value is printed exactly (%g gave 1e+06). A correlation that only
# feeds another (no generate) is not reported alone; the other is.
mkdir -p "$work/vs" "$work/vs2"
cat >"$work/vs/r.yml" <<'YML'
title: sent
name: sent
id: 11111111-1111-1111-1111-111111111112
logsource: {product: windows, service: security}
detection: {sel: {EventID: 5156}, condition: sel}
level: low
---
title: Sum of bytes
name: sum_bytes
id: 22222222-2222-2222-2222-222222222222
level: high
correlation:
    type: value_sum
    rules: [sent]
    group-by: [User]
    timespan: 60s
    condition: {field: Bytes, gt: 1000}
YML
{ cat "$work/vs/r.yml"; printf -- '---\ntitle: Twice over\nid: 33333333-3333-3333-3333-333333333333\nlevel: critical\ncorrelation:\n    type: event_count\n    rules: [sum_bytes]\n    group-by: [User]\n    timespan: 60s\n    condition: {gte: 2}\n'; } >"$work/vs2/r.yml"
vs() { printf '{"Event":{"System":{"EventID":5156,"TimeCreated":{"#attributes":{"SystemTime":"2019-03-05T10:00:%02d.000000Z"}},"EventRecordID":%s,"Channel":"Security","Computer":"H1"},"EventData":{"User":"%s","Bytes":"%s"}}}\n' "$1" "$1" "$2" "$3"; }
{ vs 1 a nan; vs 2 a 600; vs 3 a 600; vs 4 b 0x400; vs 5 b 1; vs 6 c 1000001; vs 7 c inf; vs 8 c 2000.5; } >"$work/vs/e.jsonl"
for r in vs vs2; do
    "$T" hunt -q -t 1 --rules "$work/$r" -f jsonl "$work/vs/e.jsonl" 2>/dev/null | grep '"record_ids"' >"$work/$r/out.jsonl"
done
python3 - "$work/vs/out.jsonl" "$work/vs2/out.jsonl" <<'PY'
import json, sys
def no_const(c):
    raise ValueError(c)
def rows(f):
    return sorted((r['rule_id'][:2], r['details']['group']['User'], r['details']['value'])
                  for r in (json.loads(l, parse_constant=no_const) for l in open(f)))
got = rows(sys.argv[1])
assert got == [('22', 'a', 1200), ('22', 'c', 2000.5), ('22', 'c', 1000001)], got
got = rows(sys.argv[2])
assert got == [('33', 'c', 2)], got
PY
check "value_sum: plain decimals only, the value exact; an inner correlation not reported alone" $?
# negative sums print as numbers (integers exactly), judged over whole windows (lt)
mkdir -p "$work/neg"
sed -e 's/Sum of bytes/Negative/' -e 's/gt: 1000/lt: 0/' "$work/vs/r.yml" >"$work/neg/r.yml"
{ vs 1 a -5000; vs 2 a 1000; vs 3 b -0.5; vs 4 c 7; vs 5 c -8; } >"$work/neg/e.jsonl"
"$T" hunt -q -t 1 --rules "$work/neg" -f jsonl "$work/neg/e.jsonl" 2>/dev/null | grep '"record_ids"' >"$work/neg/out.jsonl"
python3 - "$work/neg/out.jsonl" <<'PY'
import json, sys
got = sorted((r['details']['group']['User'], r['details']['value'], r['details']['record_ids'])
             for r in map(json.loads, open(sys.argv[1])))
assert got == [('a', -4000, [1, 2]), ('b', -0.5, [3]), ('c', -1, [4, 5])], got
PY
check "value_sum: negative sums exact, lt judged over whole windows" $?
nk=$("$T" hunt -q -t 2 --rules rules --tags attack.t1039 -f jsonl "$CF" 2>/dev/null | grep -c af2fb705-6ccd-4013-bac6-b75100869f8d)
nd=$("$T" hunt -q -t 2 --rules rules --tags attack.t1003 -f jsonl "$CF" 2>/dev/null | grep -c af2fb705-6ccd-4013-bac6-b75100869f8d)
[ "$nk" = "$(wc -l <"$work/c1.jsonl")" ] && [ "$nd" = 0 ]; check "--tags applies to correlations by their own tags (t1039: $nk, t1003: $nd)" $?

# bad inputs beside a good one
B="$work/bad"; mkdir -p "$B"
cp "$C/evtx-attack-samples/Defense Evasion/DE_1102_security_log_cleared.evtx" "$B/good.evtx"
: >"$B/empty.evtx"
echo "this is not a log" >"$B/text.evtx"
head -c 200000 "$C/hayabusa-sample-evtx/DeepBlueCLI/smb-password-guessing-security.evtx" >"$B/truncated.evtx"
printf '{"EventID": 4624, "Channel": "Security"}\nnot json at all\n{"EventID": 1102, "Channel": "Security", "Hostname": "h"}\n' >"$B/lines.jsonl"
"$T" hunt -t 2 "${RULES[@]}" -f jsonl "$B" >"$work/bad.out" 2>"$work/bad.err"
rc=$?
[ "$rc" = 1 ]; check "bad inputs: exit code 1 (partial), got $rc" $?
grep -q 'empty.evtx: empty file' "$work/bad.err"; check "zero-byte file reported" $?
grep -q 'text.evtx: not EVTX' "$work/bad.err"; check "text file named .evtx reported" $?
grep -q 'truncated.evtx: chunk 2 at offset 0x21000: chunk truncated' "$work/bad.err"; check "truncated EVTX reported with its chunk" $?
grep -q 'lines.jsonl: line 2' "$work/bad.err"; check "bad JSON line reported with its line" $?
grep -q '"file":".*good.evtx"' "$work/bad.out"; check "the good file is still hunted" $?
grep -q 'input problems: [1-9]' "$work/bad.err"; check "problems counted in the summary" $?
"$T" hunt -q "${RULES[@]}" -f jsonl "$work/does-not-exist" >/dev/null 2>&1
rc=$?
[ "$rc" = 3 ]; check "nothing readable: exit code 3, got $rc" $?
# noise control: tags, status, exclusion list
nt=$("$T" hunt -q -t 2 "${RULES[@]}" --tags attack.t1003 -f jsonl "$IN" 2>/dev/null | wc -l)
bad=$("$T" hunt -q -t 2 "${RULES[@]}" --tags attack.t1003 -f jsonl "$IN" 2>/dev/null | grep -vc '"attack.t1003')
[ "$nt" -gt 0 ] && [ "$bad" = 0 ]; check "--tags attack.t1003 keeps only T1003 rules ($nt)" $?
ne=$("$T" hunt -q -t 2 "${RULES[@]}" --exclude-rules data/noisy-rules.txt -f jsonl "$IN" 2>/dev/null | grep -c '0badd08f-c6a3-4630-90d3-6875cca440be')
[ "$ne" = 0 ]; check "--exclude-rules drops the listed rules" $?
ns=$("$T" hunt -q -t 2 "${RULES[@]}" --status stable -f jsonl "$IN" 2>/dev/null | wc -l)
[ "$ns" -gt 0 ] && [ "$ns" -lt "$n1" ]; check "--status stable keeps a subset ($ns of $n1)" $?
# events are matched in batches of 32 (hunt.c, BATCH): counts across a batch's
# edges, the last part-batch of each worker, and each detection's file
mkdir -p "$work/batch"
for n in 1 31 32 33 300; do
    for i in $(seq 1 $n); do
        printf '{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"EventRecordID":%d,"Image":"C:\\\\Windows\\\\System32\\\\whoami.exe"}\n' "$i"
    done >"$work/batch/n$n.jsonl"
done
for t in 1 2; do
    "$T" hunt -q -t $t --rules tests/data/sigma/good/proc_whoami.yml -f jsonl "$work/batch" >"$work/batch$t.out" 2>/dev/null
    got=$(jq -r '"\(.file | sub(".*/"; "")) \(.record_id)"' "$work/batch$t.out" | sort -u | awk '{n[$1]++} END {for (f in n) print f, n[f]}' | sort | tr '\n' ' ')
    [ "$got" = "n1.jsonl 1 n300.jsonl 300 n31.jsonl 31 n32.jsonl 32 n33.jsonl 33 " ] &&
        [ "$(wc -l <"$work/batch$t.out")" = 397 ]
    check "every event matched once across batch edges, --threads $t ($got)" $?
done

# more than 2 MiB of detections held between spills (hunt.c, push_to: the
# array moves to 2 MiB pages; the lines' arena grows in them), and as many
# matches kept for a correlation (past 52,428 held: their array moves on
# from one such region to a larger one): the same timeline as when both
# are spilled to disk every 1,000
# (with a time: an event without one feeds no correlation)
awk 'BEGIN { for (i = 1; i <= 60000; i++) printf "{\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"EventID\":1,\"EventRecordID\":%d,\"TimeCreated\":\"2024-01-01T00:%02d:%02d.%03dZ\",\"Image\":\"C:\\\\Windows\\\\System32\\\\whoami.exe\"}\n", i, int(i / 2000), int(i / 40) % 50, (i * 25) % 1000 }' >"$work/many.jsonl"
mkdir -p "$work/many"
cp tests/data/sigma/good/proc_whoami.yml "$work/many/r.yml"
printf -- '---\ntitle: Every whoami\nid: 44444444-4444-4444-4444-444444444444\nlevel: high\ncorrelation:\n    type: event_count\n    rules: [0b3a1c2d-0000-4000-8000-000000000001]\n    group-by: [Image]\n    timespan: 1h\n    condition: {gte: 60000}\n    generate: true\n' >>"$work/many/r.yml"
"$T" hunt -q -t 1 --rules "$work/many" -f jsonl "$work/many.jsonl" >"$work/many1.out" 2>/dev/null
TANSA_SPILL_DETS=1000 "$T" hunt -q -t 2 --rules "$work/many" -f jsonl "$work/many.jsonl" >"$work/many2.out" 2>/dev/null
nm=$(grep -c 0b3a1c2d-0000-4000-8000-000000000001 "$work/many1.out")
nc=$(grep -c '"rule_id":"44444444-4444-4444-4444-444444444444".*"events":60000' "$work/many1.out")
[ "$nm" = 60000 ] && [ "$nc" = 1 ] && cmp -s "$work/many1.out" "$work/many2.out"
check "60,000 detections and kept matches held in memory = spilled every 1,000 (detections $nm, correlation $nc)" $?

echo "$pass passed, $fail failed"
