/* loader.c - reads Sigma rule files into a tn_ruleset.
 *
 * Walks files and folders (walk.c), parses each file (possibly several YAML
 * documents), checks the fields the specification makes mandatory, and
 * compiles each document: a detection rule, a global filter (attached to
 * the rules it names afterwards) or a correlation rule (recognised, and
 * rejected as not yet supported). Every problem is reported with
 * file:line:col and the loader moves on to the next document.
 *
 * Files are parsed and compiled on o->threads threads. Each thread (a
 * "unit") has its own arena and regex list, and records what a file gave
 * (rules, correlations, rejections, warnings) in that file's outlist; the
 * calling thread then replays the outlists in walk order, so rule order,
 * indices and every report are the same for any thread count. */
#include "sigma/sigma.h"

#include "base/alloc.h"
#include "base/file.h"
#include "base/par.h"
#include "sigma/cond.h"
#include "sigma/config.h"
#include "sigma/detect.h"
#include "sigma/meta.h"
#include "sigma/ruleset_impl.h"
#include "sigma/usable.h"
#include "sigma/walk.h"
#include "sigma/yaml.h"
#include "sigma/ycache.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct loader {
    tn_ruleset *rs;
    const tn_rule_opts *o;
    tn_diag *d;
    const tn_placeholders *placeholders;
    tn_arena ph_arena;
    tn_arena scratch;      /* the walk's paths and reasons, freed after loading */
    tn_srule **all;        /* rules and filters, before filters are attached */
    uint32_t nall, cap;
    tn_corr **corrs;       /* correlations, before references are resolved */
    uint32_t ncorrs, capcorrs;
    pcre2_code **res;
    size_t nres, capres;
    tn_ycache *yc;         /* parsed trees of rule files (NULL: off) */
    tn_imemo *memo;        /* items compiled, shared by the units (detect.h) */
} loader;

/* What loading one file gave, in document order. */
typedef enum out_kind { OUT_REJECT, OUT_WARN, OUT_RULE, OUT_CORR } out_kind;

typedef struct out_item {
    out_kind kind;
    uint32_t line, col;    /* reject, warn */
    const char *file;      /* reject, warn */
    const char *why;       /* reject, warn */
    void *obj;             /* rule: tn_srule; corr: tn_corr */
} out_item;

typedef struct outlist {
    out_item *v;
    uint32_t n, cap;
    uint8_t oom;           /* loading stopped here, out of memory */
    uint8_t done;          /* loaded (a thread may stop before, on another's oom) */
} outlist;

/* One loading thread's state. While units run, the loader is only read. */
typedef struct unit {
    const loader *L;
    tn_arena *a;           /* rules and values of its files: the rule set owns it */
    tn_arena tree;         /* the YAML trees of the file being loaded: what the rules
                            * keep of them is copied to a, and the arena is reset
                            * after each file (its blocks reused), so the trees'
                            * 16 MB (SigmaHQ's Windows rules) are not all held, nor
                            * all faulted in, at once */
    pcre2_code **res;      /* regexes it compiled: moved to the rule set */
    size_t nres, capres;
    outlist *out;          /* the file being loaded */
    tn_imemo *memo;        /* the loader's: items compiled (NULL: out of memory, none kept) */
    char *text;            /* the file being loaded, read into a buffer kept for the next */
    size_t textcap;
} unit;

/* A rejection reported now: from the calling thread only. */
static void report(loader *L, const char *file, uint32_t line, uint32_t col, const char *why)
{
    if (L->o && L->o->on_reject) {
        L->o->on_reject(L->o->ctx, file, line, col, why);
        return;
    }
    char where[32];
    snprintf(where, sizeof(where), "%u:%u", line, col);
    if (L->d)
        tn_report(L->d, TN_P_RULE, file, where, "%s", why);
}

static void warn_now(loader *L, const char *file, uint32_t line, uint32_t col, const char *why)
{
    if (L->o && L->o->on_warn)
        L->o->on_warn(L->o->ctx, file, line, col, why);
}

