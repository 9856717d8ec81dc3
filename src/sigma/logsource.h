/* logsource.h - Sigma logsource -> Windows channels, EventIDs and field renames. */
#ifndef TN_SIGMA_LOGSOURCE_H
#define TN_SIGMA_LOGSOURCE_H

#include "sigma/rule.h"

#include <stddef.h>

typedef struct tn_lsmap tn_lsmap;

/* Loads the map files in order (data/logsources.yml first, then user
 * maps); an entry in a later file replaces an earlier entry with the same
 * product/category/service. Returns 0, or -1 with "file:line:col: why" in
 * err. The map is freed with tn_lsmap_free. */
int tn_lsmap_load(const char *const *files, size_t n, tn_lsmap **out, char *err, size_t errlen);

/* Same, parsing through the tree cache yc (NULL: none). */
struct tn_ycache;
int tn_lsmap_load_cached(const char *const *files, size_t n, struct tn_ycache *yc,
                         tn_lsmap **out, char *err, size_t errlen);

/* Same, from YAML text (for tests and embedding). */
int tn_lsmap_load_text(const char *text, size_t len, const char *name, tn_lsmap *m,
                       char *err, size_t errlen);
tn_lsmap *tn_lsmap_new(void);
void tn_lsmap_free(tn_lsmap *m);

/* Where a rule with this logsource looks (NULL strings = absent). Sets
 * src and n to the sources (n 0 = any Windows event) and *never to 1 when
 * the logsource is not a Windows event log at all (other product, or a
 * category with no Windows mapping and no product). */
void tn_lsmap_resolve(const tn_lsmap *m, const char *product, const char *category,
                      const char *service, const tn_source **src, uint32_t *n, int *never);

/* Field aliases valid for every source (the map's "aliases:" section). */
const tn_rename *tn_lsmap_aliases(const tn_lsmap *m, uint32_t *n);

#endif
