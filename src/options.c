#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "redact.h"
#include "sourceos/plugin.h"

enum {
    OPT_ROOT = 256,
    OPT_CONFIG_DIR,
    OPT_PLUGIN_DIR,
    OPT_FORMAT,
    OPT_JSON,
    OPT_TIMEOUT,
    OPT_NO_COLOR,
    OPT_DRY_RUN,
    OPT_VERSION,
};

static const struct option long_options[] = {
    {"root", required_argument, NULL, OPT_ROOT},
    {"config-dir", required_argument, NULL, OPT_CONFIG_DIR},
    {"plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"json", no_argument, NULL, OPT_JSON},
    {"jobs", required_argument, NULL, 'j'},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

void cli_error(const struct cli *cli, const char *format, ...)
{
    va_list ap;
    char *msg = NULL, *clean;
    va_start(ap, format);
    if (vasprintf(&msg, format, ap) < 0)
        msg = NULL;
    va_end(ap);
    /* the last gate: an error may quote what the user or a file gave */
    clean = msg ? sos_redact_str(NULL, msg) : NULL;
    fprintf(stderr, "%s: %s\n", cli->program, clean ? clean : "out of memory");
    free(clean);
    free(msg);
}

static unsigned default_jobs(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus < 2 ? 2 : (unsigned)cpus;
}

static int wants_color(void)
{
    const char *term = getenv("TERM");
    const char *no_color = getenv("NO_COLOR");
    if (no_color && *no_color)
        return 0;
    if (term && strcmp(term, "dumb") == 0)
        return 0;
    return isatty(STDOUT_FILENO);
}

static int parse_format(struct cli *cli, const char *value)
{
    if (strcmp(value, "human") == 0)
        cli->format = FORMAT_HUMAN;
    else if (strcmp(value, "json") == 0)
        cli->format = FORMAT_JSON;
    else if (strcmp(value, "ndjson") == 0)
        cli->format = FORMAT_NDJSON;
    else {
        cli_error(cli, "--format must be human, json or ndjson, not '%s'",
                  value);
        return -1;
    }
    return 0;
}

static int parse_jobs(struct cli *cli, const char *value)
{
    char *end;
    long n;
    errno = 0;
    n = strtol(value, &end, 10);
    if (errno || *end || end == value || n < 1 || n > 256) {
        cli_error(cli, "-j takes a number of parallel checks from 1 to 256, "
                       "not '%s'", value);
        return -1;
    }
    cli->jobs = (unsigned)n;
    return 0;
}

static int parse_timeout(struct cli *cli, const char *value)
{
    char *end;
    double t;
    errno = 0;
    t = strtod(value, &end);
    if (errno || *end || end == value || !(t > 0) || t > 86400) {
        cli_error(cli, "--timeout takes seconds (more than 0, at most 86400), "
                       "not '%s'", value);
        return -1;
    }
    cli->timeout = t;
    return 0;
}

static int take_option(struct cli *cli, int opt, const char *arg)
{
    switch (opt) {
    case OPT_ROOT: cli->root = arg; return 0;
    case OPT_CONFIG_DIR: cli->config_dir = arg; return 0;
    case OPT_PLUGIN_DIR: cli->plugin_dir = arg; return 0;
    case OPT_FORMAT: return parse_format(cli, arg);
    case OPT_JSON: cli->format = FORMAT_JSON; return 0;
    case 'j': return parse_jobs(cli, arg);
    case OPT_TIMEOUT: return parse_timeout(cli, arg);
    case OPT_NO_COLOR: cli->color = 0; return 0;
    case OPT_DRY_RUN: cli->dry_run = 1; return 0;
    case 'q': cli->quiet = 1; return 0;
    case 'v': cli->verbose = 1; return 0;
    case 'h': cli->help = 1; return 0;
    case OPT_VERSION:
        printf("%s (sourceos-agent) %s, plugin ABI %d.%d\n", cli->program,
               PACKAGE_VERSION, SOURCEOS_ABI_MAJOR, SOURCEOS_ABI_MINOR);
        return 1;
    default:
        cli_error(cli, "unknown option; see '%s --help'", cli->program);
        return -1;
    }
}

int cli_parse(struct cli *cli, int argc, char **argv)
{
    int opt;
    cli->format = FORMAT_HUMAN;
    cli->jobs = default_jobs();
    cli->timeout = 30.0;
    cli->color = wants_color();
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "j:qvh", long_options, NULL)) != -1) {
        int rc;
        if (opt == '?' || opt == ':') {
            if (optopt)
                cli_error(cli, "option -%c %s; see '%s --help'", optopt,
                          opt == ':' ? "needs a value" : "is unknown",
                          cli->program);
            else
                cli_error(cli, "unknown option or missing value in '%s'; see "
                               "'%s --help'",
                          argv[optind - 1], cli->program);
            return EXIT_USAGE;
        }
        rc = take_option(cli, opt, optarg);
        if (rc < 0)
            return EXIT_USAGE;
        if (rc > 0)
            return 1;
    }
    cli->words = argv + optind;
    cli->n_words = argc - optind;
    if (!cli->root || !*cli->root)
        cli->root = NULL;
    return 0;
}
