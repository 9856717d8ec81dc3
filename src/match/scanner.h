/* scanner.h - per-thread matching of events against a shared tn_ruleset.
 *
 * A tn_scanner holds the scratch one thread needs (regex match data,
 * candidate lists, result caches); the rule set it reads is never
 * modified, so each thread makes its own scanner over one rule set. */
#ifndef TN_MATCH_SCANNER_H
#define TN_MATCH_SCANNER_H

#include "read/event.h"
#include "sigma/sigma.h"

typedef struct tn_scanner tn_scanner;

/* Called once per matching rule, in rule-set order. Return 0 to go on,
 * non-zero to stop matching this event. */
typedef int (*tn_match_cb)(const tn_rule_info *rule, const tn_event *ev, void *ctx);

/* NULL when out of memory. rs must outlive the scanner. Not thread-safe:
 * one scanner per thread. */
tn_scanner *tn_scanner_new(const tn_ruleset *rs);
void tn_scanner_free(tn_scanner *sc);

/* Matches ev against every applicable rule; cb may be NULL. Returns the
 * number of rules that matched (counted up to a stop). Out of memory never
 * loses a match: the prefilter and caches are then skipped for the event. */
int tn_scanner_match(tn_scanner *sc, const tn_event *ev, tn_match_cb cb, void *ctx);

/* Scans evs[0..n) for their literals now, to be evaluated by the calls
 * tn_scanner_match(sc, evs[i], ...) that follow, in the same order (an
 * event may be left out; any other call drops what is left). The results
 * are the same as without; what changes is that Vectorscan and the
 * evaluator run one after the other over a batch instead of alternating
 * every event, so neither evicts the other's code and data from the
 * caches each time. Out of memory: nothing is kept, and each event is
 * scanned when it is matched. */
void tn_scanner_prescan(tn_scanner *sc, const tn_event *const *evs, uint32_t n);

/* What one rule cost a profiling scanner (tn_scanner_profile). */
typedef struct tn_rule_cost {
    uint64_t evals;   /* evaluations in full (candidates the prefilter let through) */
    uint64_t hits;    /* of which the rule matched */
    uint64_t ticks;   /* tn_ticks() spent in them (base/ticks.h) */
} tn_rule_cost;

/* From now on, counts per rule what evaluating it costs: 0, or -1 when
 * out of memory (nothing is counted then). */
int tn_scanner_profile(tn_scanner *sc);

/* The counts, indexed as tn_ruleset_info's rules; NULL unless profiling. */
const tn_rule_cost *tn_scanner_costs(const tn_scanner *sc);

/* Number of rules evaluated in full so far (for measuring the prefilter). */
uint64_t tn_scanner_evaluated(const tn_scanner *sc);

/* While tn_scanner_match calls back: a key for the field names of the
 * event being matched. Two events given the same nonzero key on one
 * scanner name the same fields in the same order (the scanner's field
 * shapes know it without comparing them); 0: not known. */
uint64_t tn_scanner_names_key(const tn_scanner *sc);

/* How many heavy-field texts were looked up in the scanner's cache of
 * scan results (match/scancache.h) so far, and how many were found. */
void tn_scanner_cache_stats(const tn_scanner *sc, uint64_t *lookups, uint64_t *hits);

/* How many regex matches PCRE2 stopped at a limit (counted as no match). */
uint64_t tn_scanner_re_limits(const tn_scanner *sc);

/* How many matches each global filter suppressed so far, at its index
 * (tn_ruleset_filter_info), or NULL when the rule set has none. */
const uint64_t *tn_scanner_suppressed(const tn_scanner *sc);
/* Counts only the suppressed matches of rules i with bit 0 of reported[i]
 * set (the ones a match of would have been reported; NULL: all), and,
 * apart, those of rules with bit 1 set (rules that feed correlations).
 * reported must outlive the scanner's matching. */
void tn_scanner_count_suppressed(tn_scanner *sc, const uint8_t *reported);
/* Suppressed matches that would have fed a correlation. */
uint64_t tn_scanner_suppressed_feeds(const tn_scanner *sc);

/* How many item results on long texts were asked of the scanner's memo
 * (match/vmemo.h) so far, and how many it had. */
void tn_scanner_vmemo_stats(const tn_scanner *sc, uint64_t *results, uint64_t *hits);

#endif
