/* sniff.h - tell input types apart by their first bytes, not their names. */
#ifndef TN_SNIFF_H
#define TN_SNIFF_H

#include <stddef.h>

typedef enum tn_input_kind {
    TN_INPUT_UNKNOWN = 0, /* neither of the below (text logs, binaries, empty) */
    TN_INPUT_EVTX,        /* starts with "ElfFile\0" or "ElfChnk\0" */
    TN_INPUT_JSON,        /* JSON object(s): JSON Lines, an array, back-to-back objects */
    TN_INPUT_AUDITD,      /* Linux audit log: "[node=H ]type=T msg=audit(" */
} tn_input_kind;

/* How many first bytes callers give tn_input_sniff. */
#define TN_SNIFF_HEAD 4096

/* Classify an input from its first n bytes (TN_SNIFF_HEAD; fewer work
 * too). JSON means: after an optional UTF-8 BOM and whitespace, '{'
 * followed by '"' or '}', or '[' followed by '{' or ']' (whitespace
 * allowed between; running out of bytes counts as a match), or an
 * evtx_dump "Record N" line followed by such an object. The second
 * character is checked so that text logs starting "[2020-..." or
 * "{ts} ..." are not taken for JSON. Also JSON: a first line that is not
 * (the tail of a cut record, a stray line) followed by lines of which at
 * least as many open an object as do not: the JSON reader then reports
 * that line and reads the rest, where the file was skipped whole. AUDITD
 * means the first line starts as an auditd record does. Returns a
 * tn_input_kind. */
int tn_input_sniff(const unsigned char *head, size_t n);

#endif
