/* render_json.c - a record's BinXML tree as JSON in the shape of evtx_dump
 * -o json: "#attributes", "#text", <Data Name="k"> as keys, typed numbers. */
#include "bx_walk.h"

#include <math.h>
#include <string.h>

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

static void json_number_or_string(tn_buf *out, tn_buf *tmp, uint8_t t, const uint8_t *d, uint32_t size)
{
    size_t mark = out->len;
    switch (t) {
    case BX_T_INT8: case BX_T_UINT8: case BX_T_INT16: case BX_T_UINT16:
    case BX_T_INT32: case BX_T_UINT32: case BX_T_INT64: case BX_T_UINT64:
        if (bx_value_text(t, d, size, out) == 0)
            return;
        break;
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
        json_value(out, &w->tmp, w->items[last].val);
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
        tn_buf *t = &w->tmp;
        tn_buf_clear(t);
        bx_item_text(it, t);
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
            if (val && val->type != BX_T_BINXML) {
                json_value(out, &w->tmp, val);
            } else {
                tn_buf *t = &w->tmp;
                tn_buf_clear(t);
                bx_attr_text(a, scope, t);
                tn_buf_json_str(out, t->data ? t->data : "", t->len);
            }
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

int bx_render_json(bx_chunk *c, const bx_node *nodes, tn_buf *out)
{
    if (bx_walk_begin(c))
        return -1;
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
