/* event.h - the normalised event every reader produces and every stage reads. */
#ifndef TN_EVENT_H
#define TN_EVENT_H

#include <stddef.h>
#include <stdint.h>

/* One named value of EventData or UserData, as UTF-8. value is
 * NUL-terminated; value_len excludes the NUL. A field whose element was
 * empty has value "" and is_null 1. Names of unnamed EventData <Data>
 * elements are "Data" (several may repeat). For UserData the name is the
 * leaf element's name (nested elements are flattened, innermost name). */
typedef struct tn_field {
    const char *name;
    const char *value;
    uint32_t name_len;
    uint32_t value_len;
    uint8_t is_null;
} tn_field;

/* A normalised event. All pointers are borrowed from the reader and stay
 * valid only until the reader produces the next event (or, for the EVTX
 * reader, until it moves to the next chunk). Strings are UTF-8, NUL-
 * terminated, and never NULL: a missing string is "". */
/* Bits of tn_event.present. */
enum {
    TN_EV_EVENTID, TN_EV_CHANNEL, TN_EV_COMPUTER, TN_EV_PROVIDER, TN_EV_PROVIDER_GUID,
    TN_EV_LEVEL, TN_EV_TASK, TN_EV_OPCODE, TN_EV_KEYWORDS, TN_EV_RECORDID, TN_EV_VERSION,
    TN_EV_USERID, TN_EV_PID, TN_EV_TID, TN_EV_TIME,
    TN_EV_KNOWN = 31,
};
#define TN_EV_BIT(b) (1u << (b))

typedef struct tn_event {
    /* System */
    const char *provider;       /* Provider/@Name (or @EventSourceName) */
    const char *provider_guid;  /* Provider/@Guid, "" if none */
    const char *channel;
    const char *computer;
    const char *user_sid;       /* Security/@UserID, "" if none */
    uint64_t time;              /* TimeCreated/@SystemTime, FILETIME: 100 ns since 1601 UTC; 0 = unknown */
    uint64_t record_id;         /* EventRecordID */
    uint64_t keywords;
    uint32_t event_id;          /* EventID, without qualifiers */
    uint32_t qualifiers;        /* EventID/@Qualifiers */
    uint32_t pid, tid;          /* Execution/@ProcessID, @ThreadID */
    uint16_t task;
    uint8_t level, opcode, version;
    uint8_t has_qualifiers;
    /* The System members the record held, bit TN_EV_* each (a member
     * present but empty counts), for Sigma's exists, null and '': valid
     * when TN_EV_KNOWN is set (the EVTX, JSON and XML readers set it).
     * Without it a member is present when its text is not empty, a
     * number always. */
    uint32_t present;

    /* EventData / UserData in document order */
    const tn_field *fields;
    uint32_t nfields;

    /* Where it came from, for reports */
    const char *file;           /* path as given by the user */
    uint64_t offset;            /* byte offset of the record in the file (EVTX) or line number (JSON) */

    /* When not NULL: every string above (file excepted) and every field's
     * name and value lie in text[0..text_len), so that tn_event_copy
     * copies them as one block (the EVTX reader's events) */
    const char *text;
    size_t text_len;

    /* When not NULL: the reader's storage of text and fields, which the
     * consumer may take instead of copying them (tn_event_take) */
    const struct tn_event_owner *owner;
} tn_event;

/* Where a reader builds its events: a text buffer and a fields array,
 * reused from one event to the next (the EVTX reader). */
struct tn_buf;
typedef struct tn_event_owner {
    struct tn_buf *text;
    tn_field **fields;
    size_t *fields_cap;
} tn_event_owner;

/* Storage an event can be moved into (tn_event_take); zero is empty. */
typedef struct tn_event_store {
    char *text;
    size_t text_cap;
    tn_field *fields;
    size_t fields_cap;
} tn_event_store;

/* Moves ev's text and fields into *st, and gives its reader st's previous
 * storage to build the next event in: no byte is copied. *out is ev, and
 * stays valid until *st is taken into again or freed, whatever the reader
 * does meanwhile. Returns 1, or 0 when ev's reader does not let its
 * storage go (ev->owner NULL, or ev has no text block); copy it then. */
int tn_event_take(const tn_event *ev, tn_event_store *st, tn_event *out);
void tn_event_store_free(tn_event_store *st);

/* Copies ev into memory from a (one allocation: its strings, its fields,
 * and the tn_event itself, file excepted, which is borrowed as before).
 * Returns the copy, or NULL when out of memory. */
struct tn_arena;
tn_event *tn_event_copy(const tn_event *ev, struct tn_arena *a);

/* Look up a field by exact (case-sensitive) name among EventData/UserData.
 * Returns the first match or NULL. */
const tn_field *tn_event_field(const tn_event *ev, const char *name, size_t name_len);

/* Format FILETIME as RFC 3339 UTC with microseconds:
 * "2019-03-19T23:35:10.123456Z". out must hold 32 bytes. Returns length. */
size_t tn_filetime_format(uint64_t ft, char *out);

/* Writes the part of tn_filetime_format's text after the date, for rem
 * seconds into the day and us microseconds, at o + 10 (through o[27], a
 * NUL); returns 27, the length of the whole text. */
size_t tn_time_of_day_format(unsigned rem, unsigned us, char *o);

/* Parse RFC 3339 / ISO 8601 times ("2019-03-19T23:35:10.1234567Z",
 * "2019-03-19 23:35:10.123", with or without zone offset) into FILETIME.
 * Returns 0 on success, -1 if the text is not a time. */
int tn_filetime_parse(const char *s, size_t n, uint64_t *out);

#endif
