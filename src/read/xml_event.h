/* xml_event.h - read a Windows event rendered as XML (<Event><System>...). */
#ifndef TN_XML_EVENT_H
#define TN_XML_EVENT_H

#include "base/arena.h"
#include "read/event.h"

#include <stddef.h>
#include <stdint.h>

/* Receives each EventData/UserData value: name and value are arena
 * strings, NUL-terminated. Returns 0, or -1 to stop (out of memory). */
typedef int (*tn_xml_field_fn)(void *ctx, const char *name, uint32_t name_len,
                               const char *value, uint32_t value_len, int is_null);

/* Parses s[0..n), the XML of one event as Windows (and Sysmon for Linux)
 * render it, the shape log shippers forward as text (Azure Syslog's
 * SyslogMessage, NXLog's EventXML). System values are stored into ev
 * (only those present; others are left as they are); EventData <Data
 * Name="X">v</Data> gives field X (unnamed: "Data", empty: null), and
 * UserData leaf elements give fields by their own names, as the EVTX
 * reader does. Entities (&lt; &#10; ...) are decoded. Lenient: it reads
 * what it can and ignores the rest (text cut off before its closing tag is
 * not taken); no DTDs, no CDATA; s should be UTF-8. Returns 0, -1 if s
 * is not an <Event> element, or -2 when the arena or fn fails. */
int tn_xml_event(tn_arena *a, const char *s, size_t n, tn_event *ev, tn_xml_field_fn fn,
                 void *ctx);

#endif
