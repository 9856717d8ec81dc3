/* test_sigma_lsmap_fuzz.c - replays tests/fuzz-regress/lsmap/ and the
 * shipped map through fuzz_lsmap's check: the fixed rules loaded with
 * each map hold on the same events with and without the prefilter. */
#include "tn_test.h"

#include "../../fuzz/fuzz_lsmap_input.h"

#include <dirent.h>

/* A map must load and agree; one named refused-* must be refused (a
 * fuzzer's finding of a map the loader should refuse). */
static void check_map(const char *path, const char *name)
{
    int r = fz_lsmap_check(path, "data");
    if (r < 0)
        printf("  %s: the prefilter changed a result\n", path);
    CHECK_INT(r, strncmp(name, "refused-", 8) ? 0 : 1);
}

TN_TEST(test_lsmap_fuzz_regression_inputs)
{
    DIR *d = opendir("tests/fuzz-regress/lsmap");
    struct dirent *de;
    int n = 0;
    char p[512];
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.' || !strcmp(de->d_name, "README.md"))
            continue;
        snprintf(p, sizeof(p), "tests/fuzz-regress/lsmap/%s", de->d_name);
        check_map(p, de->d_name);
        n++;
    }
    if (d)
        closedir(d);
    CHECK(n >= 3);
    check_map("data/logsources.yml", "logsources.yml");
}

/* The check can fail: a map under which the prefilter and the evaluator
 * would read a field differently is what it exists to catch. Here the
 * map itself is fine, so a rule set with a rule that holds proves the
 * events and rules reach each other: without that, the check would pass
 * on anything. */
TN_TEST(test_lsmap_fuzz_rules_hold)
{
    const char *path = "tests/fuzz-regress/lsmap/every-option";
    const char *maps[] = {path};
    tn_rule_opts o = {.data_dir = "data", .logsource_maps = maps, .nlogsource_maps = 1,
                      .on_reject = fz_lsmap_ignore};
    tn_ruleset *rs = NULL;
    CHECK_INT(tn_ruleset_load_text(fz_lsmap_rules, sizeof(fz_lsmap_rules) - 1, "fuzz.yml", &o, NULL, &rs),
              TN_RS_OK);
    if (!rs)
        return;
    CHECK_INT(tn_ruleset_count(rs), 24);
    tn_field f[FZ_LSMAP_NEV][12];
    tn_event evs[FZ_LSMAP_NEV];
    fz_lsmap_build(f, evs);
    uint32_t got[FZ_LSMAP_NEV];
    CHECK_INT(fz_lsmap_matches(rs, evs, got), 0);
    uint32_t any = 0;
    for (size_t i = 0; i < FZ_LSMAP_NEV; i++)
        any |= got[i];
    printf("  rules that hold on some event: 0x%08x\n", any);
    /* bob's account (r0), its device path read as C:\ (r3, r4), the
     * registry path (r5), the direction code (r6), the range (r11), the
     * renamed EventID (r13), and the shipped 4688 and 5156 sources
     * (r20, r21, r22) */
    uint32_t want = 1u << 0 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 11 | 1u << 13 | 1u << 20 |
                    1u << 21 | 1u << 22;
    CHECK_INT(any & want, want);
    tn_ruleset_free(rs);
}
