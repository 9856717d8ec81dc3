/* scanner.c - per-thread scanning: prefilter candidates, then evaluate.
 *
 * With the prefilter, an event's (channel, EventID) selects runs of
 * candidate rules from the rule set's index (sigma/index.c); the runs and
 * the always-checked list are merged in rule order, so callbacks see rules
 * in the same order as without the prefilter. Without it every rule's
 * sources are tested directly. Either way each candidate is evaluated by
 * the reference evaluator (eval.c). */
#include "match/scanner.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/hash.h"
#include "match/eval.h"
#include "match/scancache.h"
#include "sigma/translate.h"
#include "sigma/ruleset_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An EventID's run in the current channel (event_run). */
#define RUN_MEMO 64
typedef struct run_memo {
    uint32_t eid;
    uint32_t set;
    const tn_bucket *b;
    uint32_t nalw;         /* always-list candidates of (channel, eid): */
    tn_cand *alw;          /*   alw[0..nalw), in rule order */
} run_memo;

/* Where scan_literals put each field of the last event seen under a run
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
    uint32_t hit0, nhit;   /* its reports: phits pairs [hit0, hit0 + nhit) */
    uint32_t names_gen;    /* what scan_literals set tn_eval.names_gen to */
    int ok;                /* scanned, and the scan succeeded: the event is gated */
} prescan;

struct tn_scanner {
    const tn_ruleset *rs;
    tn_eval ev;
    tn_cand *cands;        /* merged candidates of the current event */
    uint32_t ncap;
    char chan[256];        /* lower-cased channel of the current event */
    char chan_raw[256];    /* the same as logged */
    size_t chan_len;       /* SIZE_MAX: none yet */
    run_memo runs[RUN_MEMO];   /* runs of chan by EventID */
    tn_cand *alw;          /* RUN_MEMO * nalways: each memo entry's always-list candidates */
    const run_memo *run;   /* the current event's memo entry */
    shape shapes[RUN_MEMO];    /* runs[i]'s last field names (scan_literals) */
    /* the evaluator's name index of the last event under runs[i]: one
     * index for all, rebuilt whenever the EventID changed (events of a
     * batch interleave them), was ~200,000 builds of ~550 instructions on
     * the 256 MiB real-chunk file; the index of an event's own EventID is
     * reused after a compare of the names, or without one when its shape
     * matched (tn_eval.names_gen; eval.c, field_index) */
    tn_fieldidx fxs[RUN_MEMO];
    tn_fieldidx *fx0;      /* for events with no memo entry (NULL: linear lookups) */
    uint64_t evaluated;
    hs_scratch_t *hs;      /* literal prefilter scratch (NULL: no database) */
    uint32_t *epoch;       /* per rule: event number of its last literal hit */
    uint8_t *mask;         /* per rule: clauses hit in event epoch[rule] */
    uint32_t *lit_epoch;   /* per literal id: event number it was last found in */
    uint32_t cur;          /* current event number */
    const tn_dbtab *tab;   /* the table of the database being scanned */
    uint64_t reports;      /* reports the current scan may still take (report_budget) */
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
};

static uint64_t report_budget(size_t len);

tn_scanner *tn_scanner_new(const tn_ruleset *rs)
{
    tn_scanner *sc = tn_calloc(1, sizeof(*sc));
    if (!sc)
        return NULL;
    sc->rs = rs;
    sc->chan_len = SIZE_MAX;
    tn_arena_init(&sc->lowmem, 16 * 1024);
    sc->ev.lowmem = &sc->lowmem;
    sc->ev.md = pcre2_match_data_create(1, NULL);
    sc->fx0 = tn_calloc(1, sizeof(*sc->fx0));   /* NULL is fine: linear lookups */
    sc->ev.fx = sc->fx0;
    sc->ev.cache = tn_malloc(rs->max_searches ? rs->max_searches : 1);
    sc->ncap = rs->nrules ? rs->nrules : 1;
    sc->cands = tn_malloc(sc->ncap * sizeof(*sc->cands));
    sc->epoch = tn_calloc(sc->ncap, sizeof(*sc->epoch));
    sc->mask = tn_calloc(sc->ncap, 1);
    sc->lit_epoch = tn_calloc(rs->atoms.nids ? rs->atoms.nids : 1, sizeof(*sc->lit_epoch));
    if (rs->atoms.scratch && hs_clone_scratch(rs->atoms.scratch, &sc->hs) != HS_SUCCESS)
        sc->hs = NULL;
    sc->alw = tn_malloc((RUN_MEMO * (size_t)rs->idx.nalways + 1) * sizeof(*sc->alw));
    sc->touched = tn_malloc(sc->ncap * sizeof(*sc->touched));
    sc->pass = tn_malloc(sc->ncap * sizeof(*sc->pass));
    /* TANSA_NO_SCAN_CACHE=1 scans every text (for checking: results are
     * identical); a cache that cannot be made is just not used */
    const char *nc = getenv("TANSA_NO_SCAN_CACHE");
    if (sc->hs && !(nc && nc[0] == '1') && tn_scancache_init(&sc->cache, 0, 0) == 0) {
        sc->reccap = (uint32_t)report_budget(TN_SCANCACHE_MAX_TEXT);
        sc->rec = tn_malloc(sc->reccap * sizeof(*sc->rec));
        sc->use_cache = sc->rec != NULL;
    }
    if (!sc->touched || !sc->pass || !sc->alw) {
        tn_scanner_free(sc);
        return NULL;
    }
    if (!sc->ev.md || !sc->ev.cache || !sc->cands || !sc->epoch || !sc->mask || !sc->lit_epoch) {
        tn_scanner_free(sc);
        return NULL;
    }
    return sc;
}

