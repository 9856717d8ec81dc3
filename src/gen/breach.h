/* breach.h - the intrusion's timeline, modelled on the 2019 Mitsubishi Electric case. */
#ifndef TN_GEN_BREACH_H
#define TN_GEN_BREACH_H

#include "gen/act.h"

/* When each step happens and which hosts it uses. Times are FILETIMEs;
 * steps keep their order whatever --days is (at least 20 minutes apart). */
typedef struct tn_breach {
    uint32_t ws_a, ws_b;        /* HQ workstations the attacker takes by RDP */
    uint32_t psexec_ws;         /* benign PsExec target (confounder) */
    uint32_t it_admin;          /* the admin who runs that benign PsExec */
    uint64_t t_open_rdp, t_exploit, t_dump, t_lateral, t_runas, t_rdp_a, t_rdp_b;
    uint64_t t_confound, t_fs_hr, t_fs_eng, t_stage, t_exfil, t_clear, t_end;
    uint64_t t_psexec_benign;
    uint64_t lost_from;         /* HQ-AV01 Security records in [lost_from, t_clear) are lost */
    uint64_t gap_from, gap_to;  /* RND-FS-PRJ02 Security log silent in [gap_from, gap_to) */
} tn_breach;

void tn_breach_init(tn_breach *b, const tn_org *o);
/* Adds the breach's activities that start on day (0-based). */
void tn_breach_plan_day(const tn_breach *b, const tn_org *o, int day, tn_acts *v);

#endif
