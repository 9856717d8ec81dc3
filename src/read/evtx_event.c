/* evtx_event.c - walks a record's expanded tree once and picks the typed
 * System fields and the EventData/UserData name/value pairs. */
#include "evtx_event.h"

#include "base/alloc.h"
#include "bx_walk.h"

#include <string.h>

/* Strings are collected as offsets into w->evtext (which may move while
 * growing) and turned into pointers at the end. */
typedef struct sref {
    uint32_t off, len;
} sref;

typedef struct sysrefs {
    sref provider, guid, channel, computer, sid;
} sysrefs;

/* Inlined at each call, where s is a literal: its length is a constant
 * and the memcmp a compare or two. As a call (strlen and memcmp each
 * time) the element and attribute name tests were ~300 M instructions of
 * parsing the 256 MiB real-chunk file, 5.3 G in all (callgrind). */
static inline __attribute__((always_inline)) int name_is(const bx_node *n, const char *s)
{
    size_t l = strlen(s);
    return n->name->len == l && memcmp(n->name->s, s, l) == 0;
}

/* Text of items [s, e) appended to evtext, NUL-terminated. */
static sref put_text(bx_chunk *c, size_t s, size_t e)
{
    struct bx_walk *w = c->walk;
    sref r = {(uint32_t)w->evtext.len, 0};
    for (size_t i = s; i < e; i++) {
        if (w->items[i].node && w->items[i].node->kind == BX_ELEM)
            continue;
        bx_item_text(&w->items[i], &w->evtext);
    }
    r.len = (uint32_t)(w->evtext.len - r.off);
    tn_buf_putc(&w->evtext, '\0');
    return r;
}

static sref put_attr(bx_chunk *c, const bx_node *a, const bx_scope *scope)
{
    struct bx_walk *w = c->walk;
    sref r = {(uint32_t)w->evtext.len, 0};
    bx_attr_text(a, scope, &w->evtext);
    r.len = (uint32_t)(w->evtext.len - r.off);
    tn_buf_putc(&w->evtext, '\0');
    return r;
}

static inline __attribute__((always_inline)) const bx_node *attr(const bx_node *e, const char *name)
{
    for (const bx_node *a = e->attrs; a; a = a->next)
        if (name_is(a, name))
            return a;
    return NULL;
}

/* The integer an element's content or an attribute stands for. */
static uint64_t items_u64(bx_chunk *c, size_t s, size_t e)
{
    struct bx_walk *w = c->walk;
    uint64_t v = 0;
    if (e - s == 1) {
        const bx_item *it = &w->items[s];
        if (it->val) {
            if (bx_value_u64(it->val->type, it->val->data, it->val->size, &v) == 0)
                return v;
        } else if (it->node->kind == BX_VALUE &&
                   bx_value_u64(it->node->vtype, it->node->data, it->node->size, &v) == 0) {
            return v;
        }
    }
    return 0;
}

static uint64_t attr_u64(const bx_node *a, const bx_scope *scope)
{
    uint64_t v = 0;
    if (!a)
        return 0;
    const bx_node *n = a->child;
    if (n && !n->next) {
        if (n->kind == BX_SUBST) {
            const bx_value *val = bx_subst_value(n, scope);
            if (val && bx_value_u64(val->type, val->data, val->size, &v) == 0)
                return v;
        } else if (n->kind == BX_VALUE && bx_value_u64(n->vtype, n->data, n->size, &v) == 0) {
            return v;
        }
    }
    return 0;
}

static int add_field(bx_chunk *c, sref name, sref value, int is_null)
{
    struct bx_walk *w = c->walk;
    if (w->nfields == w->capfields) {
        size_t cap = w->capfields ? w->capfields * 2 : 64;
        tn_field *f = tn_realloc(w->fields, cap * sizeof(*f));
        if (!f)
            return -1;
        w->fields = f;
        w->capfields = cap;
    }
    /* offsets now, pointers at the end (see finish) */
    w->fields[w->nfields++] = (tn_field){(const char *)(uintptr_t)name.off,
                                         (const char *)(uintptr_t)value.off, name.len, value.len,
                                         (uint8_t)is_null};
    return 0;
}

static sref put_name(bx_chunk *c, const char *s, size_t n)
{
    struct bx_walk *w = c->walk;
    sref r = {(uint32_t)w->evtext.len, (uint32_t)n};
    tn_buf_put(&w->evtext, s, n);
    tn_buf_putc(&w->evtext, '\0');
    return r;
}

