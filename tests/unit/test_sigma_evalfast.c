/* test_sigma_evalfast.c - the evaluator's short paths give what the general
 * ones give: decimal System members compared as integers, prepared rename
 * and alias targets, the name index's lazy no-space fallback, glob head and
 * tail checks, multi items searched value by value (test_match runs each
 * rule with and without the prefilter; without it no literal is known). */
#include "tn_test.h"

#include "sigma_helpers.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define RULE(det)                                                            \
    "title: t\nid: 11111111-2222-3333-4444-555555555555\nlevel: high\n"     \
    "logsource:\n  product: windows\ndetection:\n" det

TN_TEST(test_decimal_system_members)
{
    TEST_EVENT(ev, "Security", 4624, "LogonType", "3");
    ev.level = 0;
    ev.record_id = UINT64_MAX;
    ev.keywords = 0;
    CHECK_INT(test_match(RULE("  sel:\n    EventID: 4624\n  condition: sel\n"), &ev), 1);
    CHECK_INT(test_match(RULE("  sel:\n    EventID: [4625, 4624]\n  condition: sel\n"), &ev), 1);
    CHECK_INT(test_match(RULE("  sel:\n    EventID: [4625, 4688]\n  condition: sel\n"), &ev), 0);
    /* the text is "4624": no leading zero, sign or space equals it */
    CHECK_INT(test_match(RULE("  sel:\n    EventID: '04624'\n  condition: sel\n"), &ev), 0);
    CHECK_INT(test_match(RULE("  sel:\n    EventID: '+4624'\n  condition: sel\n"), &ev), 0);
    CHECK_INT(test_match(RULE("  sel:\n    EventID: '4624 '\n  condition: sel\n"), &ev), 0);
    CHECK_INT(test_match(RULE("  sel:\n    EventID: ['4624 ', 4624]\n  condition: sel\n"), &ev), 1);
    CHECK_INT(test_match(RULE("  sel:\n    EventID: '462*'\n  condition: sel\n"), &ev), 1);
    CHECK_INT(test_match(RULE("  sel:\n    EventID|contains: '62'\n  condition: sel\n"), &ev), 1);
    CHECK_INT(test_match(RULE("  sel:\n    EventID|neq: 4624\n  condition: sel\n"), &ev), 0);
    CHECK_INT(test_match(RULE("  sel:\n    EventID|neq: 4625\n  condition: sel\n"), &ev), 1);
    CHECK_INT(test_match(RULE("  sel:\n    EventID|all: [4624, 4624]\n  condition: sel\n"), &ev), 1);
    CHECK_INT(test_match(RULE("  sel:\n    EventID|all: [4624, 4625]\n  condition: sel\n"), &ev), 0);
    CHECK_INT(test_match(RULE("  sel:\n    EventID: 4624\n  condition: not sel\n"), &ev), 0);
    CHECK_INT(test_match(RULE("  sel:\n    Level: 0\n  condition: sel\n"), &ev), 1);
    CHECK_INT(test_match(RULE("  sel:\n    Level: '00'\n  condition: sel\n"), &ev), 0);
    CHECK_INT(test_match(RULE("  sel:\n    EventRecordID: '18446744073709551615'\n  condition: sel\n"), &ev), 1);
    CHECK_INT(test_match(RULE("  sel:\n    EventRecordID: '18446744073709551616'\n  condition: sel\n"), &ev), 0);
    /* Keywords are written in hex: a decimal value does not equal them */
    CHECK_INT(test_match(RULE("  sel:\n    Keywords: 0\n  condition: sel\n"), &ev), 0);
    CHECK_INT(test_match(RULE("  sel:\n    Keywords: '0x0'\n  condition: sel\n"), &ev), 1);
    /* an EventData field named like a number is compared as text */
    CHECK_INT(test_match(RULE("  sel:\n    LogonType: 3\n  condition: sel\n"), &ev), 1);
    CHECK_INT(test_match(RULE("  sel:\n    LogonType: '03'\n  condition: sel\n"), &ev), 0);
}

/* Loads rule with an extra logsource map (text written to a temporary
 * file) and runs it on ev: 1, 0, or -1 if not loaded. */
static int match_with_map(const char *map, const char *yaml, const tn_event *ev)
{
    char path[] = "/tmp/tansa-evalfast-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    ssize_t w = write(fd, map, strlen(map));
    close(fd);
    int n = -1;
    const char *maps[] = {path};
    for (int np = 0; np < 2 && w == (ssize_t)strlen(map); np++) {
        tn_rule_opts o = {.data_dir = "data", .logsource_maps = maps, .nlogsource_maps = 1,
                          .on_reject = test_on_reject, .no_prefilter = np};
        tn_ruleset *rs = NULL;
        if (tn_ruleset_load_text(yaml, strlen(yaml), "t.yml", &o, NULL, &rs) != TN_RS_OK)
            break;
        int r = -1;
        if (tn_ruleset_count(rs)) {
            tn_scanner *sc = tn_scanner_new(rs);
            r = tn_scanner_match(sc, ev, NULL, NULL);
            tn_scanner_free(sc);
        }
        tn_ruleset_free(rs);
        n = np && r != n ? -2 : r;
    }
    unlink(path);
    return n;
}

#define TMAP                                                                 \
    "logsources:\n  - category: evalfast_test\n    product: windows\n"      \
    "    sources:\n      - channel: Test\n        rename:\n"                 \
    "          EventID: Ev\n          Proc: Execution_ProcessID\n"          \
    "          Id Name: Space Name\n          Img: NewImg\n"
#define TRULE(det)                                                           \
    "title: t\nlogsource:\n  category: evalfast_test\n  product: windows\n"  \
    "detection:\n" det

