/* loader.c - reads Sigma rule files into a tn_ruleset.
 *
 * Walks files and folders (walk.c), parses each file (possibly several YAML
 * documents), checks the fields the specification makes mandatory, and
 * compiles each document: a detection rule, a global filter (attached to
 * the rules it names afterwards) or a correlation rule (recognised, and
 * rejected as not yet supported). Every problem is reported with
 * file:line:col and the loader moves on to the next document.
 *
 * Files are parsed and compiled on o->threads threads. Each thread (a
 * "unit") has its own arena and regex list, and records what a file gave
 * (rules, correlations, rejections, warnings) in that file's outlist; the
 * calling thread then replays the outlists in walk order, so rule order,
 * indices and every report are the same for any thread count. */
#include "sigma/sigma.h"

#include "base/alloc.h"
#include "base/file.h"
#include "base/par.h"
#include "sigma/cond.h"
#include "sigma/config.h"
#include "sigma/detect.h"
#include "sigma/meta.h"
#include "sigma/ruleset_impl.h"
#include "sigma/usable.h"
#include "sigma/walk.h"
#include "sigma/yaml.h"
#include "sigma/ycache.h"
#include "sigma/loader_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void report(loader *L, const char *file, uint32_t line, uint32_t col, const char *why)
{
    if (L->o && L->o->on_reject) {
        L->o->on_reject(L->o->ctx, file, line, col, why);
        return;
    }
    char where[32];
    snprintf(where, sizeof(where), "%u:%u", line, col);
    if (L->d)
        tn_report(L->d, TN_P_RULE, file, where, "%s", why);
}

static void warn_now(loader *L, const char *file, uint32_t line, uint32_t col, const char *why)
{
    if (L->o && L->o->on_warn)
        L->o->on_warn(L->o->ctx, file, line, col, why);
}

/* Appends an item to the unit's current outlist; sets oom on failure. */
static out_item *out_push(unit *U, out_kind kind)
{
    outlist *o = U->out;
    if (o->n == o->cap) {
        uint32_t ncap = o->cap ? o->cap * 2 : 4;
        out_item *nv = tn_realloc(o->v, ncap * sizeof(*nv));
        if (!nv)
            return o->oom = 1, NULL;
        o->v = nv;
        o->cap = ncap;
    }
    out_item *it = &o->v[o->n++];
    memset(it, 0, sizeof(*it));
    it->kind = kind;
    return it;
}

/* Records a rejection or warning; file must outlive the replay. */
static void note(unit *U, out_kind kind, const char *file, uint32_t line, uint32_t col,
                 const char *why)
{
    char *w = tn_arena_strndup(U->a, why, strlen(why));
    out_item *it = w ? out_push(U, kind) : NULL;
    if (!w)
        U->out->oom = 1;
    if (!it)
        return;
    it->file = file;
    it->line = line;
    it->col = col;
    it->why = w;
}

void tn_ld_reject(unit *U, const char *file, uint32_t line, uint32_t col, const char *why)
{
    note(U, OUT_REJECT, file, line, col, why);
}

void tn_ld_warn(unit *U, const char *file, uint32_t line, uint32_t col, const char *why)
{
    if (U->L->o && U->L->o->on_warn)
        note(U, OUT_WARN, file, line, col, why);
}

int tn_ld_out_obj(unit *U, out_kind kind, void *obj)
{
    out_item *it = out_push(U, kind);
    if (!it)
        return -1;
    it->obj = obj;
    return 0;
}

/* YAML's null (`id: ~`, `name: null`) is no value: it was the id "~"
 * (a review, session 29). */
const char *tn_ld_str_or(const tn_ynode *n, const char *dflt)
{
    return n && n->kind == TN_Y_SCALAR && !tn_ynode_is_null(n) ? n->str : dflt;
}

/* s (a tree's text, or a constant, or NULL) copied where the rule set
 * keeps it; NULL only for NULL. *oom is set when memory runs out. */
const char *tn_ld_keep_str(unit *U, const char *s, int *oom)
{
    if (!s)
        return NULL;
    if (!s[0])
        return "";
    char *k = tn_arena_strndup(U->a, s, strlen(s));
    if (!k)
        *oom = 1;
    return k ? k : "";
}

