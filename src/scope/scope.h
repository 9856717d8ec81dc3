/* scope.h - follow a compromise through time: hosts, accounts, objects, gaps (issue 6). */
#ifndef TN_SCOPE_H
#define TN_SCOPE_H

#include "base/buf.h"
#include "read/event.h"

#include <stddef.h>
#include <stdint.h>

/* Usage: tn_scope_new, then assets, crown jewels, seeds and settings (any
 * order), then the events, then tn_scope_run once, then the accessors or
 * tn_scope_json/tn_scope_text. Events come either through tn_scope_add
 * (one thread, each file's events in file order), or from several reading
 * threads: tn_scope_set_threads, then for each input file tn_scope_file
 * (while no worker is adding) and tn_scope_add_worker from its workers.
 *
 * Memory is bounded by hosts, accounts, logs, open sessions and the
 * output, not by events: each event the rules need (4624 of types
 * 2/3/9/10/11, 4634, 4647, 4608, 4648, 5145, 4663, LSASS dumps) becomes a
 * 64-byte record in a per-worker buffer of tn_scope_set_budget bytes,
 * sorted by time and written to a temporary file when full; tn_scope_run
 * merges these runs back in time order and applies the rules online.
 * Functions returning int give 0, or -1 when out of memory, on a
 * temporary-file error (or, for the parsers, bad text). */
typedef struct tn_scope tn_scope;

#define TN_SCOPE_HOUR 36000000000ULL /* one hour in FILETIME units */

tn_scope *tn_scope_new(void);
void tn_scope_free(tn_scope *s);

/* Consecutive events of a steady log further apart than this are a
 * silence (default 24 h, FILETIME units). Before any event: logs keep
 * their events as stretches cut at this length. */
void tn_scope_set_silence(tn_scope *s, uint64_t ft);

/* One asset: host (short name) and ip are required; fqdn and role may be
 * NULL or "". Role "crown_jewel" makes the host a crown jewel. */
int tn_scope_asset(tn_scope *s, const char *host, const char *ip, const char *fqdn, const char *role);
/* Read an assets CSV (header with host and ip; fqdn, site, role optional).
 * Returns 0, -1 on a bad file (message in err, 256 bytes). */
int tn_scope_assets_csv(tn_scope *s, const char *path, char *err);
int tn_scope_crown(tn_scope *s, const char *host);
/* "host:NAME@TIME" or "account:DOMAIN\NAME@TIME". -1 on bad text. */
int tn_scope_seed(tn_scope *s, const char *spec);
int tn_scope_seed_host(tn_scope *s, const char *host, uint64_t time);
int tn_scope_seed_account(tn_scope *s, const char *account, uint64_t time);

/* Bytes of records each worker holds before writing a sorted run to a
 * temporary file (default 8 MiB; at least 4 KiB). */
void tn_scope_set_budget(tn_scope *s, size_t bytes);
/* Number of reading threads (default 1). Before any event. */
int tn_scope_set_threads(tn_scope *s, int n);

/* Take what the rules need from one event; ev->file names its file. One
 * thread; each file's events in file order. */
int tn_scope_add(tn_scope *s, const tn_event *ev);
/* The next input file (path as events will name it). chunked: EVTX, whose
 * 64 KiB chunks workers read in any order, events of one chunk in order
 * on one worker (ev->offset tells the chunk); otherwise the file's events
 * come in order on one worker. Call when no worker is adding. */
int tn_scope_file(tn_scope *s, const char *path, int chunked);
/* Take one event of the current file on worker w (0 <= w < threads).
 * Safe to call from the workers at once, each with its own w. */
int tn_scope_add_worker(tn_scope *s, int w, const tn_event *ev);
/* Compute spread, objects, gaps, window and verdicts. Once. */
int tn_scope_run(tn_scope *s);

/* Why the last call failed: "out of memory" or a temporary-file error. */
const char *tn_scope_error(const tn_scope *s);

/* Results. Names are matched as the rules say (short uppercase hosts,
 * DOMAIN cut at its first dot, names without regard to case). how is
 * "seed", "lateral", "exposed", "explicit" or "dumped"; 0 = never. */
uint64_t tn_scope_host_time(const tn_scope *s, const char *host, const char **how);
uint64_t tn_scope_account_time(const tn_scope *s, const char *account, const char **how);
size_t tn_scope_nedges(const tn_scope *s);
size_t tn_scope_nobjects(const tn_scope *s);
/* Object i: host, share and path (borrowed). */
void tn_scope_object(const tn_scope *s, size_t i, const char **host, const char **share,
                     const char **path);
/* Number of gaps on host whose reason is "cleared", "silence" or "record_ids". */
size_t tn_scope_ngaps(const tn_scope *s, const char *host, const char *reason);
/* Verdict of a crown jewel ("touched", "assured_untouched",
 * "cannot_assure"), or NULL when host is not one. */
const char *tn_scope_verdict(const tn_scope *s, const char *host);
void tn_scope_window(const tn_scope *s, uint64_t *from, uint64_t *to);

/* Appends the report: one JSON object, or a story ordered by time. */
void tn_scope_json(const tn_scope *s, tn_buf *b);
void tn_scope_text(const tn_scope *s, tn_buf *b);

#endif
