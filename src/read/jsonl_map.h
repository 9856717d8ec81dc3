/* jsonl_map.h - turn one parsed JSON record into a tn_event (reader-internal). */
#ifndef TN_JSONL_MAP_H
#define TN_JSONL_MAP_H

#include "base/arena.h"
#include "read/event.h"
#include "read/json_dom.h"

/* Per-reader mapping state. fields grows to the widest record seen and is
 * reused; names built for flattened paths live in arena (the record's). */
typedef struct tn_jmap {
    tn_arena *arena;   /* the record's arena: reset by the caller per record */
    tn_field *fields;  /* owned, tn_malloc'd */
    uint32_t nfields, cap;
    int oom;           /* set when an allocation failed */
    int level_name;    /* the level was read from its name (Winlogbeat's "information") */
    const char *nul;   /* a key of a System string member (Computer, Channel, ...)
                        * holding a NUL character, not taken; or NULL */
    const char *dup;   /* a key of the event's System members (EventID, Channel, ...)
                        * written twice in its object: the first is taken; or NULL */
    const tn_jnode *badtime;   /* a time member whose text could not be read (when no
                                * other gave the event its time); or NULL */
} tn_jmap;

/* Fill ev (all members) from root. The shape is recognised by content:
 *  - evtx_dump: {"Event": {"System": ..., "EventData"|"UserData": ...}}
 *    (or the same without the "Event" wrapper);
 *  - Winlogbeat: {"winlog": {"event_id", "channel", "event_data", ...}, ...};
 *  - flat (NXLog, OTRF, anything else): System values from well-known
 *    top-level keys, every other member a field.
 * Returns 0, 1 when root is not an object (ev untouched), -1 out of memory.
 * ev->file and ev->offset are left for the caller. */
int tn_jmap_event(tn_jmap *m, tn_jnode *root, tn_event *ev);

void tn_jmap_free(tn_jmap *m);

#endif
