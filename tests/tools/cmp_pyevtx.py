#!/usr/bin/env python3
"""Compare tansa with two independent EVTX readers on every .evtx in the
corpus: record counts against python-evtx and libevtx's evtxexport, and
field-for-field values against python-evtx's XML.

Run with Debian's /usr/bin/python3 (python-evtx lives there).
usage: cmp_pyevtx.py TANSA CORPUS [--jobs N] [--verbose]

Value notations differ between the readers and are normalised before the
comparison, each for a stated reason (see norm_value). Prints per-file
problems, the figures, and `N passed, N failed`.
"""
import base64
import glob
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from multiprocessing import Pool

import Evtx.Evtx as evtx_mod

TANSA = CORPUS = None
NS = re.compile(r"^\{[^}]*\}")


def flatten_xml(elem, path, out):
    """{path: text} for every element text and attribute; EventData/Data
    elements with a Name attribute are keyed by that name, as JSON does."""
    tag = NS.sub("", elem.tag)
    name = elem.get("Name")
    if tag == "Data" and name is not None:
        p = f"{path}/{name}"
        out.setdefault(p, []).append(elem.text or "")
        return
    p = f"{path}/{tag}" if path else tag
    for k, v in elem.attrib.items():
        k = NS.sub("", k)
        if k == "xmlns":
            continue
        out.setdefault(f"{p}/@{k}", []).append(v)
    kids = list(elem)
    if elem.text and elem.text.strip() and not kids:
        out.setdefault(p, []).append(elem.text)
    elif not kids and not elem.attrib:
        out.setdefault(p, []).append("")
    for c in kids:
        flatten_xml(c, p, out)


def flatten_json(v, path, out):
    if isinstance(v, dict):
        for k, x in v.items():
            if k == "#attributes":
                for a, y in x.items():
                    if not a.startswith("xmlns"):  # namespace declarations
                        out.setdefault(f"{path}/@{a}", []).append(scalar(y))
            elif k == "#text":
                if isinstance(x, list):
                    out.setdefault(path, []).extend(scalar(e) for e in x)
                else:
                    out.setdefault(path, []).append(scalar(x))
            else:
                flatten_json(x, f"{path}/{k}" if path else k, out)
    elif isinstance(v, list):
        out.setdefault(path, []).extend(scalar(e) for e in v)
    else:
        out.setdefault(path, []).append(scalar(v))


