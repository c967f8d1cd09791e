/* podman.connection: which endpoint Podman will talk to, and whether it
 * answers. The socket is probed directly (GET /_ping): podman info's
 * remoteSocket.exists is absent when false on 4.3 and unreliable on 5.3+. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "podman.h"

#define DEFAULT_PING_MS 3000u

struct endpoint {
    const char *uri;        /* what Podman will use */
    const char *kind;       /* how it was chosen */
    const char *connection; /* the named connection, if one was chosen */
    char probe[4200];       /* the unix:// or tcp:// URL pinged; "" if none */
    char uri_buf[4200];     /* uri, when it is built here */
    int remote;
};

static unsigned ping_timeout_ms(sourceos_ctx *ctx)
{
    return plugin_param_uint(ctx, "ping_timeout_ms", 1, 599999, DEFAULT_PING_MS);
}

/* macOS and Windows have only a remote client; elsewhere it is asked for. */
static int remote_wanted(sourceos_ctx *ctx)
{
    const char *os = sourceos_fact_get(ctx, "host.os");
    const char *p = sourceos_param(ctx, "remote");
    if (p && strcmp(p, "true") == 0)
        return 1;
    if (sourceos_getenv(ctx, "CONTAINER_CONNECTION") || sourceos_param(ctx, "connection"))
        return 1;
    return os && (strcmp(os, "macos") == 0 || strcmp(os, "windows") == 0);
}

/* The connection named by CONTAINER_CONNECTION or param `connection`, else
 * the default one, from `podman system connection list`. */
static int pick_connection(sourceos_ctx *ctx, struct endpoint *ep)
{
    const char *argv[] = {podman_program(ctx), "system", "connection", "list",
                          "--format", "json", NULL};
    const struct sourceos_cmd *r =
        sourceos_run(ctx, argv, NULL, podman_timeout_ms(ctx));
    const char *wanted = sourceos_getenv(ctx, "CONTAINER_CONNECTION");
    long count = sourceos_json_count(ctx, r->out, r->out_len, "");
    char path[64];
    if (!wanted)
        wanted = sourceos_param(ctx, "connection");
    for (long i = 0; r->exit_status == 0 && i < count; i++) {
        const char *name, *uri, *def;
        snprintf(path, sizeof path, "[%ld].Name", i);
        name = sourceos_json_get(ctx, r->out, r->out_len, path);
        snprintf(path, sizeof path, "[%ld].URI", i);
        uri = sourceos_json_get(ctx, r->out, r->out_len, path);
        snprintf(path, sizeof path, "[%ld].Default", i);
        def = sourceos_json_get(ctx, r->out, r->out_len, path);
        if (!name || !uri)
            continue;
        if (wanted ? strcmp(name, wanted) == 0 : def && strcmp(def, "true") == 0) {
            ep->uri = uri;
            ep->connection = name;
            ep->kind = wanted ? "named connection" : "default connection";
            return 0;
        }
    }
    return -1;
}

static void choose_probe(sourceos_ctx *ctx, struct endpoint *ep)
{
    const char *machine_socket = sourceos_fact_get(ctx, "podman.machine.socket");
    ep->probe[0] = '\0';
    if (strncmp(ep->uri, "unix://", 7) == 0 || strncmp(ep->uri, "tcp://", 6) == 0)
        snprintf(ep->probe, sizeof ep->probe, "%s", ep->uri);
    else if (machine_socket && *machine_socket)
        /* An ssh:// connection to a machine: its API is also forwarded to
         * this local socket, which can be probed without ssh. */
        snprintf(ep->probe, sizeof ep->probe, "unix://%s", machine_socket);
}

static void local_endpoint(sourceos_ctx *ctx, struct endpoint *ep)
{
    const char *runtime_dir = sourceos_getenv(ctx, "XDG_RUNTIME_DIR");
    const char *is_root = sourceos_fact_get(ctx, "host.root");
    char socket[4096];
    ep->uri = "local";
    ep->kind = "local engine";
    ep->remote = 0;
    ep->probe[0] = '\0';
    if ((is_root && strcmp(is_root, "true") == 0) || !runtime_dir)
        snprintf(socket, sizeof socket, "/run/podman/podman.sock");
    else
        snprintf(socket, sizeof socket, "%s/podman/podman.sock", runtime_dir);
    /* Only probed when present: the local engine does not need a service. */
    if (sourceos_host_path(ctx, socket))
        snprintf(ep->probe, sizeof ep->probe, "unix://%s", socket);
}

static int resolve_endpoint(sourceos_ctx *ctx, struct endpoint *ep)
{
    const char *url = sourceos_param(ctx, "url");
    const char *host = sourceos_getenv(ctx, "CONTAINER_HOST");
    const char *machine_socket = sourceos_fact_get(ctx, "podman.machine.socket");
    memset(ep, 0, sizeof *ep);
    ep->remote = 1;
    if (url && *url) {
        ep->uri = url;
        ep->kind = "--url";
    } else if (host && *host) {
        ep->uri = host;
        ep->kind = "CONTAINER_HOST";
    } else if (!remote_wanted(ctx)) {
        local_endpoint(ctx, ep);
        return 0;
    } else if (pick_connection(ctx, ep) != 0) {
        if (!machine_socket || !*machine_socket)
            return -1;
        snprintf(ep->uri_buf, sizeof ep->uri_buf, "unix://%s", machine_socket);
        ep->uri = ep->uri_buf;
        ep->kind = "machine socket";
    }
    choose_probe(ctx, ep);
    return 0;
}

