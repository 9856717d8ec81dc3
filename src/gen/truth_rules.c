/* truth_rules.c - the scope rules of issue 6, applied to records in time order.
 *
 * A host is compromised from the first network (3) or RDP (10) logon
 * whose source host and account were both compromised at or before it;
 * every such logon is an edge. An account is compromised from the first
 * of: an interactive logon (2, 9, 10, 11) to a compromised host
 * (exposed), explicit credentials (4648) used on a compromised host, or
 * an LSASS dump on a compromised host while it had an interactive session
 * there (dumped). Sessions are keyed by host and logon id; they end at
 * 4634/4647 and every session of a host ends when it boots (4608). */
#include "gen/truth_int.h"

#include "base/alloc.h"

#include <string.h>

static int interactive(uint8_t type)
{
    return type == 2 || type == 9 || type == 10 || type == 11;
}

uint64_t tn_truth_host_at(const tn_truth *t, uint32_t h)
{
    return h == TN_NONE ? 0 : t->hosts[h].at;
}

static int host_by(const tn_truth *t, uint32_t h, uint64_t time)
{
    uint64_t at = tn_truth_host_at(t, h);
    return at && at <= time;
}

static int acct_by(const tn_truth *t, uint32_t a, uint64_t time)
{
    return a != TN_NONE && t->accts.v[a].at && t->accts.v[a].at <= time;
}

static void acct_compromised(tn_truth *t, uint32_t a, const trec *r, const char *how)
{
    tacct *x = &t->accts.v[a];
    if (x->at && x->at <= r->time)
        return;
    x->at = r->time;
    x->how = how;
    x->host = r->host;
    x->file = r->file;
    x->record_id = r->record_id;
}

/* Sessions: open addressing with linear probing, deletion by backward shift. */
static uint64_t sess_key(uint32_t host, uint64_t lid)
{
    return ((uint64_t)host << 36 ^ lid) + 1;
}

static uint32_t sess_slot(const tn_truth *t, uint64_t key)
{
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(h >> 32) & (t->sess_cap - 1);
}

static void sess_grow(tn_truth *t)
{
    tsess *old = t->sess;
    uint32_t cap = t->sess_cap;
    tsess *n = tn_calloc((size_t)cap * 2, sizeof(tsess));
    if (!n) {
        t->oom = 1;
        return;
    }
    t->sess = n;
    t->sess_cap = cap * 2;
    for (uint32_t i = 0; i < cap; i++)
        if (old[i].key) {
            uint32_t j = sess_slot(t, old[i].key);
            while (t->sess[j].key)
                j = (j + 1) & (t->sess_cap - 1);
            t->sess[j] = old[i];
        }
    tn_free(old);
}

static void sess_put(tn_truth *t, const trec *r)
{
    if ((t->sess_n + 1) * 2 > t->sess_cap)
        sess_grow(t);
    if ((t->sess_n + 1) * 2 > t->sess_cap)
        return;
    uint64_t key = sess_key(r->host, r->logon_id);
    uint32_t i = sess_slot(t, key);
    while (t->sess[i].key && t->sess[i].key != key)
        i = (i + 1) & (t->sess_cap - 1);
    if (!t->sess[i].key)
        t->sess_n++;
    tsess s = {key, r->acct, r->src, t->hosts[r->host].epoch, r->logon_type};
    t->sess[i] = s;
}

static tsess *sess_get(tn_truth *t, uint32_t host, uint64_t lid)
{
    uint64_t key = sess_key(host, lid);
    for (uint32_t i = sess_slot(t, key); t->sess[i].key; i = (i + 1) & (t->sess_cap - 1))
        if (t->sess[i].key == key)
            return t->sess[i].epoch == t->hosts[host].epoch ? &t->sess[i] : NULL;
    return NULL;
}

