/* profile.c - hunt --profile (profile.h). */
#include "hunt/profile.h"

#include "base/alloc.h"
#include "base/diag.h"

#include <stdlib.h>
#include <string.h>

typedef struct kind {
    char *channel;   /* NULL: an empty slot */
    uint32_t event_id;
    uint64_t events, ticks, dets;
} kind;

struct tn_profile {
    kind *v;
    uint32_t cap, n;   /* cap: a power of two */
    int oom;           /* a kind could not be added: the report says so */
};

tn_profile *tn_profile_new(void)
{
    tn_profile *p = tn_calloc(1, sizeof(*p));
    if (p && !(p->v = tn_calloc(256, sizeof(*p->v)))) {
        tn_free(p);
        return NULL;
    }
    if (p)
        p->cap = 256;
    return p;
}

void tn_profile_free(tn_profile *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->cap; i++)
        tn_free(p->v[i].channel);
    tn_free(p->v);
    tn_free(p);
}

static uint32_t kind_hash(const char *ch, uint32_t id)
{
    uint32_t h = 2166136261u ^ id;
    for (; *ch; ch++)
        h = (h ^ (unsigned char)*ch) * 16777619u;
    return h;
}

/* The slot of (ch, id) in v[0..cap), or the empty one where it goes. */
static kind *find(kind *v, uint32_t cap, const char *ch, uint32_t id)
{
    for (uint32_t i = kind_hash(ch, id) & (cap - 1);; i = (i + 1) & (cap - 1))
        if (!v[i].channel || (v[i].event_id == id && !strcmp(v[i].channel, ch)))
            return &v[i];
}

static int grow(tn_profile *p)
{
    uint32_t cap = p->cap * 2;
    kind *v = tn_calloc(cap, sizeof(*v));
    if (!v)
        return -1;
    for (uint32_t i = 0; i < p->cap; i++)
        if (p->v[i].channel)
            *find(v, cap, p->v[i].channel, p->v[i].event_id) = p->v[i];
    tn_free(p->v);
    p->v = v;
    p->cap = cap;
    return 0;
}

static void add_kind(tn_profile *p, const char *ch, uint32_t id, uint64_t events, uint64_t ticks,
                     uint64_t dets)
{
    kind *k = find(p->v, p->cap, ch, id);
    if (!k->channel) {
        if ((p->n + 1) * 4 > p->cap * 3) {
            if (grow(p)) {
                p->oom = 1;
                return;
            }
            k = find(p->v, p->cap, ch, id);
        }
        if (!(k->channel = tn_strndup(ch, strlen(ch)))) {
            p->oom = 1;
            return;
        }
        k->event_id = id;
        p->n++;
    }
    k->events += events;
    k->ticks += ticks;
    k->dets += dets;
}

void tn_profile_event(tn_profile *p, const tn_event *ev, uint64_t ticks, uint32_t ndet)
{
    add_kind(p, ev->channel ? ev->channel : "", ev->event_id, 1, ticks, ndet);
}

static int by_ticks(const void *a, const void *b)
{
    const kind *x = a, *y = b;
    return x->ticks < y->ticks ? 1 : x->ticks > y->ticks ? -1 : 0;
}

typedef struct rcost {
    uint32_t rule;
    tn_rule_cost c;
} rcost;

static int by_cost(const void *a, const void *b)
{
    const rcost *x = a, *y = b;
    return x->c.ticks < y->c.ticks ? 1 : x->c.ticks > y->c.ticks ? -1 : x->rule < y->rule ? -1 : 1;
}

#define TOP_KINDS 15
#define TOP_RULES 25

/* The workers' kinds added up, by cost; *n of them, *total ticks. */
static kind *merged_kinds(tn_profile *const *ps, int n, uint32_t *nk, uint64_t *total, int *oom)
{
    tn_profile *all = tn_profile_new();
    *nk = 0;
    *total = 0;
    for (int w = 0; all && w < n; w++) {
        if (!ps[w])
            continue;
        *oom |= ps[w]->oom;
        for (uint32_t i = 0; i < ps[w]->cap; i++) {
            const kind *k = &ps[w]->v[i];
            if (!k->channel)
                continue;
            add_kind(all, k->channel, k->event_id, k->events, k->ticks, k->dets);
            *total += k->ticks;
        }
    }
    if (!all) {
        *oom = 1;
        return NULL;
    }
    *oom |= all->oom;
    kind *v = all->v;   /* taken: packed, then sorted */
    uint32_t m = 0;
    for (uint32_t i = 0; i < all->cap; i++)
        if (v[i].channel)
            v[m++] = v[i];
    all->v = NULL;
    all->cap = 0;
    tn_profile_free(all);
    qsort(v, m, sizeof(*v), by_ticks);
    *nk = m;
    return v;
}

