/* test_sigma_valuemap.c - logsource renames that translate values:
 * Sysmon's Initiated 'true' is 5156's Direction %%14593 (data/logsources.yml),
 * with and without the prefilter (test_match runs both). */
#include "tn_test.h"

#include "sigma_helpers.h"

TN_TEST(test_initiated_is_5156_direction)
{
    const char *rule = "title: rdp out\nlogsource:\n  category: network_connection\n  product: windows\n"
                       "detection:\n  sel:\n    Initiated: 'true'\n    DestinationPort: 3389\n"
                       "  condition: sel\n";
    TEST_EVENT(out5156, "Security", 5156, "Direction", "%%14593", "DestPort", "3389",
               "Application", "\\device\\harddiskvolume1\\windows\\system32\\mstsc.exe");
    TEST_EVENT(in5156, "Security", 5156, "Direction", "%%14592", "DestPort", "3389");
    TEST_EVENT(sysmon, "Microsoft-Windows-Sysmon/Operational", 3, "Initiated", "true",
               "DestinationPort", "3389");
    TEST_EVENT(sysmon_in, "Microsoft-Windows-Sysmon/Operational", 3, "Initiated", "false",
               "DestinationPort", "3389");
    CHECK_INT(test_match(rule, &out5156), 1);
    CHECK_INT(test_match(rule, &in5156), 0);
    CHECK_INT(test_match(rule, &sysmon), 1);
    CHECK_INT(test_match(rule, &sysmon_in), 0);
    /* the inbound code reads as 'false' */
    const char *inbound = "title: rdp in\nlogsource:\n  category: network_connection\n  product: windows\n"
                          "detection:\n  sel:\n    Initiated: 'false'\n  condition: sel\n";
    CHECK_INT(test_match(inbound, &in5156), 1);
    CHECK_INT(test_match(inbound, &out5156), 0);
    /* a value outside the table is seen as it is */
    TEST_EVENT(odd, "Security", 5156, "Direction", "%%99999");
    const char *raw = "title: raw\nlogsource:\n  category: network_connection\n  product: windows\n"
                      "detection:\n  sel:\n    Initiated|contains: '99999'\n  condition: sel\n";
    CHECK_INT(test_match(raw, &odd), 1);
}

/* 5156's Application is an NT device path: rules written with Sysmon's
 * C:\ paths must see it as one (SigmaHQ's "Uncommon Outbound Kerberos
 * Connection" flagged lsass on every 5156 of a domain controller because
 * its filter names C:\Windows\System32\lsass.exe). */
TN_TEST(test_5156_device_paths)
{
#define NET "title: t\nlogsource:\n  category: network_connection\n  product: windows\ndetection:\n"
    TEST_EVENT(lsass, "Security", 5156, "Direction", "%%14593", "DestPort", "88", "Application",
               "\\device\\harddiskvolume2\\windows\\system32\\lsass.exe");
    TEST_EVENT(vol13, "Security", 5156, "Application", "\\Device\\HarddiskVolume13\\Tools\\x.exe");
    TEST_EVENT(plain, "Security", 5156, "Application", "System");
    TEST_EVENT(novol, "Security", 5156, "Application", "\\device\\harddiskvolume\\x.exe");
    TEST_EVENT(sysmon, "Microsoft-Windows-Sysmon/Operational", 3, "Image",
               "\\device\\harddiskvolume2\\windows\\system32\\lsass.exe");
    const char *exact = NET "  sel:\n    Image: 'C:\\Windows\\System32\\lsass.exe'\n  condition: sel\n";
    const char *starts = NET "  sel:\n    Image|startswith: 'C:\\Tools\\'\n  condition: sel\n";
    const char *ends = NET "  sel:\n    Image|endswith: '\\lsass.exe'\n  condition: sel\n";
    const char *filt = NET "  sel:\n    DestinationPort: 88\n  filter:\n    Image: 'C:\\Windows\\System32\\lsass.exe'\n"
                           "  condition: sel and not filter\n";
    const char *raw = NET "  sel:\n    Image|startswith: '\\device\\'\n  condition: sel\n";
    CHECK_INT(test_match(exact, &lsass), 1);
    CHECK_INT(test_match(ends, &lsass), 1);
    CHECK_INT(test_match(filt, &lsass), 0);     /* the filter applies: no false positive */
    CHECK_INT(test_match(starts, &vol13), 1);   /* any volume number, any case */
    CHECK_INT(test_match(exact, &plain), 0);
    CHECK_INT(test_match(raw, &plain), 0);
    CHECK_INT(test_match(raw, &novol), 1);      /* no volume number: left as logged */
    CHECK_INT(test_match(raw, &lsass), 0);      /* read as C:\... */
    CHECK_INT(test_match(exact, &sysmon), 0);   /* only the 5156 source translates */
#undef NET
}

