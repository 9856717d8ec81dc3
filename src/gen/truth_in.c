/* truth_in.c - reads each written event: log continuity now, scope records for the day's end. */
#include "gen/truth_int.h"

#include "base/alloc.h"
#include "gen/act.h"

#include <stdlib.h>
#include <string.h>


/* A field's value by name ("" when the event has no such field). The
 * index of a name in a schema is cached: this runs for every event. */
static const tn_gval *field(const tn_gen_event *e, const char *name)
{
    static const tn_gval none = {0, 0, ""};
    static __thread struct { const tn_gen_schema *sc; const char *name; int idx; } cache[512];
    uintptr_t h = ((uintptr_t)e->sc >> 4) * 31 + ((uintptr_t)name >> 2);
    __typeof__(&cache[0]) c = &cache[(h ^ h >> 9) & 511];
    if (c->sc != e->sc || c->name != name) {
        c->sc = e->sc;
        c->name = name;
        c->idx = -1;
        for (int i = 0; i < e->sc->nfields; i++)
            if (!strcmp(e->sc->names[i], name))
                c->idx = i;
    }
    return c->idx < 0 ? &none : &e->v[c->idx];
}

static const char *fs(const tn_gen_event *e, const char *name)
{
    const char *s = field(e, name)->s;
    return s ? s : "";
}

/* Files are numbered per log (host, channel): one file per log. */
void tn_truth_file(tn_truth *t, uint32_t host, uint32_t ch, const char *file)
{
    char **slot = VEC_PUSH(t, t->files);
    if (!slot)
        return;
    *slot = tn_strndup(file, strlen(file));
    if (!*slot)
        t->oom = 1;
    t->file_of_log[host * TN_CH__COUNT + ch] = t->files.n;
}

static uint32_t file_id(tn_truth *t, uint32_t host, uint32_t ch)
{
    uint32_t f = t->file_of_log[host * TN_CH__COUNT + ch];
    return f ? f - 1 : 0;
}

static void add_gap(tn_truth *t, int silence, uint32_t host, uint32_t ch, uint64_t from,
                    uint64_t to, const char *reason)
{
    tgap *g = silence ? VEC_PUSH(t, t->silences) : VEC_PUSH(t, t->gaps);
    if (g) {
        g->host = host;
        g->channel = ch;
        g->from = from;
        g->to = to;
        g->reason = reason;
    }
}

/* Record-id jumps, clearing events and silences of one log. */
static void continuity(tn_truth *t, const tn_gen_event *e, uint32_t host, uint32_t file,
                       uint64_t id)
{
    uint32_t ch = e->sc->channel;
    tlog *l = &t->logs[host * TN_CH__COUNT + ch];
    uint64_t hour = e->time / (TN_FT_DAY / 24);
    if (!l->count || hour != l->last / (TN_FT_DAY / 24))
        l->hours++; /* a log's events come in time order */
    if (l->count) {
        if (id != l->last_id + 1)
            add_gap(t, 0, host, ch, l->last, e->time, "record_ids");
        if (e->time > l->last + TN_FT_DAY) {
            add_gap(t, 1, host, ch, l->last, e->time, "silence");
            l->silences++;
        }
    } else {
        l->first = e->time;
    }
    int cleared = (e->sc->event_id == 1102 && ch == TN_CH_SECURITY) ||
                  (e->sc->event_id == 104 && !strcmp(e->sc->provider, "Microsoft-Windows-Eventlog"));
    if (cleared)
        add_gap(t, 0, host, ch, l->count ? l->last : e->time, e->time, "cleared");
    l->last = e->time;
    l->last_id = id;
    l->file = file;
    l->count++;
    if (e->time > t->end)
        t->end = e->time;
}

static int has_ci(const char *s, const char *needle)
{
    return strcasestr(s, needle) != NULL;
}

/* An LSASS dump as Sysmon shows it: comsvcs MiniDump, or a non-system
 * image opening lsass.exe with memory-read access. */
static int is_dump(const tn_gen_event *e)
{
    if (e->sc->channel != TN_CH_SYSMON)
        return 0;
    if (e->sc->event_id == 1) {
        const char *cmd = fs(e, "CommandLine");
        return has_ci(cmd, "comsvcs") && (has_ci(cmd, "minidump") || has_ci(cmd, "#24"));
    }
    if (e->sc->event_id != 10)
        return 0;
    const char *dst = fs(e, "TargetImage"), *src = fs(e, "SourceImage");
    size_t n = strlen(dst);
    if (n < 9 || strcasecmp(dst + n - 9, "lsass.exe"))
        return 0;
    static const char *const sys[] = {"\\wininit.exe", "\\csrss.exe", "\\MsMpEng.exe",
                                      "\\svchost.exe", "\\lsm.exe", "\\services.exe"};
    for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++)
        if (has_ci(src, sys[i]) && has_ci(src, "C:\\Windows\\"))
            return 0;
    return (field(e, "GrantedAccess")->u & 0x10) != 0;
}

