#!/usr/bin/python3
"""sigma_oracle.py - a small, plain Sigma (v2.1) detection evaluator, written
from the specification (sigma-rules-specification.md, sigma-appendix-
modifiers.md) without reading tansa's source (session 22, by a helper), as
an independent oracle for tansa's matching: tests/corpus/sigma_oracle.sh
compares the two on the corpus's events, per file, record and rule.

What it shares with tansa on purpose: the events (tansa's `dump -f event`,
so that EVTX parsing is not what is compared), the log-source map
(data/logsources.yml: channels and EventIDs; sources with field renames are
left out of the comparison) and the placeholder values
(data/placeholders.yml). Rules it cannot evaluate are listed as skipped.

Input events: the flat JSON events of `tansa dump -f event` (one per line):
System members as top-level keys, EventData/UserData as "fields": [[name, value], ...].

Usage:
  sigma_oracle.py --rules DIR [--rules DIR...] --events INDEX.tsv --out OUT.jsonl
                  [--skipped SKIPPED.tsv] [--map LOGSOURCES.yml] [--placeholders FILE]
      INDEX.tsv: "N<TAB>path" per EVTX file, its events in N.jsonl beside it
  sigma_oracle.py --rules FILE_OR_DIR --jsonl EVENTS.jsonl
      evaluate every in-scope rule on every event of a JSONL file; print matches
Options:
  --kw-system     keyword search also looks at System members (Channel, Computer, ...)
  --windash-flag  windash only on dashes that start a flag (pySigma's \\B[-/]\\b)
  --placeholder-wildcard  an empty placeholder reads as '*' (tansa's choice)
"""
import sys, os, re, json, base64, ipaddress, glob, itertools, datetime
import yaml

_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'data')
SPEC_LOGSOURCES = os.path.join(_DATA, 'logsources.yml')   # the channel/EventID mapping
PLACEHOLDERS = os.path.join(_DATA, 'placeholders.yml')

OPTS = {'kw_system': False, 'windash_flag': False}


class Unsupported(Exception):
    pass


# ---------------------------------------------------------------- YAML
# Read rules as YAML 1.2 core would for our purposes: plain scalars stay the
# text that is written (so `0x10`, `0777`, `1:20` are not turned into
# numbers, as YAML 1.1 / PyYAML would), except null and booleans.
class RuleLoader(yaml.SafeLoader):
    pass


RuleLoader.yaml_implicit_resolvers = {}
RuleLoader.add_implicit_resolver('tag:yaml.org,2002:null', re.compile(r'^(?:~|null|Null|NULL|)$'),
                                 ['~', 'n', 'N', ''])
RuleLoader.add_implicit_resolver('tag:yaml.org,2002:bool',
                                 re.compile(r'^(?:true|True|TRUE|false|False|FALSE)$'),
                                 list('tTfF'))


def no_dup_construct_mapping(loader, node, deep=False):
    keys = set()
    for k, _ in node.value:
        kv = loader.construct_object(k, deep=deep)
        if kv in keys:
            raise Unsupported('duplicate key %r' % (kv,))
        keys.add(kv)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


RuleLoader.add_constructor('tag:yaml.org,2002:map',
                           lambda l, n: dict(no_dup_construct_mapping(l, n, deep=True)))


# ---------------------------------------------------------------- strings
STAR = ('*',)   # wildcard tokens
QM = ('?',)


def parse_sigma_string(s):
    """Sigma string -> list of tokens: 1-char str (literal) or STAR/QM.
    Spec "Escape Character": backslash escapes * ? and backslash; a plain
    backslash not followed by a wildcard is a backslash."""
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == '\\' and i + 1 < len(s) and s[i + 1] in '*?\\':
            out.append(s[i + 1])
            i += 2
            continue
        if c == '*':
            out.append(STAR)
        elif c == '?':
            out.append(QM)
        else:
            out.append(c)
        i += 1
    return out


def tokens_have_wild(toks):
    return any(t is STAR or t is QM for t in toks)


def tokens_to_regex(toks, cased):
    parts = []
    for t in toks:
        if t is STAR:
            parts.append('.*')
        elif t is QM:
            parts.append('.')
        else:
            parts.append(re.escape(t))
    flags = re.S
    if not cased:
        flags |= re.I
    return re.compile('(?:' + ''.join(parts) + r')\Z', flags)


