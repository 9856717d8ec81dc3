/* The scanner's field shapes (match/scanner.c): where each field of the
 * last event under an EventID went (heavy text, light text, neither), and
 * the evaluator's name index kept per EventID and trusted without a
 * compare of the names when the shape says they are the same. Events of
 * one EventID whose names differ (order, spelling, count, spaces) must
 * get a fresh scanner's answers, evaluated as often, whatever came
 * before them on the same scanner. */
#include "tn_test.h"

#include "sigma_helpers.h"

#define SYSMON "Microsoft-Windows-Sysmon/Operational"

/* Two rules: heavy_rule's a (CommandLine) or b (Image) or a light field
 * with a literal (c), evaluated only when a literal is found; and a cidr
 * with no literal, evaluated on every event, through the evaluator's
 * name index. */
static char *shape_rule(void)
{
    return test_heavy_rule("  c:\n    ParentUser|contains: 'lightwordq'\n"
                           "  condition: a or b or c\n"
                           "---\n"
                           "title: cidr\nlogsource:\n  product: windows\n  category: process_creation\n"
                           "detection:\n  d:\n    SourceIp|cidr: '10.0.0.0/8'\n  condition: d\n");
}

static int fresh(const tn_ruleset *rs, const tn_event *ev, uint64_t *evaluated)
{
    tn_scanner *sc = tn_scanner_new(rs);
    int m = sc ? tn_scanner_match(sc, ev, NULL, NULL) : -1;
    *evaluated = sc ? tn_scanner_evaluated(sc) : 0;
    tn_scanner_free(sc);
    return m;
}

/* Packs ev's names and values into one text, as the EVTX reader's events
 * are (tn_event.text): the scanner then copies short values in 16-byte
 * moves (put_fast). text must hold every string and its terminator. */
static void pack(tn_event *ev, tn_field *f, char *text, size_t cap)
{
    size_t n = 0;
    for (uint32_t i = 0; i < ev->nfields; i++) {
        const char *s[2] = {f[i].name, f[i].value};
        uint32_t l[2] = {f[i].name_len, f[i].value_len};
        for (int k = 0; k < 2; k++) {
            if (n + l[k] + 1 > cap)
                return;
            memcpy(text + n, s[k], l[k]);
            text[n + l[k]] = 0;
            if (k)
                f[i].value = text + n;
            else
                f[i].name = text + n;
            n += l[k] + 1;
        }
    }
    ev->text = text;
    ev->text_len = n;
}

/* Matches ev on sc; counts a wrong answer or a wrong number of
 * evaluations against a fresh scanner's (want, wevals). */
static void check_match(tn_scanner *sc, const tn_event *ev, int want, uint64_t wevals, int *bad,
                        int *badevals)
{
    uint64_t before = tn_scanner_evaluated(sc);
    *bad += tn_scanner_match(sc, ev, NULL, NULL) != want;
    *badevals += tn_scanner_evaluated(sc) - before != wevals;
}

/* The events in batches of batch, each prescanned before its matches
 * (tn_scanner_prescan), in order and in reverse, six rounds, on one
 * scanner. mode 1: each batch's third event is left out of the matches
 * (its prescan unused); mode 2: a copy of another event, not in the batch,
 * is matched before its fourth (what is left of the prescan is dropped).
 * Counts answers and evaluation counts that differ from a fresh scanner's. */
static void run_batches(const tn_ruleset *rs, const tn_event *const *evs, size_t nev, const int *want,
                        const uint64_t *wevals, uint32_t batch, int mode, int *bad, int *badevals)
{
    tn_scanner *sc = tn_scanner_new(rs);
    if (!sc) {
        (*bad)++;
        return;
    }
    tn_event foreign = *evs[1];   /* another address: in no batch */
    const tn_event *b[64];
    size_t at[64];
    for (int round = 0; round < 6; round++)
        for (size_t k = 0; k < nev; k += batch) {
            uint32_t n = 0;
            for (size_t j = k; j < nev && j < k + batch && n < 64; j++) {
                at[n] = round % 2 ? nev - 1 - j : j;
                b[n] = evs[at[n]];
                n++;
            }
            tn_scanner_prescan(sc, b, n);
            for (uint32_t j = 0; j < n; j++) {
                if (mode == 1 && j == 2)
                    continue;
                if (mode == 2 && j == 3)
                    check_match(sc, &foreign, want[1], wevals[1], bad, badevals);
                check_match(sc, b[j], want[at[j]], wevals[at[j]], bad, badevals);
            }
        }
    tn_scanner_free(sc);
}

