/* crc32.h - CRC-32 (RFC 1952, as zlib) for EVTX chunk and file checksums. */
#ifndef TN_GEN_CRC32_H
#define TN_GEN_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continues crc over n bytes; start with crc = 0. Thread-safe. */
uint32_t tn_gen_crc32(uint32_t crc, const void *p, size_t n);

#endif
