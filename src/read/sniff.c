/* sniff.c - content sniffing for EVTX, JSON and auditd inputs. */
#include "sniff.h"

#include <string.h>

static size_t skip_ws(const unsigned char *p, size_t n, size_t i)
{
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    return i;
}

/* An evtx_dump "Record 12" header line: returns the index after it, or 0. */
static size_t skip_record_line(const unsigned char *p, size_t n, size_t i)
{
    if (n - i < 8 || memcmp(p + i, "Record ", 7) != 0)
        return 0;
    i += 7;
    size_t digits = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9')
        i++, digits++;
    return digits ? i : 0;
}

/* Is p[i] the start of a JSON object or array of objects? */
static int json_opening(const unsigned char *p, size_t n, size_t i)
{
    if (i >= n)
        return 0;
    unsigned char open = p[i];
    if (open != '{' && open != '[')
        return 0;
    i = skip_ws(p, n, i + 1);
    if (i >= n)
        return 1; /* ran out of bytes: give it the benefit of the doubt */
    if (open == '{')
        return p[i] == '"' || p[i] == '}';
    return p[i] == '{' || p[i] == ']';
}

/* "[node=HOST ]type=NAME msg=audit(" at the start. */
static int auditd_line(const unsigned char *p, size_t n)
{
    size_t i = 0;
    if (n >= 5 && memcmp(p, "node=", 5) == 0) {
        while (i < n && p[i] != ' ' && p[i] != '\n')
            i++;
        i++;
    }
    if (i >= n || n - i < 5 || memcmp(p + i, "type=", 5) != 0)
        return 0;
    i += 5;
    size_t start = i;
    while (i < n && ((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_'))
        i++;
    return i > start && n - i >= 11 && memcmp(p + i, " msg=audit(", 11) == 0;
}

int tn_input_sniff(const unsigned char *head, size_t n)
{
    if (n >= 8 && (memcmp(head, "ElfFile\0", 8) == 0 || memcmp(head, "ElfChnk\0", 8) == 0))
        return TN_INPUT_EVTX;
    if (auditd_line(head, n))
        return TN_INPUT_AUDITD;
    size_t i = 0;
    if (n >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF)
        i = 3;
    i = skip_ws(head, n, i);
    size_t after = skip_record_line(head, n, i);
    if (after)
        i = skip_ws(head, n, after);
    if (json_opening(head, n, i))
        return TN_INPUT_JSON;
    /* the lines after the first: whole ones only (the last may be cut) */
    size_t json = 0, other = 0;
    const unsigned char *nl = memchr(head + i, '\n', n - i);
    while (nl) {
        size_t at = (size_t)(nl - head) + 1;
        nl = memchr(head + at, '\n', n - at);
        if (!nl)
            break;
        size_t s = at;
        while (s < (size_t)(nl - head) && (head[s] == ' ' || head[s] == '\t' || head[s] == '\r'))
            s++;
        if (s == (size_t)(nl - head))
            continue;   /* blank */
        if (json_opening(head, (size_t)(nl - head), s))
            json++;
        else
            other++;
    }
    return json && json >= other ? TN_INPUT_JSON : TN_INPUT_UNKNOWN;
}
