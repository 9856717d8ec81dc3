/* render_json.c - a record's BinXML tree as JSON in the shape of evtx_dump
 * -o json: "#attributes", "#text", <Data Name="k"> as keys, typed numbers.
 *
 * Compiled templates. Most records of a chunk are instances of a few
 * templates, and their JSON differs only where a substituted value is
 * written. The shape around the values (keys, "#attributes", which
 * attributes and members exist, "_N" suffixes) depends on the template
 * tree and on the class of each value only: null, scalar, or nested
 * BinXML (and then on the nested template instance, recursively). That is
 * the record's signature. The first record with a signature is rendered
 * the generic way (the walker, below) while every value written is noted
 * as a slot; its output minus the slots is the program's literal text.
 * Later records with the same signature copy the literals and format only
 * their values, with the same functions, so the bytes are the same.
 * Records that do not fit (plain BinXML, a key taken from a substitution,
 * a template instance inside a definition) stay on the generic path.
 *
 * Programs outlive their chunk: each chunk defines its templates anew, at
 * other offsets, so a template is known by its content (canonical bytes,
 * compared in full), and signatures name templates by that identity.
 * Programs are kept per thread up to a memory bound, then dropped all at
 * once when the next chunk starts. Measured on dump (callgrind, 16 MiB of
 * real chunks): compiling per chunk took 33% off the instructions, sharing
 * across chunks 2% more (3% on the 256 MiB bench file). */
#include "bx_walk.h"

#include "base/alloc.h"
#include "base/hash.h"

#include <math.h>
#include <string.h>

enum { SLOT_JSON, SLOT_TEXT }; /* typed JSON value; text JSON-escaped, no quotes */

/* A value written while compiling: out[at, end) is vals[val] in mode
 * (offsets from the record's start in out). */
struct jslot {
    uint32_t at, end, val;
    uint8_t mode;
};

/* State of a record rendered to compile. */
struct jrec {
    size_t base;   /* record start in out */
    int bad;       /* something in it is not a function of the signature */
};

/* One slot of a program: lit_len literal bytes, then a value. */
struct jop {
    uint32_t lit_len, val;
    uint8_t mode;
};

/* A compiled template, in walk->keep. */
typedef struct jprog {
    struct jprog *next;     /* hash chain */
    uint64_t hash;
    const uintptr_t *sig;
    uint32_t nsig;
    uint32_t nops;          /* slots; a last literal of tail bytes follows */
    uint32_t tail;
    const struct jop *ops;
    const char *lit;        /* all literal bytes, back to back */
    uint8_t bad;            /* cannot be compiled: use the generic path */
} jprog;

/* A template's content, as canonical bytes, and the number it goes by in
 * signatures. Chunks define their templates anew (at other offsets, with
 * names elsewhere), so a template is known by what it holds. */
typedef struct jident {
    struct jident *next;    /* hash chain */
    uint64_t hash;
    size_t len;
    const unsigned char *bytes;
    uint32_t id;
} jident;

#define PROGS_MAX 8192           /* programs kept on a thread */
#define KEEP_MAX (8u << 20)      /* bytes of programs and identities kept (default) */
#define PROG_LIT_MAX 65536       /* longest literal text kept for one program */
#define SIG_MAX 4096             /* longest signature compiled */
#define CANON_MAX (256u << 10)   /* longest canonical template */

/* Keys already written in one JSON object, to give repeats a _N suffix as
 * evtx_dump does. Small objects are the rule; past KEYS_MAX we stop
 * checking (keys stay unique in practice there too: the suffix is rare). */
#define KEYS_MAX 128
typedef struct keyset {
    uint64_t seen;   /* bit per key signature: most keys skip the scan */
    uint32_t off[KEYS_MAX];
    uint32_t len[KEYS_MAX];
    int n;
} keyset;

static const bx_node *name_attr(const bx_node *e)
{
    for (const bx_node *a = e->attrs; a; a = a->next)
        if (a->name->len == 4 && !memcmp(a->name->s, "Name", 4))
            return a;
    return NULL;
}

