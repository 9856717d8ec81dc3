/* fuzz_lsmap.c - libFuzzer target for the log-source map (YAML, as
 * `hunt --logsource-map FILE` reads it): a map is written to a file of
 * this process's, loaded after the built-in one with a fixed set of rules,
 * with and without the prefilter, and the rules that hold on fixed events
 * must be the same both ways (fuzz_lsmap_input.h). A map that is refused
 * must be refused without a crash or leak. Needs TANSA_DATA or ./data for
 * the built-in map. */
#include "fuzz_lsmap_input.h"

#include <fcntl.h>

static char map_path[64];
static int map_fd = -1;

/* No compiled-database cache: inputs would each leave a file behind. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    setenv("TANSA_CACHE", "off", 1);
    snprintf(map_path, sizeof(map_path), "/tmp/fuzz-lsmap-%ld.yml", (long)getpid());
    map_fd = open(map_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (map_fd < 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ftruncate(map_fd, 0) || (size && pwrite(map_fd, data, size, 0) != (ssize_t)size))
        abort();
    const char *dd = getenv("TANSA_DATA");
    if (fz_lsmap_check(map_path, dd ? dd : "data") < 0)
        abort();
    return 0;
}
