/* sigma.h - load and compile Sigma rules into an immutable tn_ruleset.
 *
 * Compile once, scan many (as in YARA): tn_ruleset_load reads rule files
 * and folders, reports every unusable rule (a bad rule never stops the
 * others) and builds one read-only rule set. Threads share it and each
 * makes its own tn_scanner (match/scanner.h). */
#ifndef TN_SIGMA_H
#define TN_SIGMA_H

#include "base/diag.h"

#include <stddef.h>
#include <stdint.h>

typedef struct tn_ruleset tn_ruleset;

/* What a match callback learns about a rule. Strings are never NULL
 * ("" when absent) and live as long as the rule set. */
typedef struct tn_rule_info {
    const char *id, *title, *level, *status;
    const char *product, *category, *service;
    const char *const *tags;
    uint32_t ntags;
    const char *file;
    uint32_t line;
    uint32_t index;  /* position in the rule set, 0-based (correlations: among correlations) */
    uint8_t correlation_only;  /* feeds a correlation; not meant to be reported alone */
    uint8_t is_correlation;    /* a correlation rule (tn_ruleset_corr_info) */
} tn_rule_info;

/* Called for each rule that cannot be used: file, 1-based line and column
 * (0 when unknown) and the reason. */
typedef void (*tn_reject_fn)(void *ctx, const char *file, uint32_t line, uint32_t col,
                             const char *reason);

typedef struct tn_rule_opts {
    const char *data_dir;            /* holds logsources.yml, placeholders.yml; NULL: search
                                      * $TANSA_DATA, <exe>/../data, ./data */
    const char *const *logsource_maps;  /* extra maps, applied after the built-in one */
    size_t nlogsource_maps;
    const char *placeholders;        /* placeholder file; NULL: data_dir/placeholders.yml */
    int no_prefilter;                /* 1: evaluate every rule on every event (also env
                                      * TANSA_NO_PREFILTER=1); results must be identical */
    int threads;                     /* parse and compile files on this many threads (0 or
                                      * 1: the caller's only); results, their order and
                                      * every report are the same for any count */
    tn_reject_fn on_reject;          /* NULL: reported through tn_diag as TN_P_RULE */
    tn_reject_fn on_warn;            /* usable rules with a caveat; NULL: not reported */
    void *ctx;
} tn_rule_opts;

/* Status codes of tn_ruleset_load. */
enum {
    TN_RS_OK = 0,        /* loaded (some rules may have been rejected: see the callback) */
    TN_RS_ENOMEM = -1,   /* out of memory; *out is NULL */
    TN_RS_ECONFIG = -2,  /* a logsource map or placeholder file is unusable; *out is NULL */
};

/* Loads every .yml/.yaml file under paths (files or folders, recursively,
 * in name order). o and d may be NULL. On TN_RS_OK *out is a rule set
 * (possibly empty) to release with tn_ruleset_free. */
int tn_ruleset_load(const char *const *paths, size_t n, const tn_rule_opts *o, tn_diag *d,
                    tn_ruleset **out);

/* Same, from YAML text in memory (name is used in messages). */
int tn_ruleset_load_text(const char *text, size_t len, const char *name, const tn_rule_opts *o,
                         tn_diag *d, tn_ruleset **out);

void tn_ruleset_free(tn_ruleset *rs);

/* Number of usable rules (global filters not counted). */
uint32_t tn_ruleset_count(const tn_ruleset *rs);
void tn_ruleset_info(const tn_ruleset *rs, uint32_t i, tn_rule_info *out);

/* Correlation rules (usable ones, references resolved). */
uint32_t tn_ruleset_ncorrelations(const tn_ruleset *rs);

/* Number of global filter documents loaded: they suppress the matches of
 * the rules they name, so the output says they are there. */
uint32_t tn_ruleset_nfilters(const tn_ruleset *rs);
/* Filter i (0 <= i < tn_ruleset_nfilters): its title, file and line. */
void tn_ruleset_filter_info(const tn_ruleset *rs, uint32_t i, tn_rule_info *out);
void tn_ruleset_corr_info(const tn_ruleset *rs, uint32_t i, tn_rule_info *out);

/* The Windows sources rule i applies to, as "Channel:EventID" strings
 * ("Channel:*" for any EventID), written to cb one at a time. Returns the
 * number of sources; 0 with *any set when the rule sees every event, 0
 * with *any clear when it can never see a Windows event. */
uint32_t tn_ruleset_sources(const tn_ruleset *rs, uint32_t i, int *any,
                            void (*cb)(void *ctx, const char *channel, uint32_t eid, int any_eid),
                            void *ctx);

#endif
