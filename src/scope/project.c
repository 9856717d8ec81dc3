/* project.c - scope's reading side: each event updates its log's statistics
 * and, when the rules need it, becomes one small record in the worker's run.
 *
 * Workers share the name tables (hosts, accounts, addresses, shares) under
 * s->mu; everything else they touch is their own. "First seen" choices
 * (an address learned from the logs, a share's local path, an account's
 * display name) keep the one of the smallest position in the input (file,
 * then offset), so the answer does not depend on the thread count. */
#include "scope/scope_int.h"

#include "base/alloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char sysmon[] = "Microsoft-Windows-Sysmon/Operational";

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

/* Locked: the account of fields dom\user, -1 when none or excluded. */
static int32_t facct(tn_scope *s, const tn_event *ev, const char *dom, const char *user, uint64_t pos)
{
    size_t dl = 0, ul = 0;
    const char *d = fv(ev, dom, &dl), *u = fv(ev, user, &ul);
    if (!u)
        return -1;
    return sc_acct_id(s, d ? d : "", d ? dl : 0, u, ul, pos);
}

/* Locked: string id of an address field without "::ffff:", -1 when none. */
static int32_t fip(tn_scope *s, const tn_event *ev, const char *name)
{
    size_t l;
    const char *v = fv(ev, name, &l);
    if (!v)
        return -1;
    if (l > 7 && !strncasecmp(v, "::ffff:", 7))
        v += 7, l -= 7;
    return sc_key_id(s, 'I', v, l, 1);
}

static int loopback(const tn_scope *s, int32_t ip)
{
    const char *v = sc_str(s, ip);
    return !strcmp(v, "I:127.0.0.1") || !strcmp(v, "I:::1");
}

/* Locked: ShareName without "\\*\" (or "\\server\"). */
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

/* Locked: learn where ShareLocalPath lives, for mapping 4663 ObjectName
 * to shares. One path per (host, share): the first seen. */
static void learn_share(tn_scope *s, const tn_event *ev, int32_t host, int32_t share, uint64_t pos)
{
    size_t l;
    const char *v = fv(ev, "ShareLocalPath", &l);
    if (!v || share < 0)
        return;
    if (l >= 4 && !memcmp(v, "\\??\\", 4))
        v += 4, l -= 4;
    while (l && v[l - 1] == '\\')
        l--;
    int32_t k[2] = {host, share};
    int added;
    long id = tn_map_put(&s->shares, (const char *)k, sizeof(k), &added);
    if (id < 0) {
        s->oom = 1;
        return;
    }
    sc_sharepath *p = added ? SC_PUSH(s, sp) : &s->sp[id];
    if (!p) {
        s->oom = 1;
        return;
    }
    if (!added && pos >= p->pos)
        return;
    char *c = tn_malloc(l + 1);
    if (!c) {
        s->oom = 1;
        if (added)
            *p = (sc_sharepath){host, share, pos, NULL, 0};
        return;
    }
    for (size_t i = 0; i < l; i++)
        c[i] = (char)toupper((unsigned char)v[i]);
    c[l] = 0;
    if (!added)
        tn_free(p->local);
    *p = (sc_sharepath){host, share, pos, c, l};
}