def tokens_literal(toks):
    return ''.join(toks)


# ---------------------------------------------------------------- events
SYSTEM_MAP = {  # Sigma name -> dump key
    'EventID': 'EventID', 'Channel': 'Channel', 'Computer': 'Computer',
    'Provider_Name': 'Provider_Name', 'Level': 'Level', 'Task': 'Task', 'Opcode': 'Opcode',
    'Keywords': 'Keywords', 'EventRecordID': 'EventRecordID', 'Version': 'Version',
    'Security_UserID': 'UserID', 'Execution_ProcessID': 'ProcessID',
    'Execution_ThreadID': 'ThreadID', 'TimeCreated_SystemTime': 'TimeCreated',
    'Qualifiers': 'Qualifiers',
}


def sval(v):
    if v is None:
        return ''
    if isinstance(v, bool):
        return 'true' if v else 'false'
    return str(v)


class Event:
    def __init__(self, d, aliases):
        self.d = d
        self.system = {}
        for sig, k in SYSTEM_MAP.items():
            if k in d and not (k == 'UserID' and d[k] == ''):
                self.system[sig] = [sval(d[k])]
        self.data = {}
        if 'fields' in d:
            items = d['fields']
        else:   # a flat JSON event (as tansa hunt reads JSON Lines): non-System keys are data
            items = []
            for k, v in d.items():
                if k in SYSTEM_MAP.values():
                    continue
                for x in (v if isinstance(v, list) else [v]):
                    items.append((k, x))
        for name, v in items:
            self.data.setdefault(name, []).append(sval(v))
        self.nospace = {}
        for name in self.data:
            if ' ' in name:
                self.nospace.setdefault(name.replace(' ', ''), name)
        self.aliases = aliases

    def get(self, name):
        """values of field `name`, or None when the event lacks it"""
        if name in self.system:
            return self.system[name]
        if name in self.data:
            return self.data[name]
        # spec "Field Usage" 2: field names as in the log with spaces stripped
        if name in self.nospace:
            return self.data[self.nospace[name]]
        # tansa's documented global aliases (data/logsources.yml `aliases:`)
        a = self.aliases.get(name)
        if a is not None:
            if a in self.system:
                return self.system[a]
            if a in self.data:
                return self.data[a]
        return None

    def keyword_values(self):
        vals = [v for vs in self.data.values() for v in vs]
        if OPTS['kw_system']:
            vals += [v for vs in self.system.values() for v in vs]
        return vals


# ---------------------------------------------------------------- modifiers
TRANSFORMS = {'contains', 'startswith', 'endswith', 'windash', 'base64', 'base64offset',
              'utf16le', 'utf16be', 'utf16', 'wide', 'expand'}
KNOWN = TRANSFORMS | {'all', 're', 'i', 'm', 's', 'cidr', 'exists', 'fieldref', 'cased', 'neq',
                      'gt', 'gte', 'lt', 'lte', 'minute', 'hour', 'day', 'week', 'month', 'year'}
DASHES = ['-', '/', '\u2013', '\u2014', '\u2015']

_placeholders = None


def placeholders():
    global _placeholders
    if _placeholders is None:
        _placeholders = (yaml.safe_load(open(PLACEHOLDERS)) or {}).get('placeholders', {}) or {}
    return _placeholders


def is_word(c):
    return isinstance(c, str) and (c.isalnum() or c == '_')


def windash(toks):
    """spec: all permutations of - / en-dash em-dash horizontal-bar."""
    pos = []
    for i, t in enumerate(toks):
        if isinstance(t, str) and t in DASHES:
            if OPTS['windash_flag']:
                prev = toks[i - 1] if i > 0 else None
                nxt = toks[i + 1] if i + 1 < len(toks) else None
                if is_word(prev) or not is_word(nxt):
                    continue
            pos.append(i)
    if len(pos) > 6:
        raise Unsupported('windash with too many dashes')
    res = []
    for combo in itertools.product(DASHES, repeat=len(pos)):
        t2 = list(toks)
        for p, c in zip(pos, combo):
            t2[p] = c
        res.append(t2)
    return res


