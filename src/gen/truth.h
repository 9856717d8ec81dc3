/* truth.h - ground truth: the malicious events and the breach's scope, computed from emitted events. */
#ifndef TN_GEN_TRUTH_H
#define TN_GEN_TRUTH_H

#include "gen/gen.h"
#include "gen/org.h"

#include <stdint.h>

/* The truth pass sees every event exactly as written (after any log
 * loss), with the file and record id it got. It never looks at the
 * generator's plan: scope follows from the events by the rules of
 * issue 6, starting from the seed (the first event tagged as the
 * exploitation). Events arrive per host-day; tn_truth_day_end() orders
 * the day's relevant events by time and applies the rules. */
typedef struct tn_truth tn_truth;

tn_truth *tn_truth_new(const tn_org *o);
void tn_truth_free(tn_truth *t);
/* Names the file of a host's log (channel TN_CH_*), relative to the output
 * folder, e.g. logs/HQ-DC01/Security.evtx; called before its first event. */
void tn_truth_file(tn_truth *t, uint32_t host, uint32_t channel, const char *file);
void tn_truth_event(tn_truth *t, const tn_gen_event *e, uint32_t host, uint64_t record_id);
void tn_truth_day_end(tn_truth *t);
/* Writes truth.json; stats carries totals the driver measured. Returns 0 or -1. */
typedef struct tn_gen_stats {
    uint64_t events, bytes_evtx, bytes_jsonl, files;
    double seconds;
} tn_gen_stats;
int tn_truth_write(tn_truth *t, const char *path, const tn_gen_stats *st);
/* 1 if the truth pass ran out of memory at some point. */
int tn_truth_oom(const tn_truth *t);

#endif
