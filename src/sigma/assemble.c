/* assemble.c - the last steps of loading a rule set, once every file is
 * read: global filters attached to the rules they name, and correlation
 * rules' references resolved (loader.c calls both, in that order). */
#include "sigma/ruleset_impl.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/map.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A filter's logsource contains a rule's when each of its product,
 * category and service is either unset or the rule's own (as pySigma's
 * SigmaLogSource containment). */
static int ls_part(const char *flt, const char *rule)
{
    return !flt || !flt[0] || (rule && !strcmp(flt, rule));
}

static int ls_contains(const tn_srule *flt, const tn_srule *r)
{
    return ls_part(flt->product, r->product) && ls_part(flt->category, r->category) &&
           ls_part(flt->service, r->service);
}

/* The rules a filter may name, by id (lower-cased), name and title: each
 * key's rules chained through next[] from head[key]. A search of every
 * rule for each name was names x rules (one filter naming 20,000 ids,
 * with SigmaHQ's rules: 2.7 s; a review, session 24). */
typedef struct ref_index {
    tn_map m[3];               /* 0 ids, 1 names, 2 titles */
    uint32_t *head[3];         /* per key: the last rule of it + 1 (0: none) */
    size_t cap[3];
    uint32_t *next[3];         /* per rule: the rule before it of its key + 1 */
    tn_buf low;                /* an id lower-cased (any length) */
} ref_index;

static void ref_index_free(ref_index *x)
{
    for (int t = 0; t < 3; t++) {
        tn_map_free(&x->m[t]);
        tn_free(x->head[t]);
        tn_free(x->next[t]);
    }
    tn_buf_free(&x->low);
}

/* s lower-cased (ASCII) into b, whose text it returns; NULL when out of
 * memory. Any length: an id is not checked to be a UUID, and a fixed
 * buffer left long ids out of the index (a review, session 24). */
static const char *lower_id(const char *s, tn_buf *b)
{
    tn_buf_clear(b);
    for (; *s; s++)
        tn_buf_putc(b, (char)tolower((unsigned char)*s));
    return tn_buf_ok(b) && b->data ? b->data : NULL;
}

static int ref_index_build(ref_index *x, tn_srule **all, uint32_t nall)
{
    memset(x, 0, sizeof(*x));
    for (int t = 0; t < 3; t++) {
        tn_map_init(&x->m[t]);
        if (!(x->next[t] = tn_calloc(nall ? nall : 1, sizeof(uint32_t))))
            return -1;
    }
    for (uint32_t i = 0; i < nall; i++) {
        const tn_srule *r = all[i];
        if (r->is_filter)
            continue;
        const char *low = r->id[0] ? lower_id(r->id, &x->low) : "";
        if (!low)
            return -1;
        const char *key[3] = {low, r->name, r->title};
        size_t len[3] = {strlen(low), r->name ? strlen(r->name) : 0, strlen(r->title)};
        for (int t = 0; t < 3; t++) {
            if (!len[t])
                continue;
            uint32_t *h = tn_map_grow_ids(&x->m[t], x->head[t], &x->cap[t], sizeof(*h));
            if (!h)
                return -1;
            x->head[t] = h;
            int added;
            long id = tn_map_put(&x->m[t], key[t], len[t], &added);
            if (id < 0)
                return -1;
            x->next[t][i] = x->head[t][id];
            x->head[t][id] = i + 1;
        }
    }
    return 0;
}

/* Calls fn(ctx, i) for each rule all[i] that ref names: its id (a UUID,
 * whose hex digits may be written in either case: RFC 9562), its name
 * (the spec's "can be used instead of the id as a reference"), or its
 * title; a rule named two ways more than once. */
static void ref_each(ref_index *x, const char *ref, void (*fn)(void *ctx, uint32_t i), void *ctx)
{
    const char *low = lower_id(ref, &x->low);   /* NULL (out of memory): not by id */
    const char *key[3] = {low, ref, ref};
    size_t len[3] = {low ? strlen(low) : 0, strlen(ref), strlen(ref)};
    for (int t = 0; t < 3; t++) {
        long id = len[t] ? tn_map_get(&x->m[t], key[t], len[t]) : -1;
        for (uint32_t i = id >= 0 ? x->head[t][id] : 0; i; i = x->next[t][i - 1])
            fn(ctx, i - 1);
    }
}

