/* correlate.c - sliding windows per correlation and group.
 *
 * State per correlation: a hash table of groups keyed by the group-by
 * values, each after its length. A group (corrgroup.h) keeps its entries
 * and window, with the metrics kept as entries join and leave it. Here:
 * which windows are judged when, hits and chains (the waiting inputs of
 * a correlation that reads another's hits), and the values' encoding. A
 * sweep per timespan of stream time drops what can no longer count (see
 * correlate.h: Memory).
 *
 * Values travel as text, each "LEN:BYTES" or "-" for an absent field, in
 * a fixed order: for each correlation, for each of its references to the
 * rule, the group-by values then the aggregated field's. */
#include "match/correlate.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/hash.h"
#include "base/map.h"
#include "match/corrgroup.h"
#include "match/eval.h"
#include "sigma/ruleset_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An input that waits (a correlation that reads another's hits). */
typedef struct pend {
    uint64_t t, seq, first;
    uint32_t ref, nup;
    int event;
    char **gv;           /* group-by values, NULL: absent */
    char *val;
    tn_corr_origin o;
    tn_corr_origin *up;
    char *carry;         /* the carried values (source.carry), or NULL */
} pend;

typedef struct cstate {
    group **tab;
    size_t mask, count;
    uint64_t swept;     /* stream time of the last sweep */
    /* a correlation that reads other correlations' hits takes its inputs
     * lag behind the stream, in time order: an upstream window judged
     * late (lt/lte/eq/neq) has its hit by then (tn_correlator_new) */
    uint64_t lag, seq;
    pend *pq;           /* a heap by (t, seq) */
    size_t npq, cappq;
} cstate;

struct tn_correlator {
    const tn_ruleset *rs;
    cstate *st;
    uint32_t *order;    /* the correlations, each after those it reads */
    uint64_t now;       /* latest time fed */
    tn_map names;       /* computer and channel names of origins */
    tn_buf vals;        /* tn_correlator_feed's values */
    tn_buf key;         /* find_group's key */
    tn_buf dec;         /* decoded values, NUL-terminated */
};

/* A feed: group-by values (NULL: absent), the aggregated value, time and
 * origin; from an event's values or from an upstream correlation hit. */
typedef struct source {
    const char *const *gv;
    const char *val;
    uint64_t t;
    tn_corr_origin o;
    int event;     /* a rule's match (not a correlation's hit) */
    const tn_corr_origin *up;   /* a hit's events before its last (o) */
    uint32_t nup;
    uint64_t first;             /* the hit's first event's time */
    const char *carry;          /* the values of the correlation's carry fields
                                 * (tn_corr), encoded as tn_corr_values writes
                                 * them; NULL when it carries none */
} source;

static void pend_free(pend *p, uint32_t ngroup)
{
    for (uint32_t i = 0; p->gv && i < ngroup; i++)
        tn_free(p->gv[i]);
    tn_free(p->gv);
    tn_free(p->val);
    tn_free(p->up);
    tn_free(p->carry);
}

tn_correlator *tn_correlator_new(const tn_ruleset *rs)
{
    tn_correlator *c = tn_calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->rs = rs;
    tn_map_init(&c->names);
    tn_buf_init(&c->vals);
    tn_buf_init(&c->key);
    tn_buf_init(&c->dec);
    c->st = tn_calloc(rs->ncorrs ? rs->ncorrs : 1, sizeof(*c->st));
    for (uint32_t i = 0; c->st && i < rs->ncorrs; i++) {
        c->st[i].tab = tn_calloc(256, sizeof(group *));
        c->st[i].mask = 255;
        if (!c->st[i].tab) {
            tn_correlator_free(c);
            return NULL;
        }
    }
    if (!c->st || !(c->order = tn_calloc(rs->ncorrs ? rs->ncorrs : 1, sizeof(*c->order)))) {
        tn_correlator_free(c);
        return NULL;
    }
    /* each correlation after those it reads (the loader refuses cycles):
     * repeated passes place those whose references are placed */
    uint8_t *placed = tn_calloc(rs->ncorrs ? rs->ncorrs : 1, 1);
    if (!placed) {
        tn_correlator_free(c);
        return NULL;
    }
    for (uint32_t n = 0, more = 1; more && n < rs->ncorrs;) {
        more = 0;
        for (uint32_t i = 0; i < rs->ncorrs; i++) {
            const tn_corr *cr = rs->corrs[i];
            int ready = !placed[i];
            for (uint32_t k = 0; ready && k < cr->nrefs; k++)
                ready = cr->ref_corr[k] < 0 || placed[cr->ref_corr[k]];
            if (!ready)
                continue;
            placed[i] = more = 1;
            c->order[n++] = i;
            /* an upstream hit is judged by the stream time its window
             * ends plus a sweep's period (one timespan) at most */
            for (uint32_t k = 0; k < cr->nrefs; k++) {
                if (cr->ref_corr[k] < 0)
                    continue;
                const tn_corr *u = rs->corrs[cr->ref_corr[k]];
                uint64_t l = c->st[cr->ref_corr[k]].lag;
                if (tn_cg_upper(u))
                    l = tn_until(tn_until(l, u->span), u->span);
                c->st[i].lag = l > c->st[i].lag ? l : c->st[i].lag;
            }
        }
    }
    tn_free(placed);
    return c;
}

