/* test_xml_event.c - Windows event XML (as forwarded in text) into events. */
#include "tn_test.h"

#include "replay.h"
#include <stdlib.h>

#include "base/alloc.h"
#include "base/arena.h"
#include "base/buf.h"
#include "read/jsonl.h"
#include "read/xml_event.h"

static int collect(void *ctx, const char *name, uint32_t nlen, const char *value, uint32_t vlen,
                   int is_null)
{
    tn_buf *b = ctx;
    CHECK_INT(strlen(name), nlen);
    tn_buf_printf(b, " %s=", name);
    if (is_null)
        tn_buf_putc(b, '~');
    else
        tn_buf_put(b, value, vlen);
    tn_buf_putc(b, ';');
    return 0;
}

/* Parses xml; returns the fields as " name=value;..." and fills *ev. */
static char *fields_of(const char *xml, tn_event *ev, int *rc, tn_arena *a)
{
    tn_buf b;
    tn_buf_init(&b);
    tn_buf_puts(&b, "");
    memset(ev, 0, sizeof(*ev));
    ev->provider = ev->provider_guid = ev->channel = ev->computer = ev->user_sid = "";
    *rc = tn_xml_event(a, xml, strlen(xml), ev, collect, &b);
    return b.data;
}

TN_TEST(test_xml_event_security)
{
    const char *xml =
        "<?xml version=\"1.0\"?>\n"
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>\n"
        "  <System>\n"
        "    <Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478}'/>\n"
        "    <EventID Qualifiers='16384'>4688</EventID>\n"
        "    <Version>2</Version><Level>0</Level><Task>13312</Task><Opcode>0</Opcode>\n"
        "    <Keywords>0x8020000000000000</Keywords>\n"
        "    <TimeCreated SystemTime='2019-03-19T23:35:10.1234567Z'/>\n"
        "    <EventRecordID>42</EventRecordID>\n"
        "    <Correlation/>\n"
        "    <Execution ProcessID='4' ThreadID='8'/>\n"
        "    <Channel>Security</Channel><Computer>dc01.corp</Computer>\n"
        "    <Security UserID='S-1-5-18'/>\n"
        "  </System>\n"
        "  <EventData>\n"
        "    <Data Name='CommandLine'>cmd /c \"a &amp; b\" &lt;x&gt; &#233;&#x20AC;&bogus;</Data>\n"
        "    <Data Name='Empty'></Data>\n"
        "    <Data Name='Slash'/>\n"
        "    <Data>unnamed</Data>\n"
        "    <Binary>00FF</Binary>\n"
        "  </EventData>\n"
        "</Event>\n";
    tn_arena a;
    tn_arena_init(&a, 0);
    tn_event ev;
    int rc;
    char *got = fields_of(xml, &ev, &rc, &a);
    CHECK_INT(rc, 0);
    CHECK_STR(got, " CommandLine=cmd /c \"a & b\" <x> \xC3\xA9\xE2\x82\xAC&bogus;; Empty=~;"
                   " Slash=~; Data=unnamed; Binary=00FF;");
    CHECK_STR(ev.provider, "Microsoft-Windows-Security-Auditing");
    CHECK_STR(ev.provider_guid, "{54849625-5478}");
    CHECK_INT(ev.event_id, 4688);
    CHECK_INT(ev.qualifiers, 16384);
    CHECK_INT(ev.version, 2);
    CHECK_INT(ev.task, 13312);
    CHECK(ev.keywords == 0x8020000000000000ULL);
    CHECK_INT(ev.record_id, 42);
    CHECK_INT(ev.pid, 4);
    CHECK_INT(ev.tid, 8);
    CHECK_STR(ev.channel, "Security");
    CHECK_STR(ev.computer, "dc01.corp");
    CHECK_STR(ev.user_sid, "S-1-5-18");
    char t[32];
    tn_filetime_format(ev.time, t);
    CHECK_STR(t, "2019-03-19T23:35:10.123456Z");
    tn_free(got);
    tn_arena_free(&a);
}

