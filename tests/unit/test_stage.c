/* Staging generations (core/stage.c): generations/N with the declaration,
 * wrapper, service definition and lint results; `current` switched only
 * when every lint passed; a state directory that is a symlink, or a model
 * no generator can write, stages nothing. The lints are the real tools
 * (shellcheck, systemd-analyze, libplist); a failing one is a stand-in on
 * PATH. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage.h"
#include "stage_model.h"

static char tmpdir[256], home[300], state_dir[400], path_env[600];
static char *envp[4];

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_stage.XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(home, sizeof home, "%s/home", tmpdir);
    snprintf(state_dir, sizeof state_dir, "%s/.local/state/sourceos/agents/web", home);
    snprintf(path_env, sizeof path_env, "PATH=/usr/bin:/bin");
    envp[0] = path_env;
    envp[1] = "LC_ALL=C";
    envp[2] = NULL;
    return mkdir(home, 0700);
}

static int teardown(void **state)
{
    char cmd[512];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static struct sos_stage_options options(enum sos_agent_backend backend)
{
    struct sos_stage_options o = {backend,
                                  backend == SOS_BACKEND_LAUNCHD ? SOS_GEN_OS_MACOS
                                                                 : SOS_GEN_OS_LINUX,
                                  home, NULL, state_dir, envp, NULL, 0, NULL, NULL};
    return o;
}

static char *current_target(void)
{
    static char buf[PATH_MAX];
    char link[512];
    ssize_t n;
    snprintf(link, sizeof link, "%s/current", state_dir);
    n = readlink(link, buf, sizeof buf - 1);
    if (n < 0)
        return NULL;
    buf[n] = '\0';
    return buf;
}

static mode_t mode_of(const char *dir, const char *name)
{
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    if (lstat(p, &st) < 0)
        return (mode_t)-1;
    return st.st_mode & 07777;
}

static char *slurp(const char *dir, const char *name)
{
    char p[PATH_MAX], *buf;
    FILE *f;
    long n;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    if (!(f = fopen(p, "rb")))
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = calloc(1, (size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n)
        buf[0] = '\0';
    fclose(f);
    return buf;
}

static void stage_ok(enum sos_agent_backend backend, unsigned want_generation,
                     const char *service_name, const char *service_lint)
{
    struct stage_fixture f;
    struct sos_stage_options o = options(backend);
    struct sos_stage_result r;
    sos_error err = {{0}};
    char want[64], *lint;
    int rc;
    stage_model_init(&f);
    rc = sos_stage(&f.m, &o, &r, &err);
    if (rc != 0) {
        for (size_t i = 0; i < r.lints.n; i++)
            print_message("# %s: %d %s\n", r.lints.v[i].name, r.lints.v[i].status,
                          r.lints.v[i].detail);
        fail_msg("stage: %d %s", rc, err.msg);
    }
    assert_int_equal(r.generation, want_generation);
    assert_true(r.current);
    snprintf(want, sizeof want, "generations/%u", want_generation);
    assert_string_equal(current_target(), want);
    assert_int_equal(mode_of(state_dir, ""), 0700);
    assert_int_equal(mode_of(r.dir, ""), 0700);
    assert_int_equal(mode_of(r.dir, "wrapper"), 0700);
    assert_int_equal(mode_of(r.dir, "declaration.json"), 0600);
    assert_int_equal(mode_of(r.dir, "lint.json"), 0600);
    assert_int_equal(mode_of(r.dir, service_name), 0644);
    /* No temporary file is left behind. */
    assert_int_equal(mode_of(r.dir, ".wrapper.tmp"), (mode_t)-1);
    lint = slurp(r.dir, "lint.json");
    assert_non_null(strstr(lint, "\"lint\": \"shellcheck\",\n    \"status\": \"pass\""));
    assert_non_null(strstr(lint, service_lint));
    free(lint);
    sos_stage_result_free(&r);
}

