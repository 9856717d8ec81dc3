/* eval.c - the straightforward Sigma evaluator: the reference semantics.
 *
 * Field values are looked up by Sigma name (System members formatted as
 * decimal strings, EventData/UserData by name, after the source's renames
 * and the global aliases), then compared with each compiled value. Case-
 * insensitive comparison folds ASCII only; the rule side was folded when
 * it was compiled. The condition is evaluated with a per-rule cache of
 * search results, so "1 of them" over shared searches costs one pass. */
#include "match/eval.h"
#include "match/eval_impl.h"
#include "match/lower.h"
#include "match/strmatch.h"
#include "match/vmemo.h"
#include "match/typed.h"
#include "sigma/translate.h"

#include "base/alloc.h"
#include "base/hash.h"
#include "sigma/ruleset_impl.h"
#include "sigma/value.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ---- field lookup ---- */

/* The System members written as decimal numbers. */
static int sys_is_dec(tn_sysfield f)
{
    return f == TN_F_EVENTID || f == TN_F_LEVEL || f == TN_F_TASK || f == TN_F_OPCODE ||
           f == TN_F_RECORDID || f == TN_F_VERSION || f == TN_F_PID || f == TN_F_TID;
}

/* The value of numeric System member f (decimal ones and Keywords). */
static uint64_t sys_number(const tn_event *ev, tn_sysfield f)
{
    return f == TN_F_EVENTID ? ev->event_id : f == TN_F_LEVEL ? ev->level
         : f == TN_F_TASK ? ev->task : f == TN_F_OPCODE ? ev->opcode
         : f == TN_F_KEYWORDS ? ev->keywords : f == TN_F_RECORDID ? ev->record_id
         : f == TN_F_VERSION ? ev->version : f == TN_F_PID ? ev->pid : ev->tid;
}

/* Whether the event held System member f: as its reader recorded, else
 * guessed (text not empty, a number always). exists, null and '' ask
 * about presence, not value (sigma-appendix-modifiers.md, exists). */
static int sys_present(const tn_event *ev, tn_sysfield f, int guess)
{
    static const unsigned char bit[] = {
        [TN_F_EVENTID] = TN_EV_EVENTID, [TN_F_CHANNEL] = TN_EV_CHANNEL,
        [TN_F_COMPUTER] = TN_EV_COMPUTER, [TN_F_PROVIDER] = TN_EV_PROVIDER,
        [TN_F_PROVIDER_GUID] = TN_EV_PROVIDER_GUID, [TN_F_LEVEL] = TN_EV_LEVEL,
        [TN_F_TASK] = TN_EV_TASK, [TN_F_OPCODE] = TN_EV_OPCODE, [TN_F_KEYWORDS] = TN_EV_KEYWORDS,
        [TN_F_RECORDID] = TN_EV_RECORDID, [TN_F_VERSION] = TN_EV_VERSION,
        [TN_F_USERID] = TN_EV_USERID, [TN_F_PID] = TN_EV_PID, [TN_F_TID] = TN_EV_TID,
        [TN_F_TIME] = TN_EV_TIME,
    };
    if (!(ev->present & TN_EV_BIT(TN_EV_KNOWN)) || (size_t)f >= sizeof(bit) || f == TN_F_DATA)
        return guess;
    return (ev->present >> bit[f]) & 1;
}

static int sys_value(const tn_event *ev, tn_sysfield f, fval *out)
{
    uint64_t v;
    switch (f) {
    case TN_F_CHANNEL: out->s = ev->channel; break;
    case TN_F_COMPUTER: out->s = ev->computer; break;
    case TN_F_PROVIDER: out->s = ev->provider; break;
    case TN_F_PROVIDER_GUID: out->s = ev->provider_guid; break;
    case TN_F_USERID: out->s = ev->user_sid; break;
    case TN_F_TIME:
        out->n = tn_filetime_format(ev->time, out->buf);
        out->s = out->buf;
        out->present = sys_present(ev, f, ev->time != 0);
        return 1;
    default:
        v = sys_number(ev, f);
        out->n = f == TN_F_KEYWORDS ? tn_fmt_hex(out->buf, v) : tn_fmt_u64(out->buf, v);
        out->s = out->buf;
        out->present = sys_present(ev, f, 1);
        return 1;
    }
    out->n = strlen(out->s);
    out->present = sys_present(ev, f, out->n != 0);
    return 1;
}

/* Sigma names fields "as they appear in the log source" with spaces
 * stripped ("Threat Name" -> ThreatName): the fallback when no field has
 * the exact name. */
static const tn_field *field_nospace(const tn_event *ev, const char *name, size_t len)
{
    for (uint32_t i = 0; i < ev->nfields; i++) {
        const tn_field *f = &ev->fields[i];
        if (f->name_len <= len || !memchr(f->name, ' ', f->name_len))
            continue;
        size_t k = 0;
        for (uint32_t j = 0; j < f->name_len && k <= len; j++)
            if (f->name[j] != ' ' && (k == len || f->name[j] != name[k++]))
                k = len + 1;
        if (k == len)
            return f;
    }
    return NULL;
}

