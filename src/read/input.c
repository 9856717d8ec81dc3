/* input.c - recursive input discovery with content sniffing.
 *
 * Standard input is sniffed like a file. Its first bytes are then gone
 * from a pipe, and the readers read standard input themselves (by fd 0),
 * so they are put back: a seekable stdin is rewound; a pipe is replaced on
 * fd 0 by a new pipe that a relay thread fills with the bytes read, then
 * with the rest of the original stdin. The relay costs one copy, and
 * JSON Lines from a pipe stay streamed in bounded memory. */
#include "input.h"

#include "base/alloc.h"
#include "base/file.h"
#include "base/map.h"
#include "read/gz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
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
    static const char *const sfx[] = {".evtx", ".json", ".jsonl", ".evtx.gz", ".json.gz", ".jsonl.gz"};
    size_t n = strlen(p);
    for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
        size_t k = strlen(sfx[i]);
        if (n > k && !strcasecmp(p + n - k, sfx[i]))
            return 1;
    }
    return 0;
}

/* The kind of a gzip-compressed input fd, from its first decompressed
 * bytes (the readers decompress as they read: read/gz.h), read as far as
 * needed: a large header field or damage in the first member took the
 * first 4 KiB of compressed bytes (a review, session 28). An EVTX file
 * whose header is wiped is known by its first chunk at 4 KiB, as plain.
 * *none: nothing could be decompressed. */
static int sniff_gz(int fd, int *none)
{
    unsigned char plain[TN_SNIFF_HEAD + 8];
    tn_gz *g = tn_gz_open_fd(fd);
    size_t n = 0;
    long got = 0;
    size_t at;
    int problems = 0;   /* a file of false headers is not walked twice: 64 are enough to say */
    while (g && n < sizeof(plain) && problems < 64) {
        got = tn_gz_read(g, plain + n, sizeof(plain) - n);
        if (got <= 0 && got != TN_GZ_AGAIN)
            break;
        problems += tn_gz_problem(g, &at) != NULL;   /* the readers say them */
        n += got > 0 ? (size_t)got : 0;
    }
    tn_gz_close(g);
    *none = n == 0;
    int kind = tn_input_sniff(plain, n < TN_SNIFF_HEAD ? n : TN_SNIFF_HEAD);
    if (kind == TN_INPUT_UNKNOWN && n == sizeof(plain) && !memcmp(plain + TN_SNIFF_HEAD, "ElfChnk\0", 8))
        kind = TN_INPUT_EVTX;
    return kind;
}

static int add_file(tn_inputs *in, const char *path, uint64_t size, int named, tn_diag *d)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        tn_report(d, TN_P_FILE_OPEN, path, NULL, "cannot open: %s", strerror(errno));
        return 0;
    }
    unsigned char head[TN_SNIFF_HEAD], chunk[8];
    ssize_t n = read(fd, head, sizeof(head));
    int gz = n > 0 && tn_gz_is(head, (size_t)n), none = 0;
    int kind = n < 0 ? TN_INPUT_UNKNOWN : gz ? sniff_gz(fd, &none) : tn_input_sniff(head, (size_t)n);
    /* an EVTX file whose file header is damaged or wiped still has its
     * first chunk at 4 KiB, and the reader finds chunks by signature
     * (docs/evtx.md): `dump` read such a file, `hunt` skipped it */
    if (kind == TN_INPUT_UNKNOWN && !gz && n >= 0 && pread(fd, chunk, 8, 4096) == 8 &&
        !memcmp(chunk, "ElfChnk\0", 8))
        kind = TN_INPUT_EVTX;
    close(fd);
    if (n < 0) {
        tn_report(d, TN_P_FILE_OPEN, path, NULL, "cannot read: %s", strerror(errno));
        return 0;
    }
    if (kind == TN_INPUT_UNKNOWN) {
        if (named || has_log_suffix(path))
            tn_report(d, TN_P_FILE_OPEN, path, NULL, n == 0 ? "empty file"
                      : gz && none ? "gzip-compressed, and cut or damaged before its first byte; skipped"
                      : gz ? "gzip-compressed, and not EVTX, JSON or auditd inside; skipped"
                           : "not EVTX, JSON or auditd; skipped");
        return 0;
    }
    return push(in, path, kind, size);
}

typedef struct relay {
    int from, to;              /* the original stdin, the new pipe's write end */
    unsigned char head[TN_SNIFF_HEAD];
    size_t n;                  /* bytes in head */
} relay;

