/* profile.h - hunt --profile: where matching time goes, by kind of event
 * (channel and EventID) and by rule, so that a responder can see which
 * rules and which logs make a hunt slow. Each worker keeps its own counts
 * (no locks); the report adds them up after the scan. */
#ifndef TN_HUNT_PROFILE_H
#define TN_HUNT_PROFILE_H

#include "match/scanner.h"

#include <stdint.h>
#include <stdio.h>

typedef struct tn_profile tn_profile;

/* NULL when out of memory. */
tn_profile *tn_profile_new(void);
void tn_profile_free(tn_profile *p);

/* ev took ticks (base/ticks.h) to match, scan and evaluation and its
 * ndet detections' lines included. */
void tn_profile_event(tn_profile *p, const tn_event *ev, uint64_t ticks, uint32_t ndet);

/* Writes the report: the kinds of events and the rules that cost most,
 * over the n workers' profiles and scanners' costs (either may be NULL),
 * ticks converted to seconds at sec_per_tick. */
void tn_profile_report(FILE *f, const tn_ruleset *rs, tn_profile *const *ps, tn_scanner *const *scs, int n,
                       double sec_per_tick);

#endif
