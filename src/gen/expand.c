/* expand.c - turns benign activities into the events each involved host logs.
 *
 * Values that several hosts must agree on (logon ids, ports, process
 * GUIDs, times) come from the activity's shared stream, drawn in the same
 * order whichever host is being expanded; incidental values (thread ids)
 * come from a per-host stream. So each host can be generated on its own
 * and the logs still match across hosts. */
#include "gen/act.h"
#include "gen/evb.h"

#include <stdio.h>

#include "base/alloc.h"

#include <string.h>

#define SEC TN_FT_SEC
#define MS TN_FT_MS

const char *const tn_technique_names[TN_T__COUNT] = {
    "", "T1190 exploit public-facing application", "T1543.003 create windows service",
    "T1003.001 lsass memory", "T1021.002 smb/windows admin shares (psexec)",
    "T1021.001 remote desktop protocol", "T1039 data from network shared drive",
    "T1560.001 archive via utility", "T1041 exfiltration over c2 channel",
    "T1070.001 clear windows event logs", "T1078 valid accounts (explicit credentials)",
    "T1071.001 web protocols (c2 beacon)"};

tn_act *tn_acts_add(tn_acts *v, uint32_t kind, uint64_t t0, uint64_t t1, uint64_t rnd)
{
    static tn_act scratch;
    if (v->n == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 1024;
        tn_act *a = tn_realloc(v->a, (size_t)cap * sizeof(*a));
        if (!a) {
            v->oom = 1;
            return &scratch;
        }
        v->a = a;
        v->cap = cap;
    }
    tn_act *a = &v->a[v->n++];
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    a->t0 = t0;
    a->t1 = t1;
    a->rnd = rnd;
    a->user = a->src = a->dst = TN_NONE;
    return a;
}

int tn_act_hosts(const tn_org *o, const tn_act *a, uint32_t out[3])
{
    int n = 0;
    if (a->dst != TN_NONE)
        out[n++] = a->dst;
    if (a->src != TN_NONE && a->src != a->dst)
        out[n++] = a->src;
    int dc_too = a->kind == TN_A_WS_DAY || a->kind == TN_A_FS || a->kind == TN_A_RDP ||
                 a->kind == TN_A_PSEXEC || a->kind == TN_A_FAIL;
    if (dc_too && a->dst != TN_NONE) {
        uint32_t dc = o->hosts[a->src != TN_NONE ? a->src : a->dst].dc;
        if (dc != a->dst && dc != a->src)
            out[n++] = dc;
    }
    return n;
}

static tn_proc explorer(tn_ctx *c, uint32_t u, uint64_t lid)
{
    tn_proc p = {"C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE", NULL,
                 tn_user_text(c, u), "Medium", 4000 + (uint32_t)(lid % 900) * 4, 0, 0, lid, 1};
    p.guid_lo = 0x3d0a0000u | lid << 32;
    p.guid_hi = lid * 0x9E3779B97F4A7C15ull;
    return p;
}

static const struct { const char *image, *cmd; } apps[] = {
    {"C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe",
     "\"C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe\" "},
    {"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
     "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE\" "},
    {"C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE",
     "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE\" /dde"},
    {"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
     "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE\" /n"},
    {"C:\\Windows\\System32\\cmd.exe", "\"C:\\Windows\\system32\\cmd.exe\" "},
    {"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
     "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\" "},
};
static const char *const web[] = {"172.217.25.14", "13.107.42.14", "52.109.88.6",
                                  "104.16.123.96", "23.35.220.12", "151.101.1.69"};

/* Applications started during the day and the connections they make. */
static void ws_apps(tn_ctx *c, const tn_act *a, tn_rng *sh, uint64_t lid)
{
    const tn_org *o = c->o;
    tn_proc ex = explorer(c, a->user, lid);
    int napps = (int)tn_rng_range(sh, 3, 8);
    for (int i = 0; i < napps; i++) {
        uint64_t t = a->t0 + (uint64_t)tn_rng_below(sh, a->t1 - a->t0 - 120 * SEC) + 60 * SEC;
        int k = (int)tn_rng_below(sh, 100);
        k = k < 40 ? 0 : k < 60 ? 1 : k < 78 ? 2 : k < 94 ? 3 : k < 98 ? 4 : 5;
        tn_proc p = ex;
        p.image = apps[k].image;
        p.cmdline = apps[k].cmd;
        p.pid = (uint32_t)tn_rng_range(sh, 1000, 9000) * 4;
        p.cwd = k >= 4 ? tn_sink_fmt(c->sink, "C:\\Users\\%s\\", o->users[a->user].name) : NULL;
        tn_proc_guid(sh, a->dst, &p);
        tn_ev_proc(c, t, a->dst, &p, &ex);
        if (k <= 1) {
            int nconn = (int)tn_rng_range(sh, 1, 3);
            for (int j = 0; j < nconn; j++) {
                const char *ip = k == 1 ? o->hosts[o->mail].ip : web[tn_rng_below(sh, 6)];
                tn_ev_net(c, t + (uint64_t)(j + 1) * 7 * SEC, a->dst, &p, ip,
                          k == 1 ? o->hosts[o->mail].fqdn : NULL, 443,
                          (uint16_t)tn_rng_range(sh, 49700, 64000));
            }
        }
    }
}

