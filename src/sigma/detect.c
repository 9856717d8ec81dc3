/* detect.c - compiles a rule's `detection` section: searches and condition.
 *
 * Search identifier shapes (Sigma spec, "Detection"):
 *   map            -> one group: AND of its entries
 *   list of maps   -> OR of groups
 *   list of values -> keyword search (any field value contains one)
 *   map {'|all': [..]} -> keyword search, all values required
 * The condition may be a string or a list of strings (ORed). */
#include "sigma/detect.h"

#include "base/alloc.h"
#include "base/hash.h"
#include "sigma/cond.h"

#include <pthread.h>
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

/* ---- items compiled once ----
 *
 * The same values recur across rules: of the 10,305 field entries of the
 * 2,872 Windows rules, 6,698 are distinct in modifiers and values
 * ("|endswith: '\\cmd.exe'" for Image, ParentImage...). tn_item_compile's
 * values are a function of the modifiers, the values' text, whether there
 * is a field name (none: a keyword search) and the placeholders (fixed for
 * a load), so an entry seen before takes the earlier item: its strings,
 * regexes and multi search (all read-only after loading), with its own
 * field name, set as tn_item_compile sets it, and its own copy of the
 * values, since atoms.c tags each rule's values with that rule's literals.
 * Only items that compiled are kept (a failure reports its own node), and
 * none with 'expand', whose warning names the node it was compiled from.
 * Measured (callgrind, warm caches): 33,017 values compiled instead of
 * 39,188; keyed by the whole key (field included) it was 34,779 and
 * 7 M instructions more. */
typedef struct ment {
    uint64_t h;            /* 0: empty slot */
    const char *mods;      /* the key from its first '|' ("" when none) */
    int keyword;           /* no field name */
    const tn_ynode *val;   /* scalar, or sequence of scalars */
    tn_item item;
} ment;

/* An entry's memo key: modifiers, keyword or not, values. */
typedef struct mkey {
    const char *mods;
    int keyword;
    size_t flen;           /* the field name's length */
    const tn_ynode *val;
} mkey;

/* One memo for all loading threads: with one per thread, each saw only
 * its share of the repeats (measured, Windows rules: 352.0 M instructions
 * with 2 threads, 355.4 M with 4, against 344.5 M with 1). A hit copies
 * the entry under the lock, since the table may grow; the values it points
 * to are complete before they are put and read-only until atoms.c. */
struct tn_imemo {
    ment *t;
    size_t n, cap;         /* cap a power of two, or 0 */
    size_t tbytes;         /* t's tn_huge_alloc size, or 0: t is tn_calloc's */
    tn_arena a;            /* the entries' keys: copies, since the trees they came
                            * from are freed after their file (loader.c) */
    int shared;
    pthread_mutex_t mu;    /* t, n, cap, when shared */
};

tn_imemo *tn_imemo_new(int shared)
{
    tn_imemo *m = tn_calloc(1, sizeof(tn_imemo));
    if (m && (m->shared = shared))
        pthread_mutex_init(&m->mu, NULL);
    if (m)
        tn_arena_init_growing(&m->a, 64 * 1024, TN_ARENA_HUGE);   /* compiled items: see tn_huge_alloc */
    return m;
}

/* A zeroed table of n entries; *bytes: its tn_huge_alloc size, or 0.
 * SigmaHQ's Windows rules fill 16,384 entries (1.6 MB; 3.2 MB of tables
 * with the smaller ones before it), in ordinary pages 1,317 faults of
 * ~2.4 us each (perf), a third of the loading's after the rule arenas. */
static ment *table_new(size_t n, size_t *bytes)
{
    *bytes = 0;
    if (n * sizeof(ment) < TN_HUGE / 2)
        return tn_calloc(n, sizeof(ment));
    *bytes = n * sizeof(ment);
    return tn_huge_alloc(bytes);   /* fresh pages: zeroed */
}

static void table_free(ment *t, size_t bytes)
{
    if (bytes)
        tn_huge_free(t, bytes);
    else
        tn_free(t);
}

