/* hunt.c - the scanning loop: EVTX chunks in parallel (one scanner and one
 * chunk context per worker), JSON and auditd inputs event by event. Rules
 * that feed correlations keep a copy of their matched events, which are
 * fed to the correlator in time order at the end. */
#include "hunt.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "match/correlate.h"
#include "hunt/spill.h"
#include "match/scanner.h"

#include <pthread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int tn_level_parse(const char *s, int strict)
{
    static const char *const names[] = {"informational", "low", "medium", "high", "critical"};
    for (int i = 0; i < 5; i++)
        if (!strcasecmp(s, names[i]))
            return i;
    if (!strcasecmp(s, "info"))
        return TN_LEVEL_INFO;
    return strict ? -1 : TN_LEVEL_INFO;
}

const char *tn_level_name(int level)
{
    static const char *const names[] = {"informational", "low", "medium", "high", "critical"};
    return level >= 0 && level < 5 ? names[level] : "informational";
}

/* A matched event kept for correlation: a deep copy in the worker arena. */
typedef struct kept {
    tn_event ev;
    uint32_t rule;
    uint32_t file;
} kept;

/* One per thread. Aligned to a cache line, and allocated so: each worker
 * writes its own counters and arenas on every event, and a neighbour's
 * writes on a shared line cost a cache miss per event. */
typedef struct worker {
    _Alignas(64) tn_scanner *sc;   /* made on the worker's own thread */
    tn_arena arena;     /* events kept for correlation */
    tn_arena dstr;      /* strings of detections held in memory */
    size_t dbytes;      /* bytes in dstr */
    tn_buf dtmp;        /* details of the current detection, reused */
    tn_det *dets;
    size_t ndets, capdets;
    kept *keep;
    size_t nkeep, capkeep;
    uint64_t records, matches;     /* records: progress reads it */
    int oom;
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
    int has_corr;
    size_t spill_dets;        /* a worker spills a sorted run past this many */
    pthread_mutex_t runs_mu;  /* guards out->runs */
    tn_dets *out;
};

/* Fields shown as a detection's details, in this order, when present. */
#define D(s) {s, sizeof(s) - 1}
static const struct {
    const char *name;
    uint32_t len;
} detail_fields[] = {
    D("CommandLine"), D("Image"), D("ParentImage"), D("ParentCommandLine"), D("TargetUserName"),
    D("TargetDomainName"), D("SubjectUserName"), D("LogonType"), D("IpAddress"),
    D("WorkstationName"), D("ServiceName"), D("ImagePath"), D("TaskName"), D("TargetFilename"),
    D("TargetObject"), D("Details"), D("ShareName"), D("RelativeTargetName"), D("ObjectName"),
    D("SourceImage"), D("TargetImage"), D("GrantedAccess"), D("DestinationIp"),
    D("DestinationPort"), D("QueryName"), D("ScriptBlockText"), D("Payload"), D("ProcessName"),
    D("NewProcessName"), D("AccessMask"),
};
#undef D
#define NDETAIL (sizeof(detail_fields) / sizeof(detail_fields[0]))

static const char *keep_str(worker *w, const char *s, size_t n)
{
    char *p = tn_arena_strndup(&w->arena, s, n);
    if (!p)
        w->oom = 1;
    return p ? p : "";
}

static const char *det_str(worker *w, const char *s, size_t n)
{
    char *p = tn_arena_strndup(&w->dstr, s, n);
    if (!p)
        w->oom = 1;
    w->dbytes += n + 8;
    return p ? p : "";
}

static const char *details_json(worker *w, const tn_event *ev)
{
    /* one buffer per worker rather than a malloc/free pair per detection:
     * a run can have tens of thousands of detections */
    tn_buf *b = &w->dtmp;
    if (!tn_buf_ok(b))
        tn_buf_free(b);   /* after a failure, try afresh */
    tn_buf_clear(b);
    tn_buf_putc(b, '{');
    /* one pass over the event's fields for the first field of each detail
     * name: 30 tn_event_field calls per detection were most of on_match */
    uint32_t at[NDETAIL];
    for (size_t d = 0; d < NDETAIL; d++)
        at[d] = UINT32_MAX;
    for (uint32_t i = 0; i < ev->nfields; i++) {
        const tn_field *f = &ev->fields[i];
        for (size_t d = 0; d < NDETAIL; d++)
            if (detail_fields[d].len == f->name_len && at[d] == UINT32_MAX &&
                !memcmp(detail_fields[d].name, f->name, f->name_len)) {
                at[d] = i;
                break;
            }
    }
    int first = 1;
    for (size_t i = 0; i < NDETAIL; i++) {
        const tn_field *f = at[i] == UINT32_MAX ? NULL : &ev->fields[at[i]];
        if (!f || f->is_null || !f->value_len)
            continue;
        if (!first)
            tn_buf_putc(b, ',');
        first = 0;
        tn_buf_json_str(b, f->name, f->name_len);
        tn_buf_putc(b, ':');
        size_t n = f->value_len > 1024 ? 1024 : f->value_len; /* details are a glimpse */
        while (n < f->value_len && n && ((unsigned char)f->value[n] & 0xC0) == 0x80)
            n--; /* do not cut a UTF-8 sequence */
        tn_buf_json_str(b, f->value, n);
    }
    tn_buf_putc(b, '}');
    return tn_buf_ok(b) ? det_str(w, b->data, b->len) : "{}";
}

