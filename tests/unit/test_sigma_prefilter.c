/* test_sigma_prefilter.c - the literal prefilter narrows evaluation as
 * designed (a hit in each of up to three and-ed clauses; regex literals) while
 * every answer stays that of the evaluator (test_match runs both ways). */
#include "tn_test.h"

#include "sigma_helpers.h"

/* Evaluations and matches of one rule on one event, prefilter on. */
static void run_one(const char *yaml, const tn_event *ev, uint64_t *evaluated, int *matched)
{
    tn_ruleset *rs = test_load(yaml, 0);
    *evaluated = 0;
    *matched = -1;
    if (!rs)
        return;
    tn_scanner *sc = tn_scanner_new(rs);
    *matched = tn_scanner_match(sc, ev, NULL, NULL);
    *evaluated = tn_scanner_evaluated(sc);
    tn_scanner_free(sc);
    tn_ruleset_free(rs);
}

#define CHAN "Microsoft-Windows-Sysmon/Operational"

TN_TEST(test_prefilter_two_clauses)
{
    const char *rule = "title: t\nlogsource:\n  product: windows\n  category: process_creation\n"
                       "detection:\n  a:\n    CommandLine|contains: 'alphaword'\n"
                       "  b:\n    Image|endswith: '\\betaword.exe'\n  condition: a and b\n";
    TEST_EVENT(only_a, CHAN, 1, "CommandLine", "x alphaword y", "Image", "C:\\x\\other.exe");
    TEST_EVENT(only_b, CHAN, 1, "CommandLine", "x y", "Image", "C:\\x\\betaword.exe");
    TEST_EVENT(both, CHAN, 1, "CommandLine", "ALPHAWORD", "Image", "C:\\x\\BetaWord.exe");
    TEST_EVENT(crossed, CHAN, 1, "CommandLine", "x C:\\betaword.exe", "Image", "C:\\alphaword");
    uint64_t n;
    int m;
    run_one(rule, &only_a, &n, &m);
    CHECK_INT(m, 0);
    CHECK_INT(n, 0);   /* one clause hit: not evaluated */
    run_one(rule, &only_b, &n, &m);
    CHECK_INT(n, 0);
    run_one(rule, &both, &n, &m);
    CHECK_INT(m, 1);
    CHECK_INT(n, 1);
    run_one(rule, &crossed, &n, &m);   /* literals in the wrong fields: evaluated, no match */
    CHECK_INT(n, 1);
    CHECK_INT(m, 0);
    /* the endswith literal, but not at a value's end: no hit */
    TEST_EVENT(inside, CHAN, 1, "CommandLine", "C:\\betaword.exe alphaword", "Image", "C:\\x\\other.exe");
    run_one(rule, &inside, &n, &m);
    CHECK_INT(n, 0);
    CHECK_INT(m, 0);
    for (int i = 0; i < 4; i++) {
        const tn_event *e[] = {&only_a, &only_b, &both, &crossed};
        CHECK_INT(test_match(rule, e[i]), i == 2);
    }
}

/* Three and-ed parts: a clause each (TN_MAX_CLAUSES), so an event with
 * the literals of any two but not the third is not evaluated. With two
 * clauses, one of the three pairs below was evaluated. */
TN_TEST(test_prefilter_three_clauses)
{
    const char *rule = "title: t\nlogsource:\n  product: windows\n  category: process_creation\n"
                       "detection:\n  a:\n    CommandLine|contains: 'alphaword'\n"
                       "  b:\n    Image|endswith: '\\betaword.exe'\n"
                       "  c:\n    ParentImage|endswith: '\\gammaword.exe'\n  condition: a and b and c\n";
    TEST_EVENT(ab, CHAN, 1, "CommandLine", "alphaword", "Image", "C:\\betaword.exe", "ParentImage",
               "C:\\x.exe");
    TEST_EVENT(ac, CHAN, 1, "CommandLine", "alphaword", "Image", "C:\\x.exe", "ParentImage",
               "C:\\gammaword.exe");
    TEST_EVENT(bc, CHAN, 1, "CommandLine", "x", "Image", "C:\\betaword.exe", "ParentImage",
               "C:\\gammaword.exe");
    TEST_EVENT(abc, CHAN, 1, "CommandLine", "ALPHAWORD", "Image", "C:\\BetaWord.exe", "ParentImage",
               "C:\\gammaword.exe");
    const tn_event *two[] = {&ab, &ac, &bc};
    uint64_t n;
    int m;
    for (int i = 0; i < 3; i++) {
        run_one(rule, two[i], &n, &m);
        CHECK_INT(n, 0);   /* two clauses hit of three: not evaluated */
        CHECK_INT(m, 0);
        CHECK_INT(test_match(rule, two[i]), 0);
    }
    run_one(rule, &abc, &n, &m);
    CHECK_INT(n, 1);
    CHECK_INT(m, 1);
    CHECK_INT(test_match(rule, &abc), 1);
}

