/* value.c - Sigma value modifiers: from "field|mods: values" to matchers.
 *
 * A value starts as a pattern string: bytes where TN_GLOB_STAR/ONE/DASH
 * stand for wildcards (unescaped `*`, `?`, windash positions). Modifiers
 * are applied left to right to the list of pattern strings (some expand
 * one value into several: base64offset, expand), and the result is
 * classified as exact/prefix/suffix/contains/glob so the matcher can use
 * the cheapest comparison. Type modifiers (re, cidr, lt..., exists,
 * fieldref, time parts) produce the other tn_value kinds. */
#include "sigma/value_impl.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/utf8.h"
#include "sigma/ruleset_impl.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(tn_vctx *c, const tn_ynode *n, const char *fmt, const char *arg)
{
    snprintf(c->err, c->errlen, fmt, arg);
    c->err_node = n;
    return -1;
}

/* ---- modifier names ---- */

static int parse_mod(tn_vctx *c, const tn_ynode *kn, mods *m, const char *s, size_t n)
{
    static const struct { const char *name; unsigned flag; } flags[] = {
        {"contains", M_CONTAINS}, {"startswith", M_STARTS}, {"endswith", M_ENDS},
        {"all", M_ALL}, {"exists", M_EXISTS}, {"cased", M_CASED}, {"neq", M_NEQ},
        {"re", M_RE}, {"cidr", M_CIDR}, {"fieldref", M_FIELDREF}, {"expand", M_EXPAND},
        {"i", M_RE_I}, {"m", M_RE_M}, {"s", M_RE_S},
    };
    static const struct { const char *name; tkind t; } trans[] = {
        {"wide", T_WIDE}, {"utf16le", T_WIDE}, {"utf16be", T_UTF16BE}, {"utf16", T_UTF16},
        {"base64", T_B64}, {"base64offset", T_B64OFF}, {"windash", T_WINDASH},
    };
    static const struct { const char *name; tn_numop op; } ops[] = {
        {"lt", TN_N_LT}, {"lte", TN_N_LTE}, {"gt", TN_N_GT}, {"gte", TN_N_GTE},
    };
    static const struct { const char *name; tn_timepart tp; } tps[] = {
        {"minute", TN_T_MINUTE}, {"hour", TN_T_HOUR}, {"day", TN_T_DAY},
        {"week", TN_T_WEEK}, {"month", TN_T_MONTH}, {"year", TN_T_YEAR},
    };
    char name[32];
    if (n == 0 || n >= sizeof(name))
        return fail(c, kn, "empty or overlong modifier in '%s'", kn->str);
    memcpy(name, s, n);
    name[n] = 0;
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (!strcmp(name, flags[i].name)) {
            if ((flags[i].flag & (M_RE_I | M_RE_M | M_RE_S)) && !(m->flags & M_RE))
                return fail(c, kn, "modifier '%s' is only valid after 're'", name);
            m->flags |= flags[i].flag;
            if (flags[i].flag & (M_CONTAINS | M_STARTS | M_ENDS)) {
                if (m->nt == 16)
                    return fail(c, kn, "too many modifiers in '%s'", kn->str);
                m->t[m->nt++] = T_WILD;  /* wildcards join the transform order */
            }
            return 0;
        }
    for (size_t i = 0; i < sizeof(trans) / sizeof(trans[0]); i++)
        if (!strcmp(name, trans[i].name)) {
            if (m->nt == 16)
                return fail(c, kn, "too many modifiers in '%s'", kn->str);
            m->t[m->nt++] = trans[i].t;
            return 0;
        }
    /* a second comparison or time part made the last one win without a
     * word (`gt|lt` was lt; a review, session 23) */
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (!strcmp(name, ops[i].name)) {
            if (m->has_op)
                return fail(c, kn, "two comparisons (lt, lte, gt, gte) in '%s'", kn->str);
            m->op = ops[i].op;
            m->has_op = 1;
            return 0;
        }
    for (size_t i = 0; i < sizeof(tps) / sizeof(tps[0]); i++)
        if (!strcmp(name, tps[i].name)) {
            if (m->tpart != TN_T_NONE)
                return fail(c, kn, "two parts of a time (minute ... year) in '%s'", kn->str);
            m->tpart = tps[i].tp;
            return 0;
        }
    return fail(c, kn, "unknown modifier '%s'", name);
}

/* ---- field names ---- */

tn_sysfield tn_field_sys(const char *name, size_t len)
{
#define SYS(s, f) {s, sizeof(s) - 1, f}   /* lengths compared first: ~23,000 names at load */
    static const struct { const char *n; size_t len; tn_sysfield f; } sys[] = {
        SYS("EventID", TN_F_EVENTID), SYS("Channel", TN_F_CHANNEL), SYS("Computer", TN_F_COMPUTER),
        SYS("Provider_Name", TN_F_PROVIDER), SYS("Provider_Guid", TN_F_PROVIDER_GUID),
        SYS("Level", TN_F_LEVEL), SYS("Task", TN_F_TASK), SYS("Opcode", TN_F_OPCODE),
        SYS("Keywords", TN_F_KEYWORDS), SYS("EventRecordID", TN_F_RECORDID),
        SYS("Version", TN_F_VERSION), SYS("Security_UserID", TN_F_USERID), SYS("Execution_ProcessID", TN_F_PID),
        SYS("Execution_ThreadID", TN_F_TID), SYS("TimeCreated_SystemTime", TN_F_TIME),
    };
    for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++)
        if (sys[i].len == len && !memcmp(sys[i].n, name, len))
            return sys[i].f;
    return TN_F_DATA;
}

