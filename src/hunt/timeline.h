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
/* The same in pieces, for callers that count rules and computers
 * themselves: a detection of level at time; n detections of rule ri
 * (counted by title and id); n on computer. The last two return 0, or -1 when out of
 * memory. */
void tn_tl_stats_det(tn_tl_stats *st, int level, uint64_t time);
int tn_tl_stats_rule(tn_tl_stats *st, const tn_rule_info *ri, uint64_t n);
int tn_tl_stats_computer(tn_tl_stats *st, const char *computer, uint64_t n);
/* Adds the counts of from to to. 0, or -1 when out of memory. */
int tn_tl_stats_merge(tn_tl_stats *to, const tn_tl_stats *from);

/* The rule or correlation of d into *ri. */
void tn_timeline_rule(const tn_ruleset *rs, const tn_det *d, tn_rule_info *ri);
/* A thread's text of what is the same on many lines: a rule's parts of
 * its lines (level, id, title, tags) and a file's name, escaped once, not
 * on every line. Zero-initialise; tn_tl_cache_free releases it. The parts
 * are for one format and colour: a cache used with others starts afresh. */
typedef struct tn_tl_cache {
    tn_buf text;
    struct tn_tl_frag {
        uint32_t at, len;   /* in text; len 0: not made yet */
        uint32_t mid;       /* a rule's: length of its first part */
        uint8_t level;
    } *frag[3];             /* per rule, per correlation, per input file */
    uint32_t n[3];
    int format, colour;     /* of the parts kept; format 0: none kept yet */
    tn_buf tmp;             /* a rule's parts when they cannot be kept */
} tn_tl_cache;
void tn_tl_cache_free(tn_tl_cache *c);

/* A line of the timeline is made of five parts: the event's part 0, the
 * rule's part 0, the event's part 1, the rule's part 1, the event's part
 * 2. The event's parts (time, computer, channel, ids, details, file) are
 * made once for all the rules that an event matches, and a rule's are
 * kept in the cache: a line costs only copies. */
typedef struct tn_tl_event {
    tn_buf text;        /* the event's parts, back to back */
    uint32_t end[3];    /* where each ends in text */
    int64_t day;        /* the last event's day (days since 1970) + 1, 0: none */
    char date[10];      /* its "YYYY-MM-DD": events come in time order, mostly */
    /* JSON Lines: the last event's computer and channel (each with its
     * NUL, key bytes), then that part of the line, escaped */
    tn_buf who;
    size_t who_key, who_chan;   /* who_chan: where the channel starts in who */
} tn_tl_event;
void tn_tl_event_free(tn_tl_event *e);

/* The event's parts of d's line in format into e (replacing what it had);
 * the rule and level of d do not matter. cache may be NULL. Returns 0, or
 * -1 when out of memory. */
int tn_tl_event_make(tn_tl_event *e, const tn_det *d, const tn_inputs *in, int format,
                     tn_tl_cache *cache);

/* For JSON Lines, tn_tl_event_make in two steps, for a caller that writes
 * the details JSON itself straight into e->text between them (rather
 * than into a buffer copied there). The tail returns as the make does. */
void tn_tl_event_jsonl_head(tn_tl_event *e, const tn_det *d);
int tn_tl_event_jsonl_tail(tn_tl_event *e, const tn_det *d, const tn_inputs *in,
                           tn_tl_cache *cache);

/* The parts of d's line: p[i], n[i] for i in 0..5 as listed above. The
 * rule's parts point into cache (not NULL here), valid until its next
 * use. ri is d's rule
 * (tn_timeline_rule), or NULL to look it up in rs only if not kept yet.
 * Returns the line's length, or -1 when out of memory. */
typedef struct tn_tl_parts {
    const char *p[5];
    size_t n[5];
} tn_tl_parts;
long tn_tl_line_parts(tn_tl_parts *out, const tn_tl_event *e, const tn_det *d,
                      const tn_rule_info *ri, const tn_ruleset *rs, int format, int colour,
                      tn_tl_cache *cache);

/* Appends d's line of the timeline in format (TN_OUT_*) to b: its parts,
 * made here. cache may be NULL; with one, the rule's and file's parts are
 * reused. */
void tn_timeline_line(tn_buf *b, const tn_det *d, const tn_rule_info *ri, const tn_inputs *in,
                      int format, int colour, tn_tl_cache *cache);

/* Print every detection in timeline order (spill.h: tn_det_cmp), merging
 * the sorted runs on disk with the detections in memory, which it sorts.
 * colour: ANSI colours by level (table only). A detection with its line
 * formatted is copied as it is (and was counted by the workers); the
 * others are formatted and counted into st. Returns 0 or one of: */
enum {
    TN_TL_EWRITE = -1,   /* out could not be written (errno says why) */
    TN_TL_EREAD = -2,    /* a run of detections could not be read back */
    TN_TL_ENOMEM = -3,   /* out of memory */
};
int tn_timeline_print(tn_dets *ds, const tn_ruleset *rs, const tn_inputs *in, int format,
                      int colour, FILE *out, tn_tl_stats *st);

/* Detections by level, by rule and by computer; first and last time;
 * files, records and speed; problems; rules loaded and rejected. */
void tn_timeline_summary(const tn_tl_stats *tl, const tn_ruleset *rs, const tn_hunt_stats *st,
                         const tn_diag *d, uint64_t rules_rejected, FILE *out);

#endif