static void test_stage_systemd_generations(void **state)
{
    (void)state;
    stage_ok(SOS_BACKEND_SYSTEMD, 1, "sourceos-agent@web.service",
             "\"lint\": \"systemd-analyze verify\",\n    \"status\": \"pass\"");
    stage_ok(SOS_BACKEND_SYSTEMD, 2, "sourceos-agent@web.service",
             "\"lint\": \"systemd-analyze verify\",\n    \"status\": \"pass\"");
}

static void test_stage_launchd(void **state)
{
    (void)state;
    stage_ok(SOS_BACKEND_LAUNCHD, 3, "org.sourceos.agent.web.plist",
             "\"lint\": \"plist round trip\",\n    \"status\": \"pass\"");
}

/* A lint that fails leaves the previous generation current. */
static void test_lint_failure_keeps_current(void **state)
{
    struct stage_fixture f;
    struct sos_stage_options o = options(SOS_BACKEND_SYSTEMD);
    struct sos_stage_result r;
    sos_error err = {{0}};
    char bin[400], tool[450], *before, *lint;
    (void)state;
    snprintf(bin, sizeof bin, "%s/failing-bin", tmpdir);
    mkdir(bin, 0700);
    snprintf(tool, sizeof tool, "%s/shellcheck", bin);
    write_file(tool, "#!/bin/sh\necho 'wrapper:1:1: error: planted failure' >&2\nexit 1\n", 0700);
    stage_model_init(&f);
    assert_int_equal(sos_stage(&f.m, &o, &r, &err), 0);
    before = strdup(current_target());
    sos_stage_result_free(&r);
    snprintf(path_env, sizeof path_env, "PATH=%s:/usr/bin:/bin", bin);
    assert_int_equal(sos_stage(&f.m, &o, &r, &err), 1);
    snprintf(path_env, sizeof path_env, "PATH=/usr/bin:/bin");
    assert_false(r.current);
    assert_string_equal(current_target(), before);
    lint = slurp(r.dir, "lint.json");
    assert_non_null(strstr(lint, "\"status\": \"fail\""));
    assert_non_null(strstr(lint, "planted failure"));
    free(lint);
    free(before);
    sos_stage_result_free(&r);
}

/* A model the generators refuse stages nothing, not even a directory. */
static void test_refused_model_stages_nothing(void **state)
{
    struct stage_fixture f;
    struct sos_stage_options o = options(SOS_BACKEND_SYSTEMD);
    struct sos_stage_result r;
    sos_error err = {{0}};
    char other[400];
    (void)state;
    snprintf(other, sizeof other, "%s/other-state", tmpdir);
    o.state_dir = other;
    stage_model_init(&f);
    f.m.image = "localhost/x\nrm -rf /";
    assert_int_equal(sos_stage(&f.m, &o, &r, &err), -1);
    assert_non_null(strstr(err.msg, "image"));
    assert_int_equal(access(other, F_OK), -1);
    sos_stage_result_free(&r);
}

/* A value only a generator refuses (the loader would too, but the stage
 * does not rely on it): refused before the state directory exists. */
static void test_generator_refusal_stages_nothing(void **state)
{
    struct stage_fixture f;
    struct sos_stage_options o = options(SOS_BACKEND_SYSTEMD);
    struct sos_stage_result r;
    sos_error err = {{0}};
    char other[400];
    (void)state;
    snprintf(other, sizeof other, "%s/other-state-env", tmpdir);
    o.state_dir = other;
    stage_model_init(&f);
    f.env[0] = "APP_MODE=serve\nrm -rf /";
    assert_int_equal(sos_stage(&f.m, &o, &r, &err), -1);
    assert_non_null(strstr(err.msg, "env"));
    assert_int_equal(access(other, F_OK), -1);
    sos_stage_result_free(&r);
}

/* skip_external (the bench's SOURCEOS_STAGE_SKIP_EXTERNAL=1): shellcheck
 * and systemd-analyze are not run, even a failing one, and say so. */
