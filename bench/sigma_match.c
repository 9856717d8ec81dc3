/* sigma_match.c - events/s of the Sigma scanner over the regression events.
 *
 * Loads all SigmaHQ rules, reads every regression_data .json event (via the
 * test loader), and matches them repeatedly with and without the prefilter.
 * Usage: sigma_match CORPUS [ROUNDS] */
#include "match/scanner.h"
#include "sigma/sigma.h"
#include "../tests/unit/regress_load.h"

#include <dirent.h>
#include <sys/stat.h>
#include <time.h>

static void walk(rl_events *evs, tn_arena *a, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        char p[2048];
        struct stat sb;
        size_t n = strlen(de->d_name);
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            walk(evs, a, p);
        else if (n > 5 && !strcmp(de->d_name + n - 5, ".json"))
            rl_load_file(evs, a, p);
    }
    if (d)
        closedir(d);
}

static double run(const char *corpus, rl_events *evs, int no_prefilter, int rounds, uint64_t *m,
                  uint64_t *evald)
{
    char p[6][1024];
    const char *ps[6];
    const char *sub[6] = {"rules", "rules-compliance", "rules-dfir", "rules-emerging-threats",
                          "rules-placeholder", "rules-threat-hunting"};
    for (int i = 0; i < 6; i++) {
        snprintf(p[i], sizeof(p[i]), "%s/sigma/%s", corpus, sub[i]);
        ps[i] = p[i];
    }
    tn_rule_opts o = {.no_prefilter = no_prefilter};
    tn_diag d = {.quiet = 1};
    tn_ruleset *rs;
    struct timespec t0, t1;
    if (tn_ruleset_load(ps, 6, &o, &d, &rs))
        return -1;
    tn_scanner *sc = tn_scanner_new(rs);
    *m = 0;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    for (int r = 0; r < rounds; r++)
        for (size_t i = 0; i < evs->n; i++)
            *m += (uint64_t)tn_scanner_match(sc, &evs->ev[i], NULL, NULL);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    *evald = tn_scanner_evaluated(sc);
    tn_scanner_free(sc);
    tn_ruleset_free(rs);
    return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
    const char *corpus = argc > 1 ? argv[1] : "../shared/corpus";
    int rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 50;
    char dir[1024];
    tn_arena a;
    rl_events evs = {0};
    tn_arena_init(&a, 1 << 20);
    snprintf(dir, sizeof(dir), "%s/sigma/regression_data", corpus);
    walk(&evs, &a, dir);
    int only = argc > 3 ? (int)strtol(argv[3], NULL, 10) : -1;
    for (int np = 0; np < 2; np++) {
        if (only >= 0 && np != only)
            continue;
        uint64_t m, ev;
        double s = run(corpus, &evs, np, rounds, &m, &ev);
        double n = (double)evs.n * rounds;
        printf("%-13s %zu events x %d: %.3fs CPU, %.0f events/s, %.1f rules evaluated/event, %llu matches\n",
               np ? "no prefilter" : "prefilter", evs.n, rounds, s, n / s, (double)ev / n,
               (unsigned long long)m);
    }
    rl_free(&evs);
    tn_arena_free(&a);
    return 0;
}
