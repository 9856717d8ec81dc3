/* test_sigma_re_literal.c - the literal every match of a regex contains
 * (regex.c tn_re_literal), which the prefilter scans for: it must never
 * name a string that some match lacks. */
#include "tn_test.h"

#include "sigma/value.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

static const char *lit(const char *re, int caseless)
{
    static char out[300];
    size_t n = tn_re_literal(re, strlen(re), caseless, out, sizeof(out) - 1);
    out[n] = 0;
    return out;
}

TN_TEST(test_re_literal_cases)
{
    CHECK_STR(lit("invoke-[a-z]+", 0), "invoke-");
    CHECK_STR(lit("invoke-[a-z]+", 1), "invo");        /* k: the Kelvin sign folds to it */
    CHECK_STR(lit("(?i)cmd\\.exe", 0), "cmd.exe");      /* inline flags count as caseless */
    CHECK_STR(lit("Mimikatz", 1), "mimi");
    CHECK_STR(lit(".{1000,}", 0), "");                  /* quantifier digits are no literal */
    CHECK_STR(lit("a{2}bcd", 0), "bcd");
    CHECK_STR(lit("ab{2,3}cd", 0), "cd");
    CHECK_STR(lit("{abc}", 0), "abc");                  /* literal braces */
    CHECK_STR(lit("\\+.*\\+", 0), "+");
    CHECK_STR(lit("abc|defgh", 0), "");                 /* top-level alternation */
    CHECK_STR(lit("(abc|def)ghi", 0), "ghi");
    CHECK_STR(lit("ab?cde", 0), "cde");
    CHECK_STR(lit("ab*cdef", 0), "cdef");
    CHECK_STR(lit("xyz+def", 0), "xyz");
    CHECK_STR(lit("\\\\Windows\\\\Temp\\\\[^\\\\]+\\.exe$", 0), "\\windows\\temp\\");
    CHECK_STR(lit("\\Qabc\\E", 0), "");
    CHECK_STR(lit("(?x)a b c d", 0), "");
    CHECK_STR(lit("[abc]def", 0), "def");
    CHECK_STR(lit("[]abc]def", 0), "def");
    CHECK_STR(lit("\\d+abc\\w", 0), "abc");
    CHECK_STR(lit("\\x41BCD", 0), "");                 /* \x41 is A: its argument is skipped */
    CHECK_STR(lit("\\x{41}BCD", 0), "bcd");
    CHECK_STR(lit("\\101BCD x", 0), " x");             /* octal */
    CHECK_STR(lit("\\cAbcd", 0), "bcd");               /* \cA is one character */
    CHECK_STR(lit("\\p{L}abc", 0), "abc");
    CHECK_STR(lit("\\bpowershell\\b", 0), "powershell");
    CHECK_STR(lit("caf\xc3\xa9 bar", 0), " bar");
    CHECK_STR(lit("^powershell(\\.exe)?$", 0), "powershell");
    CHECK_STR(lit("abc(?=def)", 0), "abc");
    CHECK_STR(lit("xyz\\E?abc", 0), "");               /* \E, comments, POSIX classes: not analysed */
    CHECK_STR(lit("xyz(?#note)*abc", 0), "");
    CHECK_STR(lit("\\c(abc|def)", 0), "");             /* \c( is one character: | is top level */
    CHECK_STR(lit("[[:alpha:]abc]def", 0), "");
    CHECK_STR(lit("[\\c]]xyz", 0), "xyz");
    CHECK_STR(lit("abc(?#x\\)|def", 0), "");           /* a comment ends at ')' even after \ */
    CHECK_STR(lit("abcd[_A[=j]|x", 0), "");             /* [= without =] is no POSIX class */
    CHECK_STR(lit("ab\\x<cd|e", 0), "");               /* \x< is \x00 then '<': | is top level */
    CHECK_STR(lit("", 0), "");
    CHECK_STR(lit("\\", 0), "");
}

/* Every subject a regex matches contains its literal (ASCII-lower-cased
 * on both sides, as the prefilter compares). */
