/* scanset.c - what of an event each index bucket's literal scan reads,
 * and with which literals.
 *
 * atoms.c tags each value whose literal gates its rule (tn_value.lit).
 * Such a literal must be looked for in every text the evaluator can
 * compare that value with: the field as named, the targets of the
 * source's renames and of the global aliases, a rename's translated text
 * (sigma/translate.h), or every data field for a keyword search. Here,
 * per slot (bucket), each tagged literal goes to the texts of its item:
 *
 *   - a data field with many literals of its own (HEAVY_MIN) is a "heavy"
 *     field: only its own literals are looked for in its values, by a
 *     database of its own;
 *   - every other named field, the System members and translated texts
 *     make the "light" text, scanned with the union of their literals;
 *   - keyword literals are looked for in every data field: they go into
 *     every database of the slot, and every data field that is not heavy
 *     into the light text (measured, this beat a keyword database of its
 *     own scanned over a copy of every field: 10.40 G against 10.50 G
 *     instructions for the whole 256 MiB run);
 *   - literals that the slot's constant members hold (the channel of a
 *     bucket, its EventID) are hits on every event of the slot: they are
 *     listed in pre and never scanned for.
 *
 * Why: with one database per bucket, Sysmon process creation had one of
 * 9,469 literals, scanned over every data field (821 bytes an event in
 * the 256 MiB real-chunk file), though 7,552 of them are CommandLine's
 * (66 bytes an event there) and Hashes, ParentCommandLine and the GUIDs,
 * the longest values, have few or none. Measured with callgrind on that
 * file and the 2,872 Windows rules, Vectorscan's part of the scan went
 * from 2,143 M to 1,404 M instructions and the whole run from 11.22 G to
 * 10.50 G (with atoms.c's smaller shared databases, 151 M of it), with the
 * same detections.
 *
 * Slots are independent, so they are built on several threads. */
#include "sigma/ruleset_impl.h"

#include "base/alloc.h"
#include "base/par.h"
#include "sigma/translate.h"
#include "sigma/value.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A field gets a database of its own from this many literals. */
#define HEAVY_MIN 256

int tn_idvec_add(tn_idvec *l, uint32_t id)
{
    if (l->n == l->cap) {
        uint32_t ncap = l->cap ? l->cap * 2 : 16;
        uint32_t *nv = tn_realloc(l->v, ncap * sizeof(*nv));
        if (!nv)
            return -1;
        l->v = nv;
        l->cap = ncap;
    }
    l->v[l->n++] = id;
    return 0;
}

/* Sorts l and drops repeats, the canonical form atoms.c compares,
 * through bits (a zeroed bit per literal id, left zeroed). qsort here was
 * a third of building the scan sets (callgrind, SigmaHQ Windows rules). */
static void vec_finish(tn_idvec *l, uint64_t *bits)
{
    if (l->n < 2)
        return;
    uint32_t lo = UINT32_MAX, hi = 0;
    for (uint32_t i = 0; i < l->n; i++) {
        uint32_t w = l->v[i] >> 6;
        bits[w] |= 1ull << (l->v[i] & 63);
        lo = w < lo ? w : lo;
        hi = w > hi ? w : hi;
    }
    uint32_t k = 0;
    for (uint32_t w = lo; w <= hi; w++)
        for (uint64_t x = bits[w]; x; x &= x - 1)
            l->v[k++] = w * 64 + (uint32_t)__builtin_ctzll(x);
    memset(bits + lo, 0, (hi - lo + 1) * sizeof(*bits));
    l->n = k;
}

