/* utf8.h - the length of one valid UTF-8 sequence (RFC 3629), for the
 * readers that replace bad bytes with U+FFFD and the writers whose output
 * must be valid UTF-8 (JSON, CSV, the terminal). */
#ifndef TN_UTF8_H
#define TN_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s[0..n) (n >= 1), or 0 if it is
 * invalid (a stray continuation byte, overlong, a surrogate, above
 * U+10FFFF, or cut short). */
static inline size_t tn_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if (s[k] < 0x80 || s[k] > 0xBF)
            return 0;
    return len;
}

/* Whether code point cp reorders the text shown around it: the
 * bidirectional marks, embeddings, overrides and isolates. On a terminal
 * or in a spreadsheet "rtl\u202E gnp.exe" shows as "rtl exe.png". */
static inline int tn_is_bidi_control(unsigned cp)
{
    return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* The code point of the valid sequence s[0..n) (n: tn_utf8_len's). */
static inline unsigned tn_utf8_cp(const unsigned char *s, size_t n)
{
    if (n == 1)
        return s[0];
    unsigned cp = s[0] & (n == 2 ? 0x1Fu : n == 3 ? 0x0Fu : 0x07u);
    for (size_t k = 1; k < n; k++)
        cp = cp << 6 | (s[k] & 0x3Fu);
    return cp;
}

#endif
