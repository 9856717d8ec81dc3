#!/usr/bin/env python3
"""scope_vs_truth.py - compare `tansa scope` JSON with a `tansa gen` truth.json, part by part."""
import json, sys

def norm_how(h):
    return {"logon": "lateral"}.get(h, h)

def parts(d):
    p = {}
    p["hosts"] = {(h["host"], h["compromised_at"], norm_how(h["how"])) for h in d["hosts"]}
    p["accounts"] = {(a["account"].lower(), a["compromised_at"], a["how"], a.get("host")) for a in d["accounts"]}
    p["edges"] = {(e["src"], e["dst"], e["account"].lower(), e["time"], e["logon_type"]) for e in d["edges"]}
    p["objects"] = {(o["host"], o["share"], o["path"], o["account"].lower(), o["time"], o["event_id"]) for o in d["objects"]}
    p["gaps"] = {(g["host"], g["channel"], g["from"], g["to"], g["reason"]) for g in d["gaps"]}
    p["crown_jewels"] = {(c["host"], c["verdict"]) for c in d["crown_jewels"]}
    return p

mine, truth = parts(json.load(open(sys.argv[1]))), parts(json.load(open(sys.argv[2])))
bad = 0
for k in mine:
    extra, missing = mine[k] - truth[k], truth[k] - mine[k]
    status = "ok" if not extra and not missing else "DIFF"
    bad += status != "ok"
    print(f"{status} {k}: scope {len(mine[k])}, truth {len(truth[k])}")
    for x in sorted(extra)[:8]:
        print("   only in scope:", x)
    for x in sorted(missing)[:8]:
        print("   only in truth:", x)
sys.exit(1 if bad else 0)