/* The slot of a name hash: tn_name_hash's low bits come from the low bits
 * of a few bytes only, so similar names (SubjectUserName, SubjectUserSid)
 * collide in small tables; multiplying spreads the high bits down. */
static inline uint32_t slot_of(uint32_t h, uint32_t mask)
{
    return ((h * 0x9E3779B1u) >> 16) & mask;
}

/* Builds (once per event) the name index of e->ev; NULL when it cannot
 * grow (callers then search linearly). Measured: the linear search by name
 * per item, and the no-space fallback run on every missing field, were
 * ~10% of matching on real logs. Each slot keeps the name's hash, so a
 * probe compares names only when the hashes agree. */
static tn_fieldidx *field_index(const tn_eval *e)
{
    tn_fieldidx *x = e->fx;
    if (!x)
        return NULL;
    if (x->gen == e->gen && x->mask)
        return x;
    if (x->mask && e->names_gen && x->gen >= e->names_gen) {
        x->gen = e->gen;
        return x;
    }
    const tn_event *ev = e->ev;
    /* events of one template have the same names in the same order: the
     * last table serves again after a compare of the names (measured: the
     * build, ~25 instructions a field, was ~10% of rule evaluation on the
     * 256 MiB sample) */
    if (x->mask && x->nnames == ev->nfields) {
        const char *p = x->names;
        uint32_t i = 0;
        for (; i < ev->nfields; p += x->lens[i], i++)
            if (x->lens[i] != ev->fields[i].name_len || !tn_same_bytes(p, ev->fields[i].name, x->lens[i]))
                break;
        if (i == ev->nfields) {
            x->gen = e->gen;
            return x;
        }
    }
    uint32_t size = 16;
    while (size < 2u * ev->nfields && size < (1u << 26))
        size *= 2;
    if (size < 2u * ev->nfields)
        return NULL;
    uint64_t bytes = (uint64_t)size * sizeof(uint64_t) + (uint64_t)ev->nfields * sizeof(uint32_t);
    for (uint32_t i = 0; i < ev->nfields; i++)
        bytes += ev->fields[i].name_len;
    if (bytes >= (1u << 30))
        return NULL;
    if (bytes > x->cap) {
        uint64_t *ns = tn_realloc(x->slot, (size_t)bytes);
        if (!ns)
            return NULL;
        x->slot = ns;
        x->cap = (uint32_t)bytes;
    }
    memset(x->slot, 0, size * sizeof(*x->slot));
    x->mask = size - 1;
    x->spaces = -1;   /* found out on the first miss (has_spaces) */
    x->repeats = 0;
    uint32_t *lens = (uint32_t *)(x->slot + size);
    char *names = (char *)(lens + ev->nfields);
    for (uint32_t i = 0; i < ev->nfields; i++) {
        const tn_field *f = &ev->fields[i];
        uint32_t hash = tn_name_hash(f->name, f->name_len);
        uint32_t h = slot_of(hash, x->mask);
        for (; x->slot[h]; h = (h + 1) & x->mask) {
            const tn_field *g = &ev->fields[(uint32_t)x->slot[h] - 1];
            if ((uint32_t)(x->slot[h] >> 32) == hash && g->name_len == f->name_len &&
                tn_same_bytes(g->name, f->name, f->name_len)) {
                x->repeats = 1;
                break;   /* the first of a repeated name is indexed, as in tn_event_field */
            }
        }
        if (!x->slot[h])
            x->slot[h] = (uint64_t)hash << 32 | (i + 1);
        lens[i] = f->name_len;
        if (f->name_len)
            memcpy(names, f->name, f->name_len);
        names += f->name_len;
    }
    x->lens = lens;
    x->names = (const char *)(lens + ev->nfields);
    x->nnames = ev->nfields;
    x->gen = e->gen;
    return x;
}

/* Whether some field name of the indexed event has a space. Asked on a
 * miss only: a memchr per name when the index was built cost ~3% of
 * matching instructions on real logs, and most lookups hit. */
static int has_spaces(tn_fieldidx *x, const tn_event *ev)
{
    if (x->spaces < 0) {
        x->spaces = 0;
        for (uint32_t i = 0; i < ev->nfields && !x->spaces; i++)
            x->spaces = memchr(ev->fields[i].name, ' ', ev->fields[i].name_len) != NULL;
    }
    return x->spaces;
}

static const tn_field *find_field(const tn_eval *e, const tn_event *ev, const tn_fieldname *fn)
{
    const char *name = fn->name;
    size_t len = fn->len;
    tn_fieldidx *x = e && e->ev == ev ? field_index(e) : NULL;
    if (!x) {
        const tn_field *f = tn_event_field(ev, name, len);
        return f ? f : field_nospace(ev, name, len);
    }
    for (uint32_t h = slot_of(fn->hash, x->mask); x->slot[h]; h = (h + 1) & x->mask) {
        if ((uint32_t)(x->slot[h] >> 32) != fn->hash)
            continue;
        const tn_field *f = &ev->fields[(uint32_t)x->slot[h] - 1];
        if (f->name_len == len && tn_same_bytes(f->name, name, len))
            return f;
    }
    return has_spaces(x, ev) ? field_nospace(ev, name, len) : NULL;
}