/* 4657 names the key in ObjectName (a kernel path) and the value in
 * ObjectValueName; Sysmon's TargetObject, which registry rules test, is
 * HKLM\...\key\value. */
TN_TEST(test_4657_registry_paths)
{
#define REG "title: t\nlogsource:\n  category: registry_set\n  product: windows\ndetection:\n"
    TEST_EVENT(run, "Security", 4657, "ObjectName",
               "\\REGISTRY\\MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run", "ObjectValueName",
               "evil", "NewValue", "C:\\x.exe");
    TEST_EVENT(svc, "Security", 4657, "ObjectName", "\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Services\\x",
               "ObjectValueName", "ImagePath");
    TEST_EVENT(user, "Security", 4657, "ObjectName", "\\REGISTRY\\USER\\S-1-5-21-1\\Software\\Classes\\x",
               "ObjectValueName", "");
    TEST_EVENT(sysmon, "Microsoft-Windows-Sysmon/Operational", 13, "TargetObject",
               "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\evil");
    const char *exact = REG "  sel:\n    TargetObject: 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\evil'\n"
                            "  condition: sel\n";
    const char *ends = REG "  sel:\n    TargetObject|endswith: '\\CurrentVersion\\Run\\evil'\n  condition: sel\n";
    const char *ccs = REG "  sel:\n    TargetObject|contains: '\\CurrentControlSet\\Services\\'\n"
                          "    TargetObject|endswith: '\\ImagePath'\n  condition: sel\n";
    const char *hku = REG "  sel:\n    TargetObject|startswith: 'HKU\\'\n    TargetObject|endswith: '\\Classes\\x'\n"
                          "  condition: sel\n";
    const char *raw = REG "  sel:\n    TargetObject|startswith: '\\REGISTRY\\'\n  condition: sel\n";
    CHECK_INT(test_match(exact, &run), 1);
    CHECK_INT(test_match(exact, &sysmon), 1);
    CHECK_INT(test_match(ends, &run), 1);
    CHECK_INT(test_match(ccs, &svc), 1);     /* ControlSet001 reads as CurrentControlSet */
    CHECK_INT(test_match(hku, &user), 1);    /* an empty value name adds nothing */
    CHECK_INT(test_match(raw, &run), 0);
    CHECK_INT(test_match(exact, &svc), 0);
#undef REG
}

/* Sysmon's User is DOMAIN\name, and NT AUTHORITY\SYSTEM for a process run
 * as SYSTEM; 4688 (and 4657) log the account in three fields, and the
 * machine account (HOST$) for SYSTEM. SigmaHQ's 15 selections on
 * `User|contains: AUTHORI` matched only Sysmon 1 before (the corpus's
 * tscon run as SYSTEM, 4688 record 284392, went unseen). */
