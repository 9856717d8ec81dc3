/* value_text.c - the string side of Sigma values: escapes, the
 * transforming modifiers (contains/startswith/endswith wildcards, windash,
 * wide/utf16*, base64, base64offset) and placeholders (expand), on lists
 * of pattern strings (value_impl.h). */
#include "sigma/value_impl.h"

#include "base/alloc.h"
#include "base/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* tn_buf_put that accepts an empty, NULL source. */
static void bput(tn_buf *b, const void *p, size_t n)
{
    if (n)
        tn_buf_put(b, p, n);
}


/* Room for one more string in l: 0 or -1. */
static int plist_room(plist *l)
{
    if (l->n < l->cap)
        return 0;
    size_t ncap = l->cap ? l->cap * 2 : 4;
    tn_buf *nv = tn_realloc(l->v, ncap * sizeof(*nv));
    if (!nv)
        return -1;
    l->v = nv;
    l->cap = ncap;
    return 0;
}

int tn_plist_add(plist *l, const char *s, size_t n)
{
    if (plist_room(l))
        return -1;
    tn_buf_init(&l->v[l->n]);
    bput(&l->v[l->n], s, n);
    tn_buf_putc(&l->v[l->n], 0);  /* ensure data non-NULL */
    l->v[l->n].len--;
    return tn_buf_ok(&l->v[l->n++]) ? 0 : -1;
}

/* Appends b to l, taking its memory (b is left empty): values were
 * copied from buffer to buffer at each step, several malloc/free pairs a
 * value, ~10% of compiling SigmaHQ (callgrind). Fails, freeing b, when b
 * ran out of memory. */
int tn_plist_take(plist *l, tn_buf *b)
{
    if (!b->data && !b->oom) {   /* data never NULL, as plist_add */
        tn_buf_putc(b, 0);
        b->len--;
    }
    if (!tn_buf_ok(b) || plist_room(l)) {
        tn_buf_free(b);
        return -1;
    }
    l->v[l->n++] = *b;
    tn_buf_init(b);
    return 0;
}

void tn_plist_free(plist *l)
{
    for (size_t i = 0; i < l->n; i++)
        tn_buf_free(&l->v[i]);
    tn_free(l->v);
    memset(l, 0, sizeof(*l));
}

/* ---- string transformations ---- */

/* Sigma escapes: \* \? \\ are literals; other backslashes are literal.
 * With expand, %name% is a placeholder and \% a literal percent. */
void tn_unescape(tn_buf *out, const char *s, size_t n)
{
    /* the result is never longer: one reservation, not a check per byte */
    if (tn_buf_reserve(out, n))
        return;
    char *d = out->data + out->len;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '\\' && i + 1 < n && (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\'))
            *d++ = s[++i];
        else if (ch == '*')
            *d++ = TN_GLOB_STAR;
        else if (ch == '?')
            *d++ = TN_GLOB_ONE;
        else
            *d++ = ch;
    }
    out->len = (size_t)(d - out->data);
    out->data[out->len] = '\0';
}

void tn_base64(tn_buf *b, const unsigned char *in, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        char q[4] = {tab[v >> 18], tab[(v >> 12) & 63], tab[(v >> 6) & 63], tab[v & 63]};
        bput(b, q, 4);
    }
    if (i < n) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0);
        char q[4] = {tab[v >> 18], tab[(v >> 12) & 63], i + 1 < n ? tab[(v >> 6) & 63] : '=', '='};
        bput(b, q, 4);
    }
}

/* Decodes one UTF-8 sequence at s (bounded by n); invalid bytes map to
 * themselves so nothing is lost. Sets *used. */
static unsigned utf8_next(const unsigned char *s, size_t n, size_t *used)
{
    unsigned c = s[0];
    int k = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (k == 0 || (size_t)k >= n) {
        *used = 1;
        return c;
    }
    unsigned cp = c & (0x3F >> k);
    for (int i = 1; i <= k; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *used = 1;
            return c;
        }
        cp = cp << 6 | (s[i] & 0x3F);
    }
    *used = (size_t)k + 1;
    return cp;
}

static void put_u16(tn_buf *b, unsigned u, int be)
{
    char two[2] = {(char)(be ? u >> 8 : u & 0xFF), (char)(be ? u & 0xFF : u >> 8)};
    bput(b, two, 2);
}

