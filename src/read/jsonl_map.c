/* jsonl_map.c - map a JSON record of any known log shape onto tn_event.
 *
 * Values become text the way Sigma compares them: strings as decoded,
 * numbers as written, booleans "true"/"false", null as "" with is_null.
 * Arrays give one field per element, all with the array's name.
 *
 * Nested objects are flattened two ways, on purpose:
 *  - inside EventData/UserData (evtx_dump and Winlogbeat shapes) by leaf
 *    name, as event.h specifies and the EVTX reader does, because Windows
 *    Sigma rules name the innermost <Data Name=...> or UserData element;
 *    "#attributes" (xmlns, EventData Name=) are XML plumbing and skipped,
 *    "#text" takes the name of the element that holds it;
 *  - everywhere else (flat and ECS-like records) by dotted path
 *    ("host.name"), because there leaf names collide (host.name and
 *    user.name) and the rules for such logs use the dotted names.
 * Top-level keys that fill a System member (EventID, Channel, ...) are not
 * repeated as fields, just as System is not in fields for EVTX; a key whose
 * value does not convert (EventID "abc") stays a field instead. A flat
 * record that carries a whole event as XML text (Sysmon for Linux through
 * Azure Syslog) also gets that event's System and EventData.
 *
 * The same event read from JSON gives rules what the EVTX reader gives
 * (a review of 2026-11-27; tests/unit/test_jsonl.c): a field held twice,
 * exported as "X" and "X_1", is X twice; RenderingInfo is left out; an
 * empty <Channel/> or <Computer/>, exported as null, is held and empty;
 * Winlogbeat's param1, param2 ... (its names for unnamed <Data>) are also
 * Data; PowerShell 5.1's "/Date(MS)/" times are read. */
#include "jsonl_map.h"

#include "base/alloc.h"
#include "read/xml_event.h"

#include <stdio.h>
#include <string.h>

#define PATH_MAX_LEN 1024 /* longest dotted name built; longer paths are cut */

static int add_raw(tn_jmap *m, const char *name, size_t nlen, const char *value, size_t vlen,
                   int is_null)
{
    if (m->nfields == m->cap) {
        uint32_t cap = m->cap ? m->cap * 2 : 64;
        tn_field *f = tn_realloc(m->fields, cap * sizeof(*f));
        if (!f)
            return m->oom = 1, -1;
        m->fields = f;
        m->cap = cap;
    }
    m->fields[m->nfields++] =
        (tn_field){name, value, (uint32_t)nlen, (uint32_t)vlen, (uint8_t)is_null};
    return 0;
}

static int add_field(tn_jmap *m, const char *name, size_t nlen, const tn_jnode *v)
{
    switch (v ? v->type : TN_J_NULL) {
    case TN_J_STRING:
    case TN_J_NUMBER:
        return add_raw(m, name, nlen, v->text, v->text_len, 0);
    case TN_J_TRUE:
        return add_raw(m, name, nlen, "true", 4, 0);
    case TN_J_FALSE:
        return add_raw(m, name, nlen, "false", 5, 0);
    default: /* null, or an empty array/object */
        return add_raw(m, name, nlen, "", 0, 1);
    }
}

static int is_key(const tn_jnode *n, const char *k, size_t len)
{
    return n->key_len == len && memcmp(n->key, k, len) == 0;
}

/* ---- leaf-name flattening (EventData, UserData) ---------------------- */

/* An XML attribute as xmltodict writes it ({"@Name": ...}, python-evtx's
 * XML through xmltodict), beside evtx_dump's "#attributes" object. */
static int is_attr_key(const tn_jnode *k)
{
    return k->key_len && k->key[0] == '@';
}

/* evtx_dump may leave an unmapped <Data Name="X"> as
 * "Data": {"#attributes": {"Name": "X"}, "#text": ...}, xmltodict always
 * as {"@Name": "X", "#text": ...}: use X. */
static void data_name(const tn_jnode *v, const char **name, uint32_t *nlen)
{
    if (*nlen != 4 || memcmp(*name, "Data", 4) != 0)
        return;
    tn_jnode *a = tn_json_get(tn_json_get(v, "#attributes"), "Name");
    if (!a)
        a = tn_json_get(v, "@Name");
    if (a && a->type == TN_J_STRING) {
        *name = a->text;
        *nlen = a->text_len;
    }
}

static void flat_leaf(tn_jmap *m, const char *name, uint32_t nlen, const tn_jnode *v)
{
    if (v->type == TN_J_ARRAY) {
        if (!v->kid)
            add_field(m, name, nlen, NULL);
        for (const tn_jnode *k = v->kid; k; k = k->next)
            flat_leaf(m, name, nlen, k);
        return;
    }
    if (v->type != TN_J_OBJECT) {
        add_field(m, name, nlen, v);
        return;
    }
    data_name(v, &name, &nlen);
    int any = 0;
    for (const tn_jnode *k = v->kid; k; k = k->next) {
        if (is_key(k, "#attributes", 11) || is_attr_key(k))
            continue;
        any = 1;
        if (is_key(k, "#text", 5))
            flat_leaf(m, name, nlen, k);
        else
            flat_leaf(m, k->key, k->key_len, k);
    }
    if (!any) /* <Elem/> or <Elem attr="..."/>: an empty element */
        add_field(m, name, nlen, NULL);
}