TN_TEST(test_4688_user_as_sysmon_names_it)
{
#define PROC "title: t\nlogsource:\n  category: process_creation\n  product: windows\ndetection:\n"
    TEST_EVENT(sys, "Security", 4688, "SubjectUserSid", "S-1-5-18", "SubjectUserName", "WEF$",
               "SubjectDomainName", "WINDOMAIN", "NewProcessName", "C:\\Windows\\System32\\tscon.exe");
    TEST_EVENT(net, "Security", 4688, "SubjectUserSid", "S-1-5-20", "SubjectUserName", "HOST$",
               "SubjectDomainName", "CORP", "NewProcessName", "C:\\x.exe");
    TEST_EVENT(loc, "Security", 4688, "SubjectUserSid", "s-1-5-19", "SubjectUserName", "HOST$",
               "SubjectDomainName", "CORP", "NewProcessName", "C:\\x.exe");
    TEST_EVENT(usr, "Security", 4688, "SubjectUserSid", "S-1-5-21-1-2-3-1000", "SubjectUserName", "IEUser",
               "SubjectDomainName", "IE10WIN7", "NewProcessName", "C:\\x.exe");
    TEST_EVENT(odd, "Security", 4688, "SubjectUserSid", "S-1-5-180", "SubjectUserName", "HOST$",
               "SubjectDomainName", "CORP");
    TEST_EVENT(sysmon, "Microsoft-Windows-Sysmon/Operational", 1, "User", "NT AUTHORITY\\SYSTEM",
               "Image", "C:\\Windows\\System32\\tscon.exe");
    TEST_EVENT(reg, "Security", 4657, "SubjectUserSid", "S-1-5-18", "SubjectUserName", "HOST$",
               "SubjectDomainName", "CORP", "ObjectName", "\\REGISTRY\\MACHINE\\SOFTWARE\\x", "ObjectValueName", "v");
    const char *tscon = PROC "  sel:\n    User|contains:\n      - AUTHORI\n      - AUTORI\n"
                             "    Image|endswith: '\\tscon.exe'\n  condition: sel\n";
    const char *system = PROC "  sel:\n    User|endswith: '\\SYSTEM'\n  condition: sel\n";
    const char *exact = PROC "  sel:\n    User: 'NT AUTHORITY\\NETWORK SERVICE'\n  condition: sel\n";
    const char *local = PROC "  sel:\n    User|contains: 'LOCAL SERVICE'\n  condition: sel\n";
    const char *named = PROC "  sel:\n    User: 'ie10win7\\ieuser'\n  condition: sel\n";
    const char *machine = PROC "  sel:\n    User|endswith: '$'\n  condition: sel\n";
    CHECK_INT(test_match(tscon, &sys), 1);
    CHECK_INT(test_match(tscon, &sysmon), 1);
    CHECK_INT(test_match(system, &sys), 1);
    CHECK_INT(test_match(system, &usr), 0);
    CHECK_INT(test_match(exact, &net), 1);
    CHECK_INT(test_match(exact, &sys), 0);
    CHECK_INT(test_match(local, &loc), 1);   /* the SID as logged, in any case */
    CHECK_INT(test_match(named, &usr), 1);   /* DOMAIN\name, as Sysmon writes it */
    CHECK_INT(test_match(machine, &sys), 0);
    CHECK_INT(test_match(machine, &odd), 1); /* not a well-known SID: the account as logged */
    /* a target account is the new process's: the corpus's WmiPrvSE starting
     * notepad as Administrator under NETWORK SERVICE (record 21374, whose
     * TargetUserSid is the NULL SID), and lsass started as SYSTEM by a user */
    TEST_EVENT(relay, "Security", 4688, "SubjectUserSid", "S-1-5-20", "SubjectUserName", "WIND10$",
               "SubjectDomainName", "WINLAB", "TargetUserSid", "S-1-0-0", "TargetUserName", "Administrator",
               "TargetDomainName", "WINLAB.LOCAL");
    TEST_EVENT(asys, "Security", 4688, "SubjectUserSid", "S-1-5-21-1-2-3-1000", "SubjectUserName", "IEUser",
               "SubjectDomainName", "IE10WIN7", "TargetUserSid", "S-1-5-18", "TargetUserName", "IE10WIN7$",
               "TargetDomainName", "WORKGROUP");
    TEST_EVENT(same, "Security", 4688, "SubjectUserSid", "S-1-5-18", "SubjectUserName", "WEF$",
               "SubjectDomainName", "WINDOMAIN", "TargetUserSid", "S-1-0-0", "TargetUserName", "-",
               "TargetDomainName", "-");
    const char *admin = PROC "  sel:\n    User: 'WINLAB.LOCAL\\Administrator'\n  condition: sel\n";
    CHECK_INT(test_match(admin, &relay), 1);
    CHECK_INT(test_match(exact, &relay), 0);   /* not its creator's NETWORK SERVICE */
    CHECK_INT(test_match(system, &asys), 1);
    CHECK_INT(test_match(named, &asys), 0);
    CHECK_INT(test_match(system, &same), 1);   /* Target* '-': the creator's */
    const char *regu = "title: t\nlogsource:\n  category: registry_set\n  product: windows\ndetection:\n"
                       "  sel:\n    User|contains: AUTHORI\n    TargetObject|endswith: '\\SOFTWARE\\x\\v'\n"
                       "  condition: sel\n";
    CHECK_INT(test_match(regu, &reg), 1);
#undef PROC
}