/* UTF-8 to UTF-16; wildcard bytes stay single wildcard bytes. */
static void to_utf16(tn_buf *out, const tn_buf *in, int be, int bom)
{
    if (bom)
        put_u16(out, 0xFEFF, be);
    const unsigned char *s = (const unsigned char *)in->data;
    for (size_t i = 0; i < in->len;) {
        if (s[i] == TN_GLOB_STAR || s[i] == TN_GLOB_ONE || s[i] == TN_GLOB_DASH) {
            tn_buf_putc(out, (char)s[i++]);
            continue;
        }
        size_t used;
        unsigned cp = utf8_next(s + i, in->len - i, &used);
        i += used;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            put_u16(out, 0xD800 | (cp >> 10), be);
            put_u16(out, 0xDC00 | (cp & 0x3FF), be);
        } else {
            put_u16(out, cp, be);
        }
    }
}

/* base64offset: the three encodings of the value shifted by 0..2 bytes,
 * trimmed to the characters that do not depend on surrounding bytes. */
static int b64_offsets(plist *out, const tn_buf *in)
{
    static const size_t start[3] = {0, 2, 3};
    static const size_t trim_end[3] = {0, 3, 2};
    for (size_t i = 0; i < 3; i++) {
        tn_buf src, enc;
        tn_buf_init(&src);
        tn_buf_init(&enc);
        bput(&src, "\0\0", i);
        bput(&src, in->data, in->len);
        tn_base64(&enc, (const unsigned char *)src.data, src.len);
        size_t cut = trim_end[(in->len + i) % 3];
        size_t b = start[i], e = enc.len > cut ? enc.len - cut : 0;
        int rc = tn_plist_add(out, enc.data ? enc.data + (b < e ? b : 0) : "", b < e ? e - b : 0);
        tn_buf_free(&src);
        tn_buf_free(&enc);
        if (rc)
            return -1;
    }
    return 0;
}

/* The characters windash makes interchangeable (sigma-appendix-
 * modifiers.md): '-', '/', en dash, em dash, horizontal bar. */
