/* arena.c - bump allocator over a list of blocks. */
#include "arena.h"

#include "alloc.h"

#include <string.h>

/* Under AddressSanitizer a spare block is poisoned until it is used
 * again, so that a use of memory after its arena's reset is still caught
 * as it was when reset freed it. */
#if defined(__SANITIZE_ADDRESS__)
#define TN_ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TN_ARENA_ASAN 1
#endif
#endif
#ifdef TN_ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

struct tn_arena_block {
    tn_arena_block *next;
    size_t size;  /* usable bytes in data */
    size_t used;
    size_t huge;  /* bytes of its tn_huge_alloc region, or 0: from tn_malloc */
    int dflt;     /* made for an allocation of at most block_size: reset keeps it */
    _Alignas(16) unsigned char data[];
};

void tn_arena_init(tn_arena *a, size_t block_size)
{
    a->head = NULL;
    a->spare = NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    a->max_block = a->block_size;
}

void tn_arena_init_growing(tn_arena *a, size_t first, size_t max)
{
    tn_arena_init(a, first);
    a->max_block = max > a->block_size ? max : a->block_size;
}

static void block_free(tn_arena_block *b)
{
    if (b->huge)
        tn_huge_free(b, b->huge);
    else
        tn_free(b);
}

static tn_arena_block *new_block(tn_arena *a, size_t need)
{
    tn_arena_block *b, **at = &a->spare;
    while (*at && need > (*at)->size)   /* the first spare that fits (a growing arena's differ) */
        at = &(*at)->next;
    if (*at) {
        b = *at;
        UNPOISON(b->data, b->size);
        *at = b->next;
    } else {
        size_t size = need > a->block_size ? need : a->block_size, huge = 0;
        if (size >= TN_ARENA_HUGE) {   /* see tn_huge_alloc */
            huge = sizeof(*b) + size;
            b = tn_huge_alloc(&huge);
            size = huge - sizeof(*b);
        } else {
            b = tn_malloc(sizeof(*b) + size);
        }
        if (!b)
            return NULL;
        b->size = size;
        b->huge = huge;
        b->dflt = need <= a->block_size;
        if (b->dflt)   /* the first block of a growing arena: the next ones of max_block */
            a->block_size = a->max_block;
    }
    b->used = 0;
    b->next = a->head;
    a->head = b;
    return b;
}

void *tn_arena_alloc(tn_arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    tn_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        b = new_block(a, n);
        if (!b)
            return NULL;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

void *tn_arena_calloc(tn_arena *a, size_t n)
{
    void *p = tn_arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *tn_arena_strndup(tn_arena *a, const char *s, size_t n)
{
    char *d = tn_arena_alloc(a, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Blocks of the default size go to the spare list, larger ones are freed.
 * Measured: the detections a hunt worker holds (16 MiB between spills to
 * disk) were freed by each spill and faulted in afresh; the batch and
 * lower-case arenas did the same at a smaller scale. The hunt of the 256
 * MiB real-chunk file with the Windows rules took 25,017 page faults
 * before, 18,107 after (~3 us each on this VM, perf). */
void tn_arena_reset(tn_arena *a)
{
    tn_arena_block *b = a->head;
    while (b) {
        tn_arena_block *next = b->next;
        if (b->dflt) {
            b->next = a->spare;
            a->spare = b;
            POISON(b->data, b->size);
        } else {
            block_free(b);
        }
        b = next;
    }
    a->head = NULL;
}

static void free_list(tn_arena_block *b)
{
    while (b) {
        tn_arena_block *next = b->next;
        UNPOISON(b->data, b->size);
        block_free(b);
        b = next;
    }
}

void tn_arena_free(tn_arena *a)
{
    free_list(a->head);
    free_list(a->spare);
    a->spare = NULL;
    a->head = NULL;
}
