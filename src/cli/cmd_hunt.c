/* cmd_hunt.c - `tansa hunt`: run Sigma rules over logs, print a timeline. */
#include "cli.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/diag.h"
#include "hunt/hunt.h"
#include "hunt/timeline.h"
#include "read/event.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char hunt_help[] =
    "Usage: tansa hunt [OPTIONS] PATH...\n"
    "Run Sigma rules over EVTX, JSON Lines/JSON and auditd logs (files or\n"
    "folders, recursively; types told by content, also for '-', standard\n"
    "input; gzip-compressed files too) and print the detections as a\n"
    "timeline sorted by event time.\n\n"
    "Options:\n"
    "  -r, --rules PATH        Sigma rules (file or folder; repeatable). Default:\n"
    "                          $TANSA_RULES, else the built-in pack (rules/ in the\n"
    "                          folder above the tansa binary's, else ./rules).\n"
    "                          Global filters (Sigma 'filter' documents) are\n"
    "                          rule files too: -r rules -r my-filters/ (a -r\n"
    "                          leaves the built-in pack out: name it as well)\n"
    "  -f, --format F          table, csv, jsonl (default: table on a terminal,\n"
    "                          else and with -o FILE jsonl)\n"
    "  -o, --output FILE       write the timeline to FILE ('-': standard output);\n"
    "                          never one of the inputs\n"
    "  -t, --threads N         worker threads (default: number of CPUs)\n"
    "  -m, --min-level L       informational (default), low, medium, high, critical\n"
    "      --status S,...      only rules of these statuses (stable, test,\n"
    "                          experimental, deprecated, unsupported; all: every\n"
    "                          rule; default: all but deprecated and unsupported)\n"
    "      --tags T,...        only rules (correlations too) with a tag starting\n"
    "                          with one of these\n"
    "                          (attack.t1003 takes attack.t1003.001)\n"
    "      --exclude-rules FILE  rule ids (or titles) not to report, one a line,\n"
    "                          # comments (repeatable; data/noisy-rules.txt is one)\n"
    "      --logsource-map FILE  more log sources, read after data/logsources.yml\n"
    "                          (repeatable; docs/logsources.md)\n"
    "      --placeholders FILE  values of expand's %placeholders% (instead of\n"
    "                          data/placeholders.yml; docs/sigma.md)\n"
    "      --since T, --until T  only events in [T, T] (RFC 3339, UTC; compared to\n"
    "                          the microsecond, as the timeline prints times)\n"
    "      --carve             also recover records from EVTX slack space\n"
    "      --summary           print the summary to stdout after the timeline\n"
    "      --profile           report on stderr where matching time went: the\n"
    "                          kinds of event (channel:EventID) and the rules\n"
    "                          that cost most (events are then matched one at a\n"
    "                          time, a little slower; docs/hunt.md)\n"
    "  -q, --quiet             count input problems without printing each one\n"
    "  -h, --help              this text\n\n"
    "JSON Lines keys: timestamp, computer, channel, event_id, record_id, level,\n"
    "rule_id, rule_title, tags, details, file. A summary goes to stderr.\n"
    "Many detections are kept in sorted runs in $TMPDIR (default /tmp).\n\n"
    TN_EXIT_CODES_HELP;

typedef struct rej_count {
    uint64_t n;
    int quiet;
    uint64_t warnings;   /* counted for the summary; `rules check` lists them */
} rej_count;

static void on_warn(void *ctx, const char *file, uint32_t line, uint32_t col, const char *why)
{
    (void)file, (void)line, (void)col, (void)why;
    ((rej_count *)ctx)->warnings++;
}

static void on_reject(void *ctx, const char *file, uint32_t line, uint32_t col, const char *why)
{
    rej_count *r = ctx;
    r->n++;
    if (!r->quiet) {   /* names and reasons quote the rule file: anyone's bytes */
        fputs("tansa: ", stderr);
        tn_put_safe(stderr, file);
        fprintf(stderr, ":%u:%u: rule rejected: ", line, col);
        tn_put_safe(stderr, why);
        fputc('\n', stderr);
    }
}

const char *tn_default_rules(void)
{
    static char path[4200];
    const char *env = getenv("TANSA_RULES");
    if (env)
        return env;
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(path, sizeof(path), "%s/../rules", exe);
            if (access(path, R_OK) == 0)
                return path;
        }
    }
    return access("rules", R_OK) == 0 ? "rules" : NULL;
}

