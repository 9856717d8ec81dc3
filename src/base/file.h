/* file.h - read a whole (small) file into memory: rules, maps, configs;
 * write a buffer out whole; make a folder and its parents. */
#ifndef TN_FILE_H
#define TN_FILE_H

#include <stddef.h>

/* Reads path into a new buffer (*out, freed with tn_free; not NUL-
 * terminated past *len) of at most max bytes. Returns 0, or -1 with errno
 * set (EFBIG past max, ENOMEM, or the open/read error). Logs are never read
 * this way: they are streamed. */
int tn_file_read(const char *path, size_t max, char **out, size_t *len);

/* Writes all n bytes of p to fd: short writes continue, EINTR retries, a
 * non-blocking descriptor is waited for. 0, or -1 with errno set. */
int tn_write_all(int fd, const void *p, size_t n);

/* Creates folder dir and its missing parents (mode 0700; dir is modified
 * while working and restored). 0, or -1 with errno set. */
int tn_mkdirs(char *dir);

#endif
