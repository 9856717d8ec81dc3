/* org.c - builds the organisation: three sites, servers by role, workstations, accounts.
 *
 * Scale 1 is 60 hosts and 250 accounts; every count grows linearly with
 * the scale. Names, SIDs and addresses come from the seed only. */
#include "gen/org.h"

#include "base/alloc.h"
#include "gen/rng.h"

#include <stdio.h>
#include <string.h>

static const char *const site_prefix[TN_SITE__COUNT] = {"HQ", "RND", "AFF"};
static const int site_octet[TN_SITE__COUNT] = {10, 20, 30};
static const char *const jp_last[] = {"sato", "suzuki", "takahashi", "tanaka", "watanabe", "ito",
    "yamamoto", "nakamura", "kobayashi", "kato", "yoshida", "yamada", "sasaki", "yamaguchi",
    "matsumoto", "inoue", "kimura", "hayashi", "shimizu", "yamazaki", "mori", "abe", "ikeda",
    "hashimoto", "ishikawa", "ogawa", "okada", "goto", "hasegawa", "murakami"};
static const char *const jp_first[] = {"hiroshi", "takeshi", "yuki", "akiko", "kenji", "naoko",
    "satoshi", "yumi", "daisuke", "emi", "kazuo", "mika", "ryo", "keiko", "shota", "aya",
    "makoto", "haruka", "tetsuya", "sayaka"};
static const char *const cn_last[] = {"wang", "li", "zhang", "liu", "chen", "yang", "huang",
    "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu", "hu"};
static const char *const cn_first[] = {"wei", "fang", "na", "min", "jing", "lei", "qiang",
    "jun", "yan", "hui", "tao", "ping"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* base * scale, rounded, and at least min. */
static uint32_t scaled(double scale, double base, uint32_t min)
{
    double v = base * scale + 0.5;
    return v < min ? min : (uint32_t)v;
}

static tn_host *add_host(tn_org *o, uint32_t *n, int site, int role, const char *name)
{
    tn_host *h = &o->hosts[(*n)++];
    memset(h, 0, sizeof(*h));
    snprintf(h->name, sizeof(h->name), "%s", name);
    snprintf(h->fqdn, sizeof(h->fqdn), "%s.%s", name, o->dns);
    h->site = (uint8_t)site;
    h->role = (uint8_t)role;
    h->dc = TN_NONE;
    return h;
}

static void add_fs(tn_org *o, uint32_t *n, int site, const char *name, int dept,
                   const char *share, const char *path, int crown, uint32_t *idx)
{
    *idx = *n;
    tn_host *h = add_host(o, n, site, TN_ROLE_FS, name);
    h->dept = (uint8_t)dept;
    h->share = share;
    h->share_path = path;
    h->crown = (uint8_t)crown;
}

/* count file servers for one department, numbered from 01; *first gets
 * the index of the first (they are contiguous). */
static void add_fs_group(tn_org *o, uint32_t *n, int site, const char *prefix, int dept,
                         const char *share, const char *path, uint32_t count, uint32_t *first)
{
    char name[24];
    *first = *n;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t idx;
        snprintf(name, sizeof(name), "%s%02u", prefix, i + 1);
        add_fs(o, n, site, name, dept, share, path, 0, &idx);
    }
}

/* Departments' file servers grow with the company, so that no server's
 * day (and the generator's memory for it) grows with the scale; the two
 * crown-jewel project servers stay two. */
static void add_servers(tn_org *o, uint32_t *n)
{
    char name[24];
    uint32_t ndc = scaled(o->scale, 1, 1);
    for (int site = 0; site < TN_SITE__COUNT; site++)
        for (uint32_t i = 0; i < (site == TN_SITE_HQ ? ndc + 1 : ndc); i++) {
            snprintf(name, sizeof(name), "%s-DC%02u", site_prefix[site], i + 1);
            add_host(o, n, site, TN_ROLE_DC, name);
        }
    uint32_t nfs = scaled(o->scale, 1, 1);
    o->n_fs_hr = o->n_fs_eng = o->n_fs_gen = nfs;
    add_fs_group(o, n, TN_SITE_HQ, "HQ-FS-HR", TN_DEPT_HR, "HR", "D:\\Shares\\HR", nfs, &o->fs_hr);
    add_fs_group(o, n, TN_SITE_RND, "RND-FS-ENG", TN_DEPT_ENG, "Engineering",
                 "D:\\Shares\\Engineering", nfs, &o->fs_eng);
    add_fs(o, n, TN_SITE_RND, "RND-FS-PRJ01", TN_DEPT_PRJ_A, "ProjectA", "E:\\Projects\\ProjectA", 1, &o->fs_prj_a);
    add_fs(o, n, TN_SITE_RND, "RND-FS-PRJ02", TN_DEPT_PRJ_B, "ProjectB", "E:\\Projects\\ProjectB", 1, &o->fs_prj_b);
    add_fs_group(o, n, TN_SITE_HQ, "HQ-FS-GEN", TN_DEPT_GENERAL, "Common", "D:\\Shares\\Common",
                 nfs, &o->fs_gen);
    for (int site = 0; site < TN_SITE__COUNT; site++) {
        snprintf(name, sizeof(name), "%s-AV01", site_prefix[site]);
        o->av[site] = *n;
        add_host(o, n, site, TN_ROLE_AV, name);
    }
    o->mail = *n;
    add_host(o, n, TN_SITE_HQ, TN_ROLE_MAIL, "HQ-MAIL01");
}

