/* Helpers every Podman check shares. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "podman.h"

#define MAX_ARGS 32

const char *podman_program(sourceos_ctx *ctx)
{
    const char *p = sourceos_param(ctx, "podman");
    return p && *p ? p : "podman";
}

unsigned podman_timeout_ms(sourceos_ctx *ctx)
{
    return plugin_param_uint(ctx, "timeout_ms", 1, 3599999, PODMAN_DEFAULT_TIMEOUT_MS);
}

const struct sourceos_cmd *podman_run(sourceos_ctx *ctx,
                                      const char *const args[])
{
    const char *argv[MAX_ARGS + 4];
    const char *url = sourceos_fact_get(ctx, "podman.url");
    const char *connection = sourceos_fact_get(ctx, "podman.connection");
    size_t n = 0;
    argv[n++] = podman_program(ctx);
    if (connection && *connection) {
        argv[n++] = "--connection";
        argv[n++] = connection;
    } else if (url && *url) {
        argv[n++] = "--remote";
        argv[n++] = "--url";
        argv[n++] = url;
    }
    for (size_t i = 0; args[i] && i < MAX_ARGS; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return sourceos_run(ctx, argv, NULL, podman_timeout_ms(ctx));
}

void podman_first_line(const char *text, char *out, size_t size)
{
    size_t len;
    while (*text == '\n' || *text == ' ')
        text++;
    len = strcspn(text, "\n");
    snprintf(out, size, "%.*s", (int)(len < size ? len : size - 1), text);
}

int podman_parse_version(const char *out, char *version, size_t size)
{
    const char *v = strstr(out, "version ");
    size_t len;
    if (!v)
        return -1;
    v += strlen("version ");
    len = strspn(v, "0123456789.-+~abcdefghijklmnopqrstuvwxyz");
    if (len == 0 || len >= size || v[0] < '0' || v[0] > '9')
        return -1;
    memcpy(version, v, len);
    version[len] = '\0';
    return 0;
}

/* Not when podman could not reach its engine: a stopped machine's socket
 * gives "unable to connect to Podman socket: ... dial unix ...: connect: no
 * such file or directory", which says nothing of the image or container. */
int podman_says_missing(const char *err)
{
    if (strcasestr(err, "connect to Podman"))
        return 0;
    return strcasestr(err, "no such") || strcasestr(err, "not known") ||
           strcasestr(err, "does not exist") || strcasestr(err, "not found");
}

sourceos_status podman_command_trouble(sourceos_ctx *ctx,
                                       const struct sourceos_cmd *r,
                                       const char *what)
{
    sourceos_finding *f;
    if (r->not_started) {
        f = sourceos_finding_add(ctx, "podman.command-failed",
                                 SOURCEOS_SEV_CRITICAL,
                                 "cannot run '%s %s': %s", podman_program(ctx),
                                 what, strerror(r->start_errno));
        sourceos_finding_remediation(f, "Check that Podman is installed and on PATH.");
        return SOURCEOS_ERROR;
    }
    if (r->timed_out) {
        f = sourceos_finding_add(ctx, "podman.command-timeout",
                                 SOURCEOS_SEV_CRITICAL,
                                 "'%s %s' did not answer within %.1f s",
                                 podman_program(ctx), what, r->duration);
        sourceos_finding_remediation(
            f, "Podman hangs: check the machine or service it talks to, and "
               "its configuration (containers.conf).");
        return SOURCEOS_ERROR;
    }
    return SOURCEOS_OK;
}