void tn_scanner_free(tn_scanner *sc)
{
    if (!sc)
        return;
    pcre2_match_data_free(sc->ev.md);
    tn_free(sc->ev.cache);
    tn_free(sc->cands);
    tn_free(sc->epoch);
    tn_free(sc->mask);
    tn_free(sc->lit_epoch);
    tn_free(sc->touched);
    tn_free(sc->pass);
    tn_free(sc->alw);
    tn_buf_free(&sc->text);
    for (uint32_t i = 0; i < RUN_MEMO; i++) {
        tn_free(sc->shapes[i].lens);
        tn_free(sc->shapes[i].cls);
        tn_free(sc->shapes[i].names);
    }
    for (uint32_t i = 0; i < TN_SCAN_HEAVY_MAX; i++)
        tn_buf_free(&sc->htext[i]);
    tn_arena_free(&sc->lowmem);
    tn_scancache_free(&sc->cache);
    tn_free(sc->rec);
    tn_free(sc->phits);
    tn_free(sc->pres);
    tn_free((void *)sc->ev.low);
    tn_free(sc->ev.lowgen);
    if (sc->fx0)
        tn_free(sc->fx0->slot);
    tn_free(sc->fx0);
    for (uint32_t i = 0; i < RUN_MEMO; i++)
        tn_free(sc->fxs[i].slot);
    if (sc->hs)
        hs_free_scratch(sc->hs);
    tn_free(sc);
}

uint64_t tn_scanner_evaluated(const tn_scanner *sc)
{
    return sc->evaluated;
}

void tn_scanner_cache_stats(const tn_scanner *sc, uint64_t *lookups, uint64_t *hits)
{
    *lookups = sc->cache.lookups;
    *hits = sc->cache.hits;
}

/* First source of rule r that holds the event, or UINT32_MAX. */
static uint32_t source_of(const tn_srule *r, const tn_event *ev)
{
    for (uint32_t s = 0; s < r->nsources; s++)
        if (tn_source_has(&r->sources[s], ev))
            return s;
    return UINT32_MAX;
}

/* All rules, each tested against its sources (the reference path). */
static uint32_t candidates_all(tn_scanner *sc, const tn_event *ev)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < sc->rs->nrules; i++) {
        const tn_srule *r = sc->rs->rules[i];
        if (r->never)
            continue;
        uint32_t s = r->nsources ? source_of(r, ev) : UINT32_MAX;
        if (r->nsources && s == UINT32_MAX)
            continue;
        sc->cands[n++] = (tn_cand){i, s};
    }
    return n;
}

static const tn_bucket *bucket(const tn_index *ix, const char *chan, size_t len, uint32_t eid)
{
    if (!ix->tab)
        return NULL;
    uint32_t h = tn_index_hash(chan, len, eid) & ix->mask;
    for (; ix->tab[h].chan; h = (h + 1) & ix->mask) {
        const tn_bucket *b = &ix->tab[h];
        if (b->eid == eid && b->chan_len == len && !memcmp(b->chan, chan, len))
            return b;
    }
    return NULL;
}

/* The event's index run: its EventID's, which includes the channel's
 * any-EventID rules, else the any-EventID run; NULL if none. len: the
 * length of its channel, under 256. */
