/* runs.c - scope's records in bounded memory: sorted runs in temporary files, merged back in time order.
 *
 * Each worker fills its own buffer (records and their path bytes) up to
 * s->budget bytes, sorts it and writes it to an unlinked temporary file.
 * When FANIN runs of one level exist, they are merged into one run of the
 * next level, so at most FANIN - 1 runs per level are open and each record
 * is rewritten only log_FANIN(runs) times. After reading, the workers' last
 * buffers stay in memory as runs. The files are written and read by the
 * same binary in the same run, so records keep the host's layout. */
#include "scope/scope_int.h"

#include "base/alloc.h"
#include "base/file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Static_assert(sizeof(sc_rec) == 64, "a scope record stays at 64 bytes");

enum { FANIN = 64, READ_BUF = 32 << 10 };

/* Order: time, kind (see the enum), file, record id, host, offset. */
int sc_rec_cmp(const sc_rec *x, const sc_rec *y)
{
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    if (x->record_id != y->record_id)
        return x->record_id < y->record_id ? -1 : 1;
    if (x->host != y->host)
        return x->host < y->host ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int rec_order(const void *a, const void *b) { return sc_rec_cmp(a, b); }

/* Remember the first temporary-file error for tn_scope_error. */
static void io_failed(tn_scope *s)
{
    int e = errno ? errno : EIO, zero = 0;
    __atomic_compare_exchange_n(&s->io_errno, &zero, e, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

static int put(FILE *f, const sc_rec *r, const char *path)
{
    return fwrite(r, sizeof(*r), 1, f) == 1 && fwrite(path, 1, r->plen, f) == r->plen ? 0 : -1;
}

/* f ready to be read from its start, or NULL (closed) when bad or writing failed. */
static FILE *finish(FILE *f, int bad)
{
    if (!f)
        return NULL;
    if (bad || fflush(f) || fseek(f, 0, SEEK_SET)) {
        fclose(f);
        return NULL;
    }
    return f;
}

/* Merge runs[0..n) into one new run file; closes and frees them. */
static int merge_to_file(tn_scope *s, sc_run *runs, size_t n, sc_run *out)
{
    FILE *f = tn_temp_file();
    sc_merge *m = f ? sc_merge_open(runs, n) : NULL;
    int rc = m ? 0 : -1, k;
    const sc_rec *r;
    const char *path;
    size_t count = 0;
    while (!rc && (k = sc_merge_next(m, &r, &path)) == 1) {
        rc = put(f, r, path);
        count++;
    }
    if (!rc && k < 0)
        rc = -1;
    sc_merge_close(m);
    if (!m)
        for (size_t i = 0; i < n; i++)
            if (runs[i].f)
                fclose(runs[i].f);
    if (!(f = finish(f, rc))) {
        io_failed(s);
        return -1;
    }
    *out = (sc_run){.f = f, .n = count, .level = runs[0].level + 1};
    return 0;
}

/* Add run r to the list; while a level holds FANIN runs, merge them. The
 * merge runs without the lock, on runs taken out of the list. */
static int add_run(tn_scope *s, sc_run r)
{
    sc_run batch[FANIN];
    for (;;) {
        pthread_mutex_lock(&s->mu);
        sc_run *p = SC_PUSH(s, runs);
        if (p)
            *p = r;
        size_t nb = 0;
        for (size_t i = 0; p && i < s->nruns; i++)
            nb += s->runs[i].level == r.level;
        if (p && nb >= FANIN) {
            nb = 0;
            for (size_t i = 0; i < s->nruns; i++)
                if (s->runs[i].level == r.level)
                    batch[nb++] = s->runs[i];
                else
                    s->runs[i - nb] = s->runs[i];
            s->nruns -= nb;
        } else {
            nb = 0;
        }
        pthread_mutex_unlock(&s->mu);
        if (!p) {
            fclose(r.f);
            return -1;
        }
        if (!nb)
            return 0;
        if (merge_to_file(s, batch, nb, &r))
            return -1;
    }
}

/* Sort the worker's buffer and write it as a run. */
static int spill(tn_scope *s, sc_worker *w)
{
    qsort(w->rec, w->nrec, sizeof(*w->rec), rec_order);
    FILE *f = tn_temp_file();
    int rc = f ? 0 : -1;
    for (size_t i = 0; !rc && i < w->nrec; i++)
        rc = put(f, &w->rec[i], w->bytes + w->rec[i].poff);
    if (!(f = finish(f, rc))) {
        io_failed(s);
        return -1;
    }
    sc_run r = {.f = f, .n = w->nrec};
    w->nrec = w->nbytes = 0;
    return add_run(s, r);
}

int sc_run_push(tn_scope *s, sc_worker *w, const sc_rec *r, const char *path, size_t plen)
{
    if (plen > UINT16_MAX)
        plen = UINT16_MAX; /* longer than any Windows path */
    if (w->nrec && (w->nrec + 1) * sizeof(sc_rec) + w->nbytes + plen > s->budget && spill(s, w))
        return -1;
    sc_rec *p = SC_PUSH(w, rec);
    if (!p || (plen && sc_grow((void **)&w->bytes, &w->capbytes, w->nbytes + plen, 1))) {
        if (p)
            w->nrec--;
        return -1;
    }
    *p = *r;
    p->plen = (uint16_t)plen;
    p->poff = (uint32_t)w->nbytes;
    if (plen)
        memcpy(w->bytes + w->nbytes, path, plen);
    w->nbytes += plen;
    w->nrecords++;
    return 0;
}

int sc_runs_finish(tn_scope *s)
{
    for (int i = 0; i < s->nwk; i++) {
        sc_worker *w = &s->wk[i];
        if (!w->nrec)
            continue;
        qsort(w->rec, w->nrec, sizeof(*w->rec), rec_order);
        sc_run *p = SC_PUSH(s, runs);
        if (!p)
            return -1;
        *p = (sc_run){.v = w->rec, .bytes = w->bytes, .n = w->nrec};
        w->rec = NULL;
        w->bytes = NULL;
        w->nrec = w->caprec = w->nbytes = w->capbytes = 0;
    }
    return 0;
}

void sc_runs_free(tn_scope *s)
{
    for (size_t i = 0; i < s->nruns; i++) {
        if (s->runs[i].f)
            fclose(s->runs[i].f);
        tn_free(s->runs[i].v);
        tn_free(s->runs[i].bytes);
    }
    tn_free(s->runs);
    s->runs = NULL;
    s->nruns = s->capruns = 0;
}

/* ---- k-way merge ---- */

typedef struct src {
    sc_run *run;
    size_t i;        /* memory runs: next record */
    sc_rec cur;
    const char *path;
    char *buf;       /* file runs: path bytes of cur */
    size_t capbuf;
} src;

struct sc_merge {
    src *v;
    size_t n;
    uint32_t *heap;  /* source indices, smallest record on top */
    size_t nheap;
    int started;
};

/* Load the next record of source x: 1, 0 at its end, -1 on error. */
static int advance(src *x)
{
    sc_run *r = x->run;
    if (!r->f) {
        if (x->i >= r->n)
            return 0;
        x->cur = r->v[x->i++];
        x->path = r->bytes ? r->bytes + x->cur.poff : "";
        return 1;
    }
    if (fread(&x->cur, sizeof(x->cur), 1, r->f) != 1)
        return feof(r->f) ? 0 : -1;
    if (sc_grow((void **)&x->buf, &x->capbuf, x->cur.plen, 1) ||
        fread(x->buf, 1, x->cur.plen, r->f) != x->cur.plen)
        return -1;
    x->path = x->buf;
    return 1;
}

static int less(const sc_merge *m, uint32_t a, uint32_t b)
{
    int c = sc_rec_cmp(&m->v[a].cur, &m->v[b].cur);
    return c < 0 || (c == 0 && a < b);
}

static void sift_down(sc_merge *m, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, k = i;
        if (l < m->nheap && less(m, m->heap[l], m->heap[k]))
            k = l;
        if (r < m->nheap && less(m, m->heap[r], m->heap[k]))
            k = r;
        if (k == i)
            return;
        uint32_t t = m->heap[i];
        m->heap[i] = m->heap[k];
        m->heap[k] = t;
        i = k;
    }
}

sc_merge *sc_merge_open(sc_run *runs, size_t n)
{
    sc_merge *m = tn_calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->v = tn_calloc(n ? n : 1, sizeof(*m->v));
    m->heap = tn_calloc(n ? n : 1, sizeof(*m->heap));
    m->n = n;
    if (!m->v || !m->heap) {
        m->n = 0;
        sc_merge_close(m);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        m->v[i].run = &runs[i];
        if (runs[i].f)
            setvbuf(runs[i].f, NULL, _IOFBF, READ_BUF);
    }
    return m;
}

int sc_merge_next(sc_merge *m, const sc_rec **r, const char **path)
{
    if (!m->started) { /* first call: load every source */
        m->started = 1;
        for (uint32_t i = 0; i < m->n; i++) {
            int k = advance(&m->v[i]);
            if (k < 0)
                return -1;
            if (k)
                m->heap[m->nheap++] = i;
        }
        for (size_t i = m->nheap / 2; i-- > 0;)
            sift_down(m, i);
    } else if (m->nheap) {
        /* the record handed out last time is consumed: advance its source */
        int k = advance(&m->v[m->heap[0]]);
        if (k < 0)
            return -1;
        if (!k)
            m->heap[0] = m->heap[--m->nheap];
        if (m->nheap)
            sift_down(m, 0);
    }
    if (!m->nheap)
        return 0;
    *r = &m->v[m->heap[0]].cur;
    *path = m->v[m->heap[0]].path;
    return 1;
}

void sc_merge_close(sc_merge *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        sc_run *r = m->v[i].run;
        if (r->f)
            fclose(r->f);
        tn_free(r->v);
        tn_free(r->bytes);
        *r = (sc_run){0};
        tn_free(m->v[i].buf);
    }
    tn_free(m->v);
    tn_free(m->heap);
    tn_free(m);
}
