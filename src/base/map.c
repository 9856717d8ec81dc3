/* map.c - FNV-1a hashed open addressing; keys live in an arena. */
#include "map.h"

#include "base/alloc.h"

#include <string.h>

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

void tn_map_init(tn_map *m)
{
    memset(m, 0, sizeof(*m));
    tn_arena_init(&m->arena, 64 * 1024);
}

void tn_map_free(tn_map *m)
{
    tn_free(m->slots);
    tn_free(m->hashes);
    tn_free(m->keys);
    tn_free(m->lens);
    tn_arena_free(&m->arena);
    memset(m, 0, sizeof(*m));
}

static long find(const tn_map *m, const char *key, size_t len, uint64_t h, uint32_t *slot)
{
    if (!m->nslots)
        return -1;
    uint32_t mask = m->nslots - 1;
    for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
        uint32_t id = m->slots[i];
        if (!id) {
            *slot = i;
            return -1;
        }
        if (m->hashes[i] == h && m->lens[id - 1] == len && !memcmp(m->keys[id - 1], key, len))
            return id - 1;
    }
}

static int grow(tn_map *m)
{
    uint32_t n = m->nslots ? m->nslots * 2 : 64;
    uint32_t *slots = tn_calloc(n, sizeof(*slots));
    uint64_t *hashes = tn_calloc(n, sizeof(*hashes));
    if (!slots || !hashes) {
        tn_free(slots);
        tn_free(hashes);
        return -1;
    }
    for (uint32_t i = 0; i < m->nslots; i++) {
        if (!m->slots[i])
            continue;
        uint32_t j = (uint32_t)m->hashes[i] & (n - 1);
        while (slots[j])
            j = (j + 1) & (n - 1);
        slots[j] = m->slots[i];
        hashes[j] = m->hashes[i];
    }
    tn_free(m->slots);
    tn_free(m->hashes);
    m->slots = slots;
    m->hashes = hashes;
    m->nslots = n;
    return 0;
}

long tn_map_get(const tn_map *m, const char *key, size_t len)
{
    uint32_t slot;
    return find(m, key, len, hash(key, len), &slot);
}

long tn_map_put(tn_map *m, const char *key, size_t len, int *added)
{
    uint64_t h = hash(key, len);
    uint32_t slot = 0;
    *added = 0;
    long id = find(m, key, len, h, &slot);
    if (id >= 0)
        return id;
    if ((m->count + 1) * 2 > m->nslots) {
        if (grow(m))
            return -1;
        find(m, key, len, h, &slot);
    }
    if (m->count == m->capkeys) {
        uint32_t cap = m->capkeys ? m->capkeys * 2 : 64;
        const char **k = tn_realloc(m->keys, cap * sizeof(*k));
        if (!k)
            return -1;
        m->keys = k;
        uint32_t *l = tn_realloc(m->lens, cap * sizeof(*l));
        if (!l)
            return -1;
        m->lens = l;
        m->capkeys = cap;
    }
    char *copy = tn_arena_strndup(&m->arena, key, len);
    if (!copy)
        return -1;
    m->keys[m->count] = copy;
    m->lens[m->count] = (uint32_t)len;
    m->slots[slot] = ++m->count;
    m->hashes[slot] = h;
    *added = 1;
    return m->count - 1;
}

void *tn_map_grow_ids(const tn_map *m, void *arr, size_t *cap, size_t elem)
{
    if (m->count < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 64;
    char *a = tn_realloc(arr, ncap * elem);
    if (!a)
        return NULL;
    memset(a + *cap * elem, 0, (ncap - *cap) * elem);
    *cap = ncap;
    return a;
}
