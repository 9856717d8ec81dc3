/* corr.c - compiles Sigma correlation documents (sigma-correlation-rules-specification.md).
 *
 * Checks what the specification and its JSON schema require per type:
 * rules and timespan always; group-by for the count and temporal types;
 * a condition for the count and value types; a condition field for the
 * value_* types. A rule's deprecated in-condition aggregation (Sigma 1,
 * "| count() by X > 5") is parsed by cond.c and made a correlation here
 * (tn_corr_legacy). */
#include "sigma/corr.h"
#include "sigma/cond.h"
#include "sigma/rule.h"
#include "sigma/value.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad(char *err, size_t errlen, const tn_ynode **at, const tn_ynode *n, const char *why)
{
    snprintf(err, errlen, "%s", why);
    *at = n;
    return -1;
}

/* n's text, or NULL when n is no scalar or holds a NUL byte (read up to
 * it, a condition's field "User\0junk" was User: a review, session 27). */
/* A scalar's text; NULL for none, YAML's null (`title: null` was the
 * title "null"), or a NUL byte. */
static const char *scalar(const tn_ynode *n)
{
    return n && n->kind == TN_Y_SCALAR && !tn_ynode_is_null(n) && !memchr(n->str, 0, n->len) ? n->str
                                                                                            : NULL;
}

uint64_t tn_corr_parse_span(const char *s)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')   /* "number + letter": strtoull took " 5m" and "+5m" */
        return 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || v == 0 || end[0] == 0 || end[1] != 0)
        return 0;
    uint64_t unit = end[0] == 's' ? 1 : end[0] == 'm' ? 60 : end[0] == 'h' ? 3600
                  : end[0] == 'd' ? 86400 : end[0] == 'w' ? 604800 : 0;
    if (!unit || v > UINT64_MAX / 10000000ULL / unit)
        return 0;
    return v * unit * 10000000ULL;
}

static int type_of(const char *s, tn_corr_type *t)
{
    static const char *names[] = {"event_count", "value_count", "temporal", "temporal_ordered",
                                  "value_sum", "value_avg", "value_percentile"};
    for (int i = 0; i < 7; i++)
        if (s && !strcmp(s, names[i])) {
            *t = (tn_corr_type)i;
            return 0;
        }
    return -1;
}

static const char **str_list(tn_arena *a, const tn_ynode *n, uint32_t *count)
{
    *count = 0;
    if (!n || n->kind != TN_Y_SEQ || n->count == 0)
        return NULL;
    const char **v = tn_arena_calloc(a, n->count * sizeof(*v));
    for (const tn_ynode *e = n->child; v && e; e = e->next) {
        /* a NUL: the name was read up to it (a review, session 27) */
        if (e->kind != TN_Y_SCALAR || !e->len || memchr(e->str, 0, e->len))
            return NULL;
        v[(*count)++] = e->str;
    }
    return v;
}

/* A copy of names[0..n) in a; NULL when out of memory. */
static const char **str_list_of(tn_arena *a, const char *const *names, uint32_t n, uint32_t *count)
{
    const char **v = tn_arena_calloc(a, n * sizeof(*v));
    if (v)
        memcpy(v, names, n * sizeof(*v));
    *count = v ? n : 0;
    return v;
}

static int parse_cond(tn_arena *a, tn_corr *c, const tn_ynode *cn, char *err, size_t errlen,
                      const tn_ynode **at)
{
    static const char *ops[TN_CC__N] = {"gt", "gte", "lt", "lte", "eq", "neq"};
    if (cn->kind != TN_Y_MAP)
        return bad(err, errlen, at, cn, "correlation condition must be a map");
    for (const tn_ynode *k = cn->child; k; k = k->next) {
        if (!strcmp(k->str, "field")) {
            if (scalar(k->val) && k->val->len) {
                const char *one[1] = {k->val->str};
                c->fields = str_list_of(a, one, 1, &c->nfields);
            } else {
                c->fields = str_list(a, k->val, &c->nfields);
            }
            if (!c->fields)
                return bad(err, errlen, at, k, "condition field must name a field, or a list of fields");
            c->field = c->fields[0];
            continue;
        }
        int op = -1;
        for (int i = 0; i < TN_CC__N; i++)
            if (!strcmp(k->str, ops[i]))
                op = i;
        if (op < 0)
            return bad(err, errlen, at, k, "unknown correlation condition operator");
        const char *v = scalar(k->val);
        double d;
        /* a plain decimal: strtod took nan (gte: nan never held, neq: nan
         * always did), inf and hex */
        if (!v || tn_number_parse(v, strlen(v), &d))
            return bad(err, errlen, at, k, "correlation condition needs a number");
        c->has[op] = 1;
        c->cond[op] = d;
        if (op >= TN_CC_LT)
            c->windowed = 1;
    }
    return 0;
}