/* Sysmon's LogonId is the new process's session, the account User names:
 * 4688's TargetLogonId when it names a target account, else the creator's
 * SubjectLogonId (4688 writes 0x0 there, not '-', when it names none).
 * Before, it was the creator's always: lsass started as SYSTEM by a user
 * (the corpus's MalSeclogon, record 329921) read as the user's session,
 * and svchost started as LOCAL SERVICE by SYSTEM (329925) as SYSTEM's
 * 0x3e7. SigmaHQ's "Elevated System Shell Spawned" tests both fields. */
TN_TEST(test_4688_logon_id_is_the_new_process_s)
{
#define PROC "title: t\nlogsource:\n  category: process_creation\n  product: windows\ndetection:\n"
    TEST_EVENT(lsass, "Security", 4688, "SubjectUserSid", "S-1-5-21-1-2-3-1000", "SubjectUserName", "IEUser",
               "SubjectDomainName", "MSEDGEWIN10", "SubjectLogonId", "0x16e3db3", "TargetUserSid", "S-1-5-18",
               "TargetUserName", "MSEDGEWIN10$", "TargetDomainName", "WORKGROUP", "TargetLogonId", "0x3e7",
               "NewProcessName", "C:\\Windows\\System32\\cmd.exe");
    TEST_EVENT(svc, "Security", 4688, "SubjectUserSid", "S-1-5-18", "SubjectUserName", "MSEDGEWIN10$",
               "SubjectDomainName", "WORKGROUP", "SubjectLogonId", "0x3e7", "TargetUserSid", "S-1-5-19",
               "TargetUserName", "LOCAL SERVICE", "TargetDomainName", "NT AUTHORITY", "TargetLogonId", "0x3e5",
               "NewProcessName", "C:\\Windows\\System32\\cmd.exe");
    TEST_EVENT(same, "Security", 4688, "SubjectUserSid", "S-1-5-18", "SubjectUserName", "WEF$",
               "SubjectDomainName", "WINDOMAIN", "SubjectLogonId", "0x3e7", "TargetUserSid", "S-1-0-0",
               "TargetUserName", "-", "TargetDomainName", "-", "TargetLogonId", "0x0",
               "NewProcessName", "C:\\Windows\\System32\\cmd.exe");
    TEST_EVENT(old, "Security", 4688, "SubjectUserSid", "S-1-5-18", "SubjectUserName", "HOST$",
               "SubjectDomainName", "CORP", "SubjectLogonId", "0x3e7", "NewProcessName", "C:\\x.exe");
    const char *sys = PROC "  sel:\n    LogonId: '0x3e7'\n  condition: sel\n";
    const char *zero = PROC "  sel:\n    LogonId: '0x0'\n  condition: sel\n";
    const char *elevated = PROC "  sel_img:\n    Image|endswith: '\\cmd.exe'\n"
                                "  sel_user:\n    User|contains: AUTHORI\n    LogonId: '0x3e7'\n"
                                "  condition: all of sel_*\n";
    CHECK_INT(test_match(sys, &lsass), 1);   /* the target's session, not the user's */
    CHECK_INT(test_match(elevated, &lsass), 1);
    CHECK_INT(test_match(sys, &svc), 0);     /* LOCAL SERVICE's 0x3e5, not its creator's */
    CHECK_INT(test_match(PROC "  sel:\n    LogonId: '0x3e5'\n  condition: sel\n", &svc), 1);
    CHECK_INT(test_match(sys, &same), 1);    /* no target: the creator's */
    CHECK_INT(test_match(zero, &same), 0);
    CHECK_INT(test_match(elevated, &same), 1);
    CHECK_INT(test_match(sys, &old), 1);     /* a 4688 without Target* fields */
#undef PROC
}