/* ---- dotted-path flattening (flat records) --------------------------- */

typedef struct path {
    char s[PATH_MAX_LEN];
    size_t len;
} path;

static void flat_path(tn_jmap *m, path *p, const tn_jnode *v);

static void path_field(tn_jmap *m, path *p, const tn_jnode *v)
{
    char *name = tn_arena_strndup(m->arena, p->s, p->len);
    if (!name) {
        m->oom = 1;
        return;
    }
    add_field(m, name, p->len, v);
}

static void flat_path_members(tn_jmap *m, path *p, const tn_jnode *v)
{
    size_t keep = p->len;
    for (const tn_jnode *k = v->kid; k; k = k->next) {
        if (k->used)
            continue;
        size_t room = sizeof(p->s) - p->len;
        size_t need = (p->len ? 1 : 0) + k->key_len;
        if (need > room)
            need = room; /* absurdly deep names are cut, not dropped */
        if (p->len && need)
            p->s[p->len++] = '.', need--;
        memcpy(p->s + p->len, k->key, need);
        p->len += need;
        flat_path(m, p, k);
        p->len = keep;
    }
}

static void flat_path(tn_jmap *m, path *p, const tn_jnode *v)
{
    if (v->type == TN_J_OBJECT && v->kid) {
        flat_path_members(m, p, v);
    } else if (v->type == TN_J_ARRAY && v->kid) {
        for (const tn_jnode *k = v->kid; k; k = k->next)
            flat_path(m, p, k);
    } else {
        path_field(m, p, v);
    }
}

/* Every unused member of object o, named prefix.key... */
static void flat_rest(tn_jmap *m, const char *prefix, const tn_jnode *o)
{
    path p;
    p.len = strlen(prefix);
    memcpy(p.s, prefix, p.len);
    flat_path_members(m, &p, o);
}

/* ---- System values ---------------------------------------------------- */

/* Integer of a number or string node: decimal, optionally negative (as
 * two's complement: NXLog writes Keywords as a signed 64-bit number), or
 * 0x-hex. Returns 0, or -1 if it is not an integer or overflows. */
