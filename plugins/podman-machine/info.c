/* podman.info: what the Podman service behind the endpoint says of itself. */
#include "config.h"

#include <string.h>

#include "podman.h"

struct info_field {
    const char *path; /* in `podman info --format json` */
    const char *fact; /* published as */
    const char *key;  /* evidence key */
};

static const struct info_field fields[] = {
    {"version.Version", "podman.server_version", "server_version"},
    {"host.security.rootless", "podman.rootless", "rootless"},
    {"store.graphDriverName", "podman.storage_driver", "storage_driver"},
    {"host.ociRuntime.name", "podman.oci_runtime", "oci_runtime"},
    {"host.os", NULL, "os"},
    {"host.arch", NULL, "arch"},
    {"store.graphRoot", NULL, "graph_root"},
    {NULL, NULL, NULL},
};

sourceos_status podman_check_info(sourceos_ctx *ctx)
{
    const char *const args[] = {"info", "--format", "json", NULL};
    const struct sourceos_cmd *r = podman_run(ctx, args);
    sourceos_status st = podman_command_trouble(ctx, r, "info");
    const char *version, *socket_exists;
    sourceos_finding *f;
    struct plugin_json_where w;
    char why[256];

    if (st != SOURCEOS_OK)
        return st;
    version = sourceos_json_get(ctx, r->out, r->out_len, "version.Version");
    if (r->exit_status == 0 && !version && plugin_json_where(ctx, r->out, r->out_len, &w)) {
        f = sourceos_finding_add(ctx, "podman.info-failed", SOURCEOS_SEV_CRITICAL,
                                 "'podman info --format json' printed no JSON "
                                 "(line %u, column %u of its output: %s)",
                                 w.line, w.column, w.reason);
        plugin_json_evidence(f, &w);
        sourceos_finding_remediation(f, "Run it by hand to see what Podman says.");
        sourceos_finding_command(f, "podman info");
        return SOURCEOS_FAILURE;
    }
    if (r->exit_status != 0 || !version) {
        podman_first_line(r->err_len ? r->err : r->out, why, sizeof why);
        f = sourceos_finding_add(ctx, "podman.info-failed", SOURCEOS_SEV_CRITICAL,
                                 "'podman info' failed (exit %d): %s",
                                 r->exit_status, why);
        sourceos_finding_remediation(f, "Run it by hand to see what Podman says.");
        sourceos_finding_command(f, "podman info");
        return SOURCEOS_FAILURE;
    }
    f = sourceos_finding_add(ctx, "podman.info", SOURCEOS_SEV_INFO,
                             "Podman service %s", version);
    for (const struct info_field *i = fields; i->path; i++) {
        const char *v = sourceos_json_get(ctx, r->out, r->out_len, i->path);
        if (!v)
            continue;
        if (i->fact)
            sourceos_fact_set(ctx, i->fact, v);
        sourceos_finding_evidence(f, i->key, v);
    }
    /* Shown for comparison only: absent when false on 4.3, unreliable on
     * 5.3+; podman.connection probes the socket itself. */
    socket_exists = sourceos_json_get(ctx, r->out, r->out_len,
                                      "host.remoteSocket.exists");
    sourceos_finding_evidence(f, "remote_socket_exists_claimed",
                              socket_exists ? socket_exists : "absent");
    return SOURCEOS_OK;
}
