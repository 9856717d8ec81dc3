/* atoms.c - literal prefilter: which rules can possibly match this event?
 *
 * The idea is YARA's atoms and Suricata's MPM prefilter. For each rule we
 * derive up to three literal sets ("clauses") such that "rule matches =>
 * some literal of each clause occurs in some value of the event":
 *
 *   value  (glob)      its longest literal run (>= 3 bytes, or 2 rare ones:
 *                      atom_ok), else unknown
 *          (regex)     the longest literal every match holds (regex.c)
 *   item   OR values   one clause, their union; unknown if any value is;
 *                      neq: unknown
 *          AND (|all)  a clause per value
 *   group  AND items   the clauses of all items
 *   search OR groups   (A1 and A2) or (B1 and B2) => (A1|B1) and (A2|B2)
 *   cond   a and b     the clauses of both;  a or b: as for groups;
 *          not x: unknown;  1 of X: or;  all of X: and
 *
 * An AND keeps the three best clauses (dropping one only loosens the test),
 * the third only when small (EXTRA_CLAUSE_MAX_LITS). "Best" means fewest,
 * longest literals. The literals of the rules that
 * an index bucket (channel, EventID) can hand out, always-rules included,
 * go into that bucket's Vectorscan databases (scanset.c says which
 * literal is looked for in which text, litdb.c compiles them; identical
 * ones shared), matched case-insensitively (a superset of every
 * comparison the evaluator makes) over the strings the evaluator can
 * compare them with. Only rules without clauses, or with a hit in every
 * clause, are evaluated.
 * Values that are numbers, CIDRs, field references, null or exists tests,
 * and regexes without a certain literal, give "unknown", which is always
 * safe. */
#include "sigma/ruleset_impl.h"

#include "base/alloc.h"
#include "base/hash.h"
#include "base/par.h"
#include "sigma/value.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define MIN_ATOM 3

typedef struct lset {
    uint32_t *v;
    uint32_t n, cap;
    uint32_t *h;       /* ids + 1 by hash, once the set is large; 0 = empty */
    uint32_t hmask;
    double weight;     /* expected cost of the set: sum of its literals' weights */
    int top;           /* unknown: no literal is required */
} lset;

typedef struct reg {
    tn_ruleset *rs;
    const char **lit;
    size_t *len;
    uint32_t n, cap;
    uint32_t *hash;    /* open addressing: literal id + 1, 0 = empty */
    uint32_t hmask;
    uint32_t *freq;    /* per literal: how many values use it (pass 1), or NULL */
    uint32_t *vlit;    /* per value, in rule/search/item order: its literal id or NO_LIT */
    uint32_t *voff;    /* per rule: its first value's index in vlit */
    char *tmp;         /* lower-cased candidate literal, reused */
    size_t tmpcap;
    char *atmp;        /* an anchored literal being made (value_lit), reused */
    size_t atmpcap;
    int oom;
} reg;

static const lset TOP = {.top = 1};

/* Eight bytes a step: FNV-1a a byte at a time was most of lit_id. */
static uint32_t h32(const char *s, size_t n)
{
    return (uint32_t)tn_hash_bytes(0x243f6a8885a308d3ull, s, n);
}

static int grow_hash(reg *g)
{
    /* SigmaHQ has ~20,000 literals: starting small, the table was
     * rehashed six times (6.5 M instructions of loading) */
    uint32_t size = g->hmask ? (g->hmask + 1) * 2 : 65536;
    uint32_t *nh = tn_calloc(size, sizeof(*nh));
    if (!nh)
        return -1;
    for (uint32_t i = 0; i < g->n; i++) {
        uint32_t h = h32(g->lit[i], g->len[i]) & (size - 1);
        while (nh[h])
            h = (h + 1) & (size - 1);
        nh[h] = i + 1;
    }
    tn_free(g->hash);
    g->hash = nh;
    g->hmask = size - 1;
    return 0;
}

