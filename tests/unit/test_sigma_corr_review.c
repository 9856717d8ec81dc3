/* test_sigma_corr_review.c - correlations against the specification,
 * from the reviews of session 20: rejections named by their reason,
 * groups without a group-by field, chains that regroup by their own
 * group-by (the spec's example), and the limits on chains and paths;
 * and (session 23) Sigma 1's aggregations run as correlations. */
#include "tn_test.h"

#include "base/buf.h"
#include "corr_helpers.h"
#include "sigma/ruleset_impl.h"
#include "sigma_helpers.h"

#include <stdio.h>
#include <string.h>

/* What a review of the correlations found (session 20), each against the
 * specification: a rejection with the reason named, checked by its
 * words; then the behaviours. */
TN_TEST(test_corr_review_rejections)
{
    const char *base = "title: b\nid: 11111111-1111-1111-1111-111111111111\nname: b\nlogsource:\n"
                       "  product: windows\ndetection:\n  s:\n    A: 1\n  condition: s\n---\n";
#define C(type, rules, rest) "title: c\nname: c\ncorrelation:\n  type: " type "\n  rules: " rules "\n" rest
    const struct {
        const char *doc, *why;
    } bad[] = {
        /* "Requires: group-by" for every type (the schema too) */
        {C("value_sum", "[b]", "  timespan: 5m\n  condition:\n    field: X\n    gt: 3\n"), "needs 'group-by'"},
        {C("value_avg", "[b]", "  timespan: 5m\n  condition:\n    field: X\n    gt: 3\n"), "needs 'group-by'"},
        /* plain decimals only: nan never held with gte, always with neq */
        {C("event_count", "[b]", "  group-by: [A]\n  timespan: 5m\n  condition:\n    gte: nan\n"), "needs a number"},
        {C("event_count", "[b]", "  group-by: [A]\n  timespan: 5m\n  condition:\n    lt: inf\n"), "needs a number"},
        /* "number + letter (in lowercase)" */
        {C("event_count", "[b]", "  group-by: [A]\n  timespan: '+5m'\n  condition:\n    gte: 2\n"), "'timespan'"},
        {C("event_count", "[b]", "  group-by: [A]\n  timespan: ' 5m'\n  condition:\n    gte: 2\n"), "'timespan'"},
        /* the same rule twice (uniqueItems), by name and by id */
        {C("temporal", "[b, 11111111-1111-1111-1111-111111111111]", "  group-by: [A]\n  timespan: 5m\n"),
         "one rule twice"},
        /* an alias for a rule the correlation does not read */
        {C("temporal", "[b]", "  group-by: [u]\n  timespan: 5m\n  aliases:\n    u:\n      nope: User\n"),
         "does not refer to"},
        {C("temporal", "[c, b]", "  group-by: [A]\n  timespan: 5m\n"), "refers to itself"},
    };
#undef C
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char y[2048];
        snprintf(y, sizeof(y), "%s%s", base, bad[i].doc);
        tn_ruleset *rs = test_load(y, 0);
        CHECK(rs != NULL);
        CHECK_INT(tn_ruleset_ncorrelations(rs), 0);
        if (!strstr(test_last_reject, bad[i].why)) {
            printf("  case %zu: '%s' lacks '%s'\n", i, test_last_reject, bad[i].why);
            CHECK(0);
        }
        tn_ruleset_free(rs);
    }
    /* two rules called one name: a reference to it is ambiguous */
    char y[8192];
    snprintf(y, sizeof(y), "%s%s---\ntitle: c\ncorrelation:\n  type: event_count\n  rules: [b]\n"
             "  group-by: [A]\n  timespan: 5m\n  condition:\n    gte: 2\n",
             base, "title: b2\nname: b\nlogsource:\n  product: windows\ndetection:\n  s:\n    A: 2\n  condition: s\n");
    tn_ruleset *rs = test_load(y, 0);
    CHECK(rs && tn_ruleset_ncorrelations(rs) == 0 && strstr(test_last_reject, "the id or name of two rules or correlations"));
    tn_ruleset_free(rs);
    /* a cycle names its path, and each correlation on it; one reading it
     * is told why */
    snprintf(y, sizeof(y), "%s"
             "title: x\nname: cx\ncorrelation:\n  type: temporal\n  rules: [cy, b]\n  group-by: [A]\n  timespan: 5m\n---\n"
             "title: y\nname: cy\ncorrelation:\n  type: temporal\n  rules: [cx]\n  group-by: [A]\n  timespan: 5m\n---\n"
             "title: d\nname: cd\ncorrelation:\n  type: temporal\n  rules: [cx]\n  group-by: [A]\n  timespan: 5m\n",
             base);
    rs = test_load(y, 0);
    CHECK(rs && tn_ruleset_ncorrelations(rs) == 0 && strstr(test_last_reject, "refers to 'cx', which is rejected"));
    tn_ruleset_free(rs);
    /* 40 levels of two correlations, each reading both below: 2^40 paths
     * took minutes to load and then filled memory; now rejected past 256
     * paths, at once */
    size_t at = (size_t)snprintf(y, sizeof(y), "%s", base);
    for (int l = 0; l < 40 && at < sizeof(y) - 400; l++)
        for (int w = 0; w < 2; w++) {
            char rules[64];
            if (l)
                snprintf(rules, sizeof(rules), "[a%d, b%d]", l - 1, l - 1);
            else
                snprintf(rules, sizeof(rules), "[b]");
            at += (size_t)snprintf(y + at, sizeof(y) - at,
                                   "---\ntitle: t\nname: %c%d\ncorrelation:\n  type: temporal\n  rules: %s\n"
                                   "  group-by: [A]\n  timespan: 5m\n",
                                   "ab"[w], l, rules);
        }
    rs = test_load(y, 0);
    CHECK(rs != NULL);
    CHECK_INT(tn_ruleset_ncorrelations(rs), 18);   /* levels 0-8: 2, 4, ... 256 paths */
    CHECK(strstr(test_last_reject, "rejected") || strstr(test_last_reject, "paths"));
    tn_ruleset_free(rs);
}

