/* rule.h - the compiled form of a Sigma rule, shared by compiler and matcher.
 *
 * A rule is a condition tree over search identifiers; a search identifier
 * is an OR of groups, a group an AND of items, an item one field with its
 * values (OR, or AND with |all), each value a compiled matcher. Everything
 * lives in the rule set's arena and is read-only after loading, so any
 * number of scanner threads can share it. */
#ifndef TN_SIGMA_RULE_H
#define TN_SIGMA_RULE_H

#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* Pattern bytes with these values are wildcards, not literals. */
#define TN_GLOB_STAR  '\x01'   /* any run of characters, possibly empty */
#define TN_GLOB_ONE   '\x02'   /* exactly one character (UTF-8 aware) */
#define TN_GLOB_DASH  '\x03'   /* one of - / en-dash em-dash horizontal-bar (windash) */

typedef enum tn_vkind {
    TN_V_GLOB,      /* string pattern (exact/prefix/suffix/contains/glob) */
    TN_V_RE,        /* PCRE2 regular expression */
    TN_V_NUM,       /* numeric compare (lt/lte/gt/gte, or a time part) */
    TN_V_CIDR,      /* IPv4/IPv6 network */
    TN_V_EXISTS,    /* field present (b=1) or absent (b=0) */
    TN_V_NULL,      /* field absent or empty */
    TN_V_FIELDREF,  /* compare with another field of the same event */
} tn_vkind;

typedef enum tn_gshape {
    TN_G_EXACT, TN_G_PREFIX, TN_G_SUFFIX, TN_G_CONTAINS, TN_G_GLOB,
} tn_gshape;

typedef enum tn_numop { TN_N_EQ, TN_N_LT, TN_N_LTE, TN_N_GT, TN_N_GTE } tn_numop;

typedef enum tn_timepart {
    TN_T_NONE, TN_T_MINUTE, TN_T_HOUR, TN_T_DAY, TN_T_WEEK, TN_T_MONTH, TN_T_YEAR,
} tn_timepart;

/* Which event member a field name reads. */
typedef enum tn_sysfield {
    TN_F_DATA,        /* EventData/UserData by name */
    TN_F_EVENTID, TN_F_CHANNEL, TN_F_COMPUTER, TN_F_PROVIDER, TN_F_PROVIDER_GUID,
    TN_F_LEVEL, TN_F_TASK, TN_F_OPCODE, TN_F_KEYWORDS, TN_F_RECORDID,
    TN_F_VERSION, TN_F_USERID, TN_F_PID, TN_F_TID, TN_F_TIME,
} tn_sysfield;

typedef struct tn_fieldname {
    const char *name;     /* Sigma name as written (before renames); NULL = keyword search */
    uint32_t len;
    tn_sysfield sys;
    uint32_t hash;        /* tn_name_hash(name, len): the evaluator probes its per-event
                           * name index without hashing the name again */
} tn_fieldname;

/* Sets f to name[0..len) (not copied) with its System member and hash. */
void tn_fieldname_init(tn_fieldname *f, const char *name, size_t len);

/* A value to compare a field with. What every kind reads comes first; what
 * one kind alone needs shares a union with the others' (set and read only
 * under that kind). An item's values are read one after another, and
 * with every field side by side a value took 168 bytes, three cache
 * lines; now 72. */
typedef struct tn_value {
    const char *s;         /* GLOB: pattern (lower-cased unless cased), literal for
                            * EXACT/PREFIX/SUFFIX/CONTAINS; FIELDREF: field name;
                            * RE: the literal every match contains, or NULL */
    uint32_t len;
    uint32_t lit;          /* GLOB, RE: 1 + id of the literal the prefilter scans
                            * for (atoms.c), 0 if none; absent from the event, the
                            * value cannot match */
    tn_vkind kind;
    tn_gshape shape;       /* GLOB; FIELDREF */
    uint8_t cased;         /* GLOB, FIELDREF: compare case-sensitively */
    uint8_t b;             /* EXISTS */
    uint8_t v6;            /* CIDR */
    uint8_t bits;          /* CIDR prefix length */
    uint8_t run;           /* RE: the regex is ^[set]{run_min,run_max}$ over ASCII bytes */
    uint8_t req_char;      /* RE: see req_count */
    union {
        struct {           /* GLOB */
            uint32_t head, tail;   /* shape GLOB: literal bytes before the first and after
                                    * the last wildcard, which a match must begin / end with */
            uint32_t mid, midlen;  /* shape GLOB: the longest literal run between two
                                    * wildcards (offset in s, length), which a match contains */
            uint32_t rare;         /* CONTAINS: offset in s of the byte least common in
                                    * Windows field values (tn_byte_rank), searched for first */
            uint8_t is_dec;        /* EXACT: s is a decimal number as System members are
                                    * written (digits, no leading zero, fits 64 bits)... */
            uint64_t dec;          /* ...of this value */
        };
        struct {           /* RE */
            pcre2_code *re;        /* JIT-compiled when possible */
            uint32_t req_count;    /* every match holds req_char this often (0: unknown) */
            uint32_t minlen;       /* every match is at least this many characters long */
            uint32_t run_min, run_max;
            uint64_t run_set[2];   /* run: bytes 0..127 of the set */
        };
        struct {           /* NUM */
            tn_numop op;
            tn_timepart tpart;     /* compare this part of a time value */
            double num;
        };
        uint8_t net[16];   /* CIDR, network order, host bits cleared */
        tn_fieldname ref;  /* FIELDREF */
    };
} tn_value;
_Static_assert(sizeof(tn_value) <= 72, "a value stays small: see above");

