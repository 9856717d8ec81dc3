/* report.c - scope's results: run, accessors, the JSON object and the story told in time order. */
#include "scope/scope_int.h"

#include "base/alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int tn_scope_run(tn_scope *s)
{
    for (int i = 0; i < s->nwk; i++) {
        sc_worker *w = &s->wk[i];
        if (w->seg_open && sc_seg_close(s, w))
            return -1;
        s->oom |= w->oom;
        s->nevents += w->nevents;
        s->nrecords += w->nrecords;
    }
    if (s->oom || sc_fold_file(s) || sc_runs_finish(s))
        return -1;
    for (size_t i = 0; i < s->nruns; i++)
        s->nspilled += s->runs[i].f ? s->runs[i].n : 0;
    if (sc_gaps(s) || sc_spread(s) || sc_verdicts(s))
        return -1;
    return 0;
}

const char *tn_scope_error(const tn_scope *s)
{
    static char msg[128]; /* one scope's error; read by its one owner */
    int e = __atomic_load_n(&s->io_errno, __ATOMIC_RELAXED);
    if (!e)
        return "out of memory";
    snprintf(msg, sizeof(msg), "cannot write a temporary file: %s", strerror(e));
    return msg;
}

static long find_host(const tn_scope *s, const char *name)
{
    char k[256];
    size_t n = strcspn(name, ".");
    if (n >= sizeof(k))
        return -1;
    for (size_t i = 0; i < n; i++)
        k[i] = (char)toupper((unsigned char)name[i]);
    return tn_map_get(&s->hosts, k, n);
}

static long find_acct(const tn_scope *s, const char *account)
{
    char k[512];
    const char *bs = strchr(account, '\\');
    size_t dl = bs ? strcspn(account, ".\\") : 0, l = 0;
    const char *name = bs ? bs + 1 : account;
    if (dl + strlen(name) + 2 > sizeof(k))
        return -1;
    for (size_t i = 0; i < dl; i++)
        k[l++] = (char)toupper((unsigned char)account[i]);
    k[l++] = '\\';
    for (; *name; name++)
        k[l++] = (char)tolower((unsigned char)*name);
    return tn_map_get(&s->accts, k, l);
}

uint64_t tn_scope_host_time(const tn_scope *s, const char *host, const char **how)
{
    long h = find_host(s, host);
    const sc_host *x = h < 0 ? NULL : &s->hv[h];
    if (how)
        *how = x ? sc_how_name(x->how) : "";
    return x ? x->time : 0;
}

uint64_t tn_scope_account_time(const tn_scope *s, const char *account, const char **how)
{
    long a = find_acct(s, account);
    const sc_acct *x = a < 0 ? NULL : &s->av[a];
    if (how)
        *how = x ? sc_how_name(x->how) : "";
    return x ? x->time : 0;
}

size_t tn_scope_nedges(const tn_scope *s) { return s->nedge; }
size_t tn_scope_nobjects(const tn_scope *s) { return s->nobj; }

void tn_scope_object(const tn_scope *s, size_t i, const char **host, const char **share,
                     const char **path)
{
    const sc_obj *o = &s->obj[i];
    *host = tn_map_key(&s->hosts, (uint32_t)o->host);
    *share = sc_str(s, o->share);
    *path = sc_str(s, o->path);
}

static const char *const reasons[] = {"cleared", "silence", "record_ids"};
static const char *const verdicts[] = {"touched", "assured_untouched", "cannot_assure"};

size_t tn_scope_ngaps(const tn_scope *s, const char *host, const char *reason)
{
    long h = find_host(s, host);
    size_t n = 0;
    for (size_t i = 0; h >= 0 && i < s->ngap; i++)
        n += s->gap[i].host == h && !strcmp(reasons[s->gap[i].reason], reason);
    return n;
}

const char *tn_scope_verdict(const tn_scope *s, const char *host)
{
    long h = find_host(s, host);
    for (size_t i = 0; h >= 0 && i < s->njw; i++)
        if (s->jw[i].host == h)
            return verdicts[s->jw[i].verdict];
    return NULL;
}

void tn_scope_window(const tn_scope *s, uint64_t *from, uint64_t *to)
{
    *from = s->win_from;
    *to = s->win_to;
}

/* ---- JSON ---- */

static const char *hname(const tn_scope *s, int32_t h) { return h < 0 ? "" : tn_map_key(&s->hosts, (uint32_t)h); }
static const char *aname(const tn_scope *s, int32_t a) { return a < 0 ? "" : s->acct_name[a]; }

static void jkey(tn_buf *b, const char *k, const char *v)
{
    tn_buf_printf(b, "\"%s\":", k);
    tn_buf_json_str(b, v, strlen(v));
}

