/* value_impl.h - what value.c (modifiers, value kinds) and value_text.c
 * (the string transformations and placeholders) share. */
#ifndef TN_SIGMA_VALUE_IMPL_H
#define TN_SIGMA_VALUE_IMPL_H

#include "base/buf.h"
#include "sigma/value.h"

/* Modifier flags collected from the key. */
enum {
    M_CONTAINS = 1 << 0, M_STARTS = 1 << 1, M_ENDS = 1 << 2, M_ALL = 1 << 3,
    M_EXISTS = 1 << 4, M_CASED = 1 << 5, M_NEQ = 1 << 6, M_RE = 1 << 7,
    M_CIDR = 1 << 8, M_FIELDREF = 1 << 9, M_EXPAND = 1 << 10,
    M_RE_I = 1 << 11, M_RE_M = 1 << 12, M_RE_S = 1 << 13,
    M_ENC_AFTER = 1 << 14,   /* for one tn_transform call: an encoding follows it */
};

/* Transformations, applied in the order written. */
typedef enum { T_WIDE, T_UTF16BE, T_UTF16, T_B64, T_B64OFF, T_WINDASH, T_WILD } tkind;

typedef struct mods {
    unsigned flags;
    tn_numop op;
    int has_op;
    tn_timepart tpart;
    tkind t[16];
    int nt;
} mods;

/* A list of pattern strings: a value as the modifiers turn it into one or
 * several. */
typedef struct plist {
    tn_buf *v;
    size_t n, cap;
} plist;

int tn_plist_add(plist *l, const char *s, size_t n);
int tn_plist_take(plist *l, tn_buf *b);
void tn_plist_free(plist *l);

/* Sigma escapes: \* \? \\ are literals; other backslashes are literal;
 * unescaped * and ? become TN_GLOB_STAR and TN_GLOB_ONE. */
void tn_unescape(tn_buf *out, const char *s, size_t n);

/* Applies transformation t to every string in l: 0, -1 out of memory, or
 * 1 when a value cannot take it (*why says why). */
int tn_transform(plist *l, tkind t, unsigned flags, const char **why);
/* Appends to out pattern p spelt with each character beyond ASCII that
 * has another case (value_text.c's case_alts: Latin, Greek, Cyrillic ...;
 * sigma and final sigma, micro and mu, sharp s, the Kelvin sign as k) in
 * each of its spellings: Sigma compares case-insensitively and the
 * matcher folds ASCII only. A pattern that is not UTF-8 text (an encoding's bytes) is added
 * as it is. 0; 1 when it would be more than max strings (nothing added);
 * -1 out of memory. */
int tn_case_variants(plist *out, const tn_buf *p, size_t max);

/* Appends to out every expansion of s[0..n) (expand): each unescaped
 * %name% replaced by each of its values. 0 or -1. */
int tn_expand(tn_vctx *c, const char *s, size_t n, tn_buf *prefix, plist *out, int depth);

#endif
