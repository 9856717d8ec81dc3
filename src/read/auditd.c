/* auditd.c - split audit log lines into key=value fields.
 *
 * Lines are read a chunk at a time and copied, one at a time, into the
 * event's arena, where tokens are cut in place (quotes dropped, NULs
 * written), so every name and value is a NUL-terminated piece of that
 * copy and no per-field allocation happens. */
#include "auditd.h"

#include "base/alloc.h"
#include "base/arena.h"
#include "read/gz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct tn_auditd {
    tn_diag *diag;
    char *name;
    int fd;                    /* -1 when reading memory */
    tn_gz *gz;                 /* gzip-compressed input (fd or mem), or NULL */
    const unsigned char *mem;
    size_t mem_len, mem_pos;
    int eof;
    char *buf;                 /* unread input: buf[pos..len) */
    size_t cap, len, pos;
    uint64_t line;             /* number of the next line */
    int skipping;              /* dropping the rest of an overlong line */
    tn_arena arena;            /* the current line and its fields */
    tn_field *fields;
    uint32_t nfields, fcap;
};

static void report(tn_auditd *r, uint64_t line, const char *msg)
{
    char where[32];
    snprintf(where, sizeof(where), "line %llu", (unsigned long long)line);
    tn_report(r->diag, TN_P_RECORD, r->name, where, "%s", msg);
}

/* Reads more input after dropping what is consumed; count, 0 at end, or <0. */
static int refill(tn_auditd *r)
{
    if (r->eof)
        return 0;
    if (r->pos) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->cap - r->len < TN_JSONL_CHUNK) {
        size_t cap = r->len + TN_JSONL_CHUNK;
        char *b = tn_realloc(r->buf, cap);
        if (!b)
            return TN_JSONL_ENOMEM;
        r->buf = b;
        r->cap = cap;
    }
    ssize_t got;
    if (r->gz) {
        do {
            got = tn_gz_read(r->gz, r->buf + r->len, TN_JSONL_CHUNK);
            if (!tn_gz_will_show(r->gz)) {
                tn_gz_report(r->gz, r->diag, r->name, NULL);   /* counted, or none */
                continue;
            }
            /* at the line the damage cuts into (buf[pos] is at line): the
             * end of what this read gave, a read stopping at its problem */
            uint64_t line = r->line;
            for (size_t i = r->pos; i < r->len + (got > 0 ? (size_t)got : 0); i++)
                line += r->buf[i] == '\n';
            char where[32];
            snprintf(where, sizeof(where), "line %llu", (unsigned long long)line);
            tn_gz_report(r->gz, r->diag, r->name, where);
        } while (got == TN_GZ_AGAIN);
    } else if (r->fd < 0) {
        got = (ssize_t)(r->mem_len - r->mem_pos < TN_JSONL_CHUNK ? r->mem_len - r->mem_pos
                                                                  : TN_JSONL_CHUNK);
        if (got)
            memcpy(r->buf + r->len, r->mem + r->mem_pos, (size_t)got);
        r->mem_pos += (size_t)got;
    } else {
        do
            got = read(r->fd, r->buf + r->len, TN_JSONL_CHUNK);
        while (got < 0 && errno == EINTR);
    }
    if (got < 0) {
        tn_report(r->diag, TN_P_FILE_OPEN, r->name, NULL, "cannot read: %s", strerror(errno));
        return TN_JSONL_EIO;
    }
    r->eof = got == 0;
    r->len += (size_t)got;
    return got > 0;
}

/* Next line without its '\n' into *s, *n: 1, 0 at end, <0 error. */
static int next_line(tn_auditd *r, const char **s, size_t *n)
{
    for (;;) {
        char *nl = r->len > r->pos ? memchr(r->buf + r->pos, '\n', r->len - r->pos) : NULL;
        if (nl || (r->eof && r->pos < r->len)) {
            size_t end = nl ? (size_t)(nl - r->buf) : r->len;
            *s = r->buf + r->pos;
            *n = end - r->pos;
            r->pos = nl ? end + 1 : end;
            r->line++;
            if (!r->skipping)
                return 1;
            r->skipping = 0;
            continue;
        }
        if (r->len - r->pos > TN_AUDITD_MAX_LINE) { /* drop it, say so once */
            if (!r->skipping)
                report(r, r->line, "line longer than 1 MiB; skipped");
            r->skipping = 1;
            r->pos = r->len;
        }
        int got = refill(r);
        if (got < 0 || (got == 0 && r->pos >= r->len))
            return got; /* at the end, a last line without '\n' is still read */
    }
}

static int add_field(tn_auditd *r, const char *name, const char *value, size_t vlen)
{
    if (r->nfields == r->fcap) {
        uint32_t cap = r->fcap ? r->fcap * 2 : 32;
        tn_field *f = tn_realloc(r->fields, cap * sizeof(*f));
        if (!f)
            return -1;
        r->fields = f;
        r->fcap = cap;
    }
    r->fields[r->nfields++] = (tn_field){name, value, (uint32_t)strlen(name), (uint32_t)vlen, 0};
    return 0;
}

static int is_sep(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\x1d';
}