static int node_int(const tn_jnode *n, uint64_t *out, int *neg)
{
    if (!n || (n->type != TN_J_NUMBER && n->type != TN_J_STRING) || !n->text_len)
        return -1;
    const char *s = n->text;
    size_t len = n->text_len, i = 0;
    uint64_t v = 0;
    unsigned base = 10;
    *neg = s[0] == '-';
    i = (size_t)*neg;
    if (len - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
        base = 16, i += 2;
    if (i == len)
        return -1;
    for (; i < len; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                   : base == 16 && c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                   : base == 16 && c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 99;
        if (d >= base || v > (UINT64_MAX - d) / base)
            return -1;
        v = v * base + d;
    }
    *out = *neg ? 0 - v : v;
    return 0;
}

/* Unsigned integer no larger than max; 0 or -1. */
static int node_uint(const tn_jnode *n, uint64_t max, uint64_t *out)
{
    int neg;
    return node_int(n, out, &neg) == 0 && !neg && *out <= max ? 0 : -1;
}

static const char *node_str(const tn_jnode *n)
{
    return n && (n->type == TN_J_STRING || n->type == TN_J_NUMBER) ? n->text : NULL;
}

/* The value of an XML element rendered by evtx_dump: {"#text": v} or v. */
static const tn_jnode *elem_value(const tn_jnode *n)
{
    if (n && n->type == TN_J_OBJECT)
        return tn_json_get(n, "#text");
    return n;
}

static const tn_jnode *elem_attr(const tn_jnode *n, const char *name)
{
    const tn_jnode *a = tn_json_get(tn_json_get(n, "#attributes"), name);
    if (!a && n && n->type == TN_J_OBJECT) {   /* xmltodict: {"@Name": ...} */
        for (const tn_jnode *k = n->kid; k; k = k->next)
            if (is_attr_key(k) && k->key_len - 1 == strlen(name) && !memcmp(k->key + 1, name, k->key_len - 1))
                return k;
    }
    return a;
}

/* Windows PowerShell 5.1's ConvertTo-Json writes a DateTime as
 * "/Date(MS)/" (milliseconds since 1970, UTC), "/Date(MS+hhmm)/" with the
 * writer's offset, which does not change the instant. 0, or -1. */
static int ms_date(const char *s, size_t n, uint64_t *out)
{
    if (n < 9 || memcmp(s, "/Date(", 6) != 0 || memcmp(s + n - 2, ")/", 2) != 0)
        return -1;
    size_t i = 6, end = n - 2;
    int neg = s[i] == '-';
    i += (size_t)neg;
    uint64_t ms = 0;
    size_t digits = 0;
    for (; i < end && s[i] >= '0' && s[i] <= '9' && digits < 15; i++, digits++)
        ms = ms * 10 + (uint64_t)(s[i] - '0');
    if (!digits || (i < end && !(end - i == 5 && (s[i] == '+' || s[i] == '-'))))
        return -1;
    const uint64_t epoch = 116444736000000000ull;   /* 1970-01-01 in FILETIME */
    if (neg && ms * 10000 > epoch)
        return -1;
    *out = neg ? epoch - ms * 10000 : epoch + ms * 10000;
    return 0;
}

static int node_time(const tn_jnode *n, uint64_t *out)
{
    const char *s = node_str(n);
    if (!s || n->type != TN_J_STRING)
        return -1;
    return ms_date(s, n->text_len, out) == 0 ? 0 : tn_filetime_parse(s, n->text_len, out);
}

/* System slots a record may fill, shared by all shapes. */
enum slot {
    S_EVENT_ID, S_CHANNEL, S_COMPUTER, S_PROVIDER, S_GUID, S_TIME, S_RECORD, S_PID,
    S_TID, S_SID, S_LEVEL, S_TASK, S_OPCODE, S_VERSION, S_KEYWORDS, S_QUALIFIERS,
};

/* The level of a level's name (Winlogbeat's log.level and 6.x's level,
 * NXLog's EventType, Azure's EventLevelName write names, not numbers:
 * rules testing Level: 2 never fired on them); 0, or -1. */
static int level_name(const tn_jnode *n, uint64_t *out)
{
    static const struct { const char *name; uint8_t level; } names[] = {
        {"logalways", 0}, {"audit_success", 0}, {"audit_failure", 0}, {"critical", 1},
        {"error", 2}, {"warning", 3}, {"information", 4}, {"info", 4}, {"verbose", 5},
    };
    if (!n || n->type != TN_J_STRING)
        return -1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (n->text_len == strlen(names[i].name) && !strncasecmp(n->text, names[i].name, n->text_len)) {
            *out = names[i].level;
            return 0;
        }
    return -1;
}

/* The keywords of Winlogbeat's list of their names (["Audit Failure"]):
 * the standard ones, as Windows writes them (a Security audit event's
 * 0x8010000000000000); 0, or -1 when a name is not one of them (a
 * provider's own keyword's bit is not in the record). */
static int keyword_names(const tn_jnode *n, uint64_t *out)
{
    static const struct { const char *name; uint64_t bits; } names[] = {
        {"Audit Failure", 0x8010000000000000ull}, {"Audit Success", 0x8020000000000000ull},
        {"Classic", 0x0080000000000000ull}, {"Correlation Hint", 0x0040000000000000ull},
        {"SQM", 0x0008000000000000ull}, {"WDI Diag", 0x0004000000000000ull},
        {"WDI Context", 0x0002000000000000ull}, {"Response Time", 0x0001000000000000ull},
    };
    if (!n || n->type != TN_J_ARRAY || !n->kid)
        return -1;
    uint64_t v = 0;
    for (const tn_jnode *k = n->kid; k; k = k->next) {
        size_t i = 0;
        while (i < sizeof(names) / sizeof(names[0]) &&
               !(k->type == TN_J_STRING && k->text_len == strlen(names[i].name) &&
                 !strncasecmp(k->text, names[i].name, k->text_len)))
            i++;
        if (i == sizeof(names) / sizeof(names[0]))
            return -1;
        v |= names[i].bits;
    }
    *out = v;
    return 0;
}

/* Stores n into slot s of ev; returns 0, -1 if n does not convert, or -2
 * for a string holding a NUL character (the event's computer, channel ...
 * are C strings: "nul\u0000host" read as "nul", and so grouped with other
 * hosts in the summary and in correlations). */
static int fill_slot(tn_event *ev, int s, const tn_jnode *n)
{
    uint64_t v = 0;
    int neg;
    const char *str = node_str(n);
    if (str && memchr(str, 0, n->text_len) &&
        (s == S_CHANNEL || s == S_COMPUTER || s == S_PROVIDER || s == S_GUID || s == S_SID))
        return -2;
    switch (s) {
    case S_CHANNEL:  return str ? (ev->channel = str, 0) : -1;
    case S_COMPUTER: return str ? (ev->computer = str, 0) : -1;
    case S_PROVIDER: return str ? (ev->provider = str, 0) : -1;
    case S_GUID:     return str ? (ev->provider_guid = str, 0) : -1;
    case S_SID:      return str ? (ev->user_sid = str, 0) : -1;
    case S_TIME:     return node_time(n, &ev->time);
    case S_RECORD:   return node_uint(n, UINT64_MAX, &ev->record_id);
    case S_KEYWORDS: return node_int(n, &ev->keywords, &neg) == 0 ? 0 : keyword_names(n, &ev->keywords);
    default:
        break;
    }
    static const uint64_t max[] = {
        [S_EVENT_ID] = UINT32_MAX, [S_PID] = UINT32_MAX, [S_TID] = UINT32_MAX,
        [S_LEVEL] = 255, [S_TASK] = 65535, [S_OPCODE] = 255, [S_VERSION] = 255,
        [S_QUALIFIERS] = UINT32_MAX,
    };
    if (node_uint(n, max[s], &v) < 0 && (s != S_LEVEL || level_name(n, &v) < 0))
        return -1;
    switch (s) {
    case S_EVENT_ID:   ev->event_id = (uint32_t)v; break;
    case S_PID:        ev->pid = (uint32_t)v; break;
    case S_TID:        ev->tid = (uint32_t)v; break;
    case S_LEVEL:      ev->level = (uint8_t)v; break;
    case S_TASK:       ev->task = (uint16_t)v; break;
    case S_OPCODE:     ev->opcode = (uint8_t)v; break;
    case S_VERSION:    ev->version = (uint8_t)v; break;
    case S_QUALIFIERS: ev->qualifiers = (uint32_t)v, ev->has_qualifiers = 1; break;
    }
    return 0;
}

/* The TN_EV_* bit of slot s, or -1. */
static int slot_bit(int s)
{
    static const signed char bit[] = {
        [S_EVENT_ID] = TN_EV_EVENTID, [S_CHANNEL] = TN_EV_CHANNEL, [S_COMPUTER] = TN_EV_COMPUTER,
        [S_PROVIDER] = TN_EV_PROVIDER, [S_GUID] = TN_EV_PROVIDER_GUID, [S_TIME] = TN_EV_TIME,
        [S_RECORD] = TN_EV_RECORDID, [S_PID] = TN_EV_PID, [S_TID] = TN_EV_TID,
        [S_SID] = TN_EV_USERID, [S_LEVEL] = TN_EV_LEVEL, [S_TASK] = TN_EV_TASK,
        [S_OPCODE] = TN_EV_OPCODE, [S_VERSION] = TN_EV_VERSION, [S_KEYWORDS] = TN_EV_KEYWORDS,
        [S_QUALIFIERS] = -1,
    };
    return bit[s];
}

/* Stores n into slot s of ev, and records the member as held; returns 0,
 * or -1 if n does not convert (JSON null, a wrong type). */
static int set_slot(tn_jmap *m, tn_event *ev, int s, const tn_jnode *n)
{
    int rc = fill_slot(ev, s, n);
    if (rc == -2 && !m->nul)
        m->nul = n->key_len ? n->key : "a System member";
    if (!rc && s == S_LEVEL)   /* a name ("information"), not a number */
        m->level_name = n->type == TN_J_STRING && n->text_len && (n->text[0] < '0' || n->text[0] > '9');
    if (!rc && slot_bit(s) >= 0)
        ev->present |= TN_EV_BIT(slot_bit(s));
    return rc;
}

/* A table of object keys that fill slots, in priority order per slot: the
 * first key present whose value converts wins and is marked used. */
typedef struct slot_key {
    const char *key;
    uint8_t len;
    uint8_t slot;
} slot_key;
#define SK(key, slot) {key, sizeof(key) - 1, slot}
#define SLOT_KEYS_MAX 64

static unsigned key_bucket(const char *k, uint32_t len)
{
    return (len * 7u + (unsigned char)k[0] + 3u * (unsigned char)k[len - 1]) & 63u;
}

/* One pass over o's members finds the first of each key of t (as
 * tn_json_get would: a search of the object per key was ~35 passes a
 * flat record), and notes in m->dup a key written twice: the event takes
 * the first (JSON leaves duplicates undefined; Python and jq take the
 * last), so a record that writes EventID or Channel twice is said to be
 * odd instead of read one way without a word. */
static void fill_slots(tn_jmap *m, tn_event *ev, tn_jnode *o, const slot_key *t, size_t n)
{
    uint8_t head[64], next[SLOT_KEYS_MAX];
    tn_jnode *first[SLOT_KEYS_MAX] = {0};
    memset(head, 0xFF, sizeof(head));
    for (size_t i = 0; i < n; i++) {
        unsigned b = key_bucket(t[i].key, t[i].len);
        next[i] = head[b];
        head[b] = (uint8_t)i;
    }
    for (tn_jnode *k = o->kid; k; k = k->next) {
        if (!k->key_len || k->key_len > 255)
            continue;
        for (uint8_t i = head[key_bucket(k->key, k->key_len)]; i != 0xFF; i = next[i])
            if (t[i].len == k->key_len && !memcmp(t[i].key, k->key, k->key_len)) {
                if (!first[i])
                    first[i] = k;
                else if (!m->dup)
                    m->dup = k->key;
                break;
            }
    }
    uint32_t filled = 0;
    for (size_t i = 0; i < n; i++) {
        if (filled & 1u << t[i].slot)
            continue;
        tn_jnode *v = first[i];
        if (v && set_slot(m, ev, t[i].slot, v) == 0) {
            v->used = 1;
            filled |= 1u << t[i].slot;
        }
    }
}

/* tn_json_get(o, key), noting in m->dup a later member of the same key
 * (fill_slots, for the System object of evtx_dump's shape). */
static tn_jnode *get_once(tn_jmap *m, const tn_jnode *o, const char *key)
{
    tn_jnode *v = tn_json_get(o, key);
    if (v && !m->dup)
        for (const tn_jnode *k = v->next; k; k = k->next)
            if (k->key_len == v->key_len && !memcmp(k->key, v->key, v->key_len)) {
                m->dup = v->key;
                break;
            }
    return v;
}

/* ---- the three shapes ------------------------------------------------- */

/* Attribute attr of System element name: {"name": {"#attributes": {...}}},
 * or, from evtx_dump --separate-json-attributes, {"name_attributes": {...}}. */
static const tn_jnode *sys_attr(tn_jmap *m, const tn_jnode *sys, const char *name, const char *attr)
{
    const tn_jnode *a = elem_attr(get_once(m, sys, name), attr);
    if (a)
        return a;
    char sep[32];
    snprintf(sep, sizeof(sep), "%s_attributes", name);
    return tn_json_get(get_once(m, sys, sep), attr);
}

static void map_system(tn_jmap *m, tn_event *ev, const tn_jnode *sys)
{
    if (set_slot(m, ev, S_PROVIDER, sys_attr(m, sys, "Provider", "Name")) < 0)
        set_slot(m, ev, S_PROVIDER, sys_attr(m, sys, "Provider", "EventSourceName"));
    set_slot(m, ev, S_GUID, sys_attr(m, sys, "Provider", "Guid"));
    set_slot(m, ev, S_QUALIFIERS, sys_attr(m, sys, "EventID", "Qualifiers"));
    /* an event's time written and not read is said (it was 1601 without a
     * word); a flat record's time-like member may be the application's own */
    const tn_jnode *tn = sys_attr(m, sys, "TimeCreated", "SystemTime"), *tc = get_once(m, sys, "TimeCreated");
    if (set_slot(m, ev, S_TIME, tn) < 0 && set_slot(m, ev, S_TIME, tc) < 0 &&
        ((tn && tn->type != TN_J_NULL) || (tc && tc->type != TN_J_NULL && tc->type != TN_J_OBJECT)))
        m->badtime = tn && tn->type != TN_J_NULL ? tn : tc;
    set_slot(m, ev, S_PID, sys_attr(m, sys, "Execution", "ProcessID"));
    set_slot(m, ev, S_TID, sys_attr(m, sys, "Execution", "ThreadID"));
    set_slot(m, ev, S_SID, sys_attr(m, sys, "Security", "UserID"));
    static const struct { const char *key; uint8_t slot; } plain[] = {
        {"EventID", S_EVENT_ID}, {"EventRecordID", S_RECORD}, {"Channel", S_CHANNEL},
        {"Computer", S_COMPUTER}, {"Version", S_VERSION}, {"Level", S_LEVEL},
        {"Task", S_TASK}, {"Opcode", S_OPCODE}, {"Keywords", S_KEYWORDS},
    };
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        const tn_jnode *v = elem_value(get_once(m, sys, plain[i].key));
        /* an empty <Channel/> or <Computer/> is rendered as null: held,
         * and empty, as the EVTX reader sees it */
        if (set_slot(m, ev, plain[i].slot, v) < 0 && v && v->type == TN_J_NULL &&
            (plain[i].slot == S_CHANNEL || plain[i].slot == S_COMPUTER))
            ev->present |= TN_EV_BIT(slot_bit(plain[i].slot));
    }
}

