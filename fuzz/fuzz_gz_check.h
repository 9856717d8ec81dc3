/* fuzz_gz_check.h - the property fuzz/fuzz_gz.c checks and the unit tests
 * replay (tests/unit/test_gz.c): gzip input read in reads of 1, 13 and
 * 4,096 bytes, and from a file (pread, 64 KiB at a time), gives the same
 * bytes and the same problems at the same places, and never more bytes than a member can hold (1032:1, deflate's
 * largest ratio, plus what a stored block gives). */
#ifndef FUZZ_GZ_CHECK_H
#define FUZZ_GZ_CHECK_H

#include "read/gz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct gz_seen {
    unsigned char *out;
    size_t n, cap;
    char probs[4096];   /* "@offset:why\n", truncated past its size */
    size_t np;
} gz_seen;

/* step 0: a file (a memfd holding data, read with pread), 4,096 at a time */
static int gz_read_all(const uint8_t *data, size_t size, size_t step, gz_seen *s)
{
    unsigned char buf[4096];
    int fd = -1;
    if (!step) {
        fd = memfd_create("gz", 0);
        if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
            abort();
        step = sizeof(buf);
    }
    tn_gz *g = fd >= 0 ? tn_gz_open_fd(fd) : tn_gz_open_mem(data, size);
    if (!g)
        return -1;
    long got;
    memset(s, 0, sizeof(*s));
    while ((got = tn_gz_read(g, buf, step)) >= 0 || got == TN_GZ_AGAIN) {
        size_t at;
        const char *why = tn_gz_problem(g, &at);
        if ((got == TN_GZ_AGAIN) != (why && at == 0 && got <= 0) || (why && got > 0 && at != (size_t)got))
            return fprintf(stderr, "gz: a problem at %zu of a read of %ld\n", why ? at : 0, got), 1;
        if (got == TN_GZ_AGAIN)
            got = 0;
        else if (!got)
            break;
        if (why && s->np < sizeof(s->probs))
            s->np += (size_t)snprintf(s->probs + s->np, sizeof(s->probs) - s->np, "@%zu:%s\n", s->n + at, why);
        if (s->np > sizeof(s->probs))
            s->np = sizeof(s->probs);
        if (!got)
            continue;
        if (s->n + (size_t)got > s->cap) {
            size_t cap = (s->n + (size_t)got) * 2;
            unsigned char *o = realloc(s->out, cap);
            if (!o)
                abort();
            s->out = o;
            s->cap = cap;
        }
        memcpy(s->out + s->n, buf, (size_t)got);
        s->n += (size_t)got;
        if (s->n > size * 1100 + 65536)
            return fprintf(stderr, "gz: %zu bytes out of %zu\n", s->n, size), 1;
    }
    tn_gz_close(g);
    if (fd >= 0)
        close(fd);
    return got == -1 ? -1 : 0;
}

/* 0: the property holds; 1: it does not (said on stderr). */
static int gz_check(const uint8_t *data, size_t size)
{
    static const size_t steps[] = {4096, 1, 13, 0};
    gz_seen first, s;
    int rc = gz_read_all(data, size, steps[0], &first);
    for (size_t i = 1; i < 4 && rc == 0; i++) {
        rc = gz_read_all(data, size, steps[i], &s);
        if (rc == 0 && (s.n != first.n || (s.n && memcmp(s.out, first.out, s.n)) || s.np != first.np ||
                        memcmp(s.probs, first.probs, s.np))) {
            fprintf(stderr, "gz: reads of %zu and %zu differ:\n%.*s--\n%.*s", steps[0], steps[i],
                    (int)first.np, first.probs, (int)s.np, s.probs);
            rc = 1;
        }
        free(s.out);
    }
    free(first.out);
    return rc > 0;
}

#endif
