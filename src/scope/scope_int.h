/* scope_int.h - the scope stage's internal state, shared by its files only. */
#ifndef TN_SCOPE_INT_H
#define TN_SCOPE_INT_H

#include "base/map.h"
#include "scope/scope.h"

/* Record kinds, in the order records of one microsecond are processed:
 * logons open sessions before a dump at that time looks at them, and a
 * logoff or boot at the dump's time still leaves the session open. */
enum {
    SC_LOGON,   /* 4624 of type 2/3/9/10/11 */
    SC_EXPLICIT, /* 4648: account = the Target account */
    SC_DUMP,    /* Sysmon 1 or 10 dumping LSASS */
    SC_SHARE,   /* 5140: only teaches ShareLocalPath */
    SC_OBJ5145,
    SC_OBJ4663,
    SC_LOGOFF,  /* 4634 / 4647 */
    SC_BOOT,    /* 4608 */
};

enum { HOW_NONE, HOW_SEED, HOW_LATERAL, HOW_EXPOSED, HOW_EXPLICIT, HOW_DUMPED };

typedef struct sc_rec {
    uint64_t time;
    uint64_t record_id;
    uint64_t logon_id;   /* Target (4624/4634/4647) or Subject (4663) LogonId */
    uint32_t file;       /* string id */
    int32_t host;        /* host id of Computer */
    int32_t src;         /* resolved source host, -1 unknown */
    int32_t account;     /* -1: excluded or none */
    union {              /* by kind, to keep records at 64 bytes */
        uint64_t end;    /* SC_LOGON: interactive session end, 0 = open */
        struct {
            int32_t share, path; /* objects: string ids, -1 none (4663: path = ObjectName) */
        };
    };
    union {
        struct {
            int32_t ip; /* SC_LOGON, SC_OBJ5145: string id of IpAddress, -1 none */
            int32_t ws; /* SC_LOGON: host id of WorkstationName, -1 none */
        };
        struct {
            uint32_t aux, naux; /* SC_DUMP: accounts in s->dumpacc[aux..aux+naux) */
        };
    };
    uint16_t event_id;
    uint8_t kind, ltype;
} sc_rec;

typedef struct sc_host {
    uint64_t time; /* compromise time, 0 = never */
    int32_t proof; /* record index, -1 for a seed */
    uint8_t how, crown;
} sc_host;

typedef struct sc_acct {
    uint64_t time;
    int32_t proof, host;
    uint8_t how;
} sc_acct;

typedef struct sc_hour {
    uint32_t hour;
    uint64_t min, max;
} sc_hour;

typedef struct sc_log {
    int32_t host;
    uint32_t channel; /* string id */
    uint64_t first, last, prev_time, prev_rid;
    uint32_t prev_file; /* string id of the file of the previous event */
    sc_hour *hours;
    uint32_t nhours, caphours;
} sc_log;

typedef struct sc_gap {
    int32_t host;
    uint32_t channel;
    uint64_t from, to;
    uint8_t reason; /* 0 cleared, 1 silence, 2 record_ids */
} sc_gap;

typedef struct sc_sharepath {
    int32_t host, share;
    char *local; /* upper-cased, no "\??\" and no trailing "\" */
    size_t len;
} sc_sharepath;

typedef struct sc_obj {
    int32_t rec, share, path;
} sc_obj;

typedef struct sc_jewel {
    int32_t host;
    uint8_t verdict; /* 0 touched, 1 assured_untouched, 2 cannot_assure */
    char reason[200];
} sc_jewel;

#define SC_VEC(T, name) T *name; size_t n##name, cap##name

struct tn_scope {
    tn_map hosts, accts, strs, logs;
    SC_VEC(sc_host, hv);
    SC_VEC(sc_acct, av);
    SC_VEC(int32_t, iphost);   /* string id -> host id + 1 (0 unknown) */
    SC_VEC(uint8_t, ipasset);  /* string id -> 1 when set by --assets */
    SC_VEC(sc_rec, rec);
    SC_VEC(sc_log, lv);
    SC_VEC(sc_gap, gap);
    SC_VEC(sc_sharepath, sp);
    SC_VEC(int32_t, dumpacc);
    SC_VEC(int32_t, edge);     /* record indices */
    SC_VEC(sc_obj, obj);
    SC_VEC(sc_jewel, jw);
    SC_VEC(int32_t, seedh);    /* host ids seeded */
    SC_VEC(int32_t, seeda);
    tn_arena arena;            /* display names of accounts */
    const char **acct_name;    /* per account id: DOMAIN\name as first seen */
    size_t capacct_name;
    uint64_t silence, win_from, win_to, nevents, ip_conflicts;
    const char *last_file;
    uint32_t last_file_id;
    int32_t last_log;          /* cache: log of the previous event, -1 */
    int oom;
};

/* Grow vector v (element size sz) to hold n+1; 0 or -1. */
int sc_grow(void **v, size_t *cap, size_t n, size_t sz);
#define SC_PUSH(s, name) \
    (sc_grow((void **)&(s)->name, &(s)->cap##name, (s)->n##name, sizeof(*(s)->name)) ? NULL \
     : &(s)->name[(s)->n##name++])

/* Names (collect.c). Host id of a name (cut at the first dot, upper case;
 * FQDNs of assets map to their host), -1 when empty or "-" or oom. */
int32_t sc_host_id(tn_scope *s, const char *name, size_t len);
/* Account id of DOMAIN and name, -1 when excluded by the rules. */
int32_t sc_acct_id(tn_scope *s, const char *dom, size_t dl, const char *name, size_t nl);
int32_t sc_str_id(tn_scope *s, const char *str, size_t len);
static inline const char *sc_str(const tn_scope *s, int32_t id) { return id < 0 ? "" : tn_map_key(&s->strs, (uint32_t)id); }
const char *sc_how_name(uint8_t how);

/* Logs and gaps (gaps.c). */
int sc_log_event(tn_scope *s, const tn_event *ev, int32_t host);
int sc_gaps(tn_scope *s);
int sc_verdicts(tn_scope *s);

/* Spread (spread.c). */
int sc_spread(tn_scope *s);

#endif