void tn_imemo_free(tn_imemo *m)
{
    if (!m)
        return;
    if (m->shared)
        pthread_mutex_destroy(&m->mu);
    tn_arena_free(&m->a);
    table_free(m->t, m->tbytes);
    tn_free(m);
}

static void memo_lock(tn_imemo *m)
{
    if (m->shared)
        pthread_mutex_lock(&m->mu);
}

static void memo_unlock(tn_imemo *m)
{
    if (m->shared)
        pthread_mutex_unlock(&m->mu);
}

/* Eight bytes a step: hashing a byte a step was 8 M instructions, more
 * than the memo saved. Equal texts hash equal; the table compares them. */
static uint64_t hash_scalar(uint64_t h, const tn_ynode *v)
{
    return tn_hash_bytes(h ^ v->plain, v->str, v->len);
}

/* The memo key of entry key: val, and its hash (never 0), or 0 when the
 * entry is not memoized. */
static uint64_t memo_key(const char *key, const tn_ynode *val, mkey *mk)
{
    const char *bar = strchr(key, '|');
    mk->mods = bar ? bar : "";
    mk->flen = bar ? (size_t)(bar - key) : strlen(key);
    mk->keyword = mk->flen == 0;
    mk->val = val;
    if (!val || strstr(mk->mods, "expand"))
        return 0;
    uint64_t h = tn_hash_bytes(0xcbf29ce484222325ull ^ (uint64_t)mk->keyword, mk->mods,
                            strlen(mk->mods));
    if (val->kind == TN_Y_SCALAR) {
        h = hash_scalar(h, val);
    } else if (val->kind == TN_Y_SEQ && val->count) {
        h ^= 0x5851f42d4c957f2dull;
        for (const tn_ynode *e = val->child; e; e = e->next) {
            if (e->kind != TN_Y_SCALAR)
                return 0;
            h = hash_scalar(h, e);
        }
    } else {
        return 0;
    }
    return h ? h : 1;
}

static int same_scalar(const tn_ynode *x, const tn_ynode *y)
{
    return x->kind == TN_Y_SCALAR && y->kind == TN_Y_SCALAR && x->plain == y->plain &&
           x->len == y->len && !memcmp(x->str, y->str, x->len);
}

static int same_values(const tn_ynode *x, const tn_ynode *y)
{
    if (x->kind != y->kind)
        return 0;
    if (x->kind == TN_Y_SCALAR)
        return same_scalar(x, y);
    if (x->count != y->count)
        return 0;
    const tn_ynode *a = x->child, *b = y->child;
    for (; a && b; a = a->next, b = b->next)
        if (!same_scalar(a, b))
            return 0;
    return !a && !b;
}

static ment *memo_find(tn_imemo *m, uint64_t h, const mkey *k)
{
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        ment *e = &m->t[i];
        if (!e->h || (e->h == h && e->keyword == k->keyword && !strcmp(e->mods, k->mods) &&
                      same_values(e->val, k->val)))
            return e;
    }
}

/* A scalar node of a memo key, copied into a (only what same_values reads). */
static tn_ynode *copy_scalar(tn_arena *a, const tn_ynode *v)
{
    tn_ynode *n = tn_arena_calloc(a, sizeof(*n));
    char *s = n ? tn_arena_strndup(a, v->str, v->len) : NULL;
    if (!s)
        return NULL;
    *n = (tn_ynode){.kind = v->kind, .str = s, .len = v->len, .plain = v->plain,
                    .line = v->line, .col = v->col};
    return n;
}

/* v (a scalar, or a sequence of scalars: memo_key's values) copied into a. */
static const tn_ynode *copy_val(tn_arena *a, const tn_ynode *v)
{
    if (v->kind == TN_Y_SCALAR)
        return copy_scalar(a, v);
    tn_ynode *n = tn_arena_calloc(a, sizeof(*n));
    if (!n)
        return NULL;
    *n = (tn_ynode){.kind = v->kind, .str = "", .line = v->line, .col = v->col, .count = v->count};
    tn_ynode **link = &n->child;
    for (const tn_ynode *e = v->child; e; e = e->next) {
        if (!(*link = copy_scalar(a, e)))
            return NULL;
        link = &(*link)->next;
    }
    return n;
}