static trec *rec(tn_truth *t, uint32_t kind, const tn_gen_event *e, uint32_t host, uint32_t file,
                 uint64_t id)
{
    trec *r = VEC_PUSH(t, t->day);
    if (!r)
        return NULL;
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    r->time = e->time;
    r->order = t->order++;
    r->host = host;
    r->file = file;
    r->record_id = id;
    r->event_id = e->sc->event_id;
    r->acct = r->src = TN_NONE;
    return r;
}

/* The source of a network logon: its address, else its workstation name. */
static uint32_t source_of(tn_truth *t, const tn_gen_event *e, uint32_t host)
{
    const char *ip = fs(e, "IpAddress");
    if (!strcmp(ip, "127.0.0.1") || !strcmp(ip, "::1"))
        return host;
    if (*ip && strcmp(ip, "-"))
        return tn_truth_host_by_ip(t, ip);
    const char *ws = fs(e, "WorkstationName");
    return *ws && strcmp(ws, "-") ? tn_truth_host_by_name(t, ws) : TN_NONE;
}

static void security(tn_truth *t, const tn_gen_event *e, uint32_t host, uint32_t file, uint64_t id)
{
    trec *r;
    switch (e->sc->event_id) {
    case 4624:
        if (!(r = rec(t, R_LOGON, e, host, file, id)))
            return;
        r->acct = tn_truth_account(t, fs(e, "TargetDomainName"), fs(e, "TargetUserName"),
                                   fs(e, "TargetUserSid"));
        r->logon_id = field(e, "TargetLogonId")->u;
        r->logon_type = (uint8_t)field(e, "LogonType")->u;
        r->src = source_of(t, e, host);
        break;
    case 4634: case 4647:
        if ((r = rec(t, R_LOGOFF, e, host, file, id)))
            r->logon_id = field(e, "TargetLogonId")->u;
        break;
    case 4608:
        rec(t, R_BOOT, e, host, file, id);
        break;
    case 4648:
        if ((r = rec(t, R_EXPLICIT, e, host, file, id)))
            r->acct = tn_truth_account(t, fs(e, "TargetDomainName"), fs(e, "TargetUserName"), NULL);
        break;
    case 5145: case 4663:
        if (!(r = rec(t, R_OBJ, e, host, file, id)))
            return;
        r->acct = tn_truth_account(t, fs(e, "SubjectDomainName"), fs(e, "SubjectUserName"),
                                   fs(e, "SubjectUserSid"));
        r->logon_id = field(e, "SubjectLogonId")->u;
        r->src = e->sc->event_id == 5145 ? source_of(t, e, host) : TN_NONE;
        r->share = tn_arena_strndup(&t->day_arena, fs(e, "ShareName"), strlen(fs(e, "ShareName")));
        r->path = e->sc->event_id == 5145 ? fs(e, "RelativeTargetName") : fs(e, "ObjectName");
        r->path = tn_arena_strndup(&t->day_arena, r->path, strlen(r->path));
        if (!r->share || !r->path)
            t->oom = 1;
        break;
    }
}

void tn_truth_event(tn_truth *t, const tn_gen_event *e, uint32_t host, uint64_t id)
{
    if (!t->files.n) {      /* keeps files.v[f] valid for events of unnamed logs */
        tn_truth_file(t, host, e->sc->channel, "?");
        if (t->oom)
            return;
    }
    uint32_t f = file_id(t, host, e->sc->channel);
    continuity(t, e, host, f, id);
    if (e->tag) {
        tmal *m = VEC_PUSH(t, t->mal);
        if (m) {
            m->file = f;
            m->host = host;
            m->record_id = id;
            m->time = e->time;
            m->tag = e->tag;
            m->event_id = e->sc->event_id;
        }
        if (e->tag == TN_T_EXPLOIT)
            rec(t, R_SEED, e, host, f, id);
    }
    if (e->sc->channel == TN_CH_SECURITY && !strcmp(e->sc->provider, "Microsoft-Windows-Security-Auditing"))
        security(t, e, host, f, id);
    else if (is_dump(e))
        rec(t, R_DUMP, e, host, f, id);
}

static int cmp_rec(const void *a, const void *b)
{
    const trec *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

void tn_truth_day_end(tn_truth *t)
{
    if (t->day.n)
        qsort(t->day.v, t->day.n, sizeof(trec), cmp_rec);
    for (uint32_t i = 0; i < t->day.n; i++)
        tn_truth_apply(t, &t->day.v[i]);
    t->day.n = 0;
    tn_arena_reset(&t->day_arena);
}