void tn_correlator_free(tn_correlator *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; c->st && i < c->rs->ncorrs; i++) {
        for (size_t h = 0; c->st[i].tab && h <= c->st[i].mask; h++)
            for (group *g = c->st[i].tab[h], *nx; g; g = nx) {
                nx = g->next;
                tn_cg_free(g, c->rs->corrs[i]->ngroup);
            }
        tn_free(c->st[i].tab);
        for (size_t j = 0; j < c->st[i].npq; j++)
            pend_free(&c->st[i].pq[j], c->rs->corrs[i]->ngroup);
        tn_free(c->st[i].pq);
    }
    tn_free(c->st);
    tn_free(c->order);
    tn_map_free(&c->names);
    tn_buf_free(&c->vals);
    tn_buf_free(&c->key);
    tn_buf_free(&c->dec);
    tn_free(c);
}

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

/* Doubles the table once it holds two groups a bucket: group-by values
 * such as source addresses can make many groups. Failure keeps it as is. */
static void grow(cstate *st)
{
    size_t size = (st->mask + 1) * 2;
    group **tab = tn_calloc(size, sizeof(*tab));
    if (!tab)
        return;
    for (size_t h = 0; h <= st->mask; h++)
        for (group *g = st->tab[h], *nx; g; g = nx) {
            nx = g->next;
            size_t k = hash(g->key) & (size - 1);
            g->next = tab[k];
            tab[k] = g;
        }
    tn_free(st->tab);
    st->tab = tab;
    st->mask = size - 1;
}

static group *find_group(tn_correlator *c, uint32_t ci, const source *s)
{
    const tn_corr *cr = c->rs->corrs[ci];
    tn_buf *key = &c->key;   /* one buffer for every feed: a new one cost a
                              * malloc and a free per match and correlation */
    tn_buf_clear(key);
    /* each value after its length: with a separator alone, ("a\x1fb", "c")
     * and ("a", "b\x1fc") were one group (values hold no NUL) */
    for (uint32_t i = 0; i < cr->ngroup; i++) {
        const char *v = s->gv[i] ? s->gv[i] : "";
        tn_buf_u64(key, strlen(v));
        tn_buf_putc(key, ':');
        tn_buf_puts(key, v);
    }
    if (!key->data && !tn_buf_reserve(key, 1))   /* no group-by: the key "" */
        key->data[0] = '\0';
    if (!tn_buf_ok(key) || !key->data)
        return NULL;
    cstate *st = &c->st[ci];
    size_t h = hash(key->data) & st->mask;
    for (group *g = st->tab[h]; g; g = g->next)
        if (!strcmp(g->key, key->data))
            return g;
    char *own = tn_strndup(key->data, key->len);
    group *g = own ? tn_cg_new(cr, s->gv, own) : NULL;   /* takes own, also on failure */
    if (!g)
        return NULL;
    g->next = st->tab[h];
    st->tab[h] = g;
    if (++st->count > 2 * (st->mask + 1))
        grow(st);
    return g;
}

/* ---- feeding ---- */

static int feed_corr(tn_correlator *c, uint32_t ci, uint32_t ref, const source *s, tn_corr_cb cb,
                     void *ctx, int depth);
static int feed_hit(tn_correlator *c, uint32_t ci, uint32_t ref, const tn_corr_hit *hit,
                    tn_corr_cb cb, void *ctx, int depth);

/* The events of entries [from, to) of g whose key (keys[i - from]) is
 * want (all of them when keys is NULL): a chained entry's are its
 * upstream hit's, hit by hit. hit->events points into g->o when every
 * entry is taken and none is chained, else to a copy in *flat (the
 * caller frees it); hit->first and last are those entries'. 0, or -1
 * out of memory. */
static int hit_events(const group *g, size_t from, size_t to, const char *const *keys, const char *want,
                      tn_corr_hit *hit, tn_corr_origin **flat)
{
    size_t nev = 0, nup = 0, firsti = SIZE_MAX, lasti = 0;
    *flat = NULL;
    for (size_t i = from; i < to; i++) {
        if (keys && strcmp(keys[i - from], want))
            continue;
        nev++;
        nup += g->e[i].nup;
        if (firsti == SIZE_MAX || g->e[i].first < g->e[firsti].first)
            firsti = i;
        lasti = i;
    }
    hit->first = firsti != SIZE_MAX ? g->e[firsti].first : 0;
    hit->last = nev ? g->e[lasti].t : 0;
    hit->events = g->o ? g->o + from : NULL;
    hit->nevents = (uint32_t)nev;
    if (!nup && nev == to - from)
        return 0;
    if (nev + nup > UINT32_MAX || !(*flat = tn_malloc((nev + nup ? nev + nup : 1) * sizeof(**flat))))
        return -1;
    size_t k = 0;
    for (size_t i = from; i < to; i++) {
        if (keys && strcmp(keys[i - from], want))
            continue;
        if (g->e[i].nup)
            memcpy(*flat + k, g->e[i].up, g->e[i].nup * sizeof(**flat));
        k += g->e[i].nup;
        (*flat)[k++] = g->o[i];
    }
    hit->events = *flat;
    hit->nevents = (uint32_t)(nev + nup);
    return 0;
}

