/* test_sigma_scancache.c - the scanner's cache of heavy-field scan results
 * (match/scancache.c): the cache itself (bounds, clearing, exact keys),
 * and a scanner that meets the same texts again must give what a fresh
 * scanner gives, event by event. */
#include "tn_test.h"

#include "match/scancache.h"
#include "sigma_helpers.h"

#include <stdlib.h>

#define SYSMON "Microsoft-Windows-Sysmon/Operational"

TN_TEST(test_scancache_keeps_and_bounds)
{
    tn_scancache c;
    CHECK_INT(tn_scancache_init(&c, 4, 4096), 0);
    uint64_t h;
    CHECK(tn_scancache_get(&c, 1, "abc", 3, &h) == NULL);
    uint32_t ids[] = {7, 3, 7, 5, 3};
    CHECK_INT(tn_scancache_put(&c, 1, "abc", 3, h, ids, 5), 0);
    const tn_sc_entry *e = tn_scancache_get(&c, 1, "abc", 3, &h);
    CHECK(e != NULL);
    if (e) {   /* sorted, without repeats */
        CHECK_INT(e->nids, 3);
        CHECK_INT(e->ids[0], 3);
        CHECK_INT(e->ids[1], 5);
        CHECK_INT(e->ids[2], 7);
    }
    /* the database and every byte of the text are part of the key */
    CHECK(tn_scancache_get(&c, 2, "abc", 3, &h) == NULL);
    CHECK(tn_scancache_get(&c, 1, "abd", 3, &h) == NULL);
    CHECK(tn_scancache_get(&c, 1, "ab", 2, &h) == NULL);
    /* an empty result is a result */
    CHECK(tn_scancache_get(&c, 1, "none", 4, &h) == NULL);
    CHECK_INT(tn_scancache_put(&c, 1, "none", 4, h, NULL, 0), 0);
    e = tn_scancache_get(&c, 1, "none", 4, &h);
    CHECK(e != NULL && e->nids == 0);
    /* a fifth entry empties the cache of four */
    char t[16];
    for (int i = 0; i < 3; i++) {
        snprintf(t, sizeof(t), "t%d", i);
        tn_scancache_get(&c, 1, t, 2, &h);
        CHECK_INT(tn_scancache_put(&c, 1, t, 2, h, NULL, 0), 0);
    }
    CHECK_INT(c.clears, 1);
    CHECK(tn_scancache_get(&c, 1, "abc", 3, &h) == NULL);
    CHECK(tn_scancache_get(&c, 1, "t2", 2, &h) != NULL);
    /* so does a text that would take it past its bytes */
    static char big[3000];
    memset(big, 'x', sizeof(big));
    tn_scancache_get(&c, 1, big, sizeof(big), &h);
    CHECK_INT(tn_scancache_put(&c, 1, big, sizeof(big), h, NULL, 0), 0);
    tn_scancache_get(&c, 1, big, 2000, &h);
    CHECK_INT(tn_scancache_put(&c, 1, big, 2000, h, NULL, 0), 0);
    CHECK_INT(c.clears, 2);
    CHECK(tn_scancache_get(&c, 1, big, 2000, &h) != NULL);
    CHECK(tn_scancache_get(&c, 1, big, sizeof(big), &h) == NULL);
    /* a text larger than the cache's bytes, or than its longest, is never kept */
    static char huge[TN_SCANCACHE_MAX_TEXT + 1];
    tn_scancache_get(&c, 1, huge, 4095, &h);
    CHECK_INT(tn_scancache_put(&c, 1, huge, 4095, h, NULL, 0), -1);
    CHECK(tn_scancache_get(&c, 1, huge, sizeof(huge), &h) == NULL);
    CHECK_INT(tn_scancache_put(&c, 1, huge, sizeof(huge), h, NULL, 0), -1);
    tn_scancache_free(&c);
}

/* A process_creation rule: CommandLine contains one of 300 words, or
 * Image ends with one of 300 names (both heavy fields), or the keyword
 * kwlitxyz anywhere. */
static char *heavy_rule(void)
{
    return test_heavy_rule("  k:\n    - 'kwlitxyz'\n  condition: a or b or k\n");
}

static int match_fresh(const tn_ruleset *rs, const tn_event *ev)
{
    tn_scanner *sc = tn_scanner_new(rs);
    int m = sc ? tn_scanner_match(sc, ev, NULL, NULL) : -1;
    tn_scanner_free(sc);
    return m;
}

