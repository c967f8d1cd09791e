/* Reading stereosd's answers: {"type": T, "payload": {...}}, one line.
 * Everything in them came from the guest: shown bounded, never run. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/plugin_util.h"
#include "stereos.h"

/* Agents named in one finding at most: the rest are counted. */
#define MAX_NAMED 8

enum stereos_state stereos_state_of(const char *name)
{
    static const struct {
        const char *word;
        enum stereos_state state;
    } words[] = {
        {"ready", STEREOS_READY},       {"healthy", STEREOS_READY},
        {"booting", STEREOS_BOOTING},   {"degraded", STEREOS_DEGRADED},
        {"shutdown", STEREOS_SHUTDOWN},
    };
    for (size_t i = 0; name && i < sizeof words / sizeof words[0]; i++)
        if (strcmp(name, words[i].word) == 0)
            return words[i].state;
    return STEREOS_UNKNOWN;
}

static sourceos_finding *malformed(sourceos_ctx *ctx, const char *url, const char *request,
                                   const char *why)
{
    sourceos_finding *f = sourceos_finding_add(ctx, "stereos.malformed", SOURCEOS_SEV_CRITICAL,
                                               "%s answered %s with %s", url, request, why);
    sourceos_finding_evidence(f, "url", url);
    sourceos_finding_evidence(f, "request", request);
    sourceos_finding_remediation(f, "That is not stereosd's protocol: check that the port "
                                    "is the guest's control plane (vm.controlPlane in the "
                                    "profile), not another service, and that the guest runs a "
                                    "stereosd that speaks NDJSON.");
    return f;
}

sourceos_status stereos_answer_shape(sourceos_ctx *ctx, const char *url, const char *request,
                                     const struct sourceos_line *answer, const char *want_type)
{
    const char *text = answer->line;
    size_t len = answer->line_len;
    struct plugin_json_where where;
    const char *type;
    char why[300];
    if (plugin_json_where(ctx, text, len, &where)) {
        plugin_textf(why, sizeof why, "a line that is not JSON (%s)", where.text);
        plugin_json_evidence(malformed(ctx, url, request, why), &where);
        return SOURCEOS_FAILURE;
    }
    type = sourceos_json_get(ctx, text, len, "type");
    if (sourceos_json_count(ctx, text, len, "") < 0 || !type) {
        malformed(ctx, url, request, "JSON that is not an object with a type");
        return SOURCEOS_FAILURE;
    }
    if (strcmp(type, want_type) != 0) {
        plugin_textf(why, sizeof why, "type \"%.60s\", not \"%s\"", type, want_type);
        malformed(ctx, url, request, why);
        return SOURCEOS_FAILURE;
    }
    if (strcmp(want_type, "health") == 0 &&
        !sourceos_json_get(ctx, text, len, "payload.state")) {
        malformed(ctx, url, request, "a health that has no payload.state");
        return SOURCEOS_FAILURE;
    }
    return SOURCEOS_OK;
}

/* "a (error: E), b and 3 more" of the agents whose running is not true;
 * the number of them. */
static size_t agents_down(sourceos_ctx *ctx, const struct sourceos_line *a, char *out,
                          size_t size)
{
    long n = sourceos_json_count(ctx, a->line, a->line_len, "payload.agents");
    size_t down = 0, used = 0;
    out[0] = '\0';
    for (long i = 0; i < n; i++) {
        char path[80];
        const char *name, *running, *error;
        snprintf(path, sizeof path, "payload.agents[%ld].running", i);
        running = sourceos_json_get(ctx, a->line, a->line_len, path);
        if (running && strcmp(running, "true") == 0)
            continue;
        if (down++ >= MAX_NAMED)
            continue;
        snprintf(path, sizeof path, "payload.agents[%ld].name", i);
        name = sourceos_json_get(ctx, a->line, a->line_len, path);
        snprintf(path, sizeof path, "payload.agents[%ld].error", i);
        error = sourceos_json_get(ctx, a->line, a->line_len, path);
        if (used < size)
            used += (size_t)snprintf(out + used, size - used, "%s%.80s%s%.120s%s",
                                     used ? ", " : "", name ? name : "(unnamed)",
                                     error ? " (error: " : "", error ? error : "",
                                     error ? ")" : "");
    }
    if (down > MAX_NAMED && used < size)
        snprintf(out + used, size - used, " and %zu more", down - MAX_NAMED);
    return down;
}

