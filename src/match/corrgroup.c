/* corrgroup.c - one correlation group's entries and window: what joins
 * and leaves it, and the metrics kept as it does (corrgroup.h). */
#include "match/corrgroup.h"

#include "base/alloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* t + span, at most UINT64_MAX. */
uint64_t tn_until(uint64_t t, uint64_t span)
{
    return t > UINT64_MAX - span ? UINT64_MAX : t + span;
}

group *tn_cg_new(const tn_corr *cr, const char *const *gv, char *key)
{
    group *g = tn_calloc(1, sizeof(*g));
    if (!g) {
        tn_free(key);
        return NULL;
    }
    g->key = key;
    g->gvals = tn_calloc(cr->ngroup ? cr->ngroup : 1, sizeof(char *));
    int bad = 0;
    if (cr->type == TN_CORR_TEMPORAL)
        bad |= !(g->refcnt = tn_calloc(cr->nrefs ? cr->nrefs : 1, sizeof(*g->refcnt)));
    if (cr->type == TN_CORR_VALUE_COUNT || cr->type == TN_CORR_VALUE_PERCENTILE) {
        if ((g->vals = tn_calloc(1, sizeof(*g->vals))))
            tn_map_init(g->vals);
        bad |= !g->vals;
    }
    if (cr->type == TN_CORR_TEMPORAL_ORDERED || cr->type == TN_CORR_VALUE_SUM ||
        cr->type == TN_CORR_VALUE_AVG) {
        uint32_t k = cr->type == TN_CORR_TEMPORAL_ORDERED ? cr->nrefs : 0;
        if ((g->win = tn_calloc(1, sizeof(*g->win))) && tn_cwin_init(g->win, k)) {
            tn_free(g->win);
            g->win = NULL;
        }
        bad |= !g->win;
    }
    bad |= !g->gvals;
    for (uint32_t i = 0; !bad && i < cr->ngroup; i++) {
        const char *v = gv[i];
        bad |= !(g->gvals[i] = tn_strndup(v ? v : "", v ? strlen(v) : 0));
    }
    if (bad) {
        tn_cg_free(g, cr->ngroup);
        return NULL;
    }
    return g;
}

/* Entry e as the window aggregate sees it (corrwin.h). */
static tn_cwin_item as_item(const entry *e)
{
    return (tn_cwin_item){e->num, e->fix, e->isnum, e->exact, e->ref};
}

/* The back's entry i, for the window aggregate. */
static tn_cwin_item item_at(void *ctx, size_t i)
{
    const group *g = ctx;
    return as_item(&g->e[g->tail - g->win->nb + i]);
}

static void free_entry(entry *e)
{
    tn_free(e->val);
    tn_free(e->up);
    tn_free(e->carry);
    e->val = NULL;
    e->up = NULL;
    e->carry = NULL;
}

/* The oldest entry leaves: out of the window's counts if it was in them.
 * 0, or -1 out of memory (nothing changed). */
int tn_cg_pop_front(group *g)
{
    entry *e = &g->e[g->head];
    if (g->head < g->tail) {
        if (g->win && tn_cwin_pop(g->win, item_at, g))
            return -1;
        if (g->refcnt && --g->refcnt[e->ref] == 0)
            g->nseen--;
        if (g->vals && e->val) {
            g->nvalued--;
            long id = tn_map_get(g->vals, e->val, strlen(e->val));
            if (id >= 0 && --g->vcnt[id] == 0)
                g->ndistinct--;
        }
    } else {
        g->tail++;   /* never counted in */
    }
    free_entry(e);
    g->head++;
    return 0;
}

static int count_value(group *g, const char *v);

/* No value counted. */
static void values_reset(group *g)
{
    tn_map_free(g->vals);
    tn_map_init(g->vals);
    g->ndistinct = 0;
    if (g->vcnt)
        memset(g->vcnt, 0, g->vcap * sizeof(*g->vcnt));
}

/* The map keeps the values that left the window too; once it holds four
 * times the window's entries it is made again from them, so it stays
 * within the window's size (as the entries do). */
static int recount(group *g)
{
    values_reset(g);
    for (size_t i = g->head; i < g->tail; i++)
        if (g->e[i].val && count_value(g, g->e[i].val))
            return -1;
    return 0;
}

