/* input_scan.c - every event of every input, on several threads.
 *
 * Workers claim work from one cursor over the inputs, under a lock: an
 * EVTX input is split into its 64 KiB chunks, which any worker may take;
 * a JSON or auditd input is one task, read whole by the worker that takes
 * it, since its events come from one stream. Nothing keeps the tasks in
 * order: workers never wait for a slow chunk, the end of one file overlaps
 * the start of the next, and no thread is spent handing results over
 * (callers sort what they keep; see tn_event_fn). An EVTX file stays open
 * while the cursor or a worker still uses it (a reference count). With one
 * thread, inputs and chunks are read in their own order. */
#include "input.h"

#include "base/alloc.h"
#include "base/par.h"
#include "read/auditd.h"
#include "read/evtx.h"
#include "read/evtx_event.h"
#include "read/jsonl.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct open_evtx {
    tn_evtx *f;
    uint32_t file;
    size_t nchunks, next;   /* chunks, and the next one to hand out */
    int refs;               /* the cursor's, and one per chunk being read */
} open_evtx;

typedef struct task {
    open_evtx *ev;          /* an EVTX chunk: the file ... */
    size_t chunk;           /* ... and the slot; or else, when ev is NULL: */
    uint32_t file;          /* a whole JSON or auditd input */
} task;

typedef struct scan {
    tn_inputs *in;
    tn_diag *d;
    tn_event_fn fn;
    void *arg;
    int carve;
    tn_input_fn progress;
    pthread_mutex_t mu;     /* guards what follows */
    size_t next_input;
    open_evtx *cur;         /* the file whose chunks are being handed out */
    uint64_t done;          /* input bytes read, for progress */
    size_t started;         /* the last input started */
    int stop;               /* a worker failed: no more claims */
} scan;

static void unref(open_evtx *o)
{
    if (--o->refs == 0) {
        tn_evtx_close(o->f);
        tn_free(o);
    }
}

/* Open input i as the cursor's file. Called with the lock held: only
 * the open and a 128-byte header read happen under it (standard input is
 * spooled, which takes longer, but no other input is ready before it). */
static int open_evtx_input(scan *s, size_t i)
{
    open_evtx *o = tn_calloc(1, sizeof(*o));
    if (!o)
        return TN_EXIT_INTERNAL;
    if (tn_evtx_open(s->in->v[i].path, s->d, &o->f)) {
        tn_free(o);
        return 0;  /* reported */
    }
    o->file = (uint32_t)i;
    o->nchunks = tn_evtx_nchunks(o->f);
    /* standard input, or a gzip-compressed file: decompressed into a
     * temporary file by now, and its chunks count in that file's bytes */
    s->in->v[i].size = tn_evtx_size(o->f);
    o->refs = 1;
    s->cur = o;
    return 0;
}

/* The next task, into *t. Returns 1, 0 when no work is left, or
 * TN_EXIT_INTERNAL. Called with the lock held. */
static int claim_locked(scan *s, task *t)
{
    while (!s->stop) {
        open_evtx *o = s->cur;
        if (o && o->next < o->nchunks) {
            *t = (task){o, o->next++, o->file};
            o->refs++;
            return 1;
        }
        if (o) {
            s->cur = NULL;
            unref(o);
        }
        if (s->next_input >= s->in->n)
            return 0;
        size_t i = s->next_input++;
        s->started = i;
        int kind = s->in->v[i].kind;
        if (kind == TN_INPUT_JSON || kind == TN_INPUT_AUDITD) {
            *t = (task){NULL, 0, (uint32_t)i};
            return 1;
        }
        if (open_evtx_input(s, i))
            return TN_EXIT_INTERNAL;
    }
    return 0;
}

typedef struct rec_ctx {
    scan *s;
    int worker;
    const char *path;
    uint32_t file;
    int rc;
} rec_ctx;

