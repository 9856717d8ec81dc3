/* lower.h - ASCII lower-casing for the evaluator (eval.c): field values
 * are lower-cased once per event and field for case-insensitive matching,
 * and compared with lower-case rule literals without a copy. */
#ifndef TN_MATCH_LOWER_H
#define TN_MATCH_LOWER_H

#include "match/strmatch.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ASCII-lower-cases s[0..n) into d, eight bytes at a time (SWAR): field
 * values are lower-cased once per event and field, and the byte loop was
 * ~4% of matching instructions (callgrind). */
static inline uint64_t lower_word(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t h7 = x & ~high;                 /* no carries between bytes below */
    uint64_t ge_a = h7 + (0x80 - 'A') * ones; /* high bit: byte >= 'A' */
    uint64_t gt_z = h7 + (0x7F - 'Z') * ones; /* high bit: byte > 'Z' */
    uint64_t up = ge_a & ~gt_z & ~x & high;   /* ASCII upper-case letters */
    return x | up >> 2;                       /* 0x80 >> 2 = 0x20 */
}

/* s[0..n) with ASCII A-Z lower-cased, at d. 16 bytes at a time with
 * SSE2, the last block overlapping the one before (lower-casing the same
 * bytes twice gives the same bytes): on the 256 MiB real-chunk file with
 * the Windows rules, 62 M -> 27 M instructions in lower_new and the run
 * 7.637 -> 7.603 G (8 bytes at a time and a byte loop for the rest
 * before). */
static inline void lower_copy(char *d, const char *s, size_t n)
{
    size_t i = 0;
#if defined(__SSE2__)
    if (n >= 16) {
        /* +0x3F takes 'A'..'Z' to -128..-103 (signed) and nothing else
         * below -102 */
        const __m128i shift = _mm_set1_epi8(0x3F), bound = _mm_set1_epi8(-102),
                      bit = _mm_set1_epi8(0x20);
        for (;; i += 16) {
            if (i + 16 > n)
                i = n - 16;
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            __m128i up = _mm_cmplt_epi8(_mm_add_epi8(v, shift), bound);
            _mm_storeu_si128((__m128i *)(void *)(d + i), _mm_or_si128(v, _mm_and_si128(up, bit)));
            if (i + 16 == n)
                return;
        }
    }
#endif
    if (n >= 8) {
        for (;; i += 8) {
            if (i + 8 > n)
                i = n - 8;
            uint64_t x;
            memcpy(&x, s + i, 8);
            x = lower_word(x);
            memcpy(d + i, &x, 8);
            if (i + 8 == n)
                return;
        }
    }
    for (; i < n; i++)
        d[i] = (char)tn_low((unsigned char)s[i]);
}

/* s[0..n) lower-cased equals the lower-case l[0..n): tn_same_bytes on words
 * lowered as lower_copy lowers them, without the copy. */
static inline int same_folded(const char *s, const char *l, size_t n)
{
    uint64_t x, y;
    if (n >= 8) {
        for (; n > 8; s += 8, l += 8, n -= 8) {
            memcpy(&x, s, 8);
            memcpy(&y, l, 8);
            if (lower_word(x) != y)
                return 0;
        }
        memcpy(&x, s + n - 8, 8);
        memcpy(&y, l + n - 8, 8);
        return lower_word(x) == y;
    }
    for (; n; n--)
        if (tn_low((unsigned char)*s++) != (unsigned char)*l++)
            return 0;
    return 1;
}

#endif
