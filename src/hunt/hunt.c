/* hunt.c - the scanning loop: EVTX chunks and JSON/auditd inputs in
 * parallel (one scanner and one chunk context per worker).
 *
 * Matches of rules that correlations refer to are kept as small records:
 * the event's place, computer and channel, and only the values the
 * correlations read (tn_corr_values), not the event. Like detections,
 * they go to sorted runs on disk past a limit per worker; at the end the
 * runs and what is left in memory are merged in event-time order into the
 * correlator, which itself forgets what falls out of its timespans. Memory
 * for correlation is so bounded by the limit per worker and the
 * correlator's windows (correlate.h), not by the input. */
#include "hunt.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "match/correlate.h"
#include "hunt/jsonesc.h"
#include "hunt/details.h"
#include "hunt/spill.h"
#include "hunt/timeline.h"
#include "base/ticks.h"
#include "hunt/profile.h"
#include "match/scanner.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Spill limits per worker: detections or kept matches past this count or
 * these string bytes go to a sorted run on disk. (Tried in session 23
 * and not kept: one 64 MiB budget shared by the workers, so that one or
 * two threads never spilled the 256 MiB bench's 50 MB of lines; it
 * measured no faster, the fresh pages of a larger arena costing what the
 * runs' writes did.) */
/* Since session 26 a run's lines are shared by the detections of an event
 * (push_det), so 16 MiB holds about twice as many: at 65,536 the held
 * array of detections grew to 5.8 MB, and the 256 MiB bench's peak RSS
 * (1 thread) from 61.1 to 65.0 MB; at 32,768 it is 54.9 MB. */
#define SPILL_COUNT 32768
#define SPILL_BYTES ((size_t)16 << 20)

#define BATCH 32   /* events matched at a time (flush_batch) */


/* One per thread. Aligned to a cache line, and allocated so: each worker
 * writes its own counters and arenas on every event, and a neighbour's
 * writes on a shared line cost a cache miss per event. */
typedef struct worker {
    _Alignas(64) tn_scanner *sc;   /* made on the worker's own thread */
    tn_profile *prof;   /* --profile: its events' matching time by kind */
    tn_dshape dshapes[TN_DSHAPES];
    tn_arena dstr;      /* strings of detections held in memory */
    size_t dbytes;      /* bytes in dstr */
    tn_buf dtmp;        /* details of the current detection, reused */
    tn_det *dets;
    size_t ndets, capdets, hdets;   /* hdets: see push_to */
    /* matches kept for correlation, as detections whose details are the
     * correlation values (tn_corr_values) */
    tn_arena kstr;      /* their strings */
    size_t kbytes;
    tn_det *keep;
    size_t nkeep, capkeep, hkeep;
    tn_buf ktmp;        /* values of the current match, reused */
    tn_tl_event tev;    /* the current event's parts of its timeline lines */
    tn_tl_cache ltc;    /* rules' and files' parts of those lines */
    tn_tl_stats st;     /* with a format: counts of this worker's detections */
    uint64_t *rule_n;   /* with a format: detections per rule, then per
                         * correlation, put into st by title at the end */
    tn_buf comp;        /* the computer of the last events with detections */
    uint64_t comp_n;    /* their detections, not yet in st */
    uint64_t records, matches;     /* records: progress reads it */
    uint64_t untimed;              /* events without a time (tn_hunt_stats) */
    int oom;
    /* events waiting to be matched (on_event, BATCH): taken from the
     * reader into bstore and bev, or copies in bmem */
    tn_arena bmem;
    tn_event_store bstore[BATCH];
    tn_event bev[BATCH];
    const tn_event *batch[BATCH];
    uint32_t bfile[BATCH];
    uint32_t nbatch;
} worker;

typedef struct hunt hunt;
struct hunt {
    const tn_ruleset *rs;
    const tn_hunt_opts *o;
    tn_diag *d;
    const tn_inputs *in;
    worker *w;              /* nw of them, 64-byte aligned within wmem */
    void *wmem;
    int nw;
    uint64_t total;         /* bytes, for progress */
    double t0;
    uint8_t *rule_level;      /* per rule */
    uint8_t *reported;        /* per rule: bit 0, a match of it is reported alone (on_match:
                               * level, --tags/--status/--exclude-rules, not only a
                               * correlation's); bit 1, it feeds a correlation (the
                               * scanner counts what global filters hid by these) */
    uint8_t *feeds;           /* per rule: a correlation refers to it */
    uint32_t nrules, ncorr;
    int has_corr;
    size_t spill_dets;        /* a worker spills a sorted run past this many */
    pthread_mutex_t runs_mu;  /* guards out->runs, kruns and spill_errno */
    int spill_errno;          /* why the first run could not be written, or 0 */
    int run_unreadable;       /* a run of kept matches could not be read back */
    FILE **kruns;             /* sorted runs of kept matches */
    size_t nkruns, capkruns;
    tn_dets *out;
};

static const char *arena_str(worker *w, tn_arena *a, size_t *bytes, const char *s, size_t n)
{
    char *p = tn_arena_strndup(a, s, n);
    if (!p)
        w->oom = 1;
    *bytes += n + 8;
    return p ? p : "";
}

static const char *det_str(worker *w, const char *s, size_t n)
{
    return arena_str(w, &w->dstr, &w->dbytes, s, n);
}

/* The details of ev, in w->dtmp (valid until the next call). */
static const char *details_json(worker *w, const tn_event *ev)
{
    uint64_t key = w->sc ? tn_scanner_names_key(w->sc) : 0;
    /* one buffer per worker rather than a malloc/free pair per detection:
     * a run can have tens of thousands of detections */
    tn_buf *b = &w->dtmp;
    if (!tn_buf_ok(b))
        tn_buf_free(b);   /* after a failure, try afresh */
    tn_buf_clear(b);
    tn_details_to(b, ev, key, w->dshapes);
    return tn_buf_ok(b) ? b->data : "{}";
}

/* A run could not be written (e: its errno, 0 or ENOMEM when memory ran
 * out, not the file): the first file error is kept for the closing
 * message, which otherwise says out of memory. */
static void spill_failed(hunt *h, worker *w, int e)
{
    pthread_mutex_lock(&h->runs_mu);
    if (!h->spill_errno && e != ENOMEM)
        h->spill_errno = e;
    pthread_mutex_unlock(&h->runs_mu);
    w->oom = 1;
}

/* Appends run f to a list of runs, under the lock. Returns 0 or -1. */
static int add_run(hunt *h, FILE *f, FILE ***runs, size_t *n, size_t *cap)
{
    int rc = 0;
    pthread_mutex_lock(&h->runs_mu);
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        FILE **r = tn_realloc(*runs, ncap * sizeof(*r));
        if (r) {
            *runs = r;
            *cap = ncap;
        }
    }
    if (*n < *cap)
        (*runs)[(*n)++] = f;
    else
        rc = -1;
    pthread_mutex_unlock(&h->runs_mu);
    if (rc)
        fclose(f);
    return rc;
}