TN_TEST(test_renamed_and_aliased_numbers)
{
    TEST_EVENT(ev, "Test", 4624, "Ev", "7", "Space Name", "x");
    ev.pid = 1234;
    TEST_EVENT(noev, "Test", 4624, "Other", "1");
    /* the source renames EventID: its field is read, as text */
    CHECK_INT(match_with_map(TMAP, TRULE("  sel:\n    EventID: 7\n  condition: sel\n"), &ev), 1);
    CHECK_INT(match_with_map(TMAP, TRULE("  sel:\n    EventID: 4624\n  condition: sel\n"), &ev), 0);
    CHECK_INT(match_with_map(TMAP, TRULE("  sel:\n    EventID|neq: 7\n  condition: sel\n"), &ev), 0);
    /* absent there, the System member is */
    CHECK_INT(match_with_map(TMAP, TRULE("  sel:\n    EventID: 4624\n  condition: sel\n"), &noev), 1);
    /* a rename to a System member reads the member */
    CHECK_INT(match_with_map(TMAP, TRULE("  sel:\n    Proc: 1234\n  condition: sel\n"), &ev), 1);
    CHECK_INT(match_with_map(TMAP, TRULE("  sel:\n    Proc: '01234'\n  condition: sel\n"), &ev), 0);
    CHECK_INT(match_with_map(TMAP, TRULE("  sel:\n    Id Name: x\n  condition: sel\n"), &ev), 1);
    /* a renamed data field after the name index was built (the inline
     * probe is only for sources without renames) */
    TEST_EVENT(img, "Test", 1, "Img", "wrong", "NewImg", "right");
    CHECK_INT(match_with_map(TMAP, TRULE("  sel:\n    Zz|exists: false\n    Img: right\n  condition: sel\n"), &img), 1);
    CHECK_INT(match_with_map(TMAP, TRULE("  sel:\n    Zz|exists: false\n    Img: wrong\n  condition: sel\n"), &img), 0);
    /* global alias to a System member (data/logsources.yml: ExecutionProcessID) */
    TEST_EVENT(a, "X", 1, "Y", "1");
    a.pid = 42;
    CHECK_INT(test_match(RULE("  sel:\n    ExecutionProcessID: 42\n  condition: sel\n"), &a), 1);
    CHECK_INT(test_match(RULE("  sel:\n    ExecutionProcessID: 43\n  condition: sel\n"), &a), 0);
    /* a field of the name itself wins over the alias */
    TEST_EVENT(b, "X", 1, "ExecutionProcessID", "43");
    b.pid = 42;
    CHECK_INT(test_match(RULE("  sel:\n    ExecutionProcessID: 43\n  condition: sel\n"), &b), 1);
}

TN_TEST(test_lookups_after_a_miss)
{
    /* a miss learns whether names have spaces; later lookups of the same
     * event still hit, with and without spaces */
    TEST_EVENT(ev, "X", 1, "A", "1", "Threat Name", "EICAR", "B", "2");
    CHECK_INT(test_match(RULE("  sel:\n    Missing: x\n  condition: not sel and s2\n  s2:\n    ThreatName: eicar\n    A: 1\n    B: 2\n"), &ev), 1);
    CHECK_INT(test_match(RULE("  sel:\n    Missing|exists: false\n    ThreatName: eicar\n    B: 2\n  condition: sel\n"), &ev), 1);
    TEST_EVENT(nosp, "X", 1, "A", "1", "B", "2");
    CHECK_INT(test_match(RULE("  sel:\n    Missing|exists: false\n    A: 1\n    B: 2\n  condition: sel\n"), &nosp), 1);
    CHECK_INT(test_match(RULE("  sel:\n    ThreatName: eicar\n  condition: sel\n"), &nosp), 0);
}

TN_TEST(test_glob_head_and_tail)
{
    TEST_EVENT(ev, "X", 1, "A", "abcd", "B", "ab", "C", "abXcd", "D", "ABxCD", "E", "\xc3\xa9t\xc3\xa9");
    CHECK_INT(test_match(RULE("  sel:\n    A: 'ab*cd'\n  condition: sel\n"), &ev), 1);
    CHECK_INT(test_match(RULE("  sel:\n    A: 'abc*bcd'\n  condition: sel\n"), &ev), 0);
    CHECK_INT(test_match(RULE("  sel:\n    B: 'ab*b'\n  condition: sel\n"), &ev), 0);
    CHECK_INT(test_match(RULE("  sel:\n    B: 'a*b'\n  condition: sel\n"), &ev), 1);
    CHECK_INT(test_match(RULE("  sel:\n    C: 'AB*CD'\n  condition: sel\n"), &ev), 1);
    CHECK_INT(test_match(RULE("  sel:\n    C|cased: 'AB*CD'\n  condition: sel\n"), &ev), 0);
    CHECK_INT(test_match(RULE("  sel:\n    D|cased: 'AB*CD'\n  condition: sel\n"), &ev), 1);
    CHECK_INT(test_match(RULE("  sel:\n    C: 'ab?cd'\n  condition: sel\n"), &ev), 1);
    CHECK_INT(test_match(RULE("  sel:\n    C: 'ab?c'\n  condition: sel\n"), &ev), 0);
    CHECK_INT(test_match(RULE("  sel:\n    E: '?t?'\n  condition: sel\n"), &ev), 1);
    CHECK_INT(test_match(RULE("  sel:\n    E: \"\xc3\xa9*\xc3\xa9\"\n  condition: sel\n"), &ev), 1);
    CHECK_INT(test_match(RULE("  sel:\n    E: \"\xc3\xa9*\xc3\xa8\"\n  condition: sel\n"), &ev), 0);
    /* the longest inner literal must be there, between head and tail */
    TEST_EVENT(m, "X", 1, "A", "abxcd", "B", "axbcyd", "C", "ab", "D", "abab", "E", "x-BC-y");
    CHECK_INT(test_match(RULE("  sel:\n    A: 'a*bc*d'\n  condition: sel\n"), &m), 0);
    CHECK_INT(test_match(RULE("  sel:\n    B: 'a*bc*d'\n  condition: sel\n"), &m), 1);
    CHECK_INT(test_match(RULE("  sel:\n    C: 'ab*ab*'\n  condition: sel\n"), &m), 0);
    CHECK_INT(test_match(RULE("  sel:\n    D: 'ab*ab*'\n  condition: sel\n"), &m), 1);
    CHECK_INT(test_match(RULE("  sel:\n    E: '*?bc?*'\n  condition: sel\n"), &m), 1);
    CHECK_INT(test_match(RULE("  sel:\n    E|cased: '*?bc?*'\n  condition: sel\n"), &m), 0);
    CHECK_INT(test_match(RULE("  sel:\n    E|windash: '*-bc-*'\n  condition: sel\n"), &m), 1);
}