/* Write "key": with a suffix if the key repeats within this object. The
 * key text is at out[koff, koff+klen) while we check. */
static void key_commit(tn_buf *out, keyset *ks, size_t koff, size_t klen)
{
    int dup = 0;
    const unsigned char *k = (const unsigned char *)out->data + koff;
    uint64_t bit = klen ? 1ull << ((klen * 7 + k[0] + k[klen - 1] * 3) & 63) : 1;
    if (ks->seen & bit) {
        for (int i = 0; i < ks->n; i++)
            if (ks->len[i] == klen && !memcmp(out->data + ks->off[i], out->data + koff, klen))
                dup++;
    }
    ks->seen |= bit;
    if (ks->n < KEYS_MAX) {
        ks->off[ks->n] = (uint32_t)koff;
        ks->len[ks->n] = (uint32_t)klen;
        ks->n++;
    }
    if (dup)
        tn_buf_printf(out, "_%d", dup);
    tn_buf_put(out, "\":", 2);
}

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* Does the text of type t (or of an array of it) never need JSON
 * escaping? Only strings carry arbitrary characters; every other type is
 * written as digits, hex, dates, GUIDs, SIDs or true/false. */
static inline int text_plain(uint8_t t)
{
    t &= 0x7f;
    return t != BX_T_STRING && t != BX_T_ANSI;
}

static void json_number_or_string(tn_buf *out, tn_buf *tmp, uint8_t t, const uint8_t *d, uint32_t size)
{
    size_t mark = out->len;
    /* integers straight to digits: the most common values (measured) */
    switch (t) {
    case BX_T_INT8: if (size >= 1) { tn_buf_i64(out, (int8_t)d[0]); return; } break;
    case BX_T_UINT8: if (size >= 1) { tn_buf_u64(out, d[0]); return; } break;
    case BX_T_INT16: if (size >= 2) { tn_buf_i64(out, (int16_t)rd16(d)); return; } break;
    case BX_T_UINT16: if (size >= 2) { tn_buf_u64(out, rd16(d)); return; } break;
    case BX_T_INT32: if (size >= 4) { tn_buf_i64(out, (int32_t)rd32(d)); return; } break;
    case BX_T_UINT32: if (size >= 4) { tn_buf_u64(out, rd32(d)); return; } break;
    case BX_T_INT64: if (size >= 8) { tn_buf_i64(out, (int64_t)rd64(d)); return; } break;
    case BX_T_UINT64: if (size >= 8) { tn_buf_u64(out, rd64(d)); return; } break;
    case BX_T_REAL32: case BX_T_REAL64: {
        double v;
        if (t == BX_T_REAL32 && size >= 4) { float f; memcpy(&f, d, 4); v = f; }
        else if (size >= 8) memcpy(&v, d, 8);
        else break;
        if (isfinite(v) && bx_value_text(t, d, size, out) == 0)
            return;
        out->len = mark;
        break;
    }
    case BX_T_BOOL:
        if (size >= 4) {
            tn_buf_puts(out, (d[0] | d[1] | d[2] | d[3]) ? "true" : "false");
            return;
        }
        break;
    case BX_T_NULL:
        tn_buf_puts(out, "null");
        return;
    default:
        break;
    }
    out->len = mark;
    tn_buf_putc(out, '"');
    if (t == BX_T_STRING) {
        uint32_t n = size / 2;
        while (n && !d[2 * n - 2] && !d[2 * n - 1])
            n--;
        tn_buf_utf16_json(out, d, n);
    } else if (text_plain(t)) {
        bx_value_text(t, d, size, out);
    } else {
        tn_buf_clear(tmp);
        bx_value_text(t, d, size, tmp);
        tn_buf_json_raw(out, tmp->data ? tmp->data : "", tmp->len);
    }
    tn_buf_putc(out, '"');
}