/* Is word (case-insensitive) in the comma list? prefix: word may extend it. */
static int in_list(const char *list, const char *word, int prefix)
{
    size_t wl = strlen(word);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l && (prefix ? l <= wl : l == wl) && !strncasecmp(p, word, l) &&
            (!prefix || l == wl || word[l] == '.' || word[l] == '-'))
            return 1;
        p += l + (e ? 1 : 0);
    }
    return 0;
}

/* Rule ids and titles from an exclusion file into a flat NUL-separated list. */
static int read_excludes(const char *path, tn_buf *out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "tansa hunt: cannot read %s\n", path);
        return -1;
    }
    char line[1024];
    while (fgets(line, sizeof(line), f)) {
        char *h = strchr(line, '#');
        if (h)
            *h = '\0';
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
            line[--n] = '\0';
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s) {
            tn_buf_puts(out, s);
            tn_buf_putc(out, '\0');
        }
    }
    fclose(f);
    return 0;
}

static int excluded(const tn_buf *ex, const tn_rule_info *ri)
{
    for (size_t i = 0; i < ex->len; i += strlen(ex->data + i) + 1)
        if (!strcasecmp(ex->data + i, ri->id) || !strcmp(ex->data + i, ri->title))
            return 1;
    return 0;
}

/* Whether every item of the comma list is one of the statuses the spec
 * defines: a typo would turn every rule off without a word. */
static int statuses_ok(const char *list, const char **bad, size_t *badlen)
{
    static const char *const known[] = {"stable", "test", "experimental", "deprecated", "unsupported",
                                        "all"};
    for (const char *p = list;;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        int ok = 0;
        for (size_t k = 0; k < sizeof(known) / sizeof(known[0]) && !ok; k++)
            ok = strlen(known[k]) == l && !strncasecmp(p, known[k], l);
        if (!ok) {
            *bad = p;
            *badlen = l;
            return 0;
        }
        if (!e)
            return 1;
        p = e + 1;
    }
}

/* Whether the file at path (if there is one) is one of the inputs: -o
 * opens its output for writing, which would empty the evidence before it
 * is read, and a folder hunted again would read the last output too. */
static const char *output_is_input(const char *path, const tn_inputs *in)
{
    struct stat o, s;
    if (stat(path, &o) != 0)
        return NULL;
    /* standard input ('-') is what file descriptor 0 is: `-o ev.jsonl -
     * < ev.jsonl` (or -o /dev/stdin) emptied the evidence before reading it */
    for (size_t i = 0; i < in->n; i++) {
        int is_stdin = !strcmp(in->v[i].path, "-");
        if ((is_stdin ? fstat(0, &s) : stat(in->v[i].path, &s)) == 0 && s.st_dev == o.st_dev &&
            s.st_ino == o.st_ino)
            return is_stdin ? "- (standard input)" : in->v[i].path;
    }
    return NULL;
}

/* Without --status, rules of the statuses the specification calls
 * "replaced or covered by another one" (deprecated) and "cannot be used in
 * its current state" (unsupported) are not reported: pointed at a whole
 * repository (Hayabusa's holds both folders) they added 474 of 6,799
 * detections on the corpus, most of them repeating the rules that
 * replaced them (a review, session 27). Hayabusa's rule sets leave them
 * out too. */
int tn_cli_status_default_on(const tn_rule_info *ri)
{
    return strcmp(ri->status, "deprecated") && strcmp(ri->status, "unsupported");
}

void tn_cli_rule_info(const tn_ruleset *rs, uint32_t i, tn_rule_info *ri)
{
    uint32_t n = tn_ruleset_count(rs);
    if (i < n)
        tn_ruleset_info(rs, i, ri);
    else
        tn_ruleset_corr_info(rs, i - n, ri);
}

static int off_by_default(const tn_rule_info *ri)
{
    return !tn_cli_status_default_on(ri);
}

/* Is the rule reported under --status, --tags and the exclusions?
 * --status all: every rule, those without a status too (which no status
 * names; once deprecated ones were left out by default, a rule set with
 * both could not be hunted whole: a review, session 27). */
