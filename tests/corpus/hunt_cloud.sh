#!/usr/bin/env bash
# hunt_cloud.sh - Sigma's cloud log sources over their JSON audit logs:
# AWS CloudTrail (JSON Lines and CloudTrail's own {"Records": [...]}
# files), Okta, GCP audit logs (and a Pub/Sub export's data), GitHub's
# audit log and Azure's sign-in, audit, activity and risk logs are told by
# their own members, get a channel the log-source map names, and their own
# times. Until session 27 no cloud rule could match anything.
. "$(dirname "$0")/../tools/check.sh"
w=$(mktemp -d)
export TANSA_CACHE=off
cat >"$w/cloud.jsonl" <<'EOF'
{"eventVersion":"1.08","userIdentity":{"type":"IAMUser"},"eventTime":"2024-01-01T00:00:00Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"us-east-1"}
{"actor":{"id":"00u1","type":"User","alternateId":"eve@example.com"},"eventType":"user.lifecycle.create","published":"2024-01-01T00:00:01.123Z"}
{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","methodName":"v1.compute.firewalls.delete"},"timestamp":"2024-01-01T00:00:02.123456Z"}
{"@timestamp":1704067203000,"_document_id":"abc","action":"secret_scanning.disable","actor":"mallory","org":"acme"}
{"time":"2024-01-01T00:00:04Z","resourceId":"/tenants/x","operationName":"Sign-in activity","category":"SignInLogs","ResultType":"50126"}
{"TimeGenerated":"2024-01-01T00:00:05Z","Type":"AuditLogs","OperationName":"Add member to role"}
{"time":"2024-01-01T00:00:06Z","resourceId":"/subscriptions/s","operationName":"MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/DELETE","category":"Administrative"}
{"time":"2024-01-01T00:00:07Z","category":"UserRiskEvents","riskEventType":"unlikelyTravel"}
{"data":{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","methodName":"x"},"timestamp":"2024-01-01T00:00:08Z"}}
{"eventSource":"myapp","eventVersion":"1","eventName":"StopLogging"}
{"category":"Administrative","operationName":"x"}
EOF
# a rule per log source, each matching any event of it
mk() { # file product service
    printf 'title: any %s %s\nid: %s\nlogsource:\n    product: %s\n    service: %s\ndetection:\n    keywords: ["*"]\n    condition: keywords\nlevel: low\n' \
        "$2" "$3" "$(cat /proc/sys/kernel/random/uuid)" "$2" "$3" >"$1"
}
mkdir -p "$w/r"
mk "$w/r/aws.yml" aws cloudtrail; mk "$w/r/okta.yml" okta okta; mk "$w/r/gcp.yml" gcp gcp.audit
mk "$w/r/gh.yml" github audit; mk "$w/r/az1.yml" azure signinlogs; mk "$w/r/az2.yml" azure auditlogs
mk "$w/r/az3.yml" azure activitylogs; mk "$w/r/az4.yml" azure riskdetection
got=$("$TANSA" hunt -q -r "$w/r" -f jsonl "$w/cloud.jsonl" 2>/dev/null |
      jq -r '"\(.timestamp) \(.channel) \(.rule_title)"')
check "each cloud log is told by its members, with its own time, and its rules run on it" \
"2024-01-01T00:00:00.000000Z AWS CloudTrail any aws cloudtrail
2024-01-01T00:00:01.123000Z Okta System Log any okta okta
2024-01-01T00:00:02.123456Z GCP Audit Log any gcp gcp.audit
2024-01-01T00:00:03.000000Z GitHub Audit Log any github audit
2024-01-01T00:00:04.000000Z Azure Sign-in Logs any azure signinlogs
2024-01-01T00:00:05.000000Z Azure Audit Logs any azure auditlogs
2024-01-01T00:00:06.000000Z Azure Activity Log any azure activitylogs
2024-01-01T00:00:07.000000Z Azure Risk Detection any azure riskdetection
2024-01-01T00:00:08.000000Z GCP Audit Log any gcp gcp.audit" "$got"

# their details: what was done, by whom, from where (they were {})
head -n 4 "$w/cloud.jsonl" >"$w/four.jsonl"
got=$("$TANSA" hunt -q -r "$w/r" -f jsonl "$w/four.jsonl" 2>/dev/null | jq -c '.details' | cut -c1-60)
check "cloud detections' details tell the action and the principal first" \
'{"eventName":"StopLogging","eventSource":"cloudtrail.amazona
{"eventType":"user.lifecycle.create","actor.alternateId":"ev
{"protoPayload.methodName":"v1.compute.firewalls.delete","pr
{"action":"secret_scanning.disable","actor":"mallory","org":' "$got"

# a record with every Azure name the details look for first: 16 shown, no more
python3 -c 'import json; n = ["operationName", "OperationName", "OperationNameValue", "ActivityDisplayName", "riskEventType", "UserPrincipalName", "userPrincipalName", "caller", "Caller", "identity", "IPAddress", "ipAddress", "callerIpAddress", "CallerIpAddress", "ResultType", "resultType", "AppDisplayName"]; d = {k: "v" + k for k in n}; d.update(category="SignInLogs", time="2024-01-01T00:00:00Z"); print(json.dumps(d))' >"$w/az.jsonl"
check "an Azure record's details: 16 names at most (17 wrote past the details' arrays)" 16 \
    "$("$TANSA" hunt -q -r "$w/r/az1.yml" -f jsonl "$w/az.jsonl" 2>/dev/null | jq '.details | length')"

# a number is GitHub's time alone (ms since 1970); elsewhere no time
printf '{"eventVersion":"1.08","eventTime":1704067200,"eventSource":"s3.amazonaws.com","eventName":"x"}\n' >"$w/num.jsonl"
check "another log's numeric time is no time" "1601-01-01T00:00:00.000000Z AWS CloudTrail" \
    "$("$TANSA" hunt -q -r "$w/r/aws.yml" -f jsonl "$w/num.jsonl" 2>/dev/null | jq -r '"\(.timestamp) \(.channel)"')"
# an application's audit log is no GitHub's ({"action": "login", ...})
printf '{"action":"login","actor":"bob","org":"acme","@timestamp":1704067200000}\n' >"$w/app.jsonl"
check "an application's {action, actor, org} is no GitHub audit log" 0 \
    "$("$TANSA" hunt -q -r "$w/r" -f jsonl "$w/app.jsonl" 2>/dev/null | wc -l)"

# SigmaHQ's own rules, as written, on these logs
S="$CORPUS/sigma/rules"
got=$("$TANSA" hunt -q -r "$S/cloud/aws" -r "$S/application/github" -f jsonl "$w/cloud.jsonl" 2>/dev/null |
      jq -r '.rule_title' | sort | tr '\n' '|')
check "SigmaHQ's CloudTrail and GitHub rules fire on their logs" \
    "AWS CloudTrail Important Change|Github Secret Scanning Feature Disabled|" "$got"

# CloudTrail's own files: {"Records": [...]}, each element an event
printf '{"Records":[{"eventVersion":"1.08","eventTime":"2024-01-01T00:00:10Z","eventSource":"cloudtrail.amazonaws.com","eventName":"DeleteTrail","userIdentity":{"type":"Root"}},\n 7,\n {"eventVersion":"1.08","eventTime":"2024-01-01T00:00:11Z","eventSource":"s3.amazonaws.com","eventName":"GetObject"}]}\n{"Records":[]}\n' \
    >"$w/ct.json"
err=$(mktemp)
got=$("$TANSA" hunt -r "$w/r/aws.yml" -r "$S/cloud/aws/cloudtrail" -f jsonl "$w/ct.json" 2>"$err" |
      jq -r '"\(.timestamp) \(.rule_title)"' | sort | tr '\n' '|')
check "a CloudTrail file's Records are its events; an element not an object is said and skipped" \
    "2024-01-01T00:00:10.000000Z AWS CloudTrail Important Change|2024-01-01T00:00:10.000000Z AWS Root Credentials|2024-01-01T00:00:10.000000Z any aws cloudtrail|2024-01-01T00:00:11.000000Z any aws cloudtrail|1 2" \
    "$got$(grep -c 'a JSON number in Records, not an object; skipped' "$err") $(grep -o 'read 1 files, [0-9]* records' "$err" | grep -o '[0-9]* records' | cut -d' ' -f1)"
# a Records file is one JSON object: up to 8 times a record's limit (16 MiB)
recs() { python3 -c 'import json, sys; print(json.dumps({"Records": [{"eventVersion": "1", "eventSource": "s3.amazonaws.com", "x": "y" * 300}] * int(sys.argv[1])}))' "$1"; }
recs 16000 >"$w/mid.json"   # 5.6 MiB: over a record's 2 MiB
check "a Records file of 5.6 MiB is read whole" 16000 \
    "$("$TANSA" hunt -r "$w/r/aws.yml" -f jsonl "$w/mid.json" 2>/dev/null | wc -l)"
# one too long or too deep: lost whole, and said so with the way out
recs 50000 >"$w/big.json"   # 17.5 MiB
"$TANSA" hunt -r "$w/r/aws.yml" -f jsonl "$w/big.json" >/dev/null 2>"$err"
check "a Records file over 16 MiB is said, with jq's way out" 1 \
    "$(grep -c "record longer than 16777216 bytes.*a CloudTrail file's Records, all of them: \`jq -c '.Records\[\]'\`" "$err")"
rm -f "$err"
# what is not a cloud log stays channel-less: another eventSource, an
# Azure category without its members
tail -n 2 "$w/cloud.jsonl" >"$w/alike.jsonl"
got=$("$TANSA" hunt -q -r "$w/r" -f jsonl "$w/alike.jsonl" 2>&1 | grep -c 'read 1 files, 2 records')
check "look-alikes are no cloud log (both read, neither matched)" "1 0" \
    "$got $("$TANSA" hunt -q -r "$w/r" -f jsonl "$w/alike.jsonl" 2>/dev/null | wc -l)"
rm -rf "$w"
echo "$pass passed, $fail failed"
