/* ycache.h - parsed YAML trees of rule files, cached on disk.
 *
 * Loading SigmaHQ's 2,872 Windows rules cost ~1.05 G instructions, 714 M
 * of them (68%) in tn_yaml_parse: libyaml's tokenizer and its malloc/free,
 * ~100 instructions per byte of YAML, paid again by every run for the same
 * files. libyaml stays the parser; this caches what it produced: each
 * successfully parsed file's node trees, serialized in preorder, keyed by
 * the file's content (a 128-bit hash of the bytes, and their length; never
 * the path, so an edited file is parsed again). A file index beside it
 * (below) lets a load skip reading files whose stat is unchanged. A cached tree is
 * rebuilt into the loading thread's arena node for node (kind, text,
 * plain, line, column, count, shape), so the loader and every report are
 * unchanged. Files that fail to parse are never cached: they are parsed
 * again and report the same error. Nor are files whose aliases expand to
 * more than two nodes per byte of text or nest deeper than the parser
 * allows (SigmaHQ's rules use no aliases).
 *
 * One file holds the entries of every rule set loaded (yaml-trees.tnyc).
 * It is read once before loading; lookups are then read-only and safe on
 * the loading threads; new entries are gathered and the file is rewritten
 * once at the end by the calling thread, only when there were some (a
 * fully cached load writes nothing). The rewrite keeps this load's entries
 * first, then older unused ones up to 64 MiB. Every entry has a checksum,
 * and every length, count and kind is checked while rebuilding: a damaged
 * or foreign file only costs the parse.
 *
 * Measured (callgrind, 1 thread, the 2,872 Windows rules, tn_ruleset_load
 * inclusive): 1,053 M instructions before; 378 M with this cache warm
 * (decoding 27 M and hashing the files 4.6 M instead of 714 M of
 * parsing); 1,107 M cold (+44 M encoding and checksumming the trees,
 * +5 M hashing the files, the rest writing the 4.2 MB file). Wall time of that load, 10 runs: 0.44-0.56 s before,
 * 0.26-0.37 s warm, 0.42-0.56 s cold.
 *
 * Where: the folder of hscache.h (tn_hscache_dir: $TANSA_CACHE, "off" or
 * empty for no cache, else $XDG_CACHE_HOME/tansa or $HOME/.cache/tansa).
 * The format and the tree builder's version (TN_YAML_TREES in yaml.h) are
 * in the file's header: a file from another version is ignored. */
#ifndef TN_SIGMA_YCACHE_H
#define TN_SIGMA_YCACHE_H

#include "base/arena.h"
#include "base/buf.h"
#include "sigma/yaml.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* A file's content key: its hash and length. */
typedef struct tn_ykey {
    uint64_t h[2];
    uint64_t len;
} tn_ykey;

void tn_ykey_of(const char *text, size_t len, tn_ykey *k);

typedef struct tn_ycache tn_ycache;

/* The cache of the cache folder in effect, or NULL when caching is off or
 * out of memory (a missing or unusable file gives an empty cache). */
tn_ycache *tn_ycache_open(void);

/* The cache file at path (for tests and the fuzz target). */
tn_ycache *tn_ycache_open_file(const char *path);

/* The cache of a file's bytes (data is copied), as if read from disk. */
tn_ycache *tn_ycache_from_bytes(const void *data, size_t len);

/* Rebuilds the cached trees of the content k into st, in a. Returns 0, or
 * -1 on a miss (st then empty). Thread-safe: the cache is only read. */
int tn_ycache_get(tn_ycache *c, const tn_ykey *k, tn_arena *a, tn_ystream *st);

/* Records a freshly parsed stream of content k, unless it is too large to
 * be worth it (see above). Thread-safe. */
void tn_ycache_put(tn_ycache *c, const tn_ykey *k, const tn_ystream *st);

/* tn_yaml_parse through the cache c (NULL: none): the cached trees of
 * text when there are some, else parsed and, if it parses, put. */
int tn_ycache_parse(tn_ycache *c, const char *text, size_t len, tn_arena *a, tn_ystream *st,
                    char *err, size_t errlen, uint32_t *line, uint32_t *col);

/* ---- the file index: rule files known by stat, not read ----
 *
 * Reading a rule file only to hash it was a third of loading's system
 * time (open, fstat, two reads, close, and the path lookups, on 2,872
 * files), and hashing it 10 M instructions. A second file beside the
 * trees (yaml-files.tnyf) maps what stat says of a file (device, inode,
 * size, mtime and ctime, to the nanosecond) to its content key, as git's
 * index does. Any write to the file changes its ctime, which no program
 * can set back, so a file whose stat is unchanged has the content it had
 * when it was read. A file is only recorded when its mtime and ctime are
 * at least 2 seconds older than the read: a write in the same clock tick
 * as the read could otherwise leave both unchanged (git's "racy clean"
 * files). On any mismatch, or when the trees of the key are not in the
 * cache, the file is read and hashed as before. */
typedef struct tn_yfile {
    uint64_t dev, ino, size, mtime, ctime;   /* times in ns since the epoch */
} tn_yfile;

/* A file's identity from its stat: 0, or -1 when it is not a regular
 * file (then it is always read). */
int tn_yfile_of(const struct stat *sb, tn_yfile *f);

/* The cached trees of the file f, when the index knows its content and
 * the trees of that content are cached: 0, else -1 (st then empty). */
int tn_ycache_get_file(tn_ycache *c, const tn_yfile *f, tn_arena *a, tn_ystream *st);

/* tn_ycache_parse for text read from a file that fstat described as f
 * (NULL: unknown): when it parses and f is old enough, f is recorded. */
int tn_ycache_parse_file(tn_ycache *c, const tn_yfile *f, const char *text, size_t len,
                         tn_arena *a, tn_ystream *st, char *err, size_t errlen, uint32_t *line,
                         uint32_t *col);

/* Puts a file index's bytes (copied) in c, as if read from disk (for
 * tests and the fuzz target): 0, or -1 out of memory. */
int tn_ycache_files_from_bytes(tn_ycache *c, const void *data, size_t len);

/* The index file image tn_ycache_close would write (for tests): 0, or -1
 * when there would be nothing to write. */
int tn_ycache_files_image(tn_ycache *c, tn_buf *out);

/* Writes the files if entries were put (atomically, by rename), then frees
 * the cache. Errors are silent. NULL is a no-op. */
void tn_ycache_close(tn_ycache *c);

/* Frees without writing. */
void tn_ycache_free(tn_ycache *c);

/* The file image tn_ycache_close would write (for tests): 0, or -1 when
 * there would be nothing to write. */
int tn_ycache_image(tn_ycache *c, tn_buf *out);

/* The serialized trees of st, as stored in an entry: 0, or -1 when st
 * is not cacheable (for tests and the fuzz target). */
int tn_ytree_encode(const tn_ystream *st, uint64_t text_len, tn_buf *out);

/* Rebuilds trees from an entry's bytes: 0, or -1 when they are not a
 * valid encoding. */
int tn_ytree_decode(const void *data, size_t len, tn_arena *a, tn_ystream *st);

/* The checksum of the cache's index and entries (for the fuzz target,
 * which makes files whose checksums hold). */
uint64_t tn_ycache_check(const void *p, size_t n);

#endif
