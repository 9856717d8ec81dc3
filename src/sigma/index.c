/* index.c - the channel+EventID prefilter of a rule set.
 *
 * Most Windows rules name a logsource that maps to a few (channel,
 * EventID) pairs. The index turns those into one hash lookup per event:
 * (lower-cased channel, EventID) gives a sorted run of (rule, source)
 * candidates that already includes the channel's any-EventID rules;
 * (channel, any EventID) is looked up only when the EventID has no run. Rules without sources, or with
 * a wildcard channel, are listed in `always` and checked on every event.
 * The index only narrows which rules are evaluated; the scanner applies
 * the same source test either way, so results cannot change. */
#include "sigma/ruleset_impl.h"

#include "base/alloc.h"

#include <stdlib.h>
#include <string.h>

typedef struct key {
    const char *chan;
    uint32_t len, eid;
    tn_cand c;
} key;

void tn_ascii_lower(char *out, const char *s, size_t n)
{
    /* 8 bytes a step: byte by byte it was 7.4 M of the instructions of
     * loading the SigmaHQ Windows rules (lit_id's 38,033 literals,
     * callgrind). A byte is an upper-case letter when, its high bit
     * clear, its low seven bits plus 0x80 - 'A' carry into the high bit
     * and plus 0x80 - 'Z' - 1 do not; no sum carries out of its byte. */
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, low;
        memcpy(&x, s + i, 8);
        low = x & ~high;
        uint64_t up = ((low + ones * (0x80 - 'A')) ^ (low + ones * (0x80 - 'Z' - 1))) & ~x & high;
        x |= up >> 2;   /* 0x80 >> 2: the 0x20 of lower case */
        memcpy(out + i, &x, 8);
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
}

uint32_t tn_index_hash(const char *chan, size_t len, uint32_t eid)
{
    uint32_t h = 2166136261u;  /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)chan[i]) * 16777619u;
    h ^= eid * 0x9E3779B1u;
    return h ^ (h >> 15);
}

static int cmp_key(const void *pa, const void *pb)
{
    const key *a = pa, *b = pb;
    uint32_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->chan, b->chan, n);
    if (c)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    if (a->eid != b->eid)
        return a->eid < b->eid ? -1 : 1;
    if (a->c.rule != b->c.rule)
        return a->c.rule < b->c.rule ? -1 : 1;
    return a->c.src < b->c.src ? -1 : a->c.src > b->c.src;
}

static int needs_always(const tn_srule *r)
{
    if (r->nsources == 0)
        return 1;
    for (uint32_t s = 0; s < r->nsources; s++)
        if (strchr(r->sources[s].channel, '*'))
            return 1;
    return 0;
}

/* ---- EventIDs a rule's detection requires ----
 *
 * Many rules name only a channel in their logsource (service: security)
 * and test EventID in the detection, so the index made them candidates
 * for every event of the channel: measured on real logs, such Security
 * rules were most of the evaluations. When the condition can only be
 * true for a known set of EventIDs (decimal exact values of EventID, ANDed
 * and ORed as in atoms.c), those EventIDs key the rule instead of "any".
 * Anything else (regex, neq, wildcards, NOT, keywords) means "unknown". */

typedef struct eset {
    uint32_t *v;           /* sorted, unique */
    uint32_t n;
    int top;               /* unknown: any EventID */
} eset;

static const eset ETOP = {NULL, 0, 1};

static void eset_free(eset *e)
{
    tn_free(e->v);
    *e = ETOP;
}

/* Union (or) or intersection (and) of a and b; both are consumed. Out of
 * memory gives "unknown", which is always safe. */
static eset eset_join(eset a, eset b, int and)
{
    if (a.top || b.top) {
        if (!and) {
            eset_free(&a);
            eset_free(&b);
            return ETOP;
        }
        if (a.top) {
            eset_free(&a);
            return b;
        }
        eset_free(&b);
        return a;
    }
    eset r = {tn_malloc(((size_t)a.n + b.n + 1) * sizeof(uint32_t)), 0, 0};
    if (!r.v) {
        eset_free(&a);
        eset_free(&b);
        return ETOP;
    }
    uint32_t i = 0, j = 0;
    while (i < a.n || j < b.n) {
        if (j == b.n || (i < a.n && a.v[i] < b.v[j])) {
            if (!and)
                r.v[r.n++] = a.v[i];
            i++;
        } else if (i == a.n || b.v[j] < a.v[i]) {
            if (!and)
                r.v[r.n++] = b.v[j];
            j++;
        } else {
            r.v[r.n++] = a.v[i];
            i++, j++;
        }
    }
    eset_free(&a);
    eset_free(&b);
    return r;
}

