/* correlate.c - sliding/tumbling windows per correlation and group.
 *
 * State per correlation: a hash table of groups keyed by the group-by
 * values joined with 0x1F. A group keeps its window as an array of
 * entries (time, which reference matched, aggregated field value) and a
 * parallel array of their origins, in arrival order; expiry advances a
 * head index. Metrics are recomputed from the window on each event, which
 * is linear in the window size: fine for detection windows (minutes to a
 * day of matches of a few rules). A sweep per timespan of stream time
 * drops what can no longer count (see correlate.h: Memory).
 *
 * Values travel as text, each "LEN:BYTES" or "-" for an absent field, in
 * a fixed order: for each correlation, for each of its references to the
 * rule, the group-by values then the aggregated field's. */
#include "match/correlate.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "match/eval.h"
#include "sigma/ruleset_impl.h"

#include "base/map.h"

#include <math.h>
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
    tn_corr_origin *o;  /* per entry */
    size_t head, n, cap;
    uint64_t win_start;
    int open;
    uint64_t *chain;    /* temporal_ordered: start time of the prefix ending at ref i, 0 none */
    /* what the metrics need, kept as entries come and go: recounting the
     * window on each event was quadratic (value_count over a day, one
     * group: 40,000 events took 10.6 s) */
    uint32_t *refcnt;   /* temporal types: entries per reference */
    uint32_t nseen;     /*   references with one at least */
    tn_map *vals;       /* value_count: the values seen, with vcnt[id] entries each */
    uint32_t *vcnt;
    size_t vcap, ndistinct;
    struct group *next;
} group;

typedef struct cstate {
    group **tab;
    size_t mask, count;
    uint64_t swept;     /* stream time of the last sweep */
} cstate;

struct tn_correlator {
    const tn_ruleset *rs;
    cstate *st;
    uint64_t now;       /* latest time fed */
    tn_map names;       /* computer and channel names of origins */
    tn_buf vals;        /* tn_correlator_feed's values */
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
} source;

tn_correlator *tn_correlator_new(const tn_ruleset *rs)
{
    tn_correlator *c = tn_calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->rs = rs;
    tn_map_init(&c->names);
    tn_buf_init(&c->vals);
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
    if (!c->st) {
        tn_correlator_free(c);
        return NULL;
    }
    return c;
}

/* Entry i leaves the window. */
static void drop(group *g, size_t i)
{
    const entry *e = &g->e[i];
    if (g->refcnt && --g->refcnt[e->ref] == 0)
        g->nseen--;
    if (g->vals && e->val) {
        long id = tn_map_get(g->vals, e->val, strlen(e->val));
        if (id >= 0 && --g->vcnt[id] == 0)
            g->ndistinct--;
    }
    tn_free(e->val);
}

static int count_value(group *g, const char *v);

/* value_count: no value counted. */
static void values_reset(group *g)
{
    tn_map_free(g->vals);
    tn_map_init(g->vals);
    g->ndistinct = 0;
    if (g->vcnt)
        memset(g->vcnt, 0, g->vcap * sizeof(*g->vcnt));
}

/* value_count: the map keeps the values that left the window too; once
 * it holds four times the window's entries it is made again from them,
 * so it stays within the window's size (as the entries do). */
static int recount(group *g)
{
    values_reset(g);
    for (size_t i = g->head; i < g->n; i++)
        if (g->e[i].val && count_value(g, g->e[i].val))
            return -1;
    return 0;
}

/* The last entry joins the window: 0, or -1 out of memory. */
static int count_in(group *g)
{
    const entry *e = &g->e[g->n - 1];
    if (g->refcnt && g->refcnt[e->ref]++ == 0)
        g->nseen++;
    if (!g->vals || !e->val)
        return 0;
    if (g->vals->count >= 64 && g->vals->count >= 4 * (g->n - g->head))
        return recount(g);   /* counts the new entry too */
    return count_value(g, e->val);
}

static int count_value(group *g, const char *v)
{
    int added;
    long id = tn_map_put(g->vals, v, strlen(v), &added);
    if (id < 0)
        return -1;
    if ((size_t)id >= g->vcap) {
        size_t ncap = g->vcap ? 2 * g->vcap : 16;
        uint32_t *nc = tn_realloc(g->vcnt, ncap * sizeof(*nc));
        if (!nc)
            return -1;
        memset(nc + g->vcap, 0, (ncap - g->vcap) * sizeof(*nc));
        g->vcnt = nc;
        g->vcap = ncap;
    }
    if (g->vcnt[id]++ == 0)
        g->ndistinct++;
    return 0;
}

