/* cmd_gen.c - `tansa gen`: writes a synthetic organisation's logs with a breach inside. */
#include "cli.h"

#include "base/diag.h"
#include "gen/run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: tansa gen [--seed N] [--scale S] [--days D] [--format evtx|jsonl|both]\n"
    "                 [--quiet] --out DIR\n\n"
    "Writes DIR/logs/<HOST>/<Channel>.evtx (and/or .jsonl), DIR/assets.csv and\n"
    "DIR/truth.json: a company of about 60*S hosts and 250*S accounts over D days\n"
    "(default 30, at least 7; S may be a fraction for small tests), with a breach modelled on the 2019 Mitsubishi\n"
    "Electric case inside. The same seed (default 1) gives the same bytes.\n\n"
    TN_EXIT_CODES_HELP;

/* Parses a whole decimal number in [lo, hi]; -1 when it is not one. */
static int parse_num(const char *s, unsigned long long lo, unsigned long long hi,
                     unsigned long long *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int tn_cmd_gen(int argc, char **argv)
{
    tn_gen_opts o = {1, 1, 30, 1, 0, NULL, 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long n;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return TN_EXIT_OK;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o.quiet = 1;
            continue;
        } else if (!v) {
            return tn_usage_error("gen", "option '%s' needs a value or is unknown", a);
        } else if (!strcmp(a, "--seed")) {
            if (parse_num(v, 0, UINT64_MAX, &n))
                return tn_usage_error("gen", "--seed wants a whole number, not '%s'", v);
            o.seed = n;
        } else if (!strcmp(a, "--scale")) {
            char *end;
            o.scale = strtod(v, &end);
            if (*end || !(o.scale >= 0.05 && o.scale <= 1000))
                return tn_usage_error("gen", "--scale wants a number from 0.05 to 1000, not '%s'", v);
        } else if (!strcmp(a, "--days")) {
            if (parse_num(v, 7, 3650, &n))
                return tn_usage_error("gen", "--days wants 7 to 3650, not '%s'", v);
            o.days = (int)n;
        } else if (!strcmp(a, "--format")) {
            o.evtx = !strcmp(v, "evtx") || !strcmp(v, "both");
            o.jsonl = !strcmp(v, "jsonl") || !strcmp(v, "both");
            if (!o.evtx && !o.jsonl)
                return tn_usage_error("gen", "--format wants evtx, jsonl or both, not '%s'", v);
        } else if (!strcmp(a, "--out")) {
            o.out = v;
        } else {
            return tn_usage_error("gen", "unknown option '%s'", a);
        }
        i++;
    }
    if (!o.out)
        return tn_usage_error("gen", "--out DIR is required");
    return tn_gen_run(&o);
}
