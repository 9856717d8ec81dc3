/* loaddoc.c - one YAML document of a rule file into a detection rule, a
 * global filter or a correlation (loader.c reads the files, on several
 * threads, and replays what each gave in order): the metadata the
 * specification makes mandatory, the detection compiled, the warnings a
 * rule's reader should see, each at its file:line:col. */
#include "sigma/loader_impl.h"

#include "base/alloc.h"
#include "base/file.h"
#include "sigma/cond.h"
#include "sigma/config.h"
#include "sigma/meta.h"
#include "sigma/usable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The document's tags (t: its 'tags' value), as a list in the rule set's
 * arena (none when out of memory: tags only label detections). */
static void fill_tags(unit *U, const tn_ynode *t, const char ***tags, uint32_t *n)
{
    *n = 0;
    *tags = NULL;
    if (!t || t->kind != TN_Y_SEQ || !t->count)
        return;
    *tags = tn_arena_calloc(U->a, t->count * sizeof(**tags));
    int oom = 0;
    for (const tn_ynode *e = t->child; *tags && e && !oom; e = e->next)
        if (e->kind == TN_Y_SCALAR)
            (*tags)[(*n)++] = tn_ld_keep_str(U, e->str, &oom);
}


/* Where byte off of the scalar at's value is in file: over several lines
 * (plain, folded or block) its offset cannot be added to its column
 * (`condition: >` put an error at the '>'; a review, session 29). From
 * the text being loaded, or, after a parse from the cache (which has no
 * text), from the file read again: a rare path. *line and *col are kept
 * when it cannot be. */
static void scalar_pos(unit *U, const char *file, const tn_ynode *at, size_t off, uint32_t *line,
                       uint32_t *col)
{
    if (U->pos_file != file) {   /* once a file: 40,000 errors were 40,000 walks from its start */
        tn_ld_pos_done(U);
        U->pos_file = file;
        U->pos_src = U->src;
        U->pos_len = U->srclen;
        if (!U->src && !tn_file_read(file, MAX_RULE_FILE, &U->pos_owned, &U->pos_len))
            U->pos_src = U->pos_owned;
        if (U->pos_src)
            U->pos_lines = tn_yaml_line_starts(U->pos_src, U->pos_len, &U->pos_nl);
    }
    uint32_t l, c;
    if (U->pos_lines && at->line >= 1 && at->line <= U->pos_nl &&
        !tn_yaml_scalar_pos(U->pos_src, U->pos_len, U->pos_lines[at->line - 1], at->line, at->col, off, &l, &c))
        *line = l, *col = c;
}

void tn_ld_pos_done(unit *U)
{
    tn_free(U->pos_owned);
    tn_free(U->pos_lines);
    U->pos_owned = NULL;
    U->pos_lines = NULL;
    U->pos_src = U->pos_file = NULL;
    U->pos_len = U->pos_nl = 0;
}

/* Returns -1 when out of memory. */
static int fill_meta(unit *U, tn_srule *r, const tn_ynode *doc, const tn_dkeys *dk, const char *file)
{
    const tn_ynode *ls = dk->v[TN_K_LOGSOURCE];
    int oom = 0;
    r->id = tn_ld_keep_str(U, tn_ld_str_or(dk->v[TN_K_ID], ""), &oom);
    for (int k = 0; k < 2; k++) {   /* where a warning of a repeated id or name points */
        const tn_ynode *v = dk->v[k ? TN_K_NAME : TN_K_ID];
        if (v) {
            r->id_at[2 * k] = v->line;
            r->id_at[2 * k + 1] = v->col;
        }
    }
    r->title = tn_ld_keep_str(U, tn_ld_str_or(dk->v[TN_K_TITLE], ""), &oom);
    r->level = tn_ld_keep_str(U, tn_ld_str_or(dk->v[TN_K_LEVEL], ""), &oom);
    r->status = tn_ld_keep_str(U, tn_ld_str_or(dk->v[TN_K_STATUS], ""), &oom);
    r->product = tn_ld_keep_str(U, tn_ld_str_or(tn_ymap_get(ls, "product"), NULL), &oom);
    r->category = tn_ld_keep_str(U, tn_ld_str_or(tn_ymap_get(ls, "category"), NULL), &oom);
    r->service = tn_ld_keep_str(U, tn_ld_str_or(tn_ymap_get(ls, "service"), NULL), &oom);
    r->file = file;
    r->line = doc->line;
    r->col = doc->col;
    r->name = tn_ld_keep_str(U, tn_ld_str_or(dk->v[TN_K_NAME], NULL), &oom);
    if (oom)
        return -1;
    fill_tags(U, dk->v[TN_K_TAGS], &r->tags, &r->ntags);
    int never;
    tn_lsmap_resolve(U->L->rs->ls, r->product, r->category, r->service, &r->sources, &r->nsources,
                     &never);
    r->never = (uint8_t)never;
    r->aliases = tn_lsmap_aliases(U->L->rs->ls, &r->naliases);
    return 0;
}