/* An item's many case-insensitive 'contains' values, found in one pass:
 * lower-cased byte pairs where some literal starts (a 1024-bit filter),
 * then the literals of that pair's hash compared in place. Measured: OR
 * lists of dozens of contains values (homoglyphs, obfuscation markers)
 * searched one by one were the costliest evaluations on real logs. */
#define TN_MULTI_BITS 1024
typedef struct tn_multi {
    uint64_t bits[TN_MULTI_BITS / 64];
    uint16_t start[TN_MULTI_BITS + 1];   /* literals of hash h: vals[start[h] .. start[h+1]) */
    uint16_t *vals;                       /* indices in the item's values */
    uint32_t nvals;
    uint8_t *in;                          /* per value of the item: 1 if it is one of vals */
    uint8_t high;                         /* every one of vals has a byte >= 0x80: a value
                                           * without one matches none of them */
    uint8_t nneed;                        /* 0, or every one of vals holds one of need[] */
    unsigned char need[4];
} tn_multi;

static inline uint32_t tn_multi_hash(unsigned char a, unsigned char b)
{
    return ((uint32_t)a * 31u + b) & (TN_MULTI_BITS - 1);
}

/* An OR item of CIDR values only (SigmaHQ's "not from a private range"
 * filters list eight networks): the field parsed once per family, then
 * compared with each network as masked words. Measured: value by value
 * (a typed_match and tn_cidr_match call each) such an item cost ~880
 * instructions, ~500 more than now (71,558 items, 256 MiB sample). */
typedef struct tn_cidr4 { uint32_t net, mask; } tn_cidr4;                /* host order */
typedef struct tn_cidr6 { uint64_t net[2], mask[2]; } tn_cidr6;          /* big-endian halves */
typedef struct tn_cidrs {
    const tn_cidr4 *v4;
    const tn_cidr6 *v6;
    uint32_t n4, n6;
} tn_cidrs;

typedef struct tn_item {
    tn_fieldname field;
    tn_value *values;
    uint32_t nvalues;
    uint8_t all;           /* values ANDed */
    uint8_t neq;           /* item is negated */
    uint8_t dec;           /* every value is_dec: a System number compares as an integer */
    uint8_t absent;        /* what the values give on an absent field (known when
                            * compiled): 1 only through |exists: false or null */
    uint8_t pure;          /* no value names another field (|fieldref): what the
                            * values give depends on the field's text alone
                            * (match/vmemo.h); 0 where not known */
    const tn_multi *multi; /* OR items with several contains values, or NULL */
    const tn_cidrs *cidrs; /* OR items of CIDR values only, or NULL */
} tn_item;

/* An OR of groups, each an AND of consecutive items. */
typedef struct tn_search {
    const char *name;
    tn_item *items;
    uint32_t nitems;
    uint32_t *group_end;   /* group g is items [g ? group_end[g-1] : 0, group_end[g]) */
    uint32_t ngroups;
} tn_search;

typedef enum tn_cop { TN_C_AND, TN_C_OR, TN_C_NOT, TN_C_REF, TN_C_ANY, TN_C_ALL } tn_cop;

/* Condition tree. REF names one search; ANY/ALL a set of searches
 * (1 of / all of); AND/OR have two children, NOT one (in a). */
typedef struct tn_cnode tn_cnode;
struct tn_cnode {
    tn_cop op;
    tn_cnode *a, *b;
    uint32_t ref;          /* REF: search index */
    uint32_t *refs;        /* ANY/ALL */
    uint32_t nrefs;
};

/* Where a rule's events are: a channel and EventIDs (none = any), with
 * field renames from Sigma names to this source's names. */