/* Past the limit, a worker's detections go to a sorted run on disk and its
 * strings are dropped: memory stays bounded however much fires. */
static void spill(hunt *h, worker *w)
{
    FILE *f = tn_spill_write(w->dets, w->ndets);
    if (!f || add_run(h, f, &h->out->runs, &h->out->nruns, &h->out->capruns)) {
        spill_failed(h, w, f ? 0 : errno);
        return;
    }
    w->ndets = 0;
    tn_arena_reset(&w->dstr);
    w->dbytes = 0;
}

/* The same for matches kept for correlation. */
static void spill_keep(hunt *h, worker *w)
{
    FILE *f = tn_spill_write(w->keep, w->nkeep);
    if (!f || add_run(h, f, &h->kruns, &h->nkruns, &h->capkruns)) {
        spill_failed(h, w, f ? 0 : errno);
        return;
    }
    w->nkeep = 0;
    tn_arena_reset(&w->kstr);
    w->kbytes = 0;
}

/* Appends d to v[0..*n), growing it. Returns 0 or -1. From 2 MiB on, v
 * lies in 2 MiB pages (tn_huge_alloc; *huge: the region's bytes, 0 while
 * v is tn_realloc's), as the lines do (setup_workers): the 256 MiB
 * real-chunk hunt with the Windows rules took 4,100 of its 9,000 page
 * faults (~2.5 us each) filling the detections held between spills. */
static int push_to(worker *w, tn_det **v, size_t *n, size_t *cap, size_t *huge, const tn_det *d)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 256, bytes = ncap * sizeof(**v);
        tn_det *nv;
        if (bytes >= TN_HUGE) {
            nv = tn_huge_alloc(&bytes);
            if (nv) {
                if (*n)
                    memcpy(nv, *v, *n * sizeof(**v));
                tn_big_free(*v, *huge);
                *huge = bytes;
                ncap = bytes / sizeof(**v);
            }
        } else {
            nv = tn_realloc(*v, bytes);
        }
        if (!nv) {
            w->oom = 1;
            return -1;
        }
        *v = nv;
        *cap = ncap;
    }
    (*v)[(*n)++] = *d;
    return 0;
}

/* With a format, d's strings may be anyone's: only the event's parts of
 * its line (e's, made once for all its detections) are kept, copied into
 * the worker's arena at the event's first detection and shared by the
 * others through *shared (NULL: not shared; it is set back to NULL when a
 * spill empties the arena). The rule's parts join them when the timeline
 * is written. Storing whole lines, the 256 MiB real-chunk file's 159,404
 * detections held 89 MB of lines, written to runs and read back.
 * Counting the rule by index, not by title in a map, took ~600
 * instructions off a detection (callgrind); its computer is counted once
 * per event by the caller. */
