/* ruleset_impl.h - the inside of tn_ruleset, for the compiler and the matcher only. */
#ifndef TN_SIGMA_RULESET_IMPL_H
#define TN_SIGMA_RULESET_IMPL_H

#include "base/arena.h"
#include "sigma/corr.h"
#include "sigma/logsource.h"
#include "sigma/rule.h"
#include "sigma/sigma.h"

#include <hs.h>

/* A candidate: rule index and which of its sources the event came from
 * (UINT32_MAX: the rule has no sources). */
typedef struct tn_cand {
    uint32_t rule;
    uint32_t src;
} tn_cand;

/* Prefilter table: (lower-cased channel, EventID or TN_ANY_EID) -> a run
 * of candidates in cands. Open addressing, size a power of two. */
#define TN_ANY_EID 0xFFFFFFFFu
typedef struct tn_bucket {
    const char *chan;      /* lower-cased; NULL = empty slot */
    uint32_t chan_len;
    uint32_t eid;
    uint32_t start, n;     /* run in cands */
} tn_bucket;

typedef struct tn_index {
    tn_cand *cands;
    uint32_t ncands;
    tn_bucket *tab;
    uint32_t mask;
    uint32_t *always;      /* rules checked on every event (no sources, or a wildcard channel) */
    uint32_t nalways;
} tn_index;

/* Literal prefilter (atoms.c): literal i is contained in the required
 * sets of rules_of[start[i] .. start[i+1]); a gated rule is evaluated only
 * when one of its literals occurs in the event. Each index bucket has a
 * database of just the literals of the rules it can hand out (its run and
 * the always list); none_db serves events without a bucket. */
#define TN_NO_DB 0xFFFFFFFFu

/* What a bucket's scan must read of an event: the data fields its gated
 * rules name (a Bloom filter of field-name hashes: a false positive only
 * adds bytes), the System members they name, or every data field when one
 * of them has a keyword search. Measured: the System strings and numbers
 * were ~40% of the bytes handed to Vectorscan, and rules read few of them. */
#define TN_SCANSET_BITS 1024
typedef struct tn_scanset {
    uint64_t bloom[TN_SCANSET_BITS / 64];
    uint32_t sys;          /* bit (1 << tn_sysfield) per System member read */
    uint8_t all;           /* every data field */
    const tn_rename **tr;  /* renames that translate a field its rules read: */
    uint32_t ntr;          /*   the scan reads each one's text too (sigma/translate.h) */
} tn_scanset;

/* Hash of a field name: length and three bytes, the same cost at any
 * length; shared by the evaluator's name index and the scan sets. */
static inline uint32_t tn_name_hash(const char *s, size_t n)
{
    return n ? ((uint32_t)n * 0x9E3779B1u) ^ ((uint32_t)(unsigned char)s[0] * 0x85EBCA6Bu) ^
                   ((uint32_t)(unsigned char)s[n - 1] * 0xC2B2AE35u) ^ ((uint32_t)(unsigned char)s[n / 2] << 7)
             : 0;
}

/* The Bloom filter bit of a field-name hash. */
static inline uint32_t tn_scanset_bit(uint32_t h)
{
    return (h ^ (h >> 15)) & (TN_SCANSET_BITS - 1);
}

static inline int tn_scanset_has(const tn_scanset *ss, uint32_t h)
{
    h = tn_scanset_bit(h);
    return (ss->bloom[h >> 6] >> (h & 63)) & 1;
}

typedef struct tn_atoms {
    hs_database_t **dbs;   /* distinct databases */
    uint32_t ndbs;
    uint32_t *bucket_db;   /* per index slot (idx.tab): a dbs index or TN_NO_DB */
    uint32_t none_db;      /* for events with no bucket, or TN_NO_DB */
    tn_scanset *scansets;  /* per index slot, then one for events with no bucket */
    uint32_t nscansets;
    tn_cand *ung;          /* per index slot, its run's ungated entries, in rule order: */
    uint32_t *ung_start;   /*   ung[ung_start[s] .. ung_start[s + 1]) */
    hs_scratch_t *scratch; /* prototype for every database, cloned by each scanner */
    uint32_t *start;
    uint32_t *rules_of;    /* rule * 2 + clause */
    uint32_t nlits;        /* literals in the databases, all together */
    uint32_t nids;         /* literal ids are below this (tn_value.lit - 1) */
    uint8_t *gated;        /* per rule: the clause bits a hit must show (0: not gated) */
    int how;               /* TN_HSDB_COMPILED or TN_HSDB_CACHED (hscache.h) */
} tn_atoms;

struct tn_ruleset {
    tn_arena a;            /* rule lists, filter links, index and prefilter data */
    tn_arena *arenas;      /* one per loading thread: its files' trees, rules, values */
    uint32_t narenas;
    tn_srule **rules;      /* usable rules, in load order */
    uint32_t nrules;
    tn_lsmap *ls;          /* owns tn_source data the rules point to */
    pcre2_code **res;      /* every compiled regex, freed with the set */
    size_t nres;
    int no_prefilter;
    uint32_t max_searches; /* largest nsearches, sizes scanner scratch */
    tn_index idx;
    tn_atoms atoms;
    tn_corr **corrs;       /* usable correlation rules, references resolved */
    uint32_t ncorrs;
};

/* Builds rs->idx from rs->rules. Returns 0 or -1 (out of memory). */
int tn_index_build(tn_ruleset *rs);

/* Builds rs->atoms (literal sets, Vectorscan database), partly on threads
 * threads (the result is the same for any count). Returns 0 or -1 (out
 * of memory); a database compile failure just gates no rule. */
int tn_atoms_build(tn_ruleset *rs, int threads);
void tn_atoms_free(tn_atoms *at);

/* Builds rs->atoms.scansets from the gated rules of each index slot (and
 * the always list), on up to threads threads. Returns 0 or -1 (out of
 * memory). */
int tn_scansets_build(tn_ruleset *rs, int threads);

/* Lower-cases ASCII of s[0..n) into out (n bytes). */
void tn_ascii_lower(char *out, const char *s, size_t n);

/* Hash of a lower-cased channel and EventID, for the prefilter table. */
uint32_t tn_index_hash(const char *chan, size_t len, uint32_t eid);

#endif
