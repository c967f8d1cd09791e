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
    OPT_LIVE,
    OPT_SCRATCH,
    OPT_DESPITE,
    OPT_FROM_BUNDLE,
    OPT_LABEL,
    OPT_UNIT,
    OPT_PLIST,
    OPT_CONTAINER,
    OPT_OUTPUT,
    OPT_COMPRESS,
    OPT_LOG_BYTES,
    OPT_NO_STOP,
    OPT_CONTAIN_ANYWAY,
    OPT_MASK,
    OPT_FORCE,
    OPT_PROFILE,
    OPT_REPO,
    OPT_NAME,
    OPT_TOOL,
    OPT_LIST,
    OPT_TEXTFILE,
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
    {"live", no_argument, NULL, OPT_LIVE},
    {"lines", required_argument, NULL, 'n'},
    {"follow", no_argument, NULL, 'f'},
    {"scratch", no_argument, NULL, OPT_SCRATCH},
    {"enable-despite-preflight", no_argument, NULL, OPT_DESPITE},
    {"from-bundle", required_argument, NULL, OPT_FROM_BUNDLE},
    {"label", required_argument, NULL, OPT_LABEL},
    {"unit", required_argument, NULL, OPT_UNIT},
    {"plist", required_argument, NULL, OPT_PLIST},
    {"container", required_argument, NULL, OPT_CONTAINER},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"compress", required_argument, NULL, OPT_COMPRESS},
    {"log-bytes", required_argument, NULL, OPT_LOG_BYTES},
    {"no-stop", no_argument, NULL, OPT_NO_STOP},
    {"contain-anyway", no_argument, NULL, OPT_CONTAIN_ANYWAY},
    {"mask", no_argument, NULL, OPT_MASK},
    {"force", no_argument, NULL, OPT_FORCE},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"repo", required_argument, NULL, OPT_REPO},
    {"name", required_argument, NULL, OPT_NAME},
    {"tool", required_argument, NULL, OPT_TOOL},
    {"list", no_argument, NULL, OPT_LIST},
    {"textfile", required_argument, NULL, OPT_TEXTFILE},
    {NULL, 0, NULL, 0},
};