TN_TEST(test_shape_names_change)
{
    char *rule = shape_rule();
    tn_ruleset *rs = rule ? test_load(rule, 0) : NULL;
    tn_ruleset *np = rule ? test_load(rule, 1) : NULL;
    CHECK(rs != NULL && np != NULL);
    if (!rs || !np) {
        tn_ruleset_free(rs);
        tn_ruleset_free(np);
        free(rule);
        return;
    }
    /* all Sysmon 1, all with three fields unless said */
    TEST_EVENT(base, SYSMON, 1, "CommandLine", "nothing", "Image", "C:\\a.exe", "SourceIp", "8.8.8.8");
    TEST_EVENT(cmd, SYSMON, 1, "CommandLine", "run zq001word", "Image", "C:\\a.exe", "SourceIp", "8.8.8.8");
    /* the same names in another order: a stale shape scans the Image in
     * the CommandLine's text (no hit: no candidate), a stale name index
     * reads the Image for SourceIp */
    TEST_EVENT(swapped, SYSMON, 1, "Image", "C:\\imgname005.exe", "CommandLine", "nothing", "SourceIp", "8.8.8.8");
    TEST_EVENT(ip_first, SYSMON, 1, "SourceIp", "10.1.2.3", "CommandLine", "nothing", "Image", "C:\\a.exe");
    /* one name spelled otherwise, of the same length */
    TEST_EVENT(respelt, SYSMON, 1, "CommandLinf", "run zq001word", "Image", "C:\\a.exe", "SourceIp", "8.8.8.8");
    TEST_EVENT(respelt_ip, SYSMON, 1, "CommandLine", "nothing", "Image", "C:\\a.exe", "SourceIq", "10.1.2.3");
    /* a field more, a field fewer */
    TEST_EVENT(more, SYSMON, 1, "CommandLine", "nothing", "Image", "C:\\a.exe", "SourceIp", "8.8.8.8",
               "ParentUser", "x lightwordq y");
    TEST_EVENT(fewer, SYSMON, 1, "Image", "C:\\imgname006.exe", "SourceIp", "8.8.8.8");
    TEST_EVENT(ip_only, SYSMON, 1, "SourceIp", "10.9.9.9");
    /* a name with a space: the light text and the heavy one (not kept) */
    TEST_EVENT(spaced, SYSMON, 1, "Command Line", "run zq002word", "Image", "C:\\a.exe", "SourceIp", "8.8.8.8");
    /* the light field where a heavy one was */
    TEST_EVENT(light_there, SYSMON, 1, "ParentUser", "lightwordq", "Image", "C:\\a.exe", "SourceIp", "8.8.8.8");
    /* short values (16 bytes or less) whose literals are anchored: the
     * endswith literal needs the separator right after the value */
    TEST_EVENT(short_img, SYSMON, 1, "CommandLine", "x", "Image", "\\imgname008.exe", "SourceIp", "8.8.8.8");
    TEST_EVENT(short_ip, SYSMON, 1, "CommandLine", "y", "Image", "a.exe", "SourceIp", "10.0.0.9");
    /* the same, the short value last: within 16 bytes of the text's end */
    TEST_EVENT(img_last, SYSMON, 1, "SourceIp", "8.8.8.8", "CommandLine", "x", "Image", "\\imgname009.exe");
    TEST_EVENT(user_last, SYSMON, 1, "SourceIp", "8.8.8.8", "CommandLine", "x", "ParentUser", "lightwordq");
    /* no fields at all; a field with an empty name */
    tn_event nofields;
    test_event_init(&nofields, NULL, NULL, 0, SYSMON, 1);
    TEST_EVENT(noname, SYSMON, 1, "", "zq004word", "SourceIp", "10.2.2.2");
    /* another EventID in between (its own memo entry and index) */
    TEST_EVENT(other, "Security", 4688, "SourceIp", "10.1.1.1", "NewProcessName", "C:\\imgname007.exe");
    const tn_event *evs[] = {&base,        &cmd,   &swapped, &base,    &ip_first, &base,  &respelt,
                             &respelt_ip,  &base,  &more,    &fewer,   &ip_only,  &cmd,   &spaced,
                             &swapped,     &light_there, &other, &ip_first, &other, &base, &swapped,
                             &nofields,    &nofields, &noname, &noname, &cmd,   &nofields, &ip_only,
                             &base,        &short_img, &short_ip, &short_img, &base, &short_ip,
                             &img_last,    &img_last, &user_last, &img_last, &user_last, &user_last};
    size_t nev = sizeof(evs) / sizeof(evs[0]);
    int want[sizeof(evs) / sizeof(evs[0])];
    uint64_t wevals[sizeof(evs) / sizeof(evs[0])];
    int positives = 0;
    for (size_t i = 0; i < nev; i++) {
        want[i] = fresh(rs, evs[i], &wevals[i]);
        uint64_t unused;
        CHECK_INT(fresh(np, evs[i], &unused), want[i]);   /* the prefilter changes nothing */
        positives += want[i] == 1;
    }
    /* the events that should match do: the test can tell a stale shape */
    CHECK_INT(want[1], 1);
    CHECK_INT(want[2], 1);
    CHECK_INT(want[4], 1);
    CHECK_INT(want[6], 0);
    CHECK_INT(want[7], 0);
    CHECK_INT(want[13], 1);
    CHECK_INT(want[29], 1);   /* short_img */
    CHECK_INT(want[30], 1);   /* short_ip */
    CHECK_INT(want[34], 1);   /* img_last */
    CHECK_INT(want[36], 1);   /* user_last */
    CHECK(positives >= 10);
    /* one scanner, the events in this order and then in reverse, three times */
    tn_scanner *sc = tn_scanner_new(rs);
    CHECK(sc != NULL);
    int bad = 0, badevals = 0;
    for (int round = 0; sc && round < 6; round++)
        for (size_t k = 0; k < nev; k++) {
            size_t i = round % 2 ? nev - 1 - k : k;
            check_match(sc, evs[i], want[i], wevals[i], &bad, &badevals);
        }
    CHECK_INT(bad, 0);
    CHECK_INT(badevals, 0);
    tn_scanner_free(sc);
    /* the same events with their strings in one text each, as read from
     * EVTX: values of 1 to 30 bytes, some within 16 bytes of the text's
     * end; the answers must not change */
    char *texts[sizeof(evs) / sizeof(evs[0])];
    tn_event packed[sizeof(evs) / sizeof(evs[0])];
    tn_field pf[sizeof(evs) / sizeof(evs[0])][8];
    for (size_t i = 0; i < nev; i++) {
        packed[i] = *evs[i];
        for (uint32_t k = 0; k < evs[i]->nfields && k < 8; k++)
            pf[i][k] = evs[i]->fields[k];
        packed[i].fields = pf[i];
        /* exactly as long as the strings: a read past them is caught */
        size_t need = 0;
        for (uint32_t k = 0; k < evs[i]->nfields; k++)
            need += evs[i]->fields[k].name_len + evs[i]->fields[k].value_len + 2;
        texts[i] = malloc(need ? need : 1);
        if (texts[i])
            pack(&packed[i], pf[i], texts[i], need);
        CHECK(packed[i].nfields == 0 || packed[i].text != NULL);
    }
    sc = tn_scanner_new(rs);
    CHECK(sc != NULL);
    bad = badevals = 0;
    for (int round = 0; sc && round < 6; round++)
        for (size_t k = 0; k < nev; k++) {
            size_t i = round % 2 ? nev - 1 - k : k;
            check_match(sc, &packed[i], want[i], wevals[i], &bad, &badevals);
        }
    CHECK_INT(bad, 0);
    CHECK_INT(badevals, 0);
    tn_scanner_free(sc);
    /* prescanned batches (what hunt does): separate strings and packed
     * texts, batches of 1 to 40 events, with an event left out or a
     * foreign one matched in between */
    const tn_event *pev[sizeof(evs) / sizeof(evs[0])];
    for (size_t i = 0; i < nev; i++)
        pev[i] = &packed[i];
    static const uint32_t sizes[] = {1, 2, 3, 5, 7, 16, 32, 40};
    for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++)
        for (int mode = 0; mode < 3; mode++) {
            bad = badevals = 0;
            run_batches(rs, evs, nev, want, wevals, sizes[z], mode, &bad, &badevals);
            run_batches(rs, pev, nev, want, wevals, sizes[z], mode, &bad, &badevals);
            if (bad || badevals)
                fprintf(stderr, "  batches of %u, mode %d: %d wrong answers, %d wrong counts\n",
                        sizes[z], mode, bad, badevals);
            CHECK_INT(bad, 0);
            CHECK_INT(badevals, 0);
        }
    for (size_t i = 0; i < nev; i++)
        free(texts[i]);
    tn_ruleset_free(rs);
    tn_ruleset_free(np);
    free(rule);
}

