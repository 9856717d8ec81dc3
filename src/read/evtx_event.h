/* evtx_event.h - an EVTX record as the normalised tn_event. */
#ifndef TN_EVTX_EVENT_H
#define TN_EVTX_EVENT_H

#include "read/event.h"
#include "read/evtx.h"

/* Fill ev from rec. Strings and fields live in the record's chunk context
 * and stay valid until the next call with the same context or the next
 * chunk. ev->file and ev->offset are set from the record (file = NULL
 * here: the caller sets it). Returns 0, or -1 if the record has no Event
 * element or cannot be expanded (ev is then empty but valid). */
int tn_evtx_event(const tn_evtx_record *rec, tn_event *ev);

#endif