static void jtime(tn_buf *b, const char *k, uint64_t t)
{
    char f[32];
    if (!t) {
        tn_buf_printf(b, "\"%s\":null", k);
        return;
    }
    tn_filetime_format(t, f);
    tn_buf_printf(b, "\"%s\":\"%s\"", k, f);
}

static void jproof(tn_buf *b, const tn_scope *s, uint32_t file, uint64_t record_id)
{
    jkey(b, "file", s->files[file]);
    tn_buf_printf(b, ",\"record_id\":%llu", (unsigned long long)record_id);
}

/* Compromised hosts or accounts, in time order; equal times by name (ids
 * depend on the order reading threads met the names). */
typedef struct entry {
    uint64_t time;
    const char *key;
    uint32_t id;
} entry;

static int entry_order(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* Caller frees; NULL when out of memory. */
static entry *ordered(const tn_scope *s, int accounts, size_t *out)
{
    size_t n = accounts ? s->nav : s->nhv, k = 0;
    entry *v = tn_malloc((n ? n : 1) * sizeof(*v));
    for (size_t i = 0; v && i < n; i++) {
        uint64_t t = accounts ? s->av[i].time : s->hv[i].time;
        if (t)
            v[k++] = (entry){t, tn_map_key(accounts ? &s->accts : &s->hosts, (uint32_t)i), (uint32_t)i};
    }
    if (v)
        qsort(v, k, sizeof(*v), entry_order);
    *out = k;
    return v;
}

static void json_host(tn_buf *b, const tn_scope *s, uint32_t h)
{
    const sc_host *x = &s->hv[h];
    tn_buf_putc(b, '{');
    jkey(b, "host", hname(s, (int32_t)h));
    tn_buf_putc(b, ',');
    jtime(b, "compromised_at", x->time);
    tn_buf_putc(b, ',');
    jkey(b, "how", sc_how_name(x->how));
    if (x->how == HOW_SEED) {
        tn_buf_puts(b, ",\"via\":null}");
        return;
    }
    const sc_proof *r = &x->proof;
    tn_buf_puts(b, ",\"via\":{");
    jkey(b, "src", hname(s, r->src));
    tn_buf_putc(b, ',');
    jkey(b, "account", aname(s, r->account));
    tn_buf_printf(b, ",\"logon_type\":%u,", r->ltype);
    jproof(b, s, r->file, r->record_id);
    tn_buf_puts(b, "}}");
}

static void json_acct(tn_buf *b, const tn_scope *s, uint32_t a)
{
    const sc_acct *x = &s->av[a];
    tn_buf_putc(b, '{');
    jkey(b, "account", aname(s, (int32_t)a));
    tn_buf_putc(b, ',');
    jtime(b, "compromised_at", x->time);
    tn_buf_putc(b, ',');
    jkey(b, "how", sc_how_name(x->how));
    if (x->how == HOW_SEED) {
        tn_buf_puts(b, ",\"host\":null,\"file\":null,\"record_id\":null}");
        return;
    }
    const sc_proof *r = &x->proof;
    tn_buf_putc(b, ',');
    jkey(b, "host", hname(s, r->host));
    tn_buf_putc(b, ',');
    jproof(b, s, r->file, r->record_id);
    tn_buf_putc(b, '}');
}

static void json_list(tn_buf *b, const tn_scope *s, int accounts)
{
    size_t n = 0;
    entry *ix = ordered(s, accounts, &n);
    if (!ix)
        b->oom = 1;
    tn_buf_printf(b, ",\"%s\":[", accounts ? "accounts" : "hosts");
    for (size_t i = 0; ix && i < n; i++) {
        if (i)
            tn_buf_putc(b, ',');
        (accounts ? json_acct : json_host)(b, s, ix[i].id);
    }
    tn_buf_putc(b, ']');
    tn_free(ix);
}

static void json_seeds(tn_buf *b, const tn_scope *s)
{
    tn_buf_puts(b, "\"seeds\":[");
    for (size_t i = 0; i < s->nseedh + s->nseeda; i++) {
        int host = i < s->nseedh;
        if (i)
            tn_buf_putc(b, ',');
        tn_buf_putc(b, '{');
        int32_t id = host ? s->seedh[i] : s->seeda[i - s->nseedh];
        jkey(b, host ? "host" : "account", host ? hname(s, id) : aname(s, id));
        tn_buf_puts(b, "}");
    }
    tn_buf_putc(b, ']');
}

static void json_edges(tn_buf *b, const tn_scope *s)
{
    tn_buf_puts(b, ",\"edges\":[");
    for (size_t i = 0; i < s->nedge; i++) {
        const sc_edge *r = &s->edge[i];
        tn_buf_puts(b, i ? ",{" : "{");
        jkey(b, "src", hname(s, r->src));
        tn_buf_putc(b, ',');
        jkey(b, "dst", hname(s, r->dst));
        tn_buf_putc(b, ',');
        jkey(b, "account", aname(s, r->account));
        tn_buf_putc(b, ',');
        jtime(b, "time", r->time);
        tn_buf_printf(b, ",\"logon_type\":%u,", r->ltype);
        jproof(b, s, r->file, r->record_id);
        tn_buf_putc(b, '}');
    }
    tn_buf_putc(b, ']');
}

static void json_objects(tn_buf *b, const tn_scope *s)
{
    tn_buf_puts(b, ",\"objects\":[");
    for (size_t i = 0; i < s->nobj; i++) {
        const sc_obj *o = &s->obj[i], *r = o;
        tn_buf_puts(b, i ? ",{" : "{");
        jkey(b, "host", hname(s, r->host));
        tn_buf_putc(b, ',');
        jkey(b, "share", sc_str(s, o->share));
        tn_buf_putc(b, ',');
        jkey(b, "path", sc_str(s, o->path));
        tn_buf_putc(b, ',');
        jkey(b, "account", aname(s, r->account));
        tn_buf_putc(b, ',');
        jtime(b, "time", r->time);
        tn_buf_printf(b, ",\"event_id\":%u,", r->event_id);
        jproof(b, s, r->file, r->record_id);
        tn_buf_putc(b, '}');
    }
    tn_buf_putc(b, ']');
}

static void json_gaps(tn_buf *b, const tn_scope *s)
{
    tn_buf_puts(b, ",\"gaps\":[");
    for (size_t i = 0; i < s->ngap; i++) {
        const sc_gap *g = &s->gap[i];
        tn_buf_puts(b, i ? ",{" : "{");
        jkey(b, "host", hname(s, g->host));
        tn_buf_putc(b, ',');
        jkey(b, "channel", sc_str(s, (int32_t)g->channel));
        tn_buf_putc(b, ',');
        jtime(b, "from", g->from);
        tn_buf_putc(b, ',');
        jtime(b, "to", g->to);
        tn_buf_putc(b, ',');
        jkey(b, "reason", reasons[g->reason]);
        tn_buf_putc(b, '}');
    }
    tn_buf_puts(b, "],\"crown_jewels\":[");
    for (size_t i = 0; i < s->njw; i++) {
        tn_buf_puts(b, i ? ",{" : "{");
        jkey(b, "host", hname(s, s->jw[i].host));
        tn_buf_putc(b, ',');
        jkey(b, "verdict", verdicts[s->jw[i].verdict]);
        tn_buf_putc(b, ',');
        jkey(b, "reason", s->jw[i].reason);
        tn_buf_putc(b, '}');
    }
    tn_buf_putc(b, ']');
}

static size_t count_hosts(const tn_scope *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nhv; i++)
        n += s->hv[i].time != 0;
    return n;
}

