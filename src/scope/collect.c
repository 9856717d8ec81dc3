/* collect.c - scope's names (hosts, accounts, addresses), assets, seeds and settings. */
#include "scope/scope_int.h"

#include "base/alloc.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Makes *cap greater than n (doubling as often as needed: a path pushed
 * at once can need more than twice the buffer; one doubling overflowed
 * it, found on the attack samples). */
int sc_grow(void **v, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc <= n) {
        if (nc > SIZE_MAX / 2 / (sz ? sz : 1))
            return -1;
        nc *= 2;
    }
    void *p = tn_realloc(*v, nc * sz);
    if (!p)
        return -1;
    *v = p;
    *cap = nc;
    return 0;
}

tn_scope *tn_scope_new(void)
{
    tn_scope *s = tn_calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    tn_map_init(&s->hosts);
    tn_map_init(&s->accts);
    tn_map_init(&s->strs);
    tn_map_init(&s->logs);
    tn_map_init(&s->shares);
    tn_arena_init(&s->arena, 1 << 16);
    pthread_mutex_init(&s->mu, NULL);
    s->silence = 24 * TN_SCOPE_HOUR;
    s->budget = 8u << 20;
    if (tn_scope_set_threads(s, 1)) {
        tn_scope_free(s);
        return NULL;
    }
    return s;
}

static void worker_free(sc_worker *w)
{
    for (size_t i = 0; i < w->nwl; i++)
        sc_stat_free(&w->wl[i].st);
    tn_free(w->wl), tn_free(w->touched), tn_free(w->rec), tn_free(w->bytes);
}

int tn_scope_set_threads(tn_scope *s, int n)
{
    if (n < 1)
        n = 1;
    for (int i = 0; i < s->nwk; i++)
        worker_free(&s->wk[i]);
    tn_free(s->wk);
    s->nwk = 0;
    s->wk = tn_calloc((size_t)n, sizeof(*s->wk));
    if (!s->wk)
        return -1;
    for (int i = 0; i < n; i++)
        s->wk[i].comp_host = s->wk[i].chan_log = -2;
    s->nwk = n;
    return 0;
}

void tn_scope_set_budget(tn_scope *s, size_t bytes) { s->budget = bytes < 4096 ? 4096 : bytes; }

void tn_scope_free(tn_scope *s)
{
    if (!s)
        return;
    tn_map_free(&s->hosts);
    tn_map_free(&s->accts);
    tn_map_free(&s->strs);
    tn_map_free(&s->logs);
    tn_map_free(&s->shares);
    tn_arena_free(&s->arena);
    pthread_mutex_destroy(&s->mu);
    for (int i = 0; i < s->nwk; i++)
        worker_free(&s->wk[i]);
    for (size_t i = 0; i < s->nlv; i++)
        sc_stat_free(&s->lv[i].st);
    for (size_t i = 0; i < s->nsp; i++)
        tn_free(s->sp[i].local);
    sc_runs_free(s);
    tn_free(s->wk), tn_free(s->hv), tn_free(s->av), tn_free(s->iphost), tn_free(s->ipflag);
    tn_free(s->ippos), tn_free(s->lv), tn_free(s->gap), tn_free(s->sp), tn_free(s->pend);
    tn_free(s->files), tn_free(s->edge), tn_free(s->obj), tn_free(s->jw);
    tn_free(s->seedh), tn_free(s->seeda), tn_free(s->acct_name);
    tn_free(s);
}

void tn_scope_set_silence(tn_scope *s, uint64_t ft) { s->silence = ft; }

const char *sc_how_name(uint8_t how)
{
    static const char *const n[] = {"", "seed", "lateral", "exposed", "explicit", "dumped"};
    return how < 6 ? n[how] : "";
}

int32_t sc_str_id(tn_scope *s, const char *str, size_t len)
{
    int added;
    long id = tn_map_put(&s->strs, str, len, &added);
    if (id < 0) {
        s->oom = 1;
        return -1;
    }
    if (added) {
        int32_t *h = SC_PUSH(s, iphost);
        uint8_t *a = SC_PUSH(s, ipflag);
        uint64_t *p = SC_PUSH(s, ippos);
        if (!h || !a || !p) {
            s->oom = 1;
            return -1;
        }
        *h = 0;
        *a = 0;
        *p = 0;
    }
    return (int32_t)id;
}

/* Upper-cased copy of s[0..n) into out (cap bytes); returns its length. */
static size_t upper(const char *str, size_t n, char *out, size_t cap)
{
    if (n >= cap)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)toupper((unsigned char)str[i]);
    out[n] = 0;
    return n;
}

/* The id of a mapping key: "F:" FQDN or "I:" address, in s->strs. */
int32_t sc_key_id(tn_scope *s, char tag, const char *v, size_t n, int add)
{
    char k[300];
    k[0] = tag;
    k[1] = ':';
    size_t l = 2 + upper(v, n, k + 2, sizeof(k) - 2);
    if (add)
        return sc_str_id(s, k, l);
    long id = tn_map_get(&s->strs, k, l);
    return (int32_t)id;
}