/* A decimal EventID as eval.c formats it: digits, no leading zero. */
static int eid_value(const tn_value *v, uint32_t *out)
{
    if (v->kind != TN_V_GLOB || v->shape != TN_G_EXACT || v->len == 0 || v->len > 10 ||
        (v->len > 1 && v->s[0] == '0'))
        return -1;
    uint64_t x = 0;
    for (uint32_t i = 0; i < v->len; i++) {
        if (v->s[i] < '0' || v->s[i] > '9')
            return -1;
        x = x * 10 + (uint64_t)(v->s[i] - '0');
    }
    if (x > 0xFFFFFFFFu)
        return -1;
    *out = (uint32_t)x;
    return 0;
}

static int cmp_u32(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return a < b ? -1 : a > b;
}

static eset item_eids(const tn_item *it)
{
    if (!it->field.name || it->field.sys != TN_F_EVENTID || it->neq || it->nvalues == 0 ||
        (it->all && it->nvalues > 1))
        return ETOP;
    eset r = {tn_malloc(it->nvalues * sizeof(uint32_t)), 0, 0};
    if (!r.v)
        return ETOP;
    for (uint32_t i = 0; i < it->nvalues; i++)
        if (eid_value(&it->values[i], &r.v[r.n++])) {
            eset_free(&r);
            return ETOP;
        }
    qsort(r.v, r.n, sizeof(*r.v), cmp_u32);
    uint32_t m = 0;
    for (uint32_t i = 0; i < r.n; i++)
        if (!m || r.v[m - 1] != r.v[i])
            r.v[m++] = r.v[i];
    r.n = m;
    return r;
}

static eset search_eids(const tn_search *s)
{
    eset r = {NULL, 0, 0};     /* no group: the search is never true */
    uint32_t start = 0;
    for (uint32_t g = 0; g < s->ngroups; g++) {
        eset grp = ETOP;
        for (uint32_t i = start; i < s->group_end[g]; i++)
            grp = eset_join(grp, item_eids(&s->items[i]), 1);
        r = eset_join(r, grp, 0);
        start = s->group_end[g];
    }
    return r;
}

static eset cond_eids(const tn_srule *r, const tn_cnode *c, int depth)
{
    if (!c || depth > 200)
        return ETOP;
    switch (c->op) {
    case TN_C_AND:
    case TN_C_OR:
        return eset_join(cond_eids(r, c->a, depth + 1), cond_eids(r, c->b, depth + 1), c->op == TN_C_AND);
    case TN_C_NOT: return ETOP;
    case TN_C_REF: return c->ref < r->nsearches ? search_eids(&r->searches[c->ref]) : ETOP;
    default: {
        /* at least c->ref of the searches: all of them -> and; else one must hold -> or */
        if (c->ref == 0 || c->nrefs == 0)
            return ETOP;
        int and = c->ref >= c->nrefs;
        eset acc = and ? ETOP : (eset){NULL, 0, 0};
        for (uint32_t i = 0; i < c->nrefs; i++)
            acc = eset_join(acc, c->refs[i] < r->nsearches ? search_eids(&r->searches[c->refs[i]]) : ETOP,
                            and);
        return acc;
    }
    }
}

/* Whether source s renames EventID (then the detection reads another field). */
static int renames_eid(const tn_source *s)
{
    for (uint32_t i = 0; i < s->nrenames; i++)
        if (s->renames[i].from_len == 7 && !memcmp(s->renames[i].from, "EventID", 7))
            return 1;
    return 0;
}

/* Collects one key per (rule, source, EventID). */
static key *collect(tn_ruleset *rs, uint32_t *nkeys)
{
    uint32_t n = 0, cap = 1024;
    key *k = tn_malloc(cap * sizeof(*k));
    for (uint32_t i = 0; k && i < rs->nrules; i++) {
        const tn_srule *r = rs->rules[i];
        if (r->never || needs_always(r))
            continue;
        eset req = cond_eids(r, r->cond, 0);
        for (uint32_t s = 0; s < r->nsources; s++) {
            const tn_source *src = &r->sources[s];
            /* a source without EventIDs takes the detection's, if known */
            const uint32_t *eids = src->eids;
            uint32_t neids = src->neids;
            if (!neids && !req.top && !renames_eid(src)) {
                eids = req.v;
                neids = req.n;
                if (!neids)
                    continue;   /* the condition can never be true */
            }
            uint32_t ne = neids ? neids : 1;
            size_t len = strlen(src->channel);
            char *lc = tn_arena_alloc(&rs->ia, len + 1);
            if (!lc) {
                eset_free(&req);
                tn_free(k);
                return NULL;
            }
            tn_ascii_lower(lc, src->channel, len);
            lc[len] = 0;
            for (uint32_t e = 0; e < ne; e++) {
                if (n == cap) {
                    key *nk = tn_realloc(k, cap * 2 * sizeof(*nk));
                    if (!nk) {
                        eset_free(&req);
                        tn_free(k);
                        return NULL;
                    }
                    k = nk;
                    cap *= 2;
                }
                k[n++] = (key){lc, (uint32_t)len, neids ? eids[e] : TN_ANY_EID, {i, s}};
            }
        }
        eset_free(&req);
    }
    *nkeys = n;
    return k;
}

