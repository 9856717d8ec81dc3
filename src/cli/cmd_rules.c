/* cmd_rules.c - `tansa rules`: check Sigma rules and show where they apply.
 *
 *   tansa rules check [--format text|json] [--logsource-map FILE]... [--placeholders FILE] PATH...
 *   tansa rules sources [--logsource-map FILE]... PATH...
 *
 * check loads every rule under PATH, lists each unusable one as
 * "file:line:col: reason" and prints counts (loaded, rejected by reason,
 * loaded by logsource product). sources prints, per loaded rule, one JSON
 * line with the channels and EventIDs it is evaluated on. */
#include "cli.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/diag.h"
#include "sigma/sigma.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct reject {
    char *file, *reason;
    uint32_t line, col;
} reject;

typedef struct counter {
    char *key;
    uint32_t n;
} counter;

typedef struct check {
    int json;
    reject *rej;
    size_t nrej, caprej;
    reject *warn;          /* the warnings (reason: the warning) */
    size_t nwarn, capwarn;
    int oom;
} check;

static const char usage[] =
    "Usage: tansa rules check [--format text|json] [--logsource-map FILE]...\n"
    "                         [--placeholders FILE] PATH...\n"
    "       tansa rules sources [--logsource-map FILE]... PATH...\n\n"
    "check    load Sigma rules (files or folders, recursively) and report every\n"
    "         rule that cannot be used as FILE:LINE:COL: REASON, then counts\n"
    "sources  print the Windows channels and EventIDs each rule is evaluated on\n\n"
    "  --format text|json     output format of check (default text)\n"
    "  --logsource-map FILE   extra logsource map (see docs/logsources.md)\n"
    "  --placeholders FILE    values of expand's %placeholders% (instead of\n"
    "                         data/placeholders.yml)\n\n"
    "Environment: TANSA_DATA (folder of logsources.yml, placeholders.yml)\n\n"
    TN_EXIT_CODES_HELP;

/* Appends (file, line, col, why) to *v (count *n, capacity *cap). */
static void keep(check *c, reject **v, size_t *n, size_t *cap, const char *file, uint32_t line,
                 uint32_t col, const char *why)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        reject *nr = tn_realloc(*v, ncap * sizeof(*nr));
        if (!nr) {
            c->oom = 1;
            return;
        }
        *v = nr;
        *cap = ncap;
    }
    reject *r = &(*v)[*n];
    r->file = tn_strndup(file, strlen(file));
    r->reason = tn_strndup(why, strlen(why));
    if (!r->file || !r->reason) {
        tn_free(r->file);
        tn_free(r->reason);
        c->oom = 1;
        return;
    }
    r->line = line;
    r->col = col;
    (*n)++;
}

static void on_reject(void *ctx, const char *file, uint32_t line, uint32_t col, const char *why)
{
    check *c = ctx;
    keep(c, &c->rej, &c->nrej, &c->caprej, file, line, col, why);
}

/* A warning: on stderr as it comes, and kept for the counts and for
 * --format json, whose object lists them (they went to stderr only, and
 * a placeholder matched as '*' was invisible to a script: a review,
 * session 27). */
static void on_warn(void *ctx, const char *file, uint32_t line, uint32_t col, const char *why)
{
    check *c = ctx;
    keep(c, &c->warn, &c->nwarn, &c->capwarn, file, line, col, why);
    tn_put_safe(stderr, file);
    fprintf(stderr, ":%u:%u: warning: ", line, col);
    tn_put_safe(stderr, why);
    fputc('\n', stderr);
}

/* Adds one to key's count (keys are few: a linear list suffices). */
static int count(counter **cs, size_t *n, const char *key, size_t klen)
{
    for (size_t i = 0; i < *n; i++)
        if (strlen((*cs)[i].key) == klen && !memcmp((*cs)[i].key, key, klen)) {
            (*cs)[i].n++;
            return 0;
        }
    counter *nc = tn_realloc(*cs, (*n + 1) * sizeof(*nc));
    if (!nc)
        return -1;
    *cs = nc;
    nc[*n].key = tn_strndup(key, klen);
    nc[*n].n = 1;
    if (!nc[*n].key)
        return -1;
    (*n)++;
    return 0;
}

static void free_counts(counter *cs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tn_free(cs[i].key);
    tn_free(cs);
}

static int cmp_counter(const void *a, const void *b)
{
    const counter *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return strcmp(x->key, y->key);
}

/* The reason's class: its text up to the first quote or parenthesis. */
static size_t reason_class(const char *r)
{
    size_t n = strcspn(r, "'(");
    while (n && r[n - 1] == ' ')
        n--;
    return n ? n : strlen(r);
}

/* v[0..n) as JSON objects {"file", "line", "column", what}, comma-separated. */
static void put_places(tn_buf *b, const reject *v, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        tn_buf_puts(b, i ? ",\n  {\"file\": " : "\n  {\"file\": ");
        tn_buf_json_str(b, v[i].file, strlen(v[i].file));
        tn_buf_printf(b, ", \"line\": %u, \"column\": %u, \"%s\": ", v[i].line, v[i].col, what);
        tn_buf_json_str(b, v[i].reason, strlen(v[i].reason));
        tn_buf_putc(b, '}');
    }
}

