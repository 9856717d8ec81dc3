/* map.h - string-keyed hash map: key bytes to a stable small integer. */
#ifndef TN_MAP_H
#define TN_MAP_H

#include "base/arena.h"

#include <stddef.h>
#include <stdint.h>

/* Keys are copied into the map's arena; each distinct key gets the next
 * id (0, 1, 2, ...), so callers keep per-key data in their own arrays.
 * Open addressing with linear probing, grown at 50% load. */
typedef struct tn_map {
    uint32_t *slots;      /* id+1, 0 = empty */
    uint64_t *hashes;     /* per slot */
    const char **keys;    /* per id */
    uint32_t *lens;       /* per id */
    uint32_t nslots, count, capkeys;
    tn_arena arena;
} tn_map;

void tn_map_init(tn_map *m);
void tn_map_free(tn_map *m);
/* The id of key, adding it if new (*added set to 1). -1 when out of memory. */
long tn_map_put(tn_map *m, const char *key, size_t len, int *added);
/* The id of key, or -1. */
long tn_map_get(const tn_map *m, const char *key, size_t len);
static inline const char *tn_map_key(const tn_map *m, uint32_t id) { return m->keys[id]; }
/* A caller's per-id array (elem bytes each, *cap of them) grown, new
 * elements zeroed, to hold the id the next new key is given (m->count): call
 * it before tn_map_put, so that no key is ever without its element. The
 * array, moved or not, or NULL when out of memory (arr is then as it was). */
void *tn_map_grow_ids(const tn_map *m, void *arr, size_t *cap, size_t elem);

#endif
