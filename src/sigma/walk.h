/* walk.h - the rule files under a list of paths, in load order. */
#ifndef TN_SIGMA_WALK_H
#define TN_SIGMA_WALK_H

#include "base/arena.h"

#include <stddef.h>

/* A file to load, or a path that could not be walked. */
typedef struct tn_rfile {
    const char *path;      /* in the walk's arena */
    const char *why;       /* NULL: a file to load; else the problem, to report in its place */
} tn_rfile;

typedef struct tn_rwalk {
    tn_arena *a;           /* set by the caller: holds paths and reasons */
    tn_rfile *v;           /* OUT: in load order; the caller frees v with tn_free */
    size_t n, cap;
} tn_rwalk;

/* Appends to w each path given as a file (whatever its name) and every
 * .yml/.yaml file under each folder (recursively, by name, depth first,
 * at most 32 levels), with the problems met in their place. Returns 0, or
 * -1 when out of memory (w then holds what was found before). */
int tn_rules_walk(tn_rwalk *w, const char *const *paths, size_t n);

#endif