int tn_lookup_name(const tn_eval *e, const tn_event *ev, const tn_fieldname *fn, fval *out)
{
    out->present = 0;
    out->s = "";
    out->n = 0;
    out->fidx = -1;
    out->low = NULL;
    out->ip.state[0] = out->ip.state[1] = 0;
    if (fn->sys != TN_F_DATA) {
        /* an EventData field of the same name is never read: the scan
         * texts hold the System member's text (scantext.c), and a value
         * must not be compared with text its literal was not looked for
         * in */
        sys_value(ev, fn->sys, out);
        return 1;
    }
    const tn_field *f = find_field(e, ev, fn);
    if (!f)
        return 0;
    out->s = f->value;
    out->n = f->value_len;
    out->present = 1;
    out->fidx = (int)(f - ev->fields);
    return 1;
}

static const tn_rename *find_rename(const tn_rename *r, uint32_t n, const char *name, size_t len)
{
    for (uint32_t i = 0; i < n; i++)
        if (r[i].from_len == len && !memcmp(r[i].from, name, len))
            return &r[i];
    return NULL;
}

/* Sets f to the n bytes at d, text that is not the field's own. */
static void set_text(fval *f, const char *d, size_t n)
{
    f->s = d;
    f->n = n;
    f->fidx = -1;   /* not the field's own text: no shared lower-case copy */
    f->low = NULL;
    f->ip.state[0] = f->ip.state[1] = 0;
}

/* Looks up the target of rename or alias r (tn_rename.data: the data field of a System name). */
int tn_lookup_target(const tn_eval *e, const tn_event *ev, const tn_rename *r, fval *out)
{
    tn_fieldname t;
    if (!r->target.name)   /* not prepared (tn_fieldname_init) */
        tn_fieldname_init(&t, r->to, r->to_len), t.sys = r->data ? TN_F_DATA : t.sys;
    return tn_lookup_name(e, ev, r->target.name ? &r->target : &t, out);
}

/* The value of a rename's helper field (r->append, r->sid: name, len), a
 * data field even if named like a System member (as the scanner reads
 * it); "" when absent or name is NULL. */
static void lookup_aux(const tn_eval *e, const char *name, uint32_t len, fval *out)
{
    tn_fieldname an;
    out->s = "";
    out->n = 0;
    if (!name)
        return;
    tn_fieldname_init(&an, name, len);
    an.sys = TN_F_DATA;
    if (!tn_lookup_name(e, e->ev, &an, out))
        out->n = 0;
}

/* Whether rename r has a when field, unset in the event (absent, empty
 * or '-'). */
static int when_unset(const tn_eval *e, const tn_rename *r)
{
    fval w;
    if (!r->when)
        return 0;
    lookup_aux(e, r->when, r->when_len, &w);
    return tn_field_unset(w.s, w.n);
}

/* Finds a field's value: renamed for this source first, then as named,
 * then through a global alias. */
void tn_lookup_slow(const tn_eval *e, const tn_fieldname *fn, fval *out)
{
    if (e->src && e->src->nrenames) {
        const tn_rename *r = find_rename(e->src->renames, e->src->nrenames, fn->name, fn->len);
        int have = r && tn_lookup_target(e, e->ev, r, out) && out->present;
        /* the rename its else gives while the field, or its when, is
         * unset (tn_field_unset: 4688's Target* when the new process runs
         * as its creator) */
        while (r && r->alt && (!have || tn_field_unset(out->s, out->n) || when_unset(e, r))) {
            r = r->alt;
            have = tn_lookup_target(e, e->ev, r, out) && out->present;
        }
        if (have) {
            fval tail, sid;
            const char *t;
            size_t tn;
            if (!tn_rename_translates(r))
                return;
            lookup_aux(e, r->append, r->append_len, &tail);
            lookup_aux(e, r->sid, r->sid_len, &sid);
            if (tn_rename_text(r, out->s, out->n, tail.s, tail.n, sid.s, sid.n, e->lowmem, &t, &tn))
                set_text(out, t, tn);
            return;
        }
    }
    if (tn_lookup_name(e, e->ev, fn, out) || !e->rule->naliases)
        return;
    const tn_rename *a = find_rename(e->rule->aliases, e->rule->naliases, fn->name, fn->len);
    if (a)
        tn_lookup_target(e, e->ev, a, out);
}

/* tn_lookup_slow's common case inline: an EventData name the source does not
 * rename (tn_source.rename_bits), the event's name index built: one probe. Measured: the calls
 * from lookup to find_field were ~45% of a lookup's ~200 instructions
 * (callgrind, real-16). */
static inline void lookup(const tn_eval *e, const tn_fieldname *fn, fval *out)
{
    const tn_fieldidx *x = e->fx;
    if (fn->sys != TN_F_DATA || (e->src && (e->src->rename_bits & TN_RENAME_BIT(fn->hash))) || !x ||
        x->gen != e->gen || !x->mask) {
        tn_lookup_slow(e, fn, out);
        return;
    }
    const tn_event *ev = e->ev;
    for (uint32_t h = slot_of(fn->hash, x->mask); x->slot[h]; h = (h + 1) & x->mask) {
        if ((uint32_t)(x->slot[h] >> 32) != fn->hash)
            continue;
        uint32_t i = (uint32_t)x->slot[h] - 1;
        const tn_field *f = &ev->fields[i];
        if (f->name_len == fn->len && tn_same_bytes(f->name, fn->name, fn->len)) {
            out->s = f->value;
            out->n = f->value_len;
            out->present = 1;
            out->fidx = (int)i;
            out->low = NULL;
            out->ip.state[0] = out->ip.state[1] = 0;
            return;
        }
    }
    tn_lookup_slow(e, fn, out);   /* a miss: names with spaces, aliases */
}

