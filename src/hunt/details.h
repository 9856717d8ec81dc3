/* details.h - a detection's details: the fields of its event that tell
 * what happened (command line, image, account, target ...), as one JSON
 * object for the timeline. */
#ifndef TN_HUNT_DETAILS_H
#define TN_HUNT_DETAILS_H

#include "base/buf.h"
#include "read/event.h"

#include <stdint.h>

/* Where an event's details are among its fields, kept for the events
 * that name the same fields (tn_details_to). */
#define TN_DSHAPES 16   /* a power of two */
typedef struct tn_dshape {
    uint64_t key;        /* tn_scanner_names_key of those events; 0: none */
    uint32_t nfields;
    uint32_t found;      /* bit d: detail d is field at[d] */
    uint32_t at[32];
} tn_dshape;

/* Appends the details of ev to b, as a JSON object: the fields of a fixed
 * list (Windows events) present in ev, each value cut at 1 KiB; for an
 * auditd record, which names none of them, its own fields, in order.
 * key: ev's names key (tn_scanner_names_key), or 0; shapes: the caller's
 * cache (TN_DSHAPES, zeroed at first) of where the details are in events
 * of a key. On failure b is left not ok (tn_buf_ok). */
void tn_details_to(tn_buf *b, const tn_event *ev, uint64_t key, tn_dshape *shapes);

#endif