static int add_rule(loader *L, tn_srule *r)
{
    if (L->nall == L->cap) {
        uint32_t ncap = L->cap ? L->cap * 2 : 256;
        tn_srule **n2 = tn_realloc(L->all, ncap * sizeof(*n2));
        if (!n2)
            return -1;
        L->all = n2;
        L->cap = ncap;
    }
    L->all[L->nall++] = r;
    return 0;
}

static int add_corr(loader *L, tn_corr *c)
{
    if (L->ncorrs == L->capcorrs) {
        uint32_t ncap = L->capcorrs ? L->capcorrs * 2 : 16;
        tn_corr **n2 = tn_realloc(L->corrs, ncap * sizeof(*n2));
        if (!n2)
            return -1;
        L->corrs = n2;
        L->capcorrs = ncap;
    }
    L->corrs[L->ncorrs++] = c;
    return 0;
}

/* Replays what a unit recorded for one file, as the serial loader did it.
 * Returns -1 when the file ran out of memory (after what came before),
 * or was never loaded because another file did. */
static int replay(loader *L, const outlist *o)
{
    for (uint32_t i = 0; i < o->n; i++) {
        const out_item *it = &o->v[i];
        int rc = 0;
        if (it->kind == OUT_REJECT)
            report(L, it->file, it->line, it->col, it->why);
        else if (it->kind == OUT_WARN)
            warn_now(L, it->file, it->line, it->col, it->why);
        else if (it->kind == OUT_RULE)
            rc = add_rule(L, it->obj);
        else
            rc = add_corr(L, it->obj);
        if (rc)
            return -1;
    }
    return o->oom || !o->done ? -1 : 0;
}

/* The file's trees from the cache, else parsed (and then offered to the
 * cache; a file that fails to parse is not cached). 0, 1 when rejected,
 * -1 out of memory. A YAML error rejects the file from there on: the
 * documents it completed before still load (libyaml cannot go on past
 * an error, and one bad document must not cost the others). */
static int parse(unit *U, const char *text, size_t len, const char *file, const tn_yfile *f,
                 tn_ystream *st)
{
    char err[256];
    uint32_t line, col;
    U->yaml_failed = 0;
    if (tn_ycache_parse_file(U->L->yc, f, text, len, &U->tree, st, err, sizeof(err), &line, &col)) {
        U->yaml_failed = 1;
        tn_ld_reject(U, file, line, col, err);
        if (!strcmp(err, "out of memory"))
            return -1;
        return st->ndocs ? 0 : 1;
    }
    return 0;
}

/* Document d's 'action: global | reset | repeat', or NULL: a custom
 * 'action' of another value is a rule's own field (the specification
 * allows any; 'action: alert' refused a rule: a review, session 27). */
static const tn_ynode *collection_action(const tn_ynode *d)
{
    const tn_ynode *a = d->kind == TN_Y_MAP ? tn_ymap_get(d, "action") : NULL;
    return a && a->kind == TN_Y_SCALAR &&
           (!strcmp(a->str, "global") || !strcmp(a->str, "reset") || !strcmp(a->str, "repeat")) ? a : NULL;
}

/* A legacy (Sigma 1) collection, whose documents are completed by an
 * 'action: global' one or repeat the one before, is refused whole: read
 * one by one, its documents were refused for a missing title or
 * logsource, and the global one loaded as a rule of its own (a review,
 * session 27). Sigma 2 has no collections; none is in SigmaHQ's rules*.
 * Loads the documents of a file's trees: 0, or -1 out of memory. */
