/* gz.h - gzip-compressed logs, read as they are stored (CloudTrail's
 * .json.gz, rotated logs' .gz): the JSON and auditd readers read the
 * decompressed bytes through this, from a file or from memory, and EVTX
 * is decompressed to a temporary file (read/evtx.c).
 *
 * zlib does the decompression; this adds what a log reader needs around
 * it: members one after another (gzip files joined by `cat` are one
 * file), and damage that costs as little as it can. Deflate data cannot
 * be resynchronised inside a member, so corrupt data costs the rest of
 * its member: reading resumes at the next gzip header, looked for from a
 * little before where zlib found the damage (damaged data can decode
 * past its member's end). When the damaged member's trailer gives its
 * size, the caller is told where that member's bytes lie in the output
 * (tn_gz_fix), so that what follows can stay where it belongs: an EVTX
 * file's chunks are found by their offsets. Truncation costs what is
 * missing; zero bytes after the last member (padding) are ignored, other
 * bytes that do not start a member are said. Each problem is said once,
 * with the byte of the file where it was found (tn_gz_problem). */
#ifndef TN_GZ_H
#define TN_GZ_H

#include "base/diag.h"

#include <stddef.h>
#include <stdint.h>

typedef struct tn_gz tn_gz;

/* Whether the n bytes at h start a gzip member (1f 8b, deflate). */
int tn_gz_is(const unsigned char *h, size_t n);

/* A reader of the compressed bytes of fd, a regular file, from its start
 * (read with pread; fd stays the caller's), or of p[0..n) (borrowed).
 * NULL: out of memory. */
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

/* After a problem: 1 when the damaged member's trailer gave its size, with
 * *start the offset in the decompressed output where that member began
 * and *size its decompressed length; the next member's bytes belong at
 * *start + *size, whatever was read of the damaged one (fewer bytes, or
 * more when its damaged data decoded past its end). 0 otherwise. */
int tn_gz_fix(tn_gz *g, uint64_t *start, uint64_t *size);

/* Whether the last read found a problem that tn_gz_report would print
 * (only then is its place worth finding: a file of false headers gives a
 * problem every few bytes). */
int tn_gz_will_show(const tn_gz *g);

/* Says the last read's problem on d as kind TN_P_GZIP, at where (NULL or
 * "line 12"), the first 20 of an input, then counts the rest. 1 if
 * there was one. */
int tn_gz_report(tn_gz *g, tn_diag *d, const char *file, const char *where);

void tn_gz_close(tn_gz *g);

#endif