/* Id of the lower-cased literal s[0..n), added if new; UINT32_MAX on OOM. */
static uint32_t lit_id(reg *g, const char *s, size_t n)
{
    /* each value is looked up several times while sets are built: only a
     * new literal is copied to the arena (was a copy per lookup) */
    if (n + 1 > g->tmpcap) {
        char *nt = tn_realloc(g->tmp, n + 1);
        if (!nt)
            return g->oom = 1, UINT32_MAX;
        g->tmp = nt;
        g->tmpcap = n + 1;
    }
    char *low = g->tmp;
    if ((g->n + 1) * 2 > g->hmask && grow_hash(g))
        return g->oom = 1, UINT32_MAX;
    tn_ascii_lower(low, s, n);
    low[n] = 0;
    uint32_t h = h32(low, n) & g->hmask;
    for (; g->hash[h]; h = (h + 1) & g->hmask) {
        uint32_t id = g->hash[h] - 1;
        if (g->len[id] == n && !memcmp(g->lit[id], low, n))
            return id;
    }
    low = tn_arena_alloc(&g->rs->a, n + 1);
    if (!low)
        return g->oom = 1, UINT32_MAX;
    memcpy(low, g->tmp, n + 1);
    if (g->n == g->cap) {
        uint32_t ncap = g->cap ? g->cap * 2 : 1024;
        const char **nl = tn_realloc(g->lit, ncap * sizeof(*nl));
        size_t *nn = nl ? tn_realloc(g->len, ncap * sizeof(*nn)) : NULL;
        if (nl)
            g->lit = nl;
        if (!nl || !nn)
            return g->oom = 1, UINT32_MAX;
        g->len = nn;
        g->cap = ncap;
    }
    g->lit[g->n] = low;
    g->len[g->n] = n;
    g->hash[h] = g->n + 1;
    return g->n++;
}

static void set_free(lset *s)
{
    tn_free(s->v);
    tn_free(s->h);
    *s = TOP;
}

#define SET_HASH_MIN 16

/* Index of id's slot in s->h: where it is, or the empty slot for it. */
static uint32_t set_slot(const lset *s, uint32_t id)
{
    uint32_t h = (id * 2654435761u) & s->hmask;
    while (s->h[h] && s->h[h] != id + 1)
        h = (h + 1) & s->hmask;
    return h;
}

/* Rebuilds the hash of s for 4x its capacity. */
static int set_rehash(lset *s)
{
    uint32_t size = 64;
    while (size < 4 * s->cap)
        size *= 2;
    uint32_t *nh = tn_calloc(size, sizeof(*nh));
    if (!nh)
        return -1;
    tn_free(s->h);
    s->h = nh;
    s->hmask = size - 1;
    for (uint32_t i = 0; i < s->n; i++)
        s->h[set_slot(s, s->v[i])] = s->v[i] + 1;
    return 0;
}

/* A literal's weight: short literals and literals many rules use are
 * likely to occur in many events, so they make poor gates. */
static double lit_weight(const reg *g, uint32_t id, uint32_t len)
{
    double f = g->freq ? g->freq[id] : 0;
    return 100.0 / (double)(len < 12 ? len : 12) * (1.0 + f / 8.0);
}

/* Adds id to s unless present. Large sets (long OR lists of contains
 * values) get a hash: the linear check made building the prefilter for
 * SigmaHQ quadratic, ~5% of loading instructions (callgrind). */
static int set_add(const reg *g, lset *s, uint32_t id, uint32_t len)
{
    if (s->h) {
        if (s->h[set_slot(s, id)])
            return 0;
    } else {
        for (uint32_t i = 0; i < s->n; i++)
            if (s->v[i] == id)
                return 0;
    }
    if (s->n == s->cap) {
        uint32_t ncap = s->cap ? s->cap * 2 : 4;
        uint32_t *nv = tn_realloc(s->v, ncap * sizeof(*nv));
        if (!nv)
            return -1;
        s->v = nv;
        s->cap = ncap;
        if (ncap >= SET_HASH_MIN && set_rehash(s))
            return -1;
    }
    s->v[s->n++] = id;
    if (s->h)
        s->h[set_slot(s, id)] = id + 1;
    s->weight += lit_weight(g, id, len);
    return 0;
}

/* Lower is better; unknown is worst. */
static double cost(const lset *s)
{
    return s->top ? 1e300 : s->weight;
}

/* Adds b's literals to *a (union); unknown absorbs. Frees b. */
static void unite(reg *g, lset *a, lset b)
{
    if (a->top || b.top) {
        set_free(a);
        set_free(&b);
        return;
    }
    for (uint32_t i = 0; i < b.n && !g->oom; i++)
        if (set_add(g, a, b.v[i], (uint32_t)g->len[b.v[i]]))
            g->oom = 1;
    set_free(&b);
}

