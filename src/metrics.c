/* A doctor run as Prometheus metrics: on stdout (--format prometheus) and
 * as node_exporter's textfile (--textfile DIR), with each agent's
 * lifecycle from its status. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "cli.h"
#include "report_prometheus.h"
#include "session.h"
#include "verbs.h"

#define TEXTFILE_NAME "sourceos.prom"

struct agents {
    struct sos_prom_agent *v;
    json_t **docs; /* each agent's status document, whose strings v points into */
    size_t n;
};

static void agents_free(struct agents *a)
{
    for (size_t i = 0; i < a->n; i++)
        json_decref(a->docs[i]);
    free(a->v);
    free(a->docs);
}

static int has_agent(const struct agents *a, const char *name)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i].name, name) == 0)
            return 1;
    return 0;
}

/* NAME's lifecycle, backend and restarts from its status; an agent whose
 * status cannot be told has no state series (the doctor's own report
 * says why). */
static void add_agent(struct cli *cli, struct agents *a, const char *name)
{
    struct sos_prom_agent *ag = &a->v[a->n];
    json_t *doc = NULL, *state;
    int exit;
    *ag = (struct sos_prom_agent){name, NULL, NULL, -1};
    a->docs[a->n++] = NULL;
    if (cli_agent_status(cli, name, &doc, &exit) != 0 || !doc)
        return;
    a->docs[a->n - 1] = doc;
    state = json_object_get(doc, "state_dir");
    ag->state = json_string_value(json_object_get(doc, "lifecycle"));
    ag->backend = json_string_value(json_object_get(json_object_get(doc, "backend"), "name"));
    if (json_is_integer(json_object_get(state, "starts_last_hour")))
        ag->restarts = (long)json_integer_value(json_object_get(state, "starts_last_hour"));
}

/* The agents of the run: the one of `doctor NAME`, else each agents.d
 * declaration that loaded. None in a replay: a status asks this machine. */
static int collect_agents(struct cli *cli, const struct sos_session *s,
                          const struct sos_session_config *config, int replay,
                          struct agents *a)
{
    size_t max = s->n_agents + 1;
    memset(a, 0, sizeof *a);
    if (replay)
        return 0;
    if (!(a->v = calloc(max, sizeof *a->v)) || !(a->docs = calloc(max, sizeof *a->docs)))
        return -1;
    if (config->agent) {
        add_agent(cli, a, config->agent->name);
        return 0;
    }
    for (size_t i = 0; i < s->n_agents; i++)
        if (s->agents[i].name && s->agents[i].name_valid && !s->agents[i].load_error &&
            !has_agent(a, s->agents[i].name))
            add_agent(cli, a, s->agents[i].name);
    return 0;
}

/* The metrics text in a malloc'd *TEXT (*LEN bytes). 0, or -1 (said). */
static int render(struct cli *cli, const struct sos_run *run, const struct sos_prom_extra *x,
                  char **text, size_t *len)
{
    FILE *mem = open_memstream(text, len);
    int rc;
    if (!mem) {
        cli_error(cli, "out of memory rendering the metrics");
        return -1;
    }
    rc = sos_report_print_prometheus(mem, run, x);
    if (fclose(mem) != 0 || rc != 0) {
        cli_error(cli, "out of memory rendering the metrics");
        free(*text);
        *text = NULL;
        return -1;
    }
    return 0;
}

static int write_textfile(struct cli *cli, const char *text, size_t len)
{
    sos_error err;
    char shown[512];
    int dirfd = open(cli->textfile, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;
    cli_escape(cli->textfile, shown, sizeof shown);
    if (dirfd < 0) {
        cli_error(cli, "--textfile %s: %s (give node_exporter's textfile directory, "
                       "--collector.textfile.directory)", shown, strerror(errno));
        return -1;
    }
    /* 0644: node_exporter runs as its own user. The temporary's name does
     * not end in .prom, so the collector never reads half a file. */
    rc = sos_atomic_write(dirfd, TEXTFILE_NAME, text, len, 0644, 0, &err);
    close(dirfd);
    if (rc != 0)
        cli_error(cli, "--textfile %s: %s", shown, err.msg);
    return rc;
}

int cli_emit_metrics(struct cli *cli, const struct sos_session *s,
                     const struct sos_session_config *config, int replay)
{
    const struct sos_run *run = &s->run;
    struct agents a;
    struct sos_prom_extra x = {0};
    char *text = NULL;
    size_t len = 0;
    int rc = 0;

    if (cli->format != FORMAT_PROMETHEUS && !cli->textfile)
        return 0;
    if (collect_agents(cli, s, config, replay, &a) != 0) {
        agents_free(&a);
        cli_error(cli, "out of memory collecting the agents' states");
        return SOS_EXIT_UNDECIDED;
    }
    x.agent = config->agent ? config->agent->name : NULL;
    x.agents = a.v;
    x.n_agents = a.n;
    if (render(cli, run, &x, &text, &len) != 0) {
        rc = SOS_EXIT_UNDECIDED;
    } else {
        if (cli->format == FORMAT_PROMETHEUS && fwrite(text, 1, len, stdout) != len) {
            cli_flush_stdout(cli); /* says why */
            rc = SOS_EXIT_OUTPUT;
        }
        if (cli->textfile && write_textfile(cli, text, len) != 0)
            rc = SOS_EXIT_OUTPUT;
    }
    free(text);
    agents_free(&a);
    return rc;
}
