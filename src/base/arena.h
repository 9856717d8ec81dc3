/* arena.h - bump allocator: many small allocations, one release. */
#ifndef TN_ARENA_H
#define TN_ARENA_H

#include <stddef.h>

/* An arena hands out memory from large blocks and frees it all at once in
 * tn_arena_reset() or tn_arena_free(). The EVTX reader keeps one per
 * chunk; reset keeps the first block so steady state does no malloc. */
typedef struct tn_arena_block tn_arena_block;

typedef struct tn_arena {
    tn_arena_block *head;   /* current block, newest first */
    size_t block_size;      /* default size of a new block */
} tn_arena;

void tn_arena_init(tn_arena *a, size_t block_size);
/* Returns NULL only when the system is out of memory. Aligned to 8. */
void *tn_arena_alloc(tn_arena *a, size_t n);
void *tn_arena_calloc(tn_arena *a, size_t n);
char *tn_arena_strndup(tn_arena *a, const char *s, size_t n);
void tn_arena_reset(tn_arena *a);
void tn_arena_free(tn_arena *a);

#endif
