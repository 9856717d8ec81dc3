/* gaps.c - per-log statistics, the gaps they reveal (cleared, silence, record ids) and crown-jewel verdicts. */
#include "scope/scope_int.h"

#include "base/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char sysmon[] = "Microsoft-Windows-Sysmon/Operational";

static int32_t log_of(tn_scope *s, const tn_event *ev, int32_t host)
{
    if (s->last_log >= 0 && s->lv[s->last_log].host == host &&
        !strcmp(sc_str(s, (int32_t)s->lv[s->last_log].channel), ev->channel))
        return s->last_log;
    int32_t ch = sc_str_id(s, ev->channel, strlen(ev->channel));
    if (ch < 0)
        return -1;
    char k[16];
    memcpy(k, &host, 4);
    memcpy(k + 4, &ch, 4);
    int added;
    long id = tn_map_put(&s->logs, k, 8, &added);
    sc_log *l = id < 0 ? NULL : added ? SC_PUSH(s, lv) : &s->lv[id];
    if (!l)
        return -1;
    if (added)
        *l = (sc_log){.host = host, .channel = (uint32_t)ch};
    return s->last_log = (int32_t)id;
}

/* Count time t in its clock hour; hours stay sorted (appends are the
 * common case: logs are mostly in time order). */
static int add_hour(sc_log *l, uint64_t t)
{
    uint32_t h = (uint32_t)(t / TN_SCOPE_HOUR);
    size_t lo = 0, hi = l->nhours;
    if (hi && l->hours[hi - 1].hour <= h)
        lo = hi - 1;
    while (lo < hi) {
        size_t m = (lo + hi) / 2;
        if (l->hours[m].hour < h)
            lo = m + 1;
        else
            hi = m;
    }
    if (lo < l->nhours && l->hours[lo].hour == h) {
        sc_hour *x = &l->hours[lo];
        if (t < x->min)
            x->min = t;
        if (t > x->max)
            x->max = t;
        return 0;
    }
    if (l->nhours == l->caphours) {
        uint32_t nc = l->caphours ? l->caphours * 2 : 16;
        sc_hour *p = tn_realloc(l->hours, nc * sizeof(*p));
        if (!p)
            return -1;
        l->hours = p;
        l->caphours = nc;
    }
    memmove(&l->hours[lo + 1], &l->hours[lo], (l->nhours - lo) * sizeof(sc_hour));
    l->hours[lo] = (sc_hour){h, t, t};
    l->nhours++;
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

int sc_log_event(tn_scope *s, const tn_event *ev, int32_t host)
{
    int32_t id = log_of(s, ev, host);
    if (id < 0)
        return -1;
    sc_log *l = &s->lv[id];
    uint64_t t = ev->time;
    int clear = (ev->event_id == 1102 && !strcasecmp(ev->channel, "Security")) ||
                (ev->event_id == 104 && !strcasecmp(ev->channel, "System"));
    int rc = 0;
    if (l->prev_file != s->last_file_id) /* record ids and order are per file */
        l->prev_rid = l->prev_time = 0;
    l->prev_file = s->last_file_id;
    if (clear)
        rc = add_gap(s, host, l->channel, l->prev_time ? l->prev_time : t, t, 0);
    else if (l->prev_rid && ev->record_id != l->prev_rid + 1)
        rc = add_gap(s, host, l->channel, l->prev_time, t, 2);
    l = &s->lv[id];
    l->prev_rid = ev->record_id;
    if (!t)
        return rc;
    l->prev_time = t;
    if (!l->first || t < l->first)
        l->first = t;
    if (t > l->last)
        l->last = t;
    return rc ? rc : add_hour(l, t);
}

/* Steady: events in at least 48 distinct clock hours and in at least 75%
 * of the hours from its first to its last event. */
static int steady(const sc_log *l)
{
    if (l->nhours < 48)
        return 0;
    uint64_t span = l->last / TN_SCOPE_HOUR - l->first / TN_SCOPE_HOUR + 1;
    return (uint64_t)l->nhours * 4 >= span * 3;
}

static int gap_order(const void *a, const void *b)
{
    const sc_gap *x = a, *y = b;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    if (x->host != y->host)
        return x->host < y->host ? -1 : 1;
    return x->reason < y->reason ? -1 : x->reason > y->reason;
}

int sc_gaps(tn_scope *s)
{
    for (size_t i = 0; i < s->nlv; i++) {
        const sc_log *l = &s->lv[i];
        if (!steady(l))
            continue;
        for (uint32_t k = 1; k < l->nhours; k++)
            if (l->hours[k].min - l->hours[k - 1].max > s->silence &&
                add_gap(s, l->host, l->channel, l->hours[k - 1].max, l->hours[k].min, 1))
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
    if (l->first >= s->win_from)
        return "starts after the breach window opens";
    if (l->last <= s->win_to)
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
        const sc_rec *r = &s->rec[s->obj[i].rec];
        if (r->host == j->host) {
            tn_filetime_format(r->time, t);
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
