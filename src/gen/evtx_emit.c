/* evtx_emit.c - BinXML emission: names, template definitions, substitution values.
 *
 * Layout follows what Windows writes (see libyal's EVTX format notes):
 * a name is stored once per chunk, inline where first used, and linked
 * into the chunk's 64-bucket string table by its 65599 hash; a template
 * definition is stored inline in the first record of the chunk that uses
 * it and linked into the 32-bucket template table by the same hash of its
 * GUID read as eight UTF-16 units. System values use optional
 * substitutions at the indices Windows uses (0 Level ... 12 UserID);
 * event fields follow from index 13 as normal substitutions. */
#include "gen/evtx_emit.h"
#include "gen/evtx_write.h"

#include <stdlib.h>
#include <string.h>

enum { S_LEVEL, S_OPCODE, S_TASK, S_EVENTID, S_QUAL, S_KEYWORDS, S_TIME, S_ACTIVITY,
       S_PID, S_TID, S_RECID, S_VERSION, S_USERID, S_FIRST_FIELD };

void tn_emit_bytes(tn_emit *m, const void *p, uint32_t n)
{
    if (m->full || m->pos + n > TN_EVTX_RECORDS_END) {
        m->full = 1;
        return;
    }
    memcpy(m->c + m->pos, p, n);
    m->pos += n;
}

void tn_emit_u8(tn_emit *m, uint8_t v) { tn_emit_bytes(m, &v, 1); }
void tn_emit_u16(tn_emit *m, uint16_t v) { uint8_t b[2]; tn_wr16(b, v); tn_emit_bytes(m, b, 2); }
void tn_emit_u32(tn_emit *m, uint32_t v) { uint8_t b[4]; tn_wr32(b, v); tn_emit_bytes(m, b, 4); }
void tn_emit_u64(tn_emit *m, uint64_t v) { uint8_t b[8]; tn_wr64(b, v); tn_emit_bytes(m, b, 8); }

/* Decodes one UTF-8 sequence; bad bytes become U+FFFD. */
static uint32_t utf8_next(const unsigned char **sp)
{
    const unsigned char *s = *sp;
    uint32_t c = *s++;
    int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    if (c >= 0x80 && c < 0xc0) {
        *sp = s;
        return 0xfffd;
    }
    c &= more == 3 ? 0x07 : more == 2 ? 0x0f : more == 1 ? 0x1f : 0x7f;
    for (; more > 0; more--, s++) {
        if ((*s & 0xc0) != 0x80) {
            *sp = s;
            return 0xfffd;
        }
        c = c << 6 | (*s & 0x3f);
    }
    *sp = s;
    return c;
}

uint32_t tn_utf8_to_utf16(const char *str, uint8_t *out)
{
    const unsigned char *s = (const unsigned char *)str;
    uint32_t n = 0;
    while (*s) {
        uint32_t c = *s < 0x80 ? *s++ : utf8_next(&s);
        if (c >= 0x10000) {
            c -= 0x10000;
            if (out) {
                tn_wr16(out + 2 * n, (uint16_t)(0xd800 | c >> 10));
                tn_wr16(out + 2 * n + 2, (uint16_t)(0xdc00 | (c & 0x3ff)));
            }
            n += 2;
            continue;
        }
        if (out)
            tn_wr16(out + 2 * n, (uint16_t)c);
        n++;
    }
    return n;
}

/* Emits a UTF-8 string as UTF-16 units (no count, no NUL). */
static void emit_utf16(tn_emit *m, const char *s, uint32_t units)
{
    if (m->full || m->pos + 2 * units > TN_EVTX_RECORDS_END) {
        m->full = 1;
        return;
    }
    tn_utf8_to_utf16(s, m->c + m->pos);
    m->pos += 2 * units;
}

uint32_t tn_evtx_name_hash(const char *s)
{
    uint32_t h = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = h * 65599u + *p;
    return h;
}

