/* input.c - recursive input discovery with content sniffing. */
#include "input.h"

#include "base/alloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int push(tn_inputs *in, const char *path, int kind, uint64_t size)
{
    if (in->n == in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 64;
        tn_input *v = tn_realloc(in->v, cap * sizeof(*v));
        if (!v)
            return -1;
        in->v = v;
        in->cap = cap;
    }
    char *p = tn_strndup(path, strlen(path));
    if (!p)
        return -1;
    in->v[in->n++] = (tn_input){p, kind, size};
    return 0;
}

static int has_log_suffix(const char *p)
{
    const char *dot = strrchr(p, '.');
    return dot && (!strcasecmp(dot, ".evtx") || !strcasecmp(dot, ".json") || !strcasecmp(dot, ".jsonl"));
}

static int add_file(tn_inputs *in, const char *path, uint64_t size, int named, tn_diag *d)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        tn_report(d, TN_P_FILE_OPEN, path, NULL, "cannot open: %s", strerror(errno));
        return 0;
    }
    unsigned char head[512];
    ssize_t n = read(fd, head, sizeof(head));
    close(fd);
    if (n < 0) {
        tn_report(d, TN_P_FILE_OPEN, path, NULL, "cannot read: %s", strerror(errno));
        return 0;
    }
    int kind = tn_input_sniff(head, (size_t)n);
    if (kind == TN_INPUT_UNKNOWN) {
        if (named || has_log_suffix(path))
            tn_report(d, TN_P_FILE_OPEN, path, NULL, n == 0 ? "empty file" : "not EVTX, JSON or auditd; skipped");
        return 0;
    }
    return push(in, path, kind, size);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_path(tn_inputs *in, const char *path, int named, int depth, tn_diag *d);

static int add_dir(tn_inputs *in, const char *path, int depth, tn_diag *d)
{
    DIR *dir = opendir(path);
    if (!dir) {
        tn_report(d, TN_P_FILE_OPEN, path, NULL, "cannot open folder: %s", strerror(errno));
        return 0;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(dir)) && !rc) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = tn_realloc(names, cap * sizeof(*nn));
            if (!nn) {
                rc = -1;
                break;
            }
            names = nn;
        }
        size_t l = strlen(path) + strlen(e->d_name) + 2;
        if (!(names[n] = tn_malloc(l))) {
            rc = -1;
            break;
        }
        snprintf(names[n], l, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", e->d_name);
        n++;
    }
    closedir(dir);
    if (!rc && n)
        qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n; i++) {
        if (!rc)
            rc = add_path(in, names[i], 0, depth + 1, d);
        tn_free(names[i]);
    }
    tn_free(names);
    return rc;
}

static int add_path(tn_inputs *in, const char *path, int named, int depth, tn_diag *d)
{
    if (!strcmp(path, "-"))
        return push(in, path, TN_INPUT_UNKNOWN, 0);
    struct stat st;
    if (stat(path, &st) != 0) {
        tn_report(d, TN_P_FILE_OPEN, path, NULL, "%s", strerror(errno));
        return 0;
    }
    if (S_ISDIR(st.st_mode)) {
        if (depth > 64) {
            tn_report(d, TN_P_FILE_OPEN, path, NULL, "folders nested too deep; skipped");
            return 0;
        }
        return add_dir(in, path, depth, d);
    }
    if (!S_ISREG(st.st_mode)) {
        if (named)
            tn_report(d, TN_P_FILE_OPEN, path, NULL, "not a regular file");
        return 0;
    }
    return add_file(in, path, (uint64_t)st.st_size, named, d);
}

int tn_inputs_collect(tn_inputs *in, const char *const *paths, size_t n, tn_diag *d)
{
    for (size_t i = 0; i < n; i++)
        if (add_path(in, paths[i], 1, 0, d))
            return -1;
    return 0;
}

void tn_inputs_free(tn_inputs *in)
{
    for (size_t i = 0; i < in->n; i++)
        tn_free(in->v[i].path);
    tn_free(in->v);
    memset(in, 0, sizeof(*in));
}