/* A chain of 64 correlations loads; a 65th is rejected, as the
 * correlator feeds no deeper (it was fed nothing, without a word). */
TN_TEST(test_corr_chain_limit)
{
    static char y[65536];
    size_t at = (size_t)snprintf(y, sizeof(y), "title: b\nname: c0r\nlogsource:\n  product: windows\n"
                                 "detection:\n  s:\n    A: 1\n  condition: s\n");
    for (int i = 0; i < 65; i++)
        at += (size_t)snprintf(y + at, sizeof(y) - at,
                               "---\ntitle: t\nname: c%d\ncorrelation:\n  type: temporal\n  rules: [c%d%s]\n"
                               "  group-by: [A]\n  timespan: 5m\n",
                               i + 1, i, i ? "" : "r");
    tn_ruleset *rs = test_load(y, 0);
    CHECK(rs != NULL);
    CHECK_INT(tn_ruleset_ncorrelations(rs), 64);
    CHECK(strstr(test_last_reject, "longer than 64") != NULL);
    tn_ruleset_free(rs);
}

TN_TEST(test_corr_review_behaviour)
{
    /* events without a group-by field are in no group: two failed logons on
     * two hosts, neither naming a user, were one group "" and a hit */
    run r;
    if (!start_text(&r,
                    "title: t\nname: t\ncorrelation:\n  type: event_count\n  rules: [base]\n"
                    "  group-by: [TargetUserName]\n  timespan: 1m\n  condition:\n    gte: 2\n"
                    "---\n" STUB("name: base", "Kind: fail"),
                    1))
        return;
    ev(&r, 0, "Kind", "fail", "Computer", "h1", NULL, NULL);
    ev(&r, 10, "Kind", "fail", "Computer", "h2", NULL, NULL);
    CHECK_INT(r.hits, 0);
    /* nor with it null (JSON null, an empty EVTX element; the harness
     * makes "" null): one group "" joined events of two hosts with
     * nothing in common (a review, session 28; it was a group) */
    ev(&r, 20, "Kind", "fail", "TargetUserName", "", "Computer", "h1");
    ev(&r, 30, "Kind", "fail", "TargetUserName", "", "Computer", "h2");
    CHECK_INT(r.hits, 0);
    ev(&r, 40, "Kind", "fail", "TargetUserName", "-", NULL, NULL);   /* Windows' "-" is a value */
    ev(&r, 50, "Kind", "fail", "TargetUserName", "-", NULL, NULL);
    CHECK_INT(r.hits, 1);
    finish(&r);
    /* value_avg of no number is no average: 0 made `lt: 50` fire */
    if (!start_text(&r,
                    "title: t\nname: t\ncorrelation:\n  type: value_avg\n  rules: [base]\n"
                    "  group-by: [User]\n  timespan: 1m\n  condition:\n    field: Bytes\n    lt: 50\n"
                    "---\n" STUB("name: base", "Kind: fail"),
                    1))
        return;
    ev(&r, 0, "Kind", "fail", "User", "u", NULL, NULL);
    ev(&r, 1, "Kind", "fail", "User", "v", "Bytes", "abc");
    CHECK_INT(r.hits, 0);
    ev(&r, 2, "Kind", "fail", "User", "v", "Bytes", "10");
    finish(&r);   /* lt: judged when the window closes, here at the end */
    CHECK_INT(r.hits, 1);   /* v's, not u's */
    /* generate: True is YAML's true: the rule is reported alone too */
    if (!start_text(&r,
                    "title: t\nname: t\ncorrelation:\n  type: event_count\n  rules: [base]\n  generate: True\n"
                    "  group-by: [User]\n  timespan: 1m\n  condition:\n    gte: 5\n"
                    "---\n" STUB("name: base", "Kind: fail"),
                    1))
        return;
    ev(&r, 0, "Kind", "fail", "User", "u", NULL, NULL);
    CHECK_INT(r.alone, 1);
    finish(&r);
}

