/* evb_sys.c - System-log and Sysmon event builders. */
#include "gen/evb.h"
#include "gen/schema.h"

#include "read/event.h"

#include <string.h>

void tn_ev_7045(tn_ctx *c, uint64_t t, uint32_t host, const char *sid, const char *name,
                const char *image, const char *start, const char *account)
{
    tn_gen_event *e = tn_sink_add(c->sink, &tn_sc_7045, t, c->tag);
    e->pid = 600 + (c->o->hosts[host].lsass_pid % 40) * 4;
    e->tid = (uint32_t)tn_rng_range(c->r, 100, 2000) * 4;
    e->user_sid = sid;
    e->v[0].s = name;
    e->v[1].s = image;
    e->v[2].s = "user mode service";
    e->v[3].s = start;
    e->v[4].s = account;
}

void tn_ev_7036(tn_ctx *c, uint64_t t, uint32_t host, const char *service, const char *state)
{
    tn_gen_event *e = tn_sink_add(c->sink, &tn_sc_7036, t, c->tag);
    e->pid = 600 + (c->o->hosts[host].lsass_pid % 40) * 4;
    e->tid = (uint32_t)tn_rng_range(c->r, 100, 2000) * 4;
    e->v[0].s = service;
    e->v[1].s = state;
}

/* Sysmon's UtcTime: "2019-03-04 08:01:02.123". */
static const char *utc_time(tn_ctx *c, uint64_t t)
{
    char buf[40];
    tn_filetime_format(t, buf);
    buf[10] = ' ';
    buf[23] = '\0';
    return tn_sink_fmt(c->sink, "%s", buf);
}

static tn_gen_event *sysmon(tn_ctx *c, const tn_gen_schema *sc, uint64_t t, uint32_t host)
{
    tn_gen_event *e = tn_sink_add(c->sink, sc, t, c->tag);
    e->pid = c->o->hosts[host].sysmon_pid;
    e->tid = (uint32_t)tn_rng_range(c->r, 100, 2000) * 4;
    e->user_sid = "S-1-5-18";
    return e;
}

void tn_proc_guid(tn_rng *r, uint32_t host, tn_proc *p)
{
    /* Sysmon GUIDs start with a machine part that is stable per host. */
    p->guid_lo = (uint64_t)(0x3d0a0000u + host * 7919u) | tn_rng_next(r) << 32;
    p->guid_hi = tn_rng_next(r);
}

typedef struct pe_info {
    const char *base, *desc, *product, *company, *version, *original;
} pe_info;

#define MS "Microsoft Corporation"
#define WIN "Microsoft\xc2\xae Windows\xc2\xae Operating System"
static const pe_info pe_table[] = {
    {"cmd.exe", "Windows Command Processor", WIN, MS, "10.0.17763.1 (WinBuild.160101.0800)", "Cmd.Exe"},
    {"powershell.exe", "Windows PowerShell", WIN, MS, "10.0.17763.1 (WinBuild.160101.0800)", "PowerShell.EXE"},
    {"rundll32.exe", "Windows host process (Rundll32)", WIN, MS, "10.0.17763.1 (WinBuild.160101.0800)", "RUNDLL32.EXE"},
    {"whoami.exe", "whoami - displays logged on user information", WIN, MS, "10.0.17763.1 (WinBuild.160101.0800)", "whoami.exe"},
    {"net.exe", "Net Command", WIN, MS, "10.0.17763.1 (WinBuild.160101.0800)", "net.exe"},
    {"mstsc.exe", "Remote Desktop Connection", WIN, MS, "10.0.17763.1 (WinBuild.160101.0800)", "mstsc.exe"},
    {"explorer.exe", "Windows Explorer", WIN, MS, "10.0.17763.1 (WinBuild.160101.0800)", "EXPLORER.EXE"},
    {"svchost.exe", "Host Process for Windows Services", WIN, MS, "10.0.17763.1 (WinBuild.160101.0800)", "svchost.exe"},
    {"wevtutil.exe", "Eventing Command Line Utility", WIN, MS, "10.0.17763.1 (WinBuild.160101.0800)", "wevtutil.exe"},
    {"taskhostw.exe", "Host Process for Windows Tasks", WIN, MS, "10.0.17763.1 (WinBuild.160101.0800)", "taskhostw.exe"},
    {"chrome.exe", "Google Chrome", "Google Chrome", "Google LLC", "73.0.3683.86", "chrome.exe"},
    {"OUTLOOK.EXE", "Microsoft Outlook", "Microsoft Office", MS, "16.0.11328.20158", "Outlook.exe"},
    {"EXCEL.EXE", "Microsoft Excel", "Microsoft Office", MS, "16.0.11328.20158", "Excel.exe"},
    {"WINWORD.EXE", "Microsoft Word", "Microsoft Office", MS, "16.0.11328.20158", "WinWord.exe"},
    {"PSEXESVC.exe", "PsExec Service", "Sysinternals PsExec", "Sysinternals", "2.2", "psexesvc.exe"},
    {"PsExec.exe", "Execute processes remotely", "Sysinternals PsExec", "Sysinternals - www.sysinternals.com", "2.2", "psexec.c"},
    {"rar.exe", "Command line RAR", "WinRAR", "Alexander Roshal", "5.61.0", "Rar.exe"},
};

