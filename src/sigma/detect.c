/* detect.c - compiles a rule's `detection` section: searches and condition.
 *
 * Search identifier shapes (Sigma spec, "Detection"):
 *   map            -> one group: AND of its entries
 *   list of maps   -> OR of groups
 *   list of values -> keyword search (any field value contains one)
 *   map {'|all': [..]} -> keyword search, all values required
 * The condition may be a string or a list of strings (ORed). */
#include "sigma/detect.h"

#include "sigma/cond.h"

#include <stdio.h>
#include <string.h>

typedef struct sbuild {
    tn_item *items;
    uint32_t nitems, cap;
    uint32_t *ends;
    uint32_t ngroups, gcap;
} sbuild;

static int fail(tn_vctx *c, const tn_ynode *n, const char *msg)
{
    snprintf(c->err, c->errlen, "%s", msg);
    c->err_node = n;
    return -1;
}

static tn_item *new_item(tn_vctx *c, sbuild *b)
{
    if (b->nitems == b->cap) {
        uint32_t ncap = b->cap ? b->cap * 2 : 8;
        tn_item *ni = tn_arena_alloc(c->a, ncap * sizeof(*ni));
        if (!ni)
            return NULL;
        if (b->nitems)
            memcpy(ni, b->items, b->nitems * sizeof(*ni));
        b->items = ni;
        b->cap = ncap;
    }
    return &b->items[b->nitems++];
}

static int end_group(tn_vctx *c, sbuild *b)
{
    if (b->ngroups == b->gcap) {
        uint32_t ncap = b->gcap ? b->gcap * 2 : 4;
        uint32_t *ne = tn_arena_alloc(c->a, ncap * sizeof(*ne));
        if (!ne)
            return -1;
        if (b->ngroups)
            memcpy(ne, b->ends, b->ngroups * sizeof(*ne));
        b->ends = ne;
        b->gcap = ncap;
    }
    b->ends[b->ngroups++] = b->nitems;
    return 0;
}

static int map_group(tn_vctx *c, sbuild *b, const tn_ynode *m)
{
    if (m->count == 0)
        return fail(c, m, "empty map in a search identifier");
    for (const tn_ynode *k = m->child; k; k = k->next) {
        if (k->kind != TN_Y_SCALAR)
            return fail(c, k, "a detection key must be a string");
        tn_item *it = new_item(c, b);
        if (!it)
            return fail(c, k, "out of memory");
        if (tn_item_compile(c, k->str, k, k->val, it))
            return -1;
    }
    return end_group(c, b) ? fail(c, m, "out of memory") : 0;
}

static int list_search(tn_vctx *c, sbuild *b, const tn_ynode *l)
{
    if (l->count == 0)
        return fail(c, l, "empty list in a search identifier");
    for (const tn_ynode *e = l->child; e; e = e->next) {
        if (e->kind == TN_Y_MAP) {
            if (map_group(c, b, e))
                return -1;
        } else if (e->kind == TN_Y_SCALAR) {
            tn_item *it = new_item(c, b);
            if (!it)
                return fail(c, e, "out of memory");
            if (tn_keyword_compile(c, e, it) || end_group(c, b))
                return c->err[0] ? -1 : fail(c, e, "out of memory");
        } else {
            return fail(c, e, "nested lists are not allowed in a search identifier");
        }
    }
    return 0;
}

static int compile_search(tn_vctx *c, const tn_ynode *key, tn_search *s)
{
    sbuild b;
    memset(&b, 0, sizeof(b));
    const tn_ynode *v = key->val;
    int rc;
    if (!v || tn_ynode_is_null(v))
        return fail(c, key, "search identifier has no value");
    if (v->kind == TN_Y_MAP)
        rc = map_group(c, &b, v);
    else if (v->kind == TN_Y_SEQ)
        rc = list_search(c, &b, v);
    else {
        tn_item *it = new_item(c, &b);
        rc = it ? tn_keyword_compile(c, v, it) || end_group(c, &b) : fail(c, v, "out of memory");
    }
    if (rc)
        return -1;
    s->name = key->str;
    s->items = b.items;
    s->nitems = b.nitems;
    s->group_end = b.ends;
    s->ngroups = b.ngroups;
    return 0;
}

static int is_reserved(const char *k, int is_filter)
{
    return !strcmp(k, "condition") || !strcmp(k, "timeframe") || (is_filter && !strcmp(k, "rules"));
}

/* Parses one condition string, reporting the column inside the rule. */
static tn_cnode *one_cond(tn_vctx *c, const tn_ynode *cn, const char **names, uint32_t n)
{
    size_t at;
    char msg[200];
    tn_cnode *r = tn_cond_parse(cn->str, cn->len, names, n, c->a, msg, sizeof(msg), &at);
    if (!r) {
        snprintf(c->err, c->errlen, "%s (at offset %zu of '%s')", msg, at, cn->str);
        c->err_node = cn;
        /* a one-line scalar: point at the character (after an opening quote) */
        if (!memchr(cn->str, '\n', cn->len))
            c->err_col = (uint32_t)at + (cn->plain ? 0 : 1);
    }
    return r;
}

static tn_cnode *conditions(tn_vctx *c, const tn_ynode *cond, const char **names, uint32_t n)
{
    if (cond->kind == TN_Y_SCALAR)
        return one_cond(c, cond, names, n);
    if (cond->kind != TN_Y_SEQ || cond->count == 0) {
        fail(c, cond, "condition must be a string or a list of strings");
        return NULL;
    }
    tn_cnode *root = NULL;
    for (const tn_ynode *e = cond->child; e; e = e->next) {
        if (e->kind != TN_Y_SCALAR) {
            fail(c, e, "condition must be a string or a list of strings");
            return NULL;
        }
        tn_cnode *x = one_cond(c, e, names, n);
        if (!x)
            return NULL;
        if (root) {
            tn_cnode *o = tn_arena_calloc(c->a, sizeof(*o));
            if (!o) {
                fail(c, e, "out of memory");
                return NULL;
            }
            o->op = TN_C_OR;
            o->a = root;
            o->b = x;
            x = o;
        }
        root = x;
    }
    return root;
}

int tn_detection_compile(tn_vctx *c, const tn_ynode *det, int is_filter, tn_search **out,
                         uint32_t *nout, tn_cnode **cond)
{
    const char *cond_key = "condition";
    if (!det || det->kind != TN_Y_MAP)
        return fail(c, det, "detection must be a map");
    const tn_ynode *cn = tn_ymap_get(det, cond_key);
    if (!cn || tn_ynode_is_null(cn))
        return fail(c, det, "detection has no condition");
    uint32_t n = 0;
    for (const tn_ynode *k = det->child; k; k = k->next)
        n += k->kind == TN_Y_SCALAR && !is_reserved(k->str, is_filter);
    tn_search *s = tn_arena_calloc(c->a, (n ? n : 1) * sizeof(*s));
    const char **names = tn_arena_calloc(c->a, (n ? n : 1) * sizeof(*names));
    if (!s || !names)
        return fail(c, det, "out of memory");
    uint32_t i = 0;
    for (const tn_ynode *k = det->child; k; k = k->next) {
        if (k->kind != TN_Y_SCALAR)
            return fail(c, k, "a search identifier must be a string");
        if (is_reserved(k->str, is_filter))
            continue;
        if (compile_search(c, k, &s[i]))
            return -1;
        names[i] = s[i].name;
        i++;
    }
    *cond = conditions(c, cn, names, n);
    if (!*cond)
        return -1;
    *out = s;
    *nout = n;
    return 0;
}