static const char *const dashes[] = {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\x95"};
#define NDASH (sizeof(dashes) / sizeof(dashes[0]))

/* The length of the dash at s[0..n), or 0. */
static size_t dash_at(const unsigned char *s, size_t n)
{
    if (s[0] == '-' || s[0] == '/')
        return 1;
    return n >= 3 && s[0] == 0xE2 && s[1] == 0x80 && s[2] >= 0x93 && s[2] <= 0x95 ? 3 : 0;
}

static int is_word(unsigned char c) { return isalnum(c) || c == '_' || c >= 0x80; }

/* windash: each of the five in the value matches any of them, whichever
 * the rule writes: the specification "creates all possible permutations
 * of the -, /, en dash, em dash and horizontal bar characters". (Until
 * session 22 only a dash that starts a flag did, pySigma's \B[-/]\b: an
 * independent evaluator written from the specification found that
 * `start/b` did not match `start-b`.) Before an encoding each place is
 * spelt out (spell_dashes, 5^k values), so there, flags_only, only a dash
 * that starts a flag varies, as before: paths and URLs in an encoded
 * command line would otherwise make a value of 5^10 strings. */
static void windash(tn_buf *v, int flags_only)
{
    unsigned char *s = (unsigned char *)v->data;
    size_t o = 0;
    for (size_t i = 0; i < v->len;) {
        size_t k = dash_at(s + i, v->len - i);
        if (k && (!flags_only || ((i == 0 || !is_word(s[i - 1])) && i + k < v->len && is_word(s[i + k])))) {
            s[o++] = TN_GLOB_DASH;
            i += k;
            continue;
        }
        s[o++] = s[i++];
    }
    v->len = o;
    if (v->data)
        v->data[o] = 0;
}

/* Appends to out v with each windash position spelt as each dash in turn
 * (5^k strings for k positions): an encoding turns bytes into other
 * bytes, and a position the matcher would have read as any dash cannot
 * survive it. 0, -1 out of memory, 1 when there are more than four. */
static int spell_dashes(plist *out, const tn_buf *v)
{
    size_t k = 0, combos = 1;
    for (size_t i = 0; i < v->len; i++)
        k += v->data[i] == TN_GLOB_DASH;
    if (k > 4)
        return 1;
    for (size_t i = 0; i < k; i++)
        combos *= NDASH;
    for (size_t c = 0; c < combos; c++) {
        tn_buf b;
        tn_buf_init(&b);
        size_t pick = c;
        for (size_t i = 0; i < v->len; i++) {
            if (v->data[i] != TN_GLOB_DASH) {
                tn_buf_putc(&b, v->data[i]);
                continue;
            }
            tn_buf_puts(&b, dashes[pick % NDASH]);
            pick /= NDASH;
        }
        if (tn_plist_take(out, &b))
            return -1;
    }
    return 0;
}

static void add_wild(tn_buf *v, unsigned flags)
{
    int lead = (flags & (M_CONTAINS | M_ENDS)) && !(v->len && v->data[0] == TN_GLOB_STAR);
    int trail = (flags & (M_CONTAINS | M_STARTS)) && !(v->len && v->data[v->len - 1] == TN_GLOB_STAR);
    tn_buf nb;
    tn_buf_init(&nb);
    if (lead)
        tn_buf_putc(&nb, TN_GLOB_STAR);
    bput(&nb, v->data, v->len);
    if (trail)
        tn_buf_putc(&nb, TN_GLOB_STAR);
    tn_buf_free(v);
    *v = nb;
}

/* The values of l with their windash places spelt out (spell_dashes),
 * in place: 0, -1 out of memory, 1 when a value has too many. */
static int spell_all(plist *l)
{
    plist nl = {0};
    for (size_t i = 0; i < l->n; i++) {
        int rc = spell_dashes(&nl, &l->v[i]);
        if (rc) {
            tn_plist_free(&nl);
            return rc;
        }
    }
    tn_plist_free(l);
    *l = nl;
    return 0;
}

/* Applies transformation t to every string in l. */
int tn_transform(plist *l, tkind t, unsigned flags, const char **why)
{
    if (t != T_WINDASH && t != T_WILD) {   /* an encoding */
        for (size_t i = 0; i < l->n; i++) {
            const tn_buf *v = &l->v[i];
            if ((t == T_B64 || t == T_B64OFF) &&
                (memchr(v->data, TN_GLOB_STAR, v->len) || memchr(v->data, TN_GLOB_ONE, v->len))) {
                /* as pySigma: the encoding of "anything" is not a string */
                *why = "base64 cannot encode a wildcard: a '*' or '?' in the value, or "
                       "contains/startswith/endswith before base64 (put them after it)";
                return 1;
            }
        }
        int rc = spell_all(l);   /* windash came first */
        if (rc > 0)
            *why = "windash before an encoding: more than four dashes to spell out";
        if (rc)
            return rc;
    }
    plist nl = {0};
    for (size_t i = 0; i < l->n; i++) {
        tn_buf *v = &l->v[i], nb, *res = &nb;
        tn_buf_init(&nb);
        switch (t) {
        case T_WIDE: to_utf16(&nb, v, 0, 0); break;
        case T_UTF16BE: to_utf16(&nb, v, 1, 0); break;
        case T_UTF16: to_utf16(&nb, v, 0, 1); break;
        case T_B64: tn_base64(&nb, (const unsigned char *)v->data, v->len); break;
        case T_B64OFF:
            if (b64_offsets(&nl, v))
                goto oom;
            continue;
        case T_WINDASH: windash(v, !!(flags & M_ENC_AFTER)); res = v; break;   /* in place */
        case T_WILD: add_wild(v, flags); res = v; break;
        }
        int rc = tn_plist_take(&nl, res);
        tn_buf_free(&nb);
        if (rc)
            goto oom;
    }
    tn_plist_free(l);
    *l = nl;
    return 0;
oom:
    tn_plist_free(&nl);
    return -1;
}

/* ---- placeholders (expand) ---- */

/* Appends to out every expansion of s[0..n): each unescaped %name% is
 * replaced by each of its values (product over placeholders). A name
 * with no values becomes a wildcard, under a warning (c->warns). */
/* Spellings of one value past which expand refuses the rule: they
 * matched '*' once past 256 under a warning that the placeholder had no
 * value, and past it only when a later placeholder came (a review,
 * session 23); a rule's values are bounded anyway (TN_RULE_MAX_VALUES). */
#define TN_EXPAND_MAX 4096

/* Placeholder name has no value in the value c->cur: told once for that
 * value (a value with another placeholder before it spells it again). */
static void warn_unset(tn_vctx *c, const char *name)
{
    uint32_t kept = c->nwarns < TN_VCTX_WARNS ? c->nwarns : TN_VCTX_WARNS;
    for (uint32_t i = 0; i < kept; i++)
        if (c->warns[i].at == c->cur && !strcmp(c->warns[i].name, name))
            return;
    if (kept < TN_VCTX_WARNS) {
        c->warns[kept].at = c->cur;
        c->warns[kept].search = c->cur_search;
        snprintf(c->warns[kept].name, sizeof(c->warns[kept].name), "%s", name);
    } else {
        /* the same again, spelt after another placeholder's values: counted
         * once (past 32 of them, each use is) */
        uint32_t h = 2166136261u;
        for (const char *p = name; *p; p++)
            h = (h ^ (unsigned char)*p) * 16777619u;
        for (uint32_t i = 0; i < c->nmore; i++)
            if (c->more_at[i] == c->cur && c->more_hash[i] == h)
                return;
        if (c->nmore < sizeof(c->more_hash) / sizeof(c->more_hash[0])) {
            c->more_at[c->nmore] = c->cur;
            c->more_hash[c->nmore++] = h;
        }
    }
    c->nwarns++;
}

int tn_expand(tn_vctx *c, const char *s, size_t n, tn_buf *prefix, plist *out, int depth)
{
    size_t i = 0;
    tn_buf lit;
    tn_buf_init(&lit);
    while (i < n) {
        if (s[i] == '\\' && i + 1 < n && s[i + 1] == '%') {
            tn_buf_putc(&lit, '%');
            i += 2;
            continue;
        }
        const char *end = s[i] == '%' ? memchr(s + i + 1, '%', n - i - 1) : NULL;
        if (!end || end == s + i + 1) {
            /* up to the next '%' or "\%", with the escape pairs \* \? \\
             * whole: expand adds %name% and \%, and changes no other
             * escape (a chunk ended at every backslash once: C:\\x\\*
             * lost its wildcard) */
            size_t j = i + (s[i] == '\\' && i + 1 < n ? 2 : 1);
            while (j < n && s[j] != '%' && !(s[j] == '\\' && j + 1 < n && s[j + 1] == '%'))
                j += s[j] == '\\' && j + 1 < n ? 2 : 1;
            tn_unescape(&lit, s + i, j - i);
            i = j;
            continue;
        }
        /* placeholder %name%: branch on its values */
        char name[128];
        size_t nl = (size_t)(end - s) - i - 1;
        snprintf(name, sizeof(name), "%.*s", (int)(nl < sizeof(name) ? nl : sizeof(name) - 1), s + i + 1);
        const tn_ynode *vals = c->placeholders ? tn_placeholder_get(c->placeholders, name) : NULL;
        size_t rest = (size_t)(end - s) + 1;
        tn_buf base;
        tn_buf_init(&base);
        bput(&base, prefix->data, prefix->len);
        bput(&base, lit.data, lit.len);
        int rc = 0;
        if (vals && vals->kind == TN_Y_SEQ && vals->count && depth > 4) {
            /* it matched as '*' here, under a warning that the placeholder
             * had no value (a review, session 23) */
            snprintf(c->err, c->errlen, "expand: more than 4 placeholders in one value (at %%%s%%): "
                                        "refused", name);
            rc = -1;
        } else if (!vals || vals->kind != TN_Y_SEQ || vals->count == 0) {
            warn_unset(c, name);
            tn_buf_putc(&base, TN_GLOB_STAR);
            rc = tn_expand(c, s + rest, n - rest, &base, out, depth + 1);
        } else {
            for (const tn_ynode *v = vals->child; v && !rc; v = v->next) {
                tn_buf b2;
                tn_buf_init(&b2);
                bput(&b2, base.data, base.len);
                tn_unescape(&b2, v->str, v->len);
                rc = tn_expand(c, s + rest, n - rest, &b2, out, depth + 1);
                tn_buf_free(&b2);
            }
        }
        tn_buf_free(&base);
        tn_buf_free(&lit);
        return rc;
    }
    if (out->n >= TN_EXPAND_MAX) {   /* checked at each spelling: any order of placeholders */
        snprintf(c->err, c->errlen, "expand: more than %d spellings of one value: refused", TN_EXPAND_MAX);
        tn_buf_free(&lit);
        return -1;
    }
    tn_buf all;
    tn_buf_init(&all);
    bput(&all, prefix->data, prefix->len);
    bput(&all, lit.data, lit.len);
    int rc = tn_buf_ok(&all) ? tn_plist_add(out, all.data ? all.data : "", all.len) : -1;
    tn_buf_free(&all);
    tn_buf_free(&lit);
    return rc;
}


/* ---- numbers ---- */

int tn_number_parse(const char *s, size_t n, double *out)
{
    char tmp[64];
    if (n == 0 || n >= sizeof(tmp))
        return -1;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    /* a digit or a point first, after a sign: strtod's leading spaces,
     * inf and nan are not numbers */
    unsigned char c0 = (unsigned char)tmp[tmp[0] == '+' || tmp[0] == '-'];
    if (!isdigit(c0) && c0 != '.')
        return -1;
    char *end;
    errno = 0;
    double d = (n > 2 && tmp[0] == '0' && (tmp[1] == 'x' || tmp[1] == 'X'))
                   ? (double)strtoull(tmp, &end, 16) : strtod(tmp, &end);
    if (errno || end == tmp || *end || !isfinite(d))
        return -1;
    *out = d;
    return 0;
}

/* The other case of code point cp beyond ASCII, or 0: simple one-to-one
 * pairs of Latin-1, Latin Extended-A, B (its regular blocks: Romanian
 * s and t with comma ...) and Additional, Greek, Cyrillic, Armenian and the
 * full-width Latin letters. Letters of three spellings are case_alts'. */
static uint32_t other_case(uint32_t cp)
{
    if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) || (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) ||
        (cp >= 0x410 && cp <= 0x42F))
        return cp + 0x20;
    if ((cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) || (cp >= 0x3B1 && cp <= 0x3CB && cp != 0x3C2) ||
        (cp >= 0x430 && cp <= 0x44F))
        return cp - 0x20;
    if (cp == 0xFF || cp == 0x178)
        return cp == 0xFF ? 0x178 : 0xFF;
    if (cp >= 0x400 && cp <= 0x40F)
        return cp + 0x50;
    if (cp >= 0x450 && cp <= 0x45F)
        return cp - 0x50;
    if ((cp >= 0x531 && cp <= 0x556) || (cp >= 0xFF21 && cp <= 0xFF3A))
        return cp + (cp < 0x1000 ? 0x30 : 0x20);
    if ((cp >= 0x561 && cp <= 0x586) || (cp >= 0xFF41 && cp <= 0xFF5A))
        return cp - (cp < 0x1000 ? 0x30 : 0x20);
    if (cp == 0x386)
        return 0x3AC;
    if (cp == 0x3AC)
        return 0x386;
    if ((cp >= 0x388 && cp <= 0x38A) || (cp >= 0x3AD && cp <= 0x3AF))
        return cp < 0x3AD ? cp + 0x25 : cp - 0x25;
    if (cp == 0x38C || cp == 0x3CC)
        return cp == 0x38C ? 0x3CC : 0x38C;
    if ((cp >= 0x38E && cp <= 0x38F) || (cp >= 0x3CD && cp <= 0x3CE))
        return cp < 0x3CD ? cp + 0x3F : cp - 0x3F;
    if (cp == 0x4C0 || cp == 0x4CF)
        return cp == 0x4C0 ? 0x4CF : 0x4C0;
    /* pairs: upper even, lower odd */
    if ((cp >= 0x1DE && cp <= 0x1EF) || (cp >= 0x1F8 && cp <= 0x21F) || (cp >= 0x222 && cp <= 0x233) ||
        (cp >= 0x246 && cp <= 0x24F) || (cp >= 0x100 && cp <= 0x12F) || (cp >= 0x132 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177) ||
        (cp >= 0x460 && cp <= 0x481) || (cp >= 0x48A && cp <= 0x4BF) || (cp >= 0x4D0 && cp <= 0x52F) ||
        (cp >= 0x1E00 && cp <= 0x1E95) || (cp >= 0x1EA0 && cp <= 0x1EFF))
        return cp ^ 1;
    /* pairs: upper odd, lower even */
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E) || (cp >= 0x4C1 && cp <= 0x4CE) ||
        (cp >= 0x1CD && cp <= 0x1DC))
        return ((cp - 1) ^ 1) + 1;
    return 0;
}

