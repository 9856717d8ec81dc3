/* fuzz_gz.c - libFuzzer property target for gzip input (read/gz.c): any
 * bytes, read in reads of several sizes and from a file, give the same
 * bytes and the same problems at the same places (fuzz_gz_check.h); then
 * the JSON and auditd readers read them. Sanitizers watch the member
 * walk, the resynchronisation and the readers' reports.
 *
 * Run: make build/fuzz/fuzz_gz && build/fuzz/fuzz_gz -max_len=8192 DIR
 * tests/fuzz-regress/gz (seeds: gzip members, joined, cut, damaged);
 * findings go to tests/fuzz-regress/gz/, replayed by test_gz.c. */
#include "fuzz_gz_check.h"
#include "read/auditd.h"
#include "read/jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (gz_check(data, size))
        abort();
    /* the readers over it, for the sanitizers: where they say a problem */
    tn_diag d = {.quiet = 1};
    tn_jsonl *j;
    tn_event ev;
    if (!tn_jsonl_open_mem(data, size, "fuzz.json.gz", &d, &j)) {
        while (tn_jsonl_next(j, &ev) == TN_JSONL_EVENT)
            ;
        tn_jsonl_close(j);
    }
    tn_auditd *a;
    if (!tn_auditd_open_mem(data, size, "fuzz.log.gz", &d, &a)) {
        while (tn_auditd_next(a, &ev) == TN_JSONL_EVENT)
            ;
        tn_auditd_close(a);
    }
    return 0;
}