#define NO_LIT UINT32_MAX

/* Whether s[0..n) is worth looking for: MIN_ATOM bytes, or two bytes both
 * rare in Windows field values (tn_byte_rank: non-ASCII, '^', '|', '~'
 * and the like; not '$', '%', ';', brackets). Without the second form
 * the homoglyph rules (60 two-byte Cyrillic letters) and "Dosfuscation"
 * ('^^') were evaluated on every process creation: measured on the 256
 * MiB real-chunk file, 8.647 G -> 8.587 G instructions, Vectorscan's part
 * unchanged. For globs only: taking a regex's two-byte literals too
 * added 61 M of Vectorscan and saved nothing. */
static int atom_ok(const char *s, size_t n)
{
    return n >= MIN_ATOM ||
           (n == 2 && tn_byte_rank((unsigned char)s[0]) <= 2 && tn_byte_rank((unsigned char)s[1]) <= 2);
}

_Static_assert(TN_GLOB_STAR < 4 && TN_GLOB_ONE < 4 && TN_GLOB_DASH < 4, "wildcards are below 4");

/* Nonzero when one of the 8 bytes at p is below 4, as the wildcards are
 * (the "has a byte less than" test, exact for whether there is one).
 * Looking for them a byte at a time was 5.9 M instructions of loading the
 * SigmaHQ Windows rules (callgrind). */
static inline uint64_t below4(const char *p)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t x;
    memcpy(&x, p, 8);
    return (x - ones * 4) & ~x & high;
}

/* The id of literal s[0..n) with a separator (TN_SCAN_SEP) before it
 * (head) and after it (tail); UINT32_MAX on OOM. */
static uint32_t anchored_id(reg *g, const char *s, size_t n, int head, int tail)
{
    size_t len = n + (size_t)head + (size_t)tail;
    if (len > g->atmpcap) {
        char *nt = tn_realloc(g->atmp, len);
        if (!nt)
            return g->oom = 1, UINT32_MAX;
        g->atmp = nt;
        g->atmpcap = len;
    }
    size_t k = 0;
    if (head)
        g->atmp[k++] = TN_SCAN_SEP;
    memcpy(g->atmp + k, s, n);
    k += n;
    if (tail)
        g->atmp[k++] = TN_SCAN_SEP;
    return lit_id(g, g->atmp, k);
}

/* The id of the literal value v requires, or NO_LIT (unknown). Computed
 * once per value (pass 1 of tn_atoms_build) and looked up after: it was
 * computed four times, with a set allocated each time, ~15% of loading
 * SigmaHQ (callgrind).
 *
 * A field's value is compared with the field's whole text, and the scan
 * texts hold each text between separators (TN_SCAN_SEP, match/scantext.c):
 * so the literal of an equals value is looked for with a separator on
 * each side, of a startswith value (or a glob's literal head) with one
 * before, of an endswith value (or a glob's tail) with one after (field
 * set). Then
 * "NtLmSsp " (as Windows logs LogonProcessName) is no hit for a field's
 * 'NtLmSsp' (the Security log's map translates that field: data/
 * logsources.yml), nor is powershell.exe in a command line for Image|endswith:
 * '\powershell.exe' read through a rename to the command line. A keyword
 * (no field) matches anywhere: its literal is not anchored. */
static uint32_t value_lit(reg *g, const tn_value *v, int field)
{
    if (v->kind == TN_V_RE)   /* s: the literal every match contains (regex.c) */
        return v->s && v->len >= MIN_ATOM ? lit_id(g, v->s, v->len) : NO_LIT;
    if (v->kind != TN_V_GLOB)
        return NO_LIT;
    size_t best = 0, blen = 0;
    for (size_t i = 0; i < v->len;) {
        size_t j = i;
        while (j < v->len) {
            if (j + 8 <= v->len && !below4(v->s + j)) {
                j += 8;   /* no wildcard in these 8 */
                continue;
            }
            if (v->s[j] == TN_GLOB_STAR || v->s[j] == TN_GLOB_ONE || v->s[j] == TN_GLOB_DASH)
                break;
            j++;
        }
        if (j - i > blen)
            best = i, blen = j - i;
        i = j + 1;
    }
    if (!atom_ok(v->s + best, blen))
        return NO_LIT;
    int head = 0, tail = 0;
    if (field && v->shape != TN_G_CONTAINS) {
        head = best == 0 && v->shape != TN_G_SUFFIX;
        tail = best + blen == v->len && v->shape != TN_G_PREFIX;
    }
    return head || tail ? anchored_id(g, v->s + best, blen, head, tail) : lit_id(g, v->s + best, blen);
}

