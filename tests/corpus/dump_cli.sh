#!/usr/bin/env bash
# tansa dump from the command line: threads give the same bytes, standard
# input works, formats agree on record counts, exit codes are as documented.
set -u
T=${TANSA:-build/tansa-san}
C=${CORPUS:-../shared/corpus}
F="$C/hayabusa-sample-evtx/DeepBlueCLI/smb-password-guessing-security.evtx"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() { if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi; }
"$T" dump "$F" >"$work/a"; rc=$?
[ "$rc" = 0 ]; check "clean file: exit 0" $?
"$T" dump --threads 2 "$F" >"$work/b"
cmp -s "$work/a" "$work/b"; check "--threads 2 gives the same bytes as 1" $?
"$T" dump - <"$F" >"$work/c"
cmp -s "$work/a" "$work/c"; check "standard input gives the same records" $?
n=$(wc -l <"$work/a")
[ "$n" = 3561 ]; check "3561 records ($n)" $?
ne=$("$T" dump -f event "$F" | wc -l)
nx=$("$T" dump -f xml "$F" | grep -c '^<Event')
[ "$ne" = "$n" ] && [ "$nx" = "$n" ]; check "event and xml formats give every record ($ne, $nx)" $?
head -c 100000 "$F" >"$work/cut.evtx"
"$T" dump "$work/cut.evtx" >/dev/null 2>"$work/err"; rc=$?
[ "$rc" = 1 ]; check "truncated file: exit 1 (partial)" $?
grep -q "chunk 1 at offset 0x11000: chunk truncated" "$work/err"; check "truncation reported with chunk and offset" $?
grep -q "problem" "$work/err"; check "closing summary counts problems" $?
"$T" dump "$work/nope.evtx" >/dev/null 2>&1; rc=$?
[ "$rc" = 3 ]; check "missing file: exit 3" $?
"$T" dump --format nope "$F" >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ]; check "bad option: exit 2" $?
"$T" dump --help | grep -q "Exit codes"; check "--help documents exit codes" $?
"$T" --version | grep -q "^tansa "; check "--version" $?
# output: -o equals standard output; a failed write is exit 4, named
"$T" dump -t 2 "$F" >"$work/stdout.jsonl" 2>/dev/null
"$T" dump -t 2 -o "$work/o.jsonl" "$F" 2>/dev/null
cmp -s "$work/stdout.jsonl" "$work/o.jsonl"; check "dump -o FILE equals standard output" $?
if [ -w /dev/full ]; then
    "$T" dump "$F" >/dev/full 2>"$work/full.err"; rc=$?
    [ "$rc" = 4 ] && grep -q "standard output: write failed" "$work/full.err"
    check "a full disk: exit 4, and the output is named" $?
fi
"$T" dump -o "$work/no/such/dir/out.jsonl" "$F" >/dev/null 2>"$work/o.err"; rc=$?
[ "$rc" = 2 ] && [ -s "$work/o.err" ]; check "an -o that cannot be opened: exit 2 with the reason" $?
# '-o -' is standard output as in hunt (it made a file named '-'); a file
# of which no record could be read is exit 3 as in hunt (it was 1).
(TA=$(realpath "$T"); FA=$(realpath "$F"); cd "$work" && "$TA" dump -o - "$FA" >"$work/dash.out"); rc=$?
[ $rc = 0 ] && [ ! -e "$work/-" ] && cmp -s "$work/a" "$work/dash.out"; check "-o - writes standard output" $?
head -c 3000 "$F" >"$work/hdr.evtx"
"$T" dump "$work/hdr.evtx" >/dev/null 2>&1; rc=$?
[ $rc = 3 ]; check "a file header alone (no record readable): exit 3 ($rc)" $?
echo "$pass passed, $fail failed"
