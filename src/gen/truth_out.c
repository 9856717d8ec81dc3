/* truth_out.c - writes truth.json: malicious events, then the scope answer. */
#include "gen/truth_int.h"

#include "base/buf.h"
#include "gen/act.h"
#include "read/event.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void jtime(tn_buf *b, uint64_t t)
{
    char s[40];
    tn_buf_putc(b, '"');
    tn_buf_put(b, s, tn_filetime_format(t, s));
    tn_buf_putc(b, '"');
}

static void jstr(tn_buf *b, const char *s)
{
    tn_buf_json_str(b, s, strlen(s));
}

static const char *hname(const tn_truth *t, uint32_t h)
{
    return h == TN_NONE ? "-" : t->o->hosts[h].name;
}

static void sep(tn_buf *b, uint32_t i)
{
    tn_buf_puts(b, i ? ",\n    " : "\n    ");
}

static void malicious(tn_buf *b, const tn_truth *t)
{
    tn_buf_puts(b, "  \"malicious_events\": [");
    for (uint32_t i = 0; i < t->mal.n; i++) {
        const tmal *m = &t->mal.v[i];
        sep(b, i);
        tn_buf_puts(b, "{\"file\": ");
        jstr(b, t->files.v[m->file]);
        tn_buf_printf(b, ", \"record_id\": %llu, \"event_id\": %u, \"host\": \"%s\", \"time\": ",
                      (unsigned long long)m->record_id, m->event_id, hname(t, m->host));
        jtime(b, m->time);
        tn_buf_puts(b, ", \"technique\": ");
        jstr(b, tn_technique_names[m->tag]);
        tn_buf_putc(b, '}');
    }
    tn_buf_puts(b, "\n  ],\n");
}

static void hosts(tn_buf *b, const tn_truth *t)
{
    uint32_t k = 0;
    tn_buf_puts(b, "  \"hosts\": [");
    for (uint32_t h = 0; h < t->o->nhosts; h++) {
        const thost *x = &t->hosts[h];
        if (!x->at)
            continue;
        sep(b, k++);
        tn_buf_printf(b, "{\"host\": \"%s\", \"compromised_at\": ", hname(t, h));
        jtime(b, x->at);
        tn_buf_printf(b, ", \"how\": \"%s\", \"via\": ", x->how);
        if (x->src == TN_NONE) {
            tn_buf_printf(b, "{\"file\": ");
            jstr(b, t->files.v[t->seed_file]);
            tn_buf_printf(b, ", \"record_id\": %llu}}", (unsigned long long)t->seed_record);
            continue;
        }
        tn_buf_printf(b, "{\"src\": \"%s\", \"account\": ", hname(t, x->src));
        jstr(b, t->accts.v[x->acct].display);
        tn_buf_printf(b, ", \"logon_type\": %u, \"file\": ", x->logon_type);
        jstr(b, t->files.v[x->file]);
        tn_buf_printf(b, ", \"record_id\": %llu}}", (unsigned long long)x->record_id);
    }
    tn_buf_puts(b, "\n  ],\n");
}

static void accounts(tn_buf *b, const tn_truth *t)
{
    uint32_t k = 0;
    tn_buf_puts(b, "  \"accounts\": [");
    for (uint32_t a = 0; a < t->accts.n; a++) {
        const tacct *x = &t->accts.v[a];
        if (!x->at)
            continue;
        sep(b, k++);
        tn_buf_puts(b, "{\"account\": ");
        jstr(b, x->display);
        tn_buf_puts(b, ", \"compromised_at\": ");
        jtime(b, x->at);
        tn_buf_printf(b, ", \"how\": \"%s\", \"host\": \"%s\", \"file\": ", x->how, hname(t, x->host));
        jstr(b, t->files.v[x->file]);
        tn_buf_printf(b, ", \"record_id\": %llu}", (unsigned long long)x->record_id);
    }
    tn_buf_puts(b, "\n  ],\n");
}

