/* input.h - turn the paths a user gives into a list of typed inputs:
 * folders are walked recursively, each file's type is told by content. */
#ifndef TN_INPUT_H
#define TN_INPUT_H

#include "base/diag.h"
#include "read/sniff.h"

#include <stddef.h>
#include <stdint.h>

typedef struct tn_input {
    char *path;      /* as found (folder path + name) */
    int kind;        /* tn_input_kind */
    uint64_t size;   /* bytes, 0 for standard input */
} tn_input;

typedef struct tn_inputs {
    tn_input *v;
    size_t n, cap;
} tn_inputs;

/* Append the inputs under paths, in name order within each folder. "-" is
 * standard input, sniffed later by its reader (kind TN_INPUT_UNKNOWN).
 * Unreadable paths and files of no known type are reported to d (the
 * latter only when named directly or when they end in .evtx/.json/.jsonl)
 * and skipped. Returns 0, or -1 when out of memory. */
int tn_inputs_collect(tn_inputs *in, const char *const *paths, size_t n, tn_diag *d);
void tn_inputs_free(tn_inputs *in);

#endif
