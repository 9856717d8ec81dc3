/* cond.c - recursive-descent parser for Sigma conditions.
 *
 *   expr    := and ('or' and)*
 *   and     := unary ('and' unary)*
 *   unary   := 'not' unary | primary
 *   primary := '(' expr ')' | QUANT 'of' (PATTERN | 'them') | IDENT
 *   QUANT   := NUMBER | 'all' | 'any'
 *
 * Keywords are case-insensitive. The legacy aggregation syntax
 * ("... | count() by X > 5") is refused here, with a pointer to
 * correlation rules; a rule's condition may end with one (tn_agg_parse),
 * which the loader makes a correlation of. Depth is limited so hostile
 * input cannot exhaust the stack. */
#include "sigma/cond.h"

#include "base/alloc.h"
#include "sigma/value.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_NEST 128

typedef struct parser {
    const char *s;
    size_t len, pos;
    const char *const *names;
    size_t n;
    tn_arena *a;
    char *err;
    size_t errlen;
    size_t err_at;
    int failed;
    int depth;
    /* current token */
    size_t tok, toklen;
} parser;

/* isalnum and isspace as in the C locale (tansa never sets another),
 * without a call for the locale's table: parsing the Windows rules'
 * conditions went from 5.9 M to 5.4 M instructions. */
