/* truth_int.h - the truth pass's state, shared by its rules and its JSON writer. */
#ifndef TN_GEN_TRUTH_INT_H
#define TN_GEN_TRUTH_INT_H

#include "base/arena.h"
#include "gen/truth.h"

/* A record relevant to scope, kept for the day and then applied in time order. */
enum { R_SEED, R_LOGON, R_LOGOFF, R_BOOT, R_EXPLICIT, R_DUMP, R_OBJ };

typedef struct trec {
    uint64_t time, order, record_id, logon_id;
    uint32_t kind, host, file, acct, src;   /* src: TN_NONE when unknown */
    uint16_t event_id;
    uint8_t logon_type;
    const char *share, *path;               /* R_OBJ, in the day arena */
} trec;

typedef struct tacct {
    char *key, *display;        /* key: DOMAIN\name lower-cased name */
    uint64_t at;                /* compromised from (0: not) */
    const char *how;
    uint32_t host, file;
    uint64_t record_id;
} tacct;

typedef struct thost {
    uint64_t at;                /* compromised from (0: not) */
    const char *how;
    uint32_t src, acct, file;   /* via */
    uint8_t logon_type;
    uint64_t record_id;
    uint32_t epoch;             /* boots seen: sessions of older epochs are over */
} thost;

typedef struct tlog {           /* one (host, channel) log */
    uint64_t first, last, last_id, count;
    uint64_t hours;             /* distinct clock hours with events (time order) */
    uint32_t file, silences;
} tlog;

typedef struct tgap { uint32_t host, channel; uint64_t from, to; const char *reason; } tgap;
typedef struct tedge { uint32_t src, dst, acct; uint64_t time; uint8_t type; } tedge;
typedef struct tobj { uint32_t host, acct; char *share, *path; uint64_t time; uint16_t event_id; } tobj;
typedef struct tmal { uint32_t file, host; uint64_t record_id, time; uint16_t tag, event_id; } tmal;
typedef struct tsess { uint64_t key; uint32_t acct, src, epoch; uint8_t type; } tsess;

#define VEC(T) struct { T *v; uint32_t n, cap; }

struct tn_truth {
    const tn_org *o;
    thost *hosts;
    tlog *logs;                 /* nhosts * TN_CH__COUNT */
    VEC(tacct) accts;
    uint32_t *acct_tab, acct_tab_cap;   /* hash of key -> acct index + 1 */
    VEC(char *) files;
    uint32_t *file_of_log;              /* host * TN_CH__COUNT + channel -> files index + 1 */
    uint32_t *ip_tab, ip_tab_cap;       /* hash of ip -> host index + 1 */
    VEC(trec) day;
    tn_arena day_arena;
    tsess *sess;
    uint32_t sess_cap, sess_n;
    VEC(tgap) gaps;
    VEC(tedge) edges;
    VEC(tobj) objs;
    VEC(tmal) mal;
    VEC(tgap) silences;         /* candidates; kept if the log is steady */
    uint64_t order, seed_time, seed_record, end;
    uint32_t seed_host, seed_file;
    int seeded, oom;
};

/* Grows a VEC by one; returns the new slot or NULL (and sets t->oom). */
#define VEC_PUSH(t, vec)                                                               \
    ((vec).n < (vec).cap || tn_truth_grow((t), (void **)&(vec).v, &(vec).cap, sizeof(*(vec).v)) \
         ? &(vec).v[(vec).n++] : NULL)
int tn_truth_grow(tn_truth *t, void **v, uint32_t *cap, size_t size);

uint64_t tn_truth_host_at(const tn_truth *t, uint32_t h);
/* Looks up or creates an account; TN_NONE for accounts that never spread. */
uint32_t tn_truth_account(tn_truth *t, const char *domain, const char *name, const char *sid);
uint32_t tn_truth_host_by_ip(tn_truth *t, const char *ip);
uint32_t tn_truth_host_by_name(const tn_truth *t, const char *name);
void tn_truth_apply(tn_truth *t, const trec *r);

#endif
