/* json_dom.c - recursive-descent JSON parser building an arena tree.
 *
 * One record is parsed at a time from a contiguous buffer the framer has
 * already cut out, so the parser never waits for input. Strings without
 * escapes or non-ASCII bytes are copied in one memcpy; the rest go through
 * a decoder that validates UTF-8 and replaces every bad byte (and every
 * lone surrogate escape) with U+FFFD, so events always carry valid UTF-8.
 * Numbers keep their source text: Sigma compares numbers as strings, and
 * the text of 18446744073709551615 or 1.50 must survive unchanged. */
#include "json_dom.h"

#include "base/utf8.h"
#include "base/buf.h"
#include "json_scan.h"

#include <string.h>

typedef struct parser {
    const unsigned char *s;
    size_t n, i;
    int depth;
    tn_arena *a;
    tn_jparse *st;
} parser;

static void *fail(parser *p, const char *msg)
{
    if (!p->st->err) {
        p->st->err = msg;
        p->st->err_pos = p->i;
    }
    return NULL;
}

static void *fail_oom(parser *p)
{
    p->st->oom = 1;
    return fail(p, "out of memory");
}

static void skip_ws(parser *p)
{
    while (p->i < p->n) {
        unsigned char c = p->s[p->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->i++;
    }
}

/* Reads 4 hex digits at s[i..]; returns the value or -1. */
static long hex4(const unsigned char *s, size_t n, size_t i)
{
    if (n - i < 4)
        return -1;
    long v = 0;
    for (size_t k = i; k < i + 4; k++) {
        unsigned char c = s[k];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

long tn_json_u_escape(const char *str, size_t n, size_t *used, int *lone)
{
    const unsigned char *s = (const unsigned char *)str;
    long cp = hex4(s, n, 1);
    if (cp < 0)
        return -1;
    *used = 5;
    if (cp >= 0xD800 && cp <= 0xDBFF && n - 5 >= 6 && s[5] == '\\' && s[6] == 'u') {
        long lo = hex4(s, n, 7);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            *used = 11;
            return 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) {
        *lone = 1;
        return 0xFFFD;
    }
    return cp;
}

/* Decodes a \u escape starting at s[*i] == 'u' (the backslash is behind);
 * a lone surrogate is recorded as bad Unicode. Returns the code point or
 * -1 on bad hex. */
static long unicode_escape(parser *p, size_t *i, size_t end)
{
    size_t used;
    int lone = 0;
    long cp = tn_json_u_escape((const char *)p->s + *i, end - *i, &used, &lone);
    if (cp < 0)
        return -1;
    *i += used;
    if (lone)
        p->st->bad_unicode = 1;
    return cp;
}

static int simple_escape(unsigned char c, unsigned char *out)
{
    switch (c) {
    case '"': case '\\': case '/': *out = c; return 1;
    case 'b': *out = '\b'; return 1;
    case 'f': *out = '\f'; return 1;
    case 'n': *out = '\n'; return 1;
    case 'r': *out = '\r'; return 1;
    case 't': *out = '\t'; return 1;
    default: return 0;
    }
}

/* Decodes s[start..end) (between the quotes) into out; returns the length
 * or -1 with the error recorded. out holds 3 bytes per input byte. */
static long decode_string(parser *p, size_t start, size_t end, unsigned char *out)
{
    size_t i = start, o = 0;
    while (i < end) {
        unsigned char c = p->s[i];
        if (c == '\\') {
            i++;
            if (p->s[i] == 'u') {
                long cp = unicode_escape(p, &i, end);
                if (cp < 0) {
                    p->i = i;
                    fail(p, "bad \\u escape");
                    return -1;
                }
                o += tn_utf8_put(out + o, (uint32_t)cp);
            } else if (simple_escape(p->s[i], &out[o])) {
                o++, i++;
            } else {
                p->i = i;
                fail(p, "bad escape in string");
                return -1;
            }
        } else if (c < 0x80) {
            size_t run = 1 + tn_scan_str(p->s + i + 1, end - i - 1);
            memcpy(out + o, p->s + i, run);
            o += run, i += run;
        } else {
            size_t len = tn_utf8_len(p->s + i, end - i);
            if (len) {
                memcpy(out + o, p->s + i, len);
                o += len, i += len;
            } else {
                p->st->bad_unicode = 1;
                o += tn_utf8_put(out + o, 0xFFFD);
                i++;
            }
        }
    }
    out[o] = '\0';
    return (long)o;
}

/* Parses the string at s[i] == '"'; sets *out and *len (arena copy). */
static int parse_string(parser *p, const char **out, uint32_t *len)
{
    size_t start = ++p->i, j = start + tn_scan_str(p->s + start, p->n - start);
    if (j < p->n && p->s[j] == '"') { /* plain ASCII: one copy */
        *out = tn_arena_strndup(p->a, (const char *)p->s + start, j - start);
        if (!*out)
            return fail_oom(p), -1;
        *len = (uint32_t)(j - start);
        p->i = j + 1;
        return 0;
    }
    while (j < p->n && p->s[j] != '"') {
        j += p->s[j] == '\\' ? 2 : 1;
        if (j < p->n)
            j += tn_scan_any3(p->s + j, p->n - j, '"', '\\', '"');
    }
    if (j >= p->n) {
        p->i = p->n;
        return fail(p, "unterminated string"), -1;
    }
    unsigned char *buf = tn_arena_alloc(p->a, (j - start) * 3 + 1);
    if (!buf)
        return fail_oom(p), -1;
    long got = decode_string(p, start, j, buf);
    if (got < 0)
        return -1;
    *out = (const char *)buf;
    *len = (uint32_t)got;
    p->i = j + 1;
    return 0;
}

static size_t digits(parser *p)
{
    size_t k = 0;
    while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
        p->i++, k++;
    return k;
}

/* number = [-] int [frac] [exp], checked strictly; text kept verbatim. */
static int parse_number(parser *p, tn_jnode *v)
{
    size_t start = p->i;
    if (p->s[p->i] == '-')
        p->i++;
    if (p->i < p->n && p->s[p->i] == '0')
        p->i++;
    else if (!digits(p))
        return fail(p, "bad number"), -1;
    if (p->i < p->n && p->s[p->i] == '.') {
        p->i++;
        if (!digits(p))
            return fail(p, "bad number"), -1;
    }
    if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        p->i++;
        if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
            p->i++;
        if (!digits(p))
            return fail(p, "bad number"), -1;
    }
    v->type = TN_J_NUMBER;
    v->text_len = (uint32_t)(p->i - start);
    v->text = tn_arena_strndup(p->a, (const char *)p->s + start, p->i - start);
    return v->text ? 0 : (fail_oom(p), -1);
}

static int parse_literal(parser *p, tn_jnode *v)
{
    static const struct { const char *word; size_t len; tn_jtype type; } lits[] = {
        {"true", 4, TN_J_TRUE}, {"false", 5, TN_J_FALSE}, {"null", 4, TN_J_NULL},
    };
    for (size_t k = 0; k < 3; k++) {
        if (p->n - p->i >= lits[k].len && memcmp(p->s + p->i, lits[k].word, lits[k].len) == 0) {
            p->i += lits[k].len;
            v->type = (uint8_t)lits[k].type;
            return 0;
        }
    }
    return fail(p, "not JSON (unexpected character)"), -1;
}

static tn_jnode *parse_value(parser *p);

/* Parses the members (object) or elements (array) after the opening bracket. */
static int parse_container(parser *p, tn_jnode *v, int object)
{
    unsigned char close = object ? '}' : ']';
    tn_jnode **tail = &v->kid;
    p->i++;
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == close) {
        p->i++;
        return 0;
    }
    for (;;) {
        const char *key = NULL;
        uint32_t klen = 0;
        if (object) {
            skip_ws(p);
            if (p->i >= p->n || p->s[p->i] != '"')
                return fail(p, "expected a member name"), -1;
            if (parse_string(p, &key, &klen) < 0)
                return -1;
            skip_ws(p);
            if (p->i >= p->n || p->s[p->i] != ':')
                return fail(p, "expected ':'"), -1;
            p->i++;
        }
        tn_jnode *kid = parse_value(p);
        if (!kid)
            return -1;
        kid->key = key;
        kid->key_len = klen;
        *tail = kid;
        tail = &kid->next;
        skip_ws(p);
        if (p->i < p->n && p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->i < p->n && p->s[p->i] == close) {
            p->i++;
            return 0;
        }
        return fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'"), -1;
    }
}

static tn_jnode *parse_value(parser *p)
{
    skip_ws(p);
    if (p->i >= p->n)
        return fail(p, "unexpected end of input");
    tn_jnode *v = tn_arena_calloc(p->a, sizeof(*v));
    if (!v)
        return fail_oom(p);
    unsigned char c = p->s[p->i];
    int rc;
    if (c == '{' || c == '[') {
        if (++p->depth > TN_JSON_MAX_DEPTH)
            return fail(p, "nesting too deep");
        v->type = c == '{' ? TN_J_OBJECT : TN_J_ARRAY;
        rc = parse_container(p, v, c == '{');
        p->depth--;
    } else if (c == '"') {
        v->type = TN_J_STRING;
        rc = parse_string(p, &v->text, &v->text_len);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        rc = parse_number(p, v);
    } else {
        rc = parse_literal(p, v);
    }
    return rc < 0 ? NULL : v;
}

tn_jnode *tn_json_parse(tn_arena *a, const char *s, size_t n, tn_jparse *st)
{
    parser p = {(const unsigned char *)s, n, 0, 0, a, st};
    st->err = NULL;
    st->err_pos = 0;
    st->bad_unicode = 0;
    st->oom = 0;
    tn_jnode *root = parse_value(&p);
    if (!root)
        return NULL;
    skip_ws(&p);
    if (p.i != n)
        return fail(&p, "extra data after the JSON value");
    return root;
}

tn_jnode *tn_json_get(const tn_jnode *o, const char *key)
{
    if (!o || o->type != TN_J_OBJECT)
        return NULL;
    size_t len = strlen(key);
    for (tn_jnode *m = o->kid; m; m = m->next)
        if (m->key_len == len && memcmp(m->key, key, len) == 0)
            return m;
    return NULL;
}
