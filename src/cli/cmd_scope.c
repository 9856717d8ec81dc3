/* cmd_scope.c - `tansa scope`: follow a compromise through time from its seeds (issue 6). */
#include "cli.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/map.h"
#include "hunt/hunt.h"
#include "hunt/spill.h"
#include "read/input.h"
#include "scope/scope.h"
#include "sigma/sigma.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char scope_help[] =
    "Usage: tansa scope [--seed host:NAME@TIME]... [--seed account:DOMAIN\\NAME@TIME]...\n"
    "                   [--assets FILE] [--crown-jewels HOST,...] [--silence HOURS]\n"
    "                   [--format json|text] [-o FILE] [-t N] [-q] PATH...\n"
    "Follows a compromise through time from its seeds: every host and account\n"
    "reached (and the logon or event that proves it), every share object\n"
    "touched, the gaps in the logs, the breach window and crown-jewel verdicts.\n"
    "  --seed SPEC       a host or account compromised at TIME (RFC 3339); repeatable\n"
    "  --assets FILE     CSV with header: host, ip required; fqdn, site, role optional\n"
    "                    (role crown_jewel marks a crown jewel). Without it, an IP is\n"
    "                    mapped to the host the logs reveal: WorkstationName of a\n"
    "                    4624 from that IpAddress, or the Computer of a Sysmon 3\n"
    "                    connection it initiated from that SourceIp (first one wins)\n"
    "  --crown-jewels H,...  hosts that get a touched/assured_untouched/cannot_assure verdict\n"
    "  --silence HOURS   a steady log silent longer than this is a gap (default 24, >= 1)\n"
    "  --format json|text  one JSON object (default) or a story ordered by time\n"
    "  -o FILE           write there instead of standard output ('-': standard output)\n"
    "  -t, --threads N   reading threads (default: number of CPUs)\n"
    "  --from-detections[=LEVEL]  also seed every host where a rule at LEVEL or\n"
    "                    above (default high) fired, at its first such detection\n"
    "                    (not of deprecated or unsupported rules, as hunt)\n"
    "  --rules PATH      rules for --from-detections (repeatable; default: the\n"
    "                    built-in pack, as hunt)\n\n"
    "Rules of spread: see README, section scope (issue 6). Memory is bounded;\n"
    "the events the rules need are sorted in temporary files under $TMPDIR\n"
    "(default /tmp), about 70 bytes each, removed at exit.\n\n" TN_EXIT_CODES_HELP;

typedef struct opts {
    const char **paths;
    size_t np;
    const char **rules;
    size_t nrules;
    const char *out;
    int text, quiet, threads;
    int from_det;        /* minimum level + 1; 0 = off */
} opts;

static int crown_list(tn_scope *s, const char *v)
{
    char name[256];
    while (*v) {
        size_t n = strcspn(v, ",");
        if (n && n < sizeof(name)) {
            memcpy(name, v, n);
            name[n] = 0;
            if (tn_scope_crown(s, name))
                return -1;
        }
        v += n + (v[n] == ',');
    }
    return 0;
}

/* Parse options into o and s; returns 0 or an exit code. */
static int parse(int argc, char **argv, opts *o, tn_scope *s)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "--seed") && has) {
            if (tn_scope_seed(s, argv[++i]))
                return tn_usage_error("scope", "bad seed '%s' (host:NAME@TIME or account:DOMAIN\\NAME@TIME)", argv[i]);
        } else if (!strcmp(a, "--assets") && has) {
            char err[256];
            if (tn_scope_assets_csv(s, argv[++i], err))
                return tn_usage_error("scope", "assets: %s", err);
        } else if (!strcmp(a, "--crown-jewels") && has) {
            if (crown_list(s, argv[++i]))
                return TN_EXIT_INTERNAL;
        } else if (!strcmp(a, "--silence") && has) {
            char *end;
            double h = strtod(argv[++i], &end);
            if (*end || h < 1 || h > 1e6)
                return tn_usage_error("scope", "bad --silence '%s' (hours, at least 1)", argv[i]);
            tn_scope_set_silence(s, (uint64_t)(h * (double)TN_SCOPE_HOUR));
        } else if ((!strcmp(a, "--format") || !strcmp(a, "-f")) && has) {
            const char *v = argv[++i];
            if (strcmp(v, "json") && strcmp(v, "text"))
                return tn_usage_error("scope", "unknown format '%s'", v);
            o->text = !strcmp(v, "text");
        } else if (!strcmp(a, "-o") && has) {
            o->out = argv[++i];
        } else if ((!strcmp(a, "-t") || !strcmp(a, "--threads")) && has) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > 256)
                return tn_usage_error("scope", "bad --threads '%s' (1 to 256)", argv[i]);
            o->threads = (int)n;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o->quiet = 1;
        } else if (!strcmp(a, "--from-detections")) {
            o->from_det = TN_LEVEL_HIGH + 1;
        } else if (!strncmp(a, "--from-detections=", 18)) {
            int l = tn_level_parse(a + 18, 1);
            if (l < 0)
                return tn_usage_error("scope", "unknown level '%s'", a + 18);
            o->from_det = l + 1;
        } else if (!strcmp(a, "--rules") && has) {
            o->rules[o->nrules++] = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            return tn_usage_error("scope", "unknown option '%s'", a);
        } else {
            o->paths[o->np++] = a;
        }
    }
    if (!o->np)
        return tn_usage_error("scope", "no input path");
    return 0;
}

