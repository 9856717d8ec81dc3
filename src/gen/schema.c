/* schema.c - field names, types and System values of each generated event type.
 *
 * Names, versions, tasks and keywords follow real Windows 10 / Server 2016
 * events (checked against the corpus in ../shared/corpus). */
#include "gen/schema.h"

#include <stddef.h>

const char *const tn_channel_names[TN_CH__COUNT] = {
    "Security", "System", "Microsoft-Windows-Sysmon/Operational"};
const char *const tn_channel_files[TN_CH__COUNT] = {
    "Security", "System", "Microsoft-Windows-Sysmon%4Operational"};

#define SEC "Microsoft-Windows-Security-Auditing", "{54849625-5478-4994-A5BA-3E3B0328C30D}", NULL, TN_CH_SECURITY
#define SYSMON "Microsoft-Windows-Sysmon", "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}", NULL, TN_CH_SYSMON
#define OK 0x8020000000000000ull
#define FAIL 0x8010000000000000ull
#define S TN_VT_STR
#define SID TN_VT_SID
#define H64 TN_VT_HEX64
#define H32 TN_VT_HEX32
#define U32 TN_VT_U32
#define U16 TN_VT_U16
#define G TN_VT_GUID
#define SUBJ "SubjectUserSid", "SubjectUserName", "SubjectDomainName", "SubjectLogonId"
#define SUBJ_T SID, S, S, H64

const tn_gen_schema tn_sc_4608 = {"4608", SEC, 4608, -1, 0, 0, 0, 12288, OK, 0, 0, 0, {0}, {0}};

const tn_gen_schema tn_sc_4624 = {"4624", SEC, 4624, -1, 2, 0, 0, 12544, OK, 0, 0, 27,
    {SUBJ, "TargetUserSid", "TargetUserName", "TargetDomainName", "TargetLogonId", "LogonType",
     "LogonProcessName", "AuthenticationPackageName", "WorkstationName", "LogonGuid",
     "TransmittedServices", "LmPackageName", "KeyLength", "ProcessId", "ProcessName", "IpAddress",
     "IpPort", "ImpersonationLevel", "RestrictedAdminMode", "TargetOutboundUserName",
     "TargetOutboundDomainName", "VirtualAccount", "TargetLinkedLogonId", "ElevatedToken"},
    {SUBJ_T, SID, S, S, H64, U32, S, S, S, G, S, S, U32, H64, S, S, S, S, S, S, S, S, H64, S}};

const tn_gen_schema tn_sc_4625 = {"4625", SEC, 4625, -1, 0, 0, 0, 12544, FAIL, 0, 0, 21,
    {SUBJ, "TargetUserSid", "TargetUserName", "TargetDomainName", "Status", "FailureReason",
     "SubStatus", "LogonType", "LogonProcessName", "AuthenticationPackageName", "WorkstationName",
     "TransmittedServices", "LmPackageName", "KeyLength", "ProcessId", "ProcessName", "IpAddress",
     "IpPort"},
    {SUBJ_T, SID, S, S, H32, S, H32, U32, S, S, S, S, S, U32, H64, S, S, S}};

const tn_gen_schema tn_sc_4634 = {"4634", SEC, 4634, -1, 0, 0, 0, 12545, OK, 0, 0, 5,
    {"TargetUserSid", "TargetUserName", "TargetDomainName", "TargetLogonId", "LogonType"},
    {SID, S, S, H64, U32}};

const tn_gen_schema tn_sc_4647 = {"4647", SEC, 4647, -1, 0, 0, 0, 12545, OK, 0, 0, 4,
    {"TargetUserSid", "TargetUserName", "TargetDomainName", "TargetLogonId"}, {SID, S, S, H64}};

const tn_gen_schema tn_sc_4648 = {"4648", SEC, 4648, -1, 0, 0, 0, 12544, OK, 0, 0, 14,
    {SUBJ, "LogonGuid", "TargetUserName", "TargetDomainName", "TargetLogonGuid",
     "TargetServerName", "TargetInfo", "ProcessId", "ProcessName", "IpAddress", "IpPort"},
    {SUBJ_T, G, S, S, G, S, S, H64, S, S, S}};

const tn_gen_schema tn_sc_4663 = {"4663", SEC, 4663, -1, 1, 0, 0, 12800, OK, 0, 0, 13,
    {SUBJ, "ObjectServer", "ObjectType", "ObjectName", "HandleId", "AccessList", "AccessMask",
     "ProcessId", "ProcessName", "ResourceAttributes"},
    {SUBJ_T, S, S, S, H64, S, H32, H64, S, S}};

const tn_gen_schema tn_sc_4672 = {"4672", SEC, 4672, -1, 0, 0, 0, 12548, OK, 0, 0, 5,
    {SUBJ, "PrivilegeList"}, {SUBJ_T, S}};

const tn_gen_schema tn_sc_4698 = {"4698", SEC, 4698, -1, 1, 0, 0, 12804, OK, 0, 0, 6,
    {SUBJ, "TaskName", "TaskContent"}, {SUBJ_T, S, S}};

const tn_gen_schema tn_sc_4768 = {"4768", SEC, 4768, -1, 0, 0, 0, 14339, OK, 0, 0, 14,
    {"TargetUserName", "TargetDomainName", "TargetSid", "ServiceName", "ServiceSid",
     "TicketOptions", "Status", "TicketEncryptionType", "PreAuthType", "IpAddress", "IpPort",
     "CertIssuerName", "CertSerialNumber", "CertThumbprint"},
    {S, S, SID, S, SID, H32, H32, H32, S, S, S, S, S, S}};

