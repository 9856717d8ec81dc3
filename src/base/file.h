/* file.h - read (or map) a whole (small) file into memory: rules, maps,
 * configs, caches; write a buffer out whole; make a folder and its
 * parents; temporary files. */
#ifndef TN_FILE_H
#define TN_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Reads path into a new buffer (*out, freed with tn_free; not NUL-
 * terminated past *len) of at most max bytes. Returns 0, or -1 with errno
 * set (EFBIG past max, ENOMEM, or the open/read error). Logs are never read
 * this way: they are streamed. */
int tn_file_read(const char *path, size_t max, char **out, size_t *len);

/* As tn_file_read, but a regular file that is not empty is mapped (read-
 * only, private) instead of copied: for the caches (sigma/hscache.c,
 * sigma/ycache.c), whose pages are then shared with the page cache and
 * faulted in 16 at a time, not copied into fresh memory a page fault
 * each (their 10 MB and 4 MB were ~3,500 of the 18,650 page faults of
 * loading the 2,872 Windows rules). *mapped says which; release with
 * tn_file_release. A mapped file truncated by another process while in
 * use would fault (SIGBUS): the caches are only ever replaced by rename. */
int tn_file_map(const char *path, size_t max, char **out, size_t *len, int *mapped);
void tn_file_release(char *p, size_t len, int mapped);

/* Writes all n bytes of p to fd: short writes continue, EINTR retries, a
 * non-blocking descriptor is waited for. 0, or -1 with errno set. */
int tn_write_all(int fd, const void *p, size_t n);

/* Writes all n bytes of p to the file fd at offset off (pwrite): short
 * writes continue, EINTR retries. 0, or -1 with errno set. */
int tn_pwrite_all(int fd, const void *p, size_t n, uint64_t off);

/* Creates folder dir and its missing parents (mode 0700; dir is modified
 * while working and restored). 0, or -1 with errno set. */
int tn_mkdirs(char *dir);

/* Where temporary files go: $TMPDIR, else /tmp. */
const char *tn_temp_dir(void);
/* A new temporary file in tn_temp_dir(), already unlinked (gone at exit
 * whatever happens), open for reading and writing: O_TMPFILE where the
 * file system has it, else a named file unlinked at once. The descriptor,
 * or -1 with errno set (tmpfile(3) and hard-coded /tmp ignored TMPDIR). */
int tn_temp_fd(void);
/* The same as a stream ("w+b"), or NULL with errno set. */
FILE *tn_temp_file(void);

#endif