/* A third clause is kept only when small (atoms.c, EXTRA_CLAUSE_MAX_LITS,
 * 16): with 16 parent names it gates the rule, with 17 it does not. */
TN_TEST(test_prefilter_third_clause_limit)
{
    for (int nparents = 16; nparents <= 17; nparents++) {
        char rule[2048];
        int n = snprintf(rule, sizeof(rule),
                         "title: t\nlogsource:\n  product: windows\n  category: process_creation\n"
                         "detection:\n  a:\n    CommandLine|contains: 'alphaword'\n"
                         "  b:\n    Image|endswith: '\\betaword.exe'\n"
                         "  c:\n    ParentImage|endswith:\n");
        for (int i = 0; i < nparents; i++)
            n += snprintf(rule + n, sizeof(rule) - (size_t)n, "      - '\\parent%02dword.exe'\n", i);
        snprintf(rule + n, sizeof(rule) - (size_t)n, "  condition: a and b and c\n");
        TEST_EVENT(ab, CHAN, 1, "CommandLine", "alphaword", "Image", "C:\\betaword.exe", "ParentImage",
                   "C:\\x.exe");
        TEST_EVENT(abc, CHAN, 1, "CommandLine", "alphaword", "Image", "C:\\betaword.exe", "ParentImage",
                   "C:\\parent07word.exe");
        uint64_t ev;
        int m;
        run_one(rule, &ab, &ev, &m);
        CHECK_INT(m, 0);
        CHECK_INT(ev, nparents == 16 ? 0 : 1);   /* 17: two clauses, both hit */
        run_one(rule, &abc, &ev, &m);
        CHECK_INT(m, 1);
        CHECK_INT(ev, 1);
    }
}

/* An equals value's literal is looked for as a whole value, a startswith
 * one at a value's start, an endswith one at its end (sigma/atoms.c,
 * value_lit): elsewhere it is no hit, and the rule is not evaluated. */
