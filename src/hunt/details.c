/* details.c - a detection's details (details.h). */
#include "hunt/details.h"

#include "hunt/jsonesc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Fields shown as a detection's details, in this order, when present. */
#define D(s) {s, sizeof(s) - 1}
static const struct {
    const char *name;
    uint32_t len;
} detail_fields[] = {
    D("CommandLine"), D("Image"), D("ParentImage"), D("ParentCommandLine"), D("TargetUserName"),
    D("TargetDomainName"), D("SubjectUserName"), D("LogonType"), D("IpAddress"),
    D("WorkstationName"), D("ServiceName"), D("ImagePath"), D("TaskName"), D("TargetFilename"),
    D("TargetObject"), D("Details"), D("ShareName"), D("RelativeTargetName"), D("ObjectName"),
    D("SourceImage"), D("TargetImage"), D("GrantedAccess"), D("DestinationIp"),
    D("DestinationPort"), D("QueryName"), D("ScriptBlockText"), D("Payload"), D("ProcessName"),
    D("NewProcessName"), D("AccessMask"),
};
#undef D
#define NDETAIL (sizeof(detail_fields) / sizeof(detail_fields[0]))

/* The detail names in an open-addressed table hashed on length, first
 * and last byte, so that an event's field costs a hash and, mostly, one
 * comparison. Finding an event's details this way (with the filter
 * below) costs ~0.6k instructions an event; comparing each field with
 * the names of its length cost ~1.6k (callgrind, Windows rules on 16 MiB
 * of real logs). The whole of details_json was 4.3k a call that way, 7.3k
 * comparing with all 30 names. */
#define DETAIL_MAXLEN 24
#define DETAIL_SLOTS 128   /* a power of two, well above NDETAIL */
static uint8_t detail_slot[DETAIL_SLOTS];   /* detail index + 1, 0: empty */
/* per length, bit c & 63 set when a name of that length starts with c:
 * most fields of an event are told apart by it alone, before the hash
 * (details_to 7.0M -> 6.5M instructions on 16 MiB, callgrind) */
static uint64_t detail_first[DETAIL_MAXLEN + 1];
/* "Name": of each, quoted once here rather than escaped per detection;
 * 32 bytes, copied whole (a fixed-size copy, not a memcpy call) */
static char detail_key[NDETAIL][32];
_Static_assert(DETAIL_MAXLEN + 3 <= 32, "a key fits its 32 bytes");
static pthread_once_t detail_once = PTHREAD_ONCE_INIT;

static inline uint32_t detail_hash(const char *s, uint32_t n)
{
    return (n * 31u + (unsigned char)s[0] * 7u + (unsigned char)s[n - 1]) & (DETAIL_SLOTS - 1);
}

static void detail_index(void)
{
    for (size_t d = 0; d < NDETAIL; d++) {
        uint32_t h = detail_hash(detail_fields[d].name, detail_fields[d].len);
        if (detail_fields[d].len < 4)   /* same_name needs 4 bytes */
            abort();
        while (detail_slot[h])
            h = (h + 1) & (DETAIL_SLOTS - 1);
        detail_slot[h] = (uint8_t)(d + 1);
        detail_first[detail_fields[d].len] |= 1ull << (detail_fields[d].name[0] & 63);
        char *k = detail_key[d];   /* the names need no escape */
        k[0] = '"';
        memcpy(k + 1, detail_fields[d].name, detail_fields[d].len);
        memcpy(k + 1 + detail_fields[d].len, "\":", 2);
    }
}

