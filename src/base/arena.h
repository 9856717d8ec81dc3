/* arena.h - bump allocator: many small allocations, one release. */
#ifndef TN_ARENA_H
#define TN_ARENA_H

#include <stddef.h>

/* An arena hands out memory from large blocks and frees it all at once in
 * tn_arena_reset() or tn_arena_free(). The EVTX reader keeps one per
 * chunk. Reset keeps the blocks of the default size for the next round
 * (they are reused before any new one is allocated) and frees the larger
 * ones: an arena reset in cycles keeps no more than its largest cycle
 * held, and a steady state does no malloc and takes no page faults. */
typedef struct tn_arena_block tn_arena_block;

typedef struct tn_arena {
    tn_arena_block *head;   /* current block, newest first */
    tn_arena_block *spare;  /* free blocks of block_size, kept by reset */
    size_t block_size;      /* default size of a new block */
} tn_arena;

/* Blocks of block_size bytes or more come from tn_huge_alloc (2 MiB pages
 * where granted); TN_ARENA_HUGE is the block size that fills one exactly. */
#define TN_ARENA_HUGE (((size_t)2 << 20) - 64)
void tn_arena_init(tn_arena *a, size_t block_size);
/* Returns NULL only when the system is out of memory. Aligned to 8. */
void *tn_arena_alloc(tn_arena *a, size_t n);
void *tn_arena_calloc(tn_arena *a, size_t n);
char *tn_arena_strndup(tn_arena *a, const char *s, size_t n);
void tn_arena_reset(tn_arena *a);
void tn_arena_free(tn_arena *a);

#endif
