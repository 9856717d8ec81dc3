/* detect.h - compiles a `detection` map (or a filter's `filter` map). */
#ifndef TN_SIGMA_DETECT_H
#define TN_SIGMA_DETECT_H

#include "sigma/value.h"

/* Items already compiled, by their modifiers and values (detect.c says
 * why). Their memory is in the arenas (c->a) of the compiles that used the
 * memo, which must outlive every item compiled with it. shared: used by
 * several threads at once (then locked). */
typedef struct tn_imemo tn_imemo;

tn_imemo *tn_imemo_new(int shared);
void tn_imemo_free(tn_imemo *m);

/* Compiles every search identifier of det (all keys except "condition",
 * the legacy "timeframe" and, for a global filter, "rules") and the
 * condition, reusing the items of memo (NULL: none). Returns 0, or -1
 * with c->err and c->err_node set. */
int tn_detection_compile(tn_vctx *c, tn_imemo *memo, const tn_ynode *det, int is_filter,
                         tn_search **out, uint32_t *nout, tn_cnode **cond);

#endif
