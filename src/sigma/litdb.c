/* litdb.c - the literal prefilter's Vectorscan databases: one per
 * distinct literal list of the index slots' scan sets (scanset.c), each
 * with its table of literal ids and rule entries (tn_dbtab). atoms.c
 * derives the literals and clauses; this file compiles (or loads from
 * hscache.c's cache) and tabulates them. */
#include "sigma/ruleset_impl.h"

#include "base/alloc.h"
#include "base/par.h"
#include "sigma/hscache.h"

#include <stdlib.h>
#include <string.h>

/* A database's literal ids, sorted, and a hash of them. */
typedef struct idlist {
    uint32_t *v;
    uint32_t n, cap;
    uint32_t hash;
} idlist;

static void list_hash(idlist *l)
{
    l->hash = 2166136261u;
    for (uint32_t i = 0; i < l->n; i++)
        l->hash = (l->hash ^ l->v[i]) * 16777619u;
}

/* The index of list l among the distinct lists d[0..*nd), adding it
 * (taking its memory) if new; TN_NO_DB for an empty list. */
static uint32_t distinct(idlist *d, uint32_t *nd, idlist *l)
{
    if (!l->n) {
        tn_free(l->v);
        return TN_NO_DB;
    }
    list_hash(l);
    for (uint32_t i = 0; i < *nd; i++)
        if (d[i].hash == l->hash && d[i].n == l->n && !memcmp(d[i].v, l->v, l->n * sizeof(*l->v))) {
            tn_free(l->v);
            return i;
        }
    d[*nd] = *l;
    return (*nd)++;
}

static uint32_t distinct_vec(idlist *d, uint32_t *nd, tn_idvec *v)
{
    idlist l = {v->v, v->n, v->cap, 0};
    *v = (tn_idvec){0};
    return distinct(d, nd, &l);
}

/* One database per distinct literal list of the slots' scan sets
 * (hscache.c caches them together): a scan looks for the literals of the
 * rules that can apply to the event, in the texts they can be found in,
 * not for all of them: with one database for all ~17,000 of SigmaHQ, the
 * scan was ~40% of matching (callgrind). */

/* Each slot has the databases of its own lists, never a union with other
 * buckets' (as before 2026-11-26, to save ~6 ms of compiling per small
 * bucket): the literals of the other buckets were scanned for and
 * reported in vain (a 4625 event paid for "0x0" of 4769 and "admin" of
 * 4624 rules). Measured with callgrind on the 256 MiB real-chunk file and
 * the 2,872 Windows rules: hs_scan 1,124 M -> 966 M instructions, warm
 * loading +4 M; compiling cold (no cache) took 2.3-2.5 s with unions,
 * 2.5-2.9 s without, with 2 threads. */

/* Marks in member (stamp) the gated rules slot s can hand out. */
static void slot_members(const tn_ruleset *rs, uint32_t s, uint32_t *member, uint32_t stamp)
{
    const tn_index *ix = &rs->idx;
    uint32_t nslots = ix->tab ? ix->mask + 1 : 0;
    const tn_bucket *b = s < nslots ? &ix->tab[s] : NULL;
    for (uint32_t i = 0; b && i < b->n; i++)
        member[ix->cands[b->start + i].rule] = stamp;
    for (uint32_t i = 0; i < ix->nalways; i++)
        member[ix->always[i]] = stamp;
}

static int uses_db(const tn_scanset *ss, uint32_t db)
{
    if (ss->db == db)
        return 1;
    for (uint32_t h = 0; h < ss->nheavy; h++)
        if (ss->heavy[h].db == db)
            return 1;
    return 0;
}

/* Each database's table (tn_dbtab): its literals, and for each the
 * entries of at->rules_of whose rule a slot using the database can hand
 * out. Takes d[i].v. Returns 0 or -1. */
