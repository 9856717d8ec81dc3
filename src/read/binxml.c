/* binxml.c - BinXML token stream to tree, with per-chunk name and template
 * caches. Every read is bounds-checked against the chunk: input is hostile. */
#include "binxml.h"

#include "base/alloc.h"
#include "bx_walk.h"

#include <string.h>

#define BX_MAX_DEPTH 64  /* nesting of elements, templates and nested BinXML */

/* Open-addressing maps from chunk offset to a parsed name or template.
 * Sizes are powers of two; a chunk of 64 KiB cannot hold more names than
 * NAME_SLOTS/2 of 10+ bytes each before we fall back to no caching. */
#define NAME_SLOTS 8192
#define TMPL_SLOTS 1024

struct bx_cache {
    uint32_t name_off[NAME_SLOTS];  /* offset+1; 0 = empty */
    bx_name *name[NAME_SLOTS];
    uint32_t tmpl_off[TMPL_SLOTS];
    bx_template *tmpl[TMPL_SLOTS];
    uint32_t names_used, tmpls_used;
    /* the slots taken, so a chunk's reset clears only those: clearing all
     * 36 KiB per chunk cost 2.5% of dump's instructions (callgrind) */
    uint16_t name_slot[NAME_SLOTS];
    uint16_t tmpl_slot[TMPL_SLOTS];
};

int bx_chunk_init(bx_chunk *c)
{
    memset(c, 0, sizeof(*c));
    tn_arena_init(&c->arena, 256 * 1024);
    c->cache = tn_calloc(1, sizeof(*c->cache));
    c->io = tn_malloc(65536);
    return c->cache && c->io ? 0 : -1;
}

void bx_chunk_reset(bx_chunk *c, const uint8_t *base, uint32_t size)
{
    c->base = base;
    c->size = size;
    c->error = NULL;
    c->error_off = 0;
    tn_arena_reset(&c->arena);
    struct bx_cache *m = c->cache;
    for (uint32_t i = 0; i < m->names_used; i++)
        m->name_off[m->name_slot[i]] = 0;
    for (uint32_t i = 0; i < m->tmpls_used; i++)
        m->tmpl_off[m->tmpl_slot[i]] = 0;
    m->names_used = m->tmpls_used = 0;
    if (c->walk)
        bx_walk_chunk_reset(c->walk);
}

void bx_chunk_free(bx_chunk *c)
{
    tn_arena_free(&c->arena);
    if (c->walk) {
        tn_arena_free(&c->walk->keep);
        tn_buf_free(&c->walk->canon);
        tn_free(c->walk->items);
        tn_free(c->walk->fields);
        tn_free(c->walk->sig);
        tn_free(c->walk->vals);
        tn_free(c->walk->slots);
        tn_buf_free(&c->walk->tmp);
        tn_buf_free(&c->walk->evtext);
        tn_free(c->walk);
        c->walk = NULL;
    }
    tn_free(c->cache);
    c->cache = NULL;
    tn_free(c->io);
    c->io = NULL;
}

typedef struct cursor {
    bx_chunk *c;
    uint32_t pos;   /* offset in chunk */
    uint32_t end;   /* bound of this stream */
    int depth;
} cursor;

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void *fail(cursor *k, const char *why)
{
    if (!k->c->error) {
        k->c->error = why;
        k->c->error_off = k->pos;
    }
    return NULL;
}

static int need(cursor *k, uint32_t n)
{
    if (k->pos > k->end || k->end - k->pos < n) {
        fail(k, "truncated BinXML");
        return 0;
    }
    return 1;
}

static bx_node *new_node(cursor *k, uint8_t kind)
{
    bx_node *n = tn_arena_alloc(&k->c->arena, sizeof(*n));
    if (!n)
        return fail(k, "out of memory");
    memset(n, 0, sizeof(*n));
    n->kind = kind;
    return n;
}

