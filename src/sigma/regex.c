/* regex.c - what the matcher can learn from a Sigma regex without running
 * it: the literal every match holds (the prefilter's atom), a byte every
 * match holds N times, and the same pattern with lazy quantifiers (for a
 * yes/no match, found without running to the end first). Each reads only
 * a well-understood subset of PCRE2 syntax and declines the rest; the
 * unit tests and fuzz/fuzz_re_literal.c check the three against PCRE2.
 * (Moved out of value.c, which compiles values.) */
#include "sigma/value.h"

#include <stdint.h>
#include <string.h>

/* Length of the escape sequence at p[i] (a backslash): \cX, \xhh,
 * \x{..}, \o{..}, octal and back references, \p{..}/\pL, \Q...\E, else
 * two bytes (\g, \k and \N are not analysed at all, see re_scan). Shared by every step below, so that
 * no step reads an escape's argument as structure ('\c(' is one
 * character, not a group). */
static size_t esc_len(const char *p, size_t n, size_t i)
{
    if (i + 1 >= n)
        return 1;
    char e = p[i + 1];
    size_t j = i + 2;
    if (e == 'Q') {   /* quoted up to \E or the end */
        while (j + 1 < n && !(p[j] == '\\' && p[j + 1] == 'E'))
            j++;
        return (j + 1 < n ? j + 2 : n) - i;
    }
    if (e == 'c')
        return (j < n ? j + 1 : n) - i;
    if (strchr("xopP", e) && j < n && p[j] == '{') {   /* \x{..} \o{..} \p{..} */
        const char *c = memchr(p + j, '}', n - j);
        return c ? (size_t)(c - p) + 1 - i : 2;          /* unclosed: PCRE2 rejects it */
    }
    if (e == 'p' || e == 'P')
        return (j < n ? j + 1 : n) - i;
    /* \xhh, octal, back references, \g1/\g-1: their alphanumeric tail
     * (taking a following literal too is merely conservative) */
    if (e == 'x' || e == 'g' || (e >= '0' && e <= '9')) {
        if (e == 'g' && j < n && (p[j] == '-' || p[j] == '+'))
            j++;
        while (j < n && ((p[j] >= '0' && p[j] <= '9') || (p[j] >= 'a' && p[j] <= 'z') ||
                         (p[j] >= 'A' && p[j] <= 'Z')))
            j++;
    }
    return j - i;
}

/* Index just past the class that opens at p[i] ('['), or n. POSIX
 * classes ([:alpha:]) and escapes inside are skipped whole. */
static size_t skip_class(const char *p, size_t n, size_t i)
{
    i++;
    if (i < n && p[i] == '^')
        i++;
    if (i < n && p[i] == ']')
        i++;   /* a leading ] is literal */
    while (i < n) {
        if (p[i] == '\\') {
            i += esc_len(p, n, i);
        } else if (p[i] == '[' && i + 1 < n && (p[i + 1] == ':' || p[i + 1] == '.' || p[i + 1] == '=')) {
            /* a POSIX class only when its terminator comes before any ']'
             * (as PCRE2 decides); otherwise '[' is a plain member */
            char kind = p[i + 1];
            size_t j = i + 2;
            while (j + 1 < n && p[j] != ']' && !(p[j] == kind && p[j + 1] == ']'))
                j += p[j] == '\\' ? 2 : 1;
            i = j + 1 < n && p[j] == kind && p[j + 1] == ']' ? j + 2 : i + 1;
        } else if (p[i] == ']') {
            return i + 1;
        } else {
            i++;
        }
    }
    return n;
}

/* Index just past the group that opens at p[i] ('('), or n. A comment
 * (?#...) ends at the next ')', whatever precedes it: no escapes there. */
static size_t skip_group(const char *p, size_t n, size_t i)
{
    int depth = 0;
    while (i < n) {
        if (p[i] == '(' && i + 2 < n && p[i + 1] == '?' && p[i + 2] == '#') {
            const char *e = memchr(p + i, ')', n - i);
            i = e ? (size_t)(e - p) + 1 : n;
            if (depth == 0)
                return i;
            continue;
        }
        if (p[i] == '\\') {
            i += esc_len(p, n, i);
            continue;
        }
        if (p[i] == '[') {
            i = skip_class(p, n, i);
            continue;
        }
        if (p[i] == '(')
            depth++;
        else if (p[i] == ')' && --depth == 0)
            return i + 1;
        i++;
    }
    return n;
}

/* The first byte of the token at or after p[j], past what PCRE2 ignores
 * between an item and its quantifier (\E, and (?#...) comments): in
 * 'z\E?' the '?' makes z optional. 0 at the end. */