/* Workstations split 22:15:10 between the sites, per unit of scale; HQ
 * keeps at least six, which the breach and its confounders need. */
static void add_workstations(tn_org *o, uint32_t *n)
{
    static const int per[TN_SITE__COUNT] = {22, 15, 10}, min[TN_SITE__COUNT] = {6, 3, 2};
    char name[24];
    for (int site = 0; site < TN_SITE__COUNT; site++) {
        o->n_ws[site] = scaled(o->scale, per[site], (uint32_t)min[site]);
        for (uint32_t i = 0; i < o->n_ws[site]; i++) {
            snprintf(name, sizeof(name), "%s-WS%04u", site_prefix[site], i + 1);
            add_host(o, n, site, TN_ROLE_WS, name);
        }
    }
}

/* Addresses, domain controllers and per-host process ids. */
static void finish_hosts(tn_org *o, tn_rng *r)
{
    int srv[TN_SITE__COUNT] = {0}, ws[TN_SITE__COUNT] = {0};
    uint32_t first_dc[TN_SITE__COUNT], ndc[TN_SITE__COUNT] = {0}, seen[TN_SITE__COUNT] = {0};
    for (uint32_t i = 0; i < o->nhosts; i++)
        if (o->hosts[i].role == TN_ROLE_DC && !ndc[o->hosts[i].site]++)
            first_dc[o->hosts[i].site] = i;
    for (uint32_t i = 0; i < o->nhosts; i++) {
        tn_host *h = &o->hosts[i];
        int oc = site_octet[h->site];
        if (h->role == TN_ROLE_WS) {
            unsigned k = (unsigned)ws[h->site]++ & 0xffff;
            snprintf(h->ip, sizeof(h->ip), "10.%d.%u.%u", oc, 16 + k / 200, 10 + k % 200);
        } else {
            unsigned k = (unsigned)srv[h->site]++ & 0xffff;
            snprintf(h->ip, sizeof(h->ip), "10.%d.%u.%u", oc, 1 + k / 200, 10 + k % 200);
        }
        h->dc = h->role == TN_ROLE_DC ? i : first_dc[h->site] + (seen[h->site]++ % ndc[h->site]);
        h->lsass_pid = (uint32_t)tn_rng_range(r, 150, 220) * 4;
        h->sysmon_pid = (uint32_t)tn_rng_range(r, 500, 900) * 4;
        h->system_pid = 4;
    }
}

/* A unique lower-case "first.last" name (digits appended on repeats). */
static void person_name(tn_org *o, tn_rng *r, int site, uint32_t upto, char *out, size_t cap,
                        const char *prefix)
{
    int cn = site == TN_SITE_AFF;
    for (int tries = 0;; tries++) {
        const char *f = cn ? cn_first[tn_rng_below(r, N(cn_first))] : jp_first[tn_rng_below(r, N(jp_first))];
        const char *l = cn ? cn_last[tn_rng_below(r, N(cn_last))] : jp_last[tn_rng_below(r, N(jp_last))];
        if (tries < 20)
            snprintf(out, cap, "%s%c.%s", prefix, f[0], l);
        else
            snprintf(out, cap, "%s%c.%s%d", prefix, f[0], l, tries - 18);
        uint32_t i = 0;
        while (i < upto && strcmp(o->users[i].name, out))
            i++;
        if (i == upto)
            return;
    }
}

static uint32_t pick_ws(const tn_org *o, int site, uint32_t k)
{
    uint32_t count = 0, i;
    for (i = 0; i < o->nhosts; i++)
        if (o->hosts[i].role == TN_ROLE_WS && o->hosts[i].site == site)
            count++;
    k %= count;
    for (i = 0; i < o->nhosts; i++)
        if (o->hosts[i].role == TN_ROLE_WS && o->hosts[i].site == site && k-- == 0)
            return i;
    return TN_NONE;
}

