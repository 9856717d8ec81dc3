/* gtext.h - generated values as text, the way Windows' viewers print them. */
#ifndef TN_GEN_GTEXT_H
#define TN_GEN_GTEXT_H

#include "base/buf.h"
#include "gen/gen.h"

/* Appends value i of event e as text (no quotes, no escaping): numbers in
 * decimal, HexInt as 0x..., GUIDs as {XXXXXXXX-...}, times RFC 3339. */
void tn_gval_text(tn_buf *b, const tn_gen_event *e, int i);
/* Appends the event as one JSON object (no newline), in the shape of
 * evtx_dump's JSON; scratch is a caller-owned work buffer: {"Event":{"System":{...},"EventData":{...}}}. */
void tn_gen_json(tn_buf *b, const tn_gen_event *e, const char *computer, uint64_t record_id,
                 tn_buf *scratch);

#endif
