/* walk.c - lists the rule files under folders, in name order.
 *
 * The walk fixes the order in which rules are numbered and problems
 * reported; the loader's threads load the files as the walk finds them. */
#include "sigma/walk.h"

#include "base/alloc.h"
#include "base/map.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_DEPTH 32

typedef struct walk {
    tn_rfile_fn fn;
    void *ctx;
    /* the folders being read, outermost first: a link back to one is a
     * loop (two links to '.' took minutes and gigabytes, walking every
     * path through them; one to '..' loaded each rule 17 times) */
    dev_t dev[MAX_DEPTH + 2];
    ino_t ino[MAX_DEPTH + 2];
    int nopen;
    /* a rule file or folder reached twice (`-r rules -r rules/windows`,
     * a path given twice, two links to one file) loaded its rules twice,
     * each detection twice: each is loaded once, where first reached */
    tn_map dirs;           /* keys: (st_dev, st_ino) of each folder read, */
    int *ddepth;           /*   by id: the least depth it was read at (read */
    size_t dcap;           /*   again nearer the top: the limit cut less) */
    tn_map files;          /* keys: (device, inode) of each file handed over, */
    char **fpath;          /*   by id: its path (to confirm a match with stat) */
    size_t fcap;
} walk;

static int add(walk *w, const char *path, const char *why, const struct stat *sb)
{
    return w->fn(w->ctx, path, why, 0, sb) ? -1 : 0;
}

static int skip_twice(walk *w, const char *path)
{
    return w->fn(w->ctx, path, "read already (the same file or folder reached again: given twice, inside a "
                               "folder given too, or a link); skipped", 1, NULL) ? -1 : 0;
}

static int same_file(const char *a, const char *b)
{
    struct stat x, y;
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* Hands the file at path over, unless a file handed over before is the
 * same file: (dev, ino) is its stat's, or, for a folder's plain file,
 * the folder's device and readdir's inode; a match is confirmed with a
 * stat of both paths (readdir's inode is not always the stat's: on
 * overlay file systems), so no other file is ever skipped. */
static int add_file(walk *w, const char *path, dev_t dev, ino_t ino, const struct stat *sb)
{
    uint64_t key[2] = {(uint64_t)dev, (uint64_t)ino};
    char **fp = tn_map_grow_ids(&w->files, w->fpath, &w->fcap, sizeof(*fp));
    if (!fp)
        return -1;
    w->fpath = fp;
    int added;
    long id = tn_map_put(&w->files, (const char *)key, sizeof(key), &added);
    if (id < 0)
        return -1;
    if (!added && w->fpath[id] && same_file(w->fpath[id], path))
        return skip_twice(w, path);
    if (added && !(w->fpath[id] = tn_strndup(path, strlen(path))))
        return -1;
    return add(w, path, NULL, sb);
}

/* In any case: rules copied from Windows shares come as RULE.YML, and
 * were skipped without a word inside folders (a review, session 27). */
static int has_yaml_ext(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && !strcasecmp(name + n - 4, ".yml")) || (n > 5 && !strcasecmp(name + n - 5, ".yaml"));
}

static int walk_path(walk *w, const char *path, int is_dir, int depth, const struct stat *sb);

/* A folder entry: full path and what readdir says it is. */
typedef struct entry {
    char *path;
    unsigned char type;    /* DT_REG, DT_DIR, ...; DT_UNKNOWN when not told */
    ino_t ino;             /* readdir's (a match is confirmed with a stat: add_file) */
} entry;

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->path, ((const entry *)b)->path);
}

/* A folder's entries (no dot files), sorted by path. */
static int list_dir(DIR *dir, const char *path, entry **out, size_t *nout)
{
    entry *es = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    int rc = 0;
    size_t plen = strlen(path);
    while (!rc && (de = readdir(dir))) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            entry *ne = tn_realloc(es, ncap * sizeof(*ne));
            if (!ne) {
                rc = -1;
                break;
            }
            es = ne;
            cap = ncap;
        }
        size_t nlen = strlen(de->d_name);
        char *p = tn_malloc(plen + nlen + 2);
        if (!p) {
            rc = -1;
            break;
        }
        /* path "/" name: snprintf was a third of the walk's instructions */
        memcpy(p, path, plen);
        p[plen] = '/';
        memcpy(p + plen + 1, de->d_name, nlen + 1);
        es[n].path = p;
        es[n].ino = de->d_ino;
        es[n++].type = de->d_type;
    }
    if (n)
        qsort(es, n, sizeof(*es), cmp_entry);
    *out = es;
    *nout = n;
    return rc;
}

