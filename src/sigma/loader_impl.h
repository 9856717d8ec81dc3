/* loader_impl.h - what loader.c (files, threads, replay) and loaddoc.c
 * (one YAML document into a rule, filter or correlation) share. */
#ifndef TN_SIGMA_LOADER_IMPL_H
#define TN_SIGMA_LOADER_IMPL_H

#include "base/arena.h"
#include "sigma/detect.h"
#include "sigma/ruleset_impl.h"
#include "sigma/value.h"
#include "sigma/yaml.h"
#include "sigma/ycache.h"

/* Largest rule file: as large or larger is refused (EFBIG). */
#define MAX_RULE_FILE ((size_t)64 << 20)

typedef struct loader {
    tn_ruleset *rs;
    const tn_rule_opts *o;
    tn_diag *d;
    const tn_placeholders *placeholders;
    tn_arena ph_arena;
    tn_arena scratch;      /* the walk's paths and reasons, freed after loading */
    tn_srule **all;        /* rules and filters, before filters are attached */
    uint32_t nall, cap;
    tn_corr **corrs;       /* correlations, before references are resolved */
    uint32_t ncorrs, capcorrs;
    pcre2_code **res;
    size_t nres, capres;
    tn_ycache *yc;         /* parsed trees of rule files (NULL: off) */
    tn_imemo *memo;        /* items compiled, shared by the units (detect.h) */
} loader;

/* What loading one file gave, in document order. */
typedef enum out_kind { OUT_REJECT, OUT_WARN, OUT_RULE, OUT_CORR } out_kind;

typedef struct out_item {
    out_kind kind;
    uint32_t line, col;    /* reject, warn */
    const char *file;      /* reject, warn */
    const char *why;       /* reject, warn */
    void *obj;             /* rule: tn_srule; corr: tn_corr */
} out_item;

typedef struct outlist {
    out_item *v;
    uint32_t n, cap;
    uint8_t oom;           /* loading stopped here, out of memory */
    uint8_t done;          /* loaded (a thread may stop before, on another's oom) */
} outlist;

/* One loading thread's state. While units run, the loader is only read. */
typedef struct unit {
    const loader *L;
    tn_arena *a;           /* rules and values of its files: the rule set owns it */
    tn_arena tree;         /* the YAML trees of the file being loaded: what the rules
                            * keep of them is copied to a, and the arena is reset
                            * after each file (its blocks reused), so the trees'
                            * 16 MB (SigmaHQ's Windows rules) are not all held, nor
                            * all faulted in, at once */
    pcre2_code **res;      /* regexes it compiled: moved to the rule set */
    size_t nres, capres;
    outlist *out;          /* the file being loaded */
    tn_imemo *memo;        /* the loader's: items compiled (NULL: out of memory, none kept) */
    char *text;            /* the file being loaded, read into a buffer kept for the next */
    int yaml_failed;       /* the file being loaded has a YAML error (said) */
    const char *src;       /* the text being loaded, when at hand (not from the cache) */
    size_t srclen;
    /* where condition errors are placed (loaddoc.c scalar_pos): the text
     * and its line starts, built once a file; pos_file says which file */
    const char *pos_file;
    const char *pos_src;
    char *pos_owned;       /* read again (a parse from the cache), or NULL */
    size_t pos_len, *pos_lines, pos_nl;
    size_t textcap;
} unit;

/* A rejection reported now: from the calling thread only. */
/* Records a rejection or a warning (when warnings are asked for) of the
 * document being loaded; file must outlive the replay. */
void tn_ld_reject(unit *U, const char *file, uint32_t line, uint32_t col, const char *why);
void tn_ld_warn(unit *U, const char *file, uint32_t line, uint32_t col, const char *why);
/* Records a rule (OUT_RULE) or a correlation (OUT_CORR): 0, or -1 out of memory. */
int tn_ld_out_obj(unit *U, out_kind kind, void *obj);
/* A scalar's text, or dflt (also for YAML's null). */
const char *tn_ld_str_or(const tn_ynode *n, const char *dflt);
/* s copied where the rule set keeps it; NULL only for NULL; *oom set when memory runs out. */
const char *tn_ld_keep_str(unit *U, const char *s, int *oom);
/* Compiles one document of file: 0, or -1 out of memory (a bad document is rejected, 0). */
int tn_ld_load_doc(unit *U, const tn_ynode *doc, const char *file);
/* Frees what scalar_pos kept of a file (at the end of each file). */
void tn_ld_pos_done(unit *U);

#endif
