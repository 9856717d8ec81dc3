/* event.c - field lookup and time conversion for normalised events. */
#include "event.h"

#include "base/alloc.h"
#include "base/arena.h"
#include "base/buf.h"

#include <string.h>

/* Copies s (len bytes and a NUL) to *o, advancing it. */
static const char *put(const char *s, size_t len, char **o)
{
    char *d = *o;
    memcpy(d, s, len);
    d[len] = '\0';
    *o += len + 1;
    return d;
}

tn_event *tn_event_copy(const tn_event *ev, tn_arena *a)
{
    size_t need = sizeof(tn_event) + (size_t)ev->nfields * sizeof(tn_field);
    size_t slen[5];
    if (ev->text) {
        need += ev->text_len;
    } else {
        const char *const s[5] = {ev->provider, ev->provider_guid, ev->channel, ev->computer, ev->user_sid};
        for (int i = 0; i < 5; i++)
            need += (slen[i] = strlen(s[i])) + 1;
        for (uint32_t i = 0; i < ev->nfields; i++)
            need += (size_t)ev->fields[i].name_len + ev->fields[i].value_len + 2;
    }
    tn_event *e = tn_arena_alloc(a, need);
    if (!e)
        return NULL;
    tn_field *f = (tn_field *)(e + 1);
    char *o = (char *)(f + ev->nfields);
    *e = *ev;
    const char **sys[5] = {&e->provider, &e->provider_guid, &e->channel, &e->computer, &e->user_sid};
    if (ev->text) {
        /* one block: copied whole, the pointers moved by its offset (a
         * field at a time was ~1,150 instructions an event, callgrind) */
        const char *from = ev->text;
        memcpy(o, from, ev->text_len);
        for (int i = 0; i < 5; i++)
            *sys[i] = o + (*sys[i] - from);
        for (uint32_t i = 0; i < ev->nfields; i++) {
            f[i] = ev->fields[i];
            f[i].name = o + (f[i].name - from);
            f[i].value = o + (f[i].value - from);
        }
        e->text = o;
    } else {
        for (int i = 0; i < 5; i++)
            *sys[i] = put(*sys[i], slen[i], &o);
        for (uint32_t i = 0; i < ev->nfields; i++) {
            f[i] = ev->fields[i];
            f[i].name = put(f[i].name, f[i].name_len, &o);
            f[i].value = put(f[i].value, f[i].value_len, &o);
        }
    }
    e->fields = f;
    e->owner = NULL;   /* the copy's storage is a's, not the reader's */
    return e;
}

int tn_event_take(const tn_event *ev, tn_event_store *st, tn_event *out)
{
    const tn_event_owner *o = ev->owner;
    if (!o || !ev->text || ev->text != o->text->data || ev->fields != *o->fields)
        return 0;
    /* a swap: the bytes stay where they are, so ev's pointers hold */
    char *text = st->text;
    size_t text_cap = st->text_cap;
    tn_field *fields = st->fields;
    size_t fields_cap = st->fields_cap;
    st->text = o->text->data;
    st->text_cap = o->text->cap;
    st->fields = *o->fields;
    st->fields_cap = *o->fields_cap;
    o->text->data = text;
    o->text->cap = text_cap;
    o->text->len = 0;
    if (text)
        text[0] = '\0';
    *o->fields = fields;
    *o->fields_cap = fields_cap;
    *out = *ev;
    out->owner = NULL;
    return 1;
}

void tn_event_store_free(tn_event_store *st)
{
    tn_free(st->text);
    tn_free(st->fields);
    memset(st, 0, sizeof(*st));
}

const tn_field *tn_event_field(const tn_event *ev, const char *name, size_t name_len)
{
    for (uint32_t i = 0; i < ev->nfields; i++) {
        const tn_field *f = &ev->fields[i];
        if (f->name_len == name_len && memcmp(f->name, name, name_len) == 0)
            return f;
    }
    return NULL;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : (unsigned)-9);
    *y = yy + (*m <= 2);
}

#define FT_UNIX_EPOCH 116444736000000000ULL /* 1970-01-01 in FILETIME */

