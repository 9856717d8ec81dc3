/* test_evtx_crc.c - the folding CRC-32 equals zlib's on every length and
 * alignment around its block sizes, from any starting value. */
#include "tn_test.h"

#include "read/evtx_crc.h"

#include <stdint.h>
#include <zlib.h>

TN_TEST(test_evtx_crc32_matches_zlib)
{
    static uint8_t b[65536 + 64];
    uint32_t x = 2463534242u; /* xorshift: any bytes will do */
    for (size_t i = 0; i < sizeof(b); i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        b[i] = (uint8_t)x;
    }
    long bad = 0;
    for (size_t off = 0; off < 16; off++)
        for (size_t n = 0; n < 300; n++) {
            bad += tn_evtx_crc32(0, b + off, n) != (uint32_t)crc32(0, b + off, (uInt)n);
            bad += tn_evtx_crc32(x, b + off, n) != (uint32_t)crc32(x, b + off, (uInt)n);
        }
    for (size_t n = 65536 - 520; n <= 65536; n += 13)
        bad += tn_evtx_crc32(0, b + 3, n) != (uint32_t)crc32(0, b + 3, (uInt)n);
    /* in two parts, as the chunk header is summed around its checksum */
    bad += tn_evtx_crc32(tn_evtx_crc32(0, b, 120), b + 128, 384) !=
           (uint32_t)crc32(crc32(0, b, 120), b + 128, 384);
    CHECK_INT(bad, 0);
}