static unsigned char next_token(const char *p, size_t n, size_t j)
{
    for (;;) {
        if (j + 1 < n && p[j] == '\\' && p[j + 1] == 'E') {
            j += 2;
        } else if (j + 2 < n && p[j] == '(' && p[j + 1] == '?' && p[j + 2] == '#') {
            while (j < n && p[j] != ')')
                j++;
            j++;
        } else {
            return j < n ? (unsigned char)p[j] : 0;
        }
    }
}

/* At p[i] == '{': the end (just past '}') of a {n}, {n,} or {n,m}
 * quantifier, with n in *min (1000 for 1000 or more), else 0; any other
 * brace would be literal (or, in later PCRE2, {,m} a quantifier). */
static size_t brace_end(const char *p, size_t n, size_t i, unsigned *min)
{
    unsigned m = 0;
    size_t j = i + 1, digits = 0;
    for (; j < n && p[j] >= '0' && p[j] <= '9'; j++, digits++)
        if (m < 1000)
            m = m * 10 + (unsigned)(p[j] - '0');
    if (!digits)
        return 0;
    if (j < n && p[j] == ',')
        for (j++; j < n && p[j] >= '0' && p[j] <= '9';)
            j++;
    if (j >= n || p[j] != '}')
        return 0;
    *min = m < 1000 ? m : 1000;
    return j + 1;
}

/* tn_re_literal's walk; with counts set, also counts each literal byte
 * that every match holds (letters only when case matters). */
static size_t re_scan(const char *p, size_t n, int caseless, char *out, size_t size, uint32_t counts[128])
{
    /* Only a well-understood subset is analysed: constructs whose parsing
     * rules are unusual (comments, verbs, quoting, POSIX classes, named
     * and relative references, conditionals, branch resets, callouts) give
     * nothing. SigmaHQ's regexes do not use them; fuzzing found the
     * structure misread around several. */
    static const char *const odd[] = {"(?#", "(*", "\\Q", "\\E", "[:", "[.", "[=", "(?|", "(?(",
                                      "\\N", "\\g", "\\k", "(?P", "(?C", "(?R", "(?&", "(?+", "(?-"};
    for (size_t k = 0; k < sizeof(odd) / sizeof(odd[0]); k++)
        if (memmem(p, n, odd[k], strlen(odd[k])))
            return 0;
    /* top-level alternation and inline flags that may hold x (extended:
     * whitespace is ignored) are not analysed either */
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\') {
            if (i + 1 < n && p[i + 1] == 'Q')
                return 0;
            i += esc_len(p, n, i) - 1;
        } else if (p[i] == '[') {
            i = skip_class(p, n, i) - 1;
        } else if (p[i] == '(') {
            if (i + 1 < n && p[i + 1] == '?') {
                caseless = 1;
                for (size_t j = i + 2; j < n && (p[j] == '-' || (p[j] >= 'a' && p[j] <= 'z') ||
                                                 (p[j] >= 'A' && p[j] <= 'Z')); j++)
                    if (p[j] == 'x')
                        return 0;
            }
            i = skip_group(p, n, i) - 1;
        } else if (p[i] == '|') {
            return 0;
        }
    }
    char run[256];
    size_t rn = 0, best = 0;
    for (size_t i = 0; i <= n; i++) {
        unsigned char ch = i < n ? (unsigned char)p[i] : 0;
        int lit = 0;
        if (i == n) {
            lit = 0;
        } else if (ch == '\\') {
            unsigned char e = i + 1 < n ? (unsigned char)p[i + 1] : 0;
            i++;
            /* a backslash before a non-alphanumeric ASCII character is that
             * character; before anything else it is a class, an anchor, a
             * reference or a code */
            if (e >= 0x20 && e < 0x7f && !((e >= '0' && e <= '9') || (e >= 'a' && e <= 'z') ||
                                            (e >= 'A' && e <= 'Z')))
                ch = e, lit = 1;
            else if (e)   /* a class, an anchor, a reference or a code: skip it whole */
                i += esc_len(p, n, i - 1) - 2;
        } else if (ch == '[') {
            i = skip_class(p, n, i) - 1;
        } else if (ch == '(') {
            i = skip_group(p, n, i) - 1;
        } else if (ch == '{') {
            /* a quantifier {n}, {n,}, {n,m}, {,m}: its digits are no literal
             * (a brace that starts no quantifier is literal; ending the run
             * there is merely conservative) */
            size_t j = i + 1;
            while (j < n && ((p[j] >= '0' && p[j] <= '9') || p[j] == ',' || p[j] == ' '))
                j++;
            if (j < n && p[j] == '}')
                i = j;
        } else if (ch == '*' || ch == '?') {
            /* a quantifier: the character before it left the run already */
        } else if (ch == '|') {
            return 0;   /* only reached if the structure was misread: know nothing */
        } else if (ch == '+' || ch == '.' || ch == '^' || ch == '$' || ch == ')' || ch == ']' ||
                   ch == '}') {
            /* ends the run; with '+' the character before stays */
        } else if (ch >= 0x20 && ch < 0x7f) {
            lit = 1;
        }
        if (lit && caseless && (ch == 'k' || ch == 'K' || ch == 's' || ch == 'S'))
            lit = 0;
        if (lit && rn < sizeof(run)) {
            /* a quantifier after this character may make it optional: it
             * joins the run only when the next token is not one */
            unsigned char nx = next_token(p, n, i + 1);
            run[rn++] = (char)ch;
            int letter = (ch | 0x20) >= 'a' && (ch | 0x20) <= 'z';
            if (counts && !(nx == '*' || nx == '?' || nx == '{') && !(caseless && letter))
                counts[ch]++;
            if (nx == '*' || nx == '?' || nx == '{') {
                rn--;
                lit = 0;
            } else if (nx == '+') {
                lit = 0;   /* repeated: the run cannot continue past it */
            } else {
                continue;
            }
        }
        if (rn > best && rn <= size) {
            best = rn;
            for (size_t k = 0; k < rn; k++)
                out[k] = (char)(run[k] >= 'A' && run[k] <= 'Z' ? run[k] + 32 : run[k]);
        }
        rn = 0;
    }
    return best;
}

