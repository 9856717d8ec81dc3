/* act.h - activities: who did what, where and when; each expands into events on several hosts. */
#ifndef TN_GEN_ACT_H
#define TN_GEN_ACT_H

#include "gen/org.h"
#include "gen/sink.h"

#include <stdint.h>

/* Benign kinds first, then the breach's. */
enum {
    TN_A_BOOT,       /* dst reboots: 4608 */
    TN_A_CONSOLE,    /* user logs on at dst's console and stays (type 2) */
    TN_A_WS_DAY,     /* a working day at the user's workstation dst */
    TN_A_FS,         /* user at src reads aux files on file server dst */
    TN_A_RDP,        /* admin RDPs from src to dst; flag OPEN: no logoff */
    TN_A_PSEXEC,     /* admin runs PsExec from src on dst */
    TN_A_FAIL,       /* user mistypes a password at dst */
    TN_A_SVC,        /* software installs a service on dst */
    TN_A_TASK,       /* admin creates a scheduled task on dst */
    TN_A_AV_PUSH,    /* AV server src pushes a pattern update to dst */
    TN_A_SERVER_BG,  /* a server's own daily processes */
    TN_A_HEARTBEAT,  /* services start every few hours: 4624 type 5 + 4672, Sysmon 1 */
    TN_X_EXPLOIT,    /* AV web console exploited: shell, random service */
    TN_X_DUMP,       /* LSASS dumped with comsvcs.dll */
    TN_X_RUNAS,      /* stolen credentials used explicitly (4648) */
    TN_X_STAGE,      /* files packed into a password-protected archive */
    TN_X_EXFIL,      /* archive sent to the attacker's server */
    TN_X_CLEAR,      /* Security log cleared */
    TN_X_BEACON,     /* implant calls home */
    TN_A__COUNT
};

enum { TN_ACT_OPEN = 1 };

/* Technique tags carried by malicious events (0 = benign). */
enum {
    TN_T_NONE, TN_T_EXPLOIT, TN_T_SERVICE, TN_T_LSASS, TN_T_PSEXEC, TN_T_RDP, TN_T_SHARE,
    TN_T_ARCHIVE, TN_T_EXFIL, TN_T_CLEAR, TN_T_VALID, TN_T_C2, TN_T__COUNT
};
extern const char *const tn_technique_names[TN_T__COUNT];

typedef struct tn_act {
    uint64_t t0, t1;    /* FILETIME start and end, within one day */
    uint64_t rnd;       /* seeds the values shared by all hosts involved */
    uint32_t kind, user, src, dst, aux;
    uint16_t tag;       /* technique, 0 for benign activity */
    uint16_t flags;
} tn_act;

typedef struct tn_acts {
    tn_act *a;
    uint32_t n, cap;
    int oom;
} tn_acts;

tn_act *tn_acts_add(tn_acts *v, uint32_t kind, uint64_t t0, uint64_t t1, uint64_t rnd);

/* The hosts whose logs an activity writes to (up to 3); returns the count. */
int tn_act_hosts(const tn_org *o, const tn_act *a, uint32_t out[3]);
/* Emits the events of a that happen on host. */
void tn_act_expand(const tn_org *o, const tn_act *a, uint32_t host, tn_sink *sink);
void tn_ws_day_expand(tn_ctx *c, const tn_act *a, uint32_t host, tn_rng *sh);
void tn_fs_expand(tn_ctx *c, const tn_act *a, uint32_t host, tn_rng *sh);
/* Breach activities, expanded by breach.c. */
void tn_breach_expand(tn_ctx *c, const tn_act *a, uint32_t host, tn_rng *shared);

#endif
