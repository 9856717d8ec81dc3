/* test_sigma_hscache.c - the on-disk cache of compiled literal databases:
 * a second load uses it and matches the same; a damaged, foreign or
 * disabled cache costs a compile, never a wrong answer. */
#include "tn_test.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "sigma/hscache.h"
#include "sigma/ruleset_impl.h"
#include "sigma_helpers.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* A rule with n distinct contains literals ("needle0000w" ...), over the
 * 256 literals under which nothing is cached. */
static void big_rule(tn_buf *b, int n, const char *extra)
{
    tn_buf_puts(b, "title: big\nid: 22222222-2222-2222-2222-222222222222\nlevel: high\n"
                   "logsource:\n  product: windows\n  category: process_creation\n"
                   "detection:\n  sel:\n    CommandLine|contains:\n");
    char line[64];
    for (int i = 0; i < n; i++) {
        snprintf(line, sizeof(line), "      - 'needle%04dw%s'\n", i, extra);
        tn_buf_puts(b, line);
    }
    tn_buf_puts(b, "  condition: sel\n");
    tn_buf_putc(b, 0);
}

static int count_files(const char *dir, char *last, size_t size)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (!strncmp(e->d_name, "lits-", 5)) {
            n++;
            snprintf(last, size, "%s/%s", dir, e->d_name);
        }
    if (d)
        closedir(d);
    return n;
}

static int load_how(const char *yaml, int *matched, const tn_event *ev)
{
    tn_ruleset *rs = test_load(yaml, 0);
    if (!rs)
        return -1;
    int how = rs->atoms.ndbs ? rs->atoms.how : -1;
    tn_scanner *sc = tn_scanner_new(rs);
    *matched = tn_scanner_match(sc, ev, NULL, NULL);
    tn_scanner_free(sc);
    tn_ruleset_free(rs);
    return how;
}

