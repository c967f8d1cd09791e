#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "checksd.h"
#include "cli.h"
#include "verbs.h"
#include "command.h"
#include "replay.h"
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

/* The status line is redrawn at most this often (seconds). */
#define STATUS_INTERVAL 0.2

/* What the human report's callbacks need: where write errors go, and the
 * report being printed as the checks finish. */
struct human_data {
    struct cli *cli;
    struct sos_human_stream *hs;
};

static void human_finished(void *data, const struct sos_run_entry *e)
{
    struct human_data *hd = data;
    (void)e; /* the stream looks at the run: an earlier check may be pending */
    sos_human_stream_finished(hd->hs);
    cli_flush_stdout(hd->cli);
}

/* Asked each time: the window may have been resized. 0 when unknown. */
static unsigned terminal_columns(void)
{
    struct winsize ws;
    return ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 ? ws.ws_col : 0;
}

static void human_tick(void *data)
{
    struct human_data *hd = data;
    sos_human_stream_status(hd->hs, sos_now_wall(), terminal_columns());
    cli_flush_stdout(hd->cli);
}

/* Sets OPTS up to print the human report as the run goes; 0, or -1 (said)
 * on ENOMEM. */
static int start_human(struct cli *cli, const struct sos_run *run,
                       struct human_data *hd, struct sos_runner_opts *opts)
{
    struct sos_human_opts ho = {cli->color, cli->quiet, cli->verbose,
                                cli->status_line, NULL};
    hd->cli = cli;
    hd->hs = sos_human_stream_new(stdout, run, &ho);
    if (!hd->hs) {
        cli_error(cli, "out of memory");
        return -1;
    }
    opts->on_finish = human_finished;
    if (cli->status_line) {
        opts->on_tick = human_tick;
        opts->tick_interval = STATUS_INTERVAL;
    }
    opts->callback_data = hd;
    return 0;
}

/* The status line goes before anything else is said on the terminal. */
static void stop_status(struct cli *cli, struct human_data *hd)
{
    if (hd->hs) {
        sos_human_stream_clear(hd->hs);
        cli_flush_stdout(cli);
    }
}

static int print_report(struct cli *cli, const struct sos_run *run,
                        struct sos_human_stream *hs)
{
    if (cli->format == FORMAT_JSON) {
        json_t *doc = sos_report_to_json(run);
        if (!doc) {
            cli_error(cli, "out of memory building the JSON report");
            return SOS_EXIT_UNDECIDED;
        }
        if (json_dumpf(doc, stdout, JSON_INDENT(2)) != 0) {
            json_decref(doc);
            cli_flush_stdout(cli);
            return SOS_EXIT_OUTPUT;
        }
        fputc('\n', stdout);
        json_decref(doc);
    } else if (cli->format == FORMAT_NDJSON) {
        sos_ndjson_summary(stdout, run);
    } else if (cli->format == FORMAT_HUMAN) {
        sos_human_stream_end(hs);
    }
    return 0;
}

/* REPLAY (may be NULL): --from-bundle's table and tree, which the checks
 * read instead of this machine. */
