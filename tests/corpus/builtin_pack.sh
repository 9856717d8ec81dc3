#!/usr/bin/env bash
# builtin_pack.sh - the built-in rule pack (rules/): it loads completely with
# no warnings, is used by `hunt` when no --rules is given, fires on the
# attack samples that contain its techniques (and not on chosen ones that do
# not), and, when this tree has `tansa gen`, fires on every stage of the
# generated breach.
set -u
cd "$(dirname "$0")/../.."
T=${TANSA:-build/tansa-san}
C=${CORPUS:-../shared/corpus}
PACK=rules
IN="$C/evtx-attack-samples"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() { # name condition-result
    if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
}

# --- the pack loads: every document, nothing rejected, no warnings
docs=$(grep -rh --include='*.yml' '^title:' "$PACK" | wc -l)
"$T" rules check --format json "$PACK" >"$work/check.json" 2>"$work/check.err"
rc=$?
[ "$rc" = 0 ]; check "rules check exits 0 (got $rc)" $?
loaded=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["loaded"])' "$work/check.json" 2>/dev/null)
rejected=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["rejected"]))' "$work/check.json" 2>/dev/null)
[ "${loaded:-0}" = "$docs" ] && [ "$docs" -ge 20 ]; check "pack loads all $docs rule documents (loaded ${loaded:-?})" $?
[ "${rejected:-1}" = 0 ]; check "pack: no rule rejected (${rejected:-?})" $?
[ ! -s "$work/check.err" ]; check "pack: no warnings from rules check" $?
[ -s "$work/check.err" ] && head -n 5 "$work/check.err"

# --- every rule has the metadata the pack promises
python3 - "$PACK" >"$work/meta.out" 2>&1 <<'EOF'
import os, re, sys, uuid
bad, ids = [], set()
for root, _, files in os.walk(sys.argv[1]):
    for fn in files:
        if not fn.endswith('.yml'):
            continue
        p = os.path.join(root, fn)
        for doc in open(p, encoding='utf-8').read().split('\n---\n'):
            m = re.search(r'^id: (\S+)$', doc, re.M)
            if not m:
                bad.append(p + ': no id'); continue
            i = m.group(1)
            try:
                if uuid.UUID(i).version != 4: bad.append(p + ': id not UUIDv4')
            except ValueError:
                bad.append(p + ': bad id')
            if i in ids: bad.append(p + ': duplicate id ' + i)
            ids.add(i)
            if not re.search(r'^author: tansa$', doc, re.M): bad.append(p + ': author')
            lic = re.search(r'^license: (.*)$', doc, re.M)
            if lic and lic.group(1).strip() != 'MIT': bad.append(p + ': license')
            if re.search(r'^name: ', doc, re.M):   # a correlation's base rule
                continue
            st = re.search(r'^status: (\S+)$', doc, re.M)
            if not st or st.group(1) not in ('experimental', 'test'): bad.append(p + ': status')
            for key in ('level', 'falsepositives', 'tags', 'description'):
                if not re.search('^' + key + ':', doc, re.M): bad.append(p + ': no ' + key)
            if not re.search(r'^    - attack\.t\d{4}', doc, re.M): bad.append(p + ': no technique tag')
print('\n'.join(bad))
sys.exit(1 if bad else 0)
EOF
rc=$?
[ "$rc" = 0 ]; check "every rule: UUIDv4 id (unique), author tansa, status experimental/test, level, falsepositives, ATT&CK technique tag" $?
[ "$rc" = 0 ] || head -n 10 "$work/meta.out"

# --- hunt without --rules uses the pack (found beside the binary's folder)
"$T" hunt -q -f jsonl "$IN/Defense Evasion/DE_1102_security_log_cleared.evtx" >"$work/default.jsonl" 2>/dev/null
grep -q '"rule_title":"Security Event Log Cleared"' "$work/default.jsonl"
check "hunt with no --rules uses the built-in pack" $?