TN_TEST(test_re_literal_sound_on_matches)
{
    static const struct { const char *re; int caseless; const char *subj; } t[] = {
        {"invoke-[a-z]+", 1, "INVOKE-expression"},
        {"invoke-[a-z]+", 1, "invo\xe2\x84\xaa" "e-x"},   /* Kelvin sign K */
        {"net\\s+user", 1, "NET   USER"},
        {"a{0}bcd", 0, "bcd"},
        {"ab?cde", 0, "acde"},
        {"xyz+def", 0, "xyzzzdef"},
        {"(?i)cmd\\.exe", 0, "CMD.EXE"},
        {"\\.(ps1|bat)$", 0, "run.bat"},
        {"colou?r", 0, "color"},
        {"wh[o0]ami", 1, "WH0AMI"},
        {"\\{.*\\{.*\\{", 0, "{a}{b}{c}"},
        {"-e(nc|ncodedcommand)? ", 1, "-E "},
        {"s[a-z]+ss", 1, "\xc5\xbfuccess"},              /* long s */
        {"\\x41BCDE", 0, "ABCDE"},
        {"\\101BCD x", 0, "ABCD x"},
        {"\\cAbcd", 0, "\001bcd"},
        {"z\\E?\\xE?", 0, "b"},                          /* fuzz_re_literal crash-8eee2d44 */
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int ec;
        PCRE2_SIZE off;
        uint32_t o = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (t[i].caseless ? PCRE2_CASELESS : 0);
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)t[i].re, strlen(t[i].re), o, &ec, &off, NULL);
        CHECK(re != NULL);
        if (!re)
            continue;
        pcre2_match_data *md = pcre2_match_data_create(1, NULL);
        int m = pcre2_match(re, (PCRE2_SPTR)t[i].subj, strlen(t[i].subj), 0, 0, md, NULL);
        CHECK(m >= 0);
        char low[128];
        size_t n = strlen(t[i].subj);
        for (size_t k = 0; k <= n && k < sizeof(low); k++)
            low[k] = (char)(t[i].subj[k] >= 'A' && t[i].subj[k] <= 'Z' ? t[i].subj[k] + 32 : t[i].subj[k]);
        const char *l = lit(t[i].re, t[i].caseless);
        if (!strstr(low, l))
            fprintf(stderr, "  %s: literal '%s' not in '%s'\n", t[i].re, l, t[i].subj);
        CHECK(strstr(low, l) != NULL);
        pcre2_match_data_free(md);
        pcre2_code_free(re);
    }
}

TN_TEST(test_re_required_char)
{
    unsigned char ch = 0;
    CHECK_INT(tn_re_required_char("\\+.*\\+.*\\+.*\\+", 14, 0, &ch), 4);
    CHECK_INT(ch, '+');
    CHECK_INT(tn_re_required_char("`.*`.*`.*`.*`", 13, 1, &ch), 5);
    CHECK_INT(ch, '`');
    CHECK_INT(tn_re_required_char("a\\+?b\\+*c", 9, 0, &ch), 1);   /* optional ones do not count */
    CHECK_INT(tn_re_required_char("x+y|zzzz", 8, 0, &ch), 0);     /* alternation: nothing known */
    CHECK_INT(tn_re_required_char("(\\+){5}", 7, 0, &ch), 0);      /* inside a group: not counted */
    CHECK_INT(tn_re_required_char("aaa", 3, 1, &ch), 0);           /* caseless letters: not counted */
    CHECK_INT(tn_re_required_char("aaa", 3, 0, &ch), 3);
}

static const char *lazy(const char *re)
{
    static char out[300];
    size_t n = tn_re_lazy(re, strlen(re), out, sizeof(out) - 1);
    out[n] = 0;
    return out;
}