static const tn_bucket *event_run(tn_scanner *sc, const tn_event *ev, size_t len)
{
    const tn_index *ix = &sc->rs->idx;
    /* events come in runs of one channel (an EVTX file is one log): the
     * last channel's runs by EventID are kept. Measured: lower-casing,
     * hashing and probing each event's channel was ~160 M instructions on
     * the 256 MiB real-chunk file, ~3% of matching. */
    if (len != sc->chan_len || memcmp(ev->channel, sc->chan_raw, len)) {
        memcpy(sc->chan_raw, ev->channel, len);
        tn_ascii_lower(sc->chan, ev->channel, len);
        sc->chan_len = len;
        memset(sc->runs, 0, sizeof(sc->runs));
        for (uint32_t i = 0; i < RUN_MEMO; i++)
            sc->shapes[i].ok = 0;
    }
    run_memo *m = &sc->runs[ev->event_id & (RUN_MEMO - 1)];
    sc->run = m;
    if (m->set && m->eid == ev->event_id)
        return m->b;
    const tn_bucket *b = bucket(ix, sc->chan, len, ev->event_id);
    b = b ? b : bucket(ix, sc->chan, len, TN_ANY_EID);
    /* which always-list rules hold the event depends on its channel and
     * EventID only: worked out here, not per event (measured: 74 M
     * instructions on the 256 MiB real-chunk file, for SigmaHQ's three) */
    tn_cand *alw = sc->alw + (size_t)(m - sc->runs) * ix->nalways;
    uint32_t na = 0;
    for (uint32_t i = 0; i < ix->nalways; i++) {
        const tn_srule *r = sc->rs->rules[ix->always[i]];
        uint32_t s = r->nsources ? source_of(r, ev) : UINT32_MAX;
        if (!r->nsources || s != UINT32_MAX)
            alw[na++] = (tn_cand){ix->always[i], s};
    }
    *m = (run_memo){ev->event_id, 1, b, na, alw};
    sc->shapes[m - sc->runs].ok = 0;   /* another EventID's, or none */
    return b;
}

/* Merges run b with the always list in rule order. With gate set, run
 * rules whose literals did not occur are dropped here already: measured,
 * copying ~200 candidates per event only to skip ~95% of them afterwards
 * was a good part of the scanner's own time. */
/* Index of rule r's entry in run[0..n) (sorted by rule), or n. */
static uint32_t run_find(const tn_cand *run, uint32_t n, uint32_t r)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (run[mid].rule < r)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && run[lo].rule == r ? lo : n;
}

/* After a scan: the run's ungated entries, its gated entries whose
 * clauses all hit (found from the touched rules), and the always list,
 * merged in rule order as candidates_indexed gives them. */
static uint32_t candidates_hits(tn_scanner *sc, const tn_bucket *b)
{
    const tn_index *ix = &sc->rs->idx;
    const uint8_t *gated = sc->rs->atoms.gated;
    const tn_cand *run = ix->cands + b->start;
    uint32_t np = 0;
    for (uint32_t t = 0; t < sc->ntouched; t++) {
        uint32_t r = sc->touched[t];
        if (!gated[r] || sc->mask[r] != gated[r])
            continue;
        uint32_t at = run_find(run, b->n, r);
        if (at == b->n)
            continue;
        /* insertion in rule order: few pass per event */
        uint32_t k = np++;
        while (k && sc->pass[k - 1].rule > r) {
            sc->pass[k] = sc->pass[k - 1];
            k--;
        }
        sc->pass[k] = run[at];
    }
    const tn_atoms *at = &sc->rs->atoms;
    uint32_t slot = (uint32_t)(b - ix->tab);
    const tn_cand *ung = at->ung + at->ung_start[slot];
    uint32_t nu = at->ung_start[slot + 1] - at->ung_start[slot];
    const tn_cand *alw = sc->run->alw;
    uint32_t na = sc->run->nalw;
    uint32_t iu = 0, ip = 0, ia = 0, n = 0;
    for (;;) {
        uint32_t ru = iu < nu ? ung[iu].rule : UINT32_MAX, rp = ip < np ? sc->pass[ip].rule : UINT32_MAX;
        uint32_t ra = ia < na ? alw[ia].rule : UINT32_MAX;
        if (ra < ru && ra < rp) {
            sc->cands[n++] = alw[ia++];
        } else if (ru < rp) {
            sc->cands[n++] = ung[iu++];
        } else if (rp != UINT32_MAX) {
            sc->cands[n++] = sc->pass[ip++];
        } else {
            break;
        }
    }
    return n;
}

static uint32_t candidates_indexed(tn_scanner *sc, const tn_bucket *b, int gate)
{
    if (gate && b && sc->rs->atoms.ung)
        return candidates_hits(sc, b);
    const tn_index *ix = &sc->rs->idx;
    const tn_cand *run = b ? ix->cands + b->start : NULL;
    const uint8_t *gated = gate ? sc->rs->atoms.gated : NULL;
    const uint32_t *epoch = sc->epoch, cur = sc->cur;
    const uint8_t *mask = sc->mask;
    const tn_cand *alw = sc->run->alw;
    uint32_t nrun = b ? b->n : 0, i = 0, ia = 0, na = sc->run->nalw, n = 0;
    for (;;) {
        if (ia < na && (i == nrun || alw[ia].rule < run[i].rule)) {
            sc->cands[n++] = alw[ia++];
            continue;
        }
        if (i == nrun)
            break;
        uint32_t ri = run[i].rule;
        if (!gated || !gated[ri] || (epoch[ri] == cur && mask[ri] == gated[ri]))
            sc->cands[n++] = run[i];
        i++;
    }
    return n;
}

/* ---- literal prefilter ---- */

/* Rule entries (rule * 2 + clause) e[0..n): a literal of the clause was
 * found in the current event. */
