#!/usr/bin/env bash
# sigma_filters_meta.sh - what a review of session 27 found in filters,
# placeholders, legacy collections, names, statuses and rule files:
# a filter whose placeholder has no value (it hid every match), a filter
# written for pySigma ('not selection'), each placeholder warned at its
# own value, collections refused with their reason, names that repeat,
# `.YML` files in folders, warnings in `--format json`, and deprecated or
# unsupported rules left out of the timeline unless --status asks.
. "$(dirname "$0")/../tools/check.sh"
w=$(mktemp -d)
export TANSA_CACHE=off
rule() { # file id name status user-field
    cat >"$1" <<EOF
title: Whoami $3
id: $2
name: $3
status: $4
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\whoami.exe'
    condition: selection
level: high
EOF
}
ev() { # user
    printf '{"Event":{"System":{"Provider":{"Name":"Microsoft-Windows-Sysmon"},"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"h1","TimeCreated":{"#attributes":{"SystemTime":"2024-01-01T00:00:0%sZ"}},"EventRecordID":%s},"EventData":{"Image":"C:\\\\Windows\\\\System32\\\\whoami.exe","User":"%s","CommandLine":"whoami"}}}\n' "$2" "$2" "$1"
}
{ ev adm_bob 1; ev alice 2; ev adm_eve 3; } >"$w/ev.jsonl"
mkdir -p "$w/r" "$w/fph" "$w/fnot" "$w/ph" "$w/coll" "$w/dup" "$w/ext" "$w/st"
rule "$w/r/rule.yml" 11111111-1111-4111-8111-111111111111 whoami_exec stable

# a filter whose placeholder has no value: as '*' it hid every match
cat >"$w/fph/f.yml" <<'EOF'
title: Admins
logsource:
    category: process_creation
    product: windows
filter:
    rules: [whoami_exec]
    selection:
        User|expand: '%AdminAccounts%'
    condition: selection
EOF
out=$("$TANSA" rules check "$w/fph" "$w/r" 2>/dev/null); rc=$?
check "a filter with a placeholder without values is refused, at its value" \
    "1 $w/fph/f.yml:8:22: a filter cannot take a placeholder with no value as a wildcard (%AdminAccounts%)" \
    "$rc $(grep -o '^.*(%AdminAccounts%)' <<<"$out")"
n=$("$TANSA" hunt -q -r "$w/fph" -r "$w/r" -f jsonl "$w/ev.jsonl" 2>/dev/null | grep -c '"rule_id"')
check "... and hides nothing in a hunt" 3 "$n"
printf 'placeholders:\n  AdminAccounts:\n    - adm_*\n' >"$w/ph.yml"
n=$("$TANSA" hunt -q --placeholders "$w/ph.yml" -r "$w/fph" -r "$w/r" -f jsonl "$w/ev.jsonl" 2>/dev/null |
    grep -o '"record_id":[0-9]*' | tr '\n' ' ')
check "... and with values it hides their matches (alice's is left)" '"record_id":2 ' "$n"

# a filter written for pySigma: warned, read as the specification's example
sed 's/condition: selection/condition: not selection/; s/User|expand: .*/User|startswith: adm_/' \
    "$w/fph/f.yml" >"$w/fnot/f.yml"
err=$("$TANSA" rules check "$w/fnot" "$w/r" 2>&1 >/dev/null)
check "a filter's condition starting with 'not' is warned, at the condition" \
    "$w/fnot/f.yml:9:16: warning: a filter's condition starting with 'not'" \
    "$(grep -o "^.*starting with 'not'" <<<"$err")"
mkdir -p "$w/fnot2"
sed 's/condition: not selection/condition: (not selection and not selection)/' "$w/fnot/f.yml" >"$w/fnot2/f.yml"
check "... also when its tree's root is an 'and' ('not a and not b', pySigma's other form)" 1 \
    "$("$TANSA" rules check "$w/fnot2" "$w/r" 2>&1 >/dev/null | grep -c "starting with 'not'")"
mkdir -p "$w/fnot3" "$w/fnot4"
sed 's/condition: not selection/condition: [not selection]/' "$w/fnot/f.yml" >"$w/fnot3/f.yml"
sed 's/condition: not selection/condition: "not\\nselection"/' "$w/fnot/f.yml" >"$w/fnot4/f.yml"
check "... and in a list of conditions, or with a line break after the 'not'" "1 1" \
    "$("$TANSA" rules check "$w/fnot3" "$w/r" 2>&1 >/dev/null | grep -c "starting with 'not'") $("$TANSA" rules check "$w/fnot4" "$w/r" 2>&1 >/dev/null | grep -c "starting with 'not'")"
n=$("$TANSA" hunt -q -r "$w/fnot" -r "$w/r" -f jsonl "$w/ev.jsonl" 2>/dev/null | grep -o '"record_id":[0-9]*' |
    tr '\n' ' ')
check "... and it hides what its condition holds for: all but the adm_ users" '"record_id":1 "record_id":3 ' "$n"

