/* cond.h - the hand-written parser for Sigma condition expressions. */
#ifndef TN_SIGMA_COND_H
#define TN_SIGMA_COND_H

#include "base/arena.h"
#include "sigma/rule.h"

#include <stddef.h>

/* Parses text[0..len) against the search identifier names[0..n) into a
 * tree allocated in a. Precedence, loosest first: or, and, not, "x of",
 * parentheses. "1 of X" / "all of X" expand X (with * wildcards) or "them"
 * (every name not starting with '_') to search indexes at parse time.
 * Returns the root, or NULL with a message in err and the 0-based byte
 * offset of the problem in *at. Untrusted input: never reads outside text,
 * nesting is bounded. */
tn_cnode *tn_cond_parse(const char *text, size_t len, const char *const *names, size_t n,
                        tn_arena *a, char *err, size_t errlen, size_t *at);

/* The legacy (Sigma 1) aggregation a condition may end with, after '|':
 *
 *   agg := FN '(' [FIELD] ')' ['by' FIELD] OP NUMBER
 *   FN  := count | sum | avg          (min, max: refused)
 *   OP  := > | >= | < | <= | = | == | !=
 *
 * count() counts events, count(F) the distinct values of F, sum(F) and
 * avg(F) add F's numbers; the loader makes a correlation rule of it. */
enum { TN_AGG_COUNT, TN_AGG_SUM, TN_AGG_AVG };
typedef struct tn_legacy_agg {
    int present;
    int fn;                  /* TN_AGG_* */
    int op;                  /* as corr.h's TN_CC_*: gt, gte, lt, lte, eq, neq */
    const char *field;       /* in the arena; NULL for count() */
    const char *group;       /* in the arena; NULL without 'by' */
    double value;
} tn_legacy_agg;

/* Parses text[0..len), what follows the '|', into *g (strings in a).
 * Returns 0, or -1 with a message in err and the offset in *at. */
int tn_agg_parse(const char *text, size_t len, tn_arena *a, tn_legacy_agg *g, char *err,
                 size_t errlen, size_t *at);

/* v[0..n) (n >= 1) joined by op (TN_C_AND, TN_C_OR) as a tree of depth
 * log2(n), in order; NULL when out of memory. */
tn_cnode *tn_cond_balance(tn_arena *a, tn_cop op, tn_cnode *const *v, size_t n);

/* How search identifier s is used in condition n: bit 1 where an even
 * number of 'not's is above it, bit 2 where an odd number is. */
unsigned tn_cond_polarity(const tn_cnode *n, uint32_t s);

/* 1 if name matches the identifier pattern pat (only '*' is special). */
int tn_cond_pattern_match(const char *pat, size_t plen, const char *name);

#endif