/* The rewrite to lazy quantifiers, and what it declines ("" = unchanged). */
TN_TEST(test_re_lazy_cases)
{
    CHECK_STR(lazy("\\+.*\\+.*\\+"), "\\+.*?\\+.*?\\+");
    CHECK_STR(lazy("a+b?c{2,}d{3}"), "a+?b??c{2,}?d{3}?");
    CHECK_STR(lazy("a*?b"), "");                        /* lazy already: nothing to change */
    CHECK_STR(lazy("a*?b+"), "a*?b+?");
    CHECK_STR(lazy("(?i)ab.*c"), "(?i)ab.*?c");
    CHECK_STR(lazy("(?:ab)+c"), "(?:ab)+?c");
    CHECK_STR(lazy("[*+?]x*"), "[*+?]x*?");             /* class members are no quantifiers */
    CHECK_STR(lazy("\\*a\\+"), "");                     /* escaped: literal */
    CHECK_STR(lazy("\\x{41}+\\d{2}"), "\\x{41}+?\\d{2}?");
    CHECK_STR(lazy("a*+b"), "");                        /* possessive */
    CHECK_STR(lazy("(?>a*)b"), "");                     /* atomic */
    CHECK_STR(lazy("a(?=b*)c"), "");                    /* lookahead */
    CHECK_STR(lazy("(a*)\\1"), "");                     /* back reference */
    CHECK_STR(lazy("(?U)a*"), "");                      /* U flips greediness */
    CHECK_STR(lazy("(?x)a * b"), "");                   /* x changes tokens */
    CHECK_STR(lazy("a{,3}"), "");                       /* a brace PCRE2 versions read apart */
    CHECK_STR(lazy("a{b}*"), "");
    CHECK_STR(lazy("(*ACCEPT)a*"), "");
    CHECK_STR(lazy("\\Qa*\\E*"), "");
    CHECK_STR(lazy("a\\Kb*"), "");
}

/* Lazy and greedy patterns agree on match or no match, on every subject. */
TN_TEST(test_re_lazy_same_answers)
{
    static const char *const res[] = {
        "\\+.*\\+.*\\+.*\\+", "a.*b.*c", "(ab|a)*c", "^a+b?$", "x{2,3}y", "(?i)in.*voke", "(a|ab)(c|bcd)(d*)$",
        "[a-c]+\\d*z?", "(?s)a.*b", "(?m)^b.*$", "colou?r", "(\\w+\\s*){3}end", "a{0}b", "^(a+)+$",
    };
    static const char *const subj[] = {
        "", "a+b+c+d", "a+b+c", "a+b\n+c+d+", "abc", "aXbYc", "acb", "ababc", "ab", "aab", "xxy", "xxxxy",
        "INVOKE", "in\nvoke", "abcd", "abcdd", "abbbd", "aaa111z", "a\nb", "x\nbcd", "color", "colour",
        "one two  three end", "one two end", "b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
    };
    int checked = 0;
    for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
        char lz[300];
        size_t ln = tn_re_lazy(res[i], strlen(res[i]), lz, sizeof(lz));
        CHECK(ln > 0);
        int ec;
        PCRE2_SIZE off;
        uint32_t o = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
        pcre2_code *g = pcre2_compile((PCRE2_SPTR)res[i], strlen(res[i]), o, &ec, &off, NULL);
        pcre2_code *l = ln ? pcre2_compile((PCRE2_SPTR)lz, ln, o, &ec, &off, NULL) : NULL;
        CHECK(g != NULL && l != NULL);
        pcre2_match_data *md = pcre2_match_data_create(1, NULL);
        for (size_t k = 0; g && l && k < sizeof(subj) / sizeof(subj[0]); k++) {
            int a = pcre2_match(g, (PCRE2_SPTR)subj[k], strlen(subj[k]), 0, 0, md, NULL) >= 0;
            int b = pcre2_match(l, (PCRE2_SPTR)subj[k], strlen(subj[k]), 0, 0, md, NULL) >= 0;
            if (a != b)
                fprintf(stderr, "  /%s/ and /%.*s/ differ on '%s'\n", res[i], (int)ln, lz, subj[k]);
            CHECK_INT(a, b);
            checked++;
        }
        pcre2_match_data_free(md);
        pcre2_code_free(g);
        pcre2_code_free(l);
    }
    CHECK(checked > 300);
}

