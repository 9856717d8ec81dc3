/* regress_load.h - test-only reader of evtx_dump-shaped JSON into tn_event.
 *
 * Until the real JSON reader (src/read/jsonl.*) lands, the Sigma tests
 * read the regression data's reference .json files with this: System ->
 * typed members, EventData/UserData leaves -> fields[]. Files hold one or
 * more concatenated JSON objects. Strings live in the caller's arena. */
#ifndef TN_TEST_REGRESS_LOAD_H
#define TN_TEST_REGRESS_LOAD_H

#include "base/alloc.h"
#include "base/arena.h"
#include "read/event.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rl_events {
    tn_event *ev;
    size_t n, cap;
    tn_field *fbuf;   /* scratch while building one event */
    size_t nf, capf;
} rl_events;

static inline const char *rl_text(tn_arena *a, json_t *v, int *is_null)
{
    char num[32];
    *is_null = 0;
    if (json_is_object(v)) {
        json_t *t = json_object_get(v, "#text");
        if (t)
            return rl_text(a, t, is_null);
        *is_null = 1;
        return "";
    }
    if (json_is_string(v))
        return tn_arena_strndup(a, json_string_value(v), json_string_length(v));
    if (json_is_integer(v)) {
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        return tn_arena_strndup(a, num, strlen(num));
    }
    if (json_is_real(v)) {
        snprintf(num, sizeof(num), "%g", json_real_value(v));
        return tn_arena_strndup(a, num, strlen(num));
    }
    if (json_is_true(v))
        return "true";
    if (json_is_false(v))
        return "false";
    *is_null = 1;
    return "";
}

static inline void rl_add_field(rl_events *r, tn_arena *a, const char *name, json_t *v)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) rl_add_field(r, a, name, e);
        return;
    }
    if (json_is_object(v) && !json_object_get(v, "#text")) {
        const char *k;
        json_t *e;
        json_object_foreach(v, k, e) if (k[0] != '#') rl_add_field(r, a, k, e);
        return;
    }
    if (r->nf == r->capf) {
        r->capf = r->capf ? r->capf * 2 : 32;
        r->fbuf = tn_realloc(r->fbuf, r->capf * sizeof(*r->fbuf));
    }
    tn_field *f = &r->fbuf[r->nf++];
    int is_null;
    f->name = tn_arena_strndup(a, name, strlen(name));
    f->name_len = (uint32_t)strlen(name);
    f->value = rl_text(a, v, &is_null);
    f->value_len = (uint32_t)strlen(f->value);
    f->is_null = (uint8_t)is_null;
}

static inline json_t *rl_attr(json_t *o, const char *key, const char *attr)
{
    json_t *x = json_object_get(o, key);
    return json_object_get(json_object_get(x, "#attributes"), attr);
}

static inline uint64_t rl_num(json_t *v)
{
    if (json_is_integer(v))
        return (uint64_t)json_integer_value(v);
    if (json_is_object(v))
        return rl_num(json_object_get(v, "#text"));
    if (json_is_string(v))
        return strtoull(json_string_value(v), NULL, 0);
    return 0;
}

static inline const char *rl_str(tn_arena *a, json_t *v)
{
    int n;
    return v ? rl_text(a, v, &n) : "";
}

static inline void rl_event(rl_events *r, tn_arena *a, json_t *root, const char *file)
{
    json_t *e = json_object_get(root, "Event"), *sys = json_object_get(e, "System");
    tn_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.provider = rl_str(a, rl_attr(sys, "Provider", "Name"));
    ev.provider_guid = rl_str(a, rl_attr(sys, "Provider", "Guid"));
    ev.channel = rl_str(a, json_object_get(sys, "Channel"));
    ev.computer = rl_str(a, json_object_get(sys, "Computer"));
    ev.user_sid = rl_str(a, rl_attr(sys, "Security", "UserID"));
    json_t *t = rl_attr(sys, "TimeCreated", "SystemTime");
    if (json_is_string(t))
        tn_filetime_parse(json_string_value(t), json_string_length(t), &ev.time);
    ev.record_id = rl_num(json_object_get(sys, "EventRecordID"));
    ev.keywords = rl_num(json_object_get(sys, "Keywords"));
    ev.event_id = (uint32_t)rl_num(json_object_get(sys, "EventID"));
    ev.pid = (uint32_t)rl_num(rl_attr(sys, "Execution", "ProcessID"));
    ev.tid = (uint32_t)rl_num(rl_attr(sys, "Execution", "ThreadID"));
    ev.task = (uint16_t)rl_num(json_object_get(sys, "Task"));
    ev.level = (uint8_t)rl_num(json_object_get(sys, "Level"));
    ev.opcode = (uint8_t)rl_num(json_object_get(sys, "Opcode"));
    ev.version = (uint8_t)rl_num(json_object_get(sys, "Version"));
    r->nf = 0;
    const char *sect[] = {"EventData", "UserData"};
    for (int s = 0; s < 2; s++) {
        json_t *d = json_object_get(e, sect[s]);
        const char *k;
        json_t *v;
        if (json_is_object(d))
            json_object_foreach(d, k, v) if (k[0] != '#') rl_add_field(r, a, k, v);
    }
    tn_field *fields = tn_arena_alloc(a, (r->nf ? r->nf : 1) * sizeof(*fields));
    memcpy(fields, r->fbuf, r->nf * sizeof(*fields));
    ev.fields = fields;
    ev.nfields = (uint32_t)r->nf;
    ev.file = file;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->ev = tn_realloc(r->ev, r->cap * sizeof(*r->ev));
    }
    r->ev[r->n++] = ev;
}

/* Appends every event of a file of concatenated JSON objects. Returns the
 * number read, -1 if the file cannot be read. */
static inline long rl_load_file(rl_events *r, tn_arena *a, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 16, n = 0;
    char *buf = tn_malloc(cap);
    while ((n += fread(buf + n, 1, cap - n, f)) == cap)
        buf = tn_realloc(buf, cap *= 2);
    fclose(f);
    size_t off = 0;
    long count = 0;
    const char *file = tn_arena_strndup(a, path, strlen(path));
    while (off < n) {
        while (off < n && (buf[off] == ' ' || buf[off] == '\n' || buf[off] == '\r' || buf[off] == '\t'))
            off++;
        if (off >= n)
            break;
        json_error_t err;
        json_t *root = json_loadb(buf + off, n - off, JSON_DISABLE_EOF_CHECK, &err);
        if (!root)
            break;
        rl_event(r, a, root, file);
        json_decref(root);
        count++;
        off += err.position;
    }
    tn_free(buf);
    return count;
}

static inline void rl_free(rl_events *r)
{
    tn_free(r->ev);
    tn_free(r->fbuf);
    memset(r, 0, sizeof(*r));
}

#endif