TN_TEST(test_multi_item_few_found)
{
    /* four contains values: one pass over the value, or with the scan's
     * literals just the values it found (here some are in another field) */
    const char *r = RULE("  sel:\n    CommandLine|contains:\n      - ' -enc '\n      - 'invoke-'\n"
                         "      - 'downloadstring'\n      - 'frombase64'\n  condition: sel\n");
    TEST_EVENT(hit, "X", 1, "CommandLine", "powershell -ENC abc", "Other", "x");
    TEST_EVENT(elsewhere, "X", 1, "CommandLine", "powershell -nop", "Other", "Invoke-Thing -enc x");
    TEST_EVENT(many, "X", 1, "CommandLine", "a", "Other", "invoke- -enc downloadstring frombase64");
    TEST_EVENT(last, "X", 1, "CommandLine", "x invoke- -enc downloadstring FromBase64String",
               "Other", "y");
    CHECK_INT(test_match(r, &hit), 1);
    CHECK_INT(test_match(r, &elsewhere), 0);
    CHECK_INT(test_match(r, &many), 0);
    CHECK_INT(test_match(r, &last), 1);
}

/* CIDR values read the field's IPv4 text by hand: it must accept exactly
 * what inet_pton accepts (on the text up to a NUL), and compare the
 * prefix's whole bytes and last bits as the general bit loop would. */
#include <arpa/inet.h>

static int in_net(const char *text, size_t n, int v6, const unsigned char *net, unsigned bits)
{
    char tmp[80];
    unsigned char a[16];
    if (n == 0 || n >= 64)
        return 0;
    memcpy(tmp, text, n);
    tmp[n] = 0;
    char *zone = strchr(tmp, '%');   /* fe80::1%eth0: the zone is not the address */
    if (zone && strchr(tmp, ':'))
        *zone = 0;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, tmp, a) != 1) {
        /* an IPv4-mapped IPv6 address is its IPv4 address (session 28) */
        static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
        if (v6 || inet_pton(AF_INET6, tmp, a) != 1 || memcmp(a, mapped, 12))
            return 0;
        memmove(a, a + 12, 4);
    }
    for (unsigned i = 0; i < bits; i++)
        if ((a[i / 8] ^ net[i / 8]) & (0x80u >> (i % 8)))
            return 0;
    return 1;
}

TN_TEST(test_cidr_parse_like_inet_pton)
{
    /* the length with any NUL and what follows it */
#define V(s) {s, sizeof(s) - 1}
    static const struct { const char *s; size_t n; } vals[] = {
        V("10.1.2.3"), V("10.1.3.255"), V("10.1.4.0"), V("0.0.0.0"), V("255.255.255.255"),
        V("256.1.1.1"), V("10.01.2.3"), V("10.0.0"), V("10.0.0.1."), V(".10.0.0.1"),
        V("10..0.1"), V("10.0.0.1x"), V(" 10.0.0.1"), V("10.0.0.1 "), V("1.2.3.4.5"),
        V("010.0.0.1"), V("10.0.0.00"), V("100.200.300.1"), V(""), V("-"),
        V("::1"), V("fe80::1"), V("::ffff:10.1.2.3"), V("10.1.2.3\0junk"), V("fe80::1\0x"),
        V("2001:db8::"), V("1:2:3:4:5:6:7:8:9"), V("10.1.2.3:80"), V("999999999999.1.1.1"),
        V("10.1.2.03"), V("10.1.2.0"), V("10.1.2.300"), V("10.1.2.1000"), V("10.1.2.255"), V("10.1.2.256"),
        V("10.1.2."), V("10.1.2"), V("10.1.2.3\n"), V("1.1.1.1/8"), V("00.0.0.0"), V("9.99.199.249"),
        V("10.1.2.3.4"), V("10.1.2.+3"), V("10.1.2.-3"), V("1 0.1.2.3"), V("10.1.2.3\0"),
        V("::FFFF:10.1.2.3"), V("::ffff:0a01:0203"), V("::ffff:10.1.2.3%1"), V("fe80::1%eth0"),
        V("::fffe:10.1.2.3"), V("::10.1.2.3"), V("10.1.2.3%eth0"),
    };
#undef V
    static const struct { const char *cidr; int v6; unsigned char net[16]; unsigned bits; } nets[] = {
        {"0.0.0.0/0", 0, {0}, 0},
        {"10.0.0.0/8", 0, {10}, 8},
        {"10.1.2.0/23", 0, {10, 1, 2}, 23},
        {"10.1.2.3/32", 0, {10, 1, 2, 3}, 32},
        {"'::/0'", 1, {0}, 0},
        {"'fe80::/10'", 1, {0xfe, 0x80}, 10},
        {"'::1/128'", 1, {[15] = 1}, 128},
    };
    for (size_t k = 0; k < sizeof(nets) / sizeof(nets[0]); k++) {
        char rule[256];
        snprintf(rule, sizeof(rule), RULE("  sel:\n    Ip|cidr: %s\n  condition: sel\n"), nets[k].cidr);
        for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
            TEST_EVENT(ev, "X", 1, "Ip", vals[i].s);
            ev_f[0].value_len = (uint32_t)vals[i].n;
            int want = in_net(vals[i].s, strlen(vals[i].s), nets[k].v6, nets[k].net, nets[k].bits);
            int got = test_match(rule, &ev);
            if (got != want)
                fprintf(stderr, "  %s on '%s': %d, inet_pton says %d\n", nets[k].cidr, vals[i].s, got, want);
            CHECK_INT(got, want);
        }
    }
}

/* An OR list of CIDRs is one parse and masked compares (tn_cidrs): it
 * gives what each network alone gives (inet_pton and a bit loop), for
 * IPv4 and IPv6 lists, mixed ones, prefixes on and off word and byte
 * boundaries; negated, and with |all (value by value). */