static int decode_into(tn_buf *dec, const char **p, uint32_t n, size_t *want);
static void put_enc(tn_buf *out, const char *v);

/* need[j]: whether correlation dc, reading cr (its reference k), reads
 * cr's carried field j: as one of its group-by fields, its aggregated
 * field or one it carries on, by the name its aliases give cr's hits.
 * Returns how many it reads. */
static uint32_t carry_needed(const tn_corr *cr, const tn_corr *dc, uint8_t *need)
{
    uint32_t n = 0;
    for (uint32_t j = 0; j < cr->ncarry; j++) {
        need[j] = 0;
        for (uint32_t i = 0; i < tn_corr_ninputs(dc) && !need[j]; i++)
            need[j] = !strcmp(tn_corr_field(dc, tn_corr_input(dc, i), tn_corr_ref_key(cr->name, cr->id)), cr->carry[j]);
        n += need[j];
    }
    return n;
}

/* Feeds hit of correlation ci (on group g, entries [from, g->tail)) to
 * every correlation that reads it: once, or, for one that reads some of
 * ci's carried fields, once for each set of their values among the
 * entries, with those entries' events (the spec's chain: failed logons
 * grouped by computer, then each user among them followed by a success
 * of that user's). A reader is fed by the fields it reads only: split by
 * all of them, one hit read as two by a reader grouping as ci does.
 * Returns the hits, or -1 out of memory. */
static int feed_down(tn_correlator *c, uint32_t ci, const group *g, size_t from, size_t to,
                     const tn_corr_hit *hit, tn_corr_cb cb, void *ctx, int depth)
{
    const tn_corr *cr = c->rs->corrs[ci];
    size_t n = to - from;
    /* scratch only for a correlation that carries fields (few do: a hit
     * of any other allocates nothing here) */
    uint8_t *need = cr->ncarry ? tn_malloc(cr->ncarry) : NULL;
    size_t *koff = cr->ncarry ? tn_malloc((n ? n : 1) * sizeof(*koff)) : NULL;
    const char **keys = cr->ncarry ? tn_malloc((n ? n : 1) * sizeof(*keys)) : NULL;
    size_t *at = cr->ncarry ? tn_malloc(cr->ncarry * sizeof(*at)) : NULL;
    int hits = !cr->ncarry || (need && at && koff && keys) ? 0 : -1;
    for (uint32_t d = 0; hits >= 0 && d < c->rs->ncorrs; d++) {
        const tn_corr *dc = c->rs->corrs[d];
        for (uint32_t k = 0; hits >= 0 && k < dc->nrefs; k++) {
            if (dc->ref_corr[k] != (int32_t)ci)
                continue;
            int h;
            if (!cr->ncarry || !carry_needed(cr, dc, need)) {
                tn_corr_hit whole = *hit;
                whole.carry = NULL;
                h = feed_hit(c, d, k, &whole, cb, ctx, depth + 1);
                hits = h < 0 ? -1 : hits + h;
                continue;
            }
            /* each entry's key: the values of the carried fields d reads */
            tn_buf kb, dec;
            tn_buf_init(&kb);
            tn_buf_init(&dec);
            for (size_t i = from; i < to && hits >= 0; i++) {
                const char *p = g->e[i].carry;
                tn_buf_clear(&dec);
                for (uint32_t j = 0; j < cr->ncarry; j++)
                    at[j] = SIZE_MAX;
                if (p && *p && decode_into(&dec, &p, cr->ncarry, at))
                    hits = -1;
                koff[i - from] = kb.len;
                for (uint32_t j = 0; j < cr->ncarry; j++)
                    if (need[j])
                        put_enc(&kb, at[j] == SIZE_MAX ? NULL : dec.data + at[j]);
                tn_buf_putc(&kb, '\0');
            }
            if (!tn_buf_ok(&kb))
                hits = -1;
            for (size_t i = 0; hits >= 0 && i < n; i++)
                keys[i] = kb.data + koff[i];
            tn_map seen;
            tn_map_init(&seen);
            for (size_t i = 0; hits >= 0 && i < n; i++) {
                int added = 0;
                if (tn_map_put(&seen, keys[i], strlen(keys[i]), &added) < 0) {
                    hits = -1;
                } else if (added) {
                    tn_corr_hit sub = *hit;
                    tn_corr_origin *flat;
                    sub.carry = g->e[from + i].carry;   /* the values d reads are its key's */
                    h = hit_events(g, from, to, keys, keys[i], &sub, &flat) ? -1
                                                                            : feed_hit(c, d, k, &sub, cb, ctx, depth + 1);
                    tn_free(flat);
                    hits = h < 0 ? -1 : hits + h;
                }
            }
            tn_map_free(&seen);
            tn_buf_free(&kb);
            tn_buf_free(&dec);
        }
    }
    tn_free(need);
    tn_free(koff);
    tn_free(keys);
    tn_free(at);
    return hits;
}

/* Reports a hit on group g of correlation ci with its entries from..to,
 * then feeds it downstream (feed_down). Returns the hits, or -1 out of
 * memory. */
