/* bx_walk.h - private to the BinXML readers: resolve a tree's template
 * instances and substitutions into a flat list of content items. */
#ifndef TN_BX_WALK_H
#define TN_BX_WALK_H

#include "binxml.h"
#include "event.h"

/* One piece of resolved content: an element (with the scope its own
 * substitutions resolve in), a literal text-like node, or a substituted
 * typed value. */
typedef struct bx_item {
    const bx_node *node;    /* ELEM, VALUE, CDATA, CHARREF, ENTREF, PI; NULL if val */
    const bx_value *val;    /* substituted scalar or array value */
    const bx_scope *scope;  /* ELEM: where its substitutions resolve */
} bx_item;

struct bx_walk {
    bx_item *items;   /* a stack: each level appends, reads, then truncates */
    size_t n, cap;
    uint64_t budget;  /* items left for this record; hostile DAGs blow up */
    tn_buf tmp;       /* scratch for attribute text */
    /* normalised-event scratch (evtx_event.c): strings and fields */
    tn_buf evtext;
    struct tn_field *fields;
    size_t nfields, capfields;
    tn_event_owner owner;   /* the three above, for tn_event_take */
    /* compiled JSON templates (render_json.c). They outlive the chunk:
     * templates are known by content, so chunks share programs. */
    tn_arena keep;               /* programs and template identities */
    size_t kept;                 /* bytes taken from keep */
    struct jprog *progs[1024];   /* programs by signature hash */
    uint32_t nprogs;
    struct jident *idents[256];  /* template contents by hash */
    uint32_t nidents;
    tn_buf canon;                /* scratch: a template's canonical bytes */
    struct jrec *rec;            /* set while a record is rendered to compile */
    uintptr_t *sig;              /* the record's signature (see render_json.c) */
    size_t nsig, capsig;
    const bx_value **vals;       /* its template values, in signature order */
    size_t nvals, capvals;
    struct jslot *slots;         /* value slots seen while compiling */
    size_t nslots, capslots;
};

/* A new chunk starts: the compiled programs are kept unless they have
 * grown past their memory bound, then all are dropped. */
void bx_walk_chunk_reset(struct bx_walk *w);

/* Sets the memory bound of the compiled programs, per thread, in bytes
 * (0: the default, 8 MiB) and returns the previous one. For tests, which
 * make it tiny to exercise the reset; call it while no thread renders.
 * The output is the same for any bound, only the speed changes. */
size_t bx_json_keep_max(size_t bytes);

/* Begin a record: resets the budget and the item stack. */
int bx_walk_begin(bx_chunk *c);
/* Append the resolved content of list (in scope) to c->walk->items.
 * Returns 0, or -1 with c->error set. */
int bx_flatten(bx_chunk *c, const bx_node *list, const bx_scope *scope);
/* Does the attribute resolve to any content at all? (Optional or null
 * substitutions make an attribute vanish.) */
int bx_attr_present(const bx_node *attr, const bx_scope *scope);
/* Append the text of a literal node (VALUE, CDATA, CHARREF, ENTREF; no
 * escaping) to out. */
void bx_node_text(const bx_node *n, tn_buf *out);
/* Append the text of one item (no escaping) to out. */
void bx_item_text(const bx_item *it, tn_buf *out);
/* Append the text of an attribute's value to out. */
void bx_attr_text(const bx_node *attr, const bx_scope *scope, tn_buf *out);

#endif
