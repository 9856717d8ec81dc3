/* translate.c - the text a source rename makes of a field's value. */
#include "sigma/translate.h"

#include <string.h>
#include <strings.h>

/* If (s, n) starts with pre (ASCII case-insensitively), then digits when
 * digits is set (at least one), then a backslash: the length of that head
 * without the backslash; else 0. */
static size_t head_len(const char *s, size_t n, const char *pre, int digits)
{
    size_t pl = strlen(pre), i = pl;
    if (n <= pl || strncasecmp(s, pre, pl) != 0)
        return 0;
    while (digits && i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if ((digits && i == pl) || i >= n || s[i] != '\\')
        return 0;
    return i;
}

/* Device paths: \device\harddiskvolumeN\rest is C:\rest (the volume's
 * letter is not in the event; C: is the usual one). Registry:
 * \REGISTRY\MACHINE\SYSTEM\ControlSet00N is Sysmon's
 * HKLM\SYSTEM\CurrentControlSet, \REGISTRY\MACHINE\SOFTWARE\Classes is
 * HKCR (until session 25 HKLM\SOFTWARE\Classes, where rules anchor on
 * 'HKCR\'), \REGISTRY\MACHINE is HKLM and \REGISTRY\USER is HKU. */
static const struct {
    const char *pre;
    int digits;
    const char *as;
    uint8_t kind;
} heads[] = {
    {"\\device\\harddiskvolume", 1, "C:", TN_PATHS_DEVICE},
    {"\\registry\\machine\\system\\controlset", 1, "HKLM\\SYSTEM\\CurrentControlSet", TN_PATHS_REGISTRY},
    /* Sysmon writes the machine's classes as HKCR (HKCR\CLSID\...) */
    {"\\registry\\machine\\software\\classes", 0, "HKCR", TN_PATHS_REGISTRY},
    {"\\registry\\machine", 0, "HKLM", TN_PATHS_REGISTRY},
    {"\\registry\\user", 0, "HKU", TN_PATHS_REGISTRY},
};

/* The names Windows shows for the access rights an access list (5145's,
 * 4656's and 4663's AccessList) holds as message codes: the standard
 * rights and a file's (msobjs.dll; the Security log's rendered messages,
 * Microsoft's event documentation). SigmaHQ's rules test either
 * (AccessList|contains: '%%4417', or: 'WriteData'). */
static const struct {
    unsigned code;
    const char *name;
} access_names[] = {
    {1537, "DELETE"}, {1538, "READ_CONTROL"}, {1539, "WRITE_DAC"}, {1540, "WRITE_OWNER"},
    {1541, "SYNCHRONIZE"}, {1542, "ACCESS_SYS_SEC"},
    {4416, "ReadData (or ListDirectory)"}, {4417, "WriteData (or AddFile)"},
    {4418, "AppendData (or AddSubdirectory or CreatePipeInstance)"}, {4419, "ReadEA"},
    {4420, "WriteEA"}, {4421, "Execute/Traverse"}, {4422, "DeleteChild"},
    {4423, "ReadAttributes"}, {4424, "WriteAttributes"},
};

/* (s, n) with the name of each known %%NNNN code after it ("%%4417
 * WriteData (or AddFile)"), in a's memory; 0 when nothing was known. */
static int access_text(const char *s, size_t n, tn_arena *a, const char **out, size_t *outn)
{
    size_t extra = 0;
    for (int pass = 0; pass < 2; pass++) {
        char *d = NULL;
        if (pass) {
            if (!extra || !(d = tn_arena_alloc(a, n + extra + 1)))
                return 0;
        }
        size_t o = 0;
        for (size_t i = 0; i < n;) {
            unsigned code = 0;
            size_t j = i + 2;
            if (n - i > 2 && s[i] == '%' && s[i + 1] == '%' && s[i + 2] != '0')   /* %%004417 is no code */
                for (; j < n && j - i < 8 && s[j] >= '0' && s[j] <= '9'; j++)
                    code = code * 10 + (unsigned)(s[j] - '0');
            const char *name = NULL;
            for (size_t k = 0; j > i + 2 && k < sizeof(access_names) / sizeof(access_names[0]); k++)
                if (access_names[k].code == code && (j == n || s[j] < '0' || s[j] > '9'))
                    name = access_names[k].name;
            size_t run = j > i + 2 ? j - i : 1;
            if (pass)
                memcpy(d + o, s + i, run);
            o += run;
            i += run;
            if (name) {
                size_t nl = strlen(name);
                if (pass) {
                    d[o] = ' ';
                    memcpy(d + o + 1, name, nl);
                } else {
                    extra += 1 + nl;
                }
                o += 1 + nl;
            }
        }
        if (pass) {
            d[o] = '\0';
            *out = d;
            *outn = o;
        }
    }
    return 1;
}

const char *tn_sid_account(const char *s, size_t n)
{
    static const struct {
        const char *sid, *name;
    } known[] = {
        {"S-1-5-18", "NT AUTHORITY\\SYSTEM"},
        {"S-1-5-19", "NT AUTHORITY\\LOCAL SERVICE"},
        {"S-1-5-20", "NT AUTHORITY\\NETWORK SERVICE"},
    };
    for (size_t i = 0; n == 8 && i < sizeof(known) / sizeof(known[0]); i++)
        if (!strncasecmp(s, known[i].sid, 8))   /* as logged: S-1-5-18 */
            return known[i].name;
    return NULL;
}

int tn_rename_text(const tn_rename *rn, const char *s, size_t n, const char *tail, size_t tn,
                   const char *sid, size_t sn, tn_arena *a, const char **out, size_t *outn)
{
    int changed = 0;
    const char *acct = rn->sid ? tn_sid_account(sid, sn) : NULL;
    if (acct) {
        *out = acct;
        *outn = strlen(acct);
        return 1;
    }
    /* the source's raw value as rules write it (%%14593 -> true) */
    for (uint32_t i = 0; i < rn->nvalues; i++) {
        const char *raw = rn->values[2 * i];
        if (raw[0] == (n ? s[0] : '\0') && strlen(raw) == n && !memcmp(raw, s, n)) {
            s = rn->values[2 * i + 1];
            n = strlen(s);
            changed = 1;
            break;
        }
    }
    *out = s;
    *outn = n;
    if (!(rn->paths || rn->append) || !a)
        return changed;
    if (rn->paths == TN_PATHS_ACCESS)
        return access_text(s, n, a, out, outn) || changed;
    const char *as = "";
    size_t skip = 0;
    for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]) && rn->paths; i++)
        if (heads[i].kind == rn->paths && (skip = head_len(s, n, heads[i].pre, heads[i].digits)) != 0) {
            as = heads[i].as;
            break;
        }
    if (!rn->append)
        tn = 0;
    if (!skip && !tn)
        return changed;
    size_t al = strlen(as), rest = n - skip, len = al + rest + (tn ? 1 + tn : 0);
    char *d = tn_arena_alloc(a, len + 1);
    if (!d)
        return changed;
    memcpy(d, as, al);
    memcpy(d + al, s + skip, rest);
    if (tn) {
        d[al + rest] = '\\';
        memcpy(d + al + rest + 1, tail, tn);
    }
    d[len] = 0;
    *out = d;
    *outn = len;
    return 1;
}
