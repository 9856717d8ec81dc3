/* spill.c - run files: each detection as its fixed fields, then the lengths
 * and bytes of computer, channel and details. Written and read by the same
 * binary in the same run, so the layout is the host's. */
#include "spill.h"

#include "base/alloc.h"

#include <stdlib.h>
#include <string.h>

int tn_det_cmp(const void *a, const void *b)
{
    const tn_det *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    if (x->is_corr != y->is_corr)
        return x->is_corr - y->is_corr;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

typedef struct disk_det {
    uint64_t time, record_id, offset;
    uint32_t file, rule, event_id;
    uint32_t len[3];   /* computer, channel, details */
    uint8_t is_corr, level, pad[6];
} disk_det;

FILE *tn_spill_write(tn_det *v, size_t n)
{
    if (n)
        qsort(v, n, sizeof(*v), tn_det_cmp);
    FILE *f = tmpfile();
    if (!f)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const tn_det *d = &v[i];
        disk_det h = {d->time, d->record_id, d->offset, d->file, d->rule, d->event_id,
                      {(uint32_t)strlen(d->computer), (uint32_t)strlen(d->channel),
                       (uint32_t)strlen(d->details)},
                      d->is_corr, d->level, {0}};
        if (fwrite(&h, sizeof(h), 1, f) != 1 || fwrite(d->computer, 1, h.len[0], f) != h.len[0] ||
            fwrite(d->channel, 1, h.len[1], f) != h.len[1] || fwrite(d->details, 1, h.len[2], f) != h.len[2]) {
            fclose(f);
            return NULL;
        }
    }
    if (fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    return f;
}

void tn_run_open(tn_run_reader *r, FILE *f)
{
    memset(r, 0, sizeof(*r));
    r->f = f;
    tn_buf_init(&r->str);
}

int tn_run_next(tn_run_reader *r)
{
    disk_det h;
    r->has = 0;
    if (fread(&h, sizeof(h), 1, r->f) != 1)
        return feof(r->f) ? 0 : -1;
    size_t total = (size_t)h.len[0] + h.len[1] + h.len[2];
    tn_buf_clear(&r->str);
    if (tn_buf_reserve(&r->str, total + 3))
        return -1;
    char *p = r->str.data;
    for (int i = 0; i < 3; i++) {
        if (fread(p, 1, h.len[i], r->f) != h.len[i])
            return -1;
        p[h.len[i]] = '\0';
        p += h.len[i] + 1;
    }
    p = r->str.data;
    r->cur = (tn_det){.time = h.time, .record_id = h.record_id, .offset = h.offset, .file = h.file,
                      .rule = h.rule, .event_id = h.event_id, .is_corr = h.is_corr, .level = h.level};
    r->cur.computer = p;
    r->cur.channel = p + h.len[0] + 1;
    r->cur.details = p + h.len[0] + 1 + h.len[1] + 1;
    r->has = 1;
    return 1;
}

void tn_run_close(tn_run_reader *r)
{
    if (r->f)
        fclose(r->f);
    tn_buf_free(&r->str);
    memset(r, 0, sizeof(*r));
}

/* A source is a run reader or an array; its head is cur or arr[at]. */
typedef struct msrc {
    tn_run_reader rd;
    const tn_det *arr;
    size_t at, n;
    int is_run;
} msrc;

struct tn_merge {
    msrc *src;
    size_t nsrc;
    size_t *heap;        /* source indices, least head first */
    size_t nheap;
    long pending;        /* source of the detection last returned, to advance */
};

static const tn_det *head_of(const msrc *s)
{
    return s->is_run ? &s->rd.cur : &s->arr[s->at];
}

/* Order of the heap: the timeline's, then the source (runs are made in
 * a fixed order per thread, so ties, which tn_det_cmp leaves only between
 * identical detections, come out the same way every time). */
static int less(const tn_merge *m, size_t a, size_t b)
{
    int c = tn_det_cmp(head_of(&m->src[a]), head_of(&m->src[b]));
    return c ? c < 0 : a < b;
}

static void sift_down(tn_merge *m, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, min = i;
        if (l < m->nheap && less(m, m->heap[l], m->heap[min]))
            min = l;
        if (r < m->nheap && less(m, m->heap[r], m->heap[min]))
            min = r;
        if (min == i)
            return;
        size_t t = m->heap[i];
        m->heap[i] = m->heap[min];
        m->heap[min] = t;
        i = min;
    }
}

/* Moves source s to its next detection: 1, 0 when it has none, -1. */
static int advance(msrc *s)
{
    if (s->is_run)
        return tn_run_next(&s->rd);
    return ++s->at < s->n;
}

tn_merge *tn_merge_new(FILE **runs, size_t nruns, tn_det *const *arrays, const size_t *lens,
                       size_t narrays)
{
    tn_merge *m = tn_calloc(1, sizeof(*m));
    size_t n = nruns + narrays;
    if (m) {
        m->src = tn_calloc(n ? n : 1, sizeof(*m->src));
        m->heap = tn_calloc(n ? n : 1, sizeof(*m->heap));
    }
    if (!m || !m->src || !m->heap) {
        for (size_t i = 0; i < nruns; i++)
            fclose(runs[i]);
        tn_merge_free(m);
        return NULL;
    }
    m->nsrc = n;
    m->pending = -1;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        msrc *s = &m->src[i];
        int has;
        if (i < nruns) {
            s->is_run = 1;
            tn_run_open(&s->rd, runs[i]);
            has = tn_run_next(&s->rd);
        } else {
            s->arr = arrays[i - nruns];
            s->n = lens[i - nruns];
            has = s->n > 0;
        }
        if (has < 0)
            bad = 1;
        if (has > 0)
            m->heap[m->nheap++] = i;
    }
    for (size_t i = m->nheap / 2; i-- > 0;)
        sift_down(m, i);
    if (bad) {
        tn_merge_free(m);
        return NULL;
    }
    return m;
}

int tn_merge_next(tn_merge *m, const tn_det **out)
{
    if (m->pending >= 0) {
        /* the head returned last time is used up: advance that source */
        int r = advance(&m->src[m->pending]);
        if (r < 0)
            return -1;
        if (r == 0)
            m->heap[0] = m->heap[--m->nheap];
        if (m->nheap)
            sift_down(m, 0);
        m->pending = -1;
    }
    if (!m->nheap)
        return 0;
    m->pending = (long)m->heap[0];
    *out = head_of(&m->src[m->heap[0]]);
    return 1;
}

void tn_merge_free(tn_merge *m)
{
    if (!m)
        return;
    for (size_t i = 0; m->src && i < m->nsrc; i++)
        if (m->src[i].is_run)
            tn_run_close(&m->src[i].rd);
    tn_free(m->src);
    tn_free(m->heap);
    tn_free(m);
}