/* The fields the kernel and auditd write hex-encoded when their value
 * holds a space, a quote, a control or a non-ASCII byte (else quoted):
 * auparse's "escaped" fields, and proctitle. An EXECVE record's arguments
 * (a0, a1, ... and the pieces a1[0], a1[1], ... of a long one) are too;
 * a SYSCALL record's a0-a3 are numbers in hex and are not. */
static int escaped_name(const char *k, int execve)
{
    static const char *const names[] = {"acct", "cmd", "comm", "cwd", "dir", "exe", "file",
                                        "key", "name", "ocomm", "path", "proctitle", "watch"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(k, names[i]) == 0)
            return 1;
    if (!execve || k[0] != 'a' || !(k[1] >= '0' && k[1] <= '9'))
        return 0;
    k++;
    while (*k >= '0' && *k <= '9')
        k++;
    if (!*k)
        return 1;
    if (*k++ != '[' || !(*k >= '0' && *k <= '9'))
        return 0;
    while (*k >= '0' && *k <= '9')
        k++;
    return k[0] == ']' && !k[1];
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes v[0..*n) in place when it is hex (an even count of hex digits),
 * as ausearch -i shows it: a NUL (proctitle's separator of arguments)
 * reads as a space. */
static void unhex(char *v, size_t *n)
{
    if (!*n || *n % 2)
        return;
    for (size_t i = 0; i < *n; i++)
        if (hexval(v[i]) < 0)
            return;
    size_t m = *n / 2;
    for (size_t i = 0; i < m; i++) {
        char c = (char)(hexval(v[2 * i]) << 4 | hexval(v[2 * i + 1]));
        v[i] = c ? c : ' ';
    }
    v[m] = '\0';
    *n = m;
}

/* Splits s (NUL-terminated, writable) into k=v fields. A token with no
 * '=' is kept as a field named "" (nothing is dropped). Unquoted values
 * of escaped fields are decoded from hex (escaped_name). */
static int split_pairs(tn_auditd *r, char *s, int execve)
{
    while (*s) {
        while (is_sep(*s))
            s++;
        if (!*s)
            break;
        char *key = s;
        while (*s && *s != '=' && !is_sep(*s))
            s++;
        char *val = s, quote = 0;
        if (*s == '=') {
            *s++ = '\0';
            val = s;
            if (*s == '"' || *s == '\'')
                quote = *s, val = ++s;
            while (*s && (quote ? *s != quote : !is_sep(*s)))
                s++;
        } else {
            val = key, key = "";
        }
        char *end = s;
        if (*s)
            s++;
        *end = '\0';
        size_t vlen = (size_t)(end - val);
        if (!quote && escaped_name(key, execve))
            unhex(val, &vlen);
        if (strcmp(key, "key") == 0 && memchr(val, '\x01', vlen)) {
            /* several keys (auditctl -k a -k b), 0x01 between them: one field each */
            for (char *k = val, *e = val + vlen, *sep; k <= e; k = sep + 1) {
                sep = memchr(k, '\x01', (size_t)(e - k));
                if (!sep)
                    sep = e;
                *sep = '\0';
                if (add_field(r, key, k, (size_t)(sep - k)) < 0)
                    return -1;
            }
            continue;
        }
        if (add_field(r, key, val, vlen) < 0)
            return -1;
        if (quote == '\'' && strchr(val, '=')) { /* msg='k=v ...': a copy to cut up */
            char *inner = tn_arena_strndup(&r->arena, val, vlen);
            if (!inner || split_pairs(r, inner, execve) < 0)
                return -1;
        }
    }
    return 0;
}

/* Joins each run of an EXECVE argument's pieces (a1[0], a1[1], ...: the
 * kernel splits a long one) into one field a1, as the rules read it. */
static int join_pieces(tn_auditd *r)
{
    uint32_t o = 0;
    for (uint32_t i = 0; i < r->nfields;) {
        tn_field f = r->fields[i];
        const char *br = f.name[0] == 'a' ? strchr(f.name, '[') : NULL;
        uint32_t j = i + 1;
        if (br) {
            size_t base = (size_t)(br - f.name), total = f.value_len;
            while (j < r->nfields && strncmp(r->fields[j].name, f.name, base + 1) == 0)
                total += r->fields[j++].value_len;
            char *name = tn_arena_strndup(&r->arena, f.name, base);
            char *v = tn_arena_alloc(&r->arena, total + 1);
            if (!name || !v)
                return -1;
            size_t at = 0;
            for (uint32_t k = i; k < j; k++) {
                memcpy(v + at, r->fields[k].value, r->fields[k].value_len);
                at += r->fields[k].value_len;
            }
            v[at] = '\0';
            f = (tn_field){name, v, (uint32_t)base, (uint32_t)total, 0};
        }
        r->fields[o++] = f;
        i = j;
    }
    r->nfields = o;
    return 0;
}

/* "audit(1604996384.965:93777):" at *s: time and serial; advances *s. */
static int audit_stamp(char **s, tn_event *ev)
{
    char *p = *s;
    if (strncmp(p, "audit(", 6) != 0)
        return -1;
    p += 6;
    uint64_t sec = 0, ms = 0, serial = 0;
    int digits = 0, frac = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++)
        sec = sec * 10 + (uint64_t)(*p - '0');
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            if (frac++ < 3)
                ms = ms * 10 + (uint64_t)(*p - '0');
    for (; frac < 3; frac++)
        ms *= 10;
    if (!digits || digits > 12 || *p++ != ':')
        return -1;
    for (digits = 0; *p >= '0' && *p <= '9' && digits < 19; p++, digits++)
        serial = serial * 10 + (uint64_t)(*p - '0');
    if (!digits || *p++ != ')' || *p != ':')
        return -1;
    *s = p + 1;
    ev->time = (sec + 11644473600ULL) * 10000000ULL + ms * 10000ULL;
    ev->record_id = serial;
    return 0;
}

/* Parses one line (copied into the arena) into ev; 1 ok, 0 not a record, <0 OOM. */
static int parse_line(tn_auditd *r, const char *line, size_t n, tn_event *ev)
{
    char *s = tn_arena_strndup(&r->arena, line, n);
    if (!s)
        return TN_JSONL_ENOMEM;
    memset(ev, 0, sizeof(*ev));
    ev->provider = ev->provider_guid = ev->computer = ev->user_sid = "";
    ev->channel = "auditd";   /* what data/logsources.yml maps linux's auditd rules to */
    r->nfields = 0;
    if (strncmp(s, "node=", 5) == 0) {
        ev->computer = s + 5;
        s += 5 + strcspn(s + 5, " ");
        if (*s)
            *s++ = '\0';
    }
    if (strncmp(s, "type=", 5) != 0)
        return 0;
    char *type = s + 5, *msg = strstr(type, " msg=");
    if (!msg)
        return 0;
    *msg = '\0';
    msg += 5;
    if (audit_stamp(&msg, ev) < 0)
        return 0;
    int execve = strcmp(type, "EXECVE") == 0;
    if (add_field(r, "type", type, strlen(type)) < 0 || split_pairs(r, msg, execve) < 0 ||
        (execve && join_pieces(r) < 0))
        return TN_JSONL_ENOMEM;
    ev->fields = r->fields;
    ev->nfields = r->nfields;
    ev->file = r->name;
    ev->offset = r->line - 1;
    return 1;
}

int tn_auditd_next(tn_auditd *r, tn_event *ev)
{
    for (;;) {
        tn_arena_reset(&r->arena);
        const char *line;
        size_t n;
        int rc = next_line(r, &line, &n);
        if (rc <= 0)
            return rc;
        if (n == 0 || (n == 1 && line[0] == '\r'))
            continue;
        rc = parse_line(r, line, n, ev);
        if (rc)
            return rc;
        report(r, r->line - 1, "not an audit record (type=... msg=audit(...):); skipped");
    }
}

static tn_auditd *new_reader(const char *name, tn_diag *d)
{
    tn_auditd *r = tn_calloc(1, sizeof(*r));
    if (!r || !(r->name = tn_strndup(name, strlen(name)))) {
        tn_free(r);
        return NULL;
    }
    r->diag = d;
    r->fd = -1;
    r->line = 1;
    tn_arena_init(&r->arena, 16 * 1024);
    return r;
}

int tn_auditd_open(const char *path, tn_diag *d, tn_auditd **out)
{
    *out = NULL;
    int std_in = strcmp(path, "-") == 0;
    int fd = std_in ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        tn_report(d, TN_P_FILE_OPEN, path, NULL, "cannot open: %s", strerror(errno));
        return TN_JSONL_EIO;
    }
    if (!(*out = new_reader(path, d))) {
        if (!std_in)
            close(fd);
        return TN_JSONL_ENOMEM;
    }
    (*out)->fd = fd;
    unsigned char magic[3];
    /* standard input too when it is a file read from its start (input.c) */
    if ((!std_in || lseek(fd, 0, SEEK_CUR) == 0) && pread(fd, magic, 3, 0) == 3 && tn_gz_is(magic, 3) &&
        !((*out)->gz = tn_gz_open_fd(fd))) {
        tn_auditd_close(*out);
        *out = NULL;
        return TN_JSONL_ENOMEM;
    }
    return 0;
}

int tn_auditd_open_mem(const void *data, size_t n, const char *name, tn_diag *d,
                       tn_auditd **out)
{
    if (!(*out = new_reader(name, d)))
        return TN_JSONL_ENOMEM;
    (*out)->mem = data;
    (*out)->mem_len = n;
    if (tn_gz_is(data, n) && !((*out)->gz = tn_gz_open_mem(data, n))) {
        tn_auditd_close(*out);
        *out = NULL;
        return TN_JSONL_ENOMEM;
    }
    return 0;
}

void tn_auditd_close(tn_auditd *r)
{
    if (!r)
        return;
    tn_gz_close(r->gz);
    if (r->fd > STDIN_FILENO)
        close(r->fd);
    tn_arena_free(&r->arena);
    tn_free(r->fields);
    tn_free(r->buf);
    tn_free(r->name);
    tn_free(r);
}
