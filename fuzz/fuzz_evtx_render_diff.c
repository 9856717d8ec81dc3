/* fuzz_evtx_render_diff.c - libFuzzer target, differential: every record of
 * the input (an EVTX file, or chunk bytes given a file header) is rendered
 * as JSON by the compiled template programs and by the plain tree walker,
 * and any difference in bytes or in success aborts.
 *
 * Each record is rendered three times: once as dump would (which compiles
 * a program for a new signature, or runs the one a previous record made),
 * once more (which now runs the program, unless the signature cannot be
 * compiled), and once with the programs hidden, which walks the tree. The
 * hiding is the unit test's (tests/unit/test_evtx_render.c): the program
 * table is emptied for one call and put back. Programs persist across
 * inputs, as they persist across chunks in dump, so a program compiled
 * from one input can be run on records of later ones. */
#include "fuzz_evtx_input.h"
#include "read/bx_walk.h"
#include "read/evtx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct diff {
    tn_buf first, again, walked;
} diff;

static int same(int ra, const tn_buf *a, int rb, const tn_buf *b)
{
    if (ra != rb)
        return 0;
    return ra || (a->len == b->len && (!a->len || !memcmp(a->data, b->data, a->len)));
}

static void mismatch(const tn_evtx_record *r, const char *what, int ra, const tn_buf *a, int rb,
                     const tn_buf *b)
{
    fprintf(stderr, "record %llu: %s differs from the walker (rc %d, %d)\n  program %.*s\n  walker  %.*s\n",
            (unsigned long long)r->record_id, what, ra, rb, (int)a->len, a->data ? a->data : "",
            (int)b->len, b->data ? b->data : "");
    abort();
}

/* The walker's rendering: the programs hidden for one call. */
static int render_walked(const tn_evtx_record *r, tn_buf *out)
{
    struct bx_walk *w = r->ctx->walk;
    static struct jprog *saved[sizeof(w->progs) / sizeof(w->progs[0])];
    uint32_t n = w->nprogs;
    memcpy(saved, w->progs, sizeof(saved));
    memset(w->progs, 0, sizeof(w->progs));
    w->nprogs = 0;
    int rc = bx_render_json(r->ctx, r->tree, out);
    memcpy(w->progs, saved, sizeof(saved));
    w->nprogs = n;
    return rc;
}

static int on_record(void *arg, const tn_evtx_record *r)
{
    diff *t = arg;
    tn_buf_clear(&t->first);
    tn_buf_clear(&t->again);
    tn_buf_clear(&t->walked);
    int r1 = bx_render_json(r->ctx, r->tree, &t->first);
    if (!r->ctx->walk) /* failed before any scratch existed: nothing to compare */
        return 0;
    int r2 = bx_render_json(r->ctx, r->tree, &t->again);
    int rw = render_walked(r, &t->walked);
    if (!same(r1, &t->first, rw, &t->walked))
        mismatch(r, "first rendering", r1, &t->first, rw, &t->walked);
    if (!same(r2, &t->again, rw, &t->walked))
        mismatch(r, "second rendering", r2, &t->again, rw, &t->walked);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bx_chunk ctx;
    static diff t;
    static int ready;
    if (!ready) {
        if (bx_chunk_init(&ctx))
            abort();
        tn_buf_init(&t.first);
        tn_buf_init(&t.again);
        tn_buf_init(&t.walked);
        ready = 1;
    }
    size_t fsize;
    uint8_t *file = fuzz_evtx_file(data, size, &fsize);
    if (!file)
        return 0;
    tn_diag d = {.quiet = 1};
    tn_evtx *f;
    if (file && tn_evtx_open_mem(file, fsize, "fuzz", &d, &f) == 0) {
        for (size_t i = 0; i < tn_evtx_nchunks(f); i++)
            tn_evtx_read_chunk(f, i, &ctx, (int)(size & 1), on_record, &t);
        tn_evtx_close(f);
    }
    free(file);
    return 0;
}