static int fire(tn_correlator *c, uint32_t ci, group *g, size_t from, size_t to, double x, tn_corr_cb cb,
                void *ctx, int depth)
{
    const tn_corr *cr = c->rs->corrs[ci];
    tn_rule_info info;
    tn_ruleset_corr_info(c->rs, ci, &info);
    tn_corr_hit hit = {&info, cr->group_by, (const char *const *)g->gvals, cr->ngroup, x, 0, 0, 0, NULL, NULL};
    tn_corr_origin *flat;
    if (hit_events(g, from, to, NULL, NULL, &hit, &flat))
        return -1;
    if (cb)
        cb(&hit, ctx);
    int h = feed_down(c, ci, g, from, to, &hit, cb, ctx, depth);
    tn_free(flat);
    return h < 0 ? -1 : 1 + h;
}

/* value_percentile over a closed window: each value's share of the
 * window's observed values, judged once a value; a value that meets the
 * condition fires with its first event in the window (its others are
 * the same value; the window is what it is measured against). Returns
 * the hits, or -1 out of memory. */
static int judge_values(tn_correlator *c, uint32_t ci, group *g, tn_corr_cb cb, void *ctx, int depth)
{
    const tn_corr *cr = c->rs->corrs[ci];
    uint8_t *done = g->vcap ? tn_calloc(g->vcap, 1) : NULL;
    if (g->vcap && !done)
        return -1;
    int hits = 0;
    for (size_t i = g->head; i < g->tail && hits >= 0; i++) {
        const char *v = g->e[i].val;
        long id = v ? tn_map_get(g->vals, v, strlen(v)) : -1;
        if (id < 0 || (size_t)id >= g->vcap || done[id])
            continue;
        done[id] = 1;
        double x = tn_cg_metric(cr, g, v);
        if (tn_cg_cond_ok(cr, x)) {
            int h = fire(c, ci, g, i, i + 1, x, cb, ctx, depth);
            hits = h < 0 ? -1 : hits + h;
        }
    }
    tn_free(done);
    return hits;
}

/* lt, lte, eq, neq, and value_percentile: a window of timespan starts at
 * the group's oldest entry and is judged once it has closed (an entry
 * came after its end, now is past it, or final: the end of input); hit
 * or not, the next window starts at the first entry after it. Windows
 * that started at each entry and slid by one (until session 28) judged
 * the tail of every burst apart: 100 failed logons in 100 s made `gt:
 * 10, lte: 20` over an hour fire on the last 20, and `lt` fire on every
 * group. Returns the hits, or -1 out of memory. */
static int judge(tn_correlator *c, uint32_t ci, group *g, uint64_t now, int final,
                 tn_corr_cb cb, void *ctx, int depth)
{
    const tn_corr *cr = c->rs->corrs[ci];
    int hits = 0;
    while (g->head < g->n) {
        uint64_t end = tn_until(g->e[g->head].t, cr->span);
        if (!final && end >= now)
            break;
        while (g->tail < g->n && g->e[g->tail].t <= end)
            if (tn_cg_count_in(g))
                return -1;
        int h = 0;
        if (cr->type == TN_CORR_VALUE_PERCENTILE) {
            h = judge_values(c, ci, g, cb, ctx, depth);
        } else {
            double x = tn_cg_metric(cr, g, NULL);
            if (tn_cg_cond_ok(cr, x))
                h = fire(c, ci, g, g->head, g->tail, x, cb, ctx, depth);
        }
        if (h < 0)
            return -1;
        hits += h;
        tn_cg_consume(g);
    }
    return hits;
}

/* A value's identity for telling one event's two matches apart: 0 for
 * none, else its hash (never 0). */
static uint64_t value_hash(const char *v)
{
    return v ? tn_hash_bytes(0, v, strlen(v)) | 1 : 0;
}

static int feed_corr(tn_correlator *c, uint32_t ci, uint32_t ref, const source *s, tn_corr_cb cb,
                     void *ctx, int depth)
{
    const tn_corr *cr = c->rs->corrs[ci];
    if (depth > TN_CORR_MAX_CHAIN)
        return 0;
    group *g = find_group(c, ci, s);
    if (!g)
        return -1;
    /* one event that two of its rules match is one event: the types that
     * count events count it once (an event's matches come in together:
     * hunt merges them by time, file and offset, then rule), unless the
     * rules' aliases read another value of it */
    const char *val = cr->field ? s->val : NULL;
    uint64_t vh = value_hash(val);
    if (s->event && g->has_last && cr->type != TN_CORR_TEMPORAL &&
        cr->type != TN_CORR_TEMPORAL_ORDERED && g->last_ref != ref && g->last_t == s->t &&
        g->last_file == s->o.file && g->last_off == s->o.offset && g->last_rid == s->o.record_id &&
        g->last_vh == vh)
        return 0;   /* (the last event is kept apart: a hit may have used its entry up) */
    if (s->event) {
        /* another rule's match, not a second event on the same line
         * without a record id (a JSON array): the same rule matches an
         * event once */
        g->has_last = 1;
        g->last_ref = ref;
        g->last_t = s->t;
        g->last_file = s->o.file;
        g->last_off = s->o.offset;
        g->last_rid = s->o.record_id;
        g->last_vh = vh;
    }
    /* inputs come in time order (chained hits through the lag, see
     * cstate); one out of order, a caller's mistake, is taken at the
     * group's latest time so that its entries stay in order */
    uint64_t t = s->t;
    if (g->n > g->head && t < g->e[g->n - 1].t)
        t = g->e[g->n - 1].t;
    if (tn_cg_upper(cr)) {
        int hits = judge(c, ci, g, t, 0, cb, ctx, depth);
        return hits < 0 || tn_cg_push(g, t, ref, val, &s->o, s->up, s->nup, s->first, s->carry) ? -1 : hits;
    }
    if (tn_cg_expire(g, t, cr->span) || tn_cg_push(g, t, ref, val, &s->o, s->up, s->nup, s->first, s->carry) || tn_cg_count_in(g))
        return -1;
    double x = tn_cg_metric(cr, g, NULL);
    if (!tn_cg_cond_ok(cr, x))
        return 0;
    int hits = fire(c, ci, g, g->head, g->tail, x, cb, ctx, depth);
    if (hits < 0)
        return -1;
    tn_cg_consume(g);   /* the group starts over */
    return hits;
}

