/* jsonl.c - renders generated events as JSON (one object per line in .jsonl files). */
#include "gen/gtext.h"

#include "read/event.h"

#include <string.h>

/* GUID values in braces, as Windows writes them and tansa's EVTX reader
 * reads them (evtx_dump's JSON leaves the braces out; so did this until
 * session 25). */
static void guid_text(tn_buf *b, uint64_t lo, uint64_t hi)
{
    tn_buf_printf(b, "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", (unsigned)lo,
                  (unsigned)(lo >> 32) & 0xffff, (unsigned)(lo >> 48), (unsigned)hi & 0xff,
                  (unsigned)(hi >> 8) & 0xff, (unsigned)(hi >> 16) & 0xff,
                  (unsigned)(hi >> 24) & 0xff, (unsigned)(hi >> 32) & 0xff,
                  (unsigned)(hi >> 40) & 0xff, (unsigned)(hi >> 48) & 0xff,
                  (unsigned)(hi >> 56));
}

void tn_gval_text(tn_buf *b, const tn_gen_event *e, int i)
{
    const tn_gval *v = &e->v[i];
    char t[40];
    switch (e->sc->types[i]) {
    case TN_VT_STR: case TN_VT_SID: tn_buf_puts(b, v->s ? v->s : ""); break;
    case TN_VT_HEX32: case TN_VT_HEX64: tn_buf_printf(b, "0x%llx", (unsigned long long)v->u); break;
    case TN_VT_GUID: guid_text(b, v->u, v->u2); break;
    case TN_VT_FILETIME: tn_buf_put(b, t, tn_filetime_format(v->u, t)); break;
    default: tn_buf_u64(b, v->u); break;
    }
}

static int is_number(uint8_t type)
{
    return type == TN_VT_U8 || type == TN_VT_U16 || type == TN_VT_U32 || type == TN_VT_U64;
}

static void fields_json(tn_buf *b, const tn_gen_event *e, tn_buf *tmp)
{
    for (int i = 0; i < e->sc->nfields; i++) {
        if (i)
            tn_buf_putc(b, ',');
        tn_buf_json_str(b, e->sc->names[i], strlen(e->sc->names[i]));
        tn_buf_putc(b, ':');
        tn_buf_clear(tmp);
        tn_gval_text(tmp, e, i);
        if (is_number(e->sc->types[i]))
            tn_buf_put(b, tmp->data, tmp->len);
        else
            tn_buf_json_str(b, tmp->data ? tmp->data : "", tmp->len);
    }
}

void tn_gen_json(tn_buf *b, const tn_gen_event *e, const char *computer, uint64_t record_id,
                 tn_buf *scratch)
{
    const tn_gen_schema *sc = e->sc;
    char t[40];
    tn_buf_puts(b, "{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{\"Name\":");
    tn_buf_json_str(b, sc->provider, strlen(sc->provider));
    if (sc->provider_guid) {
        tn_buf_puts(b, ",\"Guid\":");
        tn_buf_json_str(b, sc->provider_guid, strlen(sc->provider_guid));
    }
    if (sc->source_name) {
        tn_buf_puts(b, ",\"EventSourceName\":");
        tn_buf_json_str(b, sc->source_name, strlen(sc->source_name));
    }
    if (sc->qualifiers >= 0) /* the EVTX template holds Qualifiers as literal text */
        tn_buf_printf(b, "}},\"EventID\":{\"#attributes\":{\"Qualifiers\":\"%d\"},\"#text\":%u}",
                      sc->qualifiers, sc->event_id);
    else
        tn_buf_printf(b, "}},\"EventID\":%u", sc->event_id);
    tn_buf_printf(b, ",\"Version\":%u,\"Level\":%u,\"Task\":%u,\"Opcode\":%u,"
                     "\"Keywords\":\"0x%llx\",\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"",
                  sc->version, sc->level, sc->task, sc->opcode, (unsigned long long)sc->keywords);
    tn_buf_put(b, t, tn_filetime_format(e->time, t));
    tn_buf_printf(b, "\"}},\"EventRecordID\":%llu,\"Correlation\":null,\"Execution\":"
                     "{\"#attributes\":{\"ProcessID\":%u,\"ThreadID\":%u}},\"Channel\":",
                  (unsigned long long)record_id, e->pid, e->tid);
    tn_buf_json_str(b, tn_channel_names[sc->channel], strlen(tn_channel_names[sc->channel]));
    tn_buf_puts(b, ",\"Computer\":");
    tn_buf_json_str(b, computer, strlen(computer));
    if (e->user_sid)
        tn_buf_printf(b, ",\"Security\":{\"#attributes\":{\"UserID\":\"%s\"}}}", e->user_sid);
    else
        tn_buf_puts(b, ",\"Security\":null}");
    if (sc->userdata) {
        tn_buf_printf(b, ",\"UserData\":{\"%s\":{\"#attributes\":{\"xmlns\":\"%s\"},",
                      sc->userdata, sc->userdata_ns);
        fields_json(b, e, scratch);
        tn_buf_puts(b, "}}}}");
    } else {
        tn_buf_puts(b, ",\"EventData\":{");
        fields_json(b, e, scratch);
        tn_buf_puts(b, "}}}");
    }
}
