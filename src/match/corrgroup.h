/* corrgroup.h - inside the correlator (correlate.c): one group's entries
 * and window, and the metrics kept as entries join and leave it.
 *
 * A group's matches are e[head..n), oldest first, with their origins in
 * o[]. Entries head..tail are counted in the metrics (the window); with
 * lt/lte/eq/neq the entries after tail wait until the window of the
 * oldest closes (correlate.c: judge). The counts (temporal), distinct
 * values (value_count, value_percentile), sums and ordered runs
 * (corrwin.h) follow the window, so no event costs a pass over it. */
#ifndef TN_MATCH_CORRGROUP_H
#define TN_MATCH_CORRGROUP_H

#include "base/map.h"
#include "match/correlate.h"
#include "match/corrwin.h"
#include "sigma/ruleset_impl.h"

#include <stdint.h>

typedef struct entry {
    uint64_t t;
    uint32_t ref;
    uint8_t isnum;      /* value_sum, value_avg: val is a number, num, */
    uint8_t exact;      /*   and exactly fix (corrwin.h) */
    double num;
    tn_cwin_fix fix;
    char *val;          /* aggregated field's value, NULL if absent */
    tn_corr_origin *up; /* an upstream correlation's hit: its events before the
                         * last (the entry's origin), oldest first */
    uint32_t nup;
    uint64_t first;     /* the time of its first event (a hit's first; else t) */
    char *carry;        /* the correlation's carried values (correlate.c), or NULL */
} entry;

typedef struct group {
    char *key;
    char **gvals;       /* per group-by */
    entry *e;
    tn_corr_origin *o;  /* per entry */
    size_t head, tail, n, cap;
    /* what the metrics need, kept as entries come and go: recounting the
     * window on each event was quadratic (value_count over a day, one
     * group: 40,000 events took 10.6 s) */
    uint32_t *refcnt;   /* temporal: entries per reference */
    uint32_t nseen;     /*   references with one at least */
    tn_map *vals;       /* value_count, value_percentile: the values seen, with
                         * vcnt[id] entries each */
    uint32_t *vcnt;
    size_t vcap, ndistinct;
    size_t nvalued;     /*   entries in the window with a value (percentile's
                         *   denominator: an event without the field is no
                         *   observed value) */
    tn_cwin *win;       /* value_sum, value_avg: sums; temporal_ordered: runs */
    /* the last event fed, which a hit may have used up: its second rule's
     * match is the same event (feed_corr) */
    int has_last;
    uint64_t last_t, last_off, last_rid, last_vh;
    uint32_t last_file, last_ref;
    struct group *next;
} group;

/* t + span, at most UINT64_MAX. */
uint64_t tn_until(uint64_t t, uint64_t span);

/* A group of correlation cr with group-by values gv (NULL: absent), keyed
 * key, which it takes (and frees on failure). NULL when out of memory. */
group *tn_cg_new(const tn_corr *cr, const char *const *gv, char *key);
void tn_cg_free(group *g, uint32_t ngroup);

/* A match joins the entries at time t (not yet the window: count_in):
 * reference ref, the aggregated value val (NULL: none), origin o, and for
 * an upstream hit its events before the last (ups, nup) and its first
 * time, and the values it carries (NULL: none). 0, or -1 out of memory. */
int tn_cg_push(group *g, uint64_t t, uint32_t ref, const char *val, const tn_corr_origin *o,
               const tn_corr_origin *ups, uint32_t nup, uint64_t first, const char *carry);

/* The entry at tail joins the window. 0, or -1 out of memory. */
int tn_cg_count_in(group *g);

/* The oldest entry leaves, out of the window's counts if it was in them.
 * 0, or -1 out of memory (nothing changed). */
int tn_cg_pop_front(group *g);

/* Entries older than a window of span ending at t leave. 0, or -1. */
int tn_cg_expire(group *g, uint64_t t, uint64_t span);

/* After a hit: the window's entries are used up; the group starts over
 * with the entries that wait after it. */
void tn_cg_consume(group *g);

/* The window's count, distinct values, rules seen (in order, for
 * temporal_ordered), sum, average, or for value_percentile the share of
 * its entries whose value is cur. */
double tn_cg_metric(const tn_corr *cr, const group *g, const char *cur);

/* Does x meet cr's condition (none: all its rules)? */
int tn_cg_cond_ok(const tn_corr *cr, double x);

/* lt/lte/eq/neq (which a later event can make false again): judged over
 * windows that start at each entry, once closed, not as soon as the
 * condition holds. value_percentile is judged per event. */
int tn_cg_upper(const tn_corr *cr);

#endif
