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

#endif