static int build_table(tn_index *ix, const key *k, uint32_t n)
{
    uint32_t runs = 0;
    for (uint32_t i = 0; i < n; i++)
        runs += i == 0 || k[i].len != k[i - 1].len || k[i].eid != k[i - 1].eid ||
                memcmp(k[i].chan, k[i - 1].chan, k[i].len);
    uint32_t size = 16;
    while (size < runs * 2)
        size *= 2;
    ix->tab = tn_calloc(size, sizeof(*ix->tab));
    ix->cands = tn_malloc((n ? n : 1) * sizeof(*ix->cands));
    if (!ix->tab || !ix->cands)
        return -1;
    ix->mask = size - 1;
    for (uint32_t i = 0; i < n;) {
        uint32_t j = i;
        while (j < n && k[j].len == k[i].len && k[j].eid == k[i].eid &&
               !memcmp(k[j].chan, k[i].chan, k[i].len))
            j++;
        uint32_t h = tn_index_hash(k[i].chan, k[i].len, k[i].eid) & ix->mask;
        while (ix->tab[h].chan)
            h = (h + 1) & ix->mask;
        ix->tab[h] = (tn_bucket){k[i].chan, k[i].len, k[i].eid, i, j - i};
        for (; i < j; i++)
            ix->cands[i] = k[i].c;
    }
    ix->ncands = n;
    return 0;
}

static int same_chan(const key *a, const key *b)
{
    return a->len == b->len && !memcmp(a->chan, b->chan, a->len);
}

/* Appends the union of two runs sorted by (rule, src) to out, one entry
 * per rule with its lowest source, keyed as eid. */
static uint32_t merge_runs(key *out, const key *a, uint32_t na, const key *b, uint32_t nb, uint32_t eid)
{
    uint32_t n = 0, i = 0, j = 0;
    while (i < na || j < nb) {
        const key *c = j == nb || (i < na && (a[i].c.rule < b[j].c.rule ||
                                             (a[i].c.rule == b[j].c.rule && a[i].c.src <= b[j].c.src)))
                           ? &a[i++] : &b[j++];
        if (n && out[n - 1].c.rule == c->c.rule)
            continue;
        out[n] = *c;
        out[n++].eid = eid;
    }
    return n;
}

/* Folds each channel's any-EventID run into its per-EventID runs, so the
 * scanner looks up one run per event instead of merging two: measured,
 * the two-run merge was most of the scanner's own time (about 200
 * candidates per event on real logs). Each run is also reduced to one
 * entry per rule with its lowest source, which is what the merge kept. */
static key *fold_any(const key *k, uint32_t n, uint32_t *nout)
{
    uint64_t need = 0;
    for (uint32_t a = 0; a < n;) {
        uint32_t b = a;
        while (b < n && same_chan(&k[b], &k[a]))
            b++;
        uint32_t any = a;
        while (any < b && k[any].eid != TN_ANY_EID)
            any++;
        uint32_t runs = 0;
        for (uint32_t i = a; i < any; i++)
            runs += i == a || k[i].eid != k[i - 1].eid;
        need += (uint64_t)(any - a) + (uint64_t)runs * (b - any) + (b - any);
        a = b;
    }
    if (need > 0xFFFFFFFFu)
        return NULL;
    key *o = tn_malloc((need ? need : 1) * sizeof(*o));
    if (!o)
        return NULL;
    uint32_t m = 0;
    for (uint32_t a = 0; a < n;) {
        uint32_t b = a;
        while (b < n && same_chan(&k[b], &k[a]))
            b++;
        uint32_t any = a;
        while (any < b && k[any].eid != TN_ANY_EID)
            any++;
        for (uint32_t i = a; i < any;) {
            uint32_t j = i;
            while (j < any && k[j].eid == k[i].eid)
                j++;
            m += merge_runs(o + m, k + i, j - i, k + any, b - any, k[i].eid);
            i = j;
        }
        m += merge_runs(o + m, k + any, b - any, NULL, 0, TN_ANY_EID);
        a = b;
    }
    *nout = m;
    return o;
}

int tn_index_build(tn_ruleset *rs)
{
    tn_index *ix = &rs->idx;
    uint32_t n0, n;
    key *k0 = collect(rs, &n0);
    if (!k0)
        return -1;
    qsort(k0, n0, sizeof(*k0), cmp_key);
    key *k = fold_any(k0, n0, &n);
    tn_free(k0);
    if (!k)
        return -1;
    int rc = build_table(ix, k, n);
    tn_free(k);
    if (rc)
        return -1;
    ix->always = tn_malloc((rs->nrules ? rs->nrules : 1) * sizeof(*ix->always));
    if (!ix->always)
        return -1;
    for (uint32_t i = 0; i < rs->nrules; i++)
        if (!rs->rules[i]->never && needs_always(rs->rules[i]))
            ix->always[ix->nalways++] = i;
    return 0;
}
