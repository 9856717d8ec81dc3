/* spread.c - time-respecting spread of compromise over hosts and accounts, edges and objects touched.
 *
 * Algorithm. Every condition of the rules reads "compromised at or before
 * t", and every compromise an event proves happens at that event's time t.
 * So an event can only be enabled by compromises at times <= its own: with
 * the records merged back in time order (runs.c), the state before time t
 * is final when t is reached, and each record is decided once, online.
 * Within one microsecond, records may enable each other in any order (a
 * logon at t compromises a host that makes a 4648 at the same t count), so
 * each group of equal times is held and iterated until nothing changes
 * (each round that changes something sets one more compromise). Its edges
 * and objects are then final and go to the output.
 *
 * Sessions. A 4624 opens a session keyed by (host, TargetLogonId), holding
 * its source and account; 4634/4647 with that id ends it and a 4608 ends
 * all of the host's. A dump at t sees the interactive sessions opened at
 * or before t and not ended before t (records of one time are ordered
 * logons, dumps, then logoffs and boots), and a 4663 takes the source of
 * the session its SubjectLogonId names. A logon whose id is already open
 * replaces it for lookups; an interactive session so replaced stays open
 * for dumps until a boot. Memory: the open sessions. */
#include "scope/scope_int.h"

#include "base/alloc.h"

#include <stdlib.h>
#include <string.h>

/* ---- sessions ---- */

typedef struct sess {
    uint64_t id;
    int32_t host, src, account;
    int32_t prev, next;  /* the host's sessions; next is the free list when unused */
    uint8_t interactive;
    uint8_t keyed;       /* in the table (0: replaced, open until a boot) */
} sess;

typedef struct sessions {
    sess *e;
    size_t ne, cape;
    int32_t free;        /* first unused entry, -1 */
    int32_t *slot;       /* open addressing, linear probing: entry, -1 empty */
    size_t nslot, used;
    int32_t *head;       /* per host: first session, -1 */
} sessions;

static size_t slot_of(const sessions *z, int32_t host, uint64_t id)
{
    uint64_t h = (id ^ ((uint64_t)(uint32_t)host << 32 | (uint32_t)host)) * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 17) & (z->nslot - 1);
}

/* The slot holding (host, id), or the empty slot where it would go. */
static size_t find(const sessions *z, int32_t host, uint64_t id)
{
    size_t i = slot_of(z, host, id);
    while (z->slot[i] >= 0 && (z->e[z->slot[i]].host != host || z->e[z->slot[i]].id != id))
        i = (i + 1) & (z->nslot - 1);
    return i;
}

static int rehash(sessions *z, size_t nslot)
{
    int32_t *old = z->slot;
    size_t on = z->nslot;
    z->slot = tn_malloc(nslot * sizeof(*z->slot));
    if (!z->slot) {
        z->slot = old;
        return -1;
    }
    memset(z->slot, 0xff, nslot * sizeof(*z->slot));
    z->nslot = nslot;
    for (size_t i = 0; i < on; i++)
        if (old[i] >= 0)
            z->slot[find(z, z->e[old[i]].host, z->e[old[i]].id)] = old[i];
    tn_free(old);
    return 0;
}

/* Remove the entry at slot i, shifting back the ones its probe passed. */
static void unslot(sessions *z, size_t i)
{
    size_t j = i;
    z->slot[i] = -1;
    z->used--;
    for (;;) {
        j = (j + 1) & (z->nslot - 1);
        if (z->slot[j] < 0)
            return;
        const sess *x = &z->e[z->slot[j]];
        size_t k = slot_of(z, x->host, x->id);
        /* move j back to i unless its home k lies cyclically in (i, j] */
        if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
            continue;
        z->slot[i] = z->slot[j];
        z->slot[j] = -1;
        i = j;
    }
}

/* Drop entry x: out of its host's list, onto the free list. */
static void release(sessions *z, int32_t x)
{
    sess *e = &z->e[x];
    if (e->prev >= 0)
        z->e[e->prev].next = e->next;
    else
        z->head[e->host] = e->next;
    if (e->next >= 0)
        z->e[e->next].prev = e->prev;
    e->next = z->free;
    z->free = x;
}

static int open_session(sessions *z, const sc_rec *r, int32_t src, int interactive)
{
    if ((z->used + 1) * 2 > z->nslot && rehash(z, z->nslot ? z->nslot * 2 : 1024))
        return -1;
    size_t i = find(z, r->host, r->logon_id);
    if (z->slot[i] >= 0) {
        int32_t old = z->slot[i];
        unslot(z, i);
        if (z->e[old].interactive)
            z->e[old].keyed = 0; /* replaced: still open for dumps */
        else
            release(z, old);
        i = find(z, r->host, r->logon_id);
    }
    int32_t x = z->free;
    if (x >= 0) {
        z->free = z->e[x].next;
    } else {
        if (sc_grow((void **)&z->e, &z->cape, z->ne, sizeof(*z->e)))
            return -1;
        x = (int32_t)z->ne++;
    }
    int32_t h = z->head[r->host];
    z->e[x] = (sess){r->logon_id, r->host, src, r->account, -1, h, (uint8_t)interactive, 1};
    if (h >= 0)
        z->e[h].prev = x;
    z->head[r->host] = x;
    z->slot[i] = x;
    z->used++;
    return 0;
}

