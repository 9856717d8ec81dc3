/* breach.c - the breach: exploited AV server, LSASS dump, lateral movement, theft, cleanup.
 *
 * 1. The affiliate's AV management server is exploited through its web
 *    console: httpd.exe spawns cmd and PowerShell, a service with a random
 *    name is installed. 2. LSASS is dumped with comsvcs.dll. 3. The stolen
 *    service-account and admin credentials reach HQ's AV server by SMB and
 *    PsExec, then workstations by RDP and the HR and engineering file
 *    servers by SMB. 4. Files are read, 5. packed with a password and sent
 *    out. 6. HQ's AV server Security log is cleared. 7. The implant keeps
 *    beaconing for weeks, then stops. */
#include "gen/breach.h"
#include "gen/evb.h"

#include <string.h>

#define MIN TN_FT_MIN
#define HOUR TN_FT_HOUR
#define C2 "198.51.100.47"

/* The time of a step: day pct% into the span at hh:mm, but never less
 * than 20 minutes after the previous step. */
static uint64_t step(const tn_org *o, uint64_t *prev, int pct, int hh, int mm)
{
    uint64_t day = (uint64_t)(o->days * pct / 100);
    uint64_t t = o->start + day * TN_FT_DAY + (uint64_t)hh * HOUR + (uint64_t)mm * MIN;
    if (*prev && t < *prev + 20 * MIN)
        t = *prev + 20 * MIN;
    *prev = t;
    return t;
}

static uint32_t hq_ws(const tn_org *o, uint32_t k)
{
    uint32_t seen = 0;
    for (uint32_t i = 0; i < o->nhosts; i++)
        if (o->hosts[i].role == TN_ROLE_WS && o->hosts[i].site == TN_SITE_HQ && seen++ == k)
            return i;
    return TN_NONE;
}

void tn_breach_init(tn_breach *b, const tn_org *o)
{
    memset(b, 0, sizeof(*b));
    tn_rng r;
    tn_rng_seed(&r, tn_mix3(o->seed, 0xb4ea, 0));
    uint32_t nws = o->n_ws[TN_SITE_HQ], home = o->users[o->adm_confound].ws, k;
    do k = (uint32_t)tn_rng_below(&r, nws); while (hq_ws(o, k) == home);
    b->ws_a = hq_ws(o, k);
    do k = (uint32_t)tn_rng_below(&r, nws); while (hq_ws(o, k) == home || hq_ws(o, k) == b->ws_a);
    b->ws_b = hq_ws(o, k);
    do k = (uint32_t)tn_rng_below(&r, nws);
    while (hq_ws(o, k) == home || hq_ws(o, k) == b->ws_a || hq_ws(o, k) == b->ws_b);
    b->psexec_ws = hq_ws(o, k);
    b->it_admin = o->adm_confound + 1;
    uint64_t p = 0;
    b->t_psexec_benign = step(o, &p, 10, 14, 5);
    b->t_open_rdp = step(o, &p, 17, 16, 40);
    b->t_exploit = step(o, &p, 20, 2, 13);
    b->t_dump = step(o, &p, 20, 3, 5);
    b->t_lateral = step(o, &p, 27, 1, 30);
    b->t_runas = step(o, &p, 27, 1, 55);
    b->t_rdp_a = step(o, &p, 33, 22, 10);
    b->gap_from = step(o, &p, 35, 18, 0);
    b->t_rdp_b = step(o, &p, 37, 22, 30);
    b->t_confound = step(o, &p, 40, 10, 20);
    b->t_fs_hr = step(o, &p, 43, 23, 5);
    b->gap_to = step(o, &p, 47, 9, 0);
    b->t_fs_eng = step(o, &p, 47, 22, 40);
    b->t_stage = step(o, &p, 53, 23, 10);
    b->t_exfil = step(o, &p, 53, 23, 35);
    b->lost_from = step(o, &p, 57, 0, 0);
    b->t_clear = step(o, &p, 57, 2, 20);
    b->t_end = step(o, &p, 80, 3, 0);
}

static int day_of(const tn_org *o, uint64_t t)
{
    return (int)((t - o->start) / TN_FT_DAY);
}

