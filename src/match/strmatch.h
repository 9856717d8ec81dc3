/* strmatch.h - the evaluator's string primitives (match/eval.c): ASCII
 * case folding, comparing, substring search. Inline: they run for each
 * value compared. The rule side was lower-cased when it was compiled, so
 * only the field's side is folded here. */
#ifndef TN_MATCH_STRMATCH_H
#define TN_MATCH_STRMATCH_H

#include <stddef.h>
#include <string.h>

static inline unsigned char tn_low(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static inline int tn_eq_n(const char *a, const char *b, size_t n, int cased)
{
    if (cased)
        return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (tn_low((unsigned char)a[i]) != (unsigned char)b[i])
            return 0;
    return 1;
}

/* Finds lower-cased (unless cased) needle in hay. */
static inline int tn_find(const char *hay, size_t hn, const char *nd, size_t nn, int cased)
{
    if (nn == 0)
        return 1;
    if (nn > hn)
        return 0;
    unsigned char first = (unsigned char)nd[0];
    for (size_t i = 0; i + nn <= hn; i++) {
        unsigned char c = (unsigned char)hay[i];
        if ((cased ? c : tn_low(c)) == first && tn_eq_n(hay + i + 1, nd + 1, nn - 1, cased))
            return 1;
    }
    return 0;
}

/* Exact substring search: memchr for the first byte, then memcmp. Field
 * values are short, so this beats a two-way memmem's setup per needle;
 * script blocks are not (kilobytes to megabytes, and needles such as
 * ' -enc ' start with their commonest byte): there glibc's memmem wins. */
static inline int tn_find_exact(const char *hay, size_t hn, const char *nd, size_t nn);

/* find_exact searching for nd[r] (its least common byte, tn_byte_rank)
 * with memchr, then comparing the whole needle around it: on paths and
 * command lines a first byte such as '\\' or ' ' stops memchr at every
 * word; on script blocks (kilobytes) glibc's memmem cost ~8k instructions
 * a search (callgrind, real-16). After many false stops (a common byte in
 * this text after all) memmem takes the rest. */
static inline int tn_find_rare(const char *hay, size_t hn, const char *nd, size_t nn, size_t r)
{
    if (nn == 0)
        return 1;
    if (nn > hn)
        return 0;
    const char *p = hay + r, *last = hay + (hn - nn) + r;
    for (unsigned miss = 0; p <= last; miss++, p++) {
        if (miss == 16) {
            const char *from = p - r;
            return memmem(from, (size_t)(hay + hn - from), nd, nn) != NULL;
        }
        p = memchr(p, nd[r], (size_t)(last - p) + 1);
        if (!p)
            return 0;
        if (!memcmp(p - r, nd, nn))
            return 1;
    }
    return 0;
}

static inline int tn_find_exact(const char *hay, size_t hn, const char *nd, size_t nn)
{
    if (nn == 0)
        return 1;
    if (hn > 1024)
        return memmem(hay, hn, nd, nn) != NULL;
    const char *p = hay, *end = hay + hn;
    while ((size_t)(end - p) >= nn) {
        p = memchr(p, nd[0], (size_t)(end - p) - nn + 1);
        if (!p)
            return 0;
        if (!memcmp(p + 1, nd + 1, nn - 1))
            return 1;
        p++;
    }
    return 0;
}

/* Glob match of s[0..sn) against a compiled pattern p[0..pn) (TN_GLOB_*
 * wildcards, sigma/rule.h; lower-cased unless cased). strmatch.c. */
int tn_glob_match(const char *p, size_t pn, const char *s, size_t sn, int cased);

#endif
