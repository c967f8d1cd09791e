/* The command-line front end: the only part of sourceos that prints. */
#ifndef SOS_CLI_H
#define SOS_CLI_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "agent_model.h"
#include "bundle.h"
#include "exit.h"

enum cli_format { FORMAT_HUMAN, FORMAT_JSON, FORMAT_NDJSON, FORMAT_PROMETHEUS };

/* The global options, as bits: what a verb reads (src/verbs.c). */
enum cli_opt {
    CLI_OPT_ROOT = 1u << 0,
    CLI_OPT_LIVE = 1u << 1,
    CLI_OPT_CONFIG_DIR = 1u << 2,
    CLI_OPT_PLUGIN_DIR = 1u << 3,
    CLI_OPT_FORMAT = 1u << 4,
    CLI_OPT_JOBS = 1u << 5,
    CLI_OPT_TIMEOUT = 1u << 6,
    CLI_OPT_NO_COLOR = 1u << 7,
    CLI_OPT_QUIET = 1u << 8,
    CLI_OPT_VERBOSE = 1u << 9,
    CLI_OPT_HELP = 1u << 10,
    CLI_OPT_VERSION = 1u << 11,
};
#define CLI_OPTS_ALL ((CLI_OPT_VERSION << 1) - 1)
/* Taken only by the verbs that name them (logs), so not in CLI_OPTS_ALL. */
#define CLI_OPT_LINES (1u << 12)
#define CLI_OPT_FOLLOW (1u << 13)
/* stage --scratch (preflight's probe) */
#define CLI_OPT_SCRATCH (1u << 14)
/* the commands that change the host */
#define CLI_OPT_DRY_RUN (1u << 15)
#define CLI_OPT_DESPITE (1u << 16)
/* doctor --from-bundle FILE */
#define CLI_OPT_FROM_BUNDLE (1u << 17)
/* quarantine's own: --label --unit --plist --container --output --compress
 * --log-bytes --no-stop --contain-anyway --mask */
#define CLI_OPT_QUARANTINE (1u << 18)
/* release --force */
#define CLI_OPT_FORCE (1u << 19)
/* agent-machine: --profile --repo --name --tool */
#define CLI_OPT_MACHINE (1u << 20)
/* explain --list */
#define CLI_OPT_LIST (1u << 21)
/* the doctors: --textfile DIR, and --format prometheus */
#define CLI_OPT_TEXTFILE (1u << 22)
/* Every option some verb takes: what a verb table row may name. */
#define CLI_OPTS_KNOWN (CLI_OPTS_ALL | CLI_OPT_LINES | CLI_OPT_FOLLOW | CLI_OPT_SCRATCH | \
                        CLI_OPT_DRY_RUN | CLI_OPT_DESPITE | CLI_OPT_FROM_BUNDLE | \
                        CLI_OPT_QUARANTINE | CLI_OPT_FORCE | CLI_OPT_MACHINE | CLI_OPT_LIST | \
                        CLI_OPT_TEXTFILE)
/* Taken by every command, so not named in a short synopsis. */
#define CLI_OPTS_ALWAYS (CLI_OPT_HELP | CLI_OPT_VERSION)

/* One global option's help: SHOWN ("--root DIR") and its text, whose
 * lines after the first are indented under the first; DEFAULT_DIR, when
 * set, is appended as " (default: DIR)". Ends with a NULL SHOWN. */
struct cli_option_help {
    unsigned bit;
    const char *shown;
    const char *text;
    const char *(*default_dir)(void);
};
extern const struct cli_option_help cli_option_help[];

