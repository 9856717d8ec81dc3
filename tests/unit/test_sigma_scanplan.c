/* test_sigma_scanplan.c - how a bucket's literal scan is split
 * (sigma/scanset.c): a field with many literals is scanned alone with its
 * own database ("heavy"), keyword literals are looked for in every field,
 * and literals the bucket's channel or EventID hold are hits without a
 * scan. Every answer must stay the evaluator's (test_match runs with and
 * without the prefilter), and the checks on the scan sets and on the
 * number of evaluations make sure each path is really taken. */
#include "tn_test.h"

#include "sigma/ruleset_impl.h"
#include "sigma_helpers.h"

#include <stdlib.h>

#define SYSMON "Microsoft-Windows-Sysmon/Operational"

/* A process_creation rule: CommandLine contains one of 300 words
 * (zq000word .. zq299word), or Image ends with one of 300 names, or
 * ParentImage ends with \zzparent.exe, or the keyword kwlitxyz. */
static char *heavy_rule(void)
{
    return test_heavy_rule("  c:\n    ParentImage|endswith: '\\zzparent.exe'\n"
                           "  k:\n    - 'kwlitxyz'\n"
                           "  condition: a or b or c or k\n");
}

/* Evaluations of rule text on ev with the prefilter on; *m: matched. */
static uint64_t evaluations(const char *yaml, const tn_event *ev, int *m)
{
    tn_ruleset *rs = test_load(yaml, 0);
    *m = -1;
    if (!rs)
        return UINT64_MAX;
    tn_scanner *sc = tn_scanner_new(rs);
    *m = tn_scanner_match(sc, ev, NULL, NULL);
    uint64_t n = tn_scanner_evaluated(sc);
    tn_scanner_free(sc);
    tn_ruleset_free(rs);
    return n;
}

/* The scan set of rs's bucket (chan, eid). */
static const tn_scanset *slot_of(const tn_ruleset *rs, const char *chan, uint32_t eid)
{
    const tn_index *ix = &rs->idx;
    char low[256];
    size_t len = strlen(chan);
    tn_ascii_lower(low, chan, len);
    for (uint32_t s = 0; ix->tab && s <= ix->mask; s++) {
        const tn_bucket *b = &ix->tab[s];
        if (b->chan && b->eid == eid && b->chan_len == len && !memcmp(b->chan, low, len))
            return &rs->atoms.scansets[s];
    }
    return NULL;
}

static int has_heavy(const tn_scanset *ss, const char *name)
{
    for (uint32_t i = 0; ss && i < ss->nheavy; i++)
        if (ss->heavy[i].len == strlen(name) && !memcmp(ss->heavy[i].name, name, ss->heavy[i].len) &&
            ss->heavy[i].db != TN_NO_DB)
            return 1;
    return 0;
}

TN_TEST(test_scanplan_heavy_fields)
{
    char *rule = heavy_rule();
    CHECK(rule != NULL);
    if (!rule)
        return;
    tn_ruleset *rs = test_load(rule, 0);
    CHECK(rs != NULL);
    if (rs) {
        /* Sysmon 1 and Security 4688 (Image read through NewProcessName) */
        const tn_scanset *sy = slot_of(rs, SYSMON, 1), *se = slot_of(rs, "Security", 4688);
        CHECK(has_heavy(sy, "CommandLine"));
        CHECK(has_heavy(sy, "Image"));
        CHECK(has_heavy(se, "NewProcessName"));
        CHECK(sy && sy->all);   /* the keyword: every other field in the light text */
        tn_ruleset_free(rs);
    }
    TEST_EVENT(cmd, SYSMON, 1, "CommandLine", "run ZQ123WORD now", "Image", "C:\\a.exe");
    TEST_EVENT(spaced, SYSMON, 1, "Command Line", "x zq007word", "Image", "C:\\a.exe");
    TEST_EVENT(img, SYSMON, 1, "CommandLine", "x", "Image", "C:\\w\\ImgName299.exe");
    TEST_EVENT(img4688, "Security", 4688, "CommandLine", "x", "NewProcessName", "C:\\w\\imgname042.exe");
    TEST_EVENT(parent, SYSMON, 1, "CommandLine", "x", "ParentImage", "C:\\zzparent.exe");
    TEST_EVENT(kw_other, SYSMON, 1, "CommandLine", "x", "Unnamed", "a KWLITXYZ b");
    TEST_EVENT(kw_heavy, SYSMON, 1, "CommandLine", "kwlitxyz", "Image", "C:\\a.exe");
    TEST_EVENT(kw_heavy2, SYSMON, 1, "Image", "C:\\kwlitxyz.exe");
    /* literals in each other's fields */
    TEST_EVENT(crossed, SYSMON, 1, "CommandLine", "\\imgname001.exe", "Image", "C:\\zq001word.exe");
    TEST_EVENT(none, SYSMON, 1, "CommandLine", "zq1word", "Image", "C:\\imgname.exe", "Other", "zq001wor");
    const tn_event *yes[] = {&cmd, &spaced, &img, &img4688, &parent, &kw_other, &kw_heavy, &kw_heavy2};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        int m;
        CHECK_INT(test_match(rule, yes[i]), 1);
        CHECK_INT(evaluations(rule, yes[i], &m), 1);
        CHECK_INT(m, 1);
    }
    int m;
    CHECK_INT(test_match(rule, &crossed), 0);
    CHECK_INT(test_match(rule, &none), 0);
    /* each heavy field is scanned for its own literals only: with one
     * database over every field, crossed was a candidate */
    CHECK_INT(evaluations(rule, &crossed, &m), 0);
    CHECK_INT(evaluations(rule, &none, &m), 0);   /* no literal at all: gated out */
    free(rule);
}