void tn_fieldname_init(tn_fieldname *f, const char *name, size_t len)
{
    f->name = name;
    f->len = (uint32_t)len;
    f->sys = tn_field_sys(name, len);
    f->hash = tn_name_hash(name, len);
}

/* ---- final value kinds ---- */

static char *arena_copy(tn_vctx *c, const char *s, size_t n)
{
    return tn_arena_strndup(c->a, s ? s : "", n);
}

static inline unsigned byte_rank(unsigned char c)
{
    /* letters by English frequency (z q j k v b y g f p w m u c d l h r s
     * n i x o a t e, rarest first, x raised for ".exe"): 10 + that place */
    static const unsigned char letter[26] = {33, 15, 23, 24, 35, 18, 17, 26, 30, 12, 13, 25, 21,
                                             29, 32, 19, 11, 27, 28, 34, 22, 14, 20, 31, 16, 10};
    if (c >= 'a' && c <= 'z')
        return letter[c - 'a'];
    if (c >= '0' && c <= '9')
        return c <= '2' ? 9 : 7;
    switch (c) {
    case ' ': case '\\': return 40;
    case '.': return 36;
    case ':': case '/': case '-': case '"': return 30;
    case '_': case '=': case ',': return 8;
    case '\'': case '(': case ')': return 6;
    case '{': case '}': case '$': case '%': case '[': case ']': case ';': return 4;
    default: return c >= 0x80 ? 1 : 2;
    }
}

unsigned tn_byte_rank(unsigned char c)
{
    return byte_rank(c);
}

/* Lower-cases ASCII, classifies the wildcard shape, stores the literal. */
static int finish_glob(tn_vctx *c, tn_value *v, tn_buf *p, int cased)
{
    char *s = p->data ? p->data : "";
    size_t n = p->len;
    if (!cased)
        for (size_t i = 0; i < n; i++)
            s[i] = (char)tolower((unsigned char)s[i]);
    int lead = n && s[0] == TN_GLOB_STAR;
    int trail = n > (size_t)lead && s[n - 1] == TN_GLOB_STAR;
    size_t inner = 0;
    for (size_t i = (size_t)lead; i < n - (size_t)trail; i++)
        inner += s[i] == TN_GLOB_STAR || s[i] == TN_GLOB_ONE || s[i] == TN_GLOB_DASH;
    v->kind = TN_V_GLOB;
    v->cased = (uint8_t)cased;
    if (inner) {
        v->shape = TN_G_GLOB;
        v->s = arena_copy(c, s, n);
        v->len = (uint32_t)n;
        while ((unsigned char)s[v->head] > (unsigned char)TN_GLOB_DASH)
            v->head++;   /* stops at the inner wildcard at the latest */
        while ((unsigned char)s[n - 1 - v->tail] > (unsigned char)TN_GLOB_DASH)
            v->tail++;
        for (size_t i = v->head, run = 0; i < n - v->tail; i++) {
            run = (unsigned char)s[i] > (unsigned char)TN_GLOB_DASH ? run + 1 : 0;
            if (run > v->midlen) {
                v->midlen = (uint32_t)run;
                v->mid = (uint32_t)(i + 1 - run);
            }
        }
    } else {
        v->shape = lead && trail ? TN_G_CONTAINS : lead ? TN_G_SUFFIX : trail ? TN_G_PREFIX : TN_G_EXACT;
        v->s = arena_copy(c, s + lead, n - (size_t)lead - (size_t)trail);
        v->len = (uint32_t)(n - (size_t)lead - (size_t)trail);
        for (uint32_t i = 1, best = v->s && v->len ? byte_rank((unsigned char)v->s[0]) : 0; v->s && i < v->len; i++) {
            unsigned r = byte_rank((unsigned char)v->s[i]);
            if (r < best) {
                best = r;
                v->rare = i;
            }
        }
    }
    return v->s ? 0 : -1;
}

/* A regular expression value: the pattern pat[0..pn) (the rule's text,
 * or made from a glob by finish_glob_folded), its errors told at vn. */