def b64offsets(b):
    start = (0, 2, 3)
    end = (None, -3, -2)
    out = []
    for i in range(3):
        enc = base64.b64encode(b' ' * i + b).decode()
        out.append(enc[start[i]:end[(len(b) + i) % 3]])
    return out


def apply_transforms(mods, raw):
    """raw scalar -> list of alternatives; each alternative is a token list or
    ('bytes', b)."""
    if 're' in mods or 'cidr' in mods or 'fieldref' in mods or any(m in mods for m in ('gt', 'gte', 'lt', 'lte')):
        return None
    alts = [parse_sigma_string(raw)]
    for m in mods:
        if m not in TRANSFORMS:
            continue
        new = []
        for a in alts:
            if m in ('contains', 'startswith', 'endswith') and isinstance(a, tuple):
                a = list(a[1].decode('latin-1'))
            if m == 'contains':
                new.append([STAR] + a + [STAR])
            elif m == 'startswith':
                new.append(a + [STAR])
            elif m == 'endswith':
                new.append([STAR] + a)
            elif m == 'windash':
                if isinstance(a, tuple):
                    raise Unsupported('windash after encoding')
                new.extend(windash(a))
            elif m in ('utf16le', 'wide', 'utf16be', 'utf16'):
                if isinstance(a, tuple):
                    raise Unsupported('double encoding')
                if tokens_have_wild(a):
                    raise Unsupported('encoding of wildcard')
                s = tokens_literal(a)
                b = {'utf16le': s.encode('utf-16-le'), 'wide': s.encode('utf-16-le'),
                     'utf16be': s.encode('utf-16-be'),
                     'utf16': b'\xff\xfe' + s.encode('utf-16-le')}[m]
                new.append(('bytes', b))
            elif m in ('base64', 'base64offset'):
                if isinstance(a, tuple):
                    b = a[1]
                else:
                    if tokens_have_wild(a):
                        raise Unsupported('base64 of wildcard')
                    b = tokens_literal(a).encode('utf-8')
                if m == 'base64':
                    new.append(list(base64.b64encode(b).decode()))
                else:
                    for s in b64offsets(b):
                        new.append(list(s))
            elif m == 'expand':
                if isinstance(a, tuple):
                    raise Unsupported('expand after encoding')
                new.extend(expand(a))
        alts = new
    out = []
    for a in alts:
        if isinstance(a, tuple):
            # encoded bytes compared as the text they spell (UTF-16 code units as chars)
            out.append(list(a[1].decode('latin-1')))
        else:
            out.append(a)
    return out


def expand(toks):
    # find %name% in literal tokens (an escaped \% would be a literal %; our
    # parser does not know \%, so treat `\%` sequence specially)
    s = []
    i = 0
    out_alts = [[]]
    while i < len(toks):
        t = toks[i]
        if t == '\\' and i + 1 < len(toks) and toks[i + 1] == '%':
            for a in out_alts:
                a.append('%')
            i += 2
            continue
        if t == '%':
            j = i + 1
            while j < len(toks) and toks[j] != '%':
                j += 1
            if j < len(toks):
                name = ''.join(x for x in toks[i + 1:j] if isinstance(x, str))
                vals = placeholders().get(name)
                if not vals:
                    if not OPTS.get('ph_wild'):
                        raise Unsupported('placeholder %s has no values' % name)
                    vals = ['*']
                na = []
                for a in out_alts:
                    for v in vals:
                        na.append(a + parse_sigma_string(str(v)))
                out_alts = na
                i = j + 1
                continue
        for a in out_alts:
            a.append(t)
        i += 1
    return out_alts


def to_number(s):
    s = s.strip()
    try:
        return int(s, 10)
    except ValueError:
        pass
    try:
        if re.fullmatch(r'[+-]?0[xX][0-9a-fA-F]+', s):
            return int(s, 16)
        f = float(s)
        if f != f or f in (float('inf'), float('-inf')):
            return None
        return f
    except ValueError:
        return None


def time_part(v, part):
    v = v.strip().replace(' ', 'T')
    m = re.match(r'(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?', v)
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if part == 'year':
        return y
    if part == 'month':
        return mo
    if part == 'day':
        return d
    if part == 'week':
        return datetime.date(y, mo, d).isocalendar()[1]
    if m.group(4) is None:
        return None
    return int(m.group(4)) if part == 'hour' else int(m.group(5))


