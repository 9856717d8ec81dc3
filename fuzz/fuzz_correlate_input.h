/* fuzz_correlate_input.h - one input of fuzz_correlate, also replayed by
 * tests/unit/test_sigma_corr.c.
 *
 * The correlator reads field values from logs, which an attacker can
 * write. The input drives a fixed rule set (three base rules and twelve
 * correlations: every type, gt/gte and lt/lte/eq/neq windows, ranges,
 * aliases, chains through windows judged late, and chains that regroup by
 * another field) with a stream of
 * matches. Each step's first byte:
 *   bit 7 clear: a match of base rule (byte % 3) at a time after the
 *     last by the next byte (0-199: tenths of 2 s; 200-254: thousands of
 *     s; 255: 2^60 units, so times reach the end of uint64 and stay
 *     there), with a group value and a field value chosen by the next two
 *     bytes from short lists that hold the hard cases (a separator byte,
 *     empty, absent; "nan", 1e308, negative, junk);
 *   bit 7 set: the next byte's count of bytes (or fewer) as raw values
 *     text for tn_correlator_feed_values, which must refuse what is
 *     malformed.
 * Then the end of input flushes. Nothing may crash, leak or read out of
 * bounds; every hit must name 1..2^20 events, its first no later than
 * its last. fz_correlate returns 0, or -1 when a property fails. */
#ifndef FUZZ_CORRELATE_INPUT_H
#define FUZZ_CORRELATE_INPUT_H

#include "match/correlate.h"
#include "sigma/sigma.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char fz_corr_rules[] =
    "title: a\nname: r_a\nlogsource: {product: windows, service: security}\n"
    "detection: {sel: {EventID: 1}, condition: sel}\n---\n"
    "title: b\nname: r_b\nlogsource: {product: windows, service: security}\n"
    "detection: {sel: {EventID: 2}, condition: sel}\n---\n"
    "title: c\nname: r_c\nlogsource: {product: windows, service: security}\n"
    "detection: {sel: {EventID: 3}, condition: sel}\n---\n"
    "title: c1\ncorrelation: {type: event_count, rules: [r_a, r_b], group-by: [G], timespan: 10s,"
    " condition: {gte: 3}}\n---\n"
    "title: c2\nname: few\ncorrelation: {type: event_count, rules: [r_a], group-by: [G],"
    " timespan: 10s, condition: {lt: 3}}\n---\n"
    "title: c3\ncorrelation: {type: temporal_ordered, rules: [few, r_b], group-by: [G],"
    " timespan: 20s}\n---\n"
    "title: c4\ncorrelation: {type: value_count, rules: [r_a, r_c], group-by: [G], timespan: 10s,"
    " condition: {field: V, eq: 2}}\n---\n"
    "title: c5\ncorrelation: {type: temporal, rules: [r_a, r_b, r_c], group-by: [G],"
    " timespan: 10s, condition: {neq: 2}}\n---\n"
    "title: c6\ncorrelation: {type: temporal_ordered, rules: [r_a, r_b, r_c], group-by: [G],"
    " timespan: 10s, condition: {gte: 2}}\n---\n"
    "title: c7\nname: sum\ncorrelation: {type: value_sum, rules: [r_b], group-by: [G],"
    " timespan: 10s, condition: {field: V, gt: 1, lte: 100}}\n---\n"
    "title: c8\ncorrelation: {type: value_avg, rules: [r_a, r_b], group-by: [G], timespan: 10s,"
    " condition: {field: V, gte: 3}}\n---\n"
    "title: c9\ncorrelation: {type: value_percentile, rules: [r_c], group-by: [G], timespan: 10s,"
    " condition: {field: V, lte: 40}}\n---\n"
    "title: c10\ncorrelation: {type: event_count, rules: [sum, r_c], group-by: [K], timespan: 30s,"
    " aliases: {K: {sum: G, r_c: V}}, condition: {eq: 1}}\n---\n"
    /* chains that regroup: few (by G) carries V for c11, c11 (by V) G for c12 */
    "title: c11\nname: byv\ncorrelation: {type: temporal_ordered, rules: [few, r_c], group-by: [V],"
    " timespan: 20s}\n---\n"
    "title: c12\ncorrelation: {type: event_count, rules: [byv], group-by: [G], timespan: 30s,"
    " condition: {gte: 1}}\n";