def scalar(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


# python-evtx drops characters that XML 1.0 cannot hold (libevtx and tansa
# keep them): set aside on both sides.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
TIME_RE = re.compile(r"^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d+)?Z?$")
GUID_RE = re.compile(r"^\{?([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\}?$")


def norm_value(s):
    """- times: python-evtx prints 'Y-m-d H:M:S.ffffff' through a float
      (off by a microsecond at times); tansa prints RFC 3339 with
      microseconds: compared as times, within 3 us;
    - hex numbers: python-evtx pads HexInt64 to 16 digits, Windows and
      evtx_dump do not: compared as numbers;
    - booleans: python-evtx prints True/False, Windows true/false;
    - binary: python-evtx prints base64, Windows and evtx_dump hex: the
      base64 is decoded and compared as hex (see same());
    - line ends: an XML parser turns CR LF into LF (XML 1.0, 2.11);
    - GUIDs: python-evtx adds braces; compared without, upper case;
    - trailing NULs and white space: python-evtx keeps some NULs of
      fixed-size strings; set aside."""
    s = XML_INVALID.sub("", s).replace("\r\n", "\n").replace("\r", "\n").rstrip()
    if s in ("True", "False"):
        return s.lower()
    if re.fullmatch(r"0x[0-9a-fA-F]+", s):
        return ("hex", int(s, 16))
    m = TIME_RE.match(s)
    if m:
        frac = (m.group(3) or ".0")[1:7].ljust(6, "0")
        t = datetime.strptime(f"{m.group(1)} {m.group(2)}", "%Y-%m-%d %H:%M:%S")
        return ("time", int(t.replace(tzinfo=timezone.utc).timestamp()) * 1000000 + int(frac))
    m = GUID_RE.match(s)
    if m:
        return m.group(1).upper()
    return s


HEX_RE = re.compile(r"(?:[0-9A-F]{2})+")
B64_RE = re.compile(r"[A-Za-z0-9+/]+=*")


def same(a, b):
    """a from python-evtx, b from tansa, both normalised."""
    if isinstance(a, tuple) and isinstance(b, tuple) and a[0] == b[0] == "time":
        # python-evtx converts FILETIME through a float: off by up to 2 us
        # (checked against evtxexport, which prints the 100 ns digits)
        return abs(a[1] - b[1]) <= 3
    if a == b:
        return True
    # binary: python-evtx prints base64, Windows and tansa hex
    if isinstance(a, str) and isinstance(b, str) and HEX_RE.fullmatch(b) and B64_RE.fullmatch(a):
        try:
            return base64.b64decode(a, validate=True).hex().upper() == b
        except ValueError:
            return False
    return False


PY_ARRAY = re.compile(r"<string>(.*?)</string>", re.S)


def values(vals, from_python):
    """Normalised values of one path. python-evtx writes a string array as
    '<string>a</string><string>b</string>' text; tansa as a JSON list."""
    out = []
    for v in vals:
        if from_python and v.startswith("<string>"):
            out += [norm_value(x) for x in PY_ARRAY.findall(v)]
        else:
            out.append(norm_value(v))
    return out


def evtxexport_count(path):
    p = subprocess.run(["evtxexport", "-f", "xml", path], capture_output=True)
    return sum(1 for l in p.stdout.decode("utf-8", "replace").splitlines() if l.startswith("<Event"))


def one_file(path):
    res = {"file": os.path.relpath(path, CORPUS), "problems": [], "fields": 0, "fields_eq": 0}
    p = subprocess.run([TANSA, "dump", "-q", path], capture_output=True)
    # records are paired by position: both readers go through chunks and
    # records in file order (EventRecordID can repeat or be absent)
    tan = [json.loads(line) for line in p.stdout.decode("utf-8").splitlines()]
    res["tansa"] = len(tan)
    py = []
    try:
        with evtx_mod.Evtx(path) as log:
            for rec in log.records():
                try:
                    x = rec.xml()
                except Exception as e:  # python-evtx fails on some records
                    res["problems"].append(f"python-evtx cannot read record {rec.record_num()}: {type(e).__name__}")
                    py.append((rec.record_num(), None))
                    continue
                py.append((rec.record_num(), x))
    except Exception as e:
        res["problems"].append(f"python-evtx cannot read file: {type(e).__name__}: {e}")
    res["pyevtx"] = len(py)
    res["evtxexport"] = evtxexport_count(path)
    for i, (rid, x) in enumerate(py):
        if x is None:
            continue
        t = tan[i] if i < len(tan) else None
        if t is None:
            res["problems"].append(f"record {rid}: missing in tansa")
            continue
        a, b = {}, {}
        try:
            flatten_xml(ET.fromstring(x), "", a)
        except ET.ParseError as e:
            res["problems"].append(f"record {rid}: python-evtx XML does not parse ({e})")
            continue
        flatten_json(t, "", b)
        for k in set(a) | set(b):
            va = values(a.get(k, []), True)
            vb = values(b.get(k, []), False)
            # python-evtx writes a null substitution as an empty attribute
            # or element; tansa and evtx_dump leave it out: empty == absent
            if all(v == "" for v in va) and all(v == "" for v in vb):
                continue
            res["fields"] += 1
            # python-evtx mis-splits a string array whose first string is
            # empty (it yields '0','' where libevtx and tansa read '','0'):
            # such arrays are compared as multisets
            if len(va) == len(vb) and len(va) > 1 and vb[0] == "" and sorted(map(str, va)) == sorted(map(str, vb)):
                res["fields_eq"] += 1
            elif len(va) == len(vb) and all(same(x1, y1) for x1, y1 in zip(va, vb)):
                res["fields_eq"] += 1
            elif len(res["problems"]) < 20:
                res["problems"].append(f"record {rid} {k}: python-evtx {a.get(k)!r} tansa {b.get(k)!r}")
    return res


def main():
    global TANSA, CORPUS
    TANSA, CORPUS = os.path.abspath(sys.argv[1]), sys.argv[2]
    jobs = int(sys.argv[sys.argv.index("--jobs") + 1]) if "--jobs" in sys.argv else 2
    verbose = "--verbose" in sys.argv
    files = sorted(glob.glob(os.path.join(CORPUS, "**/*.evtx"), recursive=True))
    with Pool(jobs, initializer=init, initargs=(TANSA, CORPUS)) as pool:
        results = pool.map(one_file, files, chunksize=4)
    passed = failed = 0
    tot = {"tansa": 0, "pyevtx": 0, "evtxexport": 0, "fields": 0, "fields_eq": 0}
    count_mismatch = []
    for r in results:
        for k in tot:
            tot[k] += r[k]
        counts_ok = r["tansa"] == r["evtxexport"] and r["tansa"] >= r["pyevtx"]
        if not counts_ok:
            count_mismatch.append(r)
        fields_ok = r["fields"] == r["fields_eq"]
        if counts_ok and fields_ok:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {r['file']}: tansa {r['tansa']} python-evtx {r['pyevtx']} evtxexport {r['evtxexport']}, "
                  f"fields {r['fields_eq']}/{r['fields']}")
        if r["problems"] and (verbose or not (counts_ok and fields_ok)):
            for p in r["problems"][:20]:
                print("   ", p)
    print(f"files: {len(files)}; records: tansa {tot['tansa']}, python-evtx {tot['pyevtx']}, "
          f"evtxexport {tot['evtxexport']}")
    pct = 100.0 * tot["fields_eq"] / tot["fields"] if tot["fields"] else 0
    print(f"field-for-field agreement with python-evtx: {tot['fields_eq']}/{tot['fields']} = {pct:.3f}%")
    print(f"{passed} passed, {failed} failed")


def init(t, c):
    global TANSA, CORPUS
    TANSA, CORPUS = t, c


if __name__ == "__main__":
    main()
