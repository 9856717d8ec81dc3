/* run.c - the generation loop: day by day, host by host, so memory stays flat.
 *
 * For each day the plan lists every activity of the organisation; each
 * activity is filed under the hosts whose logs it writes to. Then each
 * host's events for the day are expanded, sorted by time and appended to
 * its logs; the host's EVTX writers are parked (partial chunk on disk)
 * before the next host. Memory is one day's activity list plus one
 * host-day of events, whatever the scale. */
#include "gen/run.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/diag.h"
#include "gen/evtx_write.h"
#include "gen/gtext.h"
#include "gen/out.h"
#include "gen/plan.h"
#include "gen/truth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct host_out {
    tn_evtx_writer w[TN_CH__COUNT];
    uint64_t next_id[TN_CH__COUNT];     /* record id of the next event, per log */
    uint8_t jsonl_started[TN_CH__COUNT];
    uint8_t truth_knows[TN_CH__COUNT];  /* the truth pass has this log's file name */
    uint8_t gap_done;
} host_out;

typedef struct gen_run {
    const tn_gen_opts *opt;
    tn_org org;
    tn_breach br;
    host_out *ho;
    tn_acts acts;
    uint32_t *bucket_start, *bucket;    /* activities filed per host (CSR) */
    uint32_t bucket_cap;
    tn_sink sink;
    uint32_t *order;
    uint32_t order_cap;
    tn_buf line, scratch, jl[TN_CH__COUNT];
    tn_truth *truth;
    tn_gen_stats st;
    char path[512], rel[256];
    int failed;
    int progress;   /* a line of progress on stderr, a terminal */
} gen_run;