/* Past the limit, a worker's detections go to a sorted run on disk and its
 * strings are dropped: memory stays bounded however much fires. */
static void spill(hunt *h, worker *w)
{
    FILE *f = tn_spill_write(w->dets, w->ndets);
    if (!f) {
        w->oom = 1;
        return;
    }
    pthread_mutex_lock(&h->runs_mu);
    tn_dets *o = h->out;
    if (o->nruns == o->capruns) {
        size_t cap = o->capruns ? o->capruns * 2 : 16;
        FILE **r = tn_realloc(o->runs, cap * sizeof(*r));
        if (!r) {
            pthread_mutex_unlock(&h->runs_mu);
            fclose(f);
            w->oom = 1;
            return;
        }
        o->runs = r;
        o->capruns = cap;
    }
    o->runs[o->nruns++] = f;
    pthread_mutex_unlock(&h->runs_mu);
    w->ndets = 0;
    tn_arena_reset(&w->dstr);
    w->dbytes = 0;
}

static int push_det(hunt *h, worker *w, const tn_det *d)
{
    if (w->ndets == w->capdets) {
        size_t cap = w->capdets ? w->capdets * 2 : 256;
        tn_det *v = tn_realloc(w->dets, cap * sizeof(*v));
        if (!v) {
            w->oom = 1;
            return -1;
        }
        w->dets = v;
        w->capdets = cap;
    }
    w->dets[w->ndets++] = *d;
    if (w->ndets >= h->spill_dets || w->dbytes > 64u * 1024 * 1024)
        spill(h, w);
    return 0;
}

static int keep_event(worker *w, const tn_event *ev, uint32_t rule, uint32_t file)
{
    if (w->nkeep == w->capkeep) {
        size_t cap = w->capkeep ? w->capkeep * 2 : 256;
        kept *v = tn_realloc(w->keep, cap * sizeof(*v));
        if (!v) {
            w->oom = 1;
            return -1;
        }
        w->keep = v;
        w->capkeep = cap;
    }
    kept *k = &w->keep[w->nkeep];
    k->ev = *ev;
    k->rule = rule;
    k->file = file;
    k->ev.provider = keep_str(w, ev->provider, strlen(ev->provider));
    k->ev.provider_guid = "";
    k->ev.channel = keep_str(w, ev->channel, strlen(ev->channel));
    k->ev.computer = keep_str(w, ev->computer, strlen(ev->computer));
    k->ev.user_sid = keep_str(w, ev->user_sid, strlen(ev->user_sid));
    tn_field *fs = ev->nfields ? tn_arena_alloc(&w->arena, ev->nfields * sizeof(*fs)) : NULL;
    if (ev->nfields && !fs) {
        w->oom = 1;
        return -1;
    }
    for (uint32_t i = 0; i < ev->nfields; i++) {
        fs[i] = ev->fields[i];
        fs[i].name = keep_str(w, ev->fields[i].name, ev->fields[i].name_len);
        fs[i].value = keep_str(w, ev->fields[i].value, ev->fields[i].value_len);
    }
    k->ev.fields = fs;
    w->nkeep++;
    return 0;
}

typedef struct match_ctx {
    hunt *h;
    worker *w;
    uint32_t file;
    /* the event's strings for its detections, made at its first match and
     * shared by the others (an event often matches several rules) */
    const char *computer, *channel, *details;
} match_ctx;

