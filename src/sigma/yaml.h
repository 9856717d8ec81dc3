/* yaml.h - a read-only YAML node tree (via libyaml) with line/column marks.
 *
 * Sigma rules are small YAML documents; the loader wants random access
 * (look up "detection", walk its keys) and positions for error messages,
 * so each document becomes a tree of tn_ynode allocated in one arena.
 * Aliases are resolved to shallow copies of the anchored node. */
#ifndef TN_YAML_H
#define TN_YAML_H

#include "base/arena.h"

#include <stddef.h>
#include <stdint.h>

/* Version of the trees tn_yaml_parse builds from libyaml's events: bump it
 * when the building changes (ycache.c keeps trees on disk, keyed on it). */
#define TN_YAML_TREES 3   /* 2: a map with a key written twice is an error;
                           * 3: and a map with a key holding a NUL byte */

typedef enum tn_ykind {
    TN_Y_SCALAR,   /* str/len hold the text */
    TN_Y_SEQ,      /* child: first item, linked by next */
    TN_Y_MAP,      /* child: first key, linked by next; each key's val is its value */
} tn_ykind;

typedef struct tn_ynode tn_ynode;
struct tn_ynode {
    tn_ykind kind;
    const char *str;      /* scalar text, NUL-terminated ("" for collections) */
    size_t len;
    uint8_t plain;        /* 1: unquoted scalar (so `null`, `true`, `42` are typed) */
    uint32_t line, col;   /* 1-based position of the node's start */
    uint32_t count;       /* number of items (seq) or keys (map) */
    tn_ynode *child;      /* first item / first key */
    tn_ynode *next;       /* next sibling item / key */
    tn_ynode *val;        /* for a map key: its value */
};

/* One parsed stream: docs[i] is the root of the i-th document (never NULL;
 * an empty document is a plain empty scalar). */
typedef struct tn_ystream {
    tn_ynode **docs;
    size_t ndocs;
} tn_ystream;

/* Parse text[0..len) into st, allocating everything in a. Returns 0, or -1
 * with a message in err (NUL-terminated, at most errlen bytes) and the
 * 1-based position of the problem in eline and ecol; st then holds the
 * documents completed before the problem. Nesting deeper than 64 levels,
 * and a key written twice in one map, are errors (the input is
 * untrusted). */
int tn_yaml_parse(const char *text, size_t len, tn_arena *a, tn_ystream *st,
                  char *err, size_t errlen, uint32_t *eline, uint32_t *ecol);

/* Value of key in map m (exact match), or NULL when m is not a map or the
 * key is absent. */
tn_ynode *tn_ymap_get(const tn_ynode *m, const char *key);

/* 1 if n is a plain scalar meaning null: "null", "Null", "NULL", "~", "". */
int tn_ynode_is_null(const tn_ynode *n);
/* Where byte off of a scalar's value lies in its source src[0..n): the
 * scalar starts at line:col (1-based, columns in characters, as libyaml
 * counts them), and line starts at byte ls (tn_yaml_line_starts). Follows
 * the folding of a plain or quoted scalar over several lines (blank lines,
 * CRLF), a block one's indentation ('>' or '|', with an indentation
 * indicator, after a tag or an anchor) and a double-quoted one's escapes
 * (\x, \u, \U, an escaped line break); more-indented lines of a folded
 * block are taken as folded. In time linear in the walk. 0, or -1 when
 * line:col is not in src. */
int tn_yaml_scalar_pos(const char *src, size_t n, size_t ls, uint32_t line, uint32_t col, size_t off,
                       uint32_t *oline, uint32_t *ocol);
/* Byte offsets at which src's lines start, (*nl) of them (tn_malloc'd), or NULL. */
size_t *tn_yaml_line_starts(const char *src, size_t n, size_t *nl);

#endif