/* Keeps it (compiled from the entry of key k) for later rules; out of
 * memory only means it is compiled again. */
static void memo_put(tn_imemo *m, uint64_t h, const mkey *k, const tn_item *it)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 1024, nbytes;
        ment *nt = table_new(ncap, &nbytes);
        if (!nt)
            return;
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->t[i].h)
                continue;
            size_t j = m->t[i].h & (ncap - 1);
            while (nt[j].h)
                j = (j + 1) & (ncap - 1);
            nt[j] = m->t[i];
        }
        table_free(m->t, m->tbytes);
        m->t = nt;
        m->tbytes = nbytes;
        m->cap = ncap;
    }
    ment *e = memo_find(m, h, k);
    if (e->h)
        return;
    const char *mods = tn_arena_strndup(&m->a, k->mods, strlen(k->mods));
    const tn_ynode *val = mods ? copy_val(&m->a, k->val) : NULL;
    if (!val)
        return;
    *e = (ment){h, mods, k->keyword, val, *it};
    m->n++;
}

/* tn_item_compile, or the item of an entry with the same modifiers and
 * values compiled before. */
static int item_compile(tn_vctx *c, tn_imemo *m, const tn_ynode *k, tn_item *it)
{
    mkey mk;
    uint64_t h = m ? memo_key(k->str, k->val, &mk) : 0;
    int hit = 0;
    tn_item got;
    if (h) {
        memo_lock(m);
        ment *e = m->cap ? memo_find(m, h, &mk) : NULL;
        if (e && e->h)
            hit = 1, got = e->item;
        memo_unlock(m);
    }
    if (hit && c->nvals + got.nvalues > TN_RULE_MAX_VALUES)   /* aliases of one item */
        return tn_too_many_values(c, k);
    if (hit) {
        c->nvals += got.nvalues;
        tn_value *v = tn_arena_alloc(c->a, (got.nvalues ? got.nvalues : 1) * sizeof(*v));
        char *name = mk.flen ? tn_arena_strndup(c->a, k->str, mk.flen) : NULL;
        if (!v || (mk.flen && !name))
            return fail(c, k, "out of memory");
        if (got.nvalues)
            memcpy(v, got.values, got.nvalues * sizeof(*v));
        *it = got;
        it->values = v;
        if (name)   /* as tn_item_compile names it */
            tn_fieldname_init(&it->field, name, mk.flen);
        return 0;
    }
    if (tn_item_compile(c, k->str, k, k->val, it))
        return -1;
    it->pure = 1;   /* no value reads another field: match/vmemo.h */
    for (uint32_t i = 0; i < it->nvalues; i++)
        it->pure &= it->values[i].kind != TN_V_FIELDREF;
    if (h) {
        memo_lock(m);
        memo_put(m, h, &mk, it);
        memo_unlock(m);
    }
    return 0;
}

/* Whether key k is `all` over a list of values each of which has several
 * spellings: base64offset's three, windash's before an encoding, an
 * expand placeholder's values. "All" ANDs the values; a value's
 * spellings are alternatives (pySigma's expansions are "OR-linked, even
 * if the value list ... is linked with AND by modifying it with 'all'").
 * Such a key becomes one item per value, which the map ANDs (a review,
 * session 28: base64offset was refused, and an expand placeholder's
 * values were all required). */
