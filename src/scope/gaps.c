/* gaps.c - per-log statistics, the gaps they reveal (cleared, silence, record ids) and crown-jewel verdicts.
 *
 * Silences. A log's events are kept as stretches: maximal runs in which
 * consecutive events (in time) are at most --silence apart. Adding an event
 * extends, joins or opens stretches, in any order of arrival, so the
 * stretches after the last event are exact, and the silences are the
 * spaces between them. Stretches are more than --silence apart, so a log
 * holds at most (its time span / --silence) + 1 of them. Steadiness counts
 * distinct clock hours in a bitmap of 64-hour blocks.
 *
 * Record ids and clearing. These read a log in file order. One worker sees
 * one chunk's records in order and checks them there; what crosses a chunk
 * boundary (a chunk's first record against the previous chunk's last) is
 * checked when the chunks' summaries (sc_seg) are folded in chunk order.
 * Chunks arrive nearly in order (the thread pool holds a few at a time),
 * so few summaries wait. */
#include "scope/scope_int.h"

#include "base/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char sysmon[] = "Microsoft-Windows-Sysmon/Operational";

void sc_stat_free(sc_stat *st)
{
    tn_free(st->blk);
    tn_free(st->span);
    memset(st, 0, sizeof(*st));
}

/* Mark clock hour h; blocks stay sorted (appends are the common case). */
static int add_hour(sc_stat *st, uint64_t h)
{
    uint32_t b = (uint32_t)(h / 64);
    uint32_t lo = 0, hi = st->nblk;
    if (hi && st->blk[hi - 1].block <= b)
        lo = hi - 1;
    while (lo < hi) {
        uint32_t m = (lo + hi) / 2;
        if (st->blk[m].block < b)
            lo = m + 1;
        else
            hi = m;
    }
    if (lo == st->nblk || st->blk[lo].block != b) {
        if (st->nblk == st->capblk) {
            uint32_t nc = st->capblk ? st->capblk * 2 : 4;
            sc_blk *p = tn_realloc(st->blk, nc * sizeof(*p));
            if (!p)
                return -1;
            st->blk = p;
            st->capblk = nc;
        }
        memmove(&st->blk[lo + 1], &st->blk[lo], (st->nblk - lo) * sizeof(sc_blk));
        st->blk[lo] = (sc_blk){b, 0};
        st->nblk++;
    }
    st->blk[lo].bits |= 1ULL << (h % 64);
    return 0;
}

static int span_insert(sc_stat *st, uint32_t at, uint64_t a, uint64_t b)
{
    if (st->nspan == st->capspan) {
        uint32_t nc = st->capspan ? st->capspan * 2 : 4;
        sc_span *p = tn_realloc(st->span, nc * sizeof(*p));
        if (!p)
            return -1;
        st->span = p;
        st->capspan = nc;
    }
    memmove(&st->span[at + 1], &st->span[at], (st->nspan - at) * sizeof(sc_span));
    st->span[at] = (sc_span){a, b};
    st->nspan++;
    return 0;
}

/* t + gap, saturated (a corrupt time near the end of FILETIME must not wrap). */
static uint64_t plus(uint64_t t, uint64_t gap) { return t > UINT64_MAX - gap ? UINT64_MAX : t + gap; }

/* Add events from a to b (consecutive ones at most gap apart) to the
 * stretches: it joins every stretch within gap of it. */
static int add_range(sc_stat *st, uint64_t a, uint64_t b, uint64_t gap)
{
    uint32_t n = st->nspan, i = 0, hi = n, j;
    if (n && plus(st->span[n - 1].to, gap) < a)
        i = n; /* in time order: after every stretch */
    while (i < hi) { /* first stretch that reaches a */
        uint32_t m = (i + hi) / 2;
        if (plus(st->span[m].to, gap) < a)
            i = m + 1;
        else
            hi = m;
    }
    for (j = i; j < n && st->span[j].from <= plus(b, gap); j++)
        ;
    if (i == j) /* joins none */
        return span_insert(st, i, a, b);
    sc_span u = {a < st->span[i].from ? a : st->span[i].from, b > st->span[j - 1].to ? b : st->span[j - 1].to};
    st->span[i] = u;
    memmove(&st->span[i + 1], &st->span[j], (n - j) * sizeof(sc_span));
    st->nspan -= j - i - 1;
    return 0;
}

static int stat_add(sc_stat *st, uint64_t t, uint64_t gap)
{
    if (!st->first || t < st->first)
        st->first = t;
    if (t > st->last)
        st->last = t;
    return add_hour(st, t / TN_SCOPE_HOUR) || add_range(st, t, t, gap) ? -1 : 0;
}

/* Add what src saw to dst. */
static int stat_merge(sc_stat *dst, const sc_stat *src, uint64_t gap)
{
    if (src->first && (!dst->first || src->first < dst->first))
        dst->first = src->first;
    if (src->last > dst->last)
        dst->last = src->last;
    for (uint32_t i = 0; i < src->nblk; i++)
        for (uint64_t bits = src->blk[i].bits; bits; bits &= bits - 1)
            if (add_hour(dst, (uint64_t)src->blk[i].block * 64 + (uint64_t)__builtin_ctzll(bits)))
                return -1;
    for (uint32_t i = 0; i < src->nspan; i++)
        if (add_range(dst, src->span[i].from, src->span[i].to, gap))
            return -1;
    return 0;
}