/* The entry at tail joins the window: 0, or -1 out of memory. */
int tn_cg_count_in(group *g)
{
    const entry *e = &g->e[g->tail++];
    if (g->win)
        tn_cwin_push(g->win, as_item(e));
    if (g->refcnt && g->refcnt[e->ref]++ == 0)
        g->nseen++;
    if (!g->vals || !e->val)
        return 0;
    g->nvalued++;
    if (g->vals->count >= 64 && g->vals->count >= 4 * (g->tail - g->head))
        return recount(g);   /* counts the new entry too */
    return count_value(g, e->val);
}

static int count_value(group *g, const char *v)
{
    uint32_t *nc = tn_map_grow_ids(g->vals, g->vcnt, &g->vcap, sizeof(*nc));
    if (!nc)
        return -1;
    g->vcnt = nc;
    int added;
    long id = tn_map_put(g->vals, v, strlen(v), &added);
    if (id < 0)
        return -1;
    if (g->vcnt[id]++ == 0)
        g->ndistinct++;
    return 0;
}

/* After a hit: the window's entries are used up, the group starts over
 * with the entries that wait after it. */
void tn_cg_consume(group *g)
{
    for (size_t i = g->head; i < g->tail; i++) {
        free_entry(&g->e[i]);
    }
    g->head = g->tail;
    if (g->refcnt)   /* nseen of the counts are not zero */
        for (uint32_t r = 0; g->nseen; r++)
            g->nseen -= g->refcnt[r] != 0, g->refcnt[r] = 0;
    if (g->vals)   /* values of other windows are not kept */
        values_reset(g);
    g->nvalued = 0;
    if (g->win)
        tn_cwin_clear(g->win);
}

void tn_cg_free(group *g, uint32_t ngroup)
{
    for (size_t i = g->head; i < g->n; i++)
        free_entry(&g->e[i]);
    for (uint32_t i = 0; g->gvals && i < ngroup; i++)
        tn_free(g->gvals[i]);
    tn_free(g->gvals);
    tn_free(g->e);
    tn_free(g->o);
    tn_free(g->refcnt);
    if (g->win)
        tn_cwin_free(g->win);
    tn_free(g->win);
    if (g->vals)
        tn_map_free(g->vals);
    tn_free(g->vals);
    tn_free(g->vcnt);
    tn_free(g->key);
    tn_free(g);
}

static int decimal(const char *v);

/* A plain decimal (decimal() said so) as an exact tn_cwin_fix: without an
 * exponent, at most 9 decimals (zeros after them are fine) and under
 * 10^18. 0 when it is not one. */
static int fixed(const char *v, tn_cwin_fix *out)
{
    int neg = *v == '-';
    v += *v == '+' || *v == '-';
    while (*v == '0')
        v++;
    tn_cwin_fix x = 0;
    int digits = 0;
    for (; *v >= '0' && *v <= '9'; v++, digits++)
        x = x * 10 + (*v - '0');
    if (digits > 18)
        return 0;
    int dec = 0;
    if (*v == '.') {
        for (v++; *v >= '0' && *v <= '9'; v++) {
            if (dec < 9)
                x = x * 10 + (*v - '0'), dec++;
            else if (*v != '0')
                return 0;
        }
    }
    if (*v)   /* an exponent */
        return 0;
    for (; dec < 9; dec++)
        x *= 10;
    *out = neg ? -x : x;
    return 1;
}