static int on_match(const tn_rule_info *r, const tn_event *ev, void *vctx)
{
    match_ctx *m = vctx;
    hunt *h = m->h;
    worker *w = m->w;
    w->matches++;
    if (h->has_corr)
        keep_event(w, ev, r->index, m->file);
    if (r->correlation_only || h->rule_level[r->index] < h->o->min_level ||
        (h->o->enabled && !h->o->enabled[r->index]))
        return 0;
    if (!m->details) {
        m->computer = det_str(w, ev->computer, strlen(ev->computer));
        m->channel = det_str(w, ev->channel, strlen(ev->channel));
        m->details = details_json(w, ev);
    }
    tn_det d = {
        .time = ev->time, .record_id = ev->record_id, .offset = ev->offset, .file = m->file,
        .rule = r->index, .event_id = ev->event_id, .level = h->rule_level[r->index],
        .computer = m->computer, .channel = m->channel, .details = m->details,
    };
    push_det(h, w, &d);
    if (w->ndets == 0)
        m->details = NULL;   /* spilled: the strings went with the run */
    return 0;
}

static void scan_event(hunt *h, worker *w, const tn_event *ev, uint32_t file)
{
    /* one writer: a plain store, not a locked add, is enough for progress */
    __atomic_store_n(&w->records, w->records + 1, __ATOMIC_RELAXED);
    if ((h->o->since && ev->time < h->o->since) || (h->o->until && ev->time > h->o->until))
        return;
    match_ctx m = {h, w, file, NULL, NULL, NULL};
    tn_scanner_match(w->sc, ev, on_match, &m);
}

static void progress(const hunt *h, size_t i, uint64_t done, uint64_t total, double t0);

static int on_event(void *arg, int wi, uint32_t file, const tn_event *ev)
{
    hunt *h = arg;
    worker *w = &h->w[wi];
    /* the scanner's memory comes from this thread's malloc arena, not
     * from the main thread's, next to the other scanners */
    if (!w->sc && !(w->sc = tn_scanner_new(h->rs)))
        return TN_EXIT_INTERNAL;
    tn_event e = *ev;
    scan_event(h, w, &e, file);
    return w->oom ? TN_EXIT_INTERNAL : 0;
}

static void on_progress(void *arg, size_t i, uint64_t done)
{
    hunt *h = arg;
    if (h->o->progress)
        progress(h, i, done, h->total, h->t0);
}

