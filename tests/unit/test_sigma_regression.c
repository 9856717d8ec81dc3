/* test_sigma_regression.c - SigmaHQ regression data: do the named rules fire?
 *
 * Each regression_data/.../info.yml names a rule and an .evtx whose events
 * should trigger it; the reference .json next to it holds those events in
 * evtx_dump shape. This loads all SigmaHQ rules once, reads every case's
 * events (tests/unit/regress_load.h), and counts cases whose rule fires.
 * It also runs the whole set with and without the prefilter and requires
 * identical (event, rule) matches. Details go to build/sigma-regression.txt.
 * Skipped when the corpus is absent. */
#include "tn_test.h"

#include "base/arena.h"
#include "match/scanner.h"
#include "regress_load.h"
#include "sigma/sigma.h"
#include "sigma/yaml.h"

#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

typedef struct rcase {
    char rule_id[64];
    char json[1024];
    size_t first, n;   /* events in the shared list */
} rcase;

typedef struct cases {
    rcase *c;
    size_t n, cap;
} cases;

static const char *corpus(void)
{
    const char *c = getenv("CORPUS");
    return c ? c : "../shared/corpus";
}

static void read_info(cases *cs, const char *path)
{
    tn_arena a;
    tn_ystream st;
    char err[200], *text = NULL;
    uint32_t l, c;
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    text = tn_malloc(1 << 16);
    size_t n = fread(text, 1, (1 << 16) - 1, f);
    fclose(f);
    tn_arena_init(&a, 8192);
    if (tn_yaml_parse(text, n, &a, &st, err, sizeof(err), &l, &c) == 0 && st.ndocs) {
        const tn_ynode *meta = tn_ymap_get(st.docs[0], "rule_metadata");
        const tn_ynode *tests = tn_ymap_get(st.docs[0], "regression_tests_info");
        const tn_ynode *id = meta && meta->child ? tn_ymap_get(meta->child, "id") : NULL;
        for (const tn_ynode *t = tests ? tests->child : NULL; id && t; t = t->next) {
            const tn_ynode *p = tn_ymap_get(t, "path");
            if (!p || p->len < 5)
                continue;
            if (cs->n == cs->cap) {
                cs->cap = cs->cap ? cs->cap * 2 : 256;
                cs->c = tn_realloc(cs->c, cs->cap * sizeof(*cs->c));
            }
            rcase *rc = &cs->c[cs->n++];
            memset(rc, 0, sizeof(*rc));
            snprintf(rc->rule_id, sizeof(rc->rule_id), "%s", id->str);
            snprintf(rc->json, sizeof(rc->json), "%s/sigma/%.*s.json", corpus(), (int)(p->len - 5),
                     p->str);
        }
    }
    tn_arena_free(&a);
    tn_free(text);
}

static void walk(cases *cs, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    if (!d)
        return;
    while ((de = readdir(d))) {
        char p[2048];
        struct stat sb;
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            walk(cs, p);
        else if (!strcmp(de->d_name, "info.yml"))
            read_info(cs, p);
    }
    closedir(d);
}

static int cmp_case(const void *a, const void *b)
{
    return strcmp(((const rcase *)a)->json, ((const rcase *)b)->json);
}

typedef struct hit_ctx {
    const char *want;
    int hit;
    uint64_t sig;   /* order-sensitive digest of all matches */
    uint64_t n;
} hit_ctx;

static int on_hit(const tn_rule_info *r, const tn_event *ev, void *ctx)
{
    hit_ctx *h = ctx;
    (void)ev;
    if (!strcmp(r->id, h->want))
        h->hit = 1;
    h->sig = h->sig * 1000003u + r->index + 1;
    h->n++;
    return 0;
}

static tn_ruleset *load_all(int no_prefilter)
{
    char paths[6][1024];
    const char *p[6];
    const char *sub[6] = {"rules", "rules-compliance", "rules-dfir", "rules-emerging-threats",
                          "rules-placeholder", "rules-threat-hunting"};
    for (int i = 0; i < 6; i++) {
        snprintf(paths[i], sizeof(paths[i]), "%s/sigma/%s", corpus(), sub[i]);
        p[i] = paths[i];
    }
    tn_rule_opts o = {.data_dir = "data", .no_prefilter = no_prefilter};
    tn_diag d = {.quiet = 1};
    tn_ruleset *rs = NULL;
    tn_ruleset_load(p, 6, &o, &d, &rs);
    return rs;
}

static int find_rule(const tn_ruleset *rs, const char *id, tn_rule_info *out)
{
    for (uint32_t i = 0; i < tn_ruleset_count(rs); i++) {
        tn_ruleset_info(rs, i, out);
        if (!strcmp(out->id, id))
            return 1;
    }
    return 0;
}