static int load_docs(unit *U, const tn_ystream *st, const char *file)
{
    const tn_ynode *action = NULL;
    size_t some = 0;   /* documents that are not empty */
    for (size_t i = 0; i < st->ndocs && !action; i++)
        action = collection_action(st->docs[i]);
    for (size_t i = 0; i < st->ndocs; i++)
        some += st->docs[i]->kind != TN_Y_SCALAR || st->docs[i]->len;
    if (!some && !U->yaml_failed) {   /* said, not skipped: it was "no rule in the paths given" (a review, session 29) */
        tn_ld_reject(U, file, 1, 1, "no rule in the file: it is empty, or holds only comments");
        return 0;
    }
    for (size_t i = 0; i < st->ndocs; i++) {
        const tn_ynode *d = st->docs[i];
        if (!action) {
            if (tn_ld_load_doc(U, d, file))
                return -1;
        } else if (d->kind != TN_Y_SCALAR || d->len) {   /* not an empty document */
            const tn_ynode *a = collection_action(d);
            tn_ld_reject(U, file, (a ? a : d)->line, (a ? a : d)->col,
                   "a legacy collection (Sigma 1: documents completed by 'action: global', "
                   "'reset' or 'repeat') is not supported: write each rule whole");
        }
    }
    return 0;
}

/* f: what fstat said of the file text was read from, or NULL. */
static int load_text(unit *U, const char *text, size_t len, const char *name, const tn_yfile *f)
{
    tn_ystream st;
    const char *file = tn_arena_strndup(U->a, name, strlen(name));
    if (!file)
        return -1;
    int rc = parse(U, text, len, file, f, &st);
    U->src = text;   /* where a condition's error is placed (loaddoc.c) */
    U->srclen = len;
    if (!rc)
        rc = load_docs(U, &st, file);
    U->src = NULL;
    tn_ld_pos_done(U);
    tn_arena_reset(&U->tree);
    return rc < 0 ? -1 : 0;
}

/* ---- loading files on several threads ---- */


/* Reads the file at path into U->text: 0, or -1 with errno. One open,
 * fstat and read into a buffer kept from file to file: tn_file_read's
 * stdio stream and 16 KiB allocation were ~2,000 instructions a file
 * (5.8 M of loading the 2,872 Windows rules). Same limit and errors.
 * *f: the fstat of the file, *have_f set when it is a regular file. */
static int read_file(unit *U, const char *path, size_t *len, tn_yfile *f, int *have_f)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat sb;
    size_t want = 16384, n = 0;
    *have_f = 0;
    if (!fstat(fd, &sb) && S_ISREG(sb.st_mode) && sb.st_size >= 0 &&
        (uint64_t)sb.st_size < MAX_RULE_FILE) {
        want = (size_t)sb.st_size + 1;   /* + 1: the end is seen without a grow */
        *have_f = !tn_yfile_of(&sb, f);
    }
    int rc = 0;
    for (;;) {
        if (n == U->textcap || want > U->textcap) {
            if (n >= MAX_RULE_FILE) {
                errno = EFBIG;
                rc = -1;
                break;
            }
            size_t ncap = want > U->textcap ? want : U->textcap * 2;
            ncap = ncap < MAX_RULE_FILE ? ncap : MAX_RULE_FILE;
            char *nt = tn_realloc(U->text, ncap);
            if (!nt) {
                errno = ENOMEM;
                rc = -1;
                break;
            }
            U->text = nt;
            U->textcap = ncap;
            want = 0;
        }
        ssize_t k = read(fd, U->text + n, U->textcap - n);
        if (k > 0)
            n += (size_t)k;
        else if (!k)
            break;
        else if (errno != EINTR) {
            rc = -1;
            break;
        }
    }
    int e = errno;
    close(fd);
    errno = e;
    *len = n;
    return rc;
}

/* known: the walk's stat of the file, or NULL. With a cache, a file
 * whose stat the file index knows is not read (ycache.h). */
static int load_file(unit *U, const char *path, const tn_yfile *known)
{
    size_t len;
    tn_yfile f;
    int have_f;
    if (U->L->yc) {
        struct stat sb;
        if (!known && !stat(path, &sb) && !tn_yfile_of(&sb, &f))
            known = &f;
        tn_ystream st;
        U->yaml_failed = 0;
        if (known && !tn_ycache_get_file(U->L->yc, known, &U->tree, &st)) {
            const char *file = tn_arena_strndup(U->a, path, strlen(path));
            int rc = file ? load_docs(U, &st, file) : -1;
            tn_ld_pos_done(U);
            tn_arena_reset(&U->tree);
            return rc;
        }
    }
    if (read_file(U, path, &len, &f, &have_f)) {
        int e = errno;
        char buf[128];
        /* strerror may share one buffer between threads; the GNU
         * strerror_r gives the same text */
        tn_ld_reject(U, path, 0, 0, strerror_r(e, buf, sizeof(buf)));
        return e == ENOMEM ? -1 : 0;
    }
    return load_text(U, U->text, len, path, have_f ? &f : NULL);
}

