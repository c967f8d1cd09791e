/* podman.machine: the VM Podman runs containers in on macOS and Windows. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "podman.h"

#define DEFAULT_MACHINE "podman-machine-default"

struct machine {
    const char *name;
    const char *vm_type;
    const char *state;
    const char *socket;
    const char *pipe;
    const char *config;
};

/* Param `required` ("${agent.podman.requireMachine}"): 1 or 0 when the
 * agent says whether it needs a machine, -1 when it is absent (the check
 * then judges the host, as it always has). */
static int machine_required(sourceos_ctx *ctx)
{
    const char *p = sourceos_param(ctx, "required");
    if (p && (strcmp(p, "true") == 0 || strcmp(p, "false") == 0))
        return strcmp(p, "true") == 0;
    return -1;
}

/* Param `require`: "exists" (the preflight's step: a stopped machine is
 * fine) or "running" (the default). -1 when it is neither. */
static int exists_is_enough(sourceos_ctx *ctx)
{
    const char *p = sourceos_param(ctx, "require");
    if (!p || strcmp(p, "running") == 0)
        return 0;
    return strcmp(p, "exists") == 0 ? 1 : -1;
}

/* Where containers can only run in a machine; on Linux it is optional. The
 * agent's own word (param `required`) comes first. */
static int machine_expected(sourceos_ctx *ctx)
{
    const char *p = sourceos_param(ctx, "expected");
    const char *os = sourceos_fact_get(ctx, "host.os");
    if (machine_required(ctx) >= 0)
        return machine_required(ctx);
    if (p && (strcmp(p, "true") == 0 || strcmp(p, "false") == 0))
        return strcmp(p, "true") == 0;
    return os && (strcmp(os, "macos") == 0 || strcmp(os, "windows") == 0 ||
                  strcmp(os, "wsl") == 0);
}

static const struct sourceos_cmd *machine_command(sourceos_ctx *ctx,
                                                  const char *verb,
                                                  const char *name)
{
    /* Machine commands are local: never pointed at a remote --url. */
    const char *argv[] = {podman_program(ctx), "machine", verb, NULL, NULL,
                          NULL};
    if (strcmp(verb, "list") == 0) {
        argv[3] = "--format";
        argv[4] = "json";
    } else {
        argv[3] = name;
    }
    return sourceos_run(ctx, argv, NULL, podman_timeout_ms(ctx));
}

/* Whether machine N is the one WANTED names (WANTED_LEN bytes of it), or,
 * with no name wanted, the default one or the only one. */
static int is_wanted(const char *n, const char *def, long count, const char *wanted,
                     size_t wanted_len)
{
    if (!n)
        return 0;
    if (wanted)
        return strlen(n) == wanted_len && strncmp(n, wanted, wanted_len) == 0;
    return (def && strcmp(def, "true") == 0) || count == 1;
}

static long find_machine(sourceos_ctx *ctx, const struct sourceos_cmd *list, long count,
                         const char *wanted, size_t wanted_len, const char **name)
{
    char path[64];
    for (long i = 0; i < count; i++) {
        const char *n, *def;
        snprintf(path, sizeof path, "[%ld].Name", i);
        n = sourceos_json_get(ctx, list->out, list->out_len, path);
        snprintf(path, sizeof path, "[%ld].Default", i);
        def = sourceos_json_get(ctx, list->out, list->out_len, path);
        if (is_wanted(n, def, count, wanted, wanted_len)) {
            *name = n;
            return i;
        }
    }
    return -1;
}

/* Index of the machine to check in `podman machine list`: the one named by
 * param `machine`, else the default one, else the only one; -1 if none.
 * `machine` may be a connection's name ("${agent.podman.connection}"): a
 * machine NAME has the connections NAME and NAME-root (rootful). */
