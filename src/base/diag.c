/* diag.c - problem reporting for untrusted input. */
#include "diag.h"

#include "base/buf.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const names[TN_P__COUNT] = {
    [TN_P_FILE_OPEN] = "unreadable file",
    [TN_P_FILE_HEADER] = "bad file header",
    [TN_P_CHUNK_HEADER] = "bad chunk header",
    [TN_P_CHUNK_CRC] = "chunk checksum mismatch",
    [TN_P_RECORD] = "bad record",
    [TN_P_BINXML] = "bad BinXML",
    [TN_P_JSON] = "bad JSON",
    [TN_P_RULE] = "rule rejected",
    [TN_P_OTHER] = "other",
    [TN_P_GZIP] = "damaged gzip",
};

const char *tn_problem_name(tn_problem kind)
{
    return kind < TN_P__COUNT ? names[kind] : "?";
}

void tn_put_safe(FILE *f, const char *s)
{
    tn_buf b;
    tn_buf_init(&b);
    tn_buf_safe(&b, s, strlen(s));
    if (tn_buf_ok(&b) && b.len)
        fwrite(b.data, 1, b.len, f);
    else if (!tn_buf_ok(&b))
        fputs("(out of memory)", f);
    tn_buf_free(&b);
}

void tn_report(tn_diag *d, tn_problem kind, const char *file, const char *where,
               const char *fmt, ...)
{
    __atomic_add_fetch(&d->count[kind], 1, __ATOMIC_RELAXED);
    if (d->quiet)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&out_lock);
    fputs("tansa: ", stderr);
    tn_put_safe(stderr, file ? file : "-");
    fputs(": ", stderr);
    if (where) {
        tn_put_safe(stderr, where);
        fputs(": ", stderr);
    }
    tn_put_safe(stderr, msg);
    fputc('\n', stderr);
    pthread_mutex_unlock(&out_lock);
}

uint64_t tn_diag_total(const tn_diag *d)
{
    uint64_t t = 0;
    for (int i = 0; i < TN_P__COUNT; i++)
        t += d->count[i];
    return t;
}

void tn_diag_summary(const tn_diag *d)
{
    uint64_t t = tn_diag_total(d);
    if (!t)
        return;
    pthread_mutex_lock(&out_lock);
    fprintf(stderr, "tansa: %llu problem%s:", (unsigned long long)t, t == 1 ? "" : "s");
    const char *sep = " ";
    for (int i = 0; i < TN_P__COUNT; i++) {
        if (!d->count[i])
            continue;
        fprintf(stderr, "%s%llu %s", sep, (unsigned long long)d->count[i], names[i]);
        sep = ", ";
    }
    fputc('\n', stderr);
    pthread_mutex_unlock(&out_lock);
}