/* The length of key k without a "_N" suffix that names a repeat of an
 * earlier key of its object (evtx_dump and `tansa dump` write a field
 * held twice as "CommandLine" and "CommandLine_1"), else its length: the
 * evaluator then sees the field held twice, as the EVTX reader gives it.
 * Only the object's first 512 keys are looked at: a hostile object of
 * 100,000 keys "x_1", "x_2" ... made the search quadratic; no real
 * event's data has that many fields. */
static uint32_t repeat_base(const tn_jnode *first, const tn_jnode *k)
{
    uint32_t n = k->key_len, i = n, seen = 0;
    while (i > 0 && k->key[i - 1] >= '0' && k->key[i - 1] <= '9')
        i--;
    if (i == n || i < 2 || k->key[i - 1] != '_')
        return n;
    for (const tn_jnode *e = first; e && e != k && seen < 512; e = e->next, seen++)
        if (e->key_len == i - 1 && !memcmp(e->key, k->key, i - 1))
            return i - 1;
    return n;
}

/* Winlogbeat names unnamed <Data> items param1, param2, ... (its docs);
 * Sigma rules and the other readers call them Data. */
static int winlog_param(const tn_jnode *k)
{
    if (k->key_len < 6 || memcmp(k->key, "param", 5) != 0)
        return 0;
    for (uint32_t i = 5; i < k->key_len; i++)
        if (k->key[i] < '0' || k->key[i] > '9')
            return 0;
    return 1;
}