/* The spellings of cp in either case, cp first, into alt[0..3): 1 when
 * it has no other. Sigma, final sigma and capital sigma are one letter,
 * as micro sign, mu and capital mu, sharp s and capital sharp s, and the
 * three of DZ, Dz, dz (and LJ, NJ, DZ with caron); the Kelvin sign is k,
 * the long s s (Unicode's simple case folding). */
static int case_alts(uint32_t cp, uint32_t alt[3])
{
    static const uint32_t trio[][3] = {{0x3A3, 0x3C3, 0x3C2}, {0x39C, 0x3BC, 0xB5},
                                       {0x1C4, 0x1C5, 0x1C6}, {0x1C7, 0x1C8, 0x1C9},
                                       {0x1CA, 0x1CB, 0x1CC}, {0x1F1, 0x1F2, 0x1F3},
                                       {0xDF, 0x1E9E, 0}, {0x212A, 'k', 0}, {0x17F, 's', 0}};
    alt[0] = cp;
    switch (cp) {   /* the letters of trio, before a search of it */
    case 0xB5: case 0xDF: case 0x17F: case 0x1C4: case 0x1C5: case 0x1C6: case 0x1C7:
    case 0x1C8: case 0x1C9: case 0x1CA: case 0x1CB: case 0x1CC: case 0x1F1: case 0x1F2:
    case 0x1F3: case 0x39C: case 0x3A3: case 0x3BC: case 0x3C2: case 0x3C3: case 0x1E9E:
    case 0x212A:
        break;
    default: {
        uint32_t o = other_case(cp);
        if (o)
            alt[1] = o;
        return o ? 2 : 1;
    }
    }
    for (size_t t = 0; t < sizeof(trio) / sizeof(trio[0]); t++)
        for (int j = 0; j < 3; j++)
            if (trio[t][j] == cp) {
                int n = 1;
                for (int q = 0; q < 3; q++)
                    if (q != j && trio[t][q])
                        alt[n++] = trio[t][q];
                return n;
            }
    uint32_t o = other_case(cp);
    if (o)
        alt[1] = o;
    return o ? 2 : 1;
}