/* The files, found by the walk (on the calling thread) while the other
 * threads already load the first ones: the walk was ~10 ms of wall time
 * before any file could load (SigmaHQ, 564 folders). Under mu: files,
 * outs, n, cap, next, walked, stop. */
typedef struct file {
    const char *path;      /* in L->scratch */
    tn_yfile id;           /* the walk's stat of it, when has_id */
    int has_id;
    const char *why;       /* NULL: a file to load; else the problem (in L->scratch), */
    int warn;              /*   only a warning when warn */
    outlist *out;          /* what loading it gave (in L->scratch: never moves) */
} file;

typedef struct pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;     /* a file was found, the walk ended, or stop */
    loader *L;
    const char *const *paths;
    size_t npaths;
    file *files;
    size_t n, cap;
    size_t next;           /* next file to claim */
    int walked;            /* the walk has ended */
    int walk_rc;           /* -1: the walk ran out of memory */
    int stop;              /* a unit ran out of memory */
    unit *units;
} pool;

/* The walk's callback: appends a file, on the calling thread. */
static int found(void *ctx, const char *path, const char *why, int warn, const struct stat *sb)
{
    pool *P = ctx;
    tn_arena *a = &P->L->scratch;
    int rc = -1;
    pthread_mutex_lock(&P->mu);
    if (P->n == P->cap) {
        size_t ncap = P->cap ? P->cap * 2 : 1024;
        file *nf = tn_realloc(P->files, ncap * sizeof(*nf));
        if (!nf)
            goto out;
        P->files = nf;
        P->cap = ncap;
    }
    file *f = &P->files[P->n];
    f->path = tn_arena_strndup(a, path, strlen(path));
    f->why = why ? tn_arena_strndup(a, why, strlen(why)) : NULL;
    f->warn = warn;
    f->out = tn_arena_calloc(a, sizeof(*f->out));
    f->has_id = sb && !tn_yfile_of(sb, &f->id);
    if (f->path && (!why || f->why) && f->out) {
        P->n++;
        rc = 0;
        pthread_cond_broadcast(&P->cv);
    }
out:
    pthread_mutex_unlock(&P->mu);
    return rc;
}

/* Copies the next file to load into *f (the array may move as the walk
 * grows it); 0 when there is none left or loading stops. */
static int claim(pool *P, file *f)
{
    int got = 0;
    pthread_mutex_lock(&P->mu);
    while (!P->stop && P->next == P->n && !P->walked)
        pthread_cond_wait(&P->cv, &P->mu);
    if (!P->stop && P->next < P->n) {
        *f = P->files[P->next++];
        got = 1;
    }
    pthread_mutex_unlock(&P->mu);
    return got;
}

static void stop_all(pool *P)
{
    pthread_mutex_lock(&P->mu);
    P->stop = 1;
    pthread_cond_broadcast(&P->cv);
    pthread_mutex_unlock(&P->mu);
}

/* A unit's loop: the calling thread (worker 0) walks first; every unit
 * claims files in walk order until none is left. A claimed file is always
 * finished, so on out of memory every file before the failed one is done
 * and the replay stops at it. */
static int unit_loop(void *arg, int w)
{
    pool *P = arg;
    unit *U = &P->units[w];
    if (w == 0) {
        P->walk_rc = tn_rules_walk(P->paths, P->npaths, found, P);
        pthread_mutex_lock(&P->mu);
        P->walked = 1;
        pthread_cond_broadcast(&P->cv);
        pthread_mutex_unlock(&P->mu);
    }
    file f;
    while (claim(P, &f)) {
        if (!f.why) {
            U->out = f.out;
            if (load_file(U, f.path, f.has_id ? &f.id : NULL))
                f.out->oom = 1;
        }
        f.out->done = 1;   /* read after the threads are joined */
        if (f.out->oom)
            stop_all(P);
    }
    return 0;
}

