/* event_json.c - the normalised event as one flat JSON object: what rules
 * see. Used by `tansa dump --format event` and by tests. */
#include "event_json.h"

void tn_event_json(const tn_event *ev, tn_buf *out)
{
    char t[32];
    tn_buf_puts(out, "{\"Provider_Name\":");
    tn_buf_json_str(out, ev->provider, strlen(ev->provider));
    tn_buf_puts(out, ",\"EventID\":");
    tn_buf_u64(out, ev->event_id);
    if (ev->has_qualifiers) {
        tn_buf_puts(out, ",\"Qualifiers\":");
        tn_buf_u64(out, ev->qualifiers);
    }
    tn_buf_puts(out, ",\"Version\":");
    tn_buf_u64(out, ev->version);
    tn_buf_puts(out, ",\"Level\":");
    tn_buf_u64(out, ev->level);
    tn_buf_puts(out, ",\"Task\":");
    tn_buf_u64(out, ev->task);
    tn_buf_puts(out, ",\"Opcode\":");
    tn_buf_u64(out, ev->opcode);
    tn_buf_printf(out, ",\"Keywords\":\"0x%llx\"", (unsigned long long)ev->keywords);
    tn_buf_puts(out, ",\"TimeCreated\":\"");
    if (ev->time)
        tn_buf_put(out, t, tn_filetime_format(ev->time, t));
    tn_buf_puts(out, "\",\"EventRecordID\":");
    tn_buf_u64(out, ev->record_id);
    tn_buf_puts(out, ",\"ProcessID\":");
    tn_buf_u64(out, ev->pid);
    tn_buf_puts(out, ",\"ThreadID\":");
    tn_buf_u64(out, ev->tid);
    tn_buf_puts(out, ",\"Channel\":");
    tn_buf_json_str(out, ev->channel, strlen(ev->channel));
    tn_buf_puts(out, ",\"Computer\":");
    tn_buf_json_str(out, ev->computer, strlen(ev->computer));
    tn_buf_puts(out, ",\"UserID\":");
    tn_buf_json_str(out, ev->user_sid, strlen(ev->user_sid));
    tn_buf_puts(out, ",\"fields\":[");
    for (uint32_t i = 0; i < ev->nfields; i++) {
        const tn_field *f = &ev->fields[i];
        tn_buf_puts(out, i ? ",[" : "[");
        tn_buf_json_str(out, f->name, f->name_len);
        tn_buf_putc(out, ',');
        if (f->is_null)
            tn_buf_puts(out, "null");
        else
            tn_buf_json_str(out, f->value, f->value_len);
        tn_buf_putc(out, ']');
    }
    tn_buf_puts(out, "]}");
}
