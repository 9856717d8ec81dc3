/* spill.c - run files: the count of detections, then each one's fixed
 * fields and string lengths (all together), then the bytes of each one's
 * computer, channel, details and line, each with its NUL. Written and read
 * by the same binary in the same run, so the layout is the host's.
 *
 * The writer writes blocks of RUN_IO bytes rather than a field at a time
 * through stdio's 4 KiB buffer. The reader maps the file and its strings
 * point into the mapping: the merge after the scan, which runs on one
 * thread, copies no bytes (the timeline hands the lines to writev(2) as
 * they are) and reads only the fixed fields, which lie together so that
 * reading them is a stream, not a miss to memory per detection. */
#include "spill.h"

#include "base/alloc.h"
#include "base/file.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

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

/* A detection's place in a sort: its time, which decides almost every
 * comparison without a look at the detection, and its index. */
typedef struct sort_key {
    uint64_t time;
    size_t idx;
} sort_key;

static inline int key_less(const tn_det *v, const sort_key *a, const sort_key *b)
{
    if (a->time != b->time)
        return a->time < b->time;
    int c = tn_det_cmp(&v[a->idx], &v[b->idx]);
    return c ? c < 0 : a->idx < b->idx;   /* stable, as qsort's merge sort is */
}

/* The first of a[0..n) that x goes before. */
static size_t first_after(const tn_det *v, const sort_key *a, size_t n, const sort_key *x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key_less(v, x, &a[mid]))
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Merges the sorted a[0..na) and b[0..nb) into out. What of a comes
 * before all of b, and what of b after all of a, is found by binary
 * search and copied whole: runs of detections often overlap little in
 * time (chunks, files). */
static void merge_keys(const tn_det *v, const sort_key *a, size_t na, const sort_key *b,
                       size_t nb, sort_key *out)
{
    if (na && nb) {
        size_t pre = first_after(v, a, na, &b[0]);   /* a[0..pre) go first */
        memcpy(out, a, pre * sizeof(*a));
        out += pre;
        a += pre;
        na -= pre;
        /* b[last..nb) go after all of a (keys never tie: the index) */
        size_t last = na ? first_after(v, b, nb, &a[na - 1]) : 0;
        memcpy(out + na + last, b + last, (nb - last) * sizeof(*b));
        nb = last;
    }
    size_t i = 0, j = 0;
    while (i < na && j < nb)
        *out++ = key_less(v, &b[j], &a[i]) ? b[j++] : a[i++];
    memcpy(out, a + i, (na - i) * sizeof(*a));
    memcpy(out + (na - i), b + j, (nb - j) * sizeof(*b));
}

/* A natural merge sort of keys: the runs already in order are found
 * first, then merged in pairs. A worker's detections come in the order of
 * its chunks and so mostly in time order, in long runs; qsort's merge
 * sort, through a comparison function and on whole detections, cost ~310
 * instructions a detection to sort them on 16 MiB, this ~180 (callgrind). */
void tn_det_sort(tn_det *v, size_t n)
{
    if (n < 2)
        return;
    /* in 2 MiB pages when large: sorting the 88,622 detections of the
     * 256 MiB real-chunk hunt at the end took ~700 page faults in 4 KiB
     * pages */
    size_t kb = 2 * n * sizeof(sort_key), rb = (n + 1) * sizeof(size_t);
    sort_key *k = tn_big_alloc(&kb);
    size_t *runs = tn_big_alloc(&rb);   /* starts, then n */
    if (!k || !runs) {
        tn_big_free(k, kb);
        tn_big_free(runs, rb);
        qsort(v, n, sizeof(*v), tn_det_cmp);
        return;
    }
    for (size_t i = 0; i < n; i++)
        k[i] = (sort_key){v[i].time, i};
    size_t nr = 0;
    runs[nr++] = 0;
    for (size_t i = 1; i < n; i++)
        if (key_less(v, &k[i], &k[i - 1]))
            runs[nr++] = i;
    runs[nr] = n;
    sort_key *from = k, *to = k + n;
    while (nr > 1) {
        size_t m = 0;
        for (size_t r = 0; r < nr; r += 2) {
            size_t a = runs[r], b = runs[r + 1 < nr ? r + 1 : nr], e = runs[r + 2 < nr ? r + 2 : nr];
            merge_keys(v, from + a, b - a, from + b, e - b, to + a);
            runs[m++] = a;
        }
        runs[m] = n;
        nr = m;
        sort_key *t = from;
        from = to;
        to = t;
    }
    /* v[i] = v[from[i].idx] for all i, in place, cycle by cycle: a copy
     * of v and back cost twice the bytes */
    for (size_t i = 0; i < n; i++) {
        if (from[i].idx == i)
            continue;
        tn_det t = v[i];
        size_t j = i;
        for (;;) {
            size_t src = from[j].idx;
            from[j].idx = j;   /* done */
            if (src == i)
                break;
            v[j] = v[src];
            j = src;
        }
        v[j] = t;
    }
    tn_big_free(k, kb);
    tn_big_free(runs, rb);
}