/* The spec's chain: "Even if the rule many_failed_logins groups by the
 * ComputerName field, the correlation rule only uses its own group-by
 * User." The failed logons of one computer make the upstream hit; each
 * user among them is then followed by a success of that user's (the
 * hit reached no group before: its hit named no User). ComputerName is
 * read as rules read it, here an EVTX event's Computer (an alias). */
TN_TEST(test_corr_chain_regroups)
{
    const char *y =
        "title: success after\ncorrelation:\n  type: temporal_ordered\n"
        "  rules: [many_failed_logins, successful_login]\n  group-by: [User]\n  timespan: 1h\n"
        "---\n"
        "title: many failed\nname: many_failed_logins\ncorrelation:\n  type: event_count\n"
        "  rules: [failed_login]\n  group-by: [ComputerName]\n  timespan: 1h\n  condition:\n    gte: 3\n"
        "---\n" FAILED_LOGIN
        "---\n"
        "title: success\nname: successful_login\nlogsource:\n  product: windows\n  service: security\n"
        "detection:\n  selection:\n    EventID: 4624\n  condition: selection\n";
    run r;
    if (!start_text(&r, y, 2))
        return;
    const char *users[] = {"alice", "alice", "bob"};
    for (int i = 0; i < 4; i++) {
        const char *kv[2] = {"User", i < 3 ? users[i] : "alice"};
        tn_field f[1];
        tn_event e;
        test_event_init(&e, f, kv, 1, "Security", i < 3 ? 4625 : 4624);
        e.computer = "h1";
        e.time = T0 + (uint64_t)i * 10 * SEC;
        e.record_id = 1 + (uint64_t)i;
        tn_scanner_match(r.sc, &e, on_match, &r);
    }
    CHECK_INT(r.hits, 2);           /* many_failed_logins on h1, then alice's */
    CHECK_INT(r.reported, 1);
    CHECK_INT(r.last_nevents, 3);   /* alice's two failures and her success, not bob's */
    CHECK_INT(r.last_first_rid, 1);
    CHECK_INT(r.last_last_rid, 4);
    /* bob's success later: the same upstream hit fed his group with his
     * failure */
    const char *kv[2] = {"User", "bob"};
    tn_field f[1];
    tn_event e;
    test_event_init(&e, f, kv, 1, "Security", 4624);
    e.computer = "h1";
    e.time = T0 + 50 * SEC;
    e.record_id = 6;
    tn_scanner_match(r.sc, &e, on_match, &r);
    CHECK_INT(r.hits, 3);
    CHECK_INT(r.last_nevents, 2);   /* bob's failure and success */
    finish(&r);
}

/* The review of the session's own changes: a three-long chain whose middle
 * carries a field stopped the hunt as out of memory (a test read
 * inverted); one hit was split by fields a reader does not read (adding
 * an unrelated correlation made another fire); an alias may name a rule
 * referenced by id; a reference's fate does not hang on the order of the
 * files; many plain rules are no paths of correlations. */