static int parse_aliases(tn_arena *a, tn_corr *c, const tn_ynode *al, char *err, size_t errlen,
                         const tn_ynode **at)
{
    if (al->kind != TN_Y_MAP)
        return bad(err, errlen, at, al, "aliases must be a map");
    c->aliases = tn_arena_calloc(a, (al->count ? al->count : 1) * sizeof(*c->aliases));
    if (!c->aliases)
        return bad(err, errlen, at, al, "out of memory");
    for (const tn_ynode *k = al->child; k; k = k->next) {
        const tn_ynode *m = k->val;
        if (!m || m->kind != TN_Y_MAP)
            return bad(err, errlen, at, k, "an alias maps rule names to field names");
        tn_corr_alias *x = &c->aliases[c->naliases++];
        x->alias = k->str;
        x->rule_names = tn_arena_calloc(a, (m->count ? m->count : 1) * sizeof(char *));
        x->fields = tn_arena_calloc(a, (m->count ? m->count : 1) * sizeof(char *));
        if (!x->rule_names || !x->fields)
            return bad(err, errlen, at, k, "out of memory");
        for (const tn_ynode *r = m->child; r; r = r->next) {
            if (!scalar(r->val))
                return bad(err, errlen, at, r, "an alias maps rule names to field names");
            x->rule_names[x->n] = r->str;
            x->fields[x->n++] = r->val->str;
        }
    }
    return 0;
}

static int check_required(tn_corr *c, const tn_ynode *cs, char *err, size_t errlen,
                          const tn_ynode **at)
{
    int counts = c->type == TN_CORR_EVENT_COUNT || c->type == TN_CORR_VALUE_COUNT;
    int values = c->type >= TN_CORR_VALUE_SUM || c->type == TN_CORR_VALUE_COUNT;
    int has_cond = 0;
    for (int i = 0; i < TN_CC__N; i++)
        has_cond |= c->has[i];
    if (c->ngroup == 0)   /* every type: "Requires: group-by" (also the schema's) */
        return bad(err, errlen, at, cs, "this correlation type needs 'group-by'");
    if ((counts || values) && !has_cond)
        return bad(err, errlen, at, cs, "this correlation type needs a condition (gt, gte, ...)");
    if (values && !c->field)
        return bad(err, errlen, at, cs, "this correlation type needs a condition 'field'");
    if (c->nfields > 1 && c->type != TN_CORR_VALUE_COUNT)   /* a sum of two fields means nothing */
        return bad(err, errlen, at, cs, "only value_count takes several condition fields");
    if (c->type == TN_CORR_TEMPORAL_ORDERED && c->nrefs < 2)
        return bad(err, errlen, at, cs, "temporal_ordered needs at least two rules");
    if (c->type == TN_CORR_TEMPORAL_ORDERED && c->nrefs > TN_CORR_MAX_ORDERED) {
        char why[120];
        snprintf(why, sizeof(why), "temporal_ordered over more than %d rules (its cost an event grows as "
                 "their square): refused", TN_CORR_MAX_ORDERED);
        return bad(err, errlen, at, cs, why);
    }
    return 0;
}

/* *s copied into a (the rule set's): the texts above point into the
 * document's tree, which the loader frees after each file. 0 or -1. */
static int keep(tn_arena *a, const char **s)
{
    if (!*s || !**s)
        return 0;
    char *k = tn_arena_strndup(a, *s, strlen(*s));
    if (!k)
        return -1;
    *s = k;
    return 0;
}