struct cli {
    const char *program; /* sourceos, sourceos-agent, sourceosctl */
    const char *argv0;   /* as this process was started, to run itself again */
    const char *root;
    int live; /* --live: under --root, still ask this machine */
    const char *config_dir;
    const char *plugin_dir;
    enum cli_format format;
    unsigned jobs;
    double timeout;
    int timeout_given; /* --timeout was given: it bounds every check */
    int jobs_given;    /* -j was given */
    int color;
    int status_line; /* human report on a terminal: the checks still running */
    int quiet;
    int verbose;
    int help;
    int output_failed; /* a write to stdout failed and was reported */
    unsigned lines; /* -n N: lines of each log (default 80) */
    int lines_given;
    int follow;     /* -f: follow the logs */
    int scratch;    /* stage --scratch: a generation that is not kept */
    int dry_run;    /* --dry-run: say what would change, change nothing */
    int despite_preflight; /* --enable-despite-preflight */
    const char *from_bundle; /* --from-bundle FILE: replay the bundle's checks */
    /* quarantine: what NAME is (--label, --unit, --plist, --container) */
    const char *q_label, *q_unit, *q_plist, *q_container;
    const char *q_output;              /* --output DIR */
    enum sos_bundle_compression q_compress; /* --compress (default zstd) */
    unsigned long long q_log_bytes;    /* --log-bytes N (0: the default) */
    int q_no_stop, q_contain_anyway, q_mask;
    int q_given;                       /* any of quarantine's options was given */
    int q_force;                       /* release --force, agent-machine init --force */
    /* agent-machine: --profile, --repo, --name, --tool */
    const char *am_profile, *am_repo, *am_name, *am_tool;
    int am_given;
    int list;                          /* explain --list */
    const char *textfile;              /* --textfile DIR: DIR/sourceos.prom */
    unsigned given;                    /* the CLI_OPT_* bits of the options given */
    const char *given_as[32];          /* bit N's option as first typed (argv) */
    char **words; /* the command and its operands */
    int n_words;
};

/* Parses the global options anywhere on the command line. Returns 0, 1
 * when it printed --version, or SOS_EXIT_USAGE after printing why. */
int cli_parse(struct cli *cli, int argc, char **argv);

/* Refuses a --root that is not a directory this user can read and search:
 * 0, or SOS_EXIT_USAGE after printing why. */
int cli_check_root(const struct cli *cli);

/* Whether the run analyses a tree on its own: --root other than "/",
 * without --live. */
int cli_offline(const struct cli *cli);

/* The tree the changing commands (stage and the lifecycle) write into:
 * --root other than "/" with --live (files under it, commands run here);
 * NULL for this machine. */
const char *cli_install_root(const struct cli *cli);

/* The agent model's defaults for this run: this process's, with the target
 * OS of the --root tree when one is given (sos_host_detect), so a Mac's
 * tree read on Linux gets a Mac's defaults. -1 with ERR when no home. */
int cli_agent_model_opts(const struct cli *cli, struct sos_agent_model_opts *opts,
                         sos_error *err);

/* The agent's state directory (sos_stage_state_dir() with MO's home), under
 * --root when one is given: where status, logs and preflight read it. */
char *cli_state_dir(const struct cli *cli, const struct sos_agent_model *m,
                    const struct sos_agent_model_opts *mo, sos_error *err);

/* Default directories: the build tree's when run from it, else installed. */
const char *cli_default_plugin_dir(void);
const char *cli_default_config_dir(void);
/* docs/findings.md: the source tree's, or the one installed as data. */
const char *cli_default_findings_doc(void);

/* Prints "PROGRAM: message" to stderr. */
void cli_error(const struct cli *cli, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Standard output. cli_check_stdout_open: fails (reported) when fd 1 is
 * closed. cli_flush_stdout: flushes, and on a write error reports it once
 * on stderr. cli_close_stdout: flushes and closes at exit; returns SOS_EXIT_OUTPUT
 * when any write failed, else RC. */
int cli_check_stdout_open(struct cli *cli);
int cli_flush_stdout(struct cli *cli);
int cli_close_stdout(struct cli *cli, int rc);

/* Prints DOC (not taken) redacted, indented, one newline after: 0, else
 * SOS_EXIT_OUTPUT (a failed write) or SOS_EXIT_UNDECIDED (DOC NULL, or no
 * memory to redact it), said. */
int cli_print_json(struct cli *cli, json_t *doc);

/* Text is wrapped to fit an 80-column terminal. */
#define CLI_TEXT_WIDTH 79

/* Prints the LEN bytes of TEXT from column COL, breaking between words
 * before CLI_TEXT_WIDTH and starting each new line at column INDENT; ends
 * the last line. */
void cli_print_wrapped(const char *text, size_t len, size_t col, size_t indent);

/* S with everything but printable ASCII as \xNN, in BUF (cut with "..."
 * when it does not fit). */
const char *cli_escape(const char *s, char *buf, size_t size);

#endif
