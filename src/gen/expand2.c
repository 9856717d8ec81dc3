/* expand2.c - benign admin and machine activities: RDP, PsExec, services, tasks, AV pushes. */
#include "gen/act.h"
#include "gen/evb.h"

#include <string.h>

#define SEC TN_FT_SEC
#define MS TN_FT_MS

/* The process the source host runs the tool from: the admin's explorer,
 * or, when the tool runs on a server the attacker holds, a cmd shell. */
static tn_proc launcher(tn_ctx *c, const tn_act *a, tn_rng *sh, uint64_t lid)
{
    int srv = c->o->hosts[a->src].role != TN_ROLE_WS;
    tn_proc p = {srv ? "C:\\Windows\\System32\\cmd.exe" : "C:\\Windows\\explorer.exe",
                 srv ? "cmd.exe" : "C:\\Windows\\Explorer.EXE", NULL, tn_user_text(c, a->user),
                 "High", (uint32_t)tn_rng_range(sh, 1000, 9000) * 4, 0, 0, lid, srv ? 0 : 1};
    tn_proc_guid(sh, a->src, &p);
    return p;
}

static void rdp(tn_ctx *c, const tn_act *a, uint32_t host, tn_rng *sh)
{
    const tn_org *o = c->o;
    uint64_t lid = tn_rand_logon_id(sh), src_lid = tn_rand_logon_id(sh);
    tn_who me = tn_who_user(o, a->user, lid);
    if (host == o->hosts[a->src].dc) {
        tn_ev_4769(c, a->t0 - 2 * SEC, host, a->user, a->dst, a->src);
        return;
    }
    if (host == a->src) {
        tn_who src_me = tn_who_user(o, a->user, src_lid);
        tn_proc par = launcher(c, a, sh, src_lid);
        tn_proc p = {"C:\\Windows\\System32\\mstsc.exe",
                     tn_sink_fmt(c->sink, "\"C:\\Windows\\system32\\mstsc.exe\" /v:%s",
                                 o->hosts[a->dst].name),
                     NULL, par.user, "Medium", (uint32_t)tn_rng_range(sh, 1000, 9000) * 4, 0, 0,
                     src_lid, par.session};
        tn_proc_guid(sh, a->src, &p);
        tn_ev_proc(c, a->t0 - 5 * SEC, host, &p, &par);
        tn_ev_4648(c, a->t0 - 3 * SEC, host, &src_me, &me, a->dst,
                   "C:\\Windows\\System32\\mstsc.exe", p.pid);
        tn_ev_net(c, a->t0 - 3 * SEC, host, &p, o->hosts[a->dst].ip, o->hosts[a->dst].fqdn,
                  3389, (uint16_t)tn_rng_range(sh, 49700, 64000));
        return;
    }
    tn_who sys = tn_who_machine(c, a->dst);
    tn_ev_4624(c, a->t0, host, &sys, &me, 10, 0, a->src, 0, 1);
    tn_ev_4672(c, a->t0, host, &me);
    if (!(a->flags & TN_ACT_OPEN)) {
        tn_ev_4647(c, a->t1, host, &me);
        tn_ev_4634(c, a->t1 + 1 * SEC, host, &me, 10);
    }
}

