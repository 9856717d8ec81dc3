/* crc32.c - slicing-by-8 CRC-32: EVTX checksums every chunk, so speed matters.
 *
 * The eight tables are built once on first use; each step folds eight
 * input bytes with eight table look-ups instead of one per byte. */
#include "gen/crc32.h"

#include <pthread.h>
#include <string.h>

static uint32_t tab[8][256];
static pthread_once_t tab_once = PTHREAD_ONCE_INIT;

static void tab_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        tab[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            tab[t][i] = (tab[t - 1][i] >> 8) ^ tab[0][tab[t - 1][i] & 0xff];
}

uint32_t tn_gen_crc32(uint32_t crc, const void *p, size_t n)
{
    const uint8_t *b = p;
    pthread_once(&tab_once, tab_init);
    crc = ~crc;
    while (n >= 8) {
        uint32_t lo, hi;
        memcpy(&lo, b, 4);
        memcpy(&hi, b + 4, 4);
        lo ^= crc;
        crc = tab[7][lo & 0xff] ^ tab[6][(lo >> 8) & 0xff] ^ tab[5][(lo >> 16) & 0xff] ^
              tab[4][lo >> 24] ^ tab[3][hi & 0xff] ^ tab[2][(hi >> 8) & 0xff] ^
              tab[1][(hi >> 16) & 0xff] ^ tab[0][hi >> 24];
        b += 8;
        n -= 8;
    }
    while (n--)
        crc = tab[0][(crc ^ *b++) & 0xff] ^ (crc >> 8);
    return ~crc;
}
