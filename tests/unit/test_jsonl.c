/* test_jsonl.c - the JSON reader: each log shape, each kind of bad input, sniffing. */
#include "tn_test.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "read/jsonl.h"
#include "read/sniff.h"

#include "replay.h"
#include <stdlib.h>
#include <unistd.h>

/* Renders one event: "@LINE id=ID ch=.. pc=.. pr=.. | name=value;..."
 * (null values as name=~). System members beyond these are checked
 * one by one where they matter. */
static void render(tn_buf *b, const tn_event *ev)
{
    tn_buf_printf(b, "@%llu id=%u ch=%s pc=%s pr=%s |", (unsigned long long)ev->offset,
                  ev->event_id, ev->channel, ev->computer, ev->provider);
    for (uint32_t i = 0; i < ev->nfields; i++) {
        const tn_field *f = &ev->fields[i];
        tn_buf_printf(b, " %s=", f->name);
        if (f->is_null)
            tn_buf_putc(b, '~');
        else
            tn_buf_put(b, f->value, f->value_len);
        tn_buf_putc(b, ';');
    }
    tn_buf_putc(b, '\n');
}

/* Reads all of in with the given chunk size; returns the rendering. */
static char *read_chunked(const char *in, size_t n, size_t chunk, size_t max_record, tn_diag *d)
{
    tn_jsonl *r;
    tn_buf b;
    tn_buf_init(&b);
    tn_buf_puts(&b, "");
    CHECK_INT(tn_jsonl_open_mem(in, n, "t.json", d, &r), 0);
    tn_jsonl_set_limits(r, chunk, max_record);
    tn_event ev;
    int rc;
    while ((rc = tn_jsonl_next(r, &ev)) == TN_JSONL_EVENT)
        render(&b, &ev);
    CHECK_INT(rc, TN_JSONL_END);
    tn_jsonl_close(r);
    return b.data;
}

/* Reads in at several chunk sizes (every refill boundary matters), checks
 * they agree, and returns the rendering and the problem count. */
static char *read_all_n(const char *in, size_t n, uint64_t *problems)
{
    static const size_t chunks[] = {1, 2, 3, 7, 64, 0};
    char *first = NULL;
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        tn_diag d = {.quiet = 1};
        char *got = read_chunked(in, n, chunks[i], 0, &d);
        if (!first) {
            first = got;
            *problems = tn_diag_total(&d);
            continue;
        }
        CHECK_STR(got, first);
        CHECK_INT(tn_diag_total(&d), *problems);
        tn_free(got);
    }
    return first;
}

static char *read_all(const char *in, uint64_t *problems)
{
    return read_all_n(in, strlen(in), problems);
}

/* Checks that in reads as want with the given number of problems. */
#define EXPECT(in, want, nproblems)                                          \
    do {                                                                     \
        uint64_t p_;                                                         \
        char *got_ = read_all(in, &p_);                                      \
        CHECK_STR(got_, want);                                               \
        CHECK_INT(p_, nproblems);                                            \
        tn_free(got_);                                                       \
    } while (0)

/* First event of in, for System checks; the reader is returned for closing. */
static tn_jsonl *first_event(const char *in, tn_diag *d, tn_event *ev)
{
    tn_jsonl *r;
    CHECK_INT(tn_jsonl_open_mem(in, strlen(in), "t.json", d, &r), 0);
    CHECK_INT(tn_jsonl_next(r, ev), TN_JSONL_EVENT);
    return r;
}

/* ---- evtx_dump shape --------------------------------------------------- */

static const char evtx_one[] =
    "{\n"
    "  \"Event\": {\n"
    "    \"#attributes\": {\"xmlns\": \"http://schemas.microsoft.com/win/2004/08/events/event\"},\n"
    "    \"System\": {\n"
    "      \"Provider\": {\"#attributes\": {\"Name\": \"Microsoft-Windows-Security-Auditing\",\n"
    "                                   \"Guid\": \"54849625-5478-4994-A5BA-3E3B0328C30D\"}},\n"
    "      \"EventID\": 4624, \"Version\": 2, \"Level\": 0, \"Task\": 12544, \"Opcode\": 0,\n"
    "      \"Keywords\": \"0x8020000000000000\",\n"
    "      \"TimeCreated\": {\"#attributes\": {\"SystemTime\": \"2019-03-19T23:35:10.123456Z\"}},\n"
    "      \"EventRecordID\": 571146, \"Correlation\": null,\n"
    "      \"Execution\": {\"#attributes\": {\"ProcessID\": 3544, \"ThreadID\": 4272}},\n"
    "      \"Channel\": \"Security\", \"Computer\": \"dc01\",\n"
    "      \"Security\": {\"#attributes\": {\"UserID\": \"S-1-5-18\"}}\n"
    "    },\n"
    "    \"EventData\": {\n"
    "      \"SubjectUserSid\": \"S-1-0-0\", \"LogonType\": 3, \"Big\": 18446744073709551616,\n"
    "      \"Ratio\": 1.50, \"Flag\": true, \"Off\": false, \"Empty\": null,\n"
    "      \"List\": [\"a\", 2], \"Wrapped\": {\"#attributes\": {\"x\": 1}, \"#text\": \"w\"},\n"
    "      \"Esc\": \"C:\\\\Windows\\\\\\u00e9\\n\"\n"
    "    }\n"
    "  }\n"
    "}\n";

TN_TEST(test_jsonl_evtx_fields)
{
    EXPECT(evtx_one,
           "@1 id=4624 ch=Security pc=dc01 pr=Microsoft-Windows-Security-Auditing |"
           " SubjectUserSid=S-1-0-0; LogonType=3; Big=18446744073709551616; Ratio=1.50;"
           " Flag=true; Off=false; Empty=~; List=a; List=2; Wrapped=w;"
           " Esc=C:\\Windows\\\xC3\xA9\n;\n",
           0);
}

TN_TEST(test_jsonl_evtx_system)
{
    tn_diag d = {.quiet = 1};
    tn_event ev;
    tn_jsonl *r = first_event(evtx_one, &d, &ev);
    CHECK_STR(ev.provider_guid, "54849625-5478-4994-A5BA-3E3B0328C30D");
    CHECK_STR(ev.user_sid, "S-1-5-18");
    CHECK_STR(ev.file, "t.json");
    char t[32];
    tn_filetime_format(ev.time, t);
    CHECK_STR(t, "2019-03-19T23:35:10.123456Z");
    CHECK_INT(ev.record_id, 571146);
    CHECK_INT(ev.pid, 3544);
    CHECK_INT(ev.tid, 4272);
    CHECK_INT(ev.version, 2);
    CHECK_INT(ev.task, 12544);
    CHECK(ev.keywords == 0x8020000000000000ULL);
    CHECK_INT(ev.has_qualifiers, 0);
    CHECK(tn_event_field(&ev, "LogonType", 9) != NULL);
    tn_jsonl_close(r);
}

