/* input.h - turn the paths a user gives into a list of typed inputs:
 * folders are walked recursively, each file's type is told by content. */
#ifndef TN_INPUT_H
#define TN_INPUT_H

#include "base/diag.h"
#include "read/event.h"
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
 * standard input, sniffed here like a file (its first bytes are put back:
 * see input.c; a thread may relay a piped stdin until its end).
 * Unreadable paths and files of no known type are reported to d (the
 * latter only when named directly or when they end in .evtx/.json/.jsonl)
 * and skipped. Returns 0, or -1 when out of memory. */
int tn_inputs_collect(tn_inputs *in, const char *const *paths, size_t n, tn_diag *d);
/* Puts the inputs in byte order of their paths (unique: no ties): results that
 * depend on the order of the files, not only on the events (detections at
 * one time in several files, and so what a temporal_ordered correlation
 * sees), then do not depend on the order the paths were given in. */
void tn_inputs_sort(tn_inputs *in);
void tn_inputs_free(tn_inputs *in);

/* Called for each event of each input. worker is 0..threads-1 (0 is the
 * calling thread). Events reach the callback in no order across workers:
 * the chunks of an EVTX input are read by whichever worker is free, a
 * JSON or auditd input wholly by one worker; only the events of one chunk
 * or of one JSON/auditd input come in order, on one worker. With one
 * thread, everything comes in input order. file is the input's index.
 * Return nonzero to stop (that value is returned). */
typedef int (*tn_event_fn)(void *arg, int worker, uint32_t file, const tn_event *ev);

/* Progress, on the calling thread, a few times a second: index is the
 * input most recently started, done the bytes of input read so far (EVTX
 * counted by chunk, other inputs when finished). */
typedef void (*tn_input_fn)(void *arg, size_t index, uint64_t done);

/* Read every event of every input. Problems go to d. An EVTX input from
 * standard input gets its size (0 until then) once it has been copied to
 * a temporary file. Returns 0, the first nonzero value fn returned, or
 * TN_EXIT_INTERNAL when out of memory. */
int tn_inputs_scan(tn_inputs *in, int threads, int carve, tn_diag *d, tn_event_fn fn,
                   tn_input_fn before, void *arg);
#endif