static int cmp_event(const void *a, const void *b, void *ctx)
{
    const tn_gen_event *ev = ctx, *x = &ev[*(const uint32_t *)a], *y = &ev[*(const uint32_t *)b];
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Records lost on the way to the files: the window before the clearing
 * of HQ's AV server Security log, and the crown-jewel server whose
 * Security log stopped (its record ids jump when it resumes). */
static int lost(gen_run *g, uint32_t host, const tn_gen_event *e)
{
    if (e->sc->channel != TN_CH_SECURITY)
        return 0;
    const tn_breach *b = &g->br;
    if (host == g->org.av[TN_SITE_HQ] && e->time >= b->lost_from && e->time < b->t_clear)
        return 1;
    if (host == g->org.fs_prj_b && e->time >= b->gap_from && e->time < b->gap_to)
        return 1;
    return 0;
}

static const char *rel_path(gen_run *g, uint32_t host, int ch, const char *ext)
{
    snprintf(g->rel, sizeof(g->rel), "logs/%s/%s.%s", g->org.hosts[host].name,
             tn_channel_files[ch], ext);
    snprintf(g->path, sizeof(g->path), "%s/%s", g->opt->out, g->rel);
    return g->path;
}

static int write_evtx(gen_run *g, uint32_t host, const tn_gen_event *e, uint64_t id)
{
    host_out *ho = &g->ho[host];
    int ch = e->sc->channel;
    tn_evtx_writer *w = &ho->w[ch];
    if (!w->path && tn_evtxw_open(w, rel_path(g, host, ch, "evtx"), g->org.hosts[host].fqdn) != 0) {
        fprintf(stderr, "tansa gen: %s: %s\n", g->path, strerror(errno));
        return -1;
    }
    uint64_t got;
    if ((id > w->next_id && tn_evtx_skip_ids(w, id - w->next_id) != 0) ||
        tn_evtx_append(w, e, &got) != 0) {
        fprintf(stderr, "tansa gen: %s: %s\n", w->path, strerror(errno));
        return -1;
    }
    return 0;
}

static void emit(gen_run *g, uint32_t host, const tn_gen_event *e)
{
    host_out *ho = &g->ho[host];
    int ch = e->sc->channel;
    if (lost(g, host, e))
        return;
    if (host == g->org.fs_prj_b && ch == TN_CH_SECURITY && e->time >= g->br.gap_to && !ho->gap_done) {
        ho->next_id[ch] += 2311;    /* records lost with the silent days */
        ho->gap_done = 1;
    }
    uint64_t id = ho->next_id[ch]++;
    if (g->opt->evtx && write_evtx(g, host, e, id) != 0) {
        g->failed = 1;
        return;
    }
    if (g->opt->jsonl) {
        tn_gen_json(&g->jl[ch], e, g->org.hosts[host].fqdn, id, &g->scratch);
        tn_buf_putc(&g->jl[ch], '\n');
    }
    g->st.events++;
    if (!ho->truth_knows[ch]) {
        rel_path(g, host, ch, g->opt->evtx ? "evtx" : "jsonl");
        tn_truth_file(g->truth, host, ch, g->rel);
        ho->truth_knows[ch] = 1;
    }
    tn_truth_event(g->truth, e, host, id);
}

static int flush_jsonl(gen_run *g, uint32_t host)
{
    for (int ch = 0; ch < TN_CH__COUNT; ch++) {
        tn_buf *b = &g->jl[ch];
        if (!b->len)
            continue;
        FILE *f = fopen(rel_path(g, host, ch, "jsonl"), g->ho[host].jsonl_started[ch] ? "ab" : "wb");
        int ok = f && fwrite(b->data, 1, b->len, f) == b->len;
        if ((f && fclose(f) != 0) || !ok) {
            fprintf(stderr, "tansa gen: %s: %s\n", g->path, strerror(errno));
            return -1;
        }
        g->ho[host].jsonl_started[ch] = 1;
        g->st.bytes_jsonl += b->len;
        tn_buf_clear(b);
    }
    return 0;
}

/* Expands, sorts and writes one host's events of the day. */
static int host_day(gen_run *g, uint32_t host)
{
    tn_sink_reset(&g->sink);
    for (uint32_t k = g->bucket_start[host]; k < g->bucket_start[host + 1]; k++)
        tn_act_expand(&g->org, &g->acts.a[g->bucket[k]], host, &g->sink);
    if (g->sink.oom)
        return -1;
    uint32_t n = g->sink.n;
    if (n > g->order_cap) {
        uint32_t *o = tn_realloc(g->order, (size_t)n * sizeof(*o));
        if (!o)
            return -1;
        g->order = o;
        g->order_cap = n;
    }
    for (uint32_t i = 0; i < n; i++)
        g->order[i] = i;
    if (n)
        qsort_r(g->order, n, sizeof(uint32_t), cmp_event, g->sink.ev);
    for (uint32_t i = 0; i < n && !g->failed; i++)
        emit(g, host, &g->sink.ev[g->order[i]]);
    for (int ch = 0; ch < TN_CH__COUNT && !g->failed; ch++)
        if (g->ho[host].w[ch].path && tn_evtx_park(&g->ho[host].w[ch]) != 0) {
            fprintf(stderr, "tansa gen: %s: %s\n", g->ho[host].w[ch].path, strerror(errno));
            g->failed = 1;
        }
    if (g->opt->jsonl && flush_jsonl(g, host) != 0)
        g->failed = 1;
    return g->failed ? -1 : 0;
}

/* Files each activity under every host it writes to (counting sort). */
static int file_acts(gen_run *g)
{
    uint32_t nh = g->org.nhosts, hs[3];
    memset(g->bucket_start, 0, (nh + 1) * sizeof(uint32_t));
    uint64_t total = 0;
    for (uint32_t i = 0; i < g->acts.n; i++) {
        int k = tn_act_hosts(&g->org, &g->acts.a[i], hs);
        for (int j = 0; j < k; j++)
            g->bucket_start[hs[j] + 1]++;
        total += (uint64_t)k;
    }
    if (total > g->bucket_cap) {
        uint32_t *b = tn_realloc(g->bucket, (size_t)total * sizeof(uint32_t));
        if (!b)
            return -1;
        g->bucket = b;
        g->bucket_cap = (uint32_t)total;
    }
    for (uint32_t h = 0; h < nh; h++)
        g->bucket_start[h + 1] += g->bucket_start[h];
    uint32_t *fill = g->order;  /* reuse as cursor: needs nh entries */
    if (g->order_cap < nh) {
        fill = tn_realloc(g->order, (size_t)nh * sizeof(uint32_t));
        if (!fill)
            return -1;
        g->order = fill;
        g->order_cap = nh;
    }
    memcpy(fill, g->bucket_start, nh * sizeof(uint32_t));
    for (uint32_t i = 0; i < g->acts.n; i++) {
        int k = tn_act_hosts(&g->org, &g->acts.a[i], hs);
        for (int j = 0; j < k; j++)
            g->bucket[fill[hs[j]]++] = i;
    }
    return 0;
}

static int run_days(gen_run *g)
{
    for (int day = 0; day < g->opt->days; day++) {
        g->acts.n = 0;
        tn_plan_day(&g->org, &g->br, day, &g->acts);
        if (g->acts.oom || file_acts(g) != 0)
            return TN_EXIT_INTERNAL;
        for (uint32_t h = 0; h < g->org.nhosts; h++)
            if (host_day(g, h) != 0)
                return TN_EXIT_INTERNAL;   /* out of memory, or an output not written */
        tn_truth_day_end(g->truth);
        if (g->progress)
            fprintf(stderr, "\rtansa gen: day %d/%d, %llu events", day + 1, g->opt->days,
                    (unsigned long long)g->st.events);
    }
    if (g->progress)
        fputc('\n', stderr);
    return TN_EXIT_OK;
}

static int close_all(gen_run *g)
{
    int rc = 0;
    for (uint32_t h = 0; h < g->org.nhosts; h++)
        for (int ch = 0; ch < TN_CH__COUNT; ch++) {
            tn_evtx_writer *w = &g->ho[h].w[ch];
            if (!w->path)
                continue;
            g->st.bytes_evtx += w->bytes;
            g->st.files++;
            snprintf(g->path, sizeof(g->path), "%s", w->path);   /* closing frees it */
            if (tn_evtxw_close(w) != 0 && !rc && !g->failed) {   /* the first failure said */
                fprintf(stderr, "tansa gen: %s: %s\n", g->path, strerror(errno));
                rc = -1;
            }
        }
    for (uint32_t h = 0; h < g->org.nhosts; h++)
        for (int ch = 0; ch < TN_CH__COUNT; ch++)
            g->st.files += g->ho[h].jsonl_started[ch];
    return rc;
}

static void free_all(gen_run *g)
{
    tn_free(g->ho);
    tn_free(g->acts.a);
    tn_free(g->bucket_start);
    tn_free(g->bucket);
    tn_free(g->order);
    tn_sink_free(&g->sink);
    tn_buf_free(&g->line);
    tn_buf_free(&g->scratch);
    for (int ch = 0; ch < TN_CH__COUNT; ch++)
        tn_buf_free(&g->jl[ch]);
    tn_truth_free(g->truth);
    tn_org_free(&g->org);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int tn_gen_run(const tn_gen_opts *opt)
{
    gen_run g;
    memset(&g, 0, sizeof(g));
    g.opt = opt;
    g.progress = !opt->quiet && isatty(2);   /* progress only on a terminal */
    double t0 = now_s();
    if (tn_org_build(&g.org, opt->seed, opt->scale, opt->days) != 0)
        return TN_EXIT_INTERNAL;
    tn_breach_init(&g.br, &g.org);
    tn_sink_init(&g.sink);
    g.ho = tn_calloc(g.org.nhosts, sizeof(host_out));
    g.bucket_start = tn_calloc(g.org.nhosts + 1, sizeof(uint32_t));
    g.truth = tn_truth_new(&g.org);
    int rc = TN_EXIT_INTERNAL;
    if (g.ho && g.bucket_start && g.truth) {
        for (uint32_t h = 0; h < g.org.nhosts; h++)
            for (int ch = 0; ch < TN_CH__COUNT; ch++)
                g.ho[h].next_id[ch] = 1;
        /* an --out that cannot be created is a bad command line */
        rc = tn_gen_out_prepare(opt->out, &g.org) != 0 ? TN_EXIT_USAGE : run_days(&g);
    }
    if (g.ho && close_all(&g) != 0 && rc == TN_EXIT_OK)
        rc = TN_EXIT_INTERNAL;
    g.st.seconds = now_s() - t0;
    if (rc == TN_EXIT_OK) {
        snprintf(g.path, sizeof(g.path), "%s/truth.json", opt->out);
        if (tn_truth_write(g.truth, g.path, &g.st) != 0 || tn_truth_oom(g.truth)) {
            fprintf(stderr, "tansa gen: %s: %s\n", g.path,
                    tn_truth_oom(g.truth) ? "out of memory" : strerror(errno));
            rc = TN_EXIT_INTERNAL;
        }
    }
    if (rc == TN_EXIT_OK && !opt->quiet) {
        double mb = (double)(g.st.bytes_evtx + g.st.bytes_jsonl) / 1048576.0;   /* as hunt's MB */
        printf("tansa gen: %llu events, %u hosts, %llu files, %.1f MB in %.2f s (%.1f MB/s)\n",
               (unsigned long long)g.st.events, g.org.nhosts, (unsigned long long)g.st.files, mb,
               g.st.seconds, g.st.seconds > 0 ? mb / g.st.seconds : 0.0);
    }
    free_all(&g);
    return rc;
}