TN_TEST(test_jsonl_evtx_qualifiers)
{
    const char *in = "{\"Event\":{\"System\":{\"EventID\":{\"#attributes\":{\"Qualifiers\":16384},"
                     "\"#text\":7036},\"Level\":\"4\"},\"EventData\":null}}\n";
    tn_diag d = {.quiet = 1};
    tn_event ev;
    tn_jsonl *r = first_event(in, &d, &ev);
    CHECK_INT(ev.event_id, 7036);
    CHECK_INT(ev.qualifiers, 16384);
    CHECK_INT(ev.has_qualifiers, 1);
    CHECK_INT(ev.level, 4);
    CHECK_INT(ev.nfields, 0);
    CHECK_STR(ev.channel, "");
    CHECK_INT(ev.time, 0);
    tn_jsonl_close(r);
}

/* The System members a record holds are recorded, for Sigma's exists,
 * null and '' (tn_event.present): Qualifiers and Level here, nothing
 * else; an empty Computer is held, a JSON null one is not. */
TN_TEST(test_jsonl_system_members_held)
{
    const char *in = "{\"Event\":{\"System\":{\"EventID\":{\"#attributes\":{\"Qualifiers\":16384},"
                     "\"#text\":7036},\"Level\":\"4\",\"Computer\":\"\",\"Channel\":null}}}\n";
    tn_diag d = {.quiet = 1};
    tn_event ev;
    tn_jsonl *r = first_event(in, &d, &ev);
    /* "Channel": null is how evtx_dump and `tansa dump` render an empty
     * <Channel/>, which the EVTX reader counts as held (the corpus's
     * zerologon file: `Channel: ''` fired 415 times on the EVTX and never
     * on its export) */
    CHECK_INT(ev.present, TN_EV_BIT(TN_EV_KNOWN) | TN_EV_BIT(TN_EV_EVENTID) | TN_EV_BIT(TN_EV_LEVEL) |
                              TN_EV_BIT(TN_EV_COMPUTER) | TN_EV_BIT(TN_EV_CHANNEL));
    CHECK_STR(ev.channel, "");
    tn_jsonl_close(r);
    r = first_event("{\"EventID\":1,\"ExecutionProcessID\":7,\"TimeCreated\":\"2020-01-01T00:00:00Z\"}\n",
                    &d, &ev);
    CHECK(ev.present & TN_EV_BIT(TN_EV_PID));
    CHECK(ev.present & TN_EV_BIT(TN_EV_EVENTID));
    CHECK(!(ev.present & TN_EV_BIT(TN_EV_TID)));
    CHECK(!(ev.present & TN_EV_BIT(TN_EV_COMPUTER)));
    tn_jsonl_close(r);
}

TN_TEST(test_jsonl_evtx_separate_attributes)
{
    /* evtx_dump --separate-json-attributes */
    const char *in = "{\"Event\":{\"System\":{\"Provider\":\"\",\"Provider_attributes\":{\"Name\":\"P\"},"
                     "\"EventID\":7036,\"EventID_attributes\":{\"Qualifiers\":16384},"
                     "\"TimeCreated_attributes\":{\"SystemTime\":\"2020-01-01T00:00:00Z\"},"
                     "\"Execution_attributes\":{\"ProcessID\":4,\"ThreadID\":8}}}}";
    tn_diag d = {.quiet = 1};
    tn_event ev;
    tn_jsonl *r = first_event(in, &d, &ev);
    CHECK_STR(ev.provider, "P");
    CHECK_INT(ev.event_id, 7036);
    CHECK_INT(ev.qualifiers, 16384);
    CHECK(ev.time == 132223104000000000ULL);
    CHECK_INT(ev.pid, 4);
    CHECK_INT(ev.tid, 8);
    tn_jsonl_close(r);
}

TN_TEST(test_jsonl_evtx_unnamed_data)
{
    EXPECT("{\"Event\":{\"System\":{\"EventID\":1},\"EventData\":{\"Data\":[\"a\",\"b\"]}}}\n"
           "{\"Event\":{\"System\":{\"EventID\":2},\"EventData\":{\"Data\":{\"#text\":[\"c\",null]}}}}\n"
           "{\"Event\":{\"System\":{\"EventID\":3},\"EventData\":{\"#attributes\":{\"Name\":\"T\"},"
           "\"Data\":[{\"#attributes\":{\"Name\":\"K\"},\"#text\":\"v\"}],\"Binary\":\"00FF\"}}}\n"
           "{\"Event\":{\"System\":{\"EventID\":4},\"EventData\":\"loose\"}}\n",
           "@1 id=1 ch= pc= pr= | Data=a; Data=b;\n"
           "@2 id=2 ch= pc= pr= | Data=c; Data=~;\n"
           "@3 id=3 ch= pc= pr= | K=v; Binary=00FF;\n"
           "@4 id=4 ch= pc= pr= | Data=loose;\n",
           0);
}

/* Review of the JSON path against the EVTX reader (2026-11-27): the same
 * event read from JSON must give rules what the EVTX reader gives. */