static void sess_del(tn_truth *t, uint32_t host, uint64_t lid)
{
    uint64_t key = sess_key(host, lid);
    uint32_t mask = t->sess_cap - 1, i = sess_slot(t, key);
    while (t->sess[i].key && t->sess[i].key != key)
        i = (i + 1) & mask;
    if (!t->sess[i].key)
        return;
    t->sess_n--;
    for (uint32_t j = (i + 1) & mask; t->sess[j].key; j = (j + 1) & mask) {
        uint32_t home = sess_slot(t, t->sess[j].key);
        /* move j into the hole at i unless its home lies cyclically in (i, j] */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            t->sess[i] = t->sess[j];
            i = j;
        }
    }
    t->sess[i].key = 0;
}

static void logon(tn_truth *t, const trec *r)
{
    sess_put(t, r);
    if (r->acct == TN_NONE)
        return;
    if (interactive(r->logon_type) && host_by(t, r->host, r->time))
        acct_compromised(t, r->acct, r, "exposed");
    if ((r->logon_type != 3 && r->logon_type != 10) || r->src == TN_NONE || r->src == r->host)
        return;
    if (!host_by(t, r->src, r->time) || !acct_by(t, r->acct, r->time))
        return;
    tedge *e = VEC_PUSH(t, t->edges);
    if (e) {
        tedge x = {r->src, r->host, r->acct, r->time, r->logon_type};
        *e = x;
    }
    thost *h = &t->hosts[r->host];
    if (!h->at) {
        h->at = r->time;
        h->how = "lateral"; /* the word for a host reached by a logon */
        h->src = r->src;
        h->acct = r->acct;
        h->file = r->file;
        h->logon_type = r->logon_type;
        h->record_id = r->record_id;
        if (interactive(r->logon_type))
            acct_compromised(t, r->acct, r, "exposed");
    }
}

static void dump(tn_truth *t, const trec *r)
{
    if (!host_by(t, r->host, r->time))
        return;
    for (uint32_t i = 0; i < t->sess_cap; i++) {
        tsess *s = &t->sess[i];
        if (!s->key || s->acct == TN_NONE || !interactive(s->type))
            continue;
        if ((uint32_t)((s->key - 1) >> 36) == r->host && s->epoch == t->hosts[r->host].epoch)
            acct_compromised(t, s->acct, r, "dumped");
    }
}

static void object(tn_truth *t, const trec *r)
{
    uint32_t src = r->src;
    if (r->event_id == 4663) {
        tsess *s = sess_get(t, r->host, r->logon_id);
        src = s ? s->src : r->host;
        if (src == TN_NONE)
            src = r->host;
    }
    if (!acct_by(t, r->acct, r->time) || !host_by(t, src, r->time))
        return;
    tobj *o = VEC_PUSH(t, t->objs);
    if (!o)
        return;
    const char *share = r->share;
    if (!*share)
        share = t->o->hosts[r->host].share ? t->o->hosts[r->host].share : "";
    else if (!strncmp(share, "\\\\*\\", 4))
        share += 4;
    o->host = r->host;
    o->acct = r->acct;
    o->share = tn_strndup(share, strlen(share));
    o->path = tn_strndup(r->path, strlen(r->path));
    o->time = r->time;
    o->event_id = r->event_id;
    if (!o->share || !o->path)
        t->oom = 1;
}

void tn_truth_apply(tn_truth *t, const trec *r)
{
    switch (r->kind) {
    case R_SEED:
        if (!t->seeded) {
            t->seeded = 1;
            t->seed_host = r->host;
            t->seed_time = r->time;
            t->seed_file = r->file;
            t->seed_record = r->record_id;
            t->hosts[r->host].at = r->time;
            t->hosts[r->host].how = "seed";
            t->hosts[r->host].src = TN_NONE;
        }
        break;
    case R_LOGON: logon(t, r); break;
    case R_LOGOFF: sess_del(t, r->host, r->logon_id); break;
    case R_BOOT: t->hosts[r->host].epoch++; break;
    case R_EXPLICIT:
        if (r->acct != TN_NONE && host_by(t, r->host, r->time))
            acct_compromised(t, r->acct, r, "explicit");
        break;
    case R_DUMP: dump(t, r); break;
    case R_OBJ: object(t, r); break;
    }
}
