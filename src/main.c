#include "config.h"

#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "cli.h"

static const char global_options[] =
    "Options:\n"
    "  --root DIR          analyse the copied tree DIR, offline: no command\n"
    "                      is run and no socket is touched\n"
    "  --live              with --root, still ask this machine (commands,\n"
    "                      sockets) about what the tree cannot say\n"
    "  --config-dir DIR    directory holding checks.d/ (default: %s)\n"
    "  --plugin-dir DIR    directory of plugins (default: %s)\n"
    "  --format FMT        human, json or ndjson (--json = --format json)\n"
    "  -j, --jobs N        checks run in parallel (default: CPUs, at least 2)\n"
    "  --timeout SECS      deadline of every check: a longer one it declares\n"
    "                      is cut to it (default: its own, else 30)\n"
    "  --no-color          no colours, no status line (also when NO_COLOR\n"
    "                      is set, TERM=dumb or not a terminal)\n"
    "  -q, --quiet         only problems and the summary\n"
    "  -v, --verbose       also facts and the commands run\n"
    "  -h, --help          this help\n"
    "  --version           version and plugin ABI\n";

static const char exit_codes[] =
    "Exit status: 0 all ok, 1 warnings, 2 a failure, 3 could not decide\n"
    "(a check errored or timed out, or checks.d is invalid), 64 usage error,\n"
    "74 the report could not be written.\n";

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
           "  doctor local-runtime   run every check of scope runtime, then each\n"
           "                         agents.d agent's checks (scope agent)\n"
           "  plugins                plugins in the plugin directory, loaded or not\n"
           "  checks                 checks declared in checks.d, in run order\n"
           "  help [COMMAND]         this help, or a command's\n\n");
    print_options();
    printf("\n%s", exit_codes);
}

