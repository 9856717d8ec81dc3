/* scantext.c - the literal prefilter of a scanner: what of an event its
 * bucket's rules can read, copied into scan texts (a light text and one
 * per heavy field) and scanned with the bucket's databases (Vectorscan),
 * or taken from the scan cache; each literal found marks the rule clauses
 * it gates (see sigma/scanset.c and sigma/atoms.c). Field shapes per
 * EventID spare the per-field decisions of events from one template. In
 * a prescan, the light texts of consecutive events that share a database
 * are scanned in one call (tn_scan_light_flush). */
#include "match/scanner_impl.h"

#include "base/alloc.h"
#include "base/hash.h"
#include "sigma/translate.h"

#include <stdlib.h>
#include <string.h>

/* A literal the bucket's constant members hold (global literal id). */
static void on_constant(tn_scanner *sc, uint32_t id)
{
    const tn_atoms *at = &sc->rs->atoms;
    sc->lit_epoch[id] = sc->cur;
    touch(sc, at->rules_of + at->start[id], at->start[id + 1] - at->start[id]);
}


/* Room in v for need pairs (capacity *cap, doubled as needed): 0, or -1
 * with sc->poom set (the prescan is then dropped). */
static int reserve_pairs(tn_scanner *sc, uint32_t **v, uint32_t *cap, uint32_t need)
{
    while (*cap < need) {
        uint32_t ncap = *cap ? *cap * 2 : 1024;
        uint32_t *n2 = ncap > *cap ? tn_realloc(*v, (size_t)ncap * 2 * sizeof(*n2)) : NULL;
        if (!n2) {
            sc->poom = 1;
            return -1;
        }
        *v = n2;
        *cap = ncap;
    }
    return 0;
}

/* Appends the pair (a, b) to v[0..2 * *n). */
static void push_pair(tn_scanner *sc, uint32_t **v, uint32_t *n, uint32_t *cap, uint32_t a, uint32_t b)
{
    if (*n == *cap && reserve_pairs(sc, v, cap, *n + 1))
        return;
    (*v)[2 * *n] = a;
    (*v)[2 * *n + 1] = b;
    (*n)++;
}

/* Keeps report k of database sc->cur_db for the event being prescanned. */
static void defer_hit(tn_scanner *sc, uint32_t k)
{
    push_pair(sc, &sc->phits, &sc->nphits, &sc->phcap, sc->cur_db, k);
}

/* A report of a run of light texts (light_flush) that ends before byte
 * to: kept with the segment (event) whose text holds its last byte. */
static void light_hit(tn_scanner *sc, unsigned long long to, uint32_t k)
{
    /* reports come mostly in the order of their ends: the last one's
     * segment first (a binary search for each was ~30 instructions) */
    uint32_t g = sc->lcur;
    if (g < sc->nlseg && sc->lseg[g].off < to && (g + 1 == sc->nlseg || sc->lseg[g + 1].off >= to)) {
        push_pair(sc, &sc->lhits, &sc->nlhits, &sc->lhcap, g, k);
        return;
    }
    uint32_t lo = 0, hi = sc->nlseg;
    while (hi - lo > 1) {   /* the last segment that starts before to */
        uint32_t mid = lo + (hi - lo) / 2;
        if (sc->lseg[mid].off < to)
            lo = mid;
        else
            hi = mid;
    }
    sc->lcur = lo;
    push_pair(sc, &sc->lhits, &sc->nlhits, &sc->lhcap, lo, k);
}