static uint64_t count_conflicts(const tn_scope *s)
{
    uint64_t n = 0;
    for (size_t i = 0; i < s->nipflag; i++)
        n += s->ipflag[i] == 2;
    return n;
}

static size_t count_accts(const tn_scope *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nav; i++)
        n += s->av[i].time != 0;
    return n;
}

void tn_scope_json(const tn_scope *s, tn_buf *b)
{
    tn_buf_putc(b, '{');
    json_seeds(b, s);
    json_list(b, s, 0);
    json_list(b, s, 1);
    json_edges(b, s);
    json_objects(b, s);
    json_gaps(b, s);
    tn_buf_printf(b, ",\"stats\":{\"events\":%llu,\"records_kept\":%llu,\"records_spilled\":%llu,\"runs\":%zu,\"sessions_peak\":%zu,"
                     "\"hosts_seen\":%zu,\"accounts_seen\":%zu,\"logs_seen\":%zu,"
                     "\"hosts_compromised\":%zu,\"accounts_compromised\":%zu,"
                     "\"edges\":%zu,\"objects\":%zu,\"gaps\":%zu,\"ip_conflicts\":%llu,",
                  (unsigned long long)s->nevents, (unsigned long long)s->nrecords,
                  (unsigned long long)s->nspilled, s->nruns_merged, s->sessions_peak, s->nhv, s->nav, s->nlv, count_hosts(s),
                  count_accts(s), s->nedge, s->nobj, s->ngap, (unsigned long long)count_conflicts(s));
    jtime(b, "window_from", s->win_from);
    tn_buf_putc(b, ',');
    jtime(b, "window_to", s->win_from ? s->win_to : 0);
    tn_buf_puts(b, "}}\n");
}