static void push_det(hunt *h, worker *w, const tn_det *d, const tn_tl_event *e, const char **shared)
{
    tn_det f;
    if (h->o->format) {
        size_t n = e->end[2];
        const char *line = shared ? *shared : NULL;
        if (!line) {
            char *t = tn_arena_alloc(&w->dstr, n + 1);
            if (!t) {
                w->oom = 1;
                return;
            }
            memcpy(t, e->text.data, n);
            t[n] = '\0';
            w->dbytes += n;
            line = t;
            if (shared)
                *shared = t;
        }
        w->dbytes += sizeof(tn_det);   /* counted too: a run's lines are shared */
        tn_tl_stats_det(&w->st, d->level, d->time);
        w->rule_n[(d->is_corr ? h->nrules : 0) + d->rule]++;
        f = *d;
        f.computer = f.channel = f.details = "";
        f.line = line;
        f.line_len = (uint32_t)n;
        f.part_end[0] = e->end[0];
        f.part_end[1] = e->end[1];
        d = &f;
    }
    if (push_to(w, &w->dets, &w->ndets, &w->capdets, &w->hdets, d) == 0 &&
        (w->ndets >= h->spill_dets || w->dbytes > SPILL_BYTES)) {
        spill(h, w);
        if (shared)
            *shared = NULL;   /* it went with the run */
    }
}

/* Keeps what the correlations need of a match of rule r on ev. */
static void keep_match(hunt *h, worker *w, const tn_rule_info *r, const tn_event *ev, uint32_t file)
{
    tn_buf *v = &w->ktmp;
    if (!tn_buf_ok(v))
        tn_buf_free(v);
    tn_buf_clear(v);
    tn_corr_values(h->rs, r, ev, v);
    if (!tn_buf_ok(v)) {
        w->oom = 1;
        return;
    }
    tn_det k = {
        .time = ev->time, .record_id = ev->record_id, .offset = ev->offset, .file = file,
        .rule = r->index, .event_id = ev->event_id,
        .computer = arena_str(w, &w->kstr, &w->kbytes, ev->computer, strlen(ev->computer)),
        .channel = arena_str(w, &w->kstr, &w->kbytes, ev->channel, strlen(ev->channel)),
        .details = arena_str(w, &w->kstr, &w->kbytes, v->data ? v->data : "", v->len),
    };
    if (push_to(w, &w->keep, &w->nkeep, &w->capkeep, &w->hkeep, &k) == 0 &&
        (w->nkeep >= h->spill_dets || w->kbytes > SPILL_BYTES))
        spill_keep(h, w);
}

/* Counts n detections on computer c. The count goes into the map of
 * computers when the computer changes: a run of events comes mostly from
 * one computer, and a string comparison is ~250 instructions cheaper than
 * the map (callgrind). c NULL: what is pending goes in. */
static void count_computer(worker *w, const char *c, uint64_t n)
{
    if (c && w->comp_n && !strcmp(c, w->comp.data)) {
        w->comp_n += n;
        return;
    }
    if (w->comp_n && tn_tl_stats_computer(&w->st, w->comp.data, w->comp_n))
        w->oom = 1;
    w->comp_n = 0;
    if (!c)
        return;
    if (!tn_buf_ok(&w->comp))
        tn_buf_free(&w->comp);
    tn_buf_clear(&w->comp);
    tn_buf_puts(&w->comp, c);
    if (tn_buf_ok(&w->comp) && w->comp.data)
        w->comp_n = n;
    else if (tn_tl_stats_computer(&w->st, c, n))
        w->oom = 1;
}

typedef struct match_ctx {
    hunt *h;
    worker *w;
    uint32_t file;
    /* the event's strings for its detections, made at its first match and
     * shared by the others (an event often matches several rules); with a
     * format, its parts of the lines in w->tev instead */
    const char *computer, *channel, *details;
    int made;        /* w->tev holds the event's parts */
    const char *line;   /* with a format: their copy in w->dstr, or NULL (push_det) */
    uint32_t ndet;   /* detections of the event, for its computer's count */
} match_ctx;

