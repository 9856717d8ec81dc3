/* assemble.c - the last steps of loading a rule set, once every file is
 * read: global filters attached to the rules they name, and correlation
 * rules' references resolved (loader.c calls both, in that order). */
#include "sigma/ruleset_impl.h"

#include "base/alloc.h"

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

/* Whether a filter's reference ref names r: its id (a UUID, whose hex
 * digits may be written in either case: RFC 9562), its name (the spec's
 * "can be used instead of the id as a reference"), or its title. */
static int names_rule(const char *ref, const tn_srule *r)
{
    return (r->id[0] && !strcasecmp(r->id, ref)) || (r->name && !strcmp(r->name, ref)) ||
           !strcmp(r->title, ref);
}

/* Attaches each global filter to the rules it names (names_rule), or to
 * every rule with `rules: any`, of those within its logsource. */
int tn_filters_attach(tn_ruleset *rs, tn_srule **all, uint32_t nall)
{
    for (uint32_t f = 0; f < nall; f++) {
        tn_srule *flt = all[f];
        if (!flt->is_filter)
            continue;
        int any = flt->nfilter_rules == 1 && !strcasecmp(flt->filter_rules[0], "any");
        for (uint32_t i = 0; i < nall; i++) {
            tn_srule *r = all[i];
            if (r->is_filter || !ls_contains(flt, r))
                continue;
            int hit = any;
            for (uint32_t k = 0; k < flt->nfilter_rules && !hit; k++)
                hit = names_rule(flt->filter_rules[k], r);
            if (!hit)
                continue;
            tn_srule **nf = tn_arena_alloc(&rs->a, (r->nfilters + 1) * sizeof(*nf));
            if (!nf)
                return -1;
            if (r->nfilters)
                memcpy(nf, r->filters, r->nfilters * sizeof(*nf));
            nf[r->nfilters++] = flt;
            r->filters = nf;
        }
    }
    return 0;
}

static int refers(const char *ref, const char *id, const char *name)
{
    return (id && id[0] && !strcmp(ref, id)) || (name && !strcmp(ref, name));
}

/* Points each reference at a rule or a correlation; a correlation with an
 * unknown reference, or in a reference cycle, is rejected. */
static int resolve_refs(const tn_ruleset *rs, tn_corr *const *corrs, uint32_t ncorrs, tn_corr *c, char *why,
                        size_t n)
{
    for (uint32_t k = 0; k < c->nrefs; k++) {
        c->ref_rule[k] = c->ref_corr[k] = -1;
        for (uint32_t i = 0; i < rs->nrules && c->ref_rule[k] < 0; i++)
            if (refers(c->refs[k], rs->rules[i]->id, rs->rules[i]->name))
                c->ref_rule[k] = (int32_t)i;
        for (uint32_t i = 0; i < ncorrs && c->ref_rule[k] < 0 && c->ref_corr[k] < 0; i++)
            if (corrs[i] && refers(c->refs[k], corrs[i]->id, corrs[i]->name))
                c->ref_corr[k] = (int32_t)i;
        if (c->ref_rule[k] < 0 && c->ref_corr[k] < 0) {
            snprintf(why, n, "correlation refers to unknown rule '%.100s'", c->refs[k]);
            return -1;
        }
    }
    return 0;
}

/* 1 if following correlation references from c can come back to start. */
static int cyclic(tn_corr *const *corrs, const tn_corr *c, const tn_corr *start, int depth)
{
    if (depth > 64)
        return 1;
    for (uint32_t k = 0; k < c->nrefs; k++) {
        if (c->ref_corr[k] < 0 || !corrs[c->ref_corr[k]])
            continue;
        const tn_corr *d = corrs[c->ref_corr[k]];
        if (d == start || cyclic(corrs, d, start, depth + 1))
            return 1;
    }
    return 0;
}

int tn_corrs_resolve(tn_ruleset *rs, tn_corr **corrs, uint32_t ncorrs, tn_reject_fn reject, void *ctx)
{
    char why[200];
    for (uint32_t i = 0; i < ncorrs; i++)
        if (resolve_refs(rs, corrs, ncorrs, corrs[i], why, sizeof(why))) {
            reject(ctx, corrs[i]->file, corrs[i]->line, corrs[i]->col, why);
            corrs[i] = NULL;
        }
    for (uint32_t i = 0; i < ncorrs; i++) {
        if (!corrs[i])
            continue;
        why[0] = 0;
        if (resolve_refs(rs, corrs, ncorrs, corrs[i], why, sizeof(why)) ||
            cyclic(corrs, corrs[i], corrs[i], 0)) {
            reject(ctx, corrs[i]->file, corrs[i]->line, corrs[i]->col,
                   why[0] ? why : "correlation references form a cycle");
            corrs[i] = NULL;
            i = (uint32_t)-1;   /* a reference may have pointed here: check all again */
        }
    }
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
    return 0;
}