/* The waiting inputs' order: time, then the event (file, offset,
 * record; a hit's is its last event's), then the reference, as hunt
 * merges matches: the two matches of one event stay together, and inputs
 * at one time do not come in the order their correlations have in the
 * files (upstream hits are made in that order). */
static int pend_before(const pend *a, const pend *b)
{
    if (a->t != b->t)
        return a->t < b->t;
    if (a->o.file != b->o.file)
        return a->o.file < b->o.file;
    if (a->o.offset != b->o.offset)
        return a->o.offset < b->o.offset;
    if (a->o.record_id != b->o.record_id)
        return a->o.record_id < b->o.record_id;
    if (a->ref != b->ref)
        return a->ref < b->ref;
    return a->seq < b->seq;
}

/* An input to correlation ci: fed now, or, for one that reads other
 * correlations' hits late, kept in order until the stream is lag past it
 * (release). Returns the hits, or -1 out of memory. */
static int deliver(tn_correlator *c, uint32_t ci, uint32_t ref, const source *s, tn_corr_cb cb,
                   void *ctx, int depth)
{
    cstate *st = &c->st[ci];
    const tn_corr *cr = c->rs->corrs[ci];
    /* "the values of fields defined in group-by must all have the same
     * value": an event without one is in no group (as a SIEM's 'by'
     * leaves it out); all such events had made one group, "" */
    for (uint32_t i = 0; i < cr->ngroup; i++)
        if (!s->gv[i])
            return 0;
    if (!st->lag)
        return feed_corr(c, ci, ref, s, cb, ctx, depth);
    if (st->npq == st->cappq) {
        size_t cap = st->cappq ? 2 * st->cappq : 16;
        pend *q = tn_realloc(st->pq, cap * sizeof(*q));
        if (!q)
            return -1;
        st->pq = q;
        st->cappq = cap;
    }
    pend p = {s->t, st->seq++, s->first, ref, s->nup, s->event, NULL, NULL, s->o, NULL, NULL};
    int bad = !(p.gv = tn_calloc(cr->ngroup ? cr->ngroup : 1, sizeof(char *)));
    for (uint32_t i = 0; !bad && i < cr->ngroup; i++)
        bad = s->gv[i] && !(p.gv[i] = tn_strndup(s->gv[i], strlen(s->gv[i])));
    if (!bad && s->val)
        bad = !(p.val = tn_strndup(s->val, strlen(s->val)));
    if (!bad && s->carry)
        bad = !(p.carry = tn_strndup(s->carry, strlen(s->carry)));
    if (!bad && s->nup && (bad = !(p.up = tn_malloc(s->nup * sizeof(*p.up)))) == 0)
        memcpy(p.up, s->up, s->nup * sizeof(*p.up));
    if (bad) {
        pend_free(&p, cr->ngroup);
        return -1;
    }
    size_t i = st->npq++;   /* sift up */
    for (; i && pend_before(&p, &st->pq[(i - 1) / 2]); i = (i - 1) / 2)
        st->pq[i] = st->pq[(i - 1) / 2];
    st->pq[i] = p;
    return 0;
}

/* Feeds correlation ci's waiting inputs up to time upto, oldest first. */
static int release(tn_correlator *c, uint32_t ci, uint64_t upto, tn_corr_cb cb, void *ctx)
{
    cstate *st = &c->st[ci];
    const tn_corr *cr = c->rs->corrs[ci];
    int hits = 0;
    while (st->npq && st->pq[0].t <= upto) {
        pend p = st->pq[0], last = st->pq[--st->npq];
        size_t i = 0;   /* sift down */
        for (;;) {
            size_t k = 2 * i + 1;
            if (k >= st->npq)
                break;
            if (k + 1 < st->npq && pend_before(&st->pq[k + 1], &st->pq[k]))
                k++;
            if (!pend_before(&st->pq[k], &last))
                break;
            st->pq[i] = st->pq[k];
            i = k;
        }
        if (st->npq)
            st->pq[i] = last;
        source s = {(const char *const *)p.gv, p.val, p.t, p.o, p.event, p.up, p.nup, p.first, p.carry};
        int h = feed_corr(c, ci, p.ref, &s, cb, ctx, 0);
        pend_free(&p, cr->ngroup);
        if (h < 0)
            return -1;
        hits += h;
    }
    return hits;
}

