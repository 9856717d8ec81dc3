/* config.c - the data files rules are compiled with: the logsource
 * maps and the placeholder values, found in the data folder unless the
 * options name them. */
#include "sigma/config.h"

#include "base/alloc.h"
#include "base/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int file_exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Finds the data folder: option, $TANSA_DATA, next to the executable,
 * ./data. Writes it to out; returns 0 or -1 when none has logsources.yml. */
static int find_data_dir(const tn_rule_opts *o, char *out, size_t n)
{
    char probe[4096], exe[4096];
    const char *cands[4] = {o ? o->data_dir : NULL, getenv("TANSA_DATA"), NULL, "data"};
    ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (k > 0) {
        exe[k] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            size_t room = sizeof(exe) - (size_t)(slash - exe);
            snprintf(slash, room, "/../data");
            cands[2] = exe;
        }
    }
    for (int i = 0; i < 4; i++) {
        if (!cands[i])
            continue;
        snprintf(probe, sizeof(probe), "%s/logsources.yml", cands[i]);
        if (file_exists(probe)) {
            snprintf(out, n, "%s", cands[i]);
            return 0;
        }
    }
    return -1;
}

static int by_name(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

const tn_ynode *tn_placeholder_get(const tn_placeholders *p, const char *name)
{
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(p->names[mid], name);
        if (!c)
            return p->vals[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* p's names sorted, with their values (pairs in one array: names[i] at
 * 2i, its node at 2i + 1, so one sort keeps them together). */
static const tn_placeholders *index_placeholders(const tn_ynode *p, tn_arena *a)
{
    tn_placeholders *x = tn_arena_calloc(a, sizeof(*x));
    const void **pairs = x ? tn_arena_alloc(a, (p->count ? p->count : 1) * 2 * sizeof(*pairs)) : NULL;
    if (!pairs)
        return NULL;
    for (const tn_ynode *k = p->child; k; k = k->next, x->n++) {
        pairs[2 * x->n] = k->str;
        pairs[2 * x->n + 1] = k->val;
    }
    qsort(pairs, x->n, 2 * sizeof(*pairs), by_name);
    x->names = tn_arena_alloc(a, (x->n ? x->n : 1) * sizeof(*x->names));
    x->vals = tn_arena_alloc(a, (x->n ? x->n : 1) * sizeof(*x->vals));
    if (!x->names || !x->vals)
        return NULL;
    for (size_t i = 0; i < x->n; i++) {
        x->names[i] = pairs[2 * i];
        x->vals[i] = pairs[2 * i + 1];
    }
    return x;
}

int tn_rules_config(const tn_rule_opts *o, tn_ycache *yc, tn_lsmap **ls, tn_arena *a,
                    const tn_placeholders **placeholders, char *err, size_t errlen)
{
    char dir[4096], path[4200];
    if (find_data_dir(o, dir, sizeof(dir))) {
        snprintf(err, errlen, "cannot find data/logsources.yml (set TANSA_DATA)");
        return -1;
    }
    size_t n = 1 + (o ? o->nlogsource_maps : 0);
    const char **files = tn_calloc(n, sizeof(*files));
    if (!files)
        return -1;
    snprintf(path, sizeof(path), "%s/logsources.yml", dir);
    files[0] = path;
    for (size_t i = 1; i < n; i++)
        files[i] = o->logsource_maps[i - 1];
    int rc = tn_lsmap_load_cached(files, n, yc, ls, err, errlen);
    tn_free((void *)files);
    if (rc)
        return -1;
    const char *ph = o && o->placeholders ? o->placeholders : NULL;
    if (!ph) {
        snprintf(path, sizeof(path), "%s/placeholders.yml", dir);
        ph = file_exists(path) ? path : NULL;
    }
    if (!ph)
        return 0;
    char *text;
    size_t len;
    tn_ystream st;
    uint32_t line, col;
    char msg[200];
    if (tn_file_read(ph, 64u << 20, &text, &len)) {
        snprintf(err, errlen, "%.300s: %.100s", ph, strerror(errno));
        return -1;
    }
    rc = tn_ycache_parse(yc, text, len, a, &st, msg, sizeof(msg), &line, &col);
    tn_free(text);
    if (rc) {
        snprintf(err, errlen, "%.300s:%u:%u: %.150s", ph, line, col, msg);
        return -1;
    }
    /* a map 'placeholders' of names, each a list of strings: anything
     * else was taken without a word, every placeholder then matching
     * anything ('placeholdrs:', a scalar, a list), or a value that is a
     * list or map as '' (a review, session 23) */
    const tn_ynode *doc = st.ndocs ? st.docs[0] : NULL;
    const tn_ynode *p = doc && doc->kind == TN_Y_MAP ? tn_ymap_get(doc, "placeholders") : NULL;
    const tn_ynode *bad = !p || p->kind != TN_Y_MAP ? (p ? p : doc) : NULL;
    const char *why = bad ? "needs a map 'placeholders' of names, each a list of strings" : NULL;
    for (const tn_ynode *k = p && !bad ? p->child : NULL; k && !bad; k = k->next) {
        const tn_ynode *v = k->val;
        if (v && v->kind == TN_Y_SCALAR && tn_ynode_is_null(v))
            continue;   /* `Admins:` with no value: unknown, as [] (placeholders.yml) */
        if (!v || v->kind != TN_Y_SEQ)
            bad = v ? v : k, why = "a placeholder's values must be a list of strings";
        for (const tn_ynode *e = v && v->kind == TN_Y_SEQ ? v->child : NULL; e && !bad; e = e->next)
            if (e->kind != TN_Y_SCALAR)
                bad = e, why = "a placeholder's values must be strings";
    }
    if (why) {
        snprintf(err, errlen, "%.300s:%u:%u: %s", ph, bad ? bad->line : 1, bad ? bad->col : 1, why);
        return -1;
    }
    if (!(*placeholders = index_placeholders(p, a)))
        return -1;   /* out of memory: err is empty */
    return 0;
}