TN_TEST(test_sigma_hscache_reuse_damage_and_off)
{
    char dir[] = "/tmp/tansa-hscache-XXXXXX", file[1024], sub[256];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(sub, sizeof(sub), "%s/nested/cache", dir);   /* created on demand */
    char *saved = getenv("TANSA_CACHE") ? strdup(getenv("TANSA_CACHE")) : NULL;
    setenv("TANSA_CACHE", sub, 1);

    tn_buf y = {0};
    big_rule(&y, 300, "");
    TEST_EVENT(hit, "Microsoft-Windows-Sysmon/Operational", 1, "CommandLine", "x NEEDLE0123W y");
    TEST_EVENT(miss, "Microsoft-Windows-Sysmon/Operational", 1, "CommandLine", "x needle0123 y");
    int m = -1;

    /* first load compiles and stores; second and third read the file */
    CHECK_INT(load_how(y.data, &m, &hit), TN_HSDB_COMPILED);
    CHECK_INT(m, 1);
    CHECK_INT(count_files(sub, file, sizeof(file)), 1);
    CHECK_INT(load_how(y.data, &m, &hit), TN_HSDB_CACHED);
    CHECK_INT(m, 1);
    CHECK_INT(load_how(y.data, &m, &miss), TN_HSDB_CACHED);
    CHECK_INT(m, 0);

    /* a different literal set gets its own file, never the other's */
    tn_buf y2 = {0};
    big_rule(&y2, 300, "z");
    CHECK_INT(load_how(y2.data, &m, &hit), TN_HSDB_COMPILED);
    CHECK_INT(m, 0);   /* needle0123w does not contain needle0123wz */
    CHECK_INT(count_files(sub, file, sizeof(file)), 2);

    /* damage: flip a byte near the end of each file; the load compiles
     * again (and rewrites the file), with the same answers */
    char name[1024];
    DIR *d = opendir(sub);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "lits-", 5))
            continue;
        snprintf(name, sizeof(name), "%s/%s", sub, e->d_name);
        FILE *f = fopen(name, "r+b");
        CHECK(f != NULL);
        if (!f)
            continue;
        fseek(f, -100, SEEK_END);
        int c = fgetc(f);
        fseek(f, -100, SEEK_END);
        fputc(c ^ 0x5A, f);
        fclose(f);
    }
    if (d)
        closedir(d);
    CHECK_INT(load_how(y.data, &m, &hit), TN_HSDB_COMPILED);
    CHECK_INT(m, 1);
    CHECK_INT(load_how(y.data, &m, &hit), TN_HSDB_CACHED);
    CHECK_INT(m, 1);

    /* truncated to its header: ignored */
    count_files(sub, file, sizeof(file));
    CHECK_INT(truncate(file, 20), 0);
    CHECK(load_how(y2.data, &m, &miss) >= 0);
    CHECK_INT(m, 0);

    /* below 256 literals nothing is written */
    tn_buf small = {0};
    big_rule(&small, 20, "s");
    int before = count_files(sub, file, sizeof(file));
    CHECK_INT(load_how(small.data, &m, &hit), TN_HSDB_COMPILED);
    CHECK_INT(count_files(sub, file, sizeof(file)), before);

    /* off: compiled every time, nothing written */
    setenv("TANSA_CACHE", "off", 1);
    char dbuf[64];
    CHECK(tn_hscache_dir(dbuf, sizeof(dbuf)) == NULL);
    tn_buf y3 = {0};
    big_rule(&y3, 300, "q");
    CHECK_INT(load_how(y3.data, &m, &hit), TN_HSDB_COMPILED);
    CHECK_INT(load_how(y3.data, &m, &hit), TN_HSDB_COMPILED);
    setenv("TANSA_CACHE", sub, 1);
    CHECK_INT(count_files(sub, file, sizeof(file)), before);

    if (saved) {
        setenv("TANSA_CACHE", saved, 1);
        free(saved);
    } else {
        unsetenv("TANSA_CACHE");
    }
    tn_buf_free(&y);
    tn_buf_free(&y2);
    tn_buf_free(&y3);
    tn_buf_free(&small);
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

/* Literals of set s (of NSETS, NLITS each) for tn_hscache_lit_dbs. */
enum { NSETS = 5, NLITS = 300 };
static char lit_text[NSETS][NLITS][32];
static const char *lit_ptr[NSETS][NLITS];
static size_t lit_len[NSETS][NLITS];
static unsigned lit_flag[NSETS][NLITS], lit_id[NSETS][NLITS];

static void make_sets(tn_hslits *sets)
{
    for (int s = 0; s < NSETS; s++) {
        for (int i = 0; i < NLITS; i++) {
            snprintf(lit_text[s][i], sizeof(lit_text[s][i]), "s%dlit%04d", s, i);
            lit_ptr[s][i] = lit_text[s][i];
            lit_len[s][i] = strlen(lit_text[s][i]);
            lit_flag[s][i] = HS_FLAG_CASELESS;
            lit_id[s][i] = (unsigned)i;
        }
        sets[s] = (tn_hslits){lit_ptr[s], lit_flag[s], lit_id[s], lit_len[s], NLITS};
    }
}

static int on_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
    (void)from, (void)to, (void)flags;
    *(int *)ctx = (int)id;
    return 0;
}

static void free_all(hs_database_t **dbs, int n)
{
    for (int i = 0; i < n; i++)
        if (dbs[i])
            hs_free_database(dbs[i]);
}

static int read_file(const char *dir, tn_buf *out)
{
    char path[1024];
    if (count_files(dir, path, sizeof(path)) != 1)
        return -1;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char b[65536];
    size_t n;
    while ((n = fread(b, 1, sizeof(b), f)) > 0)
        tn_buf_put(out, b, n);
    fclose(f);
    return 0;
}

