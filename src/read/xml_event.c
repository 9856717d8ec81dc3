/* xml_event.c - a small tolerant reader of Windows event XML.
 *
 * Event XML is regular: <System> holds known elements with text or
 * attributes, <EventData> a list of <Data Name="...">, <UserData> one
 * element of leaves. So instead of a general XML parser this walks tags
 * left to right, keeps the path of open element names (a few levels), and
 * acts on the text and attributes of the elements it knows. */
#include "xml_event.h"

#include "base/buf.h"

#include <stdint.h>
#include <string.h>

#define MAX_DEPTH 16

typedef struct xp {
    const char *s, *e;      /* input, end */
    tn_arena *a;
    tn_event *ev;
    tn_xml_field_fn fn;
    void *ctx;
    int oom;
    const char *path[MAX_DEPTH]; /* open element names (pointers into s) */
    size_t plen[MAX_DEPTH];
    int depth;
    uint8_t got_text[MAX_DEPTH];  /* the element has had its text */
    uint8_t has_child[MAX_DEPTH]; /* the element holds elements */
    const char *data_name;  /* EventData: Name= of the open <Data>, or NULL */
    size_t data_name_len;
} xp;

static int name_is(const char *p, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(p, lit, n) == 0;
}

static int name_char(char c)
{
    return c && !strchr(" \t\r\n/>=\"'<", c);
}

/* One entity at p ('&'); writes its text to *o, returns bytes consumed
 * (an unknown entity is copied as is: 1 byte). */
static size_t entity(const char *p, const char *e, char **o)
{
    static const struct { const char *name; char c; } named[] = {
        {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''},
    };
    for (size_t i = 0; i < 5; i++) {
        size_t k = strlen(named[i].name);
        if ((size_t)(e - p) >= k && memcmp(p, named[i].name, k) == 0) {
            *(*o)++ = named[i].c;
            return k;
        }
    }
    if (e - p >= 4 && p[1] == '#') {
        int hex = p[2] == 'x' || p[2] == 'X';
        const char *q = p + 2 + hex;
        unsigned long cp = 0;
        int digits = 0;
        for (; q < e && digits < 8; q++, digits++) {
            char c = *q;
            int d = c >= '0' && c <= '9' ? c - '0'
                  : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0)
                break;
            cp = cp * (hex ? 16 : 10) + (unsigned long)d;
        }
        if (digits && q < e && *q == ';' && cp && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) {
            *o += tn_utf8_put((unsigned char *)*o, (uint32_t)cp);
            return (size_t)(q + 1 - p);
        }
    }
    *(*o)++ = '&';
    return 1;
}

/* Decodes p[0..n) into an arena string; sets *len. NULL when out of memory. */
static const char *decode(xp *x, const char *p, size_t n, uint32_t *len)
{
    char *out = tn_arena_alloc(x->a, n + 1), *o = out; /* entities only shrink */
    if (!out) {
        x->oom = 1;
        return NULL;
    }
    for (const char *e = p + n; p < e;) {
        const char *amp = memchr(p, '&', (size_t)(e - p));
        size_t run = amp ? (size_t)(amp - p) : (size_t)(e - p);
        memcpy(o, p, run);
        o += run, p += run;
        if (amp)
            p += entity(p, e, &o);
    }
    *o = '\0';
    *len = (uint32_t)(o - out);
    return out;
}

