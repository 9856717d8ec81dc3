#!/usr/bin/env python3
"""SigmaHQ's regression data through the real command: for each case, the
named rule (loaded from its own file in the rule trees) must fire under
`tansa hunt` on the case's .evtx and on its .json. Prints misses, the hit
rate, and `N passed, N failed` (one check per case and input kind, plus
the >= 99% threshold for each kind).

usage: regression_hunt.py TANSA CORPUS
"""
import glob
import json
import os
import re
import subprocess
import sys


def rule_files(corpus):
    ids = {}
    for tree in glob.glob(os.path.join(corpus, "sigma", "rules*")):
        for path in glob.glob(os.path.join(tree, "**", "*.yml"), recursive=True):
            with open(path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    m = re.match(r"^id:\s*['\"]?([0-9a-fA-F-]{36})", line)
                    if m:
                        ids[m.group(1).lower()] = path
                        break
    return ids


def fires(tansa, rule, path, rid):
    p = subprocess.run([tansa, "hunt", "-q", "-t", "1", "--rules", rule, "-f", "jsonl", path],
                       capture_output=True)
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        try:
            if json.loads(line).get("rule_id", "").lower() == rid:
                return True
        except ValueError:
            pass
    return False


def main():
    tansa, corpus = sys.argv[1], sys.argv[2]
    ids = rule_files(corpus)
    passed = failed = 0
    hits = {"evtx": 0, "json": 0}
    cases = 0
    for info in sorted(glob.glob(os.path.join(corpus, "sigma/regression_data/**/info.yml"), recursive=True)):
        d = os.path.dirname(info)
        text = open(info, encoding="utf-8").read()
        m = re.search(r"rule_metadata:\s*\n\s*-\s*id:\s*['\"]?([0-9a-fA-F-]{36})", text)
        evtx = glob.glob(os.path.join(d, "*.evtx"))
        if not m or not evtx:
            continue  # a case without EVTX events (a raw-log case) has nothing to run
        rid = m.group(1).lower()
        rule = ids.get(rid)
        cases += 1
        name = os.path.relpath(d, corpus)
        if not rule:
            print(f"FAIL {name}: rule {rid} not found in the rule trees")
            failed += 2
            continue
        for kind, path in (("evtx", evtx[0]), ("json", evtx[0][:-5] + ".json")):
            if os.path.exists(path) and fires(tansa, rule, path, rid):
                hits[kind] += 1
                passed += 1
            else:
                failed += 1
                print(f"FAIL {name}: {os.path.basename(rule)} does not fire on the .{kind}")
    for kind in ("evtx", "json"):
        pct = 100.0 * hits[kind] / cases if cases else 0
        print(f"named rule fires on the .{kind}: {hits[kind]}/{cases} = {pct:.1f}%")
        if pct >= 99.0:
            passed += 1
        else:
            failed += 1
    print(f"{passed} passed, {failed} failed")


if __name__ == "__main__":
    main()