/* A name structure: u32 next offset, u16 hash, u16 count, UTF-16 chars, NUL. */
static const bx_name *name_at(cursor *k, uint32_t off)
{
    bx_chunk *c = k->c;
    struct bx_cache *m = c->cache;
    /* bounds first: the cache keys are off + 1, and 0xFFFFFFFF + 1 is the
     * empty key, which would return a name left from an earlier chunk */
    if (off > c->size || c->size - off < 8)
        return fail(k, "name offset out of chunk");
    uint32_t h = (off * 2654435761u) & (NAME_SLOTS - 1);
    for (uint32_t i = 0; i < 16; i++, h = (h + 1) & (NAME_SLOTS - 1)) {
        if (m->name_off[h] == off + 1)
            return m->name[h];
        if (!m->name_off[h])
            break;
    }
    uint32_t count = rd16(c->base + off + 6);
    if ((c->size - off - 8) / 2 < count)
        return fail(k, "name runs past chunk");
    tn_buf tmp = {0};
    tn_buf_utf16(&tmp, c->base + off + 8, count);
    if (!tn_buf_ok(&tmp)) {
        tn_buf_free(&tmp);
        return fail(k, "out of memory");
    }
    bx_name *n = tn_arena_alloc(&c->arena, sizeof(*n));
    char *s = n ? tn_arena_strndup(&c->arena, tmp.data ? tmp.data : "", tmp.len) : NULL;
    size_t len = tmp.len;
    tn_buf_free(&tmp);
    if (!s)
        return fail(k, "out of memory");
    n->s = s;
    n->len = (uint32_t)len;
    n->plain = 1; /* names are rendered as JSON keys once per record: check once here */
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == '"' || s[i] == '\\')
            n->plain = 0;
    if (!m->name_off[h]) {
        m->name_off[h] = off + 1;
        m->name[h] = n;
        m->name_slot[m->names_used++] = (uint16_t)h;
    }
    return n;
}

/* Read a name reference at the cursor; if the name is stored inline (its
 * offset is where we stand), step over it. */
static const bx_name *read_name(cursor *k)
{
    if (!need(k, 4))
        return NULL;
    uint32_t off = rd32(k->c->base + k->pos);
    k->pos += 4;
    const bx_name *n = name_at(k, off);
    if (n && off == k->pos) {
        uint32_t count = rd16(k->c->base + off + 6);
        uint32_t skip = 8 + 2 * count + 2;
        if (!need(k, skip))
            return NULL;
        k->pos += skip;
    }
    return n;
}

static bx_node *parse_list(cursor *k, int in_element);
static bx_template *template_at(cursor *k, uint32_t off);

/* Value token: type, then a length-prefixed UTF-16 string (the only type
 * Windows writes here) or a fixed-size value. */
static bx_node *parse_value(cursor *k)
{
    if (!need(k, 2))
        return NULL;
    uint8_t t = k->c->base[k->pos + 1];
    k->pos += 2;
    bx_node *n = new_node(k, BX_VALUE);
    if (!n)
        return NULL;
    n->vtype = t;
    uint32_t sz;
    if (t == BX_T_STRING) {
        if (!need(k, 2))
            return NULL;
        sz = 2u * rd16(k->c->base + k->pos);
        k->pos += 2;
    } else if (t == BX_T_NULL) {
        sz = 0;
    } else if (!(sz = bx_scalar_size(t))) {
        return fail(k, "value token of variable-size type");
    }
    if (!need(k, sz))
        return NULL;
    n->data = k->c->base + k->pos;
    n->size = sz;
    k->pos += sz;
    return n;
}

static bx_node *parse_subst(cursor *k, uint8_t tok)
{
    if (!need(k, 4))
        return NULL;
    bx_node *n = new_node(k, BX_SUBST);
    if (!n)
        return NULL;
    n->index = rd16(k->c->base + k->pos + 1);
    n->vtype = k->c->base[k->pos + 3];
    n->optional = tok == 0x0e;
    k->pos += 4;
    return n;
}

static bx_node *parse_utf16_counted(cursor *k, uint8_t kind)
{
    if (!need(k, 3))
        return NULL;
    uint32_t sz = 2u * rd16(k->c->base + k->pos + 1);
    k->pos += 3;
    if (!need(k, sz))
        return NULL;
    bx_node *n = new_node(k, kind);
    if (!n)
        return NULL;
    n->data = k->c->base + k->pos;
    n->size = sz;
    k->pos += sz;
    return n;
}

static bx_node *parse_ref(cursor *k, uint8_t tok)
{
    if ((tok & 0x0f) == 0x08) { /* character reference: u16 */
        if (!need(k, 3))
            return NULL;
        bx_node *n = new_node(k, BX_CHARREF);
        if (!n)
            return NULL;
        n->index = rd16(k->c->base + k->pos + 1);
        k->pos += 3;
        return n;
    }
    k->pos += 1; /* entity reference: name */
    bx_node *n = new_node(k, BX_ENTREF);
    if (!n || !(n->name = read_name(k)))
        return NULL;
    return n;
}