static void add_user(tn_org *o, tn_rng *r, int kind, int site, int dept, const char *fixed)
{
    uint32_t u = o->nusers++;
    tn_user *a = &o->users[u];
    memset(a, 0, sizeof(*a));
    if (fixed)
        snprintf(a->name, sizeof(a->name), "%s", fixed);
    else
        person_name(o, r, site, u, a->name, sizeof(a->name), kind == TN_ACC_ADMIN ? "adm-" : "");
    snprintf(a->sid, sizeof(a->sid), "%s-%u", o->domain_sid, 1105 + u);
    a->kind = (uint8_t)kind;
    a->site = (uint8_t)site;
    a->dept = (uint8_t)dept;
    a->ws = kind == TN_ACC_SVC ? TN_NONE : pick_ws(o, site, (uint32_t)tn_rng_next(r));
}

/* Staff department by site: HQ has HR, R&D has engineering and the two
 * project teams; everyone else works on common files. */
static int staff_dept(int site, uint32_t k)
{
    if (site == TN_SITE_HQ)
        return k % 7 == 0 ? TN_DEPT_HR : TN_DEPT_GENERAL;
    if (site == TN_SITE_RND) {
        static const int d[] = {TN_DEPT_ENG, TN_DEPT_ENG, TN_DEPT_ENG, TN_DEPT_PRJ_A,
                                TN_DEPT_PRJ_B, TN_DEPT_GENERAL};
        return d[k % 6];
    }
    return TN_DEPT_GENERAL;
}

static void add_users(tn_org *o, tn_rng *r)
{
    static const char *const svc[] = {"svc_avmgmt", "svc_backup", "svc_sql", "svc_scan", "svc_print"};
    o->svc_av = o->nusers;
    for (size_t i = 0; i < N(svc); i++)
        add_user(o, r, TN_ACC_SVC, TN_SITE_HQ, TN_DEPT_IT, svc[i]);
    o->svc_backup = o->svc_av + 1;
    o->adm_aff = o->nusers;
    add_user(o, r, TN_ACC_ADMIN, TN_SITE_AFF, TN_DEPT_IT, NULL);
    add_user(o, r, TN_ACC_ADMIN, TN_SITE_AFF, TN_DEPT_IT, NULL);
    o->adm_confound = o->nusers;
    for (uint32_t i = 0; i < scaled(o->scale, 4, 2); i++)
        add_user(o, r, TN_ACC_ADMIN, TN_SITE_HQ, TN_DEPT_IT, NULL);
    for (uint32_t i = 0; i < scaled(o->scale, 2, 1); i++)
        add_user(o, r, TN_ACC_ADMIN, TN_SITE_RND, TN_DEPT_IT, NULL);
    uint32_t total = scaled(o->scale, 250, o->nusers + 20), k = 0;
    while (o->nusers < total) {
        uint32_t m = k % 47;   /* staff follow the 22:15:10 workstation split */
        int site = m < 22 ? TN_SITE_HQ : m < 37 ? TN_SITE_RND : TN_SITE_AFF;
        add_user(o, r, TN_ACC_STAFF, site, staff_dept(site, k / 47 + m), NULL);
        k++;
    }
}

int tn_org_build(tn_org *o, uint64_t seed, double scale, int days)
{
    memset(o, 0, sizeof(*o));
    o->seed = seed;
    o->scale = scale;
    o->days = days;
    /* Monday 2019-03-04 00:00 UTC: the breach season of the case modelled. */
    o->start = 131961312000000000ull;
    tn_rng r;
    tn_rng_seed(&r, tn_mix3(seed, 0x0e6, 0));
    snprintf(o->domain, sizeof(o->domain), "KITAMI");
    snprintf(o->dns, sizeof(o->dns), "kitami.local");
    snprintf(o->dns_upper, sizeof(o->dns_upper), "KITAMI.LOCAL");
    snprintf(o->domain_sid, sizeof(o->domain_sid), "S-1-5-21-%u-%u-%u",
             (unsigned)tn_rng_range(&r, 1000000000u, 4000000000u),
             (unsigned)tn_rng_range(&r, 1000000000u, 4000000000u),
             (unsigned)tn_rng_range(&r, 1000000000u, 4000000000u));
    uint32_t cap_hosts = scaled(scale, 63, 0) + 40, cap_users = scaled(scale, 250, 0) + 60;
    o->hosts = tn_calloc(cap_hosts, sizeof(tn_host));
    o->users = tn_calloc(cap_users, sizeof(tn_user));
    if (!o->hosts || !o->users) {
        tn_org_free(o);
        return -1;
    }
    add_servers(o, &o->nhosts);
    add_workstations(o, &o->nhosts);
    finish_hosts(o, &r);
    add_users(o, &r);
    return 0;
}

void tn_org_free(tn_org *o)
{
    tn_free(o->hosts);
    tn_free(o->users);
    o->hosts = NULL;
    o->users = NULL;
}

uint32_t tn_org_host_by_ip(const tn_org *o, const char *ip)
{
    for (uint32_t i = 0; i < o->nhosts; i++)
        if (!strcmp(o->hosts[i].ip, ip))
            return i;
    return TN_NONE;
}