static int all_of_spellings(const tn_ynode *k)
{
    const tn_ynode *v = k->val;
    if (!v || v->kind != TN_Y_SEQ || v->count < 2)
        return 0;   /* refused as without the spellings */
    for (const tn_ynode *e = v->child; e; e = e->next)
        if (e->kind != TN_Y_SCALAR || tn_ynode_is_null(e))
            return 0;   /* refused as the whole list is */
    const char *s = k->str, *end = s + k->len, *p = memchr(s, '|', k->len);
    int all = 0, spelt = 0, dash = 0;
    while (p) {
        const char *q = memchr(p + 1, '|', (size_t)(end - p - 1));
        size_t n = (size_t)((q ? q : end) - p - 1);
#define IS(w) (n == sizeof(w) - 1 && !memcmp(p + 1, w, n))
        if (IS("all"))
            all = 1;
        else if (IS("expand") || IS("base64offset"))
            spelt = 1;
        else if (dash && (IS("base64") || IS("utf16le") || IS("utf16be") || IS("utf16") || IS("wide")))
            spelt = 1;
        else if (IS("windash"))
            dash = 1;
#undef IS
        p = q;
    }
    return all && spelt;
}

/* Key k's values as items of their own, `all` dropped from its
 * modifiers (all_of_spellings). 0 or -1. */
static int split_all(tn_vctx *c, sbuild *b, const tn_ynode *k)
{
    char *key = tn_arena_alloc(c->a, k->len + 1);
    if (!key)
        return fail(c, k, "out of memory");
    size_t n = 0;
    for (const char *p = k->str, *end = k->str + k->len; p < end;) {
        const char *q = memchr(p + 1, '|', (size_t)(end - p - 1));
        size_t len = (size_t)((q ? q : end) - p);
        if (!(p != k->str && len == 4 && !memcmp(p, "|all", 4))) {
            memcpy(key + n, p, len);
            n += len;
        }
        p = q ? q : end;
    }
    key[n] = 0;
    for (const tn_ynode *v = k->val->child; v; v = v->next) {
        tn_item *it = new_item(c, b);
        if (!it)
            return fail(c, k, "out of memory");
        if (tn_item_compile(c, key, k, v, it))
            return -1;
        it->pure = 1;
        for (uint32_t i = 0; i < it->nvalues; i++)
            it->pure &= it->values[i].kind != TN_V_FIELDREF;
    }
    return 0;
}

static int map_group(tn_vctx *c, tn_imemo *memo, sbuild *b, const tn_ynode *m)
{
    if (m->count == 0)
        return fail(c, m, "empty map in a search identifier");
    for (const tn_ynode *k = m->child; k; k = k->next) {
        if (k->kind != TN_Y_SCALAR)
            return fail(c, k, "a detection key must be a string");
        if (all_of_spellings(k)) {
            if (split_all(c, b, k))
                return -1;
            continue;
        }
        tn_item *it = new_item(c, b);
        if (!it)
            return fail(c, k, "out of memory");
        if (item_compile(c, memo, k, it))
            return -1;
    }
    return end_group(c, b) ? fail(c, m, "out of memory") : 0;
}

