/* correlate.h - Sigma correlation rules over a time-ordered stream of rule matches.
 *
 * A tn_correlator keeps per-group sliding windows for every correlation
 * rule of a rule set. Feed it each rule match (from the tn_scanner
 * callback) in event-time order; it reports correlation hits, and feeds
 * those hits to correlations that refer to other correlations (chains).
 * One correlator sees the whole stream: it is not shared between threads;
 * with several scanner threads, merge their matches by time first.
 *
 * Window semantics (documented in docs/sigma.md); windows are over
 * event time, and hold both ends (an entry timespan after another is in
 * its window):
 *  - with only gt/gte conditions (or none, for temporal and
 *    temporal_ordered = all rules): a window of `timespan` ends at each
 *    event; the correlation fires as soon as the condition holds, then the
 *    group starts over after the events it used.
 *  - with lt/lte/eq/neq (which a later event can make false again), and
 *    value_percentile: a window of `timespan` starts at the group's oldest
 *    event and is judged when it has closed (a later event, a sweep, or
 *    tn_correlator_flush for windows the input's end cut short); hit or
 *    not, the next window starts at the first event after it.
 *  - temporal_ordered counts the most rules that match in the listed
 *    order (the longest run of the window's events whose rules come later
 *    in the list each time); temporal counts the rules seen.
 *  - value_percentile: for each value in the window, its share (0-100)
 *    of the window's events in the group that have the field; fires once
 *    a value and window, with the value's first event.
 *
 * Chains: a correlation that reads the hits of one with lt/lte/eq/neq,
 * or of a value_percentile (whose windows are judged once closed, so its
 * hits come after later events) takes all its inputs that much behind
 * the stream: twice the upstream's timespan (a window's own, and a
 * sweep's period), plus the upstream's own lag. Its inputs wait in time
 * order until then, so it
 * sees its events and the upstream hits in time order, and the result
 * does not depend on the order of the correlations in the files.
 *
 * Memory: a correlation's state is swept each time the stream's time
 * advances by its timespan. Entries older than the timespan are dropped,
 * windows that have closed are judged (as the group's next event or the
 * flush would judge them), and groups left empty are freed. So
 * the state holds at most the matches of the referenced rules within two
 * timespans of the latest event, whatever the length of the input, plus
 * one copy of each distinct computer and channel name (and, for a
 * chained one, its lag's inputs). Each entry costs about 80 bytes and its
 * aggregated value, and a chained entry its upstream hit's events; a group
 * about 600 bytes (500,000 users in one day's event_count: 293 MB of peak
 * RSS, 1.11 GB while a group's entries started at 16). */
#ifndef TN_MATCH_CORRELATE_H
#define TN_MATCH_CORRELATE_H

#include "base/buf.h"
#include "read/event.h"
#include "sigma/sigma.h"

typedef struct tn_correlator tn_correlator;

/* Where a counted event came from, carried through the windows so that a
 * hit names the events that satisfied it. computer and channel are copied
 * by the correlator. */
typedef struct tn_corr_origin {
    uint64_t record_id;
    uint64_t offset;                   /* EVTX byte offset or JSON line */
    uint32_t file;                     /* the caller's input index */
    uint32_t event_id;
    const char *computer, *channel;
} tn_corr_origin;

typedef struct tn_corr_hit {
    const tn_rule_info *rule;          /* the correlation rule (with its id and tags) */
    const char *const *group_by;       /* group-by names and this group's values */
    const char *const *group_values;
    uint32_t ngroup;
    double value;                      /* count, distinct values, rules seen, sum, avg or share */
    uint64_t first, last;              /* FILETIME of the first and last events counted */
    uint32_t nevents;                  /* events in the window */
    const tn_corr_origin *events;      /* those events, oldest first (for a chained
                                        * correlation: the events of each upstream
                                        * hit, hit by hit) */
    /* inside the correlator: the values of the correlation's carry fields
     * (sigma/corr.h) these events share, encoded; NULL when it has none */
    const char *carry;
} tn_corr_hit;

/* Return non-zero to stop reporting hits of the current feed. */
typedef int (*tn_corr_cb)(const tn_corr_hit *hit, void *ctx);

/* NULL when out of memory. rs must outlive the correlator. */
tn_correlator *tn_correlator_new(const tn_ruleset *rs);
void tn_correlator_free(tn_correlator *c);

/* Does a correlation refer to rule? Only such matches need feeding. */
int tn_corr_refers(const tn_ruleset *rs, const tn_rule_info *rule);

/* The values the correlations that refer to rule read from ev (group-by
 * and aggregated fields), appended to out as text without NUL bytes:
 * what tn_correlator_feed_values takes. A caller that feeds later, in time
 * order, keeps these few values instead of the event. Appends nothing for
 * a rule no correlation refers to. Thread-safe (reads rs only). */
void tn_corr_values(const tn_ruleset *rs, const tn_rule_info *rule, const tn_event *ev,
                    tn_buf *out);

/* One match of rule at time t, by its values from tn_corr_values. Feed
 * matches in event-time order. Returns the number of correlation hits
 * reported, -1 when out of memory or values is malformed. Malformed
 * values leave the correlator usable (the correlations before the
 * malformed part were fed); after running out of memory, here or in
 * tn_correlator_flush, only tn_correlator_free may be called. */
int tn_correlator_feed_values(tn_correlator *c, const tn_rule_info *rule, uint64_t t,
                              const char *values, const tn_corr_origin *o, tn_corr_cb cb,
                              void *ctx);

/* One match of rule (from tn_scanner_match's callback) on ev, whose time
 * is ev->time: tn_corr_values, then tn_correlator_feed_values (origin
 * from ev, file 0). Same results. */
int tn_correlator_feed(tn_correlator *c, const tn_rule_info *rule, const tn_event *ev,
                       tn_corr_cb cb, void *ctx);

/* Groups held now, over all correlations: what the sweeps bound. */
size_t tn_correlator_groups(const tn_correlator *c);

/* End of input: judges every window still open, again while hits judged
 * so open windows of the correlations they feed. Returns hits reported,
 * or -1 out of memory. */
int tn_correlator_flush(tn_correlator *c, tn_corr_cb cb, void *ctx);

#endif
