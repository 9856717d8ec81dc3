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

#endif