TN_TEST(test_cidr_list)
{
    static const char *const vals[] = {
        "10.1.2.3", "172.31.255.255", "172.32.0.0", "192.168.1.1", "192.169.0.1", "8.8.8.8",
        "127.0.0.1", "169.254.3.4", "::1", "::2", "fe80::1", "febf::1", "fec0::1", "fc00::5",
        "fd12:3456::1", "2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:7", "2001:db8:1:3::",
        "-", "", "10.1.2.3\0x", "::ffff:10.1.2.3", "10.01.2.3", "1.2.3.4:80", "0.0.0.0",
        "::ffff:8.8.8.8", "fe80::1%eth0", "::ffff:192.168.1.1%3",
    };
    static const struct { const char *text; int v6; unsigned char net[16]; unsigned bits; } nets[] = {
        {"'::1/128'", 1, {[15] = 1}, 128},
        {"10.0.0.0/8", 0, {10}, 8},
        {"127.0.0.0/8", 0, {127}, 8},
        {"172.16.0.0/12", 0, {172, 16}, 12},
        {"192.168.0.0/16", 0, {192, 168}, 16},
        {"169.254.0.0/16", 0, {169, 254}, 16},
        {"'fc00::/7'", 1, {0xfc}, 7},
        {"'fe80::/10'", 1, {0xfe, 0x80}, 10},
        {"'2001:db8:1:2:3:4:5:6/127'", 1, {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6}, 127},
        {"'2001:db8:1:2::/64'", 1, {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2}, 64},
        {"'2001:db8::/63'", 1, {0x20, 0x01, 0x0d, 0xb8}, 63},
        {"8.8.8.8/32", 0, {8, 8, 8, 8}, 32},
        {"0.0.0.0/0", 0, {0}, 0},
    };
    const size_t nn = sizeof(nets) / sizeof(nets[0]);
    /* lists: nets [a, b) */
    static const struct { size_t a, b; } lists[] = {{0, 8}, {1, 6}, {6, 11}, {8, 12}, {11, 13}, {0, 13}};
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
        for (int neg = 0; neg < 3; neg++) {
            char rule[1024];
            int k = snprintf(rule, sizeof(rule), RULE("  sel:\n    Ip|cidr%s:\n"),
                             neg == 2 ? "|all" : "");
            for (size_t i = lists[l].a; i < lists[l].b; i++)
                k += snprintf(rule + k, sizeof(rule) - (size_t)k, "      - %s\n", nets[i].text);
            snprintf(rule + k, sizeof(rule) - (size_t)k, "  condition: %s\n", neg == 1 ? "not sel" : "sel");
            for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
                const char *v = vals[i];
                size_t n = strlen(v);
                char text[64];
                const char *z = strstr(v, "\\0");   /* a NUL and what follows it */
                memcpy(text, v, n + 1);
                if (z) {
                    text[z - v] = 0;
                    memmove(text + (z - v) + 1, z + 2, strlen(z + 2) + 1);
                    n -= 1;
                }
                int any = 0, all = 1;
                for (size_t j = lists[l].a; j < lists[l].b && j < nn; j++) {
                    int m = in_net(text, strlen(text), nets[j].v6, nets[j].net, nets[j].bits);
                    any |= m;
                    all &= m;
                }
                int want = neg == 0 ? any : neg == 1 ? !any : all;
                TEST_EVENT(ev, "X", 1, "Ip", text);
                ev_f[0].value_len = (uint32_t)n;
                int got = test_match(rule, &ev);
                if (got != want)
                    fprintf(stderr, "  list %zu (%d) on '%s': %d, inet_pton says %d\n", l, neg, v, got, want);
                CHECK_INT(got, want);
            }
        }
    }
    /* an absent field: no network holds it, and it is not "not in" them */
    TEST_EVENT(none, "X", 1, "Other", "10.1.2.3");
    CHECK_INT(test_match(RULE("  sel:\n    Ip|cidr: [10.0.0.0/8, '::1/128']\n  condition: sel\n"), &none), 0);
    CHECK_INT(test_match(RULE("  sel:\n    Ip|cidr: [10.0.0.0/8, '::1/128']\n  condition: not sel\n"), &none), 1);
}

/* A multi item whose values all hold a non-ASCII byte skips values that
 * are all ASCII; one ASCII value among them turns that off. */
TN_TEST(test_multi_item_non_ascii)
{
    const char *r = RULE("  sel:\n    CommandLine|contains:\n      - \"\xd0\x90\"\n      - \"\xd0\x92\"\n"
                         "      - \"\xce\x91\"\n      - \"\xcb\xa3\"\n  condition: sel\n");
    const char *mixed = RULE("  sel:\n    CommandLine|contains:\n      - \"\xd0\x90\"\n      - \"\xd0\x92\"\n"
                             "      - \"\xce\x91\"\n      - 'ab'\n  condition: sel\n");
    TEST_EVENT(ascii, "X", 1, "CommandLine", "cmd.exe /c whoami AB");
    TEST_EVENT(hit, "X", 1, "CommandLine", "cmd.exe /c wh\xce\x91mi");
    TEST_EVENT(other, "X", 1, "CommandLine", "cmd.exe /c caf\xc3\xa9");
    TEST_EVENT(tail, "X", 1, "CommandLine", "0123456789abcdef\xcb\xa3");
    CHECK_INT(test_match(r, &ascii), 0);
    CHECK_INT(test_match(r, &hit), 1);
    CHECK_INT(test_match(r, &other), 0);
    CHECK_INT(test_match(r, &tail), 1);
    CHECK_INT(test_match(mixed, &ascii), 1);
    CHECK_INT(test_match(mixed, &hit), 1);
    CHECK_INT(test_match(mixed, &other), 0);
}

/* The name index compares hashes, then names in words: names that hash
 * alike (same length and first, middle and last bytes) but differ
 * elsewhere, at every length class of the word compare, are different
 * fields. */
