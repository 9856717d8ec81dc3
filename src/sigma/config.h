/* config.h - the data files rules are compiled with (logsource maps, placeholders). */
#ifndef TN_SIGMA_CONFIG_H
#define TN_SIGMA_CONFIG_H

#include "base/arena.h"
#include "sigma/logsource.h"
#include "sigma/sigma.h"
#include "sigma/value.h"
#include "sigma/yaml.h"
#include "sigma/ycache.h"

#include <stddef.h>

/* Loads the logsource maps (the data folder's logsources.yml, then o's
 * extra maps) into *ls, and the placeholder values (o's file, else the
 * data folder's placeholders.yml when there is one) into *placeholders
 * (NULL when none), their tree allocated in a, parsed through the cache
 * yc (NULL: none). o may be NULL. Returns 0, or -1 with a message in err,
 * left empty when out of memory. */
int tn_rules_config(const tn_rule_opts *o, tn_ycache *yc, tn_lsmap **ls, tn_arena *a,
                    const tn_placeholders **placeholders, char *err, size_t errlen);

#endif