/* One filter's pass over the rules it names (attach): count the rules
 * it applies to, or fill their lists; note whether a name was loaded and
 * within the filter's logsource. */
typedef struct attach {
    tn_srule *flt;
    tn_srule **all;
    uint32_t *mark;            /* per rule: the last pass (one a filter) that took it */
    uint32_t pass;
    int fill;                  /* 0: count[] (nfilters), 1: append to filters */
    int named, inside;
} attach;

static void take(void *ctx, uint32_t i)
{
    attach *A = ctx;
    tn_srule *r = A->all[i];
    A->named = 1;
    if (!ls_contains(A->flt, r))
        return;
    A->inside = 1;
    if (A->mark[i] == A->pass)
        return;   /* named twice (id and title, or two of its names) */
    A->mark[i] = A->pass;
    if (A->fill)
        r->filters[r->nfilters++] = A->flt;
    else
        r->nfilters++;
}

/* Attaches each global filter to the rules it names, or to every rule
 * with `rules: any`, of those within its logsource; warns when a filter
 * names a rule that is not loaded, or one outside its logsource (a
 * misspelt id filtered nothing without a word). Each rule's list is
 * allocated once, in two passes (count, fill): grown by one for each
 * filter it was 4 F^2 bytes a rule for F filters (5,000 filters with
 * `rules: any`: killed at 24 GB; a review, session 24). */
int tn_filters_attach(tn_ruleset *rs, tn_srule **all, uint32_t nall, tn_corr *const *corrs, uint32_t ncorrs,
                      tn_reject_fn warn, void *ctx)
{
    uint32_t nflt = 0;
    for (uint32_t f = 0; f < nall; f++)
        nflt += all[f]->is_filter;
    if (!nflt)
        return 0;
    if (!(rs->filter_list = tn_arena_alloc(&rs->a, nflt * sizeof(*rs->filter_list))))
        return -1;
    ref_index x;
    attach A = {.all = all, .mark = tn_calloc(nall, sizeof(uint32_t))};
    int rc = A.mark && !ref_index_build(&x, all, nall) ? 0 : -1;
    for (A.fill = 0; !rc && A.fill < 2; A.fill++) {
        for (uint32_t i = 0; A.fill && i < nall && !rc; i++) {
            tn_srule *r = all[i];
            if (r->is_filter || !r->nfilters)
                continue;
            if (!(r->filters = tn_arena_alloc(&rs->a, r->nfilters * sizeof(*r->filters))))
                rc = -1;
            r->nfilters = 0;
        }
        for (uint32_t f = 0; f < nall && !rc; f++) {
            tn_srule *flt = all[f];
            if (!flt->is_filter)
                continue;
            A.flt = flt;
            A.pass++;
            if (!A.fill) {
                flt->filter_ix = rs->nfilters;
                rs->filter_list[rs->nfilters++] = flt;
            }
            if (flt->filter_any) {
                for (uint32_t i = 0; i < nall; i++)
                    if (!all[i]->is_filter)
                        take(&A, i);
                continue;
            }
            for (uint32_t k = 0; k < flt->nfilter_rules; k++) {
                A.named = A.inside = 0;
                ref_each(&x, flt->filter_rules[k], take, &A);
                if (A.fill || !warn || (A.named && A.inside))
                    continue;
                const char *ref = flt->filter_rules[k];
                int corr = 0;   /* a correlation's name: as for rules, an id in either case */
                for (uint32_t c = 0; !A.named && c < ncorrs && !corr; c++)
                    corr = (corrs[c]->id && !strcasecmp(corrs[c]->id, ref)) ||
                           (corrs[c]->name && !strcmp(corrs[c]->name, ref)) ||
                           (corrs[c]->title && !strcmp(corrs[c]->title, ref));
                char why[260];
                /* "it": when the filter names nothing else (it said so
                 * of a filter whose other names were loaded: a review) */
                snprintf(why, sizeof(why), "filter names %s '%.100s', %s: %s filters nothing",
                         corr ? "correlation" : "rule", ref,
                         A.named ? "whose logsource is outside the filter's"
                              : corr ? "but filters apply to rules (and so to the correlations they feed)"
                                     : "which is not loaded",
                         flt->nfilter_rules == 1 ? "it" : "that name");
                warn(ctx, flt->file, flt->filter_at ? flt->filter_at[2 * k] : flt->line,
                     flt->filter_at ? flt->filter_at[2 * k + 1] : flt->col, why);
            }
        }
    }
    if (A.mark)
        ref_index_free(&x);
    tn_free(A.mark);
    return rc;
}

