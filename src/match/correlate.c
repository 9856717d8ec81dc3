/* correlate.c - sliding/tumbling windows per correlation and group.
 *
 * State per correlation: a hash table of groups keyed by the group-by
 * values joined with 0x1F. A group keeps its window as an array of
 * entries (time, which reference matched, aggregated field value) in
 * arrival order; expiry advances a head index. Metrics are recomputed from
 * the window on each event, which is linear in the window size: fine for
 * detection windows (minutes to a day of matches of a few rules). */
#include "match/correlate.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "match/eval.h"
#include "sigma/ruleset_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    uint64_t t;
    uint32_t ref;
    char *val;          /* aggregated field's value, NULL if absent */
} entry;

typedef struct group {
    char *key;
    char **gvals;       /* per group-by */
    entry *e;
    size_t head, n, cap;
    uint64_t win_start;
    int open;
    uint64_t *chain;    /* temporal_ordered: start time of the prefix ending at ref i, 0 none */
    struct group *next;
} group;

typedef struct cstate {
    group **tab;
    size_t mask;
} cstate;

struct tn_correlator {
    const tn_ruleset *rs;
    cstate *st;
    int oom;
};

/* Where feed values come from: an event, or an upstream correlation hit. */
typedef struct source {
    const tn_event *ev;
    const tn_corr_hit *hit;
    uint64_t t;
} source;

tn_correlator *tn_correlator_new(const tn_ruleset *rs)
{
    tn_correlator *c = tn_calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->rs = rs;
    c->st = tn_calloc(rs->ncorrs ? rs->ncorrs : 1, sizeof(*c->st));
    for (uint32_t i = 0; c->st && i < rs->ncorrs; i++) {
        c->st[i].tab = tn_calloc(256, sizeof(group *));
        c->st[i].mask = 255;
        if (!c->st[i].tab) {
            tn_correlator_free(c);
            return NULL;
        }
    }
    if (!c->st) {
        tn_free(c);
        return NULL;
    }
    return c;
}

static void clear_window(group *g)
{
    for (size_t i = g->head; i < g->n; i++)
        tn_free(g->e[i].val);
    g->head = g->n = 0;
    g->open = 0;
}

static void free_group(group *g, uint32_t ngroup)
{
    clear_window(g);
    for (uint32_t i = 0; g->gvals && i < ngroup; i++)
        tn_free(g->gvals[i]);
    tn_free(g->gvals);
    tn_free(g->e);
    tn_free(g->chain);
    tn_free(g->key);
    tn_free(g);
}

void tn_correlator_free(tn_correlator *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; c->st && i < c->rs->ncorrs; i++) {
        for (size_t h = 0; c->st[i].tab && h <= c->st[i].mask; h++)
            for (group *g = c->st[i].tab[h], *nx; g; g = nx) {
                nx = g->next;
                free_group(g, c->rs->corrs[i]->ngroup);
            }
        tn_free(c->st[i].tab);
    }
    tn_free(c->st);
    tn_free(c);
}

/* Value of field name from the source (event field or upstream group value). */
static const char *get(const source *s, const char *name, char buf[32])
{
    if (s->hit) {
        for (uint32_t i = 0; i < s->hit->ngroup; i++)
            if (!strcmp(s->hit->group_by[i], name))
                return s->hit->group_values[i];
        return NULL;
    }
    const char *v;
    size_t n;
    return tn_eval_field(s->ev, name, buf, &v, &n) ? v : NULL;
}

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

static group *find_group(tn_correlator *c, uint32_t ci, const source *s, const char *rname)
{
    const tn_corr *cr = c->rs->corrs[ci];
    char buf[32];
    tn_buf key;
    tn_buf_init(&key);
    for (uint32_t i = 0; i < cr->ngroup; i++) {
        const char *v = get(s, tn_corr_field(cr, cr->group_by[i], rname), buf);
        tn_buf_puts(&key, v ? v : "");
        tn_buf_putc(&key, '\x1f');
    }
    if (!tn_buf_ok(&key) || !key.data) {
        tn_buf_putc(&key, 0);
        if (!tn_buf_ok(&key)) {
            tn_buf_free(&key);
            return NULL;
        }
    }
    cstate *st = &c->st[ci];
    size_t h = hash(key.data) & st->mask;
    for (group *g = st->tab[h]; g; g = g->next)
        if (!strcmp(g->key, key.data)) {
            tn_buf_free(&key);
            return g;
        }
    group *g = tn_calloc(1, sizeof(*g));
    if (g) {
        g->key = key.data;   /* takes the buffer */
        g->gvals = tn_calloc(cr->ngroup ? cr->ngroup : 1, sizeof(char *));
        g->chain = tn_calloc(cr->nrefs, sizeof(uint64_t));
        for (uint32_t i = 0; g->gvals && i < cr->ngroup; i++) {
            const char *v = get(s, tn_corr_field(cr, cr->group_by[i], rname), buf);
            g->gvals[i] = tn_strndup(v ? v : "", v ? strlen(v) : 0);
        }
        g->next = st->tab[h];
        st->tab[h] = g;
        if (!g->gvals || !g->chain)
            return NULL;
        return g;
    }
    tn_buf_free(&key);
    return NULL;
}

