/* meta.c - a rule document's top-level keys and the checks of its
 * metadata (meta.h). */
#include "sigma/meta.h"

#include <stdio.h>
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

static size_t u8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static int digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* ^\d{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$, the schema's */
static int is_date(const tn_ynode *v)
{
    if (v->kind != TN_Y_SCALAR || v->len != 10 || v->str[4] != '-' || v->str[7] != '-' ||
        !digits(v->str, 4) || !digits(v->str + 5, 2) || !digits(v->str + 8, 2))
        return 0;
    int m = (v->str[5] - '0') * 10 + v->str[6] - '0', d = (v->str[8] - '0') * 10 + v->str[9] - '0';
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* 8-4-4-4-12 hex digits, in either case */
static int is_uuid(const tn_ynode *v)
{
    if (v->kind != TN_Y_SCALAR || v->len != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        char c = v->str[i];
        if (i == 8 || i == 13 || i == 18 || i == 23 ? c != '-'
            : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return 0;
    }
    return 1;
}

/* A list of strings (each at least min characters), each once; the
 * offending node, or NULL. */
static const tn_ynode *bad_list(const tn_ynode *v, size_t min, const char **why)
{
    if (v->kind != TN_Y_SEQ) {
        *why = "must be a list";
        return v;
    }
    uint32_t i = 0;
    for (const tn_ynode *e = v->child; e; e = e->next, i++) {
        if (e->kind != TN_Y_SCALAR) {   /* most often a ': ' in an item, which YAML reads as a map */
            *why = e->kind == TN_Y_MAP ? "holds a map, not a string (a ': ' inside an item makes one: quote it)"
                                       : "must hold strings, not lists";
            return e;
        }
        if (e->len < min) {
            *why = "must hold strings of two characters or more";
            return e;
        }
        if (i > 256)   /* the repeat check is quadratic: long lists are not checked */
            continue;
        for (const tn_ynode *f = v->child; f != e; f = f->next)
            if (f->kind == TN_Y_SCALAR && f->len == e->len && !memcmp(f->str, e->str, e->len)) {
                *why = "holds an item twice (the schema: unique items)";
                return e;
            }
    }
    return NULL;
}

void tn_meta_schema_warn(const tn_ynode *doc, tn_meta_warn_fn fn, void *ctx)
{
    char msg[200];
    for (const tn_ynode *k = doc->child; k; k = k->next) {
        const tn_ynode *v = k->val;
        if (k->kind != TN_Y_SCALAR || !v || tn_ynode_is_null(v))
            continue;
        const char *s = k->str, *why = NULL;
        const tn_ynode *at = v;
        switch (s[0]) {
        case 't':
        case 'n':
            if ((!strcmp(s, "title") || !strcmp(s, "name")) && v->kind == TN_Y_SCALAR &&
                v->len > 256 && u8_chars(v->str, v->len) > 256)
                why = "is longer than the schema's 256 characters";
            else if (!strcmp(s, "tags") && v->kind == TN_Y_SEQ) {
                /* the schema's pattern (^[a-z0-9_-]+\\.[a-z0-9._-]+$) is not
                 * checked: 2,479 of Hayabusa's rules tag 'lolbas' or 'sysmon',
                 * and --tags compares without case; only a repeat is said */
                at = bad_list(v, 1, &why);
            }
            break;
        case 'd':
            if (!strcmp(s, "date") && !is_date(v))
                why = "is not YYYY-MM-DD (Sigma 2 dropped YYYY/MM/DD)";
            else if (!strcmp(s, "description") && v->kind != TN_Y_SCALAR)
                why = "must be a string";
            break;
        case 'm':
            if (!strcmp(s, "modified") && !is_date(v))
                why = "is not YYYY-MM-DD (Sigma 2 dropped YYYY/MM/DD)";
            break;
        case 'i':
            if (!strcmp(s, "id") && v->kind == TN_Y_SCALAR && !is_uuid(v))
                why = "is not a UUID (the schema's format)";
            break;
        case 'a':
        case 'l':
            if ((!strcmp(s, "author") || !strcmp(s, "license")) && v->kind != TN_Y_SCALAR)
                why = "must be a string";
            break;
        case 'r':
            if (!strcmp(s, "references"))
                at = bad_list(v, 1, &why);
            else if (!strcmp(s, "related")) {
                if (v->kind != TN_Y_SEQ)
                    why = "must be a list of {id, type}";
                for (const tn_ynode *e = v->kind == TN_Y_SEQ ? v->child : NULL; e && !why; e = e->next) {
                    const tn_ynode *id = tn_ymap_get(e, "id"), *ty = tn_ymap_get(e, "type");
                    at = e;
                    if (e->kind != TN_Y_MAP || !id || !ty || id->kind != TN_Y_SCALAR || ty->kind != TN_Y_SCALAR)
                        why = "holds an entry without an id and a type";
                    else if (strcmp(ty->str, "derived") && strcmp(ty->str, "obsolete") &&
                             strcmp(ty->str, "merged") && strcmp(ty->str, "renamed") &&
                             strcmp(ty->str, "similar"))
                        at = ty, why = !strcmp(ty->str, "obsoletes")
                                          ? "type 'obsoletes' is 'obsolete' in Sigma 2"
                                          : "type is none of derived, obsolete, merged, renamed, similar";
                }
            }
            break;
        case 'f':
            if (!strcmp(s, "fields"))
                at = bad_list(v, 1, &why);
            else if (!strcmp(s, "falsepositives"))
                at = bad_list(v, 2, &why);
            break;
        }
        if (why) {
            snprintf(msg, sizeof(msg), "'%.20s' %s", s, why);
            fn(ctx, at ? at : v, msg);
        }
    }
}
