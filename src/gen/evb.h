/* evb.h - event builders: one function per Windows event, fields as Windows fills them. */
#ifndef TN_GEN_EVB_H
#define TN_GEN_EVB_H

#include "gen/sink.h"

/* An account as events name it. */
typedef struct tn_who {
    const char *sid, *name, *domain;
    uint64_t logon_id;
} tn_who;

/* A process as Sysmon describes it. */
typedef struct tn_proc {
    const char *image, *cmdline, *cwd, *user, *integrity;
    uint32_t pid;
    uint64_t guid_lo, guid_hi;
    uint64_t logon_id;
    uint32_t session;
} tn_proc;

tn_who tn_who_user(const tn_org *o, uint32_t u, uint64_t logon_id);
tn_who tn_who_machine(tn_ctx *c, uint32_t host);  /* HOST$, logon id 0x3e7 */
tn_who tn_who_system(void);
tn_who tn_who_nobody(void);                       /* S-1-0-0, "-" */
uint64_t tn_rand_logon_id(tn_rng *r);
/* "DOMAIN\\name" of account u, as Sysmon's User field shows it. */
const char *tn_user_text(tn_ctx *c, uint32_t u);
/* A Sysmon process GUID for a process started on host. */
void tn_proc_guid(tn_rng *r, uint32_t host, tn_proc *p);

void tn_ev_4608(tn_ctx *c, uint64_t t, uint32_t host);
void tn_ev_4624(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *subj, const tn_who *tgt,
                int type, int kerberos, uint32_t src, uint16_t port, int elevated);
void tn_ev_4625(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *tgt, int type, uint32_t src);
void tn_ev_4634(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *tgt, int type);
void tn_ev_4647(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *tgt);
void tn_ev_4648(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *subj, const tn_who *tgt,
                uint32_t server, const char *process, uint32_t pid);
void tn_ev_4672(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *subj);
void tn_ev_4698(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *subj, const char *task,
                const char *command);
void tn_ev_4768(tn_ctx *c, uint64_t t, uint32_t dc, uint32_t user, uint32_t src);
/* A service ticket for the machine account of host service (cifs, TERMSRV, host). */
void tn_ev_4769(tn_ctx *c, uint64_t t, uint32_t dc, uint32_t user, uint32_t service, uint32_t src);
void tn_ev_4776(tn_ctx *c, uint64_t t, uint32_t dc, const char *user, uint32_t ws, int ok);
void tn_ev_5140(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *subj, uint32_t src,
                uint16_t port, const char *share, const char *path);
void tn_ev_5145(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *subj, uint32_t src,
                uint16_t port, const char *share, const char *path, const char *rel, int write);
void tn_ev_4663(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *subj, const char *object);
void tn_ev_7045(tn_ctx *c, uint64_t t, uint32_t host, const char *sid, const char *name,
                const char *image, const char *start, const char *account);
void tn_ev_7036(tn_ctx *c, uint64_t t, uint32_t host, const char *service, const char *state);
void tn_ev_1102(tn_ctx *c, uint64_t t, uint32_t host, const tn_who *subj);
void tn_ev_proc(tn_ctx *c, uint64_t t, uint32_t host, const tn_proc *p, const tn_proc *parent);
void tn_ev_net(tn_ctx *c, uint64_t t, uint32_t host, const tn_proc *p, const char *dst_ip,
               const char *dst_name, uint16_t dst_port, uint16_t src_port);
void tn_ev_access(tn_ctx *c, uint64_t t, uint32_t host, const tn_proc *src, const tn_proc *dst,
                  uint32_t access, const char *calltrace);

#endif
