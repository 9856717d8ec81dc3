/* alloc.h - the one allocation path, so tests can make any allocation fail. */
#ifndef TN_ALLOC_H
#define TN_ALLOC_H

#include <stddef.h>

/* All heap memory in tansa goes through these. They return NULL on
 * failure; callers report TN_ENOMEM. tn_alloc_fail_after(n) makes the
 * n-th allocation from now fail (n < 0 disables), for fault tests. */
void *tn_malloc(size_t n);
void *tn_calloc(size_t count, size_t size);
void *tn_realloc(void *p, size_t n);
void tn_free(void *p);
char *tn_strndup(const char *s, size_t n);
void tn_alloc_fail_after(long n);

/* Large regions in 2 MiB pages where the kernel grants them (transparent
 * huge pages, "madvise" mode: Debian's default), else in ordinary pages:
 * a fault here costs ~2.4 us (this VM, memcg accounting) and 4 KiB pages
 * meant one per 4 KiB of the rule set being built. *n is rounded up to
 * TN_HUGE (0 to one TN_HUGE); the same size goes back to tn_huge_free.
 * NULL on failure. */
#define TN_HUGE ((size_t)2 << 20)
void *tn_huge_alloc(size_t *n);
void tn_huge_free(void *p, size_t n);

/* *n bytes from tn_huge_alloc when *n >= TN_HUGE (then *n becomes the
 * region's size), else from tn_malloc (then *n becomes 0); the same *n
 * goes back to tn_big_free. NULL on failure. */
void *tn_big_alloc(size_t *n);
void tn_big_free(void *p, size_t n);

#endif