/* The EventID and channel of a bucket are constant: their literals are
 * hits without a scan, and a literal they do not hold can never hit. */
TN_TEST(test_scanplan_constant_members)
{
    const char *rule = "title: c\nlogsource:\n  product: windows\n  category: process_creation\n"
                       "detection:\n  sel:\n    EventID: 4688\n    Channel|contains: 'ecurit'\n"
                       "  other:\n    EventID: 1\n    CommandLine: 'zzonlycmd'\n"
                       "  condition: sel or other\n";
    tn_ruleset *rs = test_load(rule, 0);
    CHECK(rs != NULL);
    if (rs) {
        const tn_scanset *se = slot_of(rs, "Security", 4688), *sy = slot_of(rs, SYSMON, 1);
        CHECK(se != NULL);
        CHECK(sy != NULL);
        if (se && sy) {
            CHECK_INT(se->npre, 2);   /* "ecurit" and "4688" */
            CHECK_INT(sy->npre, 0);   /* neither */
            CHECK(!(se->sys & (1u << TN_F_EVENTID)));
            CHECK(!(se->sys & (1u << TN_F_CHANNEL)));
            CHECK(!(sy->sys & (1u << TN_F_EVENTID)));
            CHECK(!(sy->sys & (1u << TN_F_CHANNEL)));
        }
        tn_ruleset_free(rs);
    }
    TEST_EVENT(e4688, "Security", 4688, "CommandLine", "x");
    TEST_EVENT(e4688low, "security", 4688, "CommandLine", "x");
    TEST_EVENT(s1, SYSMON, 1, "CommandLine", "x");
    TEST_EVENT(s1u, SYSMON, 1, "CommandLine", "ZZONLYCMD");
    int m;
    CHECK_INT(test_match(rule, &e4688), 1);
    CHECK_INT(evaluations(rule, &e4688, &m), 1);
    CHECK_INT(test_match(rule, &e4688low), 1);
    CHECK_INT(test_match(rule, &s1), 0);
    CHECK_INT(evaluations(rule, &s1, &m), 0);
    CHECK_INT(test_match(rule, &s1u), 1);
    CHECK_INT(evaluations(rule, &s1u, &m), 1);
}

/* The databases report every occurrence of a literal: a value that is one
 * short literal over and over must not cost a report per byte. Past the
 * report budget the scan stops and every candidate is evaluated, with the
 * same answers. */
TN_TEST(test_scanplan_report_budget)
{
    const char *rules = "title: a\nlogsource:\n  product: windows\n  category: process_creation\n"
                        "detection:\n  s:\n    CommandLine|contains: 'aaa'\n  condition: s\n"
                        "---\n"
                        "title: z\nlogsource:\n  product: windows\n  category: process_creation\n"
                        "detection:\n  s:\n    CommandLine|contains: 'zzzzz'\n  condition: s\n";
    static char many[4001];
    memset(many, 'a', sizeof(many) - 1);
    TEST_EVENT(few, SYSMON, 1, "CommandLine", "x aaa y");
    TEST_EVENT(flood, SYSMON, 1, "CommandLine", many);
    int m;
    /* a few reports: only the rule whose literal was found is evaluated */
    CHECK_INT(evaluations(rules, &few, &m), 1);
    CHECK_INT(m, 1);
    /* ~4,000 reports of 'aaa', over the budget: both rules are evaluated,
     * and the answer is the same */
    CHECK_INT(evaluations(rules, &flood, &m), 2);
    CHECK_INT(m, 1);
    CHECK_INT(test_match(rules, &flood), 1);
}

/* tn_ascii_lower, 8 bytes a step, against the byte rule for every byte
 * value at every place of a word and every length up to 3 words. */
TN_TEST(test_ascii_lower_every_byte)
{
    char in[32], out[40], want[32];
    for (int c = 0; c < 256; c++) {
        for (size_t n = 0; n <= 24; n++) {
            for (size_t i = 0; i < n; i++)
                in[i] = (char)((i * 37 + (size_t)c) & 0xFF);
            if (n)
                in[(size_t)c % n] = (char)c;
            for (size_t i = 0; i < n; i++) {
                unsigned char b = (unsigned char)in[i];
                want[i] = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
            }
            memset(out, 0x55, sizeof(out));
            tn_ascii_lower(out, in, n);
            CHECK(!memcmp(out, want, n));
            CHECK_INT((unsigned char)out[n], 0x55);   /* nothing past n */
        }
    }
}