static void edges_objects(tn_buf *b, const tn_truth *t)
{
    tn_buf_puts(b, "  \"edges\": [");
    for (uint32_t i = 0; i < t->edges.n; i++) {
        const tedge *e = &t->edges.v[i];
        sep(b, i);
        tn_buf_printf(b, "{\"src\": \"%s\", \"dst\": \"%s\", \"account\": ", hname(t, e->src),
                      hname(t, e->dst));
        jstr(b, t->accts.v[e->acct].display);
        tn_buf_puts(b, ", \"time\": ");
        jtime(b, e->time);
        tn_buf_printf(b, ", \"logon_type\": %u}", e->type);
    }
    tn_buf_puts(b, "\n  ],\n  \"objects\": [");
    for (uint32_t i = 0; i < t->objs.n; i++) {
        const tobj *o = &t->objs.v[i];
        sep(b, i);
        tn_buf_printf(b, "{\"host\": \"%s\", \"share\": ", hname(t, o->host));
        jstr(b, o->share);
        tn_buf_puts(b, ", \"path\": ");
        jstr(b, o->path);
        tn_buf_puts(b, ", \"account\": ");
        jstr(b, t->accts.v[o->acct].display);
        tn_buf_puts(b, ", \"time\": ");
        jtime(b, o->time);
        tn_buf_printf(b, ", \"event_id\": %u}", o->event_id);
    }
    tn_buf_puts(b, "\n  ],\n");
}

/* A log is steady (issue 6) when it has events in at least 48 distinct
 * clock hours, and in at least 75% of the clock hours from its first event
 * to its last. Silences are reported for steady logs only. */
static int steady(const tn_truth *t, uint32_t host, uint32_t ch)
{
    const tlog *l = &t->logs[host * TN_CH__COUNT + ch];
    uint64_t hour = TN_FT_DAY / 24;
    uint64_t span = l->last / hour - l->first / hour + 1;
    return l->hours >= 48 && l->hours * 4 >= span * 3;
}

static void gap_json(tn_buf *b, const tn_truth *t, const tgap *g, uint32_t k)
{
    sep(b, k);
    tn_buf_printf(b, "{\"host\": \"%s\", \"channel\": \"%s\", \"from\": ", hname(t, g->host),
                  tn_channel_names[g->channel]);
    jtime(b, g->from);
    tn_buf_puts(b, ", \"to\": ");
    jtime(b, g->to);
    tn_buf_printf(b, ", \"reason\": \"%s\"}", g->reason);
}

static uint32_t gaps(tn_buf *b, const tn_truth *t)
{
    uint32_t k = 0;
    tn_buf_puts(b, "  \"gaps\": [");
    for (uint32_t i = 0; i < t->gaps.n; i++)
        gap_json(b, t, &t->gaps.v[i], k++);
    for (uint32_t i = 0; i < t->silences.n; i++)
        if (steady(t, t->silences.v[i].host, t->silences.v[i].channel))
            gap_json(b, t, &t->silences.v[i], k++);
    tn_buf_puts(b, "\n  ],\n");
    return k;
}

/* Gaps of a host's logs that overlap the breach (seed to end). */
static int host_gap(const tn_truth *t, uint32_t h, const tgap **out)
{
    for (uint32_t i = 0; i < t->gaps.n; i++)
        if (t->gaps.v[i].host == h && t->gaps.v[i].to >= t->seed_time)
            return *out = &t->gaps.v[i], 1;
    for (uint32_t i = 0; i < t->silences.n; i++) {
        const tgap *g = &t->silences.v[i];
        if (g->host == h && g->to >= t->seed_time && steady(t, h, g->channel))
            return *out = g, 1;
    }
    return 0;
}

