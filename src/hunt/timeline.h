/* timeline.h - detections sorted by event time, printed as a table, CSV or
 * JSON Lines, and the closing summary. */
#ifndef TN_TIMELINE_H
#define TN_TIMELINE_H

#include "base/buf.h"
#include "base/map.h"
#include "hunt/hunt.h"

#include <stdio.h>

/* What the summary tells, gathered while the timeline is printed, or by
 * the workers when they format the lines (tn_hunt_opts.format). */
struct tn_tl_stats {
    uint64_t total, by_level[5], first, last;
    tn_map rules, computers;     /* keys: rule title, computer */
    uint64_t *rule_n, *comp_n;   /* counts by map id */
    size_t cap_rule, cap_comp;
};

void tn_tl_stats_init(tn_tl_stats *st);
void tn_tl_stats_free(tn_tl_stats *st);
/* Counts d, whose rule (or correlation) is ri. 0, or -1 when out of memory. */
int tn_tl_stats_add(tn_tl_stats *st, const tn_rule_info *ri, const tn_det *d);
/* Adds the counts of from to to. 0, or -1 when out of memory. */
int tn_tl_stats_merge(tn_tl_stats *to, const tn_tl_stats *from);

/* The rule or correlation of d into *ri. */
void tn_timeline_rule(const tn_ruleset *rs, const tn_det *d, tn_rule_info *ri);
/* A thread's JSON of what is the same on many lines: a rule's level, id,
 * title and tags, and a file's name (escaped once, not on every line).
 * Zero-initialise; tn_tl_cache_free releases it. */
typedef struct tn_tl_cache {
    tn_buf text;
    struct tn_tl_frag {
        uint32_t at, len;   /* in text; len 0: not made yet */
        uint8_t level;
    } *frag[3];             /* per rule, per correlation, per input file */
    uint32_t n[3];
} tn_tl_cache;
void tn_tl_cache_free(tn_tl_cache *c);

/* Appends d's line of the timeline in format (TN_OUT_*) to b: the one
 * formatter, whether the workers or the printer call it. cache may be
 * NULL; with one, JSON Lines reuse the rule's and file's fragments. */
void tn_timeline_line(tn_buf *b, const tn_det *d, const tn_rule_info *ri, const tn_inputs *in,
                      int format, int colour, tn_tl_cache *cache);

/* Print every detection in timeline order (spill.h: tn_det_cmp), merging
 * the sorted runs on disk with the detections in memory, which it sorts.
 * colour: ANSI colours by level (table only). A detection with its line
 * formatted is copied as it is (and was counted by the workers); the
 * others are formatted and counted into st. Returns 0 or -1 (a write or
 * read error). */
int tn_timeline_print(tn_dets *ds, const tn_ruleset *rs, const tn_inputs *in, int format,
                      int colour, FILE *out, tn_tl_stats *st);

/* Detections by level, by rule and by computer; first and last time;
 * files, records and speed; problems; rules loaded and rejected. */
void tn_timeline_summary(const tn_tl_stats *tl, const tn_ruleset *rs, const tn_hunt_stats *st,
                         const tn_diag *d, uint64_t rules_rejected, FILE *out);

#endif
