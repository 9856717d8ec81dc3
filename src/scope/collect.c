/* collect.c - scope's one pass over the events: names, assets, seeds, and the compact records the rules need. */
#include "scope/scope_int.h"

#include "base/alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int sc_grow(void **v, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 64;
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
    tn_arena_init(&s->arena, 1 << 16);
    s->silence = 24 * TN_SCOPE_HOUR;
    s->last_log = -1;
    return s;
}

void tn_scope_free(tn_scope *s)
{
    if (!s)
        return;
    tn_map_free(&s->hosts);
    tn_map_free(&s->accts);
    tn_map_free(&s->strs);
    tn_map_free(&s->logs);
    tn_arena_free(&s->arena);
    for (size_t i = 0; i < s->nlv; i++)
        tn_free(s->lv[i].hours);
    for (size_t i = 0; i < s->nsp; i++)
        tn_free(s->sp[i].local);
    tn_free(s->hv), tn_free(s->av), tn_free(s->iphost), tn_free(s->ipasset);
    tn_free(s->rec), tn_free(s->lv), tn_free(s->gap), tn_free(s->sp);
    tn_free(s->dumpacc), tn_free(s->edge), tn_free(s->obj), tn_free(s->jw);
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
        uint8_t *a = SC_PUSH(s, ipasset);
        if (!h || !a) {
            s->oom = 1;
            return -1;
        }
        *h = 0;
        *a = 0;
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
static int32_t key_id(tn_scope *s, char tag, const char *v, size_t n, int add)
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
        int32_t ip = key_id(s, 'I', name, len, 0); /* an address given as a name */
        return ip >= 0 && s->iphost[ip] ? s->iphost[ip] - 1 : -1;
    }
    const char *dot = memchr(name, '.', len);
    if (dot) {
        int32_t f = key_id(s, 'F', name, len, 0);
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
        *h = (sc_host){0, -1, HOW_NONE, 0};
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

int32_t sc_acct_id(tn_scope *s, const char *dom, size_t dl, const char *name, size_t nl)
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
        s->av[id] = (sc_acct){0, -1, -1, HOW_NONE};
        memcpy(k + l, name, nl); /* shown as first seen */
        s->acct_name[id] = tn_arena_strndup(&s->arena, k, l + nl);
        if (!s->acct_name[id])
            s->oom = 1;
    }
    return (int32_t)id;
}

static void map_ip(tn_scope *s, int32_t ipid, int32_t host, int asset)
{
    if (ipid < 0 || host < 0)
        return;
    if (asset || !s->iphost[ipid]) {
        s->iphost[ipid] = host + 1;
        s->ipasset[ipid] |= (uint8_t)asset;
    } else if (s->iphost[ipid] != host + 1 && !s->ipasset[ipid]) {
        s->ip_conflicts++; /* first one seen wins */
    }
}

int tn_scope_asset(tn_scope *s, const char *host, const char *ip, const char *fqdn, const char *role)
{
    int32_t h = sc_host_id(s, host, strlen(host));
    if (h < 0)
        return s->oom ? -1 : 0;
    if (ip && *ip)
        map_ip(s, key_id(s, 'I', ip, strlen(ip), 1), h, 1);
    if (fqdn && *fqdn)
        map_ip(s, key_id(s, 'F', fqdn, strlen(fqdn), 1), h, 1);
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
        *x = (sc_host){time, -1, HOW_SEED, x->crown};
    return 0;
}