typedef struct reading {
    tn_scope *s;
    const tn_inputs *in;
    int bad;
    uint64_t *records;   /* per worker, a cache line apart */
    tn_cli_progress prog;
} reading;

static void on_progress(void *arg, size_t index, uint64_t done)
{
    tn_cli_progress_at(&((reading *)arg)->prog, index, done);
}

static int on_event(void *arg, int worker, uint32_t file, const tn_event *ev)
{
    reading *r = arg;
    (void)file;
    r->records[(size_t)worker * 8]++;
    return tn_scope_add_worker(r->s, worker, ev) ? TN_EXIT_INTERNAL : 0;
}

/* Every input in turn, its EVTX chunks on all threads: scope is told
 * which file follows while no worker is adding (tn_scope_file), so the
 * inputs are scanned one at a time; tn_inputs_scan alone would interleave
 * the chunks of consecutive files. */
static int scan_inputs(reading *r, int threads, tn_diag *d)
{
    int rc = 0;
    for (size_t i = 0; i < r->in->n && !rc && !r->bad; i++) {
        tn_inputs one = {.v = &r->in->v[i], .n = 1, .cap = 1};
        int kind = r->in->v[i].kind;
        if (tn_scope_file(r->s, r->in->v[i].path, kind != TN_INPUT_JSON && kind != TN_INPUT_AUDITD))
            r->bad = 1;
        else
            rc = tn_inputs_scan(&one, threads, 0, d, on_event, on_progress, r);
        r->prog.base += r->in->v[i].size;
        r->prog.base_index = i + 1;
    }
    return rc;
}

/* -o, opened before any input is read (it was opened after the whole
 * run, and a path that could not be created lost it: a review, session
 * 29): stdout, a file, or NULL (said; a usage error). */
static FILE *open_out(const char *path)
{
    if (tn_cli_is_stdout(path))
        return stdout;
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "tansa scope: %s: cannot open for writing: %s\n", path, strerror(errno));
    return f;
}

/* Writes b to f (from open_out) and closes it: 0, or exit 4 said. */
static int write_out(const tn_buf *b, FILE *f, const char *path)
{
    if (f == stdout)
        path = NULL;
    int bad = b ? tn_buf_write(b, f) : 0;
    if (path ? fclose(f) != 0 : fflush(f) != 0 || ferror(f))   /* stdout too: /dev/full */
        bad = 1;
    if (bad) {
        fprintf(stderr, "tansa scope: %s: write failed: %s\n", path ? path : "standard output",
                strerror(errno));
        return TN_EXIT_INTERNAL;
    }
    return 0;
}

/* The first detection time of one host, from the timeline's detections. */
static int note_det(tn_map *hosts, uint64_t **first, size_t *cap, const tn_det *d)
{
    char name[256];
    size_t n = strcspn(d->computer, ".");
    if (!n || n >= sizeof(name) || !d->time)
        return 0;
    for (size_t i = 0; i < n; i++)
        name[i] = (char)toupper((unsigned char)d->computer[i]);
    int added;
    long id = tn_map_put(hosts, name, n, &added);
    if (id < 0)
        return -1;
    if ((size_t)id >= *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        uint64_t *f = tn_realloc(*first, ncap * sizeof(*f));
        if (!f)
            return -1;
        *first = f;
        *cap = ncap;
    }
    if (added || d->time < (*first)[id])
        (*first)[id] = d->time;
    return 0;
}