static void health_evidence(sourceos_finding *f, const char *url, const char *state,
                            const char *uptime, long agents)
{
    char count[32];
    snprintf(count, sizeof count, "%ld", agents < 0 ? 0 : agents);
    sourceos_finding_evidence(f, "url", url);
    sourceos_finding_evidence(f, "state", state);
    sourceos_finding_evidence(f, "agents", count);
    if (uptime)
        sourceos_finding_evidence(f, "uptime_seconds", uptime);
}

sourceos_status stereos_judge_health(sourceos_ctx *ctx, const char *url,
                                     const struct sourceos_line *a)
{
    const char *state = sourceos_json_get(ctx, a->line, a->line_len, "payload.state");
    const char *uptime = sourceos_json_get(ctx, a->line, a->line_len, "payload.uptime_seconds");
    long agents = sourceos_json_count(ctx, a->line, a->line_len, "payload.agents");
    char down_list[1200];
    size_t down = agents_down(ctx, a, down_list, sizeof down_list);
    sourceos_finding *f;
    sourceos_fact_set(ctx, "stereos.state", stereos_state_of(state) == STEREOS_UNKNOWN
                                                ? "unknown" : state);
    switch (stereos_state_of(state)) {
    case STEREOS_READY:
        f = sourceos_finding_add(ctx, "stereos.ready", SOURCEOS_SEV_INFO,
                                 "the guest's control plane is %s (%ld agents, up %s s)",
                                 state, agents < 0 ? 0 : agents, uptime ? uptime : "?");
        health_evidence(f, url, state, uptime, agents);
        return SOURCEOS_OK;
    case STEREOS_BOOTING:
        f = sourceos_finding_add(ctx, "stereos.booting", SOURCEOS_SEV_WARNING,
                                 "the guest is still booting (up %s s)", uptime ? uptime : "?");
        health_evidence(f, url, state, uptime, agents);
        sourceos_finding_remediation(f, "Wait for it to become ready, then run the doctor "
                                        "again; a guest that stays booting has failed to "
                                        "start its agents: look at its console log.");
        return SOURCEOS_WARNING;
    case STEREOS_DEGRADED:
        f = sourceos_finding_add(ctx, "stereos.degraded", SOURCEOS_SEV_WARNING,
                                 "the guest is degraded: %zu of %ld agents not running%s%s",
                                 down, agents < 0 ? 0 : agents, down ? ": " : "", down_list);
        health_evidence(f, url, state, uptime, agents);
        sourceos_finding_remediation(f, "Look at the failing agents' logs in the guest; "
                                        "restart the guest if they do not come back.");
        return SOURCEOS_WARNING;
    case STEREOS_SHUTDOWN:
        f = sourceos_finding_add(ctx, "stereos.shutdown", SOURCEOS_SEV_CRITICAL,
                                 "the guest's control plane is shutting down");
        health_evidence(f, url, state, uptime, agents);
        sourceos_finding_remediation(f, "Start the machine again once it has stopped.");
        stereos_start_command(ctx, f);
        return SOURCEOS_FAILURE;
    case STEREOS_UNKNOWN:
    default:
        break;
    }
    {
        char why[200];
        plugin_textf(why, sizeof why, "a state stereosd does not have (\"%.60s\")", state);
        malformed(ctx, url, "get_health", why);
    }
    return SOURCEOS_FAILURE;
}