static int finish_re(tn_vctx *c, tn_value *v, const tn_ynode *vn, const char *pat, size_t pn,
                     unsigned flags)
{
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    if (flags & M_RE_I)
        opts |= PCRE2_CASELESS;
    if (flags & M_RE_M)
        opts |= PCRE2_MULTILINE;
    if (flags & M_RE_S)
        opts |= PCRE2_DOTALL;
    int ec;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, pn, opts, &ec, &off, NULL);
    /* a yes/no match needs no greedy quantifier: lazy ones find a match
     * without first running to the end and backing off (measured: SigmaHQ's
     * '\+.*\+.*...' took 6.8M cycles on a 2.4 KB command line, 23k lazy) */
    char lazy[1024], trim[1024];
    size_t ln_lazy = re ? tn_re_lazy(pat, pn, lazy, sizeof(lazy)) : 0;
    /* and a repeated item at either end repeated no more than needed */
    size_t ln_trim = re ? tn_re_trim(ln_lazy ? lazy : pat, ln_lazy ? ln_lazy : pn, trim, sizeof(trim)) : 0;
    if (ln_trim) {
        memcpy(lazy, trim, ln_trim);
        ln_lazy = ln_trim;
    }
    pcre2_code *lre = ln_lazy ? pcre2_compile((PCRE2_SPTR)lazy, ln_lazy, opts, &ec, &off, NULL) : NULL;
    if (lre) {
        pcre2_code_free(re);
        re = lre;
    }
    if (!re) {
        PCRE2_UCHAR msg[120];
        pcre2_get_error_message(ec, msg, sizeof(msg));
        return fail(c, vn, "bad regular expression: %s", (const char *)msg);
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);  /* falls back to the interpreter */
    /* a value with fewer bytes than a match has characters is no match:
     * told without a pcre2_match call (~300 instructions before it looks) */
    uint32_t minlen = 0;
    if (pcre2_pattern_info(re, PCRE2_INFO_MINLENGTH, &minlen) == 0)
        v->minlen = minlen;
    if (c->nres == c->capres) {
        size_t ncap = c->capres ? c->capres * 2 : 16;
        pcre2_code **nr = tn_realloc(c->res, ncap * sizeof(*nr));
        if (!nr) {
            pcre2_code_free(re);
            return fail(c, vn, "%s", "out of memory");
        }
        c->res = nr;
        c->capres = ncap;
    }
    c->res[c->nres++] = re;
    v->kind = TN_V_RE;
    v->re = re;
    /* the literal every match contains: the prefilter's atom (atoms.c) */
    char lit[256];
    size_t ln = tn_re_literal(pat, pn, (flags & M_RE_I) != 0, lit, sizeof(lit));
    if (ln) {
        v->s = arena_copy(c, lit, ln);
        v->len = v->s ? (uint32_t)ln : 0;
    }
    /* ^[A-Za-z0-9]{16}$ (SigmaHQ's Metasploit workstation names, on every
     * NTLM logon) is a byte loop; pcre2_match cost ~580 instructions a
     * call there (callgrind, real-16) */
    if (!(flags & (M_RE_I | M_RE_M)) && tn_re_class_run(pat, pn, v->run_set, &v->run_min, &v->run_max))
        v->run = 1;
    /* '\+.*\+.*\+...' backtracks combinatorially on subjects with a few
     * too few '+': counting them first is linear (measured: the costliest
     * SigmaHQ rule on real logs, 100k cycles an event, was one of these).
     * A byte needed once or twice is worth counting too: a memchr or two
     * against a pcre2_match call of ~500 instructions (measured: -2.3M
     * instructions of 95M rule evaluation on real-16) */
    unsigned char rc = 0;
    uint32_t cnt = tn_re_required_char(pat, pn, (flags & M_RE_I) != 0, &rc);
    if (cnt >= 1) {
        v->req_char = rc;
        v->req_count = cnt;
    }
    return 0;
}

/* A glob with too many letters beyond ASCII to spell in each case
 * (tn_case_variants), matched case-insensitively as the specification
 * says: a regular expression, caseless in Unicode (PCRE2_UTF |
 * PCRE2_CASELESS): \A...\z around the text, '*' as .*, '?' as one
 * character, a windash place as any of the five dashes. The prefilter
 * takes its literal from the ASCII part (regex.c's analysis stops at
 * other bytes). No SigmaHQ rule has such a value. */
static int finish_glob_folded(tn_vctx *c, tn_value *v, const tn_ynode *vn, const tn_buf *p)
{
    tn_buf re;
    tn_buf_init(&re);
    tn_buf_puts(&re, "\\A");
    for (size_t i = 0; i < p->len; i++) {
        unsigned char ch = (unsigned char)p->data[i];
        if (ch == TN_GLOB_STAR)
            tn_buf_puts(&re, ".*");
        else if (ch == TN_GLOB_ONE)
            tn_buf_putc(&re, '.');
        else if (ch == TN_GLOB_DASH)
            tn_buf_puts(&re, "(?:-|/|\\x{2013}|\\x{2014}|\\x{2015})");
        else if (ch < 0x80 && !isalnum(ch) && ch != ' ') {
            tn_buf_putc(&re, '\\');   /* every ASCII punctuation is literal after a backslash */
            tn_buf_putc(&re, (char)ch);
        } else
            tn_buf_putc(&re, (char)ch);
    }
    tn_buf_puts(&re, "\\z");
    int r = tn_buf_ok(&re) ? finish_re(c, v, vn, re.data, re.len, M_RE_I | M_RE_S) : -1;
    tn_buf_free(&re);
    return r;
}

