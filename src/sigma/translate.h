/* translate.h - the text a source rename makes of a field's value.
 *
 * A log source mapping (data/logsources.yml) may do more than rename a
 * field: map its raw values to the words rules use (5156's %%14593 is
 * 'true'), and read its paths as rules write them (Security 4657's
 * \REGISTRY\MACHINE\... is HKLM\..., with ObjectValueName joined on). The
 * evaluator compares rule values with that text, so the literal scan reads
 * the same text: both get it from here. */
#ifndef TN_SIGMA_TRANSLATE_H
#define TN_SIGMA_TRANSLATE_H

#include "base/arena.h"
#include "sigma/rule.h"

#include <string.h>

/* 1 if rn changes what its field's value reads as (values, paths, a
 * joined field or a SID): only then does tn_rename_text do anything. */
static inline int tn_rename_translates(const tn_rename *rn)
{
    return rn->nvalues || rn->paths || rn->append || rn->sid;
}

/* 1 if rn or a rename its else gives translates: the scanner then builds
 * the text the evaluator compares (the one picked may translate when the
 * first does not). */
static inline int tn_rename_chain_translates(const tn_rename *rn)
{
    for (; rn; rn = rn->alt)
        if (tn_rename_translates(rn))
            return 1;
    return 0;
}

/* Whether a rename's field text (s, n) is unset, so that its else is read
 * instead (tn_rename.alt): empty or '-', as 4688 writes Target* when the
 * new process runs as its creator. (Its TargetUserSid is no sign: the
 * corpus has 4688s with the NULL SID and a target account named.) */
static inline int tn_field_unset(const char *s, size_t n)
{
    return n == 0 || (n == 1 && s[0] == '-');
}

/* The account Sysmon names for the well-known service SID (s, n):
 * S-1-5-18 "NT AUTHORITY\SYSTEM", S-1-5-19 "NT AUTHORITY\LOCAL SERVICE",
 * S-1-5-20 "NT AUTHORITY\NETWORK SERVICE"; NULL for any other. Sysmon
 * writes the names in the system's language; these are the English ones,
 * which SigmaHQ's rules look for ('AUTHORI', '\SYSTEM'). */
const char *tn_sid_account(const char *s, size_t n);

/* The text of field value (s, n) read through rename rn: when rn->sid is
 * set and its value (sid, sn bytes, may be 0) is a well-known service
 * SID, that account's name (tn_sid_account); else a raw value mapped to
 * its word, then (with an arena) a device or registry path as rules write
 * it, with tail (rn->append's value, tn bytes, may be 0) joined on by a
 * backslash. Returns 1 and sets *out, *outn (a string of rn's, a constant
 * or a copy in a) when the text differs from (s, n); else 0. Out of
 * memory, the path stays as logged. */
int tn_rename_text(const tn_rename *rn, const char *s, size_t n, const char *tail, size_t tn,
                   const char *sid, size_t sn, tn_arena *a, const char **out, size_t *outn);

#endif
