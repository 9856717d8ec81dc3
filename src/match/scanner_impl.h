/* scanner_impl.h - the inside of tn_scanner, shared by scanner.c (the
 * candidates, the prescan, the evaluations) and scantext.c (the literal
 * prefilter: an event's scan texts, Vectorscan, the field shapes). */
#ifndef TN_MATCH_SCANNER_IMPL_H
#define TN_MATCH_SCANNER_IMPL_H

#include "match/scanner.h"

#include "base/arena.h"
#include "base/buf.h"
#include "match/eval.h"
#include "match/scancache.h"
#include "sigma/ruleset_impl.h"

#include <stdint.h>

/* An EventID's run in the current channel (event_run). */
#define RUN_MEMO 64
typedef struct run_memo {
    uint32_t eid;
    uint32_t set;
    const tn_bucket *b;
    uint32_t nalw;         /* always-list candidates of (channel, eid): */
    tn_cand *alw;          /*   alw[0..nalw), in rule order */
} run_memo;

/* Where tn_scan_literals put each field of the last event seen under a run
 * memo entry, by the field's place: events of one (channel, EventID) come
 * from one template and name the same fields in the same order, so the
 * next one's names are compared with these (a few instructions a field)
 * instead of each being hashed, searched for a space and looked up among
 * the heavy fields and the scan set's names (~50 instructions a field:
 * 3.3 M fields in the 256 MiB real-chunk file). What it records is what
 * the full pass decided, so the texts are the same either way. */
enum { SH_SKIP, SH_LIGHT, SH_HEAVY /* + the heavy field's index */ };
#define SHAPE_MAX_FIELDS 1024     /* larger events take the full pass */
#define SHAPE_MAX_NAMES 65536     /* bytes of names */
typedef struct shape {
    int ok;                /* the rest describes the entry's last event */
    uint32_t gen;          /* tn_eval.gen of the event it was recorded from: the
                            * entry's events since have the same names */
    uint32_t nf;           /* its fields */
    uint32_t *lens;        /* their name lengths, */
    uint8_t *cls;          /* what was done with each (SH_*), */
    char *names;           /* and their names, one after another */
    uint32_t fcap, ncap;
} shape;

/* What tn_scanner_prescan found for one event. */
typedef struct prescan {
    const tn_event *ev;
    size_t chan_len;       /* strlen(ev->channel): tn_scanner_match takes it from here */
    uint32_t hit0, nhit;   /* its reports: phits pairs [hit0, hit0 + nhit) */
    uint32_t lhit0, lnhit; /* and its light text's, when scanned with others': lphits */
    uint32_t names_gen;    /* what tn_scan_literals set tn_eval.names_gen to */
    int ok;                /* scanned, and the scan succeeded: the event is gated */
} prescan;