static const char *lower_new(const tn_eval *e, fval *f);

/* The lower-cased value, cached per event for EventData fields; NULL when
 * out of memory (callers then compare case-insensitively byte by byte).
 * Inline up to the cached copy: the call was most of the ~90 instructions
 * a use cost (callgrind, 256 MiB sample). */
static inline const char *lowered(const tn_eval *e, fval *f)
{
    if (f->low)
        return f->low;
    if (f->fidx >= 0 && (uint32_t)f->fidx < e->lowcap && e->lowmem && e->lowgen[f->fidx] == e->gen)
        return f->low = e->low[f->fidx];
    return lower_new(e, f);
}

/* lowered's copy, made when the field has none yet this event. */
static const char *lower_new(const tn_eval *e, fval *f)
{
    int cache = f->fidx >= 0 && (uint32_t)f->fidx < e->lowcap && e->lowmem;
    char *d = !cache && f->n < sizeof(f->lowbuf) ? f->lowbuf
            : e->lowmem ? tn_arena_alloc(e->lowmem, f->n + 1) : NULL;
    if (!d)
        return NULL;
    lower_copy(d, f->s, f->n);
    d[f->n] = 0;
    if (cache) {
        e->low[f->fidx] = d;
        e->lowgen[f->fidx] = e->gen;
    }
    return f->low = d;
}

static int shape_match(tn_gshape sh, const char *lit, size_t ln, const char *s, size_t n, int cased)
{
    switch (sh) {
    case TN_G_EXACT: return n == ln && tn_eq_n(s, lit, n, cased);
    case TN_G_PREFIX: return n >= ln && tn_eq_n(s, lit, ln, cased);
    case TN_G_SUFFIX: return n >= ln && tn_eq_n(s + n - ln, lit, ln, cased);
    case TN_G_CONTAINS: return cased ? tn_find_exact(s, n, lit, ln) : tn_find(s, n, lit, ln, 0);
    default: return tn_glob_match(lit, ln, s, n, cased);
    }
}

/* Field reference: compares with the other field's value, folded here
 * (it is not known when the rule is compiled). */
static int has_high(const char *s, size_t n);

/* ref_match of texts with bytes beyond ASCII: both case-folded
 * (tn_case_fold), so that fieldref ignores case as values do. */
static int ref_match_folded(const tn_value *v, const fval *r, const fval *f)
{
    char sa[256], sb[256];
    char *a = r->n <= sizeof(sa) ? sa : tn_malloc(r->n);
    char *b = f->n <= sizeof(sb) ? sb : tn_malloc(f->n);
    int m = 0;
    if (a && b) {
        size_t an = tn_case_fold(a, r->s, r->n), bn = tn_case_fold(b, f->s, f->n);
        m = shape_match(v->shape, a, an, b, bn, 1);
    }
    if (a != sa)
        tn_free(a);
    if (b != sb)
        tn_free(b);
    return m;   /* 0 too when out of memory */
}

static int ref_match_one(const tn_eval *e, const tn_value *v, fval *r, fval *f)
{
    if (!v->cased && (has_high(r->s, r->n) || has_high(f->s, f->n)))
        return ref_match_folded(v, r, f);
    const char *lit = v->cased ? r->s : lowered(e, r);
    const char *fs = v->cased ? f->s : lowered(e, f);
    if (!lit || !fs)
        return 0;   /* out of memory */
    return shape_match(v->shape, lit, r->n, fs, f->n, 1);
}

static int same_name(const tn_field *a, const tn_field *b);

/* The referenced field's values, one at a time: a reference to a field
 * of several values (a JSON array) matches when one of them does, as the
 * field itself does (it read the first only: a review, session 28). */
static int ref_match(const tn_eval *e, const tn_value *v, fval *f)
{
    fval r;
    lookup(e, &v->ref, &r);
    if (!r.present)
        return 0;
    if (ref_match_one(e, v, &r, f))
        return 1;
    const tn_event *ev = e->ev;
    if (r.fidx < 0 || (uint32_t)r.fidx >= ev->nfields)
        return 0;
    const tn_field *first = &ev->fields[r.fidx];
    for (uint32_t j = (uint32_t)r.fidx + 1; j < ev->nfields; j++) {
        const tn_field *g = &ev->fields[j];
        if (!same_name(g, first))
            continue;
        fval o = {.s = g->value, .n = g->value_len, .present = 1, .fidx = (int)j};
        if (ref_match_one(e, v, &o, f))
            return 1;
    }
    return 0;
}

/* neq over field references none of which the event holds: nothing to
 * differ from. `A|fieldref|neq: C` held on every event without C, while
 * `A|fieldref: C` held on none (a review, session 28). */
