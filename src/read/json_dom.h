/* json_dom.h - parse one JSON value into a small tree in an arena. */
#ifndef TN_JSON_DOM_H
#define TN_JSON_DOM_H

#include "base/arena.h"

#include <stddef.h>
#include <stdint.h>

/* Deepest nesting of arrays and objects accepted. Windows events nest
 * about six levels; the limit keeps recursion and the framer's bracket
 * stack small and turns hostile input into a reported error. */
#define TN_JSON_MAX_DEPTH 64

typedef enum tn_jtype {
    TN_J_NULL,
    TN_J_FALSE,
    TN_J_TRUE,
    TN_J_NUMBER, /* text is the number exactly as written */
    TN_J_STRING, /* text is the decoded UTF-8 */
    TN_J_ARRAY,
    TN_J_OBJECT,
} tn_jtype;

/* A node. All memory is in the arena given to tn_json_parse. */
typedef struct tn_jnode tn_jnode;
struct tn_jnode {
    const char *key;   /* member name in an object (decoded, NUL-terminated); NULL otherwise */
    const char *text;  /* NUMBER or STRING: NUL-terminated text; NULL otherwise */
    tn_jnode *kid;     /* ARRAY/OBJECT: first element or member, in document order */
    tn_jnode *next;    /* next sibling */
    uint32_t key_len;
    uint32_t text_len; /* bytes, excluding the NUL; strings may hold "\u0000" */
    uint8_t type;      /* tn_jtype */
    uint8_t used;      /* 0 after parsing; free for the caller's bookkeeping */
};

/* Outcome of a parse beyond the returned tree. */
typedef struct tn_jparse {
    const char *err;   /* OUT: static message when the parse failed, else NULL */
    size_t err_pos;    /* OUT: byte offset of the failure within the input */
    int bad_unicode;   /* OUT: strings held invalid UTF-8 or lone surrogates,
                        * each replaced by U+FFFD; the tree is still good */
    int oom;           /* OUT: the failure was the arena running out of memory */
} tn_jparse;

/* Parse exactly one JSON value from s[0..n), whitespace around it allowed.
 * Strict RFC 8259 grammar, except that raw control characters inside
 * strings are kept rather than rejected (some log shippers emit tabs).
 * Returns the root, or NULL with st->err set (err is "out of memory" when
 * the arena fails). Duplicate keys are all kept. Not thread-safe per arena. */
tn_jnode *tn_json_parse(tn_arena *a, const char *s, size_t n, tn_jparse *st);

/* First member of object o named key (NUL-terminated), or NULL; NULL o is fine. */
tn_jnode *tn_json_get(const tn_jnode *o, const char *key);

/* The code point of the \u escape whose 'u' is str[0] (n bytes there),
 * a high surrogate paired with the \uDC00-DFFF escape right after it:
 * *used gets the bytes it took from str (5, or 11 for a pair). A lone
 * surrogate is U+FFFD, with *lone set. -1 on bad or missing hex. */
long tn_json_u_escape(const char *str, size_t n, size_t *used, int *lone);

#endif