static int push(group *g, uint64_t t, uint32_t ref, const char *val)
{
    if (g->head && g->head * 2 >= g->n) {  /* compact the expired prefix */
        memmove(g->e, g->e + g->head, (g->n - g->head) * sizeof(*g->e));
        g->n -= g->head;
        g->head = 0;
    }
    if (g->n == g->cap) {
        size_t ncap = g->cap ? g->cap * 2 : 16;
        entry *ne = tn_realloc(g->e, ncap * sizeof(*ne));
        if (!ne)
            return -1;
        g->e = ne;
        g->cap = ncap;
    }
    char *copy = val ? tn_strndup(val, strlen(val)) : NULL;
    if (val && !copy)
        return -1;
    g->e[g->n++] = (entry){t, ref, copy};
    return 0;
}

static void expire(group *g, uint64_t t, uint64_t span)
{
    while (g->head < g->n && g->e[g->head].t + span < t) {
        tn_free(g->e[g->head].val);
        g->head++;
    }
}


/* ---- metrics and conditions ---- */

static size_t distinct_values(const group *g)
{
    size_t n = g->n - g->head, size = 16, count = 0;
    while (size < n * 2)
        size *= 2;
    const char **set = tn_calloc(size, sizeof(*set));
    if (!set)
        return 0;
    for (size_t i = g->head; i < g->n; i++) {
        const char *v = g->e[i].val;
        if (!v)
            continue;
        size_t h = hash(v) & (size - 1);
        while (set[h] && strcmp(set[h], v))
            h = (h + 1) & (size - 1);
        if (!set[h]) {
            set[h] = v;
            count++;
        }
    }
    tn_free(set);
    return count;
}

static double metric(const tn_corr *cr, const group *g, const char *cur)
{
    double sum = 0, nnum = 0;
    size_t same = 0, n = g->n - g->head;
    switch (cr->type) {
    case TN_CORR_EVENT_COUNT:
        return (double)n;
    case TN_CORR_VALUE_COUNT:
        return (double)distinct_values(g);
    case TN_CORR_TEMPORAL:
    case TN_CORR_TEMPORAL_ORDERED: {
        uint32_t seen = 0;
        for (uint32_t r = 0; r < cr->nrefs; r++)
            for (size_t i = g->head; i < g->n; i++)
                if (g->e[i].ref == r) {
                    seen++;
                    break;
                }
        return seen;
    }
    default:
        break;
    }
    for (size_t i = g->head; i < g->n; i++) {
        const char *v = g->e[i].val;
        char *end;
        double d = v ? strtod(v, &end) : 0;
        if (v && end != v && !*end)
            sum += d, nnum++;
        same += v && cur && !strcmp(v, cur);
    }
    if (cr->type == TN_CORR_VALUE_SUM)
        return sum;
    if (cr->type == TN_CORR_VALUE_AVG)
        return nnum ? sum / nnum : 0;
    return n ? 100.0 * (double)same / (double)n : 0;
}

static int cond_ok(const tn_corr *cr, double x)
{
    int any = 0;
    for (int i = 0; i < TN_CC__N; i++)
        any |= cr->has[i];
    if (!any)   /* temporal without a condition: every rule */
        return x >= (double)cr->nrefs;
    return (!cr->has[TN_CC_GT] || x > cr->cond[TN_CC_GT]) &&
           (!cr->has[TN_CC_GTE] || x >= cr->cond[TN_CC_GTE]) &&
           (!cr->has[TN_CC_LT] || x < cr->cond[TN_CC_LT]) &&
           (!cr->has[TN_CC_LTE] || x <= cr->cond[TN_CC_LTE]) &&
           (!cr->has[TN_CC_EQ] || x == cr->cond[TN_CC_EQ]) &&
           (!cr->has[TN_CC_NEQ] || x != cr->cond[TN_CC_NEQ]);
}

/* ---- feeding ---- */

static int feed_corr(tn_correlator *c, uint32_t ci, uint32_t ref, const source *s, tn_corr_cb cb,
                     void *ctx, int depth);

/* Reports a hit on group g of correlation ci, then feeds it downstream. */
static int fire(tn_correlator *c, uint32_t ci, group *g, double x, tn_corr_cb cb, void *ctx,
                int depth)
{
    const tn_corr *cr = c->rs->corrs[ci];
    tn_rule_info info;
    tn_ruleset_corr_info(c->rs, ci, &info);
    tn_corr_hit hit = {&info, cr->group_by, (const char *const *)g->gvals, cr->ngroup, x,
                       g->n > g->head ? g->e[g->head].t : 0, g->n ? g->e[g->n - 1].t : 0,
                       (uint32_t)(g->n - g->head)};
    int hits = 1;
    if (cb)
        cb(&hit, ctx);
    source up = {NULL, &hit, hit.last};
    for (uint32_t d = 0; d < c->rs->ncorrs; d++)
        for (uint32_t k = 0; k < c->rs->corrs[d]->nrefs; k++)
            if (c->rs->corrs[d]->ref_corr[k] == (int32_t)ci) {
                int h = feed_corr(c, d, k, &up, cb, ctx, depth + 1);
                hits += h > 0 ? h : 0;
            }
    return hits;
}

