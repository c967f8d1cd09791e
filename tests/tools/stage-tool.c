/* A test-only front end to the core's stage (until `sourceos-agent stage
 * NAME` reads agents.d through the model loader): builds the model the
 * loader would, from options, stages one generation and prints the
 * generation's wrapper and service file, one a line. Exit 0 staged and
 * current, 2 a lint failed, 1 refused (the error on stderr).
 *
 *   stage-tool --state-dir DIR --home DIR [--backend launchd|systemd]
 *     [--os macos|linux] [--image REF] [--container NAME] [--connection C]
 *     [--authfile PATH] [--log PATH] [--stdout PATH] [--stderr PATH]
 *     [--require-machine 0|1] [--max N]
 *     [--env K=V]... [--plugin-dir DIR] [-- ARGS...] */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stage.h"
#include "../unit/stage_model.h"

extern char **environ;

#define MAX_LIST 16

int main(int argc, char **argv)
{
    struct stage_fixture f;
    struct sos_stage_options o = {SOS_BACKEND_SYSTEMD, SOS_GEN_OS_LINUX, NULL, NULL, NULL,
                                  environ, NULL};
    struct sos_stage_result r;
    sos_error err = {{0}};
    char *env[MAX_LIST];
    size_t n_env = 0;
    int i, rc;
    stage_model_init(&f);
    f.m.n_mounts = 0;
    f.m.args.n = 0;
    for (i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(k, "--")) {
            i++;
            break;
        }
        if (!v) {
            fprintf(stderr, "stage-tool: %s needs a value\n", k);
            return 64;
        }
        i++;
        if (!strcmp(k, "--state-dir"))
            o.state_dir = v;
        else if (!strcmp(k, "--home"))
            o.home = v;
        else if (!strcmp(k, "--backend"))
            o.backend = !strcmp(v, "launchd") ? SOS_BACKEND_LAUNCHD : SOS_BACKEND_SYSTEMD;
        else if (!strcmp(k, "--os"))
            o.os = !strcmp(v, "macos") ? SOS_GEN_OS_MACOS : SOS_GEN_OS_LINUX;
        else if (!strcmp(k, "--image"))
            f.m.image = argv[i];
        else if (!strcmp(k, "--container"))
            f.m.container_name = argv[i];
        else if (!strcmp(k, "--connection"))
            f.m.podman.connection = argv[i];
        else if (!strcmp(k, "--authfile"))
            f.m.auth.authfile = argv[i];
        else if (!strcmp(k, "--log"))
            f.m.logs.app = argv[i];
        else if (!strcmp(k, "--stdout"))
            f.m.logs.stdout_path = argv[i];
        else if (!strcmp(k, "--stderr"))
            f.m.logs.stderr_path = argv[i];
        else if (!strcmp(k, "--require-machine"))
            f.m.podman.require_machine = atoi(v);
        else if (!strcmp(k, "--max"))
            f.m.lifecycle.max_restarts_per_hour = (unsigned)atoi(v);
        else if (!strcmp(k, "--plugin-dir"))
            o.plugin_dir = v;
        else if (!strcmp(k, "--env") && n_env < MAX_LIST)
            env[n_env++] = argv[i];
        else {
            fprintf(stderr, "stage-tool: unknown option %s\n", k);
            return 64;
        }
    }
    f.m.env.n = n_env;
    f.m.env.v = env;
    f.m.args.n = (size_t)(argc - i);
    f.m.args.v = argv + i;
    if (!o.state_dir || !o.home) {
        fprintf(stderr, "stage-tool: --state-dir and --home are needed\n");
        return 64;
    }
    rc = sos_stage(&f.m, &o, &r, &err);
    if (rc < 0) {
        fprintf(stderr, "stage-tool: %s\n", err.msg);
        return 1;
    }
    printf("%s\n%s\n", r.wrapper, r.service);
    for (size_t k = 0; k < r.lints.n; k++)
        if (r.lints.v[k].status == SOS_LINT_FAIL)
            fprintf(stderr, "stage-tool: lint %s failed: %s\n", r.lints.v[k].name,
                    r.lints.v[k].detail);
    sos_stage_result_free(&r);
    return rc == 0 ? 0 : 2;
}
