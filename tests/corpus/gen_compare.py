#!/usr/bin/python3
"""gen_compare.py - reads every EVTX file `tansa gen` wrote with libevtx
(evtxexport -f xml) and with python-evtx, and checks that both see the same
records with the same content, and that the content is what the generator
meant (its .jsonl twin, when present).

    gen_compare.py [--quick] OUTDIR

--quick reads every record with python-evtx only to count them (its XML
rendering is slow); libevtx's full content is still compared with the
generator's .jsonl twin.

Compared per record: EventRecordID, EventID, Provider, Channel, Computer,
TimeCreated (within 5 microseconds: python-evtx rounds through a float) and
every EventData/UserData value. Text
that the two tools print differently is normalised first: hexadecimal
numbers become integers, GUIDs upper case, times microseconds since 1970. Prints one
line per bad file and a last line "N passed, N failed" (one test per file).
Must run under /usr/bin/python3, which has the Evtx module.
"""
import glob
import html
import json
import os
import re
import subprocess
import sys
from datetime import datetime

import Evtx.Evtx as evtx
import Evtx.Nodes as nodes

# python-evtx parses a record's template again for every record; cache the
# parsed template per chunk so that whole files can be read in reasonable time.
_orig_template = nodes.RootNode.template
_tcache = {}


def _cached_template(self):
    key = (id(self._chunk), self.template_instance().template_offset())
    t = _tcache.get(key)
    if t is None:
        t = _tcache[key] = _orig_template(self)
    return t


nodes.RootNode.template = _cached_template

EVENT_RE = re.compile(r"<Event xmlns.*?</Event>", re.S)
DATA_RE = re.compile(r'<Data Name="([^"]*)"(?:/>|>(.*?)</Data>)', re.S)
TIME_RE = re.compile(r'SystemTime="([^"]*)"')
TAG_RE = {k: re.compile(r"<%s(?: [^>]*)?>(.*?)</%s>" % (k, k), re.S)
          for k in ("EventRecordID", "EventID", "Channel", "Computer")}
PROV_RE = re.compile(r'<Provider Name="([^"]*)"')
USERDATA_RE = re.compile(r"<UserData>\s*<(\w+)[^>]*>(.*?)</\1>\s*</UserData>", re.S)
CHILD_RE = re.compile(r"<(\w+)(?:/>|>(.*?)</\1>)", re.S)
HEX_RE = re.compile(r"^0x[0-9a-fA-F]+$")
GUID_RE = re.compile(r"^\{[0-9a-fA-F-]{36}\}$")


def norm(v):
    v = html.unescape(v or "")
    if HEX_RE.match(v):
        return str(int(v, 16))
    if GUID_RE.match(v):
        return v.upper()
    return v


def norm_time(s):
    s = s.replace("T", " ").rstrip("Z")
    if "." in s:
        head, frac = s.split(".", 1)
        s = head + "." + (frac + "000000")[:6]
    else:
        s += ".000000"
    d = datetime.strptime(s, "%Y-%m-%d %H:%M:%S.%f")
    return int(d.timestamp()) * 1000000 + d.microsecond


def parse_xml_record(x):
    r = {k: norm(rx.search(x).group(1)) for k, rx in TAG_RE.items()}
    r["Provider"] = PROV_RE.search(x).group(1)
    r["Time"] = norm_time(TIME_RE.search(x).group(1))
    m = USERDATA_RE.search(x)
    if m:
        r["Data"] = [(n, norm(v)) for n, v in CHILD_RE.findall(m.group(2))]
    else:
        r["Data"] = [(n, norm(v)) for n, v in DATA_RE.findall(x)]
    return r


def libevtx_records(path):
    out = subprocess.run(["evtxexport", "-f", "xml", path], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("evtxexport exit %d: %s" % (out.returncode, out.stderr.strip()))
    return [parse_xml_record(x) for x in EVENT_RE.findall(out.stdout)]


def pyevtx_records(path):
    with evtx.Evtx(path) as fh:
        return [parse_xml_record(r.xml()) for r in fh.records()]


def jsonl_records(path):
    recs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            ev = json.loads(line)["Event"]
            s = ev["System"]
            eid = s["EventID"]
            body = ev.get("EventData")
            if body is None:
                body = next(iter(ev["UserData"].values()))
            recs.append({
                "EventRecordID": str(s["EventRecordID"]),
                "EventID": str(eid["#text"] if isinstance(eid, dict) else eid),
                "Channel": s["Channel"], "Computer": s["Computer"],
                "Provider": s["Provider"]["#attributes"]["Name"],
                "Time": norm_time(s["TimeCreated"]["#attributes"]["SystemTime"]),
                "Data": [(k, norm(str(v))) for k, v in body.items() if k != "#attributes"],
            })
    return recs


def same(x, y, k):
    # python-evtx converts FILETIME through a float: allow a few microseconds.
    if k == "Time":
        return abs(x[k] - y.get(k, 0)) <= 5
    return x[k] == y.get(k)


def diff(a, b, an, bn):
    if len(a) != len(b):
        return "%s has %d records, %s %d" % (an, len(a), bn, len(b))
    for x, y in zip(a, b):
        keys = [k for k in x if not same(x, y, k)]
        if keys:
            return "record %s differs between %s and %s in %s: %r vs %r" % (
                x["EventRecordID"], an, bn, keys, [x[k] for k in keys], [y.get(k) for k in keys])
    return None


def pyevtx_count(path):
    with evtx.Evtx(path) as fh:
        return sum(1 for _ in fh.records())


def main():
    quick = sys.argv[1] == "--quick"
    files = sorted(glob.glob(os.path.join(sys.argv[-1], "logs", "*", "*.evtx")))
    passed = failed = records = 0
    for path in files:
        try:
            lib = libevtx_records(path)
            if quick:
                n = pyevtx_count(path)
                problem = None if n == len(lib) else "python-evtx counts %d records, evtxexport %d" % (n, len(lib))
            else:
                problem = diff(lib, pyevtx_records(path), "evtxexport", "python-evtx")
            twin = path[:-5] + ".jsonl"
            if not problem and os.path.exists(twin):
                problem = diff(lib, jsonl_records(twin), "evtxexport", "jsonl")
        except Exception as e:  # a reader choking is a failure, not a crash
            problem = "%s: %s" % (type(e).__name__, e)
        if problem:
            failed += 1
            print("FAIL %s: %s" % (path, problem))
        else:
            passed += 1
            records += len(lib)
    print("%d files, %d records identical in evtxexport, %s and jsonl" % (
        passed, records, "python-evtx (count)" if quick else "python-evtx"))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
