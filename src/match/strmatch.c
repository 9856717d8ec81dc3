/* strmatch.c - the glob matcher (strmatch.h). */
#include "match/strmatch.h"

#include "sigma/rule.h"

/* Length of the UTF-8 character at s: 1 for an invalid byte, and for a
 * lead byte whose continuation bytes are not there (a stray 0xF0 before
 * ASCII took the next three characters with it: a review, session 28). */
static size_t u8len(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (k > n)
        return 1;
    for (size_t i = 1; i < k; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            return 1;
    return k;
}

/* Length of a dash-like character at s, 0 if none. */
static size_t dash_len(const char *s, size_t n)
{
    if (n >= 1 && (s[0] == '-' || s[0] == '/'))
        return 1;
    if (n >= 3 && (unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x80 &&
        (unsigned char)s[2] >= 0x93 && (unsigned char)s[2] <= 0x95)
        return 3;
    return 0;
}

int tn_glob_match(const char *p, size_t pn, const char *s, size_t sn, int cased)
{
    size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;
    while (si < sn || pi < pn) {
        if (pi < pn) {
            char pc = p[pi];
            if (pc == TN_GLOB_STAR) {
                star_p = pi++;
                star_s = si;
                continue;
            }
            if (si < sn) {
                size_t adv = 0;
                if (pc == TN_GLOB_ONE)
                    adv = u8len(s + si, sn - si);
                else if (pc == TN_GLOB_DASH)
                    adv = dash_len(s + si, sn - si);
                else {
                    unsigned char c = (unsigned char)s[si];
                    adv = (cased ? c : tn_low(c)) == (unsigned char)pc;
                }
                if (adv) {
                    pi++;
                    si += adv;
                    continue;
                }
            }
        }
        if (star_p == (size_t)-1 || star_s >= sn)
            return 0;
        /* the star takes one more character, not byte: from inside one,
         * each '?' took a byte of it, and '??.exe' matched "中.exe" (a
         * review, session 28) */
        pi = star_p + 1;
        star_s += u8len(s + star_s, sn - star_s);
        si = star_s;
    }
    return 1;
}