static int by_time(const void *a, const void *b)
{
    const kept *x = a, *y = b;
    if (x->ev.time != y->ev.time)
        return x->ev.time < y->ev.time ? -1 : 1;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    if (x->ev.offset != y->ev.offset)
        return x->ev.offset < y->ev.offset ? -1 : 1;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

typedef struct corr_ctx {
    hunt *h;
    worker *w;
    const kept *k;
} corr_ctx;

static int on_corr(const tn_corr_hit *hit, void *arg)
{
    corr_ctx *c = arg;
    worker *w = c->w;
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
    tn_buf_printf(&b, "},\"value\":%g,\"events\":%u,\"first\":\"%s\",\"last\":\"%s\",\"last_record_id\":%llu}",
                  hit->value, hit->nevents, t1, t2, (unsigned long long)c->k->ev.record_id);
    int level = tn_level_parse(hit->rule->level, 0);
    if (level >= c->h->o->min_level) {
        tn_det d = {
            .time = hit->last, .record_id = c->k->ev.record_id, .offset = c->k->ev.offset,
            .file = c->k->file, .rule = hit->rule->index, .is_corr = 1, .level = (uint8_t)level,
            .event_id = c->k->ev.event_id,
            .computer = det_str(w, c->k->ev.computer, strlen(c->k->ev.computer)),
            .channel = det_str(w, c->k->ev.channel, strlen(c->k->ev.channel)),
            .details = tn_buf_ok(&b) ? det_str(w, b.data, b.len) : "{}",
        };
        push_det(c->h, w, &d);
    }
    tn_buf_free(&b);
    return 0;
}

/* Correlations see the matches of every worker merged in event-time order. */
static int correlate(hunt *h)
{
    size_t total = 0;
    for (int i = 0; i < h->nw; i++)
        total += h->w[i].nkeep;
    kept *all = total ? tn_malloc(total * sizeof(*all)) : NULL;
    if (total && !all)
        return TN_EXIT_INTERNAL;
    size_t k = 0;
    for (int i = 0; i < h->nw; i++) {
        if (!h->w[i].nkeep)
            continue; /* keep may be NULL: memcpy from NULL is undefined even for 0 bytes */
        memcpy(all + k, h->w[i].keep, h->w[i].nkeep * sizeof(*all));
        k += h->w[i].nkeep;
    }
    if (total)
        qsort(all, total, sizeof(*all), by_time);
    tn_correlator *c = tn_correlator_new(h->rs);
    if (!c) {
        tn_free(all);
        return TN_EXIT_INTERNAL;
    }
    corr_ctx cc = {h, &h->w[0], NULL};
    for (size_t i = 0; i < total; i++) {
        tn_rule_info ri;
        tn_ruleset_info(h->rs, all[i].rule, &ri);
        cc.k = &all[i];
        if (tn_correlator_feed(c, &ri, &all[i].ev, on_corr, &cc) < 0) {
            tn_correlator_free(c);
            tn_free(all);
            return TN_EXIT_INTERNAL;
        }
    }
    if (total) {
        cc.k = &all[total - 1];
        tn_correlator_flush(c, on_corr, &cc);
    }
    tn_correlator_free(c);
    tn_free(all);
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
    /* calloc aligns to 16 only: take a line more and align by hand */
    h->wmem = tn_calloc((size_t)n + 1, sizeof(worker));
    if (!h->wmem)
        return -1;
    h->w = (worker *)(((uintptr_t)h->wmem + 63) & ~(uintptr_t)63);
    h->nw = n;
    for (int i = 0; i < n; i++) {
        tn_arena_init(&h->w[i].arena, 256 * 1024);
        tn_arena_init(&h->w[i].dstr, 256 * 1024);
    }
    return 0;
}

int tn_hunt_run(const tn_ruleset *rs, const tn_inputs *in, const tn_hunt_opts *o, tn_diag *d,
                tn_dets *out, tn_hunt_stats *st)
{
    hunt h = {.rs = rs, .o = o, .d = d, .out = out, .spill_dets = 65536};
    const char *sd = getenv("TANSA_SPILL_DETS"); /* tests force small runs */
    long sdv = sd ? strtol(sd, NULL, 10) : 0;
    if (sdv > 0)
        h.spill_dets = (size_t)sdv;
    pthread_mutex_init(&h.runs_mu, NULL);
    int rc = 0;
    uint32_t nrules = tn_ruleset_count(rs);
    h.has_corr = tn_ruleset_ncorrelations(rs) > 0;
    h.rule_level = tn_calloc(nrules ? nrules : 1, 1);
    if (!h.rule_level || setup_workers(&h, o->threads < 1 ? 1 : o->threads))
        rc = TN_EXIT_INTERNAL;
    for (uint32_t i = 0; !rc && i < nrules; i++) {
        tn_rule_info ri;
        tn_ruleset_info(rs, i, &ri);
        h.rule_level[i] = (uint8_t)tn_level_parse(ri.level, 0);
    }
    h.in = in;
    h.t0 = now_s();
    double t0 = h.t0;
    uint64_t total = 0;
    for (size_t i = 0; i < in->n; i++)
        total += in->v[i].size;
    h.total = total;
    if (!rc)
        rc = tn_inputs_scan(in, h.nw, o->carve, d, on_event, on_progress, &h);
    if (o->progress)
        fprintf(stderr, "\r%70s\r", "");
    if (!rc && h.has_corr)
        rc = correlate(&h);
    st->files = in->n;
    st->bytes = total;
    st->seconds = now_s() - t0;
    /* hand the detections and their arenas over */
    out->arenas = tn_calloc((size_t)(h.nw ? h.nw : 1), sizeof(tn_arena));
    if (!out->arenas && !rc)
        rc = TN_EXIT_INTERNAL;
    for (int k = 0; k < h.nw; k++) {
        worker *w = &h.w[k];
        st->records += w->records;
        st->matches += w->matches;
        for (size_t j = 0; !rc && j < w->ndets; j++) {
            if (out->n == out->cap) {
                size_t cap = out->cap ? out->cap * 2 : 1024;
                tn_det *v = tn_realloc(out->v, cap * sizeof(*v));
                if (!v) {
                    rc = TN_EXIT_INTERNAL;
                    break;
                }
                out->v = v;
                out->cap = cap;
            }
            out->v[out->n++] = w->dets[j];
        }
        if (out->arenas)
            out->arenas[out->narenas++] = w->dstr;
        else
            tn_arena_free(&w->dstr);
        tn_arena_free(&w->arena);
        tn_free(w->dets);
        tn_free(w->keep);
        tn_buf_free(&w->dtmp);
        tn_scanner_free(w->sc);
    }
    tn_free(h.wmem);
    tn_free(h.rule_level);
    pthread_mutex_destroy(&h.runs_mu);
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
    tn_free(ds->v);
    memset(ds, 0, sizeof(*ds));
}