TN_TEST(test_name_index_near_names)
{
    static const char *const names[][2] = {
        {"AxCD", "ABCD"}, {"AxCDE", "ABCDE"}, {"ABCDxFG", "ABCDEFG"}, {"AxCDEFGH", "ABCDEFGH"},
        {"ABCDEFGHx", "ABCDEFGHI"}, {"ABCDEFGHIJKLMNOxQ", "ABCDEFGHIJKLMNOPQ"},
        {"ABxDEFGHIJKLMNOPQ", "ABCDEFGHIJKLMNOPQ"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char rule[256];
        /* the first item builds the index, the second probes it inline */
        snprintf(rule, sizeof(rule), RULE("  sel:\n    Zz|exists: false\n    %s: v\n  condition: sel\n"),
                 names[i][1]);
        TEST_EVENT(near, "X", 1, "Other", "v", names[i][0], "v");
        TEST_EVENT(same, "X", 1, "Other", "w", names[i][1], "v");
        if (test_match(rule, &near) != 0 || test_match(rule, &same) != 1)
            fprintf(stderr, "  %s / %s\n", names[i][0], names[i][1]);
        CHECK_INT(test_match(rule, &near), 0);
        CHECK_INT(test_match(rule, &same), 1);
    }
}

/* Regexes ^[set]{m,n}$ are matched by a byte loop: the same answers as
 * PCRE2 on every subject, a final newline included (there $ matches
 * before it, and PCRE2 decides). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

TN_TEST(test_class_run_regex)
{
    static const char *const res[] = {
        "^[A-Za-z0-9]{16}$", "^[a-f0-9]{2,4}$", "^[-x]+$", "^[ab-]*$", "^[0-9]{3,}$",
    };
    static const char *const subj[] = {
        "ABCDEFGHIJKLMNOP", "ABCDEFGHIJKLMNO", "ABCDEFGHIJKLMNOPQ", "abcdefghijklmnop\n", "abcdefghijklmno-",
        "abcdefgh-jklmnop", "ABCDEFGHIJKLMNO\xc3\xa9", "ab", "abc", "abcd", "abcde", "0f", "0g", "-", "-x-",
        "x\n", "\n", "ab-", "123", "12", "12345678", "1234\r", "aBc", "",
    };
    for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
        int ec;
        PCRE2_SIZE off;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)res[i], PCRE2_ZERO_TERMINATED,
                                       PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec, &off, NULL);
        pcre2_match_data *md = pcre2_match_data_create(1, NULL);
        CHECK(re != NULL);
        char rule[256];
        snprintf(rule, sizeof(rule), RULE("  sel:\n    F|re: '%s'\n  condition: sel\n"), res[i]);
        for (size_t k = 0; re && k < sizeof(subj) / sizeof(subj[0]); k++) {
            TEST_EVENT(ev, "X", 1, "F", subj[k]);
            int want = pcre2_match(re, (PCRE2_SPTR)subj[k], strlen(subj[k]), 0, 0, md, NULL) >= 0;
            int got = test_match(rule, &ev);
            if (got != want)
                fprintf(stderr, "  /%s/ on '%s': %d, pcre2 says %d\n", res[i], subj[k], got, want);
            CHECK_INT(got, want);
        }
        pcre2_match_data_free(md);
        pcre2_code_free(re);
    }
}

/* Contains values are searched by their least common byte, then compared
 * around it; after many false stops memmem takes the rest. */
TN_TEST(test_contains_rare_byte)
{
    const char *r = RULE("  sel:\n    F|contains: 'a$b'\n  condition: sel\n");
    static char many_hit[300], many_miss[300], long_hit[3000];
    size_t n = 0;
    for (int i = 0; i < 40; i++)   /* 40 false stops at '$' */
        n += (size_t)snprintf(many_hit + n, sizeof(many_hit) - n, "$x a$c ");
    snprintf(many_miss, sizeof(many_miss), "%s", many_hit);
    snprintf(many_hit + n, sizeof(many_hit) - n, "A$B");
    memset(long_hit, 'q', sizeof(long_hit) - 1);
    long_hit[sizeof(long_hit) - 1] = 0;
    memcpy(long_hit + sizeof(long_hit) - 4, "a$b", 3);
    static const struct { const char *v; int want; } t[] = {
        {"a$b", 1}, {"xa$b", 1}, {"a$bx", 1}, {"$b", 0}, {"$bxxxx", 0}, {"a$", 0}, {"xxa$", 0},
        {"a$$b", 0}, {"$a$b", 1}, {many_hit, 1}, {many_miss, 0}, {long_hit, 1},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        TEST_EVENT(ev, "X", 1, "F", t[i].v);
        int got = test_match(r, &ev);
        if (got != t[i].want)
            fprintf(stderr, "  '%.40s': got %d want %d\n", t[i].v, got, t[i].want);
        CHECK_INT(got, t[i].want);
    }
}

/* A multi item whose values' least common bytes are few: a value holding
 * none of them matches none, one holding some is searched as before. */
TN_TEST(test_multi_item_needed_bytes)
{
    const char *r = RULE("  sel:\n    CommandLine|contains:\n      - '^^'\n      - ',;,'\n      - ' C^MD'\n"
                         "      - '(,(,'\n      - '%comspec:~'\n  condition: sel\n");
    static const struct { const char *cl; int want; } t[] = {
        {"cmd.exe /c whoami", 0}, {"cmd /c echo ^^", 1}, {"x ,;, y", 1}, {"x , ; , y", 0},
        {"a c^md b", 1}, {"a c^m^d b", 0}, {"x (,(, y", 1}, {"x ( , ( , y", 0}, {"%COMSPEC:~4", 1},
        {"%comspec%", 0}, {"~ ; ( ^", 0},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        TEST_EVENT(ev, "X", 1, "CommandLine", t[i].cl);
        int got = test_match(r, &ev);
        if (got != t[i].want)
            fprintf(stderr, "  '%s': got %d want %d\n", t[i].cl, got, t[i].want);
        CHECK_INT(got, t[i].want);
    }
}

/* The name index of one event serves the next when its names are the same
 * in the same order: events in a row through one scanner, names reordered,
 * renamed, lengthened or added, each must still find its own fields. */
TN_TEST(test_name_index_reused)
{
    const char *rule = RULE("  sel:\n    Zz|exists: false\n    Alpha: 1\n    Beta: 2\n  condition: sel\n");
    for (int np = 0; np < 2; np++) {
        tn_ruleset *rs = test_load(rule, np);
        CHECK(rs != NULL);
        if (!rs)
            return;
        tn_scanner *sc = tn_scanner_new(rs);
        TEST_EVENT(e1, "X", 1, "Alpha", "1", "Beta", "2");
        TEST_EVENT(e2, "X", 1, "Alpha", "1", "Beta", "3");
        TEST_EVENT(e3, "X", 1, "Beta", "2", "Alpha", "1");
        TEST_EVENT(e4, "X", 1, "Beta", "1", "Alpha", "2");
        TEST_EVENT(e5, "X", 1, "Alpha", "1", "Gamma", "2");
        TEST_EVENT(e6, "X", 1, "Alpha", "1", "Betax", "2");
        TEST_EVENT(e7, "X", 1, "Alpha", "1", "Beta", "2", "Delta", "4");
        TEST_EVENT(e8, "X", 1, "Alpha", "1", "Beta", "2");
        TEST_EVENT(e9, "X", 1, "Alpha", "1", "Bet", "2");
        TEST_EVENT(e10, "X", 1, "Omega", "1", "Beta", "2");   /* same lengths as e8 */
        const tn_event *evs[] = {&e1, &e2, &e3, &e4, &e5, &e6, &e7, &e8, &e9, &e1, &e8, &e9, &e10, &e8};
        const int want[] = {1, 0, 1, 0, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1};
        for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
            int got = tn_scanner_match(sc, evs[i], NULL, NULL);
            if (got != want[i])
                fprintf(stderr, "  event %zu (prefilter %d): got %d want %d\n", i + 1, !np, got, want[i]);
            CHECK_INT(got, want[i]);
        }
        tn_scanner_free(sc);
        tn_ruleset_free(rs);
    }
}

