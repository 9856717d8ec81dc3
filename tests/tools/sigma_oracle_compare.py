#!/usr/bin/python3
"""sigma_oracle_compare.py TANSA.jsonl ORACLE.jsonl RULES_DIR -> the counts on
one line, then the disagreements grouped by rule. tansa's detections are
kept where the oracle evaluates the rule on that event's source (no field
renames; sigma_oracle.py)."""
import sys, os, json, collections
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigma_oracle as oracle
tf, of, rdir = sys.argv[1:4]
import os
if os.environ.get('PH_WILD'): oracle.OPTS['ph_wild'] = True
entries, aliases = oracle.load_logsources()
sk = []
rules = oracle.load_rules([rdir], entries, sk)
byid = {r.id: r for r in rules}
class E:  # minimal event for source_match
    def __init__(s, ch, eid): s.d = {'Channel': ch, 'EventID': eid}
def key(d): return (d['file'], d['record_id'], d['rule_id'])
T = set(); O = set(); info = {}
nt_all = 0
for l in open(tf):
    d = json.loads(l); nt_all += 1
    r = byid.get(d['rule_id'])
    if r is None or not oracle.source_match(r.srcs, E(d['channel'], d['event_id'])):
        continue
    T.add(key(d)); info[key(d)] = d
for l in open(of):
    d = json.loads(l); O.add(key(d)); info.setdefault(key(d), d)
print('tansa detections (all): %d, in scope: %d; oracle: %d; agree: %d; tansa-only: %d; oracle-only: %d'
      % (nt_all, len(T), len(O), len(T & O), len(T - O), len(O - T)))
for name, S in (('TANSA ONLY', T - O), ('ORACLE ONLY', O - T)):
    c = collections.Counter((k[2], info[k]['rule_title']) for k in S)
    print('==', name)
    for (rid, title), n in c.most_common():
        ex = next(k for k in S if k[2] == rid)
        print('%5d  %s  %s  | e.g. %s #%s' % (n, rid, title, ex[0].split('corpus/')[-1], ex[1]))
