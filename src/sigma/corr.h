/* corr.h - compiled Sigma correlation rules (meta-rules over rule matches). */
#ifndef TN_SIGMA_CORR_H
#define TN_SIGMA_CORR_H

#include "base/arena.h"
#include "sigma/yaml.h"

#include <stdint.h>

/* A correlation of correlations of ... is at most this many long (the
 * correlator feeds no deeper; longer chains are rejected when loaded). */
#define TN_CORR_MAX_CHAIN 64
/* ... and reads its rules through at most this many paths of references:
 * each path carries its own hits (sigma/assemble.c). */
#define TN_CORR_MAX_PATHS 256
/* temporal_ordered keeps a K x K table of runs per group, updated in K^2
 * steps an event (match/corrwin.c): 1,000 rules took over a minute on
 * 2,000 events and 8 MB a group (a review of hostile input, session 23).
 * SigmaHQ's and Hayabusa's order 2 to 5; more than this is refused. */
#define TN_CORR_MAX_ORDERED 64

typedef enum tn_corr_type {
    TN_CORR_EVENT_COUNT, TN_CORR_VALUE_COUNT, TN_CORR_TEMPORAL, TN_CORR_TEMPORAL_ORDERED,
    TN_CORR_VALUE_SUM, TN_CORR_VALUE_AVG, TN_CORR_VALUE_PERCENTILE,
} tn_corr_type;

enum { TN_CC_GT, TN_CC_GTE, TN_CC_LT, TN_CC_LTE, TN_CC_EQ, TN_CC_NEQ, TN_CC__N };

/* One alias: for each referenced rule name, the field it reads. */
typedef struct tn_corr_alias {
    const char *alias;
    const char **rule_names;
    const char **fields;
    uint32_t n;
} tn_corr_alias;

typedef struct tn_corr {
    const char *id, *title, *name, *level, *status, *file;
    uint32_t line, col;
    uint32_t id_at[4];         /* line and column of 'id', then of 'name' (0: none) */
    tn_corr_type type;
    const char **refs;         /* rule ids or names, as written */
    uint32_t nrefs;
    uint32_t *ref_at;          /* per ref: its line and column in the file (2 each), or NULL */
    int32_t *ref_rule;         /* per ref: index into the rule set's rules, or -1 */
    int32_t *ref_corr;         /* per ref: index into its correlations, or -1 */
    const char **group_by;
    uint32_t ngroup;
    uint64_t span;             /* timespan in FILETIME units (100 ns) */
    uint8_t has[TN_CC__N];     /* which condition operators are present */
    double cond[TN_CC__N];
    const char *field;         /* value_* types: the field aggregated (fields[0]) */
    const char **fields;       /* all of them: value_count takes several, "linked by
                                * an AND" (their values together are one value) */
    uint32_t nfields;
    tn_corr_alias *aliases;
    uint32_t naliases;
    uint8_t generate;          /* 1: referenced rules also report their own matches */
    uint8_t corr_only;         /* referenced by a correlation without generate: its hits
                                * feed that one but are not reported alone */
    uint8_t windowed;          /* 1: lt/lte/eq/neq: judged when a window closes */
    const char **tags;         /* the rule's own tags (set by the loader) */
    uint32_t ntags;
    /* the fields (by the names its hits go by) that correlations reading
     * this one group by, or aggregate, and this one does not group by:
     * its entries keep them and its hits hand them on (tn_corrs_resolve).
     * The spec's chain groups failed logons by computer and the success
     * after them by user. */
    const char **carry;
    uint32_t ncarry;
    /* made of a rule's legacy aggregation ("| count() by X > 5"): that
     * rule, its only reference (it shares the rule's id) */
    const struct tn_srule *legacy_of;
} tn_corr;

/* The key a referenced rule or correlation goes by in aliases once
 * resolved: its name, else its id (NULL when it has neither). */
static inline const char *tn_corr_ref_key(const char *name, const char *id)
{
    return name && name[0] ? name : id && id[0] ? id : NULL;
}

/* The timespan of a legacy aggregation without a timeframe: the whole
 * input (3 * 2^60 units of 100 ns: ~10,960 years; tn_until saturates
 * past it). */
#define TN_CORR_SPAN_ALL ((uint64_t)3 << 60)

/* "90m" -> FILETIME units (a number and s, m, h, d or w); 0 when
 * malformed. */
uint64_t tn_corr_parse_span(const char *s);

/* What a loaded correlation c says that cannot be meant, into buf[0..n)
 * (rules check warns of it), or NULL: a condition no value of its type
 * can meet (gte 5 with lte 2, event_count lt 1, temporal gte 3 of two
 * rules), or a condition field its type does not read. */
const char *tn_corr_warning(const tn_corr *c, char *buf, size_t n);

/* The correlation rule of rule r's legacy aggregation g (sigma/cond.h:
 * Sigma 1's "... | count() by X > 5"), over span (the rule's timeframe,
 * or TN_CORR_SPAN_ALL), in a; NULL when out of memory. The loader keeps r
 * without the aggregation, reported only through this correlation, as
 * pySigma's conversion of such rules does: count() is an event_count,
 * count(F) a value_count of F, sum(F) and avg(F) a value_sum and value_avg
 * of F, grouped by X (or not at all). It reports with r's id, title,
 * level, status and tags; r is its only reference. */
struct tn_srule;
struct tn_legacy_agg;
tn_corr *tn_corr_legacy(tn_arena *a, const struct tn_srule *r, const struct tn_legacy_agg *g,
                        uint64_t span);

/* What a correlation reads of its inputs, in order: its group-by fields,
 * its condition fields, the fields it carries (i < tn_corr_ninputs). */
static inline uint32_t tn_corr_ninputs(const tn_corr *c)
{
    return c->ngroup + c->nfields + c->ncarry;
}
static inline const char *tn_corr_input(const tn_corr *c, uint32_t i)
{
    return i < c->ngroup ? c->group_by[i]
         : i < c->ngroup + c->nfields ? c->fields[i - c->ngroup] : c->carry[i - c->ngroup - c->nfields];
}

/* Compiles a correlation document. Returns 0, or -1 with a reason in err
 * and the offending node in *at. References are resolved later. */
int tn_corr_compile(tn_arena *a, const tn_ynode *doc, const char *file, tn_corr *out, char *err,
                    size_t errlen, const tn_ynode **at);

/* The field a correlation reads for group-by (or aggregated) name g from
 * events of the rule called rule_name (NULL: no name): its alias, or g. */
const char *tn_corr_field(const tn_corr *c, const char *g, const char *rule_name);

#endif