static void touch(tn_scanner *sc, const uint32_t *e, uint32_t n)
{
    uint32_t cur = sc->cur;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = e[i] >> 1;
        if (sc->epoch[r] != cur) {
            sc->epoch[r] = cur;
            sc->mask[r] = 0;
            sc->touched[sc->ntouched++] = r;
        }
        sc->mask[r] |= (uint8_t)(1u << (e[i] & 1));
    }
}

/* A literal the bucket's constant members hold (global literal id). */
static void on_constant(tn_scanner *sc, uint32_t id)
{
    const tn_atoms *at = &sc->rs->atoms;
    sc->lit_epoch[id] = sc->cur;
    touch(sc, at->rules_of + at->start[id], at->start[id + 1] - at->start[id]);
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

/* Keeps report k of database sc->cur_db for the event being prescanned. */
static void defer_hit(tn_scanner *sc, uint32_t k)
{
    if (sc->nphits == sc->phcap) {
        uint32_t ncap = sc->phcap ? sc->phcap * 2 : 1024;
        uint32_t *n2 = ncap > sc->phcap ? tn_realloc(sc->phits, (size_t)ncap * 2 * sizeof(*n2)) : NULL;
        if (!n2) {
            sc->poom = 1;
            return;
        }
        sc->phits = n2;
        sc->phcap = ncap;
    }
    sc->phits[2 * sc->nphits] = sc->cur_db;
    sc->phits[2 * sc->nphits + 1] = k;
    sc->nphits++;
}

/* Vectorscan's report of local id k of the database being scanned. */
static int on_literal(unsigned int k, unsigned long long from, unsigned long long to,
                      unsigned int flags, void *ctx)
{
    tn_scanner *sc = ctx;
    const tn_dbtab *t = sc->tab;
    (void)from, (void)to, (void)flags;
    if (!sc->reports--)
        return 1;   /* stops the scan: the event is evaluated ungated */
    if (k >= t->n)
        return 0;
    /* every literal the text holds is kept, even one an earlier scan of
     * this event found: the same text may come with other fields */
    if (sc->recording == 1) {
        if (sc->nrec < sc->reccap)
            sc->rec[sc->nrec++] = k;
        else
            sc->recording = 2;
    }
    if (sc->defer)
        defer_hit(sc, k);
    else
        found(sc, t, k);
    return 0;
}

/* Appends s and a separator (TN_SCAN_SEP) to a scan text. */
static void put_str(tn_buf *t, const char *s, size_t len)
{
    if (len && !tn_buf_reserve(t, len + 1)) {   /* one check, not two */
        memcpy(t->data + t->len, s, len);
        t->len += len + 1;
        t->data[t->len - 1] = TN_SCAN_SEP;
        t->data[t->len] = 0;
    }
}

/* put_str for a value that lies in the event's text (lo: its start, or
 * NULL when there is none or it is under 16 bytes; span: its length less
 * 16): a value of up to 16 bytes
 * with 16 bytes of that text from its start is copied in one 16-byte move
 * instead of a memcpy call, whose call and size dispatch were most of a
 * put (~45 instructions; 3.1 M puts on the 256 MiB real-chunk file,
 * callgrind). What lands past the separator is overwritten by the next
 * value or lies past the text's length (text_end terminates it). Room is
 * reserved once per event (text_room); a put that would not fit takes
 * put_str, which grows the text. */
static inline void put_fast(tn_buf *t, const char *s, size_t len, const char *lo, size_t span)
{
    if (!len)
        return;
    if (t->len + len + 17 > t->cap) {
        put_str(t, s, len);
        return;
    }
    char *o = t->data + t->len;
    if (len <= 16 && lo && (size_t)(s - lo) <= span)
        memcpy(o, s, 16);
    else
        memcpy(o, s, len);
    o[len] = TN_SCAN_SEP;
    t->len += len + 1;
}

/* Room in t for the values of an event whose text is n bytes long (each
 * value lies in it with a terminator) and put_fast's moves. */
static void text_room(tn_buf *t, size_t n)
{
    (void)tn_buf_reserve(t, n + 16);   /* else put_fast takes put_str */
}

static void text_end(tn_buf *t)
{
    if (t->len < t->cap)
        t->data[t->len] = 0;
}

/* The texts the evaluator compares for fields read through a translating
 * rename (sigma/translate.h): without them a rule on such a field could
 * not be gated, and registry rules on Sysmon were evaluated on every
 * registry event (16 MiB of real logs: 55,753 evaluations became 90,979).
 * Built in the event's arena, which tn_scanner_match resets after the scan. */
static void put_translated(tn_scanner *sc, const tn_event *ev, const tn_scanset *ss)
{
    for (uint32_t i = 0; i < ss->ntr; i++) {
        const tn_rename *rn = ss->tr[i];
        char nb[32], tb[32];
        const char *s, *tail = "", *t;
        size_t n, tn = 0, len;
        if (!tn_eval_field(ev, rn->to, nb, &s, &n))
            continue;
        if (rn->append && !tn_eval_field(ev, rn->append, tb, &tail, &tn))
            tn = 0;
        if (tn_rename_text(rn, s, n, tail, tn, &sc->lowmem, &t, &len))
            put_str(&sc->text, t, len);
    }
}

/* Whether field name (n, len) read without its spaces is want. */
static int same_without_spaces(const char *n, size_t len, const tn_scanfield *want)
{
    size_t k = 0;
    for (size_t j = 0; j < len; j++)
        if (n[j] != ' ' && (k == want->len || n[j] != want->name[k++]))
            return 0;
    return k == want->len;
}

/* How many reports a scan of len bytes may hand the scanner. The
 * databases report every occurrence of every literal, so a hostile value
 * made of one short literal over and over (or of literals that end in
 * one another) could cost Vectorscan's ~200 instructions per report at
 * every byte. Real logs stay far below this bound (at most 23% of it in
 * the 256 MiB real-chunk file with the Windows rules, and in the corpus
 * with every SigmaHQ rule). Past it the scan stops and all the event's
 * candidates are evaluated: never wrong, and what the rules cost without
 * the prefilter. */
static uint64_t report_budget(size_t len)
{
    return 256 + (uint64_t)len / 4;
}

/* What a scan that found the literals of e would have done. */
static void replay(tn_scanner *sc, const tn_sc_entry *e)
{
    const tn_dbtab *t = sc->tab;
    for (uint32_t i = 0; i < e->nids; i++) {
        if (sc->defer)
            defer_hit(sc, e->ids[i]);
        else
            found(sc, t, e->ids[i]);
    }
}

/* Scans text with database db. A heavy field's text (keep set) is first
 * looked up in the scanner's cache, and its result kept after a full
 * scan. */
static int scan_one(tn_scanner *sc, uint32_t db, const tn_buf *text, int keep)
{
    const tn_atoms *at = &sc->rs->atoms;
    if (db >= at->ndbs || text->len <= 1)   /* the leading separator alone: no value */
        return 0;
    if (!tn_buf_ok(text) || text->len > 0xFFFFFFFFu)
        return -1;
    sc->tab = &at->tabs[db];
    sc->cur_db = db;
    uint64_t hash = 0;
    keep = keep && sc->use_cache && text->len <= TN_SCANCACHE_MAX_TEXT;
    if (keep) {
        const tn_sc_entry *e = tn_scancache_get(&sc->cache, db, text->data, text->len, &hash);
        if (e) {
            replay(sc, e);
            return 0;
        }
        sc->recording = 1;
        sc->nrec = 0;
    }
    sc->reports = report_budget(text->len);
    int rc = hs_scan(at->dbs[db], text->data, (unsigned)text->len, 0, sc->hs, on_literal, sc) ==
                     HS_SUCCESS ? 0 : -1;
    /* a scan stopped by the report budget found only some literals */
    if (keep && !rc && sc->recording == 1)
        tn_scancache_put(&sc->cache, db, text->data, text->len, hash, sc->rec, sc->nrec);
    sc->recording = 0;
    return rc;
}

/* Whether ev names the fields sh recorded, in the same order. */
static int same_shape(const shape *sh, const tn_event *ev)
{
    if (sh->nf != ev->nfields)
        return 0;
    const char *p = sh->names;
    for (uint32_t i = 0; i < ev->nfields; p += sh->lens[i], i++)
        if (sh->lens[i] != ev->fields[i].name_len || !tn_same_bytes(p, ev->fields[i].name, sh->lens[i]))
            return 0;
    return 1;
}

/* Room in sh for ev's shape (sh is no longer ok): 0, or -1 when ev is too
 * large to record or memory runs out (the shape is then not kept). */
static int shape_reserve(shape *sh, const tn_event *ev)
{
    sh->ok = 0;
    if (ev->nfields > SHAPE_MAX_FIELDS)
        return -1;
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < ev->nfields; i++)
        bytes += ev->fields[i].name_len;
    if (bytes > SHAPE_MAX_NAMES)
        return -1;
    if (ev->nfields > sh->fcap) {
        uint32_t n = ev->nfields < 32 ? 32 : ev->nfields;
        uint32_t *l = tn_realloc(sh->lens, n * sizeof(*l));
        if (l)
            sh->lens = l;
        uint8_t *c = l ? tn_realloc(sh->cls, n) : NULL;
        if (c)
            sh->cls = c;
        if (!l || !c)
            return -1;
        sh->fcap = n;
    }
    if (bytes > sh->ncap) {
        uint32_t n = bytes < 512 ? 512 : (uint32_t)bytes;
        char *nm = tn_realloc(sh->names, n);
        if (!nm)
            return -1;
        sh->names = nm;
        sh->ncap = n;
    }
    return 0;
}

