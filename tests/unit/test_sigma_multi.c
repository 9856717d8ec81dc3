/* test_sigma_multi.c - an OR item's many contains values are searched in
 * one pass (value.c build_multi, eval.c multi_match): the answer must be
 * the one the values give one by one. */
#include "tn_test.h"

#include "sigma_helpers.h"

#include <stdlib.h>

#define HEAD "title: t\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n"

TN_TEST(test_multi_cases)
{
    const char *rule = HEAD "  sel:\n    CommandLine|contains:\n"
                       "      - 'ab'\n      - 'abcd'\n      - 'XYZ'\n      - \"\\u0410\"\n"
                       "      - 'q*r'\n      - 'Z'\n      - 'tail!'\n  condition: sel\n";
    static const struct { const char *cl; int want; } t[] = {
        {"ab", 1},                /* a whole two-byte literal */
        {"xxAB", 1},              /* case-insensitive, at the end */
        {"a b", 0},
        {"..xyz..", 1},
        {"x\xd0\x90y", 1},        /* Cyrillic A, two bytes */
        {"x\xd0\x91y", 0},
        {"q12r", 1},              /* a wildcard value: checked on its own */
        {"z", 1},                 /* a one-byte value: on its own */
        {"TAIL", 0},
        {"the tail!", 1},
        {"", 0},
        {"a", 0},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        TEST_EVENT(ev, "Microsoft-Windows-Sysmon/Operational", 1, "CommandLine", t[i].cl);
        int got = test_match(rule, &ev);
        if (got != t[i].want)
            fprintf(stderr, "  '%s': got %d want %d\n", t[i].cl, got, t[i].want);
        CHECK_INT(got, t[i].want);
    }
    /* a missing field matches no contains value */
    TEST_EVENT(none, "Microsoft-Windows-Sysmon/Operational", 1, "Image", "ab");
    CHECK_INT(test_match(rule, &none), 0);
}

TN_TEST(test_multi_keywords)
{
    const char *rule = "title: t\nlogsource:\n  product: windows\n  service: system\ndetection:\n"
                       "  keywords:\n    - 'mimikatz'\n    - 'sekurlsa'\n    - 'kerberos::'\n"
                       "    - 'lsadump'\n    - 'a*z'\n  condition: keywords\n";
    TEST_EVENT(hit, "System", 7045, "ServiceName", "svc", "ImagePath", "C:\\x\\SekurLSA.exe");
    TEST_EVENT(wild, "System", 7045, "ServiceName", "svc", "ImagePath", "abcz");
    TEST_EVENT(miss, "System", 7045, "ServiceName", "svc", "ImagePath", "C:\\x\\lsa.exe");
    CHECK_INT(test_match(rule, &hit), 1);
    CHECK_INT(test_match(rule, &wild), 1);
    CHECK_INT(test_match(rule, &miss), 0);
}

/* Random values and subjects over a small alphabet: the one-pass item and
 * the same values as separate searches ("1 of sel*", no item with four
 * contains values) must agree on every subject. */
TN_TEST(test_multi_random_agrees)
{
    unsigned seed = 12345;
#define RND() (seed = seed * 1103515245u + 12345u, (seed >> 16) & 0x7fff)
    const char alpha[] = "abAB.\\";
    int compared = 0, hits = 0;
    for (int round = 0; round < 40; round++) {
        char vals[8][8];
        int nv = 4 + (int)(RND() % 5);
        char one[2048], many[2048];
        int o1 = snprintf(one, sizeof(one), HEAD "  sel:\n    CommandLine|contains:\n");
        int o2 = snprintf(many, sizeof(many), HEAD);
        for (int v = 0; v < nv; v++) {
            int len = 2 + (int)(RND() % 3);
            for (int k = 0; k < len; k++)
                vals[v][k] = alpha[RND() % (sizeof(alpha) - 1)];
            vals[v][len] = 0;
            o1 += snprintf(one + o1, sizeof(one) - (size_t)o1, "      - '%s'\n", vals[v]);
            o2 += snprintf(many + o2, sizeof(many) - (size_t)o2, "  sel%d:\n    CommandLine|contains: '%s'\n", v,
                           vals[v]);
        }
        snprintf(one + o1, sizeof(one) - (size_t)o1, "  condition: sel\n");
        snprintf(many + o2, sizeof(many) - (size_t)o2, "  condition: 1 of sel*\n");
        for (int s = 0; s < 25; s++) {
            char subj[16];
            int len = (int)(RND() % 12);
            for (int k = 0; k < len; k++)
                subj[k] = alpha[RND() % (sizeof(alpha) - 1)];
            subj[len] = 0;
            TEST_EVENT(ev, "Microsoft-Windows-Sysmon/Operational", 1, "CommandLine", subj);
            int a = test_match(one, &ev), b = test_match(many, &ev);
            if (a != b)
                fprintf(stderr, "  subject '%s': one item %d, separate %d\n%s", subj, a, b, one);
            CHECK_INT(a, b);
            compared++;
            hits += a == 1;
        }
    }
    CHECK(compared == 1000);
    CHECK(hits > 50 && hits < 950);   /* both answers occur */
#undef RND
}
