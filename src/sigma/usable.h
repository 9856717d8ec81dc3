/* usable.h - can a rule match on events of a given source at all? */
#ifndef TN_SIGMA_USABLE_H
#define TN_SIGMA_USABLE_H

#include "sigma/rule.h"

/* 0 when rule r cannot match any event of source s because fields it
 * needs are not in s's field list; 1 otherwise (including "unknown"). */
int tn_source_usable(const tn_source *s, const tn_srule *r);

#endif