/* Records ev's names in sh, whose cls the full pass has filled; gen: the
 * event's generation (tn_eval.gen once new_event_cache has run). */
static void shape_keep(shape *sh, const tn_event *ev, uint32_t gen)
{
    char *p = sh->names;
    for (uint32_t i = 0; i < ev->nfields; i++) {
        sh->lens[i] = ev->fields[i].name_len;
        if (sh->lens[i])
            memcpy(p, ev->fields[i].name, sh->lens[i]);
        p += sh->lens[i];
    }
    sh->nf = ev->nfields;
    sh->gen = gen;
    sh->ok = gen != 0;   /* 0: generations wrap with this event (new_event_cache) */
}

/* A new event's hits: none yet, but those of the slot's constant members. */
static void begin_hits(tn_scanner *sc, const tn_scanset *ss)
{
    sc->ntouched = 0;
    if (++sc->cur == 0) {   /* wrapped: forget old hits */
        memset(sc->epoch, 0, sc->rs->nrules * sizeof(*sc->epoch));
        memset(sc->lit_epoch, 0, sc->rs->atoms.nids * sizeof(*sc->lit_epoch));
        sc->cur = 1;
    }
    for (uint32_t i = 0; i < ss->npre; i++)
        on_constant(sc, ss->pre[i]);
}