int32_t sc_host_id(tn_scope *s, const char *name, size_t len)
{
    while (len && isspace((unsigned char)name[len - 1]))
        len--;
    if (!len || (len == 1 && name[0] == '-'))
        return -1;
    int v4 = strspn(name, "0123456789.") >= len && memchr(name, '.', len);
    int v6 = strspn(name, "0123456789.:abcdefABCDEF") >= len && memchr(name, ':', len);
    if (len < 64 && (v4 || v6)) {
        int32_t ip = sc_key_id(s, 'I', name, len, 0); /* an address given as a name */
        return ip >= 0 && s->iphost[ip] ? s->iphost[ip] - 1 : -1;
    }
    const char *dot = memchr(name, '.', len);
    if (dot) {
        int32_t f = sc_key_id(s, 'F', name, len, 0);
        if (f >= 0 && s->iphost[f])
            return s->iphost[f] - 1;
        len = (size_t)(dot - name);
    }
    char k[256];
    size_t l = upper(name, len, k, sizeof(k));
    int added;
    long id = tn_map_put(&s->hosts, k, l, &added);
    sc_host *h = id < 0 ? NULL : added ? SC_PUSH(s, hv) : &s->hv[id];
    if (!h) {
        s->oom = 1;
        return -1;
    }
    if (added)
        *h = (sc_host){.how = HOW_NONE};
    return (int32_t)id;
}

/* 1 when an account name never spreads (issue 6, "Accounts"). */
static int excluded(const char *n, size_t l)
{
    static const char *const names[] = {"SYSTEM", "LOCAL SERVICE", "NETWORK SERVICE",
                                        "ANONYMOUS LOGON", "-"};
    if (!l || n[l - 1] == '$')
        return 1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == l && !strncasecmp(n, names[i], l))
            return 1;
    if (l > 4 && !strncasecmp(n, "S-1-", 4))
        return !(l > 9 && !strncasecmp(n, "S-1-5-21-", 9));
    size_t p = l > 4 && !strncasecmp(n, "DWM-", 4) ? 4 : l > 5 && !strncasecmp(n, "UMFD-", 5) ? 5 : 0;
    if (!p)
        return 0;
    while (p < l && isdigit((unsigned char)n[p]))
        p++;
    return p == l;
}

int32_t sc_acct_id(tn_scope *s, const char *dom, size_t dl, const char *name, size_t nl, uint64_t pos)
{
    if (excluded(name, nl) || nl > 200)
        return -1;
    const char *dot = memchr(dom, '.', dl);
    if (dot)
        dl = (size_t)(dot - dom);
    if (dl == 1 && dom[0] == '-')
        dl = 0;
    char k[512];
    size_t l = upper(dom, dl > 250 ? 250 : dl, k, 256);
    k[l++] = '\\';
    for (size_t i = 0; i < nl; i++)
        k[l + i] = (char)tolower((unsigned char)name[i]);
    k[l + nl] = 0;
    int added;
    long id = tn_map_put(&s->accts, k, l + nl, &added);
    if (id < 0 || (added && (sc_grow((void **)&s->av, &s->capav, s->nav, sizeof(*s->av)) ||
                             sc_grow((void **)&s->acct_name, &s->capacct_name, (size_t)id,
                                     sizeof(char *))))) {
        s->oom = 1;
        return -1;
    }
    if (added) {
        s->nav++;
        s->av[id] = (sc_acct){.how = HOW_NONE, .name_pos = pos};
    }
    if (added || (pos < s->av[id].name_pos && s->acct_name[id] && memcmp(s->acct_name[id] + l, name, nl))) {
        /* shown as first seen: the event earliest in the input, whatever
         * the order the reading threads met it in */
        memcpy(k + l, name, nl);
        s->av[id].name_pos = pos;
        s->acct_name[id] = tn_arena_strndup(&s->arena, k, l + nl);
        if (!s->acct_name[id])
            s->oom = 1;
    } else if (pos < s->av[id].name_pos) {
        s->av[id].name_pos = pos;
    }
    return (int32_t)id;
}

void sc_map_ip(tn_scope *s, int32_t ipid, int32_t host, int asset, uint64_t pos)
{
    if (ipid < 0 || host < 0)
        return;
    uint8_t *fl = &s->ipflag[ipid];
    if (asset) {
        s->iphost[ipid] = host + 1;
        *fl |= 1;
    } else if (*fl & 1) {
        return;
    } else if (!s->iphost[ipid]) {
        s->iphost[ipid] = host + 1;
        s->ippos[ipid] = pos;
    } else {
        /* the first one seen in the input wins, whatever the order the
         * threads saw them in; an address seen for two hosts is counted */
        if (s->iphost[ipid] != host + 1)
            *fl |= 2;
        if (pos < s->ippos[ipid]) {
            s->iphost[ipid] = host + 1;
            s->ippos[ipid] = pos;
        }
    }
}