TN_TEST(test_corr_review_carry)
{
    const char *three =
        "title: top\ncorrelation:\n  type: event_count\n  rules: [m]\n  group-by: [TargetUserName]\n"
        "  timespan: 1h\n  condition:\n    gte: 1\n"
        "---\ntitle: m\nname: m\ncorrelation:\n  type: event_count\n  rules: [u]\n  group-by: [Computer]\n"
        "  timespan: 1h\n  condition:\n    gte: 1\n"
        "---\ntitle: u\nname: u\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n"
        "  group-by: [Computer]\n  timespan: 1h\n  condition:\n    gte: 1\n"
        "---\n" FAILED_LOGIN;
    run r;
    if (!start_text(&r, three, 3))
        return;
    const char *kv[2] = {"TargetUserName", "bob"};
    tn_field f[1];
    tn_event e;
    test_event_init(&e, f, kv, 1, "Security", 4625);
    e.computer = "h1";
    e.time = T0;
    e.record_id = 1;
    tn_scanner_match(r.sc, &e, on_match, &r);
    finish(&r);
    CHECK_INT(r.hits, 3);   /* u, m and top; not out of memory */

    /* d2 groups as u does: u's one hit is one input to it, whatever d1
     * (which makes u carry TargetUserName) reads */
    const char *split =
        "title: d2\nname: d2\ncorrelation:\n  type: event_count\n  rules: [u]\n  group-by: [Computer]\n"
        "  timespan: 1h\n  condition:\n    gte: 2\n"
        "---\ntitle: d1\nname: d1\ncorrelation:\n  type: event_count\n  rules: [u]\n  group-by: [TargetUserName]\n"
        "  timespan: 1h\n  condition:\n    gte: 5\n"
        "---\ntitle: u\nname: u\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n"
        "  group-by: [Computer]\n  timespan: 1h\n  condition:\n    gte: 2\n"
        "---\n" FAILED_LOGIN;
    if (!start_text(&r, split, 3))
        return;
    const char *users[] = {"bob", "alice"};
    for (int i = 0; i < 2; i++) {
        kv[1] = users[i];
        test_event_init(&e, f, kv, 1, "Security", 4625);
        e.computer = "h1";
        e.time = T0 + (uint64_t)i * SEC;
        e.record_id = 1 + (uint64_t)i;
        tn_scanner_match(r.sc, &e, on_match, &r);
    }
    finish(&r);
    CHECK_INT(r.hits, 1);   /* u's only */

    /* referenced by id, aliased by name */
    const char *alias =
        "title: c\ncorrelation:\n  type: event_count\n  rules: [53ba33fd-0000-4000-8000-000000000001]\n"
        "  group-by: [user]\n  timespan: 1h\n  condition:\n    gte: 1\n"
        "  aliases:\n    user:\n      failed_login: TargetUserName\n"
        "---\ntitle: failed\nid: 53ba33fd-0000-4000-8000-000000000001\nname: failed_login\nlogsource:\n"
        "  product: windows\n  service: security\ndetection:\n  selection:\n    EventID: 4625\n"
        "  condition: selection\n";
    if (!start_text(&r, alias, 1))
        return;
    test_event_init(&e, f, kv, 1, "Security", 4625);
    e.time = T0;
    tn_scanner_match(r.sc, &e, on_match, &r);
    finish(&r);
    CHECK_INT(r.hits, 1);
}

TN_TEST(test_corr_review_order_and_paths)
{
    /* X reads a rule that is not there; Y reads X: Y is told X is
     * rejected whichever comes first */
    const char *x = "title: x\nname: X\ncorrelation:\n  type: temporal\n  rules: [nosuch]\n  group-by: [A]\n"
                    "  timespan: 5m\n";
    const char *yv = "title: y\nname: Y\ncorrelation:\n  type: temporal\n  rules: [X]\n  group-by: [A]\n"
                     "  timespan: 5m\n";
    char t[1024];
    for (int order = 0; order < 2; order++) {
        snprintf(t, sizeof(t), "title: b\nlogsource:\n  product: windows\ndetection:\n  s:\n    A: 1\n"
                 "  condition: s\n---\n%s---\n%s", order ? yv : x, order ? x : yv);
        tn_ruleset *rs = test_load(t, 0);
        CHECK(rs != NULL);
        CHECK_INT(tn_ruleset_ncorrelations(rs), 0);
        tn_ruleset_free(rs);
        /* test_last_reject holds the last reported: Y's, after X's */
        if (!strstr(test_last_reject, "refers to 'X', which is rejected")) {
            printf("  order %d: %s\n", order, test_last_reject);
            CHECK(0);
        }
    }
    /* a temporal over 300 rules loads (each rule counted as a path of
     * correlations, 257 were refused) */
    static char big[65536];
    size_t at = (size_t)snprintf(big, sizeof(big), "title: c\ncorrelation:\n  type: temporal\n  rules: [");
    for (int i = 0; i < 300; i++)
        at += (size_t)snprintf(big + at, sizeof(big) - at, "%sr%d", i ? ", " : "", i);
    at += (size_t)snprintf(big + at, sizeof(big) - at, "]\n  group-by: [A]\n  timespan: 5m\n");
    for (int i = 0; i < 300 && at < sizeof(big) - 200; i++)
        at += (size_t)snprintf(big + at, sizeof(big) - at,
                               "---\ntitle: r\nname: r%d\nlogsource:\n  product: windows\ndetection:\n"
                               "  s:\n    A: %d\n  condition: s\n",
                               i, i);
    tn_ruleset *rs = test_load(big, 0);
    CHECK(rs != NULL);
    CHECK_INT(tn_ruleset_ncorrelations(rs), 1);
    tn_ruleset_free(rs);
}