static void json_value(tn_buf *out, tn_buf *tmp, const bx_value *v)
{
    if (!(v->type & BX_T_ARRAY)) {
        json_number_or_string(out, tmp, v->type, v->data, v->size);
        return;
    }
    uint32_t pos = 0, elen;
    const uint8_t *e;
    tn_buf_putc(out, '[');
    int first = 1;
    while (bx_array_next(v->type, v->data, v->size, &pos, &e, &elen)) {
        if (!first)
            tn_buf_putc(out, ',');
        first = 0;
        json_number_or_string(out, tmp, v->type & 0x7f, e, elen);
    }
    tn_buf_putc(out, ']');
}

static void rec_slot(struct bx_walk *w, size_t at, size_t end, const bx_value *v, int mode)
{
    struct jrec *r = w->rec;
    size_t i = 0;
    while (i < w->nvals && w->vals[i] != v)
        i++;
    if (i == w->nvals) { /* a value of the template definition itself */
        r->bad = 1;
        return;
    }
    if (w->nslots == w->capslots) {
        size_t cap = w->capslots ? 2 * w->capslots : 64;
        struct jslot *s = tn_realloc(w->slots, cap * sizeof(*s));
        if (!s) {
            r->bad = 1;
            return;
        }
        w->slots = s;
        w->capslots = cap;
    }
    w->slots[w->nslots++] = (struct jslot){(uint32_t)(at - r->base), (uint32_t)(end - r->base),
                                           (uint32_t)i, (uint8_t)mode};
}

/* Write a substituted value: as a typed JSON value, or as its text
 * escaped for inside a JSON string. The only place value content reaches
 * the output, so compiled programs reuse everything else. */
static void put_value(bx_chunk *c, tn_buf *out, const bx_value *v, int mode)
{
    struct bx_walk *w = c->walk;
    size_t at = out->len;
    if (mode == SLOT_JSON) {
        json_value(out, &w->tmp, v);
    } else if (text_plain(v->type)) {
        bx_value_text(v->type, v->data, v->size, out);
    } else {
        tn_buf_clear(&w->tmp);
        bx_value_text(v->type, v->data, v->size, &w->tmp);
        tn_buf_json_raw(out, w->tmp.data ? w->tmp.data : "", w->tmp.len);
    }
    if (w->rec)
        rec_slot(w, at, out->len, v, mode);
}

/* The text content of items [s, e) as one JSON value: a lone typed value
 * keeps its type; anything else is concatenated into a string. */
static void json_text(bx_chunk *c, size_t s, size_t e, tn_buf *out)
{
    struct bx_walk *w = c->walk;
    size_t count = 0, last = s;
    for (size_t i = s; i < e; i++)
        if (!(w->items[i].node && w->items[i].node->kind == BX_ELEM)) {
            count++;
            last = i;
        }
    if (count == 1 && w->items[last].val) {
        put_value(c, out, w->items[last].val, SLOT_JSON);
        return;
    }
    tn_buf_putc(out, '"');
    for (size_t i = s; i < e; i++) {
        const bx_item *it = &w->items[i];
        if (it->node && it->node->kind == BX_ELEM)
            continue;
        if (it->node && (it->node->kind == BX_VALUE || it->node->kind == BX_CDATA) &&
            (it->node->kind == BX_CDATA || it->node->vtype == BX_T_STRING)) {
            tn_buf_utf16_json(out, it->node->data, it->node->size / 2);
            continue;
        }
        if (it->val) {
            put_value(c, out, it->val, SLOT_TEXT);
            continue;
        }
        tn_buf *t = &w->tmp;
        tn_buf_clear(t);
        bx_item_text(it, t);
        tn_buf_json_raw(out, t->data ? t->data : "", t->len);
    }
    tn_buf_putc(out, '"');
}

/* An attribute's value as a JSON string: its parts escaped one by one
 * (JSON escaping works byte by byte, so this equals escaping the joined
 * text), with substituted values through put_value. */