/* The stream time correlation ci is at: its inputs wait lag behind. */
static uint64_t now_of(const tn_correlator *c, uint32_t ci)
{
    return c->now > c->st[ci].lag ? c->now - c->st[ci].lag : 0;
}

/* The name a correlation's reference k goes by, for its aliases. */
static const char *ref_name(const tn_ruleset *rs, const tn_corr *cr, uint32_t k)
{
    return cr->ref_rule[k] >= 0 ? tn_corr_ref_key(rs->rules[cr->ref_rule[k]]->name, rs->rules[cr->ref_rule[k]]->id)
                                : tn_corr_ref_key(rs->corrs[cr->ref_corr[k]]->name, rs->corrs[cr->ref_corr[k]]->id);
}

/* Appends value v (NULL: absent) as tn_corr_values writes one. */
static void put_enc(tn_buf *out, const char *v)
{
    if (!v) {
        tn_buf_putc(out, '-');
        return;
    }
    tn_buf_u64(out, strlen(v));
    tn_buf_putc(out, ':');
    tn_buf_puts(out, v);
}

static int decode_into(tn_buf *dec, const char **p, uint32_t n, size_t *want);

/* An upstream hit feeds correlation ci: its values are the hit's group
 * values and carried values (tn_corr.carry), by name; its origin is the
 * hit's last event. */
static int feed_hit(tn_correlator *c, uint32_t ci, uint32_t ref, const tn_corr_hit *hit,
                    tn_corr_cb cb, void *ctx, int depth)
{
    const tn_corr *cr = c->rs->corrs[ci];
    const tn_corr *up = c->rs->corrs[cr->ref_corr[ref]];
    const char *rname = ref_name(c->rs, cr, ref);
    size_t nwant = tn_corr_ninputs(cr);
    const char **v = tn_calloc(nwant ? nwant : 1, sizeof(*v));
    size_t *cat = tn_calloc(up->ncarry ? up->ncarry : 1, sizeof(*cat));
    tn_buf dec, enc;   /* not c->dec: the feed that made this hit holds pointers into it */
    tn_buf_init(&dec);
    tn_buf_init(&enc);
    const char *p = hit->carry;
    for (uint32_t j = 0; cat && j < up->ncarry; j++)
        cat[j] = SIZE_MAX;
    int bad = !v || !cat || (p && *p && up->ncarry && decode_into(&dec, &p, up->ncarry, cat));
    for (uint32_t i = 0; !bad && i < nwant; i++) {
        const char *name = tn_corr_field(cr, tn_corr_input(cr, (uint32_t)i), rname);
        for (uint32_t j = 0; j < hit->ngroup && !v[i]; j++)
            if (!strcmp(hit->group_by[j], name))
                v[i] = hit->group_values[j];
        for (uint32_t j = 0; hit->carry && j < up->ncarry && !v[i]; j++)
            if (!strcmp(up->carry[j], name) && cat[j] != SIZE_MAX)
                v[i] = dec.data + cat[j];
    }
    /* the aggregated value: one field's, or several fields' together */
    tn_buf agg;
    tn_buf_init(&agg);
    const char *val = cr->nfields == 1 ? v[cr->ngroup] : NULL;
    if (!bad && cr->nfields > 1) {
        int any = 0;
        for (uint32_t i = 0; i < cr->nfields; i++) {
            put_enc(&agg, v[cr->ngroup + i]);
            any |= v[cr->ngroup + i] != NULL;
        }
        bad = tn_buf_reserve(&agg, 1) != 0;
        if (!bad) {
            agg.data[agg.len] = 0;
            val = any ? agg.data : NULL;
        }
    }
    for (uint32_t i = 0; !bad && i < cr->ncarry; i++)
        put_enc(&enc, v[cr->ngroup + cr->nfields + i]);
    if (!bad && cr->ncarry && tn_buf_reserve(&enc, 1) != 0)   /* 0: room made */
        bad = 1;
    int h = -1;
    if (!bad) {
        if (cr->ncarry)
            enc.data[enc.len] = 0;
        source s = {v, val, hit->last, {0}, 0, NULL, 0, hit->first, cr->ncarry ? enc.data : NULL};
        if (hit->nevents && hit->events) {
            s.o = hit->events[hit->nevents - 1];
            s.up = hit->events;
            s.nup = hit->nevents - 1;
        }
        h = deliver(c, ci, ref, &s, cb, ctx, depth);
    }
    tn_free(v);
    tn_free(cat);
    tn_buf_free(&dec);
    tn_buf_free(&enc);
    tn_buf_free(&agg);
    return h;
}

/* Does correlation cr's reference k name rule? */
static int is_ref(const tn_corr *cr, uint32_t k, const tn_rule_info *rule)
{
    return rule->is_correlation ? cr->ref_corr[k] == (int32_t)rule->index
                                : cr->ref_rule[k] == (int32_t)rule->index;
}