static void end_session(sessions *z, int32_t host, uint64_t id)
{
    if (!z->nslot)
        return;
    size_t i = find(z, host, id);
    int32_t x = z->slot[i];
    if (x < 0)
        return;
    unslot(z, i);
    release(z, x);
}

static void boot(sessions *z, int32_t host)
{
    while (z->head[host] >= 0) {
        int32_t x = z->head[host];
        if (z->e[x].keyed)
            unslot(z, find(z, host, z->e[x].id));
        release(z, x);
    }
}

static const sess *session(const sessions *z, int32_t host, uint64_t id)
{
    if (!z->nslot)
        return NULL;
    int32_t x = z->slot[find(z, host, id)];
    return x < 0 ? NULL : &z->e[x];
}

/* ---- one group of equal times ---- */

typedef struct grec {
    sc_rec r;
    int32_t src;         /* resolved source host, -1 unknown */
    uint32_t aux, naux;  /* SC_DUMP: accounts in g->acc[aux..aux+naux) */
    uint32_t path;       /* offset in g->bytes */
} grec;

typedef struct group {
    SC_VEC(grec, v);
    SC_VEC(char, bytes);
    SC_VEC(int32_t, acc);
    int32_t lo4, lo6;    /* string ids of the loopback addresses, -1 */
} group;

static int interactive(uint8_t t) { return t == 2 || t == 9 || t == 10 || t == 11; }

/* Source host of an address or workstation name; -1 unknown. */
static int32_t resolve(const tn_scope *s, const group *g, int32_t ip, int32_t ws, int32_t host)
{
    if (ip < 0)
        return ws <= -2 ? s->iphost[-2 - ws] - 1 : ws;
    if (ip == g->lo4 || ip == g->lo6)
        return host;
    return s->iphost[ip] - 1;
}