TN_TEST(test_jsonl_reads_as_the_evtx_reader)
{
    /* a field held twice is "X", "X_1" in evtx_dump's and tansa's export;
     * a suffix with no field before it is a name of its own */
    EXPECT("{\"Event\":{\"System\":{\"EventID\":1},\"EventData\":{\"CommandLine\":\"a\","
           "\"CommandLine_1\":\"b\",\"Image_2\":\"c\",\"Data_x\":\"d\"}}}\n",
           "@1 id=1 ch= pc= pr= | CommandLine=a; CommandLine=b; Image_2=c; Data_x=d;\n", 0);
    /* RenderingInfo (a forwarded event's message texts) is not data, as
     * in EVTX */
    EXPECT("{\"Event\":{\"System\":{\"EventID\":16},\"EventData\":{\"Configuration\":\"c\"},"
           "\"RenderingInfo\":{\"Message\":\"Sysmon config state changed\",\"Level\":\"Information\"}}}\n",
           "@1 id=16 ch= pc= pr= | Configuration=c;\n", 0);
    /* Winlogbeat names unnamed <Data> param1..: read as Data too */
    EXPECT("{\"winlog\":{\"event_id\":400,\"channel\":\"Windows PowerShell\",\"event_data\":"
           "{\"param1\":\"Available\",\"param3\":\"EngineVersion=2.0\",\"paramx\":\"n\"}}}\n",
           "@1 id=400 ch=Windows PowerShell pc= pr= | param1=Available; Data=Available; "
           "param3=EngineVersion=2.0; Data=EngineVersion=2.0; paramx=n;\n", 0);
    /* Windows PowerShell 5.1's ConvertTo-Json time */
    tn_diag d = {.quiet = 1};
    tn_event ev;
    tn_jsonl *r = first_event("{\"Id\":4688,\"LogName\":\"Security\",\"TimeCreated\":"
                              "\"\\/Date(1606898434567)\\/\"}\n", &d, &ev);
    CHECK(ev.time == 116444736000000000ull + 1606898434567ull * 10000);
    tn_jsonl_close(r);
    r = first_event("{\"Id\":1,\"TimeCreated\":\"/Date(1606898434567+0100)/\"}\n", &d, &ev);
    CHECK(ev.time == 116444736000000000ull + 1606898434567ull * 10000);
    tn_jsonl_close(r);
    r = first_event("{\"Id\":1,\"TimeCreated\":\"/Date(16x)/\"}\n", &d, &ev);
    CHECK(ev.time == 0);
    tn_jsonl_close(r);
}

/* One damaged record of a pretty-printed file, or of an indented array,
 * cost every record after it: only one-line records were checked for a
 * next record starting inside them, and recovery waited for a '{' in
 * column 0. A '{' that starts a line where JSON allows none (inside an
 * object, not after a ':') now starts the next record, and recovery
 * takes a '{' at the damaged record's own indentation; at every read
 * size (EXPECT reads in chunks of 1, 2, 3, 7 and 64 bytes). */
TN_TEST(test_jsonl_pretty_printed_recovery)
{
    EXPECT("{\n  \"EventID\": 1\n}\n{\n  \"EventID\": 2,\n{\n  \"EventID\": 3\n}\n"
           "{\n  \"EventID\": 4,\n  \"Nested\": {\n    \"x\": 1\n  }\n}\n",
           "@1 id=1 ch= pc= pr= |\n@6 id=3 ch= pc= pr= |\n@9 id=4 ch= pc= pr= | Nested.x=1;\n", 1);
    EXPECT("[\n  {\n    \"EventID\": 1\n  },\n  {\n    \"EventID\": [2\n  },\n  {\n    \"EventID\": 3\n"
           "  },\n  {\n    \"EventID\": 4\n  }\n]\n",
           "@2 id=1 ch= pc= pr= |\n@8 id=3 ch= pc= pr= |\n@11 id=4 ch= pc= pr= |\n", 1);
    /* a record cut inside one of its nested objects: the next record,
     * at the array's indentation, is read */
    EXPECT("[\n  {\n    \"EventID\": 1,\n    \"P\": [\n      {\n        \"V\": \"a\",\n  {\n    \"EventID\": 3\n"
           "  }\n]\n",
           "@7 id=3 ch= pc= pr= |\n", 1);
}

/* A valid pretty-printed record whose nested objects start lines (as
 * PowerShell's ConvertTo-Json writes them) is one record: a first attempt
 * at the recovery above split such records (a review caught it before it
 * shipped). */
TN_TEST(test_jsonl_pretty_printed_nested)
{
    EXPECT("{\n    \"Id\":  4688,\n    \"LogName\":  \"Security\",\n    \"Properties\":  [\n"
           "                       {\n                           \"Value\":  \"S-1-5-18\"\n"
           "                       }\n                   ]\n}\n{\n\"Id\": 1,\n\"A\":\n{\n\"B\": 2\n}\n}\n",
           "@1 id=4688 ch=Security pc= pr= | Properties.Value=S-1-5-18;\n@10 id=1 ch= pc= pr= | A.B=2;\n", 0);
    /* ConvertTo-Json of several events: an array, records indented by 4,
     * nested objects on their own lines, and, all in column 0, a key
     * whose object opens on the next line */
    EXPECT("[\n    {\n        \"Id\":  1,\n        \"Properties\":  [\n                           {\n"
           "                               \"Value\":  \"a\"\n                           },\n"
           "                           {\n                               \"Value\":  \"b\"\n"
           "                           }\n                       ]\n    },\n    {\n        \"Id\":  2\n    }\n]\n"
           "{\n\"Id\": 3,\n\"A\":\n{\n\"B\": [\n{\n\"C\": 1\n}\n]\n}\n}\n",
           "@2 id=1 ch= pc= pr= | Properties.Value=a; Properties.Value=b;\n@13 id=2 ch= pc= pr= |\n"
           "@17 id=3 ch= pc= pr= | A.B.C=1;\n", 0);
}

TN_TEST(test_jsonl_evtx_userdata_leaf_names)
{
    /* WMI-Activity 5858 as evtx_dump prints it; no "Event" wrapper on the 2nd */
    EXPECT("{\"Event\":{\"System\":{\"EventID\":5858},\"UserData\":{\"Operation_ClientFailure\":"
           "{\"#attributes\":{\"xmlns\":\"http://manifests.microsoft.com/win/2006/windows/WMI\"},"
           "\"Id\":\"{0}\",\"ClientProcessId\":25920,\"Deep\":{\"Inner\":\"x\"},\"Bare\":{},"
           "\"AttrOnly\":{\"#attributes\":{\"a\":1}}}}}}\n"
           "{\"System\":{\"EventID\":9},\"UserData\":{\"Log\":{\"Item\":\"y\"}}}\n",
           "@1 id=5858 ch= pc= pr= | Id={0}; ClientProcessId=25920; Inner=x; Bare=~; AttrOnly=~;\n"
           "@2 id=9 ch= pc= pr= | Item=y;\n",
           0);
}

TN_TEST(test_jsonl_back_to_back_pretty)
{
    char in[4096];
    size_t n = strlen(evtx_one);
    memcpy(in, evtx_one, n);
    memcpy(in + n, "Record 2\n", 9);
    memcpy(in + n + 9, evtx_one, n + 1);
    uint64_t p;
    char *got = read_all(in, &p);
    CHECK_INT(p, 0);
    CHECK(strncmp(got, "@1 id=4624", 10) == 0);
    char *second = strstr(got, "\n@"); /* the Esc field holds a newline too */
    CHECK(second && strncmp(second + 1, "@24 id=4624", 11) == 0); /* 22 lines, header */
    tn_free(got);
}

