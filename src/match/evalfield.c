/* evalfield.c - a field's value as a rule reads it, for the stages that
 * read fields outside matching: correlations' group-by and values
 * (tn_eval_field_of), renames' conditions (scantext.c). The lookups are
 * eval.c's (eval_impl.h). */
#include "match/eval.h"
#include "match/eval_impl.h"

#include "sigma/ruleset_impl.h"

#include <string.h>

/* f's text for a caller: a formatted number copied to buf (f dies with
 * the call). 1, or 0 when f is absent. */
static int copy_out(const fval *f, char buf[32], const char **s, size_t *n)
{
    if (!f->present)
        return 0;
    if (f->s == f->buf) {
        memcpy(buf, f->buf, sizeof(f->buf));
        *s = buf;
    } else {
        *s = f->s;
    }
    *n = f->n;
    return 1;
}

int tn_eval_field_of(const tn_srule *r, const tn_event *ev, const char *name, tn_arena *a, char buf[32],
                     const char **s, size_t *n)
{
    tn_eval e;
    fval f;
    tn_fieldname fn;
    memset(&e, 0, sizeof(e));
    e.ev = ev;
    e.rule = r;
    e.lowmem = a;
    for (uint32_t i = 0; i < r->nsources && !e.src; i++)
        if (tn_source_has(&r->sources[i], ev))
            e.src = &r->sources[i];
    tn_fieldname_init(&fn, name, strlen(name));
    tn_lookup_slow(&e, &fn, &f);
    /* a null (JSON null, an EVTX element without a value) is no value: as
     * a group-by it made one group of every event holding it, "" (a
     * review, session 28) */
    if (f.present && f.fidx >= 0 && (uint32_t)f.fidx < ev->nfields && ev->fields[f.fidx].is_null)
        return 0;
    return copy_out(&f, buf, s, n);
}

int tn_eval_rename_target(const tn_event *ev, const tn_rename *rn, char buf[32], const char **s, size_t *n)
{
    fval f;
    tn_lookup_target(NULL, ev, rn, &f);
    return copy_out(&f, buf, s, n);
}

int tn_eval_field(const tn_event *ev, const char *name, char buf[32], const char **s, size_t *n)
{
    fval f;
    tn_fieldname fn;
    tn_fieldname_init(&fn, name, strlen(name));
    tn_lookup_name(NULL, ev, &fn, &f);
    return copy_out(&f, buf, s, n);
}
