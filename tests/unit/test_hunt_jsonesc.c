/* test_hunt_jsonesc.c - the hunt's block-wise JSON escaping (hunt/jsonesc.h)
 * equals tn_buf_json_str on random strings rich in what needs escaping
 * (quotes, backslashes, controls, bytes above 0x7f), at every length up to
 * a few blocks and every position relative to the 16- and 8-byte steps,
 * each in a buffer of exactly its size (so that ASan sees any read past
 * the end). */
#include "tn_test.h"

#include "base/buf.h"
#include "base/utf8.h"
#include "hunt/jsonesc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

TN_TEST(test_json_esc_matches_buf_json_str)
{
    static const char special[] = {'"', '\\', '\n', '\r', '\t', '\b', '\f', 0x01, 0x1f, 0x00,
                                   0x20, 0x7f, (char)0x80, (char)0xA2, (char)0xDC, (char)0xFF};
    uint32_t seed = 12345;
    tn_buf a, b;
    tn_buf_init(&a);
    tn_buf_init(&b);
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = rnd(&seed) % 70;
        char *s = malloc(n ? n : 1);
        /* a string of plain letters with a few special bytes, or none */
        uint32_t density = rnd(&seed) % 4;   /* 0: none */
        for (size_t i = 0; i < n; i++) {
            s[i] = (char)('a' + rnd(&seed) % 26);
            if (density && rnd(&seed) % (density * 8) == 0)
                s[i] = special[rnd(&seed) % sizeof(special)];
            /* valid UTF-8 too, whole or cut by the string's end */
            static const char *const mb[] = {"\xC3\xA9", "\xE6\x97\xA5", "\xF0\x9F\x98\x80",
                                             "\xE2\x80\xA8", "\xC2\x9B"};
            if (density == 3 && rnd(&seed) % 16 == 0) {
                const char *m = mb[rnd(&seed) % 5];
                for (size_t k = 0; m[k] && i < n; k++)
                    s[i++] = m[k];
                i--;
            }
        }
        tn_buf_clear(&a);
        tn_buf_clear(&b);
        tn_buf_putc(&a, 'x');   /* not at the start of the buffer */
        tn_buf_putc(&b, 'x');
        tn_buf_json_str(&a, s, n);
        tn_buf_json_fast(&b, s, n);
        CHECK(a.len == b.len);
        CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
        CHECK(b.data[b.len] == '\0');
        free(s);
    }
    tn_buf_free(&a);
    tn_buf_free(&b);
}

TN_TEST(test_json_esc_swar_finds_each_byte)
{
    /* every byte value at every place of an 8-byte word of 'a's */
    for (int c = 0; c < 256; c++)
        for (int k = 0; k < 8; k++) {
            unsigned char w[8];
            memset(w, 'a', 8);
            w[k] = (unsigned char)c;
            uint64_t x;
            memcpy(&x, w, 8);
            CHECK((tn_json_swar_bad(x) != 0) == (tn_json_needs_esc((unsigned char)c) || c >= 0x80));
        }
}

static int valid_utf8(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t l = tn_utf8_len((const unsigned char *)s + i, n - i);
        if (!l)
            return 0;
        i += l;
    }
    return 1;
}

/* JSON is UTF-8 (RFC 8259): a byte that is not valid UTF-8 becomes
 * U+FFFD, valid sequences stay (a review found auditd records and file
 * names made lines Python's json module refused). */
TN_TEST(test_json_esc_valid_utf8_out)
{
    tn_buf b;
    tn_buf_init(&b);
#define ESC(in, want)                                   \
    do {                                                \
        tn_buf_clear(&b);                               \
        tn_buf_json_fast(&b, in, sizeof(in) - 1);       \
        CHECK_STR(b.data, want);                        \
        tn_buf_clear(&b);                               \
        tn_buf_json_str(&b, in, sizeof(in) - 1);        \
        CHECK_STR(b.data, want);                        \
    } while (0)
    ESC("a\xff" "b", "\"a\xEF\xBF\xBD" "b\"");
    ESC("caf\xC3\xA9", "\"caf\xC3\xA9\"");
    ESC("\xE6\x97", "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");              /* cut short */
    ESC("\xC0\xAF", "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");              /* overlong '/' */
    ESC("\xED\xA0\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  /* a surrogate */
    ESC("0123456789abcde\xE6\x97\xA5x", "\"0123456789abcde\xE6\x97\xA5x\""); /* across a block */
    ESC("0123456789abcdef0123\x9b\"", "\"0123456789abcdef0123\xEF\xBF\xBD\\\"\"");
#undef ESC
    uint32_t seed = 777;
    for (int iter = 0; iter < 20000; iter++) {
        char s[80];
        size_t n = rnd(&seed) % sizeof(s);
        for (size_t i = 0; i < n; i++)
            s[i] = (char)(rnd(&seed) % 3 ? 0x80 + rnd(&seed) % 128 : rnd(&seed) % 256);
        tn_buf_clear(&b);
        tn_buf_json_fast(&b, s, n);
        CHECK(valid_utf8(b.data, b.len));
    }
    tn_buf_free(&b);
}
