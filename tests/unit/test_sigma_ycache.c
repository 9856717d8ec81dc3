/* test_sigma_ycache.c - the on-disk cache of parsed YAML trees: every
 * SigmaHQ rule file's trees survive encoding node for node; a changed
 * file misses; a damaged, truncated or disabled cache costs a parse,
 * never a crash or a different tree; loading through the cache gives the
 * same rules and the same rejections. Also replays
 * tests/fuzz-regress/ycache. */
#include "tn_test.h"

#include "../../fuzz/fuzz_ycache_input.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "sigma/ycache.h"
#include "sigma_helpers.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* 1 when the trees at x and y are equal node for node. */
static int same_node(const tn_ynode *x, const tn_ynode *y, int depth)
{
    for (; x && y; x = x->next, y = y->next) {
        if (depth > 200 || x->kind != y->kind || x->len != y->len || x->plain != y->plain ||
            x->line != y->line || x->col != y->col || x->count != y->count ||
            memcmp(x->str, y->str, x->len + 1) || !x->child != !y->child || !x->val != !y->val)
            return 0;
        if ((x->child && !same_node(x->child, y->child, depth + 1)) ||
            (x->val && !same_node(x->val, y->val, depth + 1)))
            return 0;
        if (depth == 0)   /* a root's siblings are not its document's */
            return 1;
    }
    return !x && !y;
}

static int same_stream(const tn_ystream *x, const tn_ystream *y)
{
    if (x->ndocs != y->ndocs)
        return 0;
    for (size_t i = 0; i < x->ndocs; i++)
        if (!same_node(x->docs[i], y->docs[i], 0))
            return 0;
    return 1;
}

/* Parses text and round-trips it through an entry. Returns 1 when equal
 * after decoding, 0 when not cacheable (or the parse failed), -1 when the
 * trees differ. */
static int round_trip(const char *text, size_t len)
{
    tn_arena a, b;
    tn_ystream st, back;
    char err[256];
    uint32_t line, col;
    tn_buf enc = {0};
    int rc = 0;
    tn_arena_init(&a, 4096);
    tn_arena_init(&b, 4096);
    if (!tn_yaml_parse(text, len, &a, &st, err, sizeof(err), &line, &col) &&
        !tn_ytree_encode(&st, len, &enc))
        rc = !tn_ytree_decode(enc.data, enc.len, &b, &back) && same_stream(&st, &back) ? 1 : -1;
    tn_buf_free(&enc);
    tn_arena_free(&a);
    tn_arena_free(&b);
    return rc;
}

static struct {
    long files, same, uncached, differ;
} walk_counts;

static int on_rule_file(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb, (void)ftw;
    size_t n = strlen(path);
    if (type != FTW_F || n < 4 || (strcmp(path + n - 4, ".yml") && strcmp(path + n - 5, ".yaml")))
        return 0;
    char *text;
    size_t len;
    if (tn_file_read(path, 16u << 20, &text, &len))
        return 0;
    int rc = round_trip(text, len);
    walk_counts.files++;
    if (rc == 1) {
        walk_counts.same++;
    } else if (rc == 0) {
        walk_counts.uncached++;
    } else {
        walk_counts.differ++;
        fprintf(stderr, "  trees differ after the cache: %s\n", path);
    }
    tn_free(text);
    return 0;
}

TN_TEST(test_sigma_ycache_every_sigmahq_rule_round_trips)
{
    const char *corpus = getenv("CORPUS") ? getenv("CORPUS") : "../shared/corpus";
    const char *sets[] = {"rules", "rules-emerging-threats", "rules-threat-hunting",
                          "rules-placeholder", "rules-compliance", "rules-dfir"};
    char dir[1024];
    memset(&walk_counts, 0, sizeof(walk_counts));
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        snprintf(dir, sizeof(dir), "%s/sigma/%s", corpus, sets[i]);
        nftw(dir, on_rule_file, 16, FTW_PHYS);
    }
    CHECK(walk_counts.files >= 3780);   /* SigmaHQ's, all of them */
    CHECK_INT(walk_counts.same, walk_counts.files);
    CHECK_INT(walk_counts.differ, 0);
}