static int on_record(void *arg, const tn_evtx_record *r)
{
    rec_ctx *rc = arg;
    tn_event ev;
    if (tn_evtx_event(r, &ev)) {
        char where[80];
        snprintf(where, sizeof(where), "record %llu at offset 0x%llx", (unsigned long long)r->record_id,
                 (unsigned long long)r->offset);
        tn_report(rc->s->d, TN_P_BINXML, rc->path, where, "no Event element; record skipped");
        return 0;
    }
    ev.file = rc->path;
    rc->rc = rc->s->fn(rc->s->arg, rc->worker, rc->file, &ev);
    return rc->rc;
}

static int scan_stream(scan *s, int worker, uint32_t file)
{
    const tn_input *in = &s->in->v[file];
    tn_event ev;
    int rc = 0;
    if (in->kind == TN_INPUT_AUDITD) {
        tn_auditd *r;
        if (tn_auditd_open(in->path, s->d, &r))
            return 0;
        while (!rc && tn_auditd_next(r, &ev) == 1)
            rc = s->fn(s->arg, worker, file, &ev);
        tn_auditd_close(r);
        return rc;
    }
    tn_jsonl *r;
    int jr = tn_jsonl_open(in->path, s->d, &r);
    if (jr == TN_JSONL_ENOMEM)
        return TN_EXIT_INTERNAL;
    if (jr)
        return 0;
    while (!rc && (jr = tn_jsonl_next(r, &ev)) == TN_JSONL_EVENT)
        rc = s->fn(s->arg, worker, file, &ev);
    tn_jsonl_close(r);
    return rc ? rc : jr == TN_JSONL_ENOMEM ? TN_EXIT_INTERNAL : 0;
}

static int run_task(scan *s, int worker, bx_chunk *cx, const task *t)
{
    if (!t->ev)
        return scan_stream(s, worker, t->file);
    rec_ctx rc = {s, worker, s->in->v[t->file].path, t->file, 0};
    tn_evtx_read_chunk(t->ev->f, t->chunk, cx, s->carve, on_record, &rc);
    return rc.rc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One worker: claim, run, release, until no work is left. The chunk
 * context lives on this thread's stack and its buffers in this thread's
 * malloc arena, away from the other workers' cache lines. */
static int worker_loop(void *arg, int worker)
{
    scan *s = arg;
    bx_chunk cx;
    if (bx_chunk_init(&cx)) {
        bx_chunk_free(&cx);
        pthread_mutex_lock(&s->mu);
        s->stop = 1;
        pthread_mutex_unlock(&s->mu);
        return TN_EXIT_INTERNAL;
    }
    double shown = 0;
    int rc = 0;
    for (;;) {
        task t;
        pthread_mutex_lock(&s->mu);
        int got = claim_locked(s, &t);
        pthread_mutex_unlock(&s->mu);
        if (got != 1) {
            rc = got;
            break;
        }
        rc = run_task(s, worker, &cx, &t);
        pthread_mutex_lock(&s->mu);
        s->done += t.ev ? TN_EVTX_CHUNK_SIZE : s->in->v[t.file].size;
        if (t.ev)
            unref(t.ev);
        if (rc)
            s->stop = 1;
        uint64_t done = s->done;
        size_t started = s->started;
        pthread_mutex_unlock(&s->mu);
        if (rc)
            break;
        /* progress from the calling thread only, a few times a second */
        if (worker == 0 && s->progress && now_s() - shown > 0.2) {
            s->progress(s->arg, started, done);
            shown = now_s();
        }
    }
    if (rc) {
        pthread_mutex_lock(&s->mu);
        s->stop = 1;
        pthread_mutex_unlock(&s->mu);
    }
    bx_chunk_free(&cx);
    return rc;
}

int tn_inputs_scan(tn_inputs *in, int threads, int carve, tn_diag *d, tn_event_fn fn,
                   tn_input_fn progress, void *arg)
{
    scan s = {.in = in, .d = d, .fn = fn, .arg = arg, .carve = carve, .progress = progress};
    pthread_mutex_init(&s.mu, NULL);
    int rc = tn_par_each(threads < 1 ? 1 : threads, worker_loop, &s);
    if (s.cur)   /* left open when a worker stopped the scan */
        unref(s.cur);
    pthread_mutex_destroy(&s.mu);
    return rc;
}
