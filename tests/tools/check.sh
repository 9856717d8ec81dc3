# check.sh - sourced by the shell tests in tests/corpus: the binary, the
# corpus, and check NAME EXPECTED ACTUAL, which prints "ok" or "FAIL" with
# both values and counts them in pass and fail (the test prints
# "$pass passed, $fail failed" last).
set -u
: "${TANSA:=build/tansa-san}"
: "${CORPUS:=../shared/corpus}"
pass=0 fail=0
check() { # name expected actual
    if [ "$2" = "$3" ]; then echo "ok   $1"; pass=$((pass + 1));
    else echo "FAIL $1"; echo "  want: $2"; echo "  got:  $3"; fail=$((fail + 1)); fi
}
