#!/usr/bin/env bash
# run.sh - runs the unit tests and every corpus test; the last line is the
# total "N passed, N failed". Each part prints its own count line last.
set -u
cd "$(dirname "$0")/.."
export TANSA=${TANSA:-build/tansa-san}
export TANSA_REL=${TANSA_REL:-build/tansa}
export CORPUS=${CORPUS:-../shared/corpus}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
total_p=0 total_f=0
log=$(mktemp -d)
# compiled literal databases go to a cache of this run's own (never $HOME):
# the first load of a rule set compiles, later ones read the cache
export TANSA_CACHE="$log/cache"
run_part() { # name command...
    local name=$1; shift
    echo "== $name"
    "$@" >"$log/$name.out" 2>"$log/$name.err"
    local rc=$?
    local line
    line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log/$name.out" | tail -n 1)
    grep -E '^(FAIL|not ok)' "$log/$name.out" | head -n 50
    if [ -z "$line" ]; then
        echo "   $name: no count line (exit $rc); counted as 1 failure"
        tail -n 20 "$log/$name.err"
        total_f=$((total_f + 1))
        return
    fi
    local p f
    p=$(sed -E 's/^([A-Za-z]+: )?([0-9]+) passed.*/\2/' <<<"$line")
    f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "   $name: exit $rc with no failure counted; counted as 1 failure"
        tail -n 20 "$log/$name.err"
        f=1
    fi
    [ "$f" -ne 0 ] && tail -n 40 "$log/$name.err"
    echo "   $line"
    total_p=$((total_p + p)); total_f=$((total_f + f))
}
run_part unit build/unit-tests
for t in tests/corpus/*.sh; do
    [ -e "$t" ] || continue
    run_part "$(basename "$t" .sh)" bash "$t"
done
rm -rf "$log"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