int tn_corr_refers(const tn_ruleset *rs, const tn_rule_info *rule)
{
    for (uint32_t ci = 0; ci < rs->ncorrs; ci++)
        for (uint32_t k = 0; k < rs->corrs[ci]->nrefs; k++)
            if (is_ref(rs->corrs[ci], k, rule))
                return 1;
    return 0;
}

static void put_value(tn_buf *out, const tn_srule *r, const tn_event *ev, const char *name, tn_arena *a)
{
    char buf[32];
    const char *v;
    size_t n;
    if (!name || !tn_eval_field_of(r, ev, name, a, buf, &v, &n)) {
        tn_buf_putc(out, '-');
        return;
    }
    n = strnlen(v, n);  /* values are C strings downstream */
    tn_buf_u64(out, n);
    tn_buf_putc(out, ':');
    tn_buf_put(out, v, n);
}

/* value_count over several fields: their values together, each after its
 * length ('-' when absent), as one value; absent when all of them are. */
static void put_values(tn_buf *out, const tn_srule *r, const tn_event *ev, const tn_corr *cr, const char *rname,
                       tn_arena *a)
{
    tn_buf all;
    tn_buf_init(&all);
    int any = 0;
    for (uint32_t i = 0; i < cr->nfields; i++) {
        char buf[32];
        const char *v;
        size_t n;
        if (!tn_eval_field_of(r, ev, tn_corr_field(cr, cr->fields[i], rname), a, buf, &v, &n)) {
            tn_buf_putc(&all, '-');
            continue;
        }
        n = strnlen(v, n);
        tn_buf_u64(&all, n);
        tn_buf_putc(&all, ':');
        tn_buf_put(&all, v, n);
        any = 1;
    }
    if (!any || !all.data) {
        tn_buf_putc(out, '-');
    } else {
        tn_buf_u64(out, all.len);
        tn_buf_putc(out, ':');
        tn_buf_put(out, all.data, all.len);
    }
    tn_buf_free(&all);
}

void tn_corr_values(const tn_ruleset *rs, const tn_rule_info *rule, const tn_event *ev,
                    tn_buf *out)
{
    if (rule->is_correlation)   /* a correlation's hits feed on (fire) */
        return;
    tn_arena a;   /* translated texts (4688's User); no block unless one is made */
    tn_arena_init(&a, 4096);
    for (uint32_t ci = 0; ci < rs->ncorrs; ci++) {
        const tn_corr *cr = rs->corrs[ci];
        for (uint32_t k = 0; k < cr->nrefs; k++) {
            if (!is_ref(cr, k, rule))
                continue;
            const char *rname = ref_name(rs, cr, k);
            const tn_srule *r = rs->rules[rule->index];   /* a rule: is_ref said so */
            for (uint32_t i = 0; i < cr->ngroup; i++)
                put_value(out, r, ev, tn_corr_field(cr, cr->group_by[i], rname), &a);
            if (cr->nfields > 1)
                put_values(out, r, ev, cr, rname, &a);
            else
                put_value(out, r, ev, cr->field ? tn_corr_field(cr, cr->field, rname) : NULL, &a);
            for (uint32_t i = 0; i < cr->ncarry; i++)   /* for the correlations reading it */
                put_value(out, r, ev, tn_corr_field(cr, cr->carry[i], rname), &a);
        }
    }
    tn_arena_free(&a);
}

/* Decodes n values from *p into c->dec; offsets into want[] (SIZE_MAX:
 * absent). Returns 0, or -1 on malformed text or out of memory. */
static int decode_into(tn_buf *dec, const char **p, uint32_t n, size_t *want)
{
    for (uint32_t i = 0; i < n; i++) {
        const char *s = *p;
        if (*s == '-') {
            want[i] = SIZE_MAX;
            *p = s + 1;
            continue;
        }
        char *end;
        unsigned long long len = strtoull(s, &end, 10);
        if (end == s || *end != ':' || strnlen(end + 1, len) < len)
            return -1;
        want[i] = dec->len;
        tn_buf_put(dec, end + 1, len);
        tn_buf_putc(dec, '\0');
        *p = end + 1 + len;
    }
    return tn_buf_ok(dec) ? 0 : -1;
}

static int decode(tn_correlator *c, const char **p, uint32_t n, size_t *want)
{
    return decode_into(&c->dec, p, n, want);
}

/* Interned copy of a name (computer, channel): origins outlive events. */
static const char *intern(tn_correlator *c, const char *s)
{
    if (!s)
        return "";
    long id = tn_map_put(&c->names, s, strlen(s), &(int){0});
    return id < 0 ? "" : tn_map_key(&c->names, (uint32_t)id);
}

static int sweep(tn_correlator *c, uint32_t ci, tn_corr_cb cb, void *ctx);