static inline uint64_t load8(const char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

static inline uint32_t load4(const char *p)
{
    uint32_t x;
    memcpy(&x, p, 4);
    return x;
}

/* a[0..n) == b[0..n), for 4 <= n <= 24, by words that overlap rather than
 * by a memcmp call (~20 instructions a field name, callgrind) */
static inline int same_name(const char *a, const char *b, uint32_t n)
{
    if (n < 8)
        return load4(a) == load4(b) && load4(a + n - 4) == load4(b + n - 4);
    return load8(a) == load8(b) && load8(a + n - 8) == load8(b + n - 8) &&
           (n <= 16 || load8(a + 8) == load8(b + 8));
}

/* The index of the detail named s[0..n), or -1. */
static inline int detail_of(const char *s, uint32_t n)
{
    if (n - 1 >= DETAIL_MAXLEN || !(detail_first[n] >> (s[0] & 63) & 1))   /* 0 wraps around */
        return -1;
    for (uint32_t h = detail_hash(s, n);; h = (h + 1) & (DETAIL_SLOTS - 1)) {
        int d = detail_slot[h] - 1;
        if (d < 0)
            return -1;
        if (detail_fields[d].len == n && same_name(detail_fields[d].name, s, n))
            return d;
    }
}

/* Appends "name":"value" (value cut at 1 KiB, not inside a UTF-8
 * sequence) to b; key: the name quoted, with its colon, kl bytes (at
 * most 32 are copied). */
static inline void put_detail(tn_buf *b, int *first, const char *key, size_t kl, const tn_field *f)
{
    size_t n = f->value_len > 1024 ? 1024 : f->value_len; /* details are a glimpse */
    while (n < f->value_len && n && ((unsigned char)f->value[n] & 0xC0) == 0x80)
        n--; /* do not cut a UTF-8 sequence */
    if (tn_buf_reserve(b, 1 + kl + TN_JSON_ESC_ROOM(n) + 2))
        return;
    char *o = b->data + b->len;
    if (!*first)
        *o++ = ',';
    *first = 0;
    memcpy(o, key, kl);
    o += kl;
    *o++ = '"';
    o = tn_json_esc(o, f->value, n);
    *o++ = '"';
    b->len = (size_t)(o - b->data);
}

static int audit_skip(const tn_field *f)
{
    return f->is_null || !f->value_len || !f->name_len || f->name_len > 255 ||
           /* a USER_* record's msg='k=v ...', whose pairs follow it as fields */
           (f->name_len == 3 && !memcmp(f->name, "msg", 3) && memchr(f->value, '=', f->value_len));
}

/* "name":"v1 v2 ..." of every field of ev named name[0..nl) (several
 * keys are several `key` fields: one JSON name, not the same name twice,
 * which JSON readers reduce to the last). Returns 1 when there was one. */
static int audit_put(tn_buf *b, int *first, const tn_event *ev, const char *name, size_t nl)
{
    tn_buf v;
    tn_buf_init(&v);
    for (uint32_t i = 0; i < ev->nfields; i++) {
        const tn_field *f = &ev->fields[i];
        if (f->name_len != nl || memcmp(f->name, name, nl) || audit_skip(f))
            continue;
        if (v.len)
            tn_buf_putc(&v, ' ');
        tn_buf_put(&v, f->value, f->value_len);
    }
    if (v.len && tn_buf_ok(&v)) {
        char key[255 * 6 + 4];   /* the name escaped (names are the log's: anything) */
        char *k = key;
        *k++ = '"';
        k = tn_json_esc(k, name, nl);
        *k++ = '"';
        *k++ = ':';
        tn_field f = {name, v.data, (uint32_t)nl, (uint32_t)v.len, 0};
        put_detail(b, first, key, (size_t)(k - key), &f);
    }
    if (!tn_buf_ok(&v))
        b->oom = 1;
    int put = v.len > 0;
    tn_buf_free(&v);
    return put;
}

/* The details of a record of a log that is not Windows' (at most 16
 * names): first those of first_names[0..nfirst) that tell what happened
 * and who did it, wherever the record has them, then its other fields in
 * order. An auditd SYSCALL record writes comm, exe and key after twenty
 * numbers; a CloudTrail record its eventName after the caller's identity. */
static void named_details(tn_buf *b, const tn_event *ev, const char *const *first_names, size_t nfirst)
{
    const char *shown[16];
    size_t shown_len[16], ns = 0;
    tn_buf_putc(b, '{');
    int first = 1;
    for (size_t p = 0; p < nfirst && ns < 16; p++) {
        size_t nl = strlen(first_names[p]);
        if (audit_put(b, &first, ev, first_names[p], nl)) {
            shown[ns] = first_names[p];
            shown_len[ns++] = nl;
        }
    }
    for (uint32_t i = 0; i < ev->nfields && ns < 16; i++) {
        const tn_field *f = &ev->fields[i];
        if (audit_skip(f))
            continue;
        size_t k = 0;
        while (k < ns && !(shown_len[k] == f->name_len && !memcmp(shown[k], f->name, f->name_len)))
            k++;
        if (k < ns || !audit_put(b, &first, ev, f->name, f->name_len))
            continue;
        shown[ns] = f->name;
        shown_len[ns++] = f->name_len;
    }
    tn_buf_putc(b, '}');
}

/* What a cloud audit log's record tells first (read/jsonl_map.c names
 * their channels): the action, the principal, from where, the outcome.
 * Their detections showed "details": {} (their fields are none of the
 * Windows names above: a review, session 27). named_details shows 16
 * names at most, these included (17 Azure names wrote past its arrays:
 * the next review). */
static const char *const *cloud_names(const char *channel, size_t *n)
{
#define NAMES(...) { static const char *const v[] = {__VA_ARGS__}; *n = sizeof(v) / sizeof(v[0]); return v; }
    if (!strcmp(channel, "AWS CloudTrail"))
        NAMES("eventName", "eventSource", "userIdentity.arn", "userIdentity.type", "sourceIPAddress",
              "userAgent", "awsRegion", "recipientAccountId", "errorCode", "errorMessage")
    if (!strcmp(channel, "Okta System Log"))
        NAMES("eventType", "displayMessage", "actor.alternateId", "client.ipAddress", "outcome.result",
              "outcome.reason", "target.alternateId")
    if (!strcmp(channel, "GCP Audit Log"))
        NAMES("protoPayload.methodName", "protoPayload.serviceName",
              "protoPayload.authenticationInfo.principalEmail", "protoPayload.requestMetadata.callerIp",
              "protoPayload.resourceName", "data.protoPayload.methodName", "data.protoPayload.serviceName",
              "data.protoPayload.authenticationInfo.principalEmail", "data.protoPayload.requestMetadata.callerIp")
    if (!strcmp(channel, "GitHub Audit Log"))
        NAMES("action", "actor", "org", "repo", "user", "actor_ip", "business")
    if (!strncmp(channel, "Azure ", 6))
        NAMES("operationName", "OperationName", "OperationNameValue", "ActivityDisplayName",
              "riskEventType", "UserPrincipalName", "userPrincipalName", "caller", "Caller",
              "IPAddress", "ipAddress", "callerIpAddress", "CallerIpAddress", "ResultType",
              "resultType", "AppDisplayName")
#undef NAMES
    return NULL;
}

void tn_details_to(tn_buf *b, const tn_event *ev, uint64_t key, tn_dshape *shapes)
{
    /* one pass over the event's fields for the first field of each detail
     * name: 30 tn_event_field calls per detection were most of on_match.
     * Events whose names the scanner knows to be those of an earlier one
     * take that one's places instead: 256 MiB real-chunk file, Windows
     * rules, details_to 78 M -> 30 M instructions, the run 7.603 -> 7.554 G */
    static const char *const audit_names[] = {"type", "key", "comm", "exe", "proctitle", "name",
                                               "cwd", "cmd", "acct", "res"};
    if (ev->channel[0] == 'a' && !strcmp(ev->channel, "auditd")) {
        named_details(b, ev, audit_names, sizeof(audit_names) / sizeof(audit_names[0]));
        return;
    }
    size_t nc;
    char c0 = ev->channel[0];   /* Windows channels pass with one compare or two */
    const char *const *cn = c0 == 'A' || c0 == 'O' || c0 == 'G' ? cloud_names(ev->channel, &nc) : NULL;
    if (cn) {
        named_details(b, ev, cn, nc);
        return;
    }
    uint32_t at_[NDETAIL], found = 0;   /* found: bit d set when at[d] is */
    const uint32_t *at = at_;
    _Static_assert(NDETAIL <= 32, "found is a 32-bit set");
    tn_dshape *sh = key ? &shapes[key & (TN_DSHAPES - 1)] : NULL;
    if (sh && sh->key == key && sh->nfields == ev->nfields) {
        found = sh->found;
        at = sh->at;
    } else {
        pthread_once(&detail_once, detail_index);
        for (uint32_t i = 0; i < ev->nfields; i++) {
            int d = detail_of(ev->fields[i].name, ev->fields[i].name_len);
            if (d >= 0 && !(found >> d & 1)) {
                at_[d] = i;
                found |= 1u << d;
            }
        }
        if (sh) {
            sh->key = key;
            sh->nfields = ev->nfields;
            sh->found = found;
            memcpy(sh->at, at_, sizeof(at_));
        }
    }
    size_t mark = b->len;
    tn_buf_putc(b, '{');
    int first = 1;
    /* the found ones in detail order, not all 30 names: ~400 instructions
     * an event less (callgrind) */
    for (uint32_t left = found; left; left &= left - 1) {
        int i = __builtin_ctz(left);
        const tn_field *f = &ev->fields[at[i]];
        if (f->is_null || !f->value_len)
            continue;
        put_detail(b, &first, detail_key[i], detail_fields[i].len + 3, f);
    }
    if (first && ev->nfields) {
        /* none of the 30: the event's own fields, those that tell most
         * first (Defender's threat, file and user; 5156's application and
         * addresses; Sysmon 6's driver, 19-21's WMI names), then the others
         * in order, rather than {}, which 69 of 1,621 detections on the
         * attack samples showed (a review, session 29; Defender's Path and
         * Detection User came after 16 fields, a review of that) */
        static const char *const telling[] = {"Threat Name", "Path", "Detection User", "Process Name",
                                              "Application", "SourceAddress", "DestAddress", "DestPort",
                                              "ImageLoaded", "Name", "Query", "Destination", "Consumer",
                                              "Filter"};
        b->len = mark;
        named_details(b, ev, telling, sizeof(telling) / sizeof(telling[0]));
        return;
    }
    tn_buf_putc(b, '}');
}