static int rule_on(const tn_rule_info *ri, const char *status, const char *tags, const tn_buf *ex)
{
    int on = !status ? !off_by_default(ri) : in_list(status, "all", 0) || in_list(status, ri->status, 0);
    if (on && tags) {
        int any = 0;
        for (uint32_t t = 0; t < ri->ntags && !any; t++)
            any = in_list(tags, ri->tags[t], 1);
        on = any;
    }
    return on && !(ex->len && excluded(ex, ri));
}

/* Per-rule and per-correlation reporting switches from --status, --tags
 * and --exclude-rules, in one allocation: rules first, then correlations
 * (*corr points there). Returns 0 (with *out NULL when every rule is on),
 * -1 on a bad file (with *out set) or when out of memory (*out NULL). */
static int build_enabled(const tn_ruleset *rs, const char *status, const char *tags,
                         const char **excludes, size_t nexcl, int min_level, uint8_t **out,
                         const uint8_t **corr)
{
    *out = NULL;
    *corr = NULL;
    uint32_t n = tn_ruleset_count(rs), nc = tn_ruleset_ncorrelations(rs), noff = 0;
    for (uint32_t i = 0; !status && i < n + nc; i++) {
        tn_rule_info ri;
        tn_cli_rule_info(rs, i, &ri);
        noff += (uint32_t)off_by_default(&ri);
    }
    if (!status && !tags && !nexcl && !noff)
        return 0;
    uint8_t *en = tn_malloc(n + nc ? n + nc : 1);
    if (!en)
        return -1;
    tn_buf ex;
    tn_buf_init(&ex);
    for (size_t i = 0; i < nexcl; i++)
        if (read_excludes(excludes[i], &ex)) {
            tn_buf_free(&ex);
            *out = en;
            return -1;
        }
    for (uint32_t i = 0; i < n + nc; i++) {
        tn_rule_info ri;
        tn_cli_rule_info(rs, i, &ri);
        en[i] = (uint8_t)rule_on(&ri, status, tags, &ex);
        /* said: the rules left out by the default alone (not those the
         * other options or their level leave out anyway: a review) */
        noff -= (uint32_t)(!status && off_by_default(&ri) &&
                           !(rule_on(&ri, "all", tags, &ex) && tn_level_parse(ri.level, 0) >= min_level &&
                             !ri.correlation_only));   /* whose matches only feed a correlation */
    }
    if (noff)
        fprintf(stderr, "tansa hunt: %u rule%s of status deprecated or unsupported not reported "
                        "(--status names the statuses reported; --status all, every rule)\n", noff,
                noff == 1 ? "" : "s");
    tn_buf_free(&ex);
    *out = en;
    *corr = en + n;
    return 0;
}

