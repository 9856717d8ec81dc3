/* json_scan.h - find the next interesting byte of a JSON string, 8 bytes at a time. */
#ifndef TN_JSON_SCAN_H
#define TN_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Strings are most of a log record's bytes, and most string bytes are
 * plain; testing a word of 8 at once ("SWAR", no SIMD intrinsics, so it
 * is portable) makes skipping them several times faster. */
#define TN_SCAN_ONES 0x0101010101010101ULL
#define TN_SCAN_HIGH 0x8080808080808080ULL

/* Nonzero if some byte of w equals c. The lowest set bit marks the
 * first such byte exactly (a borrow only spreads upwards). */
static inline uint64_t tn_scan_has(uint64_t w, unsigned char c)
{
    uint64_t x = w ^ (TN_SCAN_ONES * c);
    return (x - TN_SCAN_ONES) & ~x & TN_SCAN_HIGH;
}

/* Index of the first marked byte of a nonzero mask from a word loaded at
 * i, or i itself where byte order makes the bit trick wrong (the byte
 * loop after it then finds the byte). */
static inline size_t tn_scan_first(size_t i, uint64_t mask)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return i + ((size_t)__builtin_ctzll(mask) >> 3);
#else
    (void)mask;
    return i;
#endif
}

/* Index of the first byte of p[0..n) that is a, b or c, or n. */
static inline size_t tn_scan_any3(const unsigned char *p, size_t n, unsigned char a,
                                  unsigned char b, unsigned char c)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t m = tn_scan_has(w, a) | tn_scan_has(w, b) | tn_scan_has(w, c);
        if (m) {
            i = tn_scan_first(i, m);
            break;
        }
    }
    while (i < n && p[i] != a && p[i] != b && p[i] != c)
        i++;
    return i;
}

/* Index of the first '"', '\\' or non-ASCII byte of p[0..n), or n. */
static inline size_t tn_scan_str(const unsigned char *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t m = (w & TN_SCAN_HIGH) | tn_scan_has(w, '"') | tn_scan_has(w, '\\');
        if (m) {
            i = tn_scan_first(i, m);
            break;
        }
    }
    while (i < n && p[i] != '"' && p[i] != '\\' && p[i] < 0x80)
        i++;
    return i;
}

#endif