static int list_search(tn_vctx *c, tn_imemo *memo, sbuild *b, const tn_ynode *l)
{
    if (l->count == 0)
        return fail(c, l, "empty list in a search identifier");
    for (const tn_ynode *e = l->child; e; e = e->next) {
        if (e->kind == TN_Y_MAP) {
            if (map_group(c, memo, b, e))
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

static int compile_search(tn_vctx *c, tn_imemo *memo, const tn_ynode *key, tn_search *s)
{
    sbuild b;
    memset(&b, 0, sizeof(b));
    const tn_ynode *v = key->val;
    int rc;
    if (!v || tn_ynode_is_null(v))
        return fail(c, key, "search identifier has no value");
    if (v->kind == TN_Y_MAP)
        rc = map_group(c, memo, &b, v);
    else if (v->kind == TN_Y_SEQ)
        rc = list_search(c, memo, &b, v);
    else {
        tn_item *it = new_item(c, &b);
        rc = it ? tn_keyword_compile(c, v, it) || end_group(c, &b) : fail(c, v, "out of memory");
    }
    if (rc)
        return -1;
    s->name = tn_arena_strndup(c->a, key->str, key->len);   /* the tree is freed after its file */
    if (!s->name)
        return fail(c, key, "out of memory");
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

/* Parses one condition string, reporting the column inside the rule.
 * With c->agg (a rule's only condition), it may end in a legacy
 * aggregation: '|' and what follows go to tn_agg_parse. */
static tn_cnode *one_cond(tn_vctx *c, const tn_ynode *cn, const char **names, uint32_t n, int may_agg)
{
    size_t at = 0;   /* tn_cond_parse sets it whenever it fails; the compiler cannot tell */
    char msg[200];
    const char *bar = c->agg && may_agg ? memchr(cn->str, '|', cn->len) : NULL;
    size_t head = bar ? (size_t)(bar - cn->str) : cn->len;
    tn_cnode *r = tn_cond_parse(cn->str, head, names, n, c->a, msg, sizeof(msg), &at);
    if (r && bar &&
        tn_agg_parse(bar + 1, cn->len - head - 1, c->a, c->agg, msg, sizeof(msg), &at) == 0) {
        return r;
    } else if (r && bar) {
        at += head + 1;
        r = NULL;
    }
    if (!r) {
        /* the condition as one line: a reason is one (FILE:LINE:COL: REASON) */
        char one[160];
        size_t k = 0;
        for (size_t i = 0; i < cn->len && k + 4 < sizeof(one); i++)
            one[k++] = cn->str[i] == '\n' || cn->str[i] == '\r' || cn->str[i] == '\t' ? ' ' : cn->str[i];
        if (k + 4 >= sizeof(one) && k < cn->len)
            memcpy(one + k, "...", 3), k += 3;
        one[k] = 0;
        snprintf(c->err, c->errlen, "%s (at offset %zu of '%s')", msg, at, one);
        c->err_node = cn;
        c->err_off = at;   /* over several lines, the loader finds it in the file */
        c->err_has_off = 1;
        /* a one-line scalar: point at the character (after an opening
         * quote), counted in characters as libyaml counts columns (bytes
         * put it past the character after non-ASCII text: a review) */
        if (!memchr(cn->str, '\n', cn->len)) {
            uint32_t chars = 0;
            for (size_t i = 0; i < at && i < cn->len; i++)
                chars += ((unsigned char)cn->str[i] & 0xC0) != 0x80;
            c->err_col = chars + (cn->plain ? 0 : 1);
        }
    }
    return r;
}

static tn_cnode *conditions(tn_vctx *c, const tn_ynode *cond, const char **names, uint32_t n)
{
    if (cond->kind == TN_Y_SCALAR)
        return one_cond(c, cond, names, n, 1);
    if (cond->kind != TN_Y_SEQ || cond->count == 0) {
        fail(c, cond, "condition must be a string or a list of strings");
        return NULL;
    }
    /* ORed as a tree of depth log2(n), not a chain (20,000 conditions
     * overflowed the stack of the tree's walks; tn_cond_balance) */
    tn_cnode **v = tn_malloc(cond->count * sizeof(*v));
    if (!v) {
        fail(c, cond, "out of memory");
        return NULL;
    }
    size_t k = 0;
    for (const tn_ynode *e = cond->child; e; e = e->next) {
        if (e->kind != TN_Y_SCALAR) {
            fail(c, e, "condition must be a string or a list of strings");
            tn_free(v);
            return NULL;
        }
        if (!(v[k++] = one_cond(c, e, names, n, 0))) {
            tn_free(v);
            return NULL;
        }
    }
    tn_cnode *root = tn_cond_balance(c->a, TN_C_OR, v, k);
    tn_free(v);
    if (!root)
        fail(c, cond, "out of memory");
    return root;
}

int tn_detection_compile(tn_vctx *c, tn_imemo *memo, const tn_ynode *det, int is_filter,
                         tn_search **out, uint32_t *nout, tn_cnode **cond)
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
        c->cur_search = i;   /* where a placeholder's warning is (loaddoc.c) */
        if (compile_search(c, memo, k, &s[i]))
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
