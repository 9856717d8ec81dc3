/* jsonl_bench.c - time the JSON reader over files: events/s and MB/s. */
#include "read/jsonl.h"

#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

/* Usage: jsonl_bench FILE...  Reads every event, touches every field. */
int main(int argc, char **argv)
{
    tn_diag d = {0};
    unsigned long long events = 0, fields = 0, bytes = 0, sum = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0)
            bytes += (unsigned long long)st.st_size;
        tn_jsonl *r;
        if (tn_jsonl_open(argv[i], &d, &r))
            continue;
        tn_event ev;
        while (tn_jsonl_next(r, &ev) == TN_JSONL_EVENT) {
            events++;
            fields += ev.nfields;
            for (uint32_t k = 0; k < ev.nfields; k++)
                sum += ev.fields[k].value_len;
        }
        tn_jsonl_close(r);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%llu events, %llu fields, %.1f MB in %.3f s: %.0f events/s, %.1f MB/s "
           "(%llu value bytes, %llu problems)\n",
           events, fields, (double)bytes / 1e6, s, (double)events / s, (double)bytes / 1e6 / s,
           sum, (unsigned long long)tn_diag_total(&d));
    return 0;
}
