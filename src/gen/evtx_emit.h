/* evtx_emit.h - BinXML emission into an EVTX chunk: names, templates, values. */
#ifndef TN_EVTX_EMIT_H
#define TN_EVTX_EMIT_H

#include "gen/gen.h"

#include <stdint.h>

#define TN_EVTX_CHUNK 65536u
#define TN_EVTX_CHUNK_HDR 512u
/* Records end before this offset: libevtx drops a last record that ends
 * exactly at the end of the chunk, and Windows never fills a chunk to the
 * last byte either. */
#define TN_EVTX_RECORDS_END (TN_EVTX_CHUNK - 64u)

/* Writes at pos into the 64 KiB chunk c; sets full instead of writing
 * past TN_EVTX_RECORDS_END, so a record that does not fit is detected once, at the
 * end, and redone in a fresh chunk. */
typedef struct tn_emit {
    uint8_t *c;
    uint32_t pos;
    int full;
} tn_emit;

static inline void tn_wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void tn_wr32(uint8_t *p, uint32_t v) { tn_wr16(p, (uint16_t)v); tn_wr16(p + 2, (uint16_t)(v >> 16)); }
static inline void tn_wr64(uint8_t *p, uint64_t v) { tn_wr32(p, (uint32_t)v); tn_wr32(p + 4, (uint32_t)(v >> 32)); }
static inline uint16_t tn_rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t tn_rd32(const uint8_t *p) { return tn_rd16(p) | (uint32_t)tn_rd16(p + 2) << 16; }

void tn_emit_bytes(tn_emit *m, const void *p, uint32_t n);
void tn_emit_u8(tn_emit *m, uint8_t v);
void tn_emit_u16(tn_emit *m, uint16_t v);
void tn_emit_u32(tn_emit *m, uint32_t v);
void tn_emit_u64(tn_emit *m, uint64_t v);

/* The template GUID of schema sc on a computer (hash seeds it). */
void tn_emit_guid_of(const tn_gen_schema *sc, uint64_t comp_hash, uint8_t guid[16]);
/* Chunk-relative offset of the template definition with this GUID in
 * the chunk's template table, or 0. */
uint32_t tn_emit_find_template(const uint8_t *c, const uint8_t guid[16]);
/* Writes a template definition (next, GUID, size, body) at m->pos and
 * links it into the template table. computer is a literal in the body. */
void tn_emit_template(tn_emit *m, const tn_gen_schema *sc, const uint8_t guid[16],
                      const char *computer);
/* Writes the substitution array of event e whose record id is id. */
void tn_emit_values(tn_emit *m, const tn_gen_event *e, uint64_t id);

/* UTF-16 units of a UTF-8 string; writes them when out is non-NULL. */
uint32_t tn_utf8_to_utf16(const char *s, uint8_t *out);
/* Binary SID from "S-1-5-21-..." text; returns its size (0 if bad). */
uint32_t tn_sid_encode(const char *s, uint8_t out[68]);

#endif
