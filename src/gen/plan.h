/* plan.h - what happens on one day: benign activity plus the breach's steps. */
#ifndef TN_GEN_PLAN_H
#define TN_GEN_PLAN_H

#include "gen/breach.h"

/* Appends day's activities to v (v->oom set on allocation failure). */
void tn_plan_day(const tn_org *o, const tn_breach *b, int day, tn_acts *v);

#endif