typedef struct fz_corr_run {
    int bad;
    size_t hits[12];   /* per correlation, by title c1..c12 */
} fz_corr_run;

static int fz_corr_on_hit(const tn_corr_hit *h, void *ctx)
{
    fz_corr_run *r = ctx;
    if (!h->nevents || h->nevents > (1u << 20) || !h->events || h->first > h->last)
        r->bad = 1;
    long k = h->rule->title && h->rule->title[0] == 'c' ? strtol(h->rule->title + 1, NULL, 10) : 0;
    if (k >= 1 && k <= 12)
        r->hits[k - 1]++;
    return 0;
}

/* The rule set the inputs drive; NULL when it does not load as written. */
static tn_ruleset *fz_corr_load(const char *data_dir)
{
    tn_rule_opts o = {.data_dir = data_dir};
    tn_ruleset *rs = NULL;
    if (tn_ruleset_load_text(fz_corr_rules, sizeof(fz_corr_rules) - 1, "fz.yml", &o, NULL, &rs) !=
            TN_RS_OK ||
        tn_ruleset_ncorrelations(rs) != 12) {
        tn_ruleset_free(rs);
        return NULL;
    }
    return rs;
}

/* hits: NULL, or room for each correlation's count of hits. */
static int fz_correlate(const tn_ruleset *rs, const uint8_t *d, size_t n, size_t *hits)
{
    static const char *const gs[] = {"a", "b", "", "a\x1f", NULL};
    static const char *const vs[] = {"0", "1", "2.5", "-3", "nan", "1e308", "junk", "a", NULL};
    tn_correlator *c = tn_correlator_new(rs);
    if (!c)
        return -1;
    tn_rule_info ri[3];
    for (uint32_t i = 0; i < 3; i++)
        tn_ruleset_info(rs, i, &ri[i]);
    fz_corr_run run;
    memset(&run, 0, sizeof(run));
    uint64_t t = 133000000000000000ULL;
    char raw[257];
    for (size_t p = 0; p < n && !run.bad;) {
        uint8_t op = d[p++];
        if (op & 0x80) {
            size_t len = p < n ? d[p++] : 0;
            len = len < n - p ? len : n - p;
            memcpy(raw, d + p, len);
            raw[len] = 0;
            p += len;
            tn_corr_origin org = {1, 2, 0, 1, "h", "Security"};
            tn_correlator_feed_values(c, &ri[op % 3], t, raw, &org, fz_corr_on_hit, &run);
            continue;
        }
        uint8_t dt = p < n ? d[p++] : 0, gb = p < n ? d[p++] : 0, vb = p < n ? d[p++] : 0;
        uint64_t step = dt < 200 ? (uint64_t)dt * 2000000ULL
                      : dt < 255 ? (uint64_t)(dt - 199) * 10000000000ULL : 1ULL << 60;
        t = t > UINT64_MAX - step ? UINT64_MAX : t + step;
        const char *g = gs[gb % 5], *v = vs[vb % 9];
        tn_field f[2];
        uint32_t nf = 0;
        if (g)
            f[nf++] = (tn_field){.name = "G", .name_len = 1, .value = g,
                                 .value_len = (uint32_t)strlen(g)};
        if (v)
            f[nf++] = (tn_field){.name = "V", .name_len = 1, .value = v,
                                 .value_len = (uint32_t)strlen(v)};
        tn_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.provider = ev.provider_guid = ev.computer = ev.user_sid = ev.file = "";
        ev.channel = "Security";
        ev.event_id = op % 3 + 1;
        ev.fields = f;
        ev.nfields = nf;
        ev.time = t;
        ev.record_id = p;
        ev.offset = p;
        if (tn_correlator_feed(c, &ri[op % 3], &ev, fz_corr_on_hit, &run) < 0)
            run.bad = 1;   /* out of memory: only freeing is allowed then */
    }
    if (!run.bad && tn_correlator_flush(c, fz_corr_on_hit, &run) < 0)
        run.bad = 1;
    tn_correlator_free(c);
    if (hits)
        memcpy(hits, run.hits, sizeof(run.hits));
    return run.bad ? -1 : 0;
}

#endif
