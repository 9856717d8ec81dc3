/* evtx_write.c - EVTX files: chunk filling, checksums, parking, file header.
 *
 * A record is built in place at the chunk's free offset. If it does not
 * fit, the chunk's name and template tables are restored from a copy
 * taken before the record, the chunk is sealed and written, and the
 * record is built again at the start of a fresh chunk (where its
 * template is defined anew). */
#include "gen/evtx_write.h"

#include "base/alloc.h"
#include "base/file.h"
#include <zlib.h>
#include "gen/evtx_emit.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define FILE_HDR 4096u

static uint64_t fnv64(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

static char *dup_str(const char *s)
{
    return tn_strndup(s, strlen(s));
}

static void chunk_reset(tn_evtx_writer *w)
{
    memset(w->chunk, 0, TN_EVTX_CHUNK);
    memcpy(w->chunk, "ElfChnk", 8);
    w->pos = TN_EVTX_CHUNK_HDR;
    w->last_rec = 0;
    w->first_id = w->next_id;
}

int tn_evtxw_open(tn_evtx_writer *w, const char *path, const char *computer)
{
    memset(w, 0, sizeof(*w));
    w->fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (w->fd < 0)
        return -1;
    w->path = dup_str(path);
    w->computer = dup_str(computer);
    w->chunk = tn_malloc(TN_EVTX_CHUNK);
    if (!w->path || !w->computer || !w->chunk) {
        close(w->fd);
        tn_free(w->path);
        tn_free(w->computer);
        tn_free(w->chunk);
        errno = ENOMEM;
        return -1;
    }
    w->comp_hash = fnv64(computer);
    w->next_id = 1;
    w->nchunks = 1;
    chunk_reset(w);
    w->bytes = FILE_HDR + TN_EVTX_CHUNK;
    return 0;
}

/* Fills in the header of the current chunk and writes it to its place.
 * Checksums are left out when the chunk is only parked: it will be
 * stored again, with them, when it is sealed or the file is closed. */
static int chunk_store(tn_evtx_writer *w, int checksums)
{
    uint8_t *c = w->chunk;
    uint64_t last = w->next_id - 1;
    tn_wr64(c + 8, w->first_id);
    tn_wr64(c + 16, last);
    tn_wr64(c + 24, w->first_id);
    tn_wr64(c + 32, last);
    tn_wr32(c + 40, 128);
    tn_wr32(c + 44, w->last_rec);
    tn_wr32(c + 48, w->pos);
    if (checksums) {
        tn_wr32(c + 52, (uint32_t)crc32(0, (const Bytef *)c + TN_EVTX_CHUNK_HDR, w->pos - TN_EVTX_CHUNK_HDR));
        uint32_t crc = (uint32_t)crc32(0, (const Bytef *)c, 120);
        tn_wr32(c + 124, (uint32_t)crc32(crc, (const Bytef *)c + 128, TN_EVTX_CHUNK_HDR - 128));
    }
    off_t at = (off_t)FILE_HDR + (off_t)(w->nchunks - 1) * TN_EVTX_CHUNK;
    return tn_pwrite_all(w->fd, c, TN_EVTX_CHUNK, (uint64_t)at);   /* a short write is written again:
                                                                   * that fails with the reason */
}

static int unpark(tn_evtx_writer *w)
{
    if (w->chunk)
        return 0;
    w->fd = open(w->path, O_RDWR);
    if (w->fd < 0)
        return -1;
    w->chunk = tn_malloc(TN_EVTX_CHUNK);
    if (!w->chunk) {
        errno = ENOMEM;
        return -1;
    }
    off_t at = (off_t)FILE_HDR + (off_t)(w->nchunks - 1) * TN_EVTX_CHUNK;
    ssize_t k = pread(w->fd, w->chunk, TN_EVTX_CHUNK, at);
    if (k == (ssize_t)TN_EVTX_CHUNK)
        return 0;
    if (k >= 0)
        errno = EIO;   /* the chunk written before is not there whole */
    return -1;
}

int tn_evtx_park(tn_evtx_writer *w)
{
    if (!w->chunk)
        return 0;
    int rc = chunk_store(w, 0);
    tn_free(w->chunk);
    w->chunk = NULL;
    if (close(w->fd) != 0)
        rc = -1;
    w->fd = -1;
    return rc;
}

/* Builds one record at the free offset; returns 0, or 1 if it did not fit. */
static int build_record(tn_evtx_writer *w, const tn_gen_event *e)
{
    static const uint8_t frag[] = {0x0f, 0x01, 0x01, 0x00};
    tn_emit m = {w->chunk, w->pos, 0};
    uint8_t guid[16];
    tn_emit_guid_of(e->sc, w->comp_hash, guid);
    uint32_t def = tn_emit_find_template(w->chunk, guid);
    tn_emit_u32(&m, 0x00002a2a);
    tn_emit_u32(&m, 0);
    tn_emit_u64(&m, w->next_id);
    tn_emit_u64(&m, e->time);
    tn_emit_bytes(&m, frag, 4);
    tn_emit_u8(&m, 0x0c);
    tn_emit_u8(&m, 0x01);
    tn_emit_bytes(&m, guid, 4);
    if (def) {
        tn_emit_u32(&m, def);
    } else {
        tn_emit_u32(&m, m.pos + 4);
        tn_emit_template(&m, e->sc, guid, w->computer);
    }
    tn_emit_values(&m, e, w->next_id);
    while (!m.full && (m.pos - w->pos + 4) % 8)
        tn_emit_u8(&m, 0);
    uint32_t size = m.pos + 4 - w->pos;
    tn_emit_u32(&m, size);
    if (m.full)
        return 1;
    tn_wr32(w->chunk + w->pos + 4, size);
    w->last_rec = w->pos;
    w->pos = m.pos;
    return 0;
}

int tn_evtx_append(tn_evtx_writer *w, const tn_gen_event *e, uint64_t *id)
{
    if (unpark(w) != 0)
        return -1;
    uint8_t tables[TN_EVTX_CHUNK_HDR - 128];
    memcpy(tables, w->chunk + 128, sizeof(tables));
    if (build_record(w, e)) {
        memcpy(w->chunk + 128, tables, sizeof(tables));
        if (w->pos == TN_EVTX_CHUNK_HDR) {
            errno = EFBIG;
            return -1;
        }
        memset(w->chunk + w->pos, 0, TN_EVTX_CHUNK - w->pos);
        if (chunk_store(w, 1) != 0)
            return -1;
        if (w->nchunks == 65535) {
            errno = EFBIG;
            return -1;
        }
        w->nchunks++;
        w->bytes += TN_EVTX_CHUNK;
        chunk_reset(w);
        if (build_record(w, e)) {
            errno = EFBIG;
            return -1;
        }
    }
    *id = w->next_id++;
    w->records++;
    return 0;
}

/* Ids only jump between chunks, as when whole chunks are lost, so each
 * chunk's first..last range stays dense. */
int tn_evtx_skip_ids(tn_evtx_writer *w, uint64_t n)
{
    if (unpark(w) != 0)
        return -1;
    if (w->pos > TN_EVTX_CHUNK_HDR) {
        if (chunk_store(w, 1) != 0)
            return -1;
        w->nchunks++;
        w->bytes += TN_EVTX_CHUNK;
    }
    w->next_id += n;
    chunk_reset(w);
    return 0;
}

static int write_file_header(tn_evtx_writer *w)
{
    uint8_t h[FILE_HDR];
    memset(h, 0, sizeof(h));
    memcpy(h, "ElfFile", 8);
    tn_wr64(h + 8, 0);
    tn_wr64(h + 16, w->nchunks - 1);
    tn_wr64(h + 24, w->next_id);
    tn_wr32(h + 32, 128);
    tn_wr16(h + 36, 1);
    tn_wr16(h + 38, 3);
    tn_wr16(h + 40, FILE_HDR);
    tn_wr16(h + 42, (uint16_t)w->nchunks);
    tn_wr32(h + 120, 0);
    tn_wr32(h + 124, (uint32_t)crc32(0, (const Bytef *)h, 120));
    return tn_pwrite_all(w->fd, h, FILE_HDR, 0);
}

int tn_evtxw_close(tn_evtx_writer *w)
{
    int rc = unpark(w);
    if (rc == 0)
        rc = chunk_store(w, 1);
    if (rc == 0)
        rc = write_file_header(w);
    if (w->fd >= 0 && close(w->fd) != 0)
        rc = -1;
    tn_free(w->chunk);
    tn_free(w->path);
    tn_free(w->computer);
    memset(w, 0, sizeof(*w));
    w->fd = -1;
    return rc;
}