int tn_scope_seed_account(tn_scope *s, const char *account, uint64_t time)
{
    const char *bs = strchr(account, '\\');
    const char *name = bs ? bs + 1 : account;
    int32_t a = sc_acct_id(s, account, bs ? (size_t)(bs - account) : 0, name, strlen(name));
    int32_t *p = a < 0 ? NULL : SC_PUSH(s, seeda);
    if (!p)
        return -1;
    *p = a;
    if (!s->win_from || time < s->win_from)
        s->win_from = time;
    sc_acct *x = &s->av[a];
    if (!x->time || time < x->time)
        *x = (sc_acct){time, -1, -1, HOW_SEED};
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

/* ---- events ---- */

/* A field's value, or NULL when absent, empty or "-". */
static const char *fv(const tn_event *ev, const char *name, size_t *len)
{
    const tn_field *f = tn_event_field(ev, name, strlen(name));
    if (!f || f->is_null || !f->value_len || (f->value_len == 1 && f->value[0] == '-'))
        return NULL;
    *len = f->value_len;
    return f->value;
}

static uint64_t fnum(const tn_event *ev, const char *name)
{
    size_t l;
    const char *v = fv(ev, name, &l);
    if (!v)
        return 0;
    char b[32];
    if (l >= sizeof(b))
        l = sizeof(b) - 1;
    memcpy(b, v, l);
    b[l] = 0;
    return strtoull(b, NULL, 0);
}

static int32_t facct(tn_scope *s, const tn_event *ev, const char *dom, const char *user)
{
    size_t dl = 0, ul = 0;
    const char *d = fv(ev, dom, &dl), *u = fv(ev, user, &ul);
    if (!u)
        return -1;
    return sc_acct_id(s, d ? d : "", d ? dl : 0, u, ul);
}

/* String id of IpAddress without "::ffff:", -1 when none. */
static int32_t fip(tn_scope *s, const tn_event *ev, const char *name)
{
    size_t l;
    const char *v = fv(ev, name, &l);
    if (!v)
        return -1;
    if (l > 7 && !strncasecmp(v, "::ffff:", 7))
        v += 7, l -= 7;
    return key_id(s, 'I', v, l, 1);
}

static int32_t fstr(tn_scope *s, const tn_event *ev, const char *name)
{
    size_t l;
    const char *v = fv(ev, name, &l);
    return v ? sc_str_id(s, v, l) : -1;
}

static sc_rec *new_rec(tn_scope *s, const tn_event *ev, int32_t host, uint8_t kind)
{
    sc_rec *r = SC_PUSH(s, rec);
    if (!r) {
        s->oom = 1;
        return NULL;
    }
    *r = (sc_rec){.time = ev->time, .record_id = ev->record_id, .file = s->last_file_id, .host = host,
                  .src = -1, .account = -1, .ip = -1, .ws = -1, .share = -1, .path = -1,
                  .event_id = (uint16_t)ev->event_id, .kind = kind};
    return r;
}

/* Learn where ShareLocalPath lives, for mapping 4663 ObjectName to shares. */
static void learn_share(tn_scope *s, const tn_event *ev, int32_t host, int32_t share)
{
    size_t l;
    const char *v = fv(ev, "ShareLocalPath", &l);
    if (!v || share < 0)
        return;
    if (l >= 4 && !memcmp(v, "\\??\\", 4))
        v += 4, l -= 4;
    while (l && v[l - 1] == '\\')
        l--;
    for (size_t i = 0; i < s->nsp; i++)
        if (s->sp[i].host == host && s->sp[i].share == share)
            return;
    sc_sharepath *p = SC_PUSH(s, sp);
    char *c = tn_malloc(l + 1);
    if (!p || !c) {
        if (p)
            s->nsp--;
        tn_free(c);
        s->oom = 1;
        return;
    }
    upper(v, l, c, l + 1);
    *p = (sc_sharepath){host, share, c, l};
}

/* ShareName without "\\*\" (or "\\server\"). */
static int32_t fshare(tn_scope *s, const tn_event *ev)
{
    size_t l;
    const char *v = fv(ev, "ShareName", &l);
    if (!v)
        return -1;
    if (l > 2 && v[0] == '\\' && v[1] == '\\') {
        const char *e = memchr(v + 2, '\\', l - 2);
        if (e)
            l -= (size_t)(e + 1 - v), v = e + 1;
    }
    return sc_str_id(s, v, l);
}

static int has(const char *h, const char *needle) { return strcasestr(h, needle) != NULL; }

/* Source images allowed to read LSASS memory (by file name). */
static int allowed_source(const char *img)
{
    static const char *const ok[] = {"\\csrss.exe", "\\wininit.exe", "\\winlogon.exe",
                                     "\\services.exe", "\\lsm.exe", "\\svchost.exe",
                                     "\\MsMpEng.exe", "\\wmiprvse.exe", "\\taskmgr.exe",
                                     "\\lsass.exe", "\\MRT.exe", "\\vmtoolsd.exe"};
    size_t l = strlen(img);
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        size_t k = strlen(ok[i]);
        if (l >= k && !strcasecmp(img + l - k, ok[i]))
            return 1;
    }
    return 0;
}