/* temporal_ordered: chain[i] is the start of the latest in-order run of
 * references 0..i; a run that reaches the last reference within the
 * timespan fires. */
static int ordered(tn_correlator *c, uint32_t ci, group *g, uint32_t ref, uint64_t t,
                   tn_corr_cb cb, void *ctx, int depth)
{
    const tn_corr *cr = c->rs->corrs[ci];
    if (ref == 0)
        g->chain[0] = t ? t : 1;
    else if (g->chain[ref - 1] && t - g->chain[ref - 1] <= cr->span)
        g->chain[ref] = g->chain[ref - 1];
    else
        return 0;
    if (ref + 1 < cr->nrefs)
        return 0;
    while (g->head < g->n && g->e[g->head].t < g->chain[ref])
        tn_free(g->e[g->head++].val);
    int h = fire(c, ci, g, cr->nrefs, cb, ctx, depth);
    memset(g->chain, 0, cr->nrefs * sizeof(*g->chain));
    clear_window(g);
    return h;
}

static int feed_corr(tn_correlator *c, uint32_t ci, uint32_t ref, const source *s, tn_corr_cb cb,
                     void *ctx, int depth)
{
    const tn_corr *cr = c->rs->corrs[ci];
    const char *rname = cr->ref_rule[ref] >= 0 ? c->rs->rules[cr->ref_rule[ref]]->name
                                               : c->rs->corrs[cr->ref_corr[ref]]->name;
    char buf[32];
    if (depth > 64)
        return 0;
    group *g = find_group(c, ci, s, rname);
    if (!g)
        return -1;
    const char *val = cr->field ? get(s, tn_corr_field(cr, cr->field, rname), buf) : NULL;
    int tumbling = cr->windowed && cr->type <= TN_CORR_TEMPORAL_ORDERED;
    int hits = 0;
    if (tumbling && g->open && s->t >= g->win_start + cr->span) {
        double x = metric(cr, g, NULL);
        if (cond_ok(cr, x))
            hits += fire(c, ci, g, x, cb, ctx, depth);
        clear_window(g);
    }
    if (tumbling && !g->open) {
        g->open = 1;
        g->win_start = s->t;
    }
    if (!tumbling)
        expire(g, s->t, cr->span);
    if (push(g, s->t, ref, val))
        return -1;
    if (tumbling)
        return hits;
    if (cr->type == TN_CORR_TEMPORAL_ORDERED)
        return ordered(c, ci, g, ref, s->t, cb, ctx, depth);
    double x = metric(cr, g, val);
    if (cr->type == TN_CORR_VALUE_PERCENTILE && !val)
        return 0;
    if (cond_ok(cr, x)) {
        hits += fire(c, ci, g, x, cb, ctx, depth);
        if (cr->type != TN_CORR_VALUE_PERCENTILE)
            clear_window(g);
    }
    return hits;
}

int tn_correlator_feed(tn_correlator *c, const tn_rule_info *rule, const tn_event *ev,
                       tn_corr_cb cb, void *ctx)
{
    source s = {ev, NULL, ev->time};
    int hits = 0;
    for (uint32_t ci = 0; ci < c->rs->ncorrs; ci++) {
        const tn_corr *cr = c->rs->corrs[ci];
        for (uint32_t k = 0; k < cr->nrefs; k++) {
            int is_ref = rule->is_correlation ? cr->ref_corr[k] == (int32_t)rule->index
                                              : cr->ref_rule[k] == (int32_t)rule->index;
            if (!is_ref)
                continue;
            int h = feed_corr(c, ci, k, &s, cb, ctx, 0);
            if (h < 0)
                return -1;
            hits += h;
        }
    }
    return hits;
}

int tn_correlator_flush(tn_correlator *c, tn_corr_cb cb, void *ctx)
{
    int hits = 0;
    for (uint32_t ci = 0; ci < c->rs->ncorrs; ci++) {
        const tn_corr *cr = c->rs->corrs[ci];
        if (!cr->windowed || cr->type > TN_CORR_TEMPORAL_ORDERED)
            continue;
        for (size_t h = 0; h <= c->st[ci].mask; h++)
            for (group *g = c->st[ci].tab[h]; g; g = g->next) {
                if (!g->open)
                    continue;
                double x = metric(cr, g, NULL);
                if (cond_ok(cr, x))
                    hits += fire(c, ci, g, x, cb, ctx, 0);
                clear_window(g);
            }
    }
    return hits;
}
