/* schema.h - the Windows event types the generator writes, field by field. */
#ifndef TN_GEN_SCHEMA_H
#define TN_GEN_SCHEMA_H

#include "gen/gen.h"

/* Field order is the order of the fields in the real events; builders
 * fill tn_gen_event.v[] in that order. */
extern const tn_gen_schema tn_sc_4608, tn_sc_4624, tn_sc_4625, tn_sc_4634, tn_sc_4647,
    tn_sc_4648, tn_sc_4663, tn_sc_4672, tn_sc_4698, tn_sc_4768, tn_sc_4769, tn_sc_4776,
    tn_sc_5140, tn_sc_5145, tn_sc_1102, tn_sc_104, tn_sc_7036, tn_sc_7045, tn_sc_sysmon1, tn_sc_sysmon3,
    tn_sc_sysmon10;

#endif
