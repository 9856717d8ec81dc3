/* value.h - compiles one detection entry ("field|mod|mod: values") to a tn_item. */
#ifndef TN_SIGMA_VALUE_H
#define TN_SIGMA_VALUE_H

#include "base/arena.h"
#include "sigma/rule.h"
#include "sigma/yaml.h"

/* A placeholder with no value, where a value used it (tn_vctx.warns). */
#define TN_VCTX_WARNS 8
typedef struct tn_vwarn {
    const tn_ynode *at;            /* the value */
    char name[128];                /* the placeholder, without its '%'s */
    uint32_t search;               /* the search identifier it is in (its index) */
} tn_vwarn;

typedef struct tn_vctx {
    tn_arena *a;                   /* where compiled values live */
    const struct tn_placeholders *placeholders;  /* name -> list of values, or NULL */
    char *err;                     /* OUT: message on failure */
    size_t errlen;
    const tn_ynode *err_node;      /* OUT: the offending node, for line:col */
    uint32_t err_col;              /* OUT: columns to add to err_node's (inside a condition) */
    size_t err_off;                /* OUT: with err_has_off, the byte of err_node's value that */
    int err_has_off;               /*   failed (a condition), for tn_yaml_scalar_pos */
    tn_vwarn warns[TN_VCTX_WARNS]; /* OUT: each placeholder with no value, once a value
                                    * (a rule's first TN_VCTX_WARNS; the rest in nwarns) */
    uint32_t nwarns;               /* OUT: how many there were */
    const tn_ynode *cur;           /* the value being compiled: where its warnings are */
    uint32_t cur_search;           /* the search identifier being compiled (its index) */
    const tn_ynode *more_at[32];   /* the warnings past the kept ones (value, and a */
    uint32_t more_hash[32];        /*   hash of the name), so that each is counted once */
    uint32_t nmore;
    pcre2_code **res;              /* OUT: every compiled regex, for freeing */
    size_t nres, capres;
    size_t nvals;                  /* values compiled for the rule so far (TN_RULE_MAX_VALUES) */
    struct tn_legacy_agg *agg;     /* IN/OUT: NULL, or where a condition's legacy
                                    * aggregation goes (sigma/cond.h); NULL refuses one */
} tn_vctx;

/* The placeholders file's names, sorted (strcmp), each with its node (a
 * list of values, or null); found by a binary search (a linear one cost
 * names x placeholder uses). */
typedef struct tn_placeholders {
    const char **names;
    const tn_ynode **vals;
    size_t n;
} tn_placeholders;

/* The values of placeholder name, or NULL when the file does not name it. */
const tn_ynode *tn_placeholder_get(const tn_placeholders *p, const char *name);

/* The values one rule may compile to, after YAML aliases and the
 * modifiers' spellings: an 11 KB file of aliases made 100 million values
 * (28 s, 7 GB), windash|utf16|base64offset over 1,000 values 1.9 million
 * literals (minutes, gigabytes; 100 values, 187,500 literals, 27 s);
 * refused past this, with the reason. The largest SigmaHQ or Hayabusa
 * rule compiles to between 2,000 and 5,000 (with the limit at 2,000, one
 * of each was refused; at 5,000 none). */
#define TN_RULE_MAX_VALUES 20000
/* Refuses the rule for it, at node at: -1. */
int tn_too_many_values(tn_vctx *c, const tn_ynode *at);

/* Compiles key (field name and modifiers; "" or "|all" alone for a
 * keyword search) with val (scalar, null, or list of scalars) into *out.
 * Returns 0, or -1 with c->err set. */
int tn_item_compile(tn_vctx *c, const char *key, const tn_ynode *keynode, const tn_ynode *val,
                    tn_item *out);

/* Compiles a keyword list entry (plain value matched against any field). */
int tn_keyword_compile(tn_vctx *c, const tn_ynode *val, tn_item *out);

/* The number s[0..n) spells, as lt/lte/gt/gte and the correlations'
 * sums read it: decimal (strtod's syntax, without leading spaces, inf or
 * nan) or 0x hexadecimal. 0, or -1 when it is not a number. */
int tn_number_parse(const char *s, size_t n, double *out);

/* s[0..n) case-folded into out (room for n bytes: folding never
 * lengthens): each letter as one spelling of its case class, by the
 * classes tn_case_variants spells (ASCII, and beyond it Unicode's simple
 * case folding for the blocks it covers; Kelvin sign as k, long s as s);
 * other code points and invalid bytes as they are. Returns the length.
 * Two texts are equal ignoring case when their folds are. */
size_t tn_case_fold(char *out, const char *s, size_t n);

/* Maps a Sigma field name to the event member it reads (TN_F_DATA for
 * EventData/UserData names). */
tn_sysfield tn_field_sys(const char *name, size_t len);

/* The longest ASCII literal that every match of regex p[0..n) contains,
 * lower-cased into out (at most size bytes); returns its length, 0 when
 * there is none that is certain. Conservative: alternation at the top
 * level, \Q, extended mode and anything it does not understand give 0 or
 * a shorter literal, never a wrong one. caseless (or any inline flag)
 * also drops k and s, which Unicode case folding matches with the Kelvin
 * sign and the long s. */
size_t tn_re_literal(const char *p, size_t n, int caseless, char *out, size_t size);

/* The ASCII byte that every match of regex p[0..n) holds most often, in
 * *ch, and how often (0: none known). Letters count only when case
 * matters. Same walk, same caution as tn_re_literal. */
uint32_t tn_re_required_char(const char *p, size_t n, int caseless, unsigned char *ch);

/* Regex p[0..n) with every greedy quantifier made lazy, into out (at most
 * size bytes); returns its length, or 0 when nothing changed or the
 * pattern holds anything for which greediness could change whether it
 * matches (atomic groups, possessive quantifiers, lookarounds, back
 * references, verbs, inline flags other than i/m/s/n, ...). For a yes/no
 * match the result is the same pattern, often much faster. */
size_t tn_re_lazy(const char *p, size_t n, char *out, size_t size);

/* Regex p[0..n) with a repeated one-character item at its start or end
 * (not anchored there) repeated only as often as its minimum needs, 0 or
 * 1 times, into out (at most size bytes): X+Y as XY, X*Y as Y, Y\w+ as
 * Y\w. Whether it matches somewhere is unchanged; where is not. Returns
 * the length, or 0 when nothing changed or the pattern holds anything
 * that could tell (captures referred back to, lookarounds, \K, ...). */
size_t tn_re_trim(const char *p, size_t n, char *out, size_t size);

/* 1 if regex p[0..n) is ^[set]{min,max}$ (or + or *, max UINT32_MAX for no
 * bound) with a set of plain ASCII characters and ranges, filling set
 * (bit c of set[c / 64]), min and max; else 0. Matched case-sensitively,
 * without multiline. */
int tn_re_class_run(const char *p, size_t n, uint64_t set[2], uint32_t *min, uint32_t *max);

/* How common byte c is in lower-cased Windows field values (paths,
 * command lines, script text), 0 rarest; a rough order by hand, only
 * used to pick which byte of a literal to search for first. */
unsigned tn_byte_rank(unsigned char c);

/* Base64 (standard alphabet, padded) of in[0..n) appended to b. */
struct tn_buf;
void tn_base64(struct tn_buf *b, const unsigned char *in, size_t n);

#endif
