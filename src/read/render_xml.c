/* render_xml.c - a record's BinXML tree as indented XML text. */
#include "bx_walk.h"

static void indent(tn_buf *out, int depth)
{
    for (int i = 0; i < depth; i++)
        tn_buf_put(out, "  ", 2);
}

static void text_escaped(bx_chunk *c, const bx_item *it, tn_buf *out)
{
    const bx_node *n = it->node;
    if (n && n->kind == BX_VALUE && n->vtype == BX_T_STRING) {
        tn_buf_utf16_xml(out, n->data, n->size / 2);
        return;
    }
    if (n && n->kind == BX_CDATA) {
        tn_buf_puts(out, "<![CDATA[");
        tn_buf_utf16(out, n->data, n->size / 2);
        tn_buf_puts(out, "]]>");
        return;
    }
    if (n && n->kind == BX_PI) {
        tn_buf_puts(out, "<?");
        tn_buf_put(out, n->name->s, n->name->len);
        if (n->size) {
            tn_buf_putc(out, ' ');
            tn_buf_utf16(out, n->data, n->size / 2);
        }
        tn_buf_puts(out, "?>");
        return;
    }
    tn_buf *t = &c->walk->tmp;
    tn_buf_clear(t);
    bx_item_text(it, t);
    tn_buf_xml_text(out, t->data ? t->data : "", t->len);
}

static void start_tag(bx_chunk *c, const bx_node *e, const bx_scope *scope, tn_buf *out, int depth)
{
    indent(out, depth);
    tn_buf_putc(out, '<');
    tn_buf_put(out, e->name->s, e->name->len);
    for (const bx_node *a = e->attrs; a; a = a->next) {
        if (!bx_attr_present(a, scope))
            continue;
        tn_buf_putc(out, ' ');
        tn_buf_put(out, a->name->s, a->name->len);
        tn_buf_put(out, "=\"", 2);
        tn_buf *t = &c->walk->tmp;
        tn_buf_clear(t);
        bx_attr_text(a, scope, t);
        tn_buf_xml_text(out, t->data ? t->data : "", t->len);
        tn_buf_putc(out, '"');
    }
}

/* An element whose whole content is one array substitution is written
 * once per array item, as Windows and libevtx show it. */
static void array_elem(bx_chunk *c, const bx_node *e, const bx_scope *scope, const bx_value *v,
                       tn_buf *out, int depth)
{
    uint32_t pos = 0, elen;
    const uint8_t *d;
    tn_buf *t = &c->walk->tmp;
    while (bx_array_next(v->type, v->data, v->size, &pos, &d, &elen)) {
        start_tag(c, e, scope, out, depth);
        tn_buf_clear(t);
        bx_value_text(v->type & 0x7f, d, elen, t);
        if (!t->len) {
            tn_buf_put(out, "/>\n", 3);
            continue;
        }
        tn_buf_putc(out, '>');
        tn_buf_xml_text(out, t->data, t->len);
        tn_buf_put(out, "</", 2);
        tn_buf_put(out, e->name->s, e->name->len);
        tn_buf_put(out, ">\n", 2);
    }
}

static int elem(bx_chunk *c, const bx_node *e, const bx_scope *scope, tn_buf *out, int depth)
{
    struct bx_walk *w = c->walk;
    size_t start = w->n;
    if (bx_flatten(c, e->child, scope))
        return -1;
    size_t end = w->n;
    if (end - start == 1 && w->items[start].val && (w->items[start].val->type & BX_T_ARRAY)) {
        const bx_value *v = w->items[start].val;
        w->n = start;
        array_elem(c, e, scope, v, out, depth);
        return 0;
    }
    start_tag(c, e, scope, out, depth);
    if (start == end) {
        w->n = start;
        tn_buf_put(out, "/>\n", 3);
        return 0;
    }
    int has_elem = 0;
    for (size_t i = start; i < end; i++)
        if (w->items[i].node && w->items[i].node->kind == BX_ELEM)
            has_elem = 1;
    tn_buf_putc(out, '>');
    if (has_elem)
        tn_buf_putc(out, '\n');
    for (size_t i = start; i < end; i++) {
        bx_item it = w->items[i]; /* copy: the stack may move */
        if (it.node && it.node->kind == BX_ELEM) {
            if (elem(c, it.node, it.scope, out, depth + 1))
                return -1;
        } else {
            if (has_elem)
                indent(out, depth + 1);
            text_escaped(c, &it, out);
            if (has_elem)
                tn_buf_putc(out, '\n');
        }
    }
    w->n = start;
    if (has_elem)
        indent(out, depth);
    tn_buf_put(out, "</", 2);
    tn_buf_put(out, e->name->s, e->name->len);
    tn_buf_put(out, ">\n", 2);
    return 0;
}

int bx_render_xml(bx_chunk *c, const bx_node *nodes, tn_buf *out)
{
    if (bx_walk_begin(c))
        return -1;
    if (bx_flatten(c, nodes, NULL))
        return -1;
    size_t end = c->walk->n;
    for (size_t i = 0; i < end; i++) {
        bx_item it = c->walk->items[i];
        if (it.node && it.node->kind == BX_ELEM) {
            if (elem(c, it.node, it.scope, out, 0))
                return -1;
        } else {
            text_escaped(c, &it, out);
        }
    }
    return tn_buf_ok(out) ? 0 : -1;
}