static void crown(tn_buf *b, const tn_truth *t)
{
    uint32_t k = 0;
    tn_buf_puts(b, "  \"crown_jewels\": [");
    for (uint32_t h = 0; h < t->o->nhosts; h++) {
        if (!t->o->hosts[h].crown)
            continue;
        sep(b, k++);
        uint32_t touched = 0;
        for (uint32_t i = 0; i < t->objs.n; i++)
            touched += t->objs.v[i].host == h;
        const tgap *g = NULL;
        const tlog *sec = &t->logs[h * TN_CH__COUNT + TN_CH_SECURITY];
        tn_buf_printf(b, "{\"host\": \"%s\", ", hname(t, h));
        if (t->hosts[h].at) { /* a compromised host is touched (issue 6) */
            tn_buf_puts(b, "\"verdict\": \"touched\", \"reason\": \"the host itself was compromised\"}");
        } else if (touched) {
            tn_buf_printf(b, "\"verdict\": \"touched\", \"reason\": \"%u objects read by "
                             "compromised accounts from compromised hosts\"}", touched);
        } else if (!sec->count || sec->first > t->seed_time) {
            tn_buf_puts(b, "\"verdict\": \"cannot_assure\", \"reason\": \"no Security log "
                           "covering the start of the breach\"}");
        } else if (host_gap(t, h, &g)) {
            tn_buf_printf(b, "\"verdict\": \"cannot_assure\", \"reason\": \"%s log gap (%s) from ",
                          tn_channel_names[g->channel], g->reason);
            char s[40];
            tn_buf_put(b, s, tn_filetime_format(g->from, s));
            tn_buf_puts(b, " to ");
            tn_buf_put(b, s, tn_filetime_format(g->to, s));
            tn_buf_puts(b, " during the breach\"}");
        } else {
            tn_buf_puts(b, "\"verdict\": \"assured_untouched\", \"reason\": \"complete logs "
                           "from before the seed to the end; no access by a compromised account "
                           "from a compromised host\"}");
        }
    }
    tn_buf_puts(b, "\n  ],\n");
}

static void seeds(tn_buf *b, const tn_truth *t)
{
    tn_buf_puts(b, "  \"seeds\": [");
    if (t->seeded) {
        tn_buf_printf(b, "{\"host\": \"%s\", \"time\": ", hname(t, t->seed_host));
        jtime(b, t->seed_time);
        tn_buf_puts(b, ", \"file\": ");
        jstr(b, t->files.v[t->seed_file]);
        tn_buf_printf(b, ", \"record_id\": %llu}", (unsigned long long)t->seed_record);
    }
    tn_buf_puts(b, "],\n");
}

int tn_truth_write(tn_truth *t, const char *path, const tn_gen_stats *st)
{
    tn_buf b;
    tn_buf_init(&b);
    tn_buf_printf(&b, "{\n  \"generator\": {\"seed\": %llu, \"scale\": %g, \"days\": %d, \"start\": ",
                  (unsigned long long)t->o->seed, t->o->scale, t->o->days);
    jtime(&b, t->o->start);
    tn_buf_puts(&b, ", \"end\": ");
    jtime(&b, t->end);
    tn_buf_puts(&b, "},\n");
    seeds(&b, t);
    malicious(&b, t);
    hosts(&b, t);
    accounts(&b, t);
    edges_objects(&b, t);
    uint32_t ngaps = gaps(&b, t);
    crown(&b, t);
    uint32_t nh = 0, na = 0;
    for (uint32_t h = 0; h < t->o->nhosts; h++)
        nh += t->hosts[h].at != 0;
    for (uint32_t a = 0; a < t->accts.n; a++)
        na += t->accts.v[a].at != 0;
    tn_buf_printf(&b, "  \"stats\": {\"events\": %llu, \"malicious_events\": %u, "
                      "\"hosts_compromised\": %u, \"accounts_compromised\": %u, \"edges\": %u, "
                      "\"objects\": %u, \"gaps\": %u, \"files\": %llu, \"bytes_evtx\": %llu, "
                      "\"bytes_jsonl\": %llu}\n}\n",
                  (unsigned long long)st->events, t->mal.n, nh, na, t->edges.n, t->objs.n, ngaps,
                  (unsigned long long)st->files, (unsigned long long)st->bytes_evtx,
                  (unsigned long long)st->bytes_jsonl); /* no wall time: same seed, same bytes */
    int rc = -1;
    FILE *f = fopen(path, "w");
    if (f && tn_buf_ok(&b)) {
        rc = tn_buf_write(&b, f) == 0 ? 0 : -1;
        if (fclose(f) != 0)
            rc = -1;
    } else if (f) {
        fclose(f);
        errno = ENOMEM;   /* the text was not built whole */
    }
    tn_buf_free(&b);   /* the caller says why it failed */
    return rc;
}