size_t tn_re_literal(const char *p, size_t n, int caseless, char *out, size_t size)
{
    return re_scan(p, n, caseless, out, size, NULL);
}

uint32_t tn_re_required_char(const char *p, size_t n, int caseless, unsigned char *ch)
{
    uint32_t counts[128] = {0}, best = 0;
    char tmp[256];
    re_scan(p, n, caseless, tmp, sizeof(tmp), counts);
    for (unsigned c = 1; c < 128; c++)
        if (counts[c] > best)
            best = counts[c], *ch = (unsigned char)c;
    return best;
}

size_t tn_re_lazy(const char *p, size_t n, char *out, size_t size)
{
    /* Greediness decides which match a backtracking engine reports first,
     * never whether there is one: the search tries every way either way.
     * That holds only for plain backtracking, so anything that commits or
     * looks back at what was matched declines: atomic groups, possessive
     * quantifiers, lookarounds, verbs, conditionals, back references,
     * recursion, \K, inline flags other than i, m, s and n (U flips
     * greediness, x changes what is a token), and the constructs whose
     * parsing re_scan leaves alone. */
    static const char *const odd[] = {"(?#", "(*", "\\Q", "\\E", "[:", "[.", "[=", "(?|", "(?(",
                                      "\\N", "\\g", "\\k", "\\K", "(?P", "(?C", "(?R", "(?&", "(?+",
                                      "(?>", "(?=", "(?!", "(?<", "(?'"};
    for (size_t k = 0; k < sizeof(odd) / sizeof(odd[0]); k++)
        if (memmem(p, n, odd[k], strlen(odd[k])))
            return 0;
    size_t o = 0, changed = 0;
#define PUT(ch) do { if (o >= size) return 0; out[o++] = (char)(ch); } while (0)
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)p[i];
        size_t tok = 0;   /* length of a token that is copied as it is */
        int quant = 0;    /* p[i..i+tok) is a quantifier */
        if (ch == '\\') {
            unsigned char e = i + 1 < n ? (unsigned char)p[i + 1] : 0;
            if (e >= '0' && e <= '9')
                return 0;   /* a back reference, or an octal code: not analysed */
            tok = esc_len(p, n, i);
        } else if (ch == '[') {
            tok = skip_class(p, n, i) - i;
        } else if (ch == '(') {
            tok = 1;
            if (i + 1 < n && p[i + 1] == '?') {
                /* (?:  (?flags)  (?flags:  with flags from i, m, s, n and '-' */
                size_t j = i + 2;
                while (j < n && (p[j] == 'i' || p[j] == 'm' || p[j] == 's' || p[j] == 'n' || p[j] == '-'))
                    j++;
                if (j >= n || (p[j] != ':' && p[j] != ')'))
                    return 0;
                tok = j + 1 - i;
            }
        } else if (ch == '*' || ch == '+' || ch == '?') {
            tok = 1, quant = 1;
        } else if (ch == '{') {
            unsigned m;   /* not a quantifier: declined */
            size_t e = brace_end(p, n, i, &m);
            if (!e)
                return 0;
            tok = e - i, quant = 1;
        } else {
            tok = 1;
        }
        if (tok == 0 || i + tok > n)
            return 0;
        for (size_t k = 0; k < tok; k++)
            PUT(p[i + k]);
        i += tok;
        if (quant) {
            if (i < n && p[i] == '+')
                return 0;   /* possessive */
            if (i < n && p[i] == '?') {
                PUT('?');   /* lazy already */
                i++;
            } else {
                PUT('?');
                changed++;
            }
        }
    }