/* 4657's OperationType is Sysmon's EventType (%%1904 a value created and
 * %%1905 modified: SetValue; %%1906 deleted: DeleteValue): registry rules
 * testing EventType could never hold on 4657. WMI-Activity 5861's consumer
 * command is PossibleCause, what Sysmon 20 writes as Destination. */
TN_TEST(test_4657_event_type_and_5861_destination)
{
    TEST_EVENT(set, "Security", 4657, "ObjectName", "\\REGISTRY\\MACHINE\\SOFTWARE\\x", "ObjectValueName", "v",
               "OperationType", "%%1905");
    TEST_EVENT(del, "Security", 4657, "ObjectName", "\\REGISTRY\\MACHINE\\SOFTWARE\\x", "ObjectValueName", "v",
               "OperationType", "%%1906");
    const char *setv = "title: t\nlogsource:\n  category: registry_set\n  product: windows\ndetection:\n"
                       "  sel:\n    EventType: SetValue\n    TargetObject|endswith: '\\x\\v'\n  condition: sel\n";
    const char *delv = "title: t\nlogsource:\n  category: registry_event\n  product: windows\ndetection:\n"
                       "  sel:\n    EventType: DeleteValue\n  condition: sel\n";
    CHECK_INT(test_match(setv, &set), 1);
    CHECK_INT(test_match(setv, &del), 0);
    CHECK_INT(test_match(delv, &del), 1);
    TEST_EVENT(wmi, "Microsoft-Windows-WMI-Activity/Operational", 5861, "Namespace", "//./root/subscription",
               "PossibleCause", "Binding EventFilter: ... CommandLineEventConsumer powershell -enc SQBFAFgA");
    const char *cons = "title: t\nlogsource:\n  category: wmi_event\n  product: windows\ndetection:\n"
                       "  sel:\n    Destination|contains: 'powershell'\n  condition: sel\n";
    CHECK_INT(test_match(cons, &wmi), 1);
}

/* A review of rules that could never fire on real logs (session 25):
 * 5145's access list holds codes where rules test names (the ATSVC and
 * SVCCTL named-pipe rules missed the corpus's real attacks); Windows pads
 * LogonProcessName ('NtLmSsp '); 4657's machine classes are Sysmon's HKCR. */
