/* logsource.c - loads logsource maps (data/logsources.yml format) and
 * resolves a rule's logsource to the event sources it applies to.
 *
 * The map is data, not code, so analysts can add channels without a new
 * build. Entries are matched on category (or, failing that, service) and
 * product. A rule of another product than "windows" reaches only the
 * sources its own entry names (linux's auditd: the auditd reader's
 * events), never every event. */
#include "sigma/logsource.h"

#include "base/alloc.h"
#include "base/file.h"
#include "base/arena.h"
#include "sigma/value.h"
#include "sigma/yaml.h"
#include "sigma/ycache.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    const char *product, *category, *service;
    tn_source *src;
    uint32_t nsrc;
} entry;

struct tn_lsmap {
    tn_arena a;
    entry *e;
    size_t n, cap;
    tn_rename *alias;
    uint32_t nalias;
};

tn_lsmap *tn_lsmap_new(void)
{
    tn_lsmap *m = tn_calloc(1, sizeof(*m));
    if (m)
        tn_arena_init(&m->a, 16 * 1024);
    return m;
}

void tn_lsmap_free(tn_lsmap *m)
{
    if (!m)
        return;
    tn_arena_free(&m->a);
    tn_free(m->e);
    tn_free(m);
}

static const char *scalar(const tn_ynode *n)
{
    return n && n->kind == TN_Y_SCALAR && n->len ? n->str : NULL;
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The first key of map m that is none of names (NULL-ended), or NULL: a
 * misspelt key would be dropped without a word. */
static const tn_ynode *unknown_key(const tn_ynode *m, const char *const *names)
{
    for (const tn_ynode *k = m && m->kind == TN_Y_MAP ? m->child : NULL; k; k = k->next) {
        const char *const *n = names;
        while (*n && strcmp(k->str, *n))
            n++;
        if (!*n)
            return k;
    }
    return NULL;
}

static int bad(char *err, size_t errlen, const char *name, const tn_ynode *n, const char *why)
{
    snprintf(err, errlen, "%s:%u:%u: %s", name, n ? n->line : 0, n ? n->col : 0, why);
    return -1;
}

/* A rename map's problem: where, and why (load_renames). */
typedef struct ren_err {
    const tn_ynode *at;
    const char *why;
    char buf[128];
} ren_err;

/* One rename of Sigma name k: a field name (v a scalar), or the map
 * {field: NAME, values: {RAW: SIGMA, ...}, paths: device|registry|access,
 * append: NAME, sid: NAME, when: NAME, else: RENAME, data: true} into *out; else is
 * read when field is unset (tn_field_unset), or when is, nested at most
 * depth times. */
static int load_rename(tn_lsmap *m, const tn_ynode *k, const tn_ynode *v, tn_rename *out, ren_err *re, int depth)
{
    if (scalar(v)) {
        *out = (tn_rename){k->str, v->str, (uint32_t)k->len, (uint32_t)v->len, NULL, 0, TN_PATHS_AS_IS,
                           NULL, 0, NULL, 0, NULL, 0, NULL, {0}, 0};
        tn_fieldname_init(&out->target, out->to, out->to_len);   /* read without looking it up */
        return 0;
    }
    const char *to = scalar(tn_ymap_get(v, "field"));
    const tn_ynode *vm = tn_ymap_get(v, "values");
    const tn_ynode *pn = tn_ymap_get(v, "paths"), *an = tn_ymap_get(v, "append");
    const tn_ynode *sn = tn_ymap_get(v, "sid"), *en = tn_ymap_get(v, "else");
    const tn_ynode *wn = tn_ymap_get(v, "when"), *dn = tn_ymap_get(v, "data");
    const char *paths = pn ? scalar(pn) : NULL, *append = an ? scalar(an) : NULL;
    const char *sid = sn ? scalar(sn) : NULL, *when = wn ? scalar(wn) : NULL;
    static const char *const opts[] = {"field", "values", "paths", "append", "sid", "when", "else", "data", NULL};
    const tn_ynode *o = unknown_key(v, opts);
    if (o) {
        snprintf(re->buf, sizeof(re->buf),
                 "unknown rename option '%.40s' (field, values, paths, append, sid, when, else, data)", o->str);
        re->at = o;
        re->why = re->buf;
        return -1;
    }
    uint8_t pk = !paths ? TN_PATHS_AS_IS : !strcmp(paths, "device") ? TN_PATHS_DEVICE
               : !strcmp(paths, "registry") ? TN_PATHS_REGISTRY
               : !strcmp(paths, "access") ? TN_PATHS_ACCESS : 0xFF;
    /* append, sid and when name EventData fields: the scanner reads them
     * as such (sigma/translate.h), and so must the evaluator; when without
     * an else would make the field absent */
    if (!to || (vm && vm->kind != TN_Y_MAP) || (pn && pk == 0xFF) || (an && !append) || (sn && !sid) ||
        (wn && (!when || !en)) || (append && tn_field_sys(append, strlen(append)) != TN_F_DATA) ||
        (sid && tn_field_sys(sid, strlen(sid)) != TN_F_DATA) ||
        (when && tn_field_sys(when, strlen(when)) != TN_F_DATA) || (en && depth == 0) ||
        (dn && (!scalar(dn) || strcmp(dn->str, "true")))) {
        re->at = k;
        re->why = "a rename is a field name, or {field: NAME, values: {RAW: SIGMA, ...}, "
                  "paths: device|registry|access, append: FIELD, sid: FIELD, when: FIELD, else: RENAME, "
                  "data: true} "
                  "with data fields for append, sid and when, and when only with else";
        return -1;
    }
    const char **vals = NULL;
    uint32_t nv = 0;
    if (vm && vm->count) {
        vals = tn_arena_calloc(&m->a, 2 * vm->count * sizeof(*vals));
        if (!vals)
            return -1;
        for (const tn_ynode *x = vm->child; x; x = x->next) {
            if (x->kind != TN_Y_SCALAR || !scalar(x->val))
                return -1;
            vals[2 * nv] = x->str;
            vals[2 * nv + 1] = x->val->str;
            nv++;
        }
    }
    tn_rename *alt = NULL;
    if (en && (!(alt = tn_arena_calloc(&m->a, sizeof(*alt))) || load_rename(m, k, en, alt, re, depth - 1)))
        return -1;
    *out = (tn_rename){k->str, to, (uint32_t)k->len, (uint32_t)strlen(to), vals, nv, pk,
                       append, append ? (uint32_t)strlen(append) : 0, sid, sid ? (uint32_t)strlen(sid) : 0,
                       when, when ? (uint32_t)strlen(when) : 0, alt, {0}, dn != NULL};
    tn_fieldname_init(&out->target, out->to, out->to_len);
    if (out->data)   /* the data field, not the System member of its name */
        out->target.sys = TN_F_DATA;
    return 0;
}

static int load_renames(tn_lsmap *m, const tn_ynode *r, const tn_rename **out, uint32_t *n, ren_err *re)
{
    *out = NULL;
    *n = 0;
    if (!r || r->kind != TN_Y_MAP)
        return r ? -1 : 0;
    tn_rename *rs = tn_arena_calloc(&m->a, (r->count ? r->count : 1) * sizeof(*rs));
    if (!rs)
        return -1;
    for (const tn_ynode *k = r->child; k; k = k->next) {
        if (k->kind != TN_Y_SCALAR || load_rename(m, k, k->val, &rs[*n], re, 4))
            return -1;
        (*n)++;
    }
    *out = rs;
    return 0;
}

/* where: {FIELD: VALUE or [VALUE, ...], ...} into out (load_source). */
static int load_where(tn_lsmap *m, const tn_ynode *w, tn_source *out, ren_err *re)
{
    out->where = NULL;
    out->nwhere = 0;
    if (!w)
        return 0;
    tn_where *ws = NULL;
    int ok = w->kind == TN_Y_MAP && w->count && (ws = tn_arena_calloc(&m->a, w->count * sizeof(*ws)));
    for (const tn_ynode *k = ok ? w->child : NULL; ok && k; k = k->next) {
        const tn_ynode *v = k->val;
        int seq = v->kind == TN_Y_SEQ;
        uint32_t n = seq ? v->count : 1;
        const char **vals = n ? tn_arena_calloc(&m->a, n * sizeof(*vals)) : NULL;
        tn_where *x = &ws[out->nwhere];
        ok = vals != NULL;
        for (const tn_ynode *i = seq ? v->child : v; ok && i; i = seq ? i->next : NULL)
            ok = (vals[x->nvals++] = scalar(i)) != NULL;
        if (ok) {
            tn_fieldname_init(&x->field, k->str, k->len);
            x->vals = vals;
            out->nwhere++;
        }
    }
    if (!ok) {
        re->at = w;
        re->why = "a source's where maps field names to a value or a list of values";
        return -1;
    }
    out->where = ws;
    return 0;
}

static int load_source(tn_lsmap *m, const tn_ynode *s, tn_source *out, ren_err *re)
{
    /* a misspelt eventid would widen the source to every EventID */
    static const char *const keys[] = {"channel", "eventid", "rename", "fields", "where", NULL};
    const tn_ynode *o = unknown_key(s, keys);
    if (o) {
        snprintf(re->buf, sizeof(re->buf), "unknown source key '%.40s' (channel, eventid, rename, fields, where)",
                 o->str);
        re->at = o;
        re->why = re->buf;
        return -1;
    }
    const char *ch = scalar(tn_ymap_get(s, "channel"));
    if (!ch)
        return -1;
    out->channel = ch;
    const tn_ynode *ids = tn_ymap_get(s, "eventid");
    out->eids = NULL;
    out->neids = 0;
    if (ids) {
        if (ids->kind != TN_Y_SEQ || ids->count == 0) {
            /* [] was read as any EventID: leaving it out says that */
            re->at = ids;
            re->why = "eventid is a list of EventIDs (leave it out for any EventID)";
            return -1;
        }
        out->eids = tn_arena_alloc(&m->a, (ids->count ? ids->count : 1) * sizeof(uint32_t));
        if (!out->eids)
            return -1;
        for (const tn_ynode *i = ids->child; i; i = i->next) {
            char *end;
            errno = 0;
            unsigned long v = strtoul(i->str, &end, 10);
            if (i->kind != TN_Y_SCALAR || errno || *end || end == i->str || v > 0xFFFFFFFFul)
                return -1;
            out->eids[out->neids++] = (uint32_t)v;
        }
    }
    const tn_ynode *fl = tn_ymap_get(s, "fields");
    out->fields = NULL;
    out->nfields = 0;
    if (fl) {
        if (fl->kind != TN_Y_SEQ)
            return -1;
        out->fields = tn_arena_alloc(&m->a, (fl->count ? fl->count : 1) * sizeof(char *));
        if (!out->fields)
            return -1;
        for (const tn_ynode *f = fl->child; f; f = f->next) {
            if (!scalar(f)) {   /* was skipped without a word */
                re->at = f;
                re->why = "fields is a list of field names";
                return -1;
            }
            out->fields[out->nfields++] = f->str;
        }
    }
    if (load_where(m, tn_ymap_get(s, "where"), out, re))
        return -1;
    if (load_renames(m, tn_ymap_get(s, "rename"), &out->renames, &out->nrenames, re))
        return -1;
    out->rename_bits = 0;
    for (uint32_t i = 0; i < out->nrenames; i++) {
        tn_fieldname f;
        tn_fieldname_init(&f, out->renames[i].from, out->renames[i].from_len);
        out->rename_bits |= TN_RENAME_BIT(f.hash);
    }
    return 0;
}

static int add_entry(tn_lsmap *m, const entry *e)
{
    for (size_t i = 0; i < m->n; i++)
        if (same(m->e[i].product, e->product) && same(m->e[i].category, e->category) &&
            same(m->e[i].service, e->service)) {
            m->e[i] = *e;  /* later maps override */
            return 0;
        }
    if (m->n == m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 64;
        entry *ne = tn_realloc(m->e, ncap * sizeof(*ne));
        if (!ne)
            return -1;
        m->e = ne;
        m->cap = ncap;
    }
    m->e[m->n++] = *e;
    return 0;
}

static int load_entry(tn_lsmap *m, const tn_ynode *en, const char *name, char *err, size_t errlen)
{
    entry e = {scalar(tn_ymap_get(en, "product")), scalar(tn_ymap_get(en, "category")),
               scalar(tn_ymap_get(en, "service")), NULL, 0};
    const tn_ynode *srcs = tn_ymap_get(en, "sources");
    /* a misspelt category left the entry a service's, or none */
    static const char *const names[] = {"product", "category", "service", "sources", NULL};
    const tn_ynode *k = unknown_key(en, names);
    if (k) {
        char why[120];
        snprintf(why, sizeof(why), "unknown logsource entry key '%.40s' (product, category, service, sources)",
                 k->str);
        return bad(err, errlen, name, k, why);
    }
    for (size_t i = 0; i < 3; i++) {   /* product, category, service */
        const tn_ynode *v = tn_ymap_get(en, names[i]);
        if (v && !scalar(v))
            return bad(err, errlen, name, v, "product, category and service are names");
    }
    if (en->kind != TN_Y_MAP || (!e.category && !e.service))
        return bad(err, errlen, name, en, "a logsource entry needs a category or a service");
    if (!srcs || srcs->kind != TN_Y_SEQ || srcs->count == 0)
        return bad(err, errlen, name, en, "a logsource entry needs a list of sources");
    e.src = tn_arena_calloc(&m->a, srcs->count * sizeof(*e.src));
    if (!e.src)
        return bad(err, errlen, name, en, "out of memory");
    for (const tn_ynode *s = srcs->child; s; s = s->next) {
        ren_err re = {NULL, NULL, ""};
        if (s->kind != TN_Y_MAP || load_source(m, s, &e.src[e.nsrc++], &re))
            return re.why ? bad(err, errlen, name, re.at, re.why)
                          : bad(err, errlen, name, s, "a source needs channel, optional eventid list, "
                                                      "optional rename map and fields list");
    }
    if (add_entry(m, &e))
        return bad(err, errlen, name, en, "out of memory");
    return 0;
}

static int load_text(const char *text, size_t len, const char *name, tn_ycache *yc, tn_lsmap *m,
                     char *err, size_t errlen)
{
    tn_ystream st;
    char msg[200];
    uint32_t line, col;
    if (tn_ycache_parse(yc, text, len, &m->a, &st, msg, sizeof(msg), &line, &col)) {
        snprintf(err, errlen, "%s:%u:%u: %s", name, line, col, msg);
        return -1;
    }
    for (size_t d = 0; d < st.ndocs; d++) {
        const tn_ynode *root = st.docs[d];
        if (root->kind == TN_Y_SCALAR && !root->len)
            continue;   /* an empty document */
        const tn_ynode *ls = tn_ymap_get(root, "logsources");
        /* a file of another shape (`logsource:`, a list) was read as
         * nothing, and the rules it was meant for as unmapped */
        if (root->kind != TN_Y_MAP)
            return bad(err, errlen, name, root, "a logsource map is a map with 'logsources' and/or 'aliases'");
        static const char *const top[] = {"logsources", "aliases", NULL};
        const tn_ynode *odd = unknown_key(root, top);
        if (odd) {
            char why[120];
            snprintf(why, sizeof(why), "unknown key '%.40s' in a logsource map (logsources, aliases)", odd->str);
            return bad(err, errlen, name, odd, why);
        }
        if (ls && ls->kind != TN_Y_SEQ)
            return bad(err, errlen, name, ls, "'logsources' must be a list");
        for (const tn_ynode *en = ls ? ls->child : NULL; en; en = en->next)
            if (load_entry(m, en, name, err, errlen))
                return -1;
        const tn_ynode *al = tn_ymap_get(root, "aliases");
        if (al) {
            const tn_rename *r;
            uint32_t n;
            ren_err re = {NULL, NULL, ""};
            if (load_renames(m, al, &r, &n, &re))
                return re.why ? bad(err, errlen, name, re.at, re.why)
                              : bad(err, errlen, name, al, "'aliases' must map names to names");
            /* the evaluator reads an alias's field as it is: options
             * (values, paths, append, sid, else) would be dropped */
            for (const tn_ynode *k = al->child; k; k = k->next)
                if (k->val->kind != TN_Y_SCALAR)
                    return bad(err, errlen, name, k, "an alias maps a name to a field name, without options");
            m->alias = (tn_rename *)r;
            m->nalias = n;
        }
    }
    return 0;
}


int tn_lsmap_load_text(const char *text, size_t len, const char *name, tn_lsmap *m,
                       char *err, size_t errlen)
{
    return load_text(text, len, name, NULL, m, err, errlen);
}

int tn_lsmap_load(const char *const *files, size_t n, tn_lsmap **out, char *err, size_t errlen)
{
    return tn_lsmap_load_cached(files, n, NULL, out, err, errlen);
}

int tn_lsmap_load_cached(const char *const *files, size_t n, tn_ycache *yc, tn_lsmap **out,
                         char *err, size_t errlen)
{
    tn_lsmap *m = tn_lsmap_new();
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char *text;
        size_t len;
        if (tn_file_read(files[i], 64u << 20, &text, &len)) {
            snprintf(err, errlen, "%s: cannot read: %s", files[i], strerror(errno));
            tn_lsmap_free(m);
            return -1;
        }
        /* the tree points into the arena, not text: strings are copied */
        int rc = load_text(text, len, files[i], yc, m, err, errlen);
        tn_free(text);
        if (rc) {
            tn_lsmap_free(m);
            return -1;
        }
    }
    *out = m;
    return 0;
}

