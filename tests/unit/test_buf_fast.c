/* test_buf_fast.c - the hand-tuned appenders equal plain references: the
 * block-wise UTF-16 conversions on random strings rich in what needs care
 * (escapes, controls, non-ASCII, surrogates paired and not, at every
 * position relative to the 8-unit blocks), and the two-digit integers. */
#include "tn_test.h"

#include "base/buf.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { REF_NONE, REF_JSON, REF_XML };

static void ref_put(tn_buf *b, uint32_t c)
{
    char s[4];
    size_t n;
    if (c < 0x80) { s[0] = (char)c; n = 1; }
    else if (c < 0x800) { s[0] = (char)(0xC0 | c >> 6); s[1] = (char)(0x80 | (c & 63)); n = 2; }
    else if (c < 0x10000) {
        s[0] = (char)(0xE0 | c >> 12); s[1] = (char)(0x80 | (c >> 6 & 63));
        s[2] = (char)(0x80 | (c & 63)); n = 3;
    } else {
        s[0] = (char)(0xF0 | c >> 18); s[1] = (char)(0x80 | (c >> 12 & 63));
        s[2] = (char)(0x80 | (c >> 6 & 63)); s[3] = (char)(0x80 | (c & 63)); n = 4;
    }
    tn_buf_put(b, s, n);
}

static void ref_conv(tn_buf *b, const uint16_t *u, size_t n, int esc)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t c = u[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
            ref_put(b, 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00u));
            i++;
            continue;
        }
        if (c >= 0xD800 && c <= 0xDFFF)
            c = 0xFFFD;
        if (esc == REF_JSON && (c < 0x20 || c == '"' || c == '\\')) {
            char s[8];
            size_t k = 0;
            s[k++] = '\\';
            switch (c) {
            case '"': s[k++] = '"'; break;
            case '\\': s[k++] = '\\'; break;
            case '\n': s[k++] = 'n'; break;
            case '\r': s[k++] = 'r'; break;
            case '\t': s[k++] = 't'; break;
            case '\b': s[k++] = 'b'; break;
            case '\f': s[k++] = 'f'; break;
            default:
                s[k++] = 'u'; s[k++] = '0'; s[k++] = '0';
                s[k++] = "0123456789abcdef"[c >> 4]; s[k++] = "0123456789abcdef"[c & 15];
            }
            tn_buf_put(b, s, k);
        } else if (esc == REF_XML && (c == '<' || c == '>' || c == '&' || c == '"' || c == '\'')) {
            tn_buf_puts(b, c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;"
                           : c == '"' ? "&quot;" : "&apos;");
        } else {
            ref_put(b, c);
        }
    }
}

TN_TEST(test_buf_utf16_blocks_match_reference)
{
    static const uint16_t pool[] = {'a', 'Z', '0', ' ', '~', 0x7f, '\\', '"', '<', '>', '&', '\'',
                                    '\n', 0, 0x1f, 0xe9, 0x3b1, 0x20ac, 0xfffd, 0xd83d, 0xde00,
                                    0xdc00, 0xdbff};
    uint32_t x = 88172645u;
    long bad = 0;
    tn_buf got = {0}, want = {0};
    for (int round = 0; round < 20000; round++) {
        uint16_t u16[48];
        uint8_t u[96];
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        size_t n = x % 41, plain = x >> 8 & 3; /* often mostly plain ASCII */
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            u16[i] = plain && x % 8 ? (uint16_t)('a' + x % 26) : pool[x % (sizeof(pool) / 2)];
            u[2 * i] = (uint8_t)u16[i];
            u[2 * i + 1] = (uint8_t)(u16[i] >> 8);
        }
        for (int esc = REF_NONE; esc <= REF_XML; esc++) {
            tn_buf_clear(&got);
            tn_buf_clear(&want);
            tn_buf_puts(&got, "x"); /* not at the buffer's start */
            tn_buf_puts(&want, "x");
            if (esc == REF_NONE) tn_buf_utf16(&got, u, n);
            else if (esc == REF_JSON) tn_buf_utf16_json(&got, u, n);
            else tn_buf_utf16_xml(&got, u, n);
            ref_conv(&want, u16, n, esc);
            bad += got.len != want.len || memcmp(got.data, want.data, got.len) != 0;
        }
    }
    tn_buf_free(&got);
    tn_buf_free(&want);
    CHECK_INT(bad, 0);
}

TN_TEST(test_buf_integers_match_printf)
{
    tn_buf b = {0};
    char want[32];
    long bad = 0;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t v = i < 1000 ? (uint64_t)i : i < 1100 ? UINT64_MAX - (uint64_t)(i - 1000) : x >> (x % 64);
        tn_buf_clear(&b);
        tn_buf_u64(&b, v);
        snprintf(want, sizeof(want), "%" PRIu64, v);
        bad += strcmp(b.data, want) != 0;
        tn_buf_clear(&b);
        tn_buf_i64(&b, (int64_t)v);
        snprintf(want, sizeof(want), "%" PRId64, (int64_t)v);
        bad += strcmp(b.data, want) != 0;
    }
    tn_buf_free(&b);
    CHECK_INT(bad, 0);
}
