/* fuzz_jsonl.c - libFuzzer target: arbitrary bytes through the JSON reader and sniffer.
 *
 * Besides the sanitizers, two oracles: events come in line order on lines
 * that exist, and wherever jansson (an independent parser) reads the whole
 * input as objects or arrays of objects, the reader must give exactly that
 * many events and report nothing. Inputs outside the reader's documented
 * behaviour are left out of the comparison: nesting deeper than
 * TN_JSON_MAX_DEPTH, and records with a line starting '{' inside them
 * (which the reader takes as a cut-off JSON Lines record).
 * Run: make fuzz && build/fuzz/fuzz_jsonl -dict=fuzz/jsonl.dict -max_len=8192 DIR
 * (findings go to tests/fuzz-regress/jsonl/, replayed by the unit tests). */
#include "read/json_dom.h"
#include "read/jsonl.h"
#include "read/sniff.h"

#include <jansson.h>
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

static int depth(json_t *v)
{
    int d = 0;
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            int e = depth(x);
            d = e > d ? e : d;
        }
        return d + 1;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            int e = depth(x);
            d = e > d ? e : d;
        }
        return d + 1;
    }
    return 0;
}

/* Records in one top-level value (an object, or an array of objects), or -1.
 * An object of one member "Records" holding an array (AWS CloudTrail's
 * files) is its elements, each of which must be an object, and then its
 * text is read again refusing duplicate keys: the reader takes such an
 * object only when "Records" is its one member as written (s, n). */
static long records_in(json_t *v, const char *s, size_t n)
{
    json_t *rec = json_is_object(v) && json_object_size(v) == 1 ? json_object_get(v, "Records") : NULL;
    if (rec && json_is_array(rec)) {
        json_error_t e;
        json_t *again = json_loadb(s, n, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &e);
        if (!again)
            return -1;
        json_decref(again);
        size_t i;
        json_t *x;
        json_array_foreach(rec, i, x) if (!json_is_object(x) || depth(x) > TN_JSON_MAX_DEPTH - 2) return -1;
        return (long)json_array_size(rec);
    }
    if (json_is_object(v))
        return depth(v) <= TN_JSON_MAX_DEPTH ? 1 : -1;
    if (!json_is_array(v))
        return -1;
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) if (!json_is_object(x) || depth(x) > TN_JSON_MAX_DEPTH) return -1;
    return (long)json_array_size(v);
}

/* Event count by jansson, or -1 where it does not apply. */
static long expected_events(const char *s, size_t n)
{
    size_t off = 0;
    long count = 0;
    for (;;) {
        while (off < n && strchr(" \t\r\n", s[off]) && s[off])
            off++;
        if (off >= n)
            return count;
        json_error_t err;
        json_t *v = json_loadb(s + off, n - off, JSON_DISABLE_EOF_CHECK, &err);
        if (!v)
            return -1;
        long k = records_in(v, s + off, (size_t)err.position);
        json_decref(v);
        if (k < 0 || memmem(s + off, (size_t)err.position, "\n{", 2))
            return -1;
        count += k;
        off += (size_t)err.position;
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
    uint64_t last = 1, lines = 1;
    for (size_t i = 2; i < size; i++)
        lines += data[i] == '\n';
    long events = 0;
    tn_event ev;
    while (tn_jsonl_next(r, &ev) == TN_JSONL_EVENT) {
        touch(&ev);
        if (ev.offset < last || ev.offset > lines)
            abort(); /* records come in order, on lines that exist */
        last = ev.offset;
        events++;
    }
    tn_jsonl_close(r);
    if (!max_record) {
        long want = expected_events((const char *)data + 2, size - 2);
        if (want >= 0 && (want != events || tn_diag_total(&d) != 0))
            abort(); /* jansson read it all as objects: so must we */
    }
    return 0;
}
