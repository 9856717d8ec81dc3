/* test_sigma_vmemo.c - the scanner's memory of item results on long field
 * values (match/vmemo.h): a text seen again gives what it gave, found by
 * its bytes (not a prefix, not a hash alone); a text differing in one byte
 * is evaluated anew; items naming another field (|fieldref) are never
 * taken from it; two long fields of one event keep apart. */
#include "tn_test.h"

#include "match/vmemo.h"
#include "sigma_helpers.h"

#define CHAN "Microsoft-Windows-Sysmon/Operational"

/* A long text: filler, then tail. */
static char *long_text(const char *tail)
{
    size_t n = TN_VMEMO_MIN + 500, t = strlen(tail);
    char *s = malloc(n + t + 1);
    for (size_t i = 0; i < n; i++)
        s[i] = (char)('a' + i % 23);
    memcpy(s + n, tail, t + 1);
    return s;
}

/* Runs the rule over evs[0..n) in order on one scanner and checks each
 * one's match count against want; the memo's results asked for and found. */
static void run_seq(const char *yaml, const tn_event *const *evs, const int *want, int n,
                    uint64_t *asked, uint64_t *found)
{
    *asked = *found = 0;
    tn_ruleset *rs = test_load(yaml, 0);
    CHECK(rs != NULL);
    if (!rs)
        return;
    tn_scanner *sc = tn_scanner_new(rs);
    for (int i = 0; i < n; i++)
        CHECK_INT(tn_scanner_match(sc, evs[i], NULL, NULL), want[i]);
    tn_scanner_vmemo_stats(sc, asked, found);
    tn_scanner_free(sc);
    tn_ruleset_free(rs);
}

TN_TEST(test_vmemo_same_text_same_result)
{
    const char *rule = "title: t\nlogsource:\n  product: windows\n  category: process_creation\n"
                       "detection:\n  a:\n    CommandLine|re: 'alpha[0-9]+omega'\n"
                       "  b:\n    CommandLine|contains: 'needle'\n  condition: a and b\n";
    char *t1 = long_text(" alpha123omega needle");
    char *t2 = long_text(" alpha123omega needlf");   /* the last byte but one differs */
    TEST_EVENT(e1, CHAN, 1, "CommandLine", t1, "Image", "C:\\x.exe");
    TEST_EVENT(e2, CHAN, 1, "CommandLine", t2, "Image", "C:\\x.exe");
    const tn_event *seq[] = {&e1, &e1, &e2, &e1, &e2, &e2};
    const int want[] = {1, 1, 0, 1, 0, 0};
    uint64_t asked, found;
    run_seq(rule, seq, want, 6, &asked, &found);
    /* the memo was used: the repeats of each text came from it */
    CHECK(asked > 0);
    CHECK(found > 0);
    CHECK(found < asked);
    /* and each event alone, with and without the prefilter, agrees */
    CHECK_INT(test_match(rule, &e1), 1);
    CHECK_INT(test_match(rule, &e2), 0);
    free(t1);
    free(t2);
}

TN_TEST(test_vmemo_fieldref_not_kept)
{
    /* the item names another field: the same long CommandLine gives
     * different results as ParentCommandLine changes */
    const char *rule = "title: t\nlogsource:\n  product: windows\n  category: process_creation\n"
                       "detection:\n  a:\n    CommandLine|fieldref: ParentCommandLine\n"
                       "  condition: a\n";
    char *t1 = long_text(" one");
    char *t2 = long_text(" two");
    TEST_EVENT(same, CHAN, 1, "CommandLine", t1, "ParentCommandLine", t1);
    TEST_EVENT(other, CHAN, 1, "CommandLine", t1, "ParentCommandLine", t2);
    const tn_event *seq[] = {&same, &other, &same, &other};
    const int want[] = {1, 0, 1, 0};
    uint64_t asked, found;
    run_seq(rule, seq, want, 4, &asked, &found);
    CHECK_INT(asked, 0);
    free(t1);
    free(t2);
}

TN_TEST(test_vmemo_two_long_fields)
{
    /* two long fields of one event: each item reads its own field's text */
    const char *rule = "title: t\nlogsource:\n  product: windows\n  category: process_creation\n"
                       "detection:\n  a:\n    CommandLine|contains: 'needle'\n"
                       "  b:\n    ParentCommandLine|contains: 'needle'\n  condition: a and b\n";
    char *t1 = long_text(" needle");
    char *t2 = long_text(" needlf");
    TEST_EVENT(x, CHAN, 1, "CommandLine", t1, "ParentCommandLine", t2);
    TEST_EVENT(y, CHAN, 1, "CommandLine", t2, "ParentCommandLine", t1);
    TEST_EVENT(z, CHAN, 1, "CommandLine", t1, "ParentCommandLine", t1);
    const tn_event *seq[] = {&z, &x, &y, &z, &x, &y};
    const int want[] = {1, 0, 0, 1, 0, 0};
    uint64_t asked, found;
    run_seq(rule, seq, want, 6, &asked, &found);
    CHECK(found > 0);
    free(t1);
    free(t2);
}

/* The memo itself: found by bytes, a one-byte change is another entry,
 * results kept per item, and a memo too small to keep a text keeps none. */
TN_TEST(test_vmemo_entries)
{
    tn_vmemo *m = tn_vmemo_new(0);
    CHECK(m != NULL);
    if (!m)
        return;
    char *a = long_text("x"), *b = long_text("y");
    int ea = tn_vmemo_entry(m, 1, 0, a, strlen(a));
    int eb = tn_vmemo_entry(m, 1, 1, b, strlen(b));
    CHECK(ea >= 0 && eb >= 0 && ea != eb);
    int k1 = 0, k2 = 0;   /* two items, by address */
    CHECK_INT(tn_vmemo_get(m, ea, &k1), -1);
    tn_vmemo_put(m, ea, &k1, 1);
    tn_vmemo_put(m, eb, &k1, 0);
    for (int i = 0; i < 40; i++)   /* grows the results table */
        tn_vmemo_put(m, ea, (char *)&k2 + i + 1, i & 1);
    /* a later event (generation 2) finds a's entry by its bytes */
    int again = tn_vmemo_entry(m, 2, 5, a, strlen(a));
    CHECK_INT(again, ea);
    CHECK_INT(tn_vmemo_get(m, again, &k1), 1);
    CHECK_INT(tn_vmemo_get(m, eb, &k1), 0);
    CHECK_INT(tn_vmemo_get(m, again, &k2), -1);
    for (int i = 0; i < 40; i++)
        CHECK_INT(tn_vmemo_get(m, again, (char *)&k2 + i + 1), i & 1);
    /* the same field index in the same generation is taken as the same
     * text (the caller's promise); a new generation looks again */
    CHECK_INT(tn_vmemo_entry(m, 3, 0, b, strlen(b)), eb);
    tn_vmemo_free(m);
    tn_vmemo *tiny = tn_vmemo_new(1024);
    CHECK(tiny != NULL);
    if (tiny)
        CHECK_INT(tn_vmemo_entry(tiny, 1, 0, a, strlen(a)), -1);
    tn_vmemo_free(tiny);
    free(a);
    free(b);
}
