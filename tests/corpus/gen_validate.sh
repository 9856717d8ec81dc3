#!/usr/bin/env bash
# gen_validate.sh - `tansa gen` writes EVTX that libevtx and python-evtx both
# read in full, the same bytes for the same seed, and a breach that the
# Sigma rules it was built for can see. Last line: "N passed, N failed".
set -u
TANSA=${TANSA:-build/tansa-san}
TANSA_REL=${TANSA_REL:-build/tansa}
CORPUS=${CORPUS:-../shared/corpus}
PY=/usr/bin/python3   # the python3 that has the Evtx module
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { local name=$1; shift; if "$@" >"$tmp/out" 2>&1; then ok "$name"; else bad "$name"; tail -n 5 "$tmp/out"; fi; }

small="--scale 0.2 --days 7 --format both --quiet"
for seed in 1 2 3; do
    check "gen seed $seed" "$TANSA" gen --seed "$seed" $small --out "$tmp/s$seed"
    [ "$seed" = 1 ] && mode= || mode=--quick
    if $PY "$here/gen_compare.py" $mode "$tmp/s$seed" >"$tmp/cmp$seed" 2>&1; then
        ok "seed $seed: $(tail -n 2 "$tmp/cmp$seed" | head -n 1)"
    else
        bad "seed $seed: libevtx/python-evtx/jsonl disagree"
        grep FAIL "$tmp/cmp$seed" | head -n 5
    fi
done

# Same seed, same bytes: the release build must reproduce the ASan build's files.
check "seed 1 again (release build)" "$TANSA_REL" gen --seed 1 $small --out "$tmp/r1"
sums() { (cd "$1" && find . -type f ! -name truth.json -print0 | sort -z | xargs -0 sha256sum); }
if [ "$(sums "$tmp/s1")" = "$(sums "$tmp/r1")" ]; then ok "same seed, same bytes"; else bad "same seed, different bytes"; fi
strip_secs() { sed -E 's/"seconds": [0-9.]+//' "$1"; }
if [ "$(strip_secs "$tmp/s1/truth.json")" = "$(strip_secs "$tmp/r1/truth.json")" ]; then ok "same truth"; else bad "truth differs"; fi
if [ "$(sums "$tmp/s1")" != "$(sums "$tmp/s2")" ]; then ok "other seed, other bytes"; else bad "seeds 1 and 2 identical"; fi

# The breach steps are found by the SigmaHQ rules they were built for.
rules=$CORPUS/sigma/rules/windows
if [ -d "$rules" ]; then
    $PY "$here/gen_sigma.py" "$tmp/s1" "$rules" \
        process_creation/proc_creation_win_webshell_susp_process_spawned_from_webserver.yml \
        builtin/system/service_control_manager/win_system_service_install_susp.yml \
        process_creation/proc_creation_win_rundll32_process_dump_via_comsvcs.yml \
        process_access/proc_access_win_lsass_dump_comsvcs_dll.yml \
        builtin/system/service_control_manager/win_system_service_install_sysinternals_psexec.yml \
        process_creation/proc_creation_win_rar_compression_with_password.yml \
        builtin/security/win_security_audit_log_cleared.yml >"$tmp/sigma" 2>&1
    while read -r status rest; do
        case $status in
            ok) ok "sigma $rest" ;;
            FAIL) bad "sigma $rest" ;;
        esac
    done <"$tmp/sigma"
    grep -q "passed, 0 failed" "$tmp/sigma" || { bad "sigma check did not finish"; tail -n 3 "$tmp/sigma"; }
else
    bad "no Sigma rules at $rules"
fi
$PY - "$tmp/s1/truth.json" >"$tmp/truth" 2>&1 <<'PYEOF'
import json, sys
t = json.load(open(sys.argv[1]))
hosts = {h["host"]: h for h in t["hosts"]}
cj = {c["host"]: c["verdict"] for c in t["crown_jewels"]}
assert t["seeds"][0]["host"] == "AFF-AV01", t["seeds"]
assert hosts["HQ-AV01"]["via"]["src"] == "AFF-AV01", hosts["HQ-AV01"]
assert "HQ-FS-HR01" in hosts and "RND-FS-ENG01" in hosts
assert not any(h.startswith("RND-FS-PRJ") for h in hosts), hosts.keys()
assert cj == {"RND-FS-PRJ01": "assured_untouched", "RND-FS-PRJ02": "cannot_assure"}, cj
assert any(a["how"] == "dumped" for a in t["accounts"])
assert any(g["reason"] == "cleared" for g in t["gaps"])
assert t["malicious_events"] and all(m["record_id"] > 0 for m in t["malicious_events"])
PYEOF
if [ $? -eq 0 ]; then ok "truth: seed, path, crown-jewel verdicts"; else bad "truth"; tail -n 3 "$tmp/truth"; fi
# A disk that fills up (here a file size limit: writes past it fail with
# EFBIG, as on a full disk with ENOSPC) is an output that cannot be written:
# exit 4 and the file named (it was exit 1 with no word for EVTX; session 29).
# Progress goes to a terminal only.
for fmt in evtx jsonl; do
    (trap '' XFSZ; ulimit -f 64; exec "$TANSA" gen --scale 0.1 --days 7 --format $fmt --out "$tmp/full-$fmt") \
        >"$tmp/full.out" 2>"$tmp/full.err"
    rc=$?
    if [ $rc -eq 4 ] && [ "$(wc -l <"$tmp/full.err")" -eq 1 ] &&
        grep -Eq "^tansa gen: $tmp/full-$fmt/logs/.*\.$fmt: File too large$" "$tmp/full.err"; then
        ok "gen to a full disk ($fmt): exit 4, the file named"
    else bad "gen to a full disk ($fmt): exit $rc"; head -n 3 "$tmp/full.err"; fi
done
"$TANSA" gen --scale 0.05 --days 7 --out "$tmp/np" >/dev/null 2>"$tmp/np.err"
if [ ! -s "$tmp/np.err" ]; then ok "gen: no progress when stderr is no terminal"; else bad "gen: progress on a file"; od -c "$tmp/np.err" | head -n 2; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