/* Keeps only the sources on which r can match (sigma/usable.c). A rule
 * left with none can never match a Windows event. */
static int prune_sources(unit *U, tn_srule *r)
{
    uint32_t keep = 0;
    for (uint32_t i = 0; i < r->nsources; i++)
        keep += (uint32_t)tn_source_usable(&r->sources[i], r);
    if (keep == r->nsources)
        return 0;
    tn_source *ns = tn_arena_alloc(U->a, (keep ? keep : 1) * sizeof(*ns));
    if (!ns)
        return -1;
    uint32_t k = 0;
    for (uint32_t i = 0; i < r->nsources; i++)
        if (tn_source_usable(&r->sources[i], r))
            ns[k++] = r->sources[i];
    r->sources = ns;
    r->nsources = keep;
    r->never |= keep == 0;
    return 0;
}

static void vctx_init(unit *U, tn_vctx *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    c->a = U->a;
    c->placeholders = U->L->placeholders;
    c->err = err;
    c->errlen = errlen;
    err[0] = 0;
    c->res = U->res;
    c->nres = U->nres;
    c->capres = U->capres;
}

static void vctx_done(unit *U, tn_vctx *c)
{
    U->res = c->res;
    U->nres = c->nres;
    U->capres = c->capres;
}

static void schema_warn(unit *U, const tn_ynode *doc, const tn_ynode *det, const char *file);

static int load_corr(unit *U, const tn_ynode *doc, const tn_dkeys *dk, const char *file)
{
    char err[256];
    const tn_ynode *at = doc;
    /* a misspelt level or status (informational hits, hidden): refused */
    const char *why = tn_check_labels(dk, &at);
    if (why) {
        tn_ld_reject(U, file, at ? at->line : doc->line, at ? at->col : doc->col, why);
        return 0;
    }
    tn_corr *c = tn_arena_calloc(U->a, sizeof(*c));
    if (!c)
        return -1;
    if (tn_corr_compile(U->a, doc, file, c, err, sizeof(err), &at)) {
        tn_ld_reject(U, file, at ? at->line : doc->line, at ? at->col : doc->col, err);
        return 0;
    }
    if ((why = tn_corr_warning(c, err, sizeof(err))))
        tn_ld_warn(U, file, c->line, c->col, why);
    schema_warn(U, doc, NULL, file);
    fill_tags(U, tn_ymap_get(doc, "tags"), &c->tags, &c->ntags);
    return tn_ld_out_obj(U, OUT_CORR, c);
}

/* Whether condition text c starts with the word 'not' (after spaces and
 * opening parentheses): pySigma's filters are written so, 'not sel' as
 * much as 'not sel and not other', whose tree's root is an 'and'. */
