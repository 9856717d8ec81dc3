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
 * the always list); the scan sets say which (below). */
#define TN_NO_DB 0xFFFFFFFFu
/* A rule has up to TN_MAX_CLAUSES literal clauses (atoms.c); a literal's
 * entries name (rule << TN_CLAUSE_BITS) | clause. */
#define TN_MAX_CLAUSES 3
#define TN_CLAUSE_BITS 2

/* What a bucket's scan must read of an event, and with which databases
 * (scanset.c). A "heavy" data field, one with many literals of its own,
 * is scanned alone with just those; the other fields the gated rules
 * name (a Bloom filter of field-name hashes: a false positive only adds
 * bytes), the System members they name and translated texts make one
 * "light" text; keyword literals are looked for in every data field, so
 * in every database, and then every other field is in the light text.
 * Measured: the System strings and numbers were ~40% of the bytes handed
 * to Vectorscan, and rules read few of them. */
#define TN_SCANSET_BITS 1024
#define TN_SCAN_HEAVY_MAX 8
typedef struct tn_scanfield {
    const char *name;      /* a data field, as the rules read it */
    uint32_t len, hash;    /* hash: tn_name_hash */
    uint32_t db;           /* its database (atoms.dbs) or TN_NO_DB */
} tn_scanfield;
typedef struct tn_scanset {
    uint64_t bloom[TN_SCANSET_BITS / 64];   /* light data field names */
    uint32_t sys;          /* bit (1 << tn_sysfield) per System member read */
    uint8_t all;           /* every data field that is not heavy goes into the light text */
    const tn_rename **tr;  /* renames that translate a field its rules read: */
    uint32_t ntr;          /*   the light text holds each one's text too (sigma/translate.h) */
    uint32_t db;           /* the light text's database or TN_NO_DB */
    tn_scanfield *heavy;
    uint32_t nheavy;
    uint32_t *pre;         /* literal ids the bucket's channel or EventID holds: */
    uint32_t npre;         /*   hits on every event of the bucket, never scanned for */
} tn_scanset;

/* The byte before and after each value in a scan text (match/scantext.c),
 * which anchored literals hold (atoms.c, value_lit): not NUL, because
 * Vectorscan's literal API takes no literal that begins with one; rule
 * literals never hold it (bytes below 4 are wildcards in patterns). */
#define TN_SCAN_SEP '\x01'

/* Literal id lists while the databases are built: sorted, no repeats. */
typedef struct tn_idvec {
    uint32_t *v;
    uint32_t n, cap;
} tn_idvec;
/* Appends id to l; 0 or -1 (out of memory). */
int tn_idvec_add(tn_idvec *l, uint32_t id);
typedef struct tn_slotlists {
    tn_idvec light, heavy[TN_SCAN_HEAVY_MAX];
} tn_slotlists;

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

/* A database's literals: Vectorscan reports local id k, which is
 * literal id lit[k], contained in the required sets of the ((rule << TN_CLAUSE_BITS) |
 * clause) entries rules[start[k] .. start[k + 1]) of the rules that the
 * slots using this database can hand out. Only those: with the global
 * lists, half the rules a hit touched were of other buckets (256 MiB
 * real-chunk file, 2,872 Windows rules: 2.84 M of 5.92 M). */
typedef struct tn_dbtab {
    uint32_t *lit;
    uint32_t *start;
    uint32_t *rules;
    uint32_t n;
} tn_dbtab;

typedef struct tn_atoms {
    hs_database_t **dbs;   /* distinct databases */
    void *dbmem;           /* when not NULL, all of them lie here (tn_hscache_lit_dbs) */
    size_t dbmem_len;
    tn_dbtab *tabs;        /* per database */
    uint32_t ndbs;
    tn_scanset *scansets;  /* per index slot, then one for events with no bucket */
    uint32_t nscansets;
    tn_cand *ung;          /* per index slot, its run's ungated entries, in rule order: */
    uint32_t *ung_start;   /*   ung[ung_start[s] .. ung_start[s + 1]) */
    hs_scratch_t *scratch; /* prototype for every database, cloned by each scanner */
    uint32_t *start;
    uint32_t *rules_of;    /* (rule << TN_CLAUSE_BITS) | clause */
    uint32_t nlits;        /* literals in the databases, all together */
    uint32_t nids;         /* literal ids are below this (tn_value.lit - 1) */
    uint8_t *gated;        /* per rule: the clause bits a hit must show (0: not gated) */
    int how;               /* TN_HSDB_COMPILED or TN_HSDB_CACHED (hscache.h) */
} tn_atoms;