int tn_cmd_hunt(int argc, char **argv)
{
    const char **rules = tn_calloc((size_t)argc + 1, sizeof(char *));
    const char **paths = tn_calloc((size_t)argc + 1, sizeof(char *));
    size_t nrules = 0, npaths = 0;
    int format = -1, summary = 0, quiet = 0, carve = 0, profile = 0;
    long threads = sysconf(_SC_NPROCESSORS_ONLN);
    int min_level = TN_LEVEL_INFO, rc = 0;
    uint64_t since = 0, until = 0;
    int has_since = 0, has_until = 0;
    const char *output = NULL, *status = NULL, *tags = NULL;
    const char **excludes = tn_calloc((size_t)argc + 1, sizeof(char *));
    const char **maps = tn_calloc((size_t)argc + 1, sizeof(char *));
    const char *placeholders = NULL;
    size_t nexcl = 0, nmaps = 0;
    uint8_t *enabled = NULL;
    const uint8_t *corr_enabled = NULL;
    if (!rules || !paths || !excludes || !maps) {
        tn_free(rules);
        tn_free(paths);
        tn_free(excludes);
        tn_free(maps);
        return TN_EXIT_INTERNAL;
    }
#define USAGE(...) do { rc = tn_usage_error("hunt", __VA_ARGS__); goto done; } while (0)
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(hunt_help, stdout);
            goto done;
        } else if ((!strcmp(a, "-r") || !strcmp(a, "--rules")) && v) {
            rules[nrules++] = v, i++;
        } else if ((!strcmp(a, "-f") || !strcmp(a, "--format")) && v) {
            i++;
            if (!strcmp(v, "table")) format = TN_OUT_TABLE;
            else if (!strcmp(v, "csv")) format = TN_OUT_CSV;
            else if (!strcmp(v, "jsonl") || !strcmp(v, "json")) format = TN_OUT_JSONL;
            else USAGE("unknown format '%s'", v);
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && v) {
            output = v, i++;
        } else if ((!strcmp(a, "-t") || !strcmp(a, "--threads")) && v) {
            char *end;
            threads = strtol(v, &end, 10);
            i++;
            if (*end || threads < 1 || threads > 256)
                USAGE("bad thread count '%s'", v);
        } else if ((!strcmp(a, "-m") || !strcmp(a, "--min-level")) && v) {
            i++;
            if ((min_level = tn_level_parse(v, 1)) < 0)
                USAGE("unknown level '%s'", v);
        } else if ((!strcmp(a, "--since") || !strcmp(a, "--until")) && v) {
            i++;
            uint64_t t;
            if (tn_filetime_parse(v, strlen(v), &t))
                USAGE("bad time '%s' (want RFC 3339, e.g. 2019-06-28T00:00:00Z)", v);
            if (a[2] == 's')
                since = t, has_since = 1;
            else
                until = t, has_until = 1;
        } else if (!strcmp(a, "--status") && v) {
            const char *bad;
            size_t badlen;
            status = v, i++;
            if (!statuses_ok(v, &bad, &badlen))
                USAGE("unknown status '%.*s' (stable, test, experimental, deprecated, unsupported, all)",
                      (int)badlen, bad);
        } else if (!strcmp(a, "--tags") && v) {
            tags = v, i++;
        } else if (!strcmp(a, "--exclude-rules") && v) {
            excludes[nexcl++] = v, i++;
        } else if (!strcmp(a, "--logsource-map") && v) {
            maps[nmaps++] = v, i++;
        } else if (!strcmp(a, "--placeholders") && v) {
            placeholders = v, i++;
        } else if (!strcmp(a, "--carve")) {
            carve = 1;
        } else if (!strcmp(a, "--summary")) {
            summary = 1;
        } else if (!strcmp(a, "--profile")) {
            profile = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            USAGE("unknown option or missing value '%s'", a);
        } else {
            paths[npaths++] = a;
        }
    }
    if (!npaths)
        USAGE("no input path");
    if (has_since && has_until && since / 10 > until / 10)
        USAGE("--since is after --until: no event can be in between");
    if (output && !strcmp(output, "-"))
        output = NULL;
    if (format < 0)   /* a file gets the data, a terminal the table */
        format = !output && isatty(1) ? TN_OUT_TABLE : TN_OUT_JSONL;
    for (size_t i = 0; i < nrules; i++) {
        struct stat sb;
        if (stat(rules[i], &sb) != 0)   /* hunting with no rules is no hunt */
            USAGE("cannot read rules '%s': %s", rules[i], strerror(errno));
    }
    if (!nrules) {
        const char *def = tn_default_rules();
        struct stat sb;
        if (!def)
            USAGE("no rules: give --rules PATH (the built-in pack was not found)");
        if (stat(def, &sb) != 0)   /* as a --rules path (it was one rejected rule, exit 0) */
            USAGE("cannot read rules '%s' (TANSA_RULES): %s", def, strerror(errno));
        rules[nrules++] = def;
    }

    tn_diag diag = {.quiet = quiet};
    rej_count rej = {0, quiet, 0};
    tn_rule_opts ro = {.threads = (int)threads, .on_reject = on_reject, .on_warn = on_warn, .ctx = &rej,
                       .logsource_maps = maps, .nlogsource_maps = nmaps, .placeholders = placeholders};
    tn_ruleset *rs = NULL;
    int lrc = tn_ruleset_load(rules, nrules, &ro, &diag, &rs);
    if (lrc != TN_RS_OK) {
        fprintf(stderr, "tansa hunt: cannot load rules (%s)\n",
                lrc == TN_RS_ENOMEM ? "out of memory" : "unusable logsource map or placeholder file");
        rc = lrc == TN_RS_ENOMEM ? TN_EXIT_INTERNAL : TN_EXIT_USAGE;
        goto done;
    }
    if (!tn_ruleset_count(rs) && !tn_ruleset_ncorrelations(rs))
        fprintf(stderr, "tansa hunt: no rule loaded: the events are read, and nothing is hunted\n");
    if (build_enabled(rs, status, tags, excludes, nexcl, min_level, &enabled, &corr_enabled)) {
        rc = enabled ? TN_EXIT_USAGE : TN_EXIT_INTERNAL;
        tn_free(enabled);
        enabled = NULL;
        tn_ruleset_free(rs);
        goto done;
    }
    tn_inputs in = {0};
    tn_dets dets = {0};
    tn_hunt_stats st = {0};
    FILE *out = stdout;
    const char *clash = NULL;
    if (tn_inputs_collect(&in, paths, npaths, &diag)) {
        fprintf(stderr, "tansa hunt: out of memory\n");
        rc = TN_EXIT_INTERNAL;
    } else if (output && (clash = output_is_input(output, &in)) != NULL) {
        fprintf(stderr, "tansa hunt: the output %s is the input %s: not overwritten\n", output, clash);
        rc = TN_EXIT_USAGE;
    } else if (output && !(out = fopen(output, "w"))) {
        fprintf(stderr, "tansa hunt: cannot write %s: %s\n", output, strerror(errno));
        out = stdout;
        rc = TN_EXIT_USAGE;
    } else {
        int colour = format == TN_OUT_TABLE && isatty(fileno(out));
        tn_inputs_sort(&in);   /* ties in time across files: by path, not argument order */
        tn_tl_stats tl;
        tn_tl_stats_init(&tl);
        /* the workers format the lines and count them: in parallel */
        tn_hunt_opts ho = {.threads = (int)threads, .min_level = min_level, .carve = carve,
                           .since = since, .until = until, .has_since = has_since,
                           .has_until = has_until, .progress = isatty(2), .enabled = enabled,
                           .corr_enabled = corr_enabled, .format = format, .colour = colour,
                           .stats = &tl, .profile = profile};
        tn_cli_raise_open_files();
        rc = tn_hunt_run(rs, &in, &ho, &diag, &dets, &st);
        tn_cli_hunt_stopped("hunt", rc, &st);
        /* a hunt that stopped (a run that could not be spilled, memory)
         * wrote the runs spilled before: a sorted timeline whose tail is
         * missing looks whole, and its summary counted nothing (session
         * 25: 29,353 lines of 98,704 under exit 4). Neither is written. */
        int stopped = rc == TN_EXIT_INTERNAL;
        int e = stopped ? 0 : tn_timeline_print(&dets, rs, &in, format, colour, out, &tl);
        if (e == TN_TL_EWRITE)
            fprintf(stderr, "tansa hunt: cannot write the timeline to %s: %s\n",
                    output ? output : "standard output", strerror(errno));
        else if (e == TN_TL_EREAD)
            tn_cli_unreadable_run("hunt");
        else if (e)
            fprintf(stderr, "tansa hunt: stopped: out of memory\n");
        if (e)
            rc = TN_EXIT_INTERNAL;
        st.rule_warnings = rej.warnings;
        if (stopped) {
            fprintf(stderr, "tansa hunt: no timeline and no summary written: the hunt did not finish\n");
        } else {   /* the timeline's own write error is said above; the hunt itself finished */
            tn_timeline_summary(&tl, rs, &st, &diag, rej.n, stderr);
            /* asked for on standard output: it must get there (a full
             * disk or a closed pipe lost it with exit 0) */
            if (summary) {
                tn_timeline_summary(&tl, rs, &st, &diag, rej.n, stdout);
                if ((fflush(stdout) != 0 || ferror(stdout)) && !e) {
                    fprintf(stderr, "tansa hunt: cannot write the summary to standard output: %s\n",
                            strerror(errno));
                    rc = TN_EXIT_INTERNAL;
                }
            }
        }
        tn_tl_stats_free(&tl);
    }
    if (out != stdout && fclose(out) != 0 && !rc)
        rc = TN_EXIT_INTERNAL;
    if (!rc) {
        /* nothing could be read: no input, or inputs none of whose
         * records could be (every line of a JSON file bad, say) */
        rc = tn_cli_input_rc("hunt", in.n, st.records, tn_diag_total(&diag) - diag.count[TN_P_RULE]);
    }
    tn_dets_free(&dets);
    tn_hunt_stats_free(&st);
    tn_inputs_free(&in);
    tn_ruleset_free(rs);
done:
#undef USAGE
    tn_free(enabled);
    tn_free(rules);
    tn_free(paths);
    tn_free(excludes);
    tn_free(maps);
    return rc;
}