/* The set of a value's literal id: unknown for NO_LIT. */
static lset lit_set(reg *g, uint32_t id)
{
    lset s = {0};
    if (id == NO_LIT)
        return TOP;
    if (set_add(g, &s, id, (uint32_t)g->len[id]))
        return g->oom = 1, set_free(&s), TOP;
    return s;
}

/* A conjunction of at most MAX_CLAUSES literal sets ("clauses"): the rule
 * can match only if some literal of every clause occurs in the event. No
 * clause: unknown (no constraint); an empty clause: cannot match. Two
 * clauses instead of one cut evaluations where one part of a rule is
 * common (Image ends with powershell.exe) and another is rare; a third
 * where two parts are common (a process, its parent) and a third is not. */
#define MAX_CLAUSES TN_MAX_CLAUSES
/* A third clause is kept when it has at most this many literals. On the
 * 256 MiB real-chunk file with the 2,872 Windows rules (rule evaluations;
 * the databases' size): two clauses 591,427 (10.15 MB); a third of up to
 * 1 literal 582,334 (10.32 MB), 4: 579,597 (10.46 MB), 16: 549,336
 * (10.67 MB), any: 545,492 (11.72 MB). */
#define EXTRA_CLAUSE_MAX_LITS 16
_Static_assert(MAX_CLAUSES <= 1 << TN_CLAUSE_BITS && MAX_CLAUSES <= 8,
               "clause numbers fit the entries' bits and the scanner's 8-bit masks");
typedef struct cnf {
    lset c[MAX_CLAUSES];
    uint32_t n;
} cnf;

static void cnf_free(cnf *x)
{
    for (uint32_t i = 0; i < x->n; i++)
        set_free(&x->c[i]);
    x->n = 0;
}

static cnf cnf_of(lset s)
{
    cnf x = {0};
    if (s.top) {
        set_free(&s);
        return x;
    }
    x.c[0] = s;
    x.n = 1;
    return x;
}

/* The clause that no event satisfies: the start of an OR fold. */
static cnf cnf_false(void)
{
    cnf x = {0};
    x.c[0] = (lset){0};
    x.n = 1;
    return x;
}

static lset set_copy(reg *g, const lset *s)
{
    if (s->top)
        return TOP;
    /* a copy of the arrays: adding each id again was 12 M instructions of
     * loading the Windows rules, and sums the same weight in the same order */
    lset b = {0};
    if (!s->n)
        return b;
    b.v = tn_malloc(s->cap * sizeof(*b.v));
    b.h = s->h ? tn_malloc((s->hmask + 1) * sizeof(*b.h)) : NULL;
    if (!b.v || (s->h && !b.h)) {
        tn_free(b.v);
        tn_free(b.h);
        g->oom = 1;
        return (lset){0};
    }
    memcpy(b.v, s->v, s->n * sizeof(*b.v));
    if (s->h)
        memcpy(b.h, s->h, (s->hmask + 1) * sizeof(*b.h));
    b.n = s->n;
    b.cap = s->cap;
    b.hmask = s->hmask;
    b.weight = s->weight;
    return b;
}

static cnf cnf_copy(reg *g, const cnf *x)
{
    cnf y = {0};
    for (uint32_t i = 0; i < x->n; i++)
        y.c[y.n++] = set_copy(g, &x->c[i]);
    return y;
}

static int set_has(const lset *s, uint32_t id);

static int set_same(const lset *a, const lset *b)
{
    if (a->n != b->n)
        return 0;
    for (uint32_t i = 0; i < a->n; i++)
        if (!set_has(b, a->v[i]))
            return 0;
    return 1;
}

/* *a and b: the best MAX_CLAUSES distinct clauses of both (dropping a
 * clause only loosens the test). Frees b. */
