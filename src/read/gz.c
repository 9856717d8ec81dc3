/* gz.c - gzip-compressed input over zlib's inflate (see gz.h).
 *
 * zlib's own gzread would do for intact files, but it stops at the first
 * damage: a corrupt member lost every member after it, and it does not
 * say at which byte. So the members are walked here, with inflate. */
#include "gz.h"

#include "base/alloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define GZ_IN (64u * 1024)   /* compressed bytes read at a time */

enum { S_MEMBER, S_BETWEEN, S_DONE };

struct tn_gz {
    z_stream z;
    int fd;                       /* -1: reading memory */
    const unsigned char *origin;  /* in, or the memory: where next_in counts from */
    uint64_t base;                /* file bytes before origin[0] */
    int src_eof;                  /* nothing more to read into in */
    int state;
    int ready;                    /* inflateInit2 done */
    char why[256];
    int has_why;
    size_t out, why_at;           /* bytes given by this read; where the problem lies in them */
    unsigned char in[];           /* GZ_IN bytes when reading a file */
};

int tn_gz_is(const unsigned char *h, size_t n)
{
    return n >= 3 && h[0] == 0x1f && h[1] == 0x8b && h[2] == 8;
}

static tn_gz *gz_new(size_t in_bytes)
{
    tn_gz *g = tn_calloc(1, sizeof(*g) + in_bytes);
    if (!g)
        return NULL;
    /* 16 + 15: gzip members only, the largest window */
    if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) {
        tn_free(g);
        return NULL;
    }
    g->ready = 1;
    g->state = S_MEMBER;
    return g;
}

tn_gz *tn_gz_open_fd(int fd)
{
    tn_gz *g = gz_new(GZ_IN);
    if (g) {
        g->fd = fd;
        g->origin = g->in;
        g->z.next_in = g->in;
    }
    return g;
}

tn_gz *tn_gz_open_mem(const void *p, size_t n)
{
    tn_gz *g = gz_new(0);
    if (g) {
        g->fd = -1;
        g->origin = p;
        g->z.next_in = (unsigned char *)(uintptr_t)p;
        g->z.avail_in = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
        g->src_eof = 1;   /* (inputs over 4 GiB in memory: only fuzzing and tests use this) */
    }
    return g;
}

/* The file byte next_in is at. */
static uint64_t at(const tn_gz *g)
{
    return g->base + (uint64_t)(g->z.next_in - g->origin);
}

/* Moves the unread bytes to the front of in and reads more after them.
 * Returns 0, or -1 on a read error (errno). */
static int fill(tn_gz *g)
{
    if (g->src_eof)
        return 0;
    size_t keep = g->z.avail_in;
    g->base = at(g);
    memmove(g->in, g->z.next_in, keep);
    g->z.next_in = g->in;
    ssize_t got;
    do
        got = read(g->fd, g->in + keep, GZ_IN - keep);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        return -1;
    g->src_eof = got == 0;
    g->z.avail_in = (uInt)(keep + (size_t)got);
    return 0;
}

/* At least n unread bytes unless the input ends first. 0 or -1. */
static int want(tn_gz *g, size_t n)
{
    while (g->z.avail_in < n && !g->src_eof)
        if (fill(g))
            return -1;
    return 0;
}

static void problem(tn_gz *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(tn_gz *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->why, sizeof(g->why), fmt, ap);
    va_end(ap);
    g->has_why = 1;
    g->why_at = g->out;
}

/* From next_in on, the next gzip header: 1 found (next_in is at it),
 * 0 none before the end, -1 read error. Skipped bytes go to *skipped. */
static int resync(tn_gz *g, uint64_t *skipped)
{
    uint64_t from = at(g);
    for (;;) {
        if (want(g, 3))
            return -1;
        const unsigned char *p = g->z.next_in, *e = p + g->z.avail_in;
        while (p + 3 <= e && !tn_gz_is(p, 3)) {
            const unsigned char *q = memchr(p + 1, 0x1f, (size_t)(e - p - 1));
            p = q ? q : e;
        }
        if (p + 3 <= e) {
            g->z.avail_in -= (uInt)(p - g->z.next_in);
            g->z.next_in = (unsigned char *)(uintptr_t)p;
            *skipped = at(g) - from;
            return inflateReset(&g->z) == Z_OK ? 1 : -1;
        }
        /* keep the last two bytes: a header may start there */
        size_t drop = g->z.avail_in > 2 ? g->z.avail_in - 2 : 0;
        if (g->src_eof)
            drop = g->z.avail_in;
        g->z.next_in += drop;
        g->z.avail_in -= (uInt)drop;
        if (g->src_eof) {
            *skipped = at(g) - from;
            return 0;
        }
        if (fill(g))
            return -1;
    }
}

