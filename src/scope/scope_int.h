/* scope_int.h - the scope stage's internal state, shared by its files only.
 *
 * Two phases. Reading (collect.c, gaps.c, runs.c), on any number of
 * worker threads: each event updates its log's statistics in the worker's
 * own tables, and an event the rules need becomes one small record (sc_rec)
 * in the worker's run buffer; a full buffer is sorted by time and written
 * to a temporary file. Spreading (spread.c), on one thread: the runs are
 * merged back in time order and the rules are applied online, with state
 * per host, account, open session and log only. */
#ifndef TN_SCOPE_INT_H
#define TN_SCOPE_INT_H

#include "base/map.h"
#include "scope/scope.h"

#include <pthread.h>
#include <stdio.h>

/* Record kinds, in the order records of one microsecond are processed:
 * logons open sessions before a dump at that time looks at them, and a
 * logoff or boot at the dump's time still leaves the session open. */
enum {
    SC_LOGON,    /* 4624 of type 2/3/9/10/11 */
    SC_EXPLICIT, /* 4648: account = the Target account */
    SC_DUMP,     /* Sysmon 1 or 10 dumping LSASS */
    SC_OBJ5145,
    SC_OBJ4663,
    SC_LOGOFF,   /* 4634 / 4647 */
    SC_BOOT,     /* 4608 */
};

enum { HOW_NONE, HOW_SEED, HOW_LATERAL, HOW_EXPOSED, HOW_EXPLICIT, HOW_DUMPED };

/* One event the rules need. 64 bytes; in a run file each record is
 * followed by its plen path bytes (4663 ObjectName, 5145 RelativeTargetName). */
typedef struct sc_rec {
    uint64_t time;
    uint64_t record_id;
    uint64_t offset;     /* in its file: the last tie-breaker of the order */
    uint64_t logon_id;   /* Target (4624/4634/4647) or Subject (4663) LogonId */
    uint32_t file;       /* file id (s->files) */
    int32_t host;        /* host id of Computer */
    int32_t account;     /* -1: excluded or none */
    int32_t ip;          /* SC_LOGON, SC_OBJ5145: string id of "I:" IpAddress, -1 none */
    int32_t aux;         /* SC_LOGON: WorkstationName as host id, -1 none, or -2 - (string
                          * id) of an address; SC_OBJ5145: share string id */
    uint32_t poff;       /* in memory only: offset of the path in the run's bytes */
    uint16_t plen;
    uint16_t event_id;
    uint8_t kind, ltype;
    uint8_t pad[2];
} sc_rec;

/* The event that proved a compromise (file, record id and what the
 * output shows of it), kept with the host or account. */
typedef struct sc_proof {
    uint64_t record_id;
    uint32_t file;
    int32_t host, src, account; /* host: where it happened; src, account: of a logon */
    uint8_t ltype;
} sc_proof;

typedef struct sc_host {
    uint64_t time;   /* compromise time, 0 = never */
    sc_proof proof;  /* meaningful unless how is HOW_SEED */
    uint8_t how, crown;
} sc_host;

typedef struct sc_acct {
    uint64_t time;
    uint64_t name_pos; /* position of the event that named it (display name: first seen) */
    sc_proof proof;
    uint8_t how;
} sc_acct;

/* Hours with events, 64 to a block (block = hour / 64). */
typedef struct sc_blk {
    uint32_t block;
    uint64_t bits;
} sc_blk;

/* A stretch of a log's events in which consecutive events are at most the
 * silence apart: the silences are exactly the spaces between stretches. */
typedef struct sc_span {
    uint64_t from, to;
} sc_span;

/* A log's hours, first and last time and stretches, as one worker (or,
 * after the merge, the whole input) saw them. */
typedef struct sc_stat {
    uint64_t first, last;
    sc_blk *blk;
    sc_span *span;
    uint32_t nblk, capblk, nspan, capspan;
} sc_stat;

typedef struct sc_log {
    int32_t host;
    uint32_t channel;      /* string id */
    sc_stat st;            /* merged after reading */
    uint32_t fold_file;    /* record-id check across chunks: file folded last */
    uint64_t fold_rid, fold_time;
} sc_log;