static int product_ok(const char *entry_p, const char *rule_p)
{
    return !entry_p || !rule_p || !strcmp(entry_p, rule_p);
}

void tn_lsmap_resolve(const tn_lsmap *m, const char *product, const char *category,
                      const char *service, const tn_source **src, uint32_t *n, int *never)
{
    *src = NULL;
    *n = 0;
    int other = product && strcmp(product, "windows") != 0;
    *never = other;
    if (!m)
        return;
    *never = 0;
    for (int pass = 0; pass < 2; pass++) {
        const char *want = pass == 0 ? category : service;
        if (!want)
            continue;
        for (size_t i = 0; i < m->n; i++) {
            const char *have = pass == 0 ? m->e[i].category : m->e[i].service;
            /* another product than windows: only an entry of that very
             * product (one without a product is a Windows log's) */
            const char *ep = m->e[i].product;
            if (have && !strcmp(have, want) &&
                (other ? ep && !strcmp(ep, product) : product_ok(ep, product))) {
                *src = m->e[i].src;
                *n = m->e[i].nsrc;
                return;
            }
        }
    }
    /* unmapped: a Windows rule sees every event; anything else none */
    *never = !product || other;
}

const tn_rename *tn_lsmap_aliases(const tn_lsmap *m, uint32_t *n)
{
    *n = m ? m->nalias : 0;
    return m ? m->alias : NULL;
}