/* Template instance: u8 unknown, u32 template id, u32 definition offset,
 * [inline definition], u32 value count, descriptors (u16 size, u8 type,
 * u8 pad), then the value data. */
static bx_node *parse_template_instance(cursor *k)
{
    if (!need(k, 10))
        return NULL;
    uint32_t def = rd32(k->c->base + k->pos + 6);
    k->pos += 10;
    bx_node *n = new_node(k, BX_TEMPLATE);
    if (!n)
        return NULL;
    bx_template *t;
    if (def == k->pos) {
        if (!need(k, 24))
            return NULL;
        uint32_t dsize = rd32(k->c->base + k->pos + 20);
        if (!(t = template_at(k, def)))
            return NULL;
        k->pos += 24;
        if (!need(k, dsize))
            return NULL;
        k->pos += dsize;
    } else if (!(t = template_at(k, def))) {
        return NULL;
    }
    n->tmpl = t;
    if (!need(k, 4))
        return NULL;
    uint32_t count = rd32(k->c->base + k->pos);
    k->pos += 4;
    if (count > (k->end - k->pos) / 4)
        return fail(k, "template value count past end");
    bx_value *v = count ? tn_arena_alloc(&k->c->arena, count * sizeof(*v)) : NULL;
    if (count && !v)
        return fail(k, "out of memory");
    const uint8_t *desc = k->c->base + k->pos;
    k->pos += 4 * count;
    for (uint32_t i = 0; i < count; i++) {
        v[i].size = rd16(desc + 4 * i);
        v[i].type = desc[4 * i + 2];
        v[i].tree = NULL;
        if (!need(k, v[i].size))
            return NULL;
        v[i].data = k->c->base + k->pos;
        if (v[i].type == BX_T_BINXML && v[i].size) {
            cursor sub = {k->c, k->pos, k->pos + v[i].size, k->depth + 1};
            if (sub.depth > BX_MAX_DEPTH)
                return fail(k, "BinXML nested too deep");
            v[i].tree = parse_list(&sub, 0);
            if (!v[i].tree && k->c->error)
                return NULL;
        }
        k->pos += v[i].size;
    }
    n->values = v;
    n->size = count;
    return n;
}

/* Template definition at off: u32 next, 16-byte GUID, u32 data size, then
 * a BinXML fragment. Parsed once per chunk and shared by its records. */
static bx_template *template_at(cursor *k, uint32_t off)
{
    bx_chunk *c = k->c;
    struct bx_cache *m = c->cache;
    /* bounds first, as in name_at: off 0xFFFFFFFF must not hit an empty slot */
    if (off > c->size || c->size - off < 24)
        return fail(k, "template offset out of chunk");
    uint32_t h = (off * 2654435761u) & (TMPL_SLOTS - 1);
    uint32_t slot = UINT32_MAX;
    for (uint32_t i = 0; i < 16; i++, h = (h + 1) & (TMPL_SLOTS - 1)) {
        if (m->tmpl_off[h] == off + 1)
            return m->tmpl[h];
        if (!m->tmpl_off[h]) {
            slot = h;
            break;
        }
    }
    if (k->depth + 1 > BX_MAX_DEPTH)
        return fail(k, "templates nested too deep");
    uint32_t dsize = rd32(c->base + off + 20);
    if (dsize > c->size - off - 24)
        return fail(k, "template runs past chunk");
    bx_template *t = tn_arena_alloc(&c->arena, sizeof(*t));
    if (!t)
        return fail(k, "out of memory");
    t->offset = off;
    t->ident = 0;
    memcpy(t->guid, c->base + off + 4, 16);
    cursor sub = {c, off + 24, off + 24 + dsize, k->depth + 1};
    t->root = parse_list(&sub, 0);
    if (!t->root)
        return c->error ? NULL : fail(k, "empty template");
    if (slot != UINT32_MAX) {
        m->tmpl_off[slot] = off + 1;
        m->tmpl[slot] = t;
        m->tmpl_slot[m->tmpls_used++] = (uint16_t)slot;
    }
    return t;
}

/* Attributes follow an open-element token with the 0x40 flag. Each is a
 * name and one or more value-like tokens. */
