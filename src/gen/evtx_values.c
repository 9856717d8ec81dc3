/* evtx_values.c - the substitution array of a record: descriptors, then typed values. */
#include "gen/evtx_emit.h"

#include <string.h>

uint32_t tn_sid_encode(const char *s, uint8_t out[68])
{
    if (s[0] != 'S' || s[1] != '-')
        return 0;
    uint64_t part[17];
    int n = 0;
    for (const char *p = s + 2; n < 17;) {
        uint64_t v = 0;
        if (*p < '0' || *p > '9')
            return 0;
        while (*p >= '0' && *p <= '9')
            v = v * 10 + (uint64_t)(*p++ - '0');
        part[n++] = v;
        if (*p != '-')
            break;
        p++;
    }
    if (n < 2)
        return 0;
    int subs = n - 2;
    out[0] = (uint8_t)part[0];
    out[1] = (uint8_t)subs;
    for (int i = 0; i < 6; i++)
        out[2 + i] = (uint8_t)(part[1] >> (8 * (5 - i)));
    for (int i = 0; i < subs; i++)
        tn_wr32(out + 8 + 4 * i, (uint32_t)part[2 + i]);
    return 8 + 4 * (uint32_t)subs;
}

/* Size in bytes of one value as stored, and its stored type. */
static uint32_t value_size(uint8_t type, const tn_gval *v, uint8_t *sid, uint8_t *type_out)
{
    *type_out = type;
    switch (type) {
    case TN_VT_STR: return v->s ? 2 * tn_utf8_to_utf16(v->s, NULL) : 0;
    case TN_VT_U8: return 1;
    case TN_VT_U16: return 2;
    case TN_VT_U32: case TN_VT_HEX32: return 4;
    case TN_VT_U64: case TN_VT_HEX64: case TN_VT_FILETIME: return 8;
    case TN_VT_GUID: return 16;
    case TN_VT_SID: {
        uint32_t n = v->s ? tn_sid_encode(v->s, sid) : 0;
        if (!n)
            *type_out = TN_VT_NULL;
        return n;
    }
    default: *type_out = TN_VT_NULL; return 0;
    }
}

static void emit_value(tn_emit *m, uint8_t type, const tn_gval *v, const uint8_t *sid, uint32_t size)
{
    switch (type) {
    case TN_VT_STR:
        if (size && !m->full && m->pos + size <= TN_EVTX_RECORDS_END) {
            tn_utf8_to_utf16(v->s, m->c + m->pos);
            m->pos += size;
        } else if (size) {
            m->full = 1;
        }
        break;
    case TN_VT_U8: tn_emit_u8(m, (uint8_t)v->u); break;
    case TN_VT_U16: tn_emit_u16(m, (uint16_t)v->u); break;
    case TN_VT_U32: case TN_VT_HEX32: tn_emit_u32(m, (uint32_t)v->u); break;
    case TN_VT_U64: case TN_VT_HEX64: case TN_VT_FILETIME: tn_emit_u64(m, v->u); break;
    case TN_VT_GUID: tn_emit_u64(m, v->u); tn_emit_u64(m, v->u2); break;
    case TN_VT_SID: tn_emit_bytes(m, sid, size); break;
    default: break;
    }
}

/* System values at Windows' indices 0..12, then the event's fields. */
static void system_values(const tn_gen_event *e, uint64_t id, tn_gval *sv, uint8_t *st)
{
    const tn_gen_schema *sc = e->sc;
    static const uint8_t types[13] = {TN_VT_U8, TN_VT_U8, TN_VT_U16, TN_VT_U16, TN_VT_NULL,
                                      TN_VT_HEX64, TN_VT_FILETIME, TN_VT_NULL, TN_VT_U32,
                                      TN_VT_U32, TN_VT_U64, TN_VT_U8, TN_VT_SID};
    memset(sv, 0, 13 * sizeof(*sv));
    memcpy(st, types, 13);
    sv[0].u = sc->level;
    sv[1].u = sc->opcode;
    sv[2].u = sc->task;
    sv[3].u = sc->event_id;
    sv[5].u = sc->keywords;
    sv[6].u = e->time;
    sv[8].u = e->pid;
    sv[9].u = e->tid;
    sv[10].u = id;
    sv[11].u = sc->version;
    sv[12].s = e->user_sid;
}

void tn_emit_values(tn_emit *m, const tn_gen_event *e, uint64_t id)
{
    enum { NSYS = 13, NMAX = NSYS + TN_GEN_MAXF };
    tn_gval sv[NSYS];
    uint8_t st[NSYS];
    system_values(e, id, sv, st);
    uint32_t n = NSYS + e->sc->nfields, size[NMAX];
    uint8_t type[NMAX], sid[NMAX][68];
    const tn_gval *val[NMAX];
    for (uint32_t i = 0; i < n; i++) {
        val[i] = i < NSYS ? &sv[i] : &e->v[i - NSYS];
        size[i] = value_size(i < NSYS ? st[i] : e->sc->types[i - NSYS], val[i], sid[i], &type[i]);
    }
    tn_emit_u32(m, n);
    for (uint32_t i = 0; i < n; i++) {
        tn_emit_u16(m, (uint16_t)size[i]);
        tn_emit_u8(m, type[i]);
        tn_emit_u8(m, 0);
    }
    for (uint32_t i = 0; i < n; i++)
        emit_value(m, type[i], val[i], sid[i], size[i]);
}