static void cnf_and(cnf *a, cnf b)
{
    lset all[2 * MAX_CLAUSES];
    uint32_t n = 0;
    for (uint32_t i = 0; i < a->n; i++)
        all[n++] = a->c[i];
    for (uint32_t i = 0; i < b.n; i++) {
        int dup = 0;
        for (uint32_t k = 0; k < n && !dup; k++)
            dup = set_same(&all[k], &b.c[i]);
        if (dup)
            set_free(&b.c[i]);
        else
            all[n++] = b.c[i];
    }
    for (uint32_t i = 1; i < n; i++)   /* by cost, cheapest (rarest) first */
        for (uint32_t k = i; k > 0 && cost(&all[k]) < cost(&all[k - 1]); k--) {
            lset t = all[k];
            all[k] = all[k - 1];
            all[k - 1] = t;
        }
    a->n = n < MAX_CLAUSES ? n : MAX_CLAUSES;
    for (uint32_t i = 0; i < n; i++) {
        if (i < a->n)
            a->c[i] = all[i];
        else
            set_free(&all[i]);
    }
}

/* *a or b. (A1 and A2) or (B1 and B2) implies (A1 or B1) and (A2 or B2):
 * each clause joins one clause of each side. Frees b. */
static void cnf_or(reg *g, cnf *a, cnf b)
{
    if (!a->n || !b.n) {
        cnf_free(a);
        cnf_free(&b);
        return;
    }
    uint32_t k = a->n > b.n ? a->n : b.n;
    cnf r = {0};
    for (uint32_t i = 0; i < k; i++) {
        lset x = set_copy(g, &a->c[i < a->n ? i : a->n - 1]);
        unite(g, &x, set_copy(g, &b.c[i < b.n ? i : b.n - 1]));
        r.c[r.n++] = x;
    }
    for (uint32_t i = 1; i < r.n;) {   /* the same clause twice says no more */
        int dup = 0;
        for (uint32_t j = 0; j < i && !dup; j++)
            dup = set_same(&r.c[j], &r.c[i]);
        if (dup) {   /* the later ones move down: the order stays the cost order */
            set_free(&r.c[i]);
            memmove(&r.c[i], &r.c[i + 1], (r.n - i - 1) * sizeof(r.c[0]));
            r.n--;
        } else {
            i++;
        }
    }
    cnf_free(a);
    cnf_free(&b);
    *a = r;
}

/* ids: the literal ids of its values (g->vlit). */
static cnf item_cnf(reg *g, const tn_item *it, const uint32_t *ids)
{
    if (it->neq || it->nvalues == 0)
        return (cnf){0};
    if (it->all) {   /* every value must match: each is a clause */
        cnf acc = {0};
        for (uint32_t i = 0; i < it->nvalues; i++)
            cnf_and(&acc, cnf_of(lit_set(g, ids[i])));
        return acc;
    }
    lset acc = {0};
    for (uint32_t i = 0; i < it->nvalues && !acc.top; i++) {
        if (ids[i] == NO_LIT)   /* unknown absorbs the union */
            set_free(&acc);
        else if (set_add(g, &acc, ids[i], (uint32_t)g->len[ids[i]]))
            g->oom = 1;
    }
    return cnf_of(acc);
}

/* ids: the literal ids of s's values, item after item. */
static cnf search_cnf(reg *g, const tn_search *s, const uint32_t *ids)
{
    if (s->ngroups == 0)
        return (cnf){0};
    cnf acc = cnf_false();
    uint32_t start = 0;
    for (uint32_t gi = 0; gi < s->ngroups; gi++) {
        cnf grp = {0};
        for (uint32_t i = start; i < s->group_end[gi]; i++) {   /* items in order, from 0 */
            cnf_and(&grp, item_cnf(g, &s->items[i], ids));
            ids += s->items[i].nvalues;
        }
        cnf_or(g, &acc, grp);
        start = s->group_end[gi];
    }
    return acc;
}

static cnf cond_cnf(reg *g, const tn_cnode *c, const cnf *ss)
{
    cnf a;
    switch (c->op) {
    case TN_C_AND:
        a = cond_cnf(g, c->a, ss);
        cnf_and(&a, cond_cnf(g, c->b, ss));
        return a;
    case TN_C_OR:
        a = cond_cnf(g, c->a, ss);
        cnf_or(g, &a, cond_cnf(g, c->b, ss));
        return a;
    case TN_C_NOT:
        return (cnf){0};
    case TN_C_REF:
        return cnf_copy(g, &ss[c->ref]);
    default:   /* all of: every one; 1 of: at least one */
        a = c->op == TN_C_ALL ? (cnf){0} : cnf_false();
        for (uint32_t i = 0; i < c->nrefs; i++) {
            if (c->op == TN_C_ALL)
                cnf_and(&a, cnf_copy(g, &ss[c->refs[i]]));
            else
                cnf_or(g, &a, cnf_copy(g, &ss[c->refs[i]]));
        }
        return a;
    }
}