/* The least code point of cp's case class (so the shortest in UTF-8). */
static uint32_t fold_cp(uint32_t cp)
{
    if (cp < 0x80)
        return cp >= 'A' && cp <= 'Z' ? cp + 0x20 : cp;
    uint32_t alt[3];
    int n = case_alts(cp, alt);
    uint32_t m = cp;
    for (int i = 1; i < n; i++) {
        uint32_t a = alt[i] >= 'A' && alt[i] <= 'Z' ? alt[i] + 0x20 : alt[i];
        if (a < m)
            m = a;
    }
    return m;
}

size_t tn_case_fold(char *out, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t len = u[i] < 0x80 ? 1 : tn_utf8_len(u + i, n - i);
        if (len <= 1) {   /* ASCII, or an invalid byte: as it is */
            unsigned char c = u[i++];
            out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 0x20 : c);
            continue;
        }
        uint32_t cp = tn_utf8_cp(u + i, len), f = fold_cp(cp);
        if (f == cp) {
            memcpy(out + o, s + i, len);
            o += len;
        } else if (f < 0x80) {
            out[o++] = (char)f;
        } else if (f < 0x800) {
            out[o++] = (char)(0xC0 | f >> 6);
            out[o++] = (char)(0x80 | (f & 0x3F));
        } else {   /* the classes hold no code point past U+FFFF */
            out[o++] = (char)(0xE0 | f >> 12);
            out[o++] = (char)(0x80 | (f >> 6 & 0x3F));
            out[o++] = (char)(0x80 | (f & 0x3F));
        }
        i += len;
    }
    return o;
}