static void attr_string(bx_chunk *c, const bx_node *a, const bx_scope *scope, tn_buf *out)
{
    tn_buf *t = &c->walk->tmp;
    tn_buf_putc(out, '"');
    for (const bx_node *v = a->child; v; v = v->next) {
        if (v->kind == BX_SUBST) {
            const bx_value *val = bx_subst_value(v, scope);
            if (val && val->type != BX_T_BINXML)
                put_value(c, out, val, SLOT_TEXT);
            continue;
        }
        tn_buf_clear(t);
        bx_node_text(v, t);
        tn_buf_json_raw(out, t->data ? t->data : "", t->len);
    }
    tn_buf_putc(out, '"');
}

static int members(bx_chunk *c, size_t s, size_t e, tn_buf *out, keyset *ks, int first);

/* Writes the JSON value of element el. */
static int elem_value(bx_chunk *c, const bx_node *el, const bx_scope *scope, tn_buf *out)
{
    struct bx_walk *w = c->walk;
    int nattrs = 0;
    for (const bx_node *a = el->attrs; a; a = a->next)
        nattrs += bx_attr_present(a, scope);
    size_t s = w->n;
    if (bx_flatten(c, el->child, scope))
        return -1;
    size_t e = w->n;
    int has_elem = 0, has_text = 0;
    for (size_t i = s; i < e; i++) {
        if (w->items[i].node && w->items[i].node->kind == BX_ELEM)
            has_elem = 1;
        else
            has_text = 1;
    }
    if (!nattrs && !has_elem) {
        if (has_text)
            json_text(c, s, e, out);
        else
            tn_buf_puts(out, "null");
        w->n = s;
        return 0;
    }
    keyset ks;
    ks.n = 0;
    ks.seen = 0;
    tn_buf_putc(out, '{');
    int first = 1;
    if (nattrs) {
        tn_buf_puts(out, "\"#attributes\":{");
        int afirst = 1;
        for (const bx_node *a = el->attrs; a; a = a->next) {
            if (!bx_attr_present(a, scope))
                continue;
            if (!afirst)
                tn_buf_putc(out, ',');
            afirst = 0;
            if (a->name->plain) {
                tn_buf_putc(out, '"');
                tn_buf_put(out, a->name->s, a->name->len);
                tn_buf_putc(out, '"');
            } else {
                tn_buf_json_str(out, a->name->s, a->name->len);
            }
            tn_buf_putc(out, ':');
            /* a lone typed substitution keeps its type */
            const bx_node *v = a->child;
            const bx_value *val = v && !v->next && v->kind == BX_SUBST ? bx_subst_value(v, scope) : NULL;
            if (val && val->type != BX_T_BINXML)
                put_value(c, out, val, SLOT_JSON);
            else
                attr_string(c, a, scope, out);
        }
        tn_buf_putc(out, '}');
        first = 0;
    }
    if (has_text) {
        if (!first)
            tn_buf_putc(out, ',');
        tn_buf_puts(out, "\"#text\":");
        json_text(c, s, e, out);
        first = 0;
    }
    if (members(c, s, e, out, &ks, first))
        return -1;
    tn_buf_putc(out, '}');
    w->n = s;
    return 0;
}