static int finish_cidr(tn_vctx *c, tn_value *v, const tn_ynode *vn)
{
    char addr[64];
    const char *slash = strchr(vn->str, '/');
    size_t alen = slash ? (size_t)(slash - vn->str) : vn->len;
    if (alen >= sizeof(addr))
        return fail(c, vn, "bad CIDR '%s'", vn->str);
    memcpy(addr, vn->str, alen);
    addr[alen] = 0;
    v->kind = TN_V_CIDR;
    v->v6 = strchr(addr, ':') != NULL;
    if (inet_pton(v->v6 ? AF_INET6 : AF_INET, addr, v->net) != 1)
        return fail(c, vn, "bad CIDR address '%s'", vn->str);
    unsigned maxbits = v->v6 ? 128 : 32, bits = maxbits;
    if (slash) {
        char *end;
        errno = 0;
        unsigned long b = strtoul(slash + 1, &end, 10);
        if (errno || *end || end == slash + 1 || b > maxbits)
            return fail(c, vn, "bad CIDR prefix length in '%s'", vn->str);
        bits = (unsigned)b;
    }
    v->bits = (uint8_t)bits;
    for (unsigned i = bits; i < maxbits; i++)
        v->net[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
    return 0;
}

static int finish_num(tn_vctx *c, tn_value *v, const tn_ynode *vn, const mods *m)
{
    double d;
    if (tn_number_parse(vn->str, vn->len, &d))
        return fail(c, vn, "'%s' is not a number", vn->str);
    /* sigma-appendix-modifiers.md: minute "number between 0 and 59", hour
     * 0 to 23, day 1 to 31, week 1 to 52 (ISO weeks have a 53rd, which
     * is taken), month 1 to 12: `hour: 25` loaded and never matched (a
     * review, session 28) */
    static const struct { double lo, hi; const char *name; } range[] = {
        [TN_T_MINUTE] = {0, 59, "minute"}, [TN_T_HOUR] = {0, 23, "hour"}, [TN_T_DAY] = {1, 31, "day"},
        [TN_T_WEEK] = {1, 53, "week"}, [TN_T_MONTH] = {1, 12, "month"},
    };
    if (m->tpart != TN_T_NONE && m->tpart != TN_T_YEAR && !m->has_op &&   /* `hour|lt: 24` is a bound */
        (d < range[m->tpart].lo || d > range[m->tpart].hi || d != (double)(long long)d))
    {
        char why[128];
        snprintf(why, sizeof(why), "'%.40s' is no %s: a whole number from %g to %g", vn->str,
                 range[m->tpart].name, range[m->tpart].lo, range[m->tpart].hi);
        return fail(c, vn, "%s", why);
    }
    v->kind = TN_V_NUM;
    v->num = d;
    v->op = m->has_op ? m->op : TN_N_EQ;
    v->tpart = m->tpart;
    /* an integer's text too: compared with an integer's, exactly */
    size_t i = vn->len && vn->str[0] == '-';
    while (i < vn->len && vn->str[i] >= '0' && vn->str[i] <= '9')
        i++;
    if (i == vn->len && vn->len > (size_t)(vn->str[0] == '-')) {
        char *t = arena_copy(c, vn->str, vn->len);
        if (!t)
            return fail(c, vn, "%s", "out of memory");
        v->s = t;
        v->len = (uint32_t)vn->len;
    }
    return 0;
}

/* YAML 1.2's booleans (true, True, TRUE and the false ones), and YAML
 * 1.1's yes and no, which PyYAML-based tools (pySigma) read as booleans;
 * unquoted only: a quoted 'true' is a string, and the spec asks for "a
 * boolean value" (it was taken; a review, session 23). */
static int parse_bool(const tn_ynode *vn, int *out)
{
    if (!vn->plain)
        return -1;
    if (!strcmp(vn->str, "true") || !strcmp(vn->str, "True") || !strcmp(vn->str, "TRUE") ||
        !strcmp(vn->str, "yes"))
        *out = 1;
    else if (!strcmp(vn->str, "false") || !strcmp(vn->str, "False") || !strcmp(vn->str, "FALSE") ||
             !strcmp(vn->str, "no"))
        *out = 0;
    else
        return -1;
    return 0;
}

/* Room for need values in *vs (nv in use): exactly need at first (a
 * list's length), doubling after. Grown from 4 by doubling in the arena,
 * they left 15.6 MB of dead copies and empty slots in the 2,872 Windows
 * rules' 67.7 MB loading peak (massif), every page of it faulted in. */
static int reserve(tn_vctx *c, tn_value **vs, uint32_t nv, uint32_t *cap, uint32_t need)
{
    if (need <= *cap)
        return 0;
    uint32_t ncap = *cap && need < *cap * 2 ? *cap * 2 : need;
    tn_value *n2 = tn_arena_alloc(c->a, ncap * sizeof(*n2));
    if (!n2)
        return -1;
    if (nv)
        memcpy(n2, *vs, nv * sizeof(*n2));
    *vs = n2;
    *cap = ncap;
    return 0;
}

static tn_value *grow(tn_vctx *c, tn_value **vs, uint32_t *nv, uint32_t *cap)
{
    if (reserve(c, vs, *nv, cap, *nv + 1))
        return NULL;
    tn_value *v = &(*vs)[(*nv)++];
    memset(v, 0, sizeof(*v));
    return v;
}

static int push_null(tn_vctx *c, tn_value **vs, uint32_t *nv, uint32_t *cap)
{
    tn_value *v = grow(c, vs, nv, cap);
    if (!v)
        return -1;
    v->kind = TN_V_NULL;
    return 0;
}

/* Compiles one scalar value node into values appended to vs (it may
 * expand into several). */
static int compile_scalar(tn_vctx *c, const mods *m, const tn_ynode *vn, tn_value **vs,
                          uint32_t *nv, uint32_t *cap)
{
    plist l = {0};
    size_t nplain = SIZE_MAX;   /* values of l from here on: a caseless regex, not a glob */
    int rc = -1;
    if (vn->kind != TN_Y_SCALAR)
        return fail(c, vn, "%s", "a value must be a string, number, boolean or null");
    if (tn_ynode_is_null(vn) && !(m->flags & (M_EXISTS | M_RE | M_CIDR | M_FIELDREF)) &&
        !m->has_op && !m->tpart)
        return push_null(c, vs, nv, cap);
    if (m->flags & M_EXPAND) {
        tn_buf pre;
        c->cur = vn;
        tn_buf_init(&pre);
        rc = tn_expand(c, vn->str, vn->len, &pre, &l, 0);
        tn_buf_free(&pre);
        if (rc) {
            if (c->err[0] && !c->err_node)
                c->err_node = vn;
            goto out;
        }
        rc = -1;
    } else {
        tn_buf b;
        tn_buf_init(&b);
        tn_unescape(&b, vn->str, vn->len);
        if (tn_plist_take(&l, &b))
            goto out;
    }
    for (int i = 0; i < m->nt; i++) {
        const char *why = NULL;
        unsigned fl = m->flags;
        for (int j = i + 1; j < m->nt; j++)
            if (m->t[j] != T_WINDASH && m->t[j] != T_WILD)
                fl |= M_ENC_AFTER;
        int t = tn_transform(&l, m->t[i], fl, &why);
        if (t > 0)
            fail(c, vn, "%s", why);
        if (t)
            goto out;
    }
    /* case-insensitive beyond ASCII: each value spelt in both cases of
     * its letters beyond ASCII (up to 8 spellings; more, or with all: a
     * caseless regular expression, after nplain: 64 spellings of 3,000
     * values made a hostile rule load for 6 s). "All values are treated as
     * case-insensitive strings": contraseña is CONTRASEÑA. */
    int glob = !(m->flags & (M_RE | M_CIDR | M_EXISTS | M_FIELDREF)) && !m->has_op && !m->tpart;
    int high = 0;   /* most values are ASCII: nothing to spell (loading all SigmaHQ rules
                     * with a copy of every value took 50 M instructions more) */
    for (size_t i = 0; glob && !high && i < l.n; i++) {
        const char *d = l.v[i].data;
        size_t k = 0, n = l.v[i].len;
        for (uint64_t x; k + 8 <= n; k += 8)   /* 8 bytes at a time: 3.8 M instructions -> 1 M */
            if (memcpy(&x, d + k, 8), x & 0x8080808080808080ull)
                break;
        for (; k < n && !high; k++)
            high = (unsigned char)d[k] >= 0x80;
    }
    if (high && !(m->flags & M_CASED)) {
        plist vl = {0}, rl = {0};   /* spellings; values for the regex, last */
        int r = 0;
        for (size_t i = 0; i < l.n && r >= 0; i++) {
            /* with all, a value's spellings would each be required: one
             * caseless regular expression instead */
            r = tn_case_variants(&vl, &l.v[i], (m->flags & M_ALL) ? 1 : 8);
            if (r > 0)
                r = tn_plist_add(&rl, l.v[i].data, l.v[i].len);
        }
        nplain = vl.n;
        for (size_t i = 0; i < rl.n && r >= 0; i++)
            r = tn_plist_take(&vl, &rl.v[i]);
        tn_plist_free(&rl);
        tn_plist_free(&l);
        l = vl;
        if (r < 0)
            goto out;
    }
    uint32_t adds = (uint32_t)l.n;
    if (!glob)
        adds = 1;   /* type modifiers take the first string only (the break below) */
    if (l.n && reserve(c, vs, *nv, cap, *nv + adds))
        goto out;
    for (size_t i = 0; i < l.n; i++) {
        tn_value *v = grow(c, vs, nv, cap);
        if (!v)
            goto out;
        int r;
        if (m->flags & M_RE)
            r = finish_re(c, v, vn, vn->str, vn->len, m->flags);
        else if (m->flags & M_CIDR)
            r = finish_cidr(c, v, vn);
        else if (m->has_op || m->tpart)
            r = finish_num(c, v, vn, m);
        else if (m->flags & M_EXISTS) {
            int b;
            if (parse_bool(vn, &b))
                r = fail(c, vn, "'exists' needs true or false (unquoted), not '%s'", vn->str);
            else {
                v->kind = TN_V_EXISTS;
                v->b = (uint8_t)b;
                r = 0;
            }
        } else if (m->flags & M_FIELDREF) {
            /* a reference names one field (pySigma: "Field references must
             * not contain wildcards"); 'B*' was a field named B* */
            if (memchr(vn->str, '*', vn->len) || memchr(vn->str, '?', vn->len)) {
                r = fail(c, vn, "a field reference names one field, without wildcards: '%s'", vn->str);
                goto out;
            }
            v->kind = TN_V_FIELDREF;
            v->cased = (m->flags & M_CASED) != 0;
            v->shape = (m->flags & M_CONTAINS) ? TN_G_CONTAINS : (m->flags & M_STARTS) ? TN_G_PREFIX
                     : (m->flags & M_ENDS) ? TN_G_SUFFIX : TN_G_EXACT;
            v->ref.name = arena_copy(c, vn->str, vn->len);
            r = v->ref.name ? 0 : -1;
            if (!r)
                tn_fieldname_init(&v->ref, v->ref.name, vn->len);
        } else if (i >= nplain) {
            r = finish_glob_folded(c, v, vn, &l.v[i]);
        } else {
            r = finish_glob(c, v, &l.v[i], (m->flags & M_CASED) != 0);
        }
        if (r) {
            if (!c->err[0])
                fail(c, vn, "%s", "out of memory");
            goto out;
        }
        if (!glob)
            break;  /* type modifiers ignore string expansions */
    }
    rc = 0;
out:
    tn_plist_free(&l);
    if (rc && !c->err[0])
        fail(c, vn, "%s", "out of memory");
    return rc;
}

int tn_too_many_values(tn_vctx *c, const tn_ynode *at)
{
    char why[160];
    snprintf(why, sizeof(why), "the rule compiles to more than %d values (YAML aliases, or the spellings "
                               "of windash, base64offset, expand): refused", TN_RULE_MAX_VALUES);
    return fail(c, at, "%s", why);
}
static int compile_values(tn_vctx *c, const mods *m, const tn_ynode *val, tn_item *out)
{
    uint32_t cap = 0;
    out->values = NULL;
    out->nvalues = 0;
    if (val && val->kind == TN_Y_MAP)
        return fail(c, val, "%s", "a field's value cannot be a map");
    if (val && val->kind == TN_Y_SEQ) {
        if (val->count == 0)
            return fail(c, val, "%s", "empty value list");
        if (reserve(c, &out->values, 0, &cap, (uint32_t)val->count))
            return fail(c, val, "%s", "out of memory");
        for (const tn_ynode *v = val->child; v; v = v->next) {
            /* sigma-rules-specification.md, Special Field Values: "null
             * cannot be part of a list of field values as it is its own
             * type"; the spec's own invalid example */
            if (tn_ynode_is_null(v) && v->kind == TN_Y_SCALAR)
                return fail(c, v, "%s", "null cannot be one of a list of values: put it in a selection of its own");
            if (compile_scalar(c, m, v, &out->values, &out->nvalues, &cap))
                return -1;
            if (c->nvals + out->nvalues > TN_RULE_MAX_VALUES)
                return tn_too_many_values(c, v);
        }
        c->nvals += out->nvalues;
        return 0;
    }
    static const tn_ynode empty = {.kind = TN_Y_SCALAR, .str = "", .plain = 1};
    if (compile_scalar(c, m, val ? val : &empty, &out->values, &out->nvalues, &cap))
        return -1;
    if (c->nvals + out->nvalues > TN_RULE_MAX_VALUES)
        return tn_too_many_values(c, val ? val : NULL);
    c->nvals += out->nvalues;
    return 0;
}

/* The multi-literal search of an OR item with at least MULTI_MIN
 * case-insensitive contains values of two bytes or more (rule.h). Below
 * that, one pass per value costs less than the pair filter's pass. */
#define MULTI_MIN 4

static int contains_value(const tn_value *v)
{
    return v->kind == TN_V_GLOB && v->shape == TN_G_CONTAINS && !v->cased && v->len >= 2;
}

/* Marks exact values that are decimal numbers as eval.c formats System
 * members ("4624"; not "04624", "+4624", "4624 "), and the item if all
 * of them are. */
static void mark_dec(tn_item *it)
{
    it->dec = it->nvalues > 0;
    for (uint32_t i = 0; i < it->nvalues; i++) {
        tn_value *v = &it->values[i];
        uint64_t x = 0;
        int ok = v->kind == TN_V_GLOB && v->shape == TN_G_EXACT && v->len >= 1 && v->len <= 20 &&
                 (v->len == 1 || v->s[0] != '0');
        for (uint32_t k = 0; ok && k < v->len; k++) {
            unsigned d = (unsigned char)v->s[k] - '0';
            ok = d <= 9 && x <= (UINT64_MAX - d) / 10;
            x = x * 10 + d;
        }
        if (v->kind == TN_V_GLOB)   /* members of a string value's part of the union */
            v->is_dec = (uint8_t)ok, v->dec = ok ? x : 0;
        it->dec &= (uint8_t)ok;
    }
}

static int build_multi(tn_vctx *c, tn_item *it)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < it->nvalues; i++)
        n += (uint32_t)contains_value(&it->values[i]);
    if (it->all || n < MULTI_MIN || it->nvalues > 65535)
        return 0;
    tn_multi *m = tn_arena_alloc(c->a, sizeof(*m));
    uint16_t *vals = m ? tn_arena_alloc(c->a, n * sizeof(*vals)) : NULL;
    uint8_t *in = vals ? tn_arena_alloc(c->a, it->nvalues) : NULL;
    if (!in)
        return -1;
    memset(m, 0, sizeof(*m));
    memset(in, 0, it->nvalues);
    uint32_t count[TN_MULTI_BITS] = {0};
    for (uint32_t i = 0; i < it->nvalues; i++) {
        const tn_value *v = &it->values[i];
        if (contains_value(v))
            count[tn_multi_hash((unsigned char)v->s[0], (unsigned char)v->s[1])]++;
    }
    for (uint32_t h = 0; h < TN_MULTI_BITS; h++)
        m->start[h + 1] = (uint16_t)(m->start[h] + count[h]);
    memset(count, 0, sizeof(count));
    for (uint32_t i = 0; i < it->nvalues; i++) {
        const tn_value *v = &it->values[i];
        if (!contains_value(v))
            continue;
        uint32_t h = tn_multi_hash((unsigned char)v->s[0], (unsigned char)v->s[1]);
        vals[m->start[h] + count[h]++] = (uint16_t)i;
        m->bits[h / 64] |= 1ull << (h % 64);
        in[i] = 1;
    }
    m->high = 1;
    for (uint32_t k = 0; k < n; k++) {
        const tn_value *v = &it->values[vals[k]];
        uint32_t j = 0;
        while (j < v->len && (unsigned char)v->s[j] < 0x80)
            j++;
        m->high &= (uint8_t)(j < v->len);
    }
    /* each value's least common byte (v->rare): when they are a few
     * distinct bytes, a value without any of them matches none */
    for (uint32_t k = 0; k < n; k++) {
        unsigned char b = (unsigned char)it->values[vals[k]].s[it->values[vals[k]].rare];
        uint32_t j = 0;
        while (j < m->nneed && m->need[j] != b)
            j++;
        if (j < m->nneed)
            continue;
        if (m->nneed == sizeof(m->need)) {
            m->nneed = 0;
            break;
        }
        m->need[m->nneed++] = b;
    }
    m->vals = vals;
    m->nvals = n;
    m->in = in;
    it->multi = m;
    return 0;
}