/* A field of a logsource that has another name in this source; values, if
 * set, translate the source's raw values into the ones rules use (pairs
 * raw, sigma; e.g. 5156's Direction %%14593 is Sysmon's Initiated true);
 * paths reads NT device paths as the DOS paths rules are written with
 * (5156's \device\harddiskvolume2\windows\... is C:\windows\...), or kernel
 * registry paths as Sysmon writes them (\REGISTRY\MACHINE\... is HKLM\...);
 * append joins another field on (4657's ObjectName and ObjectValueName
 * are Sysmon's TargetObject); sid reads a service account as Sysmon names
 * it (4688's S-1-5-18 is NT AUTHORITY\SYSTEM, where its SubjectUserName is
 * the machine account). */
typedef struct tn_rename {
    const char *from, *to;
    uint32_t from_len, to_len;
    const char *const *values;   /* 2 * nvalues strings, or NULL */
    uint32_t nvalues;
    uint8_t paths;               /* TN_PATHS_*: how to read the source's paths (or, ACCESS,
                                  * its access list's %%NNNN codes) */
    const char *append;          /* a field whose value is joined on with a backslash, or NULL */
    uint32_t append_len;
    const char *sid;             /* a field holding the account's SID, or NULL: a well-known
                                  * service SID reads as Sysmon names it (tn_sid_account) */
    uint32_t sid_len;
    const char *when;            /* a data field that must be set (tn_field_unset) for this
                                  * rename to be read, else alt is: 4688's TargetLogonId is
                                  * 0x0, not '-', when no target is named; or NULL */
    uint32_t when_len;
    const struct tn_rename *alt; /* how the field reads when to is absent, empty or '-',
                                  * or when is unset (else: 4688's Target* when the new
                                  * process runs as its creator), or NULL */
    tn_fieldname target;         /* to as a field (System member, name hash), set with
                                  * tn_rename_prepare; target.name NULL: not prepared */
    uint8_t data;                /* to is the data field of that name even when a System
                                  * member has it too (System 104's UserData Channel) */
} tn_rename;
enum { TN_PATHS_AS_IS, TN_PATHS_DEVICE, TN_PATHS_REGISTRY, TN_PATHS_ACCESS };
/* A source's test of its events beyond channel and EventID: field, read
 * through the source's renames, equals one of vals (ASCII case ignored).
 * Sysmon 12 is registry_add only with EventType CreateKey, and
 * registry_delete only with DeleteKey or DeleteValue. */
typedef struct tn_where {
    tn_fieldname field;
    const char *const *vals;
    uint32_t nvals;
} tn_where;
/* A Sigma field name's bit in tn_source.rename_bits (its hash's top bits:
 * tn_fieldname.hash). The evaluator's one-probe lookup was kept from every
 * event of a source with renames (the Security log's, since session 25:
 * ~54 M instructions more on the 256 MiB bench file); it now is only from
 * the names that may be renamed. */
#define TN_RENAME_BIT(hash) ((uint64_t)1 << ((hash) >> 26))

typedef struct tn_source {
    const char *channel;
    uint32_t *eids;
    uint32_t neids;
    const tn_rename *renames;
    uint32_t nrenames;
    uint64_t rename_bits;      /* TN_RENAME_BIT of each rename's Sigma name: a field
                                * whose bit is clear is not renamed here */
    const char **fields;       /* the EventData fields this source has; NULL = unknown */
    uint32_t nfields;
    const tn_where *where;     /* every one must hold (none: every event of the
                                * channel and EventIDs) */
    uint32_t nwhere;
} tn_source;

typedef struct tn_srule tn_srule;
struct tn_srule {
    const char *id, *title, *level, *status, *file;
    const char *name;          /* optional unique name (correlations refer to it) */
    uint8_t corr_only;         /* referenced by a correlation without generate: matches
                                * feed the correlation but are not reported alone */
    const char *product, *category, *service;
    const char **tags;
    uint32_t ntags;
    uint32_t line, col;
    tn_search *searches;
    uint32_t nsearches;
    tn_cnode *cond;
    const tn_source *sources;   /* NULL with nsources 0: no logsource constraint */
    uint32_t nsources;
    uint8_t never;             /* logsource cannot be in Windows event logs */
    uint8_t is_filter;         /* a global filter document, not a rule */
    const char **filter_rules; /* filter: ids/titles of the rules it applies to */
    uint32_t nfilter_rules;
    uint32_t *filter_at;       /* filter: per name, its line and column (2 each) */
    uint8_t filter_any;        /* filter: 'rules: any' (a scalar; a list item 'any' names a rule) */
    uint32_t id_at[4];         /* line and column of 'id', then of 'name' (0: none) */
    tn_srule **filters;        /* rule: filters that suppress its matches */
    uint32_t nfilters;
    uint32_t filter_ix;        /* filter: its place among the rule set's filters */
    const tn_rename *aliases;  /* global field aliases (shared) */
    uint32_t naliases;
};

#endif