/* ---- arrays, JSON Lines details ----------------------------------------- */

TN_TEST(test_jsonl_array_of_objects)
{
    EXPECT("[\n  {\"EventID\": 1},\n  {\"EventID\": 2}\n]\n[]\n[{\"EventID\":3}]",
           "@2 id=1 ch= pc= pr= |\n@3 id=2 ch= pc= pr= |\n@6 id=3 ch= pc= pr= |\n", 0);
}

TN_TEST(test_jsonl_empty_and_bom)
{
    EXPECT("", "", 0);
    EXPECT(" \n\r\n\t\n", "", 0);
    EXPECT("\xEF\xBB\xBF{\"EventID\":1}\r\n\xEF\xBB\xBF{\"EventID\":2}\r\n",
           "@1 id=1 ch= pc= pr= |\n@2 id=2 ch= pc= pr= |\n", 0);
}

/* ---- flat NXLog/OTRF shape -------------------------------------------- */

static const char nxlog_line[] =
    "{\"SeverityValue\":2,\"EventTime\":\"2020-09-16 23:39:22\",\"Hostname\":\"MORDORDC\","
    "\"host\":\"wec\",\"Keywords\":-9223372036854775808,\"EventType\":\"INFO\","
    "\"SourceName\":\"Microsoft-Windows-Sysmon\",\"ProviderGuid\":\"{5770385F}\",\"Version\":3,"
    "\"Task\":7,\"OpcodeValue\":0,\"Opcode\":\"Info\",\"RecordNumber\":397164,"
    "\"ExecutionProcessID\":3716,\"ThreadID\":652,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\","
    "\"UserID\":\"S-1-5-18\",\"EventID\":7,\"@timestamp\":\"2020-09-17T03:39:24.507Z\","
    "\"ProcessId\":\"1444\",\"tags\":[\"mordorDataset\",\"x\"],\"Signed\":\"true\"}\n";

TN_TEST(test_jsonl_flat_nxlog)
{
    EXPECT(nxlog_line,
           "@1 id=7 ch=Microsoft-Windows-Sysmon/Operational pc=MORDORDC pr=Microsoft-Windows-Sysmon |"
           " SeverityValue=2; EventTime=2020-09-16 23:39:22; host=wec; EventType=INFO;"
           " Opcode=Info; ProcessId=1444; tags=mordorDataset; tags=x; Signed=true;\n",
           0);
    tn_diag d = {.quiet = 1};
    tn_event ev;
    tn_jsonl *r = first_event(nxlog_line, &d, &ev);
    CHECK(ev.keywords == 0x8000000000000000ULL);
    CHECK_INT(ev.record_id, 397164);
    CHECK_INT(ev.pid, 3716);
    CHECK_INT(ev.tid, 652);
    CHECK_INT(ev.version, 3);
    CHECK_INT(ev.task, 7);
    CHECK_STR(ev.user_sid, "S-1-5-18");
    CHECK_STR(ev.provider_guid, "{5770385F}");
    char t[32];
    tn_filetime_format(ev.time, t); /* @timestamp (UTC) wins over local EventTime */
    CHECK_STR(t, "2020-09-17T03:39:24.507000Z");
    tn_jsonl_close(r);
}

TN_TEST(test_jsonl_flat_unconvertible_stays_field)
{
    EXPECT("{\"EventID\":\"abc\",\"Level\":999,\"TimeCreated\":\"yesterday\",\"Source\":\"Raccine\"}\n"
           "{\"EventID\":99999999999,\"Computer\":\"c\",\"HostName\":\"h\",\"Task\":\"104\"}\n",
           "@1 id=0 ch= pc= pr=Raccine | EventID=abc; Level=999; TimeCreated=yesterday;\n"
           "@2 id=0 ch= pc=c pr= | EventID=99999999999; HostName=h;\n",
           0);
}

TN_TEST(test_jsonl_powershell_array)
{
    /* Get-WinEvent | ConvertTo-Json: an indented array of objects */
    EXPECT("[\r\n    {\r\n        \"Id\":  4104,\r\n        \"LogName\":  \"Microsoft-Windows-"
           "PowerShell/Operational\",\r\n        \"MachineName\":  \"ws1\",\r\n"
           "        \"RecordId\":  77,\r\n        \"ProviderName\":  \"Microsoft-Windows-"
           "PowerShell\",\r\n        \"Message\":  \"m\"\r\n    },\r\n    {\r\n"
           "        \"Id\":  4103\r\n    }\r\n]\r\n",
           "@2 id=4104 ch=Microsoft-Windows-PowerShell/Operational pc=ws1"
           " pr=Microsoft-Windows-PowerShell | Message=m;\n@10 id=4103 ch= pc= pr= |\n",
           0);
}

TN_TEST(test_jsonl_flat_nested_paths)
{
    /* ECS-like and Linux records: dotted names, arrays element by element */
    EXPECT("{\"TenantId\":\"r\",\"Computer\":\"UBUNTU5\",\"process\":{\"name\":\"sh\","
           "\"args\":[\"-c\",\"id\"],\"parent\":{\"pid\":1}},\"ok\":false,\"none\":null,"
           "\"e\":{},\"a\":[],\"objs\":[{\"k\":1},{\"k\":2}]}\n",
           "@1 id=0 ch= pc=UBUNTU5 pr= | TenantId=r; process.name=sh; process.args=-c;"
           " process.args=id; process.parent.pid=1; ok=false; none=~; e=~; a=~;"
           " objs.k=1; objs.k=2;\n",
           0);
}

TN_TEST(test_jsonl_winlogbeat)
{
    const char *in =
        "{\"@timestamp\":\"2021-01-02T03:04:05.678Z\",\"message\":\"m\",\"host\":{\"name\":\"ws\"},"
        "\"winlog\":{\"event_id\":\"4688\",\"channel\":\"Security\",\"computer_name\":\"ws.corp\","
        "\"provider_name\":\"Microsoft-Windows-Security-Auditing\",\"record_id\":12,"
        "\"process\":{\"pid\":4,\"thread\":{\"id\":88}},\"user\":{\"identifier\":\"S-1-5-18\"},"
        "\"opcode\":\"Info\",\"event_data\":{\"NewProcessName\":\"C:\\\\a.exe\","
        "\"CommandLine\":\"a -x\"}}}\n";
    EXPECT(in,
           "@1 id=4688 ch=Security pc=ws.corp pr=Microsoft-Windows-Security-Auditing |"
           " NewProcessName=C:\\a.exe; CommandLine=a -x; winlog.opcode=Info; message=m;"
           " host.name=ws;\n",
           0);
    tn_diag d = {.quiet = 1};
    tn_event ev;
    tn_jsonl *r = first_event(in, &d, &ev);
    CHECK_INT(ev.pid, 4);
    CHECK_INT(ev.tid, 88);
    CHECK_INT(ev.record_id, 12);
    CHECK_STR(ev.user_sid, "S-1-5-18");
    CHECK(ev.time != 0);
    tn_jsonl_close(r);
}

