/* fuzz_evtx.c - libFuzzer target: arbitrary bytes as an EVTX file (after a
 * valid file header when the input does not bring its own), every record
 * parsed, rendered as JSON and XML, and normalised. */
#include "fuzz_evtx_input.h"
#include "read/evtx.h"
#include "read/evtx_event.h"

#include <stdlib.h>
#include <string.h>

static int on_record(void *arg, const tn_evtx_record *r)
{
    tn_buf *out = arg;
    tn_buf_clear(out);
    bx_render_json(r->ctx, r->tree, out);
    tn_buf_clear(out);
    bx_render_xml(r->ctx, r->tree, out);
    tn_event ev;
    tn_evtx_event(r, &ev);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bx_chunk ctx;
    static int ready;
    if (!ready) {
        if (bx_chunk_init(&ctx))
            abort();
        ready = 1;
    }
    size_t fsize;
    uint8_t *file = fuzz_evtx_file(data, size, &fsize);
    if (!file)
        return 0;
    tn_diag d = {.quiet = 1};
    tn_evtx *f;
    tn_buf out;
    tn_buf_init(&out);
    if (tn_evtx_open_mem(file, fsize, "fuzz", &d, &f) == 0) {
        for (size_t i = 0; i < tn_evtx_nchunks(f); i++)
            tn_evtx_read_chunk(f, i, &ctx, (int)(size & 1), on_record, &out);
        tn_evtx_close(f);
    }
    tn_buf_free(&out);
    free(file);
    return 0;
}
