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

/* Sort v[0..n) and write it to a new unlinked temporary file. Returns the
 * file (positioned at its start) or NULL (errno set). */
FILE *tn_spill_write(tn_det *v, size_t n);

/* Reads one run back, one detection at a time. */
typedef struct tn_run_reader {
    FILE *f;
    tn_det cur;      /* valid while has */
    tn_buf str;      /* strings of cur */
    int has;
} tn_run_reader;

/* Start reading f (takes it over: closed by tn_run_close). */
void tn_run_open(tn_run_reader *r, FILE *f);
/* Advance: 1 when cur holds the next detection, 0 at end, -1 on error. */
int tn_run_next(tn_run_reader *r);
void tn_run_close(tn_run_reader *r);

#endif