int32_t sc_share_of(const tn_scope *s, int32_t host, const char *obj, size_t ol)
{
    size_t best = 0;
    int32_t share = -1;
    for (size_t i = 0; i < s->nsp; i++) {
        const sc_sharepath *p = &s->sp[i];
        if (p->host == host && p->local && p->len > best && p->len <= ol &&
            !strncasecmp(obj, p->local, p->len) && (p->len == ol || obj[p->len] == '\\'))
            best = p->len, share = p->share;
    }
    return share;
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

static sc_rec new_rec(const tn_scope *s, const tn_event *ev, int32_t host, uint8_t kind)
{
    return (sc_rec){.time = ev->time, .record_id = ev->record_id, .offset = ev->offset,
                    .file = s->cur_file, .host = host, .account = -1, .ip = -1, .aux = -1,
                    .event_id = (uint16_t)ev->event_id, .kind = kind};
}

static int is_address(const char *v, size_t l)
{
    return l < 64 && ((strspn(v, "0123456789.") >= l && memchr(v, '.', l)) ||
                      (strspn(v, "0123456789.:abcdefABCDEF") >= l && memchr(v, ':', l)));
}

/* Locked: the source fields of a 4624. WorkstationName that is an address
 * is kept as that address, mapped when the spread runs (all is learned). */
static void logon_fields(tn_scope *s, const tn_event *ev, sc_rec *r, uint64_t pos)
{
    r->account = facct(s, ev, "TargetDomainName", "TargetUserName", pos);
    r->ip = fip(s, ev, "IpAddress");
    size_t l;
    const char *w = fv(ev, "WorkstationName", &l);
    while (w && l && isspace((unsigned char)w[l - 1]))
        l--;
    if (w && l && is_address(w, l)) {
        int32_t a = sc_key_id(s, 'I', w, l, 1);
        r->aux = a < 0 ? -1 : -2 - a;
    } else if (w) {
        r->aux = sc_host_id(s, w, l);
        if (r->ip >= 0 && r->aux >= 0 && !loopback(s, r->ip))
            sc_map_ip(s, r->ip, r->aux, 0, pos);
    }
}

static int add_security(tn_scope *s, sc_worker *w, const tn_event *ev, int32_t host)
{
    uint64_t pos = sc_pos(s->cur_file, ev->offset);
    const char *path = NULL;
    size_t plen = 0;
    sc_rec r;
    switch (ev->event_id) {
    case 4624:
        r = new_rec(s, ev, host, SC_LOGON);
        r.ltype = (uint8_t)fnum(ev, "LogonType");
        if (r.ltype != 2 && r.ltype != 3 && r.ltype != 9 && r.ltype != 10 && r.ltype != 11)
            return 0;
        r.logon_id = fnum(ev, "TargetLogonId");
        pthread_mutex_lock(&s->mu);
        logon_fields(s, ev, &r, pos);
        pthread_mutex_unlock(&s->mu);
        break;
    case 4634:
    case 4647:
        r = new_rec(s, ev, host, SC_LOGOFF);
        r.logon_id = fnum(ev, "TargetLogonId");
        break;
    case 4608:
        r = new_rec(s, ev, host, SC_BOOT);
        break;
    case 4648:
        r = new_rec(s, ev, host, SC_EXPLICIT);
        pthread_mutex_lock(&s->mu);
        r.account = facct(s, ev, "TargetDomainName", "TargetUserName", pos);
        pthread_mutex_unlock(&s->mu);
        break;
    case 5140:
        pthread_mutex_lock(&s->mu);
        learn_share(s, ev, host, fshare(s, ev), pos);
        pthread_mutex_unlock(&s->mu);
        return 0;
    case 5145:
        r = new_rec(s, ev, host, SC_OBJ5145);
        pthread_mutex_lock(&s->mu);
        r.account = facct(s, ev, "SubjectDomainName", "SubjectUserName", pos);
        r.ip = fip(s, ev, "IpAddress");
        r.aux = fshare(s, ev);
        learn_share(s, ev, host, r.aux, pos);
        pthread_mutex_unlock(&s->mu);
        path = fv(ev, "RelativeTargetName", &plen);
        break;
    case 4663:
        r = new_rec(s, ev, host, SC_OBJ4663);
        r.logon_id = fnum(ev, "SubjectLogonId");
        pthread_mutex_lock(&s->mu);
        r.account = facct(s, ev, "SubjectDomainName", "SubjectUserName", pos);
        pthread_mutex_unlock(&s->mu);
        path = fv(ev, "ObjectName", &plen);
        break;
    default:
        return 0;
    }
    return sc_run_push(s, w, &r, path, path ? plen : 0);
}

static int add_sysmon(tn_scope *s, sc_worker *w, const tn_event *ev, int32_t host)
{
    size_t l;
    if (ev->event_id == 3) { /* teaches which host owns an address */
        const char *i = fv(ev, "Initiated", &l);
        if (!i || strncasecmp(i, "true", 4))
            return 0;
        pthread_mutex_lock(&s->mu);
        int32_t ip = fip(s, ev, "SourceIp");
        if (ip >= 0 && !loopback(s, ip))
            sc_map_ip(s, ip, host, 0, sc_pos(s->cur_file, ev->offset));
        pthread_mutex_unlock(&s->mu);
    } else if ((ev->event_id == 1 || ev->event_id == 10) && is_dump(ev)) {
        sc_rec r = new_rec(s, ev, host, SC_DUMP);
        return sc_run_push(s, w, &r, NULL, 0);
    }
    return 0;
}

/* Host and log of the event, from the worker's cache of the last Computer
 * and Channel (events of one chunk nearly always share both). */
static void host_and_log(tn_scope *s, sc_worker *w, const tn_event *ev, int32_t *host, int32_t *log)
{
    size_t cl = strlen(ev->computer), hl = strlen(ev->channel);
    int hit = w->comp_host != -2 && cl < sizeof(w->comp) && !strcmp(w->comp, ev->computer);
    if (hit && w->chan_log != -2 && hl < sizeof(w->chan) && !strcmp(w->chan, ev->channel)) {
        *host = w->comp_host;
        *log = w->chan_log;
        return;
    }
    pthread_mutex_lock(&s->mu);
    *host = hit ? w->comp_host : sc_host_id(s, ev->computer, cl);
    *log = -1;
    if (*host >= 0) {
        int32_t ch = sc_str_id(s, ev->channel, hl);
        int32_t k[2] = {*host, ch};
        int added;
        long id = ch < 0 ? -1 : tn_map_put(&s->logs, (const char *)k, sizeof(k), &added);
        sc_log *l = id < 0 ? NULL : added ? SC_PUSH(s, lv) : &s->lv[id];
        if (!l)
            s->oom = 1;
        else if (added)
            *l = (sc_log){.host = *host, .channel = (uint32_t)ch};
        *log = l ? (int32_t)id : -1;
    }
    pthread_mutex_unlock(&s->mu);
    w->comp_host = w->chan_log = -2;
    if (cl < sizeof(w->comp) && hl < sizeof(w->chan) && *log >= 0) {
        memcpy(w->comp, ev->computer, cl + 1);
        memcpy(w->chan, ev->channel, hl + 1);
        w->comp_host = *host;
        w->chan_log = *log;
    }
}

int tn_scope_file(tn_scope *s, const char *path, int chunked)
{
    for (int i = 0; i < s->nwk; i++)
        if (s->wk[i].seg_open && sc_seg_close(s, &s->wk[i]))
            return -1;
    if (sc_fold_file(s))
        return -1;
    const char *p = tn_arena_strndup(&s->arena, path, strlen(path));
    const char **f = p ? SC_PUSH(s, files) : NULL;
    if (!f)
        return -1;
    *f = p;
    s->cur_file = (uint32_t)(s->nfiles - 1);
    s->cur_chunked = chunked;
    s->last_file = p;
    return 0;
}

int tn_scope_add_worker(tn_scope *s, int wi, const tn_event *ev)
{
    sc_worker *w = &s->wk[wi];
    w->nevents++;
    /* a segment is one EVTX chunk (records never cross chunks) */
    uint64_t chunk = s->cur_chunked && ev->offset >= 4096 ? (ev->offset - 4096) >> 16 : 0;
    if (!w->seg_open || w->seg_file != s->cur_file || w->seg_chunk != chunk) {
        if (w->seg_open && sc_seg_close(s, w))
            return -1;
        w->seg_gen++;
        w->seg_open = 1;
        w->seg_file = s->cur_file;
        w->seg_chunk = chunk;
    }
    int32_t host, log;
    host_and_log(s, w, ev, &host, &log);
    if (host < 0 || log < 0)
        return w->oom ? -1 : 0;
    if (sc_log_event(s, w, ev, host, log))
        w->oom = 1;
    int rc = 0;
    if (!strcasecmp(ev->channel, "Security"))
        rc = add_security(s, w, ev, host);
    else if (!strcasecmp(ev->channel, sysmon))
        rc = add_sysmon(s, w, ev, host);
    return rc || w->oom ? -1 : 0;
}

int tn_scope_add(tn_scope *s, const tn_event *ev)
{
    if (!s->last_file || strcmp(s->last_file, ev->file))
        if (tn_scope_file(s, ev->file, 0))
            return -1;
    return tn_scope_add_worker(s, 0, ev);
}
