/* main.c - tansa's entry point: dispatches to subcommands. */
#include "cli.h"

#include "base/diag.h"
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* Sorted by name; looked up linearly (it is short). */
static const tn_command commands[] = {
    {"dump", "print EVTX records as JSON Lines or XML", tn_cmd_dump},
    {"gen", "write a synthetic company's logs with a breach inside", tn_cmd_gen},
    {"hunt", "run Sigma rules over logs and print a timeline of detections", tn_cmd_hunt},
    {"metrics", "event-ID, computer and logon counts of a collection", tn_cmd_metrics},
    {"rules", "check Sigma rules and report what cannot be used", tn_cmd_rules},
    {"scope", "follow a compromise through time: hosts, accounts, objects, gaps", tn_cmd_scope},
};

static void print_help(FILE *f)
{
    fprintf(f, "tansa %s - incident response from raw logs\n\n"
               "Usage: tansa COMMAND [OPTIONS] ...\n"
               "       tansa COMMAND --help\n"
               "       tansa --version\n\nCommands:\n", TANSA_VERSION);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nEnvironment:\n"
               "  TANSA_CACHE  folder for compiled literal databases and parsed rule files,\n"
               "               reused while the rules are unchanged (default\n"
               "               $XDG_CACHE_HOME/tansa, else ~/.cache/tansa); 'off' parses\n"
               "               and compiles every time\n"
               "  TANSA_RULES  the default rule pack (without --rules)\n"
               "  TANSA_DATA   the data/ folder (log source map, placeholders)\n"
               "  TMPDIR       temporary files (hunt's runs of detections, scope's\n"
               "               records, standard input and gzip'd EVTX spooled)\n"
               "  TANSA_NO_HUGE_PAGES, TANSA_NO_PREFILTER, TANSA_NO_SCAN_CACHE,\n"
               "  TANSA_NO_VMEMO  =1 turns that off, for checking (README)\n");
    fprintf(f, "\n" TN_EXIT_CODES_HELP);
}

void tn_cli_raise_open_files(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

void tn_cli_hunt_stopped(const char *cmd, int rc, const tn_hunt_stats *st)
{
    if (rc != TN_EXIT_INTERNAL)
        return;
    if (st->spill_errno == EMFILE || st->spill_errno == ENFILE)   /* not TMPDIR's fault */
        fprintf(stderr, "tansa %s: stopped: cannot keep another run of detections open: %s (each stays "
                "open until the merge; raise the limit on open files, ulimit -n)\n", cmd,
                strerror(st->spill_errno));
    else if (st->spill_errno)
        fprintf(stderr, "tansa %s: stopped: cannot write detections to a temporary file in %s: %s "
                "(TMPDIR names another folder)\n", cmd, tn_temp_dir(), strerror(st->spill_errno));
    else if (st->run_unreadable)
        tn_cli_unreadable_run(cmd);
    else
        fprintf(stderr, "tansa %s: stopped: out of memory\n", cmd);
}

void tn_cli_unreadable_run(const char *cmd)
{
    fprintf(stderr, "tansa %s: stopped: cannot read back detections from a temporary file in %s\n", cmd,
            tn_temp_dir());
}

int tn_cli_input_rc(const char *cmd, size_t ninputs, uint64_t records, uint64_t problems)
{
    if (!ninputs)
        fprintf(stderr, "tansa %s: no EVTX, JSON or auditd input in the paths given\n", cmd);
    if (!ninputs || (!records && problems))
        return TN_EXIT_NOINPUT;
    return problems ? TN_EXIT_PARTIAL : TN_EXIT_OK;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void tn_cli_progress_init(tn_cli_progress *p, const char *cmd, const tn_inputs *in, int quiet)
{
    memset(p, 0, sizeof(*p));
    p->cmd = cmd;
    p->in = in;
    p->on = !quiet && isatty(2);
    p->t0 = now_s();
    for (size_t i = 0; i < in->n; i++)
        p->total += in->v[i].size;
}

void tn_cli_progress_at(tn_cli_progress *p, size_t index, uint64_t done)
{
    if (!p->on)
        return;
    double now = now_s();
    if (p->shown && now - p->last < 0.2)   /* scope reads its files one by one: a line per file was
                                           * 144 lines in 0.1 s (a review) */
        return;
    p->last = now;
    done += p->base;
    double el = now - p->t0;
    double mbs = el > 0 ? done / 1048576.0 / el : 0;
    double eta = mbs > 0 && p->total > done ? (double)(p->total - done) / 1048576.0 / mbs : 0;
    fprintf(stderr, "\rtansa %s: file %zu/%zu, %.0f/%.0f MB, %.0f MB/s, ETA %.0f s   ", p->cmd,
            p->base_index + index + 1, p->in->n, done / 1048576.0, p->total / 1048576.0, mbs, eta);
    p->shown = 1;
}

void tn_cli_progress_end(tn_cli_progress *p)
{
    if (p->shown)
        fputc('\n', stderr);
    p->shown = 0;
}

int tn_cli_is_stdout(const char *path)
{
    return !path || !strcmp(path, "-");
}

int tn_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tansa %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(try 'tansa %s --help')\n", cmd);
    va_end(ap);
    return TN_EXIT_USAGE;
}

/* A standard descriptor closed by the caller (`>&-`) would be the next
 * file opened: `hunt -o FILE` then wrote the timeline and the summary to
 * one descriptor through two streams, exit 0. Each closed one is held by
 * /dev/null opened for reading, so that a write there fails (EBADF) and
 * is reported, and a read ends at once. */
static void hold_std_fds(void)
{
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF && open("/dev/null", O_RDONLY) < 0)
            return;
}

int main(int argc, char **argv)
{
    hold_std_fds();
    if (argc < 2) {
        print_help(stderr);
        return TN_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        print_help(stdout);
        return TN_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("tansa %s\n", TANSA_VERSION);
        return TN_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "tansa: unknown command '%s' (try 'tansa --help')\n", argv[1]);
    return TN_EXIT_USAGE;
}