/* Vectorscan's report of local id k of the database being scanned. */
static int on_literal(unsigned int k, unsigned long long from, unsigned long long to,
                      unsigned int flags, void *ctx)
{
    tn_scanner *sc = ctx;
    const tn_dbtab *t = sc->tab;
    (void)from, (void)flags;
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
    if (sc->lrun)
        light_hit(sc, to, k);
    else if (sc->defer)
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
/* Whether rename rn has a when field, unset in ev (eval.c's when_unset). */
static int when_unset(const tn_event *ev, const tn_rename *rn)
{
    char wb[32];
    const char *w;
    size_t wn;
    return rn->when && (!tn_eval_field(ev, rn->when, wb, &w, &wn) || tn_field_unset(w, wn));
}

static void put_translated(tn_scanner *sc, tn_buf *text, const tn_event *ev, const tn_scanset *ss)
{
    for (uint32_t i = 0; i < ss->ntr; i++) {
        const tn_rename *rn = ss->tr[i];
        char nb[32], tb[32], sb[32];
        const char *s = "", *tail = "", *sid = "", *t;
        size_t n = 0, tn = 0, sn = 0, len;
        int have = tn_eval_rename_target(ev, rn, nb, &s, &n);
        while (rn->alt && (!have || tn_field_unset(s, n) || when_unset(ev, rn))) {   /* as eval.c's lookup_slow */
            rn = rn->alt;
            have = tn_eval_rename_target(ev, rn, nb, &s, &n);
        }
        if (!have)
            continue;
        if (rn->append && !tn_eval_field(ev, rn->append, tb, &tail, &tn))
            tn = 0;
        if (rn->sid && !tn_eval_field(ev, rn->sid, sb, &sid, &sn))
            sn = 0;
        if (tn_rename_text(rn, s, n, tail, tn, sid, sn, &sc->lowmem, &t, &len))
            put_str(text, t, len);
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
uint64_t tn_scan_report_budget(size_t len)
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
    sc->reports = tn_scan_report_budget(text->len);
    int rc = hs_scan(at->dbs[db], text->data, (unsigned)text->len, 0, sc->hs, on_literal, sc) ==
                     HS_SUCCESS ? 0 : -1;
    /* a scan stopped by the report budget found only some literals */
    if (keep && !rc && sc->recording == 1)
        tn_scancache_put(&sc->cache, db, text->data, text->len, hash, sc->rec, sc->nrec);
    sc->recording = 0;
    return rc;
}

#define LRUN_MAX (1u << 20)   /* bytes of light texts scanned in one call, at most */

/* Scans the pending run of light texts (light_defer) in one call and
 * gives each event its reports, in lphits. Vectorscan does not promise
 * their order: each is kept with its segment, then they are grouped by a
 * counting sort. A run stopped by its budget, the sum of its texts'
 * (tn_scan_report_budget), is scanned again text by text, each with its
 * own budget, as scan_one would: a text over its budget leaves its event
 * ungated. Texts cannot hold a literal across their ends: each ends with
 * a separator and the next begins with one, and literals hold two
 * separators in a row nowhere. */
void tn_scan_light_flush(tn_scanner *sc)
{
    if (!sc->nlseg)
        return;
    const tn_atoms *at = &sc->rs->atoms;
    uint32_t db = sc->ldb, nseg = sc->nlseg;
    sc->tab = &at->tabs[db];
    sc->cur_db = db;
    uint64_t budget = 0;
    for (uint32_t i = 0; i < nseg; i++)
        budget += tn_scan_report_budget(sc->lseg[i].len);
    sc->reports = budget;
    sc->nlhits = 0;
    sc->lcur = 0;
    sc->lrun = 1;
    int ok = tn_buf_ok(&sc->ltext) &&
             hs_scan(at->dbs[db], sc->ltext.data, (unsigned)sc->ltext.len, 0, sc->hs, on_literal, sc) ==
                 HS_SUCCESS;
    sc->lrun = 0;
    if (ok) {
        uint32_t need = sc->nlphits + sc->nlhits;
        if (!sc->poom)
            reserve_pairs(sc, &sc->lphits, &sc->lphcap, need);
        /* each segment's count of reports, then where they start, then
         * the reports in place (the texts are scanned: len and off are
         * free for it) */
        for (uint32_t g = 0; g < nseg; g++)
            sc->lseg[g].len = 0;
        for (uint32_t i = 0; i < sc->nlhits; i++)
            sc->lseg[sc->lhits[2 * i]].len++;
        for (uint32_t g = 0, at0 = sc->nlphits; g < nseg; g++) {
            prescan *p = &sc->pres[sc->lseg[g].ev];
            p->lhit0 = at0;
            p->lnhit = sc->poom ? 0 : sc->lseg[g].len;
            sc->lseg[g].off = at0;
            at0 += sc->lseg[g].len;
        }
        for (uint32_t i = 0; !sc->poom && i < sc->nlhits; i++) {
            uint32_t to = sc->lseg[sc->lhits[2 * i]].off++;
            sc->lphits[2 * to] = db;
            sc->lphits[2 * to + 1] = sc->lhits[2 * i + 1];
        }
        if (!sc->poom)
            sc->nlphits = need;
    } else {
        for (uint32_t g = 0; g < nseg; g++) {
            prescan *p = &sc->pres[sc->lseg[g].ev];
            uint32_t one = sc->nlseg;
            sc->reports = tn_scan_report_budget(sc->lseg[g].len);
            sc->nlhits = 0;
            sc->lcur = 0;
            sc->nlseg = 1;   /* light_hit: every report is this text's */
            sc->lrun = 1;
            int r = tn_buf_ok(&sc->ltext) &&
                    hs_scan(at->dbs[db], sc->ltext.data + sc->lseg[g].off, sc->lseg[g].len, 0, sc->hs,
                            on_literal, sc) == HS_SUCCESS;
            sc->lrun = 0;
            sc->nlseg = one;
            p->lhit0 = sc->nlphits;
            for (uint32_t i = 0; r && i < sc->nlhits; i++)
                push_pair(sc, &sc->lphits, &sc->nlphits, &sc->lphcap, db, sc->lhits[2 * i + 1]);
            p->lnhit = sc->nlphits - p->lhit0;
            if (!r)
                p->ok = 0;   /* as a scan stopped by its budget: ungated */
        }
    }
    sc->nlseg = 0;
    tn_buf_clear(&sc->ltext);
}

/* The prescan's light text is built in place at the end of the pending
 * run (no copy), after the run is scanned if it is of another database
 * or long enough already; light_end then adds it to the run. */
static tn_buf *light_begin(tn_scanner *sc, uint32_t db)
{
    if (sc->nlseg && (db != sc->ldb || sc->ltext.len >= LRUN_MAX))
        tn_scan_light_flush(sc);
    if (!sc->nlseg)
        tn_buf_clear(&sc->ltext);
    return &sc->ltext;
}

/* Adds the text built at ltext[off..) to the run: 0, or -1 when it could
 * not be kept (out of memory, or too long: the event is ungated, as when
 * scan_one fails). */
static int light_end(tn_scanner *sc, uint32_t db, size_t off)
{
    tn_buf *t = &sc->ltext;
    size_t len = t->len - off;
    int ok = tn_buf_ok(t) && len <= 0xFFFFFFFFu - LRUN_MAX - off;
    if (ok && len > 1 && sc->nlseg == sc->lsegcap) {
        uint32_t ncap = sc->lsegcap ? sc->lsegcap * 2 : 64;
        struct lseg *n2 = tn_realloc(sc->lseg, ncap * sizeof(*n2));
        if (n2) {
            sc->lseg = n2;
            sc->lsegcap = ncap;
        } else {
            ok = 0;
        }
    }
    if (!ok || len <= 1) {   /* failed, or the leading separator alone: no value */
        t->oom = 0;   /* what came before this text is intact */
        t->len = off;
        if (t->data && t->len < t->cap)
            t->data[t->len] = 0;
        return ok ? 0 : -1;
    }
    sc->ldb = db;
    sc->lseg[sc->nlseg++] = (struct lseg){sc->gen_ahead, (uint32_t)off, (uint32_t)len};
    return 0;
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
void tn_scan_begin_hits(tn_scanner *sc, const tn_scanset *ss)
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


/* Scans the strings of ev that the bucket's gated rules can read, as its
 * scan set says (sigma/ruleset_impl.h): each heavy field alone with its
 * own literals, the rest separated by TN_SCAN_SEP in one light text (named data
 * fields, or all of them for a keyword search, named System members with
 * numbers formatted as eval.c formats them, translated texts). A literal
 * found across a separator only adds a candidate; it can never hide one.
 * A field whose name has a space is always taken: the evaluator may find
 * it under its name without spaces. The bucket's constant hits come
 * first. */
int tn_scan_literals(tn_scanner *sc, const tn_event *ev, const tn_bucket *b)
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
    /* in a prescan, the light text goes at the end of the run of light
     * texts it joins (light_begin) */
    const tn_atoms *at = &sc->rs->atoms;
    int join = sc->defer && ss->db < at->ndbs;
    tn_buf *lt = join ? light_begin(sc, ss->db) : &sc->text;
    size_t off = join ? lt->len : 0;
    if (!join)
        tn_buf_clear(lt);
    tn_buf_put(lt, &sep, 1);
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
            text_room(lt, ev->text_len);
            for (uint32_t h = 0; h < ss->nheavy; h++)
                text_room(&sc->htext[h], ev->text_len);
        }
        for (uint32_t i = 0; i < ev->nfields; i++) {
            const tn_field *f = &ev->fields[i];
            uint8_t c = sh->cls[i];
            if (c == SH_LIGHT)
                put_fast(lt, f->value, f->value_len, lo, span);
            else if (c >= SH_HEAVY)
                put_fast(&sc->htext[c - SH_HEAVY], f->value, f->value_len, lo, span);
        }
        text_end(lt);
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
                put_str(lt, f->value, f->value_len);
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
    put_translated(sc, lt, ev, ss);
    uint32_t sys = ss->sys;
    if (sys) {
        static const tn_sysfield sf[] = {TN_F_CHANNEL, TN_F_COMPUTER, TN_F_PROVIDER, TN_F_PROVIDER_GUID,
                                         TN_F_USERID};
        const char *strs[] = {ev->channel, ev->computer, ev->provider, ev->provider_guid, ev->user_sid};
        for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
            if (sys & (1u << sf[i]))
                put_str(lt, strs[i], strlen(strs[i]));
        static const tn_sysfield nf[] = {TN_F_EVENTID, TN_F_LEVEL, TN_F_TASK, TN_F_OPCODE, TN_F_RECORDID,
                                         TN_F_VERSION, TN_F_PID, TN_F_TID};
        unsigned long long nums[] = {ev->event_id, ev->level, ev->task, ev->opcode, ev->record_id,
                                     ev->version, ev->pid, ev->tid};
        for (size_t k = 0; k < sizeof(nums) / sizeof(nums[0]); k++)
            if (sys & (1u << nf[k]))
                put_str(lt, num, tn_fmt_u64(num, nums[k]));
        if (sys & (1u << TN_F_KEYWORDS))
            put_str(lt, num, tn_fmt_hex(num, ev->keywords));
        if (sys & (1u << TN_F_TIME))
            put_str(lt, num, tn_filetime_format(ev->time, num));
    }
    if (!sc->defer)   /* else when tn_scanner_match takes the reports */
        tn_scan_begin_hits(sc, ss);
    int rc = join ? light_end(sc, ss->db, off) : scan_one(sc, ss->db, &sc->text, 0);
    for (uint32_t h = 0; !rc && h < ss->nheavy; h++)
        rc = scan_one(sc, ss->heavy[h].db, &sc->htext[h], 1);
    return rc;
}
