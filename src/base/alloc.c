/* alloc.c - allocation wrappers with optional injected failure. */
#include "alloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

/* TANSA_NO_HUGE_PAGES=1 leaves the regions in ordinary pages: where
 * memory is fragmented, the kernel may compact it to make a huge page
 * ("defrag" madvise, Debian's default), a stall that a responder on a busy
 * server may prefer to the page faults. */
static int huge_pages_wanted(void)
{
    static atomic_int wanted = -1;
    int w = atomic_load_explicit(&wanted, memory_order_relaxed);
    if (w < 0) {
        const char *e = getenv("TANSA_NO_HUGE_PAGES");
        w = !(e && e[0] == '1');
        atomic_store_explicit(&wanted, w, memory_order_relaxed);
    }
    return w;
}

void *tn_huge_alloc(size_t *n)
{
    if (should_fail() || *n > SIZE_MAX - 2 * TN_HUGE)
        return NULL;
    size_t len = *n ? (*n + TN_HUGE - 1) & ~(TN_HUGE - 1) : TN_HUGE;
    /* one page more than asked, then what lies before the first 2 MiB
     * boundary and after the region is given back: a huge page must be
     * aligned to its size */
    char *p = mmap(NULL, len + TN_HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    char *at = (char *)(((uintptr_t)p + TN_HUGE - 1) & ~(uintptr_t)(TN_HUGE - 1));
    if (at > p)
        munmap(p, (size_t)(at - p));
    if (at + len < p + len + TN_HUGE)
        munmap(at + len, (size_t)(p + len + TN_HUGE - (at + len)));
    if (huge_pages_wanted())
        (void)madvise(at, len, MADV_HUGEPAGE);   /* where refused: ordinary pages */
    *n = len;
    return at;
}

void tn_huge_free(void *p, size_t n)
{
    if (p)
        munmap(p, n);
}

void *tn_big_alloc(size_t *n)
{
    if (*n >= TN_HUGE)
        return tn_huge_alloc(n);
    void *p = tn_malloc(*n ? *n : 1);
    *n = 0;
    return p;
}

void tn_big_free(void *p, size_t n)
{
    if (n)
        tn_huge_free(p, n);
    else
        tn_free(p);
}