static inline const tn_scanset *slot_scanset(const tn_scanner *sc, const tn_bucket *b)
{
    const tn_atoms *at = &sc->rs->atoms;
    uint32_t slot = b ? (uint32_t)(b - sc->rs->idx.tab) : sc->rs->idx.tab ? sc->rs->idx.mask + 1 : 0;
    return at->scansets && slot < at->nscansets ? &at->scansets[slot] : NULL;
}

/* Scans the strings of ev that the bucket's gated rules can read, as its
 * scan set says (sigma/ruleset_impl.h): each heavy field alone with its
 * own literals, the rest separated by TN_SCAN_SEP in one light text (named data
 * fields, or all of them for a keyword search, named System members with
 * numbers formatted as eval.c formats them, translated texts). A literal
 * found across a separator only adds a candidate; it can never hide one.
 * A field whose name has a space is always taken: the evaluator may find
 * it under its name without spaces. The bucket's constant hits come
 * first. */
static int scan_literals(tn_scanner *sc, const tn_event *ev, const tn_bucket *b)
{
    const tn_scanset *ss = slot_scanset(sc, b);
    if (!ss)
        return -1;
    if (ss->db == TN_NO_DB && !ss->nheavy && !ss->npre)
        return -1;   /* no literal to look for: nothing is gated here */
    char num[40];
    /* numbers formatted by hand: snprintf here was ~10% of matching */
    /* each text begins with a separator, as each value ends with one:
     * every value is between two, which anchored literals hold
     * (sigma/atoms.c, value_lit) */
    static const char sep = TN_SCAN_SEP;
    tn_buf_clear(&sc->text);
    tn_buf_put(&sc->text, &sep, 1);
    for (uint32_t h = 0; h < ss->nheavy; h++) {
        tn_buf_clear(&sc->htext[h]);
        tn_buf_put(&sc->htext[h], &sep, 1);
    }
    shape *sh = sc->run ? &sc->shapes[sc->run - sc->runs] : NULL;
    if (sh && sh->ok && same_shape(sh, ev)) {
        sc->ev.names_gen = sh->gen;
        const char *lo = ev->text && ev->text_len >= 16 ? ev->text : NULL;
        size_t span = lo ? ev->text_len - 16 : 0;
        if (lo) {
            text_room(&sc->text, ev->text_len);
            for (uint32_t h = 0; h < ss->nheavy; h++)
                text_room(&sc->htext[h], ev->text_len);
        }
        for (uint32_t i = 0; i < ev->nfields; i++) {
            const tn_field *f = &ev->fields[i];
            uint8_t c = sh->cls[i];
            if (c == SH_LIGHT)
                put_fast(&sc->text, f->value, f->value_len, lo, span);
            else if (c >= SH_HEAVY)
                put_fast(&sc->htext[c - SH_HEAVY], f->value, f->value_len, lo, span);
        }
        text_end(&sc->text);
        for (uint32_t h = 0; h < ss->nheavy; h++)
            text_end(&sc->htext[h]);
    } else {
        /* the full pass, recording the shape unless a field's place
         * cannot be one byte (a name with a space: the light text and
         * maybe several heavy fields) */
        int rec = sh && shape_reserve(sh, ev) == 0;
        for (uint32_t i = 0; i < ev->nfields; i++) {
            const tn_field *f = &ev->fields[i];
            uint32_t hash = tn_name_hash(f->name, f->name_len);
            int heavy = 0, spaced = memchr(f->name, ' ', f->name_len) != NULL;
            uint8_t c = SH_SKIP;
            for (uint32_t h = 0; h < ss->nheavy; h++) {
                const tn_scanfield *sf = &ss->heavy[h];
                if ((sf->hash == hash && sf->len == f->name_len && !memcmp(sf->name, f->name, sf->len)) ||
                    (spaced && same_without_spaces(f->name, f->name_len, sf))) {
                    put_str(&sc->htext[h], f->value, f->value_len);
                    rec &= !heavy;   /* a second heavy field of one name */
                    heavy = 1;
                    c = (uint8_t)(SH_HEAVY + h);
                }
            }
            if (spaced || (!heavy && (ss->all || tn_scanset_has(ss, hash)))) {
                put_str(&sc->text, f->value, f->value_len);
                c = SH_LIGHT;
            }
            rec &= !spaced;
            if (rec)
                sh->cls[i] = c;
        }
        if (rec)
            shape_keep(sh, ev, sc->ev.gen + 1 + sc->gen_ahead);   /* the generation
                                      * new_event_cache will give ev */
    }
    put_translated(sc, ev, ss);
    uint32_t sys = ss->sys;
    if (sys) {
        static const tn_sysfield sf[] = {TN_F_CHANNEL, TN_F_COMPUTER, TN_F_PROVIDER, TN_F_PROVIDER_GUID,
                                         TN_F_USERID};
        const char *strs[] = {ev->channel, ev->computer, ev->provider, ev->provider_guid, ev->user_sid};
        for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
            if (sys & (1u << sf[i]))
                put_str(&sc->text, strs[i], strlen(strs[i]));
        static const tn_sysfield nf[] = {TN_F_EVENTID, TN_F_LEVEL, TN_F_TASK, TN_F_OPCODE, TN_F_RECORDID,
                                         TN_F_VERSION, TN_F_PID, TN_F_TID};
        unsigned long long nums[] = {ev->event_id, ev->level, ev->task, ev->opcode, ev->record_id,
                                     ev->version, ev->pid, ev->tid};
        for (size_t k = 0; k < sizeof(nums) / sizeof(nums[0]); k++)
            if (sys & (1u << nf[k]))
                put_str(&sc->text, num, tn_fmt_u64(num, nums[k]));
        if (sys & (1u << TN_F_KEYWORDS))
            put_str(&sc->text, num, tn_fmt_hex(num, ev->keywords));
        if (sys & (1u << TN_F_TIME))
            put_str(&sc->text, num, tn_filetime_format(ev->time, num));
    }
    if (!sc->defer)   /* else when tn_scanner_match takes the reports */
        begin_hits(sc, ss);
    int rc = scan_one(sc, ss->db, &sc->text, 0);
    for (uint32_t h = 0; !rc && h < ss->nheavy; h++)
        rc = scan_one(sc, ss->heavy[h].db, &sc->htext[h], 1);
    return rc;
}

