/* A driver the tests and the bench capture with, before and beside the
 * quarantine command (tests/cli/capture.sh, bench/run):
 *   run-capture --config-dir D --plugin-dir P --output DIR --name N
 *       [--root TREE] [--compress zstd|gzip|none] [--log-bytes N]
 *       [--label L --domain D --plist PATH] [--unit U --unit-path PATH [--user]]
 *       [--container C]
 * runs doctor local-runtime with everything kept, writes the bundle
 * (core/capture.c) and prints its path; exit 3 with the error when the
 * capture failed (nothing is left then). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

static char *opt(int argc, char **argv, const char *name)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

static char *dup_opt(int argc, char **argv, const char *name)
{
    char *v = opt(argc, argv, name);
    return v ? strdup(v) : NULL;
}

int main(int argc, char **argv)
{
    struct sos_qtarget t = {0};
    const char *compress = opt(argc, argv, "--compress"), *bytes = opt(argc, argv, "--log-bytes");
    struct sos_session_config doctor = {
        .config_dir = opt(argc, argv, "--config-dir"),
        .plugin_dir = opt(argc, argv, "--plugin-dir"),
        .root = opt(argc, argv, "--root"),
        .scope = SOS_SCOPE_RUNTIME,
        .command = "doctor local-runtime",
        .all_agents = 1,
    };
    struct sos_runner_opts run = {.root = doctor.root, .jobs = 2, .default_timeout = 30};
    struct sos_capture_config c = {
        .target = &t, .doctor = &doctor, .run_opts = &run,
        .output_dir = opt(argc, argv, "--output"),
        .compression = SOS_BUNDLE_ZSTD,
        .log_bytes = bytes ? strtoull(bytes, NULL, 10) : 0,
    };
    struct sos_capture *cap;
    sos_error err;
    char *path = NULL;
    int comp = compress ? sos_bundle_compression_of(compress) : SOS_BUNDLE_ZSTD;
    if (!doctor.config_dir || !doctor.plugin_dir || !c.output_dir || !opt(argc, argv, "--name") ||
        comp < 0) {
        fprintf(stderr, "usage: run-capture --config-dir D --plugin-dir P --output DIR --name N "
                        "[--root TREE] [--compress zstd|gzip|none] [--log-bytes N] [--label L "
                        "--domain D --plist PATH] [--unit U --unit-path PATH [--user]] "
                        "[--container C]\n");
        return 64;
    }
    c.compression = (enum sos_bundle_compression)comp;
    t.name = dup_opt(argc, argv, "--name");
    t.label = dup_opt(argc, argv, "--label");
    t.domain = dup_opt(argc, argv, "--domain");
    t.plist = dup_opt(argc, argv, "--plist");
    t.unit = dup_opt(argc, argv, "--unit");
    t.unit_path = dup_opt(argc, argv, "--unit-path");
    t.container = dup_opt(argc, argv, "--container");
    for (int i = 1; i < argc; i++)
        t.user_scope |= strcmp(argv[i], "--user") == 0;
    t.kind = t.label ? SOS_QT_LAUNCHD : t.unit ? SOS_QT_SYSTEMD : SOS_QT_CONTAINER;
    t.backend = t.label ? SOS_BACKEND_LAUNCHD : t.unit ? SOS_BACKEND_SYSTEMD : SOS_BACKEND_AUTO;
    if (!(cap = sos_capture_start(&c, &err)) ||
        sos_capture_add_action(cap, json_pack("{s:s, s:s}", "step", "none", "status", "skipped"),
                               &err) != 0 ||
        sos_capture_set_restore(cap, "nothing to restore", &err) != 0) {
        sos_capture_abort(cap);
        fprintf(stderr, "run-capture: %s\n", err.msg);
        sos_qtarget_free(&t);
        return 3;
    }
    if (sos_capture_finish(cap, &path, &err) != 0) {
        fprintf(stderr, "run-capture: %s\n", err.msg);
        sos_qtarget_free(&t);
        return 3;
    }
    printf("%s\n", path);
    free(path);
    sos_qtarget_free(&t);
    return 0;
}