/* Ids are meant to be unique (the specification: a UUID each). Two rules
 * of one id load, but the detections of both carry it, a filter naming
 * it applies to both, and a correlation naming it is refused: said. So
 * are two of one name (the specification: "a unique human-readable name"),
 * which a filter names as it names an id, and so are a rule and a
 * correlation, or two correlations, of one id or name (a review, session
 * 27). A legacy aggregation's correlation shares its rule's id: left out. */
typedef struct named {
    const char *id, *name, *file;
    uint32_t line, col;
    const uint32_t *at;   /* line and column of the id, then of the name (0: the document's) */
} named;

/* by_name: names (as written), else ids (in any case). */
static int dup_warn(const named *v, uint32_t nv, int by_name, tn_reject_fn warn, void *ctx)
{
    tn_map m;
    tn_map_init(&m);
    uint32_t *first = NULL;
    size_t cap = 0;
    tn_buf b = {0};
    int rc = 0;
    for (uint32_t i = 0; i < nv && !rc; i++) {
        const char *id = by_name ? v[i].name : v[i].id;
        if (!id || !id[0])
            continue;
        const char *low = by_name ? id : lower_id(id, &b);
        size_t n = low ? strlen(low) : 0;
        if (!low) {
            rc = -1;
            break;
        }
        uint32_t *f = tn_map_grow_ids(&m, first, &cap, sizeof(*f));
        int added;
        long at = f ? tn_map_put(&m, low, n, &added) : -1;
        if (f)
            first = f;
        if (at < 0) {
            rc = -1;
        } else if (added) {
            first[at] = i;
        } else if (warn) {
            const named *o = &v[first[at]];
            char why[400];
            if (by_name)
                snprintf(why, sizeof(why), "name '%.60s' is also the name of %.200s:%u: names should be "
                         "unique (a filter naming it applies to both, and a correlation naming it is "
                         "refused)", id, o->file, o->at[2] ? o->at[2] : o->line);
            else
                snprintf(why, sizeof(why), "id '%.60s' is also the id of %.200s:%u: ids should be unique "
                         "(the detections of both carry it, and a filter naming it applies to both)", id,
                         o->file, o->at[0] ? o->at[0] : o->line);
            const uint32_t *p = v[i].at + (by_name ? 2 : 0);
            warn(ctx, v[i].file, p[0] ? p[0] : v[i].line, p[0] ? p[1] : v[i].col, why);
        }
    }
    tn_buf_free(&b);
    tn_free(first);
    tn_map_free(&m);
    return rc;
}

int tn_ids_warn(tn_srule **all, uint32_t nall, tn_corr **corrs, uint32_t ncorrs, tn_reject_fn warn,
                void *ctx)
{
    named *v = tn_malloc(((size_t)nall + ncorrs + 1) * sizeof(*v));
    if (!v)
        return -1;
    uint32_t nv = 0;
    for (uint32_t i = 0; i < nall; i++)
        v[nv++] = (named){all[i]->id, all[i]->name, all[i]->file, all[i]->line, all[i]->col, all[i]->id_at};
    for (uint32_t i = 0; i < ncorrs; i++)
        if (corrs[i] && !corrs[i]->legacy_of)
            v[nv++] = (named){corrs[i]->id, corrs[i]->name, corrs[i]->file, corrs[i]->line, corrs[i]->col,
                              corrs[i]->id_at};
    int rc = dup_warn(v, nv, 0, warn, ctx) || dup_warn(v, nv, 1, warn, ctx) ? -1 : 0;
    tn_free(v);
    return rc;
}

/* Whether ref names the rule of this id or name: an id in any case (a
 * UUID's hex digits are case-insensitive, RFC 9562; the filters take
 * them so too), a name as written. */
static int refers(const char *ref, const char *id, const char *name)
{
    return (id && id[0] && !strcasecmp(ref, id)) || (name && !strcmp(ref, name));
}

/* Points each reference at a rule or a correlation. A correlation with an
 * unknown reference, one that names two rules (a name given twice: the
 * spec wants names unique), the same rule twice (the schema's
 * uniqueItems; 4,000 copies of one made temporal_ordered take minutes), or
 * an alias for a rule it does not reference, is rejected. */
