/* test_sigma_fault.c - every allocation in loading and matching may fail:
 * no crash, no leak (ASan checks), and the result is either an error or
 * a usable rule set. Also replays tests/fuzz-regress inputs. */
#include "tn_test.h"

#include "base/alloc.h"
#include "base/arena.h"
#include "match/correlate.h"
#include "sigma/cond.h"
#include "sigma_helpers.h"

#include <dirent.h>
#include <stdlib.h>

static const char *fault_rules =
    "title: r1\nid: 11111111-1111-1111-1111-111111111111\nname: r1\nlevel: high\ntags: [a, b]\n"
    "logsource:\n  product: windows\n  category: process_creation\n"
    "detection:\n  sel:\n    Image|endswith: ['\\\\cmd.exe', '\\\\pwsh.exe']\n"
    "    CommandLine|windash|contains|all: [' -enc ', ' -nop ']\n"
    "  re:\n    CommandLine|re|i: 'invoke-[a-z]+'\n"
    "  b64:\n    CommandLine|base64offset|contains: 'http://'\n"
    "  kw:\n    - 'mimikatz'\n"
    /* beyond ASCII: spelt in each case, and a caseless regex (session 22) */
    "  uni:\n    CommandLine|contains: ['contrase\xC3\xB1" "a', '\xD0\x90\xD0\xB4\xD0\xBC\xD0\xB8\xD0\xBD\xD0\xB8\xD1\x81\xD1\x82\xD1\x80']\n"
    "  uniall:\n    CommandLine|windash|contains|all: ['-\xC3\xB1', 'x\xC3\xA9']\n"
    "  condition: (sel or re or b64 or kw or uni or uniall) and not 1 of filter*\n"
    "  filter_a:\n    User|expand: 'adm_%Administrators%'\n"
    "---\n"
    "title: f\nlogsource:\n  product: windows\nfilter:\n  rules: [r1]\n  selection:\n    User: x\n"
    "  condition: selection\n"
    "---\n"
    "title: c\ncorrelation:\n  type: event_count\n  rules: [r1]\n  group-by: [Computer]\n"
    "  timespan: 5m\n  condition:\n    gte: 2\n";

static int on_match(const tn_rule_info *ri, const tn_event *ev, void *ctx)
{
    tn_correlator_feed(ctx, ri, ev, NULL, NULL);
    return 0;
}

TN_TEST(test_sigma_allocation_failures)
{
    TEST_EVENT(ev, "Microsoft-Windows-Sysmon/Operational", 1, "Image", "C:\\x\\cmd.exe",
               "CommandLine", "cmd -enc /nop mimikatz", "User", "bob");
    int clean = 0;   /* consecutive rounds in which everything succeeded */
    long n = 0;
    for (; n < 5000 && clean < 40; n++) {
        tn_rule_opts o = {.data_dir = "data", .on_reject = test_on_reject};
        tn_ruleset *rs = NULL;
        tn_alloc_fail_after(n);
        int rc = tn_ruleset_load_text(fault_rules, strlen(fault_rules), "f.yml", &o, NULL, &rs);
        if (rc == TN_RS_OK) {
            tn_scanner *sc = tn_scanner_new(rs);
            tn_correlator *co = tn_correlator_new(rs);
            if (sc && co) {
                int m = tn_scanner_match(sc, &ev, on_match, co);
                m += tn_scanner_match(sc, &ev, on_match, co);
                clean = m == 2 && test_last_reject[0] == 0 ? clean + 1 : 0;
            } else {
                clean = 0;
            }
            tn_correlator_free(co);
            tn_scanner_free(sc);
            tn_ruleset_free(rs);
        } else {
            CHECK(rs == NULL);
            clean = 0;
        }
        tn_alloc_fail_after(-1);
        test_last_reject[0] = 0;
    }
    CHECK(clean >= 40);   /* got past the last allocation */
    printf("  allocation failure injected at each of %ld points\n", n - 40);
}

static void replay_dir(const char *dir, int rules)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    while (d && (de = readdir(d))) {
        char p[1024];
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        FILE *f = fopen(p, "rb");
        if (!f)
            continue;
        char *buf = malloc(1 << 16);
        size_t len = fread(buf, 1, 1 << 16, f);
        fclose(f);
        if (rules) {   /* as fuzz_rule.c: with and without the prefilter, the same */
            int m[2] = {-1, -1};
            for (int np = 0; np < 2; np++) {
                tn_rule_opts o = {.data_dir = "data", .on_reject = test_on_reject, .no_prefilter = np};
                tn_ruleset *rs = NULL;
                if (tn_ruleset_load_text(buf, len, p, &o, NULL, &rs) == TN_RS_OK) {
                    tn_scanner *sc = tn_scanner_new(rs);
                    TEST_EVENT(ev, "Security", 4688, "NewProcessName", "C:\\a.exe");
                    m[np] = tn_scanner_match(sc, &ev, NULL, NULL);
                    /* and twice more, prescanned as one batch (hunt's way) */
                    const tn_event *two[] = {&ev, &ev};
                    tn_scanner_prescan(sc, two, 2);
                    CHECK_INT(tn_scanner_match(sc, &ev, NULL, NULL), m[np]);
                    CHECK_INT(tn_scanner_match(sc, &ev, NULL, NULL), m[np]);
                    tn_scanner_free(sc);
                    tn_ruleset_free(rs);
                }
            }
            CHECK_INT(m[0], m[1]);
        } else {
            const char *names[] = {"selection", "filter_main", "_x", "all"};
            tn_arena a;
            char err[200];
            size_t at;
            tn_arena_init(&a, 4096);
            tn_cond_parse(buf, len, names, 4, &a, err, sizeof(err), &at);
            tn_arena_free(&a);
        }
        free(buf);
        n++;
    }
    if (d)
        closedir(d);
    CHECK(n > 0);
}

TN_TEST(test_fuzz_regression_inputs)
{
    replay_dir("tests/fuzz-regress/condition", 0);
    replay_dir("tests/fuzz-regress/rule", 1);
}
