/* fuzz_re_literal.c - libFuzzer property target for the regex analysis the
 * prefilter trusts (regex.c): whenever PCRE2 finds a match of regex R in
 * subject S, S (ASCII-lower-cased) contains tn_re_literal(R), and holds
 * tn_re_required_char(R) at least as often as it says; and R made lazy
 * (tn_re_lazy) matches S exactly when R does. A violation aborts.
 *
 * Input: one flag byte (bit 0: caseless), the regex, a NUL, the subject. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "sigma/value.h"

#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int caseless = data[0] & 1;
    const char *re = (const char *)data + 1;
    const char *nul = memchr(re, 0, size - 1);
    if (!nul)
        return 0;
    size_t rn = (size_t)(nul - re);
    const char *subj = nul + 1;
    size_t sn = size - 1 - rn - 1;
    int ec;
    PCRE2_SIZE off;
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (caseless ? PCRE2_CASELESS : 0);
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, rn, opts, &ec, &off, NULL);
    if (!code)
        return 0;
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    pcre2_match_context *mc = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(mc, 100000);   /* pathological patterns: give up, not hang */
    int m = pcre2_match(code, (PCRE2_SPTR)subj, sn, 0, 0, md, mc);
    if (m >= 0) {
        char lit[256];
        size_t ln = tn_re_literal(re, rn, caseless, lit, sizeof(lit));
        char *low = malloc(sn + 1);
        for (size_t i = 0; i < sn; i++)
            low[i] = (char)(subj[i] >= 'A' && subj[i] <= 'Z' ? subj[i] + 32 : subj[i]);
        low[sn] = 0;
        if (ln && !memmem(low, sn, lit, ln)) {
            fprintf(stderr, "literal '%.*s' of /%.*s/ not in a match subject\n", (int)ln, lit, (int)rn, re);
            abort();
        }
        unsigned char ch = 0;
        uint32_t need = tn_re_required_char(re, rn, caseless, &ch), have = 0;
        for (size_t i = 0; i < sn; i++)
            have += (unsigned char)subj[i] == ch;
        if (need && have < need) {
            fprintf(stderr, "/%.*s/ needs '%c' %u times; a match subject has %u\n", (int)rn, re, ch, need,
                    have);
            abort();
        }
        free(low);
    }
    char lz[1024];
    size_t ln = tn_re_lazy(re, rn, lz, sizeof(lz));
    pcre2_code *lcode = ln ? pcre2_compile((PCRE2_SPTR)lz, ln, opts, &ec, &off, NULL) : NULL;
    if (lcode) {
        int lm = pcre2_match(lcode, (PCRE2_SPTR)subj, sn, 0, 0, md, mc);
        /* a match limit hit is no answer: compare only answers */
        int known = (m >= 0 || m == PCRE2_ERROR_NOMATCH) && (lm >= 0 || lm == PCRE2_ERROR_NOMATCH);
        if (known && (m >= 0) != (lm >= 0)) {
            fprintf(stderr, "/%.*s/ and lazy /%.*s/ differ on a subject\n", (int)rn, re, (int)ln, lz);
            abort();
        }
        pcre2_code_free(lcode);
    }
    pcre2_match_context_free(mc);
    pcre2_match_data_free(md);
    pcre2_code_free(code);
    return 0;
}