TN_TEST(test_sigma_ycache_yaml_shapes_round_trip)
{
    const char *ok[] = {
        "",                                           /* no document */
        "---\n...\n",                                 /* one empty document */
        "a: 1\n---\nb: [x, 'y', \"z\\0w\"]\n---\n",   /* several, a NUL byte */
        "? [a, b]\n: {c: d}\n? e\n",                  /* complex keys, a missing value */
        "x: &a {k: [1, 2]}\ny: *a\nz: [*a, *a]\n",    /* aliases: shared subtrees */
        "s: &s plain text\nt: *s\n",
        "l: |\n  line one\n  line two\nf: >-\n  folded\n  text\n",
        "- - - - - - - - - deep\n",
        "{}\n",
        "[]\n",
        "k: ~\nn: null\ne:\nq: ''\n",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        int rc = round_trip(ok[i], strlen(ok[i]));
        if (rc != 1)
            fprintf(stderr, "  case %zu: %d\n", i, rc);
        CHECK_INT(rc, 1);
    }
    /* an alias inside its own anchor makes a cycle: refused, not followed */
    CHECK_INT(round_trip("&a [x, *a]\n", 11), 0);
    CHECK_INT(round_trip("&a {k: *a}\n", 11), 0);
    /* expansion past twice the text's nodes: not cached */
    const char *laughs = "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
                         "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c]\n";
    CHECK_INT(round_trip(laughs, strlen(laughs)), 0);
    /* 64 nested collections parse and are cached; one more fails to parse */
    char deep[200];
    memset(deep, '[', 64);
    memset(deep + 64, ']', 64);
    deep[128] = 0;
    CHECK_INT(round_trip(deep, 128), 1);
}

/* A cache holding the trees of texts[0..n), written to path. */
static void write_cache(const char *path, const char **texts, int n)
{
    tn_ycache *c = tn_ycache_open_file(path);
    tn_arena a;
    tn_arena_init(&a, 4096);
    for (int i = 0; i < n; i++) {
        tn_ystream st;
        tn_ykey k;
        char err[256];
        uint32_t line, col;
        tn_ykey_of(texts[i], strlen(texts[i]), &k);
        if (!tn_yaml_parse(texts[i], strlen(texts[i]), &a, &st, err, sizeof(err), &line, &col))
            tn_ycache_put(c, &k, &st);
    }
    tn_ycache_close(c);
    tn_arena_free(&a);
}

/* 1: hit with the parsed trees, 0: miss, -1: a hit with other trees. */
static int lookup(tn_ycache *c, const char *text)
{
    tn_arena a, b;
    tn_ystream st, want;
    tn_ykey k;
    char err[256];
    uint32_t line, col;
    tn_arena_init(&a, 4096);
    tn_arena_init(&b, 4096);
    tn_ykey_of(text, strlen(text), &k);
    int rc = 0;
    if (!tn_ycache_get(c, &k, &a, &st))
        rc = !tn_yaml_parse(text, strlen(text), &b, &want, err, sizeof(err), &line, &col) &&
                     same_stream(&st, &want) ? 1 : -1;
    tn_arena_free(&a);
    tn_arena_free(&b);
    return rc;
}

static const char *rule_a = "title: a\nid: 1\ndetection:\n  sel:\n    Image|endswith: '\\cmd.exe'\n"
                            "  condition: sel\n";
static const char *rule_b = "title: b\nlist: [1, 2, 3]\nmap: {x: y}\n";