/* Decimal or 0x-hex integer, the whole string; 0 or -1. */
static int parse_u64(const char *s, uint64_t *v)
{
    uint64_t r = 0;
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        base = 16, s += 2;
    if (!*s)
        return -1;
    for (; *s; s++) {
        int d = *s >= '0' && *s <= '9' ? *s - '0'
              : base == 16 && *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
              : base == 16 && *s >= 'A' && *s <= 'F' ? *s - 'A' + 10 : -1;
        if (d < 0 || r > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return -1;
        r = r * (uint64_t)base + (uint64_t)d;
    }
    *v = r;
    return 0;
}

/* Text of a System element (the innermost open one). What it sets is
 * recorded as held (tn_event.present). */
static void system_text(xp *x, const char *el, size_t n, const char *v)
{
    tn_event *ev = x->ev;
    uint64_t u;
    int b = -1;
    if (name_is(el, n, "Channel"))
        ev->channel = v, b = TN_EV_CHANNEL;
    else if (name_is(el, n, "Computer"))
        ev->computer = v, b = TN_EV_COMPUTER;
    else if (parse_u64(v, &u) < 0)
        return;
    else if (name_is(el, n, "EventID") && u <= UINT32_MAX)
        ev->event_id = (uint32_t)u, b = TN_EV_EVENTID;
    else if (name_is(el, n, "EventRecordID"))
        ev->record_id = u, b = TN_EV_RECORDID;
    else if (name_is(el, n, "Keywords"))
        ev->keywords = u, b = TN_EV_KEYWORDS;
    else if (name_is(el, n, "Version") && u <= 255)
        ev->version = (uint8_t)u, b = TN_EV_VERSION;
    else if (name_is(el, n, "Level") && u <= 255)
        ev->level = (uint8_t)u, b = TN_EV_LEVEL;
    else if (name_is(el, n, "Opcode") && u <= 255)
        ev->opcode = (uint8_t)u, b = TN_EV_OPCODE;
    else if (name_is(el, n, "Task") && u <= 65535)
        ev->task = (uint16_t)u, b = TN_EV_TASK;
    if (b >= 0)
        ev->present |= TN_EV_BIT(b);
}

/* One attribute of a System element. */
static void system_attr(xp *x, const char *el, size_t n, const char *an, size_t alen,
                        const char *v)
{
    tn_event *ev = x->ev;
    uint64_t u;
    int b = -1;
    if (name_is(el, n, "Provider")) {
        if (name_is(an, alen, "Name") || (name_is(an, alen, "EventSourceName") && !*ev->provider))
            ev->provider = v, b = TN_EV_PROVIDER;
        else if (name_is(an, alen, "Guid"))
            ev->provider_guid = v, b = TN_EV_PROVIDER_GUID;
    } else if (name_is(el, n, "TimeCreated") && name_is(an, alen, "SystemTime")) {
        if (tn_filetime_parse(v, strlen(v), &ev->time) == 0)
            b = TN_EV_TIME;
    } else if (name_is(el, n, "Security") &&
               (name_is(an, alen, "UserID") || name_is(an, alen, "UserId"))) {
        ev->user_sid = v, b = TN_EV_USERID;
    } else if (parse_u64(v, &u) == 0 && u <= UINT32_MAX) {
        if (name_is(el, n, "Execution") && name_is(an, alen, "ProcessID"))
            ev->pid = (uint32_t)u, b = TN_EV_PID;
        else if (name_is(el, n, "Execution") && name_is(an, alen, "ThreadID"))
            ev->tid = (uint32_t)u, b = TN_EV_TID;
        else if (name_is(el, n, "EventID") && name_is(an, alen, "Qualifiers"))
            ev->qualifiers = (uint32_t)u, ev->has_qualifiers = 1;
    }
    if (b >= 0)
        ev->present |= TN_EV_BIT(b);
}

static int in_section(const xp *x, const char *section)
{
    return x->depth >= 2 && name_is(x->path[1], x->plen[1], section);
}

/* Reads the attributes of the tag whose name ends at p; returns the
 * position after the tag and sets *empty for "/>". */
static const char *attributes(xp *x, const char *p, int *empty)
{
    const char *el = x->path[x->depth - 1];
    size_t n = x->plen[x->depth - 1];
    for (;;) {
        while (p < x->e && strchr(" \t\r\n", *p) && *p)
            p++;
        if (p >= x->e)
            return p;
        if (*p == '>' || (*p == '/' && p + 1 < x->e && p[1] == '>')) {
            *empty = *p == '/';
            return p + 1 + *empty;
        }
        const char *an = p;
        while (p < x->e && name_char(*p))
            p++;
        size_t alen = (size_t)(p - an);
        if (!alen || p >= x->e || *p != '=' || p + 1 >= x->e || (p[1] != '"' && p[1] != '\''))
            return NULL;
        char q = p[1];
        const char *v0 = p + 2, *v1 = memchr(v0, q, (size_t)(x->e - v0));
        if (!v1)
            return NULL;
        p = v1 + 1;
        uint32_t vlen;
        const char *v = decode(x, v0, (size_t)(v1 - v0), &vlen);
        if (!v)
            return NULL;
        if (in_section(x, "System") && x->depth == 3)
            system_attr(x, el, n, an, alen, v);
        else if (in_section(x, "EventData") && name_is(an, alen, "Name") && x->depth == 3)
            x->data_name = v, x->data_name_len = vlen;
    }
}

static int emit(xp *x, const char *name, size_t nlen, const char *v, uint32_t vlen, int is_null)
{
    if (x->fn(x->ctx, name, (uint32_t)nlen, v, vlen, is_null) < 0) {
        x->oom = 1;
        return -1;
    }
    return 0;
}

/* The name a value inside EventData/UserData gets, as an arena string. */
static const char *field_name(xp *x, size_t *nlen)
{
    if (in_section(x, "EventData") && x->data_name) {
        *nlen = x->data_name_len;
        return x->data_name;
    }
    *nlen = x->plen[x->depth - 1];
    const char *n = tn_arena_strndup(x->a, x->path[x->depth - 1], *nlen);
    if (!n)
        x->oom = 1;
    return n;
}

/* Is the innermost open element one whose text is a field value? */
static int data_level(const xp *x)
{
    return (in_section(x, "EventData") && x->depth == 3) ||
           (in_section(x, "UserData") && x->depth >= 4);
}

/* Only indentation: a newline and blanks (pretty-printed XML). */
static int indentation(const char *p, size_t n)
{
    int nl = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n')
            nl = 1;
        else if (!strchr(" \t\r", p[i]))
            return 0;
    }
    return nl;
}