TN_TEST(test_scancache_scanner_repeats)
{
    char *rule = heavy_rule();
    tn_ruleset *rs = rule ? test_load(rule, 0) : NULL;
    CHECK(rs != NULL);
    if (!rs) {
        free(rule);
        return;
    }
    /* kwlitxyz found first in the light text (Unnamed), then again in
     * the CommandLine: kept for that CommandLine all the same, so that
     * kw_cmd, the same CommandLine alone, is still a candidate */
    TEST_EVENT(kw_both, SYSMON, 1, "Unnamed", "kwlitxyz", "CommandLine", "x kwlitxyz y", "Image", "C:\\a.exe");
    TEST_EVENT(kw_cmd, SYSMON, 1, "CommandLine", "x kwlitxyz y", "Image", "C:\\b.exe");
    TEST_EVENT(word, SYSMON, 1, "CommandLine", "run ZQ123WORD now", "Image", "C:\\a.exe");
    TEST_EVENT(word_img, SYSMON, 1, "CommandLine", "run ZQ123WORD now", "Image", "C:\\imgname007.exe");
    TEST_EVENT(img, SYSMON, 1, "CommandLine", "nothing here", "Image", "C:\\imgname007.exe");
    TEST_EVENT(none, SYSMON, 1, "CommandLine", "nothing here", "Image", "C:\\a.exe");
    TEST_EVENT(none4688, "Security", 4688, "CommandLine", "nothing here", "NewProcessName", "C:\\a.exe");
    TEST_EVENT(img4688, "Security", 4688, "CommandLine", "x", "NewProcessName", "C:\\imgname007.exe");
    /* two values for one heavy field (the scan takes "Command Line" as
     * CommandLine too, though the evaluator reads the exact name when
     * there is one): the literal in the first, then in the second, which
     * is scanned, so a candidate, and evaluated to no match */
    TEST_EVENT(two_first, SYSMON, 1, "CommandLine", "has zq005word", "Command Line", "nothing", "Image", "C:\\a.exe");
    TEST_EVENT(two_second, SYSMON, 1, "CommandLine", "nothing", "Command Line", "has zq005word", "Image", "C:\\a.exe");
    TEST_EVENT(two_none, SYSMON, 1, "CommandLine", "nothing", "Command Line", "zq005wor", "Image", "C:\\a.exe");
    const tn_event *evs[] = {&kw_both, &kw_cmd,     &word,       &none,    &word_img,
                             &img,     &none4688,   &img4688,    &two_first, &two_second, &two_none};
    const int want[] = {1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0};
    const int evaluated[] = {1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0};
    size_t nev = sizeof(evs) / sizeof(evs[0]);
    for (size_t i = 0; i < nev; i++)
        CHECK_INT(match_fresh(rs, evs[i]), want[i]);
    tn_scanner *sc = tn_scanner_new(rs);
    CHECK(sc != NULL);
    uint64_t lookups = 0, hits = 0, evals = 0;
    for (int round = 0; sc && round < 3; round++) {
        for (size_t i = 0; i < nev; i++) {
            uint64_t before = tn_scanner_evaluated(sc);
            CHECK_INT(tn_scanner_match(sc, evs[i], NULL, NULL), want[i]);
            uint64_t n = tn_scanner_evaluated(sc) - before;
            CHECK_INT(n, (uint64_t)evaluated[i]);   /* gated as a fresh scan gates: no more, no less */
            evals += n;
        }
        tn_scanner_cache_stats(sc, &lookups, &hits);
    }
    /* every heavy text after the first round came from the cache */
    CHECK(lookups > 0);
    CHECK(hits >= lookups * 2 / 3);
    CHECK_INT(evals, 3 * 8);
    /* the other order: the CommandLine alone first, then with the light
     * text that holds the same literal */
    tn_scanner_free(sc);
    sc = tn_scanner_new(rs);
    if (sc) {
        CHECK_INT(tn_scanner_match(sc, &kw_cmd, NULL, NULL), 1);
        CHECK_INT(tn_scanner_match(sc, &kw_both, NULL, NULL), 1);
        CHECK_INT(tn_scanner_match(sc, &kw_cmd, NULL, NULL), 1);
    }
    tn_scanner_free(sc);
    /* TANSA_NO_SCAN_CACHE=1: nothing looked up, the same answers */
    setenv("TANSA_NO_SCAN_CACHE", "1", 1);
    sc = tn_scanner_new(rs);
    unsetenv("TANSA_NO_SCAN_CACHE");
    if (sc) {
        for (size_t i = 0; i < nev; i++)
            CHECK_INT(tn_scanner_match(sc, evs[i], NULL, NULL), want[i]);
        tn_scanner_cache_stats(sc, &lookups, &hits);
        CHECK_INT(lookups, 0);
    }
    tn_scanner_free(sc);
    tn_ruleset_free(rs);
    free(rule);
}

