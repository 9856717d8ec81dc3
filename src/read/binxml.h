/* binxml.h - Windows binary XML (BinXML) as found in EVTX chunks: a parsed
 * tree with template substitutions, and its XML and JSON renderings. */
#ifndef TN_BINXML_H
#define TN_BINXML_H

#include "base/arena.h"
#include "base/buf.h"

#include <stddef.h>
#include <stdint.h>

/* Value types (libyal: "Value types"). The array flag is 0x80. */
enum {
    BX_T_NULL = 0x00, BX_T_STRING = 0x01, BX_T_ANSI = 0x02,
    BX_T_INT8 = 0x03, BX_T_UINT8 = 0x04, BX_T_INT16 = 0x05, BX_T_UINT16 = 0x06,
    BX_T_INT32 = 0x07, BX_T_UINT32 = 0x08, BX_T_INT64 = 0x09, BX_T_UINT64 = 0x0a,
    BX_T_REAL32 = 0x0b, BX_T_REAL64 = 0x0c, BX_T_BOOL = 0x0d, BX_T_BINARY = 0x0e,
    BX_T_GUID = 0x0f, BX_T_SIZET = 0x10, BX_T_FILETIME = 0x11, BX_T_SYSTIME = 0x12,
    BX_T_SID = 0x13, BX_T_HEX32 = 0x14, BX_T_HEX64 = 0x15, BX_T_EVTHANDLE = 0x20,
    BX_T_BINXML = 0x21, BX_T_EVTXML = 0x23, BX_T_ARRAY = 0x80,
};

/* Node kinds of the parsed tree. */
enum {
    BX_ELEM = 1,   /* element: name, attrs (list of BX_ATTR), child list */
    BX_ATTR,       /* attribute: name, child list of value nodes */
    BX_VALUE,      /* literal value: vtype, data/size */
    BX_SUBST,      /* substitution: index in the template instance's values */
    BX_CDATA,      /* CDATA section: UTF-16 data/size */
    BX_CHARREF,    /* &#N; : index holds the code unit */
    BX_ENTREF,     /* &name; */
    BX_PI,         /* <?target data?>: name = target, data/size = UTF-16 data */
    BX_TEMPLATE,   /* template instance: tmpl + values */
};

typedef struct bx_name {
    const char *s;   /* UTF-8, NUL-terminated */
    uint32_t len;
    uint8_t plain;   /* 1: nothing in it needs JSON escaping (the rule) */
} bx_name;

typedef struct bx_node bx_node;
typedef struct bx_template bx_template;

/* One value of a template instance. For BX_T_BINXML the nested fragment is
 * parsed once, into tree. */
typedef struct bx_value {
    const uint8_t *data;
    bx_node *tree;       /* BX_T_BINXML only */
    uint16_t size;
    uint8_t type;
} bx_value;

struct bx_node {
    bx_node *next;          /* sibling */
    bx_node *child;         /* ELEM and ATTR: first child */
    bx_node *attrs;         /* ELEM: first attribute */
    const bx_name *name;    /* ELEM, ATTR, ENTREF, PI */
    const uint8_t *data;    /* VALUE, CDATA, PI: raw bytes in the chunk */
    bx_template *tmpl;      /* TEMPLATE */
    bx_value *values;       /* TEMPLATE */
    uint32_t size;          /* bytes at data; TEMPLATE: number of values */
    uint16_t index;         /* SUBST: value index; CHARREF: code unit */
    uint8_t kind;
    uint8_t vtype;          /* VALUE, SUBST: value type */
    uint8_t optional;       /* SUBST: optional substitution */
};

struct bx_template {
    uint32_t offset;        /* definition offset in the chunk */
    bx_node *root;          /* the fragment's nodes */
    uint8_t guid[16];
    uint32_t ident;         /* render_json.c: 0 not yet known, 1 none, else
                               2 + its number among equal templates of
                               every chunk read on this thread */
};

/* Per-chunk parse context: the chunk bytes, caches of names and templates,
 * and the arena that holds every node until the next chunk. One per thread. */
typedef struct bx_chunk {
    const uint8_t *base;    /* chunk start: all offsets are relative to it */
    uint8_t *io;            /* 64 KiB buffer the EVTX reader fills (owned) */
    uint32_t size;          /* bytes readable from base (65536 normally) */
    tn_arena arena;
    struct bx_cache *cache; /* name and template caches (private) */
    struct bx_walk *walk;   /* render scratch, kept across chunks (private) */
    const char *error;      /* last parse error, static text */
    uint32_t error_off;     /* offset of the last error in the chunk */
} bx_chunk;

int bx_chunk_init(bx_chunk *c);
/* Start a new chunk; drops all nodes, names and templates of the last. */
void bx_chunk_reset(bx_chunk *c, const uint8_t *base, uint32_t size);
void bx_chunk_free(bx_chunk *c);

/* Parse the BinXML stream at chunk offset off (at most len bytes) into a
 * list of top-level nodes. Returns NULL with c->error set on malformed
 * input; no partial tree is returned. */
bx_node *bx_parse(bx_chunk *c, uint32_t off, uint32_t len);

/* Rendering appends one record's tree (the list bx_parse returned) to out.
 * They use the chunk's scratch space and may fail on hostile trees that
 * expand past a fixed budget; then they return -1 with c->error set. */
int bx_render_xml(bx_chunk *c, const bx_node *nodes, tn_buf *out);
int bx_render_json(bx_chunk *c, const bx_node *nodes, tn_buf *out);

/* Value text as XML/evtx_dump show it (no escaping). Appends to out.
 * Returns 0, or -1 for a type tansa cannot show (appended nothing). */
int bx_value_text(uint8_t type, const uint8_t *data, uint32_t size, tn_buf *out);
/* Value as an unsigned integer when it is one (int types, bool, hex, size_t);
 * strings of decimal digits parse too. Returns 0 or -1. */
int bx_value_u64(uint8_t type, const uint8_t *data, uint32_t size, uint64_t *out);

/* Size of a fixed-size scalar type, 0 for variable-size types. */
uint32_t bx_scalar_size(uint8_t type);
/* Iterate the elements of an array value (type has BX_T_ARRAY): sets
 * elem and elen to the next element from *pos and returns 1, or 0 at end. */
int bx_array_next(uint8_t type, const uint8_t *data, uint32_t size, uint32_t *pos,
                  const uint8_t **elem, uint32_t *elen);

/* Walking helpers shared by the renderers and the event extractor: a
 * cursor resolves substitutions and nested BinXML transparently. */
typedef struct bx_scope {
    const bx_value *values;
    uint32_t nvalues;
    const struct bx_scope *up;
} bx_scope;

/* A value that makes its substitution vanish: null, or empty and not a
 * string. */
static inline int bx_value_null(const bx_value *v)
{
    return v->type == BX_T_NULL || (v->size == 0 && v->type != BX_T_STRING);
}

/* The value a SUBST node stands for in scope, or NULL if absent/null. */
const bx_value *bx_subst_value(const bx_node *n, const bx_scope *s);

#endif