__attribute__((noinline, cold)) static int refs_absent_slow(const tn_eval *e, const tn_item *it)
{
    for (uint32_t i = 0; i < it->nvalues; i++) {
        if (it->values[i].kind != TN_V_FIELDREF)
            return 0;
        fval r;
        tn_lookup_slow(e, &it->values[i].ref, &r);
        if (r.present)
            return 0;
    }
    return it->nvalues > 0;
}

/* (out of line, with the lookup it needs: inlined, it made the hot
 * path's lookups calls, +2.3 M instructions on the bench's scan) */
static inline int refs_absent(const tn_eval *e, const tn_item *it)
{
    return it->nvalues && it->values[0].kind == TN_V_FIELDREF && refs_absent_slow(e, it);
}

/* shape_match for a string value on s, folded as v is (lower-cased unless
 * v->cased). A glob is tried only if s begins and ends with the pattern's
 * literal head and tail and holds its longest inner literal between them:
 * measured, tn_glob_match averaged ~1,700 instructions a call on real
 * logs, mostly on values without that literal. */
static inline int glob_value_match(const tn_value *v, const char *s, size_t n)
{
    /* whole values, prefixes and suffixes are short: compared in words
     * inline (measured: -0.7M instructions of 85M rule evaluation on
     * real-16, the memcmp calls) */
    switch (v->shape) {
    case TN_G_EXACT: return n == v->len && tn_same_bytes(s, v->s, n);
    case TN_G_PREFIX: return n >= v->len && tn_same_bytes(s, v->s, v->len);
    case TN_G_SUFFIX: return n >= v->len && tn_same_bytes(s + n - v->len, v->s, v->len);
    case TN_G_CONTAINS: return tn_find_rare(s, n, v->s, v->len, v->rare);
    default:
        if (n < (size_t)v->head + v->tail || memcmp(s, v->s, v->head) ||
            memcmp(s + n - v->tail, v->s + v->len - v->tail, v->tail) ||
            !tn_find_exact(s + v->head, n - v->head - v->tail, v->s + v->mid, v->midlen))
            return 0;
        return tn_glob_match(v->s, v->len, s, n, 1);
    }
}

static int typed_match(const tn_eval *e, const tn_value *v, fval *f);

/* pcre2_match of a regex value. A limit reached was read as no match
 * without a word: JIT's 32 KiB stack missed SigmaHQ's PowerShell token
 * obfuscation rule ('"(?:\{\d\})+"\s*-f') once the command line held
 * 5,000 '{1}' (a padding any attacker can add; a review, session 23).
 * The thread's match context gives JIT an 8 MiB stack (scanner.c); a
 * JIT stack still too small is retried by the interpreter (heap frames),
 * and a limit reached there (the match limit bounds a catastrophic
 * pattern's time) is counted, for the summary, and is no match. */
static int re_match(const tn_eval *e, const tn_value *v, const fval *f)
{
    int rc = pcre2_match(v->re, (PCRE2_SPTR)f->s, f->n, 0, 0, e->md, e->mctx);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
        rc = pcre2_match(v->re, (PCRE2_SPTR)f->s, f->n, 0, PCRE2_NO_JIT, e->md, e->mctx);
    if (rc < PCRE2_ERROR_NOMATCH)
        ((tn_eval *)e)->re_limits++;   /* a counter, not the evaluation's state */
    return rc >= 0;
}

/* The string values (most of them) on a short path; the other kinds in
 * typed_match. */
static inline int value_match(const tn_eval *e, const tn_value *v, fval *f)
{
    if (v->kind != TN_V_GLOB)
        return typed_match(e, v, f);
    if (!f->present)
        return 0;
    /* the scan looked for this value's literal in every string of the
     * event, case-insensitively: not found, no comparison can succeed */
    if (v->lit && e->lit_epoch && e->lit_epoch[v->lit - 1] != e->lit_cur)
        return 0;
    /* lengths first: no lower-cased copy for a value that cannot be equal */
    if (v->shape == TN_G_EXACT ? f->n != v->len : v->shape != TN_G_GLOB && f->n < v->len)
        return 0;
    /* a whole value, prefix or suffix of a field not lower-cased yet this
     * event is compared folding on the fly: logon events compare a few
     * short fields once each (LogonProcessName, AuthenticationPackageName),
     * and a lower-cased copy cost ~200 instructions a field (callgrind) */
    if (!v->cased && v->shape <= TN_G_SUFFIX && !f->low &&
        !(f->fidx >= 0 && (uint32_t)f->fidx < e->lowcap && e->lowgen[f->fidx] == e->gen)) {
        const char *at = v->shape == TN_G_SUFFIX ? f->s + f->n - v->len : f->s;
        return same_folded(at, v->s, v->len);
    }
    const char *fs = v->cased ? f->s : lowered(e, f);
    return fs ? glob_value_match(v, fs, f->n)
              : shape_match(v->shape, v->s, v->len, f->s, f->n, v->cased);
}

/* A v->run regex ^[set]{min,max}$ on s[0..n): 1 or 0, or -1 when the
 * last byte is outside the set (then $ may match before a final newline:
 * pcre2 decides). Bytes >= 0x80 are in no set. */