static void psexec(tn_ctx *c, const tn_act *a, uint32_t host, tn_rng *sh)
{
    const tn_org *o = c->o;
    const tn_host *d = &o->hosts[a->dst];
    uint64_t lid = tn_rand_logon_id(sh), src_lid = tn_rand_logon_id(sh);
    uint16_t port = (uint16_t)tn_rng_range(sh, 49700, 64000);
    const char *cmd = a->aux ? "cmd.exe" : "ipconfig /flushdns";
    tn_who me = tn_who_user(o, a->user, lid), nobody = tn_who_nobody();
    if (host == o->hosts[a->src].dc) {
        tn_ev_4776(c, a->t0, host, o->users[a->user].name, a->src, 1);
        return;
    }
    if (host == a->src) {
        tn_proc par = launcher(c, a, sh, src_lid);
        tn_proc p = {a->tag ? "C:\\ProgramData\\Intel\\PsExec.exe" : "C:\\Tools\\SysinternalsSuite\\PsExec.exe",
                     tn_sink_fmt(c->sink, "PsExec.exe \\\\%s -accepteula -u %s\\%s -s %s", d->name,
                                 o->domain, o->users[a->user].name, cmd),
                     NULL, par.user, "High", (uint32_t)tn_rng_range(sh, 1000, 9000) * 4, 0, 0,
                     src_lid, par.session};
        tn_proc_guid(sh, a->src, &p);
        tn_ev_proc(c, a->t0 - 2 * SEC, host, &p, &par);
        tn_ev_net(c, a->t0 - 1 * SEC, host, &p, d->ip, d->fqdn, 445, port);
        return;
    }
    tn_ev_4624(c, a->t0, host, &nobody, &me, 3, 0, a->src, port, 1);
    tn_ev_4672(c, a->t0, host, &me);
    tn_ev_5140(c, a->t0 + 200 * MS, host, &me, a->src, port, "ADMIN$", "C:\\Windows");
    tn_ev_5145(c, a->t0 + 300 * MS, host, &me, a->src, port, "ADMIN$", "C:\\Windows",
               "PSEXESVC.exe", 1);
    tn_ev_7045(c, a->t0 + 900 * MS, host, o->users[a->user].sid, "PSEXESVC",
               "%SystemRoot%\\PSEXESVC.exe", "demand start", "LocalSystem");
    tn_proc services = {"C:\\Windows\\System32\\services.exe", "C:\\Windows\\system32\\services.exe",
                        NULL, "NT AUTHORITY\\SYSTEM", "System", 600 + (d->lsass_pid % 40) * 4,
                        0, 0, 0x3e7, 0};
    services.guid_lo = 0x3d0a0000u + a->dst * 7919u;
    services.guid_hi = 0x1000 + a->dst;
    tn_proc svc = {"C:\\Windows\\PSEXESVC.exe", "C:\\Windows\\PSEXESVC.exe", NULL,
                   "NT AUTHORITY\\SYSTEM", "System", (uint32_t)tn_rng_range(sh, 1000, 9000) * 4,
                   0, 0, 0x3e7, 0};
    tn_proc_guid(sh, a->dst, &svc);
    tn_ev_proc(c, a->t0 + 1 * SEC, host, &svc, &services);
    tn_proc child = svc;
    child.image = "C:\\Windows\\System32\\cmd.exe";
    child.cmdline = a->aux ? "\"cmd.exe\"" : "\"cmd.exe\" /c ipconfig /flushdns";
    child.pid = (uint32_t)tn_rng_range(sh, 1000, 9000) * 4;
    tn_proc_guid(sh, a->dst, &child);
    tn_ev_proc(c, a->t0 + 1200 * MS, host, &child, &svc);
    tn_ev_4634(c, a->t1, host, &me, 3);
}

static void fail(tn_ctx *c, const tn_act *a, uint32_t host, tn_rng *sh)
{
    tn_who me = tn_who_user(c->o, a->user, 0);
    if (host == c->o->hosts[a->dst].dc)
        tn_ev_4776(c, a->t0, host, c->o->users[a->user].name, a->dst, 0);
    else
        tn_ev_4625(c, a->t0, host, &me, 2, TN_NONE);
}

static void service(tn_ctx *c, const tn_act *a, uint32_t host, tn_rng *sh)
{
    static const struct { const char *name, *path; } sv[] = {
        {"Google Update Service (gupdate)", "\"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe\" /svc"},
        {"Adobe Acrobat Update Service", "\"C:\\Program Files (x86)\\Common Files\\Adobe\\ARM\\1.0\\armsvc.exe\""},
        {"Microsoft Office Click-to-Run Service", "\"C:\\Program Files\\Common Files\\Microsoft Shared\\ClickToRun\\OfficeClickToRun.exe\" /service"},
        {"Veeam Backup Agent", "\"C:\\Program Files\\Veeam\\Endpoint Backup\\Veeam.EndPoint.Service.exe\""},
    };
    int k = (int)(a->aux % 4);
    tn_ev_7045(c, a->t0, host, "S-1-5-18", sv[k].name, sv[k].path, "auto start", "LocalSystem");
}

static void task(tn_ctx *c, const tn_act *a, uint32_t host, tn_rng *sh)
{
    static const struct { const char *name, *cmd; } tk[] = {
        {"\\Backup\\Nightly share backup", "C:\\Scripts\\backup_shares.cmd"},
        {"\\IT\\Disk cleanup", "C:\\Windows\\System32\\cleanmgr.exe"},
        {"\\IT\\Inventory report", "C:\\Scripts\\inventory.ps1"},
    };
    tn_who me = tn_who_user(c->o, a->user, tn_rand_logon_id(sh));
    int k = (int)(a->aux % 3);
    tn_ev_4698(c, a->t0, host, &me, tk[k].name, tk[k].cmd);
}

/* The AV server logs on to the workstation with its machine account. */
static void av_push(tn_ctx *c, const tn_act *a, uint32_t host, tn_rng *sh)
{
    const tn_org *o = c->o;
    uint64_t lid = tn_rand_logon_id(sh);
    uint16_t port = (uint16_t)tn_rng_range(sh, 49700, 64000);
    if (host == a->src) {
        tn_proc p = {"C:\\Program Files (x86)\\Trend Micro\\OfficeScan\\PCCSRV\\Private\\ofcservice.exe",
                     "\"C:\\Program Files (x86)\\Trend Micro\\OfficeScan\\PCCSRV\\Private\\ofcservice.exe\"",
                     NULL, "NT AUTHORITY\\SYSTEM", "System", 2000 + (a->src % 50) * 4, 0, 0, 0x3e7, 0};
        p.guid_lo = 0x3d0a0000u + a->src * 7919u;
        p.guid_hi = 0x2000 + a->src;
        tn_ev_net(c, a->t0 - 1 * SEC, host, &p, o->hosts[a->dst].ip, o->hosts[a->dst].fqdn, 445, port);
        return;
    }
    tn_who machine = tn_who_machine(c, a->src), nobody = tn_who_nobody();
    machine.logon_id = lid;
    tn_ev_4624(c, a->t0, host, &nobody, &machine, 3, 1, a->src, port, 0);
    tn_ev_4634(c, a->t1, host, &machine, 3);
}

