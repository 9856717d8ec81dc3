/* spill.c - run files: each detection as its fixed fields, then the lengths
 * and bytes of computer, channel and details. Written and read by the same
 * binary in the same run, so the layout is the host's. */
#include "spill.h"

#include <stdlib.h>
#include <string.h>

int tn_det_cmp(const void *a, const void *b)
{
    const tn_det *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    if (x->is_corr != y->is_corr)
        return x->is_corr - y->is_corr;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

typedef struct disk_det {
    uint64_t time, record_id, offset;
    uint32_t file, rule, event_id;
    uint32_t len[3];   /* computer, channel, details */
    uint8_t is_corr, level, pad[6];
} disk_det;

FILE *tn_spill_write(tn_det *v, size_t n)
{
    if (n)
        qsort(v, n, sizeof(*v), tn_det_cmp);
    FILE *f = tmpfile();
    if (!f)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const tn_det *d = &v[i];
        disk_det h = {d->time, d->record_id, d->offset, d->file, d->rule, d->event_id,
                      {(uint32_t)strlen(d->computer), (uint32_t)strlen(d->channel),
                       (uint32_t)strlen(d->details)},
                      d->is_corr, d->level, {0}};
        if (fwrite(&h, sizeof(h), 1, f) != 1 || fwrite(d->computer, 1, h.len[0], f) != h.len[0] ||
            fwrite(d->channel, 1, h.len[1], f) != h.len[1] || fwrite(d->details, 1, h.len[2], f) != h.len[2]) {
            fclose(f);
            return NULL;
        }
    }
    if (fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    return f;
}

void tn_run_open(tn_run_reader *r, FILE *f)
{
    memset(r, 0, sizeof(*r));
    r->f = f;
    tn_buf_init(&r->str);
}

int tn_run_next(tn_run_reader *r)
{
    disk_det h;
    r->has = 0;
    if (fread(&h, sizeof(h), 1, r->f) != 1)
        return feof(r->f) ? 0 : -1;
    size_t total = (size_t)h.len[0] + h.len[1] + h.len[2];
    tn_buf_clear(&r->str);
    if (tn_buf_reserve(&r->str, total + 3))
        return -1;
    char *p = r->str.data;
    for (int i = 0; i < 3; i++) {
        if (fread(p, 1, h.len[i], r->f) != h.len[i])
            return -1;
        p[h.len[i]] = '\0';
        p += h.len[i] + 1;
    }
    p = r->str.data;
    r->cur = (tn_det){.time = h.time, .record_id = h.record_id, .offset = h.offset, .file = h.file,
                      .rule = h.rule, .event_id = h.event_id, .is_corr = h.is_corr, .level = h.level};
    r->cur.computer = p;
    r->cur.channel = p + h.len[0] + 1;
    r->cur.details = p + h.len[0] + 1 + h.len[1] + 1;
    r->has = 1;
    return 1;
}

void tn_run_close(tn_run_reader *r)
{
    if (r->f)
        fclose(r->f);
    tn_buf_free(&r->str);
    memset(r, 0, sizeof(*r));
}
