/* test_sigma_yamlpos.c - tn_yaml_scalar_pos: where a byte of a scalar's
 * value is in its source, over several lines (a condition's error is
 * placed so). The cases are a review's (session 29): each was off, some
 * past the file's end, and two were quadratic. */
#include "tn_test.h"

#include "base/alloc.h"
#include "sigma/yaml.h"

#include <stdio.h>
#include <string.h>

/* "LINE:COL" of byte off of the scalar at line:col of src. */
static const char *pos(const char *src, uint32_t line, uint32_t col, size_t off)
{
    static char out[32];
    size_t nl, n = strlen(src);
    size_t *ls = tn_yaml_line_starts(src, n, &nl);
    uint32_t l = 0, c = 0;
    if (!ls || line > nl || tn_yaml_scalar_pos(src, n, ls[line - 1], line, col, off, &l, &c))
        snprintf(out, sizeof(out), "fail");
    else
        snprintf(out, sizeof(out), "%u:%u", l, c);
    tn_free(ls);
    return out;
}

TN_TEST(test_yaml_scalar_pos_forms)
{
    /* the value "sel and bogus" (off 8: bogus) in each form */
    CHECK_STR(pos("c: sel and bogus\n", 1, 4, 8), "1:12");
    CHECK_STR(pos("c: sel and\n   bogus\n", 1, 4, 8), "2:4");                  /* plain, folded */
    CHECK_STR(pos("c: sel and\r\n   bogus\r\n", 1, 4, 8), "2:4");              /* CRLF */
    CHECK_STR(pos("c: sel and   \n   bogus\n", 1, 4, 8), "2:4");               /* trailing blanks */
    CHECK_STR(pos("c: >\n  sel and\n  bogus\n", 1, 4, 8), "3:3");             /* folded block */
    CHECK_STR(pos("c: |\n  sel and\n  bogus\n", 1, 4, 8), "3:3");             /* literal block */
    CHECK_STR(pos("c: |2\n    sel and\n    bogus\n", 1, 4, 12), "3:5");      /* indicator: 2 more */
    CHECK_STR(pos("c: |\n\n  sel and bogus\n", 1, 4, 9), "3:11");            /* a leading empty line */
    CHECK_STR(pos("c: !!str >\n  sel and\n  bogus\n", 1, 4, 8), "3:3");       /* a tag first */
    CHECK_STR(pos("c: &a |-\n  sel and\n  bogus\n", 1, 4, 8), "3:3");         /* an anchor, chomping */
    /* "sel and\nsel and bogus": a blank line folds to one line break */
    CHECK_STR(pos("c: >\n  sel and\n\n  sel and bogus\n", 1, 4, 16), "4:11");
    CHECK_STR(pos("c: sel and\n\n   sel and bogus\n", 1, 4, 16), "3:12");
    /* double-quoted escapes: \x73 is one byte, \u00e9 two, an escaped
     * line break none */
    CHECK_STR(pos("c: \"sel and \\x73el and bogus\"\n", 1, 4, 16), "1:24");
    CHECK_STR(pos("c: \"a \\u00e9 bogus\"\n", 1, 4, 5), "1:14");
    CHECK_STR(pos("c: \"sel and \\\n   sel and bogus\"\n", 1, 4, 16), "2:12");
    CHECK_STR(pos("c: 'it''s bogus'\n", 1, 4, 5), "1:11");                    /* '' is one quote */
    /* columns in characters */
    CHECK_STR(pos("c: caf\xc3\xa9 bogus\n", 1, 4, 6), "1:9");
    /* out of the text: no position */
    CHECK_STR(pos("c: x\n", 3, 1, 0), "fail");
    CHECK_STR(pos("c: x\n", 1, 40, 0), "fail");
}

/* A long run of blanks inside a value is stepped over at once (a
 * 320,000-blank condition took 20 s, each blank scanning the run). */
TN_TEST(test_yaml_scalar_pos_long_blanks)
{
    size_t n = 2000000;
    char *s = tn_malloc(n + 32);
    CHECK(s != NULL);
    if (!s)
        return;
    memcpy(s, "c: a", 4);
    memset(s + 4, ' ', n);
    memcpy(s + 4 + n, "bogus\n", 7);
    CHECK_STR(pos(s, 1, 4, n + 1), "1:2000005");
    tn_free(s);
}