/* tn_item.absent: on an absent field a value of a kind that reads the
 * text is false; |exists is its b's opposite, null true. */
static void mark_absent(tn_item *it)
{
    uint32_t i = 0;
    for (; i < it->nvalues; i++) {
        const tn_value *v = &it->values[i];
        int m = v->kind == TN_V_EXISTS ? !v->b : v->kind == TN_V_NULL;
        if (it->all ? !m : m)
            break;
    }
    it->absent = (uint8_t)(i < it->nvalues ? !it->all : it->all);
}

static uint64_t be64(const uint8_t *p)
{
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x = x << 8 | p[i];
    return x;
}

/* The first bits of a 64-bit word set (bits 0..64). */
static uint64_t top_bits(unsigned bits)
{
    return bits >= 64 ? UINT64_MAX : bits ? UINT64_MAX << (64 - bits) : 0;
}

/* tn_cidrs of an OR item whose values are all CIDRs (rule.h). */
static int build_cidrs(tn_vctx *c, tn_item *it)
{
    uint32_t n4 = 0, n6 = 0;
    for (uint32_t i = 0; i < it->nvalues; i++) {
        if (it->values[i].kind != TN_V_CIDR)
            return 0;
        n4 += !it->values[i].v6;
        n6 += it->values[i].v6;
    }
    if (it->all || it->nvalues == 0)
        return 0;
    tn_cidrs *cs = tn_arena_alloc(c->a, sizeof(*cs));
    tn_cidr4 *v4 = cs ? tn_arena_alloc(c->a, (n4 ? n4 : 1) * sizeof(*v4)) : NULL;
    tn_cidr6 *v6 = v4 ? tn_arena_alloc(c->a, (n6 ? n6 : 1) * sizeof(*v6)) : NULL;
    if (!v6)
        return -1;
    cs->n4 = cs->n6 = 0;
    for (uint32_t i = 0; i < it->nvalues; i++) {
        const tn_value *v = &it->values[i];
        if (!v->v6) {
            tn_cidr4 *e = &v4[cs->n4++];
            e->mask = (uint32_t)(top_bits(v->bits) >> 32);
            e->net = ((uint32_t)v->net[0] << 24 | (uint32_t)v->net[1] << 16 |
                      (uint32_t)v->net[2] << 8 | v->net[3]) & e->mask;
        } else {
            tn_cidr6 *e = &v6[cs->n6++];
            e->mask[0] = top_bits(v->bits);
            e->mask[1] = top_bits(v->bits > 64 ? v->bits - 64u : 0);
            e->net[0] = be64(v->net) & e->mask[0];
            e->net[1] = be64(v->net + 8) & e->mask[1];
        }
    }
    cs->v4 = v4;
    cs->v6 = v6;
    it->cidrs = cs;
    return 0;
}