struct tn_ruleset {
    tn_arena a;            /* rule lists, filter links, index and prefilter data */
    tn_arena ia;           /* the index's strings: it is built beside the literals'
                            * first pass, which allocates from a (atoms.c) */
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
    uint32_t nfilters;     /* global filter documents loaded (tn_filters_attach), */
    tn_srule **filter_list;   /* each at its filter_ix */
};

/* Attaches each global filter of all[0..nall) to the rules of all it
 * names (by id, name or title), or to every rule with `rules: any`, of
 * those within its logsource (assemble.c); a named rule that is not
 * loaded, or is outside the logsource, is told to warn (may be NULL).
 * Returns 0 or -1 (out of memory). */
int tn_filters_attach(tn_ruleset *rs, tn_srule **all, uint32_t nall, tn_corr *const *corrs, uint32_t ncorrs,
                      tn_reject_fn warn, void *ctx);

/* Warns of each rule of all, then correlation of corrs (but legacy
 * aggregations'), whose id (in any case) or name an earlier one has
 * (assemble.c). Returns 0 or -1 (out of memory). */
int tn_ids_warn(tn_srule **all, uint32_t nall, tn_corr **corrs, uint32_t ncorrs, tn_reject_fn warn,
                void *ctx);

/* A correlation rule rejected while references are resolved. */
typedef void (*tn_reject_fn)(void *ctx, const char *file, uint32_t line, uint32_t col, const char *why);

/* Points each reference of corrs[0..ncorrs) at a rule of rs or a
 * correlation; one with an unknown reference, or in a reference cycle, is
 * reported through reject and dropped. Fills rs->corrs. Returns 0 or -1
 * (out of memory). */
int tn_corrs_resolve(tn_ruleset *rs, tn_corr **corrs, uint32_t ncorrs, tn_reject_fn reject, void *ctx);

/* Builds rs->idx from rs->rules (strings in rs->ia). Returns 0 or -1 (out
 * of memory). */
int tn_index_build(tn_ruleset *rs);

/* Builds rs->idx (tn_index_build) and rs->atoms (literal sets, Vectorscan
 * database), partly on threads threads (the result is the same for any
 * count). Returns 0 or -1 (out of memory); a database compile failure
 * just gates no rule. */
int tn_atoms_build(tn_ruleset *rs, int threads);
void tn_atoms_free(tn_atoms *at);

/* Builds rs->atoms.scansets from the tagged values (tn_value.lit) of the
 * gated rules of each index slot (and the always list), on up to threads
 * threads, and *out: per slot, the literal ids of its databases (lit, len:
 * literal texts by id, lower-case; ids are below nids). The databases are left TN_NO_DB for
 * atoms.c to fill in. Returns 0 or -1 (out of memory); *out is to be
 * freed with tn_slotlists_free(*out, number of slots + 1) either way. */
int tn_scansets_build(tn_ruleset *rs, int threads, const char *const *lit, const size_t *len,
                      uint32_t nids, tn_slotlists **out);
void tn_slotlists_free(tn_slotlists *l, uint32_t n);
void tn_scansets_free(tn_atoms *at);

/* Compiles (or loads from the cache) one database per distinct list of
 * lists (per slot, as tn_scansets_build gave them; lit, len: literal texts
 * by id, lower-case, ids below nids), sets the scan sets' databases and
 * rs->atoms.dbs, tabs and scratch (litdb.c), the databases made on up to
 * threads threads. The lists are consumed.
 * Returns 0 or -1; on -1 the caller frees with tn_litdb_free. */
int tn_litdb_compile(tn_ruleset *rs, const char *const *lit, const size_t *len, uint32_t nids,
                     tn_slotlists *lists, int threads);
void tn_litdb_free(tn_atoms *at);

/* Lower-cases ASCII of s[0..n) into out (n bytes). */
void tn_ascii_lower(char *out, const char *s, size_t n);

/* Hash of a lower-cased channel and EventID, for the prefilter table. */
uint32_t tn_index_hash(const char *chan, size_t len, uint32_t eid);

#endif