static int on_match(const tn_rule_info *r, const tn_event *ev, void *vctx)
{
    match_ctx *m = vctx;
    hunt *h = m->h;
    worker *w = m->w;
    w->matches++;
    /* an event without a readable time cannot be placed in a timespan:
     * it feeds no correlation (two such events from other days counted
     * as one instant, 1601-01-01); the summary counts them */
    if (h->feeds && h->feeds[r->index] && ev->time)
        keep_match(h, w, r, ev, m->file);
    if (!(h->reported[r->index] & 1))
        return 0;
    tn_det d = {
        .time = ev->time, .record_id = ev->record_id, .offset = ev->offset, .file = m->file,
        .rule = r->index, .event_id = ev->event_id, .level = h->rule_level[r->index],
    };
    if (h->o->format) {   /* push_det formats; no copies kept */
        if (!m->made) {
            d.computer = ev->computer;
            d.channel = ev->channel;
            int bad;
            if (h->o->format == TN_OUT_JSONL) {
                /* the details written where the line's parts are, not copied
                 * there (~120 instructions an event, callgrind) */
                tn_tl_event_jsonl_head(&w->tev, &d);
                size_t at = w->tev.text.len;
                tn_details_to(&w->tev.text, ev, tn_scanner_names_key(w->sc), w->dshapes);
                if (!tn_buf_ok(&w->tev.text)) {   /* as details_json does */
                    w->tev.text.len = at;
                    tn_buf_puts(&w->tev.text, "{}");
                }
                bad = tn_tl_event_jsonl_tail(&w->tev, &d, h->in, &w->ltc);
            } else {
                d.details = details_json(w, ev);
                bad = tn_tl_event_make(&w->tev, &d, h->in, h->o->format, &w->ltc);
            }
            if (bad) {
                w->oom = 1;
                return 0;
            }
            m->made = 1;
        }
        m->ndet++;
        push_det(h, w, &d, &w->tev, &m->line);
        return 0;
    }
    if (!m->details) {
        m->computer = det_str(w, ev->computer, strlen(ev->computer));
        m->channel = det_str(w, ev->channel, strlen(ev->channel));
        const char *j = details_json(w, ev);
        m->details = det_str(w, j, strlen(j));
    }
    d.computer = m->computer;
    d.channel = m->channel;
    d.details = m->details;
    push_det(h, w, &d, NULL, NULL);
    if (w->ndets == 0)
        m->details = NULL;   /* spilled: the strings went with the run */
    return 0;
}

/* ev lies outside --since/--until. Both compare at the microsecond, as
 * the timeline prints times: an event printed at T is in [T, T] (compared
 * in 100 ns units, --until T dropped it whenever its seventh digit was not
 * 0). An event without a time is in no range; 1601-01-01T00:00:00Z, time
 * 0, is a bound like any other. */
static int out_of_range(const hunt *h, const tn_event *ev)
{
    const tn_hunt_opts *o = h->o;
    if (!o->has_since && !o->has_until)
        return 0;
    uint64_t us = ev->time / 10;
    return !ev->time || (o->has_since && us < o->since / 10) || (o->has_until && us > o->until / 10);
}

static void scan_event(hunt *h, worker *w, const tn_event *ev, uint32_t file)
{
    /* one writer: a plain store, not a locked add, is enough for progress */
    __atomic_store_n(&w->records, w->records + 1, __ATOMIC_RELAXED);
    w->untimed += ev->time == 0;
    if (out_of_range(h, ev))
        return;
    match_ctx m = {.h = h, .w = w, .file = file};
    uint64_t t0 = w->prof ? tn_ticks() : 0;
    tn_scanner_match(w->sc, ev, on_match, &m);
    if (w->prof)
        tn_profile_event(w->prof, ev, tn_ticks() - t0, m.ndet);
    if (m.ndet)
        count_computer(w, ev->computer, m.ndet);
}

static void progress(const hunt *h, size_t i, uint64_t done, uint64_t total, double t0);

/* Events are matched BATCH at a time, not as each is read: parsing a
 * record and matching it run different code over different data (the
 * parser's; the rules' and Vectorscan's), and alternating the two every
 * record evicted both from the L1 caches. Measured with cachegrind (L1 32
 * KiB, L2 modelled as 512 KiB, 8-way, as this machine's) on the 256 MiB
 * real-chunk file and the 2,872 Windows rules, 1 thread, a record at a
 * time -> batches of 32 / 128:
 *   L1 instruction misses   44.7 M -> 12.4 M / 10.9 M
 *   L1 data misses          95.1 M -> 75.2 M / 73.2 M
 *   L2 misses                8.7 M -> 10.2 M / 13.2 M (the copies)
 *   mispredicted branches   68.1 M -> 65.6 M / 65.2 M
 *   instructions           8.495 G -> 8.629 G (copying, ~500 an event)
 * 32 costs least when misses are weighed (~7 cycles an L1 miss, ~40 an L2
 * miss, ~15 a mispredict): about 6% of the run. Wall time, 20 alternating
 * pairs of runs (with the day's loading changes): median ratio 0.95.
 * Sorting a batch by EventID saved another 1.9 M instruction misses for
 * 50 M instructions: not kept. With no rules there is nothing to gain
 * and events go straight through. BATCH is defined above struct worker. */
static void flush_batch(hunt *h, worker *w)
{
    /* the whole batch's literal scans first, then its evaluations, for
     * the same reason between Vectorscan and the evaluator (see
     * tn_scanner_prescan): L1 instruction misses 9.30 M -> 4.70 M, data
     * misses 62.6 M -> 57.6 M, for 92 M more instructions; wall time 0.941
     * over 30 alternating pairs with one thread, 1.007 with two */
    if (w->nbatch && !w->prof)   /* no scanner without an event; --profile: one at a time */
        tn_scanner_prescan(w->sc, w->batch, w->nbatch);
    for (uint32_t i = 0; i < w->nbatch; i++)
        scan_event(h, w, w->batch[i], w->bfile[i]);
    w->nbatch = 0;
    tn_arena_reset(&w->bmem);
}

