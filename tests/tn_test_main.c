/* tn_test_main.c - runs every registered unit test; closes with the count line. */
#include "tn_test.h"

#include <stdlib.h>

typedef struct {
    const char *name, *file;
    tn_test_fn fn;
    int order; /* registration order, to keep qsort stable */
} entry;

static entry tests[4096];
static int ntests;
static int cur_failed;

void tn_test_register(const char *name, const char *file, tn_test_fn fn)
{
    if (ntests < (int)(sizeof(tests) / sizeof(tests[0])))
        {
        tests[ntests] = (entry){name, file, fn, ntests};
        ntests++;
    }
}

void tn_test_fail(const char *file, int line, const char *expr)
{
    fprintf(stderr, "  %s:%d: check failed: %s\n", file, line, expr);
    cur_failed = 1;
}

static int by_file(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    return c ? c : x->order - y->order;
}

/* Usage: unit-tests [SUBSTRING]  runs the tests whose name or file contains it. */
int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    qsort(tests, (size_t)ntests, sizeof(entry), by_file);
    int passed = 0, failed = 0;
    for (int i = 0; i < ntests; i++) {
        if (only && !strstr(tests[i].name, only) && !strstr(tests[i].file, only))
            continue;
        cur_failed = 0;
        tests[i].fn();
        printf("%s %s\n", cur_failed ? "FAIL" : "ok  ", tests[i].name);
        if (cur_failed)
            failed++;
        else
            passed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
