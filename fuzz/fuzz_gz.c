/* fuzz_gz.c - libFuzzer property target for gzip input (read/gz.c): any
 * bytes, read in reads of several sizes, give the same bytes and the same
 * problems at the same places (fuzz_gz_check.h); sanitizers watch the
 * member walk and the resynchronisation.
 *
 * Run: make build/fuzz/fuzz_gz && build/fuzz/fuzz_gz -max_len=8192 DIR
 * tests/fuzz-regress/gz (seeds: gzip members, joined, cut, damaged);
 * findings go to tests/fuzz-regress/gz/, replayed by test_gz.c. */
#include "fuzz_gz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (gz_check(data, size))
        abort();
    return 0;
}