static int run_match(const tn_value *v, const char *s, size_t n)
{
    size_t i = 0;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80 || !((v->run_set[c / 64] >> (c % 64)) & 1))
            break;
    }
    if (i == n)
        return n >= v->run_min && n <= v->run_max;
    unsigned char last = (unsigned char)s[n - 1];
    return last < 0x80 && ((v->run_set[last / 64] >> (last % 64)) & 1) ? 0 : -1;
}

static __attribute__((noinline)) int typed_match(const tn_eval *e, const tn_value *v, fval *f)
{
    switch (v->kind) {
    case TN_V_EXISTS: return f->present == v->b;
    case TN_V_NULL: return !f->present || f->n == 0;
    default: break;
    }
    if (!f->present)
        return 0;
    switch (v->kind) {
    case TN_V_RE:
        if (v->lit && e->lit_epoch && e->lit_epoch[v->lit - 1] != e->lit_cur)
            return 0;   /* its required literal is nowhere in the event */
        if (f->n < v->minlen)
            return 0;   /* too short: no more characters than bytes */
        if (v->run) {
            int m = run_match(v, f->s, f->n);
            if (m >= 0)
                return m;
        }
        if (v->req_count) {   /* too few of a byte every match holds */
            const char *p = f->s, *end = f->s + f->n;
            uint32_t k = 0;
            while (k < v->req_count && p < end && (p = memchr(p, v->req_char, (size_t)(end - p))))
                k++, p++;
            if (k < v->req_count)
                return 0;
        }
        return re_match(e, v, f);
    case TN_V_NUM: return tn_num_match(v, f->s, f->n);
    case TN_V_CIDR: return tn_cidr_match(v, f->s, f->n, &f->ip);
    case TN_V_FIELDREF: return ref_match(e, v, f);
    default: return 0;
    }
}

/* ---- items, searches, conditions ---- */

/* At most this many values of a multi item searched one by one. */
#define MULTI_FEW 3

/* Some contains value of m occurs in the lower-cased fs[0..n). With the
 * scan's results, only the values whose literal it found can: none, no
 * pass; a few, each searched alone (memchr/memmem), cheaper than the pair
 * filter's ~9 instructions a byte (measured: the pass was ~13% of rule
 * evaluation on the 256 MiB sample). */
/* Whether s[0..n) has a byte >= 0x80, eight bytes at a time. */
static int has_high(const char *s, size_t n)
{
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        acc |= x;
    }
    for (; i < n; i++)
        acc |= (unsigned char)s[i];
    return (acc & 0x8080808080808080ull) != 0;
}

static int multi_match(const tn_eval *e, const tn_item *it, const char *fs, size_t n)
{
    const tn_multi *m = it->multi;
    /* lookalike and obfuscation characters (SigmaHQ's homoglyph and
     * Unicode rules: dozens of two-byte values, too short to be scanned
     * for) in a value that is all ASCII, as most are: measured, the pair
     * pass over such command lines was ~6% of rule evaluation on real-16 */
    if (m->high && !has_high(fs, n))
        return 0;
    /* SigmaHQ's Dosfuscation markers ('^^', ',;,', ' c^md', ...) all hold
     * one of '^', ';', '(' or '~': a memchr for each instead of the pair
     * pass (~9 instructions a byte) when none is there, as usual */
    if (m->nneed) {
        uint32_t k = 0;
        while (k < m->nneed && !memchr(fs, m->need[k], n))
            k++;
        if (k == m->nneed)
            return 0;
    }
    if (e->lit_epoch) {
        uint32_t few[MULTI_FEW], nfew = 0, k = 0;
        for (; k < m->nvals; k++) {
            const tn_value *v = &it->values[m->vals[k]];
            if (v->lit && e->lit_epoch[v->lit - 1] != e->lit_cur)
                continue;
            if (nfew == MULTI_FEW)
                break;
            few[nfew++] = m->vals[k];
        }
        if (k == m->nvals) {
            for (uint32_t i = 0; i < nfew; i++)
                if (tn_find_rare(fs, n, it->values[few[i]].s, it->values[few[i]].len, it->values[few[i]].rare))
                    return 1;
            return 0;
        }
    }
    const unsigned char *p = (const unsigned char *)fs;
    for (size_t i = 0; i + 1 < n; i++) {
        uint32_t h = tn_multi_hash(p[i], p[i + 1]);
        if (!((m->bits[h / 64] >> (h % 64)) & 1))
            continue;
        for (uint32_t k = m->start[h]; k < m->start[h + 1]; k++) {
            const tn_value *v = &it->values[m->vals[k]];
            if (v->len <= n - i && !memcmp(fs + i, v->s, v->len))
                return 1;
        }
    }
    return 0;
}

/* values_match for |all items, out of the common OR path, which then has
 * fewer registers to save and no it->all test per value. */
static __attribute__((noinline)) int values_all(const tn_eval *e, const tn_item *it, fval *f)
{
    /* a value whose literal the scan did not find fails the item at once,
     * before the others are searched for */
    if (e->lit_epoch)
        for (uint32_t i = 0; i < it->nvalues; i++) {
            const tn_value *v = &it->values[i];
            if (v->lit && (v->kind == TN_V_GLOB || v->kind == TN_V_RE) &&
                e->lit_epoch[v->lit - 1] != e->lit_cur)
                return 0;
        }
    for (uint32_t i = 0; i < it->nvalues; i++)
        if (!value_match(e, &it->values[i], f))
            return 0;
    return 1;
}

