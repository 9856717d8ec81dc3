/* plan.c - a day of benign activity: working hours, weekends, admins, machines.
 *
 * Staff work weekdays, roughly 08:00 to 18:30, at their own workstation,
 * and open the shares of their department a few times a day. Admins also
 * RDP to servers and sometimes install services or create tasks. Every
 * workstation gets a daily AV pattern push from its site's AV server; the
 * second Tuesday of the month is patch day, when hosts reboot. */
#include "gen/plan.h"

#define MIN TN_FT_MIN
#define HOUR TN_FT_HOUR

static uint64_t rnd_of(const tn_org *o, int day, uint32_t who, uint32_t k)
{
    return tn_mix3(o->seed, ((uint64_t)day << 32) | who, k);
}

static tn_act *add(tn_acts *v, uint32_t kind, uint64_t t0, uint64_t t1, uint64_t rnd,
                   uint32_t user, uint32_t src, uint32_t dst)
{
    tn_act *a = tn_acts_add(v, kind, t0, t1, rnd);
    a->user = user;
    a->src = src;
    a->dst = dst;
    return a;
}

/* The file server user ui's department works on (general staff: a common
 * one); each user has a home server among the department's. */
static uint32_t dept_fs(const tn_org *o, uint32_t ui, uint32_t k)
{
    uint32_t eng = o->fs_eng + ui % o->n_fs_eng;
    switch (o->users[ui].dept) {
    case TN_DEPT_HR: return o->fs_hr + ui % o->n_fs_hr;
    case TN_DEPT_ENG: return eng;
    case TN_DEPT_PRJ_A: return k % 3 ? o->fs_prj_a : eng;
    case TN_DEPT_PRJ_B: return k % 3 ? o->fs_prj_b : eng;
    default: return o->fs_gen + (ui + k) % o->n_fs_gen;
    }
}

static void staff_day(const tn_org *o, int day, uint32_t ui, tn_acts *v)
{
    const tn_user *u = &o->users[ui];
    tn_rng r;
    tn_rng_seed(&r, rnd_of(o, day, ui, 1));
    int weekday = day % 7 < 5;
    if (!tn_rng_pct(&r, weekday ? 92 : 3))
        return;
    uint64_t d0 = o->start + (uint64_t)day * TN_FT_DAY;
    uint64_t on = d0 + 7 * HOUR + 30 * MIN + tn_rng_below(&r, 120 * MIN);
    uint64_t off = weekday ? d0 + 17 * HOUR + tn_rng_below(&r, 180 * MIN)
                           : on + 1 * HOUR + tn_rng_below(&r, 120 * MIN);
    if (tn_rng_pct(&r, 4))
        add(v, TN_A_FAIL, on - 20 * TN_FT_SEC, on - 20 * TN_FT_SEC, tn_rng_next(&r), ui, TN_NONE, u->ws);
    add(v, TN_A_WS_DAY, on, off, tn_rng_next(&r), ui, TN_NONE, u->ws);
    int nfs = (int)tn_rng_range(&r, u->dept == TN_DEPT_GENERAL ? 0 : 2, 4);
    for (int i = 0; i < nfs; i++) {
        uint64_t t = on + 10 * MIN + tn_rng_below(&r, off - on - 60 * MIN);
        tn_act *a = add(v, TN_A_FS, t, t + 2 * MIN + tn_rng_below(&r, 25 * MIN), tn_rng_next(&r),
                        ui, u->ws, dept_fs(o, ui, (uint32_t)i));
        a->aux = (uint32_t)tn_rng_range(&r, 1, 6);
    }
    if (u->kind != TN_ACC_ADMIN || !weekday)
        return;
    int nrdp = (int)tn_rng_range(&r, 1, 3);
    for (int i = 0; i < nrdp; i++) {
        uint32_t dst;
        do dst = (uint32_t)tn_rng_below(&r, o->nhosts);
        while (o->hosts[dst].role == TN_ROLE_WS || dst == o->av[TN_SITE_AFF]);
        uint64_t t = on + 15 * MIN + tn_rng_below(&r, off - on - 90 * MIN);
        add(v, TN_A_RDP, t, t + 10 * MIN + tn_rng_below(&r, 40 * MIN), tn_rng_next(&r), ui, u->ws, dst);
    }
    if (tn_rng_pct(&r, 10)) {
        uint32_t dst = (uint32_t)tn_rng_below(&r, o->nhosts);
        tn_act *a = add(v, tn_rng_pct(&r, 50) ? TN_A_SVC : TN_A_TASK, on + 2 * HOUR,
                        on + 2 * HOUR, tn_rng_next(&r), ui, TN_NONE, dst);
        a->aux = (uint32_t)tn_rng_below(&r, 12);
    }
}

static void machines_day(const tn_org *o, int day, tn_acts *v)
{
    uint64_t d0 = o->start + (uint64_t)day * TN_FT_DAY;
    int patch_day = day % 28 == 8;
    for (uint32_t h = 0; h < o->nhosts; h++) {
        const tn_host *x = &o->hosts[h];
        tn_rng r;
        tn_rng_seed(&r, rnd_of(o, day, h, 2));
        if (patch_day && x->role != TN_ROLE_AV)
            add(v, TN_A_BOOT, d0 + 3 * HOUR + tn_rng_below(&r, 60 * MIN), 0, 0, TN_NONE,
                TN_NONE, h);
        add(v, TN_A_HEARTBEAT, d0 + tn_rng_below(&r, 90 * MIN), d0 + 24 * HOUR - 10 * MIN,
            tn_rng_next(&r), TN_NONE, TN_NONE, h);
        if (x->role == TN_ROLE_WS) {
            uint64_t t = d0 + 10 * HOUR + tn_rng_below(&r, 6 * HOUR);
            add(v, TN_A_AV_PUSH, t, t + 30 * TN_FT_SEC, tn_rng_next(&r), TN_NONE,
                o->av[x->site], h);
        } else {
            add(v, TN_A_SERVER_BG, d0 + 1 * HOUR, d0 + 23 * HOUR, tn_rng_next(&r), TN_NONE,
                TN_NONE, h);
        }
    }
}

void tn_plan_day(const tn_org *o, const tn_breach *b, int day, tn_acts *v)
{
    if (day == 0)
        for (int site = 0; site < TN_SITE__COUNT; site++)
            add(v, TN_A_CONSOLE, o->start + 8 * HOUR + (uint64_t)site * MIN, 0,
                rnd_of(o, 0, (uint32_t)site, 3), o->svc_av, TN_NONE, o->av[site]);
    for (uint32_t u = 0; u < o->nusers; u++)
        if (o->users[u].kind != TN_ACC_SVC)
            staff_day(o, day, u, v);
    machines_day(o, day, v);
    tn_breach_plan_day(b, o, day, v);
}
