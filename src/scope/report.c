/* report.c - scope's results: run, accessors, the JSON object and the story told in time order. */
#include "scope/scope_int.h"

#include "base/alloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int tn_scope_run(tn_scope *s)
{
    if (s->oom || sc_spread(s) || sc_gaps(s) || sc_verdicts(s))
        return -1;
    return 0;
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
    *host = tn_map_key(&s->hosts, (uint32_t)s->rec[o->rec].host);
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

static void jproof(tn_buf *b, const tn_scope *s, const sc_rec *r)
{
    jkey(b, "file", sc_str(s, (int32_t)r->file));
    tn_buf_printf(b, ",\"record_id\":%llu", (unsigned long long)r->record_id);
}

/* Indices 0..n-1 sorted by the times in t. */
static const uint64_t *sort_t;
static int by_time(const void *a, const void *b)
{
    uint64_t x = sort_t[*(const uint32_t *)a], y = sort_t[*(const uint32_t *)b];
    return x < y ? -1 : x > y ? 1 : (*(const uint32_t *)a > *(const uint32_t *)b) - (*(const uint32_t *)a < *(const uint32_t *)b);
}

/* Compromised entries (time != 0) ordered by time; caller frees. */
static uint32_t *ordered(const uint64_t *t, size_t n, size_t *out)
{
    uint32_t *ix = tn_malloc((n ? n : 1) * sizeof(*ix));
    size_t k = 0;
    for (size_t i = 0; ix && i < n; i++)
        if (t[i])
            ix[k++] = (uint32_t)i;
    sort_t = t;
    if (ix)
        qsort(ix, k, sizeof(*ix), by_time);
    *out = k;
    return ix;
}

static uint64_t *times_of(const tn_scope *s, int accounts)
{
    size_t n = accounts ? s->nav : s->nhv;
    uint64_t *t = tn_malloc((n ? n : 1) * sizeof(*t));
    for (size_t i = 0; t && i < n; i++)
        t[i] = accounts ? s->av[i].time : s->hv[i].time;
    return t;
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
    if (x->proof < 0) {
        tn_buf_puts(b, ",\"via\":null}");
        return;
    }
    const sc_rec *r = &s->rec[x->proof];
    tn_buf_puts(b, ",\"via\":{");
    jkey(b, "src", hname(s, r->src));
    tn_buf_putc(b, ',');
    jkey(b, "account", aname(s, r->account));
    tn_buf_printf(b, ",\"logon_type\":%u,", r->ltype);
    jproof(b, s, r);
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
    if (x->proof < 0) {
        tn_buf_puts(b, ",\"host\":null,\"file\":null,\"record_id\":null}");
        return;
    }
    const sc_rec *r = &s->rec[x->proof];
    tn_buf_putc(b, ',');
    jkey(b, "host", hname(s, r->host));
    tn_buf_putc(b, ',');
    jproof(b, s, r);
    tn_buf_putc(b, '}');
}

static void json_list(tn_buf *b, const tn_scope *s, int accounts)
{
    uint64_t *t = times_of(s, accounts);
    size_t n = 0;
    uint32_t *ix = t ? ordered(t, accounts ? s->nav : s->nhv, &n) : NULL;
    if (!ix)
        b->oom = 1;
    tn_buf_printf(b, ",\"%s\":[", accounts ? "accounts" : "hosts");
    for (size_t i = 0; ix && i < n; i++) {
        if (i)
            tn_buf_putc(b, ',');
        (accounts ? json_acct : json_host)(b, s, ix[i]);
    }
    tn_buf_putc(b, ']');
    tn_free(ix);
    tn_free(t);
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
        const sc_rec *r = &s->rec[s->edge[i]];
        tn_buf_puts(b, i ? ",{" : "{");
        jkey(b, "src", hname(s, r->src));
        tn_buf_putc(b, ',');
        jkey(b, "dst", hname(s, r->host));
        tn_buf_putc(b, ',');
        jkey(b, "account", aname(s, r->account));
        tn_buf_putc(b, ',');
        jtime(b, "time", r->time);
        tn_buf_printf(b, ",\"logon_type\":%u,", r->ltype);
        jproof(b, s, r);
        tn_buf_putc(b, '}');
    }
    tn_buf_putc(b, ']');
}

static void json_objects(tn_buf *b, const tn_scope *s)
{
    tn_buf_puts(b, ",\"objects\":[");
    for (size_t i = 0; i < s->nobj; i++) {
        const sc_obj *o = &s->obj[i];
        const sc_rec *r = &s->rec[o->rec];
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
        jproof(b, s, r);
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
    tn_buf_printf(b, ",\"stats\":{\"events\":%llu,\"records_kept\":%zu,\"hosts_seen\":%zu,"
                     "\"accounts_seen\":%zu,\"hosts_compromised\":%zu,\"accounts_compromised\":%zu,"
                     "\"edges\":%zu,\"objects\":%zu,\"gaps\":%zu,\"ip_conflicts\":%llu,",
                  (unsigned long long)s->nevents, s->nrec, s->nhv, s->nav, count_hosts(s),
                  count_accts(s), s->nedge, s->nobj, s->ngap, (unsigned long long)s->ip_conflicts);
    jtime(b, "window_from", s->win_from);
    tn_buf_putc(b, ',');
    jtime(b, "window_to", s->win_from ? s->win_to : 0);
    tn_buf_puts(b, "}}\n");
}
