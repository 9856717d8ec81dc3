/* yaml.c - builds tn_ynode trees from libyaml's event stream.
 *
 * The builder keeps an explicit stack of open collections (no recursion,
 * bounded depth) and a document's anchors by name for alias resolution
 * (a hash map: a list searched from the newest took 11 s for 40,000
 * anchors and aliases, a review of hostile input, session 23). */
#include "sigma/yaml.h"

#include "base/alloc.h"
#include "base/map.h"

#include <yaml.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct builder {
    tn_arena *a;
    tn_ynode *stack[MAX_DEPTH];
    tn_ynode *last[MAX_DEPTH];    /* last child of each open collection */
    int depth;
    tn_map anchors;               /* the document's anchor names, when any: */
    int has_anchors;              /*   tn_map_init'ed */
    tn_ynode **anode;             /* per name id: the newest node of that name */
    size_t anode_cap;
    tn_ynode *root;
    uint32_t eline, ecol;         /* where an error lies, when not at the event */
} builder;

static tn_ynode *new_node(builder *b, tn_ykind kind, const yaml_mark_t *m)
{
    tn_ynode *n = tn_arena_calloc(b->a, sizeof(*n));
    if (!n)
        return NULL;
    n->kind = kind;
    n->str = "";
    n->line = (uint32_t)m->line + 1;
    n->col = (uint32_t)m->column + 1;
    return n;
}

static int remember_anchor(builder *b, const yaml_char_t *name, tn_ynode *n)
{
    if (!name)
        return 0;
    if (!b->has_anchors) {
        tn_map_init(&b->anchors);
        b->has_anchors = 1;
    }
    tn_ynode **v = tn_map_grow_ids(&b->anchors, b->anode, &b->anode_cap, sizeof(*v));
    if (!v)
        return -1;
    b->anode = v;
    int added;
    long id = tn_map_put(&b->anchors, (const char *)name, strlen((const char *)name), &added);
    if (id < 0)
        return -1;
    b->anode[id] = n;   /* a name anchored again: aliases after refer to the new node */
    return 0;
}

/* Forgets the document's anchors (an alias refers within its document). */
static void forget_anchors(builder *b)
{
    if (b->has_anchors)
        tn_map_free(&b->anchors);
    b->has_anchors = 0;
    tn_free(b->anode);
    b->anode = NULL;
    b->anode_cap = 0;
}

/* Attaches n to the innermost open collection (or makes it the root).
 * In a map, children alternate key then value. */
static void attach(builder *b, tn_ynode *n)
{
    if (b->depth == 0) {
        b->root = n;
        return;
    }
    tn_ynode *parent = b->stack[b->depth - 1];
    tn_ynode *last = b->last[b->depth - 1];
    if (parent->kind == TN_Y_MAP && last && !last->val && last != n) {
        last->val = n;    /* value of the pending key */
        return;
    }
    if (last)
        last->next = n;
    else
        parent->child = n;
    b->last[b->depth - 1] = n;
    parent->count++;
}

static void set_err(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
}

static int same_key(const tn_ynode *a, const tn_ynode *b)
{
    return a->kind == TN_Y_SCALAR && b->kind == TN_Y_SCALAR && a->len == b->len &&
           !memcmp(a->str, b->str, a->len);
}

static int key_cmp(const void *x, const void *y)
{
    const tn_ynode *a = *(const tn_ynode *const *)x, *b = *(const tn_ynode *const *)y;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    int c = memcmp(a->str, b->str, a->len);
    if (c)
        return c;
    return a->line != b->line ? (a->line < b->line ? -1 : 1) : (a->col > b->col) - (a->col < b->col);
}

/* A scalar key of map m written twice: the second, with the first in
 * *first; NULL if none (or out of memory: *oom set). YAML 1.2.2 requires
 * "each of the keys is unique", and the rule compiler read duplicates
 * inconsistently (a search named twice was the first for `sel`, both for
 * `1 of them`); PyYAML keeps the last. Sorted past a few keys, so that a
 * hostile map of many keys costs n log n, not n^2. */