const tn_gen_schema tn_sc_4769 = {"4769", SEC, 4769, -1, 0, 0, 0, 14337, OK, 0, 0, 11,
    {"TargetUserName", "TargetDomainName", "ServiceName", "ServiceSid", "TicketOptions",
     "TicketEncryptionType", "IpAddress", "IpPort", "Status", "LogonGuid", "TransmittedServices"},
    {S, S, S, SID, H32, H32, S, S, H32, G, S}};

const tn_gen_schema tn_sc_4776 = {"4776", SEC, 4776, -1, 0, 0, 0, 14336, OK, 0, 0, 4,
    {"PackageName", "TargetUserName", "Workstation", "Status"}, {S, S, S, H32}};

const tn_gen_schema tn_sc_5140 = {"5140", SEC, 5140, -1, 1, 0, 0, 12808, OK, 0, 0, 11,
    {SUBJ, "ObjectType", "IpAddress", "IpPort", "ShareName", "ShareLocalPath", "AccessMask",
     "AccessList"},
    {SUBJ_T, S, S, S, S, S, H32, S}};

const tn_gen_schema tn_sc_5145 = {"5145", SEC, 5145, -1, 0, 0, 0, 12811, OK, 0, 0, 13,
    {SUBJ, "ObjectType", "IpAddress", "IpPort", "ShareName", "ShareLocalPath",
     "RelativeTargetName", "AccessMask", "AccessList", "AccessReason"},
    {SUBJ_T, S, S, S, S, S, S, H32, S, S}};

#define EVENTLOG "Microsoft-Windows-Eventlog", "{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}", NULL
#define EVENTLOG_NS "http://manifests.microsoft.com/win/2004/08/windows/eventlog"

const tn_gen_schema tn_sc_1102 = {"1102", EVENTLOG, TN_CH_SECURITY, 1102, -1, 0, 4, 0, 104,
    0x4020000000000000ull, "LogFileCleared", EVENTLOG_NS, 4, {SUBJ}, {SUBJ_T}};

const tn_gen_schema tn_sc_104 = {"104", EVENTLOG, TN_CH_SYSTEM, 104, -1, 0, 4, 0, 104,
    0x8000000000000000ull, "LogFileCleared", EVENTLOG_NS, 4,
    {"SubjectUserName", "SubjectDomainName", "Channel", "BackupPath"}, {S, S, S, S}};

/* Real 7036 events also carry a <Binary> element (the service's key
 * name); the generator writes only the two Data values. */
const tn_gen_schema tn_sc_7036 = {"7036", "Service Control Manager",
    "{555908d1-a6d7-4695-8e1e-26931d2012f4}", "Service Control Manager", TN_CH_SYSTEM, 7036,
    16384, 0, 4, 0, 0, 0x8080000000000000ull, 0, 0, 2, {"param1", "param2"}, {S, S}};

const tn_gen_schema tn_sc_7045 = {"7045", "Service Control Manager",
    "{555908d1-a6d7-4695-8e1e-26931d2012f4}", "Service Control Manager", TN_CH_SYSTEM, 7045,
    16384, 0, 4, 0, 0, 0x8080000000000000ull, 0, 0, 5,
    {"ServiceName", "ImagePath", "ServiceType", "StartType", "AccountName"}, {S, S, S, S, S}};

const tn_gen_schema tn_sc_sysmon1 = {"sysmon1", SYSMON, 1, -1, 5, 4, 0, 1, 0x8000000000000000ull,
    0, 0, 23,
    {"RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "FileVersion", "Description",
     "Product", "Company", "OriginalFileName", "CommandLine", "CurrentDirectory", "User",
     "LogonGuid", "LogonId", "TerminalSessionId", "IntegrityLevel", "Hashes",
     "ParentProcessGuid", "ParentProcessId", "ParentImage", "ParentCommandLine", "ParentUser"},
    {S, S, G, U32, S, S, S, S, S, S, S, S, S, G, H64, U32, S, S, G, U32, S, S, S}};

const tn_gen_schema tn_sc_sysmon3 = {"sysmon3", SYSMON, 3, -1, 5, 4, 0, 3, 0x8000000000000000ull,
    0, 0, 18,
    {"RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "User", "Protocol", "Initiated",
     "SourceIsIpv6", "SourceIp", "SourceHostname", "SourcePort", "SourcePortName",
     "DestinationIsIpv6", "DestinationIp", "DestinationHostname", "DestinationPort",
     "DestinationPortName"},
    {S, S, G, U32, S, S, S, S, S, S, S, U16, S, S, S, S, U16, S}};

const tn_gen_schema tn_sc_sysmon10 = {"sysmon10", SYSMON, 10, -1, 3, 4, 0, 10,
    0x8000000000000000ull, 0, 0, 13,
    {"RuleName", "UtcTime", "SourceProcessGUID", "SourceProcessId", "SourceThreadId",
     "SourceImage", "TargetProcessGUID", "TargetProcessId", "TargetImage", "GrantedAccess",
     "CallTrace", "SourceUser", "TargetUser"},
    {S, S, G, U32, U32, S, G, U32, S, H32, S, S, S}};