struct tn_scanner {
    const tn_ruleset *rs;
    tn_rule_cost *cost;    /* per rule, when profiling (tn_scanner_profile), or NULL */
    tn_eval ev;
    pcre2_jit_stack *jstack;   /* JIT's stack for ev.mctx (eval.c, re_match), or NULL */
    tn_cand *cands;        /* merged candidates of the current event */
    uint32_t ncap;
    char chan[256];        /* lower-cased channel of the current event */
    char chan_raw[256];    /* the same as logged */
    size_t chan_len;       /* SIZE_MAX: none yet */
    run_memo runs[RUN_MEMO];   /* runs of chan by EventID */
    tn_cand *alw;          /* RUN_MEMO * nalways: each memo entry's always-list candidates */
    const run_memo *run;   /* the current event's memo entry */
    shape shapes[RUN_MEMO];    /* runs[i]'s last field names (tn_scan_literals) */
    /* the evaluator's name index of the last event under runs[i]: one
     * index for all, rebuilt whenever the EventID changed (events of a
     * batch interleave them), was ~200,000 builds of ~550 instructions on
     * the 256 MiB real-chunk file; the index of an event's own EventID is
     * reused after a compare of the names, or without one when its shape
     * matched (tn_eval.names_gen; eval.c, field_index) */
    tn_fieldidx fxs[RUN_MEMO];
    tn_fieldidx *fx0;      /* for events with no memo entry (NULL: linear lookups) */
    uint64_t *suppressed;  /* per global filter: the matches it suppressed (or NULL) */
    const uint8_t *reported;   /* per rule: bit 0, its suppressed matches count (NULL: all);
                                * bit 1, they are counted in suppressed_feeds */
    uint64_t suppressed_feeds; /* suppressed matches that would have fed correlations */
    uint64_t evaluated;
    uint32_t wraps;        /* times tn_eval.gen wrapped (tn_scanner_names_key) */
    hs_scratch_t *hs;      /* literal prefilter scratch (NULL: no database) */
    uint32_t *epoch;       /* per rule: event number of its last literal hit */
    uint8_t *mask;         /* per rule: clauses hit in event epoch[rule] */
    uint32_t *lit_epoch;   /* per literal id: event number it was last found in */
    uint32_t cur;          /* current event number */
    const tn_dbtab *tab;   /* the table of the database being scanned */
    uint64_t reports;      /* reports the current scan may still take (tn_scan_report_budget) */
    uint32_t *touched;     /* rules with a literal hit in the current event */
    uint32_t ntouched;
    tn_cand *pass;         /* gated run entries whose clauses all hit, current event */
    tn_buf text;           /* the event's light text, handed to Vectorscan */
    tn_buf htext[TN_SCAN_HEAVY_MAX];   /* each heavy field's values */
    tn_arena lowmem;       /* lower-cased values of the current event */
    tn_scancache cache;    /* heavy fields' scan results (scancache.h) */
    int use_cache;
    uint32_t *rec;         /* local ids reported by the scan being kept */
    uint32_t nrec, reccap;
    int recording;         /* 1: the current scan's reports go to rec; 2: rec overflowed */
    /* tn_scanner_prescan: a batch's events scanned before any of them is
     * evaluated; each one's reports wait in phits until tn_scanner_match
     * takes them (see tn_scanner_prescan) */
    int defer;             /* 1: on_literal and replay append to phits */
    uint32_t cur_db;       /* the database being scanned, named by deferred reports */
    uint32_t gen_ahead;    /* events of the batch before the one being scanned */
    uint32_t *phits;       /* (database, local id) pairs */
    uint32_t nphits, phcap;    /* pairs */
    int poom;              /* phits could not grow: the prescan is dropped */
    prescan *pres;         /* one per event of the batch, in order */
    uint32_t npres, pnext, prescap;
    /* the light texts of consecutive prescanned events that share a
     * database, scanned in one call (scantext.c, light_defer): a call
     * costs ~180 cycles before its first byte */
    tn_buf ltext;          /* the texts, one after another */
    uint32_t ldb;          /* their database */
    struct lseg { uint32_t ev, off, len; } *lseg;   /* each one's event and place in ltext */
    uint32_t nlseg, lsegcap;
    uint32_t lcur;         /* the segment of the run's last report (light_hit) */
    int lrun;              /* 1: on_literal's reports are a run's (lhits) */
    uint32_t *lhits;       /* (segment, local id) pairs of the run being scanned */
    uint32_t nlhits, lhcap;
    uint32_t *lphits;      /* (database, local id) pairs, each event's together */
    uint32_t nlphits, lphcap;
};

/* Rule entries ((rule << TN_CLAUSE_BITS) | clause) e[0..n): a literal of the clause was
 * found in the current event. */
static inline void touch(tn_scanner *sc, const uint32_t *e, uint32_t n)
{
    /* locals: a store through mask (bytes) may alias any member of sc, so
     * through sc the compiler reloaded every pointer after each one */
    const uint32_t cur = sc->cur;
    uint32_t *restrict epoch = sc->epoch;
    uint8_t *restrict mask = sc->mask;
    uint32_t *restrict touched = sc->touched;
    uint32_t nt = sc->ntouched;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = e[i] >> TN_CLAUSE_BITS;
        uint8_t bit = (uint8_t)(1u << (e[i] & ((1u << TN_CLAUSE_BITS) - 1)));
        if (epoch[r] != cur) {
            epoch[r] = cur;
            mask[r] = bit;
            touched[nt++] = r;
        } else {
            mask[r] |= bit;
        }
    }
    sc->ntouched = nt;
}

/* Local literal k of table t is in the current event: its rules' clauses
 * are hit, once per event (the databases report every occurrence). */
static inline void found(tn_scanner *sc, const tn_dbtab *t, uint32_t k)
{
    uint32_t id = t->lit[k];
    if (sc->lit_epoch[id] == sc->cur)
        return;
    sc->lit_epoch[id] = sc->cur;
    touch(sc, t->rules + t->start[k], t->start[k + 1] - t->start[k]);
}

static inline const tn_scanset *slot_scanset(const tn_scanner *sc, const tn_bucket *b)
{
    const tn_atoms *at = &sc->rs->atoms;
    uint32_t slot = b ? (uint32_t)(b - sc->rs->idx.tab) : sc->rs->idx.tab ? sc->rs->idx.mask + 1 : 0;
    return at->scansets && slot < at->nscansets ? &at->scansets[slot] : NULL;
}

/* scantext.c */

/* How many reports a scan of len bytes may hand the scanner (see there). */
uint64_t tn_scan_report_budget(size_t len);
/* A new event's hits: none yet, but those of the slot's constant members. */
void tn_scan_begin_hits(tn_scanner *sc, const tn_scanset *ss);
/* Scans the strings of ev that bucket b's gated rules can read: 0, or -1
 * when it could not (the event is then evaluated ungated). */
int tn_scan_literals(tn_scanner *sc, const tn_event *ev, const tn_bucket *b);
/* Scans the prescan's pending run of light texts, if any. */
void tn_scan_light_flush(tn_scanner *sc);

#endif