# --- the attack samples
"$T" hunt -q --rules "$PACK" -f jsonl "$IN" >"$work/hunt.jsonl" 2>"$work/hunt.err"
rc=$?
[ "$rc" = 0 ]; check "hunt with the pack over evtx-attack-samples exits 0 (got $rc)" $?
# two Metasploit psexec targets from the Hayabusa samples (random service names)
"$T" hunt -q --rules "$PACK" -f jsonl "$C/hayabusa-sample-evtx/DeepBlueCLI/metasploit-psexec-native-target-system.evtx" \
    "$C/hayabusa-sample-evtx/DeepBlueCLI/metasploit-psexec-powershell-target-system.evtx" >>"$work/hunt.jsonl" 2>/dev/null
n=$(wc -l <"$work/hunt.jsonl")
echo "   detections: $n"
fires() { # file-under-samples rule-title: the rule fires at least once on that file
    python3 - "$work/hunt.jsonl" "$1" "$2" <<'EOF'
import json, sys
path, f, title = sys.argv[1:]
for l in open(path):
    d = json.loads(l)
    if d['rule_title'] == title and d['file'].endswith('/' + f):
        sys.exit(0)
sys.exit(1)
EOF
}
must() { fires "$1" "$2"; check "fires: $2 <- $1" $?; }
mustnot() { fires "$1" "$2"; [ $? = 1 ]; check "does not fire: $2 <- $1" $?; }

must "Credential Access/sysmon_10_1_memdump_comsvcs_minidump.evtx" "LSASS Dump via comsvcs.dll MiniDump"
must "Credential Access/sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx" "LSASS Memory Read by a Program Outside the System and Program Folders"
must "Credential Access/sysmon_10_11_outlfank_dumpert_and_andrewspecial_memdump.evtx" "LSASS Memory Read by a Program Outside the System and Program Folders"
must "Credential Access/sysmon_10_11_outlfank_dumpert_and_andrewspecial_memdump.evtx" "LSASS Memory Read by rundll32, a Script Host or Task Manager"
must "Credential Access/sysmon_3_10_Invoke-Mimikatz_hosted_Github.evtx" "LSASS Memory Read by rundll32, a Script Host or Task Manager"
must "Credential Access/sysmon_10_11_lsass_memdump.evtx" "LSASS Opened from a Minidump Writer Call Stack"
must "Credential Access/sysmon_10_11_lsass_memdump.evtx" "LSASS Dump File Written to Disk"
must "Credential Access/sysmon_rdrleakdiag_lsass_dump.evtx" "LSASS Memory Dump Requested on the Command Line"
must "AutomatedTestingTools/PanacheSysmon_vs_AtomicRedTeam01.evtx" "SAM, SYSTEM or SECURITY Hive Saved with reg.exe"
must "Defense Evasion/DE_1102_security_log_cleared.evtx" "Security Event Log Cleared"
must "Defense Evasion/DE_104_system_log_cleared.evtx" "Event Log Cleared (System 104)"
must "Defense Evasion/DE_EventLog_Service_Crashed.evtx" "Crash Report for the Event Log Service Host"
must "Lateral Movement/LM_REMCOM_5145_TargetHost.evtx" "Executable Written to an Administrative Share"
must "Lateral Movement/LM_renamed_psexecsvc_5145.evtx" "Executable Written to an Administrative Share"
must "Lateral Movement/LM_renamed_psexecsvc_5145.evtx" "Remote Console Pipe Opened over IPC$"
must "Defense Evasion/DE_renamed_psexec_service_sysmon_17_18.evtx" "Named Pipe of a PsExec-Like Remote Console"
must "Privilege Escalation/sysmon_privesc_psexec_dwell.evtx" "Process Started by a Remote Execution Service"
must "Lateral Movement/LM_Remote_Service02_7045.evtx" "Service Installed to Run a Command Shell or Script Host"
must "Privilege Escalation/System_7045_namedpipe_privesc.evtx" "Service Installed to Run a Command Shell or Script Host"
must "Lateral Movement/LM_sysmon_psexec_smb_meterpreter.evtx" "Shell Started Directly by the Service Control Manager"
must "Lateral Movement/LM_typical_IIS_webshell_sysmon_1_10_traces.evtx" "Command Shell or Recon Tool Started by a Web Server Process"
must "Privilege Escalation/RogueWinRM.evtx" "Whoami Run by a Windows Service Account"
must "Lateral Movement/LM_ScheduledTask_ATSVC_target_host.evtx" "Scheduled Task Runs a Shell or a Binary from a Writable Folder"
must "Lateral Movement/LM_5145_Remote_FileCopy.evtx" "Many Files Read from a Share by One Account in 30 Minutes"
must "DeepBlueCLI/metasploit-psexec-native-target-system.evtx" "Service Installed with a Random Mixed-Case Name"
must "DeepBlueCLI/metasploit-psexec-powershell-target-system.evtx" "Service Installed with a Random Mixed-Case Name"
must "DeepBlueCLI/metasploit-psexec-powershell-target-system.evtx" "Service Installed to Run a Command Shell or Script Host"
mustnot "Lateral Movement/LM_Remote_Service02_7045.evtx" "Service Installed with a Random Mixed-Case Name"
must "Execution/exec_sysmon_lobin_regsvr32_sct.evtx" "Proxy-Execution Binary Connects to a Public Address"
# PPLdump opens lsass with 0x1000 only (no PROCESS_VM_READ), services.exe is a system image
mustnot "Credential Access/ppl_bypass_ppldump_knowdll_hijack_sysmon_security.evtx" "LSASS Memory Read by a Program Outside the System and Program Folders"
mustnot "Defense Evasion/DE_104_system_log_cleared.evtx" "Security Event Log Cleared"
mustnot "Privilege Escalation/System_7045_namedpipe_privesc.evtx" "PsExec Service Installed"
# the tunnel's RDP logon comes from loopback
mustnot "Command and Control/DE_RDP_Tunneling_4624.evtx" "Remote Desktop Logon from a Public Address"
mustnot "Lateral Movement/LM_5145_Remote_FileCopy.evtx" "Remote Console Pipe Opened over IPC$"

