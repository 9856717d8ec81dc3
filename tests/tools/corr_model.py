#!/usr/bin/env python3
"""corr_model.py TANSA SEED EVENTS WORKDIR - random event streams through
every correlation type with every kind of condition, compared with a
brute-force model of the window semantics documented in docs/sigma.md
("Correlations"):

- gt/gte (or no condition): a window of timespan ends at each event (both
  ends held); the first event whose window meets the condition fires with
  that window's events, and the group starts over after it;
- lt/lte/eq/neq, and value_percentile: a window of timespan starts at the
  oldest event; judged, hit or not, the next starts at the first event
  after it (session 28; windows that slid by one judged a burst's tail);
- temporal_ordered counts the longest run of rules in the listed order;
- value_percentile: per window, each value's share of the window's
  values; a value that meets the condition fires with its first event;
- value_sum and value_avg of no number are no value (no hit).

The model recounts every window from scratch; tansa keeps its counts as
events come and go. Prints one line; exit 0 when the hits (rule, group,
record ids, value) are the same."""
import json, random, subprocess, sys, os, datetime
from decimal import Decimal

SPAN = 60
TYPES = ['event_count', 'value_count', 'temporal', 'temporal_ordered',
         'value_sum', 'value_avg', 'value_percentile']
CONDS = {
    'event_count': [{'gte': 3}, {'gt': 4}, {'lt': 3}, {'lte': 2}, {'eq': 3}, {'neq': 1}, {'gt': 1, 'lte': 4}],
    'value_count': [{'gte': 3}, {'lt': 2}, {'lte': 3}, {'eq': 2}, {'neq': 2}, {'gte': 2, 'lt': 4}],
    'temporal': [None, {'gte': 2}, {'lt': 3}, {'eq': 2}, {'neq': 3}],
    'temporal_ordered': [None, {'gte': 2}, {'gt': 2}, {'lt': 2}, {'eq': 2}, {'lte': 1}, {'neq': 3}],
    'value_sum': [{'gte': 150}, {'gt': 200}, {'lt': 100}, {'lte': 60}, {'eq': 100}, {'neq': 50}],
    'value_avg': [{'gte': 60}, {'gt': 75}, {'lt': 20}, {'lte': 30}, {'eq': 50}, {'neq': 40}],
    'value_percentile': [{'lte': 20}, {'gte': 60}, {'lt': 30}],
}

def base_rules():
    return '---\n'.join(f"title: base {name}\nname: r_{name}\nid: 00000000-0000-0000-0000-00000000000{i+1}\n"
                         f"logsource: {{product: windows, service: security}}\n"
                         f"detection: {{sel: {{EventID: {i+1}}}, condition: sel}}\nlevel: low\n"
                         for i, name in enumerate('abc'))

def rules():
    out, corrs = [base_rules()], []
    n = 0
    for t in TYPES:
        for cond in CONDS[t]:
            n += 1
            cid = f"{n:08d}-1111-2222-3333-444444444444"
            refs = ['r_a', 'r_b', 'r_c'] if t.startswith('temporal') else ['r_a', 'r_b']
            c = {'type': t, 'rules': refs, 'group-by': ['User'], 'timespan': f'{SPAN}s'}
            cc = dict(cond or {})
            if t in ('value_count', 'value_sum', 'value_avg', 'value_percentile'):
                cc['field'] = 'Val'
            if cc:
                c['condition'] = cc
            out.append(json.dumps({'title': f'c{n}', 'id': cid, 'level': 'high', 'correlation': c}) + '\n')
            corrs.append((cid, t, cond, refs))
    return '---\n'.join(out), corrs

def events(rng, n, ties=True):
    evs, t = [], 1_000_000
    for i in range(n):
        t += rng.choice(([0, 0] if ties else []) + [1, 2, 3, 5, 7, 10, 15, 20, 30, 60, 61, 200])
        rule = rng.randrange(3)
        user = rng.choice('xyz')
        r = rng.random()
        val = (str(rng.choice([0, 10, 20, 50, 100])) if r < 0.8 else '12.5' if r < 0.88
               else rng.choice(['0.1', '0.2', '0.3']) if r < 0.95 else 'junk')
        evs.append({'t': t, 'rid': i + 1, 'rule': rule, 'user': user, 'val': val})
    return evs