static long pick_machine(sourceos_ctx *ctx, const struct sourceos_cmd *list,
                         long count, const char **name)
{
    const char *wanted = sourceos_param(ctx, "machine");
    size_t len = wanted ? strlen(wanted) : 0;
    long i = find_machine(ctx, list, count, wanted, len, name);
    if (i < 0 && len > 5 && strcmp(wanted + len - 5, "-root") == 0)
        i = find_machine(ctx, list, count, wanted, len - 5, name);
    if (i < 0)
        *name = wanted ? wanted : DEFAULT_MACHINE;
    return i;
}

/* COMMAND printed something other than the JSON array it prints: which
 * machine there is, if any, is not known. Says where its JSON breaks. */
static sourceos_status unreadable(sourceos_ctx *ctx, const char *code,
                                  sourceos_severity sev, const char *command,
                                  const struct sourceos_cmd *r)
{
    struct plugin_json_where w;
    sourceos_finding *f;
    if (plugin_json_where(ctx, r->out, r->out_len, &w)) {
        f = sourceos_finding_add(ctx, code, sev,
                                 "%s did not print JSON (line %u, column %u "
                                 "of its output: %s)",
                                 command, w.line, w.column, w.reason);
        plugin_json_evidence(f, &w);
    } else {
        f = sourceos_finding_add(ctx, code, sev,
                                 "%s did not print a JSON array", command);
    }
    sourceos_finding_remediation(f, "Run it by hand to see what Podman prints.");
    return SOURCEOS_ERROR;
}

static sourceos_status no_machine(sourceos_ctx *ctx, const char *name,
                                  const char *why)
{
    sourceos_finding *f;
    if (!machine_expected(ctx) && machine_required(ctx) == 0) {
        sourceos_finding_add(ctx, "podman.machine-not-required", SOURCEOS_SEV_INFO,
                             "not required (no Podman machine %s: %s)", name, why);
        sourceos_fact_set(ctx, "podman.machine.state", "none");
        return SOURCEOS_OK;
    }
    if (!machine_expected(ctx)) {
        f = sourceos_finding_add(ctx, "podman.machine-none", SOURCEOS_SEV_INFO,
                                 "no Podman machine (%s); containers run on "
                                 "this host's own engine",
                                 why);
        sourceos_fact_set(ctx, "podman.machine.state", "none");
        return SOURCEOS_OK;
    }
    f = sourceos_finding_add(ctx, "podman.machine-missing",
                             SOURCEOS_SEV_CRITICAL,
                             "Podman machine %s does not exist (%s); %s",
                             name, why,
                             machine_required(ctx) == 1
                                 ? "the agent requires one (podman.requireMachine)"
                                 : "on this host containers run only in a machine");
    sourceos_finding_remediation(f, "Create the machine, then start it.");
    sourceos_finding_commandf(f, "podman machine init -- %s && podman machine start -- %s",
                              name, name);
    return SOURCEOS_FAILURE;
}

static void machine_evidence(sourceos_finding *f, const struct machine *m)
{
    sourceos_finding_evidence(f, "name", m->name);
    sourceos_finding_evidence(f, "state", m->state);
    if (m->vm_type)
        sourceos_finding_evidence(f, "vm_type", m->vm_type);
    if (m->socket)
        sourceos_finding_evidence(f, "socket", m->socket);
    if (m->pipe)
        sourceos_finding_evidence(f, "pipe", m->pipe);
    if (m->config)
        sourceos_finding_evidence(f, "config", m->config);
}

static void publish(sourceos_ctx *ctx, const struct machine *m)
{
    sourceos_fact_set(ctx, "podman.machine.name", m->name);
    sourceos_fact_set(ctx, "podman.machine.state", m->state);
    if (m->vm_type)
        sourceos_fact_set(ctx, "podman.machine.vmtype", m->vm_type);
    if (m->socket)
        sourceos_fact_set(ctx, "podman.machine.socket", m->socket);
    if (m->pipe)
        sourceos_fact_set(ctx, "podman.machine.pipe", m->pipe);
}