static int parse_attrs(cursor *k, bx_node *el)
{
    bx_node **tail = &el->attrs;
    while (need(k, 1) && (k->c->base[k->pos] & 0xbf) == 0x06) {
        k->pos++;
        bx_node *a = new_node(k, BX_ATTR);
        if (!a || !(a->name = read_name(k)))
            return -1;
        bx_node **vt = &a->child;
        while (need(k, 1)) {
            uint8_t t = k->c->base[k->pos];
            bx_node *v;
            if ((t & 0xbf) == 0x05)
                v = parse_value(k);
            else if (t == 0x0d || t == 0x0e)
                v = parse_subst(k, t);
            else if ((t & 0xbf) == 0x08 || (t & 0xbf) == 0x09)
                v = parse_ref(k, t);
            else
                break;
            if (!v)
                return -1;
            *vt = v;
            vt = &v->next;
        }
        if (k->c->error)
            return -1;
        *tail = a;
        tail = &a->next;
    }
    return k->c->error ? -1 : 0;
}

static bx_node *parse_element(cursor *k, uint8_t tok)
{
    if (++k->depth > BX_MAX_DEPTH)
        return fail(k, "elements nested too deep");
    if (!need(k, 11))
        return NULL;
    uint32_t dsize = rd32(k->c->base + k->pos + 3);
    (void)dsize; /* informative only; the tokens delimit the element */
    k->pos += 7;
    bx_node *el = new_node(k, BX_ELEM);
    if (!el || !(el->name = read_name(k)))
        return NULL;
    if (tok & 0x40) {
        if (!need(k, 4))
            return NULL;
        k->pos += 4; /* attribute list size */
        if (parse_attrs(k, el))
            return NULL;
    }
    if (!need(k, 1))
        return NULL;
    uint8_t t = k->c->base[k->pos++];
    if (t == 0x03) { /* close empty element */
        k->depth--;
        return el;
    }
    if (t != 0x02)
        return fail(k, "expected end of start tag");
    el->child = parse_list(k, 1);
    if (k->c->error)
        return NULL;
    k->depth--;
    return el;
}

/* Parse tokens until end of stream (top level) or end element (inside an
 * element, which consumes it). Returns the first node of the list; NULL
 * is a valid empty list unless c->error is set. */
static bx_node *parse_list(cursor *k, int in_element)
{
    bx_node *head = NULL, **tail = &head;
    while (k->pos < k->end) {
        uint8_t t = k->c->base[k->pos];
        bx_node *n = NULL;
        switch (t) {
        case 0x00: /* end of stream */
            if (in_element)
                return fail(k, "end of stream inside element");
            k->pos++;
            return head;
        case 0x04: /* end element */
            if (!in_element)
                return fail(k, "end element at top level");
            k->pos++;
            return head;
        case 0x0f: /* fragment header: major, minor, flags */
            if (!need(k, 4))
                return NULL;
            k->pos += 4;
            continue;
        case 0x01: case 0x41: n = parse_element(k, t); break;
        case 0x05: case 0x45: n = parse_value(k); break;
        case 0x07: case 0x47: n = parse_utf16_counted(k, BX_CDATA); break;
        case 0x08: case 0x48: case 0x09: case 0x49: n = parse_ref(k, t); break;
        case 0x0a: /* PI target, then PI data */
            k->pos++;
            if (!(n = new_node(k, BX_PI)) || !(n->name = read_name(k)))
                return NULL;
            if (need(k, 1) && k->c->base[k->pos] == 0x0b) {
                bx_node *d = parse_utf16_counted(k, BX_PI);
                if (!d)
                    return NULL;
                n->data = d->data;
                n->size = d->size;
            }
            break;
        case 0x0c: n = parse_template_instance(k); break;
        case 0x0d: case 0x0e: n = parse_subst(k, t); break;
        default:
            return fail(k, "unknown BinXML token");
        }
        if (!n)
            return NULL;
        *tail = n;
        tail = &n->next;
    }
    if (in_element)
        return fail(k, "element not closed");
    return head;
}

bx_node *bx_parse(bx_chunk *c, uint32_t off, uint32_t len)
{
    c->error = NULL;
    if (off > c->size || len > c->size - off) {
        c->error = "stream outside chunk";
        c->error_off = off;
        return NULL;
    }
    cursor k = {c, off, off + len, 0};
    bx_node *n = parse_list(&k, 0);
    if (c->error)
        return NULL;
    if (!n) {
        c->error = "empty BinXML";
        c->error_off = off;
    }
    return n;
}

const bx_value *bx_subst_value(const bx_node *n, const bx_scope *s)
{
    if (!s || n->index >= s->nvalues)
        return NULL;
    const bx_value *v = &s->values[n->index];
    if (bx_value_null(v))
        return NULL;
    return v;
}