static const tn_ynode *dup_key(const tn_ynode *m, const tn_ynode **first, int *oom)
{
    if (m->count < 2)
        return NULL;
    if (m->count <= 16) {
        for (const tn_ynode *k = m->child->next; k; k = k->next)
            for (const tn_ynode *j = m->child; j != k; j = j->next)
                if (same_key(j, k)) {
                    *first = j;
                    return k;
                }
        return NULL;
    }
    const tn_ynode **v = tn_malloc(m->count * sizeof(*v));
    if (!v) {
        *oom = 1;
        return NULL;
    }
    size_t n = 0;
    for (const tn_ynode *k = m->child; k && n < m->count; k = k->next)
        if (k->kind == TN_Y_SCALAR)
            v[n++] = k;
    qsort(v, n, sizeof(*v), key_cmp);
    const tn_ynode *dup = NULL;
    for (size_t i = 1; i < n && !dup; i++)
        if (same_key(v[i - 1], v[i])) {
            *first = v[i - 1];
            dup = v[i];
        }
    tn_free(v);
    return dup;
}

/* Handles one libyaml event. Returns 0, 1 at document end, -1 on error. */
static int on_event(builder *b, yaml_event_t *ev, char *err, size_t errlen)
{
    tn_ynode *n;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        n = new_node(b, TN_Y_SCALAR, &ev->start_mark);
        if (!n)
            goto oom;
        n->str = tn_arena_strndup(b->a, (const char *)ev->data.scalar.value, ev->data.scalar.length);
        if (!n->str)
            goto oom;
        n->len = ev->data.scalar.length;
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (remember_anchor(b, ev->data.scalar.anchor, n))
            goto oom;
        attach(b, n);
        return 0;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if (b->depth >= MAX_DEPTH) {
            set_err(err, errlen, "YAML nested too deeply");
            return -1;
        }
        n = new_node(b, ev->type == YAML_SEQUENCE_START_EVENT ? TN_Y_SEQ : TN_Y_MAP, &ev->start_mark);
        if (!n)
            goto oom;
        if (remember_anchor(b, ev->type == YAML_SEQUENCE_START_EVENT
                                   ? ev->data.sequence_start.anchor
                                   : ev->data.mapping_start.anchor, n))
            goto oom;
        attach(b, n);
        b->stack[b->depth] = n;
        b->last[b->depth] = NULL;
        b->depth++;
        return 0;
    case YAML_MAPPING_END_EVENT:
        if (b->depth > 0) {
            const tn_ynode *first = NULL, *again;
            int oom = 0;
            if ((again = dup_key(b->stack[b->depth - 1], &first, &oom)) != NULL) {
                snprintf(err, errlen, "YAML: duplicate key '%.60s' (first at line %u, column %u)",
                         again->str, first->line, first->col);
                b->eline = again->line;
                b->ecol = again->col;
                return -1;
            }
            if (oom)
                goto oom;
            /* a key is read up to its first NUL ("User\0junk" was the
             * field User: a review, session 27): refused */
            for (const tn_ynode *k = b->stack[b->depth - 1]->child; k; k = k->next)
                if (k->kind == TN_Y_SCALAR && memchr(k->str, 0, k->len)) {
                    set_err(err, errlen, "YAML: a key holds a NUL byte");
                    b->eline = k->line;
                    b->ecol = k->col;
                    return -1;
                }
        }
        /* fall through */
    case YAML_SEQUENCE_END_EVENT:
        if (b->depth > 0)
            b->depth--;
        return 0;
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        long id = b->has_anchors ? tn_map_get(&b->anchors, name, strlen(name)) : -1;
        if (id >= 0) {
            n = tn_arena_alloc(b->a, sizeof(*n));
            if (!n)
                goto oom;
            *n = *b->anode[id];   /* shallow copy: shares children */
            n->next = NULL;
            n->val = NULL;
            n->line = (uint32_t)ev->start_mark.line + 1;
            n->col = (uint32_t)ev->start_mark.column + 1;
            attach(b, n);
            return 0;
        }
        set_err(err, errlen, "YAML alias to an unknown anchor");
        return -1;
    }
    case YAML_DOCUMENT_END_EVENT:
        return 1;
    default:
        return 0;
    }
oom:
    set_err(err, errlen, "out of memory");
    return -1;
}

/* Appends root to st->docs (grown in the arena by doubling). */
static int push_doc(tn_arena *a, tn_ystream *st, tn_ynode *root, size_t *cap)
{
    if (st->ndocs == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        tn_ynode **nd = tn_arena_alloc(a, ncap * sizeof(*nd));
        if (!nd)
            return -1;
        if (st->ndocs)
            memcpy(nd, st->docs, st->ndocs * sizeof(*nd));
        st->docs = nd;
        *cap = ncap;
    }
    st->docs[st->ndocs++] = root;
    return 0;
}

