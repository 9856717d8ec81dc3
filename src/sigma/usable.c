/* usable.c - drops sources on which a rule can never match.
 *
 * A source may list the fields its events have (data/logsources.yml,
 * `fields:`). If a rule cannot be true when every field the source lacks
 * is absent, evaluating it on that source is wasted work: it is removed
 * from the rule's sources. The analysis is conservative ("maybe
 * satisfiable" whenever unsure), so it never changes a result:
 *
 *   item on a missing field   true only if a value accepts an absent field
 *                             (null, exists: false); neq needs the field
 *   item on a present field   maybe
 *   group (AND)               all items;   search (OR): any group
 *   a and b / a or b          both / either;   not x: maybe
 *   N of X / all of X         at least N / all of the searches */
#include "sigma/usable.h"

#include <string.h>

static int has_field(const tn_source *s, const tn_fieldname *f)
{
    if (!s->fields || !f->name || f->sys != TN_F_DATA)
        return 1;
    const char *name = f->name;
    size_t len = f->len;
    for (uint32_t i = 0; i < s->nrenames; i++)
        if (s->renames[i].from_len == len && !memcmp(s->renames[i].from, name, len)) {
            name = s->renames[i].to;
            len = s->renames[i].to_len;
            break;
        }
    for (uint32_t i = 0; i < s->nfields; i++)
        if (strlen(s->fields[i]) == len && !memcmp(s->fields[i], name, len))
            return 1;
    return 0;
}

static int absent_ok(const tn_value *v)
{
    return v->kind == TN_V_NULL || (v->kind == TN_V_EXISTS && !v->b);
}

static int item_sat(const tn_source *s, const tn_item *it)
{
    if (has_field(s, &it->field))
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

static int search_sat(const tn_source *s, const tn_search *se)
{
    uint32_t start = 0;
    for (uint32_t g = 0; g < se->ngroups; g++) {
        uint32_t i = start;
        while (i < se->group_end[g] && item_sat(s, &se->items[i]))
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
    case TN_C_REF: return search_sat(s, &r->searches[c->ref]);
    default: {
        uint32_t n = 0;
        for (uint32_t i = 0; i < c->nrefs; i++)
            n += (uint32_t)search_sat(s, &r->searches[c->refs[i]]);
        return n >= c->ref;
    }
    }
}

int tn_source_usable(const tn_source *s, const tn_srule *r)
{
    return !s->fields || !r->cond || cond_sat(s, r, r->cond);
}