/* More distinct texts than the cache holds, over and over: it is emptied
 * and filled again, and every answer stays a fresh scanner's. */
TN_TEST(test_scancache_scanner_many_texts)
{
    char *rule = heavy_rule();
    tn_ruleset *rs = rule ? test_load(rule, 0) : NULL;
    CHECK(rs != NULL);
    tn_scanner *sc = rs ? tn_scanner_new(rs) : NULL;
    CHECK(sc != NULL);
    int bad = 0, matched = 0;
    char cmd[64];
    TEST_EVENT(ev, SYSMON, 1, "CommandLine", "", "Image", "C:\\a.exe");
    for (int round = 0; sc && round < 2; round++)
        for (int i = 0; i < 10000; i++) {
            /* every seventh holds a word of the rule, the others a near miss */
            if (i % 7 == 0)
                snprintf(cmd, sizeof(cmd), "p%d zq%03dword", i, i % 300);
            else
                snprintf(cmd, sizeof(cmd), "p%d zq%03dwor", i, i % 300);
            ev_f[0].value = cmd;
            ev_f[0].value_len = (uint32_t)strlen(cmd);
            ev_f[0].is_null = 0;
            int m = tn_scanner_match(sc, &ev, NULL, NULL);
            bad += m != (i % 7 == 0);
            matched += m;
        }
    CHECK_INT(bad, 0);
    CHECK_INT(matched, 2 * 1429);
    uint64_t lookups = 0, hits = 0;
    if (sc)
        tn_scanner_cache_stats(sc, &lookups, &hits);
    CHECK_INT(lookups, 2 * 10000 * 2);   /* CommandLine and Image each event */
    /* the Image from the cache but after each emptying; the CommandLine
     * never (its texts do not come back before the cache is emptied) */
    CHECK(hits > 2 * 10000 - 20 && hits < 2 * 10000);
    tn_scanner_free(sc);
    tn_ruleset_free(rs);
    free(rule);
}

/* A scan stopped by its report budget (match/scantext.c, tn_scan_report_budget) found
 * only some literals: it must not be kept as the text's result. */
TN_TEST(test_scancache_stopped_scan_not_kept)
{
    char *rule = heavy_rule();
    size_t cap = 64 * 1024;
    char *rules = rule ? malloc(cap) : NULL;
    if (rules)   /* 'aaa' among CommandLine's heavy literals, and a second rule's 'zzzzz' */
        snprintf(rules, cap, "%s      - 'aaa'\n---\n"
                             "title: z\nlogsource:\n  product: windows\n  category: process_creation\n"
                             "detection:\n  s:\n    CommandLine|contains: 'zzzzz'\n  condition: s\n",
                 rule);
    /* heavy_rule ends with the condition: put 'aaa' in list a instead */
    char *at = rules ? strstr(rules, "  b:\n") : NULL;
    if (at) {
        char *tail = strstr(rules, "      - 'aaa'\n---");
        size_t n = strlen("      - 'aaa'\n");
        memmove(tail, tail + n, strlen(tail + n) + 1);
        memmove(at + n, at, strlen(at) + 1);
        memcpy(at, "      - 'aaa'\n", n);
    }
    tn_ruleset *rs = at ? test_load(rules, 0) : NULL;
    CHECK(rs != NULL);
    CHECK_INT(tn_ruleset_count(rs), 2);
    static char flood[4100];
    memset(flood, 'a', 4000);
    memcpy(flood + 4000, " zzzzz", 7);
    TEST_EVENT(ev, SYSMON, 1, "CommandLine", flood, "Image", "C:\\a.exe");
    if (rs) {
        CHECK_INT(match_fresh(rs, &ev), 2);
        tn_scanner *sc = tn_scanner_new(rs);
        for (int i = 0; sc && i < 3; i++)
            CHECK_INT(tn_scanner_match(sc, &ev, NULL, NULL), 2);
        uint64_t lookups = 0, hits = 0;
        if (sc)
            tn_scanner_cache_stats(sc, &lookups, &hits);
        /* the stopped scan ends the event's scans (its Image is not
         * looked for), and is looked up again each time */
        CHECK_INT(lookups, 3);
        CHECK_INT(hits, 0);
        tn_scanner_free(sc);
    }
    tn_ruleset_free(rs);
    free(rules);
    free(rule);
}