static const char *trim(const char *re)
{
    static char out[300];
    size_t n = tn_re_trim(re, strlen(re), out, sizeof(out) - 1);
    out[n] = 0;
    return out;
}

/* Repeated items at the ends repeated as little as their minimum allows,
 * and what is declined ("" = unchanged). */
TN_TEST(test_re_trim_cases)
{
    CHECK_STR(trim("\\w+`(?:\\w+|-|.)`[\\w+|\\s]"), "\\w`(?:\\w+|-|.)`[\\w+|\\s]");
    CHECK_STR(trim("\\w+?`x"), "\\w`x");
    CHECK_STR(trim("(?i)\\w+x\\d*"), "(?i)\\wx");
    CHECK_STR(trim(".*?x.+?"), "x.");
    CHECK_STR(trim("[a-z]{1,5}q[0-9]{3,}"), "[a-z]q[0-9]{3,}");   /* minimum 3: kept */
    CHECK_STR(trim("a?bc{0,4}"), "b");
    CHECK_STR(trim("\\w+$"), "\\w$");
    CHECK_STR(trim("^\\w+x"), "");        /* anchored: the start matters */
    CHECK_STR(trim("ab{2,}"), "");
    CHECK_STR(trim("a+|b"), "");           /* alternation */
    CHECK_STR(trim("(a)+b"), "");          /* a group, not one character */
    CHECK_STR(trim("a+(b)\\1"), "");       /* back reference */
    CHECK_STR(trim("a+(?=b)"), "");        /* lookaround */
    CHECK_STR(trim("a++b"), "");           /* possessive */
    CHECK_STR(trim("a{1}{2}b"), "");       /* a quantified quantifier */
    CHECK_STR(trim("\\R+x"), "");          /* \\R can be two characters */
    CHECK_STR(trim("\\X+x"), "");
    CHECK_STR(trim("\\b+x"), "");
    CHECK_STR(trim("(?x)a+ b"), "");
    CHECK_STR(trim("\\Ka+b"), "");
}

/* Trimmed and original patterns agree on match or no match, on every
 * subject, with and without caseless/dotall/multiline. */
TN_TEST(test_re_trim_same_answers)
{
    static const char *const res[] = {
        "\\w+`(?:\\w+|-|.)`[\\w+|\\s]", "\\w+?`x", "(?i)\\w+x\\d*", ".*?x.+?", "[a-z]{1,5}q[0-9]{3,}",
        "a?bc{0,4}", "\\w+$", "\\s+\\bend\\b\\s*", ".+\\n", "(?s).+b.*", "(?m)x+$", "\\d{1,3}\\.\\d+",
        "\\W*a\\W+", "[^a]+a[^a]*", "\\x{41}+b\\p{L}*", "\\.+\\.",
    };
    static const char *const subj[] = {
        "", "a`b`c", "ab`c`d", "`x`y", "IN`V`o`Ke", "x", "ax", "AX1", "bx", "x1", "xy", "abbbbbq123", "q12",
        "aq1234", "b", "bcccccc", "w$", "word", " end ", "theend", "x end", "a\n", "\n", "ab", "xb\n",
        "x\nb", "x\n", "xx\ny", "12.3", "1234.5", "..", ".", "!a!", "a!", "!a", "bba", "aab", "AAb",
        "Ab\xc3\xa9", "\xff\xfe" "ab",
    };
    static const uint32_t flags[] = {0, PCRE2_CASELESS, PCRE2_DOTALL | PCRE2_MULTILINE};
    int checked = 0;
    for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
        char tr[300];
        size_t tn = tn_re_trim(res[i], strlen(res[i]), tr, sizeof(tr));
        CHECK(tn > 0);
        for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
            int ec;
            PCRE2_SIZE off;
            uint32_t o = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | flags[f];
            pcre2_code *g = pcre2_compile((PCRE2_SPTR)res[i], strlen(res[i]), o, &ec, &off, NULL);
            pcre2_code *t = tn ? pcre2_compile((PCRE2_SPTR)tr, tn, o, &ec, &off, NULL) : NULL;
            CHECK(g != NULL && t != NULL);
            pcre2_match_data *md = pcre2_match_data_create(1, NULL);
            for (size_t k = 0; g && t && k < sizeof(subj) / sizeof(subj[0]); k++) {
                int a = pcre2_match(g, (PCRE2_SPTR)subj[k], strlen(subj[k]), 0, 0, md, NULL) >= 0;
                int b = pcre2_match(t, (PCRE2_SPTR)subj[k], strlen(subj[k]), 0, 0, md, NULL) >= 0;
                if (a != b)
                    fprintf(stderr, "  /%s/ and /%.*s/ differ on '%s'\n", res[i], (int)tn, tr, subj[k]);
                CHECK_INT(a, b);
                checked++;
            }
            pcre2_match_data_free(md);
            pcre2_code_free(g);
            pcre2_code_free(t);
        }
    }
    CHECK(checked > 1000);
}