#undef PUT
    return changed ? o : 0;
}

/* Length of the token at p[i] if it is one that matches exactly one
 * character (a literal ASCII byte, '.', a class, or an escape for one
 * character or one of a set), else 0. */
static size_t one_char_atom(const char *p, size_t n, size_t i)
{
    unsigned char ch = (unsigned char)p[i];
    if (ch == '[')
        return skip_class(p, n, i) - i;
    if (ch == '\\') {
        unsigned char e = i + 1 < n ? (unsigned char)p[i + 1] : 0;
        int alnum = (e >= '0' && e <= '9') || (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z');
        if (e >= 0x20 && e < 0x7f && !alnum)
            return 2;   /* an escaped punctuation character */
        return e && strchr("wWdDsShHvVpPxoctnrfea", e) ? esc_len(p, n, i) : 0;
    }
    if (ch >= 0x80 || strchr("^$|?*+(){}", ch) || ch == 0)
        return 0;
    return 1;
}

/* Length of the quantifier at p[i] (greedy or lazy; not possessive) and
 * its minimum in *min, else 0. */
static size_t quantifier(const char *p, size_t n, size_t i, unsigned *min)
{
    size_t j = i;
    if (i >= n)
        return 0;
    if (p[i] == '*' || p[i] == '?' || p[i] == '+') {
        *min = p[i] == '+';
        j = i + 1;
    } else if (p[i] == '{') {
        unsigned m;
        j = brace_end(p, n, i, &m);
        if (!j || m >= 1000)
            return 0;
        *min = m;
    } else {
        return 0;
    }
    if (j < n && p[j] == '+')
        return 0;   /* possessive */
    if (j < n && p[j] == '?')
        j++;
    return j - i;
}

size_t tn_re_trim(const char *p, size_t n, char *out, size_t size)
{
    /* Whether an unanchored pattern matches somewhere cannot depend on how
     * many times a repeated one-character item at its very start or end
     * repeats beyond its minimum: from a match of X+R, the last X and R
     * match too, at the same positions, so R sees the same subject around
     * it; and X R is X+R repeated once. So X+R is searched as XR, X*R as
     * R, and likewise at the end. Captures, back references, lookarounds,
     * \K and the constructs re_scan leaves alone decline (they can see
     * where the match began). Measured: SigmaHQ's '\w+`(\w+|-|.)`...'
     * on script blocks tried \w+ from every letter of every word, ~5
     * cycles a byte; '\w`...' is a short check per byte. */
    static const char *const odd[] = {"(?#", "(*", "\\Q", "\\E", "[:", "[.", "[=", "(?|", "(?(",
                                      "\\N", "\\g", "\\k", "\\K", "(?P", "(?C", "(?R", "(?&", "(?+",
                                      "(?>", "(?=", "(?!", "(?<", "(?'", "(?x", "(?U", "(?-"};
    for (size_t k = 0; k < sizeof(odd) / sizeof(odd[0]); k++)
        if (memmem(p, n, odd[k], strlen(odd[k])))
            return 0;
    /* the top level: no alternation; items with their quantifiers. first:
     * where the first item begins (past leading option settings such as
     * (?i)); last: where the last item begins, lq its quantifier's length */
    size_t first = n, last = n, la = 0, lq = 0;
    unsigned lmin = 0;
    for (size_t i = 0; i < n;) {
        size_t tok;
        unsigned char ch = (unsigned char)p[i];
        if (ch == '\\') {
            unsigned char e = i + 1 < n ? (unsigned char)p[i + 1] : 0;
            if (e >= '0' && e <= '9')
                return 0;   /* a back reference or an octal code: not analysed */
            tok = esc_len(p, n, i);
        } else if (ch == '[') {
            tok = skip_class(p, n, i) - i;
        } else if (ch == '(') {
            tok = skip_group(p, n, i) - i;
            /* an option setting (?i) before any item is no item */
            size_t j = i + 2;
            while (i + 1 < n && p[i + 1] == '?' && j < n && strchr("imsn", p[j]))
                j++;
            if (first == n && i + 1 < n && p[i + 1] == '?' && j > i + 2 && j + 1 == i + tok &&
                p[j] == ')') {
                i += tok;
                continue;
            }
        } else if (ch == '|' || ch == '*' || ch == '+' || ch == '?') {
            return 0;   /* alternation, or a quantifier where none was expected */
        } else {
            tok = 1;
        }
        if (tok == 0 || i + tok > n)
            return 0;
        if (first == n)
            first = i;
        last = i;
        la = one_char_atom(p, n, i) == tok ? tok : 0;
        lq = quantifier(p, n, i + tok, &lmin);
        unsigned m2;
        size_t after = i + tok + lq;
        if ((!lq && after < n && strchr("*+?", p[after])) || (lq && after < n && (strchr("*+?", p[after]) ||
                                                                                quantifier(p, n, after, &m2))))
            return 0;   /* possessive, a quantifier on a quantifier, or not understood */
        i += tok + lq;
    }
    /* back references inside groups too */
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == '\\') {
            if (p[i + 1] >= '0' && p[i + 1] <= '9')
                return 0;
            i += esc_len(p, n, i) - 1;
        }
    size_t head = 0, headq = 0, tail = n, tailq = 0;   /* spans to drop */
    unsigned min = 0;
    /* leading: a one-character item X with a quantifier of minimum 0 or 1:
     * kept once, or dropped */
    size_t a = first < n ? one_char_atom(p, n, first) : 0;
    size_t q = a ? quantifier(p, n, first + a, &min) : 0;
    if (q && min <= 1) {
        head = min ? first + a : first;
        headq = first + a + q;
    }
    /* trailing: the same for the last item, if it is not the first one */
    if (last < n && last > first && la && lq && lmin <= 1) {
        tail = lmin ? last + la : last;
        tailq = last + la + lq;
    }
    if (!headq && !tailq)
        return 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if ((headq && i >= head && i < headq) || (tailq && i >= tail && i < tailq))
            continue;
        if (o >= size)
            return 0;
        out[o++] = p[i];
    }
    return o;
}