# each placeholder without values warned at its own value
cat >"$w/ph/r.yml" <<'EOF'
title: Placeholders
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|expand: '%NoSuchA%'
        User|expand: '%NoSuchB%-%NoSuchA%'
    sel2:
        CommandLine|expand: '%NoSuchC%'
    condition: selection or sel2
level: high
EOF
err=$("$TANSA" rules check "$w/ph" 2>&1 >/dev/null)
check "each placeholder without values is warned once a value, at that value" \
    "$w/ph/r.yml:7:23: warning: placeholder %NoSuchA% has no value; matched as '*'
$w/ph/r.yml:8:22: warning: placeholder %NoSuchB% has no value; matched as '*'
$w/ph/r.yml:8:22: warning: placeholder %NoSuchA% has no value; matched as '*'
$w/ph/r.yml:10:29: warning: placeholder %NoSuchC% has no value; matched as '*'" "$err"
json=$("$TANSA" rules check --format json "$w/ph" "$w/fnot" "$w/r" 2>/dev/null)
check "json keys" '["by_product","filters","loaded","rejected","warnings"]' "$(jq -c 'keys' <<<"$json")"
check "json lists the warnings and counts the filters" \
    "1 5 $w/ph/r.yml 10 29 placeholder %NoSuchC% has no value; matched as '*'" \
    "$(jq -r '.filters as $f | .warnings as $v | $v[] | select(.warning | test("NoSuchC")) |
        "\($f) \($v | length) \(.file) \(.line) \(.column) \(.warning)"' <<<"$json")"
check "text counts the warnings" "warnings: 5 (on standard error)" \
    "$("$TANSA" rules check "$w/ph" "$w/fnot" "$w/r" 2>/dev/null | grep '^warnings')"

# a legacy collection: every document refused with that reason
cat >"$w/coll/c.yml" <<'EOF'
action: global
title: Collection
logsource:
    product: windows
---
detection:
    selection:
        EventID: 1
    condition: selection
---

---
detection:
    selection:
        EventID: 2
    condition: selection
EOF
out=$("$TANSA" rules check "$w/coll" 2>/dev/null); rc=$?
check "a legacy collection is refused whole, each document at its place, the empty one left" \
    "3 $w/coll/c.yml:1:9: $w/coll/c.yml:6:1: $w/coll/c.yml:13:1: 3" \
    "$rc $(grep -o '^[^ ]*:[0-9]*:[0-9]*' <<<"$out" | tr '\n' ' ')$(grep -c ': a legacy collection (Sigma 1' <<<"$out")"

# a custom top-level 'action' of another value is a rule's own field
mkdir -p "$w/act"
sed 's/^level: high/level: high\naction: alert/' "$w/r/rule.yml" >"$w/act/r.yml"
check "a custom 'action: alert' is no collection" "loaded: 1 (0 correlations)" \
    "$("$TANSA" rules check "$w/act" 2>/dev/null | grep '^loaded')"

# two rules of one name: warned (a filter naming it takes both)
rule "$w/dup/a.yml" 22222222-2222-4222-8222-222222222222 same_name stable
rule "$w/dup/b.yml" 33333333-3333-4333-8333-333333333333 same_name stable
err=$("$TANSA" rules check "$w/dup" 2>&1 >/dev/null)
check "a name used twice is warned, at the name (session 29; it was 1:1)" \
    "$w/dup/b.yml:3:7: warning: name 'same_name' is also the name of $w/dup/a.yml:3: names should be unique" \
    "$(grep -o '^.*names should be unique' <<<"$err")"

# a correlation of a rule's name, and two correlations of one name: warned
for c in c1:same_name c2:corr_x c3:corr_x; do
    printf -- '---\ntitle: %s\nname: %s\ncorrelation:\n    type: event_count\n    rules: [whoami_exec]\n    group-by: [User]\n    timespan: 1h\n    condition: {gte: 2}\n' \
        "${c%%:*}" "${c#*:}"
done >"$w/dup/c.yml"
err=$("$TANSA" rules check "$w/dup" "$w/r" 2>&1 >/dev/null | grep -c "name '\(same_name\|corr_x\)' is also the name of")
check "names shared by correlations and rules are warned too" 3 "$err"

# rule files by their extension in any case
rule "$w/ext/a.YML" 44444444-4444-4444-8444-444444444444 a stable
rule "$w/ext/b.Yaml" 55555555-5555-4555-8555-555555555555 b stable
rule "$w/ext/c.yml.txt" 66666666-6666-4666-8666-666666666666 c stable
check ".YML and .Yaml rule files in a folder are loaded" "loaded: 2 (0 correlations)" \
    "$("$TANSA" rules check "$w/ext" 2>/dev/null | grep '^loaded')"