/* The element children among items [s, e) as "key": value members. */
static int members(bx_chunk *c, size_t s, size_t e, tn_buf *out, keyset *ks, int first)
{
    struct bx_walk *w = c->walk;
    for (size_t i = s; i < e; i++) {
        bx_item it = w->items[i]; /* copy: the stack may move */
        if (!(it.node && it.node->kind == BX_ELEM))
            continue;
        if (!first)
            tn_buf_putc(out, ',');
        first = 0;
        const bx_node *el = it.node;
        const bx_node *na = el->name->len == 4 && !memcmp(el->name->s, "Data", 4) ? name_attr(el) : NULL;
        tn_buf_putc(out, '"');
        size_t koff = out->len;
        if (na && bx_attr_present(na, it.scope)) {
            /* <Data Name="k">v</Data> becomes "k": v */
            const bx_node *v = na->child;
            if (v && !v->next && v->kind == BX_VALUE && v->vtype == BX_T_STRING) {
                tn_buf_utf16_json(out, v->data, v->size / 2); /* the usual literal name */
            } else {
                if (w->rec) /* a key from a value: the dedup is not fixed */
                    for (const bx_node *x = na->child; x; x = x->next)
                        w->rec->bad |= x->kind == BX_SUBST;
                tn_buf *t = &w->tmp;
                tn_buf_clear(t);
                bx_attr_text(na, it.scope, t);
                tn_buf_json_raw(out, t->data ? t->data : "", t->len);
            }
            key_commit(out, ks, koff, out->len - koff);
            size_t cs = w->n;
            if (bx_flatten(c, el->child, it.scope))
                return -1;
            if (w->n == cs)
                tn_buf_puts(out, "null");
            else
                json_text(c, cs, w->n, out);
            w->n = cs;
            continue;
        }
        if (el->name->plain)
            tn_buf_put(out, el->name->s, el->name->len);
        else
            tn_buf_json_raw(out, el->name->s, el->name->len);
        key_commit(out, ks, koff, out->len - koff);
        if (elem_value(c, el, it.scope, out))
            return -1;
    }
    return 0;
}

static int render_generic(bx_chunk *c, const bx_node *nodes, tn_buf *out)
{
    if (bx_flatten(c, nodes, NULL))
        return -1;
    keyset ks;
    ks.n = 0;
    ks.seen = 0;
    tn_buf_putc(out, '{');
    if (members(c, 0, c->walk->n, out, &ks, 1))
        return -1;
    tn_buf_putc(out, '}');
    return tn_buf_ok(out) ? 0 : -1;
}

/* ---- compiled templates ---- */

/* The bound in force; only tests change it (bx_json_keep_max). */
static size_t keep_max = KEEP_MAX;

size_t bx_json_keep_max(size_t bytes)
{
    size_t old = keep_max;
    keep_max = bytes ? bytes : KEEP_MAX;
    return old;
}

void bx_walk_chunk_reset(struct bx_walk *w)
{
    if (w->kept <= keep_max && w->nprogs < PROGS_MAX)
        return;
    tn_arena_reset(&w->keep);
    memset(w->progs, 0, sizeof(w->progs));
    memset(w->idents, 0, sizeof(w->idents));
    w->kept = 0;
    w->nprogs = w->nidents = 0;
}

static void *keep_alloc(struct bx_walk *w, size_t n)
{
    w->kept += n;
    return tn_arena_alloc(&w->keep, n);
}


static void canon_list(tn_buf *b, const bx_node *list, int *fail);

/* Everything the renderers read from a node, in a fixed layout: kind,
 * types, index, size, name, literal data, then attributes and children.
 * A template instance inside a definition is not followed (its values
 * are not slots): such templates get no identity. */
static void canon_node(tn_buf *b, const bx_node *n, int *fail)
{
    unsigned char h[13] = {n->kind, n->vtype, n->optional, (unsigned char)n->index,
                           (unsigned char)(n->index >> 8)};
    uint32_t nl = n->name ? n->name->len : UINT32_MAX;
    memcpy(h + 5, &n->size, 4);
    memcpy(h + 9, &nl, 4);
    tn_buf_put(b, h, sizeof(h));
    if (n->name)
        tn_buf_put(b, n->name->s, n->name->len);
    if (n->kind == BX_TEMPLATE) {
        *fail = 1;
        return;
    }
    if ((n->kind == BX_VALUE || n->kind == BX_CDATA || n->kind == BX_PI) && n->size)
        tn_buf_put(b, n->data, n->size);
    if (n->kind == BX_ELEM || n->kind == BX_ATTR) {
        canon_list(b, n->attrs, fail);
        canon_list(b, n->child, fail);
    }
}

static void canon_list(tn_buf *b, const bx_node *list, int *fail)
{
    for (const bx_node *n = list; n && !*fail; n = n->next) {
        tn_buf_putc(b, 1);
        canon_node(b, n, fail);
        if (b->len > CANON_MAX)
            *fail = 1;
    }
    tn_buf_putc(b, 0);
}

