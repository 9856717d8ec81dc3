/* spread.c - time-respecting spread of compromise over hosts and accounts, edges and objects touched.
 *
 * Algorithm. Every condition of the rules reads "compromised at or before
 * t", and every compromise an event proves happens at that event's time t.
 * So an event can only be enabled by compromises at times <= its own:
 * processing the records sorted by time, the state before time t is final
 * when t is reached. Within one microsecond, records may enable each other
 * in any order (a logon at t compromises a host that makes a 4648 at the
 * same t count), so each group of equal times is iterated until nothing
 * changes (at most a few rounds: each round that changes something sets
 * at least one more compromise). Cost: one sort, then linear.
 *
 * Sessions are resolved before the spread, in the same order: a 4624 of
 * type 2/9/10/11 opens a session keyed by (host, TargetLogonId); 4634/4647
 * with that id or a 4608 on the host end it. A dump at t sees the sessions
 * opened at or before t and not ended before t (records of one time are
 * ordered logons, dumps, then logoffs and boots). */
#include "scope/scope_int.h"

#include "base/alloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

_Static_assert(sizeof(sc_rec) == 64, "a scope record stays at 64 bytes");

static int rec_order(const void *a, const void *b)
{
    const sc_rec *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return x->record_id < y->record_id ? -1 : x->record_id > y->record_id;
}

/* Source host of an address or workstation name; -1 unknown. */
static int32_t resolve(const tn_scope *s, int32_t ip, int32_t ws, int32_t host)
{
    if (ip < 0)
        return ws;
    const char *v = sc_str(s, ip);
    if (!strcmp(v, "I:127.0.0.1") || !strcmp(v, "I:::1"))
        return host;
    return s->iphost[ip] - 1;
}

static int interactive(uint8_t t) { return t == 2 || t == 9 || t == 10 || t == 11; }

typedef struct sess {
    tn_map ids;            /* (host, logon id) -> slot */
    int32_t *latest;       /* slot -> latest logon record */
    size_t caplatest;
    int32_t **open;        /* per host: interactive sessions maybe open */
    uint32_t *nopen, *capopen;
} sess;

static long session_slot(sess *z, int32_t host, uint64_t id, int add)
{
    char k[12];
    memcpy(k, &host, 4);
    memcpy(k + 4, &id, 8);
    int added;
    return add ? tn_map_put(&z->ids, k, 12, &added) : tn_map_get(&z->ids, k, 12);
}

/* Drop ended sessions from a host's open list. */
static void compact(const tn_scope *s, sess *z, int32_t h)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < z->nopen[h]; i++)
        if (!s->rec[z->open[h][i]].end)
            z->open[h][n++] = z->open[h][i];
    z->nopen[h] = n;
}

static int open_session(const tn_scope *s, sess *z, int32_t h, int32_t r)
{
    if (z->nopen[h] == z->capopen[h])
        compact(s, z, h);
    if (z->nopen[h] == z->capopen[h]) {
        uint32_t nc = z->capopen[h] ? z->capopen[h] * 2 : 8;
        int32_t *p = tn_realloc(z->open[h], nc * sizeof(*p));
        if (!p)
            return -1;
        z->open[h] = p;
        z->capopen[h] = nc;
    }
    z->open[h][z->nopen[h]++] = r;
    return 0;
}

static int on_logon(tn_scope *s, sess *z, int32_t i)
{
    sc_rec *r = &s->rec[i];
    long slot = session_slot(z, r->host, r->logon_id, 1);
    if (slot < 0 || sc_grow((void **)&z->latest, &z->caplatest, (size_t)slot, sizeof(int32_t)))
        return -1;
    z->latest[slot] = i;
    return interactive(r->ltype) ? open_session(s, z, r->host, i) : 0;
}

static int on_dump(tn_scope *s, sess *z, sc_rec *r)
{
    compact(s, z, r->host);
    r->aux = (uint32_t)s->ndumpacc;
    for (uint32_t k = 0; k < z->nopen[r->host]; k++) {
        int32_t a = s->rec[z->open[r->host][k]].account;
        int32_t *p = a < 0 ? NULL : SC_PUSH(s, dumpacc);
        if (a >= 0 && !p)
            return -1;
        if (p)
            *p = a;
    }
    r->naux = (uint32_t)s->ndumpacc - r->aux;
    return 0;
}

/* One pass in time order: session ends, accounts in LSASS at each dump,
 * and the source of each 4663 (the logon of its SubjectLogonId). */
static int sessions(tn_scope *s, sess *z)
{
    for (size_t i = 0; i < s->nrec; i++) {
        sc_rec *r = &s->rec[i];
        long slot;
        if (r->kind == SC_LOGON && on_logon(s, z, (int32_t)i))
            return -1;
        if (r->kind == SC_DUMP && on_dump(s, z, r))
            return -1;
        if (r->kind == SC_LOGOFF && (slot = session_slot(z, r->host, r->logon_id, 0)) >= 0) {
            sc_rec *o = &s->rec[z->latest[slot]];
            if (interactive(o->ltype) && !o->end)
                o->end = r->time;
        }
        if (r->kind == SC_BOOT) {
            for (uint32_t k = 0; k < z->nopen[r->host]; k++)
                if (!s->rec[z->open[r->host][k]].end)
                    s->rec[z->open[r->host][k]].end = r->time;
            z->nopen[r->host] = 0;
        }
        if (r->kind == SC_OBJ4663 && (slot = session_slot(z, r->host, r->logon_id, 0)) >= 0)
            r->src = s->rec[z->latest[slot]].src;
    }
    return 0;
}