/* What --help says of each option, in the order it lists them. */
const struct cli_option_help cli_option_help[] = {
    {CLI_OPT_ROOT, "--root DIR", "analyse the copied tree DIR, offline: no command\n"
                                 "is run and no socket is touched", NULL},
    {CLI_OPT_LIVE, "--live", "with --root, still ask this machine (commands,\n"
                             "sockets) about what the tree cannot say", NULL},
    {CLI_OPT_CONFIG_DIR, "--config-dir DIR", "directory holding checks.d/",
     cli_default_config_dir},
    {CLI_OPT_PLUGIN_DIR, "--plugin-dir DIR", "directory of plugins",
     cli_default_plugin_dir},
    {CLI_OPT_FORMAT, "--format FMT", "human, json or ndjson (--json = --format json)",
     NULL},
    {CLI_OPT_TEXTFILE, "--format prometheus", "the Prometheus text format (metrics, no prose)",
     NULL},
    {CLI_OPT_TEXTFILE, "--textfile DIR", "also write the metrics to DIR/sourceos.prom\n"
                                         "(atomic, 0644) for node_exporter's textfile\n"
                                         "collector", NULL},
    {CLI_OPT_JOBS, "-j, --jobs N", "checks run in parallel (default: CPUs, at least 2)",
     NULL},
    {CLI_OPT_TIMEOUT, "--timeout SECS", "deadline of every check: a longer one it declares\n"
                                        "is cut to it (default: its own, else 30)", NULL},
    {CLI_OPT_NO_COLOR, "--no-color", "no colours, no status line (also when NO_COLOR\n"
                                     "is set, TERM=dumb or not a terminal)", NULL},
    {CLI_OPT_QUIET, "-q, --quiet", "only problems and the summary", NULL},
    {CLI_OPT_VERBOSE, "-v, --verbose", "also facts and the commands run", NULL},
    {CLI_OPT_HELP, "-h, --help", "this help", NULL},
    {CLI_OPT_VERSION, "--version", "version and plugin ABI", NULL},
    {CLI_OPT_LINES, "-n, --lines N", "the last N lines of each log (default 80, at most\n"
                                     "10000)", NULL},
    {CLI_OPT_FOLLOW, "-f, --follow", "keep printing lines as they are written, until\n"
                                     "Ctrl-C (exit 130)", NULL},
    {CLI_OPT_DRY_RUN, "--dry-run", "print the files it would write and the commands it\n"
                                   "would run; change nothing", NULL},
    {CLI_OPT_DESPITE, "--enable-despite-preflight", "go on although the preflight failed\n"
                                                     "(named in the output, recorded in state.json)",
     NULL},
    {CLI_OPT_FROM_BUNDLE, "--from-bundle FILE", "replay the checks over the quarantine bundle\n"
                                                 "FILE: files from its tree, commands from its\n"
                                                 "captures (never run here); not with --root or\n"
                                                 "--live", NULL},
    {CLI_OPT_SCRATCH, "--scratch", "stage into a temporary state directory, report\n"
                                   "the lints and remove it: nothing is kept", NULL},
    {CLI_OPT_QUARANTINE, "--label LABEL", "a launchd job by its label, instead of NAME", NULL},
    {CLI_OPT_QUARANTINE, "--unit UNIT", "a systemd unit by its name, instead of NAME", NULL},
    {CLI_OPT_QUARANTINE, "--plist PATH", "a launchd job by its plist (host path)", NULL},
    {CLI_OPT_QUARANTINE, "--container NAME", "a podman container alone, by its name", NULL},
    {CLI_OPT_QUARANTINE, "--output DIR", "where the bundle goes (default ~/Desktop/\n"
                                         "sourceos-quarantine on macOS, else\n"
                                         "$XDG_STATE_HOME/sourceos/quarantine)", NULL},
    {CLI_OPT_QUARANTINE, "--compress ALG", "zstd (default), gzip or none", NULL},
    {CLI_OPT_QUARANTINE, "--log-bytes N", "the tail of each log kept (default 8 MiB)", NULL},
    {CLI_OPT_QUARANTINE, "--no-stop", "capture only: change nothing", NULL},
    {CLI_OPT_QUARANTINE, "--contain-anyway", "contain even when the capture failed", NULL},
    {CLI_OPT_QUARANTINE, "--mask", "systemd: also mask the unit", NULL},
    {CLI_OPT_FORCE, "--force", "release although the preflight failed; init: replace\n"
                               "an existing profile", NULL},
    {CLI_OPT_MACHINE, "--profile P", "the profile: a name in ~/.config/sourceos/\n"
                                     "agent-machine (default: the only one there) or a\n"
                                     "path; init: the template", NULL},
    {CLI_OPT_MACHINE, "--repo PATH", "the repository worktree (inside an allowed root)", NULL},
    {CLI_OPT_MACHINE, "--name N", "init: the profile's name (default: the template's)", NULL},
    {CLI_OPT_MACHINE, "--tool NAME", "run: one of the profile's enabled tools", NULL},
    {CLI_OPT_LIST, "--list", "every finding code, its severity and section", NULL},
    {0, NULL, NULL, NULL},
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

/* What each option's value must be: said when it is missing or wrong. */
static const char *value_needed(int opt)
{
    switch (opt) {
    case OPT_ROOT: return "a directory (the root of a copied tree)";
    case OPT_CONFIG_DIR: return "a directory holding checks.d/";
    case OPT_PLUGIN_DIR: return "a directory of plugins";
    case OPT_FORMAT: return "human, json, ndjson or prometheus";
    case OPT_TEXTFILE: return "a directory (node_exporter's textfile directory)";
    case 'j': return "a number of parallel checks from 1 to 256";
    case OPT_TIMEOUT: return "seconds, more than 0 and at most 86400";
    case 'n': return "a number of lines from 1 to 10000";
    case OPT_FROM_BUNDLE: return "a quarantine bundle (a .tar.zst or .tar.gz file)";
    case OPT_COMPRESS: return "zstd, gzip or none";
    case OPT_LOG_BYTES: return "a number of bytes from 1 to 1099511627776";
    case OPT_OUTPUT: return "a directory";
    case OPT_PROFILE: return "a profile's name or path (init: a template)";
    case OPT_REPO: return "a repository's directory";
    case OPT_NAME: return "a profile name";
    case OPT_TOOL: return "a tool of the profile";
    default: return "a value";
    }
}

static int fail_value(struct cli *cli, const char *name, int opt, const char *value)
{
    char shown[256];
    cli_error(cli, "option '%s' needs %s, not '%s'", name, value_needed(opt),
              cli_escape(value, shown, sizeof shown));
    return -1;
}

static int parse_format(struct cli *cli, const char *name, const char *value)
{
    if (strcmp(value, "human") == 0)
        cli->format = FORMAT_HUMAN;
    else if (strcmp(value, "json") == 0)
        cli->format = FORMAT_JSON;
    else if (strcmp(value, "ndjson") == 0)
        cli->format = FORMAT_NDJSON;
    else if (strcmp(value, "prometheus") == 0)
        cli->format = FORMAT_PROMETHEUS;
    else
        return fail_value(cli, name, OPT_FORMAT, value);
    return 0;
}

static int parse_jobs(struct cli *cli, const char *name, const char *value)
{
    char *end;
    long n;
    errno = 0;
    n = strtol(value, &end, 10);
    if (errno || *end || end == value || n < 1 || n > 256)
        return fail_value(cli, name, 'j', value);
    cli->jobs = (unsigned)n;
    cli->jobs_given = 1;
    return 0;
}

static int parse_lines(struct cli *cli, const char *name, const char *value)
{
    char *end;
    long n;
    errno = 0;
    n = strtol(value, &end, 10);
    if (errno || *end || end == value || n < 1 || n > 10000)
        return fail_value(cli, name, 'n', value);
    cli->lines = (unsigned)n;
    cli->lines_given = 1;
    return 0;
}

static int parse_timeout(struct cli *cli, const char *name, const char *value)
{
    char *end;
    double t;
    errno = 0;
    t = strtod(value, &end);
    if (errno || *end || end == value || !(t > 0) || t > 86400)
        return fail_value(cli, name, OPT_TIMEOUT, value);
    cli->timeout = t;
    cli->timeout_given = 1;
    return 0;
}

/* A directory option followed by another option (`--root --json`) is a
 * forgotten value, not a directory named "--json". */
static int take_dir(struct cli *cli, const char *name, int opt, const char *value,
                    const char **dst)
{
    if (value[0] == '-')
        return fail_value(cli, name, opt, value);
    *dst = value;
    return 0;
}

/* The CLI_OPT_* bit of getopt's OPT: what a verb table row says it reads. */
static unsigned bit_of(int opt)
{
    switch (opt) {
    case OPT_ROOT: return CLI_OPT_ROOT;
    case OPT_LIVE: return CLI_OPT_LIVE;
    case OPT_CONFIG_DIR: return CLI_OPT_CONFIG_DIR;
    case OPT_PLUGIN_DIR: return CLI_OPT_PLUGIN_DIR;
    case OPT_FORMAT: case OPT_JSON: return CLI_OPT_FORMAT;
    case 'j': return CLI_OPT_JOBS;
    case OPT_TIMEOUT: return CLI_OPT_TIMEOUT;
    case OPT_NO_COLOR: return CLI_OPT_NO_COLOR;
    case 'q': return CLI_OPT_QUIET;
    case 'v': return CLI_OPT_VERBOSE;
    case 'h': return CLI_OPT_HELP;
    case OPT_VERSION: return CLI_OPT_VERSION;
    case 'n': return CLI_OPT_LINES;
    case 'f': return CLI_OPT_FOLLOW;
    case OPT_SCRATCH: return CLI_OPT_SCRATCH;
    case OPT_DRY_RUN: return CLI_OPT_DRY_RUN;
    case OPT_DESPITE: return CLI_OPT_DESPITE;
    case OPT_FROM_BUNDLE: return CLI_OPT_FROM_BUNDLE;
    case OPT_LABEL: case OPT_UNIT: case OPT_PLIST: case OPT_CONTAINER: case OPT_OUTPUT:
    case OPT_COMPRESS: case OPT_LOG_BYTES: case OPT_NO_STOP: case OPT_CONTAIN_ANYWAY:
    case OPT_MASK: return CLI_OPT_QUARANTINE;
    case OPT_FORCE: return CLI_OPT_FORCE;
    case OPT_PROFILE: case OPT_REPO: case OPT_NAME: case OPT_TOOL: return CLI_OPT_MACHINE;
    case OPT_LIST: return CLI_OPT_LIST;
    case OPT_TEXTFILE: return CLI_OPT_TEXTFILE;
    default: return 0;
    }
}

/* "-q" of a short option: inside "-qv" argv names neither alone. */
static const char *short_name(int opt)
{
    switch (opt) {
    case 'j': return "-j";
    case 'q': return "-q";
    case 'v': return "-v";
    case 'h': return "-h";
    case 'n': return "-n";
    case 'f': return "-f";
    default: return "-?";
    }
}

/* Remembers that OPT was given, as TOKEN (its argv element; a short
 * option by its letter) the first time. */
static void note_given(struct cli *cli, int opt, const char *token)
{
    unsigned bit = bit_of(opt);
    int i = 0;
    if (!bit)
        return;
    while (!(bit & (1u << i)))
        i++;
    if (!(cli->given & bit))
        cli->given_as[i] = token;
    cli->given |= bit;
}

static int take_option(struct cli *cli, int opt, const char *name, const char *arg)
{
    switch (opt) {
    case OPT_ROOT: return take_dir(cli, name, opt, arg, &cli->root);
    case OPT_CONFIG_DIR: return take_dir(cli, name, opt, arg, &cli->config_dir);
    case OPT_PLUGIN_DIR: return take_dir(cli, name, opt, arg, &cli->plugin_dir);
    case OPT_FROM_BUNDLE: return take_dir(cli, name, opt, arg, &cli->from_bundle);
    case OPT_LABEL: cli->q_given = 1; return take_dir(cli, name, opt, arg, &cli->q_label);
    case OPT_UNIT: cli->q_given = 1; return take_dir(cli, name, opt, arg, &cli->q_unit);
    case OPT_PLIST: cli->q_given = 1; return take_dir(cli, name, opt, arg, &cli->q_plist);
    case OPT_CONTAINER: cli->q_given = 1; return take_dir(cli, name, opt, arg, &cli->q_container);
    case OPT_OUTPUT: cli->q_given = 1; return take_dir(cli, name, opt, arg, &cli->q_output);
    case OPT_COMPRESS: {
        int c = sos_bundle_compression_of(arg);
        cli->q_given = 1;
        if (c < 0)
            return fail_value(cli, name, opt, arg);
        cli->q_compress = (enum sos_bundle_compression)c;
        return 0;
    }
    case OPT_LOG_BYTES: {
        char *end;
        unsigned long long n;
        errno = 0;
        n = strtoull(arg, &end, 10);
        cli->q_given = 1;
        if (errno || *end || end == arg || arg[0] == '-' || n < 1 || n > (1ull << 40))
            return fail_value(cli, name, opt, arg);
        cli->q_log_bytes = n;
        return 0;
    }
    case OPT_NO_STOP: cli->q_given = cli->q_no_stop = 1; return 0;
    case OPT_CONTAIN_ANYWAY: cli->q_given = cli->q_contain_anyway = 1; return 0;
    case OPT_MASK: cli->q_given = cli->q_mask = 1; return 0;
    case OPT_FORCE: cli->q_force = 1; return 0;
    case OPT_LIST: cli->list = 1; return 0;
    case OPT_TEXTFILE: return take_dir(cli, name, opt, arg, &cli->textfile);
    case OPT_PROFILE: cli->am_given = 1; return take_dir(cli, name, opt, arg, &cli->am_profile);
    case OPT_REPO: cli->am_given = 1; return take_dir(cli, name, opt, arg, &cli->am_repo);
    case OPT_NAME: cli->am_given = 1; return take_dir(cli, name, opt, arg, &cli->am_name);
    case OPT_TOOL: cli->am_given = 1; return take_dir(cli, name, opt, arg, &cli->am_tool);
    case OPT_FORMAT: return parse_format(cli, name, arg);
    case OPT_JSON: cli->format = FORMAT_JSON; return 0;
    case 'j': return parse_jobs(cli, name, arg);
    case OPT_TIMEOUT: return parse_timeout(cli, name, arg);
    case OPT_NO_COLOR: cli->color = cli->status_line = 0; return 0;
    case OPT_DRY_RUN: cli->dry_run = 1; return 0;
    case OPT_DESPITE: cli->despite_preflight = 1; return 0;
    case OPT_LIVE: cli->live = 1; return 0;
    case 'n': return parse_lines(cli, name, arg);
    case 'f': cli->follow = 1; return 0;
    case OPT_SCRATCH: cli->scratch = 1; return 0;
    case 'q': cli->quiet = 1; return 0;
    case 'v': cli->verbose = 1; return 0;
    case 'h': cli->help = 1; return 0;
    case OPT_VERSION:
        printf("%s (sourceos-agent) %s, plugin ABI %d.%d\n", cli->program,
               PACKAGE_VERSION, SOURCEOS_ABI_MAJOR, SOURCEOS_ABI_MINOR);
        return 1;
    default:
        cli_error(cli, "option '%s' is not handled; see '%s --help'", name,
                  cli->program);
        return -1;
    }
}

/* ---- Naming the option as it was typed ---------------------------------- */

/* The argv element getopt just took a long option from: the one before
 * optind, or the one before that when the value was the next element. */
static const char *long_token(char **argv, const char *value)
{
    if (value && optind >= 2 && argv[optind - 1] == value)
        return argv[optind - 2];
    return argv[optind - 1];
}

/* "--name" of a long option as typed (an abbreviation stays one, "=VALUE"
 * is cut), or "-c" of a short one (SHORT_OPT), escaped, into BUF. */
static const char *typed_name(char **argv, int short_opt, const char *value,
                              char *buf, size_t size)
{
    char raw[128];
    if (short_opt) {
        snprintf(raw, sizeof raw, "-%c", short_opt);
    } else {
        const char *token = long_token(argv, value);
        size_t len = strcspn(token, "=");
        snprintf(raw, sizeof raw, "%.*s", (int)(len < 100 ? len : 100), token);
    }
    return cli_escape(raw, buf, size);
}

/* How many long options start with PREFIX: more than one makes an
 * abbreviation ambiguous. */
static int long_matches(const char *prefix, size_t len)
{
    int n = 0;
    for (const struct option *o = long_options; o->name; o++)
        n += strncmp(o->name, prefix, len) == 0;
    return n;
}

/* Whether getopt's error was about a long option. GNU getopt sets optopt to
 * 0 for an unknown long option and to the option's value for a long one
 * given a value it does not take; a short one it does not know is only
 * ever a character outside SHORTS. */
static int error_is_long(char **argv, int opt, const char *shorts)
{
    if (opt == ':')
        return strncmp(argv[optind - 1], "--", 2) == 0;
    return optopt == 0 || optopt >= 256 || strchr(shorts, optopt) != NULL;
}

/* getopt_long said '?' (unknown, ambiguous, or a value where none is taken)
 * or ':' (missing value): say which in one line, with the option as typed. */
static void report_getopt_error(const struct cli *cli, char **argv, int opt,
                                const char *shorts)
{
    int is_long = error_is_long(argv, opt, shorts);
    const char *token = argv[optind - 1];
    char name[512];

    typed_name(argv, is_long ? 0 : optopt, NULL, name, sizeof name);
    if (opt == ':')
        cli_error(cli, "option '%s' needs a value: %s", name, value_needed(optopt));
    else if (is_long && optopt)
        cli_error(cli, "option '%s' takes no value; see '%s --help'", name,
                  cli->program);
    else if (is_long && long_matches(token + 2, strcspn(token + 2, "=")) > 1)
        cli_error(cli, "option '%s' is ambiguous; see '%s --help'", name,
                  cli->program);
    else
        cli_error(cli, "unknown option '%s'; see '%s --help'", name, cli->program);
}

int cli_parse(struct cli *cli, int argc, char **argv)
{
    static const char shorts[] = ":j:qvhn:f"; /* ':' first: a missing value is ':' */
    int opt;
    cli->format = FORMAT_HUMAN;
    cli->jobs = default_jobs();
    cli->timeout = 30.0;
    cli->lines = 80;
    cli->q_compress = SOS_BUNDLE_ZSTD;
    cli->color = wants_color();
    /* The same rule: a terminal that takes escapes, and not NO_COLOR. */
    cli->status_line = cli->color;
    opterr = 0;
    for (;;) {
        int index = -1, rc;
        char name[512];
        opt = getopt_long(argc, argv, shorts, long_options, &index);
        if (opt == -1)
            break;
        if (opt == '?' || opt == ':') {
            report_getopt_error(cli, argv, opt, shorts);
            return SOS_EXIT_USAGE;
        }
        typed_name(argv, index < 0 ? opt : 0, optarg, name, sizeof name);
        note_given(cli, opt, index < 0 ? short_name(opt) : long_token(argv, optarg));
        rc = take_option(cli, opt, name, optarg);
        if (rc < 0)
            return SOS_EXIT_USAGE;
        if (rc > 0)
            return 1;
    }
    cli->words = argv + optind;
    cli->n_words = argc - optind;
    if (!cli->root || !*cli->root)
        cli->root = NULL;
    return 0;
}