/* On an absent field an item gives what its values give there, known at
 * load (tn_item.absent): true only through |exists: false and null. */
TN_TEST(test_absent_field)
{
    static const struct { const char *yaml; int want; } t[] = {
        {"F: x", 0}, {"F|exists: false", 1}, {"F|exists: true", 0}, {"F: null", 1},
        {"F: [x, '']", 0}, {"F: [x, y]", 0}, {"F|contains|all: [a, b]", 0}, {"F|re: '.*'", 0},
        {"F|cidr: 10.0.0.0/8", 0}, {"F|lt: 5", 0}, {"F|fieldref: G", 0}, {"F|neq: x", 0},
        {"F|contains: [aa, bb, cc, dd, ee]", 0}, {"F|exists: [true, false]", 1}, {"F: ''", 0},
    };
    TEST_EVENT(ev, "X", 1, "G", "x", "Other", "x");
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        for (int neg = 0; neg < 2; neg++) {
            char rule[256];
            snprintf(rule, sizeof(rule), RULE("  sel:\n    %s\n  condition: %s\n"), t[i].yaml,
                     neg ? "not sel" : "sel");
            int got = test_match(rule, &ev);
            int want = neg ? !t[i].want : t[i].want;
            if (got != want)
                fprintf(stderr, "  %s%s: got %d want %d\n", neg ? "not " : "", t[i].yaml, got, want);
            CHECK_INT(got, want);
        }
    }
}

/* Whole values, prefixes and suffixes of fields not lower-cased yet are
 * compared folding word by word: every length class, the difference in
 * the last (overlapping) word, and the bytes just outside A-Z. */
TN_TEST(test_exact_folded_on_the_fly)
{
    static const struct { const char *yaml, *field; int want; } t[] = {
        {"F: abcdefg", "ABCDEFG", 1}, {"F: abcdefg", "ABCDEFH", 0}, {"F: abcdefgh", "AbCdEfGh", 1},
        {"F: abcdefgh1", "ABCDEFGH1", 1}, {"F: abcdefgh1", "ABCDEFGH2", 0}, {"F: abcdefgh1", "ABCDEFGX1", 0},
        {"F: 'abcdefghijklmnopq'", "ABCDEFGHIJKLMNOPQ", 1}, {"F: 'abcdefghijklmnopq'", "ABCDEFGHIJKLMNOPR", 0},
        {"F: '`a'", "@A", 0}, {"F: '{a'", "[A", 0}, {"F: '`a'", "`A", 1}, {"F: 'x@['", "X@[", 1},
        {"F|startswith: 'abcdefghij'", "ABCDEFGHIJ and more", 1}, {"F|startswith: 'abcdefghij'", "ABCDEFGHIK", 0},
        {"F|endswith: '\\\\whoami.exe'", "C:\\Windows\\System32\\WHOAMI.EXE", 1},
        {"F|endswith: '\\\\whoami.exe'", "C:\\Windows\\System32\\WHOAMI.EXF", 0},
        {"F|endswith: 'ab'", "xAB", 1}, {"F|endswith: 'ab'", "xAC", 0},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char rule[256];
        snprintf(rule, sizeof(rule), RULE("  sel:\n    %s\n  condition: sel\n"), t[i].yaml);
        TEST_EVENT(ev, "X", 1, "F", t[i].field);
        int got = test_match(rule, &ev);
        if (got != t[i].want)
            fprintf(stderr, "  %s on '%s': got %d want %d\n", t[i].yaml, t[i].field, got, t[i].want);
        CHECK_INT(got, t[i].want);
    }
}

/* Lower-casing a field for a case-insensitive search (eval.c, lower_copy:
 * 16 bytes at a time, the last block overlapping): at every length from
 * 1 to 48 and a few longer, the bytes around A-Z ('@', '[', '`', '{') and
 * those of UTF-8 sequences stay as they are and A-Z become a-z, wherever
 * they fall in a block. The rule searches the whole lower-cased value. */