static int values_raw(const tn_eval *e, const tn_item *it, fval *f);

/* The item's values on the field: from the memo of long texts when the
 * event's own text (fidx) is long and the item reads no other field
 * (vmemo.h), else evaluated. */
static int values_match(const tn_eval *e, const tn_item *it, fval *f)
{
    /* an absent field: what the values give is known at load, no call per
     * value (with values_all: tn_eval_rule 1.128 G -> 1.103 G on the 256
     * MiB sample) */
    if (!f->present)
        return it->absent;
    if (f->n >= TN_VMEMO_MIN && e->vm && it->pure && f->fidx >= 0) {
        int ent = tn_vmemo_entry(e->vm, e->gen, f->fidx, f->s, f->n);
        if (ent >= 0) {
            int r = tn_vmemo_get(e->vm, ent, it);
            if (r < 0) {
                r = values_raw(e, it, f);
                tn_vmemo_put(e->vm, ent, it, r);
            }
            return r;
        }
    }
    return values_raw(e, it, f);
}

static int values_raw(const tn_eval *e, const tn_item *it, fval *f)
{
    if (it->cidrs)
        return tn_cidrs_match(it->cidrs, f->s, f->n);
    if (it->all)
        return values_all(e, it, f);
    if (it->multi) {   /* OR: the contains values in one pass */
        const char *fs = lowered(e, f);
        if (fs) {
            if (multi_match(e, it, fs, f->n))
                return 1;
            for (uint32_t i = 0; i < it->nvalues; i++)
                if (!it->multi->in[i] && value_match(e, &it->values[i], f))
                    return 1;
            return 0;
        }
    }
    for (uint32_t i = 0; i < it->nvalues; i++)
        if (value_match(e, &it->values[i], f))
            return 1;
    return 0;
}

/* Keyword item: each value must (all) or may (any) match some field value. */
static int keyword_match(const tn_eval *e, const tn_item *it)
{
    if (it->multi) {   /* OR: the contains values in one pass per field */
        for (uint32_t k = 0; k < e->ev->nfields; k++) {
            const tn_field *fd = &e->ev->fields[k];
            fval f = {.s = fd->value, .n = fd->value_len, .present = 1, .fidx = (int)k};
            const char *fs = lowered(e, &f);
            if (!fs)
                goto one_by_one;
            if (multi_match(e, it, fs, f.n))
                return 1;
        }
        for (uint32_t i = 0; i < it->nvalues; i++) {
            if (it->multi->in[i])
                continue;
            for (uint32_t k = 0; k < e->ev->nfields; k++) {
                const tn_field *fd = &e->ev->fields[k];
                fval f = {.s = fd->value, .n = fd->value_len, .present = 1, .fidx = (int)k};
                if (value_match(e, &it->values[i], &f))
                    return 1;
            }
        }
        return 0;
    }
one_by_one:
    for (uint32_t i = 0; i < it->nvalues; i++) {
        int m = 0;
        for (uint32_t k = 0; k < e->ev->nfields && !m; k++) {
            const tn_field *fd = &e->ev->fields[k];
            fval f = {.s = fd->value, .n = fd->value_len, .present = 1, .fidx = (int)k};
            m = value_match(e, &it->values[i], &f);
        }
        if (it->all ? !m : m)
            return !it->all;
    }
    return it->all;
}

/* values_match for an item of decimal values (v->is_dec) on a number x:
 * what comparing x's decimal text with each value gives, without the text.
 * Measured: formatting EventID and friends, folding the copy and comparing
 * it cost ~1% of rule evaluation on the 256 MiB sample. */
static int dec_match(const tn_eval *e, const tn_item *it, uint64_t x)
{
    for (uint32_t i = 0; i < it->nvalues; i++) {
        const tn_value *v = &it->values[i];
        int m = v->dec == x && !(v->lit && e->lit_epoch && e->lit_epoch[v->lit - 1] != e->lit_cur);
        if (it->all ? !m : m)
            return !it->all;
    }
    return it->all;
}

static int same_name(const tn_field *a, const tn_field *b)
{
    return a->name_len == b->name_len && tn_same_bytes(a->name, b->name, a->name_len);
}

/* all over a field held several times: each value holds on one of its
 * items, not necessarily the same (as `F:*a* AND F:*b*` on a SIEM's
 * multi-valued field). */
static int all_over_items(const tn_eval *e, const tn_item *it, int i)
{
    const tn_event *ev = e->ev;
    for (uint32_t k = 0; k < it->nvalues; k++) {
        int found = 0;
        for (uint32_t j = (uint32_t)i; j < ev->nfields && !found; j++) {
            const tn_field *g = &ev->fields[j];
            if (j != (uint32_t)i && !same_name(g, &ev->fields[i]))
                continue;
            fval v = {.s = g->value, .n = g->value_len, .present = 1, .fidx = (int)j};
            found = value_match(e, &it->values[k], &v);
        }
        if (!found)
            return 0;
    }
    return 1;
}

