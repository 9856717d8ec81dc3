/* rng.h - deterministic random numbers: splitmix64 seeding, xoshiro256** stream. */
#ifndef TN_GEN_RNG_H
#define TN_GEN_RNG_H

#include <stdint.h>

/* Never rand(): the same seed must give the same bytes everywhere. A
 * stream is derived from (seed, a, b) so that each host, day and
 * activity draws from its own stream, independent of generation order. */
typedef struct tn_rng {
    uint64_t s[4];
} tn_rng;

static inline uint64_t tn_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint64_t tn_mix3(uint64_t seed, uint64_t a, uint64_t b)
{
    uint64_t x = seed ^ (a * 0xD6E8FEB86659FD93ull);
    uint64_t h = tn_splitmix(&x);
    x ^= b * 0xA0761D6478BD642Full;
    return h ^ tn_splitmix(&x);
}

static inline void tn_rng_seed(tn_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = tn_splitmix(&seed);
}

static inline uint64_t tn_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t tn_rng_next(tn_rng *r)
{
    uint64_t *s = r->s, res = tn_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = tn_rotl(s[3], 45);
    return res;
}

/* Uniform in [0, n); n > 0. The tiny modulo bias is irrelevant here. */
static inline uint64_t tn_rng_below(tn_rng *r, uint64_t n) { return tn_rng_next(r) % n; }
static inline uint64_t tn_rng_range(tn_rng *r, uint64_t lo, uint64_t hi) { return lo + tn_rng_below(r, hi - lo + 1); }
/* True with probability pct/100. */
static inline int tn_rng_pct(tn_rng *r, unsigned pct) { return tn_rng_below(r, 100) < pct; }

#endif
