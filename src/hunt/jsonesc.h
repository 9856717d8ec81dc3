/* jsonesc.h - JSON string escaping straight into reserved room, 16 bytes
 * at a time: the hunt's details and lines are mostly Windows command
 * lines and paths, long and full of backslashes.
 *
 * The same escapes as tn_buf_json_raw (base/buf.c): '"' '\\' \n \r \t \b
 * \f, other bytes below 0x20 as \u00xx, valid UTF-8 as it is, and each
 * byte that is not valid UTF-8 as U+FFFD: JSON is UTF-8 (RFC 8259), and
 * auditd records, file names and old EVTX ANSI strings can hold any
 * byte (a review found lines Python's json module refused). tn_buf_json_str cost ~205 instructions a call on the details of the
 * Windows rules on 16 MiB of real logs (a byte-wise loop, and two
 * tn_buf_put per backslash); this costs ~70 a value (callgrind). */
#ifndef TN_HUNT_JSONESC_H
#define TN_HUNT_JSONESC_H

#include "base/buf.h"
#include "base/utf8.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Room json_esc may write for n bytes: each can become 6, and the block
 * loop stores 16 bytes whatever it keeps. */
#define TN_JSON_ESC_ROOM(n) (6 * (size_t)(n) + 16)

/* One byte that needs escaping, at o; returns the end. */
static inline char *tn_json_esc1(char *o, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    o[0] = '\\';
    switch (c) {
    case '"': o[1] = '"'; return o + 2;
    case '\\': o[1] = '\\'; return o + 2;
    case '\n': o[1] = 'n'; return o + 2;
    case '\r': o[1] = 'r'; return o + 2;
    case '\t': o[1] = 't'; return o + 2;
    case '\b': o[1] = 'b'; return o + 2;
    case '\f': o[1] = 'f'; return o + 2;
    default:
        o[1] = 'u'; o[2] = '0'; o[3] = '0';
        o[4] = hex[c >> 4]; o[5] = hex[c & 15];
        return o + 6;
    }
}

static inline int tn_json_needs_esc(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

/* The byte at s[0] (of n) that is not plain ASCII or needs escaping, at
 * o: escaped, copied with its valid UTF-8 sequence, or U+FFFD for a bad
 * byte. Advances *i past what it used; returns the end of o. */
static __attribute__((noinline)) char *tn_json_esc_other(char *o, const char *s, size_t n, size_t *i)
{
    unsigned char c = (unsigned char)s[0];
    if (c < 0x80) {
        (*i)++;
        return tn_json_esc1(o, c);
    }
    size_t len = tn_utf8_len((const unsigned char *)s, n);
    if (!len) {
        (*i)++;
        memcpy(o, "\xEF\xBF\xBD", 3);
        return o + 3;
    }
    memcpy(o, s, len);
    *i += len;
    return o + len;
}

/* Nonzero when one of the 8 bytes of x needs escaping or checking (bytes
 * below 0x20, '"', '\\', 0x80 and above): the "has a byte less than" and
 * "has a zero byte" tests, exact for whether there is one, though not for
 * where. */
static inline uint64_t tn_json_swar_bad(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    return (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b) | x) & high;
}

/* s[0..n) escaped (no quotes) at o, which has TN_JSON_ESC_ROOM(n) bytes;
 * returns the end. */
static inline char *tn_json_esc(char *o, const char *s, size_t n)
{
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i ctl = _mm_set1_epi8(0x1f), quote = _mm_set1_epi8('"'),
                  bs = _mm_set1_epi8('\\');
    while (i + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        /* v <= 0x1f unsigned: min(v, 0x1f) == v */
        __m128i bad = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v),
                                   _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bs)));
        unsigned m = (unsigned)_mm_movemask_epi8(bad) | (unsigned)_mm_movemask_epi8(v);
        _mm_storeu_si128((__m128i *)(void *)o, v);
        if (!m) {
            o += 16;
            i += 16;
            continue;
        }
        /* keep the plain bytes before the first to escape or check, deal
         * with it and resume right after it (paths have a backslash every
         * few bytes) */
        unsigned k = (unsigned)__builtin_ctz(m);
        i += k;
        o = tn_json_esc_other(o + k, s + i, n - i, &i);
    }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* the rest (most values are shorter than a block: user names, ids,
     * numbers) 8 bytes at a time, the last 8 overlapping what is done */
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        if (tn_json_swar_bad(x))
            break;
        memcpy(o, &x, 8);
        o += 8;
    }
    if (i < n && i + 8 > n && n >= 8) {
        uint64_t x;
        memcpy(&x, s + n - 8, 8);
        if (!tn_json_swar_bad(x)) {
            x >>= 8 * (8 - (n - i));   /* the bytes from s + i first */
            memcpy(o, &x, 8);
            return o + (n - i);
        }
    }
#endif
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80 && !tn_json_needs_esc(c)) {
            *o++ = (char)c;
            i++;
        } else {
            o = tn_json_esc_other(o, s + i, n - i, &i);
        }
    }
    return o;
}

/* Appends s[0..n) to b as a JSON string, quotes included: the output of
 * tn_buf_json_str. */
static inline void tn_buf_json_fast(tn_buf *b, const char *s, size_t n)
{
    if (tn_buf_reserve(b, TN_JSON_ESC_ROOM(n) + 2))
        return;
    char *o = b->data + b->len;
    *o++ = '"';
    o = tn_json_esc(o, s, n);
    *o++ = '"';
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
}

#endif
