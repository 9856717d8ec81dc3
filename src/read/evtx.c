/* evtx.c - EVTX file and chunk layer: validation, record walking, carving.
 *
 * Chunks are read with pread into the thread's 64 KiB buffer, not mapped.
 * We measured mmap first: with MADV_DONTNEED after each chunk, the
 * kernel's fault-around still re-mapped neighbouring pages and RSS grew
 * with the file (18 MB at 1 GiB); and a file truncated under a mapping
 * raises SIGBUS, while pread just returns less. Memory is one chunk and
 * its parse per thread, whatever the file size. */
#include "evtx.h"

#include "base/alloc.h"
#include "base/file.h"
#include "evtx_crc.h"
#include "read/gz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

struct tn_evtx {
    int fd;             /* -1 for memory */
    const uint8_t *mem; /* borrowed bytes (tn_evtx_open_mem) */
    uint64_t size;
    char *path;
    tn_diag *diag;
};

static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* Copy standard input to an unlinked temporary file, for random access;
 * -1 with errno and *tmp (1: the temporary file failed, 0: reading). */
static int spool_stdin(int *tmp)
{
    *tmp = 1;
    int fd = tn_temp_fd();   /* $TMPDIR: standard input may be large */
    if (fd < 0)
        return -1;
    char buf[1 << 16];
    ssize_t n;
    while ((n = read(0, buf, sizeof(buf))) > 0) {
        ssize_t w = write(fd, buf, (size_t)n);
        if (w != n) {
            int e = w < 0 ? errno : ENOSPC;
            close(fd);
            errno = e;
            return -1;
        }
    }
    if (n < 0) {
        int e = errno;
        close(fd);
        *tmp = 0;
        errno = e;
        return -1;
    }
    return fd;
}

/* A gzip-compressed EVTX file (Security.evtx.gz): decompressed into an
 * unlinked temporary file, as standard input is spooled, for the chunks'
 * random access; damage is said, and what could be decompressed is read.
 * A damaged member whose size its trailer gives keeps its place (zeros
 * for what was lost, what decoded past its end cut), so that the chunks
 * after it stay at their offsets (a review, session 28: they were all
 * lost). $TMPDIR is watched: a gzip bomb stops while 1 GiB is left.
 * Returns the temporary file (fd is closed) or -1 with errno. */
#define SPOOL_KEEP_FREE ((uint64_t)1 << 30)
static int spool_gz(int fd, const char *path, tn_diag *d)
{
    tn_gz *g = tn_gz_open_fd(fd);
    int out = g ? tn_temp_fd() : -1;
    int e = g ? errno : ENOMEM;
    char buf[1 << 16];
    long n = 0;
    /* pos: where the next bytes go; size_now: the file's size. A fix moves
     * pos back over what decoded past a damaged member's end (the next
     * bytes overwrite it, the end is cut at the last) or on past what was
     * lost (zeros); moving back cuts nothing, so a fix a false header gave
     * does not take the good bytes with it (a review, session 28) */
    uint64_t pos = 0, size_now = 0, checked = 0, start, size;
    while (out >= 0 && ((n = tn_gz_read(g, buf, sizeof(buf))) >= 0 || n == TN_GZ_AGAIN)) {
        if (n > 0 && tn_pwrite_all(out, buf, (size_t)n, pos)) {
            n = -1;
            break;
        }
        pos += n > 0 ? (uint64_t)n : 0;
        size_now = pos > size_now ? pos : size_now;
        tn_gz_report(g, d, path, NULL);
        if (tn_gz_fix(g, &start, &size)) {   /* the next member's bytes go at start + size */
            pos = start + size;
            if (pos > size_now && ftruncate(out, (off_t)pos)) {
                n = -1;
                break;
            }
            size_now = pos > size_now ? pos : size_now;
        }
        if (n == 0)
            break;
        struct statvfs vs;
        if (pos - checked >= ((uint64_t)64 << 20) && !fstatvfs(out, &vs)) {
            checked = pos;
            if ((uint64_t)vs.f_bavail * vs.f_frsize < SPOOL_KEEP_FREE) {
                tn_report(d, TN_P_GZIP, path, NULL, "decompressing stopped after %llu bytes: %s has less "
                          "than 1 GiB left (a gzip bomb?); the rest is not read", (unsigned long long)pos,
                          tn_temp_dir());
                break;
            }
        }
    }
    if (out >= 0 && n >= 0 && pos < size_now && ftruncate(out, (off_t)pos))
        n = -1;   /* what decoded past the last damaged member's end */
    if (out >= 0 && n < 0) {
        e = errno;
        close(out);
        out = -1;
    }
    tn_gz_close(g);
    close(fd);
    errno = e;
    return out;
}