/* Does the name stored at chunk offset off spell s (ASCII)? */
static int name_eq(const uint8_t *c, uint32_t off, const char *s, size_t len)
{
    if (tn_rd16(c + off + 6) != len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (tn_rd16(c + off + 8 + 2 * i) != (unsigned char)s[i])
            return 0;
    return 1;
}

/* Emits a name offset: to the chunk's copy if there is one, else to a
 * new copy written right after the offset and linked into the table. */
static void emit_name(tn_emit *m, const char *name)
{
    uint32_t h = tn_evtx_name_hash(name), len = (uint32_t)strlen(name);
    uint8_t *bucket = m->c + 128 + 4 * (h % 64);
    for (uint32_t off = tn_rd32(bucket); off; off = tn_rd32(m->c + off))
        if (tn_rd16(m->c + off + 4) == (uint16_t)h && name_eq(m->c, off, name, len)) {
            tn_emit_u32(m, off);
            return;
        }
    uint32_t here = m->pos + 4;
    tn_emit_u32(m, here);
    tn_emit_u32(m, tn_rd32(bucket));
    tn_emit_u16(m, (uint16_t)h);
    tn_emit_u16(m, (uint16_t)len);
    emit_utf16(m, name, len);
    tn_emit_u16(m, 0);
    if (!m->full)
        tn_wr32(bucket, here);
}

/* Opens an element; returns where its size goes (patched by close_el). */
static uint32_t open_el(tn_emit *m, const char *name, int has_attrs)
{
    tn_emit_u8(m, has_attrs ? 0x41 : 0x01);
    tn_emit_u16(m, 0xffff);
    uint32_t at = m->pos;
    tn_emit_u32(m, 0);
    emit_name(m, name);
    return at;
}

static void patch_size(tn_emit *m, uint32_t at)
{
    if (!m->full)
        tn_wr32(m->c + at, m->pos - (at + 4));
}

/* Ends an element: token 0x03 (empty) or 0x04 (end tag), then its size. */
static void close_el(tn_emit *m, uint32_t at, uint8_t token)
{
    tn_emit_u8(m, token);
    patch_size(m, at);
}

static void emit_text(tn_emit *m, const char *s)
{
    uint32_t n = tn_utf8_to_utf16(s, NULL);
    tn_emit_u8(m, 0x05);
    tn_emit_u8(m, TN_VT_STR);
    tn_emit_u16(m, (uint16_t)n);
    emit_utf16(m, s, n);
}

static void emit_sub(tn_emit *m, int optional, uint16_t idx, uint8_t type)
{
    tn_emit_u8(m, optional ? 0x0e : 0x0d);
    tn_emit_u16(m, idx);
    tn_emit_u8(m, type);
}

static void attr_text(tn_emit *m, const char *name, const char *value, int more)
{
    tn_emit_u8(m, more ? 0x46 : 0x06);
    emit_name(m, name);
    emit_text(m, value);
}

static void attr_sub(tn_emit *m, const char *name, uint16_t idx, uint8_t type, int more)
{
    tn_emit_u8(m, more ? 0x46 : 0x06);
    emit_name(m, name);
    emit_sub(m, 1, idx, type);
}

/* <name>%idx%</name> */
static void el_sub(tn_emit *m, const char *name, uint16_t idx, uint8_t type, int optional)
{
    uint32_t at = open_el(m, name, 0);
    tn_emit_u8(m, 0x02);
    emit_sub(m, optional, idx, type);
    close_el(m, at, 0x04);
}

static void el_text(tn_emit *m, const char *name, const char *text)
{
    uint32_t at = open_el(m, name, 0);
    tn_emit_u8(m, 0x02);
    emit_text(m, text);
    close_el(m, at, 0x04);
}

static void emit_provider(tn_emit *m, const tn_gen_schema *sc)
{
    uint32_t at = open_el(m, "Provider", 1), al = m->pos;
    tn_emit_u32(m, 0);
    attr_text(m, "Name", sc->provider, sc->provider_guid || sc->source_name);
    if (sc->provider_guid)
        attr_text(m, "Guid", sc->provider_guid, sc->source_name != NULL);
    if (sc->source_name)
        attr_text(m, "EventSourceName", sc->source_name, 0);
    patch_size(m, al);
    close_el(m, at, 0x03);
}

static void emit_event_id(tn_emit *m, const tn_gen_schema *sc)
{
    if (sc->qualifiers < 0) {
        el_sub(m, "EventID", S_EVENTID, TN_VT_U16, 1);
        return;
    }
    char q[16];
    uint32_t at = open_el(m, "EventID", 1), al = m->pos, n = 0, v = (uint32_t)sc->qualifiers;
    char tmp[16];
    do tmp[n++] = (char)('0' + v % 10); while ((v /= 10) && n < 15);
    for (uint32_t i = 0; i < n; i++)
        q[i] = tmp[n - 1 - i];
    q[n] = '\0';
    tn_emit_u32(m, 0);
    attr_text(m, "Qualifiers", q, 0);
    patch_size(m, al);
    tn_emit_u8(m, 0x02);
    emit_sub(m, 1, S_EVENTID, TN_VT_U16);
    close_el(m, at, 0x04);
}

/* An element whose only content is a list of attribute substitutions. */
static void el_attr_subs(tn_emit *m, const char *name, int n, const char *const *names,
                         const uint16_t *idx, const uint8_t *types)
{
    uint32_t at = open_el(m, name, 1), al = m->pos;
    tn_emit_u32(m, 0);
    for (int i = 0; i < n; i++)
        attr_sub(m, names[i], idx[i], types[i], i + 1 < n);
    patch_size(m, al);
    close_el(m, at, 0x03);
}

static void emit_system(tn_emit *m, const tn_gen_schema *sc, const char *computer)
{
    static const char *const tc[] = {"SystemTime"}, *const ex[] = {"ProcessID", "ThreadID"},
                             *const se[] = {"UserID"};
    static const uint16_t tci[] = {S_TIME}, exi[] = {S_PID, S_TID}, sei[] = {S_USERID};
    static const uint8_t tct[] = {TN_VT_FILETIME}, ext[] = {TN_VT_U32, TN_VT_U32},
                         set[] = {TN_VT_SID};
    uint32_t at = open_el(m, "System", 0);
    tn_emit_u8(m, 0x02);
    emit_provider(m, sc);
    emit_event_id(m, sc);
    el_sub(m, "Version", S_VERSION, TN_VT_U8, 1);
    el_sub(m, "Level", S_LEVEL, TN_VT_U8, 1);
    el_sub(m, "Task", S_TASK, TN_VT_U16, 1);
    el_sub(m, "Opcode", S_OPCODE, TN_VT_U8, 1);
    el_sub(m, "Keywords", S_KEYWORDS, TN_VT_HEX64, 1);
    el_attr_subs(m, "TimeCreated", 1, tc, tci, tct);
    el_sub(m, "EventRecordID", S_RECID, TN_VT_U64, 1);
    close_el(m, open_el(m, "Correlation", 0), 0x03);
    el_attr_subs(m, "Execution", 2, ex, exi, ext);
    el_text(m, "Channel", tn_channel_names[sc->channel]);
    el_text(m, "Computer", computer);
    el_attr_subs(m, "Security", 1, se, sei, set);
    close_el(m, at, 0x04);
}

static void emit_eventdata(tn_emit *m, const tn_gen_schema *sc)
{
    uint32_t at = open_el(m, "EventData", 0);
    tn_emit_u8(m, 0x02);
    for (int i = 0; i < sc->nfields; i++) {
        uint32_t d = open_el(m, "Data", 1), al = m->pos;
        tn_emit_u32(m, 0);
        attr_text(m, "Name", sc->names[i], 0);
        patch_size(m, al);
        tn_emit_u8(m, 0x02);
        emit_sub(m, 0, (uint16_t)(S_FIRST_FIELD + i), sc->types[i]);
        close_el(m, d, 0x04);
    }
    close_el(m, at, 0x04);
}

static void emit_userdata(tn_emit *m, const tn_gen_schema *sc)
{
    uint32_t at = open_el(m, "UserData", 0);
    tn_emit_u8(m, 0x02);
    uint32_t w = open_el(m, sc->userdata, 1), al = m->pos;
    tn_emit_u32(m, 0);
    attr_text(m, "xmlns", sc->userdata_ns, 0);
    patch_size(m, al);
    tn_emit_u8(m, 0x02);
    for (int i = 0; i < sc->nfields; i++)
        el_sub(m, sc->names[i], (uint16_t)(S_FIRST_FIELD + i), sc->types[i], 0);
    close_el(m, w, 0x04);
    close_el(m, at, 0x04);
}

void tn_emit_guid_of(const tn_gen_schema *sc, uint64_t comp_hash, uint8_t guid[16])
{
    uint64_t x = comp_hash ^ tn_evtx_name_hash(sc->key) * 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 2; i++) {
        x += 0x9E3779B97F4A7C15ull;
        uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        tn_wr64(guid + 8 * i, z ^ (z >> 31));
    }
}

