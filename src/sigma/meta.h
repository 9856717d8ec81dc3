/* meta.h - a rule document's top-level keys, and the checks of the
 * metadata that rules, filters and correlation rules share (loader.c). */
#ifndef TN_SIGMA_META_H
#define TN_SIGMA_META_H

#include "sigma/yaml.h"

/* The top-level keys loading reads. */
enum { TN_K_CORRELATION, TN_K_FILTER, TN_K_DETECTION, TN_K_TITLE, TN_K_LOGSOURCE, TN_K_LEVEL,
       TN_K_STATUS, TN_K_TAGS, TN_K_ID, TN_K_NAME, TN_K_TAXONOMY, TN_K_NKEYS };

typedef struct tn_dkeys {
    const tn_ynode *v[TN_K_NKEYS];   /* the value of each key, or NULL */
} tn_dkeys;

/* The keys of map doc, the first of each (as tn_ymap_get). */
void tn_doc_keys(const tn_ynode *doc, tn_dkeys *d);

/* Checks level, status, tags and id, which rules and correlations share
 * (the two schemas give level and status the same values): a reason, with
 * *bad the node, or NULL. */
const char *tn_check_labels(const tn_dkeys *dk, const tn_ynode **bad);

/* Checks a rule's or filter's metadata fields (title, logsource, then
 * tn_check_labels): a reason, with *bad the node, or NULL. */
const char *tn_check_meta(const tn_ynode *doc, const tn_dkeys *dk, const tn_ynode **bad);

/* The metadata the JSON schemas constrain and loading does not need:
 * title and name of at most 256 characters, date and modified as
 * YYYY-MM-DD, related entries with an id and a known type, tags each
 * once (not their pattern: Hayabusa tags 'lolbas'), references, fields and falsepositives
 * as lists of strings (each once), author and license as strings, id a
 * UUID. Each finding goes to fn, once per key. They were accepted
 * without a word (a review, session 29); a rule that breaks them still
 * runs. */
typedef void (*tn_meta_warn_fn)(void *ctx, const tn_ynode *at, const char *why);
void tn_meta_schema_warn(const tn_ynode *doc, tn_meta_warn_fn fn, void *ctx);

#endif