/* "When you use multiple values in field they are linked by an AND":
 * value_count counts the distinct pairs (it was rejected); other types
 * take one field. */
TN_TEST(test_corr_value_count_several_fields)
{
    const char *y = "title: t\nname: t\ncorrelation:\n  type: value_count\n  rules: [base]\n"
                    "  group-by: [Host]\n  timespan: 1m\n  condition:\n    field: [User, Ip]\n    gte: 3\n"
                    "---\n" STUB("name: base", "Kind: fail");
    run r;
    if (!start_text(&r, y, 1))
        return;
    ev4(&r, 0, "Kind", "fail", "Host", "h", "User", "a", "Ip", "1");
    ev4(&r, 1, "Kind", "fail", "Host", "h", "User", "a", "Ip", "2");
    ev4(&r, 2, "Kind", "fail", "Host", "h", "User", "b", "Ip", "1");
    ev4(&r, 3, "Kind", "fail", "Host", "h", "User", "a", "Ip", "1");   /* a pair seen before */
    CHECK_INT(r.hits, 1);   /* three pairs, though two users and two addresses */
    CHECK_INT(r.last_value, 3);
    finish(&r);
    tn_ruleset *rs = test_load("title: t\ncorrelation:\n  type: value_sum\n  rules: [base]\n  group-by: [C]\n"
                               "  timespan: 1m\n  condition:\n    field: [A, B]\n    gte: 3\n"
                               "---\n" STUB("name: base", "Kind: fail"), 0);
    CHECK(rs && tn_ruleset_ncorrelations(rs) == 0 && strstr(test_last_reject, "only value_count"));
    tn_ruleset_free(rs);
}

/* Sigma 1's aggregations ("... | count() by X > N" with a timeframe) run
 * as the correlation rules pySigma converts them to; the rule's own
 * matches are not reported alone, its hits carry its id and tags. */
#define LEGACY(agg, tf)                                                             \
    "title: legacy\nid: 0d4c7b2e-aaaa-4bbb-8ccc-0123456789ab\ntags: [attack.t1110]\n"  \
    "logsource:\n  product: windows\ndetection:\n  sel:\n    Kind: fail\n" tf         \
    "  condition: sel | " agg "\n"

TN_TEST(test_corr_legacy_event_count)
{
    run r;
    if (!start_text(&r, LEGACY("count() by Host > 2", "  timeframe: 1m\n"), 1))
        return;
    ev(&r, 0, "Kind", "fail", "Host", "a", NULL, NULL);
    ev(&r, 40, "Kind", "fail", "Host", "a", NULL, NULL);
    ev(&r, 50, "Kind", "fail", "Host", "b", NULL, NULL);   /* another group */
    ev(&r, 61, "Kind", "fail", "Host", "a", NULL, NULL);   /* 61 s after the first: 2 in a minute */
    CHECK_INT(r.hits, 0);
    ev(&r, 70, "Kind", "fail", "Host", "a", NULL, NULL);   /* 40, 61, 70: 3 > 2 */
    CHECK_INT(r.hits, 1);
    CHECK_INT(r.last_value, 3);
    CHECK_INT(r.reported, 1);
    CHECK_INT(r.alone, 0);
    CHECK(r.last_tag0 && !strcmp(r.last_tag0, "attack.t1110"));
    const tn_corr *c = r.rs->corrs[0];
    CHECK(!strcmp(c->id, "0d4c7b2e-aaaa-4bbb-8ccc-0123456789ab") && !strcmp(c->title, "legacy"));
    CHECK_INT(c->type, TN_CORR_EVENT_COUNT);
    CHECK(c->span == 60 * SEC);
    finish(&r);
}