static int add_gap(tn_scope *s, int32_t host, uint32_t ch, uint64_t from, uint64_t to, uint8_t why)
{
    sc_gap *g = SC_PUSH(s, gap);
    if (!g)
        return -1;
    *g = (sc_gap){host, ch, from < to ? from : to, from < to ? to : from, why};
    return 0;
}

static int locked_gap(tn_scope *s, uint32_t log, uint64_t from, uint64_t to, uint8_t why)
{
    pthread_mutex_lock(&s->mu);
    const sc_log *l = &s->lv[log];
    int rc = add_gap(s, l->host, l->channel, from, to, why);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static int is_clear(const tn_event *ev)
{
    return (ev->event_id == 1102 && !strcasecmp(ev->channel, "Security")) ||
           (ev->event_id == 104 && !strcasecmp(ev->channel, "System"));
}

int sc_log_event(tn_scope *s, sc_worker *w, const tn_event *ev, int32_t host, int32_t log)
{
    (void)host;
    if ((size_t)log >= w->nwl) {
        size_t n = w->nwl;
        while ((size_t)log >= w->capwl)
            if (sc_grow((void **)&w->wl, &w->capwl, w->capwl, sizeof(*w->wl)))
                return -1;
        memset(&w->wl[n], 0, (w->capwl - n) * sizeof(*w->wl));
        w->nwl = w->capwl;
    }
    sc_wlog *l = &w->wl[log];
    uint64_t t = ev->time;
    int clear = is_clear(ev), rc = 0;
    if (l->seg_gen != w->seg_gen) { /* first record of this log in the segment */
        uint32_t *p = SC_PUSH(w, touched);
        if (!p)
            return -1;
        *p = (uint32_t)log;
        l->seg_gen = w->seg_gen;
        l->seg = (sc_seg){w->seg_chunk, (uint32_t)log, (uint8_t)clear, ev->record_id, t, ev->record_id, t};
    } else {
        sc_seg *g = &l->seg;
        if (clear)
            rc = locked_gap(s, (uint32_t)log, g->last_time ? g->last_time : t, t, 0);
        else if (g->last_rid && ev->record_id != g->last_rid + 1)
            rc = locked_gap(s, (uint32_t)log, g->last_time, t, 2);
        g->last_rid = ev->record_id;
        if (t)
            g->last_time = t;
    }
    return rc ? rc : t ? stat_add(&l->st, t, s->silence) : 0;
}

/* Locked: check a segment's first record against the log's previous one
 * in the same file, then remember its last. */
static int fold(tn_scope *s, const sc_seg *g)
{
    sc_log *l = &s->lv[g->log];
    if (l->fold_file != s->cur_file + 1) { /* record ids and order are per file */
        l->fold_file = s->cur_file + 1;
        l->fold_rid = l->fold_time = 0;
    }
    int rc = 0;
    if (g->head_clear)
        rc = add_gap(s, l->host, l->channel, l->fold_time ? l->fold_time : g->head_time, g->head_time, 0);
    else if (l->fold_rid && g->head_rid != l->fold_rid + 1)
        rc = add_gap(s, l->host, l->channel, l->fold_time, g->head_time, 2);
    l->fold_rid = g->last_rid;
    if (g->last_time)
        l->fold_time = g->last_time;
    return rc;
}

/* Locked: fold the waiting segments of chunk s->fold_next while there are. */
static int fold_ready(tn_scope *s)
{
    for (int found = 1; found;) {
        found = 0;
        for (size_t i = 0; i < s->npend; i++) {
            if (s->pend[i].chunk != s->fold_next)
                continue;
            if (fold(s, &s->pend[i]))
                return -1;
            s->pend[i--] = s->pend[--s->npend];
            found = 1;
        }
        if (found)
            s->fold_next++;
    }
    return 0;
}

int sc_seg_close(tn_scope *s, sc_worker *w)
{
    int rc = 0;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; !rc && i < w->ntouched; i++) {
        sc_seg *p = SC_PUSH(s, pend);
        if (!p)
            rc = -1;
        else
            *p = w->wl[w->touched[i]].seg;
    }
    if (!rc)
        rc = fold_ready(s);
    pthread_mutex_unlock(&s->mu);
    w->ntouched = 0;
    w->seg_open = 0;
    w->seg_gen++;
    return rc;
}

static int seg_order(const void *a, const void *b)
{
    const sc_seg *x = a, *y = b;
    if (x->chunk != y->chunk)
        return x->chunk < y->chunk ? -1 : 1;
    return x->log < y->log ? -1 : x->log > y->log;
}