TN_TEST(test_lower_copy_every_length)
{
    static const char *const units[] = {"@", "A", "Z", "[", "`", "a", "z", "{", "\xc3\x80", "M", "q",
                                        "~", "\xc3\x9a", "W"};
    static const size_t lens[] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17,
                                  18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
                                  35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 63, 64, 65, 100};
    int bad = 0, negatives = 0;
    for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        size_t n = lens[k], i = 0;
        char v[128], low[128], rule[512];
        for (size_t u = k; i < n; u += 5) {   /* whole characters, n bytes */
            const char *c = units[u % (sizeof(units) / sizeof(units[0]))];
            if (i + strlen(c) > n)
                c = "Q";
            memcpy(v + i, c, strlen(c));
            i += strlen(c);
        }
        for (i = 0; i < n; i++)
            low[i] = v[i] >= 'A' && v[i] <= 'Z' ? (char)(v[i] + 32) : v[i];
        v[n] = low[n] = 0;
        snprintf(rule, sizeof(rule), RULE("  sel:\n    CommandLine|contains: '%s'\n  condition: sel\n"), low);
        TEST_EVENT(ev, "X", 1, "CommandLine", v);
        bad += test_match(rule, &ev) != 1;
        /* '@' read as '`' would make this one match */
        char *at = strchr(v, '@');
        if (at) {
            *at = '`';
            TEST_EVENT(ev2, "X", 1, "CommandLine", v);
            bad += test_match(rule, &ev2) != 0;
            negatives++;
        }
    }
    CHECK_INT(bad, 0);
    CHECK(negatives >= 20);
}

/* A map's `sid: F` (docs/logsources.md): the field reads as Sysmon names
 * a well-known service account when F holds its SID, else as logged; F
 * must be a data field, as for `append`. */
TN_TEST(test_map_sid_option)
{
#define SMAP(opt)                                                            \
    "logsources:\n  - category: evalfast_test\n    product: windows\n"      \
    "    sources:\n      - channel: Test\n        rename:\n"                 \
    "          Acct: {field: Name, " opt "}\n"
    TEST_EVENT(svc, "Test", 1, "Name", "HOST$", "Sid", "S-1-5-20");
    TEST_EVENT(usr, "Test", 1, "Name", "bob", "Sid", "S-1-5-21-9-500");
    TEST_EVENT(nosid, "Test", 1, "Name", "HOST$");
    const char *ns = TRULE("  sel:\n    Acct: 'NT AUTHORITY\\NETWORK SERVICE'\n  condition: sel\n");
    const char *bob = TRULE("  sel:\n    Acct: bob\n  condition: sel\n");
    const char *host = TRULE("  sel:\n    Acct: 'HOST$'\n  condition: sel\n");
    CHECK_INT(match_with_map(SMAP("sid: Sid"), ns, &svc), 1);
    CHECK_INT(match_with_map(SMAP("sid: Sid"), host, &svc), 0);
    CHECK_INT(match_with_map(SMAP("sid: Sid"), bob, &usr), 1);
    CHECK_INT(match_with_map(SMAP("sid: Sid"), host, &nosid), 1);   /* no SID: as logged */
    CHECK_INT(match_with_map(SMAP("sid: Name2"), ns, &svc), 0);      /* another field's SID */
    CHECK_INT(match_with_map(SMAP("sid: Computer"), ns, &svc), -1);  /* a System member: refused */
    CHECK_INT(match_with_map(SMAP("sid: [a, b]"), ns, &svc), -1);
    CHECK_INT(match_with_map(SMAP("sids: Sid"), ns, &svc), -1);      /* an unknown option: refused */
    /* else: read when the field is absent, empty or '-' */
    TEST_EVENT(dash, "Test", 1, "Name", "-", "Other", "bob");
    TEST_EVENT(gone, "Test", 1, "Other", "bob");
    CHECK_INT(match_with_map(SMAP("else: Other"), bob, &dash), 1);
    CHECK_INT(match_with_map(SMAP("else: Other"), bob, &gone), 1);
    CHECK_INT(match_with_map(SMAP("else: Other"), bob, &usr), 1);    /* Name is set: Name */
    CHECK_INT(match_with_map(SMAP("else: Other"), host, &svc), 1);
    CHECK_INT(match_with_map(SMAP("else: {field: Nope, else: {field: Other}}"), bob, &gone), 1);
    CHECK_INT(match_with_map(SMAP("else: {field: A, else: {field: B, else: {field: C, else: {field: D, "
                                  "else: {field: E, else: Other}}}}}"), bob, &gone), -1);   /* too deep */
    /* only the else translates: the prefilter scans its text too (it
     * scanned the first rename's only, and missed what the evaluator
     * matched; match_with_map gives -2 when the two disagree) */
    TEST_EVENT(dom, "Test", 1, "Name", "-", "Dom", "D", "Other", "bob");
    const char *dbob = TRULE("  sel:\n    Acct: 'D\\bob'\n  condition: sel\n");
    CHECK_INT(match_with_map(SMAP("else: {field: Dom, append: Other}"), dbob, &dom), 1);
    /* an alias takes no options: the evaluator would read its field as it is */
    CHECK_INT(match_with_map(TMAP "aliases:\n  Acct2: {field: Other, else: Name}\n", bob, &dash), -1);
    /* when: the rename is read only while that field is set, else its
     * else (4688's TargetLogonId is 0x0, not '-', without a target) */
    TEST_EVENT(tgt, "Test", 1, "Name", "bob", "Tgt", "T", "Other", "eve");
    TEST_EVENT(notgt, "Test", 1, "Name", "bob", "Tgt", "-", "Other", "eve");
    TEST_EVENT(notgt2, "Test", 1, "Name", "bob", "Other", "eve");
    const char *eve = TRULE("  sel:\n    Acct: eve\n  condition: sel\n");
    CHECK_INT(match_with_map(SMAP("when: Tgt, else: Other"), bob, &tgt), 1);
    CHECK_INT(match_with_map(SMAP("when: Tgt, else: Other"), eve, &tgt), 0);
    CHECK_INT(match_with_map(SMAP("when: Tgt, else: Other"), eve, &notgt), 1);   /* '-' */
    CHECK_INT(match_with_map(SMAP("when: Tgt, else: Other"), bob, &notgt), 0);
    CHECK_INT(match_with_map(SMAP("when: Tgt, else: Other"), eve, &notgt2), 1);  /* absent */
    /* a translating rename under when: the prefilter builds the text the
     * evaluator picks (match_with_map gives -2 when they disagree) */
    TEST_EVENT(dtgt, "Test", 1, "Name", "bob", "Dom", "D", "Tgt", "T", "Other", "eve");
    TEST_EVENT(dnot, "Test", 1, "Name", "bob", "Dom", "D", "Tgt", "", "Other", "eve");
    const char *deve = TRULE("  sel:\n    Acct: 'D\\eve'\n  condition: sel\n");
    CHECK_INT(match_with_map(SMAP("append: Other, when: Tgt, else: {field: Dom, append: Other}"),
                             deve, &dnot), 1);
    CHECK_INT(match_with_map(SMAP("when: Tgt, else: {field: Dom, append: Other}"), deve, &dtgt), 0);
    CHECK_INT(match_with_map(SMAP("when: Tgt, else: {field: Dom, append: Other}"), deve, &dnot), 1);
    CHECK_INT(match_with_map(SMAP("when: Tgt"), bob, &tgt), -1);                 /* no else: refused */
    CHECK_INT(match_with_map(SMAP("when: Computer, else: Other"), bob, &tgt), -1); /* a System member */
    CHECK_INT(match_with_map(SMAP("when: [a], else: Other"), bob, &tgt), -1);
#undef SMAP
}

