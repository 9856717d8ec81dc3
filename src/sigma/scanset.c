/* scanset.c - what of an event each index bucket's literal scan reads.
 *
 * A bucket's scan only has to see the fields its gated rules can read
 * (atoms.c gates them): their names go into a Bloom filter, System
 * members into a bit set, and a keyword search means every data field.
 * Slots are independent, so they are built on several threads. */
#include "sigma/ruleset_impl.h"

#include "base/alloc.h"
#include "base/par.h"
#include "sigma/translate.h"
#include "sigma/value.h"

#include <stdatomic.h>
#include <string.h>

static void scan_name(tn_scanset *ss, const char *name, size_t len)
{
    tn_sysfield sys = tn_field_sys(name, len);
    if (sys != TN_F_DATA)
        ss->sys |= 1u << sys;
    uint32_t h = tn_scanset_bit(tn_name_hash(name, len));
    ss->bloom[h >> 6] |= 1ull << (h & 63);
}

/* Adds a translating rename to the slot's list (once). Returns -1 when
 * the list cannot grow. */
static int scan_translated(tn_scanset *ss, const tn_rename *rn)
{
    for (uint32_t i = 0; i < ss->ntr; i++)
        if (ss->tr[i] == rn)
            return 0;
    if ((ss->ntr & (ss->ntr - 1)) == 0) {   /* 0, 1, 2, 4, ...: grow */
        const tn_rename **n = tn_realloc(ss->tr, (ss->ntr ? 2 * ss->ntr : 1) * sizeof(*n));
        if (!n)
            return -1;
        ss->tr = n;
    }
    ss->tr[ss->ntr++] = rn;
    return 0;
}

static int scan_renamed(tn_scanset *ss, const tn_rename *rn, uint32_t n, const tn_fieldname *fn)
{
    for (uint32_t i = 0; i < n; i++)
        if (rn[i].from_len == fn->len && !memcmp(rn[i].from, fn->name, fn->len)) {
            scan_name(ss, rn[i].to, rn[i].to_len);
            if (tn_rename_translates(&rn[i]) && scan_translated(ss, &rn[i]))
                return -1;
        }
    return 0;
}

/* Every name under which the evaluator can read a field of r's searches
 * (eval.c lookup: the source's renames, the name itself, the global
 * aliases), and the renames whose translated text it compares. Filters
 * are not needed: their values are never tagged. Returns -1 out of memory. */
static int scan_rule(tn_scanset *ss, const tn_srule *r)
{
    int rc = 0;
    for (uint32_t s = 0; s < r->nsearches; s++)
        for (uint32_t i = 0; i < r->searches[s].nitems; i++) {
            const tn_fieldname *fn = &r->searches[s].items[i].field;
            if (!fn->name) {   /* keyword search: every data field */
                ss->all = 1;
                continue;
            }
            scan_name(ss, fn->name, fn->len);
            if (fn->sys != TN_F_DATA)
                ss->sys |= 1u << fn->sys;
            for (uint32_t k = 0; k < r->nsources; k++)
                rc |= scan_renamed(ss, r->sources[k].renames, r->sources[k].nrenames, fn);
            rc |= scan_renamed(ss, r->aliases, r->naliases, fn);
        }
    return rc;
}

/* Slot s's scan set (s == number of slots: events without a bucket), from
 * the gated rules the slot can hand out (ungated rules need no literal).
 * Returns -1 out of memory. */
static int build_slot(const tn_ruleset *rs, uint32_t s)
{
    int rc = 0;
    const tn_atoms *at = &rs->atoms;
    const tn_index *ix = &rs->idx;
    uint32_t nslots = ix->tab ? ix->mask + 1 : 0;
    const tn_bucket *b = s < nslots ? &ix->tab[s] : NULL;
    if (b && !b->chan)
        return 0;
    tn_scanset *ss = &at->scansets[s];
    for (uint32_t i = 0; b && i < b->n; i++) {
        uint32_t r = ix->cands[b->start + i].rule;
        if (at->gated[r])
            rc |= scan_rule(ss, rs->rules[r]);
    }
    for (uint32_t i = 0; i < ix->nalways; i++)
        if (at->gated[ix->always[i]])
            rc |= scan_rule(ss, rs->rules[ix->always[i]]);
    return rc;
}

typedef struct job {
    const tn_ruleset *rs;
    uint32_t nsets;
    atomic_uint next;      /* next slot to claim */
    atomic_int oom;
} job;

static int slot_loop(void *arg, int w)
{
    job *J = arg;
    (void)w;
    for (uint32_t s; (s = atomic_fetch_add(&J->next, 1)) < J->nsets;)
        if (build_slot(J->rs, s))
            atomic_store(&J->oom, 1);
    return 0;
}

/* Each slot's ungated run entries: after a scan, the gated ones that can
 * pass are found from the literal hits instead of by walking the whole
 * run (over a thousand entries for process creation), match/scanner.c. */
static int split_ungated(tn_ruleset *rs)
{
    const tn_index *ix = &rs->idx;
    tn_atoms *at = &rs->atoms;
    uint32_t nslots = ix->tab ? ix->mask + 1 : 0, total = 0;
    at->ung_start = tn_calloc(nslots + 1, sizeof(*at->ung_start));
    if (!at->ung_start)
        return -1;
    for (uint32_t s = 0; s < nslots; s++)
        for (uint32_t i = 0; ix->tab[s].chan && i < ix->tab[s].n; i++)
            total += !at->gated[ix->cands[ix->tab[s].start + i].rule];
    at->ung = tn_malloc((total ? total : 1) * sizeof(*at->ung));
    if (!at->ung)
        return -1;
    uint32_t k = 0;
    for (uint32_t s = 0; s < nslots; s++) {
        at->ung_start[s] = k;
        for (uint32_t i = 0; ix->tab[s].chan && i < ix->tab[s].n; i++) {
            const tn_cand *c = &ix->cands[ix->tab[s].start + i];
            if (!at->gated[c->rule])
                at->ung[k++] = *c;
        }
    }
    at->ung_start[nslots] = k;
    return 0;
}

int tn_scansets_build(tn_ruleset *rs, int threads)
{
    tn_atoms *at = &rs->atoms;
    uint32_t nslots = rs->idx.tab ? rs->idx.mask + 1 : 0;
    at->scansets = tn_calloc(nslots + 1, sizeof(*at->scansets));
    if (!at->scansets)
        return -1;
    at->nscansets = nslots + 1;
    job J = {.rs = rs, .nsets = nslots + 1};
    atomic_init(&J.next, 0);
    atomic_init(&J.oom, 0);
    tn_par_each(threads > 1 && nslots >= 64 ? threads : 1, slot_loop, &J);
    return atomic_load(&J.oom) ? -1 : split_ungated(rs);
}