TN_TEST(test_prefilter_anchored)
{
    const char *rule = "title: t\nlogsource:\n  product: windows\n  service: security\n"
                       "detection:\n  sel:\n    EventID: 4624\n    ProcessName: 'NtLmSsp'\n"
                       "  st:\n    EventID: 4625\n    WorkstationName|startswith: 'kali'\n"
                       "  en:\n    EventID: 4648\n    TargetServerName|endswith: '.evilcorp'\n"
                       "  glob:\n    EventID: 4672\n    SubjectUserName: 'svc*admin'\n"
                       "  condition: sel or st or en or glob\n";
    struct {
        uint32_t eid;
        const char *name, *value;
        int evaluated, matched;
    } cases[] = {
        /* (on a field the Security log's map does not translate: its
         * LogonProcessName reads 'NtLmSsp ' as 'NtLmSsp' since session 25) */
        {4624, "ProcessName", "NtLmSsp", 1, 1},
        {4624, "ProcessName", "NTLMSSP", 1, 1},
        {4624, "ProcessName", "NtLmSsp ", 0, 0},   /* a space more: never equal */
        {4624, "ProcessName", "xNtLmSsp", 0, 0},
        {4625, "WorkstationName", "KALI-01", 1, 1},
        {4625, "WorkstationName", "my-kali", 0, 0},
        {4648, "TargetServerName", "dc.EvilCorp", 1, 1},
        {4648, "TargetServerName", "dc.evilcorp.local", 0, 0},
        {4672, "SubjectUserName", "svc_sql_admin", 1, 1},
        /* the glob's longest literal is its tail, "admin": looked for at
         * a value's end; the head is the evaluator's to check */
        {4672, "SubjectUserName", "svc_sql_admins", 0, 0},
        {4672, "SubjectUserName", "xsvc_sql_admin", 1, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* the value alone, then among others (the light text's neighbours) */
        TEST_EVENT(alone, "Security", cases[i].eid, cases[i].name, cases[i].value);
        TEST_EVENT(among, "Security", cases[i].eid, "Before", "NtLmSsp", cases[i].name, cases[i].value,
                   "After", "kali.evilcorp");
        const tn_event *evs[] = {&alone, &among};
        for (int k = 0; k < 2; k++) {
            uint64_t n;
            int m;
            run_one(rule, evs[k], &n, &m);
            CHECK_INT(m, cases[i].matched);
            CHECK_INT(test_match(rule, evs[k]), cases[i].matched);
            if (n != (uint64_t)cases[i].evaluated)
                printf("  case %zu/%d: %s '%s'\n", i, k, cases[i].name, cases[i].value);
            CHECK_INT(n, (uint64_t)cases[i].evaluated);
        }
    }
}

TN_TEST(test_prefilter_or_of_ands)
{
    /* (a and b) or (c and d): clauses (a|c) and (b|d) */
    const char *rule = "title: t\nlogsource:\n  product: windows\n  category: process_creation\n"
                       "detection:\n  a:\n    CommandLine|contains: 'alphaword'\n"
                       "  b:\n    CommandLine|contains: 'betaword'\n"
                       "  c:\n    CommandLine|contains: 'gammaword'\n"
                       "  d:\n    CommandLine|contains: 'deltaword'\n"
                       "  condition: (a and b) or (c and d)\n";
    TEST_EVENT(a_only, CHAN, 1, "CommandLine", "alphaword gammaword");
    TEST_EVENT(a_d, CHAN, 1, "CommandLine", "alphaword deltaword");
    TEST_EVENT(c_d, CHAN, 1, "CommandLine", "gammaword deltaword");
    uint64_t n;
    int m;
    run_one(rule, &a_only, &n, &m);
    CHECK_INT(n, 0);
    CHECK_INT(m, 0);
    run_one(rule, &a_d, &n, &m);
    CHECK_INT(n, 1);   /* both clauses hit; the evaluator says no */
    CHECK_INT(m, 0);
    run_one(rule, &c_d, &n, &m);
    CHECK_INT(m, 1);
    CHECK_INT(test_match(rule, &a_d), 0);
    CHECK_INT(test_match(rule, &c_d), 1);
}

TN_TEST(test_prefilter_not_and_all)
{
    /* not: no clause from it; |all: a clause per value */
    const char *rule = "title: t\nlogsource:\n  product: windows\n  category: process_creation\n"
                       "detection:\n  a:\n    CommandLine|contains|all: ['alphaword', 'betaword']\n"
                       "  f:\n    CommandLine|contains: 'gammaword'\n  condition: a and not f\n";
    TEST_EVENT(one, CHAN, 1, "CommandLine", "alphaword");
    TEST_EVENT(two, CHAN, 1, "CommandLine", "alphaword betaword");
    TEST_EVENT(three, CHAN, 1, "CommandLine", "alphaword betaword gammaword");
    uint64_t n;
    int m;
    run_one(rule, &one, &n, &m);
    CHECK_INT(n, 0);
    run_one(rule, &two, &n, &m);
    CHECK_INT(m, 1);
    run_one(rule, &three, &n, &m);
    CHECK_INT(n, 1);
    CHECK_INT(m, 0);
    CHECK_INT(test_match(rule, &three), 0);
}

TN_TEST(test_prefilter_regex_literal)
{
    const char *rule = "title: t\nlogsource:\n  product: windows\n  category: process_creation\n"
                       "detection:\n  a:\n    CommandLine|re: 'sekurlsa::[a-z]+passwords'\n"
                       "  condition: a\n";
    TEST_EVENT(no, CHAN, 1, "CommandLine", "mimikatz privilege::debug");
    TEST_EVENT(yes, CHAN, 1, "CommandLine", "mimikatz sekurlsa::logonpasswords");
    uint64_t n;
    int m;
    run_one(rule, &no, &n, &m);
    CHECK_INT(n, 0);
    run_one(rule, &yes, &n, &m);
    CHECK_INT(n, 1);
    CHECK_INT(m, 1);
    CHECK_INT(test_match(rule, &yes), 1);
    CHECK_INT(test_match(rule, &no), 0);
}

/* A rule of a wildcard channel is checked on every event; whether it holds
 * one depends on the event's channel and EventID, which the scanner works
 * out once per pair: one scanner over events of several channels and
 * EventIDs, in turns, must give each event its own answer. */
TN_TEST(test_prefilter_always_list_per_channel)
{
    const char *rule = "title: m\nlogsource:\n  product: windows\n  service: security-mitigations\n"
                       "detection:\n  s:\n    EventID: 11\n    ProcessPath|endswith: '\\zzmit.exe'\n"
                       "  condition: s\n";
    TEST_EVENT(mk, "Microsoft-Windows-Security-Mitigations/KernelMode", 11, "ProcessPath", "C:\\zzmit.exe");
    TEST_EVENT(mu, "Microsoft-Windows-Security-Mitigations/UserMode", 11, "ProcessPath", "C:\\ZZMIT.exe");
    TEST_EVENT(other, "Microsoft-Windows-Other/Operational", 11, "ProcessPath", "C:\\zzmit.exe");
    TEST_EVENT(eid12, "Microsoft-Windows-Security-Mitigations/KernelMode", 12, "ProcessPath", "C:\\zzmit.exe");
    TEST_EVENT(sysmon, CHAN, 11, "ProcessPath", "C:\\zzmit.exe");
    const tn_event *seq[] = {&mk, &other, &mk, &eid12, &mu, &sysmon, &mu, &other, &eid12, &mk};
    const int want[] = {1, 0, 1, 0, 1, 0, 1, 0, 0, 1};
    tn_ruleset *rs = test_load(rule, 0);
    CHECK(rs != NULL);
    if (!rs)
        return;
    tn_scanner *sc = tn_scanner_new(rs);
    CHECK(sc != NULL);
    for (size_t i = 0; sc && i < sizeof(seq) / sizeof(seq[0]); i++) {
        CHECK_INT(tn_scanner_match(sc, seq[i], NULL, NULL), want[i]);
        CHECK_INT(test_match(rule, seq[i]), want[i]);
    }
    tn_scanner_free(sc);
    tn_ruleset_free(rs);
}

/* Two bytes rare in Windows logs (non-ASCII, '^') make a literal; two
 * common ones do not. Without it the homoglyph rules (Cyrillic letters,
 * two bytes each in UTF-8) and '^^' were evaluated on every event. */
TN_TEST(test_prefilter_two_rare_bytes)
{
    const char *rule = "title: t\nlogsource:\n  product: windows\n  category: process_creation\n"
                       "detection:\n  s:\n    CommandLine|contains:\n      - '\xd0\xb0'\n      - '^^'\n"
                       "  condition: s\n";
    const char *common = "title: t\nlogsource:\n  product: windows\n  category: process_creation\n"
                         "detection:\n  s:\n    CommandLine|contains: 'ab'\n  condition: s\n";
    TEST_EVENT(cyr, CHAN, 1, "CommandLine", "c\xd0\xb0lc.exe");
    TEST_EVENT(caret, CHAN, 1, "CommandLine", "c^^md /c x");
    TEST_EVENT(plain, CHAN, 1, "CommandLine", "calc.exe ^ x");
    /* {event, matches, evaluations with the prefilter} */
    const struct {
        const char *rule;
        const tn_event *ev;
        int m;
        uint64_t n;
    } want[] = {
        {rule, &cyr, 1, 1},
        {rule, &caret, 1, 1},
        {rule, &plain, 0, 0},     /* neither literal: not evaluated */
        {common, &plain, 0, 1},   /* 'ab' is no literal: evaluated */
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        uint64_t n;
        int m;
        run_one(want[i].rule, want[i].ev, &n, &m);
        CHECK_INT(m, want[i].m);
        CHECK_INT(n, want[i].n);
        CHECK_INT(test_match(want[i].rule, want[i].ev), want[i].m);
    }
}

/* The literal of a glob is its longest run between wildcards, found 8
 * bytes at a time (atoms.c): a wildcard at each place in a word still
 * ends the run, so the prefilter looks for the long part only. */
TN_TEST(test_prefilter_glob_longest_run_at_every_offset)
{
    for (int k = 1; k <= 10; k++) {
        char q[16], rule[512], hit[128], miss[128];
        memset(q, 'q', (size_t)k);
        q[k] = '\0';
        snprintf(rule, sizeof(rule),
                 "title: t\nlogsource:\n  product: windows\n  category: process_creation\n"
                 "detection:\n  a:\n    CommandLine: '%s*thelongestpartofit*'\n  condition: a\n", q);
        snprintf(hit, sizeof(hit), "%s x THELONGESTPARTOFIT y", q);
        snprintf(miss, sizeof(miss), "%s x thelongestpart y", q);
        TEST_EVENT(h, CHAN, 1, "CommandLine", hit);
        TEST_EVENT(m, CHAN, 1, "CommandLine", miss);
        uint64_t n;
        int got;
        run_one(rule, &h, &n, &got);
        CHECK_INT(got, 1);
        CHECK_INT(n, 1);
        run_one(rule, &m, &n, &got);
        CHECK_INT(got, 0);
        CHECK_INT(n, 0);   /* the long literal is missing: not evaluated */
    }
}
