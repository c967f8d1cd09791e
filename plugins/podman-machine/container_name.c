/* podman.container-name: whether the agent's container name (param
 * `container`) is free for its wrapper's `podman run --replace --name`.
 * --replace removes whatever has the name: that is safe only for this
 * agent's own container, which the wrapper labels sourceos.agent=AGENT
 * (param `agent`). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "podman.h"

#define AGENT_LABEL "sourceos.agent"

struct holder {
    const char *name;  /* the container name asked for */
    const char *agent; /* this agent, or NULL */
    const char *state; /* State.Status of the container holding it */
    const char *label; /* its sourceos.agent label, or NULL */
};

/* States in which nothing runs: removing the container stops nothing. */
static int is_stopped(const char *state)
{
    static const char *const stopped[] = {"exited", "stopped", "created",
                                          "configured", "initialized", NULL};
    for (size_t i = 0; stopped[i]; i++)
        if (strcmp(state, stopped[i]) == 0)
            return 1;
    return 0;
}

/* "no sourceos.agent label" or "label sourceos.agent=OTHER", for messages. */
static void whose(const struct holder *h, char *out, size_t size)
{
    if (h->label)
        plugin_textf(out, size, "label " AGENT_LABEL "=%s", h->label);
    else
        plugin_textf(out, size, "no " AGENT_LABEL " label");
}

static void holder_evidence(sourceos_finding *f, const struct holder *h)
{
    sourceos_finding_evidence(f, "container", h->name);
    if (h->state)
        sourceos_finding_evidence(f, "state", h->state);
    sourceos_finding_evidence(f, "label", h->label ? h->label : "");
    if (h->agent)
        sourceos_finding_evidence(f, "agent", h->agent);
}

static sourceos_status free_name(sourceos_ctx *ctx, const struct holder *h)
{
    sourceos_finding *f = sourceos_finding_add(ctx, "podman.container-name-free",
                                               SOURCEOS_SEV_INFO,
                                               "container name %s is free", h->name);
    sourceos_finding_evidence(f, "container", h->name);
    return SOURCEOS_OK;
}

static sourceos_status judge(sourceos_ctx *ctx, const struct holder *h)
{
    sourceos_finding *f;
    char label[512], renamed[512];
    whose(h, label, sizeof label);
    if (h->agent && h->label && strcmp(h->label, h->agent) == 0) {
        f = sourceos_finding_add(ctx, "podman.container-name-ours", SOURCEOS_SEV_INFO,
                                 "container %s is this agent's (%s, %s): safely "
                                 "replaceable",
                                 h->name, label, h->state);
        holder_evidence(f, h);
        return SOURCEOS_OK;
    }
    if (is_stopped(h->state)) {
        const char *const argv[] = {"podman", "rm", "--", h->name, NULL};
        f = sourceos_finding_add(ctx, "podman.container-name-stale", SOURCEOS_SEV_WARNING,
                                 "container %s exists (%s) and is not this agent's "
                                 "(%s): starting the agent would remove it",
                                 h->name, h->state, label);
        sourceos_finding_remediation(
            f, "Remove that container if nothing needs it, or set containerName in "
               "the agent's declaration to a free name.");
        sourceos_finding_command_argv(f, argv);
        holder_evidence(f, h);
        return SOURCEOS_WARNING;
    }
    plugin_textf(renamed, sizeof renamed, "%s-old", h->name);
    {
        const char *const argv[] = {"podman", "rename", "--", h->name, renamed, NULL};
        f = sourceos_finding_add(ctx, "podman.container-name-taken", SOURCEOS_SEV_CRITICAL,
                                 "container %s is %s and is not this agent's (%s): "
                                 "starting the agent would remove it",
                                 h->name, h->state, label);
        sourceos_finding_remediation(
            f, "Another container holds the name: rename it out of the way, or set "
               "containerName in the agent's declaration to a free name.");
        sourceos_finding_command_argv(f, argv);
    }
    holder_evidence(f, h);
    return SOURCEOS_FAILURE;
}

sourceos_status podman_check_container_name(sourceos_ctx *ctx)
{
    struct holder h = {.name = sourceos_param(ctx, "container"),
                       .agent = sourceos_param(ctx, "agent")};
    const char *args[] = {"container", "inspect", h.name, NULL};
    const struct sourceos_cmd *r;
    const char *found;
    sourceos_status st;
    char why[256];

    if (!h.name || !*h.name) {
        sourceos_finding_add(ctx, "podman.container-unset", SOURCEOS_SEV_CRITICAL,
                             "no container to check: set param 'container'");
        return SOURCEOS_ERROR;
    }
    r = podman_run(ctx, args);
    st = podman_command_trouble(ctx, r, "container inspect");
    if (st != SOURCEOS_OK)
        return st;
    if (r->exit_status != 0 && podman_says_missing(r->err))
        return free_name(ctx, &h);
    h.state = sourceos_json_get(ctx, r->out, r->out_len, "[0].State.Status");
    if (r->exit_status != 0 || !h.state) {
        podman_first_line(r->err_len ? r->err : r->out, why, sizeof why);
        sourceos_finding_add(ctx, "podman.container-inspect-failed", SOURCEOS_SEV_CRITICAL,
                             "'podman container inspect %s' failed (exit %d): %s",
                             h.name, r->exit_status, why);
        return SOURCEOS_ERROR;
    }
    /* inspect also takes an ID prefix: a container found by its ID does not
     * hold the name (docker writes the name as "/NAME"). */
    found = sourceos_json_get(ctx, r->out, r->out_len, "[0].Name");
    if (found && *found == '/')
        found++;
    if (found && strcmp(found, h.name) != 0)
        return free_name(ctx, &h);
    h.label = sourceos_json_get(ctx, r->out, r->out_len,
                                "[0].Config.Labels[\"" AGENT_LABEL "\"]");
    return judge(ctx, &h);
}
