/* binxml_value.c - text and integer forms of BinXML typed values, in the
 * notation evtx_dump uses (so JSON and XML match the reference output). */
#include "binxml.h"
#include "read/event.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static const char HEXU[] = "0123456789ABCDEF";

/* UTF-16 string without its trailing NULs. */
static void utf16_text(const uint8_t *d, uint32_t size, tn_buf *out)
{
    uint32_t n = size / 2;
    while (n && d[2 * n - 2] == 0 && d[2 * n - 1] == 0)
        n--;
    tn_buf_utf16(out, d, n);
}

/* As Windows writes a GUID (StringFromGUID2; the event's XML, Event
 * Viewer, Winlogbeat, libevtx and python-evtx alike): in braces, upper
 * case. Until session 25 without the braces, as evtx_dump's JSON has it;
 * SigmaHQ's rules write them (4719's SubcategoryGuid: '{0CCE9215-...}'),
 * and "Important Windows Event Auditing Disabled" could never fire. */
static void guid_text(const uint8_t *d, tn_buf *out)
{
    /* byte order of the text: Data1 (LE u32), Data2, Data3 (LE u16), then
     * the last 8 bytes as they are; written without a loop, as GUIDs are
     * in every record's System part (ActivityID, provider Guid) */
    static const uint8_t order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    static const uint8_t at[16] = {1, 3, 5, 7, 10, 12, 15, 17, 20, 22, 25, 27, 29, 31, 33, 35};
    char s[38];
    s[0] = '{';
    s[37] = '}';
    s[9] = s[14] = s[19] = s[24] = '-';
    for (size_t i = 0; i < 16; i++) {
        uint8_t b = d[order[i]];
        s[at[i]] = HEXU[b >> 4];
        s[at[i] + 1] = HEXU[b & 15];
    }
    tn_buf_put(out, s, sizeof(s));
}

/* SID: revision, sub-authority count, 6-byte big-endian authority, then
 * 32-bit little-endian sub-authorities. */
static int sid_text(const uint8_t *d, uint32_t size, tn_buf *out)
{
    if (size < 8)
        return -1;
    uint32_t n = d[1];
    if (size < 8 + 4 * n)
        return -1;
    uint64_t auth = 0;
    for (int i = 2; i < 8; i++)
        auth = auth << 8 | d[i];
    tn_buf_put(out, "S-", 2);
    tn_buf_u64(out, d[0]);
    tn_buf_putc(out, '-');
    tn_buf_u64(out, auth);
    for (uint32_t i = 0; i < n; i++) {
        tn_buf_putc(out, '-');
        tn_buf_u64(out, rd32(d + 8 + 4 * i));
    }
    return 0;
}

static void systime_text(const uint8_t *d, tn_buf *out)
{
    /* year, month, day-of-week, day, hour, minute, second, milliseconds */
    tn_buf_printf(out, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", rd16(d), rd16(d + 2), rd16(d + 6),
                  rd16(d + 8), rd16(d + 10), rd16(d + 12), rd16(d + 14));
}

static void real_text(double v, tn_buf *out, int digits)
{
    char s[40];
    snprintf(s, sizeof(s), "%.*g", digits, v);
    tn_buf_puts(out, s);
}

/* One scalar of type t (no array flag) from d. size is its exact size. */
static int scalar_text(uint8_t t, const uint8_t *d, uint32_t size, tn_buf *out)
{
    uint32_t fs = 0;
    switch (t) {
    case BX_T_NULL: return 0;
    case BX_T_STRING: utf16_text(d, size, out); return 0;
    case BX_T_ANSI: {
        uint32_t n = size;
        while (n && d[n - 1] == 0)
            n--;
        tn_buf_put(out, d, n);
        return 0;
    }
    case BX_T_BINARY:
        if (tn_buf_reserve(out, 2 * size))
            return 0;
        for (uint32_t i = 0; i < size; i++) {
            out->data[out->len++] = HEXU[d[i] >> 4];
            out->data[out->len++] = HEXU[d[i] & 15];
        }
        out->data[out->len] = '\0';
        return 0;
    case BX_T_SID: return sid_text(d, size, out);
    case BX_T_SIZET:
        if (size != 4 && size != 8)
            return -1;
        tn_buf_put(out, "0x", 2);
        tn_buf_hex(out, size == 4 ? rd32(d) : rd64(d), size == 4 ? 8 : 16, 0);
        return 0;
    case BX_T_EVTHANDLE: case BX_T_EVTXML: case BX_T_BINXML: return -1;
    default: break;
    }
    switch (t) {
    case BX_T_INT8: case BX_T_UINT8: fs = 1; break;
    case BX_T_INT16: case BX_T_UINT16: fs = 2; break;
    case BX_T_INT32: case BX_T_UINT32: case BX_T_REAL32: case BX_T_BOOL: case BX_T_HEX32: fs = 4; break;
    case BX_T_INT64: case BX_T_UINT64: case BX_T_REAL64: case BX_T_FILETIME: case BX_T_HEX64: fs = 8; break;
    case BX_T_GUID: case BX_T_SYSTIME: fs = 16; break;
    default: return -1;
    }
    if (size < fs)
        return -1;
    switch (t) {
    case BX_T_INT8: tn_buf_i64(out, (int8_t)d[0]); break;
    case BX_T_UINT8: tn_buf_u64(out, d[0]); break;
    case BX_T_INT16: tn_buf_i64(out, (int16_t)rd16(d)); break;
    case BX_T_UINT16: tn_buf_u64(out, rd16(d)); break;
    case BX_T_INT32: tn_buf_i64(out, (int32_t)rd32(d)); break;
    case BX_T_UINT32: tn_buf_u64(out, rd32(d)); break;
    case BX_T_INT64: tn_buf_i64(out, (int64_t)rd64(d)); break;
    case BX_T_UINT64: tn_buf_u64(out, rd64(d)); break;
    case BX_T_REAL32: { float f; memcpy(&f, d, 4); real_text(f, out, 9); break; }
    case BX_T_REAL64: { double f; memcpy(&f, d, 8); real_text(f, out, 17); break; }
    case BX_T_BOOL: tn_buf_puts(out, rd32(d) ? "true" : "false"); break;
    case BX_T_HEX32: tn_buf_put(out, "0x", 2); tn_buf_hex(out, rd32(d), 1, 0); break;
    case BX_T_HEX64: tn_buf_put(out, "0x", 2); tn_buf_hex(out, rd64(d), 1, 0); break;
    case BX_T_GUID: guid_text(d, out); break;
    case BX_T_FILETIME: {
        char s[32];
        tn_buf_put(out, s, tn_filetime_format(rd64(d), s));
        break;
    }
    case BX_T_SYSTIME: systime_text(d, out); break;
    }
    return 0;
}

