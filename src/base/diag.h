/* diag.h - problem reports: one shape for every message, counted by kind. */
#ifndef TN_DIAG_H
#define TN_DIAG_H

#include <stdint.h>
#include <stdio.h>

/* Exit codes of the tansa command (also in README and --help). */
enum {
    TN_EXIT_OK = 0,       /* all input read, no problem */
    TN_EXIT_PARTIAL = 1,  /* finished, but some input was bad or unreadable */
    TN_EXIT_USAGE = 2,    /* bad command line */
    TN_EXIT_NOINPUT = 3,  /* no input could be read at all */
    TN_EXIT_INTERNAL = 4, /* out of memory or an internal error */
};

/* Kinds of input problem, counted for the closing summary. */
typedef enum tn_problem {
    TN_P_FILE_OPEN,      /* cannot open or map a file */
    TN_P_FILE_HEADER,    /* bad or missing EVTX file header */
    TN_P_CHUNK_HEADER,   /* chunk header unusable */
    TN_P_CHUNK_CRC,      /* chunk header or data checksum mismatch (still read) */
    TN_P_RECORD,         /* a record could not be read and was skipped */
    TN_P_BINXML,         /* a record's BinXML is malformed (record skipped) */
    TN_P_JSON,           /* a JSON line could not be parsed */
    TN_P_RULE,           /* a rule could not be compiled */
    TN_P_OTHER,
    TN_P_GZIP,           /* gzip-compressed input damaged or cut (what could be read is) */
    TN_P__COUNT
} tn_problem;

typedef struct tn_diag {
    uint64_t count[TN_P__COUNT];
    int quiet;  /* 1: count only, print nothing */
} tn_diag;

/* Writes s to f with each control byte (C0, DEL, C1) and each byte that
 * is not valid UTF-8 as \xHH, and each bidirectional control as \u202E:
 * file names, log text and rule text are anyone's, and a raw ESC
 * sequence in them would drive the terminal.
 * tn_report writes through it. */
void tn_put_safe(FILE *f, const char *s);

/* Report one problem: "tansa: FILE: WHERE: message" (through tn_put_safe;
 * the message is cut at 2 KiB). where may be NULL. Thread-safe; the
 * counter is atomic and stderr lines do not interleave. */
void tn_report(tn_diag *d, tn_problem kind, const char *file, const char *where,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
uint64_t tn_diag_total(const tn_diag *d);
const char *tn_problem_name(tn_problem kind);
/* Print "N problems: K kind, ..." to stderr; nothing when there are none. */
void tn_diag_summary(const tn_diag *d);

#endif