static int on_event(void *arg, int wi, uint32_t file, const tn_event *ev)
{
    hunt *h = arg;
    worker *w = &h->w[wi];
    /* the scanner's memory comes from this thread's malloc arena, not
     * from the main thread's, next to the other scanners */
    if (!w->sc) {
        if (!(w->sc = tn_scanner_new(h->rs)) ||
            (h->o->profile && (tn_scanner_profile(w->sc) || !(w->prof = tn_profile_new()))))
            return TN_EXIT_INTERNAL;
        if (tn_ruleset_nfilters(h->rs))   /* what global filters hid of what would have been reported */
            tn_scanner_count_suppressed(w->sc, h->reported);
    }
    if (!h->nrules) {
        tn_event e = *ev;
        scan_event(h, w, &e, file);
        return w->oom ? TN_EXIT_INTERNAL : 0;
    }
    if (out_of_range(h, ev)) {
        /* out of the time range: counted, as scan_event would, not copied */
        __atomic_store_n(&w->records, w->records + 1, __ATOMIC_RELAXED);
        w->untimed += ev->time == 0;
        return 0;
    }
    /* the EVTX reader's text and fields are taken, not copied: on the
     * 256 MiB file 7.823 -> 7.730 G instructions (tn_event_copy's and its
     * block copies'), wall time 0.979 over 20 alternating pairs */
    const tn_event *e = &w->bev[w->nbatch];
    if (!tn_event_take(ev, &w->bstore[w->nbatch], &w->bev[w->nbatch]) &&
        !(e = tn_event_copy(ev, &w->bmem)))
        return TN_EXIT_INTERNAL;
    w->batch[w->nbatch] = e;
    w->bfile[w->nbatch++] = file;
    if (w->nbatch == BATCH)
        flush_batch(h, w);
    return w->oom ? TN_EXIT_INTERNAL : 0;
}

static void on_progress(void *arg, size_t i, uint64_t done)
{
    hunt *h = arg;
    if (h->o->progress)
        progress(h, i, done, h->total, h->t0);
}

typedef struct corr_ctx {
    hunt *h;
    worker *w;
} corr_ctx;

/* A correlation hit becomes a detection placed at the last event it
 * counted, with the record ids of the events that satisfied it. */
static int on_corr(const tn_corr_hit *hit, void *arg)
{
    corr_ctx *c = arg;
    worker *w = c->w;
    int level = tn_level_parse(hit->rule->level, 0);
    const uint8_t *en = c->h->o->corr_enabled;
    if (hit->rule->correlation_only || level < c->h->o->min_level || (en && !en[hit->rule->index]))
        return 0;   /* correlation_only: it feeds another correlation (the correlator does) */
    static const tn_corr_origin none = {0, 0, 0, 0, "", ""};
    const tn_corr_origin *last = hit->nevents ? &hit->events[hit->nevents - 1] : &none;
    tn_buf b;
    tn_buf_init(&b);
    tn_buf_puts(&b, "{\"group\":{");
    for (uint32_t i = 0; i < hit->ngroup; i++) {
        if (i)
            tn_buf_putc(&b, ',');
        tn_buf_json_str(&b, hit->group_by[i], strlen(hit->group_by[i]));
        tn_buf_putc(&b, ':');
        tn_buf_json_str(&b, hit->group_values[i], strlen(hit->group_values[i]));
    }
    char t1[32], t2[32];
    tn_filetime_format(hit->first, t1);
    tn_filetime_format(hit->last, t2);
    /* the value exactly: %g printed a sum of 1000001 as 1e+06 */
    double v = hit->value;
    if (!isfinite(v))   /* a sum past DBL_MAX: JSON has no number for it */
        tn_buf_puts(&b, "},\"value\":null");
    else if (v == floor(v) && fabs(v) < 9007199254740992.0) {   /* 2^53: integers exactly */
        tn_buf_puts(&b, v < 0 ? "},\"value\":-" : "},\"value\":");
        tn_buf_u64(&b, (uint64_t)fabs(v));
    } else {   /* the shortest of 15 or 17 digits that reads back the same */
        char nb[40];
        snprintf(nb, sizeof(nb), "%.15g", v);
        if (strtod(nb, NULL) != v)
            snprintf(nb, sizeof(nb), "%.17g", v);
        tn_buf_printf(&b, "},\"value\":%s", nb);
    }
    tn_buf_puts(&b, ",\"events\":");   /* printf here cost ~1,500 instructions a hit */
    tn_buf_u64(&b, hit->nevents);
    tn_buf_puts(&b, ",\"first\":\"");
    tn_buf_puts(&b, t1);
    tn_buf_puts(&b, "\",\"last\":\"");
    tn_buf_puts(&b, t2);
    tn_buf_puts(&b, "\",\"record_ids\":[");
    /* a glimpse, like other details: the last 100 (the window can hold thousands) */
    uint32_t from = hit->nevents > 100 ? hit->nevents - 100 : 0;
    for (uint32_t i = from; i < hit->nevents; i++) {
        if (i > from)
            tn_buf_putc(&b, ',');
        tn_buf_u64(&b, hit->events[i].record_id);
    }
    tn_buf_putc(&b, ']');
    /* a window over several files (a password spray seen on each host's
     * log): each record's file, as record ids are per file (they were
     * listed without it; a known limit until session 29) */
    int several = 0;
    for (uint32_t i = from; i < hit->nevents && !several; i++)
        several = hit->events[i].file != last->file;
    if (several) {
        tn_buf_puts(&b, ",\"record_files\":[");
        for (uint32_t i = from; i < hit->nevents; i++) {
            const char *p = hit->events[i].file < c->h->in->n ? c->h->in->v[hit->events[i].file].path : "";
            if (i > from)
                tn_buf_putc(&b, ',');
            tn_buf_json_str(&b, p, strlen(p));
        }
        tn_buf_putc(&b, ']');
    }
    tn_buf_putc(&b, '}');
    int fmt = c->h->o->format;   /* push_det formats: no copies needed */
    tn_det d = {
        .time = hit->last, .record_id = last->record_id, .offset = last->offset,
        .file = last->file, .rule = hit->rule->index, .is_corr = 1, .level = (uint8_t)level,
        .event_id = last->event_id,
        .computer = fmt ? last->computer : det_str(w, last->computer, strlen(last->computer)),
        .channel = fmt ? last->channel : det_str(w, last->channel, strlen(last->channel)),
        .details = !tn_buf_ok(&b) ? "{}" : fmt ? b.data : det_str(w, b.data, b.len),
    };
    if (fmt && tn_tl_event_make(&w->tev, &d, c->h->in, fmt, &w->ltc)) {
        w->oom = 1;
    } else {
        if (fmt)
            count_computer(w, d.computer, 1);
        push_det(c->h, w, &d, &w->tev, NULL);
    }
    tn_buf_free(&b);
    return 0;
}