/* The preflight's "does it exist" step (require: exists), and a machine
 * the agent does not need (required: false): its state is told, not
 * judged; whether it runs is the "running" step's, or nobody's. */
static sourceos_status tell_state(sourceos_ctx *ctx, const struct machine *m,
                                  int not_required)
{
    int running = strcmp(m->state, "running") == 0;
    sourceos_finding *f;
    if (not_required)
        f = sourceos_finding_add(ctx, "podman.machine-not-required", SOURCEOS_SEV_INFO,
                                 "not required (Podman machine %s is %s)", m->name,
                                 *m->state ? m->state : "in state ''");
    else if (running)
        f = sourceos_finding_add(ctx, "podman.machine-exists", SOURCEOS_SEV_INFO,
                                 "Podman machine %s exists and is running", m->name);
    else
        f = sourceos_finding_add(ctx, "podman.machine-exists", SOURCEOS_SEV_INFO,
                                 "Podman machine %s exists but is not running "
                                 "(state '%s')",
                                 m->name, m->state);
    machine_evidence(f, m);
    return SOURCEOS_OK;
}

static sourceos_status judge_state(sourceos_ctx *ctx, const struct machine *m)
{
    sourceos_finding *f;
    if (exists_is_enough(ctx) == 1 ||
        (machine_required(ctx) == 0 && strcmp(m->state, "running") != 0))
        return tell_state(ctx, m, exists_is_enough(ctx) != 1);
    if (strcmp(m->state, "running") == 0) {
        f = sourceos_finding_add(ctx, "podman.machine-running", SOURCEOS_SEV_INFO,
                                 "Podman machine %s is running", m->name);
        machine_evidence(f, m);
        return SOURCEOS_OK;
    }
    if (strcmp(m->state, "stopped") == 0) {
        f = sourceos_finding_add(ctx, "podman.machine-stopped",
                                 SOURCEOS_SEV_CRITICAL,
                                 "Podman machine %s is stopped: every container "
                                 "start will fail until it runs",
                                 m->name);
        sourceos_finding_remediation(f, "Start the machine.");
        sourceos_finding_commandf(f, "podman machine start -- %s", m->name);
    } else if (strcmp(m->state, "starting") == 0) {
        f = sourceos_finding_add(ctx, "podman.machine-starting",
                                 SOURCEOS_SEV_CRITICAL,
                                 "Podman machine %s is still starting: its API "
                                 "is not ready",
                                 m->name);
        sourceos_finding_remediation(
            f, "Wait for it to finish starting; if it stays 'starting', stop "
               "and start it.");
        sourceos_finding_commandf(f, "podman machine stop -- %s && podman machine start -- %s",
                                  m->name, m->name);
    } else {
        f = sourceos_finding_add(ctx, "podman.machine-state-unknown",
                                 SOURCEOS_SEV_CRITICAL,
                                 "Podman machine %s is in state '%s': %s",
                                 m->name, m->state,
                                 *m->state ? "Podman cannot tell whether it runs"
                                           : "its VM's control socket is gone "
                                             "(the VM crashed or was killed)");
        sourceos_finding_remediation(f, "Stop the machine, then start it again.");
        sourceos_finding_commandf(f, "podman machine stop -- %s && podman machine start -- %s",
                                  m->name, m->name);
    }
    machine_evidence(f, m);
    return SOURCEOS_FAILURE;
}

/* A string member, or NULL when absent or JSON null (5.x writes
 * "PodmanPipe": null on macOS). */
static const char *member(sourceos_ctx *ctx, const struct sourceos_cmd *r,
                          const char *path)
{
    const char *v = sourceos_json_get(ctx, r->out, r->out_len, path);
    return v && strcmp(v, "null") != 0 && *v ? v : NULL;
}

/* 4.x and 5.x both give an array of one object; 4.x names its config file
 * ConfigPath, 5.x its directory ConfigDir. */
