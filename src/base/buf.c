/* buf.c - growable buffer and the escaping used by every renderer. */
#include "buf.h"
#include "base/utf8.h"

#include "alloc.h"

#include <string.h>

void tn_buf_init(tn_buf *b) { memset(b, 0, sizeof(*b)); }

void tn_buf_free(tn_buf *b)
{
    tn_free(b->data);
    memset(b, 0, sizeof(*b));
}

int tn_buf_grow(tn_buf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *d = tn_realloc(b->data, cap);
    if (!d) {
        b->oom = 1;
        return -1;
    }
    b->data = d;
    b->cap = cap;
    return 0;
}

void tn_buf_puts(tn_buf *b, const char *s) { tn_buf_put(b, s, strlen(s)); }

void tn_buf_hex(tn_buf *b, uint64_t v, int width, int upper)
{
    const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[16];
    int i = 16;
    do {
        tmp[--i] = dig[v & 15];
        v >>= 4;
    } while (v);
    while (16 - i < width && i > 0)
        tmp[--i] = '0';
    tn_buf_put(b, tmp + i, (size_t)(16 - i));
}

void tn_buf_vprintf(tn_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || tn_buf_reserve(b, (size_t)n))
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void tn_buf_printf(tn_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tn_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* Two digits per division: integers are most of the values dump writes. */
static const char digit_pairs[201] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

void tn_buf_u64(tn_buf *b, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        i -= 2;
        memcpy(tmp + i, digit_pairs + 2 * r, 2);
    }
    if (v >= 10) {
        i -= 2;
        memcpy(tmp + i, digit_pairs + 2 * v, 2);
    } else {
        tmp[--i] = (char)('0' + v);
    }
    tn_buf_put(b, tmp + i, sizeof(tmp) - i);
}

void tn_buf_i64(tn_buf *b, int64_t v)
{
    if (v < 0) {
        tn_buf_putc(b, '-');
        tn_buf_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        tn_buf_u64(b, (uint64_t)v);
    }
}

static const char hexd[] = "0123456789abcdef";

/* JSON: escape ", \, and control characters; valid UTF-8 is copied, and
 * each byte that is not valid UTF-8 becomes U+FFFD (JSON is UTF-8: file
 * names and some logs can hold any byte). */
/* 1 for bytes JSON needs escaped: control characters, quote, backslash;
 * 2 for bytes that start or continue a UTF-8 sequence, checked */
#define X2 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2
static const unsigned char json_esc[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    X2, X2, X2, X2, X2, X2, X2, X2,
};
#undef X2

void tn_buf_json_raw(tn_buf *b, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && !json_esc[(unsigned char)s[i]])
        i++;
    tn_buf_put(b, s, i); /* the common case: nothing to escape */
    if (i == n)
        return;
    size_t start = i;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!json_esc[c])
            continue;
        if (json_esc[c] == 2) {
            size_t len = tn_utf8_len((const unsigned char *)s + i, n - i);
            if (len) {
                i += len - 1;
                continue;
            }
            tn_buf_put(b, s + start, i - start);
            tn_buf_put(b, "\xEF\xBF\xBD", 3);
            start = i + 1;
            continue;
        }
        tn_buf_put(b, s + start, i - start);
        char e[7] = {'\\', 0};
        size_t el = 2;
        switch (c) {
        case '"': e[1] = '"'; break;
        case '\\': e[1] = '\\'; break;
        case '\n': e[1] = 'n'; break;
        case '\r': e[1] = 'r'; break;
        case '\t': e[1] = 't'; break;
        case '\b': e[1] = 'b'; break;
        case '\f': e[1] = 'f'; break;
        default:
            e[1] = 'u'; e[2] = '0'; e[3] = '0';
            e[4] = hexd[c >> 4]; e[5] = hexd[c & 15];
            el = 6;
        }
        tn_buf_put(b, e, el);
        start = i + 1;
    }
    tn_buf_put(b, s + start, n - start);
}

void tn_buf_safe(tn_buf *b, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        unsigned c = u[i];
        size_t n = c < 0x80 ? (c >= 0x20 && c != 0x7F) : tn_utf8_len(u + i, len - i);
        if (n > 1 && (c == 0xD8 || c == 0xE2) && tn_is_bidi_control(tn_utf8_cp(u + i, n))) {
            /* shown, not obeyed: \u202E (session 25; a review found the
             * table and CSV passed them through) */
            tn_buf_printf(b, "\\u%04X", tn_utf8_cp(u + i, n));
            i += n;
            continue;
        }
        if (n && !(c == 0xC2 && u[i + 1] <= 0x9F)) {
            tn_buf_put(b, s + i, n);
            i += n;
            continue;
        }
        if (n)   /* a C1 control: its code, not its lead byte */
            c = u[i + 1];
        i += n ? n : 1;
        char hex[4] = {'\\', 'x', hexd[c >> 4], hexd[c & 15]};
        tn_buf_put(b, hex, 4);
    }
}