/* Sessions, in record order: sources, and the accounts in LSASS at dumps. */
static int sessions_pass(tn_scope *s, sessions *z, group *g)
{
    for (size_t i = 0; i < g->nv; i++) {
        grec *x = &g->v[i];
        const sc_rec *r = &x->r;
        const sess *e;
        switch (r->kind) {
        case SC_LOGON:
            x->src = resolve(s, g, r->ip, r->aux, r->host);
            if (open_session(z, r, x->src, interactive(r->ltype)))
                return -1;
            break;
        case SC_DUMP:
            x->aux = (uint32_t)g->nacc;
            for (int32_t k = z->head[r->host]; k >= 0; k = z->e[k].next) {
                int32_t *p = z->e[k].interactive && z->e[k].account >= 0 ? SC_PUSH(g, acc) : NULL;
                if (z->e[k].interactive && z->e[k].account >= 0 && !p)
                    return -1;
                if (p)
                    *p = z->e[k].account;
            }
            x->naux = (uint32_t)g->nacc - x->aux;
            break;
        case SC_OBJ5145:
            x->src = resolve(s, g, r->ip, -1, r->host);
            break;
        case SC_OBJ4663:
            x->src = (e = session(z, r->host, r->logon_id)) ? e->src : -1;
            break;
        case SC_LOGOFF:
            end_session(z, r->host, r->logon_id);
            break;
        case SC_BOOT:
            boot(z, r->host);
            break;
        }
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

static sc_proof proof(const grec *x)
{
    return (sc_proof){x->r.record_id, x->r.file, x->r.host, x->src, x->r.account, x->r.ltype};
}

static int set_acct(tn_scope *s, int32_t a, const grec *x, uint8_t how)
{
    if (a < 0 || ab(s, a, x->r.time))
        return 0;
    sc_acct *c = &s->av[a];
    c->time = x->r.time;
    c->proof = proof(x);
    c->how = how;
    return 1;
}

/* 1 when a 4624 spreads (or uses) the compromise: an edge. */
static int is_edge(const tn_scope *s, const grec *x)
{
    const sc_rec *r = &x->r;
    return r->kind == SC_LOGON && (r->ltype == 3 || r->ltype == 10) && x->src >= 0 &&
           x->src != r->host && by(s, x->src, r->time) && ab(s, r->account, r->time);
}

/* Apply one record's rules; 1 if it compromised something new. */
static int apply(tn_scope *s, const group *g, const grec *x)
{
    const sc_rec *r = &x->r;
    int changed = 0;
    switch (r->kind) {
    case SC_LOGON:
        if (is_edge(s, x) && !by(s, r->host, r->time)) {
            sc_host *h = &s->hv[r->host];
            h->time = r->time;
            h->proof = proof(x);
            h->how = HOW_LATERAL;
            changed = 1;
        }
        if (interactive(r->ltype) && by(s, r->host, r->time))
            changed |= set_acct(s, r->account, x, HOW_EXPOSED);
        break;
    case SC_EXPLICIT:
        if (by(s, r->host, r->time))
            changed = set_acct(s, r->account, x, HOW_EXPLICIT);
        break;
    case SC_DUMP:
        if (by(s, r->host, r->time))
            for (uint32_t k = 0; k < x->naux; k++)
                changed |= set_acct(s, g->acc[x->aux + k], x, HOW_DUMPED);
        break;
    }
    return changed;
}

/* The group's edges and objects, read off the final times. */
static int results(tn_scope *s, group *g)
{
    for (size_t i = 0; i < g->nv; i++) {
        const grec *x = &g->v[i];
        const sc_rec *r = &x->r;
        int hit = 0;
        if (is_edge(s, x)) {
            sc_edge *e = SC_PUSH(s, edge);
            if (!e)
                return -1;
            *e = (sc_edge){r->time, r->record_id, r->file, x->src, r->host, r->account, r->ltype};
            hit = 1;
        } else if ((r->kind == SC_OBJ5145 || r->kind == SC_OBJ4663) && ab(s, r->account, r->time) &&
                   by(s, x->src, r->time)) {
            const char *path = g->bytes + x->path;
            int32_t share = r->kind == SC_OBJ5145 ? r->aux : sc_share_of(s, r->host, path, r->plen);
            int32_t pid = r->plen ? sc_str_id(s, path, r->plen) : -1;
            sc_obj *o = SC_PUSH(s, obj);
            if (!o || (r->plen && pid < 0))
                return -1;
            *o = (sc_obj){r->time, r->record_id, r->file, r->host, r->account, share, pid, r->event_id};
            hit = 1;
        }
        if (hit && s->win_from && r->time > s->win_to)
            s->win_to = r->time;
    }
    return 0;
}

static int run_group(tn_scope *s, sessions *z, group *g)
{
    if (sessions_pass(s, z, g))
        return -1;
    int changed;
    do {
        changed = 0;
        for (size_t i = 0; i < g->nv; i++)
            changed |= apply(s, g, &g->v[i]);
    } while (changed);
    int rc = results(s, g);
    g->nv = g->nbytes = g->nacc = 0;
    return rc;
}

static int group_add(group *g, const sc_rec *r, const char *path)
{
    grec *x = SC_PUSH(g, v);
    if (!x || sc_grow((void **)&g->bytes, &g->capbytes, g->nbytes + r->plen, 1))
        return -1;
    *x = (grec){*r, -1, 0, 0, (uint32_t)g->nbytes};
    memcpy(g->bytes + g->nbytes, path, r->plen);
    g->nbytes += r->plen;
    g->bytes[g->nbytes] = 0; /* paths are read as strings too */
    g->nbytes++;
    return 0;
}

int sc_spread(tn_scope *s)
{
    sessions z = {.free = -1};
    group g = {.lo4 = (int32_t)tn_map_get(&s->strs, "I:127.0.0.1", 11),
               .lo6 = (int32_t)tn_map_get(&s->strs, "I:::1", 5)};
    z.head = tn_malloc((s->nhv ? s->nhv : 1) * sizeof(*z.head));
    sc_merge *m = z.head ? sc_merge_open(s->runs, s->nruns) : NULL;
    int rc = m ? 0 : -1, k = 0;
    if (z.head)
        memset(z.head, 0xff, (s->nhv ? s->nhv : 1) * sizeof(*z.head));
    s->win_to = s->win_from;
    const sc_rec *r;
    const char *path;
    while (!rc && (k = sc_merge_next(m, &r, &path)) == 1) {
        if (g.nv && r->time != g.v[0].r.time)
            rc = run_group(s, &z, &g);
        if (!rc)
            rc = group_add(&g, r, path);
    }
    if (!rc && k < 0)
        rc = -1;
    if (!rc && g.nv)
        rc = run_group(s, &z, &g);
    if (m) {
        s->nruns_merged = s->nruns;
    s->sessions_peak = z.ne;
    sc_merge_close(m);
        tn_free(s->runs); /* the merge closed and freed each run */
        s->runs = NULL;
        s->nruns = s->capruns = 0;
    }
    tn_free(z.e), tn_free(z.slot), tn_free(z.head);
    tn_free(g.v), tn_free(g.bytes), tn_free(g.acc);
    return rc;
}