/* What tn_re_class_run takes as ^[set]{min,max}$, and what it declines. */
TN_TEST(test_re_class_run_cases)
{
    uint64_t set[2];
    uint32_t lo = 0, hi = 0;
    CHECK_INT(tn_re_class_run("^[A-Za-z0-9]{16}$", 17, set, &lo, &hi), 1);
    CHECK(lo == 16 && hi == 16);
    CHECK(((set[0] >> '0') & 1) && ((set[1] >> ('z' - 64)) & 1) && !((set[0] >> '-') & 1));
    CHECK_INT(tn_re_class_run("^[a-]{2,}$", 10, set, &lo, &hi), 1);
    CHECK(lo == 2 && hi == UINT32_MAX && ((set[0] >> '-') & 1));
    CHECK_INT(tn_re_class_run("^[x]+$", 6, set, &lo, &hi), 1);
    CHECK(lo == 1 && hi == UINT32_MAX);
    CHECK_INT(tn_re_class_run("^[x]{1,3}$", 10, set, &lo, &hi), 1);
    CHECK(lo == 1 && hi == 3);
    CHECK_INT(tn_re_class_run("^[^x]{3}$", 9, set, &lo, &hi), 0);     /* negated */
    CHECK_INT(tn_re_class_run("^[\\w]{3}$", 10, set, &lo, &hi), 0);   /* an escape */
    CHECK_INT(tn_re_class_run("^[x]{3}?$", 9, set, &lo, &hi), 0);      /* lazy: not read */
    CHECK_INT(tn_re_class_run("^[x]{3}", 7, set, &lo, &hi), 0);        /* not anchored at the end */
    CHECK_INT(tn_re_class_run("^[x]{,3}$", 9, set, &lo, &hi), 0);
    CHECK_INT(tn_re_class_run("^[z-a]{3}$", 10, set, &lo, &hi), 0);
    CHECK_INT(tn_re_class_run("^[]x]{3}$", 9, set, &lo, &hi), 0);
    CHECK_INT(tn_re_class_run("^[x]$", 5, set, &lo, &hi), 0);          /* no quantifier */
}

/* A rule whose regex needs four '+': three in the subject is no match,
 * four is, with and without the prefilter. */
#include "sigma_helpers.h"