static void print_json(const check *c, const tn_ruleset *rs, const counter *prod, size_t nprod)
{
    tn_buf b;
    tn_buf_init(&b);
    tn_buf_printf(&b, "{\"loaded\": %u, \"rejected\": [",
                  tn_ruleset_count(rs) + tn_ruleset_ncorrelations(rs));
    put_places(&b, c->rej, c->nrej, "reason");
    tn_buf_printf(&b, "],\n \"filters\": %u,\n \"warnings\": [", tn_ruleset_nfilters(rs));
    put_places(&b, c->warn, c->nwarn, "warning");
    tn_buf_puts(&b, "],\n \"by_product\": {");
    for (size_t i = 0; i < nprod; i++) {
        tn_buf_puts(&b, i ? ", " : "");
        tn_buf_json_str(&b, prod[i].key, strlen(prod[i].key));
        tn_buf_printf(&b, ": %u", prod[i].n);
    }
    tn_buf_puts(&b, "}}\n");
    tn_buf_write(&b, stdout);
    tn_buf_free(&b);
}

static int print_text(const check *c, const tn_ruleset *rs, counter *prod, size_t nprod)
{
    counter *why = NULL;
    size_t nwhy = 0;
    for (size_t i = 0; i < c->nrej; i++) {
        tn_put_safe(stdout, c->rej[i].file);
        printf(":%u:%u: ", c->rej[i].line, c->rej[i].col);
        tn_put_safe(stdout, c->rej[i].reason);
        putchar('\n');
        if (count(&why, &nwhy, c->rej[i].reason, reason_class(c->rej[i].reason))) {
            free_counts(why, nwhy);
            return -1;
        }
    }
    if (nwhy)
        qsort(why, nwhy, sizeof(*why), cmp_counter);
    printf("loaded: %u (%u correlations)\n", tn_ruleset_count(rs) + tn_ruleset_ncorrelations(rs),
           tn_ruleset_ncorrelations(rs));
    /* a filter that suppressed every match was loaded without a word (a
     * review, session 23) */
    if (tn_ruleset_nfilters(rs))
        printf("filters: %u (global filters: they suppress the matches of the rules they name)\n",
               tn_ruleset_nfilters(rs));
    if (c->nwarn)
        printf("warnings: %zu (on standard error)\n", c->nwarn);
    printf("rejected: %zu\n", c->nrej);
    for (size_t i = 0; i < nwhy; i++) {
        printf("  %6u  ", why[i].n);
        tn_put_safe(stdout, why[i].key);
        putchar('\n');
    }
    printf("by product:\n");
    for (size_t i = 0; i < nprod; i++) {
        printf("  %6u  ", prod[i].n);
        tn_put_safe(stdout, prod[i].key);
        putchar('\n');
    }
    free_counts(why, nwhy);
    return 0;
}

static int report(const check *c, const tn_ruleset *rs)
{
    counter *prod = NULL;
    size_t nprod = 0;
    for (uint32_t i = 0; i < tn_ruleset_count(rs); i++) {
        tn_rule_info ri;
        tn_ruleset_info(rs, i, &ri);
        const char *p = ri.product[0] ? ri.product : "(none)";
        if (count(&prod, &nprod, p, strlen(p))) {
            free_counts(prod, nprod);
            return -1;
        }
    }
    for (uint32_t i = 0; i < tn_ruleset_ncorrelations(rs); i++)
        if (count(&prod, &nprod, "(correlation)", 13)) {
            free_counts(prod, nprod);
            return -1;
        }
    if (nprod)
        qsort(prod, nprod, sizeof(*prod), cmp_counter);
    int rc = 0;
    if (c->json)
        print_json(c, rs, prod, nprod);
    else
        rc = print_text(c, rs, prod, nprod);
    free_counts(prod, nprod);
    return rc;
}

static void source_cb(void *ctx, const char *channel, uint32_t eid, int any_eid)
{
    tn_buf *b = ctx;
    if (b->len && b->data[b->len - 1] != '[')
        tn_buf_putc(b, ',');
    tn_buf_putc(b, '"');
    tn_buf_json_raw(b, channel, strlen(channel));
    if (any_eid)
        tn_buf_puts(b, ":*\"");
    else
        tn_buf_printf(b, ":%u\"", eid);
}

static void print_sources(const tn_ruleset *rs)
{
    tn_buf b;
    tn_buf_init(&b);
    for (uint32_t i = 0; i < tn_ruleset_count(rs); i++) {
        tn_rule_info ri;
        int any;
        tn_ruleset_info(rs, i, &ri);
        tn_buf_clear(&b);
        tn_buf_puts(&b, "{\"id\": ");
        tn_buf_json_str(&b, ri.id, strlen(ri.id));
        tn_buf_puts(&b, ", \"file\": ");
        tn_buf_json_str(&b, ri.file, strlen(ri.file));
        tn_buf_puts(&b, ", \"sources\": [");
        tn_ruleset_sources(rs, i, &any, source_cb, &b);
        tn_buf_printf(&b, "], \"any\": %s}\n", any ? "true" : "false");
        tn_buf_write(&b, stdout);
    }
    tn_buf_free(&b);
}

