/* replay.h - every file of a folder of fuzzer regression inputs
 * (tests/fuzz-regress/NAME), read whole (up to 1 MiB) and handed to fn in
 * readdir's order. Returns how many files there were, or -1 when there
 * is no folder or one of its files cannot be opened. */
#ifndef TESTS_REPLAY_H
#define TESTS_REPLAY_H

#include <dirent.h>
#include <stddef.h>
#include <stdio.h>

typedef void (*replay_fn)(const char *name, const unsigned char *data, size_t n, void *ctx);

static inline int replay_each(const char *dir, replay_fn fn, void *ctx)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return -1;
    int files = 0, unreadable = 0;
    static unsigned char data[1 << 20];
    for (struct dirent *e; (e = readdir(dp));) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) {
            unreadable = 1;
            continue;
        }
        size_t n = fread(data, 1, sizeof(data), f);
        fclose(f);
        fn(e->d_name, data, n, ctx);
        files++;
    }
    closedir(dp);
    return unreadable ? -1 : files;
}

#endif