TN_TEST(test_re_required_char_in_rules)
{
    const char *rule = "title: t\nlogsource:\n  product: windows\n  category: process_creation\n"
                       "detection:\n  sel:\n    CommandLine|re: '\\+.*\\+.*\\+.*\\+'\n  condition: sel\n";
    TEST_EVENT(three, "Microsoft-Windows-Sysmon/Operational", 1, "CommandLine", "a+b+c+d");
    TEST_EVENT(four, "Microsoft-Windows-Sysmon/Operational", 1, "CommandLine", "a+b+c+d+");
    TEST_EVENT(nl, "Microsoft-Windows-Sysmon/Operational", 1, "CommandLine", "a+b+\nc+d+");
    CHECK_INT(test_match(rule, &three), 0);
    CHECK_INT(test_match(rule, &four), 1);
    CHECK_INT(test_match(rule, &nl), 0);   /* '.' stops at a newline: pcre2 still decides */
    /* a byte needed once or twice is counted too */
    const char *once = "title: t\nlogsource:\n  product: windows\n  category: process_creation\n"
                       "detection:\n  sel:\n    CommandLine|re: '\\w\\+\\d;\\d'\n  condition: sel\n";
    TEST_EVENT(o1, "Microsoft-Windows-Sysmon/Operational", 1, "CommandLine", "x a+1;2");
    TEST_EVENT(o2, "Microsoft-Windows-Sysmon/Operational", 1, "CommandLine", "x a+1:2");
    TEST_EVENT(o3, "Microsoft-Windows-Sysmon/Operational", 1, "CommandLine", "x a+;2 b+1;");
    CHECK_INT(test_match(once, &o1), 1);
    CHECK_INT(test_match(once, &o2), 0);
    CHECK_INT(test_match(once, &o3), 0);
    /* shorter than the shortest match (in characters) is no match */
    const char *minl = "title: t\nlogsource:\n  product: windows\n  category: process_creation\n"
                       "detection:\n  sel:\n    CommandLine|re: 'a.{3}b'\n  condition: sel\n";
    TEST_EVENT(m1, "Microsoft-Windows-Sysmon/Operational", 1, "CommandLine", "a123b");
    TEST_EVENT(m2, "Microsoft-Windows-Sysmon/Operational", 1, "CommandLine", "a12b");
    TEST_EVENT(m3, "Microsoft-Windows-Sysmon/Operational", 1, "CommandLine", "a\xc3\xa9\xc3\xa9\xc3\xa9" "b");
    TEST_EVENT(m4, "Microsoft-Windows-Sysmon/Operational", 1, "CommandLine", "a\xc3\xa9" "1b");
    CHECK_INT(test_match(minl, &m1), 1);
    CHECK_INT(test_match(minl, &m2), 0);
    CHECK_INT(test_match(minl, &m3), 1);
    CHECK_INT(test_match(minl, &m4), 0);
}

/* Replays tests/fuzz-regress/re_literal as fuzz/fuzz_re_literal.c reads
 * them (flag byte, regex, NUL, subject) and checks the same property. */
#include <dirent.h>
#include <stdlib.h>

TN_TEST(test_re_literal_fuzz_regressions)
{
    const char *dir = "tests/fuzz-regress/re_literal";
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    struct dirent *de;
    int n = 0;
    while (d && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[512], buf[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        size_t len = f ? fread(buf, 1, sizeof(buf), f) : 0;
        if (f)
            fclose(f);
        const char *nul = len > 1 ? memchr(buf + 1, 0, len - 1) : NULL;
        if (!nul)
            continue;
        n++;
        const char *re = buf + 1, *subj = nul + 1;
        size_t rn = (size_t)(nul - re), sn = len - 1 - rn - 1;
        int caseless = buf[0] & 1, ec;
        PCRE2_SIZE off;
        pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, rn,
                                         PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (caseless ? PCRE2_CASELESS : 0),
                                         &ec, &off, NULL);
        if (!code)
            continue;
        pcre2_match_data *md = pcre2_match_data_create(1, NULL);
        if (pcre2_match(code, (PCRE2_SPTR)subj, sn, 0, 0, md, NULL) >= 0) {
            char lit[256], low[4096];
            size_t ln = tn_re_literal(re, rn, caseless, lit, sizeof(lit));
            for (size_t i = 0; i < sn; i++)
                low[i] = (char)(subj[i] >= 'A' && subj[i] <= 'Z' ? subj[i] + 32 : subj[i]);
            CHECK(ln == 0 || memmem(low, sn, lit, ln) != NULL);
        }
        pcre2_match_data_free(md);
        pcre2_code_free(code);
    }
    if (d)
        closedir(d);
    CHECK(n > 0);
}
