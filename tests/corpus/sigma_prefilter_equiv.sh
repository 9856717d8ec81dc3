#!/usr/bin/env bash
# The prefilter (channel+EventID index, per-bucket literal databases, and
# skipping values whose literal the scan did not find) never changes a
# result: every .evtx and JSON file of the corpus, with every SigmaHQ rule
# tree, gives byte-identical detections with and without it
# (TANSA_NO_PREFILTER=1 evaluates every rule on every event). Then again
# with the compiled databases read back from the cache, which must change
# nothing either. The scanner's cache of heavy-field scan results
# (match/scancache.c) is on in these runs; one more run without it
# (TANSA_NO_SCAN_CACHE=1) must agree too. Uses the release build: without the prefilter the run is
# slow under ASan.
set -u
T=${TANSA_REL:-build/tansa}
C=${CORPUS:-../shared/corpus}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TANSA_CACHE="$work/cache"
pass=0 fail=0
check() { # name condition-result
    if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
}
args=()
for r in rules rules-emerging-threats rules-threat-hunting rules-placeholder rules-compliance rules-dfir; do
    [ -d "$C/sigma/$r" ] && args+=(--rules "$C/sigma/$r")
done
"$T" hunt -q "${args[@]}" -f jsonl "$C" >"$work/cold.jsonl" 2>"$work/cold.err"
"$T" hunt -q "${args[@]}" -f jsonl "$C" >"$work/warm.jsonl" 2>/dev/null
TANSA_NO_PREFILTER=1 "$T" hunt -q "${args[@]}" -f jsonl "$C" >"$work/none.jsonl" 2>/dev/null
TANSA_NO_SCAN_CACHE=1 "$T" hunt -q "${args[@]}" -f jsonl "$C" >"$work/nocache.jsonl" 2>/dev/null
n=$(wc -l <"$work/none.jsonl")
echo "   detections without the prefilter: $n"
[ "$n" -gt 5000 ]; check "the whole corpus gives detections ($n)" $?
cmp -s "$work/cold.jsonl" "$work/none.jsonl"; check "prefilter on equals prefilter off, whole corpus, all rules" $?
ls "$TANSA_CACHE"/lits-*.hsdb >/dev/null 2>&1; check "the compiled databases were cached" $?
cmp -s "$work/warm.jsonl" "$work/none.jsonl"; check "databases read from the cache give the same detections" $?
cmp -s "$work/nocache.jsonl" "$work/none.jsonl"; check "without the scan-result cache, the same detections" $?
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