int cli_run_doctor(struct cli *cli, const struct sos_session_config *config,
                   const struct sos_replay *replay)
{
    struct sos_session s;
    struct ndjson_data nd;
    struct human_data hd = {cli, NULL};
    struct sos_runner_opts opts = {
        .root = replay ? replay->root : cli->root,
        .offline = replay ? 0 : cli_offline(cli),
        .replay = replay,
        .jobs = cli->jobs,
        .default_timeout = cli->timeout,
        .max_timeout = cli->timeout_given ? cli->timeout : 0,
    };
    sos_error err;
    int rc;

    if (sos_session_open(&s, config, &err) != 0) {
        cli_error(cli, "%s", err.msg);
        sos_session_close(&s);
        return SOS_EXIT_UNDECIDED;
    }
    if (cli->format == FORMAT_NDJSON) {
        opts.on_start = ndjson_started;
        opts.on_finish = ndjson_finished;
        nd.cli = cli;
        nd.run = &s.run;
        opts.callback_data = &nd;
    } else if (cli->format == FORMAT_HUMAN &&
               start_human(cli, &s.run, &hd, &opts) != 0) {
        sos_session_close(&s);
        return SOS_EXIT_UNDECIDED;
    }
    if (sos_runner_run(&s.run, s.jobs, &opts, &err) != 0) {
        stop_status(cli, &hd);
        cli_error(cli, "%s", err.msg);
        sos_human_stream_free(hd.hs);
        sos_session_close(&s);
        return SOS_EXIT_UNDECIDED;
    }
    stop_status(cli, &hd);
    /* SIGPIPE: the reader is gone; the failed write says so (now, or when
     * stdout is closed), which is the one line the user needs. */
    if (s.run.interrupted_by && s.run.interrupted_by != SIGPIPE) {
        char buf[32];
        cli_error(cli, "interrupted by %s: every check's processes were "
                       "killed; the report shows what finished",
                  sos_signal_name(s.run.interrupted_by, buf, sizeof buf));
    }
    rc = print_report(cli, &s.run, hd.hs);
    if (rc == 0 && !s.run.interrupted_by)
        rc = cli_emit_metrics(cli, &s, config, replay != NULL);
    if (rc == 0)
        rc = s.run.exit_code; /* 128+N when interrupted */
    sos_human_stream_free(hd.hs);
    sos_session_close(&s);
    return rc;
}

static const char *config_dir(const struct cli *cli)
{
    return cli->config_dir ? cli->config_dir : cli_default_config_dir();
}

/* ---- --from-bundle --------------------------------------------------------- */

/* A replay in progress: the table and tree, the signals caught from before
 * the private directory is made until it is removed (the runner's own
 * catch nests in this one), and the report's command. */
struct replay_run {
    struct sos_replay table;
    struct sos_signals signals;
    char *command;
};

/* Verifies, extracts and loads cli->from_bundle for the command BASE
 * ("doctor local-runtime", "doctor NAME"). 0, or the exit code (said):
 * 3 for a bundle that does not verify or cannot be loaded, 128+N when
 * interrupted; nothing is left then. */
static int replay_start(struct cli *cli, struct replay_run *rr, const char *base)
{
    struct sos_extract x;
    sos_error err;
    char sig[32];
    int caught;

    memset(rr, 0, sizeof *rr);
    if (sos_signals_catch(&rr->signals) != 0) {
        cli_error(cli, "cannot catch signals: %s", strerror(errno));
        return SOS_EXIT_UNDECIDED;
    }
    if (sos_replay_open(&rr->table, cli->from_bundle, &x, &err) != 0) {
        caught = sos_signals_caught();
        if (caught)
            cli_error(cli, "interrupted by %s: nothing was run, nothing is left",
                      sos_signal_name(caught, sig, sizeof sig));
        else
            cli_error(cli, "--from-bundle: %s%s", x.status == SOS_EXTRACT_TAMPERED
                                                       ? "refused: it is tampered (see 'sourceos "
                                                         "evidence inspect'): "
                                                       : "",
                      err.msg);
        sos_extract_free(&x);
        sos_signals_release(&rr->signals);
        return caught ? SOS_EXIT_SIGNAL_BASE + caught : SOS_EXIT_UNDECIDED;
    }
    sos_extract_free(&x);
    if (rr->table.command && strcmp(rr->table.command, base) != 0)
        cli_error(cli, "warning: the bundle's report.json is of '%s'; this replays '%s'",
                  rr->table.command, base);
    if (asprintf(&rr->command, "%s (from bundle %s)", base, cli->from_bundle) < 0) {
        rr->command = NULL;
        sos_replay_close(&rr->table);
        sos_signals_release(&rr->signals);
        cli_error(cli, "out of memory");
        return SOS_EXIT_UNDECIDED;
    }
    return 0;
}

/* Removes the private tree, then stops catching signals. */
static void replay_end(struct replay_run *rr)
{
    sos_replay_close(&rr->table);
    free(rr->command);
    sos_signals_release(&rr->signals);
}

/* The agent model's defaults: a replay's are those of the captured host's
 * OS and the capture's HOME and XDG_STATE_HOME, not this machine's. */