/* ---- bad input: reported, skipped, the rest read ---------------------- */

TN_TEST(test_jsonl_not_json_lines)
{
    EXPECT("{\"EventID\":1}\nhello world\ntype=SYSCALL msg=audit(1.2:3): x\n{\"EventID\":2}\n"
           "42\n\"str\"\n}\n{\"EventID\":3}\n",
           "@1 id=1 ch= pc= pr= |\n@4 id=2 ch= pc= pr= |\n@8 id=3 ch= pc= pr= |\n", 5);
}

TN_TEST(test_jsonl_bad_json_in_record)
{
    EXPECT("{\"EventID\":1,}\n{\"EventID\" 2}\n{\"a\":tru}\n{\"a\":01}\n{\"a\":\"\\x\"}\n"
           "{\"a\":\"\\u12G4\"}\n{\"a\":1}{\"b\":2}\n{\"a\":[1}\n{\"EventID\":9}\n",
           "@7 id=0 ch= pc= pr= | a=1;\n@7 id=0 ch= pc= pr= | b=2;\n@9 id=9 ch= pc= pr= |\n", 7);
}

TN_TEST(test_jsonl_truncated)
{
    /* a cut-off JSON Lines record: the next line starting '{' is kept */
    EXPECT("{\"EventID\":1,\"a\":[1,2\n{\"EventID\":2}\n{\"EventID\":3,\"s\":\"abc\n{\"EventID\":4}\n"
           "{\"EventID\":5,\"a\":{",
           "@2 id=2 ch= pc= pr= |\n@4 id=4 ch= pc= pr= |\n", 3);
    /* a backslash right before the line's end: line numbers stay right */
    EXPECT("{\"a\":\"x\\\n{\"EventID\":2}\n\"\\\n{\"EventID\":3}\n",
           "@2 id=2 ch= pc= pr= |\n@4 id=3 ch= pc= pr= |\n", 2);
    /* a cut-off pretty-printed record at the end */
    uint64_t p;
    char *got = read_all_n(evtx_one, strlen(evtx_one) - 12, &p);
    CHECK_STR(got, "");
    CHECK_INT(p, 1);
    tn_free(got);
    EXPECT("[{\"EventID\":1},", "@1 id=1 ch= pc= pr= |\n", 1); /* array not closed */
}

TN_TEST(test_jsonl_deep_nesting)
{
    size_t n = 100000;
    char *in = tn_malloc(n + 64);
    memset(in, '[', n);
    memcpy(in + n, "\n{\"EventID\":1}\n", 16);
    uint64_t p;
    char *got = read_all_n(in, n + 15, &p);
    CHECK_STR(got, "@2 id=1 ch= pc= pr= |\n");
    CHECK_INT(p, 2); /* too deep, and the outer '[' (an array) never closed */
    tn_free(got);
    /* 64 levels are fine, 65 are not */
    char ok[256], *o = ok;
    o += snprintf(ok, sizeof(ok), "{\"a\":");
    for (int i = 0; i < 63 - 1; i++)
        *o++ = '[';
    for (int i = 0; i < 63 - 1; i++)
        *o++ = ']';
    memcpy(o, "}\n", 3);
    EXPECT(ok, "@1 id=0 ch= pc= pr= | a=~;\n", 0);
    tn_free(in);
}

TN_TEST(test_jsonl_huge_numbers)
{
    EXPECT("{\"EventID\":4294967296,\"n\":-123456789012345678901234567890.5e-999999,"
           "\"Keywords\":18446744073709551615}\n",
           "@1 id=0 ch= pc= pr= | EventID=4294967296; n=-123456789012345678901234567890.5e-999999;\n",
           0);
    tn_diag d = {.quiet = 1};
    tn_event ev;
    tn_jsonl *r = first_event("{\"Keywords\":18446744073709551615}", &d, &ev);
    CHECK(ev.keywords == UINT64_MAX);
    tn_jsonl_close(r);
}

TN_TEST(test_jsonl_invalid_utf8)
{
    /* bad bytes and lone surrogates become U+FFFD; the event is kept and reported */
    EXPECT("{\"a\":\"x\xFFy\",\"b\":\"\xC3\",\"c\":\"\\ud800z\",\"d\":\"\\ud83d\\ude00\","
           "\"e\":\"\xED\xA0\x80\",\"\xC0\xAF\":\"\xF4\x90\x80\x80\"}\n",
           "@1 id=0 ch= pc= pr= | a=x\xEF\xBF\xBDy; b=\xEF\xBF\xBD; c=\xEF\xBF\xBDz;"
           " d=\xF0\x9F\x98\x80; e=\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD;"
           " \xEF\xBF\xBD\xEF\xBF\xBD=\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD;\n",
           1);
}

TN_TEST(test_jsonl_nul_and_controls)
{
    tn_diag d = {.quiet = 1};
    const char in[] = "{\"a\":\"x\\u0000y\",\"t\":\"a\tb\"}";
    tn_jsonl *r;
    tn_event ev;
    CHECK_INT(tn_jsonl_open_mem(in, sizeof(in) - 1, "t", &d, &r), 0);
    CHECK_INT(tn_jsonl_next(r, &ev), TN_JSONL_EVENT);
    CHECK_INT(ev.fields[0].value_len, 3);
    CHECK(memcmp(ev.fields[0].value, "x\0y", 4) == 0);
    CHECK_STR(ev.fields[1].value, "a\tb");
    CHECK_INT(tn_jsonl_next(r, &ev), TN_JSONL_END);
    CHECK_INT(tn_jsonl_next(r, &ev), TN_JSONL_END); /* stays at the end */
    tn_jsonl_close(r);
    CHECK_INT(tn_diag_total(&d), 0);
}

TN_TEST(test_jsonl_record_too_long)
{
    tn_diag d = {.quiet = 1};
    const char *in = "{\"EventID\":1,\"pad\":\"0123456789012345678901234567890123456789\"}\n"
                     "{\"EventID\":2}\n";
    char *got = read_chunked(in, strlen(in), 4, 32, &d);
    CHECK_STR(got, "@2 id=2 ch= pc= pr= |\n");
    CHECK_INT(d.count[TN_P_JSON], 1);
    tn_free(got);
}

