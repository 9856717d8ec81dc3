/* buf.h - growable byte buffer with UTF-16, JSON and XML escaping appenders. */
#ifndef TN_BUF_H
#define TN_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* A tn_buf owns its bytes. data is always NUL-terminated after a
 * successful append (so it can be passed to C string functions when the
 * content has no NUL). On allocation failure the buffer sets oom and
 * ignores further appends; check tn_buf_ok() once at the end. */
typedef struct tn_buf {
    char *data;
    size_t len;
    size_t cap;
    int oom;
} tn_buf;

void tn_buf_init(tn_buf *b);
void tn_buf_free(tn_buf *b);
static inline void tn_buf_clear(tn_buf *b) { b->len = 0; if (b->data) b->data[0] = '\0'; }
static inline int tn_buf_ok(const tn_buf *b) { return !b->oom; }
int tn_buf_grow(tn_buf *b, size_t extra);

/* Make room for extra more bytes (plus the NUL). 0 or -1 (oom set). */
static inline int tn_buf_reserve(tn_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap && !b->oom)
        return 0;
    return tn_buf_grow(b, extra);
}

static inline void tn_buf_put(tn_buf *b, const void *p, size_t n)
{
    if (tn_buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static inline void tn_buf_putc(tn_buf *b, char c)
{
    if (tn_buf_reserve(b, 1))
        return;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void tn_buf_puts(tn_buf *b, const char *s);
/* Hex digits of v: at least width digits (zero-padded), lower or upper case. */
void tn_buf_hex(tn_buf *b, uint64_t v, int width, int upper);
void tn_buf_printf(tn_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tn_buf_vprintf(tn_buf *b, const char *fmt, va_list ap);
void tn_buf_u64(tn_buf *b, uint64_t v);
void tn_buf_i64(tn_buf *b, int64_t v);

/* Escaping appenders. The _utf16 forms read little-endian UTF-16 code
 * units (n = count of units); unpaired surrogates become U+FFFD. */
void tn_buf_json_str(tn_buf *b, const char *s, size_t n);      /* adds quotes */
void tn_buf_json_raw(tn_buf *b, const char *s, size_t n);      /* no quotes */
void tn_buf_xml_text(tn_buf *b, const char *s, size_t n);
/* s[0..len) for a terminal: log text, file names and rule text are
 * anyone's, and a control byte (C0, DEL, or C1 as UTF-8's C2 80..9F)
 * would reach the terminal as an escape sequence; each is written as
 * \xHH instead, and so is each byte that is not valid UTF-8 (a lone 0x9B
 * is an 8-bit CSI to terminals that honour 8-bit controls). A
 * bidirectional control (U+202E...: tn_is_bidi_control) is written as
 * \u202E, so that "rtl\u202E gnp.exe" is not shown as "rtl exe.png". */
void tn_buf_safe(tn_buf *b, const char *s, size_t len);
/* s[0..n) as a CSV cell (RFC 4180: quoted, quotes doubled), its control bytes and
 * bad UTF-8 escaped as for a terminal (tn_buf_safe), and, as OWASP advises
 * against formula injection, a ' before a first character that makes a
 * spreadsheet read the cell as a formula (= + - @; a tab or CR is
 * escaped already): computer, channel and file names are the logs', and
 * a responder opens the CSV in Excel. */
void tn_buf_csv(tn_buf *b, const char *s, size_t n);
/* The UTF-8 of code point cp (below 0x110000) at o, at most 4 bytes;
 * returns their count. */
size_t tn_utf8_put(unsigned char *o, uint32_t cp);
void tn_buf_utf16(tn_buf *b, const uint8_t *u16, size_t n);
void tn_buf_utf16_json(tn_buf *b, const uint8_t *u16, size_t n); /* no quotes */
void tn_buf_utf16_xml(tn_buf *b, const uint8_t *u16, size_t n);

/* Write the whole buffer to f; returns 0 or -1 with errno set. */
int tn_buf_write(const tn_buf *b, FILE *f);

#endif
