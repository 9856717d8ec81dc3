/* evb_sec.c - Security-log event builders (logons, Kerberos, shares, objects). */
#include "gen/evb.h"
#include "gen/schema.h"

#include <stdio.h>
#include <string.h>

#define NA "-"

tn_who tn_who_user(const tn_org *o, uint32_t u, uint64_t logon_id)
{
    tn_who w = {o->users[u].sid, o->users[u].name, o->domain, logon_id};
    return w;
}

tn_who tn_who_machine(tn_ctx *c, uint32_t host)
{
    tn_who w = {tn_sink_fmt(c->sink, "%s-%u", c->o->domain_sid, 3100 + host),
                tn_sink_fmt(c->sink, "%s$", c->o->hosts[host].name), c->o->domain, 0x3e7};
    return w;
}

tn_who tn_who_system(void)
{
    tn_who w = {"S-1-5-18", "SYSTEM", "NT AUTHORITY", 0x3e7};
    return w;
}

tn_who tn_who_nobody(void)
{
    tn_who w = {"S-1-0-0", NA, NA, 0};
    return w;
}

const char *tn_user_text(tn_ctx *c, uint32_t u)
{
    return tn_sink_fmt(c->sink, "%s\\%s", c->o->domain, c->o->users[u].name);
}

uint64_t tn_rand_logon_id(tn_rng *r)
{
    return 0x100000 + tn_rng_below(r, 0x7f00000);
}

/* Security events: written by lsass on the host. */
static tn_gen_event *sec(tn_ctx *c, const tn_gen_schema *sc, uint64_t t, uint32_t host)
{
    tn_gen_event *e = tn_sink_add(c->sink, sc, t, c->tag);
    e->pid = c->o->hosts[host].lsass_pid;
    e->tid = (uint32_t)tn_rng_range(c->r, 100, 2000) * 4;
    return e;
}

static void put_who(tn_gen_event *e, int at, const tn_who *w)
{
    e->v[at].s = w->sid;
    e->v[at + 1].s = w->name;
    e->v[at + 2].s = w->domain;
    e->v[at + 3].u = w->logon_id;
}

static void rand_guid(tn_rng *r, tn_gval *v)
{
    v->u = tn_rng_next(r);
    v->u2 = tn_rng_next(r);
}

void tn_ev_4608(tn_ctx *c, uint64_t t, uint32_t host)
{
    sec(c, &tn_sc_4608, t, host);
}

void tn_ev_4624(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *subj, const tn_who *tgt,
                int type, int kerberos, uint32_t src, uint16_t port, int elevated)
{
    const tn_host *h = &c->o->hosts[host];
    const tn_host *s = src == TN_NONE ? NULL : &c->o->hosts[src];
    tn_gen_event *e = sec(c, &tn_sc_4624, t, host);
    int net = type == 3;
    put_who(e, 0, subj);
    put_who(e, 4, tgt);
    e->v[8].u = (uint64_t)type;
    e->v[9].s = net ? (kerberos ? "Kerberos" : "NtLmSsp ") : "User32 ";
    e->v[10].s = net ? (kerberos ? "Kerberos" : "NTLM") : "Negotiate";
    e->v[11].s = net && kerberos ? NA : s ? s->name : h->name;
    if (!net || kerberos)
        rand_guid(c->r, &e->v[12]);
    e->v[13].s = NA;
    e->v[14].s = net && !kerberos ? "NTLM V2" : NA;
    e->v[15].u = net && !kerberos ? 128 : 0;
    e->v[16].u = net ? 0 : (uint64_t)tn_rng_range(c->r, 150, 400) * 4;
    e->v[17].s = net ? NA : "C:\\Windows\\System32\\svchost.exe";
    e->v[18].s = s ? s->ip : net ? NA : "127.0.0.1";
    e->v[19].s = s && net ? tn_sink_fmt(c->sink, "%u", port) : net ? NA : "0";
    e->v[20].s = "%%1833";
    e->v[21].s = type == 10 ? "%%1843" : NA;
    e->v[22].s = NA;
    e->v[23].s = NA;
    e->v[24].s = "%%1843";
    e->v[25].u = 0;
    e->v[26].s = elevated ? "%%1842" : "%%1843";
}