int sc_fold_file(tn_scope *s)
{
    /* what is left waits behind a chunk without events: fold it in order */
    if (s->npend)
        qsort(s->pend, s->npend, sizeof(*s->pend), seg_order);
    for (size_t i = 0; i < s->npend; i++)
        if (fold(s, &s->pend[i]))
            return -1;
    s->npend = 0;
    s->fold_next = 0;
    return 0;
}

/* Steady: events in at least 48 distinct clock hours and in at least 75%
 * of the hours from its first to its last event. */
static int steady(const sc_stat *st)
{
    uint64_t hours = 0;
    for (uint32_t i = 0; i < st->nblk; i++)
        hours += (uint64_t)__builtin_popcountll(st->blk[i].bits);
    if (hours < 48)
        return 0;
    uint64_t span = st->last / TN_SCOPE_HOUR - st->first / TN_SCOPE_HOUR + 1;
    return hours * 4 >= span * 3;
}

static int gap_order(const void *a, const void *b)
{
    const sc_gap *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    if (x->host != y->host)
        return x->host < y->host ? -1 : 1;
    if (x->channel != y->channel)
        return x->channel < y->channel ? -1 : 1;
    if (x->reason != y->reason)
        return x->reason < y->reason ? -1 : 1;
    return x->to < y->to ? -1 : x->to > y->to;
}

int sc_gaps(tn_scope *s)
{
    for (size_t i = 0; i < s->nlv; i++) {
        sc_log *l = &s->lv[i];
        for (int k = 0; k < s->nwk; k++) {
            sc_worker *w = &s->wk[k];
            if (i < w->nwl && stat_merge(&l->st, &w->wl[i].st, s->silence))
                return -1;
            if (i < w->nwl)
                sc_stat_free(&w->wl[i].st);
        }
        if (!steady(&l->st))
            continue;
        for (uint32_t k = 1; k < l->st.nspan; k++)
            if (add_gap(s, l->host, l->channel, l->st.span[k - 1].to, l->st.span[k].from, 1))
                return -1;
    }
    if (s->ngap)
        qsort(s->gap, s->ngap, sizeof(*s->gap), gap_order);
    return 0;
}

/* Why a log of host on channel cannot assure the window; NULL if it can. */
static const char *log_fails(const tn_scope *s, int32_t host, const char *channel)
{
    long ch = tn_map_get(&s->strs, channel, strlen(channel));
    char k[8];
    memcpy(k, &host, 4);
    memcpy(k + 4, &(int32_t){(int32_t)ch}, 4);
    long id = ch < 0 ? -1 : tn_map_get(&s->logs, k, 8);
    if (id < 0)
        return "no events";
    const sc_log *l = &s->lv[id];
    if (l->st.first >= s->win_from)
        return "starts after the breach window opens";
    if (l->st.last <= s->win_to)
        return "ends before the breach window closes";
    for (size_t i = 0; i < s->ngap; i++) {
        const sc_gap *g = &s->gap[i];
        if (g->host == host && g->channel == (uint32_t)ch && g->from <= s->win_to && g->to >= s->win_from)
            return g->reason == 0 ? "was cleared during the breach window"
                   : g->reason == 1 ? "is silent during the breach window"
                                    : "loses records (record ids) during the breach window";
    }
    return NULL;
}

static void verdict(const tn_scope *s, sc_jewel *j)
{
    const sc_host *h = &s->hv[j->host];
    char t[32];
    if (h->time) {
        tn_filetime_format(h->time, t);
        j->verdict = 0;
        snprintf(j->reason, sizeof(j->reason), "compromised at %s (%s)", t, sc_how_name(h->how));
        return;
    }
    for (size_t i = 0; i < s->nobj; i++) {
        const sc_obj *o = &s->obj[i];
        if (o->host == j->host) {
            tn_filetime_format(o->time, t);
            j->verdict = 0;
            snprintf(j->reason, sizeof(j->reason), "holds %s\\%s, touched at %s",
                     sc_str(s, s->obj[i].share), sc_str(s, s->obj[i].path), t);
            return;
        }
    }
    j->verdict = 2;
    if (!s->win_from) {
        snprintf(j->reason, sizeof(j->reason), "no breach window (no seed)");
        return;
    }
    const char *why = log_fails(s, j->host, "Security");
    const char *ch = "Security";
    if (!why)
        why = log_fails(s, j->host, sysmon), ch = "Sysmon";
    if (why) {
        snprintf(j->reason, sizeof(j->reason), "not compromised, no object touched, but its %s log %s",
                 ch, why);
        return;
    }
    j->verdict = 1;
    snprintf(j->reason, sizeof(j->reason),
             "not compromised, no object touched; Security and Sysmon logs cover the breach "
             "window without gaps");
}

int sc_verdicts(tn_scope *s)
{
    for (size_t i = 0; i < s->nhv; i++) {
        if (!s->hv[i].crown)
            continue;
        sc_jewel *j = SC_PUSH(s, jw);
        if (!j)
            return -1;
        memset(j, 0, sizeof(*j));
        j->host = (int32_t)i;
        verdict(s, j);
    }
    return 0;
}