static void *relay_main(void *va)
{
    relay *r = va;
    /* a reader that stops early closes the pipe: the write must then fail
     * with EPIPE, not kill the process with SIGPIPE */
    sigset_t pipe_sig;
    sigemptyset(&pipe_sig);
    sigaddset(&pipe_sig, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_sig, NULL);
    unsigned char buf[1 << 16];
    int ok = tn_write_all(r->to, r->head, r->n) == 0;
    while (ok) {
        ssize_t n = read(r->from, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;   /* a read error shows to the reader as an early end */
        ok = tn_write_all(r->to, buf, (size_t)n) == 0;
    }
    close(r->to);
    close(r->from);
    tn_free(r);
    return NULL;
}

/* Put head[0..n) back in front of what is left on fd 0. Returns 0 or -1. */
static int unread_stdin(const unsigned char *head, size_t n)
{
    if (lseek(STDIN_FILENO, -(off_t)n, SEEK_CUR) >= 0)
        return 0;
    relay *r = tn_malloc(sizeof(*r));
    int p[2];
    if (!r || pipe(p) != 0) {
        tn_free(r);
        return -1;
    }
    memcpy(r->head, head, n);
    r->n = n;
    r->to = p[1];
    r->from = dup(STDIN_FILENO);
    pthread_t th;
    if (r->from < 0 || dup2(p[0], STDIN_FILENO) < 0) {
        if (r->from >= 0)
            close(r->from);
        close(p[0]);
        close(p[1]);
        tn_free(r);
        return -1;
    }
    close(p[0]);
    if (pthread_create(&th, NULL, relay_main, r) != 0) {
        /* fd 0 is now the new pipe: without the relay it would stay empty */
        dup2(r->from, STDIN_FILENO);
        close(r->from);
        close(p[1]);
        tn_free(r);
        return -1;
    }
    /* it ends at the end of stdin; if a reader stops early, the relay may
     * still wait on a slow writer, so nobody waits for it */
    pthread_detach(th);
    return 0;
}

/* "-": sniff standard input's first bytes, then put them back. */
static int add_stdin(tn_inputs *in, tn_diag *d)
{
    unsigned char head[TN_SNIFF_HEAD];
    size_t n = 0;
    struct stat st;
    /* a file given as standard input (< file.json.gz), from its start: its
     * gzip is read as a named file's is, in place (pread; a pipe is refused
     * below: it was refused too; a review, session 29) */
    if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode) && lseek(STDIN_FILENO, 0, SEEK_CUR) == 0 &&
        pread(STDIN_FILENO, head, 3, 0) == 3 && tn_gz_is(head, 3)) {
        int none = 0, kind = sniff_gz(STDIN_FILENO, &none);
        if (kind == TN_INPUT_UNKNOWN) {
            tn_report(d, TN_P_FILE_OPEN, "-", NULL, none ? "standard input is gzip-compressed, and cut or "
                      "damaged before its first byte; skipped" : "standard input is gzip-compressed, and not "
                      "EVTX, JSON or auditd inside; skipped");
            return 0;
        }
        return push(in, "-", kind, (uint64_t)st.st_size);
    }
    while (n < sizeof(head)) {  /* a pipe may deliver the head in pieces */
        ssize_t r = read(STDIN_FILENO, head + n, sizeof(head) - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            tn_report(d, TN_P_FILE_OPEN, "-", NULL, "cannot read standard input: %s", strerror(errno));
            return 0;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    int kind = tn_input_sniff(head, n);
    if (kind == TN_INPUT_UNKNOWN) {
        tn_report(d, TN_P_FILE_OPEN, "-", NULL, n == 0 ? "standard input is empty"
                  : tn_gz_is(head, n) ? "standard input is gzip-compressed: name the file instead, "
                                        "or decompress it into the pipe (zcat); skipped"
                                      : "not EVTX, JSON or auditd; skipped");
        return 0;
    }
    if (unread_stdin(head, n)) {
        tn_report(d, TN_P_FILE_OPEN, "-", NULL, "cannot relay standard input: %s", strerror(errno));
        return 0;
    }
    return push(in, "-", kind, 0);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folders and files a walk has taken, by device and inode (on: a
 * folder being read, which tells a loop from a folder reached twice).
 * Links are followed, as `find -L` does: a link back to a folder being
 * read looped without end (self -> . and up -> ..), and a folder reached
 * through two paths was read twice, each detection twice. A file reached
 * twice (named twice, named and inside a folder given too, or linked) was
 * read twice until session 25: every detection doubled, and three failed
 * logons made a `gte: 4` brute-force correlation. It is read once now,
 * under the path that sorts first (so that the timeline's `file` does not
 * depend on the order paths are given in; standard input, '-', keeps its
 * place), and the other path is said. A file a walk passed over (not a
 * log) is no input: named, it is looked at again. Folders and files share
 * the map: a key is never both. */
typedef struct walk {
    tn_map ids;       /* device and inode bytes to an id */
    uint8_t *on;      /* per id: a folder being read (an ancestor) */
    size_t cap;
    uint32_t *at;     /* per id: the input a file is (index + 1), or 0 */
    size_t atcap;
    int stdin_taken;  /* '-' given already: a second sniff would take bytes from the first */
} walk;

/* The id of st in w (*fresh when new), or -1 out of memory. */
static long seen(walk *w, const struct stat *st, int *fresh)
{
    uint64_t key[2] = {(uint64_t)st->st_dev, (uint64_t)st->st_ino};
    uint8_t *on = tn_map_grow_ids(&w->ids, w->on, &w->cap, 1);
    if (!on)
        return -1;
    w->on = on;
    uint32_t *at = tn_map_grow_ids(&w->ids, w->at, &w->atcap, sizeof(*at));
    if (!at)
        return -1;
    w->at = at;
    return tn_map_put(&w->ids, (const char *)key, sizeof(key), fresh);
}

/* A path that reaches what was taken already: a warning, not an input
 * problem (nothing is lost, and the exit code stays 0), in tn_report's
 * shape; -q leaves it out. */
static void said_again(const tn_diag *d, const char *path, const char *what)
{
    if (d->quiet)
        return;
    flockfile(stderr);
    fputs("tansa: ", stderr);
    tn_put_safe(stderr, path);
    fprintf(stderr, ": read already (the same %s reached again: given twice, inside a folder given too, "
            "or a link); skipped\n", what);
    funlockfile(stderr);
}

/* Takes the file of id (fresh: new to the walk) at path: an input once,
 * under the path that sorts first. Returns 0, or -1 out of memory. */
static int take_file(tn_inputs *in, const char *path, long id, int fresh, int is_stdin, uint64_t size,
                     int named, tn_diag *d, walk *w)
{
    if (!fresh && w->at[id]) {
        tn_input *k = &in->v[w->at[id] - 1];
        if (is_stdin || !strcmp(k->path, "-") || strcmp(path, k->path) >= 0) {
            said_again(d, path, "file");
            return 0;
        }
        char *p = tn_strndup(path, strlen(path));
        if (!p)
            return -1;
        said_again(d, k->path, "file");
        tn_free(k->path);
        k->path = p;
        return 0;
    }
    size_t before = in->n;
    int rc = is_stdin ? add_stdin(in, d) : add_file(in, path, size, named, d);
    if (!rc && in->n > before)
        w->at[id] = (uint32_t)in->n;
    return rc;
}

static int add_path(tn_inputs *in, const char *path, int named, int depth, tn_diag *d, walk *w);

static int add_dir(tn_inputs *in, const char *path, int depth, tn_diag *d, walk *w)
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
        /* hidden files and folders too: evidence is read whole (an
         * attacker's or a collector's dot-file is still a log) */
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
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
            rc = add_path(in, names[i], 0, depth + 1, d, w);
        tn_free(names[i]);
    }
    tn_free(names);
    return rc;
}