void tn_ws_day_expand(tn_ctx *c, const tn_act *a, uint32_t host, tn_rng *sh)
{
    const tn_org *o = c->o;
    uint64_t lid = tn_rand_logon_id(sh);
    int admin = o->users[a->user].kind == TN_ACC_ADMIN;
    tn_who sys = tn_who_machine(c, a->dst), me = tn_who_user(o, a->user, lid);
    if (host == o->hosts[a->dst].dc) {
        tn_ev_4768(c, a->t0 - 2 * SEC, host, a->user, a->dst);
        tn_ev_4769(c, a->t0 - 1 * SEC, host, a->user, a->dst, a->dst);
        return;
    }
    tn_ev_4624(c, a->t0, host, &sys, &me, 2, 0, TN_NONE, 0, admin);
    if (admin)
        tn_ev_4672(c, a->t0, host, &me);
    int unlocks = (int)tn_rng_range(sh, 0, 3);
    for (int i = 0; i < unlocks; i++) {
        uint64_t t = a->t0 + (a->t1 - a->t0) * (uint64_t)(i + 1) / (uint64_t)(unlocks + 1);
        tn_who un = tn_who_user(o, a->user, tn_rand_logon_id(sh));
        tn_ev_4624(c, t, host, &sys, &un, 7, 0, TN_NONE, 0, admin);
        tn_ev_4634(c, t + 2 * SEC, host, &un, 7);
    }
    ws_apps(c, a, sh, lid);
    tn_ev_4647(c, a->t1, host, &me);
    tn_ev_4634(c, a->t1 + 1 * SEC, host, &me, 2);
}

/* Files of each department's share: folder, stem, extension. */
typedef struct fpat { const char *dir, *stem, *ext; } fpat;
static const fpat hr_files[] = {{"Personnel\\2019", "evaluation", "xlsx"},
    {"Payroll\\2019", "payroll_hq", "xlsx"}, {"Recruiting", "candidates_2019", "docx"},
    {"Personnel\\Records", "contract", "pdf"}, {"Payroll", "bonus_2019", "xlsx"}};
static const fpat eng_files[] = {{"Designs\\PowerSystems", "unit", "dwg"},
    {"Specs", "railway_control", "pdf"}, {"Designs\\Satellite", "bus_module", "step"},
    {"TestReports", "TR-2019", "docx"}, {"Specs", "interface", "xlsx"}};
static const fpat prj_files[] = {{"Design", "radar_array", "dwg"}, {"Contracts", "MOD-2019", "pdf"},
    {"Specs", "guidance", "docx"}, {"Tests", "field_test", "xlsx"}};
static const fpat gen_files[] = {{"Minutes", "meeting_2019", "docx"},
    {"Templates", "expense", "xlsx"}, {"Announcements", "notice", "pdf"}};

/* A file path inside a share: picked by department, numbered by the stream. */
static const char *share_file(tn_ctx *c, int dept, tn_rng *sh)
{
    static const char *const tags[] = {"a", "b", "c", "final", "draft", "v2", "sato", "ito",
                                       "kato", "mori"};
    const fpat *list = gen_files;
    size_t n = 3;
    if (dept == TN_DEPT_HR) list = hr_files, n = 5;
    else if (dept == TN_DEPT_ENG) list = eng_files, n = 5;
    else if (dept == TN_DEPT_PRJ_A || dept == TN_DEPT_PRJ_B) list = prj_files, n = 4;
    const fpat *f = &list[tn_rng_below(sh, n)];
    unsigned num = (unsigned)tn_rng_range(sh, 1, 9);
    const char *tag = tags[tn_rng_below(sh, 10)];
    return tn_sink_fmt(c->sink, "%s\\%s_%s%u.%s", f->dir, f->stem, tag, num, f->ext);
}

void tn_fs_expand(tn_ctx *c, const tn_act *a, uint32_t host, tn_rng *sh)
{
    const tn_org *o = c->o;
    const tn_host *fs = &o->hosts[a->dst];
    uint64_t lid = tn_rand_logon_id(sh);
    int kerberos = !tn_rng_pct(sh, 20) && !a->tag;
    uint16_t port = (uint16_t)tn_rng_range(sh, 49700, 64000);
    tn_who me = tn_who_user(o, a->user, lid), nobody = tn_who_nobody();
    if (host == o->hosts[a->src].dc) {
        if (kerberos)
            tn_ev_4769(c, a->t0 - 3 * MS * 100, host, a->user, a->dst, a->src);
        else
            tn_ev_4776(c, a->t0, host, o->users[a->user].name, a->src, 1);
        return;
    }
    if (host == a->src) {
        tn_proc sys = {"System", "", NULL, "NT AUTHORITY\\SYSTEM", "System", 4, 0, 0, 0x3e7, 0};
        tn_proc_guid(sh, a->src, &sys);
        tn_ev_net(c, a->t0 - 5 * MS * 100, host, &sys, fs->ip, fs->fqdn, 445, port);
        return;
    }
    tn_ev_4624(c, a->t0, host, &nobody, &me, 3, kerberos, a->src, port, 0);
    if (o->users[a->user].kind == TN_ACC_ADMIN)
        tn_ev_4672(c, a->t0, host, &me);
    tn_ev_5140(c, a->t0 + 100 * MS, host, &me, a->src, port, fs->share, fs->share_path);
    uint64_t t = a->t0 + 300 * MS, step = (a->t1 - a->t0) / (a->aux + 2);
    for (uint32_t i = 0; i < a->aux; i++, t += step) {
        const char *rel = share_file(c, fs->dept, sh);
        tn_ev_5145(c, t, host, &me, a->src, port, fs->share, fs->share_path, rel, 0);
        if (tn_rng_pct(sh, 50))
            tn_ev_4663(c, t + 20 * MS, host, &me,
                       tn_sink_fmt(c->sink, "%s\\%s", fs->share_path, rel));
    }
    tn_ev_4634(c, a->t1, host, &me, 3);
}
