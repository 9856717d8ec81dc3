#!/usr/bin/env bash
# sigma_rules_check.sh - `tansa rules check --format json` over the SigmaHQ
# rule folders: at least 99.5% of the rule files must load; prints every
# rejection with its reason (kept in the report). Needs $TANSA, $CORPUS.
set -u
: "${TANSA:=build/tansa-san}" "${CORPUS:=../shared/corpus}"
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

rules=("$CORPUS"/sigma/rules*)
if [ ! -d "${rules[0]}" ]; then
    echo "no SigmaHQ rules under $CORPUS/sigma"; echo "0 passed, 1 failed"; exit 1
fi
out=$(mktemp)
"$TANSA" rules check --format json "${rules[@]}" >"$out" 2>/dev/null
rc=$?
files=$(find "${rules[@]}" -name '*.yml' | wc -l)
if jq -e . "$out" >/dev/null 2>&1; then ok "output is one JSON object"; else bad "output is not JSON"; fi
loaded=$(jq '.loaded' "$out")
nrej=$(jq '.rejected | length' "$out")
echo "files: $files  loaded: $loaded  rejected: $nrej  (exit $rc)"
jq -r '.rejected[] | "  \(.file):\(.line):\(.column): \(.reason)"' "$out"
echo "by product:"; jq -r '.by_product | to_entries[] | "  \(.value) \(.key)"' "$out"
if [ $((loaded * 1000)) -ge $((files * 995)) ]; then ok "loaded >= 99.5% of $files"; else bad "loaded $loaded < 99.5% of $files"; fi
if [ $((loaded + nrej)) -ge "$files" ]; then ok "every file accounted for"; else bad "loaded+rejected < files"; fi
win=$(jq '.by_product.windows // 0' "$out")
if [ "$win" -gt 2000 ]; then ok "windows rules counted ($win)"; else bad "windows rules $win"; fi
# the JSON schemas' metadata points (session 29): SigmaHQ keeps them all
sw=$(jq '[.warnings[] | select(.warning | test("^.(date|modified|related|tags|references|fields|falsepositives|author|license|id|title|name|description). |keyword search"))] | length' "$out")
if [ "$sw" = 0 ]; then ok "no schema warning on SigmaHQ's rules"; else bad "$sw schema warnings on SigmaHQ's rules"; jq -r '.warnings[].warning' "$out" | grep -E "^'" | sort | uniq -c | head; fi
rm -f "$out"
echo "$pass passed, $fail failed"