static int vec_has(const tn_idvec *l, uint32_t id)   /* l finished */
{
    uint32_t lo = 0, hi = l->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (l->v[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < l->n && l->v[lo] == id;
}

static int vec_append(tn_idvec *to, const tn_idvec *from)
{
    for (uint32_t i = 0; i < from->n; i++)
        if (tn_idvec_add(to, from->v[i]))
            return -1;
    return 0;
}

/* One data field name of a slot and the literals looked for in it. */
typedef struct named {
    const char *name;
    uint32_t len, hash;
    tn_idvec lits;
} named;

/* A slot's literals while it is built: per data field name, per System
 * member, translated texts, keywords. */
typedef struct slotb {
    named *f;
    uint32_t nf, cap;
    tn_idvec sys[32];
    tn_idvec tr, kw;
    tn_idvec item;         /* the tagged literals of the current item */
    tn_scanset *ss;
    int oom;
} slotb;

static named *field_of(slotb *B, const char *name, uint32_t len)
{
    uint32_t h = tn_name_hash(name, len);
    for (uint32_t i = 0; i < B->nf; i++)
        if (B->f[i].hash == h && B->f[i].len == len && !memcmp(B->f[i].name, name, len))
            return &B->f[i];
    if (B->nf == B->cap) {
        uint32_t ncap = B->cap ? B->cap * 2 : 16;
        named *nf = tn_realloc(B->f, ncap * sizeof(*nf));
        if (!nf)
            return NULL;
        B->f = nf;
        B->cap = ncap;
    }
    B->f[B->nf] = (named){name, len, h, {0}};
    return &B->f[B->nf++];
}

/* The literals lits[0..n) go to the text of field name, System member
 * sys (TN_F_DATA: a data field). */
static void to_name(slotb *B, const char *name, uint32_t len, tn_sysfield sys, const uint32_t *lits,
                    uint32_t n)
{
    tn_idvec *l;
    if (sys != TN_F_DATA) {
        l = &B->sys[sys];
    } else {
        named *f = field_of(B, name, len);
        if (!f) {
            B->oom = 1;
            return;
        }
        l = &f->lits;
    }
    for (uint32_t i = 0; i < n; i++)
        B->oom |= tn_idvec_add(l, lits[i]);
}

/* Adds a translating rename to the slot's list (once). */
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

static void to_renamed(slotb *B, const tn_rename *rn, uint32_t n, const tn_fieldname *fn,
                       const uint32_t *lits, uint32_t nl)
{
    for (uint32_t i = 0; i < n; i++)
        if (rn[i].from_len == fn->len && !memcmp(rn[i].from, fn->name, fn->len)) {
            /* the field as it reads, through the rename or one its else gives */
            for (const tn_rename *x = &rn[i]; x; x = x->alt) {
                tn_sysfield sys = x->target.name ? x->target.sys : tn_field_sys(x->to, x->to_len);
                to_name(B, x->to, x->to_len, sys, lits, nl);
            }
            if (tn_rename_chain_translates(&rn[i])) {
                B->oom |= scan_translated(B->ss, &rn[i]);
                for (uint32_t k = 0; k < nl; k++)
                    B->oom |= tn_idvec_add(&B->tr, lits[k]);
            }
        }
}

/* Whether source s can be the one an event of bucket b is read through:
 * its channel (a wildcard's prefix) is the bucket's, and its EventIDs
 * hold the bucket's when both are set (a bucket of any EventID takes
 * events of EventIDs without one of their own: any source of the
 * channel). b NULL: events of no bucket, any source. */
static int source_fits(const tn_source *s, const tn_bucket *b)
{
    if (!b)
        return 1;
    size_t cl = strlen(s->channel);
    int wild = cl && s->channel[cl - 1] == '*';
    size_t cmp = wild ? cl - 1 : cl;
    if ((wild ? b->chan_len < cmp : b->chan_len != cmp) || strncasecmp(b->chan, s->channel, cmp) != 0)
        return 0;
    if (!s->neids || b->eid == TN_ANY_EID)
        return 1;
    for (uint32_t i = 0; i < s->neids; i++)
        if (s->eids[i] == b->eid)
            return 1;
    return 0;
}

/* Every text the evaluator can compare a value of an item of rule r with
 * (eval.c lookup: the source's renames, the name itself, the global
 * aliases) gets the literals of the item's tagged values.
 *
 * Rule r's items into the slot of bucket b: read through source src (a
 * candidate of b's run: the one source its events are read through), or
 * through each of r's sources that fits b (src UINT32_MAX: the always
 * list). Every source of every rule in every slot made a user's map of
 * 1,000 sources for one category cost 5.6 s to load the process_creation
 * rules, and 10,000 sources 519 s (a review of hostile input, session 23). */
static void slot_rule(slotb *B, const tn_srule *r, const tn_bucket *b, uint32_t src)
{
    for (uint32_t s = 0; s < r->nsearches && !B->oom; s++)
        for (uint32_t i = 0; i < r->searches[s].nitems && !B->oom; i++) {
            const tn_item *it = &r->searches[s].items[i];
            const tn_fieldname *fn = &it->field;
            B->item.n = 0;
            for (uint32_t v = 0; v < it->nvalues; v++)
                if (it->values[v].lit)
                    B->oom |= tn_idvec_add(&B->item, it->values[v].lit - 1);
            const uint32_t *lits = B->item.v;
            uint32_t n = B->item.n;
            if (!n)
                continue;
            if (!fn->name) {   /* keyword search: every data field */
                for (uint32_t k = 0; k < n; k++)
                    B->oom |= tn_idvec_add(&B->kw, lits[k]);
                continue;
            }
            to_name(B, fn->name, fn->len, fn->sys, lits, n);
            if (src < r->nsources)
                to_renamed(B, r->sources[src].renames, r->sources[src].nrenames, fn, lits, n);
            for (uint32_t k = 0; src == UINT32_MAX && k < r->nsources; k++)
                if (source_fits(&r->sources[k], b))
                    to_renamed(B, r->sources[k].renames, r->sources[k].nrenames, fn, lits, n);
            to_renamed(B, r->aliases, r->naliases, fn, lits, n);
        }
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* Whether literal (s, n), lower-case, occurs in text t[0..tn) ignoring
 * ASCII case (Vectorscan's HS_FLAG_CASELESS). */
static int occurs(const char *s, size_t n, const char *t, size_t tn)
{
    for (size_t i = 0; n && i + n <= tn; i++) {
        size_t k = 0;
        while (k < n && s[k] == lower(t[i + k]))
            k++;
        if (k == n)
            return 1;
    }
    return 0;
}

typedef struct job {
    const tn_ruleset *rs;
    const char *const *lit;
    const size_t *len;
    tn_slotlists *out;
    uint32_t nsets;
    uint32_t nids;         /* literal ids are below this */
    atomic_uint next;      /* next slot to claim */
    atomic_int oom;
} job;

static void name_bit(tn_scanset *ss, const char *name, size_t len)
{
    uint32_t h = tn_scanset_bit(tn_name_hash(name, len));
    ss->bloom[h >> 6] |= 1ull << (h & 63);
}

/* Literals of a constant member (text t) become pre hits when t holds
 * them; either way they are not scanned for in that member. t is taken
 * between separators (TN_SCAN_SEP), as the scan texts hold each value:
 * an anchored literal (atoms.c, value_lit) is held too. */
static int fold(const job *J, tn_idvec *pre, const tn_idvec *l, const char *t, size_t tn)
{
    char *nt = tn_malloc(tn + 2);
    if (!nt)
        return -1;
    nt[0] = TN_SCAN_SEP;
    memcpy(nt + 1, t, tn);
    nt[tn + 1] = TN_SCAN_SEP;
    int rc = 0;
    for (uint32_t i = 0; i < l->n && !rc; i++)
        if (occurs(J->lit[l->v[i]], J->len[l->v[i]], nt, tn + 2) && tn_idvec_add(pre, l->v[i]))
            rc = -1;
    tn_free(nt);
    return rc;
}

static int by_size(const void *a, const void *b)
{
    const named *x = a, *y = b;
    if (x->lits.n != y->lits.n)
        return x->lits.n > y->lits.n ? -1 : 1;
    return x->len != y->len ? (x->len < y->len ? -1 : 1) : memcmp(x->name, y->name, x->len);
}

/* Slot s's scan set and literal lists (s == number of slots: events
 * without a bucket), from the gated rules the slot can hand out (ungated
 * rules need no literal). Returns -1 out of memory. */
static int build_slot(job *J, uint32_t s)
{
    const tn_ruleset *rs = J->rs;
    const tn_atoms *at = &rs->atoms;
    const tn_index *ix = &rs->idx;
    uint32_t nslots = ix->tab ? ix->mask + 1 : 0;
    const tn_bucket *b = s < nslots ? &ix->tab[s] : NULL;
    tn_scanset *ss = &at->scansets[s];
    tn_slotlists *out = &J->out[s];
    ss->db = TN_NO_DB;
    if (b && !b->chan)
        return 0;
    slotb B = {.ss = ss};
    uint64_t *bits = tn_calloc(J->nids / 64 + 1, sizeof(*bits));
    if (!bits)
        return -1;
    for (uint32_t i = 0; b && i < b->n; i++) {
        const tn_cand *c = &ix->cands[b->start + i];
        if (at->gated[c->rule])
            slot_rule(&B, rs->rules[c->rule], b, c->src);
    }
    for (uint32_t i = 0; i < ix->nalways; i++)
        if (at->gated[ix->always[i]])
            slot_rule(&B, rs->rules[ix->always[i]], b, UINT32_MAX);
    for (uint32_t i = 0; i < B.nf; i++)
        vec_finish(&B.f[i].lits, bits);
    for (uint32_t i = 0; i < 32; i++)
        vec_finish(&B.sys[i], bits);
    vec_finish(&B.tr, bits);
    vec_finish(&B.kw, bits);
    tn_idvec pre = {0};
    /* the bucket's channel and EventID are the same on each of its events */
    if (b) {
        B.oom |= fold(J, &pre, &B.sys[TN_F_CHANNEL], b->chan, b->chan_len);
        B.sys[TN_F_CHANNEL].n = 0;
        if (b->eid != TN_ANY_EID) {
            char num[16];
            int n = snprintf(num, sizeof(num), "%u", b->eid);
            B.oom |= fold(J, &pre, &B.sys[TN_F_EVENTID], num, (size_t)n);
            B.sys[TN_F_EVENTID].n = 0;
        }
    }
    vec_finish(&pre, bits);
    /* heavy fields, most literals first (a fixed order for equal sizes) */
    if (B.nf > 1)
        qsort(B.f, B.nf, sizeof(*B.f), by_size);
    uint32_t nheavy = 0;
    while (nheavy < B.nf && nheavy < TN_SCAN_HEAVY_MAX && B.f[nheavy].lits.n >= HEAVY_MIN)
        nheavy++;
    if (nheavy) {
        ss->heavy = tn_calloc(nheavy, sizeof(*ss->heavy));
        B.oom |= !ss->heavy;
    }
    for (uint32_t i = 0; ss->heavy && i < nheavy; i++) {
        ss->heavy[i] = (tn_scanfield){B.f[i].name, B.f[i].len, B.f[i].hash, TN_NO_DB};
        out->heavy[i] = B.f[i].lits;
        B.f[i].lits = (tn_idvec){0};
    }
    ss->nheavy = ss->heavy ? nheavy : 0;
    for (uint32_t i = nheavy; i < B.nf && !B.oom; i++) {
        if (!B.f[i].lits.n)
            continue;
        name_bit(ss, B.f[i].name, B.f[i].len);
        B.oom |= vec_append(&out->light, &B.f[i].lits);
    }
    for (uint32_t i = 0; i < 32 && !B.oom; i++)
        if (B.sys[i].n) {
            ss->sys |= 1u << i;
            B.oom |= vec_append(&out->light, &B.sys[i]);
        }
    B.oom |= vec_append(&out->light, &B.tr);
    if (B.kw.n) {   /* every data field: each heavy one and the light text */
        ss->all = 1;
        B.oom |= vec_append(&out->light, &B.kw);
        for (uint32_t i = 0; i < nheavy; i++)
            B.oom |= vec_append(&out->heavy[i], &B.kw);
    }
    /* pre literals are hits already: looking for them again costs only */
    tn_idvec *lists[1 + TN_SCAN_HEAVY_MAX] = {&out->light};
    for (uint32_t i = 0; i < nheavy; i++)
        lists[1 + i] = &out->heavy[i];
    for (uint32_t k = 0; k < 1 + nheavy; k++) {
        tn_idvec *l = lists[k];
        vec_finish(l, bits);
        uint32_t n = 0;
        for (uint32_t i = 0; i < l->n; i++)
            if (!vec_has(&pre, l->v[i]))
                l->v[n++] = l->v[i];
        l->n = n;
    }
    ss->pre = pre.v;
    ss->npre = pre.n;
    for (uint32_t i = 0; i < B.nf; i++)
        tn_free(B.f[i].lits.v);
    tn_free(B.f);
    for (uint32_t i = 0; i < 32; i++)
        tn_free(B.sys[i].v);
    tn_free(B.tr.v);
    tn_free(B.kw.v);
    tn_free(B.item.v);
    tn_free(bits);
    return B.oom ? -1 : 0;
}

static int slot_loop(void *arg, int w)
{
    job *J = arg;
    (void)w;
    for (uint32_t s; (s = atomic_fetch_add(&J->next, 1)) < J->nsets;)
        if (build_slot(J, s))
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

int tn_scansets_build(tn_ruleset *rs, int threads, const char *const *lit, const size_t *len,
                      uint32_t nids, tn_slotlists **out)
{
    tn_atoms *at = &rs->atoms;
    uint32_t nslots = rs->idx.tab ? rs->idx.mask + 1 : 0;
    *out = NULL;
    at->scansets = tn_calloc(nslots + 1, sizeof(*at->scansets));
    tn_slotlists *lists = tn_calloc(nslots + 1, sizeof(*lists));
    if (!at->scansets || !lists) {
        tn_free(lists);
        return -1;
    }
    at->nscansets = nslots + 1;
    job J = {.rs = rs, .lit = lit, .len = len, .out = lists, .nsets = nslots + 1, .nids = nids};
    atomic_init(&J.next, 0);
    atomic_init(&J.oom, 0);
    tn_par_each(threads > 1 && nslots >= 64 ? threads : 1, slot_loop, &J);
    *out = lists;
    return atomic_load(&J.oom) ? -1 : split_ungated(rs);
}

void tn_slotlists_free(tn_slotlists *l, uint32_t n)
{
    for (uint32_t s = 0; l && s < n; s++) {
        tn_free(l[s].light.v);
        for (uint32_t i = 0; i < TN_SCAN_HEAVY_MAX; i++)
            tn_free(l[s].heavy[i].v);
    }
    tn_free(l);
}

void tn_scansets_free(tn_atoms *at)
{
    for (uint32_t i = 0; at->scansets && i < at->nscansets; i++) {
        tn_free((void *)at->scansets[i].tr);
        tn_free(at->scansets[i].heavy);
        tn_free(at->scansets[i].pre);
    }
    tn_free(at->scansets);
    at->scansets = NULL;
    at->nscansets = 0;
}
