/* The command-line front end: the only part of sourceos that prints. */
#ifndef SOS_CLI_H
#define SOS_CLI_H

#include <stdio.h>

#define EXIT_USAGE 64

enum cli_format { FORMAT_HUMAN, FORMAT_JSON, FORMAT_NDJSON };

struct cli {
    const char *program; /* sourceos, sourceos-agent, sourceosctl */
    const char *root;
    int live; /* --live: under --root, still ask this machine */
    const char *config_dir;
    const char *plugin_dir;
    enum cli_format format;
    unsigned jobs;
    double timeout;
    int color;
    int quiet;
    int verbose;
    int help;
    int dry_run;
    char **words; /* the command and its operands */
    int n_words;
};

/* Parses the global options anywhere on the command line. Returns 0, 1
 * when it printed --version, or EXIT_USAGE after printing why. */
int cli_parse(struct cli *cli, int argc, char **argv);

/* Refuses a --root that is not a directory this user can read and search:
 * 0, or EXIT_USAGE after printing why. */
int cli_check_root(const struct cli *cli);

/* Whether the run analyses a tree on its own: --root other than "/",
 * without --live. */
int cli_offline(const struct cli *cli);

/* Default directories: the build tree's when run from it, else installed. */
const char *cli_default_plugin_dir(void);
const char *cli_default_config_dir(void);

/* Prints "PROGRAM: message" to stderr. */
void cli_error(const struct cli *cli, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

int cmd_doctor(struct cli *cli);
int cmd_agent_doctor(struct cli *cli, const char *name);
int cmd_plugins(struct cli *cli);
int cmd_checks(struct cli *cli);

#endif
