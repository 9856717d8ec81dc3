/* input_scan.c - every event of every input, EVTX chunks in parallel. */
#include "input.h"

#include "base/alloc.h"
#include "base/par.h"
#include "read/auditd.h"
#include "read/evtx.h"
#include "read/evtx_event.h"
#include "read/jsonl.h"

#include <stdio.h>
#include <string.h>

typedef struct scan {
    tn_diag *d;
    tn_event_fn fn;
    void *arg;
    int carve;
    bx_chunk *cx;         /* one per worker */
    tn_evtx *f;
    uint32_t file;
    const char *path;
    tn_input_fn progress;
} scan;

typedef struct rec_ctx {
    scan *s;
    int worker;
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
        tn_report(rc->s->d, TN_P_BINXML, rc->s->path, where, "no Event element; record skipped");
        return 0;
    }
    ev.file = rc->s->path;
    rc->rc = rc->s->fn(rc->s->arg, rc->worker, rc->s->file, &ev);
    return rc->rc;
}

static int chunk_work(void *arg, size_t task, int worker, tn_buf *out)
{
    scan *s = arg;
    rec_ctx rc = {s, worker, 0};
    (void)out;
    tn_evtx_read_chunk(s->f, task, &s->cx[worker], s->carve, on_record, &rc);
    return rc.rc;
}

static int chunk_emit(void *arg, size_t task, tn_buf *out)
{
    scan *s = arg;
    (void)out;
    if (s->progress && task % 64 == 63) /* every 4 MiB */
        s->progress(s->arg, s->file, TN_EVTX_HEADER_SIZE + (uint64_t)(task + 1) * TN_EVTX_CHUNK_SIZE);
    return 0;
}

static int scan_stream(scan *s, const tn_input *in)
{
    tn_event ev;
    int rc = 0;
    if (in->kind == TN_INPUT_AUDITD) {
        tn_auditd *r;
        if (tn_auditd_open(in->path, s->d, &r))
            return 0;
        while (!rc && tn_auditd_next(r, &ev) == 1)
            rc = s->fn(s->arg, 0, s->file, &ev);
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
        rc = s->fn(s->arg, 0, s->file, &ev);
    tn_jsonl_close(r);
    return rc ? rc : jr == TN_JSONL_ENOMEM ? TN_EXIT_INTERNAL : 0;
}

int tn_inputs_scan(const tn_inputs *in, int threads, int carve, tn_diag *d, tn_event_fn fn,
                   tn_input_fn before, void *arg)
{
    if (threads < 1)
        threads = 1;
    scan s = {.d = d, .fn = fn, .arg = arg, .carve = carve, .progress = before};
    s.cx = tn_calloc((size_t)threads, sizeof(bx_chunk));
    int rc = s.cx ? 0 : TN_EXIT_INTERNAL;
    for (int i = 0; !rc && i < threads; i++)
        if (bx_chunk_init(&s.cx[i]))
            rc = TN_EXIT_INTERNAL;
    for (size_t i = 0; !rc && i < in->n; i++) {
        const tn_input *it = &in->v[i];
        if (before)
            before(arg, i, 0);
        s.file = (uint32_t)i;
        s.path = it->path;
        /* standard input is read as EVTX (it is spooled, not sniffed) */
        if (it->kind == TN_INPUT_JSON || it->kind == TN_INPUT_AUDITD) {
            rc = scan_stream(&s, it);
            continue;
        }
        if (tn_evtx_open(it->path, d, &s.f))
            continue;
        rc = tn_par_run(threads, tn_evtx_nchunks(s.f), chunk_work, chunk_emit, &s);
        tn_evtx_close(s.f);
        s.f = NULL;
    }
    for (int i = 0; s.cx && i < threads; i++)
        bx_chunk_free(&s.cx[i]);
    tn_free(s.cx);
    return rc;
}
