/* scancache.h - a scanner's memory of its literal scans: which literals a
 * database found in a text, kept for texts that come again.
 *
 * Values of single fields repeat in real logs: the same executables,
 * parent processes, hashes and loaded DLLs, event after event. Scanning
 * one again with Vectorscan costs ~1,300-4,500 cycles (the databases are
 * larger than the L2 cache); looking its result up costs a hash and a
 * compare. In SigmaHQ's corpus of real attack logs, 69% of the scans of
 * such fields repeat an earlier text of the same run (measured; see
 * docs/sigma.md). Whole "light" texts, made of many fields, repeat far
 * less (18%) and are not kept.
 *
 * The result of a scan depends on nothing but the database and the text,
 * so a kept result is exact. One cache per scanner (thread); bounded in
 * entries, in bytes and in probes, and emptied whole when full. */
#ifndef TN_MATCH_SCANCACHE_H
#define TN_MATCH_SCANCACHE_H

#include "base/arena.h"

#include <stddef.h>
#include <stdint.h>

/* Texts longer than this are scanned every time (hashing and keeping
 * them would cost more than they save, and take the cache's room). */
#define TN_SCANCACHE_MAX_TEXT (16u * 1024)

typedef struct tn_sc_entry {
    uint64_t hash;
    const char *text;
    const uint32_t *ids;   /* the database's local literal ids found, sorted, distinct */
    uint32_t db, len, nids;
    uint32_t gen;          /* live when equal to the cache's gen */
} tn_sc_entry;

typedef struct tn_scancache {
    tn_sc_entry *slot;     /* open addressing, a power of two */
    uint32_t mask;
    uint32_t n;            /* live entries */
    uint32_t gen;
    uint32_t max_entries;
    size_t bytes, max_bytes;
    tn_arena mem;          /* texts and id lists of the live entries */
    uint64_t seed;
    uint64_t lookups, hits, clears;
} tn_scancache;

/* A cache of at most max_entries results and max_bytes of texts and ids
 * (0, 0: the defaults, 4,096 and 4 MiB). Returns 0, or -1 when out of
 * memory (the cache is then empty and tn_scancache_get finds nothing). */
int tn_scancache_init(tn_scancache *c, uint32_t max_entries, size_t max_bytes);
void tn_scancache_free(tn_scancache *c);

/* The kept result for database db and text[0..len), or NULL. *hash is
 * set for a tn_scancache_put of the same text. */
const tn_sc_entry *tn_scancache_get(tn_scancache *c, uint32_t db, const char *text, size_t len,
                                    uint64_t *hash);

/* Keeps ids[0..n) (any order, repeats allowed; sorted in place) as the
 * result of scanning text[0..len) with database db; hash from
 * tn_scancache_get. A cache that is full is emptied first. Returns 0, or
 * -1 when not kept (text too long, no free slot near its hash, out of
 * memory): never an error for the caller, only a later scan. */
int tn_scancache_put(tn_scancache *c, uint32_t db, const char *text, size_t len, uint64_t hash,
                     uint32_t *ids, uint32_t n);

#endif