static uint32_t rule_nvalues(const tn_srule *r)
{
    uint32_t n = 0;
    for (uint32_t s = 0; s < r->nsearches; s++)
        for (uint32_t i = 0; i < r->searches[s].nitems; i++)
            n += r->searches[s].items[i].nvalues;
    return n;
}

/* Registers the literal of each value of r, in order, into ids. */
static void register_literals(reg *g, const tn_srule *r, uint32_t *ids)
{
    for (uint32_t s = 0; s < r->nsearches; s++)
        for (uint32_t i = 0; i < r->searches[s].nitems; i++) {
            const tn_item *it = &r->searches[s].items[i];
            for (uint32_t v = 0; v < it->nvalues; v++)
                *ids++ = value_lit(g, &it->values[v], it->field.name != NULL);
        }
}

static int set_has(const lset *s, uint32_t id)
{
    if (s->h)
        return s->h[set_slot(s, id)] != 0;
    for (uint32_t i = 0; i < s->n; i++)
        if (s->v[i] == id)
            return 1;
    return 0;
}

/* Tags each value of r whose literal is in r's own set with that literal:
 * the evaluator then skips a value whose literal the scan did not find in
 * the event. Only r's own set is sure to be in the database scanned for
 * any event r is evaluated on (filters are not tagged, for that reason).
 * Adding every value's literal to the databases was measured to more than
 * double the scan's cost, more than the evaluator saved. */
static void tag_values(const tn_srule *r, const cnf *set, const uint32_t *ids)
{
    if (!set->n)
        return;
    for (uint32_t s = 0; s < r->nsearches; s++)
        for (uint32_t i = 0; i < r->searches[s].nitems; i++) {
            const tn_item *it = &r->searches[s].items[i];
            const uint32_t *x = ids;
            ids += it->nvalues;
            for (uint32_t v = 0; v < it->nvalues; v++)
                for (uint32_t c = 0; x[v] != NO_LIT && c < set->n; c++)
                    if (set_has(&set->c[c], x[v])) {
                        it->values[v].lit = x[v] + 1;
                        break;
                    }
        }
}

/* Clears every value's tag: without databases no scan says anything. */
static void untag(const tn_ruleset *rs)
{
    for (uint32_t r = 0; r < rs->nrules; r++)
        for (uint32_t s = 0; s < rs->rules[r]->nsearches; s++)
            for (uint32_t i = 0; i < rs->rules[r]->searches[s].nitems; i++) {
                const tn_item *it = &rs->rules[r]->searches[s].items[i];
                for (uint32_t v = 0; v < it->nvalues; v++)
                    it->values[v].lit = 0;
            }
}

/* The literal clauses of rule r's condition; none when unknown. */
static cnf rule_cnf(reg *g, const tn_srule *r, const uint32_t *ids)
{
    cnf *ss = tn_calloc(r->nsearches ? r->nsearches : 1, sizeof(*ss));
    if (!ss)
        return g->oom = 1, (cnf){0};
    for (uint32_t i = 0; i < r->nsearches; i++) {
        ss[i] = search_cnf(g, &r->searches[i], ids);
        for (uint32_t k = 0; k < r->searches[i].nitems; k++)
            ids += r->searches[i].items[k].nvalues;
    }
    cnf x = cond_cnf(g, r->cond, ss);
    /* clauses past the second only when small: each literal makes the
     * databases larger and is reported on its own */
    while (x.n > 2 && x.c[x.n - 1].n > EXTRA_CLAUSE_MAX_LITS)
        set_free(&x.c[--x.n]);
    for (uint32_t i = 0; i < r->nsearches; i++)
        cnf_free(&ss[i]);
    tn_free(ss);
    return x;
}

/* ---- work split over threads ---- */

/* fn(arg, w, begin, end) on chunks of [0, n), claimed in order by up to
 * threads threads (w: the worker); a nonzero return stops the others. */
