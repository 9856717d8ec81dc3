/* evtx_crc.h - CRC-32 (the zlib/IEEE polynomial) for EVTX checksums. */
#ifndef TN_EVTX_CRC_H
#define TN_EVTX_CRC_H

#include <stddef.h>
#include <stdint.h>

/* Same contract and result as zlib's crc32(crc, p, n): pass 0 to start,
 * or a previous result to continue. Thread-safe. */
uint32_t tn_evtx_crc32(uint32_t crc, const uint8_t *p, size_t n);

#endif