TN_TEST(test_sigma_ycache_store_changed_damaged_truncated)
{
    char dir[] = "/tmp/tansa-ycache-XXXXXX", path[256], cmd[300];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/sub/yaml-trees.tnyc", dir);   /* folder made on demand */
    const char *texts[] = {rule_a, rule_b};
    write_cache(path, texts, 2);

    tn_ycache *c = tn_ycache_open_file(path);
    CHECK_INT(lookup(c, rule_a), 1);
    CHECK_INT(lookup(c, rule_b), 1);
    /* a changed file (one byte, or one byte more) misses */
    char changed[256];
    snprintf(changed, sizeof(changed), "%s", rule_a);
    changed[7] = 'A';
    CHECK_INT(lookup(c, changed), 0);
    snprintf(changed, sizeof(changed), "%s ", rule_a);
    CHECK_INT(lookup(c, changed), 0);
    tn_ycache_free(c);

    /* every single bit flip of the file: a miss or the right trees */
    char *img;
    size_t len;
    CHECK_INT(tn_file_read(path, 1 << 20, &img, &len), 0);
    int unseen = 0, wrong = 0;
    for (size_t i = 0; i < len * 8; i++) {
        img[i / 8] ^= (char)(1 << (i % 8));
        c = tn_ycache_from_bytes(img, len);
        int hits = 0;
        for (int t = 0; t < 2; t++) {
            int r = lookup(c, texts[t]);
            hits += r == 1;
            wrong += r < 0;
        }
        unseen += hits == 2;   /* every bit is under a checksum */
        tn_ycache_free(c);
        img[i / 8] ^= (char)(1 << (i % 8));
    }
    CHECK_INT(wrong, 0);
    CHECK_INT(unseen, 0);
    /* every truncation: at most the other entry still usable, never wrong */
    wrong = 0;
    for (size_t n = 0; n < len; n++) {
        c = tn_ycache_from_bytes(img, n);
        for (int t = 0; t < 2; t++)
            wrong += lookup(c, texts[t]) != 0;
        tn_ycache_free(c);
    }
    CHECK_INT(wrong, 0);

    /* a rewrite keeps the old entries along with the new one */
    const char *more[] = {"title: c\n"};
    write_cache(path, more, 1);
    c = tn_ycache_open_file(path);
    CHECK_INT(lookup(c, rule_a), 1);
    CHECK_INT(lookup(c, rule_b), 1);
    CHECK_INT(lookup(c, "title: c\n"), 1);
    tn_ycache_free(c);

    /* a damaged file on disk: nothing served, and rewritten by the next
     * load that parses */
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f) {
        fseek(f, 60, SEEK_SET);
        fputc(0x5a ^ img[60], f);
        fclose(f);
    }
    c = tn_ycache_open_file(path);
    CHECK_INT(lookup(c, rule_a), 0);
    tn_ycache_free(c);
    write_cache(path, texts, 1);
    c = tn_ycache_open_file(path);
    CHECK_INT(lookup(c, rule_a), 1);
    tn_ycache_free(c);
    tn_free(img);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

static char rejects[2048];

static void on_reject(void *ctx, const char *file, uint32_t line, uint32_t col, const char *why)
{
    (void)ctx;
    size_t n = strlen(rejects);
    snprintf(rejects + n, sizeof(rejects) - n, "%s:%u:%u: %s\n", file, line, col, why);
}

/* Loads folder; the titles of its rules and the rejections, in order. */
static void load_folder(const char *folder, char *out, size_t size)
{
    const char *paths[] = {folder};
    tn_rule_opts o = {.data_dir = "data", .on_reject = on_reject, .threads = 2};
    tn_ruleset *rs = NULL;
    rejects[0] = 0;
    out[0] = 0;
    if (tn_ruleset_load(paths, 1, &o, NULL, &rs) != TN_RS_OK)
        return;
    size_t n = 0;
    for (uint32_t i = 0; i < tn_ruleset_count(rs) && n < size; i++) {
        tn_rule_info ri;
        tn_ruleset_info(rs, i, &ri);
        n += (size_t)snprintf(out + n, size - n, "%s@%s:%u;", ri.title, ri.file, ri.line);
    }
    if (n < size)
        snprintf(out + n, size - n, "|%s", rejects);
    tn_ruleset_free(rs);
}