/* 1: e is a folder, 0: a file, -1: skipped (neither a folder nor YAML;
 * a YAML name that cannot be stat'ed, or that is no regular file, is
 * reported: a dangling link was skipped without a word, and a FIFO named
 * .yml blocked the load for ever), -2: the report failed. A stat per
 * entry was most of the walk's system time: readdir's type is trusted
 * for plain files and folders, and anything else (links, unknown) is
 * stat'ed as before, into *sb (*stated set, so the loader need not stat
 * it again). */
static int entry_kind(walk *w, const entry *e, struct stat *sb, int *stated)
{
    int is_dir, yaml = has_yaml_ext(e->path);
    *stated = 0;
    if (e->type == DT_DIR || e->type == DT_REG)
        return e->type == DT_DIR ? 1 : yaml ? 0 : -1;
    if (stat(e->path, sb) != 0)
        return !yaml ? -1 : add(w, e->path, strerror(errno), NULL) ? -2 : -1;
    *stated = 1;
    is_dir = S_ISDIR(sb->st_mode) != 0;
    if (!is_dir && yaml && !S_ISREG(sb->st_mode))
        return add(w, e->path, "not a regular file; skipped", NULL) ? -2 : -1;
    return is_dir ? 1 : yaml ? 0 : -1;
}

static int walk_dir(walk *w, const char *path, int depth)
{
    DIR *dir = opendir(path);
    if (!dir)
        return add(w, path, strerror(errno), NULL);
    struct stat ds;
    int known = fstat(dirfd(dir), &ds) == 0;
    if (known) {
        for (int i = 0; i < w->nopen; i++)
            if (w->dev[i] == ds.st_dev && w->ino[i] == ds.st_ino) {
                closedir(dir);
                return add(w, path, "a link back to a folder being read; skipped", NULL);
            }
        uint64_t key[2] = {(uint64_t)ds.st_dev, (uint64_t)ds.st_ino};
        int added = 1;
        int *dd = tn_map_grow_ids(&w->dirs, w->ddepth, &w->dcap, sizeof(*dd));
        long id = dd ? tn_map_put(&w->dirs, (const char *)key, sizeof(key), &added) : -1;
        if (dd)
            w->ddepth = dd;
        if (id < 0 || (!added && w->ddepth[id] <= depth)) {
            closedir(dir);
            return id < 0 ? -1 : skip_twice(w, path);
        }
        w->ddepth[id] = depth;   /* its files read before are said once more as read already */
    }
    entry *es;
    size_t n;
    int rc = list_dir(dir, path, &es, &n);
    closedir(dir);
    int mine = known && w->nopen < MAX_DEPTH + 2;   /* depth is checked before */
    if (mine) {
        w->dev[w->nopen] = ds.st_dev;
        w->ino[w->nopen++] = ds.st_ino;
    }
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        int stated;
        int kind = rc ? -1 : entry_kind(w, &es[i], &sb, &stated);
        if (kind == -2)
            rc = -1;
        if (kind == 0)
            rc = stated ? add_file(w, es[i].path, sb.st_dev, sb.st_ino, &sb)
                        : add_file(w, es[i].path, known ? ds.st_dev : 0, es[i].ino, NULL);
        else if (kind > 0)
            rc = walk_path(w, es[i].path, kind, depth + 1, stated ? &sb : NULL);
        tn_free(es[i].path);
    }
    if (mine)
        w->nopen--;
    tn_free(es);
    return rc;
}

static int walk_path(walk *w, const char *path, int is_dir, int depth, const struct stat *sb)
{
    if (!is_dir)
        return add_file(w, path, sb->st_dev, sb->st_ino, sb);
    if (depth > MAX_DEPTH)
        return add(w, path, "folders nested too deeply", NULL);
    return walk_dir(w, path, depth);
}

int tn_rules_walk(const char *const *paths, size_t n, tn_rfile_fn fn, void *ctx)
{
    walk wk = {.fn = fn, .ctx = ctx}, *w = &wk;
    tn_map_init(&w->dirs);
    tn_map_init(&w->files);
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        struct stat sb;
        if (stat(paths[i], &sb) != 0)
            rc = add(w, paths[i], strerror(errno), NULL);
        else if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode))   /* a FIFO blocked the load for ever */
            rc = add(w, paths[i], "not a regular file; skipped", NULL);
        else
            rc = walk_path(w, paths[i], S_ISDIR(sb.st_mode), 0, &sb);
    }
    for (size_t i = 0; i < w->files.count; i++)
        tn_free(w->fpath[i]);
    tn_free(w->fpath);
    tn_map_free(&w->files);
    tn_map_free(&w->dirs);
    tn_free(w->ddepth);
    return rc ? -1 : 0;
}
