/* ruleset.c - a loaded rule set: its rules' and correlations' metadata,
 * their sources, and freeing it (loading is loader.c). */
#include "sigma/sigma.h"

#include "base/alloc.h"
#include "base/map.h"
#include "sigma/logsource.h"
#include "sigma/ruleset_impl.h"

#include <stdio.h>
#include <string.h>

void tn_ruleset_free(tn_ruleset *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->nres; i++)
        pcre2_code_free(rs->res[i]);
    tn_free(rs->res);
    for (uint32_t i = 0; i < rs->narenas; i++)
        tn_arena_free(&rs->arenas[i]);
    tn_free(rs->arenas);
    tn_free(rs->idx.cands);
    tn_free(rs->idx.tab);
    tn_free(rs->idx.always);
    tn_atoms_free(&rs->atoms);
    tn_lsmap_free(rs->ls);
    tn_arena_free(&rs->a);
    tn_arena_free(&rs->ia);
    tn_free(rs);
}

uint32_t tn_ruleset_count(const tn_ruleset *rs)
{
    return rs ? rs->nrules : 0;
}

/* What a rule or a global filter (r, at index i among its kind) shows. */
static void srule_info(const tn_srule *r, uint32_t i, tn_rule_info *out)
{
    out->id = r->id;
    out->title = r->title;
    out->level = r->level;
    out->status = r->status;
    out->product = r->product ? r->product : "";
    out->category = r->category ? r->category : "";
    out->service = r->service ? r->service : "";
    out->tags = r->tags;
    out->ntags = r->ntags;
    out->file = r->file;
    out->line = r->line;
    out->index = i;
    out->correlation_only = r->corr_only;
    out->is_correlation = 0;
}

void tn_ruleset_info(const tn_ruleset *rs, uint32_t i, tn_rule_info *out)
{
    srule_info(rs->rules[i], i, out);
}

uint32_t tn_ruleset_nfilters(const tn_ruleset *rs)
{
    return rs ? rs->nfilters : 0;
}

void tn_ruleset_filter_info(const tn_ruleset *rs, uint32_t i, tn_rule_info *out)
{
    srule_info(rs->filter_list[i], i, out);
}

uint32_t tn_ruleset_ncorrelations(const tn_ruleset *rs)
{
    return rs ? rs->ncorrs : 0;
}

void tn_ruleset_corr_info(const tn_ruleset *rs, uint32_t i, tn_rule_info *out)
{
    const tn_corr *c = rs->corrs[i];
    memset(out, 0, sizeof(*out));
    out->id = c->id;
    out->title = c->title;
    out->level = c->level;
    out->status = c->status;
    out->product = out->category = out->service = "";
    out->tags = c->tags;
    out->ntags = c->ntags;
    out->file = c->file;
    out->line = c->line;
    out->index = i;
    out->correlation_only = c->corr_only;
    out->is_correlation = 1;
}

uint32_t tn_ruleset_sources(const tn_ruleset *rs, uint32_t i, int *any,
                            void (*cb)(void *ctx, const char *channel, uint32_t eid, int any_eid),
                            void *ctx)
{
    const tn_srule *r = rs->rules[i];
    *any = !r->never && r->nsources == 0;
    /* each pair once: two sources of one channel and EventID (a source
     * with a `where`, and one without) listed it twice */
    tn_map seen;
    tn_map_init(&seen);
    for (uint32_t s = 0; s < r->nsources; s++) {
        const tn_source *src = &r->sources[s];
        for (uint32_t e = 0; e < (src->neids ? src->neids : 1); e++) {
            char key[300];
            int n = snprintf(key, sizeof(key), "%s\x1f%u%s", src->channel, src->neids ? src->eids[e] : 0,
                             src->neids ? "" : "*");
            int added = 1;
            if (n > 0 && (size_t)n < sizeof(key) && tn_map_put(&seen, key, (size_t)n, &added) < 0)
                added = 1;   /* out of memory: listed, perhaps twice */
            if (added)
                cb(ctx, src->channel, src->neids ? src->eids[e] : 0, !src->neids);
        }
    }
    tn_map_free(&seen);
    return r->nsources;
}