static int parse_text(const char *text, size_t len, tn_arena *a, tn_ystream *st,
                      char *err, size_t errlen, uint32_t *eline, uint32_t *ecol)
{
    yaml_parser_t p;
    yaml_event_t ev;
    builder b;
    size_t cap = 0;
    int rc = 0;

    memset(st, 0, sizeof(*st));
    memset(&b, 0, sizeof(b));
    b.a = a;
    *eline = *ecol = 0;
    if (!yaml_parser_initialize(&p)) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    for (;;) {
        if (!yaml_parser_parse(&p, &ev)) {
            /* with libyaml's context: "found unexpected end of stream"
             * says little at the end of the file, "while scanning a quoted
             * scalar at 6:12" says where to look */
            if (p.context)
                snprintf(err, errlen, "YAML: %s (%s at line %u, column %u)",
                         p.problem ? p.problem : "syntax error", p.context,
                         (unsigned)p.context_mark.line + 1, (unsigned)p.context_mark.column + 1);
            else
                snprintf(err, errlen, "YAML: %s", p.problem ? p.problem : "syntax error");
            *eline = (uint32_t)p.problem_mark.line + 1;
            *ecol = (uint32_t)p.problem_mark.column + 1;
            rc = -1;
            break;
        }
        yaml_event_type_t type = ev.type;
        yaml_mark_t mark = ev.start_mark;
        int r = on_event(&b, &ev, err, errlen);
        yaml_event_delete(&ev);
        if (r < 0) {
            *eline = b.eline ? b.eline : (uint32_t)mark.line + 1;
            *ecol = b.eline ? b.ecol : (uint32_t)mark.column + 1;
            rc = -1;
            break;
        }
        if (r == 1) {
            tn_ynode *root = b.root;
            if (!root) {
                root = new_node(&b, TN_Y_SCALAR, &mark);
                if (root)
                    root->plain = 1;
            }
            if (!root || push_doc(a, st, root, &cap)) {
                set_err(err, errlen, "out of memory");
                rc = -1;
                break;
            }
            b.root = NULL;
            b.depth = 0;
            forget_anchors(&b);
        }
        if (type == YAML_STREAM_END_EVENT)
            break;
    }
    forget_anchors(&b);
    yaml_parser_delete(&p);
    return rc;
}

/* The offset of the first byte of text that YAML 1.2 cannot read (not
 * UTF-8, or a character outside its printable set: C0 controls but tab,
 * LF and CR, DEL, C1 controls but NEL, surrogates, U+FFFE/U+FFFF), with
 * the reason; len when there is none. */
static size_t unreadable(const unsigned char *s, size_t len, const char **why)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c >= 0x20 && c < 0x7F) {
            i++;
            continue;
        }
        if (c == '\t' || c == '\n' || c == '\r') {
            i++;
            continue;
        }
        *why = "control characters are not allowed";
        if (c < 0x80)
            return i;
        size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
        *why = "invalid UTF-8";
        if (!n || n > 4 || i + n > len)
            return i;
        uint32_t cp = c & (0xFFu >> (n + 1));
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return i;   /* overlong, beyond Unicode, a surrogate */
        *why = "control characters are not allowed";
        if ((cp >= 0x80 && cp <= 0x9F && cp != 0x85) || cp == 0xFFFE || cp == 0xFFFF)
            return i;
        i += n;
    }
    return len;
}

/* A file with a byte YAML cannot read: libyaml decodes its input before
 * the first event and reported such a byte at line 1, column 1, losing
 * every document. The byte is found first; the documents before the one
 * holding it (up to the last '---' line before it) load, and the error
 * names its line and column, as a syntax error there would. Input with a
 * UTF-16 or UTF-32 byte order mark is libyaml's to decode. */
