/* cli.h - the command table and helpers shared by the tansa subcommands. */
#ifndef TN_CLI_H
#define TN_CLI_H

#include "hunt/hunt.h"
#include "read/input.h"

#define TANSA_VERSION "0.1.0"

/* Exit codes are in base/diag.h (TN_EXIT_*), documented in README and
 * in the text below, printed by `tansa --help`. */
#define TN_EXIT_CODES_HELP                                                   \
    "Exit codes:\n"                                                          \
    "  0  success: all input was read\n"                                     \
    "  1  partial: finished, but some input was bad or unreadable (see stderr)\n" \
    "  2  usage: bad command line (also an -o or --out that cannot be created)\n" \
    "  3  no input: nothing could be read\n"                                 \
    "  4  internal: out of memory, a temporary file that cannot be written or\n" \
    "     read back ($TMPDIR; standard input that cannot be copied there is an\n" \
    "     unreadable input: 1 or 3), an output that cannot be written, or\n" \
    "     internal error\n"                                                   \
    "  An output pipe closed early (| head) ends it by SIGPIPE, as Unix tools\n" \
    "  (the shell shows 141); an interrupt, 130.\n"

typedef struct tn_command {
    const char *name;
    const char *summary;  /* one line for `tansa --help` */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} tn_command;

/* Subcommands, one file each under src/cli/. */
int tn_cmd_dump(int argc, char **argv);
int tn_cmd_gen(int argc, char **argv);
int tn_cmd_hunt(int argc, char **argv);
int tn_cmd_metrics(int argc, char **argv);
int tn_cmd_rules(int argc, char **argv);
int tn_cmd_scope(int argc, char **argv);

/* The built-in rule pack: $TANSA_RULES, <exe>/../rules or ./rules; NULL
 * when none exists. */
const char *tn_default_rules(void);

/* Whether a rule of this status is reported when no --status is given:
 * all but deprecated and unsupported (cmd_hunt.c says why; scope seeds
 * from the same detections hunt reports). */
int tn_cli_status_default_on(const tn_rule_info *ri);
/* The i-th of rs's rules, then of its correlations (i - rule count). */
void tn_cli_rule_info(const tn_ruleset *rs, uint32_t i, tn_rule_info *ri);

/* A hunt's runs of detections on disk stay open until they are merged:
 * the soft limit on open files (often 1,024) is raised to the hard one. */
void tn_cli_raise_open_files(void);
/* When rc is TN_EXIT_INTERNAL, says on stderr why tn_hunt_run stopped: a
 * run of detections that could not be written (where, and why) or read
 * back, or out of memory. */
void tn_cli_hunt_stopped(const char *cmd, int rc, const tn_hunt_stats *st);
/* Says on stderr that a run of detections in tn_temp_dir() could not be
 * read back. */
void tn_cli_unreadable_run(const char *cmd);

/* The exit code of a command that read inputs and finished: 3 (no input)
 * when the paths held none of a known type (said on stderr) or when no
 * record of them could be read and there were problems; 1 (partial) when
 * there were problems; else 0. The same rule in hunt, dump, metrics and
 * scope (dump and scope gave 1 where hunt gave 3; metrics and scope said
 * nothing of paths with no input; a review, session 29). */
int tn_cli_input_rc(const char *cmd, size_t ninputs, uint64_t records, uint64_t problems);
/* A line of progress on stderr while inputs are read, as hunt's: only
 * when stderr is a terminal and not --quiet (scope and metrics were
 * silent for seconds on a large collection; a review, session 29). */
typedef struct tn_cli_progress {
    const char *cmd;
    const tn_inputs *in;
    uint64_t total;   /* bytes of all inputs */
    uint64_t base;    /* bytes of the inputs before base_index (scope reads one at a time) */
    size_t base_index;
    double t0, last;   /* start, last line written */
    int on, shown;
} tn_cli_progress;
void tn_cli_progress_init(tn_cli_progress *p, const char *cmd, const tn_inputs *in, int quiet);
/* index: the input started last (after base_index); done: its bytes read
 * so far, counted from base. */
void tn_cli_progress_at(tn_cli_progress *p, size_t index, uint64_t done);
/* Ends the line, if one was shown. */
void tn_cli_progress_end(tn_cli_progress *p);

/* An -o path: NULL or "-" is standard output. */
int tn_cli_is_stdout(const char *path);

/* Prints "tansa CMD: message" and returns TN_EXIT_USAGE. */
int tn_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
