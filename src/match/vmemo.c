/* vmemo.c - a scanner's memory of item results on long field values
 * (vmemo.h). Entries live in an arena; when it holds max_bytes, or the
 * table is full, everything is forgotten at once (as the scan cache does),
 * which never changes a result, only costs evaluations again. */
#include "match/vmemo.h"

#include "base/alloc.h"
#include "base/arena.h"
#include "base/hash.h"

#include <string.h>

#define MAX_ENTRIES 512
#define SLOTS 1024          /* twice the entries, a power of two */
#define MAX_PROBES 16       /* a text whose run of slots is longer is not kept */
#define DEFAULT_BYTES ((size_t)8 << 20)
#define RECENT 4            /* (event, field) -> entry, for the items of one event */
#define FIRST_RESULTS 16

typedef struct res {
    const void *item;       /* NULL: an empty slot */
    uint8_t r;
} res;

typedef struct entry_t {
    uint64_t hash;
    const char *text;
    size_t len;
    res *res;               /* open addressing by item, cap a power of two */
    uint32_t nres, cap;
} entry_t;

typedef struct recent_t {
    uint32_t gen;           /* 0: unused (event generations start at 1) */
    int fidx, entry;
} recent_t;

struct tn_vmemo {
    tn_arena mem;
    size_t bytes, max_bytes;
    uint64_t seed;
    uint32_t n;
    entry_t e[MAX_ENTRIES];
    uint32_t slot[SLOTS];   /* entry index + 1, 0: empty */
    recent_t recent[RECENT];
    uint32_t rnext;
    tn_vmemo_stats st;
};

tn_vmemo *tn_vmemo_new(size_t max_bytes)
{
    tn_vmemo *m = tn_calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    tn_arena_init(&m->mem, 256 * 1024);
    m->max_bytes = max_bytes ? max_bytes : DEFAULT_BYTES;
    /* a seed of this memo's own: texts cannot be made to share a run of slots */
    m->seed = (uint64_t)(uintptr_t)m * 0x9e3779b97f4a7c15ull ^ 0xbb67ae8584caa73bull;
    return m;
}

void tn_vmemo_free(tn_vmemo *m)
{
    if (!m)
        return;
    tn_arena_free(&m->mem);
    tn_free(m);
}

static void clear(tn_vmemo *m)
{
    tn_arena_reset(&m->mem);
    memset(m->slot, 0, sizeof(m->slot));
    memset(m->recent, 0, sizeof(m->recent));
    m->n = 0;
    m->bytes = 0;
    m->st.clears++;
}

void tn_vmemo_forget_recent(tn_vmemo *m)
{
    memset(m->recent, 0, sizeof(m->recent));
}

int tn_vmemo_entry(tn_vmemo *m, uint32_t gen, int fidx, const char *s, size_t n)
{
    for (int i = 0; i < RECENT; i++)
        if (m->recent[i].gen == gen && gen && m->recent[i].fidx == fidx)
            return m->recent[i].entry;
    m->st.lookups++;
    uint64_t h = tn_hash_bytes(m->seed, s, n);
    int found = -1;
    uint32_t free_slot = SLOTS;
    for (uint32_t i = (uint32_t)h & (SLOTS - 1), p = 0; p < MAX_PROBES; i = (i + 1) & (SLOTS - 1), p++) {
        if (!m->slot[i]) {
            free_slot = i;
            break;
        }
        const entry_t *e = &m->e[m->slot[i] - 1];
        if (e->hash == h && e->len == n && !memcmp(e->text, s, n)) {
            found = (int)m->slot[i] - 1;
            break;
        }
    }
    if (found >= 0) {
        m->st.hits++;
    } else {
        size_t need = n + FIRST_RESULTS * sizeof(res);
        if (need > m->max_bytes / 4)
            return -1;
        if (m->n == MAX_ENTRIES || m->bytes + need > m->max_bytes || free_slot == SLOTS) {
            clear(m);
            free_slot = (uint32_t)h & (SLOTS - 1);
        }
        char *t = tn_arena_alloc(&m->mem, n);
        res *r = t ? tn_arena_calloc(&m->mem, FIRST_RESULTS * sizeof(res)) : NULL;
        if (!r)
            return -1;
        memcpy(t, s, n);
        found = (int)m->n++;
        m->e[found] = (entry_t){h, t, n, r, 0, FIRST_RESULTS};
        m->slot[free_slot] = (uint32_t)found + 1;
        m->bytes += need;
    }
    m->recent[m->rnext] = (recent_t){gen, fidx, found};
    m->rnext = (m->rnext + 1) % RECENT;
    return found;
}

static uint32_t item_slot(const void *item, uint32_t mask)
{
    return (uint32_t)(((uint64_t)(uintptr_t)item >> 3) * 0x9e3779b97f4a7c15ull >> 40) & mask;
}

int tn_vmemo_get(tn_vmemo *m, int k, const void *item)
{
    m->st.results++;
    const struct entry_t *e = &m->e[k];
    for (uint32_t i = item_slot(item, e->cap - 1);; i = (i + 1) & (e->cap - 1)) {
        if (!e->res[i].item)
            return -1;
        if (e->res[i].item == item) {
            m->st.result_hits++;
            return e->res[i].r;
        }
    }
}

static void put_in(res *t, uint32_t cap, const void *item, int r)
{
    uint32_t i = item_slot(item, cap - 1);
    while (t[i].item && t[i].item != item)
        i = (i + 1) & (cap - 1);
    t[i] = (res){item, (uint8_t)r};
}

void tn_vmemo_put(tn_vmemo *m, int k, const void *item, int r)
{
    entry_t *e = &m->e[k];
    if (2 * (e->nres + 1) > e->cap) {   /* grow: at most half full, so probes end */
        size_t need = 2 * (size_t)e->cap * sizeof(res);
        if (m->bytes + need > m->max_bytes)
            return;   /* no room: evaluated again next time */
        res *t = tn_arena_calloc(&m->mem, need);
        if (!t)
            return;
        for (uint32_t i = 0; i < e->cap; i++)
            if (e->res[i].item)
                put_in(t, 2 * e->cap, e->res[i].item, e->res[i].r);
        e->res = t;
        e->cap *= 2;
        m->bytes += need;
    }
    put_in(e->res, e->cap, item, r);
    e->nres++;
}

void tn_vmemo_get_stats(const tn_vmemo *m, tn_vmemo_stats *st)
{
    *st = m->st;
}