TN_TEST(test_corr_legacy_value_count_gte)
{
    run r;
    if (!start_text(&r, LEGACY("count(User) by Ip >= 3", "  timeframe: 5m\n"), 1))
        return;
    ev(&r, 0, "Kind", "fail", "Ip", "10.0.0.1", "User", "a");
    ev(&r, 1, "Kind", "fail", "Ip", "10.0.0.1", "User", "a");
    ev(&r, 2, "Kind", "fail", "Ip", "10.0.0.1", "User", "b");
    CHECK_INT(r.hits, 0);   /* four events, two users */
    ev(&r, 3, "Kind", "fail", "Ip", "10.0.0.1", "User", "b");
    ev(&r, 4, "Kind", "fail", "Ip", "10.0.0.1", "User", "c");
    CHECK_INT(r.hits, 1);
    CHECK_INT(r.last_value, 3);
    CHECK_INT(r.rs->corrs[0]->type, TN_CORR_VALUE_COUNT);
    finish(&r);
}

/* Without a timeframe the window is the whole input: five failures a
 * day apart count; without 'by', one group. */
TN_TEST(test_corr_legacy_no_timeframe_no_group)
{
    run r;
    if (!start_text(&r, LEGACY("count() > 4", ""), 1))
        return;
    for (int d = 0; d < 4; d++)
        ev(&r, (uint64_t)d * 86400, "Kind", "fail", "Host", d % 2 ? "a" : "b", NULL, NULL);
    CHECK_INT(r.hits, 0);
    ev(&r, 4 * 86400, "Kind", "fail", "Host", "c", NULL, NULL);
    CHECK_INT(r.hits, 1);
    CHECK_INT(r.last_value, 5);
    CHECK_INT(r.rs->corrs[0]->ngroup, 0);
    finish(&r);
    /* sum and avg of a field */
    if (!start_text(&r, LEGACY("sum(Bytes) by Host > 100", "  timeframe: 1h\n"), 1))
        return;
    ev(&r, 0, "Kind", "fail", "Host", "a", "Bytes", "60");
    CHECK_INT(r.hits, 0);
    ev(&r, 1, "Kind", "fail", "Host", "a", "Bytes", "50");
    CHECK_INT(r.hits, 1);
    CHECK_INT(r.last_value, 110);
    CHECK_INT(r.rs->corrs[0]->type, TN_CORR_VALUE_SUM);
    finish(&r);
}

/* Loads y: 1 when it holds no rule and the last rejection names why. */
static int legacy_refused(const char *y, const char *why)
{
    tn_rule_opts o = {.data_dir = "data", .on_reject = test_on_reject};
    tn_ruleset *rs = NULL;
    test_last_reject[0] = 0;
    int ok = tn_ruleset_load_text(y, strlen(y), "t.yml", &o, NULL, &rs) == TN_RS_OK && rs &&
             tn_ruleset_count(rs) == 0 && tn_ruleset_ncorrelations(rs) == 0 &&
             strstr(test_last_reject, why) != NULL;
    tn_ruleset_free(rs);
    return ok;
}

/* A native correlation may refer to a legacy rule by its id: the id names
 * the rule, not the correlation made of its aggregation (both were found,
 * and the reference refused). */
TN_TEST(test_corr_legacy_rule_referred_by_id)
{
    run r;
    if (!start_text(&r, LEGACY("count() by Host > 2", "  timeframe: 1m\n")
                        "---\ntitle: n\nid: 26262626-2626-2626-2626-262626262626\nlevel: high\n"
                        "correlation:\n  type: event_count\n  rules: [0d4c7b2e-aaaa-4bbb-8ccc-0123456789ab]\n"
                        "  group-by: [Host]\n  timespan: 1m\n  condition:\n    gte: 2\n", 2))
        return;
    ev(&r, 0, "Kind", "fail", "Host", "a", NULL, NULL);
    ev(&r, 1, "Kind", "fail", "Host", "a", NULL, NULL);
    CHECK_INT(r.hits, 1);   /* the native one, at 2 */
    finish(&r);
}

TN_TEST(test_corr_legacy_rejected)
{
    /* a timeframe that is not one; min/max; near; in a list of conditions */
    CHECK(legacy_refused(LEGACY("count() > 4", "  timeframe: 5 minutes\n"), "'timeframe'"));
    CHECK(legacy_refused(LEGACY("min(Bytes) by Host < 4", ""), "min and max"));
    CHECK(legacy_refused(LEGACY("near sel", ""), "temporal correlation"));
    /* a count below a limit over sliding windows flagged every group (a
     * review, session 23) */
    CHECK(legacy_refused(LEGACY("count() by Host < 5", "  timeframe: 7d\n"), "below a limit"));
    CHECK(legacy_refused(LEGACY("count() by Host = 5", ""), "below a limit"));
    CHECK(legacy_refused("title: l\nlogsource:\n  product: windows\ndetection:\n  sel:\n    Kind: fail\n"
                         "  condition:\n    - sel\n    - sel | count() > 4\n", "aggregation"));
    /* the same rule with a good timeframe loads, as a rule and a correlation */
    CHECK(!legacy_refused(LEGACY("count() > 4", "  timeframe: 5m\n"), ""));
}