int tn_scope_asset(tn_scope *s, const char *host, const char *ip, const char *fqdn, const char *role)
{
    int32_t h = sc_host_id(s, host, strlen(host));
    if (h < 0)
        return s->oom ? -1 : 0;
    if (ip && *ip)
        sc_map_ip(s, sc_key_id(s, 'I', ip, strlen(ip), 1), h, 1, 0);
    if (fqdn && *fqdn)
        sc_map_ip(s, sc_key_id(s, 'F', fqdn, strlen(fqdn), 1), h, 1, 0);
    if (role && !strcasecmp(role, "crown_jewel"))
        s->hv[h].crown = 1;
    return s->oom ? -1 : 0;
}

int tn_scope_crown(tn_scope *s, const char *host)
{
    int32_t h = sc_host_id(s, host, strlen(host));
    if (h >= 0)
        s->hv[h].crown = 1;
    return s->oom ? -1 : 0;
}

int tn_scope_seed_host(tn_scope *s, const char *host, uint64_t time)
{
    int32_t h = sc_host_id(s, host, strlen(host));
    int32_t *p = h < 0 ? NULL : SC_PUSH(s, seedh);
    if (!p)
        return -1;
    *p = h;
    if (!s->win_from || time < s->win_from)
        s->win_from = time;
    sc_host *x = &s->hv[h];
    if (!x->time || time < x->time)
        *x = (sc_host){.time = time, .how = HOW_SEED, .crown = x->crown};
    return 0;
}

int tn_scope_seed_account(tn_scope *s, const char *account, uint64_t time)
{
    const char *bs = strchr(account, '\\');
    const char *name = bs ? bs + 1 : account;
    int32_t a = sc_acct_id(s, account, bs ? (size_t)(bs - account) : 0, name, strlen(name), 0);
    int32_t *p = a < 0 ? NULL : SC_PUSH(s, seeda);
    if (!p)
        return -1;
    *p = a;
    if (!s->win_from || time < s->win_from)
        s->win_from = time;
    sc_acct *x = &s->av[a];
    if (!x->time || time < x->time) {
        x->time = time;
        x->how = HOW_SEED;
    }
    return 0;
}

int tn_scope_seed(tn_scope *s, const char *spec)
{
    const char *at = strrchr(spec, '@');
    uint64_t t;
    if (!at || tn_filetime_parse(at + 1, strlen(at + 1), &t) || !t)
        return -1;
    char name[300];
    int host = !strncmp(spec, "host:", 5), acct = !strncmp(spec, "account:", 8);
    const char *v = spec + (host ? 5 : 8);
    if ((!host && !acct) || at <= v || (size_t)(at - v) >= sizeof(name))
        return -1;
    memcpy(name, v, (size_t)(at - v));
    name[at - v] = 0;
    return host ? tn_scope_seed_host(s, name, t) : tn_scope_seed_account(s, name, t);
}

/* ---- assets CSV ---- */

/* Split a CSV line in place (no quoted commas); returns the field count. */
static int split(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = 0;
        p = c + 1;
    }
    for (int i = 0; i < n; i++) {
        char *e = f[i] + strlen(f[i]);
        while (e > f[i] && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' || e[-1] == '"'))
            *--e = 0;
        while (*f[i] == ' ' || *f[i] == '"')
            f[i]++;
    }
    return n;
}

int tn_scope_assets_csv(tn_scope *s, const char *path, char *err)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        snprintf(err, 256, "%s: cannot open", path);
        return -1;
    }
    char line[4096], *f[16];
    int col[4] = {-1, -1, -1, -1}, rc = 0; /* host ip fqdn role */
    static const char *const names[] = {"host", "ip", "fqdn", "role"};
    if (!fgets(line, sizeof(line), fp)) {
        fclose(fp);
        snprintf(err, 256, "%s: empty", path);
        return -1;
    }
    int n = split(line, f, 16);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 4; k++)
            if (!strcasecmp(f[i], names[k]))
                col[k] = i;
    if (col[0] < 0 || col[1] < 0) {
        fclose(fp);
        snprintf(err, 256, "%s: header needs host and ip columns", path);
        return -1;
    }
    while (!rc && fgets(line, sizeof(line), fp)) {
        n = split(line, f, 16);
        if (n <= col[0] || n <= col[1] || !*f[col[0]])
            continue;
        rc = tn_scope_asset(s, f[col[0]], f[col[1]], col[2] >= 0 && col[2] < n ? f[col[2]] : NULL,
                            col[3] >= 0 && col[3] < n ? f[col[3]] : NULL);
    }
    fclose(fp);
    if (rc)
        snprintf(err, 256, "out of memory");
    return rc;
}
