/* correlate.h - Sigma correlation rules over a time-ordered stream of rule matches.
 *
 * A tn_correlator keeps per-group sliding windows for every correlation
 * rule of a rule set. Feed it each rule match (from the tn_scanner
 * callback) in event-time order; it reports correlation hits, and feeds
 * those hits to correlations that refer to other correlations (chains).
 * One correlator sees the whole stream: it is not shared between threads;
 * with several scanner threads, merge their matches by time first.
 *
 * Window semantics (documented in docs/sigma.md):
 *  - event_count, value_count, temporal, with only gt/gte conditions (or
 *    none, for temporal = all rules): sliding window of `timespan` ending
 *    at each event; fires as soon as the condition holds, then the group
 *    starts over.
 *  - the same types with lt/lte/eq/neq: tumbling windows starting at a
 *    group's first event, judged when a later event falls outside or at
 *    tn_correlator_flush.
 *  - temporal_ordered: the rules must match in the listed order, first to
 *    last within timespan.
 *  - value_sum, value_avg: sliding window; fires when the condition holds,
 *    then the group starts over. value_percentile: for each event, the
 *    share (0-100) of the window's events in the group that have the
 *    same field value; fires per event when the condition holds. */
#ifndef TN_MATCH_CORRELATE_H
#define TN_MATCH_CORRELATE_H

#include "read/event.h"
#include "sigma/sigma.h"

typedef struct tn_correlator tn_correlator;

typedef struct tn_corr_hit {
    const tn_rule_info *rule;          /* the correlation rule */
    const char *const *group_by;       /* group-by names and this group's values */
    const char *const *group_values;
    uint32_t ngroup;
    double value;                      /* count, distinct values, rules seen, sum, avg or share */
    uint64_t first, last;              /* FILETIME of the first and last events counted */
    uint32_t nevents;                  /* events in the window */
} tn_corr_hit;

/* Return non-zero to stop reporting hits of the current feed. */
typedef int (*tn_corr_cb)(const tn_corr_hit *hit, void *ctx);

/* NULL when out of memory. rs must outlive the correlator. */
tn_correlator *tn_correlator_new(const tn_ruleset *rs);
void tn_correlator_free(tn_correlator *c);

/* One match of rule (from tn_scanner_match's callback) on ev, whose time
 * is ev->time. Returns the number of correlation hits reported, -1 when out
 * of memory. Rules no correlation refers to cost one loop over the
 * correlations. */
int tn_correlator_feed(tn_correlator *c, const tn_rule_info *rule, const tn_event *ev,
                       tn_corr_cb cb, void *ctx);

/* End of input: judges every open tumbling window. Returns hits reported. */
int tn_correlator_flush(tn_correlator *c, tn_corr_cb cb, void *ctx);

#endif