static tn_act *add(const tn_org *o, tn_acts *v, uint32_t kind, uint64_t t, uint64_t len,
                   uint32_t user, uint32_t src, uint32_t dst, uint16_t tag)
{
    tn_act *a = tn_acts_add(v, kind, t, t + len, tn_mix3(o->seed, t, kind));
    a->user = user;
    a->src = src;
    a->dst = dst;
    a->tag = tag;
    return a;
}

/* The implant calls home every night from each host it holds. */
static void beacons(const tn_breach *b, const tn_org *o, int day, tn_acts *v)
{
    uint64_t t = o->start + (uint64_t)day * TN_FT_DAY + 3 * HOUR + 33 * MIN;
    if (t > b->t_end)
        return;
    uint32_t held[3] = {o->av[TN_SITE_AFF], o->av[TN_SITE_HQ], b->ws_a};
    uint64_t since[3] = {b->t_exploit, b->t_lateral, b->t_rdp_a};
    for (int i = 0; i < 3; i++)
        if (t > since[i])
            add(o, v, TN_X_BEACON, t + (uint64_t)i * 4 * MIN, 10 * MIN, TN_NONE, held[i],
                held[i], TN_T_C2);
}

void tn_breach_plan_day(const tn_breach *b, const tn_org *o, int day, tn_acts *v)
{
    uint32_t aff = o->av[TN_SITE_AFF], hq = o->av[TN_SITE_HQ];
    uint32_t it_ws = o->users[b->it_admin].ws, adm_ws = o->users[o->adm_aff].ws;
    uint32_t conf_ws = o->users[o->adm_confound].ws;
    struct { uint64_t t, len; uint32_t kind, user, src, dst, aux; uint16_t tag, flags; } s[] = {
        {b->t_psexec_benign, 4 * MIN, TN_A_PSEXEC, b->it_admin, it_ws, b->psexec_ws, 0, 0, 0},
        {b->t_open_rdp, 30 * MIN, TN_A_RDP, o->adm_aff, adm_ws, aff, 0, 0, TN_ACT_OPEN},
        {b->t_exploit, 15 * MIN, TN_X_EXPLOIT, TN_NONE, aff, aff, 0, TN_T_EXPLOIT, 0},
        {b->t_dump, 5 * MIN, TN_X_DUMP, TN_NONE, aff, aff, 0, TN_T_LSASS, 0},
        {b->t_lateral, 12 * MIN, TN_A_PSEXEC, o->svc_av, aff, hq, 1, TN_T_PSEXEC, 0},
        {b->t_runas, 2 * MIN, TN_X_RUNAS, o->svc_av, hq, hq, o->svc_backup, TN_T_VALID, 0},
        {b->t_rdp_a, 45 * MIN, TN_A_RDP, o->adm_aff, hq, b->ws_a, 0, TN_T_RDP, 0},
        {b->t_rdp_b, 35 * MIN, TN_A_RDP, o->adm_aff, hq, b->ws_b, 0, TN_T_RDP, 0},
        {b->t_confound, 25 * MIN, TN_A_RDP, o->adm_confound, conf_ws, b->ws_a, 0, 0, 0},
        {b->t_fs_hr, 30 * MIN, TN_A_FS, o->adm_aff, b->ws_a, o->fs_hr, 25, TN_T_SHARE, 0},
        {b->t_fs_eng, 30 * MIN, TN_A_FS, o->adm_aff, hq, o->fs_eng, 30, TN_T_SHARE, 0},
        {b->t_stage, 10 * MIN, TN_X_STAGE, o->adm_aff, b->ws_a, b->ws_a, 0, TN_T_ARCHIVE, 0},
        {b->t_exfil, 20 * MIN, TN_X_EXFIL, o->adm_aff, b->ws_a, b->ws_a, 0, TN_T_EXFIL, 0},
        {b->t_clear, 1 * MIN, TN_X_CLEAR, o->adm_aff, hq, hq, 0, TN_T_CLEAR, 0},
    };
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
        if (day_of(o, s[i].t) == day) {
            tn_act *a = add(o, v, s[i].kind, s[i].t, s[i].len, s[i].user, s[i].src, s[i].dst, s[i].tag);
            a->aux = s[i].aux;
            a->flags = s[i].flags;
        }
    beacons(b, o, day, v);
}