static void put_file(const char *dir, const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Puts TANSA_CACHE back as it was (saved NULL: unset), frees saved and
 * removes the test's folder: system's status. */
static int restore_cache_env(char *saved, const char *dir)
{
    char cmd[300];
    if (saved) {
        setenv("TANSA_CACHE", saved, 1);
        free(saved);
    } else {
        unsetenv("TANSA_CACHE");
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd);
}

/* Loads rules with the cache in effect into warm, then with none into
 * off: 0 when both are the same and hold want. */
static int cached_then_off(const char *rules, const char *want, char *warm, char *off, size_t size)
{
    load_folder(rules, warm, size);
    setenv("TANSA_CACHE", "off", 1);
    load_folder(rules, off, size);
    return strstr(off, want) && !strcmp(warm, off) ? 0 : -1;
}

/* A test's folder from template dir, with rules/ made and cache/ named. */
static int make_test_dirs(char *dir, char *rules, char *cache, size_t size)
{
    if (!mkdtemp(dir))
        return -1;
    snprintf(rules, size, "%s/rules", dir);
    snprintf(cache, size, "%s/cache", dir);
    return mkdir(rules, 0700);
}

TN_TEST(test_sigma_ycache_loader_same_rules_and_errors)
{
    char dir[] = "/tmp/tansa-ycache-XXXXXX", rules[300], cache[300], trees[400];
    CHECK_INT(make_test_dirs(dir, rules, cache, sizeof(rules)), 0);
    snprintf(trees, sizeof(trees), "%s/yaml-trees.tnyc", cache);
    const char *good = "title: good one\nid: 33333333-3333-3333-3333-333333333333\nlevel: high\n"
                       "logsource:\n  product: windows\n  category: process_creation\n"
                       "detection:\n  sel:\n    Image|endswith: '\\cmd.exe'\n  condition: sel\n";
    put_file(rules, "a.yml", good);
    put_file(rules, "b.yml", "title: broken\ndetection: [unclosed\n");
    put_file(rules, "c.yml", "title: no detection\nlogsource:\n  product: windows\n");
    put_file(rules, "d.yml", "title: x\n---\ntitle: y\n");
    char *saved = getenv("TANSA_CACHE") ? strdup(getenv("TANSA_CACHE")) : NULL;

    static char off[8192], cold[8192], warm[8192];
    setenv("TANSA_CACHE", "off", 1);
    CHECK(tn_ycache_open() == NULL);
    load_folder(rules, off, sizeof(off));
    CHECK(strstr(off, "good one@") != NULL);
    CHECK(strstr(off, "b.yml:") != NULL);   /* the YAML error, with its position */

    setenv("TANSA_CACHE", cache, 1);
    load_folder(rules, cold, sizeof(cold));
    struct stat sb;
    CHECK_INT(stat(trees, &sb), 0);
    load_folder(rules, warm, sizeof(warm));
    CHECK_STR(cold, off);
    CHECK_STR(warm, off);
    /* a fully cached load does not rewrite the file */
    struct stat sb2;
    CHECK_INT(stat(trees, &sb2), 0);
    CHECK(sb2.st_mtim.tv_sec == sb.st_mtim.tv_sec && sb2.st_mtim.tv_nsec == sb.st_mtim.tv_nsec);

    /* the broken file was not cached: three files' trees only */
    tn_ycache *c = tn_ycache_open();
    CHECK_INT(lookup(c, good), 1);
    CHECK_INT(lookup(c, "title: broken\ndetection: [unclosed\n"), 0);
    tn_ycache_free(c);

    /* an edited file is parsed again */
    put_file(rules, "a.yml", "title: good two\ndetection:\n  s: {a: 1}\n  condition: s\n"
                             "logsource:\n  product: windows\n");
    CHECK_INT(cached_then_off(rules, "good two@", warm, off, sizeof(warm)), 0);

    CHECK_INT(restore_cache_env(saved, dir), 0);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The scalar value of key k in the first document of st, or "". */
static const char *doc_value(const tn_ystream *st, const char *k)
{
    const tn_ynode *v = st->ndocs ? tn_ymap_get(st->docs[0], k) : NULL;
    return v && v->kind == TN_Y_SCALAR ? v->str : "";
}

/* The file index: a file recorded by its stat is found by that stat alone
 * (no text), and by nothing else: not by another size, mtime, ctime,
 * inode or device; not when it was changed within 2 s of the read (the
 * racy case); not when it failed to parse; not when the index is damaged
 * or the trees it names are gone. A load that records nothing does not
 * rewrite the index. */
TN_TEST(test_sigma_ycache_file_index)
{
    char dir[] = "/tmp/tansa-yfiles-XXXXXX", trees[300], files[320], cmd[300];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(trees, sizeof(trees), "%s/yaml-trees.tnyc", dir);
    snprintf(files, sizeof(files), "%s.files", trees);
    const char *rule = "title: indexed\ndetection:\n  s: {a: 1}\n  condition: s\n";
    const char *bad = "title: [unclosed\n";
    uint64_t len = strlen(rule), now = now_ns(), old = now - 10000000000ull,
             recent = now - 1000000000ull;
    tn_yfile f = {7, 11, len, old, old};
    tn_yfile racy_c = {7, 12, len, old, recent}, racy_m = {7, 13, len, recent, recent};
    tn_yfile broken = {7, 14, strlen(bad), old, old};
    tn_arena a;
    tn_arena_init(&a, 4096);
    tn_ystream st;
    char err[128];
    uint32_t line, col;
    tn_ycache *c = tn_ycache_open_file(trees);
    CHECK(c != NULL);
    CHECK_INT(tn_ycache_parse_file(c, &f, rule, len, &a, &st, err, sizeof(err), &line, &col), 0);
    CHECK_INT(tn_ycache_parse_file(c, &racy_c, rule, len, &a, &st, err, sizeof(err), &line, &col), 0);
    CHECK_INT(tn_ycache_parse_file(c, &racy_m, rule, len, &a, &st, err, sizeof(err), &line, &col), 0);
    CHECK_INT(tn_ycache_parse_file(c, &broken, bad, strlen(bad), &a, &st, err, sizeof(err), &line,
                                   &col), -1);
    tn_ycache_close(c);
    struct stat sb1, sb2;
    CHECK_INT(stat(files, &sb1), 0);

    c = tn_ycache_open_file(trees);
    CHECK_INT(tn_ycache_get_file(c, &f, &a, &st), 0);
    CHECK_STR(doc_value(&st, "title"), "indexed");
    CHECK_INT(tn_ycache_get_file(c, &racy_c, &a, &st), -1);
    CHECK_INT(tn_ycache_get_file(c, &racy_m, &a, &st), -1);
    CHECK_INT(tn_ycache_get_file(c, &broken, &a, &st), -1);
    tn_yfile g = f;
    g.size++;
    CHECK_INT(tn_ycache_get_file(c, &g, &a, &st), -1);
    g = f, g.mtime++;
    CHECK_INT(tn_ycache_get_file(c, &g, &a, &st), -1);
    g = f, g.ctime++;
    CHECK_INT(tn_ycache_get_file(c, &g, &a, &st), -1);
    g = f, g.ino++;
    CHECK_INT(tn_ycache_get_file(c, &g, &a, &st), -1);
    g = f, g.dev++;
    CHECK_INT(tn_ycache_get_file(c, &g, &a, &st), -1);
    tn_ycache_close(c);   /* nothing new: the index is not rewritten */
    CHECK_INT(stat(files, &sb2), 0);
    CHECK(sb2.st_ino == sb1.st_ino && sb2.st_mtim.tv_nsec == sb1.st_mtim.tv_nsec);

    /* replayed as a fuzz input (mode 3): must not fail */
    char *img;
    size_t n;
    CHECK_INT(tn_file_read(files, 1 << 20, &img, &n), 0);
    unsigned char *in = malloc(n + 1);
    in[0] = 3;
    memcpy(in + 1, img, n);
    CHECK_INT(fz_ycache_one(in, n + 1), 0);
    free(in);

    /* one byte of a record changed: the checksum refuses the whole index */
    img[n - 1] ^= 1;
    c = tn_ycache_open_file(trees);
    CHECK_INT(tn_ycache_files_from_bytes(c, img, n), 0);
    CHECK_INT(tn_ycache_get_file(c, &f, &a, &st), -1);
    img[n - 1] ^= 1;
    CHECK_INT(tn_ycache_files_from_bytes(c, img, n), 0);
    CHECK_INT(tn_ycache_get_file(c, &f, &a, &st), 0);
    tn_ycache_free(c);
    tn_free(img);

    /* the trees it names are gone: a miss, the file is read */
    CHECK_INT(unlink(trees), 0);
    c = tn_ycache_open_file(trees);
    CHECK_INT(tn_ycache_get_file(c, &f, &a, &st), -1);
    tn_ycache_free(c);

    tn_arena_free(&a);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

/* Through the loader: files older than 2 s are recorded by the first load
 * and not read by the second, which loads the same; then a file edited in
 * place to new text of the same size (so only its times tell) is read
 * again and its new rule loaded. */
TN_TEST(test_sigma_ycache_loader_file_index_edit)
{
    char dir[] = "/tmp/tansa-yfedit-XXXXXX", rules[300], cache[300], files[400];
    CHECK_INT(make_test_dirs(dir, rules, cache, sizeof(rules)), 0);
    snprintf(files, sizeof(files), "%s/yaml-trees.tnyc.files", cache);
    const char *one = "title: first rule\nlogsource:\n  product: windows\n"
                      "detection:\n  s: {a: 1}\n  condition: s\n";
    const char *two = "title: other rule\nlogsource:\n  product: windows\n"
                      "detection:\n  s: {b: 2}\n  condition: s\n";
    CHECK_INT((int)strlen(one), (int)strlen(two));
    put_file(rules, "a.yml", one);
    put_file(rules, "b.yml", "title: broken\ndetection: [unclosed\n");
    char *saved = getenv("TANSA_CACHE") ? strdup(getenv("TANSA_CACHE")) : NULL;
    static char off[8192], cold[8192], warm[8192];
    setenv("TANSA_CACHE", "off", 1);
    load_folder(rules, off, sizeof(off));
    CHECK(strstr(off, "first rule@") != NULL);
    sleep(3);   /* older than the racy window */
    setenv("TANSA_CACHE", cache, 1);
    load_folder(rules, cold, sizeof(cold));
    struct stat sb;
    CHECK_INT(stat(files, &sb), 0);   /* a.yml recorded (b.yml failed to parse) */
    tn_ycache *c = tn_ycache_open();
    char p[400];
    snprintf(p, sizeof(p), "%s/a.yml", rules);
    struct stat fs;
    tn_yfile f;
    tn_ystream st;
    tn_arena a;
    tn_arena_init(&a, 4096);
    CHECK_INT(stat(p, &fs), 0);
    CHECK_INT(tn_yfile_of(&fs, &f), 0);
    CHECK_INT(tn_ycache_get_file(c, &f, &a, &st), 0);
    CHECK_STR(doc_value(&st, "title"), "first rule");
    snprintf(p, sizeof(p), "%s/b.yml", rules);
    CHECK_INT(stat(p, &fs), 0);
    CHECK_INT(tn_yfile_of(&fs, &f), 0);
    CHECK_INT(tn_ycache_get_file(c, &f, &a, &st), -1);
    tn_ycache_free(c);
    tn_arena_free(&a);
    load_folder(rules, warm, sizeof(warm));
    CHECK_STR(cold, off);
    CHECK_STR(warm, off);

    /* edited in place: same inode, same size, new times */
    snprintf(p, sizeof(p), "%s/a.yml", rules);
    FILE *fp = fopen(p, "r+b");
    CHECK(fp != NULL);
    if (fp) {
        fputs(two, fp);
        fclose(fp);
    }
    CHECK_INT(cached_then_off(rules, "other rule@", warm, off, sizeof(warm)), 0);

    CHECK_INT(restore_cache_env(saved, dir), 0);
}

TN_TEST(test_sigma_ycache_fuzz_regression_inputs)
{
    DIR *d = opendir("tests/fuzz-regress/ycache");
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)) != NULL) {
        char p[600];
        char *buf;
        size_t len;
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "tests/fuzz-regress/ycache/%s", e->d_name);
        if (tn_file_read(p, 1 << 20, &buf, &len))
            continue;
        CHECK_INT(fz_ycache_one((const uint8_t *)buf, len), 0);
        tn_free(buf);
        n++;
    }
    if (d)
        closedir(d);
    CHECK(n > 0);
}