/* The limit is a record's length, '{' to '}': a record of exactly the
 * limit is read, one byte longer is refused (it was read: the test came
 * before the byte was taken). */
TN_TEST(test_jsonl_record_limit_exact)
{
    /* {"EventID":3,"p":"xxx"} is 23 bytes, the next 24 */
    const char *in = "{\"EventID\":3,\"p\":\"xxx\"}\n{\"EventID\":4,\"p\":\"xxxx\"}\n";
    static const size_t chunks[] = {1, 5, 4096};
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        tn_diag d = {.quiet = 1};
        char *got = read_chunked(in, strlen(in), chunks[i], 23, &d);
        CHECK_STR(got, "@1 id=3 ch= pc= pr= | p=xxx;\n");
        CHECK_INT(d.count[TN_P_JSON], 1);
        tn_free(got);
    }
}

TN_TEST(test_jsonl_report_limit)
{
    /* many bad lines: all counted, only the first few printed */
    tn_buf b;
    tn_buf_init(&b);
    for (int i = 0; i < 100; i++)
        tn_buf_puts(&b, "bad\n");
    tn_buf_puts(&b, "{\"EventID\":1}\n");
    uint64_t p;
    char *got = read_all(b.data, &p);
    CHECK_STR(got, "@101 id=1 ch= pc= pr= |\n");
    CHECK_INT(p, 100);
    tn_free(got);
    tn_buf_free(&b);
}

/* ---- files, memory failure --------------------------------------------- */