/* The modifiers that make a value of another type (an address range, a
 * number, a part of a time, a yes/no, a field's name) read it as written:
 * with a string or encoding modifier they dropped it without a word
 * (`N|base64|gt` compared N with the number, `IP|contains|cidr` was a
 * cidr, `U|expand|re` never expanded; a review, session 23). "String
 * modifiers can only be applied to string values", "numeric modifiers
 * ... to numeric values" (sigma-appendix-modifiers.md): refused, as two
 * such types in one key are. A time part takes a comparison; fieldref
 * takes contains, startswith and endswith; any takes cased, neq and all. */
static int typed_conflict(tn_vctx *c, const tn_ynode *kn, const mods *m, const char *key)
{
    int num = m->has_op || m->tpart != TN_T_NONE;
    int kinds = !!(m->flags & M_CIDR) + num + !!(m->flags & M_EXISTS) + !!(m->flags & M_FIELDREF) +
                !!(m->flags & M_RE);
    if (kinds > 1)
        return fail(c, kn, "'%s' gives its value two types (cidr, lt/lte/gt/gte or minute ... year, "
                           "exists, fieldref, re): one at most", key);
    /* exists takes true or false; `exists|neq: true` loaded and never
     * matched (a review, session 28) */
    if ((m->flags & M_EXISTS) && (m->flags & (M_NEQ | M_ALL | M_CASED)))
        return fail(c, kn, "'%s': exists takes true or false, and no other modifier "
                           "(for a field that is absent, exists: false)", key);
    if (!kinds || (m->flags & M_RE))   /* re's own check is above */
        return 0;
    int wild = 0, enc = 0;
    for (int i = 0; i < m->nt; i++)
        wild |= m->t[i] == T_WILD, enc |= m->t[i] != T_WILD;
    if (enc || (m->flags & M_EXPAND) || (wild && !(m->flags & M_FIELDREF)))
        return fail(c, kn, "'%s' applies a string modifier (contains, startswith, endswith, windash, "
                           "base64, base64offset, wide, utf16*, expand) to a value that is not a string "
                           "(cidr, a number or time part, exists, fieldref): refused", key);
    return 0;
}