typedef struct disk_det {
    uint64_t time, record_id, offset;
    uint32_t file, rule, event_id;
    uint32_t len[4];   /* computer, channel, details, line; without the NUL */
    uint32_t part_end[2];
    uint8_t is_corr, level;
    uint8_t same;      /* 1: its line is the one before's, not written again */
    uint8_t pad;
} disk_det;
/* the layout tests/unit/test_hunt_timeline.c damages */
_Static_assert(sizeof(disk_det) == 64 && offsetof(disk_det, part_end) == 52 &&
                   offsetof(disk_det, is_corr) == 60 && offsetof(disk_det, level) == 61 &&
                   offsetof(disk_det, same) == 62,
               "disk_det's layout");

/* Bytes written to a run file at a time. */
#define RUN_IO (256u * 1024)
/* Granularity of dropping what a reader has read (a power of two, a
 * multiple of the page size). */
#define RUN_DROP (64u * 1024)

static const char *const *strings_of(const tn_det *d, const char *s[4])
{
    s[0] = d->computer;
    s[1] = d->channel;
    s[2] = d->details;
    s[3] = d->line ? d->line : "";
    return s;
}

/* Formatted detections have "" for computer, channel and details: 3 of
 * the 6 strlen calls a detection made here (~75 instructions, callgrind) */
static inline uint32_t len_of(const char *s) { return *s ? (uint32_t)strlen(s) : 0; }

/* d's line is the one before's (prev, or NULL): the detections of one
 * event share their line's event parts (hunt.h) and lie side by side once
 * sorted, so the run holds those bytes once. */
static int same_line(const tn_det *d, const tn_det *prev)
{
    return prev && d->line && d->line == prev->line;
}

static void put_head(tn_buf *b, const tn_det *d, const tn_det *prev)
{
    const char *s[4];
    strings_of(d, s);
    disk_det h = {d->time, d->record_id, d->offset, d->file, d->rule, d->event_id,
                  {0}, {d->part_end[0], d->part_end[1]}, d->is_corr, d->level, 0, 0};
    for (int i = 0; i < 3; i++)
        h.len[i] = len_of(s[i]);
    h.len[3] = d->line ? d->line_len : 0;
    h.same = (uint8_t)same_line(d, prev);
    tn_buf_put(b, &h, sizeof(h));
}

/* One reservation for the four strings, written straight into it: a
 * tn_buf_put or tn_buf_putc for each (a bounds check and a NUL each) was
 * ~50 instructions a detection more (callgrind). */
static void put_strings(tn_buf *b, const tn_det *d, const tn_det *prev)
{
    const char *s[4];
    strings_of(d, s);
    size_t n[4] = {len_of(s[0]), len_of(s[1]), len_of(s[2]),
                   d->line && !same_line(d, prev) ? d->line_len : 0};
    if (tn_buf_reserve(b, n[0] + n[1] + n[2] + n[3] + 4))
        return;
    char *o = b->data + b->len;
    for (int i = 0; i < 4; i++) {
        if (n[i])
            memcpy(o, s[i], n[i]);
        o[n[i]] = '\0';   /* the string's NUL; not a copy of one byte */
        o += n[i] + 1;
    }
    b->len = (size_t)(o - b->data);
    *o = '\0';
}

FILE *tn_spill_write(tn_det *v, size_t n)
{
    tn_det_sort(v, n);
    FILE *f = tn_temp_file();
    if (!f)
        return NULL;
    tn_buf b;
    tn_buf_init(&b);
    uint64_t count = n;
    tn_buf_put(&b, &count, sizeof(count));
    int bad = 0;
    for (size_t i = 0; i < 2 * n && !bad; i++) {   /* the heads, then the strings */
        if (i < n)
            put_head(&b, &v[i], i ? &v[i - 1] : NULL);
        else
            put_strings(&b, &v[i - n], i > n ? &v[i - n - 1] : NULL);
        if (b.len >= RUN_IO) {
            bad = !tn_buf_ok(&b) || tn_buf_write(&b, f);
            tn_buf_clear(&b);
        }
    }
    if (!bad)
        bad = !tn_buf_ok(&b) || tn_buf_write(&b, f);
    if (bad && !tn_buf_ok(&b))
        errno = ENOMEM;
    tn_buf_free(&b);
    if (bad || fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0) {
        int e = errno;
        fclose(f);
        errno = e;
        return NULL;
    }
    return f;
}