def compile_field(key, value):
    """one map entry `Field|mods: value(s)` -> predicate(event) -> bool"""
    parts = key.split('|')
    field, mods = parts[0], parts[1:]
    for m in mods:
        if m not in KNOWN:
            raise Unsupported('modifier ' + m)
    if 'i' in mods or 'm' in mods or 's' in mods:
        if 're' not in mods:
            raise Unsupported('re sub-modifier without re')
    cased = 'cased' in mods
    is_all = 'all' in mods
    neq = 'neq' in mods
    values = value if isinstance(value, list) else [value]
    if isinstance(value, list) and len(value) == 0:
        raise Unsupported('empty value list')
    if is_all and not isinstance(value, list):
        raise Unsupported('all on single value (spec: not allowed)')
    if isinstance(value, dict) or any(isinstance(v, (dict, list)) for v in values):
        raise Unsupported('nested value')

    if field == '':
        raise Unsupported('keyword with modifiers in a map')  # handled elsewhere

    if 'exists' in mods:
        if len(mods) != 1 or not isinstance(value, bool):
            raise Unsupported('exists with other modifiers / non-bool')
        want = value
        return lambda ev: (ev.get(field) is not None) == want

    if any(v is None for v in values):
        if len(values) != 1 or mods:
            raise Unsupported('null in list / with modifiers (spec: not allowed)')

        def null_pred(ev):
            vs = ev.get(field)
            return vs is None or all(v == '' for v in vs)
        return null_pred

    # build one predicate per original value: pred(str) -> bool
    groups = []   # each group: list of str-predicates (alternatives)
    for raw in values:
        raw = sval(raw)
        if 're' in mods:
            other = [m for m in mods if m not in ('re', 'i', 'm', 's', 'all')]
            if other:
                raise Unsupported('re combined with ' + ','.join(other))
            fl = 0
            if 'i' in mods:
                fl |= re.I
            if 'm' in mods:
                fl |= re.M
            if 's' in mods:
                fl |= re.S
            try:
                rx = re.compile(raw, fl)
            except re.error as e:
                raise Unsupported('regex python cannot compile: %s' % e)
            groups.append([lambda v, rx=rx: rx.search(v) is not None])
        elif 'cidr' in mods:
            if [m for m in mods if m not in ('cidr', 'all')]:
                raise Unsupported('cidr combined')
            net = ipaddress.ip_network(raw, strict=False)

            def cp(v, net=net):
                try:
                    a = v.strip()
                    if ':' in a:
                        a = a.split('%', 1)[0]   # a zone is not the address
                    a = ipaddress.ip_address(a)
                    if net.version == 4 and a.version == 6 and a.ipv4_mapped:
                        a = a.ipv4_mapped   # ::ffff:10.1.2.3 is 10.1.2.3 (session 28)
                    return a in net
                except ValueError:
                    return False
            groups.append([cp])
        elif any(m in mods for m in ('gt', 'gte', 'lt', 'lte')):
            ops = [m for m in mods if m in ('gt', 'gte', 'lt', 'lte')]
            tp = [m for m in mods if m in ('minute', 'hour', 'day', 'week', 'month', 'year')]
            if len(ops) != 1 or [m for m in mods if m not in ('gt', 'gte', 'lt', 'lte', 'all') and m not in tp]:
                raise Unsupported('numeric modifier combination')
            op = ops[0]
            lim = to_number(raw)
            if lim is None:
                raise Unsupported('numeric modifier with non-number')

            def np_(v, op=op, lim=lim, tp=tp):
                x = time_part(v, tp[0]) if tp else to_number(v)
                if x is None:
                    return False
                return {'gt': x > lim, 'gte': x >= lim, 'lt': x < lim, 'lte': x <= lim}[op]
            groups.append([np_])
        elif 'fieldref' in mods:
            extra = [m for m in mods if m not in ('fieldref', 'contains', 'startswith', 'endswith', 'cased', 'all', 'neq')]
            if extra:
                raise Unsupported('fieldref with ' + ','.join(extra))
            groups.append([('fieldref', raw, [m for m in mods if m in ('contains', 'startswith', 'endswith')])])
        elif any(m in mods for m in ('minute', 'hour', 'day', 'week', 'month', 'year')):
            tp = [m for m in mods if m in ('minute', 'hour', 'day', 'week', 'month', 'year')][0]
            lim = to_number(raw)
            groups.append([lambda v, tp=tp, lim=lim: time_part(v, tp) == lim])
        else:
            alts = apply_transforms(mods, raw)
            preds = []
            for a in alts:
                rx = tokens_to_regex(a, cased)
                preds.append(lambda v, rx=rx: rx.match(v) is not None)
            groups.append(preds)

    def eval_group(ev, vs, g):
        for p in g:
            if isinstance(p, tuple):      # fieldref
                _, other, how = p
                ovs = ev.get(other)
                if ovs is None:
                    continue
                for v in vs:
                    for o in ovs:
                        a, b = (v, o) if cased else (v.casefold(), o.casefold())
                        if 'contains' in how:
                            ok = b in a
                        elif 'startswith' in how:
                            ok = a.startswith(b)
                        elif 'endswith' in how:
                            ok = a.endswith(b)
                        else:
                            ok = a == b
                        if ok:
                            return True
                continue
            for v in vs:
                if p(v):
                    return True
        return False

    def pred(ev):
        vs = ev.get(field)
        if vs is None:
            return False
        if neq:
            return not any(eval_group(ev, vs, g) for g in groups)
        if is_all:
            return all(eval_group(ev, vs, g) for g in groups)
        return any(eval_group(ev, vs, g) for g in groups)
    return pred