TN_TEST(test_jsonl_file_api)
{
    char path[] = "/tmp/tansa-jsonl-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *in = "{\"EventID\":1}\n{\"EventID\":2}\n";
    CHECK(write(fd, in, strlen(in)) == (ssize_t)strlen(in));
    close(fd);
    tn_diag d = {.quiet = 1};
    tn_jsonl *r;
    tn_event ev;
    CHECK_INT(tn_jsonl_open(path, &d, &r), 0);
    CHECK_INT(tn_jsonl_next(r, &ev), TN_JSONL_EVENT);
    CHECK_STR(ev.file, path);
    CHECK_INT(tn_jsonl_next(r, &ev), TN_JSONL_EVENT);
    CHECK_INT(ev.offset, 2);
    CHECK_INT(tn_jsonl_next(r, &ev), TN_JSONL_END);
    tn_jsonl_close(r);
    unlink(path);
    CHECK_INT(tn_jsonl_open(path, &d, &r), TN_JSONL_EIO);
    CHECK(r == NULL);
    CHECK_INT(d.count[TN_P_FILE_OPEN], 1);
    CHECK_INT(tn_jsonl_open("/", &d, &r), 0); /* a directory opens but cannot be read */
    CHECK_INT(tn_jsonl_next(r, &ev), TN_JSONL_EIO);
    tn_jsonl_close(r);
    tn_jsonl_close(NULL);
}

TN_TEST(test_jsonl_alloc_failures)
{
    /* every allocation, failed in turn: ENOMEM or success, never a crash or leak */
    int finished = 0;
    for (long n = 0; n < 200 && !finished; n++) {
        tn_diag d = {.quiet = 1};
        tn_jsonl *r = NULL;
        tn_alloc_fail_after(n);
        int rc = tn_jsonl_open_mem(evtx_one, strlen(evtx_one), "t", &d, &r);
        if (rc == 0) {
            tn_event ev;
            tn_jsonl_set_limits(r, 16, 0);
            while ((rc = tn_jsonl_next(r, &ev)) == TN_JSONL_EVENT)
                ;
            finished = rc == TN_JSONL_END;
            CHECK(rc == TN_JSONL_END || rc == TN_JSONL_ENOMEM);
            tn_jsonl_close(r);
        } else {
            CHECK_INT(rc, TN_JSONL_ENOMEM);
        }
        tn_alloc_fail_after(-1);
    }
    CHECK(finished);
}

/* ---- sniffing ------------------------------------------------------------ */

TN_TEST(test_sniff)
{
#define SNIFF(s) tn_input_sniff((const unsigned char *)(s), sizeof(s) - 1)
    CHECK_INT(SNIFF("ElfFile\0\0\0"), TN_INPUT_EVTX);
    CHECK_INT(SNIFF("ElfChnk\0"), TN_INPUT_EVTX);
    CHECK_INT(SNIFF("ElfFile"), TN_INPUT_UNKNOWN);
    CHECK_INT(SNIFF("{\"a\":1}"), TN_INPUT_JSON);
    CHECK_INT(SNIFF("\xEF\xBB\xBF  \r\n{\n  \"Event\""), TN_INPUT_JSON);
    CHECK_INT(SNIFF("[\n {\"a\":1}]"), TN_INPUT_JSON);
    CHECK_INT(SNIFF("[]"), TN_INPUT_JSON);
    CHECK_INT(SNIFF("{}"), TN_INPUT_JSON);
    CHECK_INT(SNIFF("{"), TN_INPUT_JSON);
    CHECK_INT(SNIFF("Record 1\n{\"Event\":{}}"), TN_INPUT_JSON);
    CHECK_INT(SNIFF("[2020-01-01] started"), TN_INPUT_UNKNOWN);
    CHECK_INT(SNIFF("{ts} started"), TN_INPUT_UNKNOWN);
    CHECK_INT(SNIFF("type=SYSCALL msg=audit(1604996384.965:93777)"), TN_INPUT_AUDITD);
    CHECK_INT(SNIFF("Record x\n{}"), TN_INPUT_UNKNOWN);
    CHECK_INT(SNIFF("<Event xmlns="), TN_INPUT_UNKNOWN);
    CHECK_INT(SNIFF(""), TN_INPUT_UNKNOWN);
    CHECK_INT(SNIFF("   "), TN_INPUT_UNKNOWN);
    /* a bad first line (a cut record's tail, a stray line) before JSON
     * Lines: JSON, and the reader reports that line (the file was skipped
     * whole); a text log with a JSON-looking line is not */
    CHECK_INT(SNIFF("garbage\n{\"EventID\":4688}\n"), TN_INPUT_JSON);
    CHECK_INT(SNIFF("88\",\"Channel\":\"Security\"}\n{\"a\":1}\n{\"a\":2}\n{\"a\":3"), TN_INPUT_JSON);
    CHECK_INT(SNIFF("garbage\n{\"a\":1}"), TN_INPUT_UNKNOWN);   /* only a cut last line */
    CHECK_INT(SNIFF("a text log\n{\"a\":1} said\nmore text\nand more\n"), TN_INPUT_UNKNOWN);
    CHECK_INT(SNIFF("x\n\n   \n{\"a\":1}\n  \n"), TN_INPUT_JSON);
    /* blank lines past 512 bytes before the first record */
    char blank[TN_SNIFF_HEAD];
    memset(blank, '\n', 1000);
    memcpy(blank + 1000, "{\"a\":1}\n", 8);
    CHECK_INT(tn_input_sniff((const unsigned char *)blank, 1008), TN_INPUT_JSON);
#undef SNIFF
}

/* ---- fuzzer findings ------------------------------------------------------ */

/* Replays every file in tests/fuzz-regress/jsonl the way fuzz/fuzz_jsonl.c feeds them:
 * byte 0 = read size, byte 1 odd = small record limit, then the input. */
static void replay(const unsigned char *data, size_t size)
{
    tn_input_sniff(data, size);
    if (size < 2)
        return;
    tn_diag d = {.quiet = 1};
    tn_jsonl *r;
    CHECK_INT(tn_jsonl_open_mem(data + 2, size - 2, "fuzz", &d, &r), 0);
    tn_jsonl_set_limits(r, data[0], (data[1] & 1) ? 64u + data[1] : 0);
    tn_event ev;
    int rc;
    while ((rc = tn_jsonl_next(r, &ev)) == TN_JSONL_EVENT)
        for (uint32_t i = 0; i < ev.nfields; i++)
            CHECK(ev.fields[i].value[ev.fields[i].value_len] == '\0');
    CHECK_INT(rc, TN_JSONL_END);
    tn_jsonl_close(r);
}

static void replay_one(const char *name, const unsigned char *data, size_t n, void *ctx)
{
    (void)name, (void)ctx;
    replay(data, n);
}

TN_TEST(test_jsonl_fuzz_regressions)
{
    CHECK(replay_each("tests/fuzz-regress/jsonl", replay_one, NULL) > 0);
}

/* A record that writes a System member's key twice (EventID, Channel)
 * was read as its first value without a word (Python and jq take the
 * last): a JSON problem now, the event kept, read the same way. Data
 * fields written twice are held twice, as before (a rule sees each). */
TN_TEST(test_jsonl_duplicate_system_key_reported)
{
    EXPECT("{\"EventID\":1,\"Channel\":\"C\",\"EventID\":4688,\"A\":\"x\",\"A\":\"y\"}\n",
           "@1 id=1 ch=C pc= pr= | EventID=4688; A=x; A=y;\n", 1);
    EXPECT("{\"Event\":{\"System\":{\"EventID\":1,\"Channel\":\"C\",\"Channel\":\"D\"}}}\n",
           "@1 id=1 ch=C pc= pr= |\n", 1);
    EXPECT("{\"winlog\":{\"event_id\":4624,\"channel\":\"Security\",\"event_id\":1}}\n",
           "@1 id=4624 ch=Security pc= pr= | winlog.event_id=1;\n", 1);
    EXPECT("{\"EventID\":1,\"Channel\":\"C\",\"A\":\"x\",\"A\":\"y\"}\n",
           "@1 id=1 ch=C pc= pr= | A=x; A=y;\n", 0);
    /* a second System object was read over the first without a word, a
     * second TimeCreated or @timestamp kept the first without one, and a
     * second Winlogbeat event_data was read by its dotted path (a review,
     * session 24) */
    EXPECT("{\"Event\":{\"System\":{\"EventID\":1,\"Channel\":\"C\"},"
           "\"System\":{\"EventID\":5,\"Channel\":\"D\"}}}\n",
           "@1 id=1 ch=C pc= pr= |\n", 1);
    EXPECT("{\"Event\":{\"System\":null,\"System\":{\"EventID\":1,\"Channel\":\"C\"}}}\n",
           "@1 id=1 ch=C pc= pr= |\n", 1);   /* a null before: the System object */
    EXPECT("{\"Event\":{\"System\":{\"EventID\":1,\"TimeCreated\":{\"#attributes\":{\"SystemTime\":"
           "\"2024-01-01T00:00:00Z\"}},\"TimeCreated\":{\"#attributes\":{\"SystemTime\":"
           "\"2030-01-01T00:00:00Z\"}}}}}\n",
           "@1 id=1 ch= pc= pr= |\n", 1);
    EXPECT("{\"winlog\":{\"event_id\":1,\"channel\":\"C\",\"event_data\":{\"Image\":\"a\"},"
           "\"event_data\":{\"Image\":\"b\"}}}\n",
           "@1 id=1 ch=C pc= pr= | Image=a; Image=b;\n", 0);
    EXPECT("{\"winlog\":{\"event_id\":1},\"@timestamp\":\"2024-01-01T00:00:00Z\","
           "\"@timestamp\":\"2030-01-01T00:00:00Z\"}\n",
           "@1 id=1 ch= pc= pr= | @timestamp=2030-01-01T00:00:00Z;\n", 1);
    static const char *const first_time[] = {
        "{\"Event\":{\"System\":{\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"2024-01-01T00:00:00Z\"}},"
        "\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"2030-01-01T00:00:00Z\"}}}}}",
        "{\"winlog\":{\"event_id\":1},\"@timestamp\":\"2024-01-01T00:00:00Z\",\"@timestamp\":\"2030-01-01T00:00:00Z\"}",
    };
    for (size_t i = 0; i < 2; i++) {
        tn_diag d = {.quiet = 1};
        tn_event ev;
        tn_jsonl *r = first_event(first_time[i], &d, &ev);
        char t[40];
        tn_filetime_format(ev.time, t);
        CHECK_STR(t, "2024-01-01T00:00:00.000000Z");
        CHECK_INT(tn_diag_total(&d), 1);
        tn_jsonl_close(r);
    }
}

/* Shapes a review found read with nothing mapped, without a word (session
 * 25): Winlogbeat 5 and 6, Log Analytics' WindowsEvent table, python-evtx's
 * XML through xmltodict; and levels and keywords written as names. */
TN_TEST(test_jsonl_more_shapes)
{
    /* Winlogbeat 6: System keys at the top, the data in event_data */
    EXPECT("{\"@timestamp\":\"2019-05-01T10:00:00.000Z\",\"computer_name\":\"WKS1\",\"event_id\":4688,"
           "\"log_name\":\"Security\",\"source_name\":\"Microsoft-Windows-Security-Auditing\","
           "\"record_number\":\"7\",\"level\":\"Information\",\"keywords\":[\"Audit Success\"],"
           "\"event_data\":{\"CommandLine\":\"vssadmin delete shadows\",\"param1\":\"p\"}}\n",
           "@1 id=4688 ch=Security pc=WKS1 pr=Microsoft-Windows-Security-Auditing |"
           " CommandLine=vssadmin delete shadows; param1=p; Data=p;\n",
           0);
    /* Azure: EventData an object, Provider, EventRecordId, EventLevel */
    EXPECT("{\"TimeGenerated\":\"2024-05-01T10:00:00.123Z\",\"Computer\":\"W\",\"Channel\":\"C\","
           "\"Provider\":\"P\",\"EventID\":1,\"EventLevel\":4,\"EventRecordId\":\"123456\","
           "\"SystemProcessId\":3308,\"EventData\":{\"Image\":\"C:\\\\x.exe\"}}\n",
           "@1 id=1 ch=C pc=W pr=P | Image=C:\\x.exe;\n", 0);
    /* Winlogbeat 6's keys only where both event_id and log_name say so:
     * an application's own level and process_id stay its data */
    EXPECT("{\"EventID\":1,\"level\":\"info\",\"process_id\":7,\"keywords\":[\"Classic\"]}\n",
           "@1 id=1 ch= pc= pr= | level=info; process_id=7; keywords=Classic;\n", 0);
    /* a flat record's Provider is data (WMI 5859's): not the provider */
    EXPECT("{\"EventID\":5859,\"Channel\":\"Microsoft-Windows-WMI-Activity/Operational\","
           "\"Provider\":\"SCM Event Provider\",\"Query\":\"q\"}\n",
           "@1 id=5859 ch=Microsoft-Windows-WMI-Activity/Operational pc= pr= | Provider=SCM Event Provider; Query=q;\n", 0);
    /* xmltodict: attributes as @Name, data items as {"@Name", "#text"} */
    EXPECT("{\"Event\":{\"@xmlns\":\"x\",\"System\":{\"Provider\":{\"@Name\":\"Microsoft-Windows-Sysmon\"},"
           "\"EventID\":{\"@Qualifiers\":\"\",\"#text\":\"1\"},\"TimeCreated\":{\"@SystemTime\":"
           "\"2025-10-25 16:54:23.873276\"},\"EventRecordID\":\"11\",\"Execution\":{\"@ProcessID\":\"3308\"},"
           "\"Channel\":\"S\",\"Computer\":\"H\",\"Security\":{\"@UserID\":\"S-1-5-18\"}},"
           "\"EventData\":{\"Data\":[{\"@Name\":\"Image\",\"#text\":\"a.exe\"},{\"@Name\":\"Empty\"}]}}}\n",
           "@1 id=1 ch=S pc=H pr=Microsoft-Windows-Sysmon | Image=a.exe; Empty=~;\n", 0);
    static const struct { const char *in; unsigned level; int has_level; uint64_t kw; } sys[] = {
        /* "Information" is level 0 (LogAlways) on the Security log, as
         * Windows writes its audit events, and 4 elsewhere */
        {"{\"@timestamp\":\"2019-05-01T10:00:00Z\",\"event_id\":4688,\"log_name\":\"Security\","
         "\"record_number\":\"7\",\"process_id\":4,\"level\":\"Information\",\"keywords\":[\"Audit Success\"]}",
         0, 1, 0x8020000000000000ull},
        {"{\"winlog\":{\"event_id\":\"42\",\"channel\":\"System\",\"keywords\":[\"Classic\"]},\"log\":{\"level\":\"error\"}}",
         2, 1, 0x0080000000000000ull},
        {"{\"winlog\":{\"event_id\":\"4673\",\"channel\":\"Security\",\"keywords\":[\"Audit Failure\"]},"
         "\"log\":{\"level\":\"information\"}}",
         0, 1, 0x8010000000000000ull},
        {"{\"winlog\":{\"event_id\":\"1\",\"channel\":\"Application\"},\"log\":{\"level\":\"information\"}}",
         4, 1, 0},
        {"{\"EventID\":42,\"Channel\":\"System\",\"EventType\":\"ERROR\",\"Keywords\":36028797018963968}",
         2, 1, 0x0080000000000000ull},
        {"{\"EventID\":13,\"EventType\":\"SetValue\"}", 0, 0, 0},   /* Sysmon's own EventType: no level */
        {"{\"EventID\":1,\"EventLevelName\":\"Warning\"}", 3, 1, 0},
    };
    for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++) {
        tn_diag d = {.quiet = 1};
        tn_event ev;
        tn_jsonl *r = first_event(sys[i].in, &d, &ev);
        CHECK_INT(ev.level, sys[i].level);
        CHECK(ev.keywords == sys[i].kw);
        CHECK_INT(!!(ev.present & TN_EV_BIT(TN_EV_LEVEL)), sys[i].has_level);
        if (i == 0) {
            CHECK_INT(ev.record_id, 7);
            CHECK_INT(ev.pid, 4);
        }
        tn_jsonl_close(r);
    }
    /* a keyword name that is a provider's own: no bits, no keywords */
    tn_diag d = {.quiet = 1};
    tn_event ev;
    tn_jsonl *r = first_event("{\"winlog\":{\"event_id\":1,\"keywords\":[\"Classic\",\"Process\"]}}", &d, &ev);
    CHECK(ev.keywords == 0 && !(ev.present & TN_EV_BIT(TN_EV_KEYWORDS)));
    tn_jsonl_close(r);
}

/* A NUL in the computer's name cut it ("nul\u0000host" was "nul", one
 * host with every other "nul..."): not taken, said (session 25). */
TN_TEST(test_jsonl_nul_in_system_string)
{
    tn_diag d = {.quiet = 1};
    tn_event ev;
    tn_jsonl *r = first_event("{\"EventID\":1,\"Computer\":\"nul\\u0000host\",\"Channel\":\"C\"}", &d, &ev);
    CHECK_STR(ev.computer, "");
    CHECK(!(ev.present & TN_EV_BIT(TN_EV_COMPUTER)));
    CHECK_INT(ev.nfields, 1);   /* kept as a field, whole */
    CHECK(ev.nfields == 1 && ev.fields[0].value_len == 8 && !memcmp(ev.fields[0].value, "nul\0host", 8));
    CHECK_INT(tn_diag_total(&d), 1);
    tn_jsonl_close(r);
}
