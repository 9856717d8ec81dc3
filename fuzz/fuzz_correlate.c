/* fuzz_correlate.c - libFuzzer target for the correlator (match/correlate.c)
 * over a stream of matches whose values and times the input chooses: see
 * fuzz_correlate_input.h. Needs TANSA_DATA or ./data for the logsource map. */
#include "fuzz_correlate_input.h"

#include <stdio.h>
#include <stdlib.h>

/* No compiled-database cache: inputs would each leave a file behind. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    setenv("TANSA_CACHE", "off", 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static tn_ruleset *rs;
    if (!rs) {
        const char *dd = getenv("TANSA_DATA");
        if (!(rs = fz_corr_load(dd ? dd : "data"))) {
            fprintf(stderr, "fuzz_correlate: the rules did not load (TANSA_DATA?)\n");
            abort();
        }
    }
    if (fz_correlate(rs, data, size, NULL)) {
        fprintf(stderr, "fuzz_correlate: a hit's events or times are wrong\n");
        abort();
    }
    return 0;
}