void tn_ev_4625(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *tgt, int type, uint32_t src)
{
    const tn_host *h = &c->o->hosts[host];
    const tn_host *s = src == TN_NONE ? NULL : &c->o->hosts[src];
    tn_gen_event *e = sec(c, &tn_sc_4625, t, host);
    tn_who subj = type == 3 ? tn_who_nobody() : tn_who_machine(c, host);
    put_who(e, 0, &subj);
    e->v[4].s = "S-1-0-0";
    e->v[5].s = tgt->name;
    e->v[6].s = tgt->domain;
    e->v[7].u = 0xc000006d;
    e->v[8].s = "%%2313";
    e->v[9].u = 0xc000006a;
    e->v[10].u = (uint64_t)type;
    e->v[11].s = type == 3 ? "NtLmSsp " : "User32 ";
    e->v[12].s = type == 3 ? "NTLM" : "Negotiate";
    e->v[13].s = s ? s->name : h->name;
    e->v[14].s = NA;
    e->v[15].s = NA;
    e->v[16].u = 0;
    e->v[17].u = type == 3 ? 0 : (uint64_t)tn_rng_range(c->r, 150, 400) * 4;
    e->v[18].s = type == 3 ? NA : "C:\\Windows\\System32\\svchost.exe";
    e->v[19].s = s ? s->ip : "127.0.0.1";
    e->v[20].s = s ? tn_sink_fmt(c->sink, "%u", (unsigned)tn_rng_range(c->r, 49152, 65000)) : "0";
}

void tn_ev_4634(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *tgt, int type)
{
    tn_gen_event *e = sec(c, &tn_sc_4634, t, host);
    put_who(e, 0, tgt);
    e->v[4].u = (uint64_t)type;
}

void tn_ev_4647(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *tgt)
{
    put_who(sec(c, &tn_sc_4647, t, host), 0, tgt);
}

void tn_ev_4648(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *subj, const tn_who *tgt,
                uint32_t server, const char *process, uint32_t pid)
{
    const tn_host *srv = &c->o->hosts[server];
    tn_gen_event *e = sec(c, &tn_sc_4648, t, host);
    put_who(e, 0, subj);
    rand_guid(c->r, &e->v[4]);
    e->v[5].s = tgt->name;
    e->v[6].s = tgt->domain;
    e->v[8].s = srv->fqdn;
    e->v[9].s = srv->fqdn;
    e->v[10].u = pid;
    e->v[11].s = process;
    e->v[12].s = srv->ip;
    e->v[13].s = "0";
}

void tn_ev_4672(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *subj)
{
    tn_gen_event *e = sec(c, &tn_sc_4672, t, host);
    put_who(e, 0, subj);
    e->v[4].s = "SeSecurityPrivilege\n\t\t\tSeBackupPrivilege\n\t\t\tSeRestorePrivilege\n\t\t\t"
                "SeTakeOwnershipPrivilege\n\t\t\tSeDebugPrivilege\n\t\t\tSeSystemEnvironmentPrivilege\n\t\t\t"
                "SeLoadDriverPrivilege\n\t\t\tSeImpersonatePrivilege\n\t\t\tSeDelegateSessionUserImpersonatePrivilege";
}

void tn_ev_4698(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *subj, const char *task,
                const char *command)
{
    tn_gen_event *e = sec(c, &tn_sc_4698, t, host);
    put_who(e, 0, subj);
    e->v[4].s = task;
    e->v[5].s = tn_sink_fmt(c->sink,
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<Task version=\"1.2\" "
        "xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n  <Triggers>\n"
        "    <CalendarTrigger>\n      <StartBoundary>2019-03-01T02:00:00</StartBoundary>\n"
        "      <ScheduleByDay><DaysInterval>1</DaysInterval></ScheduleByDay>\n"
        "    </CalendarTrigger>\n  </Triggers>\n  <Principals>\n    <Principal id=\"Author\">\n"
        "      <UserId>S-1-5-18</UserId>\n      <RunLevel>HighestAvailable</RunLevel>\n"
        "    </Principal>\n  </Principals>\n  <Actions Context=\"Author\">\n    <Exec>\n"
        "      <Command>%s</Command>\n    </Exec>\n  </Actions>\n</Task>", command);
}

static const char *ffff(tn_ctx *c, uint32_t host)
{
    return tn_sink_fmt(c->sink, "::ffff:%s", c->o->hosts[host].ip);
}