/* Makes n units whose arenas the rule set owns from now on. */
static unit *units_new(loader *L, int n)
{
    tn_ruleset *rs = L->rs;
    unit *us = tn_calloc((size_t)n, sizeof(*us));
    rs->arenas = tn_calloc((size_t)n, sizeof(*rs->arenas));
    if (!us || !rs->arenas) {
        tn_free(us);
        return NULL;
    }
    rs->narenas = (uint32_t)n;
    L->memo = tn_imemo_new(n > 1);   /* NULL: no memo, every item compiled */
    for (int i = 0; i < n; i++) {
        tn_arena_init_growing(&rs->arenas[i], 256 * 1024, TN_ARENA_HUGE);   /* the rules: see tn_huge_alloc */
        tn_arena_init(&us[i].tree, 256 * 1024);
        us[i].L = L;
        us[i].a = &rs->arenas[i];
        us[i].memo = L->memo;
    }
    return us;
}

/* Moves the units' regexes to the loader (the rule set frees them) and
 * frees the units. */
static int units_done(loader *L, unit *us, int n)
{
    int rc = 0;
    for (int i = 0; i < n; i++) {
        for (size_t k = 0; k < us[i].nres; k++) {
            if (!rc && L->nres == L->capres) {
                size_t ncap = L->capres ? L->capres * 2 : 64;
                pcre2_code **nr = tn_realloc(L->res, ncap * sizeof(*nr));
                if (nr) {
                    L->res = nr;
                    L->capres = ncap;
                } else {
                    rc = -1;
                }
            }
            if (rc)
                pcre2_code_free(us[i].res[k]);
            else
                L->res[L->nres++] = us[i].res[k];
        }
        tn_free(us[i].res);
        tn_free(us[i].text);
        tn_arena_free(&us[i].tree);
    }
    tn_free(us);
    tn_imemo_free(L->memo);
    L->memo = NULL;
    return rc;
}

/* Walks paths and loads the files on o->threads threads, then reports
 * and adds their results in walk order. */
static int load_paths(loader *L, const char *const *paths, size_t npaths)
{
    int n = L->o && L->o->threads > 1 ? L->o->threads : 1;
    pool P = {.L = L, .paths = paths, .npaths = npaths};
    P.units = units_new(L, n);
    if (!P.units)
        return -1;
    pthread_mutex_init(&P.mu, NULL);
    pthread_cond_init(&P.cv, NULL);
    tn_par_each(n, unit_loop, &P);
    pthread_mutex_destroy(&P.mu);
    pthread_cond_destroy(&P.cv);
    int rc = units_done(L, P.units, n);
    for (size_t i = 0; i < P.n; i++) {
        const file *f = &P.files[i];
        if (!rc && f->why)
            (f->warn ? warn_now : report)(L, f->path, 0, 0, f->why);
        else if (!rc)
            rc = replay(L, f->out);
        tn_free(f->out->v);
    }
    tn_free(P.files);
    /* out of memory while walking: what was found is still loaded and
     * reported, as when files were loaded during the walk */
    return rc || P.walk_rc ? -1 : 0;
}

/* ---- assembly (assemble.c) ---- */

static void on_corr_reject(void *ctx, const char *path, uint32_t line, uint32_t col, const char *why)
{
    report(ctx, path, line, col, why);
}

static void on_filter_warn(void *ctx, const char *path, uint32_t line, uint32_t col, const char *why)
{
    warn_now(ctx, path, line, col, why);
}

static int finish(loader *L)
{
    tn_ruleset *rs = L->rs;
    if (tn_filters_attach(L->rs, L->all, L->nall, L->corrs, L->ncorrs, on_filter_warn, L))
        return -1;
    rs->rules = tn_arena_alloc(&rs->a, (L->nall ? L->nall : 1) * sizeof(*rs->rules));
    if (!rs->rules)
        return -1;
    for (uint32_t i = 0; i < L->nall; i++) {
        tn_srule *r = L->all[i];
        if (r->is_filter)
            continue;
        rs->rules[rs->nrules++] = r;
        if (r->nsearches > rs->max_searches)
            rs->max_searches = r->nsearches;
    }
    for (uint32_t i = 0; i < L->nall; i++)
        if (L->all[i]->nsearches > rs->max_searches)
            rs->max_searches = L->all[i]->nsearches;
    /* after: the correlations refused there are not warned of (NULL) */
    if (tn_corrs_resolve(L->rs, L->corrs, L->ncorrs, on_corr_reject, L) ||
        tn_ids_warn(L->all, L->nall, L->corrs, L->ncorrs, on_filter_warn, L))
        return -1;
    if (rs->no_prefilter)
        return tn_index_build(rs);
    return tn_atoms_build(rs, L->o ? L->o->threads : 1);   /* the index too */
}