static int by(const tn_scope *s, int32_t host, uint64_t t)
{
    return host >= 0 && s->hv[host].time && s->hv[host].time <= t;
}

static int ab(const tn_scope *s, int32_t acct, uint64_t t)
{
    return acct >= 0 && s->av[acct].time && s->av[acct].time <= t;
}

static int set_acct(tn_scope *s, int32_t a, const sc_rec *r, int32_t i, uint8_t how)
{
    if (a < 0 || ab(s, a, r->time))
        return 0;
    s->av[a] = (sc_acct){r->time, i, r->host, how};
    return 1;
}

/* 1 when a 4624 spreads (or uses) the compromise: an edge. */
static int is_edge(const tn_scope *s, const sc_rec *r)
{
    return r->kind == SC_LOGON && (r->ltype == 3 || r->ltype == 10) && r->src >= 0 &&
           r->src != r->host && by(s, r->src, r->time) && ab(s, r->account, r->time);
}

/* Apply one record's rules; 1 if it compromised something new. */
static int apply(tn_scope *s, int32_t i)
{
    const sc_rec *r = &s->rec[i];
    int changed = 0;
    switch (r->kind) {
    case SC_LOGON:
        if (is_edge(s, r) && !by(s, r->host, r->time)) {
            s->hv[r->host] = (sc_host){r->time, i, HOW_LATERAL, s->hv[r->host].crown};
            changed = 1;
        }
        if (interactive(r->ltype) && by(s, r->host, r->time))
            changed |= set_acct(s, r->account, r, i, HOW_EXPOSED);
        break;
    case SC_EXPLICIT:
        if (by(s, r->host, r->time))
            changed = set_acct(s, r->account, r, i, HOW_EXPLICIT);
        break;
    case SC_DUMP:
        if (by(s, r->host, r->time))
            for (uint32_t k = 0; k < r->naux; k++)
                changed |= set_acct(s, s->dumpacc[r->aux + k], r, i, HOW_DUMPED);
        break;
    }
    return changed;
}

/* Share of a 4663 ObjectName: the longest ShareLocalPath of its host that
 * is a prefix (at a "\" boundary), without regard to case. */
static int32_t share_of(const tn_scope *s, int32_t host, const char *obj)
{
    size_t best = 0, ol = strlen(obj);
    int32_t share = -1;
    for (size_t i = 0; i < s->nsp; i++) {
        const sc_sharepath *p = &s->sp[i];
        if (p->host == host && p->len > best && p->len <= ol && !strncasecmp(obj, p->local, p->len) &&
            (obj[p->len] == '\\' || !obj[p->len]))
            best = p->len, share = p->share;
    }
    return share;
}

static int touched(tn_scope *s, int32_t i)
{
    const sc_rec *r = &s->rec[i];
    if ((r->kind != SC_OBJ5145 && r->kind != SC_OBJ4663) || !ab(s, r->account, r->time) ||
        !by(s, r->src, r->time))
        return 0;
    sc_obj *o = SC_PUSH(s, obj);
    if (!o)
        return -1;
    int32_t share = r->kind == SC_OBJ5145 ? r->share : share_of(s, r->host, sc_str(s, r->path));
    *o = (sc_obj){i, share, r->path};
    return 0;
}

static int results(tn_scope *s)
{
    s->win_to = s->win_from;
    for (size_t i = 0; i < s->nrec; i++) {
        const sc_rec *r = &s->rec[i];
        int32_t *e = is_edge(s, r) ? SC_PUSH(s, edge) : NULL;
        if (is_edge(s, r) && !e)
            return -1;
        if (e)
            *e = (int32_t)i;
        size_t before = s->nobj;
        if (touched(s, (int32_t)i))
            return -1;
        if ((e || s->nobj > before) && s->win_from && r->time > s->win_to)
            s->win_to = r->time;
    }
    return 0;
}

static void sess_free(sess *z, size_t nhosts)
{
    tn_map_free(&z->ids);
    tn_free(z->latest);
    for (size_t h = 0; z->open && h < nhosts; h++)
        tn_free(z->open[h]);
    tn_free(z->open), tn_free(z->nopen), tn_free(z->capopen);
}

int sc_spread(tn_scope *s)
{
    for (size_t i = 0; i < s->nrec; i++) {
        sc_rec *r = &s->rec[i];
        if (r->kind == SC_LOGON || r->kind == SC_OBJ5145)
            r->src = resolve(s, r->ip, r->kind == SC_LOGON ? r->ws : -1, r->host);
    }
    if (s->nrec)
        qsort(s->rec, s->nrec, sizeof(*s->rec), rec_order);
    sess z = {0};
    size_t nh = s->nhv ? s->nhv : 1;
    tn_map_init(&z.ids);
    z.open = tn_calloc(nh, sizeof(*z.open));
    z.nopen = tn_calloc(nh, sizeof(*z.nopen));
    z.capopen = tn_calloc(nh, sizeof(*z.capopen));
    int rc = !z.open || !z.nopen || !z.capopen ? -1 : sessions(s, &z);
    sess_free(&z, s->nhv);
    if (rc)
        return -1;
    for (size_t a = 0; a < s->nrec;) {
        size_t b = a;
        while (b < s->nrec && s->rec[b].time == s->rec[a].time)
            b++;
        int changed;
        do {
            changed = 0;
            for (size_t i = a; i < b; i++)
                changed |= apply(s, (int32_t)i);
        } while (changed);
        a = b;
    }
    return results(s);
}