void tn_ev_4768(tn_ctx *c, uint64_t t, uint32_t dc, uint32_t user, uint32_t src)
{
    const tn_user *u = &c->o->users[user];
    tn_gen_event *e = sec(c, &tn_sc_4768, t, dc);
    e->v[0].s = u->name;
    e->v[1].s = c->o->dns_upper;
    e->v[2].s = u->sid;
    e->v[3].s = "krbtgt";
    e->v[4].s = tn_sink_fmt(c->sink, "%s-502", c->o->domain_sid);
    e->v[5].u = 0x40810010;
    e->v[6].u = 0;
    e->v[7].u = 0x12;
    e->v[8].s = "2";
    e->v[9].s = ffff(c, src);
    e->v[10].s = tn_sink_fmt(c->sink, "%u", (unsigned)tn_rng_range(c->r, 49152, 65000));
    e->v[11].s = "";
    e->v[12].s = "";
    e->v[13].s = "";
}

void tn_ev_4769(tn_ctx *c, uint64_t t, uint32_t dc, uint32_t user, uint32_t service, uint32_t src)
{
    const tn_user *u = &c->o->users[user];
    tn_gen_event *e = sec(c, &tn_sc_4769, t, dc);
    e->v[0].s = tn_sink_fmt(c->sink, "%s@%s", u->name, c->o->dns_upper);
    e->v[1].s = c->o->dns_upper;
    e->v[2].s = tn_sink_fmt(c->sink, "%s$", c->o->hosts[service].name);
    e->v[3].s = tn_sink_fmt(c->sink, "%s-%u", c->o->domain_sid, 3100 + service);
    e->v[4].u = 0x40810000;
    e->v[5].u = 0x12;
    e->v[6].s = ffff(c, src);
    e->v[7].s = tn_sink_fmt(c->sink, "%u", (unsigned)tn_rng_range(c->r, 49152, 65000));
    e->v[8].u = 0;
    rand_guid(c->r, &e->v[9]);
    e->v[10].s = NA;
}

void tn_ev_4776(tn_ctx *c, uint64_t t, uint32_t dc, const char *user, uint32_t ws, int ok)
{
    tn_gen_event *e = sec(c, &tn_sc_4776, t, dc);
    e->v[0].s = "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0";
    e->v[1].s = user;
    e->v[2].s = c->o->hosts[ws].name;
    e->v[3].u = ok ? 0 : 0xc000006a;
}

/* The fields 5140 and 5145 share: subject, client, share. */
static tn_gen_event *share_event(tn_ctx *c, const tn_gen_schema *sc, uint64_t t, uint32_t host,
                                 const tn_who *subj, uint32_t src, uint16_t port,
                                 const char *share, const char *path)
{
    tn_gen_event *e = sec(c, sc, t, host);
    put_who(e, 0, subj);
    e->v[4].s = "File";
    e->v[5].s = c->o->hosts[src].ip;
    e->v[6].s = tn_sink_fmt(c->sink, "%u", port);
    e->v[7].s = tn_sink_fmt(c->sink, "\\\\*\\%s", share);
    e->v[8].s = path ? tn_sink_fmt(c->sink, "\\??\\%s", path) : "";
    return e;
}

void tn_ev_5140(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *subj, uint32_t src,
                uint16_t port, const char *share, const char *path)
{
    tn_gen_event *e = share_event(c, &tn_sc_5140, t, host, subj, src, port, share, path);
    e->v[9].u = 0x1;
    e->v[10].s = "%%4416\n\t\t\t\t";
}

void tn_ev_5145(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *subj, uint32_t src,
                uint16_t port, const char *share, const char *path, const char *rel, int write)
{
    tn_gen_event *e = share_event(c, &tn_sc_5145, t, host, subj, src, port, share, path);
    e->v[9].s = rel;
    e->v[10].u = write ? 0x2 : 0x120089;
    e->v[11].s = write ? "%%4417\n\t\t\t\t" : "%%1538\n\t\t\t\t%%1541\n\t\t\t\t%%4416\n\t\t\t\t%%4419\n\t\t\t\t%%4423\n\t\t\t\t";
    e->v[12].s = "-";
}

void tn_ev_4663(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *subj, const char *object)
{
    tn_gen_event *e = sec(c, &tn_sc_4663, t, host);
    put_who(e, 0, subj);
    e->v[4].s = "Security";
    e->v[5].s = "File";
    e->v[6].s = object;
    e->v[7].u = tn_rng_range(c->r, 0x100, 0x3000) * 4;
    e->v[8].s = "%%4416\n\t\t\t\t";
    e->v[9].u = 0x1;
    e->v[10].u = 4;
    e->v[11].s = "";
    e->v[12].s = "";
}

void tn_ev_1102(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *subj)
{
    tn_gen_event *e = sec(c, &tn_sc_1102, t, host);
    put_who(e, 0, subj);
}
