/* run.h - `tansa gen` end to end: plan each day, expand per host, write logs and truth. */
#ifndef TN_GEN_RUN_H
#define TN_GEN_RUN_H

#include <stdint.h>

typedef struct tn_gen_opts {
    uint64_t seed;
    double scale;   /* > 0; 1 is 60 hosts */
    int days;       /* >= 7 */
    int evtx, jsonl;
    const char *out;
    int quiet;
} tn_gen_opts;

/* Returns a TN_EXIT_* code; messages go to stderr. */
int tn_gen_run(const tn_gen_opts *opt);

#endif