def compile_keywords(mods, values):
    for m in mods:
        if m not in KNOWN:
            raise Unsupported('modifier ' + m)
    if any(m in mods for m in ('re', 'cidr', 'exists', 'fieldref', 'gt', 'gte', 'lt', 'lte', 'neq')):
        raise Unsupported('keyword with type modifier')
    if not isinstance(values, list):
        values = [values]
    if any(v is None or isinstance(v, (dict, list)) for v in values):
        raise Unsupported('null/complex keyword')
    is_all = 'all' in mods
    cased = 'cased' in mods
    groups = []
    for raw in values:
        alts = apply_transforms(mods, sval(raw))
        rxs = []
        for a in alts:
            # keywords are searched for anywhere in the event's text
            if not a or a[0] is not STAR:
                a = [STAR] + a
            if a[-1] is not STAR:
                a = a + [STAR]
            rxs.append(tokens_to_regex(a, cased))
        groups.append(rxs)

    def pred(ev):
        vals = ev.keyword_values()

        def g_ok(g):
            return any(rx.match(v) for rx in g for v in vals)
        if is_all:
            return all(g_ok(g) for g in groups)
        return any(g_ok(g) for g in groups)
    return pred


def compile_search(node):
    if isinstance(node, dict):
        preds = []
        for k, v in node.items():
            if not isinstance(k, str):
                k = sval(k)
            if k == '' or k.startswith('|'):
                preds.append(compile_keywords(k.split('|')[1:], v))
            else:
                preds.append(compile_field(k, v))
        return lambda ev: all(p(ev) for p in preds)
    if isinstance(node, list):
        if all(isinstance(x, dict) for x in node):
            preds = [compile_search(x) for x in node]
            return lambda ev: any(p(ev) for p in preds)
        if all(not isinstance(x, (dict, list)) for x in node):
            return compile_keywords([], node)
        # spec "Lists": strings (keywords) and maps, all ORed
        preds = [compile_search(x) if isinstance(x, dict) else compile_keywords([], [x]) for x in node]
        if any(isinstance(x, list) for x in node):
            raise Unsupported('nested list')
        return lambda ev: any(p(ev) for p in preds)
    if node is None:
        raise Unsupported('null search')
    return compile_keywords([], [node])


# ---------------------------------------------------------------- conditions
def tokenize_cond(s):
    return re.findall(r'\(|\)|[^\s()]+', s)


