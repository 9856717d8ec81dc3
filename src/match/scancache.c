/* scancache.c - a scanner's memory of its literal scans (scancache.h). */
#include "match/scancache.h"

#include "base/alloc.h"
#include "base/hash.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_ENTRIES 4096
#define DEFAULT_BYTES (4u * 1024 * 1024)

/* A text whose slot and the next few are taken is not kept: the hash is
 * not keyed, and texts made to share slots must not make each lookup
 * walk the table. */
#define MAX_PROBES 16

int tn_scancache_init(tn_scancache *c, uint32_t max_entries, size_t max_bytes)
{
    memset(c, 0, sizeof(*c));
    c->max_entries = max_entries ? max_entries : DEFAULT_ENTRIES;
    c->max_bytes = max_bytes ? max_bytes : DEFAULT_BYTES;
    uint32_t size = 16;
    while (size < 2 * c->max_entries && size < (1u << 24))
        size *= 2;
    if (c->max_entries > size / 2)
        c->max_entries = size / 2;
    tn_arena_init(&c->mem, 64 * 1024);
    c->gen = 1;
    /* a seed of this process's own: colliding texts cannot be prepared */
    c->seed = (uint64_t)(uintptr_t)c ^ ((uint64_t)(uintptr_t)&c->seed << 17) ^ 0x6a09e667f3bcc909ull;
    c->slot = tn_calloc(size, sizeof(*c->slot));
    if (!c->slot)
        return -1;
    c->mask = size - 1;
    return 0;
}

void tn_scancache_free(tn_scancache *c)
{
    tn_free(c->slot);
    tn_arena_free(&c->mem);
    memset(c, 0, sizeof(*c));
}

static uint64_t text_hash(const tn_scancache *c, uint32_t db, const char *text, size_t len)
{
    return tn_hash_bytes(c->seed ^ ((uint64_t)db * 0x9e3779b97f4a7c15ull), text, len);
}

const tn_sc_entry *tn_scancache_get(tn_scancache *c, uint32_t db, const char *text, size_t len,
                                    uint64_t *hash)
{
    *hash = 0;
    if (!c->slot || len > TN_SCANCACHE_MAX_TEXT)
        return NULL;
    uint64_t h = text_hash(c, db, text, len);
    *hash = h;
    c->lookups++;
    for (uint32_t i = (uint32_t)h & c->mask, p = 0; p < MAX_PROBES; i = (i + 1) & c->mask, p++) {
        const tn_sc_entry *e = &c->slot[i];
        if (e->gen != c->gen)
            return NULL;   /* an empty slot ends the run */
        if (e->hash == h && e->db == db && e->len == len && !memcmp(e->text, text, len)) {
            c->hits++;
            return e;
        }
    }
    return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Forgets every entry: a new generation, the arena's blocks kept. */
static void clear(tn_scancache *c)
{
    if (++c->gen == 0) {   /* wrapped: old generations could look live */
        memset(c->slot, 0, ((size_t)c->mask + 1) * sizeof(*c->slot));
        c->gen = 1;
    }
    tn_arena_reset(&c->mem);
    c->n = 0;
    c->bytes = 0;
    c->clears++;
}

int tn_scancache_put(tn_scancache *c, uint32_t db, const char *text, size_t len, uint64_t hash,
                     uint32_t *ids, uint32_t n)
{
    if (!c->slot || len > TN_SCANCACHE_MAX_TEXT)
        return -1;
    if (n > 1)
        qsort(ids, n, sizeof(*ids), cmp_u32);
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (!k || ids[k - 1] != ids[i])
            ids[k++] = ids[i];
    n = k;
    size_t need = len + 1 + (size_t)n * sizeof(uint32_t) + 16;
    if (need > c->max_bytes)
        return -1;
    if (c->n >= c->max_entries || c->bytes + need > c->max_bytes)
        clear(c);
    tn_sc_entry *e = NULL;
    for (uint32_t i = (uint32_t)hash & c->mask, p = 0; p < MAX_PROBES; i = (i + 1) & c->mask, p++)
        if (c->slot[i].gen != c->gen) {
            e = &c->slot[i];
            break;
        }
    if (!e)
        return -1;
    uint32_t *keep = n ? tn_arena_alloc(&c->mem, (size_t)n * sizeof(*keep)) : NULL;
    char *t = tn_arena_alloc(&c->mem, len + 1);
    if ((n && !keep) || !t)
        return -1;
    if (n)
        memcpy(keep, ids, (size_t)n * sizeof(*keep));
    memcpy(t, text, len);
    t[len] = 0;
    *e = (tn_sc_entry){.hash = hash, .text = t, .ids = keep, .db = db, .len = (uint32_t)len, .nids = n,
                       .gen = c->gen};
    c->n++;
    c->bytes += need;
    return 0;
}