static void read_inspect(sourceos_ctx *ctx, const struct sourceos_cmd *r,
                         struct machine *m)
{
    const char *state = sourceos_json_get(ctx, r->out, r->out_len, "[0].State");
    m->state = state ? state : "";
    m->socket = member(ctx, r, "[0].ConnectionInfo.PodmanSocket.Path");
    m->pipe = member(ctx, r, "[0].ConnectionInfo.PodmanPipe.Path");
    m->config = member(ctx, r, "[0].ConfigPath.Path");
    if (!m->config)
        m->config = member(ctx, r, "[0].ConfigDir.Path");
}

static sourceos_status list_failed(sourceos_ctx *ctx, const struct sourceos_cmd *r)
{
    char why[256];
    sourceos_finding *f;
    podman_first_line(r->err_len ? r->err : r->out, why, sizeof why);
    if (strcasestr(r->err, "as root") && !machine_expected(ctx))
        return no_machine(ctx, DEFAULT_MACHINE,
                          "podman machine does not run as root");
    f = sourceos_finding_add(ctx, "podman.machine-list-failed",
                             SOURCEOS_SEV_CRITICAL,
                             "'podman machine list' failed (exit %d): %s",
                             r->exit_status, why);
    sourceos_finding_remediation(f, "Run it by hand to see what Podman says.");
    sourceos_finding_command(f, "podman machine list");
    return machine_expected(ctx) ? SOURCEOS_FAILURE : SOURCEOS_ERROR;
}

/* Podman refuses machine commands as root on Linux; asking costs a run. */
static int machines_refused_here(sourceos_ctx *ctx)
{
    const char *os = sourceos_fact_get(ctx, "host.os");
    const char *root = sourceos_fact_get(ctx, "host.root");
    return os && strcmp(os, "linux") == 0 && root && strcmp(root, "true") == 0;
}

sourceos_status podman_check_machine(sourceos_ctx *ctx)
{
    const struct sourceos_cmd *list, *inspect;
    struct machine m = {0};
    sourceos_status st;
    char path[64];
    long count, index;

    if (exists_is_enough(ctx) < 0) {
        sourceos_finding_add(ctx, "podman.machine-params", SOURCEOS_SEV_CRITICAL,
                             "param 'require' is '%s'; expected exists or running",
                             sourceos_param(ctx, "require"));
        return SOURCEOS_ERROR;
    }
    if (!machine_expected(ctx) && machines_refused_here(ctx))
        return no_machine(ctx, DEFAULT_MACHINE,
                          "podman machine does not run as root");
    list = machine_command(ctx, "list", NULL);
    st = podman_command_trouble(ctx, list, "machine list");
    if (st != SOURCEOS_OK)
        return st;
    if (list->exit_status != 0)
        return list_failed(ctx, list);
    count = sourceos_json_count(ctx, list->out, list->out_len, "");
    if (count < 0)
        return unreadable(ctx, "podman.machine-list-unreadable", SOURCEOS_SEV_CRITICAL,
                          "'podman machine list --format json'", list);
    index = pick_machine(ctx, list, count, &m.name);
    if (index < 0)
        return no_machine(ctx, m.name,
                          count == 0 ? "none is defined" : "not in 'podman machine list'");
    snprintf(path, sizeof path, "[%ld].VMType", index);
    m.vm_type = member(ctx, list, path);

    inspect = machine_command(ctx, "inspect", m.name);
    st = podman_command_trouble(ctx, inspect, "machine inspect");
    if (st != SOURCEOS_OK)
        return st;
    count = sourceos_json_count(ctx, inspect->out, inspect->out_len, "");
    if (count < 0 && inspect->out_len > 0)
        return unreadable(ctx, "podman.machine-inspect-unreadable", SOURCEOS_SEV_CRITICAL,
                          "'podman machine inspect'", inspect);
    if (count <= 0)
        return no_machine(ctx, m.name, "'podman machine inspect' found nothing");
    read_inspect(ctx, inspect, &m);
    publish(ctx, &m);
    return judge_state(ctx, &m);
}