int tn_case_variants(plist *out, const tn_buf *p, size_t max)
{
    const unsigned char *s = (const unsigned char *)p->data;
    size_t combos = 1;
    uint32_t alt[3];
    for (size_t i = 0; i < p->len;) {
        size_t n = s[i] < 0x80 ? 1 : tn_utf8_len(s + i, p->len - i);
        if (!n)
            return tn_plist_add(out, p->data, p->len) ? -1 : 0;   /* not text: as it is */
        if (n > 1) {
            combos *= (size_t)case_alts(tn_utf8_cp(s + i, n), alt);
            if (combos > max)
                return 1;
        }
        i += n;
    }
    for (size_t combo = 0; combo < combos; combo++) {
        tn_buf b;
        tn_buf_init(&b);
        if (tn_buf_reserve(&b, p->len + 8))   /* one allocation, not one per character */
            return -1;
        size_t rest = combo;
        for (size_t i = 0; i < p->len;) {
            size_t n = s[i] < 0x80 ? 1 : tn_utf8_len(s + i, p->len - i);
            int na = n > 1 ? case_alts(tn_utf8_cp(s + i, n), alt) : 1;
            uint32_t pick = alt[rest % (size_t)na];
            rest /= (size_t)na;
            if (na > 1 && pick != alt[0]) {
                unsigned char u[4];
                bput(&b, (const char *)u, tn_utf8_put(u, pick));
            } else {
                bput(&b, p->data + i, n);
            }
            i += n;
        }
        if (tn_plist_take(out, &b))
            return -1;
    }
    return 0;
}