/* The template's identity (see bx_template.ident), found once per chunk. */
static uint32_t tmpl_ident(struct bx_walk *w, bx_template *t)
{
    if (t->ident)
        return t->ident;
    int fail = 0;
    tn_buf_clear(&w->canon);
    canon_list(&w->canon, t->root, &fail);
    if (fail || !tn_buf_ok(&w->canon)) {
        w->canon.oom = 0;
        return t->ident = 1;
    }
    const unsigned char *bytes = (const unsigned char *)w->canon.data;
    size_t len = w->canon.len;
    /* 8 bytes per step (base/hash.h): canonical templates run to
     * kilobytes, and a byte at a time cost more than the compiling it
     * saves (callgrind). Equal hashes are confirmed by comparing bytes. */
    uint64_t h = tn_hash_bytes(0xcbf29ce484222325ull, bytes, len);
    for (jident *e = w->idents[h & 255]; e; e = e->next)
        if (e->hash == h && e->len == len && !memcmp(e->bytes, bytes, len))
            return t->ident = e->id;
    if (w->kept + len > keep_max) /* full until the next chunk drops all */
        return t->ident = 1;
    jident *e = keep_alloc(w, sizeof(*e));
    unsigned char *copy = e ? keep_alloc(w, len) : NULL;
    if (!copy)
        return t->ident = 1;
    memcpy(copy, bytes, len);
    *e = (jident){w->idents[h & 255], h, len, copy, 2 + w->nidents++};
    w->idents[h & 255] = e;
    return t->ident = e->id;
}

/* New capacity for at least n items, doubling from cap. */
static size_t cap_for(size_t cap, size_t n)
{
    size_t nc = cap ? 2 * cap : 64;
    while (nc < n)
        nc *= 2;
    return nc;
}

/* Room for nsig more signature words and nval more values; -1 past
 * SIG_MAX or out of memory. */
static int sig_room(struct bx_walk *w, size_t nsig, size_t nval)
{
    if (w->nsig + nsig > SIG_MAX)
        return -1;
    if (w->nsig + nsig > w->capsig) {
        size_t cap = cap_for(w->capsig, w->nsig + nsig);
        uintptr_t *p = tn_realloc(w->sig, cap * sizeof(*p));
        if (!p)
            return -1;
        w->sig = p;
        w->capsig = cap;
    }
    if (w->nvals + nval > w->capvals) {
        size_t cap = cap_for(w->capvals, w->nvals + nval);
        const bx_value **p = tn_realloc(w->vals, cap * sizeof(*p));
        if (!p)
            return -1;
        w->vals = p;
        w->capvals = cap;
    }
    return 0;
}

/* Signature of a list of template instances: per instance the template's
 * identity and value count, per value its class (0 null, 1 scalar, 2 nested BinXML
 * then its own list and 3). Values are collected into w->vals in the same
 * order, so a slot names a value by its index there. Anything but
 * template instances (plain BinXML) cannot be compiled: -1. */
static int sig_list(struct bx_walk *w, const bx_node *list)
{
    for (const bx_node *n = list; n; n = n->next) {
        if (n->kind != BX_TEMPLATE)
            return -1;
        /* room for the whole instance but its nested lists: checked once */
        uint32_t id = tmpl_ident(w, n->tmpl);
        if (id < 2 || sig_room(w, 2 + 2 * (size_t)n->size, n->size))
            return -1;
        w->sig[w->nsig++] = id;
        w->sig[w->nsig++] = n->size;
        for (uint32_t i = 0; i < n->size; i++) {
            const bx_value *v = &n->values[i];
            uintptr_t cls = bx_value_null(v) ? 0 : v->type == BX_T_BINXML ? 2 : 1;
            w->vals[w->nvals++] = v;
            w->sig[w->nsig++] = cls;
            if (cls != 2)
                continue;
            if (sig_list(w, v->tree))
                return -1;
            if (sig_room(w, 1 + 2 * (size_t)(n->size - i - 1), n->size - i - 1))
                return -1;
            w->sig[w->nsig++] = 3;
        }
    }
    return 0;
}

