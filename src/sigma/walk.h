/* walk.h - the rule files under a list of paths, in load order. */
#ifndef TN_SIGMA_WALK_H
#define TN_SIGMA_WALK_H

#include <stddef.h>
#include <sys/stat.h>

/* Receives the walk's findings in load order: a file to load (why NULL),
 * or a path that could not be walked and the problem, to report in its
 * place (warn set: only a warning, nothing lost: a file or folder reached
 * a second time, skipped). sb: the file's stat when the walk took one (a
 * link, or a path given as a file), else NULL. The strings and sb are
 * valid during the call only. Returns 0, or nonzero to stop the walk. */
typedef int (*tn_rfile_fn)(void *ctx, const char *path, const char *why, int warn, const struct stat *sb);

/* Hands fn each path given as a file (whatever its name) and every
 * .yml/.yaml file under each folder (recursively, by name, depth first,
 * at most 32 levels), with the problems met in their place; each file
 * and folder once, where first reached. Returns 0, or -1 when out of
 * memory or when fn asked to stop. */
int tn_rules_walk(const char *const *paths, size_t n, tn_rfile_fn fn, void *ctx);

#endif