/* EventData/UserData itself: its own attributes (EventData Name="...")
 * are not data; text directly inside it is unnamed data, "Data".
 * winlog: Winlogbeat's event_data, whose paramN are also read as Data
 * (as named fields too: System 7036 names its items param1, param2). */
static void map_data(tn_jmap *m, const tn_jnode *d, int winlog)
{
    if (d->type == TN_J_NULL)
        return;
    if (d->type != TN_J_OBJECT) {
        flat_leaf(m, "Data", 4, d);
        return;
    }
    for (const tn_jnode *k = d->kid; k; k = k->next) {
        if (is_key(k, "#attributes", 11) || is_attr_key(k))
            continue;
        if (is_key(k, "#text", 5)) {
            flat_leaf(m, "Data", 4, k);
            continue;
        }
        uint32_t n = repeat_base(d->kid, k);
        const char *name = n == k->key_len ? k->key : tn_arena_strndup(m->arena, k->key, n);
        if (!name) {
            m->oom = 1;
            return;
        }
        flat_leaf(m, name, n, k);
        if (winlog && winlog_param(k))
            flat_leaf(m, "Data", 4, k);
    }
}

/* evtx_dump: System into slots; EventData, UserData and any other
 * element (ProcessingErrorData, DebugData) into leaf-named fields; not
 * RenderingInfo (a forwarded event's message texts), which the EVTX
 * reader leaves out too: the same event read from either gives rules
 * the same fields. */
