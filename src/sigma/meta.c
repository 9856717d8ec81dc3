/* meta.c - a rule document's top-level keys and the checks of its
 * metadata (meta.h). */
#include "sigma/meta.h"

#include <string.h>

static int key_slot(const char *s)
{
    switch (s[0]) {   /* one strcmp for most keys: a loop over the names was 3 M */
    case 'c': return !strcmp(s, "correlation") ? TN_K_CORRELATION : -1;
    case 'd': return !strcmp(s, "detection") ? TN_K_DETECTION : -1;
    case 'f': return !strcmp(s, "filter") ? TN_K_FILTER : -1;
    case 'i': return !strcmp(s, "id") ? TN_K_ID : -1;
    case 'l': return !strcmp(s, "level") ? TN_K_LEVEL : !strcmp(s, "logsource") ? TN_K_LOGSOURCE : -1;
    case 'n': return !strcmp(s, "name") ? TN_K_NAME : -1;
    case 's': return !strcmp(s, "status") ? TN_K_STATUS : -1;
    case 't': return !strcmp(s, "title") ? TN_K_TITLE : !strcmp(s, "tags") ? TN_K_TAGS
                   : !strcmp(s, "taxonomy") ? TN_K_TAXONOMY : -1;
    default: return -1;
    }
}

/* A document's top-level keys that loading reads. Found in one pass over
 * the keys (the first of each, as tn_ymap_get): 18 tn_ymap_get calls a
 * rule, each a strcmp over ~12 keys, were 12.8 M instructions of loading
 * the 2,872 Windows rules (callgrind, warm caches). */
void tn_doc_keys(const tn_ynode *doc, tn_dkeys *d)
{
    unsigned seen = 0;
    memset(d, 0, sizeof(*d));
    for (const tn_ynode *k = doc->child; k; k = k->next) {
        if (k->kind != TN_Y_SCALAR)
            continue;
        int i = key_slot(k->str);
        if (i >= 0 && !(seen >> i & 1)) {
            seen |= 1u << i;
            d->v[i] = k->val;
        }
    }
}

/* Whether n is a scalar that holds a NUL: read up to it ("nul\0title"
 * was the title "nul", an id lost its tail: a review, session 27). */
static int has_nul(const tn_ynode *n)
{
    return n && n->kind == TN_Y_SCALAR && memchr(n->str, 0, n->len) != NULL;
}

/* Checks level, status, tags and id, which rules and correlations share
 * (the two schemas give level and status the same values), and that
 * none of the rule's texts holds a NUL; returns a reason or NULL. */
const char *tn_check_labels(const tn_dkeys *dk, const tn_ynode **bad)
{
    static const int texts[] = {TN_K_TITLE, TN_K_ID, TN_K_NAME, TN_K_LEVEL, TN_K_STATUS};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        if (has_nul(dk->v[texts[i]])) {
            *bad = dk->v[texts[i]];
            return "a NUL byte in a title, id, name, level or status";
        }
    const tn_ynode *tg = dk->v[TN_K_TAGS];
    for (const tn_ynode *e = tg && tg->kind == TN_Y_SEQ ? tg->child : NULL; e; e = e->next)
        if (has_nul(e)) {
            *bad = e;
            return "a NUL byte in a tag";
        }
    static const char *levels[] = {"informational", "low", "medium", "high", "critical", NULL};
    static const char *statuses[] = {"stable", "test", "experimental", "deprecated", "unsupported",
                                     NULL};
    const int fields[] = {TN_K_LEVEL, TN_K_STATUS};
    const char **allowed[] = {levels, statuses};
    for (int f = 0; f < 2; f++) {
        const tn_ynode *v = dk->v[fields[f]];
        if (!v)
            continue;
        *bad = v;
        int ok = 0;
        for (const char **a = allowed[f]; v->kind == TN_Y_SCALAR && *a; a++)
            ok |= !strcmp(*a, v->str);
        if (!ok)
            return f == 0 ? "'level' must be informational, low, medium, high or critical"
                          : "'status' must be stable, test, experimental, deprecated or "
                            "unsupported";
    }
    const tn_ynode *tags = dk->v[TN_K_TAGS];
    *bad = tags;
    if (tags && tags->kind != TN_Y_SEQ && !tn_ynode_is_null(tags))
        return "'tags' must be a list";
    const tn_ynode *id = dk->v[TN_K_ID];
    *bad = id;
    if (id && id->kind != TN_Y_SCALAR)
        return "'id' must be a string";
    return NULL;
}

/* Checks a rule's or filter's metadata fields; returns a reason or NULL. */
const char *tn_check_meta(const tn_ynode *doc, const tn_dkeys *dk, const tn_ynode **bad)
{
    const tn_ynode *t = dk->v[TN_K_TITLE];
    *bad = t ? t : doc;
    if (!t || t->kind != TN_Y_SCALAR || !t->len || tn_ynode_is_null(t))   /* `title: null` was "null" */
        return "missing or empty 'title'";
    const tn_ynode *ls = dk->v[TN_K_LOGSOURCE];
    *bad = ls ? ls : doc;
    /* a filter's may be empty (the filter schema requires none of its
     * keys): it then applies to its rules whatever their log source */
    int filter = dk->v[TN_K_FILTER] && !dk->v[TN_K_DETECTION];
    if (!ls || ls->kind != TN_Y_MAP || (ls->count == 0 && !filter))
        return "missing or empty 'logsource' map";
    for (const tn_ynode *k = ls->child; k; k = k->next) {
        if (k->val && k->val->kind != TN_Y_SCALAR) {
            *bad = k;
            return "logsource values must be strings";
        }
        if (has_nul(k->val)) {
            *bad = k->val;
            return "a NUL byte in a logsource value";
        }
    }
    return tn_check_labels(dk, bad);
}