typedef int (*load_fn)(loader *L, const void *arg1, size_t arg2, const char *name);

static int paths_fn(loader *L, const void *a1, size_t n, const char *name);

static int run(const tn_rule_opts *o, tn_diag *d, tn_ruleset **out, load_fn fn, const void *a1,
               size_t a2, const char *name)
{
    loader L;
    char err[512];
    memset(&L, 0, sizeof(L));
    *out = NULL;
    L.o = o;
    L.d = d;
    tn_arena_init(&L.ph_arena, 4096);
    tn_arena_init(&L.scratch, 64 * 1024);
    L.rs = tn_calloc(1, sizeof(*L.rs));
    if (!L.rs)
        return TN_RS_ENOMEM;
    tn_arena_init_growing(&L.rs->a, 256 * 1024, TN_ARENA_HUGE);
    tn_arena_init(&L.rs->ia, 64 * 1024);
    const char *env = getenv("TANSA_NO_PREFILTER");
    L.rs->no_prefilter = (o && o->no_prefilter) || (env && env[0] == '1');
    int rc = TN_RS_OK;
    err[0] = 0;
    /* rule files, and the data files too (parsing the logsource maps was
     * 3.0 M instructions a load); not for rules given as text */
    L.yc = fn == paths_fn ? tn_ycache_open() : NULL;
    if (tn_rules_config(o, L.yc, &L.rs->ls, &L.ph_arena, &L.placeholders, err, sizeof(err))) {
        if (d) {   /* it ends the load: said even when problems are only counted */
            int quiet = d->quiet;
            d->quiet = 0;
            tn_report(d, TN_P_OTHER, "config", NULL, "%s", err[0] ? err : "out of memory");
            d->quiet = quiet;
        }
        rc = err[0] ? TN_RS_ECONFIG : TN_RS_ENOMEM;
    } else if (fn(&L, a1, a2, name)) {
        rc = TN_RS_ENOMEM;
    }
    tn_ycache_close(L.yc);   /* the new trees, written by this thread */
    L.yc = NULL;
    if (!rc && finish(&L))
        rc = TN_RS_ENOMEM;
    L.rs->res = L.res;
    L.rs->nres = L.nres;
    tn_free(L.all);
    tn_free(L.corrs);
    tn_arena_free(&L.ph_arena);
    tn_arena_free(&L.scratch);
    if (rc) {
        tn_ruleset_free(L.rs);
        return rc;
    }
    *out = L.rs;
    return TN_RS_OK;
}

static int paths_fn(loader *L, const void *a1, size_t n, const char *name)
{
    (void)name;
    return load_paths(L, a1, n);
}

static int text_fn(loader *L, const void *a1, size_t n, const char *name)
{
    outlist ol = {0};
    unit *U = units_new(L, 1);
    if (!U)
        return -1;
    U->out = &ol;
    ol.oom = load_text(U, a1, n, name, NULL) != 0;
    ol.done = 1;
    int rc = units_done(L, U, 1);
    if (!rc)
        rc = replay(L, &ol);
    tn_free(ol.v);
    return rc;
}

int tn_ruleset_load(const char *const *paths, size_t n, const tn_rule_opts *o, tn_diag *d,
                    tn_ruleset **out)
{
    return run(o, d, out, paths_fn, paths, n, NULL);
}

int tn_ruleset_load_text(const char *text, size_t len, const char *name, const tn_rule_opts *o,
                         tn_diag *d, tn_ruleset **out)
{
    return run(o, d, out, text_fn, text, len, name ? name : "<text>");
}