static int model_opts(const struct cli *cli, const struct replay_run *rr,
                      struct sos_agent_model_opts *mo, sos_error *err)
{
    const char *home = rr ? sos_replay_getenv(&rr->table, "HOME") : NULL;
    if (cli_agent_model_opts(cli, mo, err) != 0)
        return -1;
    if (home && home[0] == '/') {
        mo->home = home;
        mo->xdg_state_home = sos_replay_getenv(&rr->table, "XDG_STATE_HOME");
    }
    if (rr && (rr->table.host.os_mask & SOS_OS_MACOS))
        mo->os = SOS_AGENT_OS_MACOS;
    else if (rr && (rr->table.host.os_mask & (SOS_OS_LINUX | SOS_OS_WSL)))
        mo->os = SOS_AGENT_OS_LINUX;
    return 0;
}

/* The session's view of a replay: its tree, its host, its command. */
static void replay_config(struct replay_run *rr, struct sos_session_config *config)
{
    if (!rr)
        return;
    config->root = rr->table.root;
    config->host = &rr->table.host;
    config->command = rr->command;
    config->agents_dir = rr->table.agents_dir;
}

static int doctor_local_runtime(struct cli *cli, struct replay_run *rr)
{
    struct sos_agent_model_opts mo;
    sos_error err;
    struct sos_session_config config = {
        .config_dir = config_dir(cli),
        .plugin_dir = cli->plugin_dir ? cli->plugin_dir : cli_default_plugin_dir(),
        .root = cli->root,
        .scope = SOS_SCOPE_RUNTIME,
        .command = "doctor local-runtime",
        .all_agents = 1, /* the machine and every agent declared on it */
    };
    replay_config(rr, &config);
    /* Without a home the declarations load with the defaults they can;
     * each says what it lacks. */
    if (model_opts(cli, rr, &mo, &err) == 0)
        config.agent_opts = &mo;
    return cli_run_doctor(cli, &config, rr ? &rr->table : NULL);
}

int cmd_doctor(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    struct replay_run rr;
    int rc;
    (void)verb;
    (void)operands;
    if (!cli->from_bundle)
        return doctor_local_runtime(cli, NULL);
    if ((rc = replay_start(cli, &rr, "doctor local-runtime")) != 0)
        return rc;
    rc = doctor_local_runtime(cli, &rr);
    replay_end(&rr);
    return rc;
}

/* The host's runtime checks and the agent's own, with the agent's
 * declaration giving the agent-scope checks their image, container, auth. */
static int agent_doctor(struct cli *cli, const char *name, const char *command,
                        struct replay_run *rr)
{
    struct sos_agent_model_opts mo;
    struct sos_agent agent;
    sos_error err;
    int rc;
    struct sos_session_config config = {
        .config_dir = config_dir(cli),
        .plugin_dir = cli->plugin_dir ? cli->plugin_dir : cli_default_plugin_dir(),
        .root = cli->root,
        .scope = -1,
        .command = command,
        .agent = &agent,
    };
    replay_config(rr, &config);
    if (model_opts(cli, rr, &mo, &err) != 0 ||
        sos_agent_load_with(config.agents_dir ? config.agents_dir : config.config_dir, name, &mo,
                            &agent, &err) != 0) {
        cli_error(cli, "%s", err.msg);
        return SOS_EXIT_UNDECIDED;
    }
    /* Deprecated keys still load, for one release: say so, and where. */
    for (size_t i = 0; i < agent.model.warnings.n; i++)
        cli_error(cli, "warning: %s", agent.model.warnings.v[i]);
    rc = cli_run_doctor(cli, &config, rr ? &rr->table : NULL);
    sos_agent_free(&agent);
    return rc;
}

int cmd_agent_doctor(struct cli *cli, const struct sos_verb *verb,
                     char **operands)
{
    const char *name = operands[0];
    struct replay_run rr;
    char *command = NULL;
    int rc;
    (void)verb;
    if (asprintf(&command, "doctor %s", name) < 0) {
        cli_error(cli, "out of memory");
        return SOS_EXIT_UNDECIDED;
    }
    if (!cli->from_bundle) {
        rc = agent_doctor(cli, name, command, NULL);
    } else if ((rc = replay_start(cli, &rr, command)) == 0) {
        rc = agent_doctor(cli, name, command, &rr);
        replay_end(&rr);
    }
    free(command);
    return rc;
}