/* Databases made on several threads (compiled, or read from the cache)
 * are the ones made on one: the same cache file byte for byte, each set
 * in its own database. A set that cannot compile fails the call, with
 * every database freed, on any number of threads. */
TN_TEST(test_sigma_hscache_threads)
{
    char dir[] = "/tmp/tansa-hscache-t-XXXXXX", one[512], three[512];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(one, sizeof(one), "%s/one", dir);
    snprintf(three, sizeof(three), "%s/three", dir);
    char *saved = getenv("TANSA_CACHE") ? strdup(getenv("TANSA_CACHE")) : NULL;
    tn_hslits sets[NSETS];
    make_sets(sets);
    hs_database_t *dbs[NSETS];
    int how = -1;
    void *mem = NULL;
    size_t mem_len = 0;
    setenv("TANSA_CACHE", one, 1);
    CHECK_INT(tn_hscache_lit_dbs(sets, NSETS, dbs, &how, 1, &mem, &mem_len), 0);
    CHECK_INT(how, TN_HSDB_COMPILED);
    CHECK(mem == NULL);   /* compiled: each database Vectorscan's own */
    free_all(dbs, NSETS);
    setenv("TANSA_CACHE", three, 1);
    CHECK_INT(tn_hscache_lit_dbs(sets, NSETS, dbs, &how, 3, &mem, &mem_len), 0);
    CHECK_INT(how, TN_HSDB_COMPILED);
    free_all(dbs, NSETS);
    tn_buf a = {0}, b = {0};
    CHECK_INT(read_file(one, &a), 0);
    CHECK_INT(read_file(three, &b), 0);
    CHECK(a.len > 0 && a.len == b.len && !memcmp(a.data, b.data, a.len));
    /* read back on four threads, into one region: each database finds its
     * own set only */
    CHECK_INT(tn_hscache_lit_dbs(sets, NSETS, dbs, &how, 4, &mem, &mem_len), 0);
    CHECK_INT(how, TN_HSDB_CACHED);
    CHECK(mem != NULL && mem_len > 0);
    for (int s = 0; mem && s < NSETS; s++)
        CHECK((char *)dbs[s] >= (char *)mem && (char *)dbs[s] < (char *)mem + mem_len &&
              ((uintptr_t)dbs[s] & 63) == 0);
    hs_scratch_t *scr = NULL;
    for (int s = 0; s < NSETS; s++)
        CHECK(dbs[s] != NULL && hs_alloc_scratch(dbs[s], &scr) == HS_SUCCESS);
    int bad = 0;
    for (int s = 0; scr && s < NSETS; s++)
        for (int t = 0; t < NSETS; t++) {
            char text[32];
            int got = -1;
            snprintf(text, sizeof(text), "x S%dLIT0123 y", t);
            hs_scan(dbs[s], text, (unsigned)strlen(text), 0, scr, on_hit, &got);
            bad += got != (s == t ? 123 : -1);
        }
    CHECK_INT(bad, 0);
    if (scr)
        hs_free_scratch(scr);
    tn_huge_free(mem, mem_len);
    /* an empty literal in the fourth set: no database at all */
    setenv("TANSA_CACHE", "off", 1);
    lit_len[3][7] = 0;
    for (int threads = 1; threads <= 3; threads += 2) {
        for (int s = 0; s < NSETS; s++)
            dbs[s] = (hs_database_t *)1;   /* must all be reset */
        CHECK_INT(tn_hscache_lit_dbs(sets, NSETS, dbs, &how, threads, &mem, &mem_len), -1);
        CHECK(mem == NULL);
        for (int s = 0; s < NSETS; s++)
            CHECK(dbs[s] == NULL);
    }
    lit_len[3][7] = strlen(lit_text[3][7]);
    if (saved) {
        setenv("TANSA_CACHE", saved, 1);
        free(saved);
    } else {
        unsetenv("TANSA_CACHE");
    }
    tn_buf_free(&a);
    tn_buf_free(&b);
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}