typedef int (*range_fn)(void *arg, int w, uint32_t begin, uint32_t end);

typedef struct par_range {
    uint32_t n, chunk;
    range_fn fn;
    void *arg;
    atomic_size_t next;
    atomic_int stop;
} par_range;

static int range_loop(void *arg, int w)
{
    par_range *P = arg;
    while (!atomic_load(&P->stop)) {
        size_t b = atomic_fetch_add(&P->next, P->chunk);
        if (b >= P->n)
            break;
        uint32_t e = P->n - b > P->chunk ? (uint32_t)b + P->chunk : P->n;
        if (P->fn(P->arg, w, (uint32_t)b, e))
            atomic_store(&P->stop, 1);
    }
    return 0;
}

/* Returns 0, or -1 when a chunk failed. Few items stay on this thread. */
static int par_range_run(int threads, uint32_t n, uint32_t chunk, range_fn fn, void *arg)
{
    par_range P = {.n = n, .chunk = chunk, .fn = fn, .arg = arg};
    atomic_init(&P.next, 0);
    atomic_init(&P.stop, 0);
    if (threads > 1 && n / chunk < 4)
        threads = 1;
    tn_par_each(threads > 1 ? threads : 1, range_loop, &P);
    return atomic_load(&P.stop) ? -1 : 0;
}

/* Rules' clauses, once every literal has its id and count: independent
 * per rule, so built on several threads (~25% of building the prefilter
 * for SigmaHQ, on the serial part of loading). Each worker has a reg of
 * its own for rule and oom; the literal table and counts are only read. */
typedef struct sets_job {
    reg *regs;             /* per worker */
    const tn_ruleset *rs;
    cnf *sets;
    uint8_t *gated;
} sets_job;

static int sets_chunk(void *arg, int w, uint32_t b, uint32_t e)
{
    sets_job *J = arg;
    reg *g = &J->regs[w];
    for (uint32_t r = b; r < e && !g->oom; r++) {
        const tn_srule *rl = J->rs->rules[r];
        J->sets[r] = rl->never ? (cnf){0} : rule_cnf(g, rl, g->vlit + g->voff[r]);
        J->gated[r] = (uint8_t)((1u << J->sets[r].n) - 1);   /* clause bits needed */
    }
    return g->oom;
}

static int build_sets(reg *g, int threads, cnf *sets)
{
    tn_ruleset *rs = g->rs;
    int n = threads > 1 ? threads : 1;
    reg *regs = tn_calloc((size_t)n, sizeof(*regs));
    if (!regs)
        return -1;
    for (int i = 0; i < n; i++)
        regs[i] = *g;   /* lit_id is not called from here: tmp stays unused */
    sets_job J = {regs, rs, sets, rs->atoms.gated};
    int rc = par_range_run(n, rs->nrules, 64, sets_chunk, &J);
    tn_free(regs);
    return rc;
}

/* Inverts rule -> clauses -> literals into literal -> (rule, clause)
 * entries, (rule << TN_CLAUSE_BITS) | clause (CSR arrays). */
static int invert(tn_atoms *at, const cnf *sets, uint32_t nrules, uint32_t nlits)
{
    at->start = tn_calloc(nlits + 1, sizeof(*at->start));
    if (!at->start || nrules > UINT32_MAX >> TN_CLAUSE_BITS)
        return -1;
    uint32_t total = 0;
    for (uint32_t r = 0; r < nrules; r++)
        for (uint32_t k = 0; k < sets[r].n; k++)
            for (uint32_t i = 0; i < sets[r].c[k].n; i++)
                at->start[sets[r].c[k].v[i] + 1]++, total++;
    for (uint32_t i = 0; i < nlits; i++)
        at->start[i + 1] += at->start[i];
    at->rules_of = tn_malloc((total ? total : 1) * sizeof(*at->rules_of));
    uint32_t *fill = tn_calloc(nlits ? nlits : 1, sizeof(*fill));
    if (!at->rules_of || !fill) {
        tn_free(fill);
        return -1;
    }
    for (uint32_t r = 0; r < nrules; r++)
        for (uint32_t k = 0; k < sets[r].n; k++)
            for (uint32_t i = 0; i < sets[r].c[k].n; i++) {
                uint32_t l = sets[r].c[k].v[i];
                at->rules_of[at->start[l] + fill[l]++] = r << TN_CLAUSE_BITS | k;
            }
    tn_free(fill);
    at->nlits = nlits;
    return 0;
}