static int keep_strings(tn_arena *a, tn_corr *c)
{
    int bad = keep(a, &c->id) | keep(a, &c->title) | keep(a, &c->name) | keep(a, &c->level) |
              keep(a, &c->status);
    for (uint32_t i = 0; i < c->nfields; i++)
        bad |= keep(a, &c->fields[i]);
    c->field = c->nfields ? c->fields[0] : NULL;
    for (uint32_t i = 0; i < c->nrefs; i++)
        bad |= keep(a, &c->refs[i]);
    for (uint32_t i = 0; i < c->ngroup; i++)
        bad |= keep(a, &c->group_by[i]);
    for (uint32_t i = 0; i < c->naliases; i++) {
        tn_corr_alias *x = &c->aliases[i];
        bad |= keep(a, &x->alias);
        for (uint32_t k = 0; k < x->n; k++)
            bad |= keep(a, &x->rule_names[k]) | keep(a, &x->fields[k]);
    }
    return bad ? -1 : 0;
}

int tn_corr_compile(tn_arena *a, const tn_ynode *doc, const char *file, tn_corr *c, char *err,
                    size_t errlen, const tn_ynode **at)
{
    const tn_ynode *cs = tn_ymap_get(doc, "correlation");
    memset(c, 0, sizeof(*c));
    c->file = file;
    c->line = doc->line;
    c->col = doc->col;
    c->id = scalar(tn_ymap_get(doc, "id")) ? scalar(tn_ymap_get(doc, "id")) : "";
    c->title = scalar(tn_ymap_get(doc, "title"));
    c->name = scalar(tn_ymap_get(doc, "name"));
    for (int k = 0; k < 2; k++) {
        const tn_ynode *v = tn_ymap_get(doc, k ? "name" : "id");
        if (v) {
            c->id_at[2 * k] = v->line;
            c->id_at[2 * k + 1] = v->col;
        }
    }
    c->level = scalar(tn_ymap_get(doc, "level")) ? scalar(tn_ymap_get(doc, "level")) : "";
    c->status = scalar(tn_ymap_get(doc, "status")) ? scalar(tn_ymap_get(doc, "status")) : "";
    if (!c->title || !c->title[0])
        return bad(err, errlen, at, doc, "missing or empty 'title'");
    if (!cs || cs->kind != TN_Y_MAP)
        return bad(err, errlen, at, cs ? cs : doc, "'correlation' must be a map");
    /* a misspelt key was dropped without a word: `condtion` made a
     * temporal correlation need all of its rules */
    static const char *keys[] = {"type", "rules", "aliases", "group-by", "timespan", "condition", "generate"};
    for (const tn_ynode *k = cs->child; k; k = k->next) {
        size_t i = 0;
        while (i < sizeof(keys) / sizeof(keys[0]) && strcmp(k->str, keys[i]))
            i++;
        if (i == sizeof(keys) / sizeof(keys[0]))
            return bad(err, errlen, at, k, "unknown key in 'correlation' (type, rules, aliases, group-by, "
                                           "timespan, condition, generate)");
    }
    const tn_ynode *t = tn_ymap_get(cs, "type");
    if (type_of(scalar(t), &c->type))
        return bad(err, errlen, at, t ? t : cs, "unknown or missing correlation type");
    const tn_ynode *r = tn_ymap_get(cs, "rules");
    c->refs = str_list(a, r, &c->nrefs);
    if (!c->refs)
        return bad(err, errlen, at, r ? r : cs, "'rules' must be a non-empty list of rule ids or names");
    /* where each reference is written: an unknown one is reported there */
    if ((c->ref_at = tn_arena_alloc(a, 2 * c->nrefs * sizeof(*c->ref_at))) != NULL) {
        uint32_t k = 0;
        for (const tn_ynode *e = r->child; e && k < c->nrefs; e = e->next, k++) {
            c->ref_at[2 * k] = e->line;
            c->ref_at[2 * k + 1] = e->col;
        }
    }
    const tn_ynode *g = tn_ymap_get(cs, "group-by");
    c->group_by = str_list(a, g, &c->ngroup);
    if (g && !c->group_by)
        return bad(err, errlen, at, g, "'group-by' must be a list of field names");
    const tn_ynode *ts = tn_ymap_get(cs, "timespan");
    c->span = scalar(ts) ? tn_corr_parse_span(ts->str) : 0;
    /* the form is right (digits and a unit), the number is not: 0, or too long */
    size_t tl = scalar(ts) ? ts->len : 0;
    if (!c->span && tl >= 2 && strspn(ts->str, "0123456789") == tl - 1 && strchr("smhdw", ts->str[tl - 1]))
        return bad(err, errlen, at, ts, strspn(ts->str, "0") == tl - 1 ? "'timespan' must be more than 0"
                                                                       : "'timespan' is too long (past 58,000 years)");
    if (!c->span)
        return bad(err, errlen, at, ts ? ts : cs, "'timespan' must be a number and s, m, h, d or w");
    const tn_ynode *cn = tn_ymap_get(cs, "condition");
    if (cn && parse_cond(a, c, cn, err, errlen, at))
        return -1;
    const tn_ynode *al = tn_ymap_get(cs, "aliases");
    if (al && parse_aliases(a, c, al, err, errlen, at))
        return -1;
    const tn_ynode *gen = tn_ymap_get(cs, "generate");
    if (!gen)
        gen = tn_ymap_get(doc, "generate");
    /* a YAML boolean: true, True or TRUE (YAML 1.2's core schema); any
     * other text was read as false without a word ('maybe', 'yes', 1) */
    if (gen) {
        static const char *const yes[] = {"true", "True", "TRUE"}, *const no[] = {"false", "False", "FALSE"};
        int y = 0, n = 0;
        for (int i = 0; i < 3 && scalar(gen) && gen->plain; i++)
            y |= !strcmp(gen->str, yes[i]), n |= !strcmp(gen->str, no[i]);
        if (!y && !n)
            return bad(err, errlen, at, gen, "'generate' must be true or false");
        c->generate = (uint8_t)y;
    }
    c->ref_rule = tn_arena_alloc(a, c->nrefs * sizeof(*c->ref_rule));
    c->ref_corr = tn_arena_alloc(a, c->nrefs * sizeof(*c->ref_corr));
    if (!c->ref_rule || !c->ref_corr)
        return bad(err, errlen, at, doc, "out of memory");
    if (check_required(c, cs, err, errlen, at))
        return -1;
    if (keep_strings(a, c))
        return bad(err, errlen, at, doc, "out of memory");
    return 0;
}