/* Events with more fields than a shape records, and runs of one shape
 * broken by a value-only change: answers stay a fresh scanner's. */
TN_TEST(test_shape_large_and_runs)
{
    char *rule = shape_rule();
    tn_ruleset *rs = rule ? test_load(rule, 0) : NULL;
    CHECK(rs != NULL);
    tn_scanner *sc = rs ? tn_scanner_new(rs) : NULL;
    CHECK(sc != NULL);
    enum { N = 1100 };   /* over the scanner's SHAPE_MAX_FIELDS (1024) */
    static tn_field f[N];
    static char names[N][16];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof(names[i]), "F%04d", i);
        f[i] = (tn_field){.name = names[i], .name_len = 5, .value = "v", .value_len = 1};
    }
    f[N - 2] = (tn_field){.name = "CommandLine", .name_len = 11, .value = "zq003word", .value_len = 9};
    f[N - 1] = (tn_field){.name = "SourceIp", .name_len = 8, .value = "10.0.0.1", .value_len = 8};
    tn_event big;
    memset(&big, 0, sizeof(big));
    big.provider = big.provider_guid = big.computer = big.user_sid = big.file = "";
    big.channel = SYSMON;
    big.event_id = 1;
    big.fields = f;
    big.nfields = N;
    TEST_EVENT(small, SYSMON, 1, "CommandLine", "", "Image", "C:\\a.exe", "SourceIp", "8.8.8.8");
    int bad = 0, matched = 0;
    for (int i = 0; sc && i < 3000; i++) {
        const tn_event *ev;
        int want;
        if (i % 5 == 0) {
            /* the big one, its CommandLine a hit or not, its SourceIp in range or not */
            f[N - 1].value = i % 10 ? "10.0.0.1" : "11.0.0.1";
            f[N - 2].value = i % 3 ? "zq003word" : "zq003wor";
            want = (i % 10 != 0) + (i % 3 != 0);   /* rules matched */
            ev = &big;
        } else {
            char cmd[32];
            snprintf(cmd, sizeof(cmd), i % 4 ? "p%d zq%03dwor" : "p%d zq%03dword", i, i % 300);
            small_f[0].value = cmd;
            small_f[0].value_len = (uint32_t)strlen(cmd);
            small_f[2].value = i % 7 ? "8.8.8.8" : "10.7.7.7";
            small_f[2].value_len = (uint32_t)strlen(small_f[2].value);
            want = (i % 4 == 0) + (i % 7 == 0);
            ev = &small;
            int m = tn_scanner_match(sc, ev, NULL, NULL);
            bad += m != want;
            matched += m;
            continue;
        }
        int m = tn_scanner_match(sc, ev, NULL, NULL);
        bad += m != want;
        matched += m;
    }
    CHECK_INT(bad, 0);
    CHECK(matched > 1000);
    tn_scanner_free(sc);
    tn_ruleset_free(rs);
    free(rule);
}

