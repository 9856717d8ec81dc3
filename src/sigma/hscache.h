/* hscache.h - compiled Vectorscan literal databases, cached on disk.
 *
 * Compiling the literal database of SigmaHQ's whole rule set (about 17,000
 * literals) takes 0.4-0.7 s: more than parsing a 256 MiB EVTX file, and
 * paid again by every run with the same rules. A serialized database loads
 * in under a millisecond. The cache is keyed by the exact compile input
 * (every literal, its flags and id, and the library's version); a file is
 * used only when that input compares equal byte for byte and its checksum
 * holds, so a stale, foreign or damaged file only costs a compile. Sets
 * of fewer than 256 literals are not cached (they compile in
 * milliseconds), and only the 8 most recently used files are kept.
 *
 * Where: $TANSA_CACHE if set ("off" or empty: no cache), else
 * $XDG_CACHE_HOME/tansa, else $HOME/.cache/tansa. */
#ifndef TN_SIGMA_HSCACHE_H
#define TN_SIGMA_HSCACHE_H

#include <hs/hs.h>
#include <stddef.h>

/* How the databases were obtained. */
enum { TN_HSDB_COMPILED = 0, TN_HSDB_CACHED = 1 };

/* One literal database's compile input (hs_compile_lit_multi's). */
typedef struct tn_hslits {
    const char *const *lits;
    const unsigned *flags, *ids;
    const size_t *lens;
    unsigned n;
} tn_hslits;

/* Block-mode literal databases for nsets inputs, all from one cache file
 * when possible, else compiled and then stored together; made on up to
 * threads threads (the databases are the same for any number). Returns 0
 * with dbs[0..nsets) set (and *how, if not NULL), or -1 when one cannot
 * be compiled (dbs then all NULL). Cache errors are silent: they only
 * cost the compile. Databases read from the cache may all lie in one
 * region, *mem (*mem_len bytes, from tn_huge_alloc): then they are freed
 * with it (tn_huge_free), not with hs_free_database; else *mem is NULL. */
int tn_hscache_lit_dbs(const tn_hslits *sets, unsigned nsets, hs_database_t **dbs, int *how,
                       int threads, void **mem, size_t *mem_len);

/* The cache folder in effect (for --help and diagnostics), or NULL when
 * caching is off. Written into buf. */
const char *tn_hscache_dir(char *buf, size_t size);

#endif