size_t tn_filetime_format(uint64_t ft, char *out)
{
    int64_t t = (int64_t)(ft / 10) - (int64_t)(FT_UNIX_EPOCH / 10); /* unix micros */
    int64_t secs = t >= 0 ? t / 1000000 : (t - 999999) / 1000000;
    int64_t us = t - secs * 1000000;
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y > 9999) {
        /* RFC 3339 has four digits of year: a later time (a FILETIME
         * reaches 30828, JSON's /Date(ms)/ further) prints as the last
         * instant it can, not as 9999 with its own month and day, which
         * put a timeline sorted by time out of order on the page */
        y = 9999, m = 12, d = 31, rem = 86399, us = 999999;
    }
    char *o = out;
    /* fixed layout, digits written directly: hot in every renderer */
    unsigned yy = (unsigned)(y < 0 ? 0 : y);
    o[0] = (char)('0' + yy / 1000); o[1] = (char)('0' + yy / 100 % 10);
    o[2] = (char)('0' + yy / 10 % 10); o[3] = (char)('0' + yy % 10);
    o[4] = '-'; o[5] = (char)('0' + m / 10); o[6] = (char)('0' + m % 10);
    o[7] = '-'; o[8] = (char)('0' + d / 10); o[9] = (char)('0' + d % 10);
    return tn_time_of_day_format((unsigned)rem, (unsigned)us, out);
}

/* Two digits a division, copied from a table: a digit a division cost
 * ~130 instructions a call, ~11 M of the hunt's JSON Lines on 256 MiB of
 * real logs (88,602 detections, callgrind). */
static inline void put2(char *o, unsigned v)
{
    static const char pairs[201] = "00010203040506070809101112131415161718192021222324"
                                   "25262728293031323334353637383940414243444546474849"
                                   "50515253545556575859606162636465666768697071727374"
                                   "75767778798081828384858687888990919293949596979899";
    memcpy(o, pairs + 2 * v, 2);
}

size_t tn_time_of_day_format(unsigned rem, unsigned us, char *o)
{
    /* rem < 86400 and us < 1000000: each pair below 100 */
    unsigned hh = rem / 3600, ms = rem % 3600;
    o[10] = 'T';
    put2(o + 11, hh);
    o[13] = ':';
    put2(o + 14, ms / 60);
    o[16] = ':';
    put2(o + 17, ms % 60);
    o[19] = '.';
    put2(o + 20, us / 10000);
    put2(o + 22, us / 100 % 100);
    put2(o + 24, us % 100);
    o[26] = 'Z';
    o[27] = '\0';
    return 27;
}

static int digits(const char *s, size_t n, size_t *i, int count, long *out)
{
    long v = 0;
    for (int k = 0; k < count; k++) {
        if (*i >= n || s[*i] < '0' || s[*i] > '9')
            return -1;
        v = v * 10 + (s[(*i)++] - '0');
    }
    *out = v;
    return 0;
}

int tn_filetime_parse(const char *s, size_t n, uint64_t *out)
{
    size_t i = 0;
    long y, mo, d, h = 0, mi = 0, sec = 0;
    if (digits(s, n, &i, 4, &y) || i >= n || s[i++] != '-' || digits(s, n, &i, 2, &mo) ||
        i >= n || s[i++] != '-' || digits(s, n, &i, 2, &d))
        return -1;
    /* the days of the month: 2024-02-30 is no date (timegm would roll it
     * over to March 1) */
    static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
        return -1;
    uint64_t frac = 0; /* in 100 ns */
    long off = 0;      /* seconds east of UTC */
    if (i < n && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
        i++;
        if (digits(s, n, &i, 2, &h) || i >= n || s[i++] != ':' || digits(s, n, &i, 2, &mi))
            return -1;
        if (i < n && s[i] == ':') {
            i++;
            if (digits(s, n, &i, 2, &sec))
                return -1;
        }
        if (h > 23 || mi > 59 || sec > 60)
            return -1;
        if (i < n && (s[i] == '.' || s[i] == ',')) {
            i++;
            int k = 0;
            while (i < n && s[i] >= '0' && s[i] <= '9') {
                if (k < 7) {
                    frac = frac * 10 + (uint64_t)(s[i] - '0');
                    k++;
                }
                i++;
            }
            if (k == 0)
                return -1;
            for (; k < 7; k++)
                frac *= 10;
        }
        if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
            i++;
        } else if (i < n && (s[i] == '+' || s[i] == '-')) {
            int sign = s[i++] == '-' ? -1 : 1;
            long oh, om = 0;
            if (digits(s, n, &i, 2, &oh))
                return -1;
            if (i < n && s[i] == ':')
                i++;
            if (i < n && digits(s, n, &i, 2, &om))
                return -1;
            if (oh > 23 || om > 59)
                return -1;
            off = sign * (oh * 3600 + om * 60);
        }
    }
    if (i != n)
        return -1;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - off;
    int64_t ft = (secs + 11644473600LL) * 10000000LL + (int64_t)frac;
    if (ft < 0)
        return -1;
    *out = (uint64_t)ft;
    return 0;
}