/* What one worker saw of one log in one chunk (or one JSON file): its
 * first and last record, for the record-id and clearing checks across
 * chunk boundaries, which are made in chunk order (gaps.c). */
typedef struct sc_seg {
    uint64_t chunk;
    uint32_t log;
    uint8_t head_clear;
    uint64_t head_rid, head_time, last_rid, last_time;
} sc_seg;

/* A worker's view of one log: statistics and the current segment. */
typedef struct sc_wlog {
    sc_stat st;
    uint32_t seg_gen;      /* == worker's seg_gen while the log is in the segment */
    sc_seg seg;
} sc_wlog;

typedef struct sc_gap {
    int32_t host;
    uint32_t channel;
    uint64_t from, to;
    uint8_t reason; /* 0 cleared, 1 silence, 2 record_ids */
} sc_gap;

typedef struct sc_sharepath {
    int32_t host, share;
    uint64_t pos;  /* position of the event that taught it: first seen wins */
    char *local;   /* upper-cased, no "\??\" and no trailing "\" */
    size_t len;
} sc_sharepath;

/* Output: an edge (a logon that spread or used the compromise). */
typedef struct sc_edge {
    uint64_t time, record_id;
    uint32_t file;
    int32_t src, dst, account;
    uint8_t ltype;
} sc_edge;

/* Output: an object touched. */
typedef struct sc_obj {
    uint64_t time, record_id;
    uint32_t file;
    int32_t host, account, share, path; /* share, path: string ids */
    uint16_t event_id;
} sc_obj;

typedef struct sc_jewel {
    int32_t host;
    uint8_t verdict; /* 0 touched, 1 assured_untouched, 2 cannot_assure */
    char reason[200];
} sc_jewel;

/* A sorted run of records: in memory (v, bytes) or in a temporary file. */
typedef struct sc_run {
    FILE *f;
    sc_rec *v;
    char *bytes;
    size_t n;
    int level;     /* runs merged from FANIN runs of level L are of level L+1 */
} sc_run;

#define SC_VEC(T, name) T *name; size_t n##name, cap##name

/* One reading thread's own state: no lock needed to touch it. */
typedef struct sc_worker {
    SC_VEC(sc_wlog, wl);       /* by log id */
    SC_VEC(uint32_t, touched); /* logs in the current segment */
    uint32_t seg_gen, seg_file;
    uint64_t seg_chunk;
    int seg_open;
    char comp[256], chan[128]; /* cache: the last Computer and Channel ... */
    int32_t comp_host, chan_log; /* ... their host and log ids (-2: none) */
    SC_VEC(sc_rec, rec);       /* the run being filled */
    SC_VEC(char, bytes);
    uint64_t nevents, nrecords;
    int oom;
} sc_worker;

struct tn_scope {
    pthread_mutex_t mu;        /* while reading, guards the tables below (workers
                                * keep to their own sc_worker); the spread runs alone */
    tn_map hosts, accts, strs, logs, shares;
    SC_VEC(sc_host, hv);
    SC_VEC(sc_acct, av);
    SC_VEC(int32_t, iphost);   /* string id -> host id + 1 (0 unknown) */
    SC_VEC(uint8_t, ipflag);   /* string id -> 1 set by --assets, 2 seen for two hosts */
    SC_VEC(uint64_t, ippos);   /* string id -> position that taught it (first seen wins) */
    SC_VEC(sc_log, lv);
    SC_VEC(sc_gap, gap);
    SC_VEC(sc_sharepath, sp);
    SC_VEC(sc_seg, pend);      /* segments of the current file not yet folded */
    SC_VEC(const char *, files); /* file id -> path (arena) */
    SC_VEC(sc_run, runs);
    SC_VEC(sc_edge, edge);
    SC_VEC(sc_obj, obj);
    SC_VEC(sc_jewel, jw);
    SC_VEC(int32_t, seedh);    /* host ids seeded */
    SC_VEC(int32_t, seeda);
    sc_worker *wk;
    int nwk;
    tn_arena arena;            /* display names of accounts, file paths */
    const char **acct_name;    /* per account id: DOMAIN\name as first seen */
    size_t capacct_name;
    size_t budget;             /* bytes of records per worker before a run is written */
    uint64_t silence, win_from, win_to, nevents, nrecords, nspilled;
    size_t nruns_merged, sessions_peak; /* for the stats */
    uint64_t fold_next;        /* next chunk of the current file to fold */
    uint32_t cur_file;         /* file being read (set by tn_scope_file) */
    int cur_chunked;           /* 1: EVTX, segments are chunks; 0: one segment */
    const char *last_file;     /* tn_scope_add: file of the previous event */
    int oom;
    int io_errno;              /* first temporary-file error (atomic), 0 */
};