static void test_skip_external(void **state)
{
    struct stage_fixture f;
    struct sos_stage_options o = options(SOS_BACKEND_SYSTEMD);
    struct sos_stage_result r;
    sos_error err = {{0}};
    char bin[400], tool[450], *lint;
    (void)state;
    snprintf(bin, sizeof bin, "%s/failing-bin-2", tmpdir);
    mkdir(bin, 0700);
    snprintf(tool, sizeof tool, "%s/shellcheck", bin);
    write_file(tool, "#!/bin/sh\nexit 1\n", 0700);
    snprintf(tool, sizeof tool, "%s/systemd-analyze", bin);
    write_file(tool, "#!/bin/sh\nexit 1\n", 0700);
    stage_model_init(&f);
    o.skip_external = 1;
    snprintf(path_env, sizeof path_env, "PATH=%s:/usr/bin:/bin", bin);
    assert_int_equal(sos_stage(&f.m, &o, &r, &err), 0);
    snprintf(path_env, sizeof path_env, "PATH=/usr/bin:/bin");
    assert_true(r.current);
    lint = slurp(r.dir, "lint.json");
    assert_non_null(strstr(lint, "\"lint\": \"shellcheck\",\n    \"status\": \"skipped\""));
    assert_non_null(strstr(lint, "\"lint\": \"systemd-analyze verify\",\n    \"status\": \"skipped\""));
    assert_non_null(strstr(lint, "SOURCEOS_STAGE_SKIP_EXTERNAL"));
    free(lint);
    sos_stage_result_free(&r);
}

static void test_state_dir_symlink_refused(void **state)
{
    struct stage_fixture f;
    struct sos_stage_options o = options(SOS_BACKEND_SYSTEMD);
    struct sos_stage_result r;
    sos_error err = {{0}};
    char link[400], target[400], gens[450];
    (void)state;
    snprintf(link, sizeof link, "%s/linked-state", tmpdir);
    snprintf(target, sizeof target, "%s/elsewhere", tmpdir);
    snprintf(gens, sizeof gens, "%s/generations", target);
    mkdir(target, 0700);
    assert_int_equal(symlink(target, link), 0);
    o.state_dir = link;
    stage_model_init(&f);
    assert_int_equal(sos_stage(&f.m, &o, &r, &err), -1);
    assert_non_null(strstr(err.msg, "symlink"));
    assert_int_equal(access(gens, F_OK), -1);
    sos_stage_result_free(&r);
}

static void test_state_dir_paths(void **state)
{
    struct stage_fixture f;
    sos_error err = {{0}};
    char *p;
    (void)state;
    stage_model_init(&f);
    p = sos_stage_state_dir(&f.m, "/home/ada", "/xdg/state", &err);
    assert_string_equal(p, "/xdg/state/sourceos/agents/web");
    free(p);
    p = sos_stage_state_dir(&f.m, "/home/ada", NULL, &err);
    assert_string_equal(p, "/home/ada/.local/state/sourceos/agents/web");
    free(p);
    p = sos_stage_state_dir(&f.m, "/home/ada", "relative", &err);
    assert_string_equal(p, "/home/ada/.local/state/sourceos/agents/web");
    free(p);
    assert_null(sos_stage_state_dir(&f.m, "/home/../etc", NULL, &err));
    f.m.scope = SOS_SCOPE_SYSTEM;
    p = sos_stage_state_dir(&f.m, "/home/ada", "/xdg/state", &err);
    assert_string_equal(p, "/var/lib/sourceos/agents/web");
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stage_systemd_generations),
        cmocka_unit_test(test_stage_launchd),
        cmocka_unit_test(test_lint_failure_keeps_current),
        cmocka_unit_test(test_refused_model_stages_nothing),
        cmocka_unit_test(test_generator_refusal_stages_nothing),
        cmocka_unit_test(test_skip_external),
        cmocka_unit_test(test_state_dir_symlink_refused),
        cmocka_unit_test(test_state_dir_paths),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