static int resolve_refs(const tn_ruleset *rs, tn_corr *const *corrs, uint32_t ncorrs, tn_corr *c, char *why,
                        size_t n, uint32_t *pos)
{
    if (c->legacy_of) {   /* its rule, which shares its id: by the object */
        c->ref_rule[0] = c->ref_corr[0] = -1;
        for (uint32_t i = 0; i < rs->nrules; i++)
            if (rs->rules[i] == c->legacy_of)
                c->ref_rule[0] = (int32_t)i;
        if (c->ref_rule[0] < 0) {
            snprintf(why, n, "the rule of this aggregation was not loaded");
            return -1;
        }
        return 0;
    }
    for (uint32_t k = 0; k < c->nrefs; k++) {
        int found = 0;
        if (c->ref_at) {   /* a failure below is reported at this reference */
            pos[0] = c->ref_at[2 * k];
            pos[1] = c->ref_at[2 * k + 1];
        }
        c->ref_rule[k] = c->ref_corr[k] = -1;
        for (uint32_t i = 0; i < rs->nrules && found < 2; i++)
            if (refers(c->refs[k], rs->rules[i]->id, rs->rules[i]->name) && found++ == 0)
                c->ref_rule[k] = (int32_t)i;
        /* a legacy aggregation's correlation shares its rule's id: that
         * id names the rule (two were found, and the reference refused) */
        for (uint32_t i = 0; i < ncorrs && found < 2; i++)
            if (corrs[i] && corrs[i] != c && !corrs[i]->legacy_of &&
                refers(c->refs[k], corrs[i]->id, corrs[i]->name) && found++ == 0)
                c->ref_corr[k] = (int32_t)i;
        if (refers(c->refs[k], c->id, c->name)) {
            snprintf(why, n, "correlation refers to itself ('%.100s')", c->refs[k]);
            return -1;
        }
        if (!found) {
            snprintf(why, n, "correlation refers to unknown rule '%.60s' (no rule or correlation loaded has "
                             "that name or id: a refused one is not loaded)", c->refs[k]);
            return -1;
        }
        if (found > 1) {
            snprintf(why, n, "correlation refers to '%.100s', the id or name of two rules or correlations",
                     c->refs[k]);
            return -1;
        }
        for (uint32_t j = 0; j < k; j++)
            if (c->ref_rule[j] == c->ref_rule[k] && c->ref_corr[j] == c->ref_corr[k]) {
                snprintf(why, n, "correlation refers to one rule twice ('%.60s', '%.60s')", c->refs[j],
                         c->refs[k]);
                return -1;
            }
    }
    for (uint32_t a = 0; a < c->naliases; a++)
        for (uint32_t x = 0; x < c->aliases[a].n; x++) {
            const char *want = c->aliases[a].rule_names[x];
            uint32_t k = 0;
            for (; k < c->nrefs; k++) {   /* by the reference, or the rule's name or id */
                const char *nm = c->ref_rule[k] >= 0 ? rs->rules[c->ref_rule[k]]->name : corrs[c->ref_corr[k]]->name;
                const char *id = c->ref_rule[k] >= 0 ? rs->rules[c->ref_rule[k]]->id : corrs[c->ref_corr[k]]->id;
                if (!strcmp(c->refs[k], want) || (nm && !strcmp(nm, want)) || (id && id[0] && !strcasecmp(id, want)))
                    break;
            }
            if (k == c->nrefs) {
                pos[0] = pos[1] = 0;   /* the correlation's own place */
                snprintf(why, n, "alias '%.40s' names rule '%.60s', which the correlation does not refer to",
                         c->aliases[a].alias, c->aliases[a].rule_names[x]);
                return -1;
            }
            /* keyed from here on by the name the rule goes by when
             * matched (tn_corr_ref_key): an alias keyed by the rule's id
             * was accepted and never applied (a review, session 23) */
            const char *key = tn_corr_ref_key(c->ref_rule[k] >= 0 ? rs->rules[c->ref_rule[k]]->name : corrs[c->ref_corr[k]]->name,
                                              c->ref_rule[k] >= 0 ? rs->rules[c->ref_rule[k]]->id : corrs[c->ref_corr[k]]->id);
            if (key)
                c->aliases[a].rule_names[x] = key;
        }
    return 0;
}

/* chain_lens' marks: not yet followed, being followed, rejected. */
#define CH_NEW 0u
#define CH_OPEN UINT32_MAX
#define CH_BAD (UINT32_MAX - 1)

