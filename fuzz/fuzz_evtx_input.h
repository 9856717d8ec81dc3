/* fuzz_evtx_input.h - the EVTX targets' input: a whole file when it starts
 * with the file signature, else chunk bytes given a blank file header.
 * Returns a heap copy (free it) and its size in *fsize. */
#ifndef TN_FUZZ_EVTX_INPUT_H
#define TN_FUZZ_EVTX_INPUT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline uint8_t *fuzz_evtx_file(const uint8_t *data, size_t size, size_t *fsize)
{
    uint8_t *file;
    if (size >= 8 && memcmp(data, "ElfFile", 7) == 0) {
        file = malloc(size);
        if (file)
            memcpy(file, data, size);
        *fsize = size;
    } else {
        *fsize = 4096 + size;
        file = calloc(1, *fsize);
        if (file) {
            memcpy(file, "ElfFile", 8);
            if (size)
                memcpy(file + 4096, data, size);
        }
    }
    return file;
}

#endif
