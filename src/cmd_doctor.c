#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "report.h"
#include "runner.h"
#include "session.h"

static void ndjson_started(void *data, const struct sos_run_entry *e)
{
    (void)data;
    sos_ndjson_check_started(stdout, e);
}

static void ndjson_finished(void *data, const struct sos_run_entry *e)
{
    sos_ndjson_check_finished(stdout, data, e); /* data: the run */
}

static int print_report(const struct cli *cli, const struct sos_run *run)
{
    if (cli->format == FORMAT_JSON) {
        json_t *doc = sos_report_to_json(run);
        if (!doc || json_dumpf(doc, stdout, JSON_INDENT(2)) != 0) {
            json_decref(doc);
            cli_error(cli, "cannot write the JSON report");
            return 3;
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
    struct sos_runner_opts opts = {
        .root = cli->root,
        .jobs = cli->jobs,
        .default_timeout = cli->timeout,
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
        opts.callback_data = &s.run;
    }
    if (sos_runner_run(&s.run, s.jobs, &opts, &err) != 0) {
        cli_error(cli, "%s", err.msg);
        sos_session_close(&s);
        return 3;
    }
    rc = print_report(cli, &s.run);
    if (rc == 0)
        rc = s.run.exit_code;
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