def compile_condition(cond, searches):
    toks = tokenize_cond(cond)
    pos = [0]
    names = list(searches.keys())

    def peek():
        return toks[pos[0]] if pos[0] < len(toks) else None

    def take(x=None):
        t = peek()
        if t is None or (x is not None and t != x):
            raise Unsupported('bad condition %r' % cond)
        pos[0] += 1
        return t

    def expr():
        left = and_expr()
        while peek() == 'or':
            take()
            r = and_expr()
            left = (lambda a, b: lambda ev: a(ev) or b(ev))(left, r)
        return left

    def and_expr():
        left = not_expr()
        while peek() == 'and':
            take()
            r = not_expr()
            left = (lambda a, b: lambda ev: a(ev) and b(ev))(left, r)
        return left

    def not_expr():
        if peek() == 'not':
            take()
            x = not_expr()
            return lambda ev: not x(ev)
        return atom()

    def atom():
        t = take()
        if t == '(':
            x = expr()
            take(')')
            return x
        if t == '|':
            raise Unsupported('aggregation')
        if (t == 'all' or t.isdigit()) and peek() == 'of':
            take('of')
            pat = take()
            if pat == 'them':
                sel = [n for n in names if not n.startswith('_')]
            else:
                rx = re.compile(''.join('.*' if c == '*' else re.escape(c) for c in pat) + r'\Z')
                sel = [n for n in names if rx.match(n)]
            if not sel:
                raise Unsupported('x of pattern matches nothing: ' + pat)
            ps = [searches[n] for n in sel]
            if t == 'all':
                return lambda ev: all(p(ev) for p in ps)
            k = int(t)
            return lambda ev: sum(1 for p in ps if p(ev)) >= k
        if t in ('and', 'or', 'not', ')', 'of'):
            raise Unsupported('bad condition %r' % cond)
        if t not in searches:
            raise Unsupported('unknown identifier ' + t)
        p = searches[t]
        return p

    x = expr()
    if peek() is not None:
        raise Unsupported('trailing condition tokens in %r (aggregation?)' % cond)
    return x


class Rule:
    pass


def compile_rule(doc, path):
    det = doc.get('detection')
    if not isinstance(det, dict):
        raise Unsupported('no detection')
    cond = det.get('condition')
    searches = {}
    for k, v in det.items():
        if k in ('condition', 'timeframe'):
            continue
        searches[str(k)] = compile_search(v)
    conds = cond if isinstance(cond, list) else [cond]
    if not conds or any(not isinstance(c, str) for c in conds):
        raise Unsupported('no condition')
    cps = [compile_condition(c, searches) for c in conds]
    r = Rule()
    r.id = doc.get('id')
    r.title = doc.get('title')
    r.path = path
    r.match = lambda ev: any(c(ev) for c in cps)
    ls = doc.get('logsource') or {}
    r.logsource = (ls.get('product'), ls.get('category'), ls.get('service'))
    return r


# ---------------------------------------------------------------- logsources
def load_logsources():
    d = yaml.safe_load(open(SPEC_LOGSOURCES))
    return d['logsources'], d.get('aliases', {}) or {}


def sources_for(logsource, entries):
    """-> (list of rename-free sources (channel, eventids or None), all_events?)
    or raise Unsupported"""
    prod, cat, svc = logsource
    hits = []
    for e in entries:
        if e.get('product') != prod:
            continue
        if e.get('category') != cat or e.get('service') != svc:
            continue
        hits.append(e)
    if not hits:
        if prod == 'windows':
            return None   # every event
        raise Unsupported('logsource not mapped')
    srcs = []
    for e in hits:
        for s in e['sources']:
            if s.get('rename'):
                continue
            srcs.append((s['channel'], tuple(s['eventid']) if s.get('eventid') else None))
    if not srcs:
        raise Unsupported('logsource has only renamed sources')
    return srcs


def source_match(srcs, ev):
    if srcs is None:
        return True
    ch = ev.d.get('Channel', '')
    eid = ev.d.get('EventID')
    for c, eids in srcs:
        if c.endswith('*'):
            if not ch.startswith(c[:-1]):
                continue
        elif ch != c:
            continue
        if eids is None or eid in eids:
            return True
    return False


