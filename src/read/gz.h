/* gz.h - gzip-compressed logs, read as they are stored (CloudTrail's
 * .json.gz, rotated logs' .gz): the JSON and auditd readers read the
 * decompressed bytes through this, from a file or from memory.
 *
 * zlib does the decompression; this adds what a log reader needs around
 * it: members one after another (gzip files joined by `cat` are one
 * file), and damage that costs as little as it can. Deflate data cannot
 * be resynchronised inside a member, so corrupt data costs the rest of
 * its member: reading resumes at the next gzip header found after it.
 * Truncation costs what is missing; bytes after the last member that do
 * not start a member are ignored. Each is said once, with the byte of the
 * file where it was found (tn_gz_problem). */
#ifndef TN_GZ_H
#define TN_GZ_H

#include <stddef.h>
#include <stdint.h>

typedef struct tn_gz tn_gz;

/* Whether the n bytes at h start a gzip member (1f 8b, deflate). */
int tn_gz_is(const unsigned char *h, size_t n);

/* A reader of the compressed bytes on fd from its current position (fd
 * stays the caller's), or in p[0..n) (borrowed). NULL: out of memory. */
tn_gz *tn_gz_open_fd(int fd);
tn_gz *tn_gz_open_mem(const void *p, size_t n);

/* Up to n decompressed bytes into dst: the count, 0 at the end,
 * TN_GZ_AGAIN when the read found a problem before any byte (say it, and
 * read on), or -1 when the file cannot be read (errno; ENOMEM too).
 * Damage is not an error: what can be read is, and tn_gz_problem says
 * what was lost. A read stops at a problem, so each is said alone. */
#define TN_GZ_AGAIN (-2)
long tn_gz_read(tn_gz *g, void *dst, size_t n);

/* What the last tn_gz_read found lost ("gzip data corrupt (invalid block
 * type) at byte 812 of the file: 3,410 bytes skipped, to the next gzip
 * member at byte 4222"), once, or NULL; *at is where it lies in that
 * read's bytes: at their end (or 0 with TN_GZ_AGAIN). Valid until the
 * next tn_gz_read. */
const char *tn_gz_problem(tn_gz *g, size_t *at);

void tn_gz_close(tn_gz *g);

#endif