int tn_yaml_parse(const char *text, size_t len, tn_arena *a, tn_ystream *st,
                  char *err, size_t errlen, uint32_t *eline, uint32_t *ecol)
{
    const unsigned char *s = (const unsigned char *)text;
    if (len >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF) || s[0] == 0))
        return parse_text(text, len, a, st, err, errlen, eline, ecol);
    size_t skip = len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF ? 3 : 0;
    const char *why = NULL;
    size_t bad = skip + unreadable(s + skip, len - skip, &why);
    if (bad == len)
        return parse_text(text, len, a, st, err, errlen, eline, ecol);
    size_t line_start = 0, cut = 0;
    uint32_t line = 1;
    for (size_t i = 0; i < bad; i++)
        if (s[i] == '\n') {
            line++;
            line_start = i + 1;
            if (i + 4 <= bad && !memcmp(s + i + 1, "---", 3))
                cut = i + 1;   /* a document starts on the next line */
        }
    if (cut && parse_text(text, cut, a, st, err, errlen, eline, ecol))
        return -1;   /* an error before: that one is reported */
    if (!cut)
        memset(st, 0, sizeof(*st));
    uint32_t col = 1;   /* in characters, as libyaml counts them (not the BOM) */
    for (size_t i = line_start > skip ? line_start : skip; i < bad; i++)
        col += (s[i] & 0xC0) != 0x80;
    snprintf(err, errlen, "YAML: %s (byte 0x%02X)", why, s[bad]);
    *eline = line;
    *ecol = col;
    return -1;
}

tn_ynode *tn_ymap_get(const tn_ynode *m, const char *key)
{
    if (!m || m->kind != TN_Y_MAP)
        return NULL;
    for (tn_ynode *k = m->child; k; k = k->next)
        if (k->kind == TN_Y_SCALAR && strcmp(k->str, key) == 0)
            return k->val;
    return NULL;
}

int tn_ynode_is_null(const tn_ynode *n)
{
    if (!n)
        return 1;
    if (n->kind != TN_Y_SCALAR || !n->plain)
        return 0;
    return n->len == 0 || !strcmp(n->str, "null") || !strcmp(n->str, "Null") ||
           !strcmp(n->str, "NULL") || !strcmp(n->str, "~");
}

/* A walk over a scalar's source: p the byte, line and ls (the byte its
 * line starts at) kept as it goes. */
typedef struct spos {
    const char *s;
    size_t n, p, ls;
    uint32_t line;
} spos;

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* At a line break (\n, or \r\n)? */
static int at_break(const spos *w)
{
    return w->p < w->n && (w->s[w->p] == '\n' || (w->s[w->p] == '\r' && w->p + 1 < w->n && w->s[w->p + 1] == '\n'));
}

static void pass_break(spos *w)
{
    if (w->s[w->p] == '\r')
        w->p++;
    w->p++;
    w->line++;
    w->ls = w->p;
}

/* Whether the line from p holds only blanks (or nothing). */
static int blank_line(const spos *w)
{
    size_t q = w->p;
    while (q < w->n && is_blank(w->s[q]))
        q++;
    spos t = *w;
    t.p = q;
    return q >= w->n || at_break(&t);
}

static void skip_blanks(spos *w)
{
    while (w->p < w->n && is_blank(w->s[w->p]))
        w->p++;
}