int tn_re_class_run(const char *p, size_t n, uint64_t set[2], uint32_t *min, uint32_t *max)
{
    /* ^[ ... ] then a quantifier then $; the set's members are printable
     * ASCII other than \\ ^ [ ] (no escapes, negation, POSIX classes) */
    if (n < 5 || p[0] != '^' || p[1] != '[' || p[n - 1] != '$')
        return 0;
    set[0] = set[1] = 0;
    size_t i = 2;
    for (; i < n && p[i] != ']'; i++) {
        unsigned char a = (unsigned char)p[i], b = a;
        if (a < 0x20 || a >= 0x7f || a == '\\' || a == '^' || a == '[')
            return 0;
        if (i + 2 < n && p[i + 1] == '-' && p[i + 2] != ']') {
            b = (unsigned char)p[i + 2];
            if (b < 0x20 || b >= 0x7f || b == '\\' || b == '^' || b == '[' || b < a)
                return 0;
            i += 2;
        }
        for (unsigned c = a; c <= b; c++)
            set[c / 64] |= 1ull << (c % 64);
    }
    if (i >= n || i == 2)
        return 0;   /* unclosed, or an empty set ('[]' opens a set holding ']') */
    i++;
    size_t q = i, end = n - 1;   /* the quantifier is p[q..end) */
    if (end - q == 1 && (p[q] == '+' || p[q] == '*')) {
        *min = p[q] == '+';
        *max = UINT32_MAX;
        return 1;
    }
    if (end - q < 3 || p[q] != '{' || p[end - 1] != '}')
        return 0;
    uint64_t lo = 0, hi = 0;
    size_t j = q + 1, d = 0;
    for (; j < end - 1 && p[j] >= '0' && p[j] <= '9' && lo < 100000; j++, d++)
        lo = lo * 10 + (uint64_t)(p[j] - '0');
    if (!d || lo >= 100000)
        return 0;
    if (j == end - 1) {
        hi = lo;
    } else if (p[j] == ',') {
        size_t hd = 0;
        for (j++; j < end - 1 && p[j] >= '0' && p[j] <= '9' && hi < 100000; j++, hd++)
            hi = hi * 10 + (uint64_t)(p[j] - '0');
        if (j != end - 1 || hi >= 100000 || (hd && hi < lo))
            return 0;
        if (!hd)
            hi = UINT32_MAX;
    } else {
        return 0;
    }
    *min = (uint32_t)lo;
    *max = (uint32_t)hi;
    return 1;
}