/* Text between tags, s[0..n), of the innermost open element. */
static void text(xp *x, const char *p, size_t n)
{
    if (x->depth < 3 || x->got_text[x->depth - 1] || indentation(p, n))
        return;
    int sys = in_section(x, "System") && x->depth == 3;
    if (!sys && !data_level(x))
        return;
    uint32_t vlen;
    const char *v = decode(x, p, n, &vlen);
    if (!v)
        return;
    x->got_text[x->depth - 1] = 1;
    if (sys) {
        system_text(x, x->path[2], x->plen[2], v);
        return;
    }
    size_t nlen;
    const char *name = field_name(x, &nlen);
    if (name)
        emit(x, name, nlen, v, vlen, 0);
}

/* An element closes: a data leaf that had no text is a null field. */
static void close_element(xp *x)
{
    int d = x->depth - 1;
    if (data_level(x) && !x->got_text[d] && !x->has_child[d]) {
        size_t nlen;
        const char *name = field_name(x, &nlen);
        if (name)
            emit(x, name, nlen, "", 0, 1);
    }
    if (x->depth == 3)
        x->data_name = NULL;
    x->depth--;
}

/* "<name ...>" at p (after '<'); returns the position after the tag. */
static const char *open_tag(xp *x, const char *p)
{
    const char *name = p;
    while (p < x->e && name_char(*p))
        p++;
    if (p == name || x->depth == MAX_DEPTH)
        return NULL;
    if (x->depth == 0 && !name_is(name, (size_t)(p - name), "Event"))
        return NULL;
    if (x->depth > 0)
        x->has_child[x->depth - 1] = 1;
    x->path[x->depth] = name;
    x->plen[x->depth] = (size_t)(p - name);
    x->got_text[x->depth] = x->has_child[x->depth] = 0;
    x->depth++;
    int empty = 0;
    p = attributes(x, p, &empty);
    if (p && empty)
        close_element(x);
    return p;
}

int tn_xml_event(tn_arena *a, const char *s, size_t n, tn_event *ev, tn_xml_field_fn fn,
                 void *ctx)
{
    xp x = {.s = s, .e = s + n, .a = a, .ev = ev, .fn = fn, .ctx = ctx};
    const char *p = s;
    for (;;) { /* blanks, <?xml ...?> and <!-- --> before the root */
        while (p < x.e && *p && strchr(" \t\r\n", *p))
            p++;
        if (x.e - p < 2 || p[0] != '<' || (p[1] != '?' && p[1] != '!'))
            break;
        const char *gt = memchr(p, '>', (size_t)(x.e - p));
        if (!gt)
            return -1;
        p = gt + 1;
    }
    if (x.e - p < 7 || memcmp(p, "<Event", 6) != 0 || name_char(p[6]))
        return -1;
    while (p && p < x.e && !x.oom) {
        const char *lt = memchr(p, '<', (size_t)(x.e - p));
        if (!lt)
            break;
        if (lt > p)
            text(&x, p, (size_t)(lt - p));
        if (lt + 1 >= x.e)
            break;
        if (lt[1] == '/') { /* end tag: pop, whatever its name */
            const char *gt = memchr(lt, '>', (size_t)(x.e - lt));
            if (!gt || x.depth == 0)
                break;
            close_element(&x);
            p = gt + 1;
            if (x.depth == 0)
                break;
        } else if (lt[1] == '?' || lt[1] == '!') { /* declaration, comment */
            const char *gt = memchr(lt, '>', (size_t)(x.e - lt));
            p = gt ? gt + 1 : NULL;
        } else {
            p = open_tag(&x, lt + 1);
        }
    }
    return x.oom ? -2 : 0;
}