static void server_bg(tn_ctx *c, const tn_act *a, uint32_t host, tn_rng *sh)
{
    tn_proc svch = {"C:\\Windows\\System32\\svchost.exe", "C:\\Windows\\system32\\svchost.exe -k netsvcs -p",
                    NULL, "NT AUTHORITY\\SYSTEM", "System", 1000 + (host % 90) * 4, 0, 0, 0x3e7, 0};
    svch.guid_lo = 0x3d0a0000u + host * 7919u;
    svch.guid_hi = 0x3000 + host;
    int n = (int)tn_rng_range(sh, 2, 6);
    for (int i = 0; i < n; i++) {
        tn_proc p = svch;
        p.image = "C:\\Windows\\System32\\taskhostw.exe";
        p.cmdline = i % 2 ? "taskhostw.exe -RegisterDevice -ProtectionStateChanged" : "taskhostw.exe SYSTEM";
        p.pid = (uint32_t)tn_rng_range(sh, 1000, 9000) * 4;
        tn_proc_guid(sh, host, &p);
        tn_ev_proc(c, a->t0 + (a->t1 - a->t0) * (uint64_t)i / (uint64_t)n, host, &p, &svch);
    }
}

static void console(tn_ctx *c, const tn_act *a, uint32_t host, tn_rng *sh)
{
    tn_who sys = tn_who_machine(c, host), me = tn_who_user(c->o, a->user, tn_rand_logon_id(sh));
    tn_ev_4624(c, a->t0, host, &sys, &me, 2, 0, TN_NONE, 0, 1);
    tn_ev_4672(c, a->t0, host, &me);
}

/* Windows starts services all day: each start is a SYSTEM logon (type 5)
 * with special privileges, Sysmon sees the process and the Service
 * Control Manager logs the state (7036). Keeps every log steady, as on
 * real hosts. */
static void heartbeat(tn_ctx *c, const tn_act *a, uint32_t host, tn_rng *sh)
{
    tn_who sys = tn_who_system(), machine = tn_who_machine(c, host);
    tn_proc services = {"C:\\Windows\\System32\\services.exe", "C:\\Windows\\system32\\services.exe",
                        NULL, "NT AUTHORITY\\SYSTEM", "System", 600 + (c->o->hosts[host].lsass_pid % 40) * 4,
                        0, 0, 0x3e7, 0};
    services.guid_lo = 0x3d0a0000u + host * 7919u;
    services.guid_hi = 0x1000 + host;
    for (uint64_t t = a->t0; t < a->t1; t += (uint64_t)tn_rng_range(sh, 150, 240) * 60 * SEC) {
        sys.logon_id = 0x3e7;
        tn_ev_4624(c, t, host, &machine, &sys, 5, 0, TN_NONE, 0, 1);
        tn_ev_4672(c, t, host, &sys);
        tn_proc p = services;
        p.image = "C:\\Windows\\System32\\svchost.exe";
        p.cmdline = "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s BITS";
        p.pid = (uint32_t)tn_rng_range(sh, 1000, 9000) * 4;
        tn_proc_guid(sh, host, &p);
        tn_ev_proc(c, t + 50 * MS, host, &p, &services);
        tn_ev_7036(c, t + 60 * MS, host, "Background Intelligent Transfer Service", "running");
    }
}

void tn_act_expand(const tn_org *o, const tn_act *a, uint32_t host, tn_sink *sink)
{
    tn_rng shared, own;
    tn_rng_seed(&shared, a->rnd);
    tn_rng_seed(&own, tn_mix3(a->rnd, host, 0x51));
    tn_ctx c = {o, sink, a->tag, &own};
    switch (a->kind) {
    case TN_A_BOOT: tn_ev_4608(&c, a->t0, host); break;
    case TN_A_CONSOLE: console(&c, a, host, &shared); break;
    case TN_A_WS_DAY: tn_ws_day_expand(&c, a, host, &shared); break;
    case TN_A_FS: tn_fs_expand(&c, a, host, &shared); break;
    case TN_A_RDP: rdp(&c, a, host, &shared); break;
    case TN_A_PSEXEC: psexec(&c, a, host, &shared); break;
    case TN_A_FAIL: fail(&c, a, host, &shared); break;
    case TN_A_SVC: service(&c, a, host, &shared); break;
    case TN_A_TASK: task(&c, a, host, &shared); break;
    case TN_A_AV_PUSH: av_push(&c, a, host, &shared); break;
    case TN_A_SERVER_BG: server_bg(&c, a, host, &shared); break;
    case TN_A_HEARTBEAT: heartbeat(&c, a, host, &shared); break;
    default: tn_breach_expand(&c, a, host, &shared); break;
    }
}
