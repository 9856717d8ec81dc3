/* cmd_scope.c - `tansa scope`: follow a compromise through time from its seeds (issue 6). */
#include "cli.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "read/input.h"
#include "scope/scope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char scope_help[] =
    "Usage: tansa scope [--seed host:NAME@TIME]... [--seed account:DOMAIN\\NAME@TIME]...\n"
    "                   [--assets FILE] [--crown-jewels HOST,...] [--silence HOURS]\n"
    "                   [--format json|text] [-o FILE] [-q] PATH...\n"
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
    "  -o FILE           write there instead of standard output\n"
    "  --from-detections, --rules  not yet available (need the Sigma engine): exit 2\n\n"
    "Rules of spread: see README, section scope (issue 6).\n\n" TN_EXIT_CODES_HELP;

typedef struct opts {
    const char **paths;
    size_t np;
    const char *out;
    int text, quiet;
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
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o->quiet = 1;
        } else if (!strncmp(a, "--from-detections", 17) || !strcmp(a, "--rules")) {
            return tn_usage_error("scope", "%s is not yet available (needs the Sigma engine)", a);
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

static int on_event(void *arg, int worker, uint32_t file, const tn_event *ev)
{
    (void)worker;
    (void)file;
    return tn_scope_add(arg, ev) ? TN_EXIT_INTERNAL : 0;
}

static int write_out(const tn_buf *b, const char *path)
{
    FILE *f = path ? fopen(path, "w") : stdout;
    if (!f) {
        fprintf(stderr, "tansa scope: %s: cannot open for writing\n", path);
        return TN_EXIT_USAGE;
    }
    int bad = tn_buf_write(b, f);
    if (path && fclose(f))
        bad = 1;
    if (bad) {
        fprintf(stderr, "tansa scope: %s: write failed\n", path ? path : "standard output");
        return TN_EXIT_INTERNAL;
    }
    return 0;
}

static int run(tn_scope *s, const opts *o)
{
    tn_diag d = {.quiet = o->quiet};
    tn_inputs in = {0};
    int rc = tn_inputs_collect(&in, o->paths, o->np, &d) ? TN_EXIT_INTERNAL : 0;
    if (!rc)
        rc = tn_inputs_scan(&in, 1, 0, &d, on_event, NULL, s);
    if (!rc && tn_scope_run(s))
        rc = TN_EXIT_INTERNAL;
    tn_buf b;
    tn_buf_init(&b);
    if (!rc) {
        (o->text ? tn_scope_text : tn_scope_json)(s, &b);
        rc = tn_buf_ok(&b) ? write_out(&b, o->out) : TN_EXIT_INTERNAL;
    }
    tn_buf_free(&b);
    tn_diag_summary(&d);
    if (!rc)
        rc = !in.n ? TN_EXIT_NOINPUT : tn_diag_total(&d) ? TN_EXIT_PARTIAL : TN_EXIT_OK;
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
    tn_scope *s = tn_scope_new();
    int rc = !o.paths || !s ? TN_EXIT_INTERNAL : parse(argc, argv, &o, s);
    if (!rc)
        rc = run(s, &o);
    tn_scope_free(s);
    tn_free(o.paths);
    return rc;
}