static uint32_t guid_bucket(const uint8_t guid[16])
{
    uint32_t h = 0;
    for (int i = 0; i < 8; i++)
        h = h * 65599u + tn_rd16(guid + 2 * i);
    return h % 32;
}

uint32_t tn_emit_find_template(const uint8_t *c, const uint8_t guid[16])
{
    for (uint32_t off = tn_rd32(c + 384 + 4 * guid_bucket(guid)); off; off = tn_rd32(c + off))
        if (!memcmp(c + off + 4, guid, 16))
            return off;
    return 0;
}

void tn_emit_template(tn_emit *m, const tn_gen_schema *sc, const uint8_t guid[16],
                      const char *computer)
{
    uint8_t *bucket = m->c + 384 + 4 * guid_bucket(guid);
    uint32_t def = m->pos;
    tn_emit_u32(m, tn_rd32(bucket));
    tn_emit_bytes(m, guid, 16);
    uint32_t size_at = m->pos;
    tn_emit_u32(m, 0);
    static const uint8_t frag[] = {0x0f, 0x01, 0x01, 0x00};
    tn_emit_bytes(m, frag, 4);
    uint32_t ev = open_el(m, "Event", 1), al = m->pos;
    tn_emit_u32(m, 0);
    attr_text(m, "xmlns", "http://schemas.microsoft.com/win/2004/08/events/event", 0);
    patch_size(m, al);
    tn_emit_u8(m, 0x02);
    emit_system(m, sc, computer);
    if (sc->userdata)
        emit_userdata(m, sc);
    else
        emit_eventdata(m, sc);
    close_el(m, ev, 0x04);
    tn_emit_u8(m, 0x00);
    patch_size(m, size_at);
    if (!m->full)
        tn_wr32(bucket, def);
}