/* Found by a review (session 23): value_percentile's denominator held
 * the events without the field ("a certain percentage of observed
 * values": b.exe was 1 of 5, 20%, not 1 of 2), and value_sum of no number
 * was 0, so `lt` fired on events without the field (value_avg did not). */
TN_TEST(test_corr_percentile_and_sum_of_observed_values)
{
    const char *pct = "title: p\nid: 23232323-2323-2323-2323-232323232323\nlevel: high\n"
                      "correlation:\n  type: value_percentile\n  rules: [failed_login]\n"
                      "  group-by: [Host]\n  timespan: 1h\n  condition:\n    field: Image\n    lte: 30\n"
                      "---\n" FAILED_LOGIN;
    run r;
    if (!start_text(&r, pct, 1))
        return;
    ev(&r, 0, "Host", "h", "Image", "a.exe", NULL, NULL);
    for (int i = 1; i <= 3; i++)
        ev(&r, (uint64_t)i, "Host", "h", NULL, NULL, NULL, NULL);
    ev(&r, 4, "Host", "h", "Image", "b.exe", NULL, NULL);
    ev(&r, 5, "Host", "h", "Image", "a.exe", NULL, NULL);
    ev(&r, 6, "Host", "h", "Image", "a.exe", NULL, NULL);
    ev(&r, 7, "Host", "h", "Image", "c.exe", NULL, NULL);
    CHECK_INT(r.hits, 0);   /* judged when the hour has closed (session 28) */
    finish(&r);
    CHECK_INT(r.hits, 2);   /* b.exe and c.exe, 1 of 5 observed each: 20% (of 8 events: 12.5%) */
    CHECK(r.last_value == 20);
    const char *sum = "title: s\nid: 24242424-2424-2424-2424-242424242424\nlevel: high\n"
                      "correlation:\n  type: value_sum\n  rules: [failed_login]\n"
                      "  group-by: [Host]\n  timespan: 1m\n  condition:\n    field: Bytes\n    lt: 100\n"
                      "---\n" FAILED_LOGIN;
    if (!start_text(&r, sum, 1))
        return;
    ev(&r, 0, "Host", "h", NULL, NULL, NULL, NULL);
    ev(&r, 1, "Host", "h", "Bytes", "-", NULL, NULL);
    ev(&r, 300, "Host", "g", "Bytes", "40", NULL, NULL);
    finish(&r);
    CHECK_INT(r.hits, 1);   /* g's 40; h observed no number */
    CHECK(r.last_value == 40);
}

/* An alias keyed by a rule's id (a rule without a name, referred to by
 * id) was accepted and never applied: the events joined no group (a
 * review, session 23). */
TN_TEST(test_corr_alias_keyed_by_id)
{
    const char *y =
        "title: t\nid: 25252525-2525-2525-2525-252525252525\nlevel: high\n"
        "correlation:\n  type: temporal\n"
        "  rules: [55555555-0000-4000-8000-000000000001, 55555555-0000-4000-8000-000000000002]\n"
        "  group-by: [internal_ip]\n  timespan: 10s\n"
        "  aliases:\n    internal_ip:\n      55555555-0000-4000-8000-000000000001: DstIp\n"
        "      55555555-0000-4000-8000-000000000002: SrcIp\n"
        "---\n" STUB("id: 55555555-0000-4000-8000-000000000001", "Kind: a")
        "---\n" STUB("id: 55555555-0000-4000-8000-000000000002", "Kind: b");
    run r;
    if (!start_text(&r, y, 1))
        return;
    ev(&r, 0, "Kind", "a", "SrcIp", "1.1.1.1", "DstIp", "10.0.0.1");
    ev(&r, 1, "Kind", "b", "SrcIp", "10.0.0.1", "DstIp", "1.1.1.1");
    CHECK_INT(r.hits, 1);
    finish(&r);
}

