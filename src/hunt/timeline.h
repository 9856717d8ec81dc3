/* timeline.h - detections sorted by event time, printed as a table, CSV or
 * JSON Lines, and the closing summary. */
#ifndef TN_TIMELINE_H
#define TN_TIMELINE_H

#include "base/map.h"
#include "hunt/hunt.h"

#include <stdio.h>

enum { TN_OUT_TABLE, TN_OUT_CSV, TN_OUT_JSONL };

/* What the summary tells, gathered while the timeline is printed. */
typedef struct tn_tl_stats {
    uint64_t total, by_level[5], first, last;
    tn_map rules, computers;     /* keys: rule title, computer */
    uint64_t *rule_n, *comp_n;   /* counts by map id */
    size_t cap_rule, cap_comp;
} tn_tl_stats;

void tn_tl_stats_init(tn_tl_stats *st);
void tn_tl_stats_free(tn_tl_stats *st);

/* Print every detection in timeline order (spill.h: tn_det_cmp), merging
 * the sorted runs on disk with the detections in memory, which it sorts.
 * colour: ANSI colours by level (table only). Fills st. Returns 0 or -1
 * (a write or read error). */
int tn_timeline_print(tn_dets *ds, const tn_ruleset *rs, const tn_inputs *in, int format,
                      int colour, FILE *out, tn_tl_stats *st);

/* Detections by level, by rule and by computer; first and last time;
 * files, records and speed; problems; rules loaded and rejected. */
void tn_timeline_summary(const tn_tl_stats *tl, const tn_ruleset *rs, const tn_hunt_stats *st,
                         const tn_diag *d, uint64_t rules_rejected, FILE *out);

#endif
