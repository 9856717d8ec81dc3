/* evtx_write.h - writes genuine EVTX files (Windows XML Event Log) record by record. */
#ifndef TN_EVTX_WRITE_H
#define TN_EVTX_WRITE_H

#include "gen/gen.h"

#include <stddef.h>
#include <stdint.h>

/* A writer owns one .evtx file. Records are BinXML template instances:
 * the first record of a chunk using an event type carries the template
 * definition, later ones in the chunk reference it by offset. Chunks are
 * filled, then checksummed and written; the file header is written last.
 *
 * To keep memory flat when thousands of files are open, a writer can be
 * parked: its partial chunk goes to disk and its buffer is released;
 * the next append reads it back. A parked writer holds no descriptor. */
typedef struct tn_evtx_writer {
    char *path;
    char *computer;
    uint64_t comp_hash;     /* seeds template GUIDs: one set per computer */
    uint8_t *chunk;         /* 64 KiB, NULL while parked */
    int fd;                 /* -1 while parked */
    uint32_t nchunks;       /* chunks started so far (incl. the current one) */
    uint32_t pos;           /* free space offset in the current chunk */
    uint32_t last_rec;      /* offset of the last record in the chunk, 0: none */
    uint64_t first_id;      /* first record id in the current chunk */
    uint64_t next_id;       /* record id the next record gets */
    uint64_t records;       /* records written in total */
    uint64_t bytes;         /* file size so far */
} tn_evtx_writer;

/* Creates (truncates) path. Returns 0 or -1 with errno set. */
int tn_evtxw_open(tn_evtx_writer *w, const char *path, const char *computer);
/* Appends one record; *id receives its EventRecordID. Returns 0, or -1
 * (I/O error with errno, or an event too large for one chunk: EFBIG). */
int tn_evtx_append(tn_evtx_writer *w, const tn_gen_event *e, uint64_t *id);
/* Makes the next record id jump by n (lost records, for log gaps):
 * seals the current chunk and starts the next chunk at the new id. */
int tn_evtx_skip_ids(tn_evtx_writer *w, uint64_t n);
int tn_evtx_park(tn_evtx_writer *w);
/* Flushes the last chunk, writes the file header and frees the writer. */
int tn_evtxw_close(tn_evtx_writer *w);

/* Exposed for tests: the 65599 hash Windows uses for names. */
uint32_t tn_evtx_name_hash(const char *utf8);

#endif
