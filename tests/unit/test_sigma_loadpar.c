/* test_sigma_loadpar.c - loading rule files on several threads gives what
 * loading them on one gives: the same rules in the same order, and the
 * same rejections and warnings in the same order (sigma/loader.c), and
 * the same index and prefilter (sigma/atoms.c builds part of them on
 * threads). */
#include "tn_test.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "sigma/ruleset_impl.h"
#include "sigma/sigma.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define RULE_HEAD "title: %s\nid: %s\nlogsource:\n  product: windows\n  category: process_creation\n"

static void put(const char *dir, const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* A good rule whose title and id say which file it came from. */
static void put_rule(const char *dir, const char *name, int k)
{
    char t[1024], title[32], id[64];
    snprintf(title, sizeof(title), "rule %d", k);
    snprintf(id, sizeof(id), "00000000-0000-0000-0000-%012d", k);
    int n = snprintf(t, sizeof(t), RULE_HEAD, title, id);
    snprintf(t + n, sizeof(t) - (size_t)n,
             "detection:\n  sel:\n    CommandLine|contains: 'x%dy'\n    Image|re: 'a%d+b'\n"
             "  condition: sel\n", k, k);
    put(dir, name, t);
}

/* A folder of good and bad files, in an order the walk must keep. */
static void make_tree(char *dir)
{
    CHECK(mkdtemp(dir) != NULL);
    char sub[600];
    snprintf(sub, sizeof(sub), "%s/b_sub", dir);
    CHECK(mkdir(sub, 0700) == 0);
    for (int k = 0; k < 24; k++) {
        char name[32];
        snprintf(name, sizeof(name), "r%02d.yml", k);
        put_rule(k % 3 ? dir : sub, name, k);
    }
    put(dir, "a_badyaml.yml", "title: x\ndetection: [a, b\n");
    put(dir, "c_notitle.yaml", "logsource:\n  product: windows\ndetection:\n  s: {A: 1}\n"
                               "  condition: s\n");
    put(sub, "m_modifier.yml", "title: m\nlogsource:\n  product: windows\ndetection:\n"
                               "  s:\n    A|conatins: 1\n  condition: s\n");
    put(dir, "p_placeholder.yml", "title: p\nlogsource:\n  product: windows\ndetection:\n"
                                  "  s:\n    User|expand: '%Nobody%'\n  condition: s\n");
    put(dir, "q_multi.yml", "title: q1\nlogsource:\n  product: windows\ndetection:\n"
                            "  s: {A: 1}\n  condition: s\n---\ntitle: q2\nlogsource: {}\n---\n"
                            "title: q3\nid: q3\nlogsource:\n  product: windows\ndetection:\n"
                            "  s: {B: 2}\n  condition: s\n");
    put(dir, "s_filter.yml", "title: f\nlogsource:\n  product: windows\nfilter:\n"
                             "  rules: [q3]\n  s: {C: 3}\n  condition: not s\n");
    put(dir, "t_corr.yml", "title: c\ncorrelation:\n  type: event_count\n  rules: [q3]\n"
                           "  group-by: [Computer]\n  timespan: 5m\n  condition:\n    gte: 2\n"
                           "---\ntitle: c2\ncorrelation:\n  type: event_count\n  rules: [nope]\n"
                           "  group-by: [Computer]\n  timespan: 5m\n  condition:\n    gte: 2\n");
    put(dir, "z_notyaml.txt", "not: [loaded\n");
}

static void rm_tree(const char *dir)
{
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static void on_note(void *ctx, const char *file, uint32_t line, uint32_t col, const char *why)
{
    tn_buf_printf(ctx, "note %s:%u:%u: %s\n", file, line, col, why);
}

/* Everything loading shows, as text: reports in order, then each rule
 * and correlation with its index. */
static int transcript(const char *const *paths, size_t n, int threads, tn_buf *out)
{
    tn_rule_opts o = {.data_dir = "data", .placeholders = "tests/data/sigma/placeholders.yml",
                      .threads = threads, .on_reject = on_note, .on_warn = on_note, .ctx = out};
    tn_ruleset *rs = NULL;
    int rc = tn_ruleset_load(paths, n, &o, NULL, &rs);
    for (uint32_t i = 0; rs && i < tn_ruleset_count(rs); i++) {
        tn_rule_info ri;
        tn_ruleset_info(rs, i, &ri);
        tn_buf_printf(out, "rule %u %s %s %s:%u\n", ri.index, ri.id, ri.title, ri.file, ri.line);
    }
    for (uint32_t i = 0; rs && i < tn_ruleset_ncorrelations(rs); i++) {
        tn_rule_info ri;
        tn_ruleset_corr_info(rs, i, &ri);
        tn_buf_printf(out, "corr %u %s %s:%u\n", ri.index, ri.title, ri.file, ri.line);
    }
    tn_ruleset_free(rs);
    return rc;
}

TN_TEST(test_load_threads_same_result)
{
    char dir[] = "/tmp/tansa-loadpar-XXXXXX";
    make_tree(dir);
    char sub[600], missing[600];
    snprintf(sub, sizeof(sub), "%s/b_sub/r00.yml", dir);
    snprintf(missing, sizeof(missing), "%s/missing.yml", dir);
    const char *paths[] = {dir, missing, sub};
    tn_buf one;
    tn_buf_init(&one);
    CHECK_INT(transcript(paths, 3, 1, &one), TN_RS_OK);
    tn_buf_putc(&one, 0);
    /* what the serial loader gave: spot checks */
    CHECK(strstr(one.data, "a_badyaml.yml:3:1: YAML") != NULL);
    CHECK(strstr(one.data, "missing.yml:0:0: No such file") != NULL);
    CHECK(strstr(one.data, "placeholder %Nobody% has no value") != NULL);
    CHECK(strstr(one.data, "unknown rule 'nope'") != NULL);
    /* b_sub/r00.yml, given again after its folder, is not loaded twice
     * (it was: rule 27, each of its detections twice) */
    CHECK(strstr(one.data, "rule 26 ") != NULL && strstr(one.data, "rule 27 ") == NULL);
    CHECK(strstr(one.data, "b_sub/r00.yml:0:0: read already (the same file or folder reached again: given "
                           "twice, inside a folder given too, or a link); skipped") != NULL);
    CHECK(strstr(one.data, "z_notyaml") == NULL);
    CHECK(strstr(one.data, "corr 0 c ") != NULL);
    for (int t = 2; t <= 8; t *= 2) {
        for (int round = 0; round < 4; round++) {
            tn_buf many;
            tn_buf_init(&many);
            CHECK_INT(transcript(paths, 3, t, &many), TN_RS_OK);
            tn_buf_putc(&many, 0);
            CHECK_STR(many.data, one.data);
            tn_buf_free(&many);
        }
    }
    tn_buf_free(&one);
    rm_tree(dir);
}

/* More threads than files, and no file at all. */
TN_TEST(test_load_threads_few_files)
{
    char dir[] = "/tmp/tansa-loadpar-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    const char *paths[] = {dir};
    tn_buf a, b;
    tn_buf_init(&a);
    tn_buf_init(&b);
    CHECK_INT(transcript(paths, 1, 8, &a), TN_RS_OK);
    CHECK_INT(a.len, 0);
    put_rule(dir, "one.yml", 1);
    CHECK_INT(transcript(paths, 1, 1, &a), TN_RS_OK);
    CHECK_INT(transcript(paths, 1, 8, &b), TN_RS_OK);
    CHECK(a.len > 0 && a.len == b.len && !memcmp(a.data, b.data, a.len));
    tn_buf_free(&a);
    tn_buf_free(&b);
    rm_tree(dir);
}

/* Every allocation may fail while threads load: no crash, no leak, and
 * either an error or the full result. */
TN_TEST(test_load_threads_allocation_failures)
{
    char dir[] = "/tmp/tansa-loadpar-XXXXXX";
    make_tree(dir);
    const char *paths[] = {dir};
    tn_buf want;
    tn_buf_init(&want);
    CHECK_INT(transcript(paths, 1, 1, &want), TN_RS_OK);
    int clean = 0;
    long n = 0;
    for (; n < 20000 && clean < 20; n += 1 + n / 64) {
        tn_buf got;
        tn_buf_init(&got);
        tn_alloc_fail_after(n);
        int rc = transcript(paths, 1, 3, &got);
        tn_alloc_fail_after(-1);
        CHECK(rc == TN_RS_OK || rc == TN_RS_ENOMEM || rc == TN_RS_ECONFIG);  /* config: OOM too */
        clean = rc == TN_RS_OK && got.len == want.len && !memcmp(got.data, want.data, got.len)
                    ? clean + 1 : 0;
        tn_buf_free(&got);
    }
    CHECK(clean >= 20);
    printf("  allocation failure injected up to allocation %ld\n", n);
    tn_buf_free(&want);
    rm_tree(dir);
}

/* Enough rules for the prefilter's threads to share them (chunks of 64)
 * and enough index slots (EventIDs of the Security log) for the scan
 * sets' threads, with ORs, ANDs, |all, regexes, keywords and several
 * logsources. */
static void make_many(char *dir)
{
    static const char *cats[] = {"process_creation", "network_connection", "registry_set",
                                 "file_event", "dns_query"};
    CHECK(mkdtemp(dir) != NULL);
    for (int k = 0; k < 400; k++) {
        char t[2048], name[32], eid[32] = "";
        if (k % 2)   /* Security-log rules, one EventID each: many index slots */
            snprintf(eid, sizeof(eid), "    EventID: %d\n", 4000 + k % 150);
        int n = snprintf(t, sizeof(t),
                         "title: m%d\nlogsource:\n  product: windows\n  %s: %s\n"
                         "detection:\n  a:\n%s    CommandLine|contains:\n"
                         "      - 'alpha%d'\n      - 'beta%d'\n"
                         "  b:\n    Image|endswith: '\\\\tool%d.exe'\n",
                         k, k % 2 ? "service" : "category", k % 2 ? "security" : cats[k % 5],
                         eid, k, k % 37, k % 11);
        if (k % 3 == 0)
            n += snprintf(t + n, sizeof(t) - (size_t)n,
                          "  c:\n    CommandLine|contains|all: ['gamma%d', 'delta']\n"
                          "  condition: (a and b) or (a and c)\n", k % 7);
        else if (k % 3 == 1)
            n += snprintf(t + n, sizeof(t) - (size_t)n,
                          "  c:\n    CommandLine|re: 'epsilon%d[0-9]+x'\n"
                          "  condition: a and (b or not c)\n", k);
        else
            n += snprintf(t + n, sizeof(t) - (size_t)n,
                          "  kw:\n    - 'zeta%d'\n  condition: a and 1 of them\n", k % 13);
        snprintf(name, sizeof(name), "m%03d.yml", k);
        put(dir, name, t);
    }
}

/* The index (built beside the literals' first pass on two threads or
 * more, atoms.c): the same slots, candidates and always list. */
static int same_index(const tn_ruleset *a, const tn_ruleset *b)
{
    const tn_index *x = &a->idx, *y = &b->idx;
    if (!x->tab || !y->tab || x->mask != y->mask || x->ncands != y->ncands ||
        x->nalways != y->nalways ||
        memcmp(x->cands, y->cands, x->ncands * sizeof(*x->cands)) ||
        (x->nalways && memcmp(x->always, y->always, x->nalways * sizeof(*x->always))))
        return 0;
    for (uint32_t s = 0; s <= x->mask; s++) {
        const tn_bucket *p = &x->tab[s], *q = &y->tab[s];
        if (!p->chan != !q->chan || p->eid != q->eid || p->start != q->start || p->n != q->n ||
            (p->chan && (p->chan_len != q->chan_len || memcmp(p->chan, q->chan, p->chan_len))))
            return 0;
    }
    return 1;
}

static int same_atoms(const tn_ruleset *a, const tn_ruleset *b)
{
    if (!same_index(a, b))
        return 0;
    const tn_atoms *x = &a->atoms, *y = &b->atoms;
    uint32_t nslots = a->idx.tab ? a->idx.mask + 1 : 0;
    if (a->nrules != b->nrules || x->nids != y->nids || x->nlits != y->nlits ||
        x->ndbs != y->ndbs || !x->nids || x->nscansets != nslots + 1 || y->nscansets != nslots + 1 ||
        memcmp(x->gated, y->gated, a->nrules) ||
        memcmp(x->start, y->start, (x->nids + 1) * sizeof(*x->start)) ||
        memcmp(x->rules_of, y->rules_of, x->start[x->nids] * sizeof(*x->rules_of)))
        return 0;
    for (uint32_t i = 0; i < x->ndbs; i++) {
        const tn_dbtab *p = &x->tabs[i], *q = &y->tabs[i];
        if (p->n != q->n || memcmp(p->lit, q->lit, p->n * sizeof(*p->lit)) ||
            memcmp(p->start, q->start, (p->n + 1) * sizeof(*p->start)) ||
            memcmp(p->rules, q->rules, p->start[p->n] * sizeof(*p->rules)))
            return 0;
    }
    for (uint32_t s = 0; s <= nslots; s++) {
        const tn_scanset *p = &x->scansets[s], *q = &y->scansets[s];
        if (memcmp(p->bloom, q->bloom, sizeof(p->bloom)) || p->sys != q->sys || p->all != q->all ||
            p->ntr != q->ntr || p->db != q->db || p->nheavy != q->nheavy || p->npre != q->npre ||
            (p->npre && memcmp(p->pre, q->pre, p->npre * sizeof(*p->pre))))
            return 0;
        for (uint32_t h = 0; h < p->nheavy; h++)
            if (p->heavy[h].len != q->heavy[h].len || p->heavy[h].db != q->heavy[h].db ||
                memcmp(p->heavy[h].name, q->heavy[h].name, p->heavy[h].len))
                return 0;
    }
    for (uint32_t r = 0; r < a->nrules; r++)
        for (uint32_t s = 0; s < a->rules[r]->nsearches; s++)
            for (uint32_t i = 0; i < a->rules[r]->searches[s].nitems; i++) {
                const tn_item *p = &a->rules[r]->searches[s].items[i];
                const tn_item *q = &b->rules[r]->searches[s].items[i];
                for (uint32_t v = 0; v < p->nvalues; v++)
                    if (p->values[v].lit != q->values[v].lit)
                        return 0;
            }
    return 1;
}

TN_TEST(test_prefilter_threads_same_result)
{
    char dir[] = "/tmp/tansa-loadpar-XXXXXX";
    make_many(dir);
    const char *paths[] = {dir};
    tn_ruleset *one = NULL;
    tn_rule_opts o = {.data_dir = "data", .threads = 1, .on_reject = on_note, .ctx = NULL};
    tn_buf notes;
    tn_buf_init(&notes);
    o.ctx = &notes;
    CHECK_INT(tn_ruleset_load(paths, 1, &o, NULL, &one), TN_RS_OK);
    CHECK_INT(notes.len, 0);
    CHECK_INT(tn_ruleset_count(one), 400);
    CHECK(one && one->idx.mask + 1 >= 64);   /* scan sets too are built on threads */
    for (int t = 2; one && t <= 8; t *= 2) {
        tn_ruleset *many = NULL;
        o.threads = t;
        CHECK_INT(tn_ruleset_load(paths, 1, &o, NULL, &many), TN_RS_OK);
        CHECK(many && same_atoms(one, many));
        tn_ruleset_free(many);
    }
    tn_ruleset_free(one);
    tn_buf_free(&notes);
    rm_tree(dir);
}