TN_TEST(test_xml_event_userdata_and_bad)
{
    tn_arena a;
    tn_arena_init(&a, 0);
    tn_event ev;
    int rc;
    char *got = fields_of("<Event><System><EventID>1102</EventID></System><UserData>"
                          "<LogFileCleared xmlns='x'><SubjectUserName>bob</SubjectUserName>"
                          "<Nested><Leaf>v</Leaf></Nested><None/></LogFileCleared></UserData>"
                          "</Event>", &ev, &rc, &a);
    CHECK_INT(rc, 0);
    CHECK_STR(got, " SubjectUserName=bob; Leaf=v; None=~;");
    CHECK_INT(ev.event_id, 1102);
    tn_free(got);
    /* not an event, and broken XML: read what can be read, never crash */
    got = fields_of("<Events><Event/></Events>", &ev, &rc, &a);
    CHECK_INT(rc, -1);
    tn_free(got);
    got = fields_of("<Event><System><EventID>7", &ev, &rc, &a); /* 7, or 75? */
    CHECK_INT(rc, 0);
    CHECK_INT(ev.event_id, 0);
    tn_free(got);
    got = fields_of("<Event><EventData><Data Name='a>x</Data><Data Name=b>y</Data>", &ev, &rc, &a);
    CHECK_INT(rc, 0);
    CHECK_STR(got, "");
    tn_free(got);
    tn_arena_free(&a);
}

TN_TEST(test_xml_event_inside_json)
{
    /* Sysmon for Linux through Azure Syslog: the event is XML in a string */
    const char *in =
        "{\"Computer\":\"outer\",\"HostName\":\"UBUNTU5\",\"SyslogMessage\":\"<Event><System>"
        "<Provider Name=\\\"Linux-Sysmon\\\"/><EventID>1</EventID><Channel>Linux-Sysmon/Operational"
        "</Channel><Computer>UBUNTU5</Computer><Security UserId=\\\"0\\\"/></System><EventData>"
        "<Data Name=\\\"Image\\\">/usr/bin/bash</Data><Data Name=\\\"CommandLine\\\">bash -c id"
        "</Data></EventData></Event>\"}\n";
    tn_diag d = {.quiet = 1};
    tn_jsonl *r;
    CHECK_INT(tn_jsonl_open_mem(in, strlen(in), "t", &d, &r), 0);
    tn_event ev;
    CHECK_INT(tn_jsonl_next(r, &ev), TN_JSONL_EVENT);
    CHECK_INT(ev.event_id, 1);
    CHECK_STR(ev.channel, "Linux-Sysmon/Operational");
    CHECK_STR(ev.provider, "Linux-Sysmon");
    CHECK_STR(ev.computer, "UBUNTU5");
    CHECK_STR(ev.user_sid, "0");
    const tn_field *f = tn_event_field(&ev, "CommandLine", 11);
    CHECK(f && strcmp(f->value, "bash -c id") == 0);
    CHECK(tn_event_field(&ev, "SyslogMessage", 13) != NULL); /* the text stays too */
    CHECK(tn_event_field(&ev, "HostName", 8) != NULL);
    CHECK_INT(tn_jsonl_next(r, &ev), TN_JSONL_END);
    tn_jsonl_close(r);
    CHECK_INT(tn_diag_total(&d), 0);
}

static int any_field(void *ctx, const char *name, uint32_t nlen, const char *value,
                     uint32_t vlen, int is_null)
{
    (void)ctx;
    CHECK(name[nlen] == '\0' && value[vlen] == '\0' && (!is_null || vlen == 0));
    return 0;
}

static void replay_one(const char *name, const unsigned char *data, size_t n, void *ctx)
{
    (void)name, (void)ctx;
    tn_arena a;
    tn_arena_init(&a, 4096);
    tn_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.provider = ev.provider_guid = ev.channel = ev.computer = ev.user_sid = "";
    CHECK(tn_xml_event(&a, (const char *)data, n, &ev, any_field, NULL) >= -1);
    tn_arena_free(&a);
}

/* Every input in tests/fuzz-regress/xml_event, as fuzz/fuzz_xml_event.c feeds it. */
TN_TEST(test_xml_event_fuzz_regressions)
{
    CHECK(replay_each("tests/fuzz-regress/xml_event", replay_one, NULL) > 0);
}
