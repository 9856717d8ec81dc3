/* typed.c - the typed comparisons of Sigma values (numbers and the
 * lt/lte/gt/gte modifiers, time parts, CIDR), and the number formatting
 * that the evaluator and the literal scan share. Out of eval.c, whose hot
 * string paths they do not share. */
#include "match/typed.h"
#include "match/eval.h"
#include "match/strmatch.h"

#include "read/event.h"
#include "sigma/value.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* By hand rather than snprintf: formatting System numbers for every event
 * and rule was about a tenth of matching time (callgrind). */
size_t tn_fmt_u64(char *out, uint64_t v)
{
    char tmp[24];
    size_t n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = 0;
    return n;
}

size_t tn_fmt_hex(char *out, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do
        tmp[n++] = "0123456789abcdef"[v & 15];
    while ((v >>= 4) != 0);
    out[0] = '0';
    out[1] = 'x';
    for (size_t i = 0; i < n; i++)
        out[2 + i] = tmp[n - 1 - i];
    out[n + 2] = 0;
    return n + 2;
}

static int time_part(const char *s, size_t n, tn_timepart tp, double *out)
{
    uint64_t ft;
    if (tn_filetime_parse(s, n, &ft))
        return -1;
    time_t t = (time_t)(ft / 10000000ULL - 11644473600ULL);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return -1;
    switch (tp) {
    case TN_T_MINUTE: *out = tm.tm_min; break;
    case TN_T_HOUR: *out = tm.tm_hour; break;
    case TN_T_DAY: *out = tm.tm_mday; break;
    case TN_T_MONTH: *out = tm.tm_mon + 1; break;
    case TN_T_YEAR: *out = tm.tm_year + 1900; break;
    case TN_T_WEEK: {
        char w[8];
        strftime(w, sizeof(w), "%V", &tm);   /* ISO 8601 week number */
        *out = strtod(w, NULL);
        break;
    }
    default: return -1;
    }
    return 0;
}

/* s[0..n) as a decimal integer: its sign and its digits without leading
 * zeros (none for 0). 0, or -1 when it is not one. */
static int int_text(const char *s, size_t n, int *neg, const char **d, size_t *dn)
{
    *neg = n && s[0] == '-';
    size_t i = (size_t)*neg;
    if (i == n)
        return -1;
    for (size_t k = i; k < n; k++)
        if (s[k] < '0' || s[k] > '9')
            return -1;
    while (i < n && s[i] == '0')
        i++;
    *d = s + i;
    *dn = n - i;
    if (!*dn)
        *neg = 0;   /* -0 is 0 */
    return 0;
}

/* a - b's sign for two decimal integers, exactly; 2 when either is not
 * one. */
static int int_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int na, nb;
    const char *da, *db;
    size_t la, lb;
    if (int_text(a, an, &na, &da, &la) || int_text(b, bn, &nb, &db, &lb))
        return 2;
    if (na != nb)
        return na ? -1 : 1;
    int c = la != lb ? (la < lb ? -1 : 1) : memcmp(da, db, la);
    c = c < 0 ? -1 : c > 0;
    return na ? -c : c;
}

int tn_num_match(const tn_value *v, const char *s, size_t n)
{
    double x;
    /* two integers compare exactly: as doubles, 9007199254740993 was not
     * greater than 9007199254740992 (a review, session 23) */
    int c = v->s && !v->tpart ? int_cmp(s, n, v->s, v->len) : 2;
    if (c != 2) {
        switch (v->op) {
        case TN_N_LT: return c < 0;
        case TN_N_LTE: return c <= 0;
        case TN_N_GT: return c > 0;
        case TN_N_GTE: return c >= 0;
        default: return c == 0;
        }
    }
    if (v->tpart ? time_part(s, n, v->tpart, &x) : tn_number_parse(s, n, &x))
        return 0;
    switch (v->op) {
    case TN_N_LT: return x < v->num;
    case TN_N_LTE: return x <= v->num;
    case TN_N_GT: return x > v->num;
    case TN_N_GTE: return x >= v->num;
    default: return x == v->num;
    }
}

/* Dotted-quad IPv4 text as inet_pton reads it (four decimal octets, no
 * leading zeros, nothing else) into a; 1 if it is one. Octet by octet:
 * a loop testing each byte for every case cost ~300 instructions an
 * address, this ~170 (callgrind, the 71,558 cidr lists of the 256 MiB
 * sample: 27.5 M -> 18.0 M). */