static void map_evtx(tn_jmap *m, tn_event *ev, const tn_jnode *event)
{
    int sys = 0, mapped = 0;
    for (const tn_jnode *k = event->kid; k; k = k->next) {
        if (is_key(k, "System", 6)) {
            /* the first System object (a second was read over it; a null
             * before a real one is no System); a second key is said */
            if (sys++ && !m->dup)
                m->dup = k->key;
            if (k->type == TN_J_OBJECT && !mapped++)
                map_system(m, ev, k);
        } else if (is_key(k, "EventData", 9) || is_key(k, "UserData", 8))
            map_data(m, k, 0);
        else if (!is_key(k, "#attributes", 11) && !is_attr_key(k) && !is_key(k, "RenderingInfo", 13))
            flat_leaf(m, k->key, k->key_len, k);   /* not RenderingInfo: the EVTX reader skips it */
    }
}

static const slot_key winlog_keys[] = {
    SK("event_id", S_EVENT_ID), SK("channel", S_CHANNEL), SK("computer_name", S_COMPUTER),
    SK("provider_name", S_PROVIDER), SK("provider_guid", S_GUID), SK("record_id", S_RECORD),
    SK("version", S_VERSION), SK("opcode", S_OPCODE), SK("task", S_TASK), SK("keywords", S_KEYWORDS),
};
_Static_assert(sizeof(winlog_keys) / sizeof(winlog_keys[0]) < SLOT_KEYS_MAX, "fill_slots' arrays");

/* Winlogbeat: winlog.* into slots, winlog.event_data/user_data as leaf
 * fields, everything else (message, host.name, event.code...) by path. */
static void map_winlog(tn_jmap *m, tn_event *ev, tn_jnode *root, tn_jnode *w)
{
    fill_slots(m, ev, w, winlog_keys, sizeof(winlog_keys) / sizeof(winlog_keys[0]));
    tn_jnode *proc = tn_json_get(w, "process");
    tn_jnode *pid = tn_json_get(proc, "pid");
    tn_jnode *tid = tn_json_get(tn_json_get(proc, "thread"), "id");
    tn_jnode *sid = tn_json_get(tn_json_get(w, "user"), "identifier");
    tn_jnode *ts = get_once(m, root, "@timestamp");
    if (pid && set_slot(m, ev, S_PID, pid) == 0)
        pid->used = 1;
    if (tid && set_slot(m, ev, S_TID, tid) == 0)
        tid->used = 1;
    if (sid && set_slot(m, ev, S_SID, sid) == 0)
        sid->used = 1;
    if (ts && set_slot(m, ev, S_TIME, ts) == 0)
        ts->used = 1;
    /* the level only as a name, in ECS's log.level (kept as a field too) */
    if (!(ev->present & TN_EV_BIT(TN_EV_LEVEL)))
        set_slot(m, ev, S_LEVEL, tn_json_get(tn_json_get(root, "log"), "level"));
    /* each event_data or user_data object, as the evtx_dump shape's
     * EventData (a second one was read by its dotted path) */
    for (tn_jnode *d = w->kid; d; d = d->next)
        if ((is_key(d, "event_data", 10) || is_key(d, "user_data", 9)) && d->type == TN_J_OBJECT) {
            map_data(m, d, 1);
            d->used = 1;
        }
    w->used = 1;
    flat_rest(m, "winlog", w);
    flat_rest(m, "", root);
}

/* NXLog, OTRF and Azure names (Log Analytics' WindowsEvent table:
 * EventRecordId, EventLevel, System*; its Provider in map_flat); PowerShell's Get-WinEvent
 * | ConvertTo-Json (Id, LogName, MachineName, RecordId). Winlogbeat 5 and
 * 6's keys (wlb6_keys) were read with nothing mapped until session 25. */
static const slot_key flat_keys[] = {
    SK("EventID", S_EVENT_ID), SK("Id", S_EVENT_ID),
    SK("Channel", S_CHANNEL), SK("LogName", S_CHANNEL),
    SK("Computer", S_COMPUTER), SK("Hostname", S_COMPUTER), SK("HostName", S_COMPUTER),
    SK("ComputerName", S_COMPUTER), SK("MachineName", S_COMPUTER),
    SK("SourceName", S_PROVIDER), SK("ProviderName", S_PROVIDER), SK("Provider_Name", S_PROVIDER),
    SK("Source", S_PROVIDER),
    SK("ProviderGuid", S_GUID), SK("Provider_Guid", S_GUID),
    /* NXLog's EventTime is local time without a zone: last resort */
    SK("TimeCreated", S_TIME), SK("@timestamp", S_TIME), SK("TimeGenerated", S_TIME),
    SK("EventTime", S_TIME),
    SK("EventRecordID", S_RECORD), SK("RecordNumber", S_RECORD), SK("RecordId", S_RECORD),
    SK("EventRecordId", S_RECORD),
    /* plain ProcessID is EventData in Security events (5156...): not here */
    SK("ExecutionProcessID", S_PID), SK("SystemProcessId", S_PID),
    SK("ExecutionThreadID", S_TID), SK("ThreadID", S_TID), SK("SystemThreadId", S_TID),
    SK("UserID", S_SID), SK("SystemUserId", S_SID),
    SK("Level", S_LEVEL), SK("EventLevel", S_LEVEL),
    SK("Task", S_TASK), SK("OpcodeValue", S_OPCODE), SK("Opcode", S_OPCODE),
    SK("Version", S_VERSION), SK("Keywords", S_KEYWORDS), SK("Qualifiers", S_QUALIFIERS),
};
_Static_assert(sizeof(flat_keys) / sizeof(flat_keys[0]) < SLOT_KEYS_MAX, "fill_slots' arrays");