/* A source's `where` (docs/logsources.md): its events must also hold each
 * field test, read through the source's renames, ASCII case ignored; a
 * misspelt source key is refused (`eventids` widened a source to every
 * EventID without a word). */
TN_TEST(test_map_source_where)
{
#define WMAP(where)                                                          \
    "logsources:\n  - category: evalfast_test\n    product: windows\n"      \
    "    sources:\n      - channel: Test\n        eventid: [12]\n"           \
    "        rename:\n          Kind: RawKind\n" where
    TEST_EVENT(del, "Test", 12, "RawKind", "deletekey", "Key", "x");
    TEST_EVENT(add, "Test", 12, "RawKind", "CreateKey", "Key", "x");
    TEST_EVENT(none, "Test", 12, "Key", "x");
    const char *rule = TRULE("  sel:\n    Key: x\n  condition: sel\n");
    const char *w = WMAP("        where: {Kind: [DeleteKey, DeleteValue]}\n");
    CHECK_INT(match_with_map(WMAP(""), rule, &add), 1);
    CHECK_INT(match_with_map(w, rule, &del), 1);    /* through the rename, any case */
    CHECK_INT(match_with_map(w, rule, &add), 0);
    CHECK_INT(match_with_map(w, rule, &none), 0);   /* absent: the test fails */
    const char *two = WMAP("        where: {Kind: CreateKey, Key: x}\n");
    CHECK_INT(match_with_map(two, rule, &add), 1);
    CHECK_INT(match_with_map(two, rule, &del), 0);
    CHECK_INT(match_with_map(WMAP("        where: [Kind]\n"), rule, &add), -1);
    CHECK_INT(match_with_map(WMAP("        where: {Kind: []}\n"), rule, &add), -1);
    CHECK_INT(match_with_map(WMAP("        eventids: [1]\n"), rule, &add), -1);
#undef WMAP
}

/* A slot's scan set reads each rule through the one source its bucket's
 * events are read through (the candidate's), or, for a rule of a
 * wildcard channel, through each source that fits the bucket: with every
 * source in every slot a map of 1,000 sources for one category cost
 * seconds. Each source's renamed field must still be scanned in its own
 * slot (-2 from match_with_map: the prefilter and the plain path differ). */
TN_TEST(test_map_sources_by_slot)
{
    const char *map = "logsources:\n  - category: evalfast_test\n    product: windows\n"
                      "    sources:\n"
                      "      - {channel: ChanA, eventid: [1], rename: {Acct: NameA}}\n"
                      "      - {channel: ChanB, eventid: [1], rename: {Acct: NameB}}\n"
                      "      - {channel: ChanB, rename: {Acct: NameC}}\n"
                      "  - category: evalfast_wild\n    product: windows\n"
                      "    sources:\n"
                      "      - {channel: 'Wild*', eventid: [5], rename: {Acct: NameW}}\n"
                      "      - {channel: 'Wild*', rename: {Acct: NameV}}\n";
    const char *rule = TRULE("  sel:\n    Acct|contains: secretacct\n  condition: sel\n");
    const char *wild = "title: t\nlogsource:\n  product: windows\n  category: evalfast_wild\n"
                       "detection:\n  sel:\n    Acct|contains: secretacct\n  condition: sel\n";
    TEST_EVENT(a, "ChanA", 1, "NameA", "x-secretacct-y", "NameB", "z");
    TEST_EVENT(a_wrong, "ChanA", 1, "NameB", "x-secretacct-y");
    TEST_EVENT(b, "ChanB", 1, "NameB", "x-secretacct-y");
    TEST_EVENT(b_wrong, "ChanB", 1, "NameA", "x-secretacct-y");
    TEST_EVENT(c, "ChanB", 2, "NameC", "x-secretacct-y");
    TEST_EVENT(c_wrong, "ChanB", 2, "NameB", "x-secretacct-y");
    CHECK_INT(match_with_map(map, rule, &a), 1);
    CHECK_INT(match_with_map(map, rule, &a_wrong), 0);
    CHECK_INT(match_with_map(map, rule, &b), 1);
    CHECK_INT(match_with_map(map, rule, &b_wrong), 0);
    CHECK_INT(match_with_map(map, rule, &c), 1);
    CHECK_INT(match_with_map(map, rule, &c_wrong), 0);
    TEST_EVENT(w5, "WildX", 5, "NameW", "secretacct");
    TEST_EVENT(w6, "WildX", 6, "NameV", "secretacct");
    TEST_EVENT(w6_wrong, "WildX", 6, "NameW", "secretacct");
    TEST_EVENT(w5_on_a, "ChanA", 1, "NameA", "q", "Acct", "secretacct");
    CHECK_INT(match_with_map(map, wild, &w5), 1);
    CHECK_INT(match_with_map(map, wild, &w6), 1);
    CHECK_INT(match_with_map(map, wild, &w6_wrong), 0);
    CHECK_INT(match_with_map(map, wild, &w5_on_a), 0);   /* not its channel */
    /* the two rules side by side: each slot holds both rules' names */
    char both[1024];
    snprintf(both, sizeof(both), "%s---\n%s", rule, wild);
    CHECK_INT(match_with_map(map, both, &a), 1);
    CHECK_INT(match_with_map(map, both, &w6), 1);
    CHECK_INT(match_with_map(map, both, &c), 1);
}
