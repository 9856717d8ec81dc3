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
/* After damage the next header is looked for from this far before where
 * zlib found it (not before the damaged member's own start): damaged
 * data can decode past its member's end, into the next one's header (a
 * review, session 28: 4 of 200 bit flips near a member's end lost the
 * member after it). Bounded: a false header inside the damaged member's
 * bytes is tried and refused, and each search starts further on. */
#define GZ_REWIND (16u * 1024)
#define GZ_MAX_REPORTS 20

enum { S_MEMBER, S_BETWEEN, S_DONE };

struct tn_gz {
    z_stream z;
    int fd;                       /* -1: reading memory */
    const unsigned char *origin;  /* in, or the memory: where next_in counts from */
    size_t mem_len;
    uint64_t base;                /* file bytes before origin[0] */
    int src_eof;                  /* nothing more to read into in */
    int state;
    int ready;                    /* inflateInit2 done */
    uint64_t mstart;              /* the file byte where the member being read starts */
    uint64_t mstart_out, out_total;   /* output bytes before that member; given so far */
    /* since damage, until a member ends whole: where the damaged member
     * began, in the file and in the output (the members tried after it,
     * at headers found inside its bytes, are part of it) */
    int in_bad;
    uint64_t bad_start, bad_out;
    char why[256];
    int has_why;
    size_t out, why_at;           /* bytes given by this read; where the problem lies in them */
    int has_fix;
    uint64_t fix_start, fix_size;
    unsigned nreports;
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
        /* (inputs over 4 GiB in memory: only fuzzing and tests use this) */
        g->mem_len = n > UINT32_MAX ? UINT32_MAX : n;
        g->z.next_in = (unsigned char *)(uintptr_t)p;
        g->z.avail_in = (uInt)g->mem_len;
        g->src_eof = 1;
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
        got = pread(g->fd, g->in + keep, GZ_IN - keep, (off_t)(g->base + keep));
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

/* Reading goes on from file byte x (x <= the input's length). */
/* Reading goes on from file byte x (x <= the input's length), with the
 * four bytes before it at hand as in memory (resync reads a trailer's
 * size there); the buffer is kept when x is in it (a re-read of 64 KiB
 * per search made a file of false headers cost gigabytes of copies: a
 * review, session 28). 0 or -1. */
static int seek_to(tn_gz *g, uint64_t x)
{
    const unsigned char *end = g->z.next_in + g->z.avail_in;
    if (g->fd < 0 || (x >= g->base + 4 && x <= g->base + (uint64_t)(end - g->origin))) {
        g->z.next_in = (unsigned char *)(uintptr_t)(g->origin + (x - g->base));
        g->z.avail_in = (uInt)((uint64_t)(end - g->origin) - (x - g->base));
        if (g->fd < 0)
            g->z.avail_in = (uInt)(g->mem_len - x);
        return 0;
    }
    uint64_t back = x < 4 ? x : 4;
    g->base = x - back;
    g->z.next_in = g->in;
    g->z.avail_in = 0;
    g->src_eof = 0;
    if (want(g, back))
        return -1;
    size_t skip = g->z.avail_in < back ? g->z.avail_in : (size_t)back;
    g->z.next_in += skip;
    g->z.avail_in -= (uInt)skip;
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

/* A member starts at next_in. 0, or -1 out of memory. */
static int start_member(tn_gz *g)
{
    g->mstart = at(g);
    g->mstart_out = g->out_total;
    g->state = S_MEMBER;
    return inflateReset(&g->z) == Z_OK ? 0 : -1;
}

/* From next_in on, the next gzip header: 1 found (next_in is at it),
 * 0 none before the end, -1 read error. Its 4 bytes before, when they
 * are at hand, go to *isize (else it is left alone). */
static int resync(tn_gz *g, uint32_t *isize)
{
    for (;;) {
        if (want(g, 3))
            return -1;
        const unsigned char *p = g->z.next_in, *e = p + g->z.avail_in;
        while (p + 3 <= e && !tn_gz_is(p, 3)) {
            const unsigned char *q = memchr(p + 1, 0x1f, (size_t)(e - p - 1));
            p = q ? q : e;
        }
        if (p + 3 <= e) {
            if ((size_t)(p - g->origin) >= 4) {
                uint64_t pos = g->base + (uint64_t)(p - g->origin);
                if (pos >= g->bad_start + 18)   /* a header and a trailer at least */
                    *isize = (uint32_t)p[-4] | (uint32_t)p[-3] << 8 | (uint32_t)p[-2] << 16 |
                             (uint32_t)p[-1] << 24;
            }
            g->z.avail_in -= (uInt)(p - g->z.next_in);
            g->z.next_in = (unsigned char *)(uintptr_t)p;
            return 1;
        }
        /* keep the last six bytes: a header may start in them, and the
         * four before one are the damaged member's size */
        size_t drop = g->z.avail_in > 6 ? g->z.avail_in - 6 : 0;
        if (g->src_eof)
            drop = g->z.avail_in;
        g->z.next_in += drop;
        g->z.avail_in -= (uInt)drop;
        if (g->src_eof)
            return 0;
        if (fill(g))
            return -1;
    }
}

/* After damage found at file byte `where` in the member being read (with
 * junk, where a member should start: its header is damaged; with cut, at
 * the end of the input, which a damaged member can also run on to,
 * through the members after it): on to the next member, and say so.
 * Damage decoded or checked in a member may have run past its end, so
 * the next header is looked for from a little before (not with junk:
 * nothing was decoded). 0 or -1. */
static int recover(tn_gz *g, uint64_t where, const char *what, int junk, int cut)
{
    if (junk) {   /* the member that should start here */
        g->mstart = where;
        g->mstart_out = g->out_total;
    }
    if (!g->in_bad) {
        g->in_bad = 1;
        g->bad_start = g->mstart;
        g->bad_out = g->mstart_out;
    }
    if (!junk) {
        uint64_t back = where > GZ_REWIND ? where - GZ_REWIND : 0;
        uint64_t from = back > g->mstart + 1 ? back : g->mstart + 1;
        if (from < where && seek_to(g, from))
            return -1;
    }
    const uint32_t none = 0xFFFFFFFFu;
    uint32_t isize = none;
    int r = resync(g, &isize);
    if (r < 0)
        return -1;
    uint64_t next = at(g);
    /* the damaged member's size, from its trailer before the next header,
     * if it is believable: deflate gives at most 1032 bytes a byte */
    int has_size = r && isize != none && next > g->bad_start &&
                   (uint64_t)isize <= (next - g->bad_start) * 1032 + 1024;
    uint64_t skipped = next > where ? next - where : 0;
    if (r && next <= where)   /* always so when cut: where is the end */
        problem(g, "%s at byte %llu of the file: resumed at the next gzip member, at byte %llu (its data had "
                   "run on into it)", cut ? "gzip member damaged (its data ran on to the end of the file)" : what,
                (unsigned long long)where, (unsigned long long)next);
    else if (cut)
        problem(g, "gzip data ends at byte %llu of the file, inside a member (the file is cut): "
                   "the rest of that member is lost", (unsigned long long)where);
    else if (r)
        problem(g, "%s at byte %llu of the file: %llu bytes skipped, to the next gzip member at byte %llu",
                what, (unsigned long long)where, (unsigned long long)skipped, (unsigned long long)next);
    else
        problem(g, "%s at byte %llu of the file: the rest of it (%llu bytes) is not read", what,
                (unsigned long long)where, (unsigned long long)skipped);
    if (has_size && g->out_total - g->bad_out != isize) {
        g->has_fix = 1;
        g->fix_start = g->bad_out;
        g->fix_size = isize;
    }
    if (!r) {
        g->state = S_DONE;
        return 0;
    }
    if (has_size)   /* where the next member's bytes belong */
        g->out_total = g->bad_out + isize;
    return start_member(g);
}

/* Between members: zero bytes to the end are padding (gzip(1) takes
 * them so). 1 when that is all there is (next_in at the end), 0 when
 * another byte comes (next_in at it), -1 read error. */
static int zeros_to_end(tn_gz *g)
{
    for (;;) {
        while (g->z.avail_in && !*g->z.next_in) {
            g->z.next_in++;
            g->z.avail_in--;
        }
        if (g->z.avail_in)
            return 0;
        if (g->src_eof)
            return 1;
        if (fill(g))
            return -1;
    }
}

long tn_gz_read(tn_gz *g, void *dst, size_t n)
{
    size_t out = 0;
    g->out = 0;
    g->has_why = 0;
    g->has_fix = 0;
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
                if (start_member(g))
                    return errno = ENOMEM, -1;
                continue;
            }
            uint64_t junk = at(g);
            int z = zeros_to_end(g);
            if (z < 0)
                return -1;
            if (z) {
                g->state = S_DONE;
                break;
            }
            if (at(g) != junk)
                continue;   /* zeros, then another member or junk: looked at again */
            if (recover(g, at(g), "data that is not gzip after a gzip member (a damaged header?)", 1, 0))
                return -1;
            continue;
        }
        if (!g->z.avail_in && fill(g))
            return -1;
        g->z.next_out = (unsigned char *)dst + out;
        g->z.avail_out = (uInt)(n - out);
        uint64_t was = at(g);
        int rc = inflate(&g->z, Z_NO_FLUSH);
        size_t made = (n - out) - g->z.avail_out;
        out += made;
        g->out_total += made;
        g->out = out;
        if (rc == Z_STREAM_END) {
            g->state = S_BETWEEN;
            g->in_bad = 0;
        } else if (rc == Z_OK || (rc == Z_BUF_ERROR && !g->z.avail_in && !g->src_eof)) {
            /* progress, or more input to read */
        } else if (rc == Z_BUF_ERROR && !g->z.avail_in) {
            if (recover(g, at(g), NULL, 0, 1))
                return -1;
        } else if (rc == Z_MEM_ERROR) {
            return errno = ENOMEM, -1;
        } else {
            /* Z_DATA_ERROR and the like (a Z_BUF_ERROR with input left
             * would be inflate stuck: taken as damage, not looped on):
             * a member's trailer that does not match has already given
             * its data, which may be damaged */
            const char *m = g->z.msg ? g->z.msg : "corrupt data";
            char what[128];
            if (strstr(m, "check") && strcmp(m, "incorrect header check"))
                snprintf(what, sizeof(what), "gzip member fails its check (%s; its data was read, "
                                             "and may be damaged)", m);
            else
                snprintf(what, sizeof(what), "gzip data corrupt (%s)", m);
            /* a failed check too: damaged data can end its member early,
             * or run on past its end into the next and end there */
            if (recover(g, rc == Z_DATA_ERROR ? at(g) : was, what, 0, 0))
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

int tn_gz_will_show(const tn_gz *g)
{
    return g->has_why && g->nreports < GZ_MAX_REPORTS;
}

int tn_gz_fix(tn_gz *g, uint64_t *start, uint64_t *size)
{
    if (!g->has_fix)
        return 0;
    g->has_fix = 0;
    *start = g->fix_start;
    *size = g->fix_size;
    return 1;
}

int tn_gz_report(tn_gz *g, tn_diag *d, const char *file, const char *where)
{
    size_t at_out;
    const char *why = tn_gz_problem(g, &at_out);
    if (!why)
        return 0;
    if (++g->nreports > GZ_MAX_REPORTS) {   /* counted, not printed */
        __atomic_add_fetch(&d->count[TN_P_GZIP], 1, __ATOMIC_RELAXED);
        return 1;
    }
    tn_report(d, TN_P_GZIP, file, where, "%s%s", why,
              g->nreports == GZ_MAX_REPORTS ? " (further gzip problems in this input are counted, not shown)" : "");
    return 1;
}

void tn_gz_close(tn_gz *g)
{
    if (!g)
        return;
    if (g->ready)
        inflateEnd(&g->z);
    tn_free(g);
}