static int build_tabs(tn_ruleset *rs, idlist *d, uint32_t nd)
{
    tn_atoms *at = &rs->atoms;
    uint32_t nsets = at->nscansets;
    at->tabs = tn_calloc(nd ? nd : 1, sizeof(*at->tabs));
    uint32_t *member = tn_calloc(rs->nrules ? rs->nrules : 1, sizeof(*member));
    uint32_t **users = tn_calloc(nd ? nd : 1, sizeof(*users));   /* slots using each database */
    uint32_t *nusers = tn_calloc(nd ? nd : 1, sizeof(*nusers));
    int rc = at->tabs && member && users && nusers ? 0 : -1;
    for (uint32_t s = 0; !rc && s < nsets; s++)
        for (uint32_t i = 0; i < nd && !rc; i++)
            if (uses_db(&at->scansets[s], i)) {
                if ((nusers[i] & (nusers[i] - 1)) == 0) {   /* 0, 1, 2, 4, ...: grow */
                    uint32_t *nu = tn_realloc(users[i], (nusers[i] ? 2 * nusers[i] : 1) * sizeof(*nu));
                    if (!nu) {
                        rc = -1;
                        break;
                    }
                    users[i] = nu;
                }
                users[i][nusers[i]++] = s;
            }
    for (uint32_t i = 0; !rc && i < nd; i++) {
        tn_dbtab *t = &at->tabs[i];
        for (uint32_t u = 0; u < nusers[i]; u++)
            slot_members(rs, users[i][u], member, i + 1);
        uint32_t total = 0;
        for (uint32_t k = 0; k < d[i].n; k++)
            for (uint32_t e = at->start[d[i].v[k]]; e < at->start[d[i].v[k] + 1]; e++)
                total += member[at->rules_of[e] >> TN_CLAUSE_BITS] == i + 1;
        t->start = tn_malloc((d[i].n + 1) * sizeof(*t->start));
        t->rules = tn_malloc((total ? total : 1) * sizeof(*t->rules));
        if (!t->start || !t->rules) {
            rc = -1;
            break;
        }
        uint32_t n = 0;
        for (uint32_t k = 0; k < d[i].n; k++) {
            t->start[k] = n;
            for (uint32_t e = at->start[d[i].v[k]]; e < at->start[d[i].v[k] + 1]; e++)
                if (member[at->rules_of[e] >> TN_CLAUSE_BITS] == i + 1)
                    t->rules[n++] = at->rules_of[e];
        }
        t->start[d[i].n] = n;
        t->lit = d[i].v;
        t->n = d[i].n;
        d[i].v = NULL;
    }
    for (uint32_t i = 0; users && i < nd; i++)
        tn_free(users[i]);
    tn_free(users);
    tn_free(nusers);
    tn_free(member);
    return rc;
}

/* The scratch that suits every database, and the tables: apart from each
 * other, so on two threads side by side (tn_par_pair). Measured on
 * SigmaHQ's 2,872 Windows rules: ~2 ms each, one after the other on one
 * thread while the second waited. */
typedef struct last_pass {
    tn_ruleset *rs;
    idlist *d;
    uint32_t nd;
    int scratch_rc, tabs_rc;
} last_pass;

static void scratch_task(void *arg)
{
    last_pass *p = arg;
    tn_atoms *at = &p->rs->atoms;
    for (uint32_t i = 0; !p->scratch_rc && i < p->nd; i++)
        if (hs_alloc_scratch(at->dbs[i], &at->scratch) != HS_SUCCESS)
            p->scratch_rc = -1;
}

static void tabs_task(void *arg)
{
    last_pass *p = arg;
    p->tabs_rc = build_tabs(p->rs, p->d, p->nd);
}