static int is_alnum(int c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static int is_space(int c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static int is_ident_char(int c)
{
    return is_alnum(c) || c == '_' || c == '*' || c == '-' || c == '.' || c == '$' || c == '@' ||
           c >= 0x80;
}

static void fail(parser *p, size_t at, const char *msg)
{
    if (p->failed)
        return;
    p->failed = 1;
    p->err_at = at;
    snprintf(p->err, p->errlen, "condition: %s", msg);
}

/* Moves to the next token: an identifier run, or one punctuation byte. */
static void next(parser *p)
{
    while (p->pos < p->len && is_space((unsigned char)p->s[p->pos]))
        p->pos++;
    p->tok = p->pos;
    if (p->pos >= p->len) {
        p->toklen = 0;
        return;
    }
    if (is_ident_char((unsigned char)p->s[p->pos])) {
        while (p->pos < p->len && is_ident_char((unsigned char)p->s[p->pos]))
            p->pos++;
    } else {
        p->pos++;
    }
    p->toklen = p->pos - p->tok;
}

static int tok_is(const parser *p, const char *kw)
{
    size_t k = strlen(kw);
    return p->toklen == k && strncasecmp(p->s + p->tok, kw, k) == 0;
}

static int at_end(const parser *p) { return p->toklen == 0; }

static tn_cnode *node(parser *p, tn_cop op)
{
    tn_cnode *c = tn_arena_calloc(p->a, sizeof(*c));
    if (!c)
        fail(p, p->tok, "out of memory");
    else
        c->op = op;
    return c;
}

int tn_cond_pattern_match(const char *pat, size_t plen, const char *name)
{
    /* iterative glob with a single backtrack point */
    size_t pi = 0, ni = 0, star = (size_t)-1, mark = 0, nlen = strlen(name);
    while (ni < nlen) {
        if (pi < plen && pat[pi] == '*') {
            star = pi++;
            mark = ni;
        } else if (pi < plen && pat[pi] == name[ni]) {
            pi++;
            ni++;
        } else if (star != (size_t)-1) {
            pi = star + 1;
            ni = ++mark;
        } else {
            return 0;
        }
    }
    while (pi < plen && pat[pi] == '*')
        pi++;
    return pi == plen;
}

static tn_cnode *expr(parser *p);

/* "QUANT of TARGET": the quantifier token is current. */
static tn_cnode *quantified(parser *p)
{
    int all = tok_is(p, "all");
    unsigned long count = 1;
    size_t qtok = p->tok, qlen = p->toklen;   /* the number as written, for a message */
    if (!all && !tok_is(p, "any")) {
        count = 0;
        for (size_t i = 0; i < p->toklen; i++)
            count = count < 100000 ? count * 10 + (unsigned long)(p->s[p->tok + i] - '0') : count;
        if (count == 0) {
            fail(p, p->tok, "'0 of' is not allowed");
            return NULL;
        }
    }
    next(p);
    if (!tok_is(p, "of")) {
        fail(p, p->tok, "expected 'of'");
        return NULL;
    }
    next(p);
    if (at_end(p) || !is_ident_char((unsigned char)p->s[p->tok])) {
        fail(p, p->tok, "expected a search identifier pattern or 'them' after 'of'");
        return NULL;
    }
    int them = tok_is(p, "them");
    tn_cnode *c = node(p, all ? TN_C_ALL : TN_C_ANY);
    if (!c)
        return NULL;
    c->refs = tn_arena_alloc(p->a, (p->n ? p->n : 1) * sizeof(uint32_t));
    if (!c->refs) {
        fail(p, p->tok, "out of memory");
        return NULL;
    }
    /* a pattern is "the same as 1/all of them, but restricted to matching
     * search identifiers": names starting with '_' are out of both, as in
     * pySigma (a pattern took them in until session 28) */
    int under = 0;
    for (size_t i = 0; i < p->n; i++) {
        int hit = them || tn_cond_pattern_match(p->s + p->tok, p->toklen, p->names[i]);
        under |= hit && p->names[i][0] == '_';
        if (hit && p->names[i][0] != '_')
            c->refs[c->nrefs++] = (uint32_t)i;
    }
    if (c->nrefs == 0) {
        fail(p, p->tok, them ? "'them' matches no search identifier"
                        : under ? "pattern matches only search identifiers starting with '_', which "
                                  "patterns leave out as 'them' does"
                                : "pattern matches no search identifier");
        return NULL;
    }
    if (!all && count > c->nrefs) {   /* could never hold: the rule would never fire */
        char why[120];   /* the number as written: a large one was cut to 6 digits */
        snprintf(why, sizeof(why), "'%.*s of' can never hold: %s %u search identifier%s",
                 (int)(qlen > 24 ? 24 : qlen), p->s + qtok, them ? "'them' is" : "the pattern matches",
                 c->nrefs, c->nrefs == 1 ? "" : "s");
        fail(p, p->tok, why);
        return NULL;
    }
    c->b = NULL;
    c->ref = (uint32_t)(all ? c->nrefs : count);
    next(p);
    return c;
}

static tn_cnode *identifier(parser *p)
{
    for (size_t i = 0; i < p->n; i++) {
        if (strlen(p->names[i]) == p->toklen && !memcmp(p->names[i], p->s + p->tok, p->toklen)) {
            tn_cnode *c = node(p, TN_C_REF);
            if (c)
                c->ref = (uint32_t)i;
            next(p);
            return c;
        }
    }
    if (memchr(p->s + p->tok, '*', p->toklen)) {
        fail(p, p->tok, "a wildcard identifier needs '1 of' or 'all of'");
        return NULL;
    }
    /* a search identifier named with a space ('sel x') is there, but no
     * condition can name it: said so, not "unknown" (a review, session 28) */
    for (size_t i = 0; i < p->n; i++) {
        const char *nm = p->names[i];
        if (strlen(nm) > p->toklen && !memcmp(nm, p->s + p->tok, p->toklen) &&
            (nm[p->toklen] == ' ' || nm[p->toklen] == '\t')) {
            fail(p, p->tok, "unknown search identifier (one is named with a space, which a condition "
                            "cannot name: rename it)");
            return NULL;
        }
    }
    fail(p, p->tok, "unknown search identifier");
    return NULL;
}

static tn_cnode *primary(parser *p)
{
    if (at_end(p)) {
        fail(p, p->tok, "unexpected end");
        return NULL;
    }
    char c0 = p->s[p->tok];
    if (c0 == '(') {
        next(p);
        tn_cnode *e = expr(p);
        if (!e)
            return NULL;
        if (!tok_is(p, ")")) {
            fail(p, p->tok, "expected ')'");
            return NULL;
        }
        next(p);
        return e;
    }
    if (c0 == '|') {
        fail(p, p->tok, "aggregation expressions ('| count() ...') are not Sigma v2; "
                        "use a correlation rule");
        return NULL;
    }
    if (!is_ident_char((unsigned char)c0)) {
        fail(p, p->tok, "unexpected character");
        return NULL;
    }
    if (tok_is(p, "and") || tok_is(p, "or") || tok_is(p, "of") || tok_is(p, "them")) {
        fail(p, p->tok, "unexpected keyword");
        return NULL;
    }
    int digits = 1;
    for (size_t i = 0; i < p->toklen; i++)
        digits &= isdigit((unsigned char)p->s[p->tok + i]) != 0;
    if (digits || tok_is(p, "all") || tok_is(p, "any")) {
        /* "all" alone could be an identifier; only a quantifier if "of" follows */
        size_t save_pos = p->pos, save_tok = p->tok, save_len = p->toklen;
        next(p);
        int of = tok_is(p, "of");
        p->pos = save_pos, p->tok = save_tok, p->toklen = save_len;
        if (of)
            return quantified(p);
    }
    return identifier(p);
}

static tn_cnode *unary(parser *p)
{
    if (++p->depth > MAX_NEST) {
        fail(p, p->tok, "nested too deeply");
        return NULL;
    }
    tn_cnode *r;
    if (tok_is(p, "not")) {
        next(p);
        tn_cnode *inner = unary(p);
        r = inner ? node(p, TN_C_NOT) : NULL;
        if (r)
            r->a = inner;
    } else {
        r = primary(p);
    }
    p->depth--;
    return r;
}

tn_cnode *tn_cond_balance(tn_arena *a, tn_cop op, tn_cnode *const *v, size_t n)
{
    if (n == 1)
        return v[0];
    size_t h = n / 2;
    tn_cnode *l = tn_cond_balance(a, op, v, h), *r = l ? tn_cond_balance(a, op, v + h, n - h) : NULL;
    tn_cnode *c = r ? tn_arena_calloc(a, sizeof(*c)) : NULL;
    if (c) {
        c->op = op;
        c->a = l;
        c->b = r;
    }
    return c;
}

/* A run of operands joined by kw ("and", "or"), each from sub: one node
 * tree of depth log2(n), not a chain n deep (9,000 'or' terms overflowed
 * the stack of every walk of the tree: atoms, usable, eval; a review,
 * session 23). Evaluation order stays left to right. */
static tn_cnode *run_of(parser *p, const char *kw, tn_cop op, tn_cnode *(*sub)(parser *))
{
    tn_cnode *first = sub(p);
    if (!first || !tok_is(p, kw))
        return first;
    size_t n = 1, cap = 16;
    tn_cnode **v = tn_malloc(cap * sizeof(*v));
    if (!v) {
        fail(p, p->tok, "out of memory");
        return NULL;
    }
    v[0] = first;
    while (tok_is(p, kw)) {
        next(p);
        tn_cnode *r = sub(p);
        if (!r) {
            tn_free(v);
            return NULL;
        }
        if (n == cap) {
            tn_cnode **nv = tn_realloc(v, 2 * cap * sizeof(*v));
            if (!nv) {
                tn_free(v);
                fail(p, p->tok, "out of memory");
                return NULL;
            }
            v = nv;
            cap *= 2;
        }
        v[n++] = r;
    }
    tn_cnode *t = tn_cond_balance(p->a, op, v, n);
    tn_free(v);
    if (!t)
        fail(p, p->tok, "out of memory");
    return t;
}

static tn_cnode *and_expr(parser *p)
{
    return run_of(p, "and", TN_C_AND, unary);
}

static tn_cnode *expr(parser *p)
{
    if (++p->depth > MAX_NEST) {
        fail(p, p->tok, "nested too deeply");
        return NULL;
    }
    tn_cnode *l = run_of(p, "or", TN_C_OR, and_expr);
    p->depth--;
    return l;
}

tn_cnode *tn_cond_parse(const char *text, size_t len, const char *const *names, size_t n,
                        tn_arena *a, char *err, size_t errlen, size_t *at)
{
    parser p;
    memset(&p, 0, sizeof(p));
    p.s = text;
    p.len = len;
    p.names = names;
    p.n = n;
    p.a = a;
    p.err = err;
    p.errlen = errlen;
    next(&p);
    if (at_end(&p)) {
        fail(&p, 0, "empty");
        *at = 0;
        return NULL;
    }
    tn_cnode *root = expr(&p);
    if (root && !at_end(&p)) {
        if (p.s[p.tok] == '|')
            fail(&p, p.tok, "aggregation expressions ('| count() ...') are not Sigma v2; "
                            "use a correlation rule");
        else
            fail(&p, p.tok, "unexpected text after the expression");
    }
    if (p.failed) {
        *at = p.err_at;
        return NULL;
    }
    return root;
}

/* ---- the legacy aggregation (cond.h) ---- */

static size_t skip_space(const char *s, size_t len, size_t i)
{
    while (i < len && is_space((unsigned char)s[i]))
        i++;
    return i;
}

/* A field name at s[i..): letters, digits and _ . - @ $ and bytes past
 * ASCII; its end, i when there is none. */
static size_t field_end(const char *s, size_t len, size_t i)
{
    while (i < len && (is_alnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-' ||
                       s[i] == '@' || s[i] == '$' || (unsigned char)s[i] >= 0x80))
        i++;
    return i;
}

static int agg_fail(char *err, size_t errlen, size_t *at, size_t where, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    *at = where;
    return -1;
}

int tn_agg_parse(const char *s, size_t len, tn_arena *a, tn_legacy_agg *g, char *err,
                 size_t errlen, size_t *at)
{
    memset(g, 0, sizeof(*g));
    size_t i = skip_space(s, len, 0), e = field_end(s, len, i);
    static const char *const fns[] = {"count", "sum", "avg", "min", "max"};
    int fn = -1;
    for (int k = 0; k < 5; k++)
        if (e - i == strlen(fns[k]) && !strncasecmp(s + i, fns[k], e - i))
            fn = k;
    if (fn < 0)
        return agg_fail(err, errlen, at, i,
                        e - i == 4 && !strncasecmp(s + i, "near", 4)
                            ? "the legacy 'near' aggregation is not supported; use a temporal correlation rule"
                            : "expected an aggregation: count(), sum(FIELD) or avg(FIELD)");
    if (fn > TN_AGG_AVG)
        return agg_fail(err, errlen, at, i,
                        "the aggregations min and max have no correlation type to become; use a correlation rule");
    g->fn = fn;
    i = skip_space(s, len, e);
    if (i >= len || s[i] != '(')
        return agg_fail(err, errlen, at, i, "expected '(' after the aggregation function");
    i = skip_space(s, len, i + 1);
    e = field_end(s, len, i);
    if (e > i && !(g->field = tn_arena_strndup(a, s + i, e - i)))
        return agg_fail(err, errlen, at, i, "out of memory");
    i = skip_space(s, len, e);
    if (i >= len || s[i] != ')')
        return agg_fail(err, errlen, at, i, "expected a field name and ')'");
    if (fn != TN_AGG_COUNT && !g->field)
        return agg_fail(err, errlen, at, i, "sum() and avg() need a field");
    i = skip_space(s, len, i + 1);
    e = field_end(s, len, i);
    if (e - i == 2 && !strncasecmp(s + i, "by", 2)) {
        i = skip_space(s, len, e);
        e = field_end(s, len, i);
        if (e == i)
            return agg_fail(err, errlen, at, i, "expected a field name after 'by'");
        if (!(g->group = tn_arena_strndup(a, s + i, e - i)))
            return agg_fail(err, errlen, at, i, "out of memory");
        i = skip_space(s, len, e);
    }
    /* the operator, longest first */
    static const struct { const char *t; int op; } ops[] = {
        {">=", 1}, {"<=", 3}, {"==", 4}, {"!=", 5}, {">", 0}, {"<", 2}, {"=", 4}};
    int op = -1;
    size_t opat = i;
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]) && op < 0; k++) {
        size_t n = strlen(ops[k].t);
        if (i + n <= len && !memcmp(s + i, ops[k].t, n)) {
            op = ops[k].op;
            i += n;
        }
    }
    if (op < 0)
        return agg_fail(err, errlen, at, i, "expected a comparison: >, >=, <, <=, = or !=");
    /* a count below a limit ("rare": `count() by ServiceName < 5` over
     * 7d) judged over sliding windows flagged every group, whose last
     * events' window always holds few (a review, session 23); the spec
     * gives no tumbling windows to run it on. Refused, as min and max. */
    if (op >= 2)
        return agg_fail(err, errlen, at, opat,
                        "a legacy aggregation with <, <=, = or != (a count below a limit) is refused: "
                        "its sliding windows would flag every group; use a correlation rule");
    g->op = op;
    i = skip_space(s, len, i);
    size_t ne = i;
    while (ne < len && !is_space((unsigned char)s[ne]))
        ne++;
    if (ne == i || tn_number_parse(s + i, ne - i, &g->value))
        return agg_fail(err, errlen, at, i, "expected a number to compare with");
    i = skip_space(s, len, ne);
    if (i < len)
        return agg_fail(err, errlen, at, i, "unexpected text after the aggregation");
    g->present = 1;
    return 0;
}

static unsigned polarity(const tn_cnode *n, uint32_t s, unsigned pos)
{
    switch (n->op) {
    case TN_C_REF:
        return n->ref == s ? pos : 0;
    case TN_C_ANY:
    case TN_C_ALL:
        for (uint32_t i = 0; i < n->nrefs; i++)
            if (n->refs[i] == s)
                return pos;
        return 0;
    case TN_C_NOT:
        return polarity(n->a, s, pos ^ 3u);
    default:
        return polarity(n->a, s, pos) | (n->b ? polarity(n->b, s, pos) : 0);
    }
}

unsigned tn_cond_polarity(const tn_cnode *n, uint32_t s)
{
    return n ? polarity(n, s, 1) : 0;
}