/* Starts a fresh lower-case cache for ev (sized to its fields). When the
 * arrays cannot grow the cache just stays smaller: uncached fields are
 * lower-cased again on each use. */
static void new_event_cache(tn_scanner *sc, const tn_event *ev)
{
    tn_eval *e = &sc->ev;
    tn_arena_reset(&sc->lowmem);
    if (ev->nfields > e->lowcap) {
        const char **nl = tn_realloc((void *)e->low, ev->nfields * sizeof(*nl));
        if (nl)
            e->low = nl;
        uint32_t *ng = nl ? tn_realloc(e->lowgen, ev->nfields * sizeof(*ng)) : NULL;
        if (ng) {
            memset(ng + e->lowcap, 0, (ev->nfields - e->lowcap) * sizeof(*ng));
            e->lowgen = ng;
            e->lowcap = ev->nfields;
        }
    }
    if (++e->gen == 0) {
        if (e->lowcap)
            memset(e->lowgen, 0, e->lowcap * sizeof(*e->lowgen));
        if (sc->fx0)
            sc->fx0->gen = 0;
        for (uint32_t i = 0; i < RUN_MEMO; i++) {
            sc->fxs[i].gen = 0;
            sc->shapes[i].ok = 0;   /* their generations are gone */
        }
        e->names_gen = 0;
        e->gen = 1;
    }
}