/* Hosts by first detection, then by name (qsort_r's context). */
typedef struct seed_order {
    const tn_map *hosts;
    const uint64_t *first;
} seed_order;

static int seed_cmp(const void *pa, const void *pb, void *ctx)
{
    const seed_order *o = ctx;
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    if (o->first[a] != o->first[b])
        return o->first[a] < o->first[b] ? -1 : 1;
    return strcmp(tn_map_key(o->hosts, a), tn_map_key(o->hosts, b));
}

/* --from-detections: hunt with the rules, then seed each host where a rule
 * at the level fired, at its first such detection. Says why when it fails. */
static int seed_from_detections(tn_scope *s, const opts *o, tn_inputs *in, tn_diag *d)
{
    const char *def = tn_default_rules();
    const char *const *rules = o->nrules ? o->rules : &def;
    size_t nrules = o->nrules ? o->nrules : 1;
    if (!rules[0])
        return tn_usage_error("scope", "no rules: give --rules PATH (the built-in pack was not found)");
    for (size_t i = 0; i < nrules; i++) {   /* as hunt: seeding from no rules is no seeding */
        struct stat sb;
        if (stat(rules[i], &sb) != 0)
            return tn_usage_error("scope", "cannot read rules '%s': %s", rules[i], strerror(errno));
    }
    tn_ruleset *rs = NULL;
    int threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    tn_rule_opts ro = {.threads = threads};
    int lrc = tn_ruleset_load(rules, nrules, &ro, d, &rs);
    if (lrc != TN_RS_OK) {
        fprintf(stderr, "tansa scope: cannot load rules (%s)\n",
                lrc == TN_RS_ENOMEM ? "out of memory" : "unusable logsource map or placeholder file");
        return lrc == TN_RS_ENOMEM ? TN_EXIT_INTERNAL : TN_EXIT_USAGE;
    }
    /* seeds from the detections hunt reports by default: not those of
     * deprecated or unsupported rules (a review, session 27) */
    uint32_t n = tn_ruleset_count(rs), nc = tn_ruleset_ncorrelations(rs);
    uint8_t *en = tn_malloc(n + nc ? n + nc : 1);
    if (!en) {
        tn_ruleset_free(rs);
        fprintf(stderr, "tansa scope: out of memory\n");
        return TN_EXIT_INTERNAL;
    }
    for (uint32_t i = 0; i < n + nc; i++) {
        tn_rule_info ri;
        tn_cli_rule_info(rs, i, &ri);
        en[i] = (uint8_t)tn_cli_status_default_on(&ri);
    }
    tn_hunt_opts ho = {.threads = threads, .min_level = o->from_det - 1, .enabled = en,
                       .corr_enabled = en + n};
    tn_dets dets = {0};
    tn_hunt_stats st = {0};
    tn_cli_raise_open_files();
    int rc = tn_hunt_run(rs, in, &ho, d, &dets, &st);
    tn_cli_hunt_stopped("scope", rc, &st);
    tn_map hosts;
    tn_map_init(&hosts);
    uint64_t *first = NULL;
    size_t cap = 0, ndet = dets.n;   /* in memory, plus those spilled to runs */
    int oom = 0;   /* 1: rc is set because memory ran out (said once, below) */
    for (size_t i = 0; !rc && i < dets.n; i++)
        if (note_det(&hosts, &first, &cap, &dets.v[i]))
            rc = TN_EXIT_INTERNAL, oom = 1;
    for (size_t r = 0; !rc && r < dets.nruns; r++) {
        tn_run_reader rd;
        tn_run_open(&rd, dets.runs[r]);
        dets.runs[r] = NULL;
        int k = 0;
        while (!rc && (k = tn_run_next(&rd)) == 1) {
            ndet++;
            if (note_det(&hosts, &first, &cap, &rd.cur))
                rc = TN_EXIT_INTERNAL, oom = 1;
        }
        if (!rc && k < 0) {   /* its hosts would be lost: no partial seeding */
            tn_cli_unreadable_run("scope");
            rc = TN_EXIT_INTERNAL;
        }
        tn_run_close(&rd);
    }
    /* seeded in the order of their first detections (then by name): the
     * map's order is the order the workers' detections came in, which
     * differed from run to run, and so did the report's list of seeds */
    uint32_t *order = !rc && hosts.count ? tn_malloc(hosts.count * sizeof(*order)) : NULL;
    if (!rc && hosts.count && !order)
        rc = TN_EXIT_INTERNAL, oom = 1;
    for (uint32_t h = 0; order && h < hosts.count; h++)
        order[h] = h;
    if (order)
        qsort_r(order, hosts.count, sizeof(*order), seed_cmp, &(seed_order){&hosts, first});
    for (uint32_t i = 0; !rc && i < hosts.count; i++)
        if (tn_scope_seed_host(s, tn_map_key(&hosts, order[i]), first[order[i]])) {
            fprintf(stderr, "tansa scope: %s\n", tn_scope_error(s));
            rc = TN_EXIT_INTERNAL;
        }
    tn_free(order);
    if (oom)
        fprintf(stderr, "tansa scope: out of memory\n");
    if (!o->quiet && !rc)
        fprintf(stderr, "tansa scope: %u host%s seeded from %zu detection%s at level %s or above\n",
                hosts.count, hosts.count == 1 ? "" : "s", ndet, ndet == 1 ? "" : "s",
                tn_level_name(o->from_det - 1));
    tn_free(first);
    tn_map_free(&hosts);
    tn_dets_free(&dets);
    tn_hunt_stats_free(&st);
    tn_ruleset_free(rs);
    tn_free(en);
    return rc;
}