/* The other fields of field i's name (a JSON array's or an EVTX array
 * value's items, one field each): a field holding several values
 * matches when one of them does, as a SIEM's multi-valued field; neq
 * when none equals a value. m: what field i gave. */
static int more_items(const tn_eval *e, const tn_item *it, int i, int m)
{
    const tn_event *ev = e->ev;
    const tn_field *first = &ev->fields[i];
    if (it->all && !it->neq)
        return m || all_over_items(e, it, i);
    for (uint32_t j = (uint32_t)i + 1; j < ev->nfields && m == it->neq; j++) {
        const tn_field *g = &ev->fields[j];
        if (!same_name(g, first))
            continue;
        fval v = {.s = g->value, .n = g->value_len, .present = 1, .fidx = (int)j};
        m = it->neq ? !values_match(e, it, &v) : values_match(e, it, &v);
    }
    return m;
}

static int item_match(const tn_eval *e, const tn_item *it)
{
    if (!it->field.name)
        return keyword_match(e, it);
    /* a decimal System member the event holds, unless this source renames
     * it: a negated item is the plain one's opposite */
    if (it->dec && sys_is_dec(it->field.sys) && sys_present(e->ev, it->field.sys, 1) &&
        !(e->src && find_rename(e->src->renames, e->src->nrenames, it->field.name, it->field.len))) {
        int m = dec_match(e, it, sys_number(e->ev, it->field.sys));
        return it->neq ? !m : m;
    }
    fval f;
    lookup(e, &it->field, &f);
    int m = it->neq ? f.present && !values_match(e, it, &f) && !refs_absent(e, it) : values_match(e, it, &f);
    const tn_fieldidx *x = e->fx;
    if (f.fidx >= 0 && x && x->repeats && x->gen == e->gen)
        m = more_items(e, it, f.fidx, m);
    return m;
}

static int search_match(const tn_eval *e, const tn_search *s)
{
    uint32_t start = 0;
    for (uint32_t g = 0; g < s->ngroups; g++) {
        uint32_t end = s->group_end[g], i = start;
        while (i < end && item_match(e, &s->items[i]))
            i++;
        if (i == end)
            return 1;
        start = end;
    }
    return 0;
}

static int search_cached(tn_eval *e, const tn_srule *r, uint32_t i)
{
    if (e->cache[i] < 0)
        e->cache[i] = (int8_t)search_match(e, &r->searches[i]);
    return e->cache[i];
}

static int cond_eval(tn_eval *e, const tn_srule *r, const tn_cnode *c)
{
    switch (c->op) {
    case TN_C_AND: return cond_eval(e, r, c->a) && cond_eval(e, r, c->b);
    case TN_C_OR: return cond_eval(e, r, c->a) || cond_eval(e, r, c->b);
    case TN_C_NOT: return !cond_eval(e, r, c->a);
    case TN_C_REF: return search_cached(e, r, c->ref);
    default: {
        uint32_t hits = 0;   /* ANY/ALL: at least c->ref of c->refs */
        for (uint32_t i = 0; i < c->nrefs && hits < c->ref; i++)
            hits += (uint32_t)search_cached(e, r, c->refs[i]);
        return hits >= c->ref;
    }
    }
}

static int cond_fresh(tn_eval *e, const tn_srule *r)
{
    memset(e->cache, -1, r->nsearches ? r->nsearches : 1);
    const tn_srule *saved = e->rule;
    e->rule = r;
    int m = cond_eval(e, r, r->cond);
    e->rule = saved;
    return m;
}

/* Whether the event holds source s's own tests (tn_where), its fields
 * read through s's renames as the rule's are. */
static int where_holds(tn_eval *e, const tn_source *s)
{
    for (uint32_t w = 0; w < s->nwhere; w++) {
        const tn_where *x = &s->where[w];
        fval f;
        int hit = 0;
        lookup(e, &x->field, &f);
        for (uint32_t i = 0; f.present && !hit && i < x->nvals; i++)
            hit = strlen(x->vals[i]) == f.n && !strncasecmp(x->vals[i], f.s, f.n);
        if (!hit)
            return 0;
    }
    return 1;
}

int tn_eval_rule(tn_eval *e, const tn_srule *r)
{
    e->rule = r;
    if (!cond_fresh(e, r))
        return 0;
    if (e->src && e->src->nwhere && !where_holds(e, e->src))   /* after: a rule rarely holds */
        return 0;
    for (uint32_t f = 0; f < r->nfilters; f++)
        if (cond_fresh(e, r->filters[f])) {
            e->suppressor = r->filters[f]->filter_ix + 1;
            return 0;
        }
    return 1;
}

int tn_source_has(const tn_source *s, const tn_event *ev)
{
    size_t cl = strlen(s->channel);
    int wild = cl && s->channel[cl - 1] == '*';
    size_t cmp = wild ? cl - 1 : cl;
    size_t el = strlen(ev->channel);
    if ((wild ? el < cmp : el != cmp) || strncasecmp(ev->channel, s->channel, cmp) != 0)
        return 0;
    if (s->neids == 0)
        return 1;
    for (uint32_t i = 0; i < s->neids; i++)
        if (s->eids[i] == ev->event_id)
            return 1;
    return 0;
}
