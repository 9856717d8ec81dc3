/* fuzz_jsonl.c - libFuzzer target: arbitrary bytes through the JSON reader and sniffer. */
#include "read/jsonl.h"
#include "read/sniff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Reads every field so the sanitizers see any bad pointer or length. */
static void touch(const tn_event *ev)
{
    const char *s[] = {ev->provider, ev->provider_guid, ev->channel, ev->computer, ev->user_sid,
                       ev->file};
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
        if (!s[i] || strlen(s[i]) > (1u << 30))
            abort();
    volatile unsigned sum = 0;
    for (uint32_t i = 0; i < ev->nfields; i++) {
        const tn_field *f = &ev->fields[i];
        if (f->value[f->value_len] != '\0' || f->name[f->name_len] != '\0')
            abort(); /* both are NUL-terminated at their lengths */
        for (uint32_t k = 0; k < f->name_len; k++)
            sum += (unsigned char)f->name[k];
        for (uint32_t k = 0; k < f->value_len; k++)
            sum += (unsigned char)f->value[k];
    }
}

/* The first byte picks the read size (1..255, or 0 for the default) so
 * that records cross refill boundaries everywhere; the second, when odd,
 * shrinks the record limit to exercise the too-long path. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tn_input_sniff(data, size);
    if (size < 2)
        return 0;
    size_t chunk = data[0], max_record = (data[1] & 1) ? 64 + data[1] : 0;
    tn_diag d = {.quiet = 1};
    tn_jsonl *r;
    if (tn_jsonl_open_mem(data + 2, size - 2, "fuzz", &d, &r))
        return 0;
    tn_jsonl_set_limits(r, chunk, max_record);
    /* records come in order, on lines that exist */
    uint64_t last = 1, lines = 1;
    for (size_t i = 2; i < size; i++)
        lines += data[i] == '\n';
    tn_event ev;
    while (tn_jsonl_next(r, &ev) == TN_JSONL_EVENT) {
        touch(&ev);
        if (ev.offset < last || ev.offset > lines)
            abort();
        last = ev.offset;
    }
    tn_jsonl_close(r);
    return 0;
}
