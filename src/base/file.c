/* file.c - whole-file reads with a size cap. */
#include "file.h"

#include "base/alloc.h"

#include <errno.h>
#include <stdio.h>

int tn_file_read(const char *path, size_t max, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 16384, n = 0;
    char *b = tn_malloc(cap);
    while (b) {
        n += fread(b + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *nb = cap < max ? tn_realloc(b, cap * 2) : NULL;
        if (!nb) {
            tn_free(b);
            b = NULL;
            errno = cap < max ? ENOMEM : EFBIG;
            break;
        }
        b = nb;
        cap *= 2;
    }
    int e = ferror(f);
    fclose(f);
    if (!b || e) {
        tn_free(b);
        return -1;
    }
    *out = b;
    *len = n;
    return 0;
}
