/* org.h - the synthetic organisation: sites, hosts, accounts, shares. */
#ifndef TN_GEN_ORG_H
#define TN_GEN_ORG_H

#include <stdint.h>

enum { TN_SITE_HQ, TN_SITE_RND, TN_SITE_AFF, TN_SITE__COUNT };
enum { TN_ROLE_DC, TN_ROLE_FS, TN_ROLE_AV, TN_ROLE_MAIL, TN_ROLE_WS };
/* What a file server holds; also the department of the staff who use it. */
enum { TN_DEPT_GENERAL, TN_DEPT_HR, TN_DEPT_ENG, TN_DEPT_PRJ_A, TN_DEPT_PRJ_B, TN_DEPT_IT };
enum { TN_ACC_STAFF, TN_ACC_ADMIN, TN_ACC_SVC };

#define TN_NONE UINT32_MAX

typedef struct tn_host {
    char name[24];          /* NetBIOS name, e.g. HQ-WS0012 */
    char fqdn[64];
    char ip[32];
    uint8_t site, role, dept;   /* dept: the share a file server holds */
    uint8_t crown;          /* 1: crown-jewel file server */
    uint32_t dc;            /* the domain controller it authenticates against */
    const char *share;      /* file servers: share name */
    const char *share_path; /* file servers: local path of the share */
    uint32_t lsass_pid, sysmon_pid, system_pid; /* stable per boot */
} tn_host;

typedef struct tn_user {
    char name[32];          /* sAMAccountName */
    char sid[64];
    uint8_t kind, site, dept;
    uint32_t ws;            /* home workstation, TN_NONE for service accounts */
} tn_user;

typedef struct tn_org {
    uint64_t seed;
    double scale;           /* 1: 60 hosts, 250 accounts; fractions make small test orgs */
    int days;
    uint64_t start;         /* FILETIME of day 0, 00:00 UTC */
    char domain[16];        /* NetBIOS domain, e.g. KITAMI */
    char dns[32];           /* DNS domain, e.g. kitami.local */
    char dns_upper[32];
    char domain_sid[48];    /* S-1-5-21-a-b-c */
    tn_host *hosts;
    uint32_t nhosts;
    tn_user *users;
    uint32_t nusers;
    /* Named roles the scenario refers to. */
    uint32_t av[TN_SITE__COUNT], fs_hr, fs_eng, fs_prj_a, fs_prj_b, fs_gen, mail;
    uint32_t svc_av, svc_backup, adm_aff, adm_confound; /* accounts */
    uint32_t n_fs_hr, n_fs_eng, n_fs_gen, n_ws[TN_SITE__COUNT]; /* contiguous from fs_* */
} tn_org;

/* Builds the organisation for a seed and scale (>= 1). Returns 0 or -1
 * when out of memory. tn_org_free releases it. */
int tn_org_build(tn_org *o, uint64_t seed, double scale, int days);
void tn_org_free(tn_org *o);
/* Host by IPv4 text, or TN_NONE. Linear; callers cache. */
uint32_t tn_org_host_by_ip(const tn_org *o, const char *ip);

#endif
