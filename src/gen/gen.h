/* gen.h - the synthetic event the generator emits and its writers read. */
#ifndef TN_GEN_H
#define TN_GEN_H

#include <stdint.h>

/* BinXML value types used by the generator (MS-EVEN6 numbering). */
enum {
    TN_VT_NULL = 0x00,
    TN_VT_STR = 0x01,      /* UTF-16 string; value in s (UTF-8) */
    TN_VT_U8 = 0x04,
    TN_VT_U16 = 0x06,
    TN_VT_U32 = 0x08,
    TN_VT_U64 = 0x0a,
    TN_VT_GUID = 0x0f,     /* 16 bytes: u = low 8 bytes, u2 = high 8 bytes */
    TN_VT_FILETIME = 0x11,
    TN_VT_SID = 0x13,      /* value in s as "S-1-5-..." text */
    TN_VT_HEX32 = 0x14,
    TN_VT_HEX64 = 0x15,
};

enum { TN_CH_SECURITY, TN_CH_SYSTEM, TN_CH_SYSMON, TN_CH__COUNT };

#define TN_GEN_MAXF 28

/* FILETIME units (100 ns). */
#define TN_FT_MS 10000ull
#define TN_FT_SEC 10000000ull
#define TN_FT_MIN (60ull * TN_FT_SEC)
#define TN_FT_HOUR (3600ull * TN_FT_SEC)
#define TN_FT_DAY (86400ull * TN_FT_SEC)

/* One event type: the static part of a template and its fields. A
 * schema with userdata set writes <UserData><userdata xmlns=ns>
 * <Field>..</Field></userdata></UserData> instead of EventData. */
typedef struct tn_gen_schema {
    const char *key;            /* unique short name, e.g. "4624" */
    const char *provider;
    const char *provider_guid;  /* NULL: no Guid attribute */
    const char *source_name;    /* NULL: no EventSourceName attribute */
    uint8_t channel;            /* TN_CH_* */
    uint16_t event_id;
    int32_t qualifiers;         /* -1: none */
    uint8_t version, level, opcode;
    uint16_t task;
    uint64_t keywords;
    const char *userdata;       /* NULL: EventData */
    const char *userdata_ns;
    uint8_t nfields;
    const char *names[TN_GEN_MAXF];
    uint8_t types[TN_GEN_MAXF];
} tn_gen_schema;

/* A value: numbers in u, strings and SIDs in s (UTF-8, borrowed). */
typedef struct tn_gval {
    uint64_t u, u2;
    const char *s;
} tn_gval;

/* One generated event. Strings are borrowed from the generator's
 * per-host-day arena and live until the event has been written. */
typedef struct tn_gen_event {
    const tn_gen_schema *sc;
    uint64_t time;          /* FILETIME, also the record's written time */
    uint32_t pid, tid;      /* Execution attributes */
    const char *user_sid;   /* Security/@UserID; NULL: none */
    uint32_t seq;           /* generation order, breaks time ties */
    uint16_t tag;           /* technique of a malicious event; 0 = benign */
    tn_gval v[TN_GEN_MAXF];
} tn_gen_event;

extern const char *const tn_channel_names[TN_CH__COUNT];
extern const char *const tn_channel_files[TN_CH__COUNT];

#endif