/* Correlations see the kept matches of every worker merged in event-time
 * order (tn_det_cmp: time, file, offset, rule), from the runs on disk and
 * what is still in memory. */
static int correlate(hunt *h)
{
    tn_det **arrays = tn_calloc((size_t)h->nw, sizeof(*arrays));
    size_t *lens = tn_calloc((size_t)h->nw, sizeof(*lens));
    if (!arrays || !lens) {
        tn_free(arrays);
        tn_free(lens);
        return TN_EXIT_INTERNAL;
    }
    for (int i = 0; i < h->nw; i++) {
        worker *w = &h->w[i];
        tn_det_sort(w->keep, w->nkeep);
        arrays[i] = w->keep;
        lens[i] = w->nkeep;
    }
    tn_merge *m = tn_merge_new(h->kruns, h->nkruns, arrays, lens, (size_t)h->nw);
    h->nkruns = 0;   /* the merge owns them now */
    if (!m && errno == EIO)
        h->run_unreadable = 1;
    tn_correlator *c = m ? tn_correlator_new(h->rs) : NULL;
    int rc = c ? 0 : TN_EXIT_INTERNAL;
    corr_ctx cc = {h, &h->w[0]};
    const tn_det *k;
    int r = 0;
    while (!rc && (r = tn_merge_next(m, &k)) == 1) {
        tn_rule_info ri;
        tn_ruleset_info(h->rs, k->rule, &ri);
        tn_corr_origin o = {k->record_id, k->offset, k->file, k->event_id, k->computer, k->channel};
        if (tn_correlator_feed_values(c, &ri, k->time, k->details, &o, on_corr, &cc) < 0)
            rc = TN_EXIT_INTERNAL;
    }
    if (r < 0) {
        h->run_unreadable = 1;
        rc = TN_EXIT_INTERNAL;
    }
    if (!rc && tn_correlator_flush(c, on_corr, &cc) < 0)
        rc = TN_EXIT_INTERNAL;
    if (!rc && h->w[0].oom)
        rc = TN_EXIT_INTERNAL;
    tn_correlator_free(c);
    tn_merge_free(m);
    tn_free(arrays);
    tn_free(lens);
    return rc;
}

