/* usable.c - drops sources on which a rule can never match.
 *
 * A source may list the fields its events have (data/logsources.yml,
 * `fields:`). If a rule cannot be true when every field the source lacks
 * is absent, evaluating it on that source is wasted work: it is removed
 * from the rule's sources. The analysis is conservative ("maybe
 * satisfiable" whenever unsure), so it never changes a result. A field
 * is missing when the evaluator could not find it in any way (has_field):
 *
 *   item on a missing field   true only if a value accepts an absent field
 *                             (null, exists: false); neq needs the field
 *   item on a present field   maybe
 *   group (AND)               all items;   search (OR): any group
 *   a and b / a or b          both / either;   not x: maybe
 *   N of X / all of X         at least N / all of the searches */
#include "sigma/usable.h"

#include <string.h>

/* Whether events of s can hold name[0..len): a System member, or one of
 * its fields. */
static int name_present(const tn_source *s, const char *name, size_t len)
{
    tn_fieldname t;
    tn_fieldname_init(&t, name, len);
    if (t.sys != TN_F_DATA)
        return 1;
    for (uint32_t i = 0; i < s->nfields; i++)
        if (strlen(s->fields[i]) == len && !memcmp(s->fields[i], name, len))
            return 1;
    return 0;
}

static const tn_rename *rename_of(const tn_rename *v, uint32_t n, const char *name, size_t len)
{
    for (uint32_t i = 0; i < n; i++)
        if (v[i].from_len == len && !memcmp(v[i].from, name, len))
            return &v[i];
    return NULL;
}

/* Whether r's field f can be present in events of s, looked up as the
 * evaluator looks it up (eval.c, lookup_slow): through the source's
 * rename, then by its own name, then through the global alias. Only the
 * rename was followed once: a rule on ComputerName (an alias of Computer)
 * lost Security 4688 and every other source with a field list. */
static int has_field(const tn_source *s, const tn_srule *r, const tn_fieldname *f)
{
    if (!s->fields || !f->name || f->sys != TN_F_DATA)
        return 1;
    for (const tn_rename *x = rename_of(s->renames, s->nrenames, f->name, f->len); x; x = x->alt)
        if (name_present(s, x->to, x->to_len))   /* the rename, or one its else gives */
            return 1;
    if (name_present(s, f->name, f->len))
        return 1;
    const tn_rename *a = rename_of(r->aliases, r->naliases, f->name, f->len);
    return a && name_present(s, a->to, a->to_len);
}

static int absent_ok(const tn_value *v)
{
    return v->kind == TN_V_NULL || (v->kind == TN_V_EXISTS && !v->b);
}

static int item_sat(const tn_source *s, const tn_srule *r, const tn_item *it)
{
    if (has_field(s, r, &it->field))
        return 1;
    if (it->neq)
        return 0;
    for (uint32_t i = 0; i < it->nvalues; i++) {
        int ok = absent_ok(&it->values[i]);
        if (it->all ? !ok : ok)
            return !it->all;
    }
    return it->all && it->nvalues;
}

static int search_sat(const tn_source *s, const tn_srule *r, const tn_search *se)
{
    uint32_t start = 0;
    for (uint32_t g = 0; g < se->ngroups; g++) {
        uint32_t i = start;
        while (i < se->group_end[g] && item_sat(s, r, &se->items[i]))
            i++;
        if (i == se->group_end[g])
            return 1;
        start = se->group_end[g];
    }
    return 0;
}

static int cond_sat(const tn_source *s, const tn_srule *r, const tn_cnode *c)
{
    switch (c->op) {
    case TN_C_AND: return cond_sat(s, r, c->a) && cond_sat(s, r, c->b);
    case TN_C_OR: return cond_sat(s, r, c->a) || cond_sat(s, r, c->b);
    case TN_C_NOT: return 1;
    case TN_C_REF: return search_sat(s, r, &r->searches[c->ref]);
    default: {
        uint32_t n = 0;
        for (uint32_t i = 0; i < c->nrefs; i++)
            n += (uint32_t)search_sat(s, r, &r->searches[c->refs[i]]);
        return n >= c->ref;
    }
    }
}

int tn_source_usable(const tn_source *s, const tn_srule *r)
{
    return !s->fields || !r->cond || cond_sat(s, r, r->cond);
}