int tn_correlator_feed_values(tn_correlator *c, const tn_rule_info *rule, uint64_t t,
                              const char *values, const tn_corr_origin *o, tn_corr_cb cb,
                              void *ctx)
{
    source s = {NULL, NULL, t, *o, 1, NULL, 0, t, NULL};
    s.o.computer = intern(c, o->computer);
    s.o.channel = intern(c, o->channel);
    if (t > c->now)
        c->now = t;
    const char *p = values;
    int hits = 0;
    /* upstream first: their hits reach the correlations after them */
    for (uint32_t j = 0; j < c->rs->ncorrs; j++) {
        uint32_t ci = c->order[j];
        int h = c->st[ci].npq ? release(c, ci, now_of(c, ci), cb, ctx) : 0;
        if (h >= 0 && now_of(c, ci) - c->st[ci].swept > c->rs->corrs[ci]->span) {
            int h2 = sweep(c, ci, cb, ctx);
            h = h2 < 0 ? -1 : h + h2;
        }
        if (h < 0)
            return -1;
        hits += h;
    }
    for (uint32_t ci = 0; ci < c->rs->ncorrs; ci++) {
        const tn_corr *cr = c->rs->corrs[ci];
        for (uint32_t k = 0; k < cr->nrefs; k++) {
            if (!is_ref(cr, k, rule))
                continue;
            size_t small[17], *at = cr->ngroup <= 16 ? small : tn_malloc((cr->ngroup + 1) * sizeof(*at));
            const char *gsmall[16];
            const char **gv = cr->ngroup <= 16 ? gsmall : tn_calloc(cr->ngroup, sizeof(*gv));
            tn_buf_clear(&c->dec);
            int bad = !at || !gv || decode(c, &p, cr->ngroup + 1, at);
            for (uint32_t i = 0; !bad && i < cr->ngroup; i++)
                gv[i] = at[i] == SIZE_MAX ? NULL : c->dec.data + at[i];
            s.gv = gv;
            s.val = bad || at[cr->ngroup] == SIZE_MAX ? NULL : c->dec.data + at[cr->ngroup];
            /* the carried values stay encoded: entries keep them as text */
            const char *cstart = p;
            char *carry = NULL;
            if (!bad && cr->ncarry) {
                tn_buf skip;
                tn_buf_init(&skip);
                size_t *cat = tn_malloc(cr->ncarry * sizeof(*cat));
                bad = !cat || decode_into(&skip, &p, cr->ncarry, cat) ||
                      !(carry = tn_strndup(cstart, (size_t)(p - cstart)));
                tn_free(cat);
                tn_buf_free(&skip);
            }
            s.carry = carry;
            int h = bad ? -1 : deliver(c, ci, k, &s, cb, ctx, 0);
            tn_free(carry);
            if (at && at != small)
                tn_free(at);
            if (gv && gv != gsmall)
                tn_free(gv);
            if (h < 0)
                return -1;
            hits += h;
        }
    }
    return hits;
}

int tn_correlator_feed(tn_correlator *c, const tn_rule_info *rule, const tn_event *ev,
                       tn_corr_cb cb, void *ctx)
{
    tn_buf_clear(&c->vals);
    tn_corr_values(c->rs, rule, ev, &c->vals);
    tn_buf_putc(&c->vals, '\0');
    if (!tn_buf_ok(&c->vals))
        return -1;
    tn_corr_origin o = {ev->record_id, ev->offset, 0, ev->event_id, ev->computer, ev->channel};
    return tn_correlator_feed_values(c, rule, ev->time, c->vals.data, &o, cb, ctx);
}

/* Drops what can no longer count at stream time c->now: expired entries;
 * judges the windows that have closed; frees groups left empty. Bounds
 * the state by the timespan (correlate.h). */
static int sweep(tn_correlator *c, uint32_t ci, tn_corr_cb cb, void *ctx)
{
    const tn_corr *cr = c->rs->corrs[ci];
    cstate *st = &c->st[ci];
    uint64_t now = now_of(c, ci);
    int hits = 0;
    st->swept = now;
    for (size_t h = 0; h <= st->mask; h++)
        for (group **pg = &st->tab[h]; *pg;) {
            group *g = *pg;
            if (tn_cg_upper(cr)) {
                int n = judge(c, ci, g, now, 0, cb, ctx, 0);
                if (n < 0)
                    return -1;
                hits += n;
            } else if (tn_cg_expire(g, now, cr->span)) {
                return -1;
            }
            if (g->head < g->n) {
                pg = &g->next;
                continue;
            }
            *pg = g->next;
            tn_cg_free(g, cr->ngroup);
            st->count--;
        }
    return hits;
}

size_t tn_correlator_groups(const tn_correlator *c)
{
    size_t n = 0;
    for (uint32_t ci = 0; ci < c->rs->ncorrs; ci++)
        n += c->st[ci].count;
    return n;
}

int tn_correlator_flush(tn_correlator *c, tn_corr_cb cb, void *ctx)
{
    /* upstream first: a hit judged here reaches the correlations that
     * read it, which come later in the order, before they are judged */
    int hits = 0;
    for (uint32_t j = 0; j < c->rs->ncorrs; j++) {
        uint32_t ci = c->order[j];
        int h = release(c, ci, UINT64_MAX, cb, ctx);
        if (h < 0)
            return -1;
        hits += h;
        if (!tn_cg_upper(c->rs->corrs[ci]))
            continue;
        for (size_t b = 0; b <= c->st[ci].mask; b++)
            for (group *g = c->st[ci].tab[b]; g; g = g->next) {
                if (g->head == g->n)
                    continue;
                if ((h = judge(c, ci, g, 0, 1, cb, ctx, 0)) < 0)
                    return -1;
                hits += h;
            }
    }
    return hits;
}