const char *tn_corr_field(const tn_corr *c, const char *g, const char *rule_name)
{
    for (uint32_t i = 0; i < c->naliases; i++) {
        if (strcmp(c->aliases[i].alias, g))
            continue;
        for (uint32_t k = 0; rule_name && k < c->aliases[i].n; k++)
            if (!strcmp(c->aliases[i].rule_names[k], rule_name))
                return c->aliases[i].fields[k];
    }
    return g;
}

tn_corr *tn_corr_legacy(tn_arena *a, const tn_srule *r, const tn_legacy_agg *g, uint64_t span)
{
    tn_corr *c = tn_arena_calloc(a, sizeof(*c));
    const char **refs = tn_arena_calloc(a, sizeof(*refs));
    const char **fields = tn_arena_calloc(a, sizeof(*fields));
    const char **group = tn_arena_calloc(a, sizeof(*group));
    int32_t *idx = tn_arena_calloc(a, 2 * sizeof(*idx));
    if (!c || !refs || !fields || !group || !idx)
        return NULL;
    c->id = r->id;
    c->title = r->title;
    c->level = r->level;
    c->status = r->status;
    c->file = r->file;
    c->line = r->line;
    c->col = r->col;
    c->type = g->fn == TN_AGG_SUM ? TN_CORR_VALUE_SUM
            : g->fn == TN_AGG_AVG ? TN_CORR_VALUE_AVG
            : g->field ? TN_CORR_VALUE_COUNT : TN_CORR_EVENT_COUNT;
    refs[0] = r->id[0] ? r->id : r->title;
    c->refs = refs;
    c->nrefs = 1;
    c->ref_rule = idx;
    c->ref_corr = idx + 1;
    if (g->group) {
        group[0] = g->group;
        c->group_by = group;
        c->ngroup = 1;
    }
    c->span = span;
    c->has[g->op] = 1;
    c->cond[g->op] = g->value;
    c->windowed = g->op >= TN_CC_LT;
    if (g->field) {
        fields[0] = g->field;
        c->fields = fields;
        c->nfields = 1;
        c->field = fields[0];
    }
    c->tags = r->tags;
    c->ntags = r->ntags;
    c->legacy_of = r;
    return c;
}