void tn_scanner_prescan(tn_scanner *sc, const tn_event *const *evs, uint32_t n)
{
    sc->npres = sc->pnext = 0;
    /* the generations new_event_cache will give the batch must not wrap:
     * scan_literals records them in the shapes */
    if (!sc->hs || sc->rs->no_prefilter || !n || sc->ev.gen > UINT32_MAX - n - 1)
        return;
    if (n > sc->prescap) {
        prescan *p = tn_realloc(sc->pres, n * sizeof(*p));
        if (!p)
            return;
        sc->pres = p;
        sc->prescap = n;
    }
    sc->nphits = 0;
    sc->poom = 0;
    sc->defer = 1;
    for (uint32_t i = 0; i < n; i++) {
        const tn_event *ev = evs[i];
        prescan *p = &sc->pres[i];
        *p = (prescan){.ev = ev, .hit0 = sc->nphits};
        size_t len = strlen(ev->channel);
        if (len >= sizeof(sc->chan))
            continue;   /* tn_scanner_match takes the unindexed path: no scan */
        /* what tn_scanner_match would scan: a bucket with rules, or an
         * always-list rule that holds the pair */
        const tn_bucket *b = event_run(sc, ev, len);
        if (!(b && b->n) && !sc->run->nalw)
            continue;
        sc->ev.names_gen = 0;
        sc->gen_ahead = i;
        p->ok = scan_literals(sc, ev, b) == 0;
        p->names_gen = sc->ev.names_gen;
        p->nhit = sc->nphits - p->hit0;
        tn_arena_reset(&sc->lowmem);   /* put_translated's texts, dead after the scan */
    }
    sc->defer = 0;
    sc->gen_ahead = 0;
    sc->ev.names_gen = 0;
    sc->npres = sc->poom ? 0 : n;
}

/* The prescan of ev: the next one in order whose event it is (an event
 * the caller skipped leaves its own unused), or NULL. */
static const prescan *take_prescan(tn_scanner *sc, const tn_event *ev)
{
    while (sc->pnext < sc->npres && sc->pres[sc->pnext].ev != ev)
        sc->pnext++;
    return sc->pnext < sc->npres ? &sc->pres[sc->pnext++] : NULL;
}

/* ev's hits from its prescan, as the scan would have made them when it
 * came; the gate (1: the scan succeeded). */
static int apply_prescan(tn_scanner *sc, const tn_bucket *b, const prescan *p)
{
    sc->ev.names_gen = p->names_gen;
    const tn_scanset *ss = p->ok ? slot_scanset(sc, b) : NULL;
    if (!ss)
        return 0;   /* failed scans and no-scans are ungated either way */
    begin_hits(sc, ss);
    const uint32_t *h = p->nhit ? sc->phits + 2 * (size_t)p->hit0 : NULL;   /* phits: NULL
                                      * until the first report */
    for (uint32_t i = 0; i < p->nhit; i++, h += 2)
        found(sc, &sc->rs->atoms.tabs[h[0]], h[1]);
    return 1;
}

int tn_scanner_match(tn_scanner *sc, const tn_event *ev, tn_match_cb cb, void *ctx)
{
    /* an absurdly long channel cannot be in the index's key buffer: take
     * the unindexed path, which gives the same candidates */
    size_t chan_len = strlen(ev->channel);
    int indexed = !sc->rs->no_prefilter && chan_len < sizeof(sc->chan);
    int can_gate = sc->hs && !sc->rs->no_prefilter;
    uint32_t n;
    int gate = 0;
    sc->ev.names_gen = 0;   /* set by scan_literals when it knows the names */
    /* without a successful scan every rule is evaluated (never wrong); the
     * scan runs only when some rule is a candidate */
    const prescan *pre = sc->npres ? take_prescan(sc, ev) : NULL;
    if (indexed) {
        const tn_bucket *b = event_run(sc, ev, chan_len);
        if (pre)   /* scanned already: its hits are taken now */
            gate = apply_prescan(sc, b, pre);
        else if (b && b->n)
            gate = can_gate && scan_literals(sc, ev, b) == 0;
        n = candidates_indexed(sc, b, gate);
        if (!pre && n && !(b && b->n))
            gate = can_gate && scan_literals(sc, ev, b) == 0;
    } else {
        /* the databases are per bucket: without one, nothing is gated */
        n = candidates_all(sc, ev);
    }
    int matched = 0;
    sc->ev.ev = ev;
    sc->ev.fx = indexed && sc->run ? &sc->fxs[sc->run - sc->runs] : sc->fx0;
    /* after a successful scan, values whose literal it did not find are
     * known not to match (see tn_value.lit) */
    sc->ev.lit_epoch = gate ? sc->lit_epoch : NULL;
    sc->ev.lit_cur = sc->cur;
    new_event_cache(sc, ev);
    /* locals: through sc the compiler reloads them every candidate */
    const uint8_t *gated = gate ? sc->rs->atoms.gated : NULL;
    const uint32_t *epoch = sc->epoch, cur = sc->cur;
    const uint8_t *mask = sc->mask;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t ri = sc->cands[i].rule;
        if (gated && gated[ri] && (epoch[ri] != cur || mask[ri] != gated[ri]))
            continue;
        const tn_srule *r = sc->rs->rules[ri];
        sc->ev.src = sc->cands[i].src == UINT32_MAX ? NULL : &r->sources[sc->cands[i].src];
        sc->evaluated++;
        if (!tn_eval_rule(&sc->ev, r))
            continue;
        matched++;
        if (cb) {
            tn_rule_info info;
            tn_ruleset_info(sc->rs, sc->cands[i].rule, &info);
            if (cb(&info, ev, ctx))
                break;
        }
    }
    return matched;
}