static void publish(sourceos_ctx *ctx, const struct endpoint *ep)
{
    sourceos_fact_set(ctx, "podman.endpoint", ep->uri);
    sourceos_fact_set(ctx, "podman.endpoint_kind", ep->kind);
    sourceos_fact_set(ctx, "podman.remote", ep->remote ? "true" : "false");
    if (ep->remote && ep->connection)
        sourceos_fact_set(ctx, "podman.connection", ep->connection);
    else if (ep->remote)
        sourceos_fact_set(ctx, "podman.url", ep->uri);
}

static void endpoint_evidence(sourceos_finding *f, const struct endpoint *ep)
{
    sourceos_finding_evidence(f, "endpoint", ep->uri);
    sourceos_finding_evidence(f, "chosen_by", ep->kind);
    if (ep->connection)
        sourceos_finding_evidence(f, "connection", ep->connection);
    if (ep->probe[0])
        sourceos_finding_evidence(f, "probed", ep->probe);
}

static const char *why_no_answer(int error)
{
    switch (-error) {
    case ENOENT: return "the socket does not exist (nothing is serving it)";
    case ENOTSOCK: return "the path exists but is not a socket";
    case ECONNREFUSED: return "nobody listens on it (a stale socket)";
    case ETIMEDOUT: return "it did not answer in time";
    case EACCES: return "permission denied";
    case EPROTO: return "the answer is not HTTP";
    case EXDEV: return "the socket path leads out of --root";
    default: return strerror(-error);
    }
}

static const char *code_for(int error)
{
    switch (-error) {
    case ENOENT: return "podman.socket-missing";
    case ECONNREFUSED: return "podman.socket-refused";
    case ETIMEDOUT: return "podman.socket-timeout";
    default: return "podman.socket-unusable";
    }
}

static void remediate(sourceos_ctx *ctx, sourceos_finding *f,
                      const struct endpoint *ep)
{
    const char *machine = sourceos_fact_get(ctx, "podman.machine.name");
    if (strcmp(ep->kind, "CONTAINER_HOST") == 0 || strcmp(ep->kind, "--url") == 0) {
        sourceos_finding_remediation(
            f, "Start the Podman service that should listen there, or point "
               "CONTAINER_HOST at one that runs (unset it to use the local "
               "engine).");
        if (strncmp(ep->uri, "unix://", 7) == 0) {
            const char *const argv[] = {"podman", "system", "service", "--time=0",
                                        ep->uri, NULL};
            sourceos_finding_command_argv(f, argv);
        }
        return;
    }
    if (strcmp(ep->kind, "local engine") == 0) {
        sourceos_finding_remediation(
            f, "The local engine works without the API socket; restart the "
               "socket's service or remove the stale socket.");
        sourceos_finding_command(f, "systemctl restart podman.socket");
        return;
    }
    sourceos_finding_remediation(f, "Start (or restart) the Podman machine.");
    if (!machine)
        machine = "podman-machine-default";
    sourceos_finding_commandf(f, "podman machine stop -- %s; podman machine start -- %s",
                              machine, machine);
}

static sourceos_status judge_answer(sourceos_ctx *ctx, const struct endpoint *ep,
                                    const struct sourceos_http *h)
{
    int local = strcmp(ep->kind, "local engine") == 0;
    sourceos_finding *f;
    if (h->error == 0 && h->status == 200 && strncmp(h->body, "OK", 2) == 0) {
        f = sourceos_finding_add(ctx, "podman.endpoint-ok", SOURCEOS_SEV_INFO,
                                 "%s (%s) answers /_ping in %.0f ms", ep->uri,
                                 ep->kind, h->duration * 1000.0);
        endpoint_evidence(f, ep);
        return SOURCEOS_OK;
    }
    if (h->error == 0)
        f = sourceos_finding_add(ctx, "podman.socket-bad-answer",
                                 local ? SOURCEOS_SEV_WARNING : SOURCEOS_SEV_CRITICAL,
                                 "%s (%s) answered /_ping with HTTP %d, not OK",
                                 ep->probe, ep->kind, h->status);
    else
        f = sourceos_finding_add(ctx, code_for(h->error),
                                 local ? SOURCEOS_SEV_WARNING : SOURCEOS_SEV_CRITICAL,
                                 "Podman endpoint %s (%s) does not answer: %s",
                                 ep->probe, ep->kind, why_no_answer(h->error));
    endpoint_evidence(f, ep);
    remediate(ctx, f, ep);
    return local ? SOURCEOS_WARNING : SOURCEOS_FAILURE;
}

sourceos_status podman_check_connection(sourceos_ctx *ctx)
{
    struct endpoint ep;
    sourceos_finding *f;
    if (resolve_endpoint(ctx, &ep) != 0) {
        f = sourceos_finding_add(ctx, "podman.endpoint-none", SOURCEOS_SEV_CRITICAL,
                                 "Podman on this host needs a remote endpoint, "
                                 "but there is no connection and no machine");
        sourceos_finding_remediation(f, "Create and start a Podman machine.");
        sourceos_finding_command(f, "podman machine init && podman machine start");
        return SOURCEOS_FAILURE;
    }
    publish(ctx, &ep);
    if (!ep.probe[0]) {
        f = sourceos_finding_add(
            ctx, ep.remote ? "podman.endpoint-unprobed" : "podman.endpoint-local",
            ep.remote ? SOURCEOS_SEV_WARNING : SOURCEOS_SEV_INFO,
            ep.remote ? "%s (%s) cannot be probed directly from here"
                      : "%s: Podman runs containers in-process; no API service "
                        "is needed",
            ep.uri, ep.kind);
        endpoint_evidence(f, &ep);
        return ep.remote ? SOURCEOS_WARNING : SOURCEOS_OK;
    }
    return judge_answer(ctx, &ep,
                        sourceos_http_get(ctx, ep.probe, "/_ping", ping_timeout_ms(ctx)));
}
