#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char global_options[] =
    "Options:\n"
    "  --root DIR          read host files under DIR (a copied tree)\n"
    "  --config-dir DIR    directory holding checks.d/ (default: %s)\n"
    "  --plugin-dir DIR    directory of plugins (default: %s)\n"
    "  --format FMT        human, json or ndjson (--json = --format json)\n"
    "  -j, --jobs N        checks run in parallel (default: CPUs, at least 2)\n"
    "  --timeout SECS      deadline of a check without its own (default 30)\n"
    "  --no-color          no colours (also when NO_COLOR is set)\n"
    "  -q, --quiet         only problems and the summary\n"
    "  -v, --verbose       also facts and the commands run\n"
    "  -h, --help          this help\n"
    "  --version           version and plugin ABI\n";

static const char exit_codes[] =
    "Exit status: 0 all ok, 1 warnings, 2 a failure, 3 could not decide\n"
    "(a check errored or timed out, or checks.d is invalid), 64 usage error.\n";

static void print_options(void)
{
    printf(global_options, cli_default_config_dir(), cli_default_plugin_dir());
}

static void usage_sourceos(void)
{
    printf("Usage: sourceos [OPTIONS] COMMAND\n\n"
           "Checks that local agent services and their Podman runtime are\n"
           "safe on this machine.\n\n"
           "Commands:\n"
           "  doctor local-runtime   run every check of scope runtime\n"
           "  plugins                plugins in the plugin directory, loaded or not\n"
           "  checks                 checks declared in checks.d, in run order\n\n");
    print_options();
    printf("\n%s", exit_codes);
}

static void usage_doctor(void)
{
    printf("Usage: sourceos doctor local-runtime [OPTIONS]\n\n"
           "Runs every check of scope runtime declared in checks.d, in\n"
           "dependency order, and reports each result with its findings and\n"
           "their remediation.\n\n");
    print_options();
    printf("\n%s", exit_codes);
}

static void usage_plugins(void)
{
    printf("Usage: sourceos plugins [--plugin-dir DIR] [--format FMT]\n\n"
           "Loads every plugin of the plugin directory and each plugin that\n"
           "checks.d names, and lists name, version, ABI, checks and actions,\n"
           "or why it did not load. Exit 2 when one did not load.\n");
}

static void usage_checks(void)
{
    printf("Usage: sourceos checks [--config-dir DIR] [--plugin-dir DIR] "
           "[--format FMT]\n\n"
           "Lists the checks declared in checks.d in run order: id, plugin and\n"
           "check, scope, systems, dependencies, and whether the plugin has\n"
           "it. Exit 2 when a check cannot run, 3 when checks.d is invalid.\n");
}

static void usage_agent(const char *program)
{
    printf("Usage: %s [OPTIONS] COMMAND NAME\n\n"
           "This version has no %s commands yet: the lifecycle commands\n"
           "(preflight, doctor, status, ...) come in later releases.\n"
           "Use 'sourceos doctor local-runtime' for the host's checks.\n\n",
           program, program);
    print_options();
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int run_sourceos(struct cli *cli)
{
    const char *cmd = cli->n_words > 0 ? cli->words[0] : NULL;
    if (!cmd) {
        if (cli->help) {
            usage_sourceos();
            return 0;
        }
        cli_error(cli, "no command given; see 'sourceos --help'");
        return EXIT_USAGE;
    }
    if (strcmp(cmd, "doctor") == 0) {
        if (cli->help) {
            usage_doctor();
            return 0;
        }
        if (cli->n_words != 2 || strcmp(cli->words[1], "local-runtime") != 0) {
            cli_error(cli, "usage: sourceos doctor local-runtime (see "
                           "'sourceos doctor --help')");
            return EXIT_USAGE;
        }
        return cmd_doctor(cli);
    }
    if (strcmp(cmd, "plugins") == 0) {
        if (cli->help) {
            usage_plugins();
            return 0;
        }
        return cmd_plugins(cli);
    }
    if (strcmp(cmd, "checks") == 0) {
        if (cli->help) {
            usage_checks();
            return 0;
        }
        return cmd_checks(cli);
    }
    cli_error(cli, "unknown command '%s'; see 'sourceos --help'", cmd);
    return EXIT_USAGE;
}

static int run_not_yet(struct cli *cli)
{
    if (cli->help || cli->n_words == 0) {
        usage_agent(cli->program);
        return cli->help ? 0 : EXIT_USAGE;
    }
    cli_error(cli, "unknown command '%s'; see '%s --help'", cli->words[0],
              cli->program);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    struct cli cli;
    int rc;
    memset(&cli, 0, sizeof cli);
    cli.program = base_name(argc > 0 ? argv[0] : "sourceos");
    if (strcmp(cli.program, "sourceos-agent") != 0 &&
        strcmp(cli.program, "sourceosctl") != 0)
        cli.program = "sourceos";
    rc = cli_parse(&cli, argc, argv);
    if (rc == 1)
        return 0;
    if (rc != 0)
        return rc;
    if (strcmp(cli.program, "sourceos") == 0)
        return run_sourceos(&cli);
    return run_not_yet(&cli);
}