/* The prescan joins the light texts of consecutive events that share a
 * database into one Vectorscan call (scantext.c, light_defer and
 * tn_scan_light_flush): each report must reach the event whose text holds
 * it, and a run over its summed report budget is scanned again text by
 * text, where a text over its own budget leaves its event ungated (all of
 * its candidates evaluated, as a fresh scanner does). The hostile events'
 * ParentUser repeats the literal 'qqqq' at every byte; their
 * CurrentDirectory, after it, holds 'latewordx': gated on the hits found
 * before the budget ran out, "late" would not be evaluated and would miss. */
TN_TEST(test_prescan_light_runs)
{
    const char *rules =
        "title: rep\nlogsource:\n  product: windows\n  category: process_creation\n"
        "detection:\n  a:\n    ParentUser|contains: 'qqqq'\n  condition: a\n"
        "---\n"
        "title: late\nlogsource:\n  product: windows\n  category: process_creation\n"
        "detection:\n  a:\n    CurrentDirectory|contains: 'latewordx'\n  condition: a\n"
        "---\n"
        "title: other\nlogsource:\n  product: windows\n  category: process_creation\n"
        "detection:\n  a:\n    IntegrityLevel: 'Untrusted'\n  condition: a\n";
    tn_ruleset *rs = test_load(rules, 0);
    tn_ruleset *np = test_load(rules, 1);
    CHECK(rs != NULL && np != NULL);
    if (!rs || !np) {
        tn_ruleset_free(rs);
        tn_ruleset_free(np);
        return;
    }
    static char flood[8001];
    memset(flood, 'q', 8000);
    TEST_EVENT(plain, SYSMON, 1, "ParentUser", "bob", "CurrentDirectory", "C:\\x\\", "IntegrityLevel", "High");
    TEST_EVENT(rep, SYSMON, 1, "ParentUser", "xqqqqx", "CurrentDirectory", "C:\\x\\", "IntegrityLevel", "High");
    TEST_EVENT(late, SYSMON, 1, "ParentUser", "bob", "CurrentDirectory", "C:\\latewordx\\", "IntegrityLevel", "Low");
    TEST_EVENT(both, SYSMON, 1, "ParentUser", "qqqq", "CurrentDirectory", "latewordx", "IntegrityLevel", "Untrusted");
    TEST_EVENT(hostile, SYSMON, 1, "ParentUser", flood, "CurrentDirectory", "C:\\latewordx\\", "IntegrityLevel", "x");
    TEST_EVENT(hostile2, SYSMON, 1, "ParentUser", flood, "CurrentDirectory", "C:\\y\\", "IntegrityLevel", "Untrusted");
    /* another bucket (its own database) in between ends a run */
    TEST_EVENT(sec, "Security", 4688, "NewProcessName", "C:\\a.exe", "ParentUser", "xqqqqx");
    const tn_event *evs[] = {&plain, &rep, &late, &both, &hostile, &late, &rep, &plain, &hostile2, &both,
                             &sec,   &late, &rep, &hostile, &hostile, &both, &plain, &sec, &late, &rep,
                             &plain, &both, &late, &hostile2, &rep, &late, &plain, &both, &sec, &late};
    size_t nev = sizeof(evs) / sizeof(evs[0]);
    int want[sizeof(evs) / sizeof(evs[0])];
    uint64_t wevals[sizeof(evs) / sizeof(evs[0])];
    for (size_t i = 0; i < nev; i++) {
        want[i] = fresh(rs, evs[i], &wevals[i]);
        uint64_t unused;
        CHECK_INT(fresh(np, evs[i], &unused), want[i]);   /* the prefilter changes nothing */
    }
    CHECK_INT(want[0], 0);
    CHECK_INT(want[1], 1);
    CHECK_INT(want[2], 1);
    CHECK_INT(want[3], 3);
    CHECK_INT(want[4], 2);    /* hostile: rep and late, found ungated */
    CHECK_INT(want[8], 2);    /* hostile2: rep and other */
    CHECK_INT((long)wevals[4], 3);   /* ungated: every candidate evaluated */
    CHECK_INT((long)wevals[0], 0);   /* gated: nothing to evaluate */
    int bad = 0, badevals = 0;
    static const uint32_t sizes[] = {1, 2, 3, 4, 5, 7, 16, 30};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
        for (int mode = 0; mode < 3; mode++)
            run_batches(rs, evs, nev, want, wevals, sizes[s], mode, &bad, &badevals);
    CHECK_INT(bad, 0);
    CHECK_INT(badevals, 0);
    tn_ruleset_free(rs);
    tn_ruleset_free(np);
}