/* Appends an item to the unit's current outlist; sets oom on failure. */
static out_item *out_push(unit *U, out_kind kind)
{
    outlist *o = U->out;
    if (o->n == o->cap) {
        uint32_t ncap = o->cap ? o->cap * 2 : 4;
        out_item *nv = tn_realloc(o->v, ncap * sizeof(*nv));
        if (!nv)
            return o->oom = 1, NULL;
        o->v = nv;
        o->cap = ncap;
    }
    out_item *it = &o->v[o->n++];
    memset(it, 0, sizeof(*it));
    it->kind = kind;
    return it;
}

/* Records a rejection or warning; file must outlive the replay. */
static void note(unit *U, out_kind kind, const char *file, uint32_t line, uint32_t col,
                 const char *why)
{
    char *w = tn_arena_strndup(U->a, why, strlen(why));
    out_item *it = w ? out_push(U, kind) : NULL;
    if (!w)
        U->out->oom = 1;
    if (!it)
        return;
    it->file = file;
    it->line = line;
    it->col = col;
    it->why = w;
}

static void reject(unit *U, const char *file, uint32_t line, uint32_t col, const char *why)
{
    note(U, OUT_REJECT, file, line, col, why);
}

static void warn(unit *U, const char *file, uint32_t line, uint32_t col, const char *why)
{
    if (U->L->o && U->L->o->on_warn)
        note(U, OUT_WARN, file, line, col, why);
}

static int out_obj(unit *U, out_kind kind, void *obj)
{
    out_item *it = out_push(U, kind);
    if (!it)
        return -1;
    it->obj = obj;
    return 0;
}

static const char *str_or(const tn_ynode *n, const char *dflt)
{
    return n && n->kind == TN_Y_SCALAR ? n->str : dflt;
}

/* s (a tree's text, or a constant, or NULL) copied where the rule set
 * keeps it; NULL only for NULL. *oom is set when memory runs out. */
static const char *keep_str(unit *U, const char *s, int *oom)
{
    if (!s)
        return NULL;
    if (!s[0])
        return "";
    char *k = tn_arena_strndup(U->a, s, strlen(s));
    if (!k)
        *oom = 1;
    return k ? k : "";
}

static int add_rule(loader *L, tn_srule *r)
{
    if (L->nall == L->cap) {
        uint32_t ncap = L->cap ? L->cap * 2 : 256;
        tn_srule **n2 = tn_realloc(L->all, ncap * sizeof(*n2));
        if (!n2)
            return -1;
        L->all = n2;
        L->cap = ncap;
    }
    L->all[L->nall++] = r;
    return 0;
}

static int add_corr(loader *L, tn_corr *c)
{
    if (L->ncorrs == L->capcorrs) {
        uint32_t ncap = L->capcorrs ? L->capcorrs * 2 : 16;
        tn_corr **n2 = tn_realloc(L->corrs, ncap * sizeof(*n2));
        if (!n2)
            return -1;
        L->corrs = n2;
        L->capcorrs = ncap;
    }
    L->corrs[L->ncorrs++] = c;
    return 0;
}

/* Replays what a unit recorded for one file, as the serial loader did it.
 * Returns -1 when the file ran out of memory (after what came before),
 * or was never loaded because another file did. */
static int replay(loader *L, const outlist *o)
{
    for (uint32_t i = 0; i < o->n; i++) {
        const out_item *it = &o->v[i];
        int rc = 0;
        if (it->kind == OUT_REJECT)
            report(L, it->file, it->line, it->col, it->why);
        else if (it->kind == OUT_WARN)
            warn_now(L, it->file, it->line, it->col, it->why);
        else if (it->kind == OUT_RULE)
            rc = add_rule(L, it->obj);
        else
            rc = add_corr(L, it->obj);
        if (rc)
            return -1;
    }
    return o->oom || !o->done ? -1 : 0;
}

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
            (*tags)[(*n)++] = keep_str(U, e->str, &oom);
}