/* Winlogbeat 5 and 6, read only from a record with both event_id and
 * log_name: elsewhere a plain level, keywords or process_id is anyone's
 * data (an application's "level": "info"), and a rule testing it must
 * still find it. */
static const slot_key wlb6_keys[] = {
    SK("event_id", S_EVENT_ID), SK("log_name", S_CHANNEL), SK("computer_name", S_COMPUTER),
    SK("source_name", S_PROVIDER), SK("record_number", S_RECORD), SK("process_id", S_PID),
    SK("thread_id", S_TID), SK("level", S_LEVEL), SK("keywords", S_KEYWORDS),
};

static int xml_field(void *ctx, const char *name, uint32_t nlen, const char *value,
                     uint32_t vlen, int is_null)
{
    return add_raw(ctx, name, nlen, value, vlen, is_null);
}

/* A top-level string holding a whole Windows event as XML (Azure's
 * SyslogMessage from Sysmon for Linux, NXLog's EventXML): its System
 * wins over the flat keys and its EventData is added to the fields. */
static void embedded_xml(tn_jmap *m, tn_event *ev, const tn_jnode *root)
{
    for (const tn_jnode *k = root->kid; k; k = k->next) {
        if (k->type != TN_J_STRING || k->text_len < 8)
            continue;
        const char *t = k->text;
        while (*t == ' ' || *t == '\t' || *t == '\r' || *t == '\n')
            t++;
        if (strncmp(t, "<Event", 6) != 0)
            continue;
        int rc = tn_xml_event(m->arena, k->text, k->text_len, ev, xml_field, m);
        if (rc == -2)
            m->oom = 1;
        if (rc != -1)
            return;
    }
}

/* ---- cloud audit logs -------------------------------------------------- */

/* Whether n is a string that ends with suffix (or, with exact, is it). */
static int str_is(const tn_jnode *n, const char *suffix, int exact)
{
    size_t k = strlen(suffix);
    return n && n->type == TN_J_STRING && (exact ? n->text_len == k : n->text_len >= k) &&
           !memcmp(n->text + n->text_len - k, suffix, k);
}

/* Whether n is a string one of list (NULL-ended) is. */
static int str_in(const tn_jnode *n, const char *const *list)
{
    for (; *list; list++)
        if (str_is(n, *list, 1))
            return 1;
    return 0;
}

/* The audit logs of cloud services, told by members of their own: the
 * channel names the log (data/logsources.yml maps Sigma's aws, okta, gcp,
 * github and azure log sources to these names), the time is the log's own
 * time member. All members stay fields, by dotted path, as the rules name
 * them (eventSource, actor.alternateId, protoPayload.methodName). Until
 * session 27 no cloud rule could match: they had no log source. */
static void cloud_shape(tn_event *ev, const tn_jnode *root)
{
    static const char *const signin[] = {"SignInLogs", "NonInteractiveUserSignInLogs",
                                         "ServicePrincipalSignInLogs", "ManagedIdentitySignInLogs",
                                         "SigninLogs", "AADNonInteractiveUserSignInLogs",
                                         "AADServicePrincipalSignInLogs", NULL};
    static const char *const risk[] = {"RiskyUsers", "UserRiskEvents", "RiskyServicePrincipals",
                                       "ServicePrincipalRiskEvents", "AADRiskyUsers",
                                       "AADUserRiskEvents", NULL};
    static const char *const activity[] = {"Administrative", "Security", "ServiceHealth", "Alert",
                                           "Recommendation", "Policy", "Autoscale",
                                           "ResourceHealth", NULL};
    const char *chan = NULL;
    int github = 0;
    const tn_jnode *t = NULL, *v, *data = tn_json_get(root, "data");
    const tn_jnode *cat = tn_json_get(root, "category"), *type = tn_json_get(root, "Type");
    if (str_is(tn_json_get(root, "eventSource"), ".amazonaws.com", 0) && tn_json_get(root, "eventVersion")) {
        chan = "AWS CloudTrail";
        t = tn_json_get(root, "eventTime");
    } else if ((v = tn_json_get(root, "eventType")) && v->type == TN_J_STRING &&
               tn_json_get(root, "published") && tn_json_get(root, "actor")) {
        chan = "Okta System Log";
        t = tn_json_get(root, "published");
    } else if (str_is(tn_json_get(tn_json_get(root, "protoPayload"), "@type"), ".cloud.audit.AuditLog", 0)) {
        chan = "GCP Audit Log";
        t = tn_json_get(root, "timestamp");
    } else if (data && str_is(tn_json_get(tn_json_get(data, "protoPayload"), "@type"),
                              ".cloud.audit.AuditLog", 0)) {
        chan = "GCP Audit Log";   /* a Pub/Sub export's message: its data */
        t = tn_json_get(data, "timestamp");
    } else if ((v = tn_json_get(root, "action")) && v->type == TN_J_STRING && memchr(v->text, '.', v->text_len) &&
               tn_json_get(root, "actor") &&
               (tn_json_get(root, "_document_id") ||
                ((tn_json_get(root, "business") || tn_json_get(root, "org")) &&
                 (tn_json_get(root, "@timestamp") || tn_json_get(root, "created_at"))))) {
        /* GitHub's actions are "area.verb" (repo.create); an
         * application's {"action": "login", "actor": ..., "org": ...} is
         * not GitHub's (a review) */
        chan = "GitHub Audit Log";
        github = 1;
        if (!(t = tn_json_get(root, "@timestamp")))
            t = tn_json_get(root, "created_at");
    } else if (str_in(cat, signin) || str_in(type, signin)) {
        chan = "Azure Sign-in Logs";
    } else if (str_is(cat, "AuditLogs", 1) || str_is(type, "AuditLogs", 1)) {
        chan = "Azure Audit Logs";
    } else if (str_in(cat, risk) || str_in(type, risk)) {
        chan = "Azure Risk Detection";
    } else if (str_is(type, "AzureActivity", 1) ||
               (str_in(cat, activity) && tn_json_get(root, "resourceId") && tn_json_get(root, "operationName"))) {
        chan = "Azure Activity Log";
    }
    if (!chan)
        return;
    ev->channel = chan;
    ev->present |= TN_EV_BIT(TN_EV_CHANNEL);
    if (!t && (cat || type))   /* Azure: its diagnostic export's time */
        t = tn_json_get(root, "time");
    uint64_t ms;
    if (t && !(ev->present & TN_EV_BIT(TN_EV_TIME))) {
        /* GitHub's alone are numbers, ms since 1970 (another log's
         * number is no time of its own: a review) */
        if (github && t->type == TN_J_NUMBER && node_uint(t, UINT64_MAX / 10000 - 11644473600000ull, &ms) == 0)
            ev->time = (ms + 11644473600000ull) * 10000;
        else if (node_time(t, &ev->time) < 0)
            return;
        ev->present |= TN_EV_BIT(TN_EV_TIME);
    }
}