def num(v):
    try:
        float(v)
        return v != 'junk'
    except ValueError:
        return False

def metric(t, win, refs, cur=None):
    if t == 'event_count':
        return len(win)
    if t == 'value_count':
        return len({e['val'] for e in win})
    if t == 'temporal':
        return len({e['rule'] for e in win})
    if t == 'temporal_ordered':
        best = [0] * len(refs)   # best[r]: longest run ending with rule r
        for e in win:
            r = e['rule']
            best[r] = max(best[r], 1 + max(best[:r], default=0))
        return max(best)
    nums = [Decimal(e['val']) for e in win if num(e['val'])]   # tansa's sums are exact
    if t == 'value_sum':
        return sum(nums) if nums else None   # no number, no sum (session 23; as the average)
    if t == 'value_avg':
        return sum(nums) / len(nums) if nums else None   # no number, no average: no hit
    # the share of the values observed: events without one (a chain's
    # items) are not in the denominator, and an event without one is not
    # judged (session 23)
    vals = [e['val'] for e in win if e['val'] is not None]
    if cur is None or not vals:
        return None
    return 100.0 * sum(1 for v in vals if v == cur) / len(vals)

def ok(cond, x, nrefs):
    if x is None:
        return False
    if not cond:
        return x >= nrefs
    f = {'gt': lambda a, b: a > b, 'gte': lambda a, b: a >= b, 'lt': lambda a, b: a < b,
         'lte': lambda a, b: a <= b, 'eq': lambda a, b: a == b, 'neq': lambda a, b: a != b}
    return all(f[k](x, v) for k, v in cond.items())

def windows(t, cond, nrefs, g):
    """The hits over one group's items (in time order): (items, value)."""
    out = []
    upper = (bool(cond) and any(k in cond for k in ('lt', 'lte', 'eq', 'neq'))) or t == 'value_percentile'
    if upper:
        pos = 0
        while pos < len(g):
            end = g[pos]['t'] + SPAN
            win = [e for e in g[pos:] if e['t'] <= end]
            if t == 'value_percentile':   # each value once, with its first event
                seen = set()
                for e in win:
                    if e['val'] is None or e['val'] in seen:
                        continue
                    seen.add(e['val'])
                    x = metric(t, win, range(nrefs), e['val'])
                    if ok(cond, x, nrefs):
                        out.append(([e], x))
            else:
                x = metric(t, win, range(nrefs))
                if ok(cond, x, nrefs):
                    out.append((win, x))
            pos += len(win)
        return out
    start = 0
    for i, e in enumerate(g):
        win = [w for w in g[start:i + 1] if w['t'] + SPAN >= e['t']]
        x = metric(t, win, range(nrefs))
        if ok(cond, x, nrefs):
            out.append((win, x))
            start = i + 1
    return out

def ids(win):
    return tuple(sorted(r for w in win for r in (w['rids'] if 'rids' in w else (w['rid'],))))

def model(evs, corrs):
    hits = []
    for cid, t, cond, refs in corrs:
        for user in 'xyz':
            g = [e for e in evs if e['user'] == user and e['rule'] < len(refs)]
            hits += [(cid, user, ids(win), round(float(x), 6)) for win, x in windows(t, cond, len(refs), g)]
    return sorted(hits)

# chains: an upstream correlation (no generate: not reported) read by
# downstream ones over [upstream, r_c]; a hit enters at its last event's
# time with all its events
UPS = [('event_count', ['r_a'], {'lt': 2}), ('event_count', ['r_a', 'r_b'], {'gte': 2}),
       ('value_count', ['r_a'], {'lte': 1}), ('temporal_ordered', ['r_a', 'r_b'], None)]
