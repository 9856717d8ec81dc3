/* evtx.h - EVTX files: header, 64 KiB chunks, event records. Chunks are
 * independent (templates and names are chunk-local), so readers on several
 * threads may each take chunks of one open file. */
#ifndef TN_EVTX_H
#define TN_EVTX_H

#include "base/diag.h"
#include "read/binxml.h"

#include <stddef.h>
#include <stdint.h>

#define TN_EVTX_HEADER_SIZE 4096u
#define TN_EVTX_CHUNK_SIZE 65536u

typedef struct tn_evtx tn_evtx;

/* One record, valid during the callback only. */
typedef struct tn_evtx_record {
    uint64_t record_id;
    uint64_t written;       /* FILETIME from the record header */
    uint64_t offset;        /* byte offset in the file */
    uint32_t chunk;         /* chunk slot index */
    uint8_t carved;         /* recovered from slack or non-chunk space */
    const bx_node *tree;    /* parsed BinXML */
    bx_chunk *ctx;          /* for rendering the tree */
} tn_evtx_record;

/* Return nonzero to stop reading the chunk. */
typedef int (*tn_evtx_cb)(void *arg, const tn_evtx_record *rec);

/* Open and map a file ("-" spools standard input to a temporary file).
 * A bad file header is reported to d and the file is still opened: chunks
 * are found by their signature. Returns 0, or -1 (reported) when the file
 * cannot be opened at all. */
int tn_evtx_open(const char *path, tn_diag *d, tn_evtx **out);
/* The same over bytes in memory (borrowed: they must outlive the handle);
 * name is used in reports. For tests and fuzzing. */
int tn_evtx_open_mem(const uint8_t *data, size_t size, const char *name, tn_diag *d, tn_evtx **out);
void tn_evtx_close(tn_evtx *f);

/* Number of 64 KiB chunk slots in the file, whatever the header says. */
size_t tn_evtx_nchunks(const tn_evtx *f);
const char *tn_evtx_path(const tn_evtx *f);
uint64_t tn_evtx_size(const tn_evtx *f);

/* Read one chunk slot with the scratch context ctx (one per thread). Every
 * problem is reported to the diag given at open, with file, chunk and
 * offset; bad records are skipped one by one. With carve, records are also
 * recovered from the chunk's slack and from slots that are not chunks.
 * Returns the number of records delivered, or -1 if cb asked to stop. */
long tn_evtx_read_chunk(tn_evtx *f, size_t slot, bx_chunk *ctx, int carve,
                        tn_evtx_cb cb, void *arg);

#endif
