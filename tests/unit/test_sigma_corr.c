/* test_sigma_corr.c - correlation rules: the specification's 8 examples
 * (sigma-specification/tests/schema/correlation) with stub base rules and
 * synthetic event streams, the chained example, and rejections. */
#include "tn_test.h"

#include "match/correlate.h"
/* before corr_helpers.h: its function names a local `run` */
#include "../../fuzz/fuzz_correlate_input.h"
#include "corr_helpers.h"
#include "replay.h"
#include "sigma_helpers.h"

#include <stdlib.h>


static char *slurp_example(const char *name)
{
    char path[1024];
    const char *c = getenv("CORPUS");
    snprintf(path, sizeof(path), "%s/sigma-specification/tests/schema/correlation/%s",
             c ? c : "../shared/corpus", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = calloc(1, 1 << 16);
    size_t n = fread(b, 1, (1 << 16) - 1, f);
    b[n] = 0;
    fclose(f);
    return b;
}

/* Loads example + stubs; returns 0 when the example file is missing. */
static int start(run *r, const char *example, const char *stubs)
{
    memset(r, 0, sizeof(*r));
    char *ex = slurp_example(example);
    if (!ex) {
        printf("  %s not found: skipped\n", example);
        return 0;
    }
    size_t n = strlen(ex) + strlen(stubs) + 16;
    char *all = malloc(n);
    snprintf(all, n, "%s\n---\n%s", ex, stubs);
    tn_rule_opts o = {.data_dir = "data", .on_reject = test_on_reject};
    test_last_reject[0] = 0;
    tn_ruleset_load_text(all, strlen(all), example, &o, NULL, &r->rs);
    free(ex);
    free(all);
    CHECK(r->rs != NULL);
    if (!r->rs)
        return 0;
    CHECK_INT(tn_ruleset_ncorrelations(r->rs), 1);
    if (test_last_reject[0])
        printf("  rejected: %s\n", test_last_reject);
    r->sc = tn_scanner_new(r->rs);
    r->co = tn_correlator_new(r->rs);
    return r->sc && r->co;
}

TN_TEST(test_corr_event_count)
{
    run r;
    if (!start(&r, "event_count.yml", STUB("id: 5638f7c0-ac70-491d-8465-2a65075e0d86", "Kind: fail")))
        return;
    for (int i = 0; i < 99; i++)
        ev(&r, (uint64_t)i, "Kind", "fail", "ComputerName", "A", NULL, NULL);
    CHECK_INT(r.hits, 0);
    ev(&r, 100, "Kind", "fail", "ComputerName", "B", NULL, NULL);   /* other group */
    CHECK_INT(r.hits, 0);
    ev(&r, 101, "Kind", "fail", "ComputerName", "A", NULL, NULL);   /* 100th for A */
    CHECK_INT(r.hits, 1);
    CHECK_INT(r.last_value, 100);
    CHECK_INT(r.alone, 0);   /* generate is false: base rule feeds only */
    finish(&r);
}

TN_TEST(test_corr_event_count_window_slides)
{
    run r;
    if (!start(&r, "event_count.yml", STUB("id: 5638f7c0-ac70-491d-8465-2a65075e0d86", "Kind: fail")))
        return;
    for (int i = 0; i < 150; i++)   /* one every 40 s: at most 91 in any hour */
        ev(&r, (uint64_t)i * 40, "Kind", "fail", "ComputerName", "A", NULL, NULL);
    CHECK_INT(r.hits, 0);
    finish(&r);
}

TN_TEST(test_corr_event_count_ecs_field)
{
    run r;
    if (!start(&r, "event_count_ecs.yml", STUB("id: 5638f7c0-ac70-491d-8465-2a65075e0d86", "Kind: q")))
        return;
    for (int i = 0; i < 100; i++)
        ev(&r, (uint64_t)i, "Kind", "q", "dns.question.name", "evil.example", NULL, NULL);
    CHECK_INT(r.hits, 1);
    finish(&r);
}

#define RECON_STUBS                                                          \
    STUB("name: recon_cmd_a", "Cmd: whoami") "---\n"                         \
    STUB("name: recon_cmd_b", "Cmd: ipconfig") "---\n"                       \
    STUB("name: recon_cmd_c", "Cmd: net")

TN_TEST(test_corr_temporal)
{
    run r;
    if (!start(&r, "temporal.yml", RECON_STUBS))
        return;
    ev(&r, 0, "Cmd", "net", "ComputerName", "A", "User", "u");
    ev(&r, 10, "Cmd", "whoami", "ComputerName", "A", "User", "u");
    ev(&r, 20, "Cmd", "ipconfig", "ComputerName", "A", "User", "other");
    CHECK_INT(r.hits, 0);
    ev(&r, 30, "Cmd", "ipconfig", "ComputerName", "A", "User", "u");
    CHECK_INT(r.hits, 1);
    CHECK_INT(r.last_value, 3);
    /* too far apart: the first has left the 5 minute window */
    ev(&r, 1000, "Cmd", "net", "ComputerName", "B", "User", "u");
    ev(&r, 1100, "Cmd", "whoami", "ComputerName", "B", "User", "u");
    ev(&r, 1400, "Cmd", "ipconfig", "ComputerName", "B", "User", "u");
    CHECK_INT(r.hits, 1);
    finish(&r);
}

TN_TEST(test_corr_temporal_ordered)
{
    run r;
    if (!start(&r, "temporal_ordered.yml", RECON_STUBS))
        return;
    ev(&r, 0, "Cmd", "net", "ComputerName", "A", "User", "u");
    ev(&r, 1, "Cmd", "ipconfig", "ComputerName", "A", "User", "u");
    ev(&r, 2, "Cmd", "whoami", "ComputerName", "A", "User", "u");
    CHECK_INT(r.hits, 0);           /* c, b, a: wrong order */
    ev(&r, 3, "Cmd", "ipconfig", "ComputerName", "A", "User", "u");
    ev(&r, 4, "Cmd", "net", "ComputerName", "A", "User", "u");
    CHECK_INT(r.hits, 1);           /* a (t=2), b, c */
    finish(&r);
}

TN_TEST(test_corr_value_count)
{
    run r;
    if (!start(&r, "value_count.yml", STUB("id: 5638f7c0-ac70-491d-8465-2a65075e0d86", "Kind: fail")))
        return;
    char user[32];
    for (int i = 0; i < 150; i++) {   /* 99 distinct users, repeated */
        snprintf(user, sizeof(user), "u%d", i % 99);
        ev4(&r, (uint64_t)i, "Kind", "fail", "ComputerName", "A", "WorkstationName", "W", "User", user);
    }
    CHECK_INT(r.hits, 0);
    /* without a group-by field (WorkstationName) an event is in no group */
    ev(&r, 199, "Kind", "fail", "ComputerName", "A", "User", "u_other");
    CHECK_INT(r.hits, 0);
    ev4(&r, 200, "Kind", "fail", "ComputerName", "A", "WorkstationName", "W", "User", "u_new");
    CHECK_INT(r.hits, 1);
    CHECK_INT(r.last_value, 100);
    finish(&r);
}

TN_TEST(test_corr_value_sum)
{
    run r;
    if (!start(&r, "value_sum.yml", STUB("name: website_access", "Kind: web")))
        return;
    ev4(&r, 0, "Kind", "web", "SourceIP", "1.2.3.4", "User", "u", "bytes_sent", "600000");
    CHECK_INT(r.hits, 0);
    ev4(&r, 10, "Kind", "web", "SourceIP", "9.9.9.9", "User", "u", "bytes_sent", "600000");
    CHECK_INT(r.hits, 0);
    ev4(&r, 20, "Kind", "web", "SourceIP", "1.2.3.4", "User", "u", "bytes_sent", "600000");
    CHECK_INT(r.hits, 1);
    CHECK_INT(r.last_value, 1200000);
    finish(&r);
}

TN_TEST(test_corr_value_avg)
{
    run r;
    if (!start(&r, "value_avg.yml", STUB("id: rule_a_id", "Kind: out")))
        return;
    ev4(&r, 0, "Kind", "out", "SourceIP", "1.2.3.4", "User", "u", "BytesOut", "400");
    CHECK_INT(r.hits, 0);
    ev4(&r, 1, "Kind", "out", "SourceIP", "1.2.3.4", "User", "u", "BytesOut", "700");
    CHECK_INT(r.hits, 1);
    CHECK_INT(r.last_value, 550);
    finish(&r);
}

TN_TEST(test_corr_value_percentile)
{
    run r;
    if (!start(&r, "value_percentile.yml", STUB("name: process_creation", "Kind: proc")))
        return;
    for (int i = 0; i < 200; i++)
        ev(&r, (uint64_t)i, "Kind", "proc", "ComputerName", "A", "Image", "C:\\common.exe");
    ev(&r, 300, "Kind", "proc", "ComputerName", "A", "Image", "C:\\rare.exe");
    CHECK_INT(r.hits, 0);   /* the day is not over: later events change the shares */
    ev(&r, 86401, "Kind", "proc", "ComputerName", "A", "Image", "C:\\common.exe");
    CHECK_INT(r.hits, 1);   /* 1 of 201 events: 0.5% <= 1 */
    CHECK_INT(r.last_first_rid, 1300);
    finish(&r);
    CHECK_INT(r.hits, 1);   /* the next day: one value, 100% */
    /* the same events with the rare one first: a share is of the whole
     * window, not of the events before (it was 100%: a review, session 28) */
    if (!start(&r, "value_percentile.yml", STUB("name: process_creation", "Kind: proc")))
        return;
    ev(&r, 0, "Kind", "proc", "ComputerName", "A", "Image", "C:\\rare.exe");
    for (int i = 1; i <= 200; i++)
        ev(&r, (uint64_t)i, "Kind", "proc", "ComputerName", "A", "Image", "C:\\common.exe");
    finish(&r);
    CHECK_INT(r.hits, 1);
    CHECK_INT(r.last_first_rid, 1000);
}

TN_TEST(test_corr_chain_failed_then_success)
{
    const char *y =
        "title: brute force then success\nid: b180ead8-d58f-40b2-ae54-c8940995b9b6\nlevel: high\n"
        "correlation:\n  type: temporal_ordered\n  rules: [multiple_failed_login, successful_login]\n"
        "  group-by: [User]\n  timespan: 10m\n"
        "---\n"
        "title: Multiple failed logons\nname: multiple_failed_login\ncorrelation:\n"
        "  type: event_count\n  rules: [failed_login]\n  group-by: [User]\n  timespan: 10m\n"
        "  condition:\n    gte: 10\n"
        "---\n"
        "title: failed\nname: failed_login\nlogsource:\n  product: windows\n  service: security\n"
        "detection:\n  selection:\n    EventID: [529, 4625]\n  condition: selection\n"
        "---\n"
        "title: success\nname: successful_login\nlogsource:\n  product: windows\n  service: security\n"
        "detection:\n  selection:\n    EventID: [528, 4624]\n  condition: selection\n";
    run r = {0};
    tn_rule_opts o = {.data_dir = "data", .on_reject = test_on_reject};
    CHECK(tn_ruleset_load_text(y, strlen(y), "chain.yml", &o, NULL, &r.rs) == TN_RS_OK);
    CHECK_INT(tn_ruleset_ncorrelations(r.rs), 2);
    r.sc = tn_scanner_new(r.rs);
    r.co = tn_correlator_new(r.rs);
    const char *kv[2] = {"User", "bob"};
    tn_field f[1];
    tn_event e;
    for (int i = 0; i < 11; i++) {
        test_event_init(&e, f, kv, 1, "Security", i < 10 ? 4625 : 4624);
        e.time = T0 + (uint64_t)i * SEC;
        e.record_id = 100 + (uint64_t)i;
        tn_scanner_match(r.sc, &e, on_match, &r);
    }
    CHECK_INT(r.hits, 2);   /* the event_count, then the ordered chain */
    CHECK_INT(r.reported, 1);   /* the event_count only feeds the chain (no generate) */
    CHECK_INT(r.last_nevents, 11);   /* the ten failures, not only the last, and the success */
    CHECK_INT(r.last_first_rid, 100);
    CHECK_INT(r.last_last_rid, 110);
    finish(&r);
}

TN_TEST(test_corr_rejections)
{
    const char *base = "title: b\nid: 11111111-1111-1111-1111-111111111111\nlogsource:\n  product: windows\n"
                       "detection:\n  s:\n    A: 1\n  condition: s\n---\n";
    const char *bad[] = {
        "title: c\ncorrelation:\n  type: event_count\n  rules: [11111111-1111-1111-1111-111111111111]\n"
        "  group-by: [A]\n  timespan: 5m\n",                              /* no condition */
        "title: c\ncorrelation:\n  type: event_count\n  rules: [nope]\n  group-by: [A]\n"
        "  timespan: 5m\n  condition:\n    gte: 2\n",                     /* unknown rule */
        "title: c\ncorrelation:\n  type: sometimes\n  rules: [nope]\n  timespan: 5m\n",
        "title: c\ncorrelation:\n  type: temporal\n  rules: [11111111-1111-1111-1111-111111111111]\n"
        "  group-by: [A]\n  timespan: 5 minutes\n",                       /* bad timespan */
        "title: c\ncorrelation:\n  type: value_sum\n  rules: [11111111-1111-1111-1111-111111111111]\n"
        "  group-by: [A]\n  timespan: 5m\n  condition:\n    gt: 3\n",     /* no field */
        "title: c\nname: loop\ncorrelation:\n  type: temporal\n  rules: [loop, 11111111-1111-1111-1111-111111111111]\n"
        "  group-by: [A]\n  timespan: 5m\n",                              /* cycle */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char y[2048];
        snprintf(y, sizeof(y), "%s%s", base, bad[i]);
        tn_ruleset *rs = test_load(y, 0);
        CHECK(rs != NULL);
        CHECK_INT(tn_ruleset_ncorrelations(rs), 0);
        CHECK(test_last_reject[0] != 0);
        tn_ruleset_free(rs);
    }
}

/* A correlation of our own: tags and the events that satisfied it. */
#define OWN_EVENT_COUNT(cond, span)                                            \
    "title: many\nid: 6f1b3c1e-54a4-4d43-9e0f-0c1c1d6f2a11\nlevel: high\n"      \
    "tags:\n  - attack.credential_access\n  - attack.t1110\n"                  \
    "correlation:\n  type: event_count\n  rules: [base]\n"                     \
    "  group-by: [ComputerName]\n  timespan: " span "\n  condition:\n    " cond "\n" \
    "---\n" STUB("name: base", "Kind: fail")

TN_TEST(test_corr_hit_tags_and_events)
{
    run r;
    if (!start_text(&r, OWN_EVENT_COUNT("gte: 3", "1h"), 1))
        return;
    ev(&r, 0, "Kind", "fail", "ComputerName", "A", NULL, NULL);
    ev(&r, 5, "Kind", "fail", "ComputerName", "A", NULL, NULL);
    ev(&r, 9, "Kind", "fail", "ComputerName", "A", NULL, NULL);
    CHECK_INT(r.hits, 1);
    CHECK_INT(r.last_ntags, 2);
    CHECK(r.last_tag0 && !strcmp(r.last_tag0, "attack.credential_access"));
    CHECK_INT(r.last_nevents, 3);
    CHECK_INT(r.last_first_rid, 1000);
    CHECK_INT(r.last_last_rid, 1009);
    tn_rule_info ci;
    tn_ruleset_corr_info(r.rs, 0, &ci);
    CHECK_INT(ci.ntags, 2);
    finish(&r);
}

/* Groups seen once, an hour apart with a 5 minute span: the sweeps keep
 * the state to the groups of the last few minutes, not of the input. */
TN_TEST(test_corr_state_bounded)
{
    run r;
    if (!start_text(&r, OWN_EVENT_COUNT("gte: 2", "5m"), 1))
        return;
    char host[32];
    size_t most = 0;
    for (int i = 0; i < 2000; i++) {
        snprintf(host, sizeof(host), "H%d", i);
        ev(&r, (uint64_t)i * 60, "Kind", "fail", "ComputerName", host, NULL, NULL);
        size_t g = tn_correlator_groups(r.co);
        most = g > most ? g : most;
    }
    CHECK_INT(r.hits, 0);
    CHECK(most <= 12);   /* two spans of one group a minute, and the current one */
    finish(&r);
}

/* A window (lt) closed long ago is judged by a sweep, without waiting for
 * its group's next event or the end of input. */
TN_TEST(test_corr_upper_judged_by_sweep)
{
    run r;
    if (!start_text(&r, OWN_EVENT_COUNT("lt: 3", "1h"), 1))
        return;
    ev(&r, 0, "Kind", "fail", "ComputerName", "A", NULL, NULL);
    ev(&r, 10, "Kind", "fail", "ComputerName", "A", NULL, NULL);
    CHECK_INT(r.hits, 0);
    ev(&r, 3 * 3600, "Kind", "fail", "ComputerName", "B", NULL, NULL);
    CHECK_INT(r.hits, 1);        /* A's window: 2 events < 3 */
    CHECK_INT(r.last_value, 2);
    CHECK_INT(r.last_last_rid, 1010);
    CHECK_INT(tn_correlator_groups(r.co), 1);   /* A is gone, B's window is open */
    tn_correlator_flush(r.co, on_corr, &r);
    CHECK_INT(r.hits, 2);        /* B's at the end */
    finish(&r);
}

/* Values kept as text and fed later give the same hits as the event. */
TN_TEST(test_corr_values_round_trip)
{
    run r;
    if (!start(&r, "value_count.yml", STUB("id: 5638f7c0-ac70-491d-8465-2a65075e0d86", "Kind: fail")))
        return;
    tn_rule_info ri;
    tn_ruleset_info(r.rs, 0, &ri);
    CHECK(tn_corr_refers(r.rs, &ri));
    tn_buf b;
    tn_buf_init(&b);
    const char *users[] = {"a:b", "-", "", "12:x"};
    for (int i = 0; i < 100; i++) {
        char u[32];
        snprintf(u, sizeof(u), "%s%d", users[i % 4], i);
        const char *kv[8] = {"Kind", "fail", "ComputerName", "A:1", "WorkstationName", "W", "User", u};
        tn_field f[4];
        tn_event e;
        test_event_init(&e, f, kv, 4, "Security", 4625);
        e.time = T0 + (uint64_t)i * SEC;
        tn_buf_clear(&b);
        tn_corr_values(r.rs, &ri, &e, &b);
        tn_buf_putc(&b, 0);
        tn_corr_origin o = {(uint64_t)i, 0, 0, 4625, "c", "Security"};
        tn_correlator_feed_values(r.co, &ri, e.time, b.data, &o, on_corr, &r);
    }
    CHECK_INT(r.hits, 1);
    CHECK_INT(r.last_value, 100);
    tn_rule_info bad = ri;
    tn_corr_origin o = {0, 0, 0, 0, "", ""};
    CHECK_INT(tn_correlator_feed_values(r.co, &bad, T0 + 200 * SEC, "5:ab", &o, on_corr, &r), -1);
    tn_buf_free(&b);
    finish(&r);
}

/* Group-by values are keyed with their lengths: joined by a separator
 * alone, ("a\x1fb", "c") and ("a", "b\x1fc") made one group, and two
 * events of different groups reached gte: 2. */
TN_TEST(test_corr_group_values_do_not_collide)
{
    const char *y =
        "title: twice\nid: 44444444-4444-4444-4444-444444444444\nlevel: high\n"
        "correlation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [A, B]\n"
        "  timespan: 10m\n  condition:\n    gte: 2\n"
        "---\n"
        FAILED_LOGIN;
    run r;
    if (!start_text(&r, y, 1))
        return;
    ev(&r, 1, "A", "a\x1f" "b", "B", "c", NULL, NULL);
    ev(&r, 2, "A", "a", "B", "b\x1f" "c", NULL, NULL);
    CHECK_INT(r.hits, 0);
    ev(&r, 3, "A", "a", "B", "b\x1f" "c", NULL, NULL);   /* the same group twice: a hit */
    CHECK_INT(r.hits, 1);
    finish(&r);
}

/* value_sum and value_avg add plain decimals only: "nan", "inf" and hex
 * are not numbers (one "nan" made the sum NaN, and it never passed its
 * limit). */
TN_TEST(test_corr_value_sum_plain_decimals)
{
    const char *y =
        "title: sum\nid: 55555555-5555-5555-5555-555555555555\nlevel: high\n"
        "correlation:\n  type: value_sum\n  rules: [failed_login]\n  group-by: [User]\n"
        "  timespan: 10m\n  condition:\n    field: Bytes\n    gt: 1000\n"
        "---\n"
        FAILED_LOGIN;
    run r;
    if (!start_text(&r, y, 1))
        return;
    static const char *const junk[] = {"nan", "inf", "-inf", "0x400", "1e", "", "12a", "+", "."};
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
        ev(&r, i, "User", "u", "Bytes", junk[i], NULL, NULL);
    CHECK_INT(r.hits, 0);
    ev(&r, 20, "User", "u", "Bytes", "600", NULL, NULL);
    ev(&r, 21, "User", "u", "Bytes", "4.5e2", NULL, NULL);
    CHECK_INT(r.hits, 1);
    CHECK(r.last_value == 1050.0);
    finish(&r);
}

/* One event matched by two rules that an event_count references is one
 * event: two of alice's failed logons are two, not four. temporal still
 * sees both rules in it. */
TN_TEST(test_corr_event_counted_once)
{
    const char *y =
        "title: three\nid: 66666666-6666-6666-6666-666666666666\nlevel: high\n"
        "correlation:\n  type: event_count\n  rules: [failed_login, failed_alice]\n  group-by: [User]\n"
        "  timespan: 10m\n  condition:\n    gte: 3\n"
        "---\n"
        "title: both\nid: 77777777-7777-7777-7777-777777777777\nlevel: high\n"
        "correlation:\n  type: temporal\n  rules: [failed_login, failed_alice]\n  group-by: [User]\n"
        "  timespan: 10m\n"
        "---\n"
        FAILED_LOGIN "---\n"
        "title: failed alice\nname: failed_alice\nlogsource:\n  product: windows\n  service: security\n"
        "detection:\n  selection:\n    EventID: 4625\n    User: alice\n  condition: selection\n";
    run r;
    if (!start_text(&r, y, 2))
        return;
    ev(&r, 1, "User", "alice", NULL, NULL, NULL, NULL);
    CHECK_INT(r.hits, 1);   /* temporal: both rules in one event */
    ev(&r, 2, "User", "alice", NULL, NULL, NULL, NULL);
    CHECK_INT(r.hits, 2);   /* temporal again; event_count: 2 events, not 4 */
    ev(&r, 3, "User", "alice", NULL, NULL, NULL, NULL);
    CHECK_INT(r.hits, 4);   /* temporal, and event_count at 3 */
    finish(&r);
}

/* The end of input judges windows until none is left open: a hit judged
 * there feeds a correlation listed before it, whose window it opens (with
 * the outer one first, as the specification lays a chain out, its hit was
 * lost; listed after, it was found). */
TN_TEST(test_corr_flush_feeds_earlier_correlations)
{
    for (int outer_first = 0; outer_first < 2; outer_first++) {
        const char *outer =
            "title: outer\nid: 88888888-8888-8888-8888-888888888888\nlevel: high\n"
            "correlation:\n  type: event_count\n  rules: [few_failed]\n  group-by: [User]\n"
            "  timespan: 10m\n  condition:\n    eq: 1\n";
        const char *inner =
            "title: few failed\nname: few_failed\nlevel: high\n"
            "correlation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [User]\n"
            "  timespan: 10m\n  condition:\n    lte: 2\n";
        const char *base = FAILED_LOGIN;
        char y[2048];
        snprintf(y, sizeof(y), "%s---\n%s---\n%s", outer_first ? outer : inner, outer_first ? inner : outer,
                 base);
        run r;
        if (!start_text(&r, y, 2))
            return;
        ev(&r, 1, "User", "bob", NULL, NULL, NULL, NULL);
        CHECK_INT(r.hits, 0);
        finish(&r);   /* flushes */
        CHECK_INT(r.hits, 2);   /* the inner window, then the outer one */
        CHECK_INT(r.reported, 1);
    }
}

/* value_count keeps its distinct values as events come and go (counting
 * the window again on each event was quadratic): a long run of new values
 * that never fills the window, through many rebuilds of the value map,
 * then a burst that does. */
TN_TEST(test_corr_value_count_long_stream)
{
    const char *y =
        "title: spray\nid: 99999999-9999-9999-9999-999999999999\nlevel: high\n"
        "correlation:\n  type: value_count\n  rules: [failed_login]\n  group-by: [Ip]\n"
        "  timespan: 20s\n  condition:\n    field: User\n    gte: 10\n"
        "---\n"
        FAILED_LOGIN;
    run r;
    if (!start_text(&r, y, 1))
        return;
    char u[32];
    for (int i = 0; i < 2000; i++) {   /* 5 s apart: at most 5 in a window of 20 s */
        snprintf(u, sizeof(u), "u%d", i % 3 ? i : 7);   /* some values again */
        ev(&r, 5 * (uint64_t)i, "Ip", "10.0.0.1", "User", u, NULL, NULL);
    }
    CHECK_INT(r.hits, 0);
    for (int i = 0; i < 10; i++) {   /* 10 distinct in 10 s, after the window emptied */
        snprintf(u, sizeof(u), "burst%d", i % 9 == 8 ? 0 : i);   /* one again */
        ev(&r, 20000 + (uint64_t)i, "Ip", "10.0.0.1", "User", u, NULL, NULL);
    }
    CHECK_INT(r.hits, 0);   /* 9 distinct of 10 */
    ev(&r, 20010, "Ip", "10.0.0.1", "User", "burst8", NULL, NULL);
    CHECK_INT(r.hits, 1);
    CHECK(r.last_value == 10.0);
    finish(&r);
}

/* Failed logons of base's kind on host at the times secs (s after T0). */
static void fails_at(run *r, const char *host, const uint64_t *secs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ev(r, secs[i], "Kind", "fail", "ComputerName", host, NULL, NULL);
}

/* lt, lte, eq and neq are judged over a window that starts at the
 * group's oldest event, holds both ends, and is judged once it has
 * closed; hit or not, the next starts after it. Events at 0, 1, 2, 3 s
 * are 4 in 10 s, not "exactly 3": windows that slid by one found 3 in
 * the one from 1 s (until session 28), and the tail of any burst. */
TN_TEST(test_corr_eq_window_anchored)
{
    run r;
    if (!start_text(&r, OWN_EVENT_COUNT("eq: 3", "10s"), 1))
        return;
    static const uint64_t first[] = {0, 1, 2, 3, 12}, then[] = {13, 22, 23};   /* 22: 10 s after 12, held */
    fails_at(&r, "A", first, 5);
    CHECK_INT(r.hits, 0);   /* 0 s's window: 4 events */
    fails_at(&r, "A", then, 3);
    CHECK_INT(r.hits, 1);   /* 12 s's window: 12, 13, 22 */
    CHECK_INT(r.last_value, 3);
    CHECK_INT(r.last_first_rid, 1012);
    CHECK_INT(r.last_last_rid, 1022);
    finish(&r);   /* 23 s's window: 1 event, no hit */
    CHECK_INT(r.hits, 1);
}

/* The review's case (session 28): 100 failed logons in 100 s are not
 * "11 to 20 in an hour", and `lt: 5` does not hold for them at the end
 * of the burst; a group of 3 is fewer than 5. */
TN_TEST(test_corr_range_not_on_a_burst_tail)
{
    run r;
    if (!start_text(&r, OWN_EVENT_COUNT("gt: 10\n    lte: 20", "1h"), 1))
        return;
    uint64_t secs[100];
    for (int i = 0; i < 100; i++)
        secs[i] = (uint64_t)i;
    static const uint64_t later[] = {7200};
    fails_at(&r, "A", secs, 100);
    fails_at(&r, "B", later, 1);
    finish(&r);
    CHECK_INT(r.hits, 0);
    if (!start_text(&r, OWN_EVENT_COUNT("lt: 5", "1h"), 1))
        return;
    fails_at(&r, "A", secs, 10);
    fails_at(&r, "C", secs + 10, 3);
    finish(&r);
    CHECK_INT(r.hits, 1);
    CHECK_INT(r.last_value, 3);
    CHECK_INT(r.last_first_rid, 1010);
}

/* value_sum with lt judges whole windows: 10, 200, 300 within the span
 * never sum below 100 once each window is complete (it fired at 10). */
TN_TEST(test_corr_value_sum_lt_whole_window)
{
    const char *y =
        "title: small\nid: 12121212-1212-1212-1212-121212121212\nlevel: high\n"
        "correlation:\n  type: value_sum\n  rules: [failed_login]\n  group-by: [User]\n"
        "  timespan: 1m\n  condition:\n    field: Bytes\n    lt: 100\n"
        "---\n"
        FAILED_LOGIN;
    run r;
    if (!start_text(&r, y, 1))
        return;
    ev(&r, 0, "User", "u", "Bytes", "10", NULL, NULL);
    ev(&r, 10, "User", "u", "Bytes", "200", NULL, NULL);
    ev(&r, 20, "User", "u", "Bytes", "300", NULL, NULL);
    CHECK_INT(r.hits, 0);
    ev(&r, 100, "User", "u", "Bytes", "40", NULL, NULL);   /* closes the first three */
    CHECK_INT(r.hits, 0);
    finish(&r);
    CHECK_INT(r.hits, 1);   /* 40 alone, at the end of input */
    CHECK(r.last_value == 40.0);
}

#define ORDERED(cond)                                                            \
    "title: order\nid: 13131313-1313-1313-1313-131313131313\nlevel: high\n"          \
    "correlation:\n  type: temporal_ordered\n  rules: [recon_cmd_a, recon_cmd_b, recon_cmd_c]\n" \
    "  group-by: [User]\n  timespan: 1m\n" cond                                    \
    "---\n" RECON_STUBS

/* temporal_ordered counts the rules that match in the listed order: with
 * gte: 2, b then c is two (it waited for all three), c then b is one; with
 * eq: 2 the order counts too (it was ignored). */
TN_TEST(test_corr_temporal_ordered_counts_in_order)
{
    run r;
    if (!start_text(&r, ORDERED("  condition:\n    gte: 2\n"), 1))
        return;
    ev(&r, 0, "Cmd", "net", "User", "u", NULL, NULL);
    ev(&r, 1, "Cmd", "ipconfig", "User", "u", NULL, NULL);
    CHECK_INT(r.hits, 0);   /* c, b */
    ev(&r, 2, "Cmd", "net", "User", "u", NULL, NULL);
    CHECK_INT(r.hits, 1);   /* b, c */
    CHECK_INT(r.last_value, 2);
    finish(&r);
    if (!start_text(&r, ORDERED("  condition:\n    eq: 2\n"), 1))
        return;
    ev(&r, 0, "Cmd", "net", "User", "u", NULL, NULL);
    ev(&r, 1, "Cmd", "ipconfig", "User", "u", NULL, NULL);
    ev(&r, 100, "Cmd", "ipconfig", "User", "v", NULL, NULL);
    CHECK_INT(r.hits, 0);   /* u: c then b is one in order */
    ev(&r, 101, "Cmd", "whoami", "User", "v", NULL, NULL);
    ev(&r, 102, "Cmd", "ipconfig", "User", "v", NULL, NULL);
    finish(&r);
    CHECK_INT(r.hits, 1);   /* v: a then b */
    CHECK_INT(r.last_nevents, 3);
}

/* value_sum, value_avg and value_percentile keep their aggregates as
 * events come and go (they went over the window on each event): 200,000
 * events in one group's week-long window. */
TN_TEST(test_corr_long_windows_kept)
{
    const char *y =
        "title: sum\nid: 14141414-1414-1414-1414-141414141414\nlevel: high\n"
        "correlation:\n  type: value_sum\n  rules: [failed_login]\n  group-by: [User]\n"
        "  timespan: 1w\n  condition:\n    field: Bytes\n    gte: 1000000\n"
        "---\n"
        "title: avg\nid: 15151515-1515-1515-1515-151515151515\nlevel: high\n"
        "correlation:\n  type: value_avg\n  rules: [failed_login]\n  group-by: [User]\n"
        "  timespan: 1w\n  condition:\n    field: Bytes\n    lt: 0\n"
        "---\n"
        "title: rare\nid: 16161616-1616-1616-1616-161616161616\nlevel: high\n"
        "correlation:\n  type: value_percentile\n  rules: [failed_login]\n  group-by: [User]\n"
        "  timespan: 1w\n  condition:\n    field: Bytes\n    lte: 0.001\n"
        "---\n"
        FAILED_LOGIN;
    run r;
    if (!start_text(&r, y, 3))
        return;
    for (uint64_t i = 0; i < 200000; i++)
        ev(&r, i, "User", "u", "Bytes", "0.5", NULL, NULL);
    CHECK_INT(r.hits, 0);
    ev(&r, 200001, "User", "u", "Bytes", "900000", NULL, NULL);   /* 200,000 x 0.5 + this */
    CHECK_INT(r.hits, 1);   /* the sum reaches 1,000,000 */
    finish(&r);
    CHECK_INT(r.hits, 2);   /* the value is 1 in 200,001, judged with the window; no average below 0 */
}

#define KIND(nm, k)                                                             \
    "title: " nm "\nname: " nm "\nlogsource:\n  product: windows\ndetection:\n"   \
    "  selection:\n    Kind: " k "\n  condition: selection\n"

/* A correlation that reads another's hits gets them in time order, after
 * the windows they belong to were judged late (lt): the result is the
 * same whichever of the two comes first in the file (listed first, the
 * reader judged its windows before the hit came, and fired twice), and a
 * hit that came late is not counted with later events (it was taken at
 * the reader's latest time, and fired with an event 70 s after it). */
TN_TEST(test_corr_chain_order_and_late_hits)
{
    const char *few = "title: few\nname: few\ncorrelation:\n  type: event_count\n  rules: [r_a]\n"
                      "  group-by: [User]\n  timespan: 60s\n  condition:\n    lt: 2\n";
    const char *down = "title: down\nid: 17171717-1717-1717-1717-171717171717\nlevel: high\n"
                       "correlation:\n  type: event_count\n  rules: [few, r_b]\n  group-by: [User]\n"
                       "  timespan: 60s\n  condition:\n    eq: 2\n";
    for (int down_first = 0; down_first < 2; down_first++) {
        char y[4096];
        snprintf(y, sizeof(y), "%s---\n%s---\n" KIND("r_a", "a") "---\n" KIND("r_b", "b"),
                 down_first ? down : few, down_first ? few : down);
        run r;
        if (!start_text(&r, y, 2))
            return;
        ev(&r, 0, "Kind", "b", "User", "x", NULL, NULL);
        ev(&r, 10, "Kind", "a", "User", "x", NULL, NULL);
        finish(&r);
        CHECK_INT(r.reported, 1);   /* the window from 0 s holds b and few's hit (judged late) */
        CHECK_INT(r.last_first_rid, 1000);
        CHECK_INT(r.last_last_rid, 1010);
    }
    const char *late =
        "title: late\nid: 18181818-1818-1818-1818-181818181818\nlevel: high\n"
        "correlation:\n  type: temporal\n  rules: [few, r_b]\n  group-by: [User]\n  timespan: 60s\n";
    char y[4096];
    snprintf(y, sizeof(y), "%s---\n%s---\n" KIND("r_a", "a") "---\n" KIND("r_b", "b"), few, late);
    run r;
    if (!start_text(&r, y, 2))
        return;
    ev(&r, 0, "Kind", "a", "User", "y", NULL, NULL);
    ev(&r, 40, "Kind", "a", "User", "x", NULL, NULL);     /* few fires for x at 40 s, judged late */
    ev(&r, 61, "Kind", "a", "User", "z", NULL, NULL);
    ev(&r, 110, "Kind", "b", "User", "x", NULL, NULL);    /* 70 s later: not with it */
    ev(&r, 125, "Kind", "a", "User", "z", NULL, NULL);
    finish(&r);
    CHECK_INT(r.reported, 0);
}

/* One event matched by two rules counts once also when a hit used the
 * first match up: three events, each matched by both, fire once at 2 (it
 * fired again with the second event counted twice). */
TN_TEST(test_corr_event_counted_once_across_hits)
{
    const char *y =
        "title: twice\nid: 19191919-1919-1919-1919-191919191919\nlevel: high\n"
        "correlation:\n  type: event_count\n  rules: [r_a, r_x]\n  group-by: [User]\n"
        "  timespan: 60s\n  condition:\n    gte: 2\n"
        "---\n" KIND("r_a", "a") "---\n"
        "title: x\nname: r_x\nlogsource:\n  product: windows\ndetection:\n"
        "  selection:\n    User: x\n  condition: selection\n";
    run r;
    if (!start_text(&r, y, 1))
        return;
    for (int i = 0; i < 3; i++)
        ev(&r, (uint64_t)i, "Kind", "a", "User", "x", NULL, NULL);
    finish(&r);
    CHECK_INT(r.hits, 1);
    CHECK_INT(r.last_first_rid, 1000);
    CHECK_INT(r.last_last_rid, 1001);
}

/* A value_percentile hit names its value's first event, not its window,
 * once a window: a chain over it kept a copy of the window per hit (8,000
 * events in a group's hour took 1.26 GB, when it fired per event). */
TN_TEST(test_corr_percentile_hit_names_its_event)
{
    const char *y =
        "title: pct\nname: pct\ncorrelation:\n  type: value_percentile\n  rules: [r_a]\n"
        "  group-by: [User]\n  timespan: 1h\n  condition:\n    field: Val\n    gte: 0\n"
        "---\n"
        "title: many\nid: 20202020-2020-2020-2020-202020202020\nlevel: high\n"
        "correlation:\n  type: event_count\n  rules: [pct]\n  group-by: [User]\n  timespan: 2h\n"
        "  condition:\n    gte: 2\n"
        "---\n" KIND("r_a", "a");
    run r;
    if (!start_text(&r, y, 2))
        return;
    for (uint64_t i = 0; i < 3000; i++)   /* two hours: two windows */
        ev(&r, i * 2, "Kind", "a", "User", "x", "Val", "v");
    finish(&r);
    CHECK_INT(r.hits, 3);   /* pct once a window (its first events, at 0 s and 3,602 s), then many */
    CHECK_INT(r.last_nevents, 2);   /* one event each */
    CHECK_INT(r.last_first_rid, 1000);
}

/* Two hits at one time reach the correlation that reads them in the
 * order of their events and references, not of the files: u1 then u2 in
 * order whichever is written first (with u2 first, it never fired). */
TN_TEST(test_corr_chain_ties_not_by_file_order)
{
    const char *u1 = "title: u1\nname: u1\ncorrelation:\n  type: event_count\n  rules: [r_a]\n"
                     "  group-by: [User]\n  timespan: 10s\n  condition:\n    lt: 2\n";
    const char *u2 = "title: u2\nname: u2\ncorrelation:\n  type: event_count\n  rules: [r_a]\n"
                     "  group-by: [User]\n  timespan: 10s\n  condition:\n    lte: 1\n";
    const char *d = "title: d\nid: 21212121-2121-2121-2121-212121212121\nlevel: high\n"
                    "correlation:\n  type: temporal_ordered\n  rules: [u1, u2]\n  group-by: [User]\n"
                    "  timespan: 60s\n"
                    "---\n"
                    "title: side\nname: side\ncorrelation:\n  type: event_count\n  rules: [r_b]\n"
                    "  group-by: [User]\n  timespan: 10s\n  condition:\n    gte: 100\n";
    for (int u2_first = 0; u2_first < 2; u2_first++) {
        char y[4096];
        snprintf(y, sizeof(y), "%s---\n%s---\n%s---\n" KIND("r_a", "a") "---\n" KIND("r_b", "b"),
                 u2_first ? u2 : u1, u2_first ? u1 : u2, d);
        run r;
        if (!start_text(&r, y, 4))
            return;
        ev(&r, 1, "Kind", "a", "User", "u", NULL, NULL);
        ev(&r, 60, "Kind", "b", "User", "u", NULL, NULL);   /* a sweep judges u1 and u2 */
        finish(&r);
        CHECK_INT(r.reported, 1);
    }
}

/* Two events of one rule with the same time, place and record id (two
 * records of a JSON array on one line, without EventRecordID) are two
 * events: only another rule's match is the same event. */
TN_TEST(test_corr_same_rule_same_place_two_events)
{
    run r;
    if (!start_text(&r, OWN_EVENT_COUNT("gte: 2", "1m"), 1))
        return;
    static const uint64_t at[] = {1, 2, 2, 3};   /* the two at 2 s: one place, one record id */
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
        ev(&r, at[i], "Kind", "fail", "ComputerName", "A", NULL, NULL);
    finish(&r);
    CHECK_INT(r.hits, 2);
}

/* Sums of plain decimals are exact, whatever order the window's two
 * stacks add them in: 0.1 + 0.2 + 0.3 is 0.6 (in doubles, left to right,
 * 0.6000000000000001, and after a slide 0.6: eq: 0.6 depended on what
 * came before). */
TN_TEST(test_corr_sums_exact)
{
    /* eq: alone, and after a 5 in a window of its own; gte: a window ends
     * at each event, so the -5 leaves the two stacks first (tn_cwin's
     * pop), and the sum of the rest is still exact */
    static const struct { const char *cond; uint64_t t01; const char *v0; } c[] = {
        {"eq", 61, NULL}, {"eq", 61, "5"}, {"gte", 30, "-5"},   /* t01: the 0.1's time */
    };
    for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
        char y[1024];
        snprintf(y, sizeof(y),
                 "title: six\nid: 22222222-2121-2121-2121-212121212121\nlevel: high\n"
                 "correlation:\n  type: value_sum\n  rules: [failed_login]\n  group-by: [User]\n"
                 "  timespan: 1m\n  condition:\n    field: Bytes\n    %s: 0.6\n---\n" FAILED_LOGIN, c[k].cond);
        run r;
        if (!start_text(&r, y, 1))
            return;
        if (c[k].v0)
            ev(&r, 0, "User", "u", "Bytes", c[k].v0, NULL, NULL);
        ev(&r, c[k].t01, "User", "u", "Bytes", "0.1", NULL, NULL);
        ev(&r, 62, "User", "u", "Bytes", "0.2", NULL, NULL);
        ev(&r, 63, "User", "u", "Bytes", "0.3", NULL, NULL);
        finish(&r);
        CHECK_INT(r.hits, 1);
        CHECK(r.last_value == 0.6);
        CHECK_INT(r.last_nevents, 3);
    }
}

typedef struct replay_run {
    tn_ruleset *rs;
    size_t hits[12];
} replay_run;

static void replay_one(const char *name, const unsigned char *data, size_t n, void *ctx)
{
    replay_run *rr = ctx;
    size_t h[12];
    int rc = fz_correlate(rr->rs, data, n, h);
    if (rc)
        printf("  %s: a hit's events or times are wrong\n", name);
    CHECK(rc == 0);
    for (int i = 0; !rc && i < 12; i++)
        rr->hits[i] += h[i];
}

/* Every input in tests/fuzz-regress/correlate, as fuzz/fuzz_correlate.c
 * feeds it. */
TN_TEST(test_corr_fuzz_regressions)
{
    replay_run rr = {fz_corr_load("data"), {0}};
    CHECK(rr.rs != NULL);
    if (!rr.rs)
        return;
    CHECK(replay_each("tests/fuzz-regress/correlate", replay_one, &rr) >= 4);
    for (int i = 0; i < 12; i++) {   /* the inputs reach every correlation */
        if (!rr.hits[i])
            printf("  c%d never fired\n", i + 1);
        CHECK(rr.hits[i] > 0);
    }
    tn_ruleset_free(rr.rs);
}
