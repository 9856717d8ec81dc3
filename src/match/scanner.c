/* scanner.c - per-thread scanning: prefilter candidates, then evaluate.
 *
 * With the prefilter, an event's (channel, EventID) selects runs of
 * candidate rules from the rule set's index (sigma/index.c); the runs and
 * the always-checked list are merged in rule order, so callbacks see rules
 * in the same order as without the prefilter. Without it every rule's
 * sources are tested directly. Either way each candidate is evaluated by
 * the reference evaluator (eval.c). */
#include "match/scanner_impl.h"

#include "base/alloc.h"
#include "base/hash.h"
#include "base/ticks.h"
#include "match/vmemo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    /* regex limits (eval.c, re_match): JIT's stack from 32 KiB up to 8
     * MiB (mapped, touched only as used), the match limit lowered from
     * PCRE2's 10 million to 1 million steps ('^(\w+\s?)*$' on 45 bytes
     * and a '!' took 23 ms an event, now 2-3 ms, and is counted); NULL
     * contexts are PCRE2's defaults */
    sc->jstack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, NULL);
    sc->ev.mctx = pcre2_match_context_create(NULL);
    if (sc->ev.mctx) {
        pcre2_set_match_limit(sc->ev.mctx, 1000000);
        if (sc->jstack)
            pcre2_jit_stack_assign(sc->ev.mctx, NULL, sc->jstack);
    }
    sc->fx0 = tn_calloc(1, sizeof(*sc->fx0));   /* NULL is fine: linear lookups */
    sc->ev.fx = sc->fx0;
    sc->ev.cache = tn_malloc(rs->max_searches ? rs->max_searches : 1);
    if (rs->nfilters && !(sc->suppressed = tn_calloc(rs->nfilters, sizeof(uint64_t)))) {
        tn_scanner_free(sc);
        return NULL;
    }
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
        sc->reccap = (uint32_t)tn_scan_report_budget(TN_SCANCACHE_MAX_TEXT);
        sc->rec = tn_malloc(sc->reccap * sizeof(*sc->rec));
        sc->use_cache = sc->rec != NULL;
    }
    /* with the prefilter only: its test against the run without it
     * (test_sigma_prefilter, the corpus) checks the memo's results too;
     * TANSA_NO_VMEMO=1 evaluates every item (for checking) */
    const char *nv = getenv("TANSA_NO_VMEMO");
    if (!rs->no_prefilter && !(nv && nv[0] == '1'))
        sc->ev.vm = tn_vmemo_new(0);   /* NULL is fine: no memo */
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
    pcre2_match_context_free(sc->ev.mctx);
    pcre2_jit_stack_free(sc->jstack);
    tn_vmemo_free(sc->ev.vm);
    tn_free(sc->cost);
    tn_free(sc->ev.cache);
    tn_free(sc->suppressed);
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
    tn_buf_free(&sc->ltext);
    tn_free(sc->lseg);
    tn_free(sc->lhits);
    tn_free(sc->lphits);
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

int tn_scanner_profile(tn_scanner *sc)
{
    if (!sc->cost)
        sc->cost = tn_calloc(sc->rs->nrules ? sc->rs->nrules : 1, sizeof(*sc->cost));
    return sc->cost ? 0 : -1;
}

const tn_rule_cost *tn_scanner_costs(const tn_scanner *sc)
{
    return sc->cost;
}

uint64_t tn_scanner_evaluated(const tn_scanner *sc)
{
    return sc->evaluated;
}

uint64_t tn_scanner_names_key(const tn_scanner *sc)
{
    /* the generation a shape was recorded at names it until generations
     * wrap; the wraps tell one round's from another's */
    return sc->ev.names_gen ? (uint64_t)(sc->wraps + 1) << 32 | sc->ev.names_gen : 0;
}

const uint64_t *tn_scanner_suppressed(const tn_scanner *sc)
{
    return sc->suppressed;
}

void tn_scanner_count_suppressed(tn_scanner *sc, const uint8_t *reported)
{
    sc->reported = reported;
}

/* A global filter suppressed rule ri's match: counted when the match
 * would have been reported, and apart when it would have fed a
 * correlation (sc->reported: bit 0, bit 1; NULL: reported). */
static void suppressed(tn_scanner *sc, uint32_t ri)
{
    if (sc->suppressed && (!sc->reported || (sc->reported[ri] & 1)))
        sc->suppressed[sc->ev.suppressor - 1]++;
    if (sc->reported && (sc->reported[ri] & 2))
        sc->suppressed_feeds++;
    sc->ev.suppressor = 0;
}

uint64_t tn_scanner_suppressed_feeds(const tn_scanner *sc)
{
    return sc->suppressed_feeds;
}

uint64_t tn_scanner_re_limits(const tn_scanner *sc)
{
    return sc->ev.re_limits;
}

void tn_scanner_cache_stats(const tn_scanner *sc, uint64_t *lookups, uint64_t *hits)
{
    *lookups = sc->cache.lookups;
    *hits = sc->cache.hits;
}