static int hexv(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A double-quoted escape at p (the backslash): the bytes it gives the
 * value, and p past it. */
static size_t escape_len(spos *w)
{
    size_t k = w->p + 1;
    char e = k < w->n ? w->s[k] : 0;
    int digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
    uint32_t cp = 0;
    w->p = k + 1;
    for (int i = 0; i < digits && w->p < w->n && hexv(w->s[w->p]) >= 0; i++, w->p++)
        cp = cp * 16 + (uint32_t)hexv(w->s[w->p]);
    if (!digits)
        return 1;
    return e == 'x' || cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

int tn_yaml_scalar_pos(const char *src, size_t n, size_t ls, uint32_t line, uint32_t col, size_t off,
                       uint32_t *oline, uint32_t *ocol)
{
    spos w = {src, n, ls, ls, line};
    uint32_t cl = 1;
    for (; cl < col && w.p < n && src[w.p] != '\n'; cl++)
        do
            w.p++;
        while (w.p < n && ((unsigned char)src[w.p] & 0xC0) == 0x80);
    if (ls > n || w.p >= n || cl < col)   /* past the text, or past its line */
        return -1;
    while (w.p < n && (src[w.p] == '!' || src[w.p] == '&')) {   /* a tag or an anchor first */
        while (w.p < n && !is_blank(src[w.p]) && !at_break(&w))
            w.p++;
        skip_blanks(&w);
    }
    char kind = w.p < n ? src[w.p] : 0;
    size_t t = 0, indent = 0;
    if (kind == '|' || kind == '>') {
        size_t parent = 0, d = 0;
        while (parent < n - ls && src[ls + parent] == ' ')
            parent++;
        for (w.p++; w.p < n && !at_break(&w); w.p++)   /* indicators, then a comment */
            if (src[w.p] >= '1' && src[w.p] <= '9' && !d)
                d = (size_t)(src[w.p] - '0');
            else if (src[w.p] == '#' || is_blank(src[w.p]))
                break;
        while (w.p < n && !at_break(&w))
            w.p++;
        if (w.p < n)
            pass_break(&w);
        if (d)
            indent = parent + d;
        else {   /* the first line that is not blank gives it */
            spos q = w;
            while (q.p < n && blank_line(&q)) {
                while (q.p < n && !at_break(&q))
                    q.p++;
                if (q.p < n)
                    pass_break(&q);
            }
            while (q.p + indent < n && src[q.p + indent] == ' ')
                indent++;
        }
        while (w.p < n && t < off) {
            if (blank_line(&w)) {   /* an empty line: a line break of the value */
                while (w.p < n && !at_break(&w))
                    w.p++;
                if (w.p >= n)
                    break;
                pass_break(&w);
                t++;
                continue;
            }
            for (size_t k = 0; k < indent && w.p < n && src[w.p] == ' '; k++)
                w.p++;
            while (w.p < n && !at_break(&w) && t < off)
                w.p++, t++;
            if (t >= off || w.p >= n)
                break;
            pass_break(&w);
            /* '|' keeps it; '>' folds it to a space, or drops it before empty lines */
            if (kind == '|' || !blank_line(&w))
                t++;
        }
        if (w.p == w.ls)   /* stopped at a line's start: the value starts after its indentation */
            for (size_t k = 0; k < indent && w.p < n && src[w.p] == ' '; k++)
                w.p++;
    } else {
        char q = kind == '\'' || kind == '"' ? kind : 0;
        if (q)
            w.p++;
        while (w.p < n && t < off) {
            char c = src[w.p];
            if (at_break(&w)) {   /* folded: a space, or one line break a blank line */
                pass_break(&w);
                size_t empty = 0;
                while (w.p < n && blank_line(&w)) {
                    skip_blanks(&w);
                    if (w.p >= n)
                        break;
                    pass_break(&w);
                    empty++;
                }
                skip_blanks(&w);
                t += empty ? empty : 1;
                continue;
            }
            if (is_blank(c)) {   /* blanks before a line break are not in the value */
                size_t e = w.p;
                while (e < n && is_blank(src[e]))
                    e++;
                spos x = w;
                x.p = e;
                if (e < n && at_break(&x)) {
                    w.p = e;
                    continue;
                }
                size_t k = e - w.p < off - t ? e - w.p : off - t;
                w.p += k;
                t += k;
                continue;
            }
            if (q == '"' && c == '\\') {
                spos x = w;
                x.p = w.p + 1;
                if (at_break(&x)) {   /* an escaped line break: nothing, and the next line's blanks */
                    w.p++;
                    pass_break(&w);
                    skip_blanks(&w);
                    continue;
                }
                t += escape_len(&w);
                continue;
            }
            if (q == '\'' && c == '\'' && w.p + 1 < n && src[w.p + 1] == '\'')
                w.p++;   /* '' is one quote */
            w.p++;
            t++;
        }
    }
    uint32_t cc = 1;
    for (size_t i = w.ls; i < w.p && i < n; i++)
        cc += ((unsigned char)src[i] & 0xC0) != 0x80;
    *oline = w.line;
    *ocol = cc;
    return 0;
}

/* Byte offsets at which src's lines start: (*nl) of them, the first 0. */
size_t *tn_yaml_line_starts(const char *src, size_t n, size_t *nl)
{
    size_t k = 1;
    for (size_t i = 0; i < n; i++)
        k += src[i] == '\n';
    size_t *v = tn_malloc(k * sizeof(*v));
    if (!v)
        return NULL;
    v[0] = 0;
    for (size_t i = 0, j = 1; i < n; i++)
        if (src[i] == '\n')
            v[j++] = i + 1;
    *nl = k;
    return v;
}