/* Grow vector v (element size sz) to hold n+1; 0 or -1. */
int sc_grow(void **v, size_t *cap, size_t n, size_t sz);
#define SC_PUSH(s, name) \
    (sc_grow((void **)&(s)->name, &(s)->cap##name, (s)->n##name, sizeof(*(s)->name)) ? NULL \
     : &(s)->name[(s)->n##name++])

/* Names (collect.c; callers hold s->mu while reading). Host id of a name
 * (cut at the first dot, upper case; FQDNs of assets map to their host),
 * -1 when empty or "-" or oom. */
int32_t sc_host_id(tn_scope *s, const char *name, size_t len);
/* Account id of DOMAIN and name, -1 when excluded by the rules. pos orders
 * the events that name it: the display name is that of the smallest. */
int32_t sc_acct_id(tn_scope *s, const char *dom, size_t dl, const char *name, size_t nl, uint64_t pos);
int32_t sc_str_id(tn_scope *s, const char *str, size_t len);
/* The id of a mapping key: tag 'F' FQDN or 'I' address, upper-cased, in
 * s->strs; add 0 only looks it up (-1 when absent). */
int32_t sc_key_id(tn_scope *s, char tag, const char *v, size_t n, int add);
/* Learn that address (or FQDN) ipid is host; assets always win, else the
 * smallest position. */
void sc_map_ip(tn_scope *s, int32_t ipid, int32_t host, int asset, uint64_t pos);
static inline const char *sc_str(const tn_scope *s, int32_t id) { return id < 0 ? "" : tn_map_key(&s->strs, (uint32_t)id); }
const char *sc_how_name(uint8_t how);
/* Position of an event in the input: file, then offset; orders "first seen". */
static inline uint64_t sc_pos(uint32_t file, uint64_t offset) { return ((uint64_t)file + 1) << 36 | (offset & ((1ULL << 36) - 1)); }
/* The share of a 4663 ObjectName on host (longest ShareLocalPath prefix), -1. */
int32_t sc_share_of(const tn_scope *s, int32_t host, const char *obj, size_t ol);

/* Logs and gaps (gaps.c). sc_log_event runs on worker w, s->mu not held. */
int sc_log_event(tn_scope *s, sc_worker *w, const tn_event *ev, int32_t host, int32_t log);
/* Close worker w's segment: its logs' first and last records go to the
 * chunk-ordered checks. Takes s->mu. */
int sc_seg_close(tn_scope *s, sc_worker *w);
/* End of the current file: fold what is left of its segments. Locked. */
int sc_fold_file(tn_scope *s);
/* After reading: merge the workers' statistics, then find the silences. */
int sc_gaps(tn_scope *s);
int sc_verdicts(tn_scope *s);
void sc_stat_free(sc_stat *st);

/* Runs (runs.c). Push a record (and its path) into worker w's run;
 * writes the run out when the worker's budget is used. */
int sc_run_push(tn_scope *s, sc_worker *w, const sc_rec *r, const char *path, size_t plen);
/* After reading: the workers' last runs join the list (sorted, in memory). */
int sc_runs_finish(tn_scope *s);
void sc_runs_free(tn_scope *s);
int sc_rec_cmp(const sc_rec *a, const sc_rec *b);

/* Merge of all runs in record order. */
typedef struct sc_merge sc_merge;
sc_merge *sc_merge_open(sc_run *runs, size_t n);
/* 1 with *r and *path (valid until the next call), 0 at the end, -1 on error. */
int sc_merge_next(sc_merge *m, const sc_rec **r, const char **path);
void sc_merge_close(sc_merge *m);

/* Spread (spread.c): merge the runs and apply the rules in time order. */
int sc_spread(tn_scope *s);

#endif
