#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "report.h"
#include "runner.h"
#include "session.h"
#include "signals.h"

/* Each event is flushed as it is written, so a failed write is seen (and
 * said once) while the run goes on, and the exit status says so. */
/* What the NDJSON callbacks need: where write errors go, and the run whose
 * finished checks' secrets each event is redacted with. */
struct ndjson_data {
    struct cli *cli;
    const struct sos_run *run;
};

static void ndjson_started(void *data, const struct sos_run_entry *e)
{
    struct ndjson_data *nd = data;
    sos_ndjson_check_started(stdout, e);
    cli_flush_stdout(nd->cli);
}

static void ndjson_finished(void *data, const struct sos_run_entry *e)
{
    struct ndjson_data *nd = data;
    sos_ndjson_check_finished(stdout, nd->run, e);
    cli_flush_stdout(nd->cli);
}

static int print_report(struct cli *cli, const struct sos_run *run)
{
    if (cli->format == FORMAT_JSON) {
        json_t *doc = sos_report_to_json(run);
        if (!doc) {
            cli_error(cli, "out of memory building the JSON report");
            return 3;
        }
        if (json_dumpf(doc, stdout, JSON_INDENT(2)) != 0) {
            json_decref(doc);
            cli_flush_stdout(cli);
            return EXIT_IO;
        }
        fputc('\n', stdout);
        json_decref(doc);
    } else if (cli->format == FORMAT_NDJSON) {
        sos_ndjson_summary(stdout, run);
    } else {
        struct sos_human_opts opts = {cli->color, cli->quiet, cli->verbose};
        sos_report_print_human(stdout, run, &opts);
    }
    return 0;
}

static int run_doctor(struct cli *cli, const struct sos_session_config *config)
{
    struct sos_session s;
    struct ndjson_data nd;
    struct sos_runner_opts opts = {
        .root = cli->root,
        .offline = cli_offline(cli),
        .jobs = cli->jobs,
        .default_timeout = cli->timeout,
        .max_timeout = cli->timeout_given ? cli->timeout : 0,
    };
    sos_error err;
    int rc;

    if (sos_session_open(&s, config, &err) != 0) {
        cli_error(cli, "%s", err.msg);
        sos_session_close(&s);
        return 3;
    }
    if (cli->format == FORMAT_NDJSON) {
        opts.on_start = ndjson_started;
        opts.on_finish = ndjson_finished;
        nd.cli = cli;
        nd.run = &s.run;
        opts.callback_data = &nd;
    }
    if (sos_runner_run(&s.run, s.jobs, &opts, &err) != 0) {
        cli_error(cli, "%s", err.msg);
        sos_session_close(&s);
        return 3;
    }
    if (s.run.interrupted_by) {
        char buf[32];
        cli_error(cli, "interrupted by %s: every check's processes were "
                       "killed; the report shows what finished",
                  sos_signal_name(s.run.interrupted_by, buf, sizeof buf));
    }
    rc = print_report(cli, &s.run);
    if (rc == 0)
        rc = s.run.exit_code; /* 128+N when interrupted */
    sos_session_close(&s);
    return rc;
}

static const char *config_dir(const struct cli *cli)
{
    return cli->config_dir ? cli->config_dir : cli_default_config_dir();
}

int cmd_doctor(struct cli *cli)
{
    struct sos_session_config config = {
        .config_dir = config_dir(cli),
        .plugin_dir = cli->plugin_dir ? cli->plugin_dir : cli_default_plugin_dir(),
        .root = cli->root,
        .scope = SOS_SCOPE_RUNTIME,
        .command = "doctor local-runtime",
        .all_agents = 1, /* the machine and every agent declared on it */
    };
    return run_doctor(cli, &config);
}

/* The host's runtime checks and the agent's own, with the agent's
 * declaration giving the agent-scope checks their image, container, auth. */
int cmd_agent_doctor(struct cli *cli, const char *name)
{
    struct sos_agent agent;
    char *command = NULL;
    sos_error err;
    int rc;
    struct sos_session_config config = {
        .config_dir = config_dir(cli),
        .plugin_dir = cli->plugin_dir ? cli->plugin_dir : cli_default_plugin_dir(),
        .root = cli->root,
        .scope = -1,
        .agent = &agent,
    };
    if (sos_agent_load(config.config_dir, name, &agent, &err) != 0) {
        cli_error(cli, "%s", err.msg);
        return 3;
    }
    if (asprintf(&command, "doctor %s", name) < 0) {
        sos_agent_free(&agent);
        cli_error(cli, "out of memory");
        return 3;
    }
    config.command = command;
    rc = run_doctor(cli, &config);
    free(command);
    sos_agent_free(&agent);
    return rc;
}