static int parse_v4(const char *s, size_t n, unsigned char a[4])
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    for (int k = 0; k < 4; k++) {
        if (k && (p == end || *p++ != '.'))
            return 0;
        unsigned d, cur;
        if (p == end || (cur = (unsigned)*p - '0') > 9)
            return 0;
        p++;
        /* a first digit 0 is the whole octet; else up to two more */
        if (cur && p < end && (d = (unsigned)*p - '0') <= 9) {
            cur = cur * 10 + d;
            p++;
            if (p < end && (d = (unsigned)*p - '0') <= 9) {
                cur = cur * 10 + d;
                p++;
            }
        }
        /* a digit more (a leading zero, four digits) is neither '.' nor the end */
        if (cur > 255)
            return 0;
        a[k] = (unsigned char)cur;
    }
    return p == end;
}

/* Whether s[0..n) holds w (lower case, 4 bytes) in any case. */
static int strcasestr_n(const char *s, size_t n, const char *w)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if (tn_low((unsigned char)s[i]) == w[0] && tn_low((unsigned char)s[i + 1]) == w[1] &&
            tn_low((unsigned char)s[i + 2]) == w[2] && tn_low((unsigned char)s[i + 3]) == w[3])
            return 1;
    return 0;
}

/* The text s[0..len) as an address of family fam (0: IPv4 into a[0..4),
 * 1: IPv6 into a[0..16)); 1 if it is one. IPv4 by hand and IPv6 only when
 * there is a colon (no IPv6 text lacks one): inet_pton cost ~400
 * instructions a value (callgrind, real logs). Like inet_pton on a C
 * string, the text ends at a NUL. */
static int parse_addr(const char *s, size_t len, int fam, unsigned char *a)
{
    if (len == 0 || len >= 64)
        return 0;
    const char *nul = memchr(s, 0, len);
    size_t n = nul ? (size_t)(nul - s) : len;
    if (!fam && parse_v4(s, n, a))
        return 1;
    if (!memchr(s, ':', n))
        return 0;
    /* IPv6 text against IPv4 networks: only a mapped address can be one,
     * and its text holds ffff (inet_pton costs ~400 instructions) */
    if (!fam && !strcasestr_n(s, n, "ffff"))
        return 0;
    /* a zone (fe80::1%eth0) is not part of the address */
    const char *zone = memchr(s, '%', n);
    if (zone)
        n = (size_t)(zone - s);
    char tmp[64];
    unsigned char a6[16];
    memcpy(tmp, s, n);
    tmp[n] = 0;
    if (inet_pton(AF_INET6, tmp, fam ? a : a6) != 1)
        return 0;
    if (fam)
        return 1;
    /* IPv4-mapped IPv6 (::ffff:10.1.2.3, as Windows writes 4624's
     * IpAddress) is that IPv4 address: an internal logon so written was
     * "external" to SigmaHQ's private-range filters (a review, session 28) */
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a6, mapped, 12))
        return 0;
    memcpy(a, a6 + 12, 4);
    return 1;
}

/* The value parsed once per family and item: a list of CIDRs (SigmaHQ's
 * "not from a private range" filters have eight) parsed it per entry. */
int tn_cidr_match(const tn_value *v, const char *s, size_t len, tn_addrs *ip)
{
    int fam = v->v6 ? 1 : 0;
    unsigned char *addr = fam ? ip->a6 : ip->a4;
    if (!ip->state[fam])
        ip->state[fam] = parse_addr(s, len, fam, addr) ? 1 : -1;
    if (ip->state[fam] < 0)
        return 0;
    /* whole bytes, then the prefix's last bits (the host bits of v->net are clear) */
    unsigned whole = v->bits / 8, rest = v->bits % 8;
    if (memcmp(addr, v->net, whole))
        return 0;
    return !rest || (addr[whole] & (unsigned char)(0xFF00u >> rest)) == v->net[whole];
}

int tn_cidrs_match(const tn_cidrs *c, const char *s, size_t len)
{
    unsigned char a[16];
    if (c->n4 && parse_addr(s, len, 0, a)) {
        uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
        for (uint32_t i = 0; i < c->n4; i++)
            if ((x & c->v4[i].mask) == c->v4[i].net)
                return 1;
        if (!memchr(s, ':', len))
            return 0;   /* IPv4 text has no colon: it is no IPv6 address (a mapped one is) */
    }
    if (c->n6 && parse_addr(s, len, 1, a)) {
        uint64_t hi = 0, lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = hi << 8 | a[i];
            lo = lo << 8 | a[8 + i];
        }
        for (uint32_t i = 0; i < c->n6; i++)
            if ((hi & c->v6[i].mask[0]) == c->v6[i].net[0] && (lo & c->v6[i].mask[1]) == c->v6[i].net[1])
                return 1;
    }
    return 0;
}