static void clear_window(group *g)
{
    for (size_t i = g->head; i < g->n; i++)
        tn_free(g->e[i].val);
    g->head = g->n = 0;
    g->open = 0;
    if (g->refcnt)   /* nseen of the counts are not zero */
        for (uint32_t r = 0; g->nseen; r++)
            g->nseen -= g->refcnt[r] != 0, g->refcnt[r] = 0;
    if (g->vals)   /* values of other windows are not kept */
        values_reset(g);
}

static void free_group(group *g, uint32_t ngroup)
{
    clear_window(g);
    for (uint32_t i = 0; g->gvals && i < ngroup; i++)
        tn_free(g->gvals[i]);
    tn_free(g->gvals);
    tn_free(g->e);
    tn_free(g->o);
    tn_free(g->chain);
    tn_free(g->refcnt);
    if (g->vals)
        tn_map_free(g->vals);
    tn_free(g->vals);
    tn_free(g->vcnt);
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
    tn_map_free(&c->names);
    tn_buf_free(&c->vals);
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
    tn_buf key;
    tn_buf_init(&key);
    /* each value after its length: with a separator alone, ("a\x1fb", "c")
     * and ("a", "b\x1fc") were one group (values hold no NUL) */
    for (uint32_t i = 0; i < cr->ngroup; i++) {
        const char *v = s->gv[i] ? s->gv[i] : "";
        tn_buf_printf(&key, "%zu:", strlen(v));
        tn_buf_puts(&key, v);
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
        int temporal = cr->type == TN_CORR_TEMPORAL || cr->type == TN_CORR_TEMPORAL_ORDERED;
        if (temporal)
            g->refcnt = tn_calloc(cr->nrefs ? cr->nrefs : 1, sizeof(*g->refcnt));
        if (cr->type == TN_CORR_VALUE_COUNT && (g->vals = tn_calloc(1, sizeof(*g->vals))))
            tn_map_init(g->vals);
        for (uint32_t i = 0; g->gvals && i < cr->ngroup; i++) {
            const char *v = s->gv[i];
            g->gvals[i] = tn_strndup(v ? v : "", v ? strlen(v) : 0);
        }
        g->next = st->tab[h];
        st->tab[h] = g;
        if (++st->count > 2 * (st->mask + 1))
            grow(st);
        if (!g->gvals || !g->chain || (temporal && !g->refcnt) || (cr->type == TN_CORR_VALUE_COUNT && !g->vals))
            return NULL;
        return g;
    }
    tn_buf_free(&key);
    return NULL;
}

static int push(group *g, uint64_t t, uint32_t ref, const char *val, const tn_corr_origin *o)
{
    if (g->head && g->head * 2 >= g->n) {  /* compact the expired prefix */
        memmove(g->e, g->e + g->head, (g->n - g->head) * sizeof(*g->e));
        memmove(g->o, g->o + g->head, (g->n - g->head) * sizeof(*g->o));
        g->n -= g->head;
        g->head = 0;
    }
    if (g->n == g->cap) {
        size_t ncap = g->cap ? g->cap * 2 : 16;
        entry *ne = tn_realloc(g->e, ncap * sizeof(*ne));
        if (!ne)
            return -1;
        g->e = ne;
        tn_corr_origin *no = tn_realloc(g->o, ncap * sizeof(*no));
        if (!no)
            return -1;
        g->o = no;
        g->cap = ncap;
    }
    char *copy = val ? tn_strndup(val, strlen(val)) : NULL;
    if (val && !copy)
        return -1;
    g->e[g->n] = (entry){t, ref, copy};
    g->o[g->n++] = *o;
    return count_in(g);
}

static void expire(group *g, uint64_t t, uint64_t span)
{
    while (g->head < g->n && g->e[g->head].t + span < t)
        drop(g, g->head++);
}


/* ---- metrics and conditions ---- */

/* A field value as the number value_sum and value_avg add: a plain
 * decimal ([+-]digits[.digits][e[+-]digits]) that is finite. strtod alone
 * also took "nan", "inf" and hex: one event's "nan" made a sum never
 * reach its limit (a value an attacker can write into a log), and a NaN
 * or an infinity is no JSON number for the hit's "value". */
static int decimal(const char *v, double *out)
{
    const char *p = v + (*v == '+' || *v == '-');
    size_t digits = 0;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            digits++;
    if (!digits)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p += 1 + (p[1] == '+' || p[1] == '-');
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p)
        return 0;
    *out = strtod(v, NULL);
    return isfinite(*out);
}