/* Returns -1 when out of memory. */
static int fill_meta(unit *U, tn_srule *r, const tn_ynode *doc, const tn_dkeys *dk, const char *file)
{
    const tn_ynode *ls = dk->v[TN_K_LOGSOURCE];
    int oom = 0;
    r->id = keep_str(U, str_or(dk->v[TN_K_ID], ""), &oom);
    r->title = keep_str(U, str_or(dk->v[TN_K_TITLE], ""), &oom);
    r->level = keep_str(U, str_or(dk->v[TN_K_LEVEL], ""), &oom);
    r->status = keep_str(U, str_or(dk->v[TN_K_STATUS], ""), &oom);
    r->product = keep_str(U, str_or(tn_ymap_get(ls, "product"), NULL), &oom);
    r->category = keep_str(U, str_or(tn_ymap_get(ls, "category"), NULL), &oom);
    r->service = keep_str(U, str_or(tn_ymap_get(ls, "service"), NULL), &oom);
    r->file = file;
    r->line = doc->line;
    r->col = doc->col;
    r->name = keep_str(U, str_or(dk->v[TN_K_NAME], NULL), &oom);
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

static int load_corr(unit *U, const tn_ynode *doc, const tn_dkeys *dk, const char *file)
{
    char err[256];
    const tn_ynode *at = doc;
    /* a misspelt level or status (informational hits, hidden): refused */
    const char *why = tn_check_labels(dk, &at);
    if (why) {
        reject(U, file, at ? at->line : doc->line, at ? at->col : doc->col, why);
        return 0;
    }
    tn_corr *c = tn_arena_calloc(U->a, sizeof(*c));
    if (!c)
        return -1;
    if (tn_corr_compile(U->a, doc, file, c, err, sizeof(err), &at)) {
        reject(U, file, at ? at->line : doc->line, at ? at->col : doc->col, err);
        return 0;
    }
    if ((why = tn_corr_warning(c, err, sizeof(err))))
        warn(U, file, c->line, c->col, why);
    fill_tags(U, tn_ymap_get(doc, "tags"), &c->tags, &c->ntags);
    return out_obj(U, OUT_CORR, c);
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

/* One document. Returns -1 only on out of memory. */
static int load_doc(unit *U, const tn_ynode *doc, const char *file)
{
    char err[512];
    const tn_ynode *bad = doc;
    if (doc->kind != TN_Y_MAP) {
        if (doc->kind == TN_Y_SCALAR && doc->len == 0)
            return 0;  /* empty document, e.g. trailing '---' */
        reject(U, file, doc->line, doc->col, "a rule document must be a YAML map");
        return 0;
    }
    tn_dkeys dk;
    tn_doc_keys(doc, &dk);
    /* two of them: one was dropped (a filter beside a detection, too) */
    const tn_ynode *other = dk.v[TN_K_CORRELATION] ? (dk.v[TN_K_DETECTION] ? dk.v[TN_K_DETECTION] : dk.v[TN_K_FILTER])
                                                : dk.v[TN_K_DETECTION] ? dk.v[TN_K_FILTER] : NULL;
    if (other) {
        reject(U, file, other->line, other->col,
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
        reject(U, file, bad ? bad->line : doc->line, bad ? bad->col : doc->col, why);
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
        reject(U, file, at->line, at->col + c.err_col, err);
        return 0;
    }
    tn_corr *lc = NULL;
    if (agg.present) {   /* a legacy aggregation: its correlation (tn_corr_legacy) */
        const tn_ynode *tf = tn_ymap_get(det, "timeframe");
        if (!tf)
            tf = tn_ymap_get(doc, "timeframe");
        uint64_t span = TN_CORR_SPAN_ALL;
        if (tf && !(span = tf->kind == TN_Y_SCALAR ? tn_corr_parse_span(tf->str) : 0)) {
            reject(U, file, tf->line, tf->col, "'timeframe' must be a number and s, m, h, d or w");
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
        warn(U, file, cn ? cn->line : det->line, cn ? cn->col : det->col, w);
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
        warn(U, file, tx->line, tx->col, msg);
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
        reject(U, file, w->line, w->col, msg);
        return 0;
    }
    for (uint32_t i = 0; i < c.nwarns && i < TN_VCTX_WARNS; i++) {
        const tn_ynode *w = c.warns[i].at ? c.warns[i].at : doc;
        char msg[200];
        snprintf(msg, sizeof(msg), "placeholder %%%s%% has no value; matched as '*'", c.warns[i].name);
        warn(U, file, w->line, w->col, msg);
    }
    if (c.nwarns > TN_VCTX_WARNS) {
        char msg[120];
        snprintf(msg, sizeof(msg), "and %u more uses of placeholders with no value, matched as '*'",
                 c.nwarns - TN_VCTX_WARNS);
        warn(U, file, doc->line, doc->col, msg);
    }
    const tn_ynode *fcn = is_filter ? not_condition(tn_ymap_get(det, "condition")) : NULL;
    if (fcn) {
        /* pySigma and rsigma add a filter as "rule and filter": their
         * users write 'not selection' for what to hide, which here hides
         * everything else (a review, session 27) */
        warn(U, file, fcn->line, fcn->col,
             "a filter's condition starting with 'not': a filter hides the matches its condition holds "
             "for (the specification's example), so this hides all but those; pySigma reads filters "
             "the other way round");
    }
    if (is_filter) {
        const tn_ynode *rl = tn_ymap_get(det, "rules");
        if (!rl || (rl->kind != TN_Y_SEQ && rl->kind != TN_Y_SCALAR)) {
            reject(U, file, det->line, det->col, "a filter needs 'rules': the ids it applies to");
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
            reject(U, file, wrong->line, wrong->col,
                   wrong == rl && rl->kind == TN_Y_SEQ
                       ? "a filter's 'rules' lists no rule: give ids or names, or 'any'"
                       : "a filter's 'rules' holds rule ids and names only, none empty or with a NUL byte");
            return 0;
        }
        uint32_t n = rl->kind == TN_Y_SEQ ? rl->count : 1;
        r->filter_rules = tn_arena_calloc(U->a, (n ? n : 1) * sizeof(char *));
        if (!r->filter_rules)
            return -1;
        int oom = 0;
        if (rl->kind == TN_Y_SCALAR)
            r->filter_rules[r->nfilter_rules++] = keep_str(U, rl->str, &oom);
        for (const tn_ynode *e = rl->kind == TN_Y_SEQ ? rl->child : NULL; e; e = e->next)
            if (e->kind == TN_Y_SCALAR)
                r->filter_rules[r->nfilter_rules++] = keep_str(U, e->str, &oom);
        if (oom)
            return -1;
    }
    if (out_obj(U, OUT_RULE, r))
        return -1;
    return lc ? out_obj(U, OUT_CORR, lc) : 0;
}

/* The file's trees from the cache, else parsed (and then offered to the
 * cache; a file that fails to parse is not cached). 0, 1 when rejected,
 * -1 out of memory. A YAML error rejects the file from there on: the
 * documents it completed before still load (libyaml cannot go on past
 * an error, and one bad document must not cost the others). */
static int parse(unit *U, const char *text, size_t len, const char *file, const tn_yfile *f,
                 tn_ystream *st)
{
    char err[256];
    uint32_t line, col;
    if (tn_ycache_parse_file(U->L->yc, f, text, len, &U->tree, st, err, sizeof(err), &line, &col)) {
        reject(U, file, line, col, err);
        if (!strcmp(err, "out of memory"))
            return -1;
        return st->ndocs ? 0 : 1;
    }
    return 0;
}

/* Document d's 'action: global | reset | repeat', or NULL: a custom
 * 'action' of another value is a rule's own field (the specification
 * allows any; 'action: alert' refused a rule: a review, session 27). */
static const tn_ynode *collection_action(const tn_ynode *d)
{
    const tn_ynode *a = d->kind == TN_Y_MAP ? tn_ymap_get(d, "action") : NULL;
    return a && a->kind == TN_Y_SCALAR &&
           (!strcmp(a->str, "global") || !strcmp(a->str, "reset") || !strcmp(a->str, "repeat")) ? a : NULL;
}

/* A legacy (Sigma 1) collection, whose documents are completed by an
 * 'action: global' one or repeat the one before, is refused whole: read
 * one by one, its documents were refused for a missing title or
 * logsource, and the global one loaded as a rule of its own (a review,
 * session 27). Sigma 2 has no collections; none is in SigmaHQ's rules*.
 * Loads the documents of a file's trees: 0, or -1 out of memory. */
static int load_docs(unit *U, const tn_ystream *st, const char *file)
{
    const tn_ynode *action = NULL;
    size_t some = 0;   /* documents that are not empty */
    for (size_t i = 0; i < st->ndocs && !action; i++)
        action = collection_action(st->docs[i]);
    for (size_t i = 0; i < st->ndocs; i++)
        some += st->docs[i]->kind != TN_Y_SCALAR || st->docs[i]->len;
    if (!some) {   /* said, not skipped: it was "no rule in the paths given" (a review, session 29) */
        reject(U, file, 1, 1, "no rule in the file: it is empty, or holds only comments");
        return 0;
    }
    for (size_t i = 0; i < st->ndocs; i++) {
        const tn_ynode *d = st->docs[i];
        if (!action) {
            if (load_doc(U, d, file))
                return -1;
        } else if (d->kind != TN_Y_SCALAR || d->len) {   /* not an empty document */
            const tn_ynode *a = collection_action(d);
            reject(U, file, (a ? a : d)->line, (a ? a : d)->col,
                   "a legacy collection (Sigma 1: documents completed by 'action: global', "
                   "'reset' or 'repeat') is not supported: write each rule whole");
        }
    }
    return 0;
}

/* f: what fstat said of the file text was read from, or NULL. */
static int load_text(unit *U, const char *text, size_t len, const char *name, const tn_yfile *f)
{
    tn_ystream st;
    const char *file = tn_arena_strndup(U->a, name, strlen(name));
    if (!file)
        return -1;
    int rc = parse(U, text, len, file, f, &st);
    if (!rc)
        rc = load_docs(U, &st, file);
    tn_arena_reset(&U->tree);
    return rc < 0 ? -1 : 0;
}

/* ---- loading files on several threads ---- */

/* Largest rule file: as large or larger is refused (EFBIG). */
#define MAX_RULE_FILE ((size_t)64 << 20)

/* Reads the file at path into U->text: 0, or -1 with errno. One open,
 * fstat and read into a buffer kept from file to file: tn_file_read's
 * stdio stream and 16 KiB allocation were ~2,000 instructions a file
 * (5.8 M of loading the 2,872 Windows rules). Same limit and errors.
 * *f: the fstat of the file, *have_f set when it is a regular file. */
static int read_file(unit *U, const char *path, size_t *len, tn_yfile *f, int *have_f)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat sb;
    size_t want = 16384, n = 0;
    *have_f = 0;
    if (!fstat(fd, &sb) && S_ISREG(sb.st_mode) && sb.st_size >= 0 &&
        (uint64_t)sb.st_size < MAX_RULE_FILE) {
        want = (size_t)sb.st_size + 1;   /* + 1: the end is seen without a grow */
        *have_f = !tn_yfile_of(&sb, f);
    }
    int rc = 0;
    for (;;) {
        if (n == U->textcap || want > U->textcap) {
            if (n >= MAX_RULE_FILE) {
                errno = EFBIG;
                rc = -1;
                break;
            }
            size_t ncap = want > U->textcap ? want : U->textcap * 2;
            ncap = ncap < MAX_RULE_FILE ? ncap : MAX_RULE_FILE;
            char *nt = tn_realloc(U->text, ncap);
            if (!nt) {
                errno = ENOMEM;
                rc = -1;
                break;
            }
            U->text = nt;
            U->textcap = ncap;
            want = 0;
        }
        ssize_t k = read(fd, U->text + n, U->textcap - n);
        if (k > 0)
            n += (size_t)k;
        else if (!k)
            break;
        else if (errno != EINTR) {
            rc = -1;
            break;
        }
    }
    int e = errno;
    close(fd);
    errno = e;
    *len = n;
    return rc;
}

/* known: the walk's stat of the file, or NULL. With a cache, a file
 * whose stat the file index knows is not read (ycache.h). */
static int load_file(unit *U, const char *path, const tn_yfile *known)
{
    size_t len;
    tn_yfile f;
    int have_f;
    if (U->L->yc) {
        struct stat sb;
        if (!known && !stat(path, &sb) && !tn_yfile_of(&sb, &f))
            known = &f;
        tn_ystream st;
        if (known && !tn_ycache_get_file(U->L->yc, known, &U->tree, &st)) {
            const char *file = tn_arena_strndup(U->a, path, strlen(path));
            int rc = file ? load_docs(U, &st, file) : -1;
            tn_arena_reset(&U->tree);
            return rc;
        }
    }
    if (read_file(U, path, &len, &f, &have_f)) {
        int e = errno;
        char buf[128];
        /* strerror may share one buffer between threads; the GNU
         * strerror_r gives the same text */
        reject(U, path, 0, 0, strerror_r(e, buf, sizeof(buf)));
        return e == ENOMEM ? -1 : 0;
    }
    return load_text(U, U->text, len, path, have_f ? &f : NULL);
}

/* The files, found by the walk (on the calling thread) while the other
 * threads already load the first ones: the walk was ~10 ms of wall time
 * before any file could load (SigmaHQ, 564 folders). Under mu: files,
 * outs, n, cap, next, walked, stop. */
typedef struct file {
    const char *path;      /* in L->scratch */
    tn_yfile id;           /* the walk's stat of it, when has_id */
    int has_id;
    const char *why;       /* NULL: a file to load; else the problem (in L->scratch), */
    int warn;              /*   only a warning when warn */
    outlist *out;          /* what loading it gave (in L->scratch: never moves) */
} file;

typedef struct pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;     /* a file was found, the walk ended, or stop */
    loader *L;
    const char *const *paths;
    size_t npaths;
    file *files;
    size_t n, cap;
    size_t next;           /* next file to claim */
    int walked;            /* the walk has ended */
    int walk_rc;           /* -1: the walk ran out of memory */
    int stop;              /* a unit ran out of memory */
    unit *units;
} pool;

/* The walk's callback: appends a file, on the calling thread. */
static int found(void *ctx, const char *path, const char *why, int warn, const struct stat *sb)
{
    pool *P = ctx;
    tn_arena *a = &P->L->scratch;
    int rc = -1;
    pthread_mutex_lock(&P->mu);
    if (P->n == P->cap) {
        size_t ncap = P->cap ? P->cap * 2 : 1024;
        file *nf = tn_realloc(P->files, ncap * sizeof(*nf));
        if (!nf)
            goto out;
        P->files = nf;
        P->cap = ncap;
    }
    file *f = &P->files[P->n];
    f->path = tn_arena_strndup(a, path, strlen(path));
    f->why = why ? tn_arena_strndup(a, why, strlen(why)) : NULL;
    f->warn = warn;
    f->out = tn_arena_calloc(a, sizeof(*f->out));
    f->has_id = sb && !tn_yfile_of(sb, &f->id);
    if (f->path && (!why || f->why) && f->out) {
        P->n++;
        rc = 0;
        pthread_cond_broadcast(&P->cv);
    }
out:
    pthread_mutex_unlock(&P->mu);
    return rc;
}

/* Copies the next file to load into *f (the array may move as the walk
 * grows it); 0 when there is none left or loading stops. */
static int claim(pool *P, file *f)
{
    int got = 0;
    pthread_mutex_lock(&P->mu);
    while (!P->stop && P->next == P->n && !P->walked)
        pthread_cond_wait(&P->cv, &P->mu);
    if (!P->stop && P->next < P->n) {
        *f = P->files[P->next++];
        got = 1;
    }
    pthread_mutex_unlock(&P->mu);
    return got;
}

static void stop_all(pool *P)
{
    pthread_mutex_lock(&P->mu);
    P->stop = 1;
    pthread_cond_broadcast(&P->cv);
    pthread_mutex_unlock(&P->mu);
}

/* A unit's loop: the calling thread (worker 0) walks first; every unit
 * claims files in walk order until none is left. A claimed file is always
 * finished, so on out of memory every file before the failed one is done
 * and the replay stops at it. */
static int unit_loop(void *arg, int w)
{
    pool *P = arg;
    unit *U = &P->units[w];
    if (w == 0) {
        P->walk_rc = tn_rules_walk(P->paths, P->npaths, found, P);
        pthread_mutex_lock(&P->mu);
        P->walked = 1;
        pthread_cond_broadcast(&P->cv);
        pthread_mutex_unlock(&P->mu);
    }
    file f;
    while (claim(P, &f)) {
        if (!f.why) {
            U->out = f.out;
            if (load_file(U, f.path, f.has_id ? &f.id : NULL))
                f.out->oom = 1;
        }
        f.out->done = 1;   /* read after the threads are joined */
        if (f.out->oom)
            stop_all(P);
    }
    return 0;
}

/* Makes n units whose arenas the rule set owns from now on. */
static unit *units_new(loader *L, int n)
{
    tn_ruleset *rs = L->rs;
    unit *us = tn_calloc((size_t)n, sizeof(*us));
    rs->arenas = tn_calloc((size_t)n, sizeof(*rs->arenas));
    if (!us || !rs->arenas) {
        tn_free(us);
        return NULL;
    }
    rs->narenas = (uint32_t)n;
    L->memo = tn_imemo_new(n > 1);   /* NULL: no memo, every item compiled */
    for (int i = 0; i < n; i++) {
        tn_arena_init_growing(&rs->arenas[i], 256 * 1024, TN_ARENA_HUGE);   /* the rules: see tn_huge_alloc */
        tn_arena_init(&us[i].tree, 256 * 1024);
        us[i].L = L;
        us[i].a = &rs->arenas[i];
        us[i].memo = L->memo;
    }
    return us;
}

/* Moves the units' regexes to the loader (the rule set frees them) and
 * frees the units. */
static int units_done(loader *L, unit *us, int n)
{
    int rc = 0;
    for (int i = 0; i < n; i++) {
        for (size_t k = 0; k < us[i].nres; k++) {
            if (!rc && L->nres == L->capres) {
                size_t ncap = L->capres ? L->capres * 2 : 64;
                pcre2_code **nr = tn_realloc(L->res, ncap * sizeof(*nr));
                if (nr) {
                    L->res = nr;
                    L->capres = ncap;
                } else {
                    rc = -1;
                }
            }
            if (rc)
                pcre2_code_free(us[i].res[k]);
            else
                L->res[L->nres++] = us[i].res[k];
        }
        tn_free(us[i].res);
        tn_free(us[i].text);
        tn_arena_free(&us[i].tree);
    }
    tn_free(us);
    tn_imemo_free(L->memo);
    L->memo = NULL;
    return rc;
}

/* Walks paths and loads the files on o->threads threads, then reports
 * and adds their results in walk order. */
static int load_paths(loader *L, const char *const *paths, size_t npaths)
{
    int n = L->o && L->o->threads > 1 ? L->o->threads : 1;
    pool P = {.L = L, .paths = paths, .npaths = npaths};
    P.units = units_new(L, n);
    if (!P.units)
        return -1;
    pthread_mutex_init(&P.mu, NULL);
    pthread_cond_init(&P.cv, NULL);
    tn_par_each(n, unit_loop, &P);
    pthread_mutex_destroy(&P.mu);
    pthread_cond_destroy(&P.cv);
    int rc = units_done(L, P.units, n);
    for (size_t i = 0; i < P.n; i++) {
        const file *f = &P.files[i];
        if (!rc && f->why)
            (f->warn ? warn_now : report)(L, f->path, 0, 0, f->why);
        else if (!rc)
            rc = replay(L, f->out);
        tn_free(f->out->v);
    }
    tn_free(P.files);
    /* out of memory while walking: what was found is still loaded and
     * reported, as when files were loaded during the walk */
    return rc || P.walk_rc ? -1 : 0;
}

/* ---- assembly (assemble.c) ---- */

static void on_corr_reject(void *ctx, const char *path, uint32_t line, uint32_t col, const char *why)
{
    report(ctx, path, line, col, why);
}

static void on_filter_warn(void *ctx, const char *path, uint32_t line, uint32_t col, const char *why)
{
    warn_now(ctx, path, line, col, why);
}

static int finish(loader *L)
{
    tn_ruleset *rs = L->rs;
    if (tn_filters_attach(L->rs, L->all, L->nall, L->corrs, L->ncorrs, on_filter_warn, L))
        return -1;
    rs->rules = tn_arena_alloc(&rs->a, (L->nall ? L->nall : 1) * sizeof(*rs->rules));
    if (!rs->rules)
        return -1;
    for (uint32_t i = 0; i < L->nall; i++) {
        tn_srule *r = L->all[i];
        if (r->is_filter)
            continue;
        rs->rules[rs->nrules++] = r;
        if (r->nsearches > rs->max_searches)
            rs->max_searches = r->nsearches;
    }
    for (uint32_t i = 0; i < L->nall; i++)
        if (L->all[i]->nsearches > rs->max_searches)
            rs->max_searches = L->all[i]->nsearches;
    /* after: the correlations refused there are not warned of (NULL) */
    if (tn_corrs_resolve(L->rs, L->corrs, L->ncorrs, on_corr_reject, L) ||
        tn_ids_warn(L->all, L->nall, L->corrs, L->ncorrs, on_filter_warn, L))
        return -1;
    if (rs->no_prefilter)
        return tn_index_build(rs);
    return tn_atoms_build(rs, L->o ? L->o->threads : 1);   /* the index too */
}

typedef int (*load_fn)(loader *L, const void *arg1, size_t arg2, const char *name);

static int paths_fn(loader *L, const void *a1, size_t n, const char *name);

static int run(const tn_rule_opts *o, tn_diag *d, tn_ruleset **out, load_fn fn, const void *a1,
               size_t a2, const char *name)
{
    loader L;
    char err[512];
    memset(&L, 0, sizeof(L));
    *out = NULL;
    L.o = o;
    L.d = d;
    tn_arena_init(&L.ph_arena, 4096);
    tn_arena_init(&L.scratch, 64 * 1024);
    L.rs = tn_calloc(1, sizeof(*L.rs));
    if (!L.rs)
        return TN_RS_ENOMEM;
    tn_arena_init_growing(&L.rs->a, 256 * 1024, TN_ARENA_HUGE);
    tn_arena_init(&L.rs->ia, 64 * 1024);
    const char *env = getenv("TANSA_NO_PREFILTER");
    L.rs->no_prefilter = (o && o->no_prefilter) || (env && env[0] == '1');
    int rc = TN_RS_OK;
    err[0] = 0;
    /* rule files, and the data files too (parsing the logsource maps was
     * 3.0 M instructions a load); not for rules given as text */
    L.yc = fn == paths_fn ? tn_ycache_open() : NULL;
    if (tn_rules_config(o, L.yc, &L.rs->ls, &L.ph_arena, &L.placeholders, err, sizeof(err))) {
        if (d) {   /* it ends the load: said even when problems are only counted */
            int quiet = d->quiet;
            d->quiet = 0;
            tn_report(d, TN_P_OTHER, "config", NULL, "%s", err[0] ? err : "out of memory");
            d->quiet = quiet;
        }
        rc = err[0] ? TN_RS_ECONFIG : TN_RS_ENOMEM;
    } else if (fn(&L, a1, a2, name)) {
        rc = TN_RS_ENOMEM;
    }
    tn_ycache_close(L.yc);   /* the new trees, written by this thread */
    L.yc = NULL;
    if (!rc && finish(&L))
        rc = TN_RS_ENOMEM;
    L.rs->res = L.res;
    L.rs->nres = L.nres;
    tn_free(L.all);
    tn_free(L.corrs);
    tn_arena_free(&L.ph_arena);
    tn_arena_free(&L.scratch);
    if (rc) {
        tn_ruleset_free(L.rs);
        return rc;
    }
    *out = L.rs;
    return TN_RS_OK;
}

static int paths_fn(loader *L, const void *a1, size_t n, const char *name)
{
    (void)name;
    return load_paths(L, a1, n);
}

static int text_fn(loader *L, const void *a1, size_t n, const char *name)
{
    outlist ol = {0};
    unit *U = units_new(L, 1);
    if (!U)
        return -1;
    U->out = &ol;
    ol.oom = load_text(U, a1, n, name, NULL) != 0;
    ol.done = 1;
    int rc = units_done(L, U, 1);
    if (!rc)
        rc = replay(L, &ol);
    tn_free(ol.v);
    return rc;
}

int tn_ruleset_load(const char *const *paths, size_t n, const tn_rule_opts *o, tn_diag *d,
                    tn_ruleset **out)
{
    return run(o, d, out, paths_fn, paths, n, NULL);
}

int tn_ruleset_load_text(const char *text, size_t len, const char *name, const tn_rule_opts *o,
                         tn_diag *d, tn_ruleset **out)
{
    return run(o, d, out, text_fn, text, len, name ? name : "<text>");
}