static void usage_doctor(void)
{
    printf("Usage: sourceos doctor local-runtime [OPTIONS]\n\n"
           "Runs every check of scope runtime declared in checks.d, in\n"
           "dependency order, then the checks of scope agent once for each\n"
           "<config-dir>/agents.d/NAME.yaml (sorted by name, each under its\n"
           "agent's name), and reports each result with its findings and\n"
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

static const char *const lifecycle_commands[] = {
    "preflight", "status", "logs", "stage", "install", "start", "stop",
    "restart", "activate", "quarantine", "uninstall", NULL,
};

static void usage_agent(void)
{
    printf("Usage: sourceos-agent [OPTIONS] COMMAND NAME\n\n"
           "Commands:\n"
           "  doctor NAME   the host's runtime checks and the agent's own\n"
           "                (scope agent), which take the agent's image,\n"
           "                container, auth file and environment from\n"
           "                <config-dir>/agents.d/NAME.yaml\n"
           "  help [doctor] this help, or doctor's\n\n"
           "The other lifecycle commands (preflight, status, logs, stage,\n"
           "install, start, stop, restart, activate, quarantine, uninstall)\n"
           "are not in this release.\n\n");
    print_options();
    printf("\n%s", exit_codes);
}

static void usage_agent_doctor(void)
{
    printf("Usage: sourceos-agent doctor NAME [OPTIONS]\n\n"
           "Runs every check of scope runtime, then the checks of scope agent\n"
           "with the keys of <config-dir>/agents.d/NAME.yaml as their params\n"
           "(image, container, auth, authfile, env, ...), in dependency order.\n"
           "A declaration looks like:\n\n"
           "  name: NAME\n"
           "  image: localhost/agent@sha256:...\n"
           "  container: sourceos-NAME          # the default\n"
           "  auth: empty-authfile              # the default; or host\n"
           "  authfile: /home/me/.config/sourceos/empty-auth.json\n"
           "  env: [HOME=/home/me, DOCKER_CONFIG=/home/me/.config/sourceos/docker]\n\n");
    print_options();
    printf("\n%s", exit_codes);
}

static void usage_sourceosctl(void)
{
    printf("Usage: sourceosctl agent-machine COMMAND\n\n"
           "This release has no sourceosctl commands yet: agent-machine\n"
           "(doctor, init, start, shell, run, fingerprint, evidence inspect)\n"
           "comes later. Use 'sourceos doctor local-runtime' for the host's\n"
           "checks.\n\n");
    print_options();
}

/* `sourceos help [COMMAND]`: the same text as `sourceos COMMAND --help`. */
static int help_sourceos(struct cli *cli, const char *command)
{
    char shown[256];
    if (!command || strcmp(command, "help") == 0)
        usage_sourceos();
    else if (strcmp(command, "doctor") == 0)
        usage_doctor();
    else if (strcmp(command, "plugins") == 0)
        usage_plugins();
    else if (strcmp(command, "checks") == 0)
        usage_checks();
    else {
        cli_error(cli, "no help for unknown command '%s'; see 'sourceos help'",
                  cli_escape(command, shown, sizeof shown));
        return EXIT_USAGE;
    }
    return 0;
}

static int help_agent(struct cli *cli, const char *command)
{
    char shown[256];
    if (!command || strcmp(command, "help") == 0)
        usage_agent();
    else if (strcmp(command, "doctor") == 0)
        usage_agent_doctor();
    else {
        cli_error(cli, "no help for unknown command '%s'; see 'sourceos-agent help'",
                  cli_escape(command, shown, sizeof shown));
        return EXIT_USAGE;
    }
    return 0;
}

/* `help COMMAND` takes the command's words (`help doctor local-runtime`). */
static int run_help(struct cli *cli,
                    int (*help)(struct cli *cli, const char *command))
{
    const char *command = cli->n_words > 1 ? cli->words[1] : NULL;
    if (cli->n_words > 3) {
        cli_error(cli, "usage: %s help [COMMAND]", cli->program);
        return EXIT_USAGE;
    }
    return help(cli, command);
}

/* NDJSON is the event stream of a run; a listing has no events, and
 * printing JSON instead would break a reader that asked for lines. */
static int refuse_ndjson(struct cli *cli, const char *command)
{
    if (cli->format != FORMAT_NDJSON)
        return 0;
    cli_error(cli, "--format ndjson streams the events of a doctor run; '%s %s' "
                   "has none: use --format json",
              cli->program, command);
    return EXIT_USAGE;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int run_sourceos(struct cli *cli)
{
    const char *cmd = cli->n_words > 0 ? cli->words[0] : NULL;
    char shown[256];
    if (!cmd) {
        if (cli->help) {
            usage_sourceos();
            return 0;
        }
        cli_error(cli, "no command given; see 'sourceos help'");
        return EXIT_USAGE;
    }
    if (strcmp(cmd, "help") == 0)
        return run_help(cli, help_sourceos);
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
        return refuse_ndjson(cli, cmd) ? EXIT_USAGE : cmd_plugins(cli);
    }
    if (strcmp(cmd, "checks") == 0) {
        if (cli->help) {
            usage_checks();
            return 0;
        }
        return refuse_ndjson(cli, cmd) ? EXIT_USAGE : cmd_checks(cli);
    }
    cli_error(cli, "unknown command '%s'; see 'sourceos help'",
              cli_escape(cmd, shown, sizeof shown));
    return EXIT_USAGE;
}

static int run_agent(struct cli *cli)
{
    const char *cmd = cli->n_words > 0 ? cli->words[0] : NULL;
    char shown[256];
    if (cmd && strcmp(cmd, "help") == 0)
        return run_help(cli, help_agent);
    if (!cmd || (cli->help && strcmp(cmd, "doctor") != 0)) {
        usage_agent();
        return cli->help ? 0 : EXIT_USAGE;
    }
    if (strcmp(cmd, "doctor") == 0) {
        if (cli->help) {
            usage_agent_doctor();
            return 0;
        }
        if (cli->n_words != 2) {
            cli_error(cli, "usage: sourceos-agent doctor NAME (see "
                           "'sourceos-agent doctor --help')");
            return EXIT_USAGE;
        }
        if (!sos_agent_name_valid(cli->words[1])) {
            /* A name that could be a path is the caller's mistake, not a
             * broken declaration. */
            cli_error(cli, "'%s' is not an agent name: lower-case letters, "
                           "digits and '-', at most 64 characters, not starting "
                           "with '-'",
                      cli_escape(cli->words[1], shown, sizeof shown));
            return EXIT_USAGE;
        }
        return cmd_agent_doctor(cli, cli->words[1]);
    }
    for (size_t i = 0; lifecycle_commands[i]; i++)
        if (strcmp(cmd, lifecycle_commands[i]) == 0) {
            cli_error(cli, "'%s' is not in this release; see 'sourceos-agent --help'",
                      cmd);
            return EXIT_USAGE;
        }
    cli_error(cli, "unknown command '%s'; see 'sourceos-agent help'",
              cli_escape(cmd, shown, sizeof shown));
    return EXIT_USAGE;
}

static int run_sourceosctl(struct cli *cli)
{
    char shown[256];
    if (cli->help || cli->n_words == 0) {
        usage_sourceosctl();
        return cli->help ? 0 : EXIT_USAGE;
    }
    cli_error(cli, "unknown command '%s'; see '%s --help'",
              cli_escape(cli->words[0], shown, sizeof shown), cli->program);
    return EXIT_USAGE;
}

static int run_program(struct cli *cli)
{
    if (strcmp(cli->program, "sourceos") == 0)
        return run_sourceos(cli);
    if (strcmp(cli->program, "sourceos-agent") == 0)
        return run_agent(cli);
    return run_sourceosctl(cli);
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
    if (cli_check_stdout_open(&cli) != 0)
        return EXIT_IO;
    rc = cli_parse(&cli, argc, argv);
    if (rc == 1)
        rc = 0;
    else if (rc == 0 && cli_check_root(&cli) != 0)
        rc = EXIT_USAGE;
    else if (rc == 0)
        rc = run_program(&cli);
    return cli_close_stdout(&cli, rc);
}