static const pe_info *pe_of(const char *image)
{
    const char *b = strrchr(image, '\\');
    b = b ? b + 1 : image;
    for (size_t i = 0; i < sizeof(pe_table) / sizeof(pe_table[0]); i++)
        if (!strcasecmp(pe_table[i].base, b))
            return &pe_table[i];
    return NULL;
}

/* SHA256/MD5 of an image: stable per image name, as for the same binary. */
static const char *hashes(tn_ctx *c, const char *image)
{
    uint64_t x = 1469598103934665603ull, h[6];
    for (const char *p = image; *p; p++)
        x = (x ^ (unsigned char)*p) * 1099511628211ull;
    for (int i = 0; i < 6; i++)
        h[i] = tn_splitmix(&x);
    return tn_sink_fmt(c->sink, "MD5=%016llX%016llX,SHA256=%016llX%016llX%016llX%016llX",
                       (unsigned long long)h[0], (unsigned long long)h[1],
                       (unsigned long long)h[2], (unsigned long long)h[3],
                       (unsigned long long)h[4], (unsigned long long)h[5]);
}

/* The fields Sysmon 1 and 3 open with: RuleName, UtcTime, the process. */
static tn_gen_event *sysmon_proc(tn_ctx *c, const tn_gen_schema *sc, uint64_t t, uint32_t host,
                                 const tn_proc *p)
{
    tn_gen_event *e = sysmon(c, sc, t, host);
    e->v[0].s = "-";
    e->v[1].s = utc_time(c, t);
    e->v[2].u = p->guid_lo;
    e->v[2].u2 = p->guid_hi;
    e->v[3].u = p->pid;
    e->v[4].s = p->image;
    return e;
}

void tn_ev_proc(tn_ctx *c, uint64_t t, uint32_t host, const tn_proc *p, const tn_proc *parent)
{
    const pe_info *pe = pe_of(p->image);
    tn_gen_event *e = sysmon_proc(c, &tn_sc_sysmon1, t, host, p);
    e->v[5].s = pe ? pe->version : "-";
    e->v[6].s = pe ? pe->desc : "-";
    e->v[7].s = pe ? pe->product : "-";
    e->v[8].s = pe ? pe->company : "-";
    e->v[9].s = pe ? pe->original : "-";
    e->v[10].s = p->cmdline;
    e->v[11].s = p->cwd ? p->cwd : "C:\\Windows\\system32\\";
    e->v[12].s = p->user;
    e->v[13].u = 0x3d0a0000u + host * 7919u;
    e->v[13].u2 = p->logon_id;
    e->v[14].u = p->logon_id;
    e->v[15].u = p->session;
    e->v[16].s = p->integrity ? p->integrity : "Medium";
    e->v[17].s = hashes(c, p->image);
    e->v[18].u = parent->guid_lo;
    e->v[18].u2 = parent->guid_hi;
    e->v[19].u = parent->pid;
    e->v[20].s = parent->image;
    e->v[21].s = parent->cmdline;
    e->v[22].s = parent->user;
}

void tn_ev_net(tn_ctx *c, uint64_t t, uint32_t host, const tn_proc *p, const char *dst_ip,
               const char *dst_name, uint16_t dst_port, uint16_t src_port)
{
    const tn_host *h = &c->o->hosts[host];
    tn_gen_event *e = sysmon_proc(c, &tn_sc_sysmon3, t, host, p);
    e->v[5].s = p->user;
    e->v[6].s = "tcp";
    e->v[7].s = "true";
    e->v[8].s = "false";
    e->v[9].s = h->ip;
    e->v[10].s = h->fqdn;
    e->v[11].u = src_port;
    e->v[12].s = "-";
    e->v[13].s = "false";
    e->v[14].s = dst_ip;
    e->v[15].s = dst_name ? dst_name : "-";
    e->v[16].u = dst_port;
    e->v[17].s = dst_port == 445 ? "microsoft-ds" : dst_port == 443 ? "https" :
                 dst_port == 3389 ? "ms-wbt-server" : dst_port == 80 ? "http" : "-";
}

void tn_ev_access(tn_ctx *c, uint64_t t, uint32_t host, const tn_proc *src, const tn_proc *dst,
                  uint32_t access, const char *calltrace)
{
    tn_gen_event *e = sysmon(c, &tn_sc_sysmon10, t, host);
    e->v[0].s = "-";
    e->v[1].s = utc_time(c, t);
    e->v[2].u = src->guid_lo;
    e->v[2].u2 = src->guid_hi;
    e->v[3].u = src->pid;
    e->v[4].u = (uint32_t)tn_rng_range(c->r, 100, 2000) * 4;
    e->v[5].s = src->image;
    e->v[6].u = dst->guid_lo;
    e->v[6].u2 = dst->guid_hi;
    e->v[7].u = dst->pid;
    e->v[8].s = dst->image;
    e->v[9].u = access;
    e->v[10].s = calltrace;
    e->v[11].s = src->user;
    e->v[12].s = dst->user;
}