void tn_scanner_vmemo_stats(const tn_scanner *sc, uint64_t *results, uint64_t *hits)
{
    tn_vmemo_stats st = {0};
    if (sc->ev.vm)
        tn_vmemo_get_stats(sc->ev.vm, &st);
    *results = st.results;
    *hits = st.result_hits;
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
        if (e->vm)
            tn_vmemo_forget_recent(e->vm);
        sc->wraps++;
    }
}

void tn_scanner_prescan(tn_scanner *sc, const tn_event *const *evs, uint32_t n)
{
    sc->npres = sc->pnext = 0;
    /* the generations new_event_cache will give the batch must not wrap:
     * tn_scan_literals records them in the shapes */
    if (!sc->hs || sc->rs->no_prefilter || !n || sc->ev.gen > UINT32_MAX - n - 1)
        return;
    if (n > sc->prescap) {
        prescan *p = tn_realloc(sc->pres, n * sizeof(*p));
        if (!p)
            return;
        sc->pres = p;
        sc->prescap = n;
    }
    sc->nphits = sc->nlphits = 0;
    sc->nlseg = 0;
    tn_buf_clear(&sc->ltext);
    sc->poom = 0;
    sc->defer = 1;
    for (uint32_t i = 0; i < n; i++) {
        const tn_event *ev = evs[i];
        prescan *p = &sc->pres[i];
        size_t len = strlen(ev->channel);
        *p = (prescan){.ev = ev, .chan_len = len, .hit0 = sc->nphits};
        if (len >= sizeof(sc->chan))
            continue;   /* tn_scanner_match takes the unindexed path: no scan */
        /* what tn_scanner_match would scan: a bucket with rules, or an
         * always-list rule that holds the pair */
        const tn_bucket *b = event_run(sc, ev, len);
        if (!(b && b->n) && !sc->run->nalw)
            continue;
        sc->ev.names_gen = 0;
        sc->gen_ahead = i;
        p->ok = tn_scan_literals(sc, ev, b) == 0;
        p->names_gen = sc->ev.names_gen;
        p->nhit = sc->nphits - p->hit0;
        tn_arena_reset(&sc->lowmem);   /* put_translated's texts, dead after the scan */
    }
    tn_scan_light_flush(sc);   /* the last run of light texts */
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
    tn_scan_begin_hits(sc, ss);
    /* its own scans' reports, then its light run's; each array is NULL
     * until its first report: no offset is taken then */
    const uint32_t *h = p->nhit ? sc->phits + 2 * (size_t)p->hit0 : NULL;
    for (uint32_t i = 0; i < p->nhit; i++, h += 2)
        found(sc, &sc->rs->atoms.tabs[h[0]], h[1]);
    h = p->lnhit ? sc->lphits + 2 * (size_t)p->lhit0 : NULL;
    for (uint32_t i = 0; i < p->lnhit; i++, h += 2)
        found(sc, &sc->rs->atoms.tabs[h[0]], h[1]);
    return 1;
}

int tn_scanner_match(tn_scanner *sc, const tn_event *ev, tn_match_cb cb, void *ctx)
{
    /* without a successful scan every rule is evaluated (never wrong); the
     * scan runs only when some rule is a candidate */
    const prescan *pre = sc->npres ? take_prescan(sc, ev) : NULL;
    /* an absurdly long channel cannot be in the index's key buffer: take
     * the unindexed path, which gives the same candidates. The prescan
     * measured it already (a second strlen per event was ~0.7% of the
     * 256 MiB hunt with the Windows rules, perf) */
    size_t chan_len = pre ? pre->chan_len : strlen(ev->channel);
    int indexed = !sc->rs->no_prefilter && chan_len < sizeof(sc->chan);
    int can_gate = sc->hs && !sc->rs->no_prefilter;
    uint32_t n;
    int gate = 0;
    sc->ev.names_gen = 0;   /* set by tn_scan_literals when it knows the names */
    if (indexed) {
        const tn_bucket *b = event_run(sc, ev, chan_len);
        if (pre)   /* scanned already: its hits are taken now */
            gate = apply_prescan(sc, b, pre);
        else if (b && b->n)
            gate = can_gate && tn_scan_literals(sc, ev, b) == 0;
        n = candidates_indexed(sc, b, gate);
        if (!pre && n && !(b && b->n))
            gate = can_gate && tn_scan_literals(sc, ev, b) == 0;
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
        if (sc->cost) {   /* hunt --profile: a branch a candidate otherwise */
            uint64_t t0 = tn_ticks();
            int ok = tn_eval_rule(&sc->ev, r);
            tn_rule_cost *c = &sc->cost[ri];
            c->ticks += tn_ticks() - t0;
            c->evals++;
            c->hits += (uint64_t)ok;
            if (!ok) {
                if (sc->ev.suppressor)
                    suppressed(sc, ri);
                continue;
            }
        } else if (!tn_eval_rule(&sc->ev, r)) {
            if (sc->ev.suppressor)
                suppressed(sc, ri);
            continue;
        }
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