int tn_cg_push(group *g, uint64_t t, uint32_t ref, const char *val, const tn_corr_origin *o,
               const tn_corr_origin *ups, uint32_t nup, uint64_t first, const char *carry)
{
    if (g->head && g->head * 2 >= g->n) {  /* compact the expired prefix */
        memmove(g->e, g->e + g->head, (g->n - g->head) * sizeof(*g->e));
        memmove(g->o, g->o + g->head, (g->n - g->head) * sizeof(*g->o));
        g->n -= g->head;
        g->tail -= g->head;
        g->head = 0;
    }
    if (g->n == g->cap) {
        size_t ncap = g->cap ? g->cap * 2 : 2;   /* most groups hold one or two: 16 made 2.2 KB a group */
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
    double num = 0;
    tn_cwin_fix fix = 0;
    int isnum = g->win && !g->win->k && val && decimal(val);
    int exact = isnum && fixed(val, &fix);
    if (isnum && !exact) {   /* an exact one is always finite, its double unused */
        num = strtod(val, NULL);
        isnum = isfinite(num);
    }
    tn_corr_origin *up = NULL;
    char *cc = carry ? tn_strndup(carry, strlen(carry)) : NULL;
    if ((nup && !(up = tn_malloc(nup * sizeof(*up)))) || (carry && !cc)) {
        tn_free(copy);
        tn_free(up);
        tn_free(cc);
        return -1;
    }
    if (up)
        memcpy(up, ups, nup * sizeof(*up));
    g->e[g->n] = (entry){t, ref, (uint8_t)isnum, (uint8_t)exact, num, fix, copy, up,
                         up ? nup : 0, first < t ? first : t, cc};
    g->o[g->n++] = *o;
    return 0;
}

/* Entries older than a window of span ending at t leave. 0, or -1. */
int tn_cg_expire(group *g, uint64_t t, uint64_t span)
{
    while (g->head < g->n && tn_until(g->e[g->head].t, span) < t)
        if (tn_cg_pop_front(g))
            return -1;
    return 0;
}


/* ---- metrics and conditions ---- */

/* Is a field value written as a number value_sum and value_avg add: a
 * plain decimal ([+-]digits[.digits][e[+-]digits])? The caller also
 * wants it finite. strtod alone also took "nan", "inf" and hex: one
 * event's "nan" made a sum never reach its limit (a value an attacker can
 * write into a log), and a NaN or an infinity is no JSON number for the
 * hit's "value". */
static int decimal(const char *v)
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
    return !*p;
}

/* The window's count, distinct values, rules seen, sum, average (NAN
 * without a number), or (for value_percentile) the share of its entries
 * whose value is cur. */
double tn_cg_metric(const tn_corr *cr, const group *g, const char *cur)
{
    uint32_t nnum;
    double sum;
    switch (cr->type) {
    case TN_CORR_EVENT_COUNT:
        return (double)(g->tail - g->head);
    case TN_CORR_VALUE_COUNT:
        return (double)g->ndistinct;
    case TN_CORR_TEMPORAL:
        return g->nseen;
    case TN_CORR_TEMPORAL_ORDERED:
        return tn_cwin_run(g->win);
    case TN_CORR_VALUE_SUM:
        sum = tn_cwin_sum(g->win, &nnum);
        return nnum ? sum : NAN;   /* no number, no sum: 0 made `lt` fire, as for the average */
    case TN_CORR_VALUE_AVG:
        sum = tn_cwin_sum(g->win, &nnum);
        return nnum ? sum / nnum : NAN;   /* no number, no average (0 made `lt` fire) */
    default: {
        /* the share of the values observed: an event without the field
         * observed none (it was in the denominator), and has none of its
         * own to judge (it was 0%, so `lte` held) */
        long id = cur ? tn_map_get(g->vals, cur, strlen(cur)) : -1;
        return g->nvalued && id >= 0 ? 100.0 * (double)g->vcnt[id] / (double)g->nvalued : NAN;
    }
    }
}

int tn_cg_cond_ok(const tn_corr *cr, double x)
{
    int any = 0;
    for (int i = 0; i < TN_CC__N; i++)
        any |= cr->has[i];
    if (!any)   /* temporal without a condition: every rule */
        return x >= (double)cr->nrefs;
    if (isnan(x))   /* value_avg of no number: no condition holds (neq would) */
        return 0;
    return (!cr->has[TN_CC_GT] || x > cr->cond[TN_CC_GT]) &&
           (!cr->has[TN_CC_GTE] || x >= cr->cond[TN_CC_GTE]) &&
           (!cr->has[TN_CC_LT] || x < cr->cond[TN_CC_LT]) &&
           (!cr->has[TN_CC_LTE] || x <= cr->cond[TN_CC_LTE]) &&
           (!cr->has[TN_CC_EQ] || x == cr->cond[TN_CC_EQ]) &&
           (!cr->has[TN_CC_NEQ] || x != cr->cond[TN_CC_NEQ]);
}

/* Judged over windows once they have closed (correlate.c: judge), not as
 * soon as the condition holds: a condition that a later event can make
 * false again, and value_percentile, whose shares later events change. */
int tn_cg_upper(const tn_corr *cr)
{
    return cr->windowed || cr->type == TN_CORR_VALUE_PERCENTILE;
}