int tn_item_compile(tn_vctx *c, const char *key, const tn_ynode *keynode, const tn_ynode *val,
                    tn_item *out)
{
    mods m;
    memset(&m, 0, sizeof(m));
    memset(out, 0, sizeof(*out));
    if (!strcmp(key, "<<"))   /* not a field: "a field's value cannot be a map" misled */
        return fail(c, keynode, "%s", "merge keys ('<<') are YAML 1.1, not read: Sigma rules are YAML 1.2");
    const char *bar = strchr(key, '|');
    size_t flen = bar ? (size_t)(bar - key) : strlen(key);
    while (bar) {
        const char *nb = strchr(bar + 1, '|');
        size_t n = nb ? (size_t)(nb - bar - 1) : strlen(bar + 1);
        if (parse_mod(c, keynode, &m, bar + 1, n))
            return -1;
        bar = nb;
    }
    if ((m.flags & M_RE) && (m.nt || (m.flags & (M_CIDR | M_FIELDREF | M_EXPAND))))
        return fail(c, keynode, "'re' cannot be combined with string modifiers in '%s'", key);
    if (typed_conflict(c, keynode, &m, key))
        return -1;
    /* sigma-rules-specification.md: null "is its own type"; the modifiers
     * appendix: modifiers "can only be applied to string values", and
     * keywords are strings. A null there became the empty regex (every
     * event matched `|re:` without a value) or a test for an empty field;
     * a list holding one is refused below (compile_values) */
    if (val && val->kind == TN_Y_SCALAR && tn_ynode_is_null(val) && !flen)
        return fail(c, val, "%s", "a keyword cannot be null");
    if (val && val->kind == TN_Y_SCALAR && tn_ynode_is_null(val) && strchr(key, '|'))
        return fail(c, val, "'%s' needs a value, not null: modifiers apply to strings", key);
    if (flen) {
        out->field.name = arena_copy(c, key, flen);
        if (!out->field.name)
            return fail(c, keynode, "%s", "out of memory");
        tn_fieldname_init(&out->field, out->field.name, flen);
    } else if (m.flags & (M_EXISTS | M_FIELDREF)) {
        return fail(c, keynode, "'%s' needs a field name", key);
    } else if (!(m.flags & (M_CONTAINS | M_STARTS | M_ENDS | M_RE))) {
        m.flags |= M_CONTAINS;   /* keywords match anywhere in a value */
        m.t[m.nt < 16 ? m.nt++ : 15] = T_WILD;
    }
    /* sigma-appendix-modifiers.md: "Single item values are not allowed to
     * have an all modifier" */
    if ((m.flags & M_ALL) && (!val || val->kind != TN_Y_SEQ || val->count == 1))
        return fail(c, val ? val : keynode, "'all' needs a list of values, not one in '%s'", key);
    /* base64offset spells a value three ways, windash before an encoding
     * one way per dash: alternatives of one value, which `all` made
     * required together, so such an item never matched (a review, session
     * 23). A detection map's key splits them into an item per value
     * (detect.c: all_of_spellings), so this refuses only what comes
     * another way. */
    if (m.flags & M_ALL) {
        int dash = 0, spelt = 0;
        for (int i = 0; i < m.nt; i++) {
            spelt |= m.t[i] == T_B64OFF || (dash && m.t[i] <= T_B64OFF);
            dash |= m.t[i] == T_WINDASH;
        }
        if (spelt)
            return fail(c, keynode, "'all' with base64offset, or with windash before an encoding, in '%s': "
                                    "each value has several spellings, which all would require together; "
                                    "use one selection per value", key);
    }
    out->all = (m.flags & M_ALL) != 0;
    out->neq = (m.flags & M_NEQ) != 0;
    if (compile_values(c, &m, val, out))
        return -1;
    mark_dec(out);
    mark_absent(out);
    return build_multi(c, out) || build_cidrs(c, out) ? fail(c, keynode, "%s", "out of memory") : 0;
}

int tn_keyword_compile(tn_vctx *c, const tn_ynode *val, tn_item *out)
{
    static const tn_ynode key = {.kind = TN_Y_SCALAR, .str = ""};
    return tn_item_compile(c, "", val ? val : &key, val, out);
}