/* After damage at byte `where`: on to the next member, and say so. */
static int recover(tn_gz *g, uint64_t where, const char *what)
{
    uint64_t skipped = 0;
    int r = resync(g, &skipped);
    if (r < 0)
        return -1;
    if (r)
        problem(g, "%s at byte %llu of the file: %llu bytes skipped, to the next gzip member at byte %llu",
                what, (unsigned long long)where, (unsigned long long)skipped, (unsigned long long)at(g));
    else
        problem(g, "%s at byte %llu of the file: the rest of it (%llu bytes) is not read", what,
                (unsigned long long)where, (unsigned long long)skipped);
    g->state = r ? S_MEMBER : S_DONE;
    return 0;
}

long tn_gz_read(tn_gz *g, void *dst, size_t n)
{
    size_t out = 0;
    g->out = 0;
    g->has_why = 0;
    if (n > UINT32_MAX)
        n = UINT32_MAX;
    /* one problem a read, and the read stops at it: each is said at its
     * place, whatever the size of the reads */
    while (out < n && g->state != S_DONE && !g->has_why) {
        if (g->state == S_BETWEEN) {
            if (want(g, 3))
                return -1;
            if (!g->z.avail_in) {
                g->state = S_DONE;
                break;
            }
            if (tn_gz_is(g->z.next_in, g->z.avail_in)) {
                if (inflateReset(&g->z) != Z_OK)
                    return errno = ENOMEM, -1;
                g->state = S_MEMBER;
            } else if (recover(g, at(g), "data that is not gzip after a gzip member")) {
                return -1;
            }
            continue;
        }
        if (!g->z.avail_in && fill(g))
            return -1;
        g->z.next_out = (unsigned char *)dst + out;
        g->z.avail_out = (uInt)(n - out);
        uint64_t was = at(g);
        int rc = inflate(&g->z, Z_NO_FLUSH);
        out = g->out = n - g->z.avail_out;
        if (rc == Z_STREAM_END) {
            g->state = S_BETWEEN;
        } else if (rc == Z_OK || (rc == Z_BUF_ERROR && !g->z.avail_in && !g->src_eof)) {
            /* progress, or more input to read */
        } else if (rc == Z_BUF_ERROR && !g->z.avail_in) {
            problem(g, "gzip data ends at byte %llu of the file, inside a member (the file is cut): "
                       "the rest of that member is lost", (unsigned long long)at(g));
            g->state = S_DONE;
        } else if (rc == Z_MEM_ERROR) {
            return errno = ENOMEM, -1;
        } else {
            /* Z_DATA_ERROR and the like (a Z_BUF_ERROR with input left
             * would be inflate stuck: taken as damage, not looped on): a member's trailer that does not
             * match has already given its data, which may be damaged */
            const char *m = g->z.msg ? g->z.msg : "corrupt data";
            char what[128];
            if (strstr(m, "check") && strcmp(m, "incorrect header check"))
                snprintf(what, sizeof(what), "gzip member fails its check (%s; its data was read, "
                                             "and may be damaged)", m);
            else
                snprintf(what, sizeof(what), "gzip data corrupt (%s)", m);
            if (recover(g, rc == Z_DATA_ERROR ? at(g) : was, what))
                return -1;
        }
    }
    return out || !g->has_why ? (long)out : TN_GZ_AGAIN;
}

const char *tn_gz_problem(tn_gz *g, size_t *at_out)
{
    if (!g->has_why)
        return NULL;
    g->has_why = 0;
    *at_out = g->why_at;
    return g->why;
}

void tn_gz_close(tn_gz *g)
{
    if (!g)
        return;
    if (g->ready)
        inflateEnd(&g->z);
    tn_free(g);
}