DOWNS = [('event_count', {'gte': 2}), ('temporal_ordered', None), ('event_count', {'lt': 2}),
         ('temporal', {'eq': 1})]

def chain_rules():
    out, corrs = [base_rules()], []
    for i, (ut, urefs, ucond) in enumerate(UPS):
        c = {'type': ut, 'rules': urefs, 'group-by': ['User'], 'timespan': f'{SPAN}s'}
        cc = dict(ucond or {})
        if ut == 'value_count':
            cc['field'] = 'Val'
        if cc:
            c['condition'] = cc
        out.append(json.dumps({'title': f'u{i}', 'name': f'u{i}', 'correlation': c}) + '\n')
        for j, (dt, dcond) in enumerate(DOWNS):
            cid = f"{i:04d}{j:04d}-5555-2222-3333-444444444444"
            c = {'type': dt, 'rules': [f'u{i}', 'r_c'], 'group-by': ['User'], 'timespan': f'{SPAN}s'}
            if dcond:
                c['condition'] = dcond
            out.append(json.dumps({'title': f'd{i}.{j}', 'id': cid, 'level': 'high', 'correlation': c}) + '\n')
            corrs.append((cid, i, dt, dcond))
    return '---\n'.join(out), corrs

def chain_model(evs, corrs):
    hits = []
    for user in 'xyz':
        g = [e for e in evs if e['user'] == user]
        for cid, i, dt, dcond in corrs:
            ut, urefs, ucond = UPS[i]
            up = [e for e in g if e['rule'] < len(urefs)]
            items = [{'t': win[-1]['t'], 'rule': 0, 'rids': ids(win), 'val': None}
                     for win, _ in windows(ut, ucond, len(urefs), up)]
            items += [dict(e, rule=1) for e in g if e['rule'] == 2]
            items.sort(key=lambda e: e['t'])
            hits += [(cid, user, ids(win), round(float(x), 6)) for win, x in windows(dt, dcond, 2, items)]
    return sorted(hits)

def main():
    tansa, seed, n, work = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    chains = len(sys.argv) > 5 and sys.argv[5] == 'chains'
    rng = random.Random(seed)
    text, corrs = chain_rules() if chains else rules()
    os.makedirs(work + '/r', exist_ok=True)
    open(work + '/r/r.yml', 'w').write(text)
    evs = events(rng, n, ties=not chains)   # chains: no two events at one time
    base = datetime.datetime(2020, 1, 1)
    with open(work + '/e.jsonl', 'w') as f:
        for e in evs:
            ts = (base + datetime.timedelta(seconds=e['t'])).strftime('%Y-%m-%dT%H:%M:%S.000000Z')
            f.write(json.dumps({'Event': {'System': {'EventID': e['rule'] + 1,
                    'TimeCreated': {'#attributes': {'SystemTime': ts}}, 'EventRecordID': e['rid'],
                    'Channel': 'Security', 'Computer': 'H'},
                    'EventData': {'User': e['user'], 'Val': e['val']}}}) + '\n')
    p = subprocess.run([tansa, 'hunt', '-q', '-t', '2', '--rules', work + '/r', '-f', 'jsonl',
                        work + '/e.jsonl'], capture_output=True, text=True)
    got = []
    for line in p.stdout.splitlines():
        r = json.loads(line)
        if 'record_ids' not in r.get('details', {}):
            continue
        got.append((r['rule_id'], r['details']['group']['User'], tuple(sorted(r['details']['record_ids'])),
                    round(float(r['details']['value']), 6)))
    got.sort()
    want = chain_model(evs, corrs) if chains else model(evs, corrs)
    if got != want:
        gs, ws = set(got), set(want)
        print(f"seed {seed}: {len(got)} got, {len(want)} want; only got {sorted(gs - ws)[:5]} only want {sorted(ws - gs)[:5]}")
        return 1
    print(f"seed {seed}{' (chains)' if chains else ''}: {len(got)} hits agree")
    return 0

sys.exit(main())