# --- the generated breach (tansa gen is merged separately: skip without it)
if "$T" gen --help >/dev/null 2>&1; then
    if "$T" gen --seed 1 --scale 0.2 --days 10 --out "$work/gen" >/dev/null 2>"$work/gen.err"; then
        check "gen --seed 1 --scale 0.2 --days 10" 0
        "$T" hunt -q --rules "$PACK" -f jsonl "$work/gen/logs" >"$work/gen.jsonl" 2>/dev/null
        # every technique in truth.json: at least one pack rule fires on one of its events
        python3 - "$work/gen" "$work/gen.jsonl" >"$work/gen.out" <<'EOF'
import json, sys
root, hits = sys.argv[1:]
truth = json.load(open(root + '/truth.json'))
tech = {}
for e in truth['malicious_events']:
    tech[(e['file'], e['record_id'])] = e['technique']
fired = {}
for l in open(hits):
    d = json.loads(l)
    f = 'logs/' + d['file'].split('/logs/', 1)[1]
    t = tech.get((f, d['record_id']))
    if t:
        fired.setdefault(t, set()).add(d['rule_title'])
for t in sorted(set(tech.values())):
    r = sorted(fired.get(t, ()))
    print(('ok   ' if r else 'FAIL ') + 'gen breach stage fires a pack rule: ' + t
          + (' (' + '; '.join(r) + ')' if r else ''))
EOF
        while IFS= read -r line; do
            case $line in
                ok*) check "${line#ok   }" 0 ;;
                *) check "${line#FAIL }" 1 ;;
            esac
        done <"$work/gen.out"
        [ -s "$work/gen.out" ]; check "gen: truth.json lists breach stages" $?
        # benign confounders: IT's PsExec is medium at most; no high/critical outside the truth
        python3 - "$work/gen" "$work/gen.jsonl" <<'EOF'
import json, sys
root, hits = sys.argv[1:]
truth = json.load(open(root + '/truth.json'))
mal = {(e['file'], e['record_id']) for e in truth['malicious_events']}
bad = []
for l in open(hits):
    d = json.loads(l)
    f = 'logs/' + d['file'].split('/logs/', 1)[1]
    if (f, d['record_id']) not in mal and d['level'] in ('high', 'critical'):
        bad.append(d['rule_title'] + ' ' + f)
if bad:
    print('\n'.join(bad[:5]))
sys.exit(1 if bad else 0)
EOF
        check "gen: no high or critical detection on benign activity" $?
    else
        check "gen --seed 1 --scale 0.2 --days 10" 1
        tail -n 5 "$work/gen.err"
    fi
else
    check "gen stages: skipped ($T has no gen command; gen is merged separately)" 0
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
