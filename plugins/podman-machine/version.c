/* podman.version: Podman is new enough for what the agent's wrapper and
 * checks rely on (param `min`, default 4.0). Reads fact podman.version
 * (podman.binary's); asks `podman --version` itself only without it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podman.h"

#define DEFAULT_MIN "4.0"
#define PARTS 3

/* The numbers of a dotted version ("4.3.1", "5.0.0-rc1": 5 0 0) into
 * PART; missing ones are 0. 0, or -1 when TEXT does not start with a
 * number. STRICT: nothing but digits and dots, as a `min` is written. */
static int read_version(const char *text, long part[PARTS], int strict)
{
    const char *p = text;
    memset(part, 0, sizeof(long) * PARTS);
    for (int i = 0; i < PARTS; i++) {
        char *end;
        if (*p < '0' || *p > '9')
            return i == 0 || strict ? -1 : 0;
        part[i] = strtol(p, &end, 10);
        p = end;
        if (*p != '.')
            return strict && *p ? -1 : 0;
        p++;
    }
    return strict && *p ? -1 : 0;
}

static int older(const long a[PARTS], const long b[PARTS])
{
    for (int i = 0; i < PARTS; i++)
        if (a[i] != b[i])
            return a[i] < b[i];
    return 0;
}

/* The version from fact podman.version, else from `podman --version` into
 * BUF. NULL with a finding recorded (and *ST set) when there is none. */
static const char *find_version(sourceos_ctx *ctx, char *buf, size_t size,
                                sourceos_status *st)
{
    const char *fact = sourceos_fact_get(ctx, "podman.version");
    const char *argv[] = {podman_program(ctx), "--version", NULL};
    const struct sourceos_cmd *r;
    sourceos_finding *f;
    char why[256];
    if (fact && *fact)
        return fact;
    r = sourceos_run(ctx, argv, NULL, podman_timeout_ms(ctx));
    *st = podman_command_trouble(ctx, r, "--version");
    if (*st != SOURCEOS_OK)
        return NULL;
    if (r->exit_status == 0 && podman_parse_version(r->out, buf, size) == 0)
        return buf;
    podman_first_line(r->err_len ? r->err : r->out, why, sizeof why);
    f = sourceos_finding_add(ctx, "podman.version-unknown", SOURCEOS_SEV_WARNING,
                             "unknown: '%s --version' gave no version (exit %d): %s",
                             podman_program(ctx), r->exit_status, why);
    sourceos_finding_remediation(f, "Run the command by hand to see what Podman says.");
    sourceos_finding_command(f, "podman --version");
    *st = SOURCEOS_ERROR;
    return NULL;
}

sourceos_status podman_check_version(sourceos_ctx *ctx)
{
    const char *min = sourceos_param(ctx, "min");
    const char *version;
    long want[PARTS], have[PARTS];
    sourceos_status st = SOURCEOS_OK;
    sourceos_finding *f;
    char buf[64], text[256];

    if (!min)
        min = DEFAULT_MIN;
    if (read_version(min, want, 1) != 0) {
        sourceos_finding_add(ctx, "podman.version-params", SOURCEOS_SEV_CRITICAL,
                             "param 'min' is '%s', not a version such as 4.0", min);
        return SOURCEOS_ERROR;
    }
    version = find_version(ctx, buf, sizeof buf, &st);
    if (!version)
        return st;
    if (read_version(version, have, 0) != 0) {
        f = sourceos_finding_add(ctx, "podman.version-unknown", SOURCEOS_SEV_WARNING,
                                 "unknown: podman.version '%s' is not a version", version);
        sourceos_finding_remediation(f, "Run the command by hand to see what Podman says.");
        sourceos_finding_command(f, "podman --version");
        return SOURCEOS_ERROR;
    }
    if (older(have, want)) {
        f = sourceos_finding_add(ctx, "podman.version-unsupported", SOURCEOS_SEV_CRITICAL,
                                 "podman %s is older than %s, the oldest supported",
                                 version, min);
        plugin_textf(text, sizeof text, "Upgrade Podman to %s or later.", min);
        sourceos_finding_remediation(f, text);
        sourceos_finding_evidence(f, "version", version);
        sourceos_finding_evidence(f, "min", min);
        return SOURCEOS_FAILURE;
    }
    f = sourceos_finding_add(ctx, "podman.version-supported", SOURCEOS_SEV_INFO,
                             "podman %s (%s or later needed)", version, min);
    sourceos_finding_evidence(f, "version", version);
    sourceos_finding_evidence(f, "min", min);
    return SOURCEOS_OK;
}
