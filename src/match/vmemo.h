/* vmemo.h - a scanner's memory of item results on long field values.
 *
 * What values_match (eval.c) gives for an item on a field's own text
 * depends on the item and the text's bytes alone, unless a value of the
 * item names another field (|fieldref; tn_item.pure says): the literal
 * prefilter's shortcuts only skip values that cannot match. PowerShell
 * logs the same script blocks again and again (4104 on the 256 MiB
 * real-chunk file: 6,960 events, 470 texts the scan cache had not seen),
 * and rules run regexes and long contains lists over them, so results on
 * texts of TN_VMEMO_MIN bytes or more are kept per text. A text is found
 * by hash and then compared byte for byte: a hash alone is never trusted. */
#ifndef TN_MATCH_VMEMO_H
#define TN_MATCH_VMEMO_H

#include <stddef.h>
#include <stdint.h>

/* Texts shorter than this are evaluated each time: hashing and comparing
 * a text costs about what the items on a short one cost. */
#define TN_VMEMO_MIN 1024

typedef struct tn_vmemo tn_vmemo;

/* A memo holding at most max_bytes of texts and results (0: a default);
 * NULL when out of memory. */
tn_vmemo *tn_vmemo_new(size_t max_bytes);
void tn_vmemo_free(tn_vmemo *m);

/* The entry of text s[0..n), field fidx of the event of generation gen:
 * found (compared byte for byte) or made; -1 when it cannot be kept. The
 * items of one event on one field find it again without hashing the text:
 * s must stay the same text while gen does. */
int tn_vmemo_entry(tn_vmemo *m, uint32_t gen, int fidx, const char *s, size_t n);

/* Forgets which entry each field of recent events had: when event
 * generations wrap, an old one could come again. */
void tn_vmemo_forget_recent(tn_vmemo *m);

/* The result kept for item in entry ent: 0 or 1, or -1 when none is. */
int tn_vmemo_get(tn_vmemo *m, int ent, const void *item);

/* Keeps result r (0 or 1) of item in entry ent, if there is room. */
void tn_vmemo_put(tn_vmemo *m, int ent, const void *item, int r);

/* Counters, for tests and measurement. */
typedef struct tn_vmemo_stats {
    uint64_t lookups, hits, clears;   /* entries looked up (per event and field), found */
    uint64_t results, result_hits;    /* item results asked for, found */
} tn_vmemo_stats;
void tn_vmemo_get_stats(const tn_vmemo *m, tn_vmemo_stats *st);

#endif