/* Runs every case on one rule set; returns cases hit, fills the digest. */
static size_t run_cases(tn_ruleset *rs, cases *cs, rl_events *evs, FILE *out, uint64_t *sig,
                        uint64_t *nmatch, double *secs)
{
    tn_scanner *sc = tn_scanner_new(rs);
    size_t hits = 0;
    hit_ctx all = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < cs->n; i++) {
        rcase *c = &cs->c[i];
        hit_ctx h = {.want = c->rule_id};
        for (size_t e = c->first; e < c->first + c->n; e++)
            tn_scanner_match(sc, &evs->ev[e], on_hit, &h);
        hits += h.hit;
        all.sig = all.sig * 31 + h.sig;
        all.n += h.n;
        if (out && !h.hit) {
            tn_rule_info ri;
            int known = find_rule(rs, c->rule_id, &ri);
            fprintf(out, "MISS %s %s (%zu events) %s\n", c->rule_id,
                    known ? ri.title : "(rule not loaded)", c->n, c->json);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    *sig = all.sig;
    *nmatch = all.n;
    tn_scanner_free(sc);
    return hits;
}

typedef struct thread_job {
    tn_ruleset *rs;
    rl_events *evs;
    uint64_t sig, n;
} thread_job;

static int on_any(const tn_rule_info *r, const tn_event *ev, void *ctx)
{
    thread_job *j = ctx;
    (void)ev;
    j->sig = j->sig * 1000003u + r->index + 1;
    j->n++;
    return 0;
}

static void *thread_scan(void *arg)
{
    thread_job *j = arg;
    tn_scanner *sc = tn_scanner_new(j->rs);
    for (int round = 0; sc && round < 3; round++)
        for (size_t i = 0; i < j->evs->n; i++)
            tn_scanner_match(sc, &j->evs->ev[i], on_any, j);
    tn_scanner_free(sc);
    return NULL;
}

/* One rule set, several threads, each with its own scanner: every thread
 * must see exactly what a single thread sees. */
static void check_threads(tn_ruleset *rs, rl_events *evs)
{
    thread_job one = {rs, evs, 0, 0}, jobs[3];
    thread_scan(&one);
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        jobs[i] = (thread_job){rs, evs, 0, 0};
        pthread_create(&t[i], NULL, thread_scan, &jobs[i]);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        CHECK(jobs[i].sig == one.sig);
        CHECK_INT(jobs[i].n, one.n);
    }
}

TN_TEST(test_sigma_regression_data)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/sigma/regression_data", corpus());
    cases cs = {0};
    walk(&cs, dir);
    if (cs.n == 0) {
        printf("  regression data not found under %s: skipped\n", dir);
        return;
    }
    qsort(cs.c, cs.n, sizeof(*cs.c), cmp_case);
    tn_arena a;
    tn_arena_init(&a, 1 << 20);
    rl_events evs = {0};
    for (size_t i = 0; i < cs.n; i++) {
        cs.c[i].first = evs.n;
        long k = rl_load_file(&evs, &a, cs.c[i].json);
        cs.c[i].n = k > 0 ? (size_t)k : 0;
    }
    tn_ruleset *with = load_all(0), *without = load_all(1);
    CHECK(with && without);
    FILE *out = fopen("build/sigma-regression.txt", "w");
    uint64_t sig1, sig2, n1, n2;
    double s1, s2;
    size_t hits = run_cases(with, &cs, &evs, out, &sig1, &n1, &s1);
    size_t hits2 = run_cases(without, &cs, &evs, NULL, &sig2, &n2, &s2);
    printf("  regression: %zu of %zu cases fire their rule (%.1f%%), %zu events, %u rules\n", hits,
           cs.n, 100.0 * (double)hits / (double)cs.n, evs.n, tn_ruleset_count(with));
    printf("  prefilter: %llu matches in %.3fs; without: %llu matches in %.3fs\n",
           (unsigned long long)n1, s1, (unsigned long long)n2, s2);
    if (out) {
        fprintf(out, "%zu of %zu cases hit; %zu events; prefilter %.3fs, none %.3fs\n", hits, cs.n,
                evs.n, s1, s2);
        fclose(out);
    }
    CHECK_INT(hits, hits2);
    CHECK(sig1 == sig2);          /* the prefilter never changes results */
    CHECK_INT(n1, n2);
    CHECK(hits * 100 >= cs.n * 90);
    check_threads(with, &evs);
    tn_ruleset_free(with);
    tn_ruleset_free(without);
    rl_free(&evs);
    tn_arena_free(&a);
    tn_free(cs.c);
}
