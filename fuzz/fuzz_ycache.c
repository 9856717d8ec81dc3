/* fuzz_ycache.c - libFuzzer target for the cache of parsed YAML trees
 * (src/sigma/ycache.c): its file is input from disk, damaged or hostile.
 * Rebuilding trees from an entry or a file must never crash, leak or read
 * out of bounds, and an entry that rebuilds must be the encoding of the
 * trees rebuilt (see fuzz_ycache_input.h for the input's two forms).
 * Seeds: entries and files written by a load of SigmaHQ's rules, e.g.
 * TANSA_CACHE=/tmp/c build/tansa rules check ../shared/corpus/sigma/rules,
 * then a 1 byte and that file's bytes. */
#include "fuzz_ycache_input.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fz_ycache_one(data, size))
        abort();
    return 0;
}
