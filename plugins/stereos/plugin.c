/* stereos: asks an agent machine's guest control plane (stereosd) for
 * ping and get_health over TCP (the forwarded host port) or AF_VSOCK, one
 * NDJSON line each way, bounded by the core (sourceos_line_exchange). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "../common/plugin_util.h"
#include "stereos.h"

#define DEFAULT_ANSWER_MS 3000

static const char PING[] = "{\"type\":\"ping\"}";
static const char GET_HEALTH[] = "{\"type\":\"get_health\"}";

void stereos_start_command(sourceos_ctx *ctx, sourceos_finding *f)
{
    const char *profile = sourceos_param(ctx, "profile");
    const char *const with[] = {"sourceosctl", "agent-machine", "start", "--profile", profile,
                                NULL};
    const char *const without[] = {"sourceosctl", "agent-machine", "start", NULL};
    sourceos_finding_command_argv(f, profile ? with : without);
}

struct failure {
    int error;
    const char *code;
    sourceos_severity sev;
    const char *why;
    const char *fix;
};

static const struct failure failures[] = {
    {ECONNREFUSED, "stereos.refused", SOURCEOS_SEV_CRITICAL,
     "nobody listens there (the guest is down, or stereosd is not running)",
     "Start the machine; if it runs, the port is not the one the launcher forwards "
     "(vsock_port in ~/.mb/vms/NAME/state.json)."},
    {ETIMEDOUT, "stereos.silent", SOURCEOS_SEV_CRITICAL,
     "no whole answer line within the deadline",
     "stereosd accepted but did not answer: restart the guest, and check that "
     "nothing else holds the port."},
    {ENODATA, "stereos.closed", SOURCEOS_SEV_CRITICAL,
     "the connection closed before a whole answer line",
     "Something accepted and hung up: check that the port is stereosd's, then "
     "restart the guest."},
    {ECONNRESET, "stereos.closed", SOURCEOS_SEV_CRITICAL,
     "the connection was reset before a whole answer line",
     "Something accepted and hung up: check that the port is stereosd's, then "
     "restart the guest."},
    {EMSGSIZE, "stereos.malformed", SOURCEOS_SEV_CRITICAL,
     "an answer line longer than 1 MiB (stereosd's own bound)",
     "That is not stereosd: check that the port is the guest's control plane."},
    {EAFNOSUPPORT, "stereos.unreachable", SOURCEOS_SEV_CRITICAL,
     "vsock cannot reach that CID from here (not Linux, or no vsock transport)",
     "Use the TCP port the launcher forwards instead: controlPlane: tcp://127.0.0.1:PORT."},
    {EINVAL, "stereos.params", SOURCEOS_SEV_CRITICAL,
     "the URL is not tcp://HOST:PORT or vsock://CID:PORT",
     "Fix vm.controlPlane in the profile."},
};

/* What the failed exchange L says, as a finding; the check's status. */
static sourceos_status unanswered(sourceos_ctx *ctx, const char *url, const char *request,
                                  const struct sourceos_line *l)
{
    const struct failure *fl = NULL;
    sourceos_finding *f;
    for (size_t i = 0; i < sizeof failures / sizeof failures[0]; i++)
        if (-l->error == failures[i].error)
            fl = &failures[i];
    f = sourceos_finding_add(ctx, fl ? fl->code : "stereos.unreachable",
                             fl ? fl->sev : SOURCEOS_SEV_CRITICAL,
                             "the guest's control plane %s does not answer %s: %s", url,
                             request, fl ? fl->why : strerror(-l->error));
    sourceos_finding_evidence(f, "url", url);
    sourceos_finding_evidence(f, "request", request);
    sourceos_finding_remediation(f, fl ? fl->fix : "Check the URL and that the guest runs.");
    if (l->error == -ECONNREFUSED)
        stereos_start_command(ctx, f);
    return fl && fl->error == EINVAL ? SOURCEOS_ERROR : SOURCEOS_FAILURE;
}

/* Sends LINE, asking for WANT_TYPE back; SOURCEOS_OK with *ANSWER set when
 * a well-shaped answer came, else the check's status. */
static sourceos_status ask(sourceos_ctx *ctx, const char *url, const char *request,
                           const char *line, const char *want_type,
                           const struct sourceos_line **answer)
{
    unsigned ms = plugin_param_uint(ctx, "answer_timeout_ms", 1, 599999, DEFAULT_ANSWER_MS);
    const struct sourceos_line *l = sourceos_line_exchange(ctx, url, line, 0, ms);
    *answer = l;
    if (l->error == -ECANCELED)
        return SOURCEOS_SKIPPED; /* offline or a replay: the core says so */
    if (l->error != 0)
        return unanswered(ctx, url, request, l);
    return stereos_answer_shape(ctx, url, request, l, want_type);
}

static sourceos_status check_control_plane(sourceos_ctx *ctx)
{
    const char *url = sourceos_param(ctx, "control_plane");
    const struct sourceos_line *answer;
    sourceos_status st;
    if (!url || !*url) {
        sourceos_finding_add(ctx, "stereos.not-configured", SOURCEOS_SEV_INFO,
                             "the profile names no guest control plane (vm.controlPlane): "
                             "not checked");
        return SOURCEOS_SKIPPED;
    }
    st = ask(ctx, url, "ping", PING, "pong", &answer);
    if (st != SOURCEOS_OK)
        return st;
    st = ask(ctx, url, "get_health", GET_HEALTH, "health", &answer);
    if (st != SOURCEOS_OK)
        return st;
    return stereos_judge_health(ctx, url, answer);
}

static const struct sourceos_check checks[] = {
    {"control-plane", "The guest's stereosd: ping and get_health (never a mutating message)",
     check_control_plane},
    {NULL, NULL, NULL},
};

/* (`profile`, the profile's name, the core sets on every check of scope machine) */
static const char *const control_plane_keys[] = {"control_plane", "answer_timeout_ms", "profile", NULL};

static const struct sourceos_params params[] = {
    {"control-plane", control_plane_keys},
    {NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "stereos",
    .version = PACKAGE_VERSION,
    .checks = checks,
    .actions = NULL,
    .params = params,
};
