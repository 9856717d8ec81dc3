/* eval.h - evaluates one compiled rule on one event (no prefiltering). */
#ifndef TN_MATCH_EVAL_H
#define TN_MATCH_EVAL_H

#include "base/arena.h"
#include "read/event.h"
#include "sigma/rule.h"

/* Per-event index of the event's EventData/UserData names (open
 * addressing; slot = name hash << 32 | field index + 1, 0 = empty), built
 * on the first lookup of an event. */
typedef struct tn_fieldidx {
    uint64_t *slot;              /* one allocation: the slots, then lens and names */
    uint32_t cap;                /* bytes allocated */
    uint32_t mask;               /* of the current event's table */
    uint32_t gen;                /* tn_eval.gen it was built for */
    int spaces;                  /* some field name has a space; -1 not known yet */
    int repeats;                 /* some name is held by several fields (an array's
                                  * items, eval.c more_items) */
    uint32_t nnames;             /* the names the table was built from (a copy): an */
    const uint32_t *lens;        /*   event with the same names in the same order */
    const char *names;           /*   uses it as it is */
} tn_fieldidx;

/* Per-thread evaluation state. */
typedef struct tn_eval {
    const tn_event *ev;
    const tn_source *src;        /* source the event came from (renames), or NULL */
    const tn_srule *rule;        /* rule being evaluated (global aliases) */
    pcre2_match_data *md;        /* one per thread */
    pcre2_match_context *mctx;   /* its JIT stack and match limit, or NULL */
    uint64_t re_limits;          /* regex matches PCRE2 stopped at a limit (no match) */
    uint32_t suppressor;         /* set by tn_eval_rule when a global filter suppressed
                                  * the rule's match: its filter_ix + 1 (the caller
                                  * counts it and clears it) */
    int8_t *cache;               /* per search: -1 unknown, 0, 1 */
    tn_arena *lowmem;            /* lower-cased field copies of the current event */
    const char **low;            /* per field index, valid when lowgen == gen */
    uint32_t *lowgen;
    uint32_t lowcap;
    uint32_t gen;                /* bumped for each event */
    tn_fieldidx *fx;             /* NULL: fields are searched linearly */
    uint32_t names_gen;          /* nonzero: the event names the same fields in the
                                  * same order as every event of generation names_gen
                                  * on that used fx (the scanner knows), so an index
                                  * built since serves without comparing the names */
    const uint32_t *lit_epoch;   /* per literal id: lit_cur if the prefilter scan found
                                  * it in this event; NULL: no scan, no skipping */
    uint32_t lit_cur;
    struct tn_vmemo *vm;         /* item results on long texts (vmemo.h), or NULL */
} tn_eval;

/* 1 if rule r matches e->ev (condition true and no attached filter
 * matches), else 0. e->cache must hold r->nsearches entries. */
int tn_eval_rule(tn_eval *e, const tn_srule *r);

/* 1 if the event's channel and EventID are in source s. */
int tn_source_has(const tn_source *s, const tn_event *ev);

/* The value of Sigma field name in ev (System member, else EventData or
 * UserData, also matching names with spaces). buf receives formatted
 * numbers. Returns 1 and sets s/n when present, else 0. */
int tn_eval_field(const tn_event *ev, const char *name, char buf[32], const char **s, size_t *n);
/* The same for rename rn's field (its prepared name: no hashing; the
 * data field of that name even when a System member has it too, with
 * tn_rename.data). */
int tn_eval_rename_target(const tn_event *ev, const tn_rename *rn, char buf[32], const char **s, size_t *n);

/* The value of field name in ev as rule r's items read it: through the
 * renames of r's source that holds ev, then as named, then through r's
 * aliases (a correlation's group-by ComputerName is an EVTX event's
 * Computer, and 4688's User its accounts). Translated text goes to a. As
 * tn_eval_field otherwise, except that a null field is absent. */
int tn_eval_field_of(const tn_srule *r, const tn_event *ev, const char *name, tn_arena *a, char buf[32],
                     const char **s, size_t *n);

/* Formats v as decimal / as "0x" and lower-case hex (what Sigma rules
 * compare numbers with) into out (at least 24 bytes, NUL-terminated).
 * Returns the length. */
size_t tn_fmt_u64(char *out, uint64_t v);
size_t tn_fmt_hex(char *out, uint64_t v);

/* tn_glob_match: match/strmatch.h. */

#endif
