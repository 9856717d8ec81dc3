/* jsonl.h - streaming reader of JSON logs into normalised events. */
#ifndef TN_JSONL_H
#define TN_JSONL_H

#include "base/diag.h"
#include "read/event.h"

#include <stddef.h>

/* Reads JSON Lines, a single object, an array of objects, or objects back
 * to back (pretty-printed or not, evtx_dump "Record N" header lines
 * allowed), in the shapes described in jsonl_map.h: evtx_dump, Winlogbeat
 * and flat NXLog-style records. Memory is bounded by the largest record
 * (at most max_record bytes), never by the file.
 *
 * Bad input is reported through the tn_diag as TN_P_JSON with the line
 * ("tansa: FILE: line 7: ...") and skipped; reading goes on with the next
 * record. A reader is used by one thread at a time. */
typedef struct tn_jsonl tn_jsonl;

/* Results of tn_jsonl_next (and of the open functions, 0 meaning success). */
enum {
    TN_JSONL_END = 0,     /* no more events */
    TN_JSONL_EVENT = 1,   /* *ev holds the next event */
    TN_JSONL_EIO = -1,    /* the file could not be opened or read (reported) */
    TN_JSONL_ENOMEM = -2, /* out of memory (not reported: the caller says it) */
};

#define TN_JSONL_CHUNK (64u * 1024)         /* bytes read at a time */
/* Longer records are reported and skipped. An EVTX record is at most
 * 64 KiB, its JSON rarely over 100 KiB; the limit bounds memory, which is
 * up to ~45 bytes per input byte for a record like [0,0,0,...]. */
#define TN_JSONL_MAX_RECORD (2u * 1024 * 1024)
/* An AWS CloudTrail file, {"Records": [...]}, is one JSON object that
 * holds all its events: up to this (8 times the limit of a record, with
 * the reader's own; real files are rarely over a few MiB). Parsed and
 * mapped, a hostile one of 16 MiB (one array of 8 M numbers) peaks at
 * 1.1 GB; 5.6 MiB of real-shaped events, 30 MB. */
#define TN_JSONL_RECORDS_FACTOR 8
#define TN_JSONL_MAX_REPORTS 20 /* per input; the rest are counted, then summed up once */

/* Open path ("-" is standard input) for reading. *out is the reader, or
 * NULL on failure. Returns 0, TN_JSONL_EIO (reported as TN_P_FILE_OPEN)
 * or TN_JSONL_ENOMEM. d must outlive the reader. */
int tn_jsonl_open(const char *path, tn_diag *d, tn_jsonl **out);

/* Read from memory instead: data[0..n) is borrowed and must outlive the
 * reader; name is used in reports and ev->file (copied). Same results. */
int tn_jsonl_open_mem(const void *data, size_t n, const char *name, tn_diag *d,
                      tn_jsonl **out);

/* Change the read size and the record limit (0 keeps the current value).
 * For tests and fuzzing: a chunk of 1 byte exercises every refill
 * boundary. Call before the first tn_jsonl_next. */
void tn_jsonl_set_limits(tn_jsonl *r, size_t chunk, size_t max_record);

/* Fill *ev (OUT) with the next event. Returns TN_JSONL_EVENT, TN_JSONL_END,
 * or a negative error after which the reader may only be closed. Strings
 * and fields in *ev stay valid until the next call or tn_jsonl_close.
 * ev->file is the name given at open; ev->offset is the 1-based line on
 * which the record starts. */
int tn_jsonl_next(tn_jsonl *r, tn_event *ev);

/* Free the reader and close its file (never standard input). NULL is fine. */
void tn_jsonl_close(tn_jsonl *r);

#endif