/* The worker's counts by rule into its stats, by title. 0 or -1. */
static int count_rules(const hunt *h, worker *w)
{
    for (size_t i = 0; w->rule_n && i < (size_t)h->nrules + h->ncorr; i++) {
        if (!w->rule_n[i])
            continue;
        tn_rule_info ri;
        if (i < h->nrules)
            tn_ruleset_info(h->rs, (uint32_t)i, &ri);
        else
            tn_ruleset_corr_info(h->rs, (uint32_t)(i - h->nrules), &ri);
        if (tn_tl_stats_rule(&w->st, &ri, w->rule_n[i]))
            return -1;
    }
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(const hunt *h, size_t i, uint64_t done, uint64_t total, double t0)
{
    const tn_inputs *in = h->in;
    uint64_t records = 0;
    for (int k = 0; k < h->nw; k++)
        records += __atomic_load_n(&h->w[k].records, __ATOMIC_RELAXED);
    double el = now_s() - t0;
    double mbs = el > 0 ? done / 1048576.0 / el : 0;
    double eta = mbs > 0 ? (total - done) / 1048576.0 / mbs : 0;
    fprintf(stderr, "\rtansa: file %zu/%zu, %llu records, %.0f/%.0f MB, %.0f MB/s, ETA %.0f s   ", i + 1,
            in->n, (unsigned long long)records, done / 1048576.0, total / 1048576.0, mbs, eta);
}

static int setup_workers(hunt *h, int n)
{
    size_t nr = (size_t)h->nrules + h->ncorr;
    /* calloc aligns to 16 only: take a line more and align by hand */
    h->wmem = tn_calloc((size_t)n + 1, sizeof(worker));
    if (!h->wmem)
        return -1;
    h->w = (worker *)(((uintptr_t)h->wmem + 63) & ~(uintptr_t)63);
    h->nw = n;
    for (int i = 0; i < n; i++) {
        /* past their first block, in 2 MiB pages: the lines of the 256 MiB
         * real-chunk hunt with the Windows rules (16 MiB between spills)
         * took 3,300 page faults in 4 KiB pages */
        tn_arena_init_growing(&h->w[i].kstr, 256 * 1024, TN_ARENA_HUGE);
        tn_arena_init_growing(&h->w[i].dstr, 256 * 1024, TN_ARENA_HUGE);
        tn_arena_init(&h->w[i].bmem, 256 * 1024);   /* its blocks come on the worker's thread */
        tn_tl_stats_init(&h->w[i].st);
        if (h->o->format && !(h->w[i].rule_n = tn_calloc(nr ? nr : 1, sizeof(uint64_t))))
            return -1;
    }
    return 0;
}

static void profile_report(hunt *h, double sec_per_tick)
{
    tn_profile **ps = tn_calloc((size_t)h->nw, sizeof(*ps));
    tn_scanner **ss = tn_calloc((size_t)h->nw, sizeof(*ss));
    for (int k = 0; ps && ss && k < h->nw; k++)
        ps[k] = h->w[k].prof, ss[k] = h->w[k].sc;
    if (ps && ss)
        tn_profile_report(stderr, h->rs, ps, ss, h->nw, sec_per_tick);
    tn_free(ps);
    tn_free(ss);
}

void tn_hunt_stats_free(tn_hunt_stats *st)
{
    tn_free(st->suppressed);
    st->suppressed = NULL;
}

int tn_hunt_run(const tn_ruleset *rs, tn_inputs *in, const tn_hunt_opts *o, tn_diag *d,
                tn_dets *out, tn_hunt_stats *st)
{
    hunt h = {.rs = rs, .o = o, .d = d, .out = out, .spill_dets = SPILL_COUNT};
    const char *sd = getenv("TANSA_SPILL_DETS"); /* tests force small runs */
    long sdv = sd ? strtol(sd, NULL, 10) : 0;
    if (sdv > 0)
        h.spill_dets = (size_t)sdv;
    pthread_mutex_init(&h.runs_mu, NULL);
    int rc = 0;
    uint32_t nrules = tn_ruleset_count(rs);
    h.nrules = nrules;
    h.ncorr = tn_ruleset_ncorrelations(rs);
    h.has_corr = h.ncorr > 0;
    h.rule_level = tn_calloc(nrules ? nrules : 1, 1);
    h.feeds = h.has_corr ? tn_calloc(nrules ? nrules : 1, 1) : NULL;
    h.reported = tn_calloc(nrules ? nrules : 1, 1);
    if (!h.rule_level || (h.has_corr && !h.feeds) || !h.reported ||
        setup_workers(&h, o->threads < 1 ? 1 : o->threads))
        rc = TN_EXIT_INTERNAL;
    for (uint32_t i = 0; !rc && i < nrules; i++) {
        tn_rule_info ri;
        tn_ruleset_info(rs, i, &ri);
        h.rule_level[i] = (uint8_t)tn_level_parse(ri.level, 0);
        if (h.feeds)
            h.feeds[i] = (uint8_t)tn_corr_refers(rs, &ri);
        /* bit 0: a match is reported alone (on_match); bit 1: it feeds a correlation */
        h.reported[i] = (uint8_t)((!ri.correlation_only && h.rule_level[i] >= o->min_level &&
                                   (!o->enabled || o->enabled[i])) |
                                  (h.feeds && h.feeds[i]) << 1);
    }
    h.in = in;
    h.t0 = now_s();
    double t0 = h.t0;
    uint64_t k0 = tn_ticks();   /* --profile: ticks to seconds */
    uint64_t total = 0;
    for (size_t i = 0; i < in->n; i++)
        total += in->v[i].size;
    h.total = total;
    if (!rc)
        rc = tn_inputs_scan(in, h.nw, o->carve, d, on_event, on_progress, &h);
    /* each worker's last events (its scanner is free to use here: the
     * workers are done) */
    for (int k = 0; k < h.nw && rc != TN_EXIT_INTERNAL; k++) {
        flush_batch(&h, &h.w[k]);
        if (h.w[k].oom)
            rc = TN_EXIT_INTERNAL;
    }
    if (o->progress)
        fprintf(stderr, "\r%70s\r", "");
    if (o->profile && h.nw)
        profile_report(&h, (now_s() - t0) / (double)(tn_ticks() - k0 + 1));
    if (!rc && h.has_corr)
        rc = correlate(&h);
    st->files = in->n;
    st->bytes = 0;   /* again: standard input's size is known now */
    for (size_t i = 0; i < in->n; i++)
        st->bytes += in->v[i].size;
    st->seconds = now_s() - t0;
    /* hand the detections and their arenas over: the detections into one
     * array of their total, in 2 MiB pages when large (an array doubled
     * from 1,024 took ~1,700 page faults when all 88,622 detections of the
     * 256 MiB real-chunk hunt were held; with the runs spilled, the hunt
     * on 2 threads went from ~6,700 page faults to ~6,300) */
    out->arenas = tn_calloc((size_t)(h.nw ? h.nw : 1), sizeof(tn_arena));
    if (!out->arenas && !rc)
        rc = TN_EXIT_INTERNAL;
    size_t total_dets = out->n;
    for (int k = 0; k < h.nw; k++)
        total_dets += h.w[k].ndets;
    if (!rc && total_dets > out->cap) {
        size_t bytes = total_dets * sizeof(tn_det);
        tn_det *v = tn_big_alloc(&bytes);
        if (v) {
            if (out->n)
                memcpy(v, out->v, out->n * sizeof(*v));
            tn_big_free(out->v, out->vhuge);
            out->v = v;
            out->vhuge = bytes;
            out->cap = total_dets;
        } else {
            rc = TN_EXIT_INTERNAL;
        }
    }
    for (int k = 0; k < h.nw; k++) {
        worker *w = &h.w[k];
        st->records += w->records;
        st->untimed += w->untimed;
        st->matches += w->matches;
        count_computer(w, NULL, 0);
        if (!rc && o->format && o->stats &&
            (w->oom || count_rules(&h, w) || tn_tl_stats_merge(o->stats, &w->st)))
            rc = TN_EXIT_INTERNAL;
        if (!rc && w->ndets) {
            memcpy(out->v + out->n, w->dets, w->ndets * sizeof(tn_det));
            out->n += w->ndets;
        }
        if (out->arenas)
            out->arenas[out->narenas++] = w->dstr;
        else
            tn_arena_free(&w->dstr);
        tn_arena_free(&w->kstr);
        tn_big_free(w->dets, w->hdets);
        tn_big_free(w->keep, w->hkeep);
        tn_buf_free(&w->dtmp);
        tn_buf_free(&w->ktmp);
        tn_tl_event_free(&w->tev);
        tn_buf_free(&w->comp);
        tn_free(w->rule_n);
        tn_tl_cache_free(&w->ltc);
        tn_tl_stats_free(&w->st);
        st->re_limits += w->sc ? tn_scanner_re_limits(w->sc) : 0;
        st->suppressed_feeds += w->sc ? tn_scanner_suppressed_feeds(w->sc) : 0;
        const uint64_t *sup = w->sc ? tn_scanner_suppressed(w->sc) : NULL;
        uint32_t nflt = tn_ruleset_nfilters(rs);
        if (sup && !st->suppressed)
            st->suppressed = tn_calloc(nflt, sizeof(uint64_t));
        for (uint32_t f = 0; sup && st->suppressed && f < nflt; f++)
            st->suppressed[f] += sup[f];
        tn_scanner_free(w->sc);
        tn_profile_free(w->prof);
        tn_arena_free(&w->bmem);
        for (int b = 0; b < BATCH; b++)
            tn_event_store_free(&w->bstore[b]);
    }
    for (size_t i = 0; i < h.nkruns; i++)   /* left when the scan failed */
        fclose(h.kruns[i]);
    tn_free(h.kruns);
    tn_free(h.wmem);
    tn_free(h.rule_level);
    tn_free(h.reported);
    tn_free(h.feeds);
    pthread_mutex_destroy(&h.runs_mu);
    st->spill_errno = rc ? h.spill_errno : 0;
    st->run_unreadable = rc ? h.run_unreadable : 0;
    return rc;
}

void tn_dets_free(tn_dets *ds)
{
    for (size_t i = 0; i < ds->nruns; i++)
        if (ds->runs[i])
            fclose(ds->runs[i]);
    tn_free(ds->runs);
    for (int i = 0; i < ds->narenas; i++)
        tn_arena_free(&ds->arenas[i]);
    tn_free(ds->arenas);
    tn_big_free(ds->v, ds->vhuge);
    memset(ds, 0, sizeof(*ds));
}
