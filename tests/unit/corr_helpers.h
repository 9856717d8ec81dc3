/* corr_helpers.h - what the correlation tests share: a rule set with a
 * scanner and a correlator, events fed through them, hits counted. */
#ifndef TN_TEST_CORR_HELPERS_H
#define TN_TEST_CORR_HELPERS_H

#include "tn_test.h"

#include "match/correlate.h"
#include "match/scanner.h"
#include "sigma_helpers.h"

#define SEC 10000000ULL   /* FILETIME units per second */
#define T0 133000000000000000ULL

typedef struct run {
    tn_ruleset *rs;
    tn_scanner *sc;
    tn_correlator *co;
    int hits;
    int reported;   /* hits of correlations not marked correlation_only */
    double last_value;
    int alone;      /* base matches not marked correlation_only */
    uint32_t last_ntags, last_nevents;
    const char *last_tag0;
    uint64_t last_first_rid, last_last_rid;
} run;

static inline int on_corr(const tn_corr_hit *h, void *ctx)
{
    run *r = ctx;
    r->hits++;
    r->reported += !h->rule->correlation_only;
    r->last_value = h->value;
    r->last_ntags = h->rule->ntags;
    r->last_tag0 = h->rule->ntags ? h->rule->tags[0] : NULL;
    r->last_nevents = h->nevents;
    r->last_first_rid = h->nevents ? h->events[0].record_id : 0;
    r->last_last_rid = h->nevents ? h->events[h->nevents - 1].record_id : 0;
    return 0;
}

static inline int on_match(const tn_rule_info *ri, const tn_event *ev, void *ctx)
{
    run *r = ctx;
    r->alone += !ri->correlation_only;
    tn_correlator_feed(r->co, ri, ev, on_corr, r);
    return 0;
}

static inline void finish(run *r)
{
    tn_correlator_flush(r->co, on_corr, r);
    tn_correlator_free(r->co);
    tn_scanner_free(r->sc);
    tn_ruleset_free(r->rs);
}

/* One event: name/value pairs, at T0 + sec seconds. */
static inline void ev4(run *r, uint64_t sec, const char *k1, const char *v1, const char *k2, const char *v2,
                const char *k3, const char *v3, const char *k4, const char *v4)
{
    const char *kv[8] = {k1, v1, k2, v2, k3, v3, k4, v4};
    tn_field f[4];
    size_t n = k4 ? 4 : k3 ? 3 : k2 ? 2 : 1;
    tn_event e;
    test_event_init(&e, f, kv, n, "Security", 4625);
    e.time = T0 + sec * SEC;
    e.record_id = 1000 + sec;
    tn_scanner_match(r->sc, &e, on_match, r);
}

static inline void ev(run *r, uint64_t sec, const char *k1, const char *v1, const char *k2, const char *v2,
               const char *k3, const char *v3)
{
    ev4(r, sec, k1, v1, k2, v2, k3, v3, NULL, NULL);
}

#define STUB(idline, sel)                                                    \
    "title: stub\n" idline "\nlogsource:\n  product: windows\n"             \
    "detection:\n  selection:\n    " sel "\n  condition: selection\n"

/* Loads rule text y, which holds ncorr correlations, into r with a
 * scanner and a correlator; 0 when it cannot (a check failed). */
static inline int start_text(run *r, const char *y, uint32_t ncorr)
{
    memset(r, 0, sizeof(*r));
    tn_rule_opts o = {.data_dir = "data", .on_reject = test_on_reject};
    CHECK(tn_ruleset_load_text(y, strlen(y), "own.yml", &o, NULL, &r->rs) == TN_RS_OK);
    if (!r->rs)
        return 0;
    CHECK_INT(tn_ruleset_ncorrelations(r->rs), ncorr);
    r->sc = tn_scanner_new(r->rs);
    r->co = tn_correlator_new(r->rs);
    return r->sc && r->co;
}

/* A base rule for the tests below: every 4625 event. */
#define FAILED_LOGIN                                                             \
    "title: failed\nname: failed_login\nlogsource:\n  product: windows\n"          \
    "  service: security\ndetection:\n  selection:\n    EventID: 4625\n"            \
    "  condition: selection\n"

#endif