static int add_path(tn_inputs *in, const char *path, int named, int depth, tn_diag *d, walk *w)
{
    if (!strcmp(path, "-")) {
        if (w->stdin_taken) {
            said_again(d, path, "standard input");
            return 0;
        }
        w->stdin_taken = 1;
        /* standard input from a file (`- < ev.jsonl`) is that file */
        struct stat st;
        if (fstat(STDIN_FILENO, &st) != 0 || !S_ISREG(st.st_mode))
            return add_stdin(in, d);
        int fresh = 0;
        long id = seen(w, &st, &fresh);
        return id < 0 ? -1 : take_file(in, path, id, fresh, 1, 0, 1, d, w);
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        tn_report(d, TN_P_FILE_OPEN, path, NULL, "%s", strerror(errno));
        return 0;
    }
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
        if (named)
            tn_report(d, TN_P_FILE_OPEN, path, NULL, "not a regular file");
        return 0;
    }
    if (S_ISDIR(st.st_mode)) {
        if (depth > 64) {   /* before it is noted: a shorter path may still read it */
            tn_report(d, TN_P_FILE_OPEN, path, NULL, "folders nested too deep; skipped");
            return 0;
        }
        int fresh = 0;
        long id = seen(w, &st, &fresh);
        if (id < 0)
            return -1;
        if (!fresh) {   /* read already, through another path */
            if (w->on[id])
                tn_report(d, TN_P_FILE_OPEN, path, NULL, "a link back to a folder being read; skipped");
            else
                said_again(d, path, "folder");
            return 0;
        }
        w->on[id] = 1;
        int rc = add_dir(in, path, depth, d, w);
        w->on[id] = 0;   /* w->on may have moved: indexed again */
        return rc;
    }
    int fresh = 0;
    long id = seen(w, &st, &fresh);
    return id < 0 ? -1 : take_file(in, path, id, fresh, 0, (uint64_t)st.st_size, named, d, w);
}

int tn_inputs_collect(tn_inputs *in, const char *const *paths, size_t n, tn_diag *d)
{
    walk w = {.on = NULL, .cap = 0};
    tn_map_init(&w.ids);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = add_path(in, paths[i], 1, 0, d, &w) ? -1 : 0;
    tn_map_free(&w.ids);
    tn_free(w.on);
    tn_free(w.at);
    return rc;
}

static int by_path(const void *a, const void *b)
{
    /* paths are unique (a file reached twice is one input), '-' included */
    return strcmp(((const tn_input *)a)->path, ((const tn_input *)b)->path);
}

void tn_inputs_sort(tn_inputs *in)
{
    if (in->n > 1)
        qsort(in->v, in->n, sizeof(*in->v), by_path);
}

void tn_inputs_free(tn_inputs *in)
{
    for (size_t i = 0; i < in->n; i++)
        tn_free(in->v[i].path);
    tn_free(in->v);
    memset(in, 0, sizeof(*in));
}