void tn_buf_csv(tn_buf *b, const char *s, size_t n)
{
    tn_buf_putc(b, '"');
    if (n && (*s == '=' || *s == '+' || *s == '-' || *s == '@'))
        tn_buf_putc(b, '\'');
    size_t at = b->len;
    tn_buf_safe(b, s, n);
    if (!tn_buf_ok(b))
        return;
    size_t q = 0;
    for (size_t i = at; i < b->len; i++)
        q += b->data[i] == '"';
    if (q && !tn_buf_reserve(b, q)) {   /* double the quotes, from the end */
        char *d = b->data;
        size_t r = b->len, w = b->len + q;
        b->len = w;
        d[w] = '\0';
        while (r > at) {
            char c = d[--r];
            d[--w] = c;
            if (c == '"')
                d[--w] = '"';
        }
    }
    tn_buf_putc(b, '"');
}

void tn_buf_json_str(tn_buf *b, const char *s, size_t n)
{
    tn_buf_putc(b, '"');
    tn_buf_json_raw(b, s, n);
    tn_buf_putc(b, '"');
}

void tn_buf_xml_text(tn_buf *b, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *e = NULL;
        switch (s[i]) {
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '&': e = "&amp;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&apos;"; break;
        default: continue;
        }
        tn_buf_put(b, s + start, i - start);
        tn_buf_puts(b, e);
        start = i + 1;
    }
    tn_buf_put(b, s + start, n - start);
}

enum { ESC_NONE, ESC_JSON, ESC_XML };

#if defined(__SSE2__)
#include <emmintrin.h>
/* Bit mask (two bits per unit) of the 8 units in v that are not plain
 * ASCII needing no escape for esc. */
static inline unsigned block_bad(__m128i v, int esc)
{
    const __m128i lo_limit = _mm_set1_epi16(0x20), hi_limit = _mm_set1_epi16(0x7f);
    /* every unit in [0x20, 0x7f): signed compare is fine in that range */
    __m128i bad = _mm_or_si128(_mm_cmplt_epi16(v, lo_limit), _mm_cmpgt_epi16(v, hi_limit));
    bad = _mm_or_si128(bad, _mm_cmplt_epi16(v, _mm_setzero_si128()));
    if (esc == ESC_JSON) /* quote and backslash */
        bad = _mm_or_si128(bad, _mm_or_si128(_mm_cmpeq_epi16(v, _mm_set1_epi16('"')),
                                             _mm_cmpeq_epi16(v, _mm_set1_epi16('\\'))));
    else if (esc == ESC_XML) /* < > & " ' */
        bad = _mm_or_si128(
            bad, _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi16(v, _mm_set1_epi16('<')),
                                           _mm_cmpeq_epi16(v, _mm_set1_epi16('>'))),
                              _mm_or_si128(_mm_cmpeq_epi16(v, _mm_set1_epi16('&')),
                                           _mm_or_si128(_mm_cmpeq_epi16(v, _mm_set1_epi16('"')),
                                                        _mm_cmpeq_epi16(v, _mm_set1_epi16('\''))))));
    return (unsigned)_mm_movemask_epi8(bad);
}

/* Copy plain units from u to o, 8 at a time, up to the first unit that
 * needs care or until fewer than 8 are left; returns how many it copied.
 * It stores 8 bytes per step whatever it keeps (the caller reserves 8
 * bytes of slack). Plain ASCII is the bulk of every log and this is the
 * hot path of dump: it resumes after each escaped character (Windows
 * paths are full of backslashes), which took a third of dump's UTF-16
 * instructions off when it stopped at the first one (callgrind). */
static inline size_t ascii_run(const uint8_t *u, size_t n, char *o, int esc)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i v = _mm_loadu_si128((const __m128i *)(u + 2 * i));
        unsigned bad = block_bad(v, esc);
        _mm_storel_epi64((__m128i *)(o + i), _mm_packus_epi16(v, v));
        if (bad)
            return i + (size_t)__builtin_ctz(bad) / 2;
    }
    return i;
}

/* The last 1..7 units [i, n) of a string of 8 or more, from the block of
 * its last 8 units when they are all plain. Returns 1 if it wrote them. */
static inline int ascii_tail(const uint8_t *u, size_t n, size_t i, char **o, int esc)
{
    size_t j = i - (n - 8); /* units of the block already written */
    __m128i v = _mm_loadu_si128((const __m128i *)(u + 2 * (n - 8)));
    if (block_bad(v, esc) >> (2 * j))
        return 0;
    uint64_t x;
    _mm_storel_epi64((__m128i *)&x, _mm_packus_epi16(v, v));
    x >>= 8 * j; /* little-endian: the first j bytes drop out */
    memcpy(*o, &x, 8);
    *o += 8 - j;
    return 1;
}

