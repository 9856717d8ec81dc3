/* detect.h - compiles a `detection` map (or a filter's `filter` map). */
#ifndef TN_SIGMA_DETECT_H
#define TN_SIGMA_DETECT_H

#include "sigma/value.h"

/* Compiles every search identifier of det (all keys except "condition",
 * the legacy "timeframe" and, for a global filter, "rules") and the
 * condition. Returns 0, or -1 with c->err and c->err_node set. */
int tn_detection_compile(tn_vctx *c, const tn_ynode *det, int is_filter, tn_search **out,
                         uint32_t *nout, tn_cnode **cond);

#endif