/* len[i]: the number of correlations on the longest chain of references
 * from correlation i (1: it reads rules only), or CH_BAD for one on a
 * cycle, on a chain over TN_CORR_MAX_CHAIN, or referring to one rejected,
 * with the reason in why[i]; also one that reads rules through more than
 * TN_CORR_MAX_PATHS paths of correlations, as each path carries its hits
 * (40 levels of two correlations, each reading both below it, made 2^40
 * hits of four events, until the kernel killed the hunt). Depth first
 * without recursion (a hostile file can chain any number), each
 * correlation followed once: following every path anew took minutes on
 * the same file. w: 4 * ncorrs scratch words. */
static void chain_lens(tn_corr *const *corrs, uint32_t ncorrs, uint32_t *len, char (*why)[200], uint32_t *w)
{
    uint32_t *stk = w, *pos = w + ncorrs, *best = w + 2 * ncorrs, *paths = w + 3 * ncorrs, sp = 0;
    for (uint32_t r = 0; r < ncorrs; r++) {
        if (!corrs[r] || len[r] != CH_NEW)
            continue;
        len[r] = CH_OPEN, pos[r] = 0, best[r] = 1, paths[r] = 0, stk[sp++] = r;
        while (sp) {
            uint32_t i = stk[sp - 1];
            const tn_corr *c = corrs[i];
            if (pos[i] == c->nrefs) {   /* every reference followed */
                paths[i] = paths[i] ? paths[i] : 1;   /* rules only: one way in */
                len[i] = paths[i] > TN_CORR_MAX_PATHS ? CH_BAD : best[i];
                if (len[i] == CH_BAD)
                    snprintf(why[i], sizeof(why[i]),
                             "correlation reads its rules through more than %d paths of correlations",
                             TN_CORR_MAX_PATHS);
                sp--;
                continue;
            }
            uint32_t k = pos[i];
            int32_t j = c->ref_corr[k];
            if (j < 0) {   /* a rule: its matches come one way (257 rules are no 257 paths) */
                pos[i]++;
                continue;
            }
            if (corrs[j] && len[j] == CH_NEW) {   /* follow it; k is taken again after */
                len[j] = CH_OPEN, pos[j] = 0, best[j] = 1, paths[j] = 0, stk[sp++] = (uint32_t)j;
                continue;
            }
            uint32_t l = corrs[j] ? len[j] : CH_BAD;
            pos[i]++;
            if (l == CH_OPEN) {   /* every one on the stack from j up is on the cycle */
                uint32_t at = sp;
                while (stk[at - 1] != (uint32_t)j)
                    at--;
                at--;
                char path[150];
                size_t used = 0;
                for (uint32_t m = at; m <= sp && used < sizeof(path); m++) {
                    const tn_corr *x = corrs[stk[m < sp ? m : at]];
                    used += (size_t)snprintf(path + used, sizeof(path) - used, "%s'%.40s'", m > at ? " -> " : "",
                                             x->name ? x->name : x->id ? x->id : "?");
                }
                for (uint32_t m = at; m < sp; m++) {
                    snprintf(why[stk[m]], sizeof(why[stk[m]]), "correlation references form a cycle (%s)", path);
                    len[stk[m]] = CH_BAD;
                }
                sp = at;
                continue;
            }
            if (l == CH_BAD || l >= TN_CORR_MAX_CHAIN) {
                snprintf(why[i], sizeof(why[i]),
                         l == CH_BAD ? "correlation refers to '%.100s', which is rejected"
                                     : "correlation chain longer than 64 correlations (through '%.100s')",
                         c->refs[k]);
                len[i] = CH_BAD;
                sp--;
                continue;
            }
            best[i] = l + 1 > best[i] ? l + 1 : best[i];
            paths[i] += paths[j] < TN_CORR_MAX_PATHS ? paths[j] : TN_CORR_MAX_PATHS;   /* no wrap */
        }
    }
}

/* Adds name to u's carry unless u groups by it or carries it; *changed
 * when added. 0, or -1 out of memory. */
static int carry_add(tn_ruleset *rs, tn_corr *u, const char *name, int *changed)
{
    for (uint32_t i = 0; i < u->ngroup; i++)
        if (!strcmp(u->group_by[i], name))
            return 0;
    for (uint32_t i = 0; i < u->ncarry; i++)
        if (!strcmp(u->carry[i], name))
            return 0;
    const char **nc = tn_arena_alloc(&rs->a, (u->ncarry + 1) * sizeof(*nc));
    if (!nc)
        return -1;
    if (u->ncarry)
        memcpy(nc, u->carry, u->ncarry * sizeof(*nc));
    nc[u->ncarry++] = name;
    u->carry = nc;
    *changed = 1;
    return 0;
}