def load_rules(paths, entries, skipped):
    rules = []
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(glob.glob(os.path.join(p, '**', '*.yml'), recursive=True))
        else:
            files.append(p)
    alldocs = []
    referenced = set()
    for f in files:
        try:
            docs = list(yaml.load_all(open(f, encoding='utf-8'), Loader=RuleLoader))
        except Unsupported as e:
            skipped.append((f, '', str(e)))
            continue
        for doc in docs:
            if isinstance(doc, dict) and isinstance(doc.get('correlation'), dict):
                c = doc['correlation']
                if c.get('generate') is not True:
                    for x in c.get('rules') or []:
                        referenced.add(str(x))
        alldocs.append((f, docs))
    for f, docs in alldocs:
        for doc in docs:
            if isinstance(doc, dict) and (doc.get('name') in referenced or doc.get('id') in referenced):
                skipped.append((f, doc.get('id'), 'referenced by a correlation without generate: not reported'))
                continue
            if not isinstance(doc, dict):
                continue
            if 'correlation' in doc:
                skipped.append((f, doc.get('id'), 'correlation rule'))
                continue
            if 'filter' in doc and 'detection' not in doc:
                skipped.append((f, doc.get('id'), 'filter document'))
                continue
            try:
                r = compile_rule(doc, f)
                r.srcs = sources_for(r.logsource, entries)
            except Unsupported as e:
                skipped.append((f, doc.get('id'), str(e)))
                continue
            rules.append(r)
    return rules


def main():
    global SPEC_LOGSOURCES, PLACEHOLDERS
    args = sys.argv[1:]
    rules_paths, index, out, skp, jsonl = [], None, None, None, None
    i = 0
    while i < len(args):
        a = args[i]
        if a == '--rules':
            rules_paths.append(args[i + 1]); i += 2
        elif a == '--events':
            index = args[i + 1]; i += 2
        elif a == '--out':
            out = args[i + 1]; i += 2
        elif a == '--skipped':
            skp = args[i + 1]; i += 2
        elif a == '--jsonl':
            jsonl = args[i + 1]; i += 2
        elif a == '--kw-system':
            OPTS['kw_system'] = True; i += 1
        elif a == '--placeholder-wildcard':
            OPTS['ph_wild'] = True; i += 1
        elif a == '--windash-flag':
            OPTS['windash_flag'] = True; i += 1
        elif a == '--map':
            SPEC_LOGSOURCES = args[i + 1]; i += 2
        elif a == '--placeholders':
            PLACEHOLDERS = args[i + 1]; i += 2
        else:
            sys.exit('bad arg ' + a)
    entries, aliases = load_logsources()
    skipped = []
    rules = load_rules(rules_paths, entries, skipped)
    print('rules compiled: %d, skipped: %d' % (len(rules), len(skipped)), file=sys.stderr)
    if skp:
        with open(skp, 'w') as fh:
            fh.write('rules_in_scope\t%s\n' % json.dumps([r.id for r in rules]))
            for s in skipped:
                fh.write('\t'.join(str(x) for x in s) + '\n')
    if jsonl:
        for line in open(jsonl):
            if not line.strip():
                continue
            ev = Event(json.loads(line), aliases)
            for r in rules:
                if source_match(r.srcs, ev) and r.match(ev):
                    print(json.dumps({'record_id': ev.d.get('EventRecordID'), 'rule_id': r.id,
                                      'rule_title': r.title}))
        return
    fo = open(out, 'w')
    nev = 0
    cache = {}
    for line in open(index):
        n, path = line.rstrip('\n').split('\t', 1)
        for l in open(os.path.join(os.path.dirname(index), n + '.jsonl')):
            ev = Event(json.loads(l), aliases)
            nev += 1
            key = (ev.d.get('Channel'), ev.d.get('EventID'))
            if key not in cache:
                cache[key] = [r for r in rules if source_match(r.srcs, ev)]
            for r in cache[key]:
                if True:
                    if r.match(ev):
                        fo.write(json.dumps({'file': path, 'record_id': ev.d.get('EventRecordID'),
                                             'rule_id': r.id, 'rule_title': r.title,
                                             'channel': ev.d.get('Channel'),
                                             'event_id': ev.d.get('EventID')}) + '\n')
    fo.close()
    print('events: %d' % nev, file=sys.stderr)


if __name__ == '__main__':
    main()