/* One field per array item, or one for the text. */
static int value_fields(bx_chunk *c, sref name, size_t s, size_t e)
{
    struct bx_walk *w = c->walk;
    if (e - s == 1 && w->items[s].val && (w->items[s].val->type & BX_T_ARRAY)) {
        const bx_value *v = w->items[s].val;
        uint32_t pos = 0, elen;
        const uint8_t *d;
        while (bx_array_next(v->type, v->data, v->size, &pos, &d, &elen)) {
            sref r = {(uint32_t)w->evtext.len, 0};
            bx_value_text(v->type & 0x7f, d, elen, &w->evtext);
            r.len = (uint32_t)(w->evtext.len - r.off);
            tn_buf_putc(&w->evtext, '\0');
            if (add_field(c, name, r, 0))
                return -1;
        }
        return 0;
    }
    sref r = put_text(c, s, e);
    return add_field(c, name, r, s == e);
}

/* EventData: <Data Name="k">v</Data> gives k; other children their own
 * element name. UserData and the like: leaf elements, innermost names. */
static int data_fields(bx_chunk *c, const bx_node *el, const bx_scope *scope, int depth)
{
    struct bx_walk *w = c->walk;
    size_t s = w->n;
    if (depth > 16 || bx_flatten(c, el->child, scope))
        return -1;
    size_t e = w->n;
    for (size_t i = s; i < e; i++) {
        bx_item it = w->items[i];
        if (!it.node || it.node->kind != BX_ELEM)
            continue;
        const bx_node *na = name_is(it.node, "Data") ? attr(it.node, "Name") : NULL;
        size_t cs = w->n;
        if (bx_flatten(c, it.node->child, it.scope))
            return -1;
        size_t ce = w->n;
        int has_elem = 0;
        for (size_t j = cs; j < ce; j++)
            if (w->items[j].node && w->items[j].node->kind == BX_ELEM)
                has_elem = 1;
        w->n = cs;
        if (has_elem) {
            if (data_fields(c, it.node, it.scope, depth + 1))
                return -1;
            continue;
        }
        sref name = na ? put_attr(c, na, it.scope) : put_name(c, it.node->name->s, it.node->name->len);
        if (bx_flatten(c, it.node->child, it.scope) || value_fields(c, name, cs, w->n))
            return -1;
        w->n = cs;
    }
    w->n = s;
    return 0;
}

/* Records System member b as held when attribute a resolves to content
 * (an optional substitution left empty makes an attribute vanish).
 * known: a has content already (its text or number was not empty): the
 * walk of bx_attr_present is spared, ~8 instructions a record of 10. */
static void held(tn_event *ev, const bx_node *a, const bx_scope *scope, int b, int known)
{
    if (a && (known || bx_attr_present(a, scope)))
        ev->present |= TN_EV_BIT(b);
}

static void system_child(bx_chunk *c, const bx_node *el, const bx_scope *scope, tn_event *ev,
                         sysrefs *sr)
{
    struct bx_walk *w = c->walk;
    size_t s = w->n;
    if (bx_flatten(c, el->child, scope))
        return;
    size_t e = w->n;
    const bx_node *a;
    if (name_is(el, "Provider")) {
        if ((a = attr(el, "Name")) || (a = attr(el, "EventSourceName")))
            sr->provider = put_attr(c, a, scope), held(ev, a, scope, TN_EV_PROVIDER, sr->provider.len);
        if ((a = attr(el, "Guid")))
            sr->guid = put_attr(c, a, scope), held(ev, a, scope, TN_EV_PROVIDER_GUID, sr->guid.len);
    } else if (name_is(el, "EventID")) {
        ev->event_id = (uint32_t)items_u64(c, s, e);
        ev->present |= TN_EV_BIT(TN_EV_EVENTID);
        if ((a = attr(el, "Qualifiers")) && bx_attr_present(a, scope)) {
            ev->qualifiers = (uint32_t)attr_u64(a, scope);
            ev->has_qualifiers = 1;
        }
    } else if (name_is(el, "Version")) {
        ev->version = (uint8_t)items_u64(c, s, e);
        ev->present |= TN_EV_BIT(TN_EV_VERSION);
    } else if (name_is(el, "Level")) {
        ev->level = (uint8_t)items_u64(c, s, e);
        ev->present |= TN_EV_BIT(TN_EV_LEVEL);
    } else if (name_is(el, "Task")) {
        ev->task = (uint16_t)items_u64(c, s, e);
        ev->present |= TN_EV_BIT(TN_EV_TASK);
    } else if (name_is(el, "Opcode")) {
        ev->opcode = (uint8_t)items_u64(c, s, e);
        ev->present |= TN_EV_BIT(TN_EV_OPCODE);
    } else if (name_is(el, "Keywords")) {
        ev->keywords = items_u64(c, s, e);
        ev->present |= TN_EV_BIT(TN_EV_KEYWORDS);
    } else if (name_is(el, "TimeCreated")) {
        if ((a = attr(el, "SystemTime"))) {
            const bx_node *n = a->child;
            const bx_value *v = n && n->kind == BX_SUBST ? bx_subst_value(n, scope) : NULL;
            held(ev, a, scope, TN_EV_TIME, v != NULL);
            if (v && v->type == BX_T_FILETIME) {
                bx_value_u64(v->type, v->data, v->size, &ev->time);
            } else {
                sref t = put_attr(c, a, scope);
                if (tn_filetime_parse(w->evtext.data + t.off, t.len, &ev->time))
                    ev->time = 0;
            }
        }
    } else if (name_is(el, "EventRecordID")) {
        ev->record_id = items_u64(c, s, e);
    } else if (name_is(el, "Execution")) {
        ev->pid = (uint32_t)attr_u64(a = attr(el, "ProcessID"), scope);
        held(ev, a, scope, TN_EV_PID, ev->pid != 0);
        ev->tid = (uint32_t)attr_u64(a = attr(el, "ThreadID"), scope);
        held(ev, a, scope, TN_EV_TID, ev->tid != 0);
    } else if (name_is(el, "Channel")) {
        sr->channel = put_text(c, s, e);
        ev->present |= TN_EV_BIT(TN_EV_CHANNEL);
    } else if (name_is(el, "Computer")) {
        sr->computer = put_text(c, s, e);
        ev->present |= TN_EV_BIT(TN_EV_COMPUTER);
    } else if (name_is(el, "Security")) {
        if ((a = attr(el, "UserID")))
            sr->sid = put_attr(c, a, scope), held(ev, a, scope, TN_EV_USERID, sr->sid.len);
    }
    w->n = s;
}