/* Each correlation's carry (tn_corr): what those reading it group by,
 * aggregate or carry themselves, by the name it goes by in their
 * aliases, less its own group-by. Passes until nothing changes (a chain
 * is at most TN_CORR_MAX_CHAIN long). 0, or -1 out of memory. */
static int carry_fields(tn_ruleset *rs)
{
    for (int changed = 1; changed;) {
        changed = 0;
        for (uint32_t d = 0; d < rs->ncorrs; d++) {
            const tn_corr *dc = rs->corrs[d];
            for (uint32_t k = 0; k < dc->nrefs; k++) {
                if (dc->ref_corr[k] < 0)
                    continue;
                tn_corr *u = rs->corrs[dc->ref_corr[k]];
                const char *as = tn_corr_ref_key(u->name, u->id);   /* what d's aliases know u by */
                for (uint32_t i = 0; i < tn_corr_ninputs(dc); i++)
                    if (carry_add(rs, u, tn_corr_field(dc, tn_corr_input(dc, i), as), &changed))
                        return -1;
            }
        }
    }
    return 0;
}

int tn_corrs_resolve(tn_ruleset *rs, tn_corr **corrs, uint32_t ncorrs, tn_reject_fn reject, void *ctx)
{
    uint32_t *len = tn_calloc(ncorrs ? ncorrs : 1, 7 * sizeof(*len));
    char(*whys)[200] = tn_calloc(ncorrs ? ncorrs : 1, sizeof(*whys));
    if (!len || !whys) {
        tn_free(len);
        tn_free(whys);
        return -1;
    }
    uint32_t *pos = len + 5 * (size_t)ncorrs;   /* per correlation: where its failure is */
    /* every one resolved against all, then the failures dropped: dropped
     * as found, what a later one was told (and whether a name it used was
     * taken twice) hung on the order of the files */
    for (uint32_t i = 0; i < ncorrs; i++)
        if (resolve_refs(rs, corrs, ncorrs, corrs[i], whys[i], sizeof(whys[i]), pos + 2 * (size_t)i))
            len[i] = CH_BAD;
    for (uint32_t i = 0; i < ncorrs; i++)
        if (len[i] == CH_BAD) {
            const uint32_t *p = pos + 2 * (size_t)i;
            reject(ctx, corrs[i]->file, p[0] ? p[0] : corrs[i]->line, p[0] ? p[1] : corrs[i]->col, whys[i]);
            corrs[i] = NULL;
        }
    chain_lens(corrs, ncorrs, len, whys, len + ncorrs);
    for (uint32_t i = 0; i < ncorrs; i++)
        if (corrs[i] && len[i] == CH_BAD) {
            reject(ctx, corrs[i]->file, corrs[i]->line, corrs[i]->col, whys[i]);
            corrs[i] = NULL;
        }
    tn_free(len);
    tn_free(whys);
    rs->corrs = tn_arena_alloc(&rs->a, (ncorrs ? ncorrs : 1) * sizeof(*rs->corrs));
    if (!rs->corrs)
        return -1;
    /* compact, renumbering correlation references */
    int32_t *map = tn_malloc((ncorrs ? ncorrs : 1) * sizeof(*map));
    if (!map)
        return -1;
    for (uint32_t i = 0; i < ncorrs; i++) {
        map[i] = corrs[i] ? (int32_t)rs->ncorrs : -1;
        if (corrs[i])
            rs->corrs[rs->ncorrs++] = corrs[i];
    }
    for (uint32_t i = 0; i < rs->ncorrs; i++) {
        tn_corr *c = rs->corrs[i];
        for (uint32_t k = 0; k < c->nrefs; k++) {
            if (c->ref_corr[k] >= 0)
                c->ref_corr[k] = map[c->ref_corr[k]];
            if (c->ref_rule[k] >= 0 && !c->generate)
                rs->rules[c->ref_rule[k]]->corr_only = 1;
            if (c->ref_corr[k] >= 0 && !c->generate)   /* a correlation of correlations */
                rs->corrs[c->ref_corr[k]]->corr_only = 1;
        }
    }
    tn_free(map);
    return carry_fields(rs);
}

