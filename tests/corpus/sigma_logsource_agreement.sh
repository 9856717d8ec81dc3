#!/usr/bin/env bash
# sigma_logsource_agreement.sh - compares the channels and EventIDs tansa
# evaluates each SigmaHQ Windows rule on (`tansa rules sources`) with the
# Hayabusa-converted version of the same rule (joined through Hayabusa's
# `related: type: derived` id), and prints the agreement percentage.
# Needs $TANSA, $CORPUS, and python3 with PyYAML (skipped without them).
set -u
: "${TANSA:=build/tansa-san}" "${CORPUS:=../shared/corpus}"
if ! /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
    echo "python3 with PyYAML not available: skipped"; echo "0 passed, 0 failed"; exit 0
fi
src=$(mktemp)
"$TANSA" rules sources "$CORPUS"/sigma/rules* >"$src" 2>/dev/null
/usr/bin/python3 - "$src" "$CORPUS/hayabusa-rules/sigma" <<'PY'
import json, sys, glob, yaml, collections
tansa = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["id"]:
        tansa[r["id"]] = (set(r["sources"]), r["any"])
haya = collections.defaultdict(set)
for f in glob.glob(sys.argv[2] + "/**/*.yml", recursive=True):
    try:
        d = yaml.safe_load(open(f, encoding="utf-8"))
    except Exception:
        continue
    if not isinstance(d, dict):
        continue
    # Hayabusa copies the original's own related list and appends the id of
    # the rule it converts last: only that one is joined (taking every
    # derived id credited a conversion to the rule its original derives from)
    orig = [x.get("id") for x in d.get("related") or [] if isinstance(x, dict) and x.get("type") == "derived"][-1:]
    ls, det = d.get("logsource") or {}, d.get("detection") or {}
    key = (ls.get("category") or ls.get("service") or "").replace("-", "_")
    sel = det.get(key) if isinstance(det, dict) else None
    if not orig or not isinstance(sel, dict) or "Channel" not in sel:
        continue
    chans = sel["Channel"] if isinstance(sel["Channel"], list) else [sel["Channel"]]
    eids = sel.get("EventID")
    eids = ["*"] if eids is None else (eids if isinstance(eids, list) else [eids])
    for o in orig:
        for c in chans:
            for e in eids:
                haya[o].add("%s:%s" % (c, e))
agree = total = 0
diffs = []
for rid, hs in sorted(haya.items()):
    if rid not in tansa:
        continue
    total += 1
    ts, _ = tansa[rid]
    if ts == hs:
        agree += 1
    else:
        diffs.append((rid, sorted(ts), sorted(hs)))
pct = 100.0 * agree / total if total else 0
print("logsource agreement with Hayabusa: %d of %d rules (%.1f%%)" % (agree, total, pct))
kinds = collections.Counter((tuple(t), tuple(h)) for _, t, h in diffs)
for (t, h), n in kinds.most_common(15):
    print("  %4d  tansa %s  hayabusa %s" % (n, list(t), list(h)))
ok = total > 1000 and pct >= 90.0
print("%s   agreement >= 90%% over > 1000 rules" % ("ok" if ok else "FAIL"))
print("%d passed, %d failed" % (1 if ok else 0, 0 if ok else 1))
PY
rc=$?
rm -f "$src"
exit $rc
