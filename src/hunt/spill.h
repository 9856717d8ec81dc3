/* spill.h - sorted runs of detections on disk, and their k-way merge:
 * the timeline stays in bounded memory however many detections there are. */
#ifndef TN_SPILL_H
#define TN_SPILL_H

#include "base/buf.h"
#include "hunt/hunt.h"

#include <stdio.h>

/* Order of the timeline: (time, file, offset, correlations after events,
 * rule). The same whatever the thread count. */
int tn_det_cmp(const void *a, const void *b);

/* Sorts v[0..n) in tn_det_cmp order, stably: what qsort with tn_det_cmp
 * gives, cheaper (see spill.c). */
void tn_det_sort(tn_det *v, size_t n);

/* Sort v[0..n) and write it to a new unlinked temporary file in
 * tn_temp_dir() (base/file.h). Returns the file (positioned at its start)
 * or NULL (errno set: ENOSPC, EMFILE, ENOMEM, ...). */
FILE *tn_spill_write(tn_det *v, size_t n);

/* Reads one run back, one detection at a time, from a shared mapping of
 * the file. The strings of cur, and of every record read before, stay
 * valid until tn_run_close. To keep the process small, the reader drops
 * from it the pages more than TN_RUN_HOLD bytes behind (madvise): a later
 * read of them still sees the file, faulted back in from the page cache,
 * only slower. So a caller should hold the lines of fewer bytes than that
 * (the timeline batches lines for writev(2) so). */
#define TN_RUN_HOLD (128u * 1024)
typedef struct tn_run_reader {
    FILE *f;
    tn_det cur;      /* valid while has */
    const char *map; /* the file, mapped */
    size_t size;     /* of the file */
    size_t left;     /* detections not read yet */
    size_t head;     /* offset of the next one's fixed fields */
    size_t str;      /* offset of its strings */
    size_t dropped_head, dropped_str;   /* dropped from the process up to */
    int has;
    int bad;         /* the file could not be mapped, or is not a run */
} tn_run_reader;

/* Start reading f (takes it over: closed by tn_run_close). */
void tn_run_open(tn_run_reader *r, FILE *f);
/* Advance: 1 when cur holds the next detection, 0 at end, -1 on error. */
int tn_run_next(tn_run_reader *r);
void tn_run_close(tn_run_reader *r);

/* A k-way merge, in tn_det_cmp order, of sorted runs on disk and sorted
 * arrays in memory: a heap of their heads, so n sources cost log n
 * comparisons per detection. */
typedef struct tn_merge tn_merge;

/* Takes the runs over (they are closed by tn_merge_free, also on failure;
 * the runs array itself stays the caller's); arrays are borrowed. Returns
 * NULL when out of memory (errno ENOMEM) or a run cannot be read (EIO). */
tn_merge *tn_merge_new(FILE **runs, size_t nruns, tn_det *const *arrays, const size_t *lens,
                       size_t narrays);
/* The next detection into *out, valid until the next call: 1, 0 at the
 * end, -1 on a read error. */
int tn_merge_next(tn_merge *m, const tn_det **out);
void tn_merge_free(tn_merge *m);

#endif
