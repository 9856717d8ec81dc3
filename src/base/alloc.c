/* alloc.c - allocation wrappers with optional injected failure. */
#include "alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long fail_countdown = -1; /* <0: never fail */

void tn_alloc_fail_after(long n) { atomic_store(&fail_countdown, n); }

static int should_fail(void)
{
    long v = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
    if (v < 0)
        return 0;
    return atomic_fetch_sub(&fail_countdown, 1) == 0;
}

void *tn_malloc(size_t n) { return should_fail() ? NULL : malloc(n ? n : 1); }

void *tn_calloc(size_t count, size_t size)
{
    return should_fail() ? NULL : calloc(count ? count : 1, size ? size : 1);
}

void *tn_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n ? n : 1);
}

void tn_free(void *p) { free(p); }

char *tn_strndup(const char *s, size_t n)
{
    char *d = tn_malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}