static int starts_with_not(const char *c)
{
    while (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n' || *c == '(')
        c++;
    return !strncasecmp(c, "not", 3) && c[3] && strchr(" \t\r\n(", c[3]);
}

/* A filter's condition (a scalar, or a list of them, ORed) of which one
 * starts with 'not', or NULL. */
static const tn_ynode *not_condition(const tn_ynode *cn)
{
    if (cn && cn->kind == TN_Y_SCALAR)
        return starts_with_not(cn->str) ? cn : NULL;
    for (const tn_ynode *e = cn && cn->kind == TN_Y_SEQ ? cn->child : NULL; e; e = e->next)
        if (e->kind == TN_Y_SCALAR && starts_with_not(e->str))
            return e;
    return NULL;
}

typedef struct meta_warn {
    unit *U;
    const char *file;
} meta_warn;

static void on_meta_warn(void *ctx, const tn_ynode *at, const char *why)
{
    meta_warn *m = ctx;
    tn_ld_warn(m->U, m->file, at->line, at->col, why);
}

/* What the schemas say and loading does not need (meta.c), and a search
 * identifier given as one value: read as a keyword search, as pySigma
 * reads it, where the schema wants a list or a map. */
static void schema_warn(unit *U, const tn_ynode *doc, const tn_ynode *det, const char *file)
{
    if (!U->L->o || !U->L->o->on_warn)
        return;
    meta_warn m = {U, file};
    tn_meta_schema_warn(doc, on_meta_warn, &m);
    for (const tn_ynode *k = det && det->kind == TN_Y_MAP ? det->child : NULL; k; k = k->next)
        if (k->kind == TN_Y_SCALAR && k->val && k->val->kind == TN_Y_SCALAR && !tn_ynode_is_null(k->val) &&
            strcmp(k->str, "condition") && strcmp(k->str, "timeframe"))
            tn_ld_warn(U, file, k->val->line, k->val->col,
                       "a search identifier of one value is read as a keyword search (the schema wants a "
                       "list or a map)");
}

/* One document. Returns -1 only on out of memory. */
int tn_ld_load_doc(unit *U, const tn_ynode *doc, const char *file)
{
    char err[512];
    const tn_ynode *bad = doc;
    if (doc->kind != TN_Y_MAP) {
        if (doc->kind == TN_Y_SCALAR && doc->len == 0)
            return 0;  /* empty document, e.g. trailing '---' */
        tn_ld_reject(U, file, doc->line, doc->col, "a rule document must be a YAML map");
        return 0;
    }
    tn_dkeys dk;
    tn_doc_keys(doc, &dk);
    /* two of them: one was dropped (a filter beside a detection, too) */
    const tn_ynode *other = dk.v[TN_K_CORRELATION] ? (dk.v[TN_K_DETECTION] ? dk.v[TN_K_DETECTION] : dk.v[TN_K_FILTER])
                                                : dk.v[TN_K_DETECTION] ? dk.v[TN_K_FILTER] : NULL;
    if (other) {
        tn_ld_reject(U, file, other->line, other->col,
               "a document is a rule (detection), a filter or a correlation rule, not two of them");
        return 0;
    }
    if (dk.v[TN_K_CORRELATION])
        return load_corr(U, doc, &dk, file);
    int is_filter = dk.v[TN_K_FILTER] != NULL && !dk.v[TN_K_DETECTION];
    const char *why = tn_check_meta(doc, &dk, &bad);
    const tn_ynode *det = dk.v[is_filter ? TN_K_FILTER : TN_K_DETECTION];
    if (!why && !det)
        why = "missing 'detection'", bad = doc;
    if (why) {
        tn_ld_reject(U, file, bad ? bad->line : doc->line, bad ? bad->col : doc->col, why);
        return 0;
    }
    tn_srule *r = tn_arena_calloc(U->a, sizeof(*r));
    if (!r)
        return -1;
    if (fill_meta(U, r, doc, &dk, file))
        return -1;
    r->is_filter = (uint8_t)is_filter;
    tn_vctx c;
    vctx_init(U, &c, err, sizeof(err));
    tn_legacy_agg agg;
    c.agg = is_filter ? NULL : &agg;
    agg.present = 0;
    int rc = tn_detection_compile(&c, U->memo, det, is_filter, &r->searches, &r->nsearches, &r->cond);
    vctx_done(U, &c);
    if (rc) {
        const tn_ynode *at = c.err_node ? c.err_node : det;
        uint32_t line = at->line, col = at->col + c.err_col;
        if (c.err_has_off)
            scalar_pos(U, file, at, c.err_off, &line, &col);
        tn_ld_reject(U, file, line, col, err);
        return 0;
    }
    schema_warn(U, doc, is_filter ? NULL : det, file);
    tn_corr *lc = NULL;
    if (agg.present) {   /* a legacy aggregation: its correlation (tn_corr_legacy) */
        const tn_ynode *tf = tn_ymap_get(det, "timeframe");
        if (!tf)
            tf = tn_ymap_get(doc, "timeframe");
        uint64_t span = TN_CORR_SPAN_ALL;
        if (tf && !(span = tf->kind == TN_Y_SCALAR ? tn_corr_parse_span(tf->str) : 0)) {
            tn_ld_reject(U, file, tf->line, tf->col, "'timeframe' must be a number and s, m, h, d or w");
            return 0;
        }
        if (!(lc = tn_corr_legacy(U->a, r, &agg, span)))
            return -1;
        static const char *const types[] = {"event_count", "value_count", "temporal", "temporal_ordered",
                                            "value_sum", "value_avg", "value_percentile"};
        char w[160];
        snprintf(w, sizeof(w), "legacy aggregation (Sigma 1): runs as a correlation rule of type %s%s",
                 types[lc->type], tf ? "" : " over the whole input (no timeframe)");
        const tn_ynode *cn = tn_ymap_get(det, "condition");
        tn_ld_warn(U, file, cn ? cn->line : det->line, cn ? cn->col : det->col, w);
    }
    if (prune_sources(U, r))
        return -1;
    /* another taxonomy names fields otherwise (ECS: process.command_line):
     * read as Sigma's, such a rule can never match, and it loaded without
     * a word (a review, session 27; the specification: other taxonomies
     * "must be handled by the used tool or transformed") */
    const tn_ynode *tx = dk.v[TN_K_TAXONOMY];
    if (tx && tx->kind == TN_Y_SCALAR && strcasecmp(tx->str, "sigma")) {
        char msg[200];
        snprintf(msg, sizeof(msg), "taxonomy '%.60s' is not read: its field names are taken as Sigma's, "
                 "which they may not be", tx->str);
        tn_ld_warn(U, file, tx->line, tx->col, msg);
    }
    if (c.nwarns && is_filter) {
        /* as '*' a filter would hide every match of its rules, whatever
         * the field holds (a review, session 27: 157 of 1,236 detections
         * on the corpus, under one warning hunt did not print) */
        const tn_ynode *w = c.warns[0].at ? c.warns[0].at : doc;
        char msg[300];
        snprintf(msg, sizeof(msg), "a filter cannot take a placeholder with no value as a wildcard "
                 "(%%%s%%): it would hide its rules' matches whatever the field holds; give it values "
                 "(--placeholders FILE)", c.warns[0].name);
        tn_ld_reject(U, file, w->line, w->col, msg);
        return 0;
    }
    for (uint32_t i = 0; i < c.nwarns && i < TN_VCTX_WARNS; i++) {
        const tn_ynode *w = c.warns[i].at ? c.warns[i].at : doc;
        char msg[400];
        /* only under 'not': as '*' it holds whenever the field is there,
         * so the rule fires only where it is not (9 of SigmaHQ's
         * placeholder rules went quiet so: a review, session 29) */
        if (tn_cond_polarity(r->cond, c.warns[i].search) == 2)
            snprintf(msg, sizeof(msg), "placeholder %%%s%% has no value; matched as '*' under 'not', it "
                     "holds whenever the field is there, and the rule fires only where it is not: give it "
                     "values (--placeholders FILE)", c.warns[i].name);
        else
            snprintf(msg, sizeof(msg), "placeholder %%%s%% has no value; matched as '*'", c.warns[i].name);
        tn_ld_warn(U, file, w->line, w->col, msg);
    }
    if (c.nwarns > TN_VCTX_WARNS) {
        char msg[120];
        snprintf(msg, sizeof(msg), "and %u more uses of placeholders with no value, matched as '*'",
                 c.nwarns - TN_VCTX_WARNS);
        tn_ld_warn(U, file, doc->line, doc->col, msg);
    }
    const tn_ynode *fcn = is_filter ? not_condition(tn_ymap_get(det, "condition")) : NULL;
    if (fcn) {
        /* pySigma and rsigma add a filter as "rule and filter": their
         * users write 'not selection' for what to hide, which here hides
         * everything else (a review, session 27) */
        tn_ld_warn(U, file, fcn->line, fcn->col,
             "a filter's condition starting with 'not': a filter hides the matches its condition holds "
             "for (the specification's example), so this hides all but those; pySigma reads filters "
             "the other way round");
    }
    if (is_filter && !tn_ymap_get(det, "selection"))   /* it works under another name */
        tn_ld_warn(U, file, det->line, det->col, "a filter without 'selection' (the filter schema requires it)");
    if (is_filter) {
        const tn_ynode *rl = tn_ymap_get(det, "rules");
        if (!rl || (rl->kind != TN_Y_SEQ && rl->kind != TN_Y_SCALAR)) {
            tn_ld_reject(U, file, det->line, det->col, "a filter needs 'rules': the ids it applies to");
            return 0;
        }
        /* the filter schema: an array of strings, minItems 1 */
        const tn_ynode *wrong = rl->kind == TN_Y_SEQ && !rl->count ? rl
                              : rl->kind == TN_Y_SCALAR && !rl->len  ? rl : NULL;
        for (const tn_ynode *e = rl->kind == TN_Y_SEQ ? rl->child : NULL; e && !wrong; e = e->next)
            if (e->kind != TN_Y_SCALAR || !e->len || memchr(e->str, 0, e->len))
                wrong = e;
        if (rl->kind == TN_Y_SCALAR && memchr(rl->str, 0, rl->len))
            wrong = rl;
        if (wrong) {
            tn_ld_reject(U, file, wrong->line, wrong->col,
                   wrong == rl && rl->kind == TN_Y_SEQ
                       ? "a filter's 'rules' lists no rule: give ids or names, or 'any'"
                       : "a filter's 'rules' holds rule ids and names only, none empty or with a NUL byte");
            return 0;
        }
        uint32_t n = rl->kind == TN_Y_SEQ ? rl->count : 1;
        r->filter_rules = tn_arena_calloc(U->a, (n ? n : 1) * sizeof(char *));
        r->filter_at = tn_arena_calloc(U->a, (n ? n : 1) * 2 * sizeof(uint32_t));
        if (!r->filter_rules || !r->filter_at)
            return -1;
        int oom = 0;
        /* 'rules: any' (a scalar) is every rule; in a list, 'any' names a
         * rule of that title (it was every rule too: a review, session 29) */
        r->filter_any = rl->kind == TN_Y_SCALAR && !strcasecmp(rl->str, "any");
        if (rl->kind == TN_Y_SCALAR && !r->filter_any)
            tn_ld_warn(U, file, rl->line, rl->col, "a filter's 'rules' is a list in the schema: read as a list "
                 "of this one name");
        int twice = 0;
        for (const tn_ynode *e = rl->kind == TN_Y_SEQ ? rl->child : rl; e; e = e->next) {
            if (e->kind != TN_Y_SCALAR)
                continue;
            /* a repeat is harmless (applied once): kept once and said once
             * (1,000 of one name gave 1,999 warnings); past 1,024 names not
             * looked for (quadratic) */
            uint32_t k = 0;
            while (k < r->nfilter_rules && n <= 1024 && strcmp(r->filter_rules[k], e->str))
                k++;
            if (k < r->nfilter_rules && n <= 1024) {
                if (!twice++)
                    tn_ld_warn(U, file, e->line, e->col, "a filter names a rule twice (the schema: unique items)");
                continue;
            }
            r->filter_at[2 * r->nfilter_rules] = e->line;
            r->filter_at[2 * r->nfilter_rules + 1] = e->col;
            r->filter_rules[r->nfilter_rules++] = tn_ld_keep_str(U, e->str, &oom);
            if (e == rl)
                break;
        }
        if (oom)
            return -1;
    }
    if (tn_ld_out_obj(U, OUT_RULE, r))
        return -1;
    return lc ? tn_ld_out_obj(U, OUT_CORR, lc) : 0;
}

