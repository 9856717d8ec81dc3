/* bx_walk.c - template expansion shared by the XML, JSON and event views. */
#include "bx_walk.h"

#include "base/alloc.h"

#include <string.h>

#define BX_BUDGET (1u << 20) /* content items one record may expand to */

int bx_walk_begin(bx_chunk *c)
{
    if (!c->walk) {
        c->walk = tn_calloc(1, sizeof(*c->walk));
        if (!c->walk)
            return -1;
        tn_arena_init(&c->walk->keep, 64 * 1024);
    }
    c->walk->n = 0;
    c->walk->budget = BX_BUDGET;
    return 0;
}

static int push(bx_chunk *c, const bx_node *node, const bx_value *val, const bx_scope *scope)
{
    struct bx_walk *w = c->walk;
    if (!w->budget--) {
        c->error = "record expands past the size budget";
        return -1;
    }
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        bx_item *it = tn_realloc(w->items, cap * sizeof(*it));
        if (!it) {
            c->error = "out of memory";
            return -1;
        }
        w->items = it;
        w->cap = cap;
    }
    w->items[w->n++] = (bx_item){node, val, scope};
    return 0;
}

int bx_flatten(bx_chunk *c, const bx_node *list, const bx_scope *scope)
{
    for (const bx_node *n = list; n; n = n->next) {
        switch (n->kind) {
        case BX_TEMPLATE: {
            bx_scope *s = tn_arena_alloc(&c->arena, sizeof(*s));
            if (!s) {
                c->error = "out of memory";
                return -1;
            }
            *s = (bx_scope){n->values, n->size, scope};
            if (bx_flatten(c, n->tmpl->root, s))
                return -1;
            break;
        }
        case BX_SUBST: {
            const bx_value *v = bx_subst_value(n, scope);
            if (!v)
                break;
            if (v->type == BX_T_BINXML) {
                if (v->tree && bx_flatten(c, v->tree, scope))
                    return -1;
                break;
            }
            if (push(c, NULL, v, scope))
                return -1;
            break;
        }
        case BX_ATTR:
            break; /* attributes are read through their element */
        default:
            if (push(c, n, NULL, scope))
                return -1;
        }
    }
    return 0;
}

int bx_attr_present(const bx_node *attr, const bx_scope *scope)
{
    for (const bx_node *v = attr->child; v; v = v->next) {
        if (v->kind != BX_SUBST)
            return 1;
        if (bx_subst_value(v, scope))
            return 1;
    }
    return 0;
}

void bx_node_text(const bx_node *n, tn_buf *out)
{
    switch (n->kind) {
    case BX_VALUE:
        bx_value_text(n->vtype, n->data, n->size, out);
        break;
    case BX_CDATA:
        tn_buf_utf16(out, n->data, n->size / 2);
        break;
    case BX_CHARREF: {
        uint8_t u[2] = {(uint8_t)(n->index & 0xff), (uint8_t)(n->index >> 8)};
        tn_buf_utf16(out, u, 1);
        break;
    }
    case BX_ENTREF: {
        static const char *const ent[][2] = {{"lt", "<"}, {"gt", ">"}, {"amp", "&"},
                                             {"quot", "\""}, {"apos", "'"}};
        for (size_t i = 0; i < sizeof(ent) / sizeof(ent[0]); i++)
            if (!strcmp(n->name->s, ent[i][0])) {
                tn_buf_puts(out, ent[i][1]);
                return;
            }
        tn_buf_putc(out, '&');
        tn_buf_put(out, n->name->s, n->name->len);
        tn_buf_putc(out, ';');
        break;
    }
    default:
        break;
    }
}

void bx_item_text(const bx_item *it, tn_buf *out)
{
    if (it->val)
        bx_value_text(it->val->type, it->val->data, it->val->size, out);
    else
        bx_node_text(it->node, out);
}

void bx_attr_text(const bx_node *attr, const bx_scope *scope, tn_buf *out)
{
    for (const bx_node *v = attr->child; v; v = v->next) {
        if (v->kind == BX_SUBST) {
            const bx_value *val = bx_subst_value(v, scope);
            if (val && val->type != BX_T_BINXML)
                bx_value_text(val->type, val->data, val->size, out);
        } else {
            bx_node_text(v, out);
        }
    }
}
