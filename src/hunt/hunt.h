/* hunt.h - run a rule set over inputs and collect detections, on several
 * threads; the timeline (timeline.h) sorts and prints them. */
#ifndef TN_HUNT_H
#define TN_HUNT_H

#include "base/arena.h"
#include "base/diag.h"
#include "read/input.h"
#include "sigma/sigma.h"

#include <stdint.h>
#include <stdio.h>

/* One detection. Strings live in the detection list's arenas. */
typedef struct tn_det {
    uint64_t time;        /* FILETIME of the event (correlation: of the last event) */
    uint64_t record_id;
    uint64_t offset;      /* byte offset (EVTX) or line (JSON): order within a file */
    uint32_t file;        /* index into the inputs */
    uint32_t rule;        /* rule index, or correlation index when is_corr */
    uint32_t event_id;
    uint32_t line_len;    /* bytes of line */
    uint32_t part_end[2]; /* where the event's parts 0 and 1 end in line */
    uint8_t is_corr;
    uint8_t level;        /* TN_LEVEL_* */
    const char *computer, *channel;
    const char *details;  /* JSON object text */
    /* When the workers formatted it (tn_hunt_opts.format): the event's
     * three parts of the timeline line (timeline.h, tn_tl_event), back to
     * back, ending at part_end[0], part_end[1] and line_len; the rule's
     * parts go between them when the line is written. The detections of
     * one event share one copy (an event may match several rules: 70,620
     * events of the 256 MiB real-chunk file match two each), and
     * computer, channel and details are then "". NULL otherwise. */
    const char *line;
} tn_det;

/* Timeline formats; NONE: detections keep their fields, unformatted. */
enum { TN_OUT_NONE, TN_OUT_TABLE, TN_OUT_CSV, TN_OUT_JSONL };

typedef struct tn_tl_stats tn_tl_stats;   /* timeline.h */

enum { TN_LEVEL_INFO, TN_LEVEL_LOW, TN_LEVEL_MEDIUM, TN_LEVEL_HIGH, TN_LEVEL_CRITICAL };
/* "informational", "low", ... to TN_LEVEL_*; unknown text is informational
 * for rule levels; for user input, returns -1. */
int tn_level_parse(const char *s, int strict);
const char *tn_level_name(int level);

/* The detections of a run: sorted runs on disk (spilled when a worker
 * holds too many) and the rest in memory. */
typedef struct tn_dets {
    tn_det *v;
    size_t n, cap;
    size_t vhuge;         /* v's tn_big_alloc size (0: tn_malloc's) */
    tn_arena *arenas;     /* strings of the in-memory detections */
    int narenas;
    FILE **runs;          /* sorted run files, see spill.h */
    size_t nruns, capruns;
} tn_dets;

typedef struct tn_hunt_opts {
    int threads;
    int min_level;        /* TN_LEVEL_* */
    int carve;
    uint64_t since, until;  /* FILETIME bounds, compared at the microsecond (the
                             * timeline's precision), when has_since/has_until */
    int has_since, has_until;
    int progress;         /* show progress on stderr */
    const uint8_t *enabled;  /* per rule: 0 = not reported (status, tags,
                              * exclusions); NULL = all. Disabled rules still
                              * feed correlations. */
    const uint8_t *corr_enabled;  /* the same per correlation rule */
    /* TN_OUT_*: each worker formats the timeline line of a detection as it
     * finds it and counts it for the summary, so the merge after the scan,
     * on one thread, only copies bytes. TN_OUT_NONE: fields only. */
    int format;
    int colour;           /* with TN_OUT_TABLE: ANSI colours by level */
    tn_tl_stats *stats;   /* with a format: the detections' counts added here */
    int profile;          /* report on stderr where matching time went (hunt/profile.h) */
} tn_hunt_opts;

typedef struct tn_hunt_stats {
    uint64_t files, records, bytes, matches;
    uint64_t untimed;  /* records without a readable time (1601-01-01 in the timeline) */
    uint64_t re_limits;  /* regex matches PCRE2 stopped at a limit (counted as no match) */
    uint64_t rule_warnings;  /* the rule set's warnings (set by the caller, for the summary) */
    uint64_t suppressed_feeds;   /* suppressed matches that would have fed correlations */
    uint64_t *suppressed;   /* per global filter (tn_ruleset_filter_info): matches it
                             * suppressed; NULL when none is loaded (or out of memory);
                             * tn_hunt_stats_free */
    double seconds;
    int spill_errno;   /* TN_EXIT_INTERNAL because a run of detections could
                        * not be written to tn_temp_dir() (base/file.h): why (errno) */
    int run_unreadable;   /* TN_EXIT_INTERNAL because a run written there
                           * could not be read back */
} tn_hunt_stats;

/* Scans every input with rs. Detections (rules at or above min_level, and
 * correlation hits) are appended to out in no particular order. Problems
 * with the input go to d. An EVTX input from standard input gets its size
 * (tn_inputs_scan). Returns 0, or TN_EXIT_INTERNAL when out of memory
 * or when detections could not be spilled to disk (st->spill_errno) or
 * read back (st->run_unreadable). */
int tn_hunt_run(const tn_ruleset *rs, tn_inputs *in, const tn_hunt_opts *o, tn_diag *d,
                tn_dets *out, tn_hunt_stats *st);
void tn_dets_free(tn_dets *ds);
void tn_hunt_stats_free(tn_hunt_stats *st);

#endif
