#!/usr/bin/python3
"""gen_sigma.py - checks that the breach `tansa gen` writes is found by the
real SigmaHQ rules it was built for.

    gen_sigma.py OUTDIR SIGMA_RULES_DIR RULE.yml...
    gen_sigma.py --all OUTDIR SIGMA_RULES_DIR   (every rule the subset can read:
                                                 which fire, on which hosts)

Reads OUTDIR/logs/*/*.jsonl and evaluates each rule with a small Sigma
subset (field modifiers contains, startswith, endswith, all; conditions with
and, or, not, parentheses, "1 of" and "all of"; logsource mapped to the
Windows channels and Sysmon event ids). This is a test oracle for the
generator, not tansa's Sigma engine. Prints one line per rule and a last
line "N passed, N failed": a rule passes when at least one event matches.
"""
import fnmatch
import glob
import json
import os
import re
import sys

import yaml

LOGSOURCE = {  # category or service -> (channel, event id or None)
    "process_creation": ("Microsoft-Windows-Sysmon/Operational", 1),
    "network_connection": ("Microsoft-Windows-Sysmon/Operational", 3),
    "process_access": ("Microsoft-Windows-Sysmon/Operational", 10),
    "security": ("Security", None),
    "system": ("System", None),
}


def events(outdir):
    for path in sorted(glob.glob(os.path.join(outdir, "logs", "*", "*.jsonl"))):
        host = os.path.basename(os.path.dirname(path))
        with open(path, encoding="utf-8") as f:
            for line in f:
                ev = json.loads(line)["Event"]
                s = ev["System"]
                eid = s["EventID"]
                body = ev.get("EventData") or next(iter(ev.get("UserData", {"": {}}).values()))
                flat = {k: str(v) for k, v in body.items() if k != "#attributes"}
                flat["EventID"] = str(eid["#text"] if isinstance(eid, dict) else eid)
                flat["Provider_Name"] = s["Provider"]["#attributes"]["Name"]
                flat["Channel"] = s["Channel"]
                yield host, flat


def value_match(actual, mods, wanted):
    if actual is None:
        return False
    a, w = actual.lower(), str(wanted).lower()
    if "contains" in mods:
        return w in a
    if "startswith" in mods:
        return a.startswith(w)
    if "endswith" in mods:
        return a.endswith(w)
    return a == w


def field_match(ev, key, wanted):
    name, *mods = key.split("|")
    values = wanted if isinstance(wanted, list) else [wanted]
    test = all if "all" in mods else any
    return test(value_match(ev.get(name), mods, v) for v in values)


def selection_match(ev, sel):
    if isinstance(sel, list):
        return any(selection_match(ev, s) for s in sel)
    return all(field_match(ev, k, v) for k, v in sel.items())


def condition(text, names, ev, sels):
    tokens = re.findall(r"\(|\)|[\w*]+", text)
    pos = [0]

    def peek():
        return tokens[pos[0]] if pos[0] < len(tokens) else None

    def take():
        pos[0] += 1
        return tokens[pos[0] - 1]

    def atom():
        t = take()
        if t == "(":
            v = expr()
            take()
            return v
        if t == "not":
            return not atom()
        if t in ("1", "all"):
            take()  # "of"
            pat = take()
            hits = [selection_match(ev, sels[n]) for n in names if fnmatch.fnmatch(n, pat)]
            return any(hits) if t == "1" else all(hits)
        return selection_match(ev, sels[t])

    def conj():
        v = atom()
        while peek() == "and":
            take()
            v = atom() and v
        return v

    def expr():
        v = conj()
        while peek() == "or":
            take()
            v = conj() or v
        return v

    return expr()


def matches(rule, evs):
    """Hosts and match counts of a rule over the events."""
    ls = rule["logsource"]
    channel, eid = LOGSOURCE[ls.get("category") or ls.get("service")]
    det = dict(rule["detection"])
    cond = det.pop("condition")
    names = list(det)
    hosts = {}
    for host, ev in evs:
        if ev["Channel"] != channel or (eid and ev["EventID"] != str(eid)):
            continue
        if condition(cond, names, ev, det):
            hosts[host] = hosts.get(host, 0) + 1
    return hosts


def readable(rule):
    """Can the subset evaluate this rule?"""
    ls = rule.get("logsource", {})
    if ls.get("product") != "windows" or (ls.get("category") or ls.get("service")) not in LOGSOURCE:
        return False
    det = dict(rule["detection"])
    cond = det.pop("condition")
    if not isinstance(cond, str) or "|" in cond:
        return False
    for sel in det.values():
        for s in sel if isinstance(sel, list) else [sel]:
            if not isinstance(s, dict):
                return False
            if any(set(k.split("|")[1:]) - {"contains", "startswith", "endswith", "all"} for k in s):
                return False
    return True


def all_rules(outdir, rules_dir):
    evs = list(events(outdir))
    read = skipped = 0
    for path in sorted(glob.glob(os.path.join(rules_dir, "**", "*.yml"), recursive=True)):
        rule = yaml.safe_load(open(path, encoding="utf-8"))
        if not isinstance(rule, dict) or "detection" not in rule or not readable(rule):
            skipped += 1
            continue
        read += 1
        hosts = matches(rule, evs)
        if hosts:
            print("%-13s %s: %s" % (rule.get("level"), os.path.relpath(path, rules_dir),
                                    ", ".join("%s x%d" % h for h in sorted(hosts.items()))))
    print("%d rules evaluated, %d skipped (other log sources, or features outside the subset)"
          % (read, skipped))
    return 0


def main():
    if sys.argv[1] == "--all":
        return all_rules(sys.argv[2], sys.argv[3])
    outdir, rules_dir, rules = sys.argv[1], sys.argv[2], sys.argv[3:]
    evs = list(events(outdir))
    passed = failed = 0
    for rel in rules:
        rule = yaml.safe_load(open(os.path.join(rules_dir, rel), encoding="utf-8"))
        hosts = matches(rule, evs)
        ok = bool(hosts)
        passed, failed = passed + ok, failed + (not ok)
        print("%s %s: %s" % ("ok  " if ok else "FAIL", rel,
                             ", ".join("%s x%d" % h for h in sorted(hosts.items())) or "no match"))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
