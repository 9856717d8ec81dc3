/* timeline.h - detections sorted by event time, printed as a table, CSV or
 * JSON Lines, and the closing summary. */
#ifndef TN_TIMELINE_H
#define TN_TIMELINE_H

#include "hunt/hunt.h"

#include <stdio.h>

enum { TN_OUT_TABLE, TN_OUT_CSV, TN_OUT_JSONL };

/* Sort by (time, file, offset, correlation last, rule): the same order
 * whatever the thread count. */
void tn_timeline_sort(tn_dets *ds);

/* Print every detection. colour: ANSI colours by level (table only). */
int tn_timeline_print(const tn_dets *ds, const tn_ruleset *rs, const tn_inputs *in, int format,
                      int colour, FILE *out);

/* Detections by level, by rule and by computer; first and last time;
 * files, records and speed; problems; rules loaded and rejected. */
void tn_timeline_summary(const tn_dets *ds, const tn_ruleset *rs, const tn_hunt_stats *st,
                         const tn_diag *d, uint64_t rules_rejected, FILE *out);

#endif
