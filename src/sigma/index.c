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
    for (size_t i = 0; i < n; i++) {
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

/* Collects one key per (rule, source, EventID). */
static key *collect(tn_ruleset *rs, uint32_t *nkeys)
{
    uint32_t n = 0, cap = 1024;
    key *k = tn_malloc(cap * sizeof(*k));
    for (uint32_t i = 0; k && i < rs->nrules; i++) {
        const tn_srule *r = rs->rules[i];
        if (r->never || needs_always(r))
            continue;
        for (uint32_t s = 0; s < r->nsources; s++) {
            const tn_source *src = &r->sources[s];
            uint32_t ne = src->neids ? src->neids : 1;
            size_t len = strlen(src->channel);
            char *lc = tn_arena_alloc(&rs->a, len + 1);
            if (!lc) {
                tn_free(k);
                return NULL;
            }
            tn_ascii_lower(lc, src->channel, len);
            lc[len] = 0;
            for (uint32_t e = 0; e < ne; e++) {
                if (n == cap) {
                    key *nk = tn_realloc(k, cap * 2 * sizeof(*nk));
                    if (!nk) {
                        tn_free(k);
                        return NULL;
                    }
                    k = nk;
                    cap *= 2;
                }
                k[n++] = (key){lc, (uint32_t)len, src->neids ? src->eids[e] : TN_ANY_EID, {i, s}};
            }
        }
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