/* 'generate' is a boolean: 'maybe', 'yes', 1 and a quoted 'true' were
 * read as false or true without a word; a document with both detection
 * and correlation loaded as a correlation, its detection dropped (a
 * review, session 23). */
TN_TEST(test_corr_generate_boolean_and_one_kind_per_document)
{
    static const char *const bad[] = {"maybe", "yes", "1", "'true'", "\"false\""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char y[1024];
        snprintf(y, sizeof(y),
                 "title: t\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n"
                 "  group-by: [Host]\n  timespan: 1m\n  condition:\n    gte: 2\n  generate: %s\n---\n" FAILED_LOGIN,
                 bad[i]);
        tn_ruleset *rs = test_load(y, 0);
        CHECK(rs && tn_ruleset_ncorrelations(rs) == 0 && strstr(test_last_reject, "'generate' must be"));
        tn_ruleset_free(rs);
    }
    run r;
    if (start_text(&r, "title: t\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n"
                       "  group-by: [Host]\n  timespan: 1m\n  condition:\n    gte: 2\n  generate: True\n"
                       "---\n" FAILED_LOGIN, 1)) {
        CHECK_INT(r.rs->corrs[0]->generate, 1);
        finish(&r);
    }
    tn_ruleset *rs = test_load("title: t\nlogsource:\n  product: windows\ndetection:\n  sel:\n    A: 1\n"
                               "  condition: sel\ncorrelation:\n  type: event_count\n  rules: [x]\n"
                               "  group-by: [Host]\n  timespan: 1m\n  condition:\n    gte: 2\n"
                               "---\n" FAILED_LOGIN, 0);
    CHECK(rs && tn_ruleset_count(rs) == 1 && strstr(test_last_reject, "not two of them"));
    tn_ruleset_free(rs);
    rs = test_load("title: t\nlogsource:\n  product: windows\nfilter:\n  rules: any\n  sel:\n    A: 1\n"
                   "  condition: sel\ncorrelation:\n  type: event_count\n  rules: [x]\n"
                   "  group-by: [Host]\n  timespan: 1m\n  condition:\n    gte: 2\n"
                   "---\n" FAILED_LOGIN, 0);
    CHECK(rs && tn_ruleset_count(rs) == 1 && tn_ruleset_ncorrelations(rs) == 0 &&
          strstr(test_last_reject, "not two of them"));
    tn_ruleset_free(rs);
    /* a filter beside a detection loaded as a rule, the filter dropped (a
     * review, session 24) */
    rs = test_load("title: t\nlogsource:\n  product: windows\nfilter:\n  rules: any\n  sel:\n    A: 1\n"
                   "  condition: sel\ndetection:\n  sel:\n    A: 2\n  condition: sel\n"
                   "---\n" FAILED_LOGIN, 0);
    CHECK(rs && tn_ruleset_count(rs) == 1 && tn_ruleset_nfilters(rs) == 0 &&
          strstr(test_last_reject, "t.yml:5:3: a document is a rule (detection), a filter or a correlation rule, "
                                   "not two of them"));
    tn_ruleset_free(rs);
}

/* temporal_ordered's table is K x K per group and K^2 steps an event:
 * 1,000 rules took over a minute on 2,000 events (a review of hostile
 * input, session 23). 64 rules load; 65 are refused with the reason. */
TN_TEST(test_corr_temporal_ordered_capped)
{
    for (int k = 64; k <= 65; k++) {
        tn_buf y = {0};
        tn_buf_puts(&y, "title: t\ncorrelation:\n  type: temporal_ordered\n  rules:\n");
        for (int i = 0; i < k; i++)
            tn_buf_printf(&y, "    - r%d\n", i);
        tn_buf_puts(&y, "  group-by: [Host]\n  timespan: 1m\n");
        for (int i = 0; i < k; i++)
            tn_buf_printf(&y, "---\ntitle: r%d\nname: r%d\nlogsource:\n  product: windows\n"
                              "detection:\n  sel:\n    A: %d\n  condition: sel\n", i, i, i);
        CHECK(tn_buf_ok(&y));
        test_last_reject[0] = 0;
        tn_ruleset *rs = test_load(y.data, 0);
        CHECK(rs != NULL);
        if (rs) {
            CHECK_INT(tn_ruleset_count(rs), k);
            CHECK_INT(tn_ruleset_ncorrelations(rs), k == 64);
        }
        CHECK(k == 64 ? !test_last_reject[0]
                      : strstr(test_last_reject, "temporal_ordered over more than 64 rules") != NULL);
        tn_ruleset_free(rs);
        tn_buf_free(&y);
    }
}
