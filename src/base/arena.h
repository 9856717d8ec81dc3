/* arena.h - bump allocator: many small allocations, one release. */
#ifndef TN_ARENA_H
#define TN_ARENA_H

#include <stddef.h>

/* An arena hands out memory from large blocks and frees it all at once in
 * tn_arena_reset() or tn_arena_free(). The EVTX reader keeps one per
 * chunk. Reset keeps the blocks made at the default size (a growing
 * arena's small first one too) for the next round (a new block is the
 * first kept one that fits, before any is allocated) and frees the larger
 * ones: an arena reset in cycles keeps no more than its largest cycle
 * held, and a steady state does no malloc and takes no page faults. */
typedef struct tn_arena_block tn_arena_block;

typedef struct tn_arena {
    tn_arena_block *head;   /* current block, newest first */
    tn_arena_block *spare;  /* free blocks of the default size, kept by reset */
    size_t block_size;      /* default size of a new block */
    size_t max_block;       /* block_size after the first block (tn_arena_init_growing) */
} tn_arena;

/* Blocks of TN_ARENA_HUGE bytes or more come from tn_huge_alloc (2 MiB
 * pages where granted); TN_ARENA_HUGE fills one exactly. */
#define TN_ARENA_HUGE (((size_t)2 << 20) - 64)
void tn_arena_init(tn_arena *a, size_t block_size);
/* An arena whose first block is of first bytes and the next ones of max:
 * a small one stays small (a rule set of one rule, a hunt with a few
 * detections), a large one is in blocks of max (TN_ARENA_HUGE: 2 MiB
 * pages). Doubling from 256 KiB instead cost the hunt of the 256 MiB
 * real-chunk file with the Windows rules ~1,900 more page faults on one
 * thread, ~3,600 on two (each arena's 1.75 MiB of ordinary pages). */
void tn_arena_init_growing(tn_arena *a, size_t first, size_t max);
/* Returns NULL only when the system is out of memory. Aligned to 8. */
void *tn_arena_alloc(tn_arena *a, size_t n);
void *tn_arena_calloc(tn_arena *a, size_t n);
char *tn_arena_strndup(tn_arena *a, const char *s, size_t n);
void tn_arena_reset(tn_arena *a);
void tn_arena_free(tn_arena *a);

#endif
