/* hash.h - a fast hash of bytes, eight at a time, for tables that confirm
 * equal hashes by comparing the bytes (not for anything adversarial to
 * rely on: it is not keyed). Byte-at-a-time FNV-1a was measured as most
 * of the cost of such lookups while rules load (callgrind). */
#ifndef TN_BASE_HASH_H
#define TN_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t tn_hash_bytes(uint64_t seed, const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = seed ^ n, w;
    if (n >= 64) {
        /* four words a step into four lanes, folded into h after: with
         * one lane each multiply waits for the one before (~5 cycles per
         * 8 bytes). Long texts are the scan cache's and the item memo's
         * (kilobytes of PowerShell): ~67 MB of them on the 256 MiB
         * real-chunk file with the SigmaHQ Windows rules, ~1.5% of that
         * run's time. Measured on 4,000-byte texts: 3.7 -> 12.5 GB/s */
        uint64_t a = h, b = h ^ 0x243f6a8885a308d3ull, c = h ^ 0x13198a2e03707344ull,
                 d = h ^ 0xa4093822299f31d0ull, x, y, z;
        for (; n >= 32; s += 32, n -= 32) {
            memcpy(&w, s, 8);
            memcpy(&x, s + 8, 8);
            memcpy(&y, s + 16, 8);
            memcpy(&z, s + 24, 8);
            a = (a ^ w) * 0x9e3779b97f4a7c15ull;
            b = (b ^ x) * 0x9e3779b97f4a7c15ull;
            c = (c ^ y) * 0x9e3779b97f4a7c15ull;
            d = (d ^ z) * 0x9e3779b97f4a7c15ull;
            a ^= a >> 29;
            b ^= b >> 29;
            c ^= c >> 29;
            d ^= d >> 29;
        }
        h = ((h ^ a) * 0x9e3779b97f4a7c15ull) ^ b;
        h = (h ^ h >> 29) * 0x9e3779b97f4a7c15ull ^ c;
        h = (h ^ h >> 29) * 0x9e3779b97f4a7c15ull ^ d;
        h ^= h >> 29;
    }
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
    }
    w = 0;
    if (n)
        memcpy(&w, s, n);
    h = (h ^ w) * 0x9e3779b97f4a7c15ull;
    return h ^ h >> 32;
}

/* a[0..n) == b[0..n), inline: field names are short, and a memcmp call
 * per name compared was ~15% of the evaluator's lookups (callgrind,
 * real-16). */
static inline int tn_same_bytes(const char *a, const char *b, size_t n)
{
    uint64_t x, y;
    uint32_t u, w;
    if (n >= 8) {   /* 8-byte words, the last one overlapping the one before */
        for (; n > 8; a += 8, b += 8, n -= 8) {
            memcpy(&x, a, 8);
            memcpy(&y, b, 8);
            if (x != y)
                return 0;
        }
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    if (n >= 4) {
        memcpy(&u, a, 4);
        memcpy(&w, b, 4);
        if (u != w)
            return 0;
        memcpy(&u, a + n - 4, 4);
        memcpy(&w, b + n - 4, 4);
        return u == w;
    }
    for (; n; n--)
        if (*a++ != *b++)
            return 0;
    return 1;
}

#endif