TN_TEST(test_security_access_codes_and_padding)
{
#define SEC "title: t\nlogsource:\n  service: security\n  product: windows\ndetection:\n"
    TEST_EVENT(atsvc, "Security", 5145, "ShareName", "\\\\*\\IPC$", "RelativeTargetName", "atsvc",
               "AccessList", "%%4416\r\n\t\t\t\t%%4417\r\n\t\t\t\t");
    TEST_EVENT(read, "Security", 5145, "ShareName", "\\\\*\\IPC$", "RelativeTargetName", "atsvc",
               "AccessList", "%%4416\r\n\t\t\t\t%%44170");
    const char *name = SEC "  sel:\n    EventID: 5145\n    RelativeTargetName: atsvc\n"
                           "    AccessList|contains: 'WriteData'\n  condition: sel\n";
    const char *code = SEC "  sel:\n    AccessList|contains: '%%4417'\n  condition: sel\n";
    const char *del = SEC "  sel:\n    AccessList|contains:\n      - DELETE\n      - AppendData\n  condition: sel\n";
    CHECK_INT(test_match(name, &atsvc), 1);
    CHECK_INT(test_match(code, &atsvc), 1);     /* the code is still there */
    CHECK_INT(test_match(name, &read), 0);      /* %%44170 is no code of the table */
    CHECK_INT(test_match(del, &atsvc), 0);
    TEST_EVENT(pth, "Security", 4624, "LogonType", "3", "LogonProcessName", "NtLmSsp ", "KeyLength", "0");
    TEST_EVENT(other, "Security", 4624, "LogonType", "3", "LogonProcessName", "Kerberos", "KeyLength", "0");
    const char *ntlm = SEC "  sel:\n    EventID: 4624\n    LogonProcessName: 'NtLmSsp'\n  condition: sel\n";
    const char *padded = SEC "  sel:\n    LogonProcessName: 'NtLmSsp '\n  condition: sel\n";
    CHECK_INT(test_match(ntlm, &pth), 1);
    CHECK_INT(test_match(ntlm, &other), 0);
    CHECK_INT(test_match(padded, &pth), 0);     /* rules see the name as rules write it */
#undef SEC
#define REG "title: t\nlogsource:\n  category: registry_set\n  product: windows\ndetection:\n"
    TEST_EVENT(cls, "Security", 4657, "ObjectName", "\\REGISTRY\\MACHINE\\SOFTWARE\\Classes\\evilproto",
               "ObjectValueName", "URL Protocol", "NewValue", "");
    const char *hkcr = REG "  sel:\n    TargetObject|startswith: 'HKCR\\evilproto'\n  condition: sel\n";
    const char *hklm = REG "  sel:\n    TargetObject|startswith: 'HKLM\\SOFTWARE\\Classes\\'\n  condition: sel\n";
    CHECK_INT(test_match(hkcr, &cls), 1);
    CHECK_INT(test_match(hklm, &cls), 0);       /* as Sysmon writes it */
#undef REG
}

/* System 104's cleared log is its UserData's Channel; the event's own is
 * System. "Important Windows Eventlog Cleared" fired on every log cleared,
 * and "Eventlog Cleared" (the others) never (a review, session 25). */
TN_TEST(test_system_104_cleared_channel)
{
#define SYS "title: t\nlogsource:\n  service: system\n  product: windows\ndetection:\n"
    TEST_EVENT(app, "System", 104, "SubjectUserName", "user01", "Channel", "Application", "BackupPath", "");
    TEST_EVENT(sec, "System", 104, "SubjectUserName", "user01", "Channel", "Security", "BackupPath", "");
    TEST_EVENT(other, "System", 7045, "ServiceName", "x");
    const char *important = SYS "  sel:\n    EventID: 104\n    Channel:\n      - Security\n      - System\n"
                                "  condition: sel\n";
    const char *rest = SYS "  sel:\n    EventID: 104\n  filter:\n    Channel:\n      - Security\n      - System\n"
                           "  condition: sel and not filter\n";
    const char *own = SYS "  sel:\n    Channel: System\n    EventID: 7045\n  condition: sel\n";
    CHECK_INT(test_match(important, &sec), 1);
    CHECK_INT(test_match(important, &app), 0);
    CHECK_INT(test_match(rest, &app), 1);
    CHECK_INT(test_match(rest, &sec), 0);
    CHECK_INT(test_match(own, &other), 1);   /* without a data Channel: the event's own */
#undef SYS
}