static int is_dump(const tn_event *ev)
{
    size_t l;
    if (ev->event_id == 1) {
        const char *c = fv(ev, "CommandLine", &l);
        return c && ((has(c, "comsvcs") && has(c, "minidump")) ||
                     (has(c, "lsass") && (has(c, "procdump") || has(c, " -ma "))));
    }
    const char *t = fv(ev, "TargetImage", &l), *src = fv(ev, "SourceImage", &l);
    size_t tl = t ? strlen(t) : 0;
    if (!t || tl < 10 || strcasecmp(t + tl - 10, "\\lsass.exe"))
        return 0;
    return (fnum(ev, "GrantedAccess") & 0x10) && !(src && allowed_source(src));
}

static void add_logon(tn_scope *s, const tn_event *ev, int32_t host)
{
    uint8_t t = (uint8_t)fnum(ev, "LogonType");
    if (t != 2 && t != 3 && t != 9 && t != 10 && t != 11)
        return;
    sc_rec *r = new_rec(s, ev, host, SC_LOGON);
    if (!r)
        return;
    r->ltype = t;
    r->end = 0; /* shares its bytes with share and path */
    r->account = facct(s, ev, "TargetDomainName", "TargetUserName");
    r->logon_id = fnum(ev, "TargetLogonId");
    r->ip = fip(s, ev, "IpAddress");
    size_t l;
    const char *w = fv(ev, "WorkstationName", &l);
    r->ws = w ? sc_host_id(s, w, l) : -1;
    if (r->ip >= 0 && r->ws >= 0 && strcmp(sc_str(s, r->ip), "I:127.0.0.1") &&
        strcmp(sc_str(s, r->ip), "I:::1"))
        map_ip(s, r->ip, r->ws, 0);
}

static void add_security(tn_scope *s, const tn_event *ev, int32_t host)
{
    sc_rec *r;
    switch (ev->event_id) {
    case 4624:
        add_logon(s, ev, host);
        break;
    case 4634:
    case 4647:
        if ((r = new_rec(s, ev, host, SC_LOGOFF)))
            r->logon_id = fnum(ev, "TargetLogonId");
        break;
    case 4608:
        new_rec(s, ev, host, SC_BOOT);
        break;
    case 4648:
        if ((r = new_rec(s, ev, host, SC_EXPLICIT)))
            r->account = facct(s, ev, "TargetDomainName", "TargetUserName");
        break;
    case 5140:
        learn_share(s, ev, host, fshare(s, ev));
        break;
    case 5145:
        if ((r = new_rec(s, ev, host, SC_OBJ5145))) {
            r->account = facct(s, ev, "SubjectDomainName", "SubjectUserName");
            r->ip = fip(s, ev, "IpAddress");
            r->share = fshare(s, ev);
            r->path = fstr(s, ev, "RelativeTargetName");
            learn_share(s, ev, host, r->share);
        }
        break;
    case 4663:
        if ((r = new_rec(s, ev, host, SC_OBJ4663))) {
            r->account = facct(s, ev, "SubjectDomainName", "SubjectUserName");
            r->logon_id = fnum(ev, "SubjectLogonId");
            r->path = fstr(s, ev, "ObjectName");
        }
        break;
    }
}

static void add_sysmon(tn_scope *s, const tn_event *ev, int32_t host)
{
    size_t l;
    if (ev->event_id == 3) { /* teaches which host owns an address */
        const char *i = fv(ev, "Initiated", &l);
        if (i && !strncasecmp(i, "true", 4)) {
            int32_t ip = fip(s, ev, "SourceIp");
            const char *v = ip >= 0 ? sc_str(s, ip) : "";
            if (ip >= 0 && strcmp(v, "I:127.0.0.1") && strcmp(v, "I:::1"))
                map_ip(s, ip, host, 0);
        }
    } else if ((ev->event_id == 1 || ev->event_id == 10) && is_dump(ev)) {
        new_rec(s, ev, host, SC_DUMP);
    }
}

int tn_scope_add(tn_scope *s, const tn_event *ev)
{
    int32_t host = sc_host_id(s, ev->computer, strlen(ev->computer));
    s->nevents++;
    if (!s->last_file || strcmp(s->last_file, ev->file)) {
        int32_t f = sc_str_id(s, ev->file, strlen(ev->file));
        if (f < 0)
            return -1;
        s->last_file = ev->file;
        s->last_file_id = (uint32_t)f;
    }
    if (host < 0)
        return s->oom ? -1 : 0;
    if (sc_log_event(s, ev, host))
        s->oom = 1;
    if (!strcasecmp(ev->channel, "Security"))
        add_security(s, ev, host);
    else if (!strcasecmp(ev->channel, "Microsoft-Windows-Sysmon/Operational"))
        add_sysmon(s, ev, host);
    return s->oom ? -1 : 0;
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