/* The index and pass 1 below read the rules only and write apart (the
 * index's strings go to rs->ia): on two threads they run side by side
 * (tn_par_pair). Measured on SigmaHQ's 2,872 Windows rules: the index ~4
 * ms, pass 1 ~8 ms, which were one after the other on one thread while
 * the second waited. */
typedef struct first_pass {
    reg *g;
    int ixrc;
} first_pass;

static void index_task(void *arg)
{
    first_pass *f = arg;
    f->ixrc = tn_index_build(f->g->rs);
}

static void register_task(void *arg)
{
    reg *g = ((first_pass *)arg)->g;
    for (uint32_t r = 0; r < g->rs->nrules && !g->oom; r++)
        register_literals(g, g->rs->rules[r], g->vlit + g->voff[r]);
}

int tn_atoms_build(tn_ruleset *rs, int threads)
{
    tn_atoms *at = &rs->atoms;
    reg g = {.rs = rs};
    cnf *sets = tn_calloc(rs->nrules ? rs->nrules : 1, sizeof(*sets));
    at->gated = tn_calloc(rs->nrules ? rs->nrules : 1, 1);
    if (!sets || !at->gated || grow_hash(&g)) {
        tn_free(sets);
        tn_free(g.hash);
        return -1;
    }
    /* pass 1: each value's literal, and how often each is used */
    g.voff = tn_malloc(((size_t)rs->nrules + 1) * sizeof(*g.voff));
    size_t nv = 0;
    for (uint32_t r = 0; g.voff && r < rs->nrules && nv <= UINT32_MAX; r++) {
        g.voff[r] = (uint32_t)nv;
        nv += rule_nvalues(rs->rules[r]);
    }
    g.vlit = g.voff && nv <= UINT32_MAX ? tn_malloc((nv ? nv : 1) * sizeof(*g.vlit)) : NULL;
    g.oom = !g.vlit;
    first_pass fp = {.g = &g, .ixrc = 0};
    tn_par_pair(threads, index_task, register_task, &fp);
    if (fp.ixrc)
        g.oom = 1;
    g.freq = g.oom ? NULL : tn_calloc(g.n ? g.n : 1, sizeof(*g.freq));
    for (size_t i = 0; g.freq && i < nv; i++)
        if (g.vlit[i] != NO_LIT)
            g.freq[g.vlit[i]]++;
    if (!g.oom && build_sets(&g, threads, sets))
        g.oom = 1;
    int rc = g.oom ? -1 : 0;
    if (!rc && g.n) {
        rc = invert(at, sets, rs->nrules, g.n);
        /* the tags say which literal each scan set must look for where */
        for (uint32_t r = 0; !rc && r < rs->nrules; r++)
            tag_values(rs->rules[r], &sets[r], g.vlit + g.voff[r]);
        uint32_t nsets = (rs->idx.tab ? rs->idx.mask + 1 : 0) + 1;
        tn_slotlists *lists = NULL;
        if (!rc)
            rc = tn_scansets_build(rs, threads, g.lit, g.len, g.n, &lists);
        /* databases that cannot be built only cost speed: evaluate
         * everything, and skip no value */
        if (!rc && tn_litdb_compile(rs, g.lit, g.len, g.n, lists, threads)) {
            tn_litdb_free(at);
            tn_scansets_free(at);
            memset(at->gated, 0, rs->nrules);
            untag(rs);
        } else if (!rc) {
            at->nids = g.n;
        }
        tn_slotlists_free(lists, nsets);
    }
    for (uint32_t r = 0; r < rs->nrules; r++)
        cnf_free(&sets[r]);
    tn_free(sets);
    tn_free(g.hash);
    tn_free(g.lit);
    tn_free(g.len);
    tn_free(g.freq);
    tn_free(g.tmp);
    tn_free(g.atmp);
    tn_free(g.vlit);
    tn_free(g.voff);
    return rc;
}

void tn_atoms_free(tn_atoms *at)
{
    tn_litdb_free(at);
    tn_scansets_free(at);
    tn_free(at->ung);
    tn_free(at->ung_start);
    tn_free(at->start);
    tn_free(at->rules_of);
    tn_free(at->gated);
    memset(at, 0, sizeof(*at));
}