static const char *str_at(struct bx_walk *w, sref r, uint32_t empty)
{
    return w->evtext.data + (r.len ? r.off : empty);
}

int tn_evtx_event(const tn_evtx_record *rec, tn_event *ev)
{
    bx_chunk *c = rec->ctx;
    memset(ev, 0, sizeof(*ev));
    ev->provider = ev->provider_guid = ev->channel = ev->computer = ev->user_sid = "";
    ev->offset = rec->offset;
    ev->record_id = rec->record_id;   /* the record header's: always held */
    ev->present = TN_EV_BIT(TN_EV_KNOWN) | TN_EV_BIT(TN_EV_RECORDID);
    if (bx_walk_begin(c))
        return -1;
    struct bx_walk *w = c->walk;
    tn_buf_clear(&w->evtext);
    w->nfields = 0;
    tn_buf_putc(&w->evtext, '\0'); /* offset 0: the empty string */
    sysrefs sr = {{0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}};
    if (bx_flatten(c, rec->tree, NULL))
        return -1;
    size_t top = w->n;
    const bx_item *event = NULL;
    for (size_t i = 0; i < top; i++)
        if (w->items[i].node && w->items[i].node->kind == BX_ELEM) {
            event = &w->items[i];
            break;
        }
    if (!event)
        return -1;
    bx_item evi = *event;
    if (bx_flatten(c, evi.node->child, evi.scope))
        return -1;
    size_t end = w->n;
    for (size_t i = top; i < end; i++) {
        bx_item it = w->items[i];
        if (!it.node || it.node->kind != BX_ELEM)
            continue;
        if (name_is(it.node, "System")) {
            size_t s = w->n;
            if (bx_flatten(c, it.node->child, it.scope))
                return -1;
            size_t e = w->n;
            for (size_t j = s; j < e; j++) {
                bx_item sc = w->items[j];
                if (sc.node && sc.node->kind == BX_ELEM)
                    system_child(c, sc.node, sc.scope, ev, &sr);
            }
            w->n = s;
        } else if (!name_is(it.node, "RenderingInfo")) {
            /* EventData, UserData, ProcessingErrorData, DebugData */
            if (data_fields(c, it.node, it.scope, 0))
                return -1;
        }
    }
    if (!tn_buf_ok(&w->evtext))
        return -1;
    ev->provider = str_at(w, sr.provider, 0);
    ev->provider_guid = str_at(w, sr.guid, 0);
    ev->channel = str_at(w, sr.channel, 0);
    ev->computer = str_at(w, sr.computer, 0);
    ev->user_sid = str_at(w, sr.sid, 0);
    for (size_t i = 0; i < w->nfields; i++) {
        tn_field *f = &w->fields[i];
        f->name = w->evtext.data + (uintptr_t)f->name;
        f->value = w->evtext.data + (uintptr_t)f->value;
    }
    ev->fields = w->fields;
    ev->nfields = (uint32_t)w->nfields;
    ev->text = w->evtext.data;
    ev->text_len = w->evtext.len;
    w->owner = (tn_event_owner){&w->evtext, &w->fields, &w->capfields};
    ev->owner = &w->owner;
    return 0;
}