/* A whole string of 1..7 units when all are plain: through a zeroed
 * 16-byte copy, since reading past the string is not allowed. Short
 * values ("-", "SYSTEM", "0x0") are half of all strings, and went a
 * unit at a time (callgrind). Returns 1 if it wrote them. */
static inline int ascii_short(const uint8_t *u, size_t n, char **o, int esc)
{
    uint8_t t[16] = {0};
    memcpy(t, u, 2 * n);
    __m128i v = _mm_loadu_si128((const __m128i *)t);
    if (block_bad(v, esc) & ((1u << (2 * n)) - 1))
        return 0;
    _mm_storel_epi64((__m128i *)*o, _mm_packus_epi16(v, v));
    *o += n;
    return 1;
}
#else
static inline int ascii_short(const uint8_t *u, size_t n, char **o, int esc) { return 0; }
static inline size_t ascii_run(const uint8_t *u, size_t n, char *o, int esc) { return 0; }
static inline int ascii_tail(const uint8_t *u, size_t n, size_t i, char **o, int esc) { return 0; }
#endif

/* Convert the unit at u[i] (with the next, for a surrogate pair) to
 * UTF-8 at *o, escaping as asked; returns the units used. */
static inline size_t conv_one(const uint8_t *u, size_t i, size_t n, char **po, int esc)
{
    char *o = *po;
    uint32_t c = (uint32_t)u[2 * i] | ((uint32_t)u[2 * i + 1] << 8);
    size_t used = 1;
    if (c < 0x80) {
        if (esc == ESC_JSON && json_esc[c]) {
            *o++ = '\\';
            switch (c) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case '\n': *o++ = 'n'; break;
            case '\r': *o++ = 'r'; break;
            case '\t': *o++ = 't'; break;
            case '\b': *o++ = 'b'; break;
            case '\f': *o++ = 'f'; break;
            default:
                *o++ = 'u'; *o++ = '0'; *o++ = '0';
                *o++ = hexd[c >> 4]; *o++ = hexd[c & 15];
            }
        } else if (esc == ESC_XML && (c == '<' || c == '>' || c == '&' || c == '"' || c == '\'')) {
            const char *e = c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;"
                          : c == '"' ? "&quot;" : "&apos;";
            size_t el = strlen(e);
            memcpy(o, e, el); /* fits: 6 bytes reserved per unit */
            o += el;
        } else {
            *o++ = (char)c;
        }
        *po = o;
        return 1;
    }
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n) {
        uint32_t d = (uint32_t)u[2 * i + 2] | ((uint32_t)u[2 * i + 3] << 8);
        if (d >= 0xDC00 && d <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
            used = 2;
        } else {
            c = 0xFFFD;
        }
    } else if (c >= 0xD800 && c <= 0xDFFF) {
        c = 0xFFFD;
    }
    if (c < 0x800) {
        *o++ = (char)(0xC0 | (c >> 6));
        *o++ = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        *o++ = (char)(0xE0 | (c >> 12));
        *o++ = (char)(0x80 | ((c >> 6) & 0x3F));
        *o++ = (char)(0x80 | (c & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (c >> 18));
        *o++ = (char)(0x80 | ((c >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((c >> 6) & 0x3F));
        *o++ = (char)(0x80 | (c & 0x3F));
    }
    *po = o;
    return used;
}

/* Convert UTF-16LE to UTF-8 straight into the buffer, escaping as asked.
 * Worst case is 3 bytes of UTF-8 per unit, or 6 for a JSON \u escape,
 * plus 8 bytes of slack for the block stores. Inlined into each of the
 * three entry points so that esc is a constant there. */
static inline __attribute__((always_inline)) void utf16_conv(tn_buf *b, const uint8_t *u, size_t n,
                                                              int esc)
{
    if (tn_buf_reserve(b, n * 6 + 8))
        return;
    char *o = b->data + b->len;
    size_t i = 0;
    for (;;) {
        size_t k = ascii_run(u + 2 * i, n - i, o, esc);
        i += k;
        o += k;
        if (n - i < 8)
            break;
        i += conv_one(u, i, n, &o, esc); /* the unit that stopped the run */
    }
    if (i < n && (n >= 8 ? ascii_tail(u, n, i, &o, esc) : ascii_short(u, n, &o, esc)))
        i = n;
    while (i < n)
        i += conv_one(u, i, n, &o, esc);
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
}

void tn_buf_utf16(tn_buf *b, const uint8_t *u16, size_t n) { utf16_conv(b, u16, n, ESC_NONE); }
void tn_buf_utf16_json(tn_buf *b, const uint8_t *u16, size_t n) { utf16_conv(b, u16, n, ESC_JSON); }
void tn_buf_utf16_xml(tn_buf *b, const uint8_t *u16, size_t n) { utf16_conv(b, u16, n, ESC_XML); }

int tn_buf_write(const tn_buf *b, FILE *f)
{
    if (b->len && fwrite(b->data, 1, b->len, f) != b->len)
        return -1;
    return 0;
}

size_t tn_utf8_put(unsigned char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}