/* The values the metric of c's type can take: counts of a window's
 * events or rules are 1 or more (temporal's at most its rules), a count
 * of distinct values 0 or more, a percentile's share above 0 and up to
 * 100; sums and averages any. */
static void metric_range(const tn_corr *c, double *lo, double *hi)
{
    *lo = -INFINITY;
    *hi = INFINITY;
    switch (c->type) {
    case TN_CORR_EVENT_COUNT: *lo = 1; break;
    case TN_CORR_VALUE_COUNT: *lo = 0; break;
    case TN_CORR_TEMPORAL:
    case TN_CORR_TEMPORAL_ORDERED: *lo = 1; *hi = c->nrefs; break;
    case TN_CORR_VALUE_PERCENTILE: *lo = 0; *hi = 100; break;
    default: break;
    }
}

const char *tn_corr_warning(const tn_corr *c, char *buf, size_t n)
{
    if (c->field && (c->type == TN_CORR_EVENT_COUNT || c->type == TN_CORR_TEMPORAL ||
                     c->type == TN_CORR_TEMPORAL_ORDERED)) {
        snprintf(buf, n, "the condition's field '%s' is not read by this correlation type (only "
                         "value_count, value_sum, value_avg and value_percentile read one)", c->field);
        return buf;
    }
    /* the values the condition allows, [lo, hi], each end open or not */
    double lo, hi;
    metric_range(c, &lo, &hi);
    int lo_open = c->type == TN_CORR_VALUE_PERCENTILE, hi_open = 0;
    if (c->has[TN_CC_GT] && c->cond[TN_CC_GT] >= lo)
        lo = c->cond[TN_CC_GT], lo_open = 1;
    if (c->has[TN_CC_GTE] && c->cond[TN_CC_GTE] > lo)
        lo = c->cond[TN_CC_GTE], lo_open = 0;
    if (c->has[TN_CC_LT] && c->cond[TN_CC_LT] <= hi)
        hi = c->cond[TN_CC_LT], hi_open = 1;
    if (c->has[TN_CC_LTE] && c->cond[TN_CC_LTE] < hi)
        hi = c->cond[TN_CC_LTE], hi_open = 0;
    int never = lo > hi || (lo == hi && (lo_open || hi_open));
    if (!never && c->has[TN_CC_EQ]) {
        double e = c->cond[TN_CC_EQ];
        never = e < lo || e > hi || (e == lo && lo_open) || (e == hi && hi_open) ||
                (c->has[TN_CC_NEQ] && c->cond[TN_CC_NEQ] == e);
    }
    /* a count is a whole number: gt 2, lt 3 holds for none */
    int whole = c->type == TN_CORR_EVENT_COUNT || c->type == TN_CORR_VALUE_COUNT ||
                c->type == TN_CORR_TEMPORAL || c->type == TN_CORR_TEMPORAL_ORDERED;
    if (!never && whole && isfinite(lo) && isfinite(hi)) {
        double first = lo_open ? floor(lo) + 1 : ceil(lo), last = hi_open ? ceil(hi) - 1 : floor(hi);
        never = first > last;
    }
    if (!never)
        return NULL;
    snprintf(buf, n, "the condition can never hold: this correlation type's value is %s, and the "
                     "condition allows none of those", whole && c->type != TN_CORR_VALUE_COUNT
                     ? (c->type == TN_CORR_EVENT_COUNT ? "1 or more" : "from 1 to its number of rules")
                     : c->type == TN_CORR_VALUE_COUNT ? "0 or more"
                     : c->type == TN_CORR_VALUE_PERCENTILE ? "above 0 and up to 100" : "any number");
    return buf;
}