int tn_cmd_rules(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? TN_EXIT_USAGE : TN_EXIT_OK;
    }
    int sources = !strcmp(argv[1], "sources");
    if (!sources && strcmp(argv[1], "check"))
        return tn_usage_error("rules", "unknown action '%s' (check or sources)", argv[1]);
    check c;
    memset(&c, 0, sizeof(c));
    const char **maps = tn_calloc((size_t)argc, sizeof(*maps));
    const char **paths = tn_calloc((size_t)argc, sizeof(*paths));
    size_t nmaps = 0, npaths = 0;
    const char *placeholders = NULL;
    int rc = TN_EXIT_OK;
    if (!maps || !paths) {
        rc = TN_EXIT_INTERNAL;
        goto out;
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {   /* tansa rules check --help */
            fputs(usage, stdout);
            goto out;
        } else if (!strcmp(argv[i], "--format") && i + 1 < argc && !sources) {
            c.json = !strcmp(argv[++i], "json");
            if (!c.json && strcmp(argv[i], "text")) {
                rc = tn_usage_error("rules", "--format must be text or json");
                goto out;
            }
        } else if (!strcmp(argv[i], "--logsource-map") && i + 1 < argc) {
            maps[nmaps++] = argv[++i];
        } else if (!strcmp(argv[i], "--placeholders") && i + 1 < argc) {
            placeholders = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            rc = tn_usage_error("rules", "unknown option '%s'", argv[i]);
            goto out;
        } else {
            paths[npaths++] = argv[i];
        }
    }
    if (!npaths) {
        rc = tn_usage_error("rules", "no rule files or folders given");
        goto out;
    }
    for (size_t i = 0; i < npaths; i++) {   /* as hunt --rules (it was a rejected rule at 0:0, exit 3) */
        struct stat sb;
        if (stat(paths[i], &sb) != 0) {
            rc = tn_usage_error("rules", "cannot read '%s': %s", paths[i], strerror(errno));
            goto out;
        }
    }
    tn_diag d = {0};
    /* no matching here: skip building the prefilter; files load on every CPU */
    tn_rule_opts o = {.logsource_maps = maps, .nlogsource_maps = nmaps, .placeholders = placeholders,
                      .on_reject = on_reject,
                      .no_prefilter = 1, .threads = (int)sysconf(_SC_NPROCESSORS_ONLN),
                      .on_warn = sources ? NULL : on_warn, .ctx = &c};
    tn_ruleset *rs;
    int st = tn_ruleset_load(paths, npaths, &o, &d, &rs);
    if (st != TN_RS_OK) {
        if (st == TN_RS_ENOMEM)
            fprintf(stderr, "tansa rules: out of memory\n");
        rc = st == TN_RS_ENOMEM ? TN_EXIT_INTERNAL : TN_EXIT_USAGE;
        goto out;
    }
    if (sources) {
        print_sources(rs);
        /* what could not be loaded, on stderr (stdout is JSON): a missing
         * path or a rejected rule was silent, only the exit code told (a
         * review, session 23) */
        for (size_t i = 0; i < c.nrej; i++) {
            tn_put_safe(stderr, c.rej[i].file);
            fprintf(stderr, ":%u:%u: ", c.rej[i].line, c.rej[i].col);
            tn_put_safe(stderr, c.rej[i].reason);
            fputc('\n', stderr);
        }
    } else if (report(&c, rs) || c.oom)
        rc = TN_EXIT_INTERNAL;
    if (rc == TN_EXIT_OK && c.nrej)
        rc = tn_ruleset_count(rs) ? TN_EXIT_PARTIAL : TN_EXIT_NOINPUT;
    if (rc == TN_EXIT_OK && !c.nrej && !tn_ruleset_count(rs) && !tn_ruleset_ncorrelations(rs) &&
        !tn_ruleset_nfilters(rs)) {   /* a file of global filters alone is checked (it was exit 3) */
        /* nothing was checked: a folder without rules is no success */
        fprintf(stderr, "tansa rules: no rule (.yml, .yaml) in the paths given\n");
        rc = TN_EXIT_NOINPUT;
    }
    if (fflush(stdout) || ferror(stdout)) {   /* a report that did not arrive is no report */
        fprintf(stderr, "tansa rules: cannot write the output: %s\n", strerror(errno));
        rc = TN_EXIT_INTERNAL;
    }
    tn_ruleset_free(rs);
out:
    for (size_t i = 0; i < c.nrej; i++) {
        tn_free(c.rej[i].file);
        tn_free(c.rej[i].reason);
    }
    tn_free(c.rej);
    for (size_t i = 0; i < c.nwarn; i++) {
        tn_free(c.warn[i].file);
        tn_free(c.warn[i].reason);
    }
    tn_free(c.warn);
    tn_free(maps);
    tn_free(paths);
    return rc;
}