# another taxonomy: warned (its field names are read as Sigma's)
mkdir -p "$w/tx" "$w/nul"
sed 's/^level: high/level: high\ntaxonomy: ecs/' "$w/r/rule.yml" >"$w/tx/r.yml"
check "a rule of another taxonomy is warned, at the taxonomy" \
    "$w/tx/r.yml:13:11: warning: taxonomy 'ecs' is not read" \
    "$("$TANSA" rules check "$w/tx" 2>&1 >/dev/null | grep -o "^.*taxonomy 'ecs' is not read")"

# a NUL byte in a key or a title: refused (read up to it, "User\0junk"
# was the field User, "t\0x" the title "t")
printf 'title: k\nlogsource: {product: windows}\ndetection:\n  sel:\n    "User\\0junk": alice\n  condition: sel\n' \
    >"$w/nul/k.yml"
printf 'title: "t\\0x"\nlogsource: {product: windows}\ndetection:\n  sel:\n    User: alice\n  condition: sel\n' \
    >"$w/nul/t.yml"
printf 'title: f\nlogsource: {product: windows}\nfilter:\n  rules: ["whoami_exec\\0junk"]\n  selection:\n    User: alice\n  condition: selection\n' \
    >"$w/nul/f.yml"
printf 'title: c\ncorrelation:\n  type: value_count\n  rules: [whoami_exec]\n  group-by: [Computer]\n  timespan: 1h\n  condition:\n    gte: 2\n    field: "User\\0junk"\n' \
    >"$w/nul/c.yml"
out=$("$TANSA" rules check "$w/nul" 2>/dev/null)
check "a NUL byte in a key or a title is refused, at its place" \
    "$w/nul/c.yml:9:5: condition field must name a field, or a list of fields
$w/nul/f.yml:4:11: a filter's 'rules' holds rule ids and names only, none empty or with a NUL byte
$w/nul/k.yml:5:5: YAML: a key holds a NUL byte
$w/nul/t.yml:1:8: a NUL byte in a title, id, name, level or status" "$(grep "^$w" <<<"$out")"

# a condition's error after non-ASCII text: columns in characters, as
# libyaml counts them (bytes put it two past sel2)
mkdir -p "$w/pos"
printf 'title: u\nlogsource:\n    product: windows\ndetection:\n    s\xc3\xa9l\xc3\xa9ction:\n        Image: x\n    condition: s\xc3\xa9l\xc3\xa9ction and sel2\n' >"$w/pos/u.yml"
check "a condition's error column counts characters" "$w/pos/u.yml:7:30: condition: unknown search identifier" \
    "$("$TANSA" rules check "$w/pos" 2>/dev/null | grep "^$w" | grep -o '^.*unknown search identifier')"

# deprecated and unsupported rules: not reported unless --status asks
for s in stable test experimental deprecated unsupported; do
    rule "$w/st/$s.yml" "$(uuidgen 2>/dev/null || cat /proc/sys/kernel/random/uuid)" "st_$s" "$s"
done
err=$(mktemp)
n=$("$TANSA" hunt -r "$w/st" -f jsonl "$w/ev.jsonl" 2>"$err" | grep -c '"rule_id"')
check "deprecated and unsupported rules are not reported by default, and it is said" \
    "9 1" "$n $(grep -c '^tansa hunt: 2 rules of status deprecated or unsupported not reported' "$err")"
n=$("$TANSA" hunt -q -r "$w/st" --status stable,test,experimental,deprecated,unsupported -f jsonl "$w/ev.jsonl" \
    2>/dev/null | grep -c '"rule_id"')
check "... and --status reports them" 15 "$n"
n=$("$TANSA" hunt -q -r "$w/st" --status deprecated -f jsonl "$w/ev.jsonl" 2>/dev/null | grep -c 'st_deprecated\|Whoami')
check "... --status deprecated alone: only those" 3 "$n"
n=$("$TANSA" hunt -q -r "$w/st" -r "$w/r" --status all -f jsonl "$w/ev.jsonl" 2>/dev/null | grep -c '"rule_id"')
check "... --status all reports every rule, those without a status too" 18 "$n"
sed '/^status:/d' "$w/r/rule.yml" >"$w/st/nostatus.yml"
n=$("$TANSA" hunt -q -r "$w/st" --status all -f jsonl "$w/ev.jsonl" 2>/dev/null | grep -c '"rule_id"')
check "... (a rule without a status is one of them)" 18 "$n"
"$TANSA" hunt -r "$w/st" -m critical -f jsonl "$w/ev.jsonl" >/dev/null 2>"$err"
check "... and the note counts only rules the default alone leaves out (not those below -m)" 0 \
    "$(grep -c 'not reported' "$err")"
got=$("$TANSA" scope --from-detections=low --rules "$w/st/deprecated.yml" --format text "$w/ev.jsonl" 2>&1 | head -1)
check "scope seeds from the detections hunt reports: not a deprecated rule's" \
    "tansa scope: 0 hosts seeded from 0 detections at level low or above" "$got"
rm -f "$err"
rm -rf "$w"
echo "$pass passed, $fail failed"
