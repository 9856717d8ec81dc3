#!/usr/bin/env python3
"""`tansa dump` of every EVTX file gen writes equals its JSON Lines twin,
record for record, as parsed JSON. The twin leaves out the Event element's
xmlns attribute (a namespace declaration, not data): set aside.

usage: gen_twin.py TANSA OUTDIR
"""
import glob
import json
import os
import subprocess
import sys


def main():
    tansa, out = sys.argv[1], sys.argv[2]
    files = sorted(glob.glob(os.path.join(out, "logs", "*", "*.evtx")))
    passed = failed = records = 0
    for f in files:
        twin = f[:-5] + ".jsonl"
        p = subprocess.run([tansa, "dump", "-q", f], capture_output=True)
        got = [json.loads(l) for l in p.stdout.decode("utf-8").splitlines()]
        want = [json.loads(l) for l in open(twin, encoding="utf-8")]
        for g in got:
            g["Event"].get("#attributes", {}).pop("xmlns", None)
            if not g["Event"].get("#attributes", 1):
                del g["Event"]["#attributes"]
        records += len(got)
        if p.returncode == 0 and got == want:
            passed += 1
        else:
            failed += 1
            bad = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            print(f"FAIL {os.path.relpath(f, out)}: {len(got)} vs {len(want)} records, first difference at {bad}")
    print(f"{len(files)} files, {records} records compared")
    print(f"{passed} passed, {failed} failed")


if __name__ == "__main__":
    main()
