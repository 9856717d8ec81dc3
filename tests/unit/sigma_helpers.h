/* sigma_helpers.h - build events and run one rule on them, for the Sigma unit tests. */
#ifndef TN_TEST_SIGMA_HELPERS_H
#define TN_TEST_SIGMA_HELPERS_H

#include "match/scanner.h"
#include "read/event.h"
#include "sigma/sigma.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An event from name/value pairs; System members set by the caller. */
#define TEST_EVENT(var, chan, eid, ...)                                      \
    const char *var##_kv[] = {__VA_ARGS__};                           \
    tn_field var##_f[sizeof(var##_kv) / sizeof(var##_kv[0]) / 2];            \
    tn_event var;                                                            \
    test_event_init(&var, var##_f, var##_kv, sizeof(var##_kv) / sizeof(var##_kv[0]) / 2, chan, eid)

static inline void test_event_init(tn_event *ev, tn_field *f, const char **kv, size_t n,
                                   const char *chan, uint32_t eid)
{
    memset(ev, 0, sizeof(*ev));
    for (size_t i = 0; i < n; i++) {
        f[i].name = kv[2 * i];
        f[i].name_len = (uint32_t)strlen(kv[2 * i]);
        f[i].value = kv[2 * i + 1];
        f[i].value_len = (uint32_t)strlen(kv[2 * i + 1]);
        f[i].is_null = f[i].value_len == 0;
    }
    ev->provider = ev->provider_guid = ev->computer = ev->user_sid = "";
    ev->file = "";
    ev->channel = chan;
    ev->event_id = eid;
    ev->fields = f;
    ev->nfields = (uint32_t)n;
}

static char test_last_reject[512];

static inline void test_on_reject(void *ctx, const char *file, uint32_t line, uint32_t col,
                                  const char *why)
{
    (void)ctx;
    snprintf(test_last_reject, sizeof(test_last_reject), "%s:%u:%u: %s", file, line, col, why);
}

/* Loads rule text; NULL when the rule was rejected (reason in test_last_reject). */
static inline tn_ruleset *test_load(const char *yaml, int no_prefilter)
{
    tn_rule_opts o = {.data_dir = "data", .on_reject = test_on_reject,
                      .no_prefilter = no_prefilter};
    tn_ruleset *rs = NULL;
    test_last_reject[0] = 0;
    if (tn_ruleset_load_text(yaml, strlen(yaml), "t.yml", &o, NULL, &rs) != TN_RS_OK)
        return NULL;
    if (tn_ruleset_count(rs) == 0) {
        tn_ruleset_free(rs);
        return NULL;
    }
    return rs;
}

/* 1 match, 0 no match, -1 rule rejected. Runs with and without the
 * prefilter and returns -2 if they disagree. */
static inline int test_match(const char *yaml, const tn_event *ev)
{
    int res[2];
    for (int np = 0; np < 2; np++) {
        tn_ruleset *rs = test_load(yaml, np);
        if (!rs)
            return -1;
        tn_scanner *sc = tn_scanner_new(rs);
        res[np] = tn_scanner_match(sc, ev, NULL, NULL);
        tn_scanner_free(sc);
        tn_ruleset_free(rs);
    }
    return res[0] == res[1] ? res[0] : -2;
}

/* A process_creation rule text with two "heavy" fields (sigma/scanset.c):
 * selection a, CommandLine contains one of 300 words (zq000word ..
 * zq299word), and b, Image ends with one of 300 names (\imgname000.exe
 * ..), then more (further selections and the condition). Free it. */
static inline char *test_heavy_rule(const char *more)
{
    size_t cap = 64 * 1024, n = 0;
    char *t = malloc(cap);
    if (!t)
        return NULL;
    n += (size_t)snprintf(t + n, cap - n,
                          "title: heavy\nlogsource:\n  product: windows\n  category: process_creation\n"
                          "detection:\n  a:\n    CommandLine|contains:\n");
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(t + n, cap - n, "      - 'zq%03dword'\n", i);
    n += (size_t)snprintf(t + n, cap - n, "  b:\n    Image|endswith:\n");
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(t + n, cap - n, "      - '\\imgname%03d.exe'\n", i);
    snprintf(t + n, cap - n, "%s", more);
    return t;
}

#endif
