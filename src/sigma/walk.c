/* walk.c - lists the rule files under folders, in name order.
 *
 * Loading walks first and loads after (on several threads): the walk
 * fixes the order in which rules are numbered and problems reported. */
#include "sigma/walk.h"

#include "base/alloc.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEPTH 32

static int add(tn_rwalk *w, const char *path, const char *why)
{
    if (w->n == w->cap) {
        size_t ncap = w->cap ? w->cap * 2 : 256;
        tn_rfile *nv = tn_realloc(w->v, ncap * sizeof(*nv));
        if (!nv)
            return -1;
        w->v = nv;
        w->cap = ncap;
    }
    const char *p = tn_arena_strndup(w->a, path, strlen(path));
    const char *y = why ? tn_arena_strndup(w->a, why, strlen(why)) : NULL;
    if (!p || (why && !y))
        return -1;
    w->v[w->n].path = p;
    w->v[w->n++].why = y;
    return 0;
}

static int has_yaml_ext(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && !strcmp(name + n - 4, ".yml")) || (n > 5 && !strcmp(name + n - 5, ".yaml"));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_path(tn_rwalk *w, const char *path, const struct stat *sb, int depth);

/* A folder's entry names (no dot files), as full paths, sorted. */
static int list_dir(DIR *dir, const char *path, char ***out, size_t *nout)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    int rc = 0;
    while (!rc && (de = readdir(dir))) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **nn = tn_realloc(names, ncap * sizeof(*nn));
            if (!nn) {
                rc = -1;
                break;
            }
            names = nn;
            cap = ncap;
        }
        size_t len = strlen(path) + strlen(de->d_name) + 2;
        names[n] = tn_malloc(len);
        if (!names[n]) {
            rc = -1;
            break;
        }
        snprintf(names[n++], len, "%s/%s", path, de->d_name);
    }
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    *out = names;
    *nout = n;
    return rc;
}

static int walk_dir(tn_rwalk *w, const char *path, int depth)
{
    DIR *dir = opendir(path);
    if (!dir)
        return add(w, path, strerror(errno));
    char **names;
    size_t n;
    int rc = list_dir(dir, path, &names, &n);
    closedir(dir);
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        /* an entry that cannot be stat'ed, or neither folder nor YAML,
         * is skipped silently */
        if (!rc && stat(names[i], &sb) == 0 && (S_ISDIR(sb.st_mode) || has_yaml_ext(names[i])))
            rc = walk_path(w, names[i], &sb, depth + 1);
        tn_free(names[i]);
    }
    tn_free(names);
    return rc;
}

/* sb: path's stat (each path is stat'ed once: a syscall per file was a
 * visible part of the serial walk). */
static int walk_path(tn_rwalk *w, const char *path, const struct stat *sb, int depth)
{
    if (!S_ISDIR(sb->st_mode))
        return add(w, path, NULL);
    if (depth > MAX_DEPTH)
        return add(w, path, "folders nested too deeply");
    return walk_dir(w, path, depth);
}

int tn_rules_walk(tn_rwalk *w, const char *const *paths, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        int rc = stat(paths[i], &sb) != 0 ? add(w, paths[i], strerror(errno))
                                          : walk_path(w, paths[i], &sb, 0);
        if (rc)
            return -1;
    }
    return 0;
}