void tn_run_open(tn_run_reader *r, FILE *f)
{
    memset(r, 0, sizeof(*r));
    r->f = f;
    struct stat st;
    uint64_t n;
    if (fstat(fileno(f), &st) != 0 || (size_t)st.st_size < sizeof(n)) {
        r->bad = 1;
        return;
    }
    r->size = (size_t)st.st_size;
    void *m = mmap(NULL, r->size, PROT_READ, MAP_SHARED, fileno(f), 0);
    if (m == MAP_FAILED) {
        r->bad = 1;
        return;
    }
    r->map = m;
    memcpy(&n, r->map, sizeof(n));
    if (n > (r->size - sizeof(n)) / sizeof(disk_det)) {
        r->bad = 1;
        return;
    }
    r->left = (size_t)n;
    r->head = sizeof(n);
    r->str = sizeof(n) + r->left * sizeof(disk_det);
    /* madvise wants page-aligned starts: what precedes the first step of
     * the strings stays until the close */
    r->dropped_str = (r->str + RUN_DROP - 1) & ~(size_t)(RUN_DROP - 1);
    r->dropped_head = 0;
}

/* Drops from the process what lies more than hold bytes before at, in
 * steps of RUN_DROP: the pages stay in the page cache and in the mapping,
 * so a merge of many runs holds about TN_RUN_HOLD + 2 * RUN_DROP of each,
 * not whole runs. */
static void drop_behind(tn_run_reader *r, size_t *dropped, size_t at, size_t hold)
{
    if (at < *dropped + hold + RUN_DROP)
        return;
    size_t to = (at - hold) & ~(size_t)(RUN_DROP - 1);
    if (to > *dropped)
        madvise((char *)r->map + *dropped, to - *dropped, MADV_DONTNEED);
    *dropped = to;
}

int tn_run_next(tn_run_reader *r)
{
    disk_det h;
    r->has = 0;
    if (r->bad)
        return -1;
    if (!r->left)
        return 0;
    memcpy(&h, r->map + r->head, sizeof(h));
    /* a line that is the one before's: that one's, already read, with
     * its parts where they were; a level or kind no detection has is a
     * damaged run too (the printer looks both up) */
    int same = h.same == 1 && r->cur.line && r->cur.line_len == h.len[3] &&
               r->cur.part_end[0] == h.part_end[0] && r->cur.part_end[1] == h.part_end[1];
    if (h.same > 1 || (h.same && !same) || h.level > TN_LEVEL_CRITICAL || h.is_corr > 1)
        return -1;
    size_t total = (size_t)h.len[0] + h.len[1] + h.len[2] + (same ? 0 : h.len[3]) + 4;
    if (r->size - r->str < total)
        return -1;
    const char *prev_line = r->cur.line;
    drop_behind(r, &r->dropped_head, r->head, 0);   /* heads are copied */
    drop_behind(r, &r->dropped_str, r->str, TN_RUN_HOLD);
    const char *p = r->map + r->str;
    r->head += sizeof(h);
    r->str += total;
    r->left--;
    /* the heads are a stream: fetch ahead across page boundaries too */
    __builtin_prefetch(r->map + r->head + 8 * sizeof(h));
    r->cur = (tn_det){.time = h.time, .record_id = h.record_id, .offset = h.offset, .file = h.file,
                      .rule = h.rule, .event_id = h.event_id, .is_corr = h.is_corr, .level = h.level,
                      .part_end = {h.part_end[0], h.part_end[1]}};
    const char **str[4] = {&r->cur.computer, &r->cur.channel, &r->cur.details, &r->cur.line};
    for (int i = 0; i < 4; i++) {   /* each ends with its NUL: see put_strings */
        *str[i] = p;
        p += (i == 3 && same ? 0 : h.len[i]) + 1;
    }
    r->cur.line_len = h.len[3];
    if (same)
        r->cur.line = prev_line;
    else if (!h.len[3])
        r->cur.line = NULL;
    else if (h.part_end[0] > h.part_end[1] || h.part_end[1] > h.len[3])
        return -1;
    r->has = 1;
    return 1;
}

void tn_run_close(tn_run_reader *r)
{
    if (r->map)
        munmap((void *)r->map, r->size);
    if (r->f)
        fclose(r->f);
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
        errno = ENOMEM;
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
        errno = EIO;
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