int tn_litdb_compile(tn_ruleset *rs, const char *const *lit, const size_t *len, uint32_t nids,
                     tn_slotlists *lists, int threads)
{
    tn_atoms *at = &rs->atoms;
    const tn_index *ix = &rs->idx;
    uint32_t nslots = ix->tab ? ix->mask + 1 : 0;
    uint32_t *mark = tn_calloc(nids ? nids : 1, sizeof(*mark));
    size_t dcap = ((size_t)nslots + 1) * (1 + TN_SCAN_HEAVY_MAX);
    idlist *d = tn_calloc(dcap, sizeof(*d));
    uint32_t nd = 0;
    int rc = mark && d ? 0 : -1;
    for (uint32_t s = 0; !rc && s <= nslots; s++) {
        tn_scanset *ss = &at->scansets[s];
        ss->db = distinct_vec(d, &nd, &lists[s].light);
        for (uint32_t i = 0; i < ss->nheavy; i++)
            ss->heavy[i].db = distinct_vec(d, &nd, &lists[s].heavy[i]);
    }
    /* every list's literals, as the compiler wants them */
    uint32_t total = 0;
    for (uint32_t i = 0; i < nd; i++)
        total += d[i].n;
    tn_hslits *in = tn_calloc(nd ? nd : 1, sizeof(*in));
    const char **lits = tn_malloc((total ? total : 1) * sizeof(*lits));
    size_t *lens = tn_malloc((total ? total : 1) * sizeof(*lens));
    unsigned *flags = tn_malloc((total ? total : 1) * sizeof(*flags));
    at->dbs = tn_calloc(nd ? nd : 1, sizeof(*at->dbs));
    if (!in || !lits || !lens || !flags || !at->dbs)
        rc = -1;
    uint32_t maxn = 0;
    for (uint32_t i = 0; i < nd; i++)
        maxn = d[i].n > maxn ? d[i].n : maxn;
    unsigned *local = tn_malloc((maxn ? maxn : 1) * sizeof(*local));   /* 0, 1, 2, ... */
    if (!local)
        rc = -1;
    for (uint32_t j = 0; local && j < maxn; j++)
        local[j] = j;
    for (uint32_t i = 0, k = 0; !rc && i < nd; i++) {
        in[i] = (tn_hslits){lits + k, flags + k, local, lens + k, d[i].n};
        for (uint32_t j = 0; j < d[i].n; j++, k++) {
            lits[k] = lit[d[i].v[j]];
            lens[k] = len[d[i].v[j]];
            /* not HS_FLAG_SINGLEMATCH: Vectorscan's dedupe of reports cost
             * more than the repeats it saves (256 MiB real-chunk file, 2,872
             * Windows rules: 1.24 G -> 1.12 G instructions in hs_scan). The
             * scanner drops a repeat in one compare, and bounds the reports
             * of one scan (match/scantext.c, tn_scan_report_budget). */
            flags[k] = HS_FLAG_CASELESS;
        }
    }
    if (!rc && nd && tn_hscache_lit_dbs(in, nd, at->dbs, &at->how, threads, &at->dbmem, &at->dbmem_len))
        rc = -1;
    if (!rc)
        at->ndbs = nd;
    /* literals in some database */
    if (mark)
        memset(mark, 0, (nids ? nids : 1) * sizeof(*mark));
    for (uint32_t i = 0; !rc && i < nd; i++)
        for (uint32_t j = 0; j < d[i].n; j++)
            at->nlits += !mark[d[i].v[j]]++;
    if (!rc) {
        last_pass lp = {.rs = rs, .d = d, .nd = nd};
        tn_par_pair(threads, scratch_task, tabs_task, &lp);
        rc = lp.scratch_rc || lp.tabs_rc ? -1 : 0;
    }
    for (uint32_t i = 0; d && i < nd; i++)
        tn_free(d[i].v);
    tn_free(local);
    tn_free(d);
    tn_free(mark);
    tn_free(in);
    tn_free(lits);
    tn_free(lens);
    tn_free(flags);
    return rc;
}

void tn_litdb_free(tn_atoms *at)
{
    for (uint32_t i = 0; at->tabs && i < at->ndbs; i++) {
        tn_free(at->tabs[i].lit);
        tn_free(at->tabs[i].start);
        tn_free(at->tabs[i].rules);
    }
    tn_free(at->tabs);
    at->tabs = NULL;
    for (uint32_t i = 0; at->dbs && !at->dbmem && i < at->ndbs; i++)
        if (at->dbs[i])
            hs_free_database(at->dbs[i]);
    tn_huge_free(at->dbmem, at->dbmem_len);
    at->dbmem = NULL;
    tn_free(at->dbs);
    if (at->scratch)
        hs_free_scratch(at->scratch);
    at->dbs = NULL;
    at->ndbs = 0;
    at->scratch = NULL;
}

