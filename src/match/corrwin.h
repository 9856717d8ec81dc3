/* corrwin.h - an aggregate over a correlation window that gains entries at
 * its end and loses them at its front, without subtracting.
 *
 * Two aggregates have no cheap inverse: value_sum/value_avg's sum (taking
 * a double back out drifts: 0.1 added and removed a million times is not
 * 0) and temporal_ordered's longest run of its rules in the listed order
 * (no way to remove the oldest event from a run). Both are associative,
 * so the window is kept as two stacks: the older entries ("front") with
 * the aggregate of each suffix of them, the newer ("back") with one
 * running aggregate. The window's aggregate is front suffix + back. When
 * the front empties, the back's entries become the front (their suffixes
 * computed once), so each entry costs O(1) for sums and O(k^2) for runs of
 * k rules, amortized, instead of a pass over the window per event.
 *
 * The entries themselves stay with the caller (the group's array): the
 * aggregate only counts them and, when the front empties, asks for the
 * back's entries, oldest first. */
#ifndef TN_MATCH_CORRWIN_H
#define TN_MATCH_CORRWIN_H

#include <stddef.h>
#include <stdint.h>

/* A decimal in units of 10^-9: sums of these are exact, in any order. */
__extension__ typedef __int128 tn_cwin_fix;

/* One entry as the aggregate sees it. */
typedef struct tn_cwin_item {
    double num;       /* sums: the value, when isnum and not exact */
    tn_cwin_fix fix;  /*   or exactly, when exact (at most 9 decimals, under 10^18) */
    int isnum, exact;
    uint32_t ref;     /* runs: which reference (rule) matched, < k */
} tn_cwin_item;

/* Item i (0: the oldest of the back) of the entries in the back. */
typedef tn_cwin_item (*tn_cwin_get)(void *ctx, size_t i);

typedef struct tn_cwin {
    uint32_t k;            /* runs over k references; 0: sums */
    size_t nf, ff;         /* front: nf entries, of which ff have left */
    size_t nb;             /* back: entries */
    size_t fcap;
    double *fsum;          /* sums: per front entry, the sum from it to the front's end
                            * of the inexact numbers, */
    tn_cwin_fix *ffix;     /*   of the exact ones, */
    uint32_t *fcnt;        /*   and how many numbers that sum holds */
    uint32_t *frow;        /* runs: per front entry, k values: the longest run from it to
                            * the front's end using references 0..c */
    double bsum;           /* the back's sums and count of numbers */
    tn_cwin_fix bfix;
    uint32_t bcnt;
    uint32_t *bm;          /* runs: the back's k*k table, [a][b]: longest run using
                            * references a..b */
    uint32_t *w;           /* runs: k*k scratch for computing the front */
} tn_cwin;

/* k: number of references for runs, 0 for sums. 0, or -1 out of memory. */
int tn_cwin_init(tn_cwin *w, uint32_t k);
void tn_cwin_free(tn_cwin *w);

/* Empties the window (keeps the memory). */
void tn_cwin_clear(tn_cwin *w);

/* An entry joins at the end. */
void tn_cwin_push(tn_cwin *w, tn_cwin_item it);

/* The oldest entry leaves. get/ctx give the back's entries when the front
 * is empty. 0, or -1 out of memory (the window is then unchanged). */
int tn_cwin_pop(tn_cwin *w, tn_cwin_get get, void *ctx);

/* Sums: the sum of the window's numbers; *n: how many there are. The
 * exact numbers' sum is exact whatever the order they came and left in,
 * then rounded once (so 0.1 + 0.2 + 0.3 is 0.6); inexact ones (exponents,
 * more than 9 decimals, 10^18 or more) are added as doubles. */
double tn_cwin_sum(const tn_cwin *w, uint32_t *n);

/* Runs: the most distinct references that occur in the window in their
 * listed order (the longest run of entries, oldest first, whose
 * references strictly increase). */
uint32_t tn_cwin_run(const tn_cwin *w);

#endif
