/* eval_impl.h - inside the evaluator: the field lookups that eval.c's
 * matching and evalfield.c's accessors share. Not for other stages. */
#ifndef TN_MATCH_EVAL_IMPL_H
#define TN_MATCH_EVAL_IMPL_H

#include "match/eval.h"
#include "match/typed.h"

#include <stddef.h>

/* A field's value as the evaluator holds it while an item is matched. */
typedef struct fval {
    const char *s;
    size_t n;
    int present;
    int fidx;              /* index in ev->fields, -1 for System members */
    const char *low;       /* ASCII-lower-cased s, computed on first use */
    tn_addrs ip;           /* s parsed as an address, on first use (typed.h) */
    char buf[32];
    char lowbuf[96];
} fval;

/* Field fn of ev by its name (a System member, else EventData/UserData,
 * also without spaces) into *out. Returns 0 when a data field of that
 * name is not in ev, else 1 (a System member: out->present says whether
 * the record held it). e (its field index) may be NULL. */
int tn_lookup_name(const tn_eval *e, const tn_event *ev, const tn_fieldname *fn, fval *out);

/* The target of rename or alias r in ev (tn_rename.data: the data field
 * of a System name); as tn_lookup_name. */
int tn_lookup_target(const tn_eval *e, const tn_event *ev, const tn_rename *r, fval *out);

/* Field fn as e's rule reads it: through its source's renames, by name,
 * then through the rule's aliases. */
void tn_lookup_slow(const tn_eval *e, const tn_fieldname *fn, fval *out);

#endif