uint32_t bx_scalar_size(uint8_t t)
{
    switch (t) {
    case BX_T_INT8: case BX_T_UINT8: return 1;
    case BX_T_INT16: case BX_T_UINT16: return 2;
    case BX_T_INT32: case BX_T_UINT32: case BX_T_REAL32: case BX_T_BOOL: case BX_T_HEX32: return 4;
    case BX_T_INT64: case BX_T_UINT64: case BX_T_REAL64: case BX_T_FILETIME: case BX_T_HEX64: return 8;
    case BX_T_GUID: case BX_T_SYSTIME: return 16;
    default: return 0;
    }
}

int bx_array_next(uint8_t type, const uint8_t *d, uint32_t size, uint32_t *pos,
                  const uint8_t **elem, uint32_t *elen)
{
    uint8_t t = type & 0x7f;
    if (*pos >= size)
        return 0;
    if (t == BX_T_STRING) { /* NUL-terminated UTF-16 strings back to back */
        uint32_t i = *pos;
        while (i + 1 < size && (d[i] || d[i + 1]))
            i += 2;
        *elem = d + *pos;
        *elen = i - *pos;
        *pos = i + 2 > size ? size : i + 2;
        return 1;
    }
    if (t == BX_T_ANSI) {
        uint32_t i = *pos;
        while (i < size && d[i])
            i++;
        *elem = d + *pos;
        *elen = i - *pos;
        *pos = i + 1;
        return 1;
    }
    uint32_t fs = t == BX_T_SIZET ? 8 : t == BX_T_SID ? 0 : bx_scalar_size(t);
    if (t == BX_T_SID) {
        if (size - *pos < 8)
            return 0;
        fs = 8 + 4u * d[*pos + 1];
    }
    if (!fs || size - *pos < fs)
        return 0;
    *elem = d + *pos;
    *elen = fs;
    *pos += fs;
    return 1;
}

int bx_value_text(uint8_t type, const uint8_t *data, uint32_t size, tn_buf *out)
{
    if (!(type & BX_T_ARRAY))
        return scalar_text(type, data, size, out);
    /* Arrays as text: elements joined by commas, as evtx_dump's XML does. */
    uint32_t pos = 0, elen;
    const uint8_t *e;
    int first = 1;
    while (bx_array_next(type, data, size, &pos, &e, &elen)) {
        if (!first)
            tn_buf_putc(out, ',');
        first = 0;
        if (scalar_text(type & 0x7f, e, elen, out))
            return -1;
    }
    return 0;
}

int bx_value_u64(uint8_t type, const uint8_t *d, uint32_t size, uint64_t *out)
{
    switch (type) {
    case BX_T_INT8: case BX_T_UINT8:
        if (size < 1)
            return -1;
        *out = d[0];
        return 0;
    case BX_T_INT16: case BX_T_UINT16:
        if (size < 2)
            return -1;
        *out = rd16(d);
        return 0;
    case BX_T_INT32: case BX_T_UINT32: case BX_T_BOOL: case BX_T_HEX32:
        if (size < 4)
            return -1;
        *out = rd32(d);
        return 0;
    case BX_T_INT64: case BX_T_UINT64: case BX_T_HEX64: case BX_T_FILETIME:
        if (size < 8)
            return -1;
        *out = rd64(d);
        return 0;
    case BX_T_SIZET:
        if (size == 4) { *out = rd32(d); return 0; }
        if (size == 8) { *out = rd64(d); return 0; }
        return -1;
    case BX_T_STRING: {
        uint64_t v = 0;
        uint32_t n = size / 2, i = 0;
        while (n && rd16(d + 2 * (n - 1)) == 0)
            n--;
        if (!n)
            return -1;
        int hex = n > 2 && rd16(d) == '0' && (rd16(d + 2) | 0x20) == 'x';
        for (i = hex ? 2 : 0; i < n; i++) {
            uint16_t c = rd16(d + 2 * i);
            unsigned dv;
            if (c >= '0' && c <= '9') dv = c - '0';
            else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f') dv = (c | 0x20) - 'a' + 10;
            else return -1;
            v = v * (hex ? 16 : 10) + dv;
        }
        *out = v;
        return 0;
    }
    default: return -1;
    }
}
