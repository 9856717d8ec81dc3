/* event_json.h - a normalised event as flat JSON, for inspection and tests. */
#ifndef TN_EVENT_JSON_H
#define TN_EVENT_JSON_H

#include "base/buf.h"
#include "read/event.h"

#include <string.h>

/* Appends {"Provider_Name":..., "EventID":..., ..., "fields":[[name, value], ...]}
 * (no newline). Field order is document order; names may repeat. */
void tn_event_json(const tn_event *ev, tn_buf *out);

#endif