/* Read up to len bytes at off into buf; returns the count read. */
static uint32_t read_at(tn_evtx *f, uint64_t off, uint8_t *buf, uint32_t len)
{
    if (off >= f->size)
        return 0;
    if (f->size - off < len)
        len = (uint32_t)(f->size - off);
    if (f->mem) {
        memcpy(buf, f->mem + off, len);
        return len;
    }
    uint32_t got = 0;
    while (got < len) {
        ssize_t n = pread(f->fd, buf + got, len - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (uint32_t)n;
    }
    return got;
}

static void check_header(tn_evtx *f)
{
    uint8_t h[128];
    uint32_t n = read_at(f, 0, h, sizeof(h));
    if (n < 128 || memcmp(h, "ElfFile\0", 8) != 0) {
        tn_report(f->diag, TN_P_FILE_HEADER, f->path, "offset 0",
                  "no EVTX file header signature; scanning for chunks");
        return;
    }
    uint32_t want = rd32(h + 124);
    uint32_t got = tn_evtx_crc32(0, h, 120);
    if (want != got) {
        tn_report(f->diag, TN_P_FILE_HEADER, f->path, "offset 0",
                  "file header checksum 0x%08x, expected 0x%08x; reading chunks anyway", got, want);
        return;
    }
    /* a header that checks out and lists more chunks than the file holds:
     * the file was cut short (at a chunk boundary nothing else shows it).
     * A header listing fewer is a log not closed cleanly: its chunks are
     * all read. The count is 16 bits: files of 4 GiB and more wrap it. */
    uint32_t listed = (uint32_t)h[42] | (uint32_t)h[43] << 8;
    size_t held = tn_evtx_nchunks(f);
    if (held < 0xFFFF && listed > held)
        tn_report(f->diag, TN_P_FILE_HEADER, f->path, "offset 0",
                  "the file header lists %u chunks, the file holds %zu: cut short; the chunks present are read",
                  listed, held);
}

int tn_evtx_open(const char *path, tn_diag *d, tn_evtx **out)
{
    *out = NULL;
    int in = strcmp(path, "-") == 0, tmp = 0;
    int fd = in ? spool_stdin(&tmp) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && in && tmp)
        tn_report(d, TN_P_FILE_OPEN, path, NULL, "cannot copy standard input to a temporary file in %s: %s",
                  tn_temp_dir(), strerror(errno));
    else if (fd < 0)
        tn_report(d, TN_P_FILE_OPEN, path, NULL, "cannot %s: %s", in ? "read standard input" : "open",
                  strerror(errno));
    if (fd < 0)
        return -1;
    uint8_t magic[3];   /* standard input too: it is a spooled file by now */
    if (pread(fd, magic, 3, 0) == 3 && tn_gz_is(magic, 3) && (fd = spool_gz(fd, path, d)) < 0) {
        tn_report(d, TN_P_FILE_OPEN, path, NULL, "cannot decompress it (gzip) into a temporary file in %s: %s",
                  tn_temp_dir(), strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        tn_report(d, TN_P_FILE_OPEN, path, NULL, "not a regular file");
        close(fd);
        return -1;
    }
    tn_evtx *f = tn_calloc(1, sizeof(*f));
    if (!f || !(f->path = tn_strndup(path, strlen(path)))) {
        tn_free(f);
        close(fd);
        return -1;
    }
    f->diag = d;
    f->size = (uint64_t)st.st_size;
    f->fd = fd;
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    check_header(f);
    *out = f;
    return 0;
}

int tn_evtx_open_mem(const uint8_t *data, size_t size, const char *name, tn_diag *d, tn_evtx **out)
{
    tn_evtx *f = tn_calloc(1, sizeof(*f));
    if (!f || !(f->path = tn_strndup(name, strlen(name)))) {
        tn_free(f);
        *out = NULL;
        return -1;
    }
    f->fd = -1;
    f->mem = data;
    f->size = size;
    f->diag = d;
    check_header(f);
    *out = f;
    return 0;
}

void tn_evtx_close(tn_evtx *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    tn_free(f->path);
    tn_free(f);
}

size_t tn_evtx_nchunks(const tn_evtx *f)
{
    if (f->size <= TN_EVTX_HEADER_SIZE)
        return 0;
    return (size_t)((f->size - TN_EVTX_HEADER_SIZE + TN_EVTX_CHUNK_SIZE - 1) / TN_EVTX_CHUNK_SIZE);
}

const char *tn_evtx_path(const tn_evtx *f) { return f->path; }
uint64_t tn_evtx_size(const tn_evtx *f) { return f->size; }

/* A record at pos in [0, limit) of the slot: magic, size, trailing copy. */
static uint32_t record_ok(const uint8_t *b, uint32_t pos, uint32_t limit)
{
    if (limit < 28 || pos > limit - 28 || memcmp(b + pos, "\x2a\x2a\x00\x00", 4) != 0)
        return 0;
    uint32_t size = rd32(b + pos + 4);
    if (size < 28 || size > limit - pos || rd32(b + pos + size - 4) != size)
        return 0;
    return size;
}

/* Next position at or after pos where a valid record starts, or limit. */
static uint32_t resync(const uint8_t *b, uint32_t pos, uint32_t limit)
{
    while (pos + 28 <= limit) {
        const uint8_t *p = memchr(b + pos, 0x2a, limit - 27 - pos);
        if (!p)
            break;
        pos = (uint32_t)(p - b);
        if (record_ok(b, pos, limit))
            return pos;
        pos++;
    }
    return limit;
}

typedef struct walk_state {
    tn_evtx *f;
    size_t slot;
    bx_chunk *ctx;
    tn_evtx_cb cb;
    void *arg;
    long delivered;
} walk_state;

/* Parse and deliver the record at pos (already validated). Returns 1 to
 * stop, 0 to go on. */
static int deliver(walk_state *w, uint32_t pos, uint32_t size, int carved)
{
    const uint8_t *b = w->ctx->base;
    uint64_t off = TN_EVTX_HEADER_SIZE + (uint64_t)w->slot * TN_EVTX_CHUNK_SIZE + pos;
    tn_evtx_record r = {
        .record_id = rd64(b + pos + 8),
        .written = rd64(b + pos + 16),
        .offset = off,
        .chunk = (uint32_t)w->slot,
        .carved = (uint8_t)carved,
        .ctx = w->ctx,
    };
    r.tree = bx_parse(w->ctx, pos + 24, size - 28);
    if (!r.tree) {
        char where[96];
        snprintf(where, sizeof(where), "chunk %zu, record %llu at offset 0x%llx", w->slot,
                 (unsigned long long)r.record_id,
                 (unsigned long long)(TN_EVTX_HEADER_SIZE + (uint64_t)w->slot * TN_EVTX_CHUNK_SIZE +
                                      w->ctx->error_off));
        tn_report(w->f->diag, TN_P_BINXML, w->f->path, where, "%s; record skipped",
                  w->ctx->error ? w->ctx->error : "bad BinXML");
        return 0;
    }
    w->delivered++;
    return w->cb(w->arg, &r) != 0;
}

static void where_chunk(char *buf, size_t n, size_t slot, uint64_t off)
{
    snprintf(buf, n, "chunk %zu at offset 0x%llx", slot, (unsigned long long)off);
}

/* Records from start to limit; invalid stretches are reported (unless
 * carving quietly) and skipped up to the next valid record. */
static int walk_records(walk_state *w, uint32_t start, uint32_t limit, int carving)
{
    const uint8_t *b = w->ctx->base;
    uint32_t pos = start;
    while (pos + 28 <= limit) {
        uint32_t size = record_ok(b, pos, limit);
        if (!size) {
            uint32_t next = resync(b, pos + 1, limit);
            if (!carving) {
                char where[96];
                where_chunk(where, sizeof(where), w->slot,
                            TN_EVTX_HEADER_SIZE + (uint64_t)w->slot * TN_EVTX_CHUNK_SIZE + pos);
                tn_report(w->f->diag, TN_P_RECORD, w->f->path, where,
                          "no valid record here; skipped %u bytes", next - pos);
            }
            pos = next;
            continue;
        }
        if (deliver(w, pos, size, carving))
            return 1;
        pos += size;
    }
    return 0;
}

static int all_zero(const uint8_t *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

long tn_evtx_read_chunk(tn_evtx *f, size_t slot, bx_chunk *ctx, int carve, tn_evtx_cb cb, void *arg)
{
    uint64_t off = TN_EVTX_HEADER_SIZE + (uint64_t)slot * TN_EVTX_CHUNK_SIZE;
    if (off >= f->size)
        return 0;
    uint8_t *b = ctx->io;
    uint32_t avail = read_at(f, off, b, TN_EVTX_CHUNK_SIZE);
    if (!avail)
        return 0;
    bx_chunk_reset(ctx, b, avail);
    walk_state w = {f, slot, ctx, cb, arg, 0};
    char where[96];
    where_chunk(where, sizeof(where), slot, off);

    if (avail < 512 || memcmp(b, "ElfChnk\0", 8) != 0) {
        if (all_zero(b, avail))
            return 0; /* unused, preallocated space */
        if (!carve) {
            if (memcmp(b, "ElfChnk\0", 8) == 0)
                tn_report(f->diag, TN_P_CHUNK_HEADER, f->path, where, "chunk truncated to %u bytes", avail);
            else
                tn_report(f->diag, TN_P_CHUNK_HEADER, f->path, where,
                          "not a chunk (no signature); use --carve to recover records");
            return 0;
        }
        return walk_records(&w, 0, avail, 1) ? -1 : w.delivered;
    }
    if (avail < TN_EVTX_CHUNK_SIZE)
        tn_report(f->diag, TN_P_CHUNK_HEADER, f->path, where, "chunk truncated to %u bytes; reading what is there", avail);

    uint32_t hcrc = tn_evtx_crc32(tn_evtx_crc32(0, b, 120), b + 128, 384);
    if (hcrc != rd32(b + 124))
        tn_report(f->diag, TN_P_CHUNK_CRC, f->path, where,
                  "chunk header checksum mismatch; records validated one by one");
    uint32_t free_off = rd32(b + 48);
    uint32_t limit = free_off;
    if (avail < TN_EVTX_CHUNK_SIZE && free_off > avail) {
        limit = avail; /* truncated: reported above; records are checked one by one */
    } else if (free_off < 512 || free_off > avail) {
        if (free_off != 512 || avail < 512)
            tn_report(f->diag, TN_P_CHUNK_HEADER, f->path, where,
                      "free space offset %u out of range; scanning the whole chunk", free_off);
        limit = free_off == 512 ? 512 : avail;
    } else if (tn_evtx_crc32(0, b + 512, free_off - 512) != rd32(b + 52)) {
        tn_report(f->diag, TN_P_CHUNK_CRC, f->path, where,
                  "record data checksum mismatch; records validated one by one");
    }
    int stop = walk_records(&w, 512, limit, 0) || (carve && limit < avail && walk_records(&w, limit, avail, 1));
    return stop ? -1 : w.delivered;
}