static double metric(const tn_corr *cr, const group *g, const char *cur)
{
    double sum = 0, nnum = 0;
    size_t same = 0, n = g->n - g->head;
    switch (cr->type) {
    case TN_CORR_EVENT_COUNT:
        return (double)n;
    case TN_CORR_VALUE_COUNT:
        return (double)g->ndistinct;
    case TN_CORR_TEMPORAL:
    case TN_CORR_TEMPORAL_ORDERED:
        return g->nseen;
    default:
        break;
    }
    for (size_t i = g->head; i < g->n; i++) {
        const char *v = g->e[i].val;
        double d;
        if (v && decimal(v, &d))
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
static int feed_hit(tn_correlator *c, uint32_t ci, uint32_t ref, const tn_corr_hit *hit,
                    tn_corr_cb cb, void *ctx, int depth);

/* Reports a hit on group g of correlation ci, then feeds it downstream. */
static int fire(tn_correlator *c, uint32_t ci, group *g, double x, tn_corr_cb cb, void *ctx,
                int depth)
{
    const tn_corr *cr = c->rs->corrs[ci];
    tn_rule_info info;
    tn_ruleset_corr_info(c->rs, ci, &info);
    tn_corr_hit hit = {&info, cr->group_by, (const char *const *)g->gvals, cr->ngroup, x,
                       g->n > g->head ? g->e[g->head].t : 0, g->n ? g->e[g->n - 1].t : 0,
                       (uint32_t)(g->n - g->head), g->o ? g->o + g->head : NULL};
    int hits = 1;
    if (cb)
        cb(&hit, ctx);
    for (uint32_t d = 0; d < c->rs->ncorrs; d++)
        for (uint32_t k = 0; k < c->rs->corrs[d]->nrefs; k++)
            if (c->rs->corrs[d]->ref_corr[k] == (int32_t)ci) {
                int h = feed_hit(c, d, k, &hit, cb, ctx, depth + 1);
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
        drop(g, g->head++);
    int h = fire(c, ci, g, cr->nrefs, cb, ctx, depth);
    memset(g->chain, 0, cr->nrefs * sizeof(*g->chain));
    clear_window(g);
    return h;
}

static int feed_corr(tn_correlator *c, uint32_t ci, uint32_t ref, const source *s, tn_corr_cb cb,
                     void *ctx, int depth)
{
    const tn_corr *cr = c->rs->corrs[ci];
    if (depth > 64)
        return 0;
    group *g = find_group(c, ci, s);
    if (!g)
        return -1;
    /* one event that two of its rules match is one event: the types that
     * count events count it once (an event's matches come in together:
     * hunt merges them by time, file and offset, then rule), unless the
     * rules' aliases read another value of it */
    const char *val = cr->field ? s->val : NULL;
    const entry *last = g->n > g->head ? &g->e[g->n - 1] : NULL;
    if (s->event && last && cr->type != TN_CORR_TEMPORAL && cr->type != TN_CORR_TEMPORAL_ORDERED &&
        last->t == s->t && g->o[g->n - 1].file == s->o.file && g->o[g->n - 1].offset == s->o.offset &&
        g->o[g->n - 1].record_id == s->o.record_id &&
        (last->val == val || (last->val && val && !strcmp(last->val, val))))
        return 0;
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
    if (push(g, s->t, ref, val, &s->o))
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

/* The name a correlation's reference k goes by, for its aliases. */
static const char *ref_name(const tn_ruleset *rs, const tn_corr *cr, uint32_t k)
{
    return cr->ref_rule[k] >= 0 ? rs->rules[cr->ref_rule[k]]->name : rs->corrs[cr->ref_corr[k]]->name;
}

/* An upstream hit feeds correlation ci: its values are the hit's group
 * values, by name; its origin is the hit's last event. */
static int feed_hit(tn_correlator *c, uint32_t ci, uint32_t ref, const tn_corr_hit *hit,
                    tn_corr_cb cb, void *ctx, int depth)
{
    const tn_corr *cr = c->rs->corrs[ci];
    const char *rname = ref_name(c->rs, cr, ref);
    const char *small[16];
    const char **gv = cr->ngroup <= 16 ? small : tn_calloc(cr->ngroup, sizeof(*gv));
    if (!gv)
        return -1;
    source s = {gv, NULL, hit->last, {0}, 0};
    for (uint32_t i = 0; i <= cr->ngroup; i++) {
        const char *name = i < cr->ngroup ? cr->group_by[i] : cr->field;
        const char *v = NULL;
        if (name)
            name = tn_corr_field(cr, name, rname);
        for (uint32_t j = 0; name && j < hit->ngroup && !v; j++)
            if (!strcmp(hit->group_by[j], name))
                v = hit->group_values[j];
        if (i < cr->ngroup)
            gv[i] = v;
        else
            s.val = v;
    }
    if (hit->nevents && hit->events)
        s.o = hit->events[hit->nevents - 1];
    int h = feed_corr(c, ci, ref, &s, cb, ctx, depth);
    if (gv != small)
        tn_free(gv);
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

static void put_value(tn_buf *out, const tn_event *ev, const char *name)
{
    char buf[32];
    const char *v;
    size_t n;
    if (!name || !tn_eval_field(ev, name, buf, &v, &n)) {
        tn_buf_putc(out, '-');
        return;
    }
    n = strnlen(v, n);  /* values are C strings downstream */
    tn_buf_u64(out, n);
    tn_buf_putc(out, ':');
    tn_buf_put(out, v, n);
}

void tn_corr_values(const tn_ruleset *rs, const tn_rule_info *rule, const tn_event *ev,
                    tn_buf *out)
{
    for (uint32_t ci = 0; ci < rs->ncorrs; ci++) {
        const tn_corr *cr = rs->corrs[ci];
        for (uint32_t k = 0; k < cr->nrefs; k++) {
            if (!is_ref(cr, k, rule))
                continue;
            const char *rname = ref_name(rs, cr, k);
            for (uint32_t i = 0; i < cr->ngroup; i++)
                put_value(out, ev, tn_corr_field(cr, cr->group_by[i], rname));
            put_value(out, ev, cr->field ? tn_corr_field(cr, cr->field, rname) : NULL);
        }
    }
}

/* Decodes n values from *p into c->dec; offsets into want[] (SIZE_MAX:
 * absent). Returns 0, or -1 on malformed text or out of memory. */
static int decode(tn_correlator *c, const char **p, uint32_t n, size_t *want)
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
        want[i] = c->dec.len;
        tn_buf_put(&c->dec, end + 1, len);
        tn_buf_putc(&c->dec, '\0');
        *p = end + 1 + len;
    }
    return tn_buf_ok(&c->dec) ? 0 : -1;
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
    source s = {NULL, NULL, t, *o, 1};
    s.o.computer = intern(c, o->computer);
    s.o.channel = intern(c, o->channel);
    if (t > c->now)
        c->now = t;
    const char *p = values;
    int hits = 0;
    for (uint32_t ci = 0; ci < c->rs->ncorrs; ci++) {
        const tn_corr *cr = c->rs->corrs[ci];
        if (c->now - c->st[ci].swept > cr->span) {
            int h = sweep(c, ci, cb, ctx);
            if (h < 0)
                return -1;
            hits += h;
        }
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
            int h = bad ? -1 : feed_corr(c, ci, k, &s, cb, ctx, 0);
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

/* Judges group g's tumbling window if it has closed by now. */
static int close_window(tn_correlator *c, uint32_t ci, group *g, uint64_t now, tn_corr_cb cb,
                        void *ctx)
{
    const tn_corr *cr = c->rs->corrs[ci];
    if (!g->open || now < g->win_start + cr->span)
        return 0;
    int hits = 0;
    double x = metric(cr, g, NULL);
    if (cond_ok(cr, x))
        hits = fire(c, ci, g, x, cb, ctx, 0);
    clear_window(g);
    return hits;
}

/* Drops what can no longer count at stream time c->now: expired entries
 * and dead chain starts; judges closed tumbling windows; frees groups
 * left empty. Bounds the state by the timespan (correlate.h). */
static int sweep(tn_correlator *c, uint32_t ci, tn_corr_cb cb, void *ctx)
{
    const tn_corr *cr = c->rs->corrs[ci];
    cstate *st = &c->st[ci];
    uint64_t now = c->now;
    int tumbling = cr->windowed && cr->type <= TN_CORR_TEMPORAL_ORDERED;
    int hits = 0;
    st->swept = now;
    for (size_t h = 0; h <= st->mask; h++)
        for (group **pg = &st->tab[h]; *pg;) {
            group *g = *pg;
            int live;
            if (tumbling) {
                hits += close_window(c, ci, g, now, cb, ctx);
                live = g->open;
            } else {
                expire(g, now, cr->span);
                live = g->head < g->n;
                for (uint32_t r = 0; r < cr->nrefs; r++) {
                    if (g->chain[r] && now - g->chain[r] > cr->span)
                        g->chain[r] = 0;
                    live |= g->chain[r] != 0;
                }
            }
            if (live) {
                pg = &g->next;
                continue;
            }
            *pg = g->next;
            free_group(g, cr->ngroup);
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
    /* a hit judged here feeds the correlations that read it, which may
     * come earlier in the list and be closed already: passes until one
     * judges nothing (a chain is at most 64 deep, feed_corr) */
    int hits = 0;
    for (int pass = 0, more = 1; more && pass < 66; pass++) {
        more = 0;
        for (uint32_t ci = 0; ci < c->rs->ncorrs; ci++) {
            const tn_corr *cr = c->rs->corrs[ci];
            if (!cr->windowed || cr->type > TN_CORR_TEMPORAL_ORDERED)
                continue;
            for (size_t h = 0; h <= c->st[ci].mask; h++)
                for (group *g = c->st[ci].tab[h]; g; g = g->next) {
                    int open = g->open;
                    hits += close_window(c, ci, g, UINT64_MAX - cr->span, cb, ctx);
                    more |= open;
                }
        }
    }
    return hits;
}