static int run(tn_scope *s, const opts *o)
{
    tn_diag d = {.quiet = o->quiet};
    tn_inputs in = {0};
    FILE *out = open_out(o->out);
    if (!out)
        return TN_EXIT_USAGE;
    int rc = tn_inputs_collect(&in, o->paths, o->np, &d) ? TN_EXIT_INTERNAL : 0;
    if (rc)
        fprintf(stderr, "tansa scope: out of memory\n");
    else if (!in.n) {   /* no answer that looks whole from no logs at all */
        tn_diag_summary(&d);
        tn_inputs_free(&in);
        write_out(NULL, out, o->out);
        return tn_cli_input_rc("scope", 0, 0, 0);
    }
    if (!rc && o->from_det)
        rc = seed_from_detections(s, o, &in, &d);   /* says why it failed */
    int threads = o->threads ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    reading rd = {s, &in, 0, tn_calloc((size_t)threads * 8, sizeof(uint64_t)), {0}};
    if (!rc && !rd.records) {
        fprintf(stderr, "tansa scope: out of memory\n");
        rc = TN_EXIT_INTERNAL;
    }
    int scope_rc = 0;   /* the scope's own failure: its error says why */
    if (!rc && tn_scope_set_threads(s, threads))
        rc = scope_rc = TN_EXIT_INTERNAL;
    tn_cli_progress_init(&rd.prog, "scope", &in, o->quiet);
    if (!rc)
        rc = scope_rc = scan_inputs(&rd, threads, &d);
    tn_cli_progress_end(&rd.prog);
    if (!rc && (rd.bad || tn_scope_run(s)))
        rc = scope_rc = TN_EXIT_INTERNAL;
    if (scope_rc == TN_EXIT_INTERNAL)
        fprintf(stderr, "tansa scope: %s\n", tn_scope_error(s));
    tn_buf b;
    tn_buf_init(&b);
    if (!rc) {
        (o->text ? tn_scope_text : tn_scope_json)(s, &b);
        rc = tn_buf_ok(&b) ? write_out(&b, out, o->out) : TN_EXIT_INTERNAL;
        out = NULL;
    }
    if (out && out != stdout)
        fclose(out);
    tn_buf_free(&b);
    tn_diag_summary(&d);
    if (!rc)
    {
        uint64_t records = 0;
        for (int w = 0; w < threads; w++)
            records += rd.records[(size_t)w * 8];
        rc = tn_cli_input_rc("scope", in.n, records, tn_diag_total(&d));
    }
    tn_free(rd.records);
    tn_inputs_free(&in);
    return rc;
}

int tn_cmd_scope(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(scope_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? TN_EXIT_USAGE : TN_EXIT_OK;
    }
    opts o = {0};
    o.paths = tn_calloc((size_t)argc, sizeof(char *));
    o.rules = tn_calloc((size_t)argc, sizeof(char *));
    tn_scope *s = tn_scope_new();
    int rc = !o.paths || !o.rules || !s ? TN_EXIT_INTERNAL : parse(argc, argv, &o, s);
    if (!rc)
        rc = run(s, &o);
    tn_scope_free(s);
    tn_free(o.paths);
    tn_free(o.rules);
    return rc;
}
