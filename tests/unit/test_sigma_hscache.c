/* test_sigma_hscache.c - the on-disk cache of compiled literal databases:
 * a second load uses it and matches the same; a damaged, foreign or
 * disabled cache costs a compile, never a wrong answer. */
#include "tn_test.h"

#include "base/buf.h"
#include "sigma/hscache.h"
#include "sigma/ruleset_impl.h"
#include "sigma_helpers.h"

#include <dirent.h>
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