void tn_profile_report(FILE *f, const tn_ruleset *rs, tn_profile *const *ps, tn_scanner *const *scs, int n,
                       double sec_per_tick)
{
    uint32_t nk;
    uint64_t total;
    int oom = 0;
    kind *ks = merged_kinds(ps, n, &nk, &total, &oom);
    double ms = sec_per_tick * 1e3;
    fprintf(f, "Profile (--profile: matching time, summed over the worker threads; events matched one at a time)\n");
    fprintf(f, "  matching: %.1f ms over %u kinds of event\n", (double)total * ms, nk);
    fprintf(f, "  %10s %6s %9s %9s %8s  %s\n", "ms", "%", "events", "us/event", "detects", "channel:EventID");
    for (uint32_t i = 0; ks && i < nk && i < TOP_KINDS; i++) {
        fprintf(f, "  %10.1f %6.1f %9llu %9.2f %8llu  ", (double)ks[i].ticks * ms,
                total ? 100.0 * (double)ks[i].ticks / (double)total : 0.0, (unsigned long long)ks[i].events,
                ks[i].events ? (double)ks[i].ticks * ms * 1e3 / (double)ks[i].events : 0.0,
                (unsigned long long)ks[i].dets);
        tn_put_safe(f, ks[i].channel);   /* the log's text */
        fprintf(f, ":%u\n", ks[i].event_id);
    }
    for (uint32_t i = 0; ks && i < nk; i++)
        tn_free(ks[i].channel);
    tn_free(ks);
    uint32_t nr = tn_ruleset_count(rs);
    rcost *rc = tn_calloc(nr ? nr : 1, sizeof(*rc));
    uint64_t rtotal = 0, used = 0;
    for (uint32_t r = 0; rc && r < nr; r++) {
        rc[r].rule = r;
        for (int w = 0; w < n; w++) {
            const tn_rule_cost *c = scs[w] ? tn_scanner_costs(scs[w]) : NULL;
            if (!c)
                continue;
            rc[r].c.evals += c[r].evals;
            rc[r].c.hits += c[r].hits;
            rc[r].c.ticks += c[r].ticks;
        }
        rtotal += rc[r].c.ticks;
        used += rc[r].c.evals > 0;
    }
    if (!rc)
        oom = 1;
    fprintf(f, "  rule evaluation: %.1f ms, %llu of %u rules evaluated at least once\n", (double)rtotal * ms,
            (unsigned long long)used, nr);
    fprintf(f, "  %10s %6s %9s %9s %8s  %s\n", "ms", "%", "evals", "us/eval", "matches", "rule");
    if (rc)
        qsort(rc, nr, sizeof(*rc), by_cost);
    for (uint32_t i = 0; rc && i < nr && i < TOP_RULES && rc[i].c.evals; i++) {
        tn_rule_info ri;
        tn_ruleset_info(rs, rc[i].rule, &ri);
        fprintf(f, "  %10.1f %6.1f %9llu %9.2f %8llu  ", (double)rc[i].c.ticks * ms,
                rtotal ? 100.0 * (double)rc[i].c.ticks / (double)rtotal : 0.0,
                (unsigned long long)rc[i].c.evals, (double)rc[i].c.ticks * ms * 1e3 / (double)rc[i].c.evals,
                (unsigned long long)rc[i].c.hits);
        tn_put_safe(f, ri.title);   /* the rule file's text */
        fputs(" (", f);
        tn_put_safe(f, ri.id && ri.id[0] ? ri.id : ri.file);
        fputs(")\n", f);
    }
    tn_free(rc);
    if (oom)
        fprintf(f, "  (out of memory: some counts are missing)\n");
}