static uint64_t sig_hash(const uintptr_t *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint64_t)s[i]) * 0x100000001b3ull;
    return h ^ h >> 29;
}

static jprog *prog_find(struct bx_walk *w, uint64_t h)
{
    for (jprog *p = w->progs[h & 1023]; p; p = p->next)
        if (p->hash == h && p->nsig == w->nsig && !memcmp(p->sig, w->sig, w->nsig * sizeof(*w->sig)))
            return p;
    return NULL;
}

/* Keep the record just rendered at out[base, len) as the program of its
 * signature (or as one that cannot be compiled). On no memory, nothing is
 * kept: the next record with this signature tries again. */
static void prog_add(bx_chunk *c, uint64_t h, const tn_buf *out, size_t base, int bad)
{
    struct bx_walk *w = c->walk;
    size_t total = out->len - base, lit = total;
    for (size_t i = 0; i < w->nslots; i++)
        lit -= w->slots[i].end - w->slots[i].at;
    bad |= lit > PROG_LIT_MAX;
    jprog *p = keep_alloc(w, sizeof(*p));
    uintptr_t *sig = p ? keep_alloc(w, w->nsig * sizeof(*sig)) : NULL;
    if (!sig)
        return;
    memcpy(sig, w->sig, w->nsig * sizeof(*sig));
    *p = (jprog){.hash = h, .sig = sig, .nsig = (uint32_t)w->nsig, .bad = (uint8_t)bad};
    if (!bad) {
        struct jop *ops = keep_alloc(w, w->nslots * sizeof(*ops) + 1);
        char *l = ops ? keep_alloc(w, lit + 1) : NULL;
        if (!l)
            return;
        size_t pos = 0, k = 0;
        for (size_t i = 0; i < w->nslots; i++) {
            const struct jslot *s = &w->slots[i];
            memcpy(l + k, out->data + base + pos, s->at - pos);
            ops[i] = (struct jop){(uint32_t)(s->at - pos), s->val, s->mode};
            k += s->at - pos;
            pos = s->end;
        }
        memcpy(l + k, out->data + base + pos, total - pos);
        p->ops = ops;
        p->nops = (uint32_t)w->nslots;
        p->tail = (uint32_t)(total - pos);
        p->lit = l;
    }
    p->next = w->progs[h & 1023];
    w->progs[h & 1023] = p;
    w->nprogs++;
}

static int prog_run(bx_chunk *c, const jprog *p, tn_buf *out)
{
    const bx_value *const *vals = c->walk->vals;
    const char *l = p->lit;
    for (uint32_t i = 0; i < p->nops; i++) {
        const struct jop *op = &p->ops[i];
        tn_buf_put(out, l, op->lit_len);
        l += op->lit_len;
        put_value(c, out, vals[op->val], op->mode);
    }
    tn_buf_put(out, l, p->tail);
    return tn_buf_ok(out) ? 0 : -1;
}

int bx_render_json(bx_chunk *c, const bx_node *nodes, tn_buf *out)
{
    if (bx_walk_begin(c))
        return -1;
    struct bx_walk *w = c->walk;
    w->nsig = w->nvals = 0;
    if (sig_list(w, nodes))
        return render_generic(c, nodes, out);
    uint64_t h = sig_hash(w->sig, w->nsig);
    const jprog *p = prog_find(w, h);
    if (p)
        return p->bad ? render_generic(c, nodes, out) : prog_run(c, p, out);
    if (w->nprogs >= PROGS_MAX || w->kept > keep_max)
        return render_generic(c, nodes, out);
    struct jrec r = {out->len, 0};
    w->rec = &r;
    w->nslots = 0;
    int rc = render_generic(c, nodes, out);
    w->rec = NULL;
    if (!rc)
        prog_add(c, h, out, r.base, r.bad);
    return rc;
}