static void map_flat(tn_jmap *m, tn_event *ev, tn_jnode *root)
{
    if (tn_json_get(root, "event_id") && tn_json_get(root, "log_name"))
        fill_slots(m, ev, root, wlb6_keys, sizeof(wlb6_keys) / sizeof(wlb6_keys[0]));
    fill_slots(m, ev, root, flat_keys, sizeof(flat_keys) / sizeof(flat_keys[0]));
    /* the level only as a name: NXLog's EventType, Azure's EventLevelName
     * (kept as fields too; Sysmon's own EventType, SetValue..., is no name) */
    if (!(ev->present & TN_EV_BIT(TN_EV_LEVEL)) &&
        set_slot(m, ev, S_LEVEL, tn_json_get(root, "EventType")) < 0)
        set_slot(m, ev, S_LEVEL, tn_json_get(root, "EventLevelName"));
    /* an object of the event's data (Winlogbeat 5 and 6's event_data and
     * user_data, Azure's EventData): its members by their own names, as
     * the other shapes give them (by path, event_data.CommandLine, no
     * rule saw them) */
    int nested = 0;
    for (tn_jnode *d = root->kid; d; d = d->next)
        if (d->type == TN_J_OBJECT && (is_key(d, "event_data", 10) || is_key(d, "user_data", 9) ||
                                       is_key(d, "EventData", 9) || is_key(d, "UserData", 8))) {
            map_data(m, d, d->key[0] == 'e' || d->key[0] == 'u');
            d->used = 1;
            nested = 1;
        }
    /* Azure's Provider is the provider's name only where the data lies in
     * an object of its own: in a flat record it is data (WMI 5859's
     * Provider; taken as the provider, SigmaHQ's "WMI Persistence" filter
     * on it never held) */
    tn_jnode *pv = nested && !(ev->present & TN_EV_BIT(TN_EV_PROVIDER)) ? tn_json_get(root, "Provider") : NULL;
    if (pv && set_slot(m, ev, S_PROVIDER, pv) == 0)
        pv->used = 1;
    if (!(ev->present & TN_EV_BIT(TN_EV_CHANNEL)))
        cloud_shape(ev, root);
    flat_rest(m, "", root);
    embedded_xml(m, ev, root);
}

int tn_jmap_event(tn_jmap *m, tn_jnode *root, tn_event *ev)
{
    if (root->type != TN_J_OBJECT)
        return 1;
    memset(ev, 0, sizeof(*ev));
    ev->provider = ev->provider_guid = ev->channel = ev->computer = ev->user_sid = "";
    ev->present = TN_EV_BIT(TN_EV_KNOWN);
    m->nfields = 0;
    m->oom = 0;
    m->dup = m->nul = NULL;
    m->badtime = NULL;
    m->level_name = 0;
    tn_jnode *event = get_once(m, root, "Event");
    tn_jnode *w = get_once(m, root, "winlog");
    if (event && event->type == TN_J_OBJECT && tn_json_get(event, "System"))
        map_evtx(m, ev, event);
    else if (tn_json_get(root, "System"))
        map_evtx(m, ev, root);
    else if (w && w->type == TN_J_OBJECT)
        map_winlog(m, ev, root, w);
    else
        map_flat(m, ev, root);
    /* "Information" is how Winlogbeat and Event Viewer name level 0
     * (LogAlways), which every Security audit event has, as well as 4 */
    if (m->level_name && ev->level == 4 && !strcmp(ev->channel, "Security"))
        ev->level = 0;
    ev->fields = m->fields;
    ev->nfields = m->nfields;
    return m->oom ? -1 : 0;
}

void tn_jmap_free(tn_jmap *m)
{
    tn_free(m->fields);
    m->fields = NULL;
    m->nfields = m->cap = 0;
}
